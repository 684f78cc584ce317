"""The window recovers fully from a degenerate or failed load (issue 14): no broken 3D view, no stale
species or projections afterwards."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hea_studio.io import write_pos
from hea_studio.synth import generate, write_specimen
from hea_studio.synth.shape import BoxShape
from hea_studio.synth.specimen import SynthParams


@pytest.fixture(scope="module")
def good_files(tmp_path_factory) -> tuple[Path, Path]:
    prefix = tmp_path_factory.mktemp("recover") / "block"
    pos, rrng, _ = write_specimen(generate(SynthParams(shape=BoxShape((10.0, 10.0, 10.0)), seed=5)), prefix)
    return pos, rrng


@pytest.mark.gui
def test_garbage_then_good_data_leaves_a_working_window(
    make_main_window, qtbot, good_files, tmp_path, monkeypatch
):
    import hea_studio.io.apt.pos as pos_reader

    pos, rrng = good_files
    window = make_main_window()
    # A reader that lets random bytes through (as before the plausibility checks): bounds of +-3e38 nm.
    monkeypatch.setattr(pos_reader, "check_records", lambda *a, **k: None)
    # ... and before the coordinate bound every reader now applies (issue 28).
    import hea_studio.io.apt._binary as binary

    monkeypatch.setattr(binary, "MAX_COORD_NM", float(np.finfo(np.float32).max))
    rng = np.random.default_rng(2)
    garbage = tmp_path / "garbage.pos"
    huge = rng.uniform(-3.4e38, 3.4e38, (5000, 3)).astype(np.float32)
    write_pos(garbage, huge, np.full(5000, 30.0, dtype=np.float32))
    with qtbot.waitSignal(window.controller.dataset_loaded, timeout=60_000):
        window.open_files(garbage, rrng)
    monkeypatch.undo()
    with qtbot.waitSignal(window.controller.dataset_loaded, timeout=60_000):
        window.open_files(pos, rrng)
    # Everything follows the good dataset: 3D view draws, species and projections are its own.
    atoms = window.session.dataset.atoms
    image = window.atom_view.render()
    assert np.count_nonzero(image[..., :3].max(axis=-1) > 60) > 500
    assert window.atom_view.n_atoms == atoms.n_atoms
    assert [r[0].text() for r in window.species_panel._rows] == list(atoms.names)
    xy = window.session.dataset.maps["xy"]
    shown = window.projection_xy.image.mapRectToParent(window.projection_xy.image.boundingRect())
    assert shown.left() == pytest.approx(xy.lo[0], abs=1e-3) and shown.right() == pytest.approx(
        xy.hi[0], abs=1e-3
    )


@pytest.mark.gui
def test_a_refused_file_keeps_the_open_dataset_whole(make_main_window, qtbot, good_files, tmp_path):
    pos, rrng = good_files
    window = make_main_window()
    with qtbot.waitSignal(window.controller.dataset_loaded, timeout=60_000):
        window.open_files(pos, rrng)
    before = window.session.dataset
    text = tmp_path / "export.pos"
    text.write_bytes(("1.0,2.0,3.0,27.9\n" * 400).encode()[: 16 * 400])
    with qtbot.waitSignal(window.controller.load_failed, timeout=60_000) as failed:
        window.open_files(text, rrng)
    assert "holds text" in failed.args[0] and "export.pos" in failed.args[0]
    assert window.session.dataset is before
    assert [r[0].text() for r in window.species_panel._rows] == list(before.atoms.names)
    image = window.atom_view.render()
    assert np.count_nonzero(image[..., :3].max(axis=-1) > 60) > 500
