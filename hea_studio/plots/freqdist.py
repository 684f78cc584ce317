"""The frequency distribution of one element at one cube edge (science.md 6): observed cubes per
count as bars, the random-mixing expectation as a line."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg

from hea_studio.plots.curve import _NULL_COLOUR, _S_COLOUR, inset_legend, white_plot


class FrequencyPlot:
    """Cubes holding 0, 1, 2, ... atoms of an element: observed (bars) and random (line)."""

    def __init__(self, parent: Any = None) -> None:
        self.widget, p = white_plot(parent, "atoms of the element in a cube", "cubes", grid_x=False)
        self.plot = p
        self.legend = inset_legend(p, (-5, 5))
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush=pg.mkBrush(*_S_COLOUR, 140), pen=None)
        p.addItem(self.bars)
        self.legend.addItem(self.bars, "observed")
        self.expected = p.plot(
            [], [], pen=pg.mkPen(_NULL_COLOUR, width=2), symbol="o", symbolSize=4,
            symbolBrush=_NULL_COLOUR, symbolPen=None, name="random mixing",
        )  # fmt: skip

    def clear(self) -> None:
        """Nothing shown."""
        self.bars.setOpts(x=[], height=[])
        self.expected.setData([], [])

    def set_data(self, observed: np.ndarray, expected: np.ndarray) -> None:
        """Cubes per count, observed and expected (index: count); trailing empty counts are cut."""
        n = max(observed.size, expected.size)
        obs = np.zeros(n)
        exp = np.zeros(n)
        obs[: observed.size] = observed
        exp[: expected.size] = expected
        # Show the counts that hold a cube or expect at least a hundredth of one.
        shown = np.flatnonzero((obs > 0) | (exp >= 0.01))
        if shown.size == 0:
            self.clear()
            return
        lo, hi = int(shown[0]), int(shown[-1]) + 1
        x = np.arange(lo, hi, dtype=np.float64)
        self.bars.setOpts(x=x, height=obs[lo:hi], width=0.8)
        self.expected.setData(x, exp[lo:hi])
        self.plot.enableAutoRange()

    def shown(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(counts, observed, expected) as drawn (for tests)."""
        opts = self.bars.opts
        _x, y = self.expected.getData()
        return np.asarray(opts["x"]), np.asarray(opts["height"]), np.asarray(y if y is not None else [])
