"""The complete analysis: JSON contract, generator and cancellation, default box, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from compute_specimens import NAMES, drain, full_box, random_alloy

from hea_studio.compute.analysis import iter_analysis, run_analysis
from hea_studio.compute.lac.curve import iter_curve
from hea_studio.compute.lac.roi import default_box
from hea_studio.core.atoms import AtomSet
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.progress import Cancelled, SimpleTaskState
from hea_studio.core.settings import AnalysisSettings, parse_sizes

CURVE_KEYS = {
    "size_nm", "n_cubes", "mean_atoms", "S_mean", "S_std", "S_sem", "S_null", "deficit",
    "conc_mean", "conc_std", "pearson_mu", "chi2_p",
}  # fmt: skip
SUME_KEYS = {"method", "edge_nm", "ci95_nm", "volume_nm3", "unit_cells", "atoms", "detected_atoms"}


def _walk_floats(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _walk_floats(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk_floats(v)
    elif isinstance(obj, float):
        yield obj


def test_json_matches_cli_contract(alloy_small):
    settings = AnalysisSettings(sizes_nm=parse_sizes("0.5:5:0.5"), bootstrap=20)
    result = run_analysis(alloy_small, settings, full_box(alloy_small))
    data = json.loads(result.dumps())
    assert data["schema"] == "hea-studio/analysis/3"
    assert data["elements"] == list(NAMES) and len(data["roi_nm"]) == 6
    assert data["mode"] == "tiling" and data["min_atoms"] == 10
    assert set(data["bulk"]) >= {"counts", "fractions", "S_R", "S_J_per_molK", "class"}
    assert sum(data["bulk"]["counts"].values()) == result.roi_atoms
    assert data["bulk"]["S_J_per_molK"] == pytest.approx(8.314462618 * data["bulk"]["S_R"])
    assert len(data["curve"]) == 10
    for row in data["curve"]:
        assert set(row) >= CURVE_KEYS
        for key in ("conc_mean", "conc_std", "pearson_mu", "chi2_p"):
            assert set(row[key]) == set(NAMES)
    schema3 = SUME_KEYS | {"below_range", "at_least_nm", "at_most_nm", "edge_sensitivity_nm", "resolution_nm"}
    assert set(data["sume"]) >= schema3 and data["sume"]["method"] == "hinge-deficit"
    assert set(data["sume_apparent"]) >= schema3 and data["sume_apparent"]["method"] == "hinge-bulk"
    assert data["sume_chemical"] == data["sume"]  # the schema-2 name, an alias for one version
    assert data["sume_variants"]["tangent-free"]["method"] == "tangent-free"
    assert isinstance(data["warnings"], list)
    assert all(isinstance(row["in_fit"], bool) for row in data["curve"])
    assert set(data["sume_null"]) >= {"edge_nm"}
    assert set(data["timing_s"]) >= {"load", "curve", "total"}
    assert all(np.isfinite(v) for v in _walk_floats(data))


def test_undefined_numbers_are_null_not_nan():
    # Paper mode on a tiny ROI: edges with one usable cube have no std; the fit has too few points.
    atoms = random_alloy(3000, seed=1)
    settings = AnalysisSettings(sizes_nm=(1.0, 2.0, 4.0), mode="paper", min_atoms=60, bootstrap=10)
    result = run_analysis(atoms, settings, full_box(atoms))
    text = result.dumps()  # allow_nan=False: raises on NaN
    data = json.loads(text)
    assert "NaN" not in text and "Infinity" not in text
    assert data["sume"] is None and "at least 3" in data["sume_reason"]
    assert data["reason"] == data["sume_reason"]  # the field the CLI contract names
    first = data["curve"][0]
    assert first["n_cubes"] == 0 and first["S_mean"] is None and first["conc_mean"]["Co"] is None
    one = [r for r in data["curve"] if r["n_cubes"] == 1]
    assert all(r["S_std"] is None and r["S_sem"] is None for r in one)


def test_generator_yields_each_edge_and_returns_the_result(alloy_small):
    settings = AnalysisSettings(sizes_nm=(1.0, 2.0, 3.0, 4.0, 5.0), bootstrap=0)
    seen = []
    task = SimpleTaskState(on_progress=lambda f, m: seen.append(f))
    scales, result = drain(iter_analysis(alloy_small, settings, full_box(alloy_small), task))
    assert [s.size_nm for s in scales] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert [s.fraction_done for s in scales] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert result.curve == tuple(scales)
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_cancel_between_edges(alloy_small):
    task = SimpleTaskState()
    gen = iter_curve(
        alloy_small, full_box(alloy_small), AnalysisSettings(sizes_nm=(1.0, 2.0, 3.0)), task=task
    )
    next(gen)
    task.cancel()
    with pytest.raises(Cancelled):
        next(gen)


def _cone(n: int, seed: int = 0) -> np.ndarray:
    # A cone along z: radius 5 nm at z = 0 growing to 20 nm at z = 60 nm, filled uniformly.
    rng = np.random.default_rng(seed)
    pts = rng.uniform([-20, -20, 0], [20, 20, 60], (n, 3))
    radius = 5 + 15 * pts[:, 2] / 60
    return pts[np.hypot(pts[:, 0], pts[:, 1]) < radius]


def test_default_box_lies_inside_a_cone():
    pos = _cone(1_500_000)
    box = default_box(pos)
    lo, hi = np.array(box.lo), np.array(box.hi)
    # Every corner is inside the cone (a tiny margin for the voxel edge)...
    for x in (lo[0], hi[0]):
        for y in (lo[1], hi[1]):
            for z in (lo[2], hi[2]):
                assert np.hypot(x, y) <= 5 + 15 * z / 60 + 0.1
    # ...and the box is large: the best box in this cone, 2 r(z0)^2 (60 - z0) at z0 = 33.3 nm,
    # holds 9.48e3 nm^3.
    assert box.volume > 0.8 * 9.48e3
    # The bounding box would be mostly empty.
    assert box.volume < 0.5 * np.prod(pos.max(0) - pos.min(0))


def test_bad_input_raises_input_error(alloy_small):
    atoms = alloy_small
    box = full_box(atoms)
    ok = AnalysisSettings(sizes_nm=(1.0, 2.0))

    def run(settings=ok, roi=box, a=atoms):
        return run_analysis(a, settings, roi)

    with pytest.raises(InputError, match="outside the data"):
        run(roi=Box((100, 100, 100), (110, 110, 110)))
    with pytest.raises(InputError, match="holds only"):
        run(roi=Box((0, 0, 0), (0.5, 0.5, 0.5)))
    with pytest.raises(InputError, match="exceed the sub-volume"):
        run(settings=AnalysisSettings(sizes_nm=(1.0, 50.0)))
    with pytest.raises(InputError, match="at least 2 elements"):
        run(settings=AnalysisSettings(sizes_nm=(1.0,), elements=("Ni",)))
    with pytest.raises(InputError, match="unknown element"):
        run(settings=AnalysisSettings(sizes_nm=(1.0,), elements=("Ni", "Xx")))
    with pytest.raises(InputError, match="no cube holds"):
        run(settings=AnalysisSettings(sizes_nm=(1.0, 2.0), min_atoms=100_000))
    # Default elements: the >= 5 at.% floor leaves a single principal element -> clear error.
    mono = AtomSet(atoms.positions, np.where(atoms.labels == 3, 3, 0), atoms.names)
    mono = AtomSet(mono.positions, np.where(np.arange(mono.n_atoms) % 50 == 0, 1, 0), atoms.names)
    with pytest.raises(InputError, match="at least 2 elements"):
        run(a=mono)


def test_default_elements_drop_minor_species():
    atoms = random_alloy(40_000, seed=2, fractions=[0.3, 0.3, 0.37, 0.03], extra_names=())
    result = run_analysis(atoms, AnalysisSettings(sizes_nm=(1.0, 2.0), bootstrap=0), full_box(atoms))
    assert result.elements == ("Co", "Cu", "Fe")
    assert sum(result.bulk.fractions.values()) == pytest.approx(1.0)


def test_cancel_during_the_bootstrap(alloy_small):
    class CancelAfterCurve(SimpleTaskState):
        def report(self, fraction, message=None):
            super().report(fraction, message)
            if message and message.startswith("fitting SUME"):
                self.cancel()

    task = CancelAfterCurve()
    settings = AnalysisSettings(sizes_nm=(0.5, 1.0, 1.5, 2.0, 3.0), bootstrap=50)
    with pytest.raises(Cancelled):
        run_analysis(alloy_small, settings, full_box(alloy_small), task)
    result = run_analysis(alloy_small, settings, full_box(alloy_small), fda=False)
    assert all(v is None for s in result.curve for v in s.chi2_p.values())
