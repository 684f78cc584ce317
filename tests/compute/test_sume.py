"""SUME: the tangent intersection, its bootstrap interval, the null-corrected SUME, cluster size."""

from __future__ import annotations

import numpy as np
import pytest
from compute_specimens import clustered_alloy, full_box, random_alloy

from hea_studio.compute.analysis import run_analysis
from hea_studio.compute.sume import sume_null, sume_tangent, tangent_fit
from hea_studio.core.results import ScaleResult
from hea_studio.core.settings import AnalysisSettings, Lattice, parse_sizes


def _scale(i, L, S, sem=1e-3, deficit=0.0, cubes=None):
    return ScaleResult(
        index=i, size_nm=L, n_cubes=100, mean_atoms=30.0, S_mean=S, S_std=sem * 10, S_sem=sem,
        S_null=S + deficit, deficit=deficit, conc_mean={}, conc_std={}, pearson_mu={}, chi2_p={},
        cube_entropy=np.asarray(cubes if cubes is not None else [S]),
    )  # fmt: skip


def test_tangent_fit_recovers_a_known_knee():
    L = np.arange(1.0, 11.0)
    S = np.where(L < 4, 1.0 + 0.1 * L, 1.31 + 0.002 * (L - 3))  # exact lines, knee after L = 3
    fit = tangent_fit(L, S)
    m1, c1, m2, c2 = 0.1, 1.0, 0.002, 1.31 - 0.006
    assert fit.edge[0] == pytest.approx((c2 - c1) / (m1 - m2), rel=1e-12)
    assert fit.breakpoint[0] == 3
    assert fit.slope1[0] == pytest.approx(0.1) and fit.slope2[0] == pytest.approx(0.002)


def test_tangent_fit_vectorised_over_bootstrap_rows():
    rng = np.random.default_rng(0)
    L = np.linspace(0.5, 10, 20)
    base = np.minimum(1.2 + 0.08 * L, 1.37)
    Y = base + rng.normal(0, 0.002, (50, L.size))
    fits = tangent_fit(L, Y)
    for b in (0, 17, 49):
        assert fits.edge[b] == pytest.approx(tangent_fit(L, Y[b]).edge[0], rel=1e-12)


def test_sume_units_and_too_short_curves():
    curve = [
        _scale(i, L, S) for i, (L, S) in enumerate([(1, 1.2), (2, 1.3), (3, 1.37), (4, 1.371), (5, 1.372)])
    ]
    res, reason = sume_tangent(curve, Lattice("fcc", 0.35834), density_per_nm3=33.0, n_boot=0)
    assert reason is None and res is not None
    assert res.volume_nm3 == pytest.approx(res.edge_nm**3)
    assert res.unit_cells == pytest.approx((res.edge_nm / 0.35834) ** 3)
    assert res.atoms == pytest.approx(4 * res.unit_cells)
    assert res.detected_atoms == pytest.approx(33.0 * res.volume_nm3)
    assert res.ci95_nm is None
    res, reason = sume_tangent(curve[:3], None, 33.0)
    assert res is None and "at least 4" in reason


def test_null_sume_is_first_edge_of_the_insignificant_tail():
    d = [0.05, 0.02, 0.0001, 0.03, 0.0002, 0.0001, 0.0]
    curve = [_scale(i, float(i + 1), 1.3, sem=1e-3, deficit=x) for i, x in enumerate(d)]
    assert sume_null(curve, 1.37).edge_nm == 5.0  # edge 3 is a lucky dip inside a significant range
    curve[-1] = _scale(6, 7.0, 1.3, deficit=0.05)
    r = sume_null(curve, 1.37)
    assert r.edge_nm is None and "largest edge" in r.reason


def test_random_alloy_null_sume_is_smallest_edge_and_ci_is_reproducible():
    atoms = random_alloy(400_000, seed=21)
    settings = AnalysisSettings(sizes_nm=parse_sizes("0.5:8:0.5"), bootstrap=100, seed=3)
    r1 = run_analysis(atoms, settings, full_box(atoms))
    assert r1.sume_null.edge_nm == 0.5
    assert r1.sume is not None and r1.sume.ci95_nm is not None
    lo, hi = r1.sume.ci95_nm
    assert lo <= r1.sume.edge_nm <= hi and hi - lo < 0.5
    r2 = run_analysis(atoms, settings, full_box(atoms))
    assert r2.sume.ci95_nm == r1.sume.ci95_nm


def _strong_clusters(size_nm):
    # Pure Ni-Cu clusters in a Co-Fe rich matrix: the chemistry, not the counting noise, shapes the knee.
    return clustered_alloy(500_000, size_nm, seed=1, p_in=(0.0, 0.5, 0.0, 0.5))


def test_sume_grows_with_cluster_size():
    settings = AnalysisSettings(sizes_nm=parse_sizes("1:12:1"), bootstrap=0)
    small = run_analysis(_strong_clusters(1.5), settings, full_box(_strong_clusters(1.5)))
    large_atoms = _strong_clusters(5.0)
    large = run_analysis(large_atoms, settings, full_box(large_atoms))
    assert small.sume is not None and large.sume is not None
    assert large.sume.edge_nm > small.sume.edge_nm + 0.5
    assert large.sume_null.edge_nm > small.sume_null.edge_nm
    assert small.sume_null.edge_nm <= 2.0 and large.sume_null.edge_nm >= 4.0


def test_undersampled_edges_are_shown_but_left_out_of_the_fits():
    """An edge where most occupied cubes fall below min_atoms keeps only the densest places: it stays
    on the curve (and in the JSON, marked in_fit false) but must not steer the tangent fit."""
    L = np.arange(1.0, 11.0)
    S = np.where(L < 4, 1.0 + 0.1 * L, 1.31 + 0.002 * (L - 3))
    clean = [_scale(i + 1, float(x), float(y)) for i, (x, y) in enumerate(zip(L, S))]
    outlier = _scale(0, 0.5, 0.2)  # absurdly low S from a handful of surviving cubes
    outlier = ScaleResult(**{**outlier.__dict__, "n_cubes": 3, "n_occupied": 500})
    assert outlier.undersampled and not clean[0].undersampled
    assert outlier.to_json()["in_fit"] is False
    with_outlier, _ = sume_tangent([outlier, *clean], None, 30.0, n_boot=0)
    without, _ = sume_tangent(clean, None, 30.0, n_boot=0)
    assert with_outlier.edge_nm == pytest.approx(without.edge_nm, rel=1e-12)
