"""The two live plots of the window: entropy versus cube edge, and concentration spread versus edge.

The plot classes themselves live in :mod:`hea_studio.plots.curve` (shared with ``analyze --plot``);
this adapter feeds them the partial results of the current analysis. A new analysis does not clear
the plots at once: the previous curve stays until the first edge of the new one arrives, so a box
drag updates the picture smoothly instead of blinking empty ten times a second.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import QTimer

from hea_studio.plots.curve import ConcentrationStdPlot, EntropyCurvePlot


class AnalysisPlots:
    """Feeds scale results and the final result of one analysis at a time into both plots."""

    def __init__(self) -> None:
        self.entropy = EntropyCurvePlot()
        self.concentration = ConcentrationStdPlot()
        self._stale = False
        self._shown: list[float] = []  # edges drawn from partial results of the analysis shown
        self._epoch = 0  # counts clears: a deferred redraw meant for an earlier curve is dropped
        self.n_updates = 0  # plot refreshes so far (the drag benchmark counts them)

    @property
    def entropy_widget(self):
        """The Qt widget of the entropy plot."""
        return self.entropy.widget

    @property
    def concentration_widget(self):
        """The Qt widget of the concentration plot."""
        return self.concentration.widget

    def set_elements(self, names: list[str], colours: dict[str, tuple[float, float, float]]) -> None:
        """Species colours used for the per-element concentration curves."""
        self.concentration.keep_species(names)
        self.concentration.set_colours(colours)

    def set_colour(self, name: str, rgb: tuple[float, float, float]) -> None:
        """A species got a new colour."""
        self.concentration.set_colours({name: rgb})

    def begin(self) -> None:
        """A new analysis started: its first edge replaces what is shown."""
        self._stale = True

    def clear(self) -> None:
        """Empty both plots."""
        self.entropy.clear()
        self.concentration.clear()
        self._shown = []
        self._epoch += 1
        self._stale = False

    def add_scale(self, scale: Any) -> None:
        """One more cube edge of the current analysis."""
        self.add_scales([scale])

    def add_scales(self, scales: list[Any]) -> None:
        """More cube edges of the current analysis, drawn with one update (the first ones after
        :meth:`begin` replace what is shown)."""
        if not scales:
            return
        if self._stale:
            self.clear()
        self.entropy.add_scales(scales)
        # The second plot is drawn on the next turn of the event loop: one long slot would hold
        # the GUI thread (and every other widget) for the sum of both redraws.
        QTimer.singleShot(0, partial(self._add_concentration, list(scales), self._epoch))
        self._shown += [float(s.size_nm) for s in scales]
        self.n_updates += 1

    def _add_concentration(self, scales: list[Any], epoch: int) -> None:
        if epoch == self._epoch and not self._stale:
            self.concentration.add_scales(scales)

    def set_result(self, result: Any) -> None:
        """The finished analysis: the whole curve, reference band, bulk and ideal lines, SUME."""
        # When every edge already arrived live, only the fits and markers are new: redrawing the
        # whole curve again would hold the GUI thread for no visible change.
        complete = not self._stale and sorted(self._shown) == sorted(float(s.size_nm) for s in result.curve)
        self._stale = False
        self.entropy.set_result(result, curve_shown=complete)
        if not complete:
            self.concentration.set_result(result)
        else:
            # Keys of species the previous dataset or element choice had, and this analysis lacks.
            self.concentration.keep_species({n for scale in result.curve for n in scale.conc_std})
        self.n_updates += 1
