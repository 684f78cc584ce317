"""pyqtgraph plot of a composition profile: concentration of each species per slab with error bars.

Used by the Composition profile dock and by ``hea-studio profile --plot`` (:func:`export_profile_png`).
One line and one error-bar item per species, created once and updated with ``setData``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QSizePolicy

from hea_studio.compute.profile.slabs import CompositionProfile, interface_position
from hea_studio.plots.curve import _CYCLE, _rgb255, ensure_qapp, export_plot_png, white_plot


class ProfilePlot:
    """Atomic fraction (at.%) of every species versus position along the profile axis.

    Parameters
    ----------
    parent
        Parent widget of the plot.
    """

    def __init__(self, parent: Any = None) -> None:
        self.widget, self.plot = white_plot(parent, "position (nm)", "concentration (at.%)", grid_alpha=0.25)
        # The key in a column right of the axes: inside them (a row across the top, then a column)
        # it covered the curves of any species near the top or the right of the plot.
        self.legend = pg.LegendItem(
            labelTextColor=(30, 30, 30), labelTextSize="8pt", verSpacing=0, frame=False
        )
        self.plot.legend = self.legend  # curves plotted with a name join it, as with addLegend
        self.plot.layout.addItem(self.legend, 2, 3)
        self.legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.plot.layout.setAlignment(self.legend, pg.QtCore.Qt.AlignmentFlag.AlignTop)
        self._lines: dict[str, pg.PlotDataItem] = {}
        self._bars: dict[str, pg.ErrorBarItem] = {}
        self._colours: dict[str, tuple[int, int, int]] = {}
        self._markers: list[pg.InfiniteLine] = []
        self.profile: CompositionProfile | None = None

    def set_colours(self, colours: dict[str, tuple[float, float, float]]) -> None:
        """Species colours (r, g, b in 0..1 or 0..255), e.g. from the range file."""
        self._colours = {k: _rgb255(v) for k, v in colours.items()}

    def _colour(self, name: str, i: int) -> tuple[int, int, int]:
        return self._colours.get(name, _CYCLE[i % len(_CYCLE)])

    def clear(self) -> None:
        """Remove every curve."""
        for item in [*self._lines.values(), *self._bars.values(), *self._markers]:
            self.plot.removeItem(item)
        self.legend.clear()
        self._lines.clear()
        self._bars.clear()
        self._markers.clear()
        self.profile = None

    def set_profile(self, profile: CompositionProfile, show_interfaces: bool = True) -> None:
        """Show ``profile``: a line per species with +-1 binomial standard error bars."""
        if self.profile is None or self.profile.species != profile.species:
            self.clear()
        self.profile = profile
        x = profile.centres_nm
        frac = 100 * profile.fractions
        err = 100 * profile.errors
        for j, name in enumerate(profile.species):
            colour = self._colour(name, j)
            y = frac[:, j]
            ok = np.isfinite(y)
            if name not in self._lines:
                self._lines[name] = self.plot.plot(
                    [], [], pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=4,
                    symbolBrush=colour, symbolPen=None, name=name,
                )  # fmt: skip
                self._bars[name] = pg.ErrorBarItem(pen=pg.mkPen(colour, width=1), beam=0.0)
                self.plot.addItem(self._bars[name])
            self._lines[name].setData(x[ok], y[ok])
            self._bars[name].setData(x=x[ok], y=y[ok], top=err[ok, j], bottom=err[ok, j])
        for line in self._markers:
            self.plot.removeItem(line)
        self._markers.clear()
        if show_interfaces:
            for name, pos in profile_interfaces(profile):
                j = profile.species.index(name)
                line = pg.InfiniteLine(
                    pos=pos,
                    angle=90,
                    pen=pg.mkPen(self._colour(name, j), width=1, style=pg.QtCore.Qt.DashLine),
                )
                self.plot.addItem(line)
                self._markers.append(line)
        shape = "box" if profile.radius_nm is None else f"cylinder r = {profile.radius_nm:g} nm"
        self.plot.setLabel("bottom", f"{profile.axis} (nm), {shape}")


def profile_interfaces(profile: CompositionProfile) -> list[tuple[str, float]]:
    """``(species, position)`` of every interface the window marks (the report lists the same)."""
    found = [(name, interface_position(profile, name)) for name in profile.species]
    return [(name, pos) for name, pos in found if pos is not None]


def export_profile_png(
    profile: CompositionProfile, path: str | Path, width: int = 1000, height: int = 600
) -> Path:
    """Write ``profile`` as a PNG (used by ``profile --plot`` and the report)."""
    ensure_qapp()
    plot = ProfilePlot()
    plot.set_profile(profile)
    plot.plot.setTitle(f"Composition profile along {profile.axis}", color=(30, 30, 30))
    return export_plot_png(plot.widget, plot.plot, path, width, height)


def profile_svg(
    profile: CompositionProfile,
    width: int = 1000,
    height: int = 520,
    colours: dict[str, tuple[float, float, float]] | None = None,
) -> str:
    """``profile`` as an inline SVG element (the report), with the window's interface markers."""
    from hea_studio.plots.svg_export import plot_svg, reused_figure

    ensure_qapp()
    plot = reused_figure("profile", ProfilePlot)
    plot.clear()
    if colours:
        plot.set_colours(colours)
    plot.set_profile(profile)
    return plot_svg(plot.widget, plot.plot, width, height)
