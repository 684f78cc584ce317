"""Plots and numbers of a map analysis: the sum spectrum with lines and windows, the 2D entropy curve
with its reference and deficit, and the SUMEs with their warnings."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from hea_studio.widgets.map_view import COLOURS

MEAN_PEN = pg.mkPen((40, 100, 200), width=2)
NULL_PEN = pg.mkPen((120, 120, 120), width=2, style=pg.QtCore.Qt.PenStyle.DashLine)
DEFICIT_PEN = pg.mkPen((200, 60, 40), width=2)
SUME_PEN = pg.mkPen((0, 140, 70), width=2)
PRED_PEN = pg.mkPen((0, 140, 70), width=2, style=pg.QtCore.Qt.PenStyle.DotLine)
APT_PEN = pg.mkPen((150, 60, 200), width=2)


class SpectrumPlot(pg.PlotWidget):
    """The summed spectrum (log counts) with each analysed line and its three windows."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setLabel("bottom", "energy (keV)")
        self.setLabel("left", "counts")
        self.setLogMode(y=True)
        self.setToolTip(
            "Sum spectrum of the region; shaded: signal windows (colour) and background windows (grey)"
        )
        self.curve = self.plot([], [], pen=pg.mkPen((30, 30, 30), width=1), stepMode=None)
        self._items: list = []

    def show_spectrum(
        self, energy: np.ndarray, counts: np.ndarray, windows: dict, elements: list[str]
    ) -> None:
        """Draw ``counts`` over ``energy`` and the windows of the JSON ``windows`` block."""
        for it in self._items:
            self.removeItem(it)
        self._items = []
        self.curve.setData(energy, np.clip(counts, 0.5, None))
        top = float(energy[np.nonzero(counts)[0][-1]]) if counts.any() else float(energy[-1])
        for i, el in enumerate(elements):
            w = windows.get(el)
            if not w:
                continue
            r, g, b = COLOURS[i % len(COLOURS)]
            for key, brush in (("signal_kev", (r, g, b, 70)), ("background_left_kev", (128, 128, 128, 50)),
                               ("background_right_kev", (128, 128, 128, 50))):  # fmt: skip
                span = w.get(key)
                if span:
                    reg = pg.LinearRegionItem(
                        span, movable=False, brush=pg.mkBrush(*brush), pen=pg.mkPen(None)
                    )
                    self.addItem(reg)
                    self._items.append(reg)
            line = pg.InfiniteLine(w["energy_kev"], angle=90, pen=pg.mkPen((r, g, b), width=1),
                                   label=w["line"], labelOpts={"position": 0.92 - 0.11 * (i % 5), "color": (r, g, b)})  # fmt: skip
            # Staggered heights: K lines of neighbouring elements sit ~0.5 keV apart, and their
            # labels would print over each other at one height.
            self.addItem(line)
            self._items.append(line)
        self.setXRange(0, min(max(top, 10.0), float(energy[-1])), padding=0.01)


class CurvePlot(QWidget):
    """S_mean +- SEM and the random-mixing reference versus patch side; below, the deficit with the hinge."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.entropy = pg.PlotWidget()
        self.entropy.setLabel("left", "S (R)")
        self.entropy.addLegend(offset=(-10, 10))
        self.entropy.setToolTip(
            "Mean entropy of the patches (blue, +- SEM) and the random-mixing reference (grey)"
        )
        self.deficit = pg.PlotWidget()
        self.deficit.setLabel("left", "deficit (R)")
        self.deficit.setLabel("bottom", "patch side (nm)")
        self.deficit.setXLink(self.entropy)
        self.deficit.setToolTip("Reference minus mean entropy: chemistry below the SUME, zero above")
        self.mean = self.entropy.plot([], [], pen=MEAN_PEN, symbol="o", symbolSize=6, name="S mean")
        self.err = pg.ErrorBarItem(pen=MEAN_PEN)
        self.entropy.addItem(self.err)
        self.null = self.entropy.plot([], [], pen=NULL_PEN, name="random mixing")
        self.d = self.deficit.plot([], [], pen=DEFICIT_PEN, symbol="o", symbolSize=5)
        self.d_err = pg.ErrorBarItem(pen=DEFICIT_PEN)
        self.deficit.addItem(self.d_err)
        self.hinge = self.deficit.plot([], [], pen=SUME_PEN)
        self.zero = pg.InfiniteLine(0.0, angle=0, pen=pg.mkPen((150, 150, 150)))
        self.deficit.addItem(self.zero)
        # The cube curves appear (with a legend) only when an APT analysis is compared: the predicted
        # cube deficit is ~t/L times the projected one and would flatten the map's own curve otherwise.
        self._legend = None
        self._pred: list = []
        self.predicted = self.deficit.plot([], [], pen=PRED_PEN)
        self.apt = self.deficit.plot([], [], pen=APT_PEN, symbol="s", symbolSize=5)
        self.apt_err = pg.ErrorBarItem(pen=APT_PEN)
        self.deficit.addItem(self.apt_err)
        self.marker = pg.InfiniteLine(angle=90, pen=SUME_PEN, label="SUME", labelOpts={"position": 0.85})
        self.marker.setVisible(False)
        self.deficit.addItem(self.marker)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.entropy, 3)
        lay.addWidget(self.deficit, 2)

    def show_result(self, r: dict) -> None:
        """Draw the curve of an analysis result (the ``analyze --json`` dict)."""
        pts = [c for c in r["curve"] if c["S_mean"] is not None and c["S_null"] is not None]
        L = np.array([c["size_nm"] for c in pts])
        S = np.array([c["S_mean"] for c in pts])
        sem = np.array([c["S_sem"] or 0.0 for c in pts])
        N = np.array([c["S_null"] for c in pts])
        D = N - S
        self.mean.setData(L, S)
        self.err.setData(x=L, y=S, height=2 * sem)
        self.null.setData(L, N)
        self.d.setData(L, D)
        self.d_err.setData(x=L, y=D, height=2 * sem)
        self._pred = (r.get("sume_3d_equivalent") or {}).get("predicted_curve") or []
        if self._legend is not None:
            self.predicted.setData([q["size_nm"] for q in self._pred], [q["deficit"] for q in self._pred])
        s = r.get("sume") or {}
        edge = s.get("edge_nm")
        if edge is not None and L.size:
            fitted = [c for c in pts if c["in_fit"]]
            b = 0.0
            if fitted:
                Lf = np.array([c["size_nm"] for c in fitted])
                Df = np.array([c["S_null"] - c["S_mean"] for c in fitted])
                h = np.clip(edge - Lf, 0, None)
                b = float((h * Df).sum() / max((h * h).sum(), 1e-12))
            xs = np.array([L[0], edge, L[-1]])
            self.hinge.setData(xs, b * np.clip(edge - xs, 0, None))
            self.marker.setValue(edge)
            self.marker.setVisible(True)
        else:
            self.hinge.setData([], [])
            self.marker.setVisible(False)

    def show_apt(self, label: str, L: np.ndarray, D: np.ndarray, sem: np.ndarray) -> None:
        """Overlay an APT analysis's deficit per cube edge (from its JSON) on the deficit plot."""
        self.apt.setData(L, D)
        self.apt_err.setData(x=L, y=D, height=2 * sem)
        if self._legend is None:
            self._legend = self.deficit.addLegend(offset=(-10, 10))
            self._legend.addItem(self.predicted, "map: 3D-equivalent (cubes)")
        self._legend.removeItem(self.apt)
        self._legend.addItem(self.apt, label)
        self.predicted.setData([q["size_nm"] for q in self._pred], [q["deficit"] for q in self._pred])
        self.deficit.setLabel("bottom", "patch side / cube edge (nm)")


def apt_curve(doc: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict | None]:
    """Edges, deficits, SEMs and the deficit-hinge SUME of an ``analyze --json`` document of an APT run.

    Raises ValueError when the document holds no cube curve with a deficit.
    """
    if doc.get("technique") == "stem-eds":
        raise ValueError("this is a map analysis, not an APT one")
    rows = [
        c for c in doc.get("curve") or [] if c.get("deficit") is not None and c.get("size_nm") is not None
    ]
    if not rows:
        raise ValueError(
            "no entropy curve with a random-mixing deficit in it (an analyze --json file is needed)"
        )
    L = np.array([float(c["size_nm"]) for c in rows])
    D = np.array([float(c["deficit"]) for c in rows])
    sem = np.array([float(c.get("S_sem") or 0.0) for c in rows])
    sume = None
    for key in ("sume", "sume_chemical"):
        cand = doc.get(key)
        if isinstance(cand, dict) and cand.get("method") == "hinge-deficit":
            sume = cand
            break
    return L, D, sem, sume


def sume_words(s: dict | None) -> str:
    """A SUME object in words: a bold number only when an edge is known."""
    if not s:
        return "not computed"
    if s.get("below_range"):
        # Schema 2 APT documents give the smallest fitted edge as edge_nm, schema 3 as at_most_nm.
        bound = s.get("at_most_nm", s.get("edge_nm"))
        return f"random down to {bound:.3g} nm" if bound is not None else "random (below range)"
    if s.get("edge_nm") is not None:
        ci = s.get("ci95_nm")
        ci_text = f" (95 % CI {ci[0]:.2f} to {ci[1]:.2f})" if ci and ci[1] is not None else ""
        return f"<b>{s['edge_nm']:.2f} nm</b>{ci_text}"
    if s.get("at_least_nm") is not None:
        return f"&ge; {s['at_least_nm']:.3g} nm (not levelled)"
    if s.get("at_most_nm") is not None:
        return f"&le; {s['at_most_nm']:.3g} nm"
    return "not determined: " + html.escape(str(s.get("reason") or ""))


class MapResults(QLabel):
    """The numbers of the analysis: composition, S_bulk, both SUMEs, warnings."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(pg.QtCore.Qt.TextFormat.RichText)
        self.setTextInteractionFlags(pg.QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAlignment(pg.QtCore.Qt.AlignmentFlag.AlignTop | pg.QtCore.Qt.AlignmentFlag.AlignLeft)
        self.setText("Open a spectrum image (.bcf, .emd, .hspy)")

    def show_result(self, r: dict, preview: bool = False) -> None:
        """Fill in from an analysis result; ``preview``: computed while dragging (no interval yet)."""
        b = r["bulk"]
        comp = ", ".join(f"{html.escape(e)} {100 * x:.1f}" for e, x in b["fractions"].items())
        t = f"{r['thickness_nm']:g} nm ({r['thickness_source']})"
        rows = [
            f"Composition (at.%, Cliff-Lorimer, k: {html.escape(r['k_factor_source'])}): {comp}",
            f"S<sub>bulk</sub> = {b['S_R']:.3f} R = {b['S_J_per_molK']:.2f} J/(mol K), {b['class']}",
            f"SUME in projection (t = {t}): {sume_words(r.get('sume'))}",
            f"3D-equivalent SUME: {sume_words(r.get('sume_3d_equivalent'))}",
        ]
        if preview:
            rows.append("<i>preview while dragging: intervals follow when the rectangle is released</i>")
        if self.apt_line:
            rows.append(self.apt_line)
        for w in r.get("warnings", []):
            rows.append(f"&#9888; [{html.escape(w['code'])}] {html.escape(w['message'])}")
        self.setText("<br>".join(rows))

    apt_line = ""
