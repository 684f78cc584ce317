"""The "Sublattices" tab: S per formula unit versus cube edge, its per-sublattice random
reference and SUME (science.md 8), drawn with the same plot as the whole-atom curve."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from hea_studio.plots.curve import EntropyCurvePlot

EMPTY_TEXT = (
    "No sublattices chosen: pick a preset (rock-salt, cations, spinel, perovskite) or type them in "
    "Analysis settings > Sublattices to see S per formula unit here."
)


class SublatticeCurvePanel(QWidget):
    """An :class:`EntropyCurvePlot` of the formula-unit curve and a line saying what it shows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = EntropyCurvePlot()
        self.plot.widget.setToolTip(
            "S_fu = Σ m_s S_s per cube (m_s sites of sublattice s per formula unit); the dashed line is "
            "the random reference computed per sublattice from its own counts; per site divide by Σ m_s"
        )
        self.status = QLabel(EMPTY_TEXT)
        self.status.setWordWrap(True)
        self.result: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.plot.widget, 1)
        layout.addWidget(self.status)

    # Below this height the key under the axes would leave the curve a sliver: it is hidden (the
    # curves are the same as in the entropy plot above, whose key stays visible).
    KEY_MIN_HEIGHT = 360

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        show = self.height() >= self.KEY_MIN_HEIGHT
        self.plot.legend.setVisible(show)
        # A hidden item keeps its row in the graphics layout: give the row back to the axes.
        self.plot.legend.setMaximumHeight(16_777_215 if show else 0)

    def set_result(self, result: Any) -> None:
        """Show the formula-unit view of ``result`` (or say that no sublattices were chosen)."""
        view = getattr(result, "sublattice_view", None)
        block = getattr(result, "sublattices", None)
        if view is None or not block:
            self.result = None
            self.plot.clear()
            self.status.setText(EMPTY_TEXT)
            return
        self.result = view
        names = ", ".join(
            f"{s['name']}: {','.join(s['elements'])} ×{s['multiplicity']:g}" for s in block["spec"]
        )
        self.plot.set_result(view, title=f"per formula unit ({names})")
        b = block["bulk"]
        self.status.setText(
            f"S_fu = {b['S_fu_R']:.3f} R per formula unit, {b['S_site_R']:.3f} R per site "
            f"({block['sites_per_formula_unit']:g} sites); class {b['class']} from the {b['class_basis']}."
        )
