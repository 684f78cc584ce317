"""Science of the map analysis on synthetic lamellae with known truth (science.md 9).

- a random alloy: no deficit at any patch side (the two-stage reference), SUME below range;
- a correlated field: the projected SUME grows with the correlation length;
- the 3D-equivalent SUME of a 20 nm lamella lies within the APT SUME's sampling interval of the same
  material (same generator, same seed).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hea_studio.compute.maps.analysis import MapSettings, analyze_prepared, prepare
from hea_studio.synth.eds import EdsParams, as_spectrum_image, generate_map
from hea_studio.synth.heterogeneity import FieldSpec
from hea_studio.synth.presets import cocufeni_random

WEIGHTS = {"Ni": 1.0, "Cu": 1.0, "Co": -1.0, "Fe": -1.0}


def _material(xi: float | None, seed: int = 5):
    mat = replace(cocufeni_random(seed=seed), impurities={})
    if xi is None:
        return mat
    return replace(mat, field=FieldSpec(correlation_nm=xi, amplitude=0.6, weights=WEIGHTS))


def _analyse(mat, width, thickness, sizes=None, bootstrap=100, **kw):
    m = generate_map(EdsParams(material=mat, width_nm=width, thickness_nm=thickness, seed=1, **kw))
    settings = MapSettings(bootstrap=bootstrap, sizes_nm=sizes)
    return analyze_prepared(prepare(as_spectrum_image(m), settings), settings)


@pytest.fixture(scope="module")
def random_map():
    return _analyse(_material(None, seed=3), 16.0, 20.0)


def test_random_map_has_no_deficit_at_any_patch_side(random_map):
    curve = [c for c in random_map["curve"] if c["n_patches"] > 0]
    assert len(curve) >= 10 and curve[0]["size_nm"] == pytest.approx(0.25)
    z = np.array([c["deficit"] / np.hypot(c["S_sem"], c["S_null_mc_error"]) for c in curve])
    # 1-pixel patches hold ~40 counts: S_mean sits ~0.08 R below S_bulk from counting alone, and the
    # reference must account for all of it (an X-ray-as-draw reference reads ~10 SEM too high there).
    assert curve[0]["S_null"] < random_map["bulk"]["S_R"] - 0.05
    assert np.all(np.abs(z) < 3.0), z


def test_random_map_sume_is_below_range(random_map):
    s = random_map["sume"]
    assert s["below_range"] is True and s["edge_nm"] is None
    assert s["at_most_nm"] == pytest.approx(0.25)
    assert random_map["sume_3d_equivalent"]["below_range"] is True


def test_projected_sume_grows_with_the_correlation_length():
    sizes = tuple(np.arange(0.25, 5.01, 0.25))
    short = _analyse(_material(0.7), 16.0, 8.0, sizes)["sume"]
    long = _analyse(_material(1.5), 16.0, 8.0, sizes)["sume"]
    assert not short["below_range"] and not long["below_range"]
    assert short["edge_nm"] is not None and 1.0 < short["edge_nm"] < 5.0
    long_value = long["edge_nm"] if long["edge_nm"] is not None else long["at_least_nm"]
    assert long_value > short["ci95_nm"][1] or long_value >= 5.0 > short["edge_nm"] + 0.5


def test_3d_equivalent_sume_within_the_apt_interval_of_the_same_material():
    from hea_studio import api
    from hea_studio.synth.shape import BoxShape
    from hea_studio.synth.specimen import generate

    mat = _material(1.5)
    apt = generate(replace(mat, shape=BoxShape((24.0, 24.0, 24.0))))
    lab = apt.ion_species
    ok = (lab >= 0) & (lab < 4)
    res = api.analyze(api.from_arrays(apt.ions.positions[ok], lab[ok], names=apt.species[:4]), bootstrap=100)
    doc = res.to_json()
    chem = next(
        doc[k] for k in ("sume", "sume_chemical") if doc.get(k) and doc[k]["method"] == "hinge-deficit"
    )
    lo, hi = chem["ci95_nm"]
    eds = _analyse(mat, 20.0, 20.0)["sume_3d_equivalent"]
    assert eds["edge_nm"] is not None, eds
    assert lo <= eds["edge_nm"] <= hi, (eds["edge_nm"], (lo, hi))
    # The fitted correlation length is the field's (1.5 nm) within its own interval.
    c_lo, c_hi = eds["correlation_length_ci95_nm"]
    assert c_lo <= 1.5 <= c_hi


def test_preview_cache_reuses_reference_runs_shifted_to_the_region():
    """Previews while dragging reuse the reference of earlier regions, shifted by the entropy change."""
    m = generate_map(EdsParams(material=_material(1.0), width_nm=6.0, thickness_nm=8.0, seed=2))
    base = MapSettings(bootstrap=0, ref_draws=4000, sizes_nm=(0.25, 0.5, 1.0, 1.5))
    mi = prepare(as_spectrum_image(m), base)
    cache: dict = {}
    first = analyze_prepared(mi, replace(base, roi_nm=(0, 0, 4.5, 4.5)), with_3d=False, ref_cache=cache)
    filled = len(cache)
    assert filled >= 4
    moved = replace(base, roi_nm=(1.5, 1.5, 6, 6))
    preview = analyze_prepared(mi, moved, with_3d=False, ref_cache=cache)
    exact = analyze_prepared(mi, moved, with_3d=False)
    for p, e in zip(preview["curve"], exact["curve"], strict=True):
        tol = 4 * np.hypot(p["S_null_mc_error"], e["S_null_mc_error"]) + 2e-3
        assert abs(p["S_null"] - e["S_null"]) < tol, (p["size_nm"], p["S_null"], e["S_null"])
    assert first["bulk"]["S_R"] != preview["bulk"]["S_R"]
    again = analyze_prepared(mi, moved, with_3d=False, ref_cache=cache)
    assert [c["S_null"] for c in again["curve"]] == [c["S_null"] for c in preview["curve"]]
