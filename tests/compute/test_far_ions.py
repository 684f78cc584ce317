"""A handful of far stray ions (inside the +-10 um coordinate bound) must not move the default box."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hea_studio.cli import main
from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import write_pos, write_rrng

SPECIES = [("Fe", 27.95), ("Ni", 28.95), ("Co", 29.45), ("Cu", 31.45)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same specimen written twice: alone, and with 3 ions ~9 um away."""
    folder = tmp_path_factory.mktemp("far")
    rng = np.random.default_rng(7)
    n = 40_000
    pos = rng.uniform(0.0, 9.0, (n, 3))
    mass = np.array([s[1] for s in SPECIES])[rng.integers(0, 4, n)] + rng.uniform(0, 0.1, n)
    write_rrng(folder / "r.rrng", RangeTable([Range(m, m + 0.1, e, ((e, 1.0),)) for e, m in SPECIES]))
    write_pos(folder / "clean.pos", pos.astype(np.float32), mass.astype(np.float32))
    far = np.array([[9000.0, 20.0, 5.0], [8990.0, -3.0, 4.0], [4.0, 5.0, 9010.0]])
    write_pos(
        folder / "stray.pos",
        np.vstack([pos, far]).astype(np.float32),
        np.concatenate([mass, mass[:3]]).astype(np.float32),
    )
    return folder


def _analyze(folder, name, capsys):
    code = main(["analyze", str(folder / f"{name}.pos"), "--ranges", str(folder / "r.rrng"), "--json", "-"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    return json.loads(out), err


def test_three_far_ions_leave_the_default_box_and_sume_alone(runs, capsys):
    clean, _ = _analyze(runs, "clean", capsys)
    stray, _ = _analyze(runs, "stray", capsys)
    lo0, hi0 = np.array(clean["roi_nm"][:3]), np.array(clean["roi_nm"][3:])
    lo1, hi1 = np.array(stray["roi_nm"][:3]), np.array(stray["roi_nm"][3:])
    voxel = 9.0 / 48
    assert np.all(np.abs(lo1 - lo0) <= voxel) and np.all(np.abs(hi1 - hi0) <= voxel), (lo1, hi1, lo0, hi0)
    assert stray["sume"] == clean["sume"]
    # The user is told that some ions were left out of the region the box was placed in.
    far = [w for w in stray["warnings"] if w["code"] == "far_ions"]
    assert len(far) == 1 and far[0]["message"].startswith("3 far ions lie outside the analysed region")
    assert not any(w["code"] == "far_ions" for w in clean["warnings"])


def test_the_text_summary_names_the_far_ions(runs, capsys):
    code = main(["analyze", str(runs / "stray.pos"), "--ranges", str(runs / "r.rrng")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "3 far ions lie outside the analysed region" in out


def test_weighted_rows_and_the_mask_count_the_far_rows():
    """Ion rows standing for several atoms (molecular ions) take the weighted kernel."""
    from hea_studio.compute.lac.roi import specimen_mask

    rng = np.random.default_rng(3)
    pos = rng.uniform(0.0, 9.0, (30_000, 3)).astype(np.float32)
    labels = rng.integers(0, 3, len(pos)).astype(np.uint8)
    per_label = np.array([1, 2, 3], dtype=np.int64)
    weights = (labels, per_label, int(per_label[labels].sum()))
    clean = specimen_mask(pos, weights=weights)
    stray = np.vstack([pos, [[9000.0, 1.0, 1.0], [-8000.0, 2.0, 2.0]]]).astype(np.float32)
    w2 = (np.concatenate([labels, [2, 2]]).astype(np.uint8), per_label, weights[2] + 6)
    far = specimen_mask(stray, weights=w2)
    assert far.n_far == 2 and clean.n_far == 0
    np.testing.assert_allclose(far.lo, clean.lo)
    np.testing.assert_allclose(far.hi, clean.hi)
    assert far.edge == pytest.approx(clean.edge, rel=1e-9)
    np.testing.assert_array_equal(far.inside, clean.inside)
    big, small = far.largest_box(), clean.largest_box()
    np.testing.assert_allclose(big.lo, small.lo)
    np.testing.assert_allclose(big.hi, small.hi)
