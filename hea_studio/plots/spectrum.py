"""The mass spectrum plot: binned counts (log scale), ranges as coloured bands, unranged peaks, overlays.

Drawn only from the binned array (:class:`~hea_studio.compute.spectrum.mass.MassSpectrum`), never from the
ions, so redrawing costs the same for 1e4 and 1e8 ions. Used by the spectrum dock (which adds
editing on top) and by ``hea-studio spectrum --plot`` (:func:`export_spectrum_png`, offscreen).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg

from hea_studio.compute.spectrum.mass import MassSpectrum, Peak
from hea_studio.core.isotopes import IonPeak
from hea_studio.core.ranges import RGB, Range, RangeTable
from hea_studio.plots.axes import cache_axes

_LINE = (30, 60, 140)
_UNRANGED = (220, 30, 30)
_OVERLAY = (120, 40, 170)
# Empty bins are drawn at this count so that the log scale has a floor.
FLOOR = 0.7


def rgb255(colour: RGB | None) -> tuple[int, int, int]:
    """0..1 colour to 0..255 (grey when ``None``)."""
    if colour is None:
        return (150, 150, 150)
    return tuple(int(max(0, min(255, round(c * 255)))) for c in colour)  # type: ignore[return-value]


def range_colour(table: RangeTable, r: Range) -> RGB | None:
    """Colour of range ``r``: its own, else its species' colour in the table."""
    return r.colour if r.colour is not None else table.colours.get(r.ion)


class SpectrumPlot:
    """A pyqtgraph plot of a mass spectrum with range bands.

    Attributes
    ----------
    widget
        The :class:`pyqtgraph.PlotWidget` to put in a layout.
    regions
        One :class:`pyqtgraph.LinearRegionItem` per range of the table shown, in table order.
    """

    def __init__(self, parent: Any = None, view_box: pg.ViewBox | None = None) -> None:
        self.widget = pg.PlotWidget(parent=parent, background="w", viewBox=view_box)
        self.plot = self.widget.getPlotItem()
        cache_axes(self.plot)
        self.plot.setLabel("bottom", "mass-to-charge (Da)")
        self.plot.setLabel("left", "counts")
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setMenuEnabled(True)
        self.curve = pg.PlotDataItem(pen=pg.mkPen(_LINE, width=1), stepMode="center")
        self.curve.setClipToView(True)
        self.curve.setDownsampling(auto=True, method="peak")
        self.plot.addItem(self.curve)
        # Data items (not scatter items) so that the plot's log mode applies to them too.
        self.unranged = pg.PlotDataItem(
            pen=None, symbol="t", symbolSize=11, symbolPen=pg.mkPen(_UNRANGED),
            symbolBrush=pg.mkBrush(*_UNRANGED, 200),
        )  # fmt: skip
        self.unranged.setZValue(20)
        self.plot.addItem(self.unranged)
        self.overlay = pg.PlotDataItem(pen=pg.mkPen(_OVERLAY, width=2), connect="pairs")
        self.overlay.setZValue(15)
        self.plot.addItem(self.overlay)
        self.overlay_labels: list[pg.TextItem] = []
        self.regions: list[pg.LinearRegionItem] = []
        self.unranged_labels: list[pg.TextItem] = []
        self.spectrum: MassSpectrum | None = None
        self.log = True
        self.plot.setLogMode(False, True)
        self.plot.getViewBox().sigRangeChanged.connect(lambda *_: self._place_texts())

    # ---- data ----------------------------------------------------------------------------------
    def set_log(self, on: bool) -> None:
        """Logarithmic (default) or linear counts."""
        self.log = bool(on)
        self.plot.setLogMode(False, self.log)
        self._place_texts()

    def set_spectrum(self, spectrum: MassSpectrum | None, keep_view: bool = False) -> None:
        """Show ``spectrum`` (``None`` clears)."""
        self.spectrum = spectrum
        if spectrum is None or spectrum.n_bins == 0:
            self.curve.setData([], [])
            return
        y = np.maximum(spectrum.counts.astype(np.float64), FLOOR)
        self.curve.setData(spectrum.edges, y)
        if not keep_view:
            self.plot.enableAutoRange()
            top = float(y.max())
            self.plot.setXRange(spectrum.lo, self.default_hi(), padding=0.01)
            if self.log:
                self.plot.setYRange(np.log10(FLOOR), np.log10(max(top, 1.0)) + 0.3, padding=0)

    def default_hi(self) -> float:
        """Right end of the default view: a little beyond the m/n below which 99 % of ions lie
        (the sparse hits up to the largest m/n would squeeze every peak to the left)."""
        s = self.spectrum
        if s is None or s.n_bins == 0:
            return 1.0
        cum = np.cumsum(s.counts)
        if cum[-1] == 0:
            return s.hi
        i = int(np.searchsorted(cum, 0.99 * cum[-1]))
        return min(s.hi, s.lo + (i + 1) * s.bin_width * 1.15 + 2.0)

    def height_at(self, mn: float, half_width: float = 0.05) -> float:
        """Highest count within ``half_width`` Da of ``mn`` (0 with no spectrum)."""
        s = self.spectrum
        if s is None or s.n_bins == 0:
            return 0.0
        sl = s.bins_between(mn - half_width, mn + half_width)
        return float(s.counts[sl].max()) if sl.stop > sl.start else 0.0

    def _y(self, count: float) -> float:
        """View coordinate of a count (log10 in log mode)."""
        return float(np.log10(max(count, FLOOR))) if self.log else float(count)

    # ---- ranges --------------------------------------------------------------------------------
    def set_ranges(
        self, table: RangeTable | None, movable: bool = False, band_type: type = pg.LinearRegionItem
    ) -> list[pg.LinearRegionItem]:
        """Draw one band per range (replacing the previous bands, made with ``band_type``); returns them."""
        for item in self.regions:
            self.plot.removeItem(item)
        self.regions = []
        if table is None:
            return self.regions
        for k, r in enumerate(table.ranges):
            colour = rgb255(range_colour(table, r))
            region = band_type(
                values=(r.lo, r.hi),
                orientation="vertical",
                brush=pg.mkBrush(*colour, 70),
                hoverBrush=pg.mkBrush(*colour, 120),
                pen=pg.mkPen(*colour, width=1),
                movable=movable,
            )
            region.setZValue(-10)
            # Neighbouring narrow bands would print their names over each other: three rows.
            row = 0.95 - 0.06 * (k % 3)
            label = pg.InfLineLabel(region.lines[0], text=r.ion, position=row, anchor=(1, 0.5))
            label.setColor(pg.mkColor(*[int(c * 0.6) for c in colour]))
            region.label = label
            self.plot.addItem(region)
            self.regions.append(region)
        return self.regions

    def set_unranged_peaks(self, peaks: Sequence[Peak], table: RangeTable | None, total: int) -> None:
        """Mark the peaks outside every range (a red triangle, and the m/n of the larger ones)."""
        ranges = table.ranges if table is not None else []
        # Markers for every peak worth a look (1e-4 of the ions), names for the largest ones.
        worth = max(20.0, 1e-4 * total)
        outside = [p for p in peaks if p.net >= worth and not any(r.lo <= p.mn < r.hi for r in ranges)]
        for t in self.unranged_labels:
            self.plot.removeItem(t)
        self.unranged_labels = []
        self.unranged.setData([p.mn for p in outside], [p.height * 1.6 for p in outside])
        big = [p for p in sorted(outside, key=lambda p: -p.net)[:8] if p.net >= 1e-3 * total]
        for p in big:
            share = 100.0 * p.net / max(total, 1)
            text = pg.TextItem(f"{p.mn:.2f} Da: {share:.1f} %", color=_UNRANGED, anchor=(0.1, 1.2))
            text.peak = p
            self.plot.addItem(text)
            self.unranged_labels.append(text)
        self._place_texts()

    def _place_texts(self) -> None:
        """Text items live in view coordinates (log10 counts in log mode), data items do not."""
        for t in self.unranged_labels:
            t.setPos(t.peak.mn, self._y(t.peak.height * 1.6))
        for t in self.overlay_labels:
            t.setPos(t.line_mn, self._y(t.line_height))

    # ---- isotope overlay ----------------------------------------------------------------------
    def set_proposals(self, ranges: Sequence[Range]) -> None:
        """Suggested ranges not accepted yet, as dashed grey bands under their ion's name."""
        for item in getattr(self, "proposal_items", []):
            self.plot.removeItem(item)
        self.proposal_items: list = []
        for r in ranges:
            band = pg.LinearRegionItem(
                values=(r.lo, r.hi), movable=False, brush=pg.mkBrush(120, 120, 120, 40),
                pen=pg.mkPen(90, 90, 90, width=1, style=pg.QtCore.Qt.PenStyle.DashLine),
            )  # fmt: skip
            band.setZValue(-5)
            label = pg.TextItem(f"{r.ion}?", color=(90, 90, 90), anchor=(0.5, 1.0))
            label.setPos(0.5 * (r.lo + r.hi), 0)
            self.plot.addItem(band)
            self.plot.addItem(label, ignoreBounds=True)
            self.proposal_items += [band, label]

    def set_overlay(self, lines: Sequence[IonPeak]) -> None:
        """Expected peaks of an ion as sticks, scaled so the strongest meets the observed height there."""
        for t in self.overlay_labels:
            self.plot.removeItem(t)
        self.overlay_labels = []
        if not lines:
            self.overlay.setData([], [])
            return
        # Scale each charge state by its strongest line's observed height.
        scaled = []
        for z in sorted({p.charge for p in lines}):
            group = [p for p in lines if p.charge == z]
            main = max(group, key=lambda p: p.abundance)
            observed = max(self.height_at(main.mn), 1.0)
            scaled += [(p, observed * p.abundance / main.abundance) for p in group]
        xs = np.repeat([p.mn for p, _ in scaled], 2)
        ys = np.ravel([(FLOOR, h) for _, h in scaled])
        self.overlay.setData(xs, ys)
        for p, h in scaled:
            if p.abundance >= 0.05:
                t = pg.TextItem(p.label, color=_OVERLAY, anchor=(0.5, 1.0))
                t.line_mn, t.line_height = p.mn, h
                self.plot.addItem(t)
                self.overlay_labels.append(t)
        self._place_texts()


def export_spectrum_png(
    spectrum: MassSpectrum,
    path: str | Path,
    table: RangeTable | None = None,
    peaks: Sequence[Peak] = (),
    title: str = "",
    width: int = 1400,
    height: int = 600,
) -> Path:
    """Write the spectrum (with range bands and unranged peaks) to a PNG, offscreen."""
    from hea_studio.plots.curve import ensure_qapp, export_plot_png

    ensure_qapp()
    plot = SpectrumPlot()
    plot.set_spectrum(spectrum)
    plot.set_ranges(table)
    plot.set_unranged_peaks(peaks, table, spectrum.n_ions)
    if title:
        plot.plot.setTitle(title, color=(30, 30, 30))
    return export_plot_png(plot.widget, plot.plot, path, width, height)
