"""The mass spectrum dock: ranges edited with real mouse events, re-ranging in the worker, undo,
saving, a run opened without ranges, and the fit check when a range file is applied."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gui_helpers import LEFT, drag, write_specimen
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QMessageBox

from hea_studio.core.range_edits import same_ranges
from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import read_rrng, write_pos, write_rrng

pytestmark = pytest.mark.gui


def _open(window, qtbot, ion: Path, ranges: Path | None):
    with qtbot.waitSignal(window.controller.dataset_loaded, timeout=60_000) as blocker:
        window.open_files(ion, ranges)
    return blocker.args[0]


def _pixel(panel, mn: float) -> QPoint:
    """Viewport pixel of m/n ``mn`` half-way up the spectrum plot."""
    vb = panel.view_box
    y = float(np.mean(vb.viewRange()[1]))
    scene = vb.mapViewToScene(QPointF(mn, y))
    return panel.plot.widget.mapFromScene(scene)


def _ranged(window, qtbot, action):
    """Run ``action`` and wait until the ions are ranged anew and the analysis has started again."""
    c = window.controller
    with qtbot.waitSignals([c.ranging_applied, c.analysis_started], timeout=60_000, order="strict"):
        action()
    return window.session.dataset


def test_add_resize_delete_ranges_with_the_mouse_undo_and_save(make_main_window, qtbot, tmp_path):
    pos, rrng = write_specimen(tmp_path, "run")
    window = make_main_window()
    _open(window, qtbot, pos, rrng)
    qtbot.waitUntil(lambda: window.controller.result is not None, timeout=60_000)
    panel = window.spectrum_panel
    window.spectrum_binder.show_dock()
    qtbot.waitUntil(lambda: panel.plot.widget.isVisible(), timeout=5000)
    assert panel.ranges_view.rowCount() == 4 and panel.spectrum is not None
    panel.plot.plot.setXRange(54.0, 67.0, padding=0)
    qtbot.wait(50)
    viewport = panel.plot.widget.viewport()
    first_generation = window.controller.analysis_generation

    # Add: drag across an empty stretch of the spectrum.
    before_add = panel.table
    dataset = _ranged(window, qtbot, lambda: drag(qtbot, viewport, _pixel(panel, 64.2), _pixel(panel, 65.0)))
    assert panel.ranges_view.rowCount() == 5
    added = [r for r in dataset.ranges.ranges if r.lo > 64.0]
    assert len(added) == 1 and abs(added[0].lo - 64.2) < 0.05 and abs(added[0].hi - 65.0) < 0.05
    assert window.controller.analysis_generation > first_generation  # the analysis reran
    # Results cached for the comparison belonged to the old ranges.
    assert not any(k[0] == str(pos) for k in window.compare.job.cache)

    # Resize: drag the right edge of the Cu band (62.53-63.33 Da) out to 63.6 Da.
    cu = next(i for i, r in enumerate(panel.table.ranges) if r.ion == "Cu")
    old_hi = panel.table.ranges[cu].hi
    dataset = _ranged(
        window, qtbot, lambda: drag(qtbot, viewport, _pixel(panel, old_hi), _pixel(panel, 63.6))
    )
    new_cu = next(r for r in dataset.ranges.ranges if r.ion == "Cu")
    assert abs(new_cu.hi - 63.6) < 0.05 and new_cu.lo == pytest.approx(62.53, abs=1e-3)
    assert dataset.n_unranged < window.session.dataset.n_ions

    # Delete: click the new band to select it, then press Delete.
    before_delete = panel.table
    qtbot.mouseClick(viewport, LEFT, pos=_pixel(panel, 64.6))
    assert panel.table.ranges[panel.selected].lo == pytest.approx(64.2, abs=0.05)
    panel.ranges_view.setFocus()
    dataset = _ranged(window, qtbot, lambda: qtbot.keyClick(panel.ranges_view, Qt.Key.Key_Delete))
    assert panel.ranges_view.rowCount() == 4 and len(dataset.ranges.ranges) == 4

    # Undo restores the previous table (and ranges the ions with it again); redo deletes again.
    dataset = _ranged(window, qtbot, window.undo_action.trigger)
    assert same_ranges(panel.table, before_delete) and same_ranges(dataset.ranges, before_delete)
    assert panel.ranges_view.rowCount() == 5
    _ranged(window, qtbot, window.undo_action.trigger)  # undo the resize
    _ranged(window, qtbot, window.undo_action.trigger)  # undo the add
    assert same_ranges(panel.table, before_add)
    _ranged(window, qtbot, window.redo_action.trigger)
    assert panel.ranges_view.rowCount() == 5

    # Save ranges: the .rrng reads back identically.
    saved = window.spectrum_binder.save(tmp_path / "edited.rrng")
    back = read_rrng(saved)
    assert same_ranges(back, panel.table)
    assert window.session.dataset.range_path == saved  # a project saved now refers to this file
    assert not list(tmp_path.glob(".*.tmp"))


def test_an_ion_file_without_ranges_opens_its_spectrum_and_waits(make_main_window, qtbot, tmp_path):
    from dataclasses import replace

    from hea_studio.synth import generate
    from hea_studio.synth.presets import cocufeni_random
    from hea_studio.synth.shape import BoxShape

    # A synthetic CoCuFeNi run with real isotope patterns, and no range file beside it.
    spec = generate(replace(cocufeni_random(9), shape=BoxShape((12.0, 12.0, 12.0))))
    pos = tmp_path / "bare.pos"
    write_pos(pos, spec.ions.positions, spec.ions.mass)
    window = make_main_window()
    dataset = _open(window, qtbot, pos, None)
    n = spec.n_ions
    assert dataset.waiting_for_ranges and dataset.atoms.names == ("unranged",)
    qtbot.wait(300)
    assert window.controller.analysis_generation == -1  # nothing analysed, no error
    assert window.error_dialog is None
    panel = window.spectrum_panel
    assert window.docks["spectrum"].isVisible() and panel.spectrum.n_ions == n
    assert "no ranges yet" in window.results_panel.values["unranged"].text()
    assert "analysis waits" in window.status_label.text()

    # Suggest ranges for the four elements, accept them all: ranged in the worker, then analysed.
    panel.suggest_edit.setText("Co,Cu,Fe,Ni")
    qtbot.mouseClick(panel.suggest_button, LEFT)
    assert panel.proposals.isVisible() and len(panel.proposals.proposals) >= 4
    dataset = _ranged(window, qtbot, lambda: qtbot.mouseClick(panel.proposals.accept_all_button, LEFT))
    assert set(dataset.atoms.names) == {"Co", "Cu", "Fe", "Ni"}
    assert dataset.n_unranged < 0.05 * dataset.n_ions  # the background and the C, O impurities
    qtbot.waitUntil(lambda: window.controller.result is not None, timeout=60_000)
    assert f"of {n:,}" in window.results_panel.values["unranged"].text()


def test_applying_an_unrelated_range_file_warns_naming_both_files(make_main_window, qtbot, tmp_path):
    pos, rrng = write_specimen(tmp_path, "alloy")
    other = tmp_path / "oxide.rrng"
    write_rrng(other, RangeTable([Range(15.9, 16.1, "O", (("O", 1.0),)), Range(26.9, 27.1, "Al", (("Al", 1.0),)),
                                  Range(58.5, 59.3, "Co", (("Co", 1.0),))]))  # fmt: skip
    window = make_main_window()
    _open(window, qtbot, pos, rrng)
    assert window.spectrum_binder.fit_dialog is None  # its own range file fits
    _ranged(window, qtbot, lambda: window.spectrum_binder.apply_file(other))
    dialog = window.spectrum_binder.fit_dialog
    assert isinstance(dialog, QMessageBox) and dialog.isVisible()
    assert "oxide.rrng" in dialog.text() and "alloy.pos" in dialog.text()
    assert "oxide.rrng" in window.spectrum_panel.warning.text()
    dialog.close()


def test_a_bin_width_change_rebins_in_the_worker(make_main_window, qtbot, tmp_path):
    pos, rrng = write_specimen(tmp_path, "bins")
    window = make_main_window()
    _open(window, qtbot, pos, rrng)
    panel = window.spectrum_panel
    panel.bin.setValue(0.05)
    with qtbot.waitSignal(window.controller.spectrum_ready, timeout=60_000) as blocker:
        panel.bin.editingFinished.emit()
    spectrum = blocker.args[0]
    assert spectrum.bin_width == 0.05 and panel.spectrum is spectrum
    assert spectrum.counts.sum() == 30_000
    with qtbot.waitSignal(window.controller.spectrum_ready, timeout=60_000) as blocker:
        panel.source.setCurrentIndex(1)  # the active sub-volume only
    assert 0 < blocker.args[0].n_ions < 30_000 and blocker.args[1] == window.session.active_box


def test_dropping_a_range_file_alone_re_ranges_the_open_ions(make_main_window, qtbot, tmp_path):
    from PySide6.QtCore import QMimeData, QUrl
    from PySide6.QtGui import QDropEvent

    pos, rrng = write_specimen(tmp_path, "drop")
    narrow = tmp_path / "narrow.rrng"
    write_rrng(narrow, RangeTable([Range(58.8, 59.1, "Co", (("Co", 1.0),))]))
    window = make_main_window()
    first = _open(window, qtbot, pos, rrng)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(narrow))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, LEFT, Qt.KeyboardModifier.NoModifier)
    dataset = _ranged(window, qtbot, lambda: window.dropEvent(event))
    assert dataset.atoms.names == ("Co",) and dataset.range_path == narrow
    assert window.session.subvolumes[0].box == first.default_box  # same run, same boxes
    _ranged(window, qtbot, window.undo_action.trigger)
    assert set(window.session.dataset.atoms.names) == {"Co", "Cu", "Fe", "Ni"}


def test_table_edits_rename_rebound_and_recolour_a_range(make_main_window, qtbot, tmp_path):
    pos, rrng = write_specimen(tmp_path, "table")
    window = make_main_window()
    _open(window, qtbot, pos, rrng)
    panel = window.spectrum_panel
    row = next(i for i, r in enumerate(panel.table.ranges) if r.ion == "Co")
    # Assign the Co range to a molecular ion typed with its charge.
    dataset = _ranged(window, qtbot, lambda: panel.ranges_view.item(row, 0).setText("CrO2 +"))
    renamed = dataset.ranges.ranges[row]
    assert renamed.ion == "CrO2" and renamed.composition == (("Cr", 1.0), ("O", 2.0))
    assert {"Cr", "O"} <= set(dataset.atoms.names)  # decomposed into its atoms
    # A bound typed in the table.
    dataset = _ranged(window, qtbot, lambda: panel.ranges_view.item(row, 2).setText("59.2"))
    assert dataset.ranges.ranges[row].hi == 59.2
    # A typo is refused with a message, nothing changes.
    before = panel.table
    panel.ranges_view.item(row, 0).setText("Qq")
    assert same_ranges(panel.table, before) and "Qq" in panel.info.text()
    # Recolour the species; the band and the swatch follow.
    _ranged(window, qtbot, lambda: panel.recolour("CrO2", (1.0, 0.0, 0.0)))
    assert panel.table.ranges[row].colour == (1.0, 0.0, 0.0)
    assert panel.ranges_view.item(row, 4).background().color().red() == 255


def test_a_project_saved_after_range_edits_keeps_them(make_main_window, qtbot, tmp_path):
    from hea_studio.io.project.store import load_project

    pos, rrng = write_specimen(tmp_path, "proj")
    window = make_main_window()
    _open(window, qtbot, pos, rrng)
    panel = window.spectrum_panel
    _ranged(window, qtbot, lambda: panel.add_range(64.2, 65.0, "Zn"))
    edited = panel.table
    assert window.session.dataset.range_path is None  # edited in the window, in no file yet
    project = tmp_path / "session.heaproj"
    assert _save(window, project)
    state = load_project(project)
    assert state.range_file is not None and Path(state.range_file).name == "session.rrng"
    assert same_ranges(read_rrng(Path(state.range_file)), edited)


def _save(window, path: Path) -> bool:
    """File > Save project to ``path`` (as after a Save as, so no dialog)."""
    window.keeper.project_file = path
    return window.save_project()


def test_a_cancelled_spectrum_leaves_no_stale_rerun_behind(make_main_window, qtbot, tmp_path):
    """A spectrum job takes the worker from a running curve, which is recomputed when the spectrum is
    done. When the spectrum is cancelled instead (the user, or a box change), whatever replaced it
    runs; the old promise to rerun the curve must not fire later, after some unrelated job."""
    pos, rrng = write_specimen(tmp_path, "run")
    window = make_main_window()
    _open(window, qtbot, pos, rrng)
    c = window.controller
    qtbot.waitUntil(lambda: c.result is not None and not c.is_analysing(), timeout=60_000)
    c.analyse_now()
    assert c.is_analysing()
    with qtbot.waitSignal(c.spectrum.cancelled, timeout=60_000):
        c.compute_spectrum(0.0005)  # a fine bin: long enough to be cancelled
        c.cancel()
    qtbot.waitUntil(lambda: not c.spectrum.running, timeout=60_000)
    started: list[int] = []
    c.analysis_started.connect(started.append)
    with qtbot.waitSignal(c.local_finished, timeout=60_000):
        c.run_local(300)
    qtbot.wait(200)
    assert started == [], "an analysis nobody asked for started after the local entropy"


def test_suggest_proposes_and_each_accepted_range_is_an_undo_step(make_main_window, qtbot, tmp_path):
    """On main Suggest ranges replaced every range without asking; now it proposes the ranges the
    table lacks, keeps the user's, and each acceptance is one undo step."""
    from dataclasses import replace

    from hea_studio.synth import generate
    from hea_studio.synth.presets import cocufeni_random
    from hea_studio.synth.shape import BoxShape

    spec = generate(replace(cocufeni_random(9), shape=BoxShape((12.0, 12.0, 12.0))))
    pos, rrng = tmp_path / "part.pos", tmp_path / "part.rrng"
    write_pos(pos, spec.ions.positions, spec.ions.mass)
    mine = RangeTable([Range(31.3, 31.6, "Mine", ()), Range(62.7, 63.2, "Cu", (("Cu", 1.0),))])
    write_rrng(rrng, mine)
    window = make_main_window()
    _open(window, qtbot, pos, rrng)
    panel = window.spectrum_panel
    window.spectrum_binder.show_dock()
    panel.suggest_edit.setText("Co,Cu,Fe,Ni")
    qtbot.mouseClick(panel.suggest_button, LEFT)
    proposals = list(panel.proposals.proposals)
    assert proposals and panel.table.ranges == window.session.dataset.ranges.ranges  # nothing replaced
    assert not any(p.lo < 63.2 and p.hi > 62.7 for p in proposals)  # no proposal over a user range
    assert {p.ion for p in proposals} >= {"Fe", "Ni", "Co"}

    panel.proposals.list.setCurrentRow(0)
    dataset = _ranged(window, qtbot, lambda: qtbot.mouseClick(panel.proposals.accept_button, LEFT))
    assert len(dataset.ranges.ranges) == 3 and proposals[0].lo in [r.lo for r in dataset.ranges.ranges]
    assert (
        "Mine" in [r.ion for r in dataset.ranges.ranges]
        and len(panel.proposals.proposals) == len(proposals) - 1
    )
    assert window.undo_action.text().replace("&", "").startswith("Undo Accept suggested")
    dataset = _ranged(window, qtbot, window.undo_action.trigger)
    assert [(r.lo, r.ion) for r in dataset.ranges.ranges] == [(r.lo, r.ion) for r in mine.ranges]
    dataset = _ranged(window, qtbot, window.redo_action.trigger)
    assert len(dataset.ranges.ranges) == 3


def test_save_ranges_proposes_a_name_that_cannot_replace_the_range_file(make_main_window, qtbot, tmp_path):
    pos, rrng = write_specimen(tmp_path, "Si")
    rrng.rename(tmp_path / "Si.RRNG")
    window = make_main_window()
    _open(window, qtbot, pos, tmp_path / "Si.RRNG")
    proposed = window.spectrum_binder.default_save_path()
    assert proposed.parent == tmp_path and proposed.name.lower() not in {"si.rrng"}
    assert proposed.name == "Si-edited.rrng"
