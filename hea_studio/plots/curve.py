"""pyqtgraph plots of the entropy engine: entropy versus cube edge, and concentration spread.

Used by the GUI docks (fed one :class:`~hea_studio.core.results.ScaleResult` at a time while the
analysis runs, then the final :class:`~hea_studio.core.results.AnalysisResult`) and by
``hea-studio analyze --plot`` (:func:`export_curve_png`, offscreen). Every curve is one item created
once and updated with ``setData``, so live updates do not rebuild the scene.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QSizePolicy

from hea_studio.core.results import AnalysisResult, ScaleResult
from hea_studio.core.summary import apparent, headline
from hea_studio.plots.axes import S_MIX_LABEL, cache_axes
from hea_studio.plots.svg_export import offer_whole_figure

_S_COLOUR = (31, 90, 180)
_NULL_COLOUR = (120, 120, 120)
_FIT_COLOUR = (200, 60, 40)
_BULK_COLOUR = (40, 140, 60)
_IDEAL_COLOUR = (150, 60, 160)
_CHEM_COLOUR = (220, 120, 0)
_WARN_COLOUR = (190, 90, 0)
# Three lines (primary SUME; chemical and null SUME; warnings) whatever the result, so the axes
# keep their place from one analysis to the next.
_HEADER_EMPTY = "&nbsp;<br>&nbsp;<br>&nbsp;"
_FADED = 0.35  # opacity of the header while a new analysis is under way
# Matplotlib-like default cycle for elements without a colour of their own.
_CYCLE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75)]


def _val(v: float | None) -> float:
    return float("nan") if v is None else float(v)


def _rgb255(rgb: tuple[float, float, float]) -> tuple[int, int, int]:
    if max(rgb) <= 1.0:
        return tuple(round(255 * c) for c in rgb)  # type: ignore[return-value]
    return tuple(int(c) for c in rgb)  # type: ignore[return-value]


def _dark_axes(plot_item) -> None:
    # pyqtgraph's default grey axes are meant for a black background; these plots are white.
    for name in ("left", "bottom"):
        axis = plot_item.getAxis(name)
        axis.setPen(pg.mkPen(60, 60, 60))
        axis.setTextPen(pg.mkPen(30, 30, 30))
        # Fractions of ~0.1 must read 0.1, not "100" with a milli prefix hidden in a cut-off label.
        axis.enableAutoSIPrefix(False)
    cache_axes(plot_item)


def white_plot(
    parent: Any, bottom: str, left: str, grid_x: bool = True, grid_alpha: float = 0.2
) -> tuple[pg.PlotWidget, pg.PlotItem]:
    """A ``PlotWidget`` on white with its axis labels, grid and dark (cached) axes: the setup every
    single-axes plot of the package shares. Returns the widget and its plot item."""
    widget = pg.PlotWidget(parent=parent, background="w")
    plot_item = widget.getPlotItem()
    plot_item.setLabel("bottom", bottom)
    plot_item.setLabel("left", left)
    plot_item.showGrid(x=grid_x, y=True, alpha=grid_alpha)
    _dark_axes(plot_item)
    return widget, plot_item


def inset_legend(plot_item, offset: tuple[int, int], **options: Any) -> pg.LegendItem:
    """The translucent legend inside the axes that the comparison, local and frequency plots use."""
    return plot_item.addLegend(
        offset=offset, labelTextColor=(40, 40, 40), labelTextSize="8pt",
        brush=pg.mkBrush(255, 255, 255, 190), **options,
    )  # fmt: skip


class EntropyCurvePlot:
    """Entropy of mixing versus cube edge (paper Fig. 4a, plus the random-mixing reference).

    Shows S mean with a +-1 std band over cubes (edges left out of the SUME fits as hollow symbols,
    not joined to the curve), the random-mixing reference E[S_hat] with a +-2 SEM band, the bulk
    entropy and the ideal R ln N lines, the primary SUME fit with its marker and 95 % interval, the
    chemical SUME and the null-corrected SUME as vertical lines.

    Every text sits outside the data area, so it can never cover a point: the SUME values (and the
    codes of any warnings) in a header above the axes, the key in a legend under them. The plot
    lines themselves carry no labels.

    Parameters
    ----------
    parent
        Optional Qt parent of :attr:`widget`.
    """

    def __init__(self, parent: Any = None) -> None:
        self.widget = pg.GraphicsLayoutWidget(parent=parent)
        self.widget.setBackground("w")
        layout = self.widget.ci
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(0)
        self.header = pg.LabelItem(_HEADER_EMPTY, justify="left", color=(30, 30, 30), size="9pt")
        layout.addItem(self.header, row=0, col=0)
        p = self.plot = layout.addPlot(row=1, col=0)
        p.setLabel("bottom", "cube edge L (nm)")
        p.setLabel("left", S_MIX_LABEL)
        p.showGrid(x=True, y=True, alpha=0.2)
        _dark_axes(p)
        self.legend = pg.LegendItem(
            labelTextColor=(40, 40, 40), labelTextSize="8pt", colCount=3, verSpacing=0, horSpacing=4,
            frame=False,
        )  # fmt: skip
        layout.addItem(self.legend, row=2, col=0)
        grid = layout.layout
        grid.setRowStretchFactor(0, 0)
        grid.setRowStretchFactor(1, 1)
        grid.setRowStretchFactor(2, 0)
        offer_whole_figure(self.widget)  # Export writes the header and legend too, as shown
        self._L: list[float] = []
        self._rows: list[tuple[float, float, float, float, float, float]] = []
        self._title: str | None = None

        self.band_upper = pg.PlotDataItem(pen=pg.mkPen(None))
        self.band_lower = pg.PlotDataItem(pen=pg.mkPen(None))
        self.std_band = pg.FillBetweenItem(self.band_upper, self.band_lower, brush=pg.mkBrush(*_S_COLOUR, 50))
        self.null_upper = pg.PlotDataItem(pen=pg.mkPen(None))
        self.null_lower = pg.PlotDataItem(pen=pg.mkPen(None))
        self.null_band = pg.FillBetweenItem(
            self.null_upper, self.null_lower, brush=pg.mkBrush(*_NULL_COLOUR, 70)
        )
        for item in (self.band_upper, self.band_lower, self.null_upper, self.null_lower):
            p.addItem(item)
        p.addItem(self.std_band)
        p.addItem(self.null_band)
        dash = pg.QtCore.Qt.PenStyle.DashLine
        self.null_curve = p.plot([], [], pen=pg.mkPen(_NULL_COLOUR, width=2, style=dash))
        self.mean_curve = p.plot(
            [], [], pen=pg.mkPen(_S_COLOUR, width=2), symbol="o", symbolSize=6, symbolBrush=_S_COLOUR,
            symbolPen=None,
        )  # fmt: skip
        # Edges the SUME fits leave out (too few cubes, undersampled): hollow, and not joined to
        # the curve, so the eye does not read a trend into them.
        self.excluded = p.plot(
            [], [], pen=None, symbol="o", symbolSize=7, symbolBrush=pg.mkBrush(255, 255, 255),
            symbolPen=pg.mkPen(_S_COLOUR, width=1.5),
        )  # fmt: skip
        self.fit_descending = p.plot([], [], pen=pg.mkPen(_FIT_COLOUR, width=1.5))
        self.fit_bulk = p.plot([], [], pen=pg.mkPen(_FIT_COLOUR, width=1.5))
        self.bulk_line = pg.InfiniteLine(angle=0, pen=pg.mkPen(_BULK_COLOUR, width=1.5))
        self.ideal_line = pg.InfiniteLine(
            angle=0, pen=pg.mkPen(_IDEAL_COLOUR, width=1.5, style=pg.QtCore.Qt.PenStyle.DotLine)
        )
        self.sume_ci = pg.LinearRegionItem(
            values=(0, 0), movable=False, brush=pg.mkBrush(*_CHEM_COLOUR, 40), pen=pg.mkPen(None)
        )
        self.sume_marker = p.plot([], [], pen=None, symbol="star", symbolSize=16, symbolBrush=_FIT_COLOUR)
        self.chemical_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(_CHEM_COLOUR, width=2, style=dash))
        self.null_sume_line = pg.InfiniteLine(
            angle=90,
            pen=pg.mkPen(_NULL_COLOUR, width=1.5, style=pg.QtCore.Qt.PenStyle.DashDotLine),
        )
        # Legend samples of InfiniteLines crash pyqtgraph's exporter: stand-in items with the pens.
        for item, name in (
            (self.mean_curve, "S mean ±1 std"),
            (self.excluded, "not in fit"),
            (self.null_curve, "random E[S] ±2 SEM"),
            (pg.PlotDataItem(pen=self.bulk_line.pen), "bulk S"),
            (pg.PlotDataItem(pen=self.ideal_line.pen), "R ln N"),
            (self.fit_descending, "hinge on S"),
            (self.sume_marker, "apparent SUME"),
            (pg.PlotDataItem(pen=self.chemical_line.pen), "SUME, 95 % CI"),
            (pg.PlotDataItem(pen=self.null_sume_line.pen), "null SUME"),
        ):
            self.legend.addItem(item, name)
        # Tight rows without overlap: pyqtgraph pads each label's text by 4 px on every side, and
        # packing rows closer by a negative spacing made neighbouring labels' boxes overlap.
        for _sample, label in self.legend.items:
            label.item.document().setDocumentMargin(1)
            label.updateMin()
        self._result_items = (
            self.bulk_line, self.ideal_line, self.sume_ci, self.chemical_line, self.null_sume_line,
        )  # fmt: skip
        # Added once and shown/hidden: PlotItem.addItem/removeItem cost ~15 ms each, which the
        # window pays on every live update while the user drags the box.
        for item in self._result_items:
            p.addItem(item)
        self.clear()

    # ---- live updates ------------------------------------------------------------------------
    def clear(self) -> None:
        """Remove every curve and marker (the axes stay)."""
        self._L = []
        self._rows = []
        for item in (
            self.mean_curve, self.excluded, self.null_curve, self.band_upper, self.band_lower,
            self.null_upper, self.null_lower, self.fit_descending, self.fit_bulk, self.sume_marker,
        ):  # fmt: skip
            item.setData([], [])
        # A fill keeps the area it last drew when its curves become empty: hidden until new edges come.
        self.std_band.setVisible(False)
        self.null_band.setVisible(False)
        for item in self._result_items:
            item.setVisible(False)
        # The last values stay, faded, until the new result replaces them: blanking them would make
        # the header blink at every preview while the box is dragged.
        self.header.setOpacity(_FADED)
        self.plot.setOpacity(1.0)

    def mark_stale(self, reason: str) -> None:
        """The analysis of the box shown failed: say so above the plot and fade what it still shows
        (the previous analysis's curve and SUME) until a new analysis replaces it."""
        import html

        self.header.setText(
            f"<span style='color:#b00000'>⚠ Not updated: {html.escape(reason)}</span><br>"
            "The curve and SUME below are from the previous analysis."
        )
        self.header.setOpacity(1.0)
        self.plot.setOpacity(_FADED)

    def add_scale(self, scale: ScaleResult) -> None:
        """Append one cube edge (edges may arrive in any order; they are plotted sorted)."""
        self.add_scales([scale])

    def add_scales(self, scales) -> None:
        """Append several cube edges with a single redraw (the GUI batches partial results)."""
        for scale in scales:
            self._append(scale)
        self._redraw()

    def _append(self, scale: ScaleResult) -> None:
        row = (
            _val(scale.S_mean),
            _val(scale.S_std) if scale.S_std is not None else 0.0,
            _val(scale.S_null),
            _val(scale.S_sem) if scale.S_sem is not None else 0.0,
            float(scale.n_cubes),
            1.0 if scale.in_fit else 0.0,
        )
        if scale.size_nm in self._L:
            self._rows[self._L.index(scale.size_nm)] = row
        else:
            self._L.append(float(scale.size_nm))
            self._rows.append(row)

    def _redraw(self) -> None:
        if not self._L:
            return
        order = np.argsort(self._L)
        L = np.asarray(self._L)[order]
        a = np.asarray(self._rows, dtype=float)[order]
        ok = a[:, 4] > 0
        L, a = L[ok], a[ok]
        mean, std, null, sem, fitted = a[:, 0], a[:, 1], a[:, 2], a[:, 3], a[:, 5] > 0
        self.mean_curve.setData(L[fitted], mean[fitted])
        self.excluded.setData(L[~fitted], mean[~fitted])
        self.band_upper.setData(L, mean + std)
        self.band_lower.setData(L, mean - std)
        self.null_curve.setData(L, null)
        self.null_upper.setData(L, null + 2 * sem)
        self.null_lower.setData(L, null - 2 * sem)
        self.std_band.setVisible(True)
        self.null_band.setVisible(True)

    # ---- final result ------------------------------------------------------------------------
    def set_result(self, result: AnalysisResult, curve_shown: bool = False, title: str | None = None) -> None:
        """Show a finished analysis: its whole curve, bulk and ideal lines, fits and SUMEs.

        ``curve_shown``: the curve already arrived edge by edge (live GUI), so only the bulk and
        ideal lines, the fits and the SUME markers are added, which keeps the GUI thread short.
        ``title``: an extra first header line (the exported PNG names the elements there).
        """
        self._title = title
        if curve_shown:
            self._show_fit(result)
            return
        self.clear()
        for scale in result.curve:
            self._append(scale)
        self._redraw()
        self._show_fit(result)

    def _show_fit(self, result: AnalysisResult) -> None:
        for item in self._result_items:
            item.setVisible(False)
        self.fit_descending.setData([], [])
        self.fit_bulk.setData([], [])
        self.sume_marker.setData([], [])
        self.bulk_line.setValue(result.bulk.S_R)
        self.ideal_line.setValue(result.bulk.S_ideal_R)
        self.bulk_line.setVisible(True)
        self.ideal_line.setVisible(True)
        s = result.sume
        # The fit drawn on S(L) is the hinge on S (the apparent SUME), or the tangents when they are
        # the headline; the deficit hinge lives on D(L), so only where it sits is drawn here.
        on_s = s if (s is not None and s.method != "hinge-deficit") else result.sume_apparent
        if on_s is not None:
            x_cross = on_s.fit_edge_nm if on_s.fit_edge_nm is not None else on_s.location_nm
            x1 = np.array([on_s.descending.l_min, max(on_s.descending.l_max, x_cross)])
            x2 = np.array([min(on_s.bulk.l_min, x_cross), on_s.bulk.l_max])
            self.fit_descending.setData(x1, on_s.descending(x1))
            self.fit_bulk.setData(x2, on_s.bulk(x2))
            if on_s.edge_nm is not None:
                self.sume_marker.setData([x_cross], [float(on_s.descending(x_cross))])
        if s is not None and s.edge_nm is not None:
            ci = s.ci95_nm
            if ci is not None and None not in ci:
                self.sume_ci.setRegion(ci)
                self.sume_ci.setVisible(True)
            self.chemical_line.setValue(s.edge_nm)
            self.chemical_line.setVisible(True)
        if result.sume_null.edge_nm is not None:
            self.null_sume_line.setValue(result.sume_null.edge_nm)
            self.null_sume_line.setVisible(True)
        self.header.setText(header_html(result, self._title))
        self.header.setOpacity(1.0)
        self.plot.setOpacity(1.0)

    def n_points(self) -> int:
        """Edges currently plotted (edges without cubes are not drawn)."""
        return int(self.plotted()[0].size)

    def plotted(self) -> tuple[np.ndarray, np.ndarray]:
        """Every edge drawn, in the fit or not, sorted: (L, S mean)."""
        xs, ys = [], []
        for item in (self.mean_curve, self.excluded):
            x, y = item.getData()
            if x is not None:
                xs.append(np.asarray(x, dtype=float))
                ys.append(np.asarray(y, dtype=float))
        if not xs:
            return np.zeros(0), np.zeros(0)
        L, S = np.concatenate(xs), np.concatenate(ys)
        order = np.argsort(L)
        return L[order], S[order]

    def text_items(self) -> list[Any]:
        """The graphics items that carry text: the header and the legend's labels."""
        return [self.header] + [label for _sample, label in self.legend.items]


def header_html(result: AnalysisResult, title: str | None = None) -> str:
    """The text above the entropy plot: both SUMEs with their 95 % intervals, the null-corrected
    SUME and the codes of the warnings (always the same number of lines, so the axes do not jump)."""
    lines = [f"<b>{_esc(title)}</b>"] if title else []
    data = result.to_json()
    head = headline(data)
    colour = _colour_hex(_CHEM_COLOUR)
    if head.is_number:
        interval = f" ({head.interval})" if head.interval else ""
        lines.append(f"<span style='color:{colour}'><b>SUME {_esc(head.value)}</b>{_esc(interval)}</span>")
    else:
        # A bound or a random material: a calm statement, never a bold number.
        lines.append(f"<span style='color:#333333'>SUME: {_esc(head.value)}</span>")
    second = []
    if result.sume is None or result.sume.method != "hinge-bulk":
        app = apparent(data)
        # Short enough for a narrow plot: a bound drops its "(not levelled)" (the headline and the
        # warnings say it); the Results panel and the legend carry the full label.
        value = app.value.replace(" (not levelled)", "").replace(" (at the smallest edge)", "")
        noise = " (incl. counting noise)" if app.is_number else ""
        second.append(
            f"<span style='color:{_colour_hex(_FIT_COLOUR)}'>★ apparent SUME {_esc(value)}{noise}</span>"
        )
    if result.sume_null.edge_nm is not None:
        second.append(f"null SUME {result.sume_null.edge_nm:.2f} nm")
    else:
        # The deficit stays significant up to the largest edge: say so rather than leave a gap.
        second.append("null SUME not reached")
    lines.append(" · ".join(second) or "&nbsp;")
    codes = [w.code for w in result.warnings]
    lines.append(
        f"<span style='color:{_colour_hex(_WARN_COLOUR)}'>⚠ {', '.join(codes)}</span>" if codes else "&nbsp;"
    )
    return "<br>".join(lines)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _colour_hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


class ConcentrationStdPlot:
    """Standard deviation over cubes of each element's fraction versus cube edge (paper Fig. 4b)."""

    def __init__(self, parent: Any = None) -> None:
        self.widget, p = white_plot(parent, "cube edge L (nm)", "std of atomic fraction")
        self.plot = p
        # The key in a column right of the axes, not over the data: the spread of a phase-separated
        # box stays high up to the largest edges, exactly where an inset legend sat.
        self.legend = pg.LegendItem(
            labelTextColor=(40, 40, 40), labelTextSize="8pt", verSpacing=0, frame=False
        )
        p.legend = self.legend  # curves plotted with a name join it, as with addLegend
        p.layout.addItem(self.legend, 2, 3)
        # Its own height at the top of the column: stretched over the whole row, the rows of the
        # key drifted apart from their samples.
        self.legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        p.layout.setAlignment(self.legend, pg.QtCore.Qt.AlignmentFlag.AlignTop)
        self._colours: dict[str, tuple[int, int, int]] = {}
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._data: dict[float, dict[str, float | None]] = {}

    def set_colours(self, colours: dict[str, tuple[float, float, float]]) -> None:
        """Colour per element (r, g, b in 0..1 or 0..255)."""
        for name, rgb in colours.items():
            self._colours[name] = _rgb255(rgb)
            if name in self._curves:
                self._curves[name].setPen(pg.mkPen(self._colours[name], width=2))
                self._curves[name].setSymbolBrush(self._colours[name])

    def keep_species(self, names) -> None:
        """Drop the curves (and keys) of species not in ``names``: another dataset was opened."""
        for name in [n for n in self._curves if n not in set(names)]:
            curve = self._curves.pop(name)
            self.legend.removeItem(curve)
            self.plot.removeItem(curve)

    def clear(self) -> None:
        """Empty all curves (the items and legend entries are kept: re-creating them is slow)."""
        for curve in self._curves.values():
            curve.setData([], [])
        self._data = {}

    def _curve(self, name: str) -> pg.PlotDataItem:
        if name not in self._curves:
            colour = self._colours.get(name, _CYCLE[len(self._curves) % len(_CYCLE)])
            self._curves[name] = self.plot.plot(
                [], [], pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=5,
                symbolBrush=colour, symbolPen=None, name=name,
            )  # fmt: skip
        return self._curves[name]

    def add_scale(self, scale: ScaleResult) -> None:
        """Append one cube edge."""
        self.add_scales([scale])

    def add_scales(self, scales) -> None:
        """Append several cube edges with one update per element curve."""
        names: list[str] = []
        for scale in scales:
            if scale.n_cubes > 1:
                self._data[float(scale.size_nm)] = dict(scale.conc_std)
            names += [n for n in scale.conc_std if n not in names]
        for name in names:
            curve = self._curve(name)
            L = sorted(k for k, v in self._data.items() if v.get(name) is not None)
            curve.setData(L, [self._data[k][name] for k in L])

    def set_result(self, result: AnalysisResult) -> None:
        """Show the finished analysis."""
        self.clear()
        for scale in result.curve:
            if scale.n_cubes > 1:
                self._data[float(scale.size_nm)] = dict(scale.conc_std)
        names = {name for scale in result.curve for name in scale.conc_std}
        self.keep_species(names)  # a key only for the elements of this analysis
        for name in sorted(
            names, key=lambda n: list(result.elements).index(n) if n in result.elements else 99
        ):
            L = sorted(k for k, v in self._data.items() if v.get(name) is not None)
            self._curve(name).setData(L, [self._data[k][name] for k in L])


def ensure_qapp():
    """A QApplication for offscreen export (``QT_QPA_PLATFORM=offscreen`` unless one is chosen)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication([])
    return app


def export_plot_png(widget, plot_item, path: str | Path, width: int, height: int) -> Path:
    """Render ``plot_item`` (inside ``widget``) off screen to PNG, SVG or PDF by ``path``'s suffix,
    then dispose of the widget (the name is older than the other formats)."""
    from hea_studio.plots.svg_export import write_figure_file

    app = ensure_qapp()
    widget.resize(width, height)
    # Lay the widget out at its final size before rendering it, without putting it on screen (the
    # window exports from here too).
    widget.setAttribute(pg.QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    widget.show()
    app.processEvents()
    try:
        return write_figure_file(plot_item, path, width, height)
    finally:
        widget.hide()
        widget.deleteLater()


def export_curve_png(result: AnalysisResult, path: str | Path, width: int = 1000, height: int = 650) -> Path:
    """Write the entropy curve of ``result`` to a PNG (used by ``analyze --plot``)."""
    ensure_qapp()
    plot = EntropyCurvePlot()
    plot.set_result(result, title=f"{'-'.join(result.elements)}: S vs cube edge")
    # The whole layout: the header with the SUME values and the legend are part of the figure.
    return export_plot_png(plot.widget, plot.widget.ci, path, width, height)


def export_concentration_png(
    result: AnalysisResult,
    path: str | Path,
    width: int = 1000,
    height: int = 400,
    colours: dict[str, tuple[float, float, float]] | None = None,
) -> Path:
    """Write the concentration spread of ``result`` to a PNG (the report's second figure)."""
    ensure_qapp()
    plot = ConcentrationStdPlot()
    if colours:
        plot.set_colours(colours)
    plot.set_result(result)
    return export_plot_png(plot.widget, plot.plot, path, width, height)


def curve_svg(result: AnalysisResult, width: int = 1000, height: int = 560) -> str:
    """The entropy curve of ``result`` (as in the window) as an inline SVG element (the report)."""
    from hea_studio.plots.svg_export import plot_svg, reused_figure

    ensure_qapp()
    plot = reused_figure("entropy", EntropyCurvePlot)
    plot.set_result(result, title=f"{'-'.join(result.elements)}: S vs cube edge")
    return plot_svg(plot.widget, plot.widget.ci, width, height)


def concentration_svg(
    result: AnalysisResult,
    width: int = 1000,
    height: int = 380,
    colours: dict[str, tuple[float, float, float]] | None = None,
) -> str:
    """The concentration spread of ``result`` as an inline SVG element, in the window's species colours."""
    from hea_studio.plots.svg_export import plot_svg, reused_figure

    ensure_qapp()
    plot = reused_figure("concentration", ConcentrationStdPlot)
    if colours:
        plot.set_colours(colours)
    plot.set_result(result)
    return plot_svg(plot.widget, plot.plot, width, height)
