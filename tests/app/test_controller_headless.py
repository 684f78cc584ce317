"""The Controller without a window: a Session, a ComputeWorker and files, nothing drawn.

It loads files in the worker, analyses the active box through the same path as the command line
(the curve equals run_analysis on the same atoms, box and settings), reports a bad file as a message
naming it, and keeps only the newest analysis when a newer box replaces a running one.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hea_studio.app.controller import Controller
from hea_studio.app.session import Session
from hea_studio.compute.analysis import run_analysis
from hea_studio.core.geometry import Box
from hea_studio.core.ranges import Range, RangeTable
from hea_studio.core.settings import AnalysisSettings, parse_sizes
from hea_studio.io import write_pos, write_rrng
from hea_studio.workers import ComputeWorker

MASSES = {"Co": 58.93, "Cu": 62.93, "Fe": 55.93, "Ni": 57.93}


@pytest.fixture
def run_files(tmp_path):
    """A random CoCuFeNi run of 20,000 ions in a 9 nm cube, with its range file."""
    rng = np.random.default_rng(7)
    xyz = (rng.random((20_000, 3)) * 9.0).astype(np.float32)
    mass = np.array(list(MASSES.values()), dtype=np.float32)[rng.integers(0, 4, 20_000)]
    write_pos(tmp_path / "run.pos", xyz, mass)
    table = RangeTable([Range(m - 0.3, m + 0.3, el, ((el, 1.0),)) for el, m in MASSES.items()])
    write_rrng(tmp_path / "run.rrng", table)
    return tmp_path / "run.pos", tmp_path / "run.rrng"


@pytest.fixture
def controller(qtbot):
    worker = ComputeWorker()
    ctl = Controller(Session(), worker)
    ctl.settings = AnalysisSettings(sizes_nm=parse_sizes("1:3:0.5"), bootstrap=0)
    yield ctl
    assert worker.shutdown()


def test_open_and_analyse_like_the_command_line(controller, qtbot, run_files):
    with qtbot.waitSignal(controller.analysis_finished, timeout=60_000) as finished:
        controller.open_files(*run_files)
    _gen, result = finished.args
    session = controller.session
    assert session.dataset is not None and session.active_box is not None
    direct = run_analysis(
        session.dataset.atoms, controller.settings.fitted_to(session.active_box), session.active_box
    )
    assert [s.size_nm for s in result.curve] == [s.size_nm for s in direct.curve]
    np.testing.assert_allclose([s.S_mean for s in result.curve], [s.S_mean for s in direct.curve], rtol=1e-12)
    assert result.bulk.counts == direct.bulk.counts


def test_a_bad_ion_file_is_a_message_naming_it(controller, qtbot, tmp_path, run_files):
    bad = tmp_path / "broken.pos"
    bad.write_bytes(b"not an ion file at all\n" * 3)
    with qtbot.waitSignal(controller.load_failed, timeout=30_000) as failed:
        controller.open_files(bad, run_files[1])
    (message,) = failed.args
    assert "broken.pos" in message and "Traceback" not in message
    assert controller.session.dataset is None


def test_a_newer_box_replaces_the_running_analysis(controller, qtbot, run_files):
    with qtbot.waitSignal(controller.analysis_finished, timeout=60_000):
        controller.open_files(*run_files)
    finished = []
    controller.analysis_finished.connect(lambda gen, result: finished.append((gen, result)))
    small = Box((0.0, 0.0, 0.0), (4.0, 4.0, 4.0))
    controller.settings = replace(controller.settings, sizes_nm=parse_sizes("1:2:0.5"))
    first = controller.analyse_now()
    controller.session.set_active_box(small)  # asks for an analysis after the throttle...
    newest = controller.analyse_now()  # ...which this one replaces at once
    assert newest > first
    qtbot.waitUntil(lambda: bool(finished) and not controller.is_analysing(), timeout=60_000)
    assert [gen for gen, _ in finished] == [newest]
    assert controller.result_box == small


def test_the_comparison_analyses_every_ticked_box_like_the_command_line(controller, qtbot, run_files):
    from hea_studio.app.comparison_job import ComparisonJob

    comparison = ComparisonJob(controller, controller.worker)
    try:
        with qtbot.waitSignal(controller.analysis_finished, timeout=60_000):
            controller.open_files(*run_files)
        session = controller.session
        session.add_subvolume(Box((0.0, 0.0, 0.0), (4.5, 4.5, 4.5)), "corner")
        session.add_subvolume(Box((4.0, 4.0, 4.0), (9.0, 9.0, 9.0)), "far corner")
        qtbot.waitUntil(lambda: not controller.is_analysing(), timeout=60_000)
        comparison.set_checked([item.key for item in comparison.candidates()])
        qtbot.waitUntil(lambda: not comparison.missing() and not comparison.is_running(), timeout=120_000)
        entries = comparison.entries()
        assert len(entries) == len(comparison.candidates()) >= 2
        for item in comparison.checked_items():
            result = comparison.result_of(item)
            direct = run_analysis(session.dataset.atoms, controller.settings.fitted_to(item.box), item.box)
            np.testing.assert_allclose(
                [s.S_mean for s in result.curve], [s.S_mean for s in direct.curve], rtol=1e-12
            )
    finally:
        comparison.shutdown()
