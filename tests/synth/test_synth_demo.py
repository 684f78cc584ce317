"""The bundled demo: cached generation, and the science it must show."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from hea_studio.synth import BoxShape, demo
from hea_studio.synth.presets import PRESETS, preset


def test_demo_is_generated_once_atomically_and_regenerated_when_parameters_change(tmp_path, monkeypatch):
    monkeypatch.setenv("HEA_STUDIO_CACHE", str(tmp_path))
    small = replace(preset("cocufeni-paper"), shape=BoxShape((5.0, 5.0, 5.0)))
    monkeypatch.setattr(demo, "demo_params", lambda: small)
    pos, rrng = demo.demo_files()
    assert pos.parent.parent == tmp_path and pos.exists() and rrng.exists()
    assert f"-v{demo.GENERATOR_VERSION}-" in pos.name
    stamp = pos.stat().st_mtime_ns
    assert demo.demo_files() == (pos, rrng)
    assert pos.stat().st_mtime_ns == stamp, "second call must reuse the cached files"
    assert not list(pos.parent.glob("*.tmp-*"))
    # A different parameter set (or generator version) gets a different file.
    unrelated = pos.parent / "notes.txt"
    unrelated.write_text("mine")
    monkeypatch.setattr(demo, "demo_params", lambda: replace(small, seed=small.seed + 1))
    other, _ = demo.demo_files()
    assert other != pos and other.exists()
    # The superseded demo is removed from the cache; unrelated files are left alone.
    assert not pos.exists() and not rrng.exists()
    assert unrelated.exists()
    assert sorted(p.suffix for p in other.parent.iterdir()) == [".json", ".pos", ".rrng", ".txt"]


def test_every_preset_is_valid():
    for name in PRESETS:
        p = preset(name, seed=1)
        assert p.seed == 1 and abs(sum(p.fractions) - 1) < 1e-12


@pytest.fixture(scope="module")
def demo_data():
    """The real demo (generated into the test cache on first use, reused afterwards)."""
    from hea_studio.io import load_ions, load_ranges

    pos, rrng = demo.demo_files()
    return load_ions(pos), load_ranges(rrng), json.loads(demo.demo_truth_path().read_text())


def test_demo_resembles_the_paper(demo_data):
    ions, table, doc = demo_data
    assert 1.8e6 < ions.n_ions < 2.6e6
    assert doc["params"]["shape"]["kind"] == "tip" and doc["params"]["instrument"]["efficiency"] == 0.37
    truth = doc["truth"]["detected_alloy_fractions"]
    paper = {"Ni": 0.306, "Cu": 0.267, "Co": 0.219, "Fe": 0.208}
    for element, x in paper.items():
        assert abs(truth[element] - x) < 0.005, element
    assert {"C", "O"} <= {e for r in table.ranges for e, _ in r.composition}


def test_demo_shows_sume_between_2_and_5_nm_and_a_deficit_at_1_nm(demo_data):
    from hea_studio.compute.analysis import run_analysis
    from hea_studio.compute.lac.roi import default_box
    from hea_studio.core.settings import AnalysisSettings, parse_sizes
    from hea_studio.io import to_atoms

    ions, table, _ = demo_data
    atoms = to_atoms(ions, table)
    roi = default_box(atoms.positions)
    # Edges from 1 nm as in the paper (its minimum binning volume); 1 nm steps keep the test fast.
    settings = AnalysisSettings(sizes_nm=parse_sizes("1:10:1"), bootstrap=0)
    result = run_analysis(atoms, settings, roi).to_json()
    assert set(result["elements"]) == {"Co", "Cu", "Fe", "Ni"}
    assert result["sume"] is not None
    assert 2.0 <= result["sume"]["edge_nm"] <= 5.0, result["sume"]
    first = result["curve"][0]
    assert first["size_nm"] == 1.0
    # Clearly below the random-mixing reference: far beyond its noise and by > 0.05 R.
    assert first["deficit"] > max(0.05, 10 * first["S_sem"]), first
    # And the curve meets the bulk at large cubes.
    last = result["curve"][-1]
    assert abs(last["S_mean"] - result["bulk"]["S_R"]) < 0.01
    assert np.isfinite(result["bulk"]["S_R"]) and result["bulk"]["S_R"] > 1.36
