"""The comparison dock (three sub-volumes overlaid, each equal to ``analyze``; the table's CSV round-trips;
cancel and resume), the composition-profile dock (follows the box, finds a two-phase interface) and
File > Export report / NeXus from the window."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from compute_specimens import two_phase_alloy
from gui_helpers import show_dataset, write_specimen

from hea_studio.compute.batch import analyze_files
from hea_studio.compute.profile.slabs import interface_position
from hea_studio.core.comparison import rows_from_csv
from hea_studio.core.geometry import Box

pytestmark = pytest.mark.gui

BOXES = {
    "Box 1": Box((0.2, 0.2, 0.2), (7.8, 7.8, 5.8)),
    "near top": Box((0.5, 0.5, 6.0), (7.5, 7.5, 11.8)),
    "thin": Box((1.0, 1.0, 1.0), (5.0, 7.0, 11.0)),
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_specimen(tmp_path_factory.mktemp("cmp"), "run", n=45_000, seed=5)


def _open(window, qtbot, files):
    with qtbot.waitSignal(window.controller.analysis_finished, timeout=120_000):
        window.open_files(*files)
    qtbot.waitUntil(lambda: not window.controller.is_analysing(), timeout=60_000)


def _three_boxes(window, qtbot):
    session = window.session
    session.set_active_box(BOXES["Box 1"])
    for name in ("near top", "thin"):
        session.add_subvolume(BOXES[name], name)
    qtbot.waitUntil(lambda: not window.controller.is_analysing(), timeout=60_000)
    job = window.compare.job
    keys = [c.key for c in job.candidates()]
    assert [k[1] for k in keys] == list(BOXES)
    window.compare.show_compare()
    window.compare.compare_panel.set_checked(keys)  # as if the user ticked all three
    qtbot.waitUntil(lambda: len(job.entries()) == 3 and not job.is_running(), timeout=180_000)
    return job


def test_three_sub_volumes_overlay_curves_equal_to_analyze_and_the_csv_round_trips(
    make_main_window, qtbot, files, tmp_path
):
    window = make_main_window()
    _open(window, qtbot, files)
    job = _three_boxes(window, qtbot)
    panel = window.compare.compare_panel
    settings = window.controller.settings
    assert len(panel.plot.shown_keys()) == 3
    colours = {job.colour(i) for i in job.checked_items()}
    assert len(colours) == 3  # each its own colour
    for item in job.checked_items():
        # What `hea-studio analyze FILE --ranges R --roi BOX` computes with the window's settings.
        expected = analyze_files(*files, settings.fitted_to(item.box), item.box)
        x, y = panel.plot.curve_data(item.key)
        want = [(s.size_nm, s.S_mean) for s in expected.curve if s.n_cubes > 0]
        assert np.allclose(x, [w[0] for w in want]) and np.allclose(y, [w[1] for w in want])
        got = job.result_of(item).to_json()
        want_json = expected.to_json()
        for d in (got, want_json):
            d.pop("timing_s")
        assert got == want_json
    # The table: three rows, sortable, same numbers.
    table = panel.table
    assert table.rowCount() == 3 and table.isSortingEnabled()
    table.sortItems(4)  # S bulk
    values = [float(table.item(r, 4).text()) for r in range(3)]
    assert values == sorted(values)
    out = tmp_path / "comparison.csv"
    window.compare.export_compare_csv(out)
    rows = rows_from_csv(out.read_text())
    assert rows == job.rows() and [r.name for r in rows] == list(BOXES)
    assert {f"{r.S_bulk_R:.3f}" for r in rows} == {table.item(r, 4).text() for r in range(3)}


def test_a_ticked_box_that_moves_is_analysed_again_and_cancel_stops_the_comparison(
    make_main_window, qtbot, files
):
    window = make_main_window()
    _open(window, qtbot, files)
    job = _three_boxes(window, qtbot)
    first = {i.name: job.result_of(i) for i in job.checked_items()}
    # Moving the active box (Box 3 is active after the adds): its live analysis replaces its entry.
    window.session.set_active_box(Box((1.0, 1.0, 2.0), (5.0, 7.0, 11.5)))
    qtbot.waitUntil(lambda: not window.controller.is_analysing() and not job.missing(), timeout=120_000)
    now = {i.name: job.result_of(i) for i in job.checked_items()}
    assert now["Box 1"] is first["Box 1"] and now["near top"] is first["near top"]  # from the cache
    assert now["thin"] is not first["thin"] and now["thin"].roi_nm == (1.0, 1.0, 2.0, 5.0, 7.0, 11.5)
    # Other settings: everything is analysed again, one after another; Cancel stops it.
    from dataclasses import replace

    window.controller.settings = replace(window.controller.settings, bootstrap=300)
    window.session.set_active(0)
    qtbot.waitUntil(lambda: job.is_running(), timeout=120_000)
    job.cancel()
    qtbot.waitUntil(lambda: not job.is_running(), timeout=60_000)
    assert "cancelled" in window.compare.compare_panel.status.text().lower()
    missing = len(job.missing())
    assert missing >= 1
    qtbot.wait(300)
    assert len(job.missing()) == missing and not job.is_running()  # stays stopped
    job.set_checked(list(job.checked))  # ticking again resumes
    qtbot.waitUntil(lambda: not job.missing() and not job.is_running(), timeout=180_000)


def test_sub_volumes_of_a_run_opened_before_stay_in_the_comparison(make_main_window, qtbot, files, tmp_path):
    window = make_main_window()
    _open(window, qtbot, files)
    job = _three_boxes(window, qtbot)
    other = write_specimen(tmp_path, "other", n=30_000, seed=9)
    _open(window, qtbot, other)
    kept = [c for c in job.candidates() if c.run == "run.pos"]
    assert [c.name for c in kept] == list(BOXES)
    assert len(job.entries()) == 3  # still ticked, with their results
    new = [c for c in job.candidates() if c.run == "other.pos"]
    job.set_checked([*job.checked, new[0].key])
    qtbot.waitUntil(lambda: len(job.entries()) == 4 and not job.is_running(), timeout=120_000)
    assert {r.run for r in job.rows()} == {"run.pos", "other.pos"}


def test_window_exports_report_and_nexus_of_the_comparison(make_main_window, qtbot, files, tmp_path):
    window = make_main_window()
    _open(window, qtbot, files)
    job = _three_boxes(window, qtbot)
    feats = window.compare
    with qtbot.waitSignal(feats.export_done, timeout=120_000):
        feats.export_report(tmp_path / "r.html")
    text = (tmp_path / "r.html").read_text()
    assert text.count("<svg") == 1 + 2 * 3 and "<img" not in text  # vector figures
    assert "Ranged: " in text and "doi.org/10.1039/d4cp00776j" in text
    assert all(name in text for name in BOXES)
    import hashlib

    assert hashlib.sha256(Path(files[0]).read_bytes()).hexdigest() in text
    with qtbot.waitSignal(feats.export_done, timeout=120_000):
        feats.export_nexus(tmp_path / "r.nxs")
    with h5py.File(tmp_path / "r.nxs") as f:
        titles = sorted(f[e]["title"][()].decode() for e in f if e.startswith("entry"))
        assert titles == sorted(f"{i.name} (run.pos)" for i in job.checked_items())


def test_profile_dock_follows_the_box_and_finds_the_two_phase_interface(make_main_window, qtbot, tmp_path):
    from hea_studio.compute.dataset import build_dataset

    atoms = two_phase_alloy(60_000, interface_z=9.3, seed=2)
    dataset = build_dataset(atoms, "two-phase")
    window = make_main_window()
    feats = window.compare
    feats.show_profile()
    panel = feats.profile_panel
    panel.axis.setCurrentText("z")
    panel.bin.setValue(0.5)
    panel.cylinder.setChecked(False)
    show_dataset(window, dataset, qtbot)
    box = Box((0.5, 0.5, 0.5), (9.5, 9.5, 17.5))
    window.session.set_active_box(box)
    # The profile of the box (one of the dataset's default box may arrive first).
    qtbot.waitUntil(lambda: panel.profile is not None and panel.profile.box == box, timeout=60_000)
    prof = panel.profile
    assert prof is not None and prof.box == box and prof.axis == "z"
    for name in prof.species:
        assert abs(interface_position(prof, name) - 9.3) < 1.0
    assert "interfaces at z" in panel.status.text()
    # A cylinder of 3 nm: fewer atoms, the same interface.
    panel.radius.setValue(3.0)
    panel.cylinder.setChecked(True)
    qtbot.waitUntil(lambda: panel.profile.radius_nm == 3.0, timeout=60_000)
    assert panel.profile.box == box and panel.profile.totals.sum() < prof.totals.sum()
    # Save CSV writes what `hea-studio profile --csv` writes, for the profile shown.
    out = tmp_path / "profile.csv"
    feats.export_profile_csv(out)
    lines = out.read_text().splitlines()
    assert lines[0].startswith("lo_nm,hi_nm,centre_nm,atoms") and len(lines) == 1 + len(panel.profile.totals)


def test_the_comparison_is_kept_in_the_project(make_main_window, qtbot, files, tmp_path):
    window = make_main_window()
    _open(window, qtbot, files)
    job = _three_boxes(window, qtbot)
    before = {i.name: job.result_of(i).to_json() for i in job.checked_items()}
    other = write_specimen(tmp_path, "other", n=30_000, seed=9)
    _open(window, qtbot, other)
    new = next(c for c in job.candidates() if c.run == "other.pos")
    job.set_checked([*job.checked, new.key])
    qtbot.waitUntil(lambda: len(job.entries()) == 4 and not job.is_running(), timeout=120_000)
    project = tmp_path / "session.heaproj"
    window.keeper.save(project)

    again = make_main_window()
    with qtbot.waitSignal(again.controller.analysis_finished, timeout=120_000):
        again.open_project(project)
    job2 = again.compare.job
    qtbot.waitUntil(lambda: len(job2.entries()) == 4 and not job2.is_running(), timeout=120_000)
    kept = {i.name: job2.result_of(i) for i in job2.checked_items() if i.run == "run.pos"}
    assert set(kept) == set(BOXES)  # run.pos is not open: its boxes come back with their results
    for name, result in kept.items():
        assert result.to_json() == before[name]
    assert [i.run for i in job2.checked_items()].count("other.pos") == 1  # analysed again on reopening
    names = [
        again.compare.compare_panel.list.item(i).text()
        for i in range(again.compare.compare_panel.list.count())
    ]
    assert "Box 1 (run.pos)" in names
    # The ticks shown are the boxes compared (on main they showed unticked after a reopen).
    panel = again.compare.compare_panel
    assert sorted(panel.checked_keys()) == sorted(job2.checked) and len(job2.checked) == 4


def test_a_box_that_cannot_be_analysed_is_skipped_with_its_reason(make_main_window, qtbot, files):
    """On main one failing box stopped the whole comparison ("Comparison stopped: ...")."""
    window = make_main_window()
    _open(window, qtbot, files)
    session = window.session
    session.set_active_box(BOXES["Box 1"])
    session.add_subvolume(Box((1.0, 1.0, 1.0), (1.3, 1.3, 1.3)), "tiny")  # no cube edge fits
    session.add_subvolume(BOXES["near top"], "near top")
    qtbot.waitUntil(lambda: not window.controller.is_analysing(), timeout=60_000)
    job = window.compare.job
    window.compare.show_compare()
    window.compare.compare_panel.set_checked([c.key for c in job.candidates()])
    qtbot.waitUntil(lambda: not job.is_running() and not job.missing(), timeout=180_000)
    assert [label for _k, label, _r, _c in job.entries()] == [
        i.label for i in job.checked_items() if i.name != "tiny"
    ]
    status = window.compare.compare_panel.status.text()
    assert "2 sub-volume(s) compared" in status and "tiny skipped:" in status
    ((item, reason),) = job.skipped_items()
    assert item.name == "tiny" and reason in status
