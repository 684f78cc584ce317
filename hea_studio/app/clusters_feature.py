"""The Clusters dock wired to the window: jobs on a worker of its own, the 3D overlay, the exports, the
cluster size next to the chemical SUME in Results, and Analysis > Cluster analysis at this scale.

Cluster searches and isosurfaces take seconds on large runs, so they run on a
:class:`~hea_studio.workers.ComputeWorker` of their own (with the dock's progress bar and Cancel): the
entropy analysis, which follows the box on the main worker, neither cancels them nor waits for them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QFormLayout, QLabel

from hea_studio.app.window_layout import scrolling
from hea_studio.core.errors import InputError
from hea_studio.io.files import write_atomically
from hea_studio.render.cluster_overlay import ClusterOverlay
from hea_studio.widgets.clusters_panel import ClustersPanel
from hea_studio.workers import ComputeWorker, LatestJob

SETTINGS_KEY = "clusters"


def ion_rows(atoms) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Positions, labels and label names of a data set's rows (ion classes when rows are ions)."""
    names = tuple(atoms.rows.species) if atoms.rows is not None else tuple(atoms.names)
    return atoms.positions, atoms.labels, names


def scale_solute(result) -> tuple[str, float] | None:
    """The element that departs most from random mixing at the chemical SUME, and that edge.

    The curve point nearest the SUME edge is read: the element whose spread of concentration over the
    cubes exceeds the binomial spread of random mixing by the largest factor is the one whose
    clustering sets that scale.
    """
    sume = getattr(result, "sume_chemical", None) or getattr(result, "sume", None)
    edge = getattr(sume, "edge_nm", None)
    if edge is None or not result.curve:
        return None
    point = min(result.curve, key=lambda s: abs(s.size_nm - edge))
    n = point.mean_atoms or 0
    best, ratio = None, 0.0
    for name, std in point.conc_std.items():
        x = point.conc_mean.get(name)
        if std is None or x is None or n <= 0 or not 0 < x < 1:
            continue
        r = std / np.sqrt(x * (1 - x) / n)
        if r > ratio:
            best, ratio = name, r
    return (best, float(edge)) if best is not None else None


class ClustersFeature(QObject):
    """Builds the Clusters dock in ``window`` and runs its jobs."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.panel = ClustersPanel()
        # No scroll area: the plots take the height the dock has (a scroll area let them grow past it).
        # Scrolling: its 560-px minimum height, tabbed with the concentration plots, squashed the
        # entropy plot above it to 84 px at 1280 x 800 (see window_layout.scrolling).
        self.dock = window.add_dock(
            "clusters", "Clusters", scrolling(self.panel), Qt.DockWidgetArea.RightDockWidgetArea
        )
        window.tabifyDockWidget(window.docks["local"], self.dock)
        window.docks["entropy"].raise_()
        window.docks["concentration"].raise_()
        self.worker = ComputeWorker(self)
        self.jobs = LatestJob(self.worker, parent=self)
        self.overlay = ClusterOverlay(window.atom_view)
        self.result = None  # ClusterResult
        self.nn = None  # DmaxHelp
        self.mesh = None
        self.proxigram = None
        self._rows_used = None  # positions of the rows the clusters refer to
        self._chain_run = False
        self._sume_edge: float | None = None
        self._region_text = self._pending_region = "the whole data set"
        self.worker.progress.connect(self._progress)
        self.jobs.finished.connect(self._finished)
        self.jobs.failed.connect(self._failed)
        self.jobs.cancelled.connect(lambda: self.panel.set_done("cancelled"))
        p = self.panel
        p.suggest_requested.connect(self.suggest)
        p.run_requested.connect(self.run)
        p.surface_requested.connect(self.surface)
        p.cancel_requested.connect(self.worker.cancel)
        p.export_requested.connect(self.export)
        p.overlay_toggled.connect(self._apply_overlay)
        window.session.dataset_changed.connect(self._new_dataset)
        self.scale_action = QAction("Cluster analysis at this scale", window)
        self.scale_action.setShortcut(QKeySequence("Ctrl+Alt+K"))
        self.scale_action.setToolTip(
            "Search the active sub-volume for clusters of the element that departs most from random "
            "mixing at the chemical SUME, and show their size next to it in Results"
        )
        self.scale_action.triggered.connect(self.at_this_scale)
        window.analysis_menu.addAction(self.scale_action)
        self.results_label = self._add_results_row()
        self._restore()

    # ---- plumbing -----------------------------------------------------------------------------
    def _add_results_row(self) -> QLabel | None:
        """A 'Cluster size' row right under the SUME of the Results panel (schema 3: the primary SUME
        is the chemical one, the deficit hinge)."""
        panel = self.window.results_panel
        target = next((panel.values[k] for k in ("sume", "sume_chemical") if k in panel.values), None)
        if target is None:
            return None
        for form in panel.findChildren(QFormLayout):
            row, _role = form.getWidgetPosition(target)
            if row >= 0:
                label = QLabel("–")
                label.setWordWrap(True)
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                tip = "Mean Guinier diameter 2 r_G of the clusters found in the Clusters dock, to set beside the SUME"
                label.setToolTip(tip)
                caption = QLabel("Cluster size")
                caption.setToolTip(tip)
                form.insertRow(row + 1, caption, label)
                return label
        return None

    def _settings(self) -> QSettings:
        from hea_studio.app.main_window import app_settings

        return app_settings()

    def _restore(self) -> None:
        s = self._settings()
        p = self.panel
        for key, widget in (
            ("dmax", p.dmax),
            ("envelope", p.envelope),
            ("erosion", p.erosion),
            ("threshold", p.threshold),
            ("voxel", p.voxel),
            ("deloc", p.deloc),
        ):
            v = s.value(f"{SETTINGS_KEY}/{key}")
            if v is not None:
                widget.setValue(float(v))
        for key, widget in (("order", p.order), ("nmin", p.nmin)):
            v = s.value(f"{SETTINGS_KEY}/{key}")
            if v is not None:
                widget.setValue(int(v))

    def _remember(self) -> None:
        s = self._settings()
        p = self.panel
        for key, widget in (
            ("dmax", p.dmax),
            ("envelope", p.envelope),
            ("erosion", p.erosion),
            ("threshold", p.threshold),
            ("voxel", p.voxel),
            ("deloc", p.deloc),
            ("order", p.order),
            ("nmin", p.nmin),
        ):
            s.setValue(f"{SETTINGS_KEY}/{key}", widget.value())

    def _progress(self, gen: int, fraction: float, _message: str) -> None:
        if gen == self.jobs.generation:
            self.panel.set_progress(fraction)

    def _new_dataset(self, dataset) -> None:
        self.worker.cancel()
        self.result = self.nn = self.mesh = self.proxigram = None
        self.overlay.set_clusters(None, None)
        self.overlay.set_surface()
        self.panel.table.setRowCount(0)
        self.panel.size_plot.set_distribution([])
        for b in self.panel.export_buttons.values():
            b.setEnabled(False)
        if self.results_label is not None:
            self.results_label.setText("–")
        if dataset is None or getattr(dataset, "waiting_for_ranges", False):
            return
        # Default solute: the least abundant named species (solutes are the minority).
        _pos, _labels, names = ion_rows(dataset.atoms)
        counts = np.asarray(dataset.atoms.label_counts())
        present = [i for i in range(len(names)) if i < len(counts) and counts[i] > 0]
        if present and not set(self.panel.solute_names()) <= set(names):
            least = min(present, key=lambda i: counts[i])
            self.panel.solutes.setText(names[least])
            self.panel.species.setText(names[least])

    def _data(self):
        """(positions, labels, names, box or None) of the search, or an error shown to the user."""
        dataset = self.window.session.dataset
        if dataset is None or getattr(dataset, "waiting_for_ranges", False):
            raise InputError("open a ranged data set first")
        pos, lab, names = ion_rows(dataset.atoms)
        box = self.window.session.active_box if self.panel.in_box.isChecked() else None
        return pos, lab, names, box

    def _submit(self, kind: str, fn, label: str) -> None:
        self._remember()
        self.panel.set_busy(True, label)
        self.jobs.submit(fn, label, context=kind)

    def _check_species(self, wanted, names) -> None:
        missing = [s for s in wanted if s not in names]
        if not wanted:
            raise InputError("type at least one species, e.g. Cu or Ni,Cu")
        if missing:
            raise InputError(f"not in the ranged data: {', '.join(missing)} (species: {', '.join(names)})")

    @staticmethod
    def _cut(pos, lab, box, task):
        """Rows inside ``box`` (chunked), or all rows without a box."""
        if box is None:
            return pos, lab
        keep = []
        step = 1 << 21
        for a in range(0, pos.shape[0], step):
            if task.cancelled():
                from hea_studio.core.progress import Cancelled

                raise Cancelled()
            keep.append(np.flatnonzero(box.contains(pos[a : a + step])) + a)
        rows = np.concatenate(keep)
        return pos[rows], lab[rows]

    # ---- actions ------------------------------------------------------------------------------
    def suggest(self) -> None:
        """The solutes' NN distribution against shuffled labels, and a d-max."""
        try:
            pos, lab, names, box = self._data()
            solutes = self.panel.solute_names()
            self._check_species(solutes, names)
        except InputError as exc:
            self.window.show_error("Cluster analysis", str(exc))
            return
        order = self.panel.order.value()

        def job(task):
            from hea_studio.compute.clusters import dmax_suggestion

            p, lb = self._cut(pos, lab, box, task)
            return dmax_suggestion(p, lb, names, solutes, order, task=task)

        self._submit("nn", job, "NN distances")

    def run(self) -> None:
        """Find clusters with the dock's parameters."""
        try:
            pos, lab, names, box = self._data()
            solutes = self.panel.solute_names()
            self._check_species(solutes, names)
            from hea_studio.compute.clusters import MsmParameters

            p = self.panel
            params = MsmParameters(
                p.dmax.value(), p.order.value(), p.nmin.value(), p.envelope.value(), p.erosion.value()
            )
        except InputError as exc:
            self.window.show_error("Cluster analysis", str(exc))
            return
        method = self.panel.method.currentText()
        self._pending_region = (
            "the whole data set"
            if box is None
            else "the box " + ", ".join(f"{v:.1f}" for v in box.flat()) + " nm"
        )

        def job(task):
            from hea_studio.compute.clusters import find_clusters

            p_, lb = self._cut(pos, lab, box, task)
            volume = box.volume if box is not None else None
            result = find_clusters(p_, lb, names, solutes, params, method, volume_nm3=volume, task=task)
            member = np.flatnonzero(result.cluster >= 0)
            return result, np.asarray(p_[member], dtype=np.float32), result.cluster[member]

        self._submit("clusters", job, "clusters")

    def surface(self) -> None:
        """Isosurface and proxigram with the dock's parameters."""
        try:
            pos, lab, names, box = self._data()
            species = self.panel.surface_species()
            self._check_species(species, names)
        except InputError as exc:
            self.window.show_error("Isosurface", str(exc))
            return
        p = self.panel
        threshold, voxel, deloc = p.threshold.value(), p.voxel.value(), p.deloc.value()

        def job(task):
            from hea_studio.compute.surfaces import concentration_field, isosurface, proxigram

            p_, lb = self._cut(pos, lab, box, task)
            field = concentration_field(p_, lb, names, species, voxel, deloc, task)
            mesh = isosurface(field, threshold)
            return mesh, proxigram(mesh, p_, lb, names, 0.2, 3.0, task)

        self._submit("surface", job, "isosurface")

    def at_this_scale(self) -> None:
        """Clusters of the element that sets the chemical SUME, in the active sub-volume."""
        result = self.window.controller.result
        picked = scale_solute(result) if result is not None else None
        if picked is None:
            self.window.show_error("Cluster analysis at this scale", "run an analysis with a SUME first")
            return
        element, edge = picked
        self._sume_edge = edge
        self.panel.solutes.setText(element)
        self.panel.species.setText(element)
        self.panel.in_box.setChecked(True)
        self.dock.show()
        self.dock.raise_()
        self._chain_run = True
        self.suggest()

    # ---- results ------------------------------------------------------------------------------
    def _finished(self, value) -> None:
        kind = self.jobs.context
        self.panel.set_done("done")
        p = self.panel
        if kind == "nn":
            self.nn = value
            p.nn_plot.set_distribution(value.distribution, value.dmax)
            p.dmax.setValue(round(value.dmax, 2))
            p.tabs.setCurrentWidget(p.nn_plot.widget)
            state = "clustered" if value.clustered else "no clustering detected"
            p.summary.setText(f"Suggested d-max {value.dmax:.2f} nm ({state}; {value.reason}).")
            p.export_buttons["nn"].setEnabled(True)
            if self._chain_run:
                self._chain_run = False
                self.run()
        elif kind == "clusters":
            result, pos, ids = value
            self.result = result
            self._region_text = self._pending_region
            p.show_clusters_table(result.clusters)
            doc = result.to_json()
            p.size_plot.set_distribution(doc["size_distribution"])
            mean_d = result.mean_guinier_diameter
            text = f"{len(result.clusters)} clusters of {'+'.join(result.solutes)} ({result.method})"
            if mean_d is not None:
                text += f", mean Guinier diameter {mean_d:.2f} nm, {result.number_density:.3g} per nm³"
            comp = result.matrix_composition()
            text += (
                "; matrix "
                + ", ".join(f"{k} {100 * x:.2f}±{100 * e:.2f}" for k, (x, e) in comp.items() if x > 0)
                + " at.%"
            )
            p.summary.setText(text)
            p.tabs.setCurrentWidget(p.table)
            self._cluster_points = (pos, ids)
            self._apply_overlay()
            for key in ("json", "csv"):
                p.export_buttons[key].setEnabled(True)
            self._show_in_results()
        elif kind == "surface":
            self.mesh, self.proxigram = value
            colours = {}
            dataset = self.window.session.dataset
            if dataset is not None:
                colours = dict(dataset.atoms.colours)
            p.proxigram_plot.set_proxigram(self.proxigram, colours)
            p.tabs.setCurrentWidget(p.proxigram_plot.widget)
            p.summary.setText(
                f"{'+'.join(p.surface_species())} {self.mesh.threshold:g} at.% surface: {len(self.mesh.faces)} "
                f"triangles, {self.mesh.area:.1f} nm²"
            )
            self._apply_overlay()
            for key in ("mesh", "proxigram"):
                p.export_buttons[key].setEnabled(True)

    def _failed(self, message: str) -> None:
        self.panel.set_done("failed")
        self._chain_run = False
        self.window.show_error("Cluster analysis", message)

    def _apply_overlay(self) -> None:
        pts = getattr(self, "_cluster_points", None)
        if self.panel.show_clusters.isChecked() and pts is not None:
            self.overlay.set_clusters(*pts)
        else:
            self.overlay.set_clusters(None, None)
        if self.panel.show_surface.isChecked() and self.mesh is not None:
            self.overlay.set_surface(self.mesh.vertices, self.mesh.faces, self.mesh.normals)
        else:
            self.overlay.set_surface()

    def _show_in_results(self) -> None:
        if self.results_label is None or self.result is None:
            return
        mean_d = self.result.mean_guinier_diameter
        if mean_d is None:
            self.results_label.setText(f"no clusters of {'+'.join(self.result.solutes)}")
            return
        text = f"{mean_d:.2f} nm mean Guinier diameter ({len(self.result.clusters)} clusters of {'+'.join(self.result.solutes)})"
        if self._sume_edge is not None:
            text += f"; chemical SUME {self._sume_edge:.2f} nm"
        self.results_label.setText(text)

    def report_rows(self) -> dict[str, str]:
        """Rows for the HTML report's parameter table: the clusters found, next to the SUME."""
        r = self.result
        if r is None:
            return {}
        mean_d = r.mean_guinier_diameter
        where = self._region_text
        size = "no clusters" if mean_d is None else f"{mean_d:.2f} nm mean Guinier diameter"
        p = r.parameters
        return {
            "Clusters": f"{len(r.clusters)} of {'+'.join(r.solutes)} ({r.method}, d-max {p['dmax_nm']:.2f} nm, "
            f"N-min {p['nmin']}) in {where}: {size}, {r.number_density:.3g} per nm³"
        }

    # ---- exports ------------------------------------------------------------------------------
    def export(self, kind: str) -> None:
        """Ask for a path and write clusters JSON/CSV, the mesh, the proxigram or the NN distribution."""
        filters = {
            "json": ("clusters.json", "JSON (*.json)"),
            "csv": ("clusters.csv", "CSV (*.csv)"),
            "mesh": ("surface.ply", "PLY mesh (*.ply);;STL mesh (*.stl)"),
            "proxigram": ("proxigram.csv", "CSV (*.csv);;JSON (*.json)"),
            "nn": ("nn.csv", "CSV (*.csv);;JSON (*.json)"),
        }
        name, pattern = filters[kind]
        path, _ = QFileDialog.getSaveFileName(self.window, "Save", name, pattern)
        if path:
            self.write(kind, Path(path))

    def write(self, kind: str, path: Path) -> None:
        """Write ``kind`` to ``path`` (atomically); errors go to a dialog."""
        try:
            if kind == "mesh":
                from hea_studio.compute.surfaces import write_mesh

                write_mesh(path, self.mesh)
                return
            if kind == "json":
                text = json.dumps(self.result.to_json(), indent=1) + "\n"
            elif kind == "csv":
                text = self.result.to_csv()
            else:
                obj = self.proxigram if kind == "proxigram" else self.nn.distribution
                text = (
                    obj.to_csv()
                    if path.suffix.lower() == ".csv"
                    else json.dumps(obj.to_json(), indent=1) + "\n"
                )
            write_atomically(path, lambda tmp: tmp.write_text(text), durable=False)
            self.window.show_message(f"Saved {path}")
        except (InputError, OSError) as exc:
            self.window.show_error("Cannot save", f"{path}: {exc}")

    def close(self) -> None:
        """The window closes: remember the parameters, stop the worker."""
        self._remember()
        self.jobs.detach()
        self.worker.shutdown()
