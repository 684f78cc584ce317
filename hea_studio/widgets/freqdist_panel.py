"""The "Frequencies" tab (frequency distribution analysis): per element and cube edge, the cubes holding each count of the
element's atoms against random mixing, with the chi-square p-value and Pearson's mu (science.md 6).

The numbers were computed with every analysis already (the JSON ``chi2_p``/``pearson_mu``); this tab
makes the distribution behind them visible.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from hea_studio.plots.freqdist import FrequencyPlot


class FrequencyPanel(QWidget):
    """Element and edge choosers over a :class:`FrequencyPlot` and a line of statistics."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.element = QComboBox()
        self.element.setToolTip("Element whose atoms per cube are counted")
        self.edge = QComboBox()
        self.edge.setToolTip("Cube edge (only edges with cubes are listed)")
        self.plot = FrequencyPlot()
        self.plot.widget.setToolTip(
            "Bars: cubes holding each number of atoms of the element. Line: what random mixing gives "
            "for the same cubes (binomial, or ion draws when molecular ions are decomposed). "
            "Right-click the plot to export it."
        )
        self.status = QLabel("Run an analysis to see the frequency distribution.")
        self.status.setWordWrap(True)
        self.status.setToolTip(
            "chi-square over bins merged to >= 5 expected cubes, dof = bins - 2 (the fraction is "
            "estimated); Pearson mu = sqrt(chi2 / (N + chi2)) with N the atoms counted: near 0 for "
            "random mixing, near 1 for complete separation (Moody et al. 2008)"
        )
        self.result: Any = None
        self._wanted_element: str | None = None
        self._wanted_edge: float | None = None
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Element"))
        controls.addWidget(self.element, 1)
        controls.addWidget(QLabel("Edge"))
        controls.addWidget(self.edge, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(controls)
        layout.addWidget(self.plot.widget, 1)
        layout.addWidget(self.status)
        self.element.currentIndexChanged.connect(self._choice_changed)
        self.edge.currentIndexChanged.connect(self._choice_changed)

    # ---- state ------------------------------------------------------------------------------------
    def save(self, store: QSettings) -> None:
        """Remember the chosen element and edge."""
        if self.element.currentText():
            store.setValue("freqdist/element", self.element.currentText())
        if self.edge.currentIndex() >= 0:
            store.setValue("freqdist/edge", self.edge.currentData())

    def restore(self, store: QSettings) -> None:
        """The element and edge chosen last time (used when a result offers them)."""
        self._wanted_element = str(store.value("freqdist/element", "")) or None
        try:
            edge = store.value("freqdist/edge", None)
            self._wanted_edge = float(edge) if edge is not None else None
        except (TypeError, ValueError):
            self._wanted_edge = None

    # ---- data -------------------------------------------------------------------------------------
    def clear(self) -> None:
        """No analysis."""
        self.result = None
        self.plot.clear()
        self.status.setText("Run an analysis to see the frequency distribution.")

    def set_result(self, result: Any) -> None:
        """Offer the elements and the edges of ``result`` that hold a frequency distribution."""
        if not any(s.fda_hist for s in result.curve):
            return  # a preview computed while a box is dragged: the last distribution stays
        self.result = result
        element = self.element.currentText() or self._wanted_element
        edge = self.edge.currentData() if self.edge.currentIndex() >= 0 else self._wanted_edge
        scales = [s for s in result.curve if s.fda_hist]
        for combo in (self.element, self.edge):
            combo.blockSignals(True)
            combo.clear()
        for name in result.elements:
            self.element.addItem(name)
        for s in scales:
            self.edge.addItem(f"{s.size_nm:g} nm ({s.n_cubes:,} cubes)", float(s.size_nm))
        if element in result.elements:
            self.element.setCurrentIndex(list(result.elements).index(element))
        sizes = [float(s.size_nm) for s in scales]
        if sizes:
            # The chosen edge if it is still there, else the edge with the most cubes above 1 nm.
            if edge is not None and any(abs(edge - L) < 1e-9 for L in sizes):
                index = min(range(len(sizes)), key=lambda i: abs(sizes[i] - edge))
            else:
                index = next((i for i, L in enumerate(sizes) if L >= 1.0), 0)
            self.edge.setCurrentIndex(index)
        for combo in (self.element, self.edge):
            combo.blockSignals(False)
        self._choice_changed()

    def _choice_changed(self, *_args) -> None:
        if self.result is None or self.edge.currentIndex() < 0 or not self.element.currentText():
            self.plot.clear()
            return
        L = float(self.edge.currentData())
        name = self.element.currentText()
        scale = next((s for s in self.result.curve if abs(float(s.size_nm) - L) < 1e-9), None)
        if scale is None or name not in scale.fda_hist:
            self.plot.clear()
            return
        observed, expected = scale.fda_hist[name]
        self.plot.set_data(observed, expected)
        p = scale.chi2_p.get(name)
        mu = scale.pearson_mu.get(name)
        chi2 = scale.chi2.get(name)
        dof = scale.chi2_dof.get(name, 0)
        p_text = "no test (one merged bin)" if p is None else f"p = {p:.3g}"
        verdict = "" if p is None else ("  not random at 1 %" if p < 0.01 else "  consistent with random")
        self.status.setText(
            f"{name} at {L:g} nm, {scale.n_cubes:,} cubes: χ² = {chi2:.1f} on {dof} dof, {p_text}, "
            f"μ = {mu:.3f}.{verdict}"
        )
