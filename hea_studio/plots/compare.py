"""Several sub-volumes' entropy curves in one plot, each in its own colour (the comparison dock, reports).

Each compared sub-volume has two items: its mean entropy (solid, with markers) and its random-mixing
reference (dashed, same colour, thinner), plus a star at its SUME. Items are kept per key and updated with
``setData``, so ticking one more sub-volume does not rebuild the others.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg

from hea_studio.core.results import AnalysisResult
from hea_studio.plots.axes import S_MIX_LABEL
from hea_studio.plots.curve import ensure_qapp, export_plot_png, inset_legend, white_plot

# Distinct on white and for the common colour-vision deficiencies (Okabe-Ito, then Tol's muted).
PALETTE: tuple[tuple[int, int, int], ...] = (
    (0, 114, 178), (213, 94, 0), (0, 158, 115), (204, 121, 167), (230, 159, 0), (86, 180, 233),
    (51, 34, 136), (136, 34, 85), (17, 119, 51), (153, 153, 51), (68, 170, 153), (170, 68, 153),
)  # fmt: skip


def palette_colour(i: int) -> tuple[int, int, int]:
    """The ``i``-th comparison colour (cycling)."""
    return PALETTE[i % len(PALETTE)]


def curve_arrays(result: AnalysisResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cube edges with cubes, their mean entropy and the random-mixing reference (what the plot draws)."""
    rows = [(s.size_nm, s.S_mean, s.S_null) for s in result.curve if s.n_cubes > 0 and s.S_mean is not None]
    a = np.array(rows, dtype=float).reshape(-1, 3)
    return a[:, 0], a[:, 1], a[:, 2]


class ComparisonPlot:
    """Entropy versus cube edge of several sub-volumes.

    Parameters
    ----------
    parent
        Optional Qt parent of :attr:`widget`.
    """

    def __init__(self, parent: Any = None) -> None:
        self.widget, p = white_plot(parent, "cube edge L (nm)", S_MIX_LABEL)
        self.plot = p
        self.legend = inset_legend(p, (-5, -5), verSpacing=-6)
        self._items: dict[Hashable, tuple[pg.PlotDataItem, pg.PlotDataItem, pg.PlotDataItem]] = {}

    def shown_keys(self) -> list[Hashable]:
        """Keys of the curves shown, in the order they were added."""
        return list(self._items)

    def curve_data(self, key: Hashable) -> tuple[np.ndarray, np.ndarray]:
        """(edges, mean entropy) drawn for ``key``."""
        x, y = self._items[key][0].getData()
        return np.asarray(x), np.asarray(y)

    def set_curve(
        self, key: Hashable, label: str, result: AnalysisResult, colour: tuple[int, int, int]
    ) -> None:
        """Show (or replace) the curve of ``key``."""
        if key in self._items:
            self.remove(key)
        L, S, null = curve_arrays(result)
        mean = self.plot.plot(
            L, S, pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=5, symbolBrush=colour,
            symbolPen=None, name=label,
        )  # fmt: skip
        ref = self.plot.plot(L, null, pen=pg.mkPen(colour, width=1, style=pg.QtCore.Qt.PenStyle.DashLine))
        star = self.plot.plot([], [], pen=None, symbol="star", symbolSize=14, symbolBrush=colour)
        edge = None if result.sume is None else result.sume.edge_nm
        ok = np.isfinite(L) & np.isfinite(S)
        if edge is not None and ok.any():
            # The headline SUME (a bound gets no star), placed on this curve.
            star.setData([edge], [float(np.interp(edge, L[ok], S[ok]))])
        self._items[key] = (mean, ref, star)

    def remove(self, key: Hashable) -> None:
        """Take the curve of ``key`` off the plot (no-op if absent)."""
        items = self._items.pop(key, None)
        if items is None:
            return
        self.legend.removeItem(items[0])
        for item in items:
            self.plot.removeItem(item)

    def clear(self) -> None:
        """Remove every curve."""
        for key in list(self._items):
            self.remove(key)


def export_comparison_png(
    entries: Sequence[tuple[str, AnalysisResult, tuple[int, int, int] | None]],
    path: str | Path,
    width: int = 1000,
    height: int = 560,
) -> Path:
    """Write the overlaid curves of ``(label, result, colour or None)`` entries to a PNG."""
    ensure_qapp()
    plot = ComparisonPlot()
    for i, (label, result, colour) in enumerate(entries):
        plot.set_curve(i, label, result, colour or palette_colour(i))
    plot.plot.setTitle("Entropy versus cube edge (dashed: random-mixing reference)", color=(30, 30, 30))
    return export_plot_png(plot.widget, plot.plot, path, width, height)


def comparison_svg(
    entries: Sequence[tuple[str, AnalysisResult, tuple[int, int, int] | None]],
    width: int = 1000,
    height: int = 560,
) -> str:
    """The overlaid curves of ``(label, result, colour or None)`` entries as an inline SVG element."""
    from hea_studio.plots.svg_export import plot_svg, reused_figure

    ensure_qapp()
    plot = reused_figure("comparison", ComparisonPlot)
    plot.clear()
    for i, (label, result, colour) in enumerate(entries):
        plot.set_curve(i, label, result, colour or palette_colour(i))
    return plot_svg(plot.widget, plot.plot, width, height)
