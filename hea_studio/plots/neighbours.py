"""pyqtgraph plots of point statistics: the k-th NN distribution against shuffled labels (with the
suggested d-max), the proximity histogram, and the cluster-size distribution.

Used by the Clusters dock and by ``hea-studio nn --plot`` / ``isosurface`` (``export_*_png``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg

from hea_studio.compute.neighbours import NNDistribution
from hea_studio.compute.surfaces import Proxigram
from hea_studio.plots.curve import _CYCLE, _rgb255, ensure_qapp, export_plot_png, inset_legend, white_plot

_MEASURED = (31, 119, 180)
_SHUFFLED = (120, 120, 120)


def ordinal(k: int) -> str:
    """1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


class NNPlot:
    """Measured and label-shuffled k-th NN distance densities, with a d-max marker."""

    def __init__(self, parent: Any = None) -> None:
        self.widget, self.plot = white_plot(parent, "distance (nm)", "probability density (1/nm)")
        self.legend = inset_legend(self.plot, (-10, 10))
        self.measured = self.plot.plot(
            [], [], pen=pg.mkPen(_MEASURED, width=2), stepMode="center", name="measured"
        )
        self.shuffled = self.plot.plot(
            [], [], pen=pg.mkPen(_SHUFFLED, width=2, style=pg.QtCore.Qt.DashLine), stepMode="center",
            name="labels shuffled",
        )  # fmt: skip
        self.marker = pg.InfiniteLine(angle=90, pen=pg.mkPen((214, 39, 40), width=2), movable=False)
        self.marker_label = pg.TextItem(color=(214, 39, 40), anchor=(0, 1))
        self.plot.addItem(self.marker)
        self.plot.addItem(self.marker_label)
        self.marker.hide()
        self.marker_label.hide()
        self.distribution: NNDistribution | None = None

    def set_distribution(self, dist: NNDistribution, dmax: float | None = None) -> None:
        """Show ``dist``; ``dmax`` draws the chosen/suggested d-max."""
        self.distribution = dist
        self.measured.setData(dist.edges, dist.measured)
        self.shuffled.setData(dist.edges, dist.shuffled)
        self.plot.setTitle(
            f"{ordinal(dist.k)} nearest-neighbour distance, {dist.source} \u2192 {dist.target}",
            color=(30, 30, 30),
        )
        self.set_dmax(dmax)

    def set_dmax(self, dmax: float | None) -> None:
        """Move (or hide) the d-max marker."""
        if dmax is None or self.distribution is None:
            self.marker.hide()
            self.marker_label.hide()
            return
        top = float(max(self.distribution.measured.max(initial=0), self.distribution.shuffled.max(initial=0)))
        self.marker.setValue(dmax)
        self.marker_label.setText(f"d-max {dmax:.2f} nm")
        self.marker_label.setPos(dmax, 0.95 * top)
        self.marker.show()
        self.marker_label.show()


class ProxigramPlot:
    """Concentration (at.%) of each species against signed distance to the surface, with error bars."""

    def __init__(self, parent: Any = None) -> None:
        self.widget, self.plot = white_plot(
            parent, "distance to the surface (nm), + inside", "concentration (at.%)"
        )
        self.legend = inset_legend(self.plot, (10, 10))
        self._items: list = []
        self.zero = pg.InfiniteLine(
            pos=0.0, angle=90, pen=pg.mkPen((90, 90, 90), width=1, style=pg.QtCore.Qt.DotLine)
        )
        self.plot.addItem(self.zero)
        self.proxigram: Proxigram | None = None

    MIN_IONS = 20
    """Bins with fewer ions are not drawn (their fractions are mostly noise)."""

    def set_proxigram(self, px: Proxigram, colours: dict | None = None, species=None) -> None:
        """Show every species (or ``species``) of ``px``, on a 0-100 at.% axis (matrix and solutes
        together), bins of at least :attr:`MIN_IONS` ions."""
        for it in self._items:
            self.plot.removeItem(it)
        self._items.clear()
        self.legend.clear()
        self.proxigram = px
        x, e = px.fractions()
        d = px.centres
        colours = colours or {}
        for j, name in enumerate(px.names):
            if species is not None and name not in species:
                continue
            y = 100 * x[:, j]
            ok = np.isfinite(y) & (px.totals >= self.MIN_IONS)
            if not ok.any():
                continue
            col = _rgb255(colours[name]) if name in colours else _CYCLE[j % len(_CYCLE)]
            line = self.plot.plot(
                d[ok], y[ok], pen=pg.mkPen(col, width=2), symbol="o", symbolSize=4, symbolBrush=col,
                symbolPen=None, name=name,
            )  # fmt: skip
            bars = pg.ErrorBarItem(
                x=d[ok], y=y[ok], top=100 * e[ok, j], bottom=100 * e[ok, j], pen=pg.mkPen(col), beam=0.0
            )
            self.plot.addItem(bars)
            self._items += [line, bars]
        self.plot.setYRange(0.0, 100.0, padding=0.02)


class SizePlot:
    """Histogram of the clusters' Guinier diameters."""

    def __init__(self, parent: Any = None) -> None:
        self.widget, self.plot = white_plot(parent, "Guinier diameter 2 r_G (nm)", "clusters")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.2, brush=pg.mkBrush(_MEASURED))
        self.plot.addItem(self.bars)

    def set_distribution(self, bins: list[dict]) -> None:
        """``bins`` as in the clusters JSON's ``size_distribution``."""
        if not bins:
            self.bars.setOpts(x=[], height=[], width=0.2)
            return
        lo = np.array([b["lo_nm"] for b in bins])
        hi = np.array([b["hi_nm"] for b in bins])
        self.bars.setOpts(
            x=(lo + hi) / 2, height=[b["count"] for b in bins], width=0.9 * float(hi[0] - lo[0])
        )


def export_nn_png(
    dist: NNDistribution, path: str | Path, dmax: float | None = None, width=1000, height=600
) -> Path:
    """Write the NN distribution plot as a PNG (``hea-studio nn --plot``)."""
    ensure_qapp()
    plot = NNPlot()
    plot.set_distribution(dist, dmax)
    return export_plot_png(plot.widget, plot.plot, path, width, height)


def export_proxigram_png(px: Proxigram, path: str | Path, colours=None, width=1000, height=600) -> Path:
    """Write the proxigram plot as a PNG."""
    ensure_qapp()
    plot = ProxigramPlot()
    plot.set_proxigram(px, colours)
    plot.plot.setTitle("Proximity histogram", color=(30, 30, 30))
    return export_plot_png(plot.widget, plot.plot, path, width, height)
