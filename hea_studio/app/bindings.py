"""Two-way binding between the session and the window's views and panels.

Session changes flow out to every view (3D atoms, box wireframe, projections, spin boxes, species
rows); user edits flow back into the session, which then notifies everyone, so the XY map, the XZ
map and the spin boxes can never disagree about the active box.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QTimer

from hea_studio.compute.common.display import atoms_display_sample
from hea_studio.compute.lac.roi import compound_anions, default_elements
from hea_studio.core.dataset import Dataset
from hea_studio.core.display import DisplayState
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.widgets.wording import gui_wording

VIEW_BOX_MS = 250

if TYPE_CHECKING:
    from hea_studio.app.main_window import MainWindow


def default_elements_of(atoms) -> tuple[list[str], str | None]:
    """The default entropy elements of the dataset (the cations of a compound) and why, if it matters."""
    chosen, note = default_elements(atoms.counts(), compound_anions(atoms))
    return [n for n in atoms.names if n in chosen], note


class ViewBinder:
    """Connects one window's session, controller, views and panels."""

    def __init__(self, window: MainWindow) -> None:
        self.w = window
        # One software-GL frame of the 3D view costs 0.1-0.3 s: redrawing it at every mouse move
        # would take the whole GUI thread, so the wireframe moves once the drag pauses; the
        # projections the user drags on, the spin boxes and the plots follow live.
        self._view_box_timer = QTimer(window)
        self._view_box_timer.setSingleShot(True)
        self._view_box_timer.setInterval(VIEW_BOX_MS)
        self._view_box_timer.timeout.connect(self._apply_view_box)
        s = window.session
        s.dataset_changed.connect(self._dataset_changed)
        s.ranging_changed.connect(self._dataset_changed)  # new ranges: new atoms, same boxes
        s.subvolumes_changed.connect(self._subvolumes_changed)
        s.active_changed.connect(lambda _i: self._subvolumes_changed())
        s.active_box_changed.connect(self._box_changed)

        window.projection_xy.rect_changed.connect(lambda *r: self._rect_edited((0, 1), r))
        window.projection_xz.rect_changed.connect(lambda *r: self._rect_edited((0, 2), r))
        for proj in (window.projection_xy, window.projection_xz):
            proj.drag_started.connect(lambda: self._dragging(True))
            proj.drag_finished.connect(lambda: self._dragging(False))

        p = window.subvolume_panel
        p.box_edited.connect(s.set_active_box)
        p.activated.connect(s.set_active)
        p.add_requested.connect(lambda: s.add_subvolume())
        p.remove_requested.connect(s.remove_subvolume)
        p.renamed.connect(s.rename_subvolume)
        p.largest_cube_requested.connect(self._largest_cube)
        p.default_box_requested.connect(self._default_box)
        p.highlight_toggled.connect(lambda on: self._edit_display(highlight=bool(on)))

        # The display widgets write the session's DisplayState; the views follow its changes.
        sp = window.species_panel
        sp.visibility_changed.connect(
            lambda i, on: self._set_display(self._display.with_visible(self._display.names[i], on))
        )
        sp.colour_changed.connect(
            lambda i, rgb: self._set_display(self._display.with_colour(self._display.names[i], rgb))
        )
        sp.point_size_changed.connect(lambda size: self._edit_display(point_size=float(size)))
        sp.budget_changed.connect(lambda budget: self._edit_display(budget=int(budget)))
        s.display_changed.connect(self._display_changed)

        window.settings_panel.settings_changed.connect(window.controller.set_settings)

        lp = window.local_panel
        lp.compute_requested.connect(lambda n: window.compute_local(n))
        lp.save_requested.connect(window.save_local_json)

        c = window.controller
        c.analysis_started.connect(self._analysis_started)
        c.scales_arrived.connect(lambda _gen, scales: window.plots.add_scales(scales))
        c.analysis_finished.connect(self._analysis_finished)
        c.analysis_failed.connect(self._analysis_failed)
        c.local_finished.connect(self._local_finished)
        c.local_failed.connect(
            lambda _gen, message: window.local_panel.show_failure(f"Not computed: {message}")
        )

    # ---- session -> views -----------------------------------------------------------------------
    def _dataset_changed(self, dataset: Dataset | None) -> None:
        w = self.w
        if dataset is None:
            return
        atoms = dataset.atoms
        colours = list(w.session.display.colours)
        rgb = np.array(colours, dtype=np.float32)
        if dataset.display is not None:
            w.atom_view.set_sample(dataset.display, rgb)  # built on the worker with the dataset
        else:
            w.atom_view.set_sample(atoms_display_sample(atoms), rgb)
        counts = atoms.counts()
        w.species_panel.set_species(list(atoms.names), colours, [counts[n] for n in atoms.names])
        w.species_panel.set_budget(w.atom_view.budget)
        w.settings_panel.set_species(list(atoms.names), *default_elements_of(atoms))
        w.projection_xy.set_map(dataset.maps["xy"])
        w.projection_xz.set_map(dataset.maps["xz"])
        w.plots.set_elements(list(atoms.names), dict(zip(atoms.names, colours)))
        w.local_panel.clear()
        self._update_shown()

    def _subvolumes_changed(self) -> None:
        s = self.w.session
        self.w.subvolume_panel.set_subvolumes([v.name for v in s.subvolumes], s.active)

    def _box_changed(self, box: Box) -> None:
        w = self.w
        w.projection_xy.set_rect(box.lo[0], box.hi[0], box.lo[1], box.hi[1])
        w.projection_xz.set_rect(box.lo[0], box.hi[0], box.lo[2], box.hi[2])
        w.subvolume_panel.set_box(box)
        if w.atom_view.wireframe.box is None:
            w.atom_view.set_box(box)  # the first box appears at once
        else:
            self._view_box_timer.start()  # restarted by every move: the 3D view follows when the drag pauses

    def _dragging(self, on: bool) -> None:
        # A mouse drag is one undo step, and analyses are previews until it ends.
        self.w.history.set_dragging(on)
        self.w.controller.set_interacting(on)

    def stop(self) -> None:
        """The window is closing: no more deferred view updates."""
        self._view_box_timer.stop()

    def _apply_view_box(self) -> None:
        self.w.atom_view.set_box(self.w.session.active_box)

    def _update_shown(self) -> None:
        v = self.w.atom_view
        self.w.species_panel.set_shown(v.n_points, v.n_candidates, v.n_atoms)

    # ---- views -> session -----------------------------------------------------------------------
    def _rect_edited(self, axes: tuple[int, int], rect: tuple[float, float, float, float]) -> None:
        s = self.w.session
        box = s.active_box
        if box is None:
            return
        lo = list(box.lo)
        hi = list(box.hi)
        lo[axes[0]], hi[axes[0]], lo[axes[1]], hi[axes[1]] = rect[0], rect[1], rect[2], rect[3]
        try:
            s.set_active_box(Box(tuple(lo), tuple(hi)))
        except InputError:
            return  # a degenerate rectangle mid-drag: keep the last valid box

    def _largest_cube(self) -> None:
        ds = self.w.session.dataset
        if ds is not None:
            self.w.session.set_active_box(ds.largest_cube)

    def _default_box(self) -> None:
        ds = self.w.session.dataset
        if ds is not None:
            self.w.session.set_active_box(ds.default_box)

    # ---- display: widgets -> DisplayState -> views ----------------------------------------------
    @property
    def _display(self) -> DisplayState:
        return self.w.session.display

    def _set_display(self, display: DisplayState) -> None:
        self.w.session.set_display(display)

    def _edit_display(self, **changes) -> None:
        self._set_display(replace(self._display, **changes))

    def _display_changed(self, old: DisplayState, new: DisplayState) -> None:
        """Apply what changed to the 3D view and the plots (the smallest update for each)."""
        view = self.w.atom_view
        if new.names == old.names:
            for i, name in enumerate(new.names):
                changed = False
                if new.colours[i] != old.colours[i]:
                    view.set_species_colour(i, new.colours[i])
                    self.w.plots.set_colour(name, new.colours[i])
                    changed = True
                if new.is_visible(name) != old.is_visible(name):
                    view.set_species_visible(i, new.is_visible(name))
                    changed = True
                if changed:  # the panel shows what a project or undo set, too
                    self.w.species_panel.show_state(i, new.colours[i], new.is_visible(name))
        if new.point_size != old.point_size:
            view.set_point_size(new.point_size)
        if new.budget is not None and new.budget != old.budget:
            view.set_budget(new.budget)
        if new.highlight != old.highlight:
            view.set_highlight(new.highlight)
        self._update_shown()

    # ---- analysis -> plots and results ----------------------------------------------------------
    def _analysis_started(self, _gen: int) -> None:
        self.w.plots.begin()

    def _analysis_finished(self, _gen: int, result) -> None:
        self.w.plots.set_result(result)
        # The numbers follow on the next turn of the event loop (see AnalysisPlots.add_scales),
        # unless a newer analysis has started by then.
        self.w.controller.analysis.deliver_later(self._show_numbers, result)

    def _show_numbers(self, result) -> None:
        data = result.to_json()
        self.w.results_panel.show_result(data, preview=self.w.controller.result_is_preview)
        self.w.freq_panel.set_result(result)
        self.w.sublattice_panel.set_result(result)
        box = self.w.controller.result_box
        counts = (data.get("bulk") or {}).get("counts") or {}
        if box is not None:
            self.w.results_panel.set_box(box.size, int(sum(counts.values())) if counts else None)

    def _local_finished(self, _gen: int, result) -> None:
        box = self.w.controller.local_box
        s = self.w.session
        name = s.subvolumes[s.active].name if s.subvolumes and 0 <= s.active < len(s.subvolumes) else "box"
        size = " × ".join(f"{v:.1f}" for v in box.size) + " nm" if box is not None else ""
        self.w.local_panel.show_result(result, f"{name} ({size})")

    def _analysis_failed(self, _gen: int, message: str) -> None:
        first = gui_wording(message.splitlines()[0])
        self.w.plots.begin()
        # The previous curve stays until the next analysis draws one, marked as not this box's.
        self.w.plots.entropy.mark_stale(first)
        self.w.results_panel.clear()
        self.w.results_panel.values["sume"].setText(first)
        self.w.show_message(f"Analysis: {first}")
