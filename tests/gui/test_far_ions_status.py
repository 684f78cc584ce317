"""Opening a run with a few stray ions microns away: the default box stays in the specimen and the
status bar says how many ions lie outside the analysed region."""

from __future__ import annotations

import numpy as np
import pytest

from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import write_pos, write_rrng

pytestmark = pytest.mark.gui

SPECIES = [("Fe", 27.95), ("Ni", 28.95), ("Co", 29.45), ("Cu", 31.45)]


def test_the_status_bar_names_the_far_ions(make_main_window, qtbot, tmp_path):
    rng = np.random.default_rng(7)
    n = 30_000
    pos = rng.uniform(0.0, 9.0, (n + 3, 3))
    pos[-3:] = [[9000.0, 20.0, 5.0], [8990.0, -3.0, 4.0], [4.0, 5.0, 9010.0]]
    mass = np.array([s[1] for s in SPECIES])[rng.integers(0, 4, n + 3)] + rng.uniform(0, 0.1, n + 3)
    write_pos(tmp_path / "stray.pos", pos.astype(np.float32), mass.astype(np.float32))
    write_rrng(tmp_path / "r.rrng", RangeTable([Range(m, m + 0.1, e, ((e, 1.0),)) for e, m in SPECIES]))
    window = make_main_window()
    with qtbot.waitSignal(window.controller.dataset_loaded, timeout=60_000) as blocker:
        window.open_files(tmp_path / "stray.pos", tmp_path / "r.rrng")
    dataset = blocker.args[0]
    assert dataset.n_far == 3
    box = dataset.default_box
    assert np.all(np.array(box.lo) >= 0.0) and np.all(np.array(box.hi) <= 9.0), box
    assert min(np.array(box.hi) - np.array(box.lo)) > 5.0, box
    qtbot.waitUntil(
        lambda: "3 far ions lie outside the analysed region" in window.status_label.text(), timeout=10_000
    )
