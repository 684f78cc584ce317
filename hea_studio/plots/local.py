"""Atom-centred local entropy versus neighbourhood size (science.md 7)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg

from hea_studio.compute.local.knn import LocalEntropyResult
from hea_studio.plots.curve import _BULK_COLOUR, _NULL_COLOUR, _S_COLOUR, inset_legend, white_plot


class LocalEntropyPlot:
    """Mean local entropy of the k nearest atoms (±1 std over centres) against random draws of k
    atoms at the bulk composition, with k on a logarithmic axis."""

    def __init__(self, parent: Any = None) -> None:
        self.widget, p = white_plot(parent, "neighbourhood size k (atoms, centre included)", "S_local (R)")
        self.plot = p
        p.setLogMode(x=True, y=False)
        self.legend = inset_legend(p, (-5, -5), colCount=3, verSpacing=-6)
        self.band_upper = pg.PlotDataItem(pen=pg.mkPen(None))
        self.band_lower = pg.PlotDataItem(pen=pg.mkPen(None))
        p.addItem(self.band_upper)
        p.addItem(self.band_lower)
        self.band = pg.FillBetweenItem(self.band_upper, self.band_lower, brush=pg.mkBrush(*_S_COLOUR, 50))
        p.addItem(self.band)
        self.null_curve = p.plot(
            [], [], pen=pg.mkPen(_NULL_COLOUR, width=2, style=pg.QtCore.Qt.PenStyle.DashLine),
            name="random k atoms",
        )  # fmt: skip
        self.mean_curve = p.plot(
            [], [], pen=pg.mkPen(_S_COLOUR, width=2), symbol="o", symbolSize=6, symbolBrush=_S_COLOUR,
            symbolPen=None, name="S mean ±1 std",
        )  # fmt: skip
        self.bulk_line = pg.InfiniteLine(
            angle=0, pen=pg.mkPen(_BULK_COLOUR, width=1.5), label="bulk",
            labelOpts={"position": 0.03, "anchors": [(0, 0), (0, 0)], "color": (60, 60, 60)},
        )  # fmt: skip
        self.bulk_line.setVisible(False)
        p.addItem(self.bulk_line)
        self.legend.addItem(pg.PlotDataItem(pen=self.bulk_line.pen), "bulk S")

    def clear(self) -> None:
        """No result shown."""
        for item in (self.mean_curve, self.null_curve, self.band_upper, self.band_lower):
            item.setData([], [])
        # The fill keeps the area it last drew when its curves become empty: hide it as well.
        self.band.setVisible(False)
        self.bulk_line.setVisible(False)

    def set_result(self, result: LocalEntropyResult) -> None:
        """Show one computed result."""
        k = np.array([pt.k for pt in result.points], dtype=float)
        mean = np.array([pt.S_mean for pt in result.points])
        std = np.array([pt.S_std for pt in result.points])
        self.mean_curve.setData(k, mean)
        self.null_curve.setData(k, [pt.S_null for pt in result.points])
        self.band_upper.setData(k, mean + std)
        self.band_lower.setData(k, np.maximum(mean - std, 0.0))
        self.band.setVisible(True)
        self.bulk_line.setValue(result.bulk.S_R)
        self.bulk_line.setVisible(True)
        # Ticks at the computed k only: pyqtgraph's own log ticks label every minor step and
        # overprint each other in a narrow dock. (Positions are log10 k on a log axis.)
        self.plot.getAxis("bottom").setTicks([[(math.log10(v), f"{v:g}") for v in k], []])

    def plotted(self) -> tuple[np.ndarray, np.ndarray]:
        """The mean curve as drawn (k, S)."""
        # getData() would return log10(k): the axis is logarithmic.
        k, s = self.mean_curve.getOriginalDataset()
        if k is None:
            return np.zeros(0), np.zeros(0)
        return np.asarray(k), np.asarray(s)
