"""Two-way binding between the session and the window's views and panels.

Session changes flow out to every view (3D atoms, box wireframe, projections, spin boxes, species
rows); user edits flow back into the session, which then notifies everyone, so the XY map, the XZ
map and the spin boxes can never disagree about the active box.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QTimer

from hea_studio.app.analysis_job import result_to_json
from hea_studio.app.session import Dataset
from hea_studio.compute.roi import compound_anions, default_elements
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box

VIEW_BOX_MS = 250

if TYPE_CHECKING:
    from hea_studio.app.main_window import MainWindow

# Fallback colours (colour-blind-safe "Okabe-Ito" order) for species the range file gave none.
PALETTE = (
    (0.90, 0.62, 0.00),
    (0.34, 0.71, 0.91),
    (0.00, 0.62, 0.45),
    (0.94, 0.89, 0.26),
    (0.00, 0.45, 0.70),
    (0.84, 0.37, 0.00),
    (0.80, 0.47, 0.65),
    (0.60, 0.60, 0.60),
)


def species_colours(names: tuple[str, ...], given: dict) -> list[tuple[float, float, float]]:
    """A colour per species: the range file's where it has one, the palette otherwise."""
    out = []
    for i, name in enumerate(names):
        rgb = given.get(name)
        out.append(tuple(float(c) for c in rgb[:3]) if rgb is not None else PALETTE[i % len(PALETTE)])
    return out


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
        p.highlight_toggled.connect(window.atom_view.set_highlight)

        sp = window.species_panel
        sp.visibility_changed.connect(self._visibility)
        sp.colour_changed.connect(self._colour)
        sp.point_size_changed.connect(window.atom_view.set_point_size)
        sp.budget_changed.connect(self._budget)

        window.settings_panel.settings_changed.connect(window.controller.set_settings)

        lp = window.local_panel
        lp.compute_requested.connect(lambda n: window.compute_local(n))
        lp.save_requested.connect(window.save_local_json)

        c = window.controller
        c.analysis_started.connect(self._analysis_started)
        c.scales_arrived.connect(lambda gen, scales: window.plots.add_scales(scales, gen))
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
        colours = species_colours(atoms.names, atoms.colours)
        w.atom_view.set_atoms(atoms.positions, atoms.labels, np.array(colours, dtype=np.float32))
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

    def _visibility(self, index: int, on: bool) -> None:
        self.w.atom_view.set_species_visible(index, on)
        self._update_shown()

    def _colour(self, index: int, rgb) -> None:
        self.w.atom_view.set_species_colour(index, rgb)
        ds = self.w.session.dataset
        if ds is not None:
            self.w.plots.set_colour(ds.atoms.names[index], tuple(rgb))

    def _budget(self, budget: int) -> None:
        self.w.atom_view.set_budget(budget)
        self._update_shown()

    # ---- analysis -> plots and results ----------------------------------------------------------
    def _analysis_started(self, _gen: int) -> None:
        self.w.plots.begin()

    def _analysis_finished(self, gen: int, result) -> None:
        self.w.plots.set_result(result, gen)
        # The numbers follow on the next turn of the event loop (see AnalysisPlots.add_scales).
        QTimer.singleShot(0, lambda: self._show_numbers(gen, result))

    def _show_numbers(self, gen: int, result) -> None:
        if gen != self.w.controller.analysis_generation:
            return  # a newer analysis already replaced this one
        data = result_to_json(result)
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
        self.w.plots.begin()
        self.w.results_panel.clear()
        self.w.results_panel.values["sume"].setText(message.splitlines()[0])
        self.w.show_message(f"Analysis: {message.splitlines()[0]}")
