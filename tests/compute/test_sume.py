"""SUME fits: the hinge (primary and chemical), the paper's tangents, the null-corrected SUME, units."""

from __future__ import annotations

import numpy as np
import pytest
from compute_specimens import clustered_alloy, full_box, random_alloy

from hea_studio.compute.analysis import run_analysis
from hea_studio.compute.sume.estimate import hinge_result, tangent_result
from hea_studio.compute.sume.fits import hinge_fit, sume_null, tangent_fit
from hea_studio.core.results import ScaleResult
from hea_studio.core.settings import AnalysisSettings, Lattice, parse_sizes


def _scale(i, L, S, sem=1e-3, deficit=0.0, cubes=None):
    return ScaleResult(
        index=i, size_nm=L, n_cubes=100, n_occupied=100, mean_atoms=30.0, S_mean=S, S_std=sem * 10, S_sem=sem,
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


def test_hinge_fit_recovers_a_breakpoint_between_edges():
    """The breakpoint is continuous: a knee at 3.37 nm is found there, not at the nearest edge."""
    L = np.arange(1.0, 11.0)
    z = 0.04 * np.maximum(0.0, 3.37 - L)
    fit = hinge_fit(L, z)
    assert fit.edge[0] == pytest.approx(3.37, rel=1e-9)
    assert fit.slope[0] == pytest.approx(0.04, rel=1e-9)
    assert fit.sse[0] == pytest.approx(0.0, abs=1e-20)


def test_hinge_fit_is_least_squares_over_a_fine_scan():
    """Noisy data: no breakpoint on a dense scan of [L_min, L_max] gives a smaller squared error."""
    rng = np.random.default_rng(4)
    L = np.linspace(0.75, 9.0, 18)
    z = 0.03 * np.maximum(0.0, 4.1 - L) + rng.normal(0, 0.002, L.size)
    fit = hinge_fit(L, z)
    best = np.inf
    for c in np.linspace(L[0], L[-1], 20001):
        h = np.maximum(0.0, c - L)
        b = max(0.0, float(z @ h) / float(h @ h)) if h @ h > 0 else 0.0
        best = min(best, float(((z - b * h) ** 2).sum()))
    assert fit.sse[0] <= best + 1e-12
    assert 3.5 < fit.edge[0] < 4.7


def test_hinge_fit_flat_curve_sits_at_the_smallest_edge_and_rows_are_independent():
    L = np.arange(1.0, 8.0)
    Z = np.vstack([np.zeros(L.size), -0.01 * np.ones(L.size), 0.05 * np.maximum(0.0, 5.5 - L)])
    fit = hinge_fit(L, Z)
    assert fit.edge[0] == 1.0 and fit.slope[0] == 0.0
    assert fit.edge[1] == 1.0 and fit.slope[1] == 0.0  # b >= 0: a rise above the plateau is not a knee
    assert fit.edge[2] == pytest.approx(5.5)
    single = hinge_fit(L, Z[2])
    assert single.edge[0] == fit.edge[2]


def test_hinge_fit_weights_leave_points_out():
    L = np.arange(1.0, 9.0)
    z = 0.02 * np.maximum(0.0, 4.25 - L)
    z_bad = z.copy()
    z_bad[5] = 0.3  # an outlier that a zero weight must remove
    keep = np.ones(L.size)
    keep[5] = 0.0
    assert hinge_fit(L, z_bad, keep).edge[0] == pytest.approx(4.25)
    assert hinge_fit(L, z_bad).edge[0] != pytest.approx(4.25)


def test_hinge_result_units_and_branches():
    L = np.arange(1.0, 9.0)
    S_bulk = 1.38
    S = S_bulk - 0.05 * np.maximum(0.0, 3.3 - L)
    res = hinge_result(L, S_bulk - S, S_bulk, "hinge-bulk", Lattice("fcc", 0.35834), 33.0, None)
    assert res.method == "hinge-bulk" and res.edge_nm == pytest.approx(3.3)
    assert res.volume_nm3 == pytest.approx(res.edge_nm**3)
    assert res.unit_cells == pytest.approx((res.edge_nm / 0.35834) ** 3)
    assert res.atoms == pytest.approx(4 * res.unit_cells)
    assert res.detected_atoms == pytest.approx(33.0 * res.volume_nm3)
    assert res.ci95_nm is None and res.breakpoint_nm == 4.0
    assert res.bulk.slope == 0.0 and res.bulk.intercept == S_bulk
    assert res.descending(1.0) == pytest.approx(S[0]) and res.descending(3.3) == pytest.approx(S_bulk)
    spinel = hinge_result(L, S_bulk - S, S_bulk, "hinge-bulk", Lattice("spinel", 0.84), 33.0, None)
    assert spinel.atoms == pytest.approx(56 * (3.3 / 0.84) ** 3)
    bare = hinge_result(L, S_bulk - S, S_bulk, "hinge-bulk", None, 33.0, None)
    assert bare.unit_cells is None and bare.atoms is None


def test_tangent_result_units_and_too_short_curves():
    L = np.array([1.0, 2, 3, 4, 5])
    S = np.array([1.2, 1.3, 1.37, 1.371, 1.372])
    res, reason = tangent_result(L, S, Lattice("fcc", 0.35834), 33.0, None)
    assert reason is None and res is not None and res.method == "tangent-free"
    assert res.unit_cells == pytest.approx((res.edge_nm / 0.35834) ** 3)
    res, reason = tangent_result(L[:3], S[:3], None, 33.0, None)
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
    # The headline is random down to the smallest fitted edge: a bound, not a number.
    first = min(s.size_nm for s in r1.curve if s.in_fit)
    assert r1.sume.below_range and r1.sume.edge_nm is None and r1.sume.at_most_nm == first
    assert r1.sume.ci95_nm == (0.0, first) and r1.sume_chemical == r1.sume
    # The apparent SUME (counting noise) is a number with an interval of nonzero width around it.
    app = r1.sume_apparent
    assert app is not None and app.edge_nm is not None and app.ci95_nm is not None
    lo, hi = app.ci95_nm
    assert lo <= app.edge_nm <= hi and hi - lo > 0
    r2 = run_analysis(atoms, settings, full_box(atoms))
    assert r2.sume_apparent.ci95_nm == app.ci95_nm


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
    assert large.sume_chemical.edge_nm > small.sume_chemical.edge_nm + 0.5
    assert large.sume_null.edge_nm > small.sume_null.edge_nm
    assert small.sume_null.edge_nm <= 2.0 and large.sume_null.edge_nm >= 4.0


def test_undersampled_and_few_cube_edges_are_shown_but_left_out_of_the_fits():
    """An edge where many occupied cubes fall below min_atoms keeps only the densest places, and one
    with fewer than 8 cubes is no sample of the box: both stay on the curve (in_fit false in the JSON)
    but must not steer the fits."""
    L = np.arange(1.0, 11.0)
    S = np.where(L < 4, 1.0 + 0.1 * L, 1.31 + 0.002 * (L - 3))
    clean = [_scale(i + 1, float(x), float(y)) for i, (x, y) in enumerate(zip(L, S))]
    outlier = _scale(0, 0.5, 0.2)  # absurdly low S from a handful of surviving cubes
    outlier = ScaleResult(**{**outlier.__dict__, "n_cubes": 300, "n_occupied": 500})
    assert not outlier.undersampled  # 60 % survive: science.md's 50 % rule would fit it ...
    assert not outlier.in_fit and outlier.to_json()["in_fit"] is False  # ... the 90 % rule does not
    few = ScaleResult(**{**clean[-1].__dict__, "n_cubes": 7, "n_occupied": 7})
    assert not few.in_fit and clean[0].in_fit
    fitted = [s for s in [outlier, *clean[:-1], few] if s.in_fit]
    assert fitted == clean[:-1]


def test_large_cube_sets_resample_from_the_normal_limit_with_the_bootstrap_spread():
    from hea_studio.compute.sume import _kernels
    from hea_studio.compute.sume.estimate import EXACT_RESAMPLE_CUBES, resample_mean, resample_means

    rng = np.random.default_rng(8)
    n = EXACT_RESAMPLE_CUBES + 5000
    a = rng.gamma(2.0, 0.05, n)  # skewed, like cube entropies near a bound
    b = 0.3 * a + rng.normal(0, 0.01, n)
    fast_a, fast_b = resample_means(a, b, 2000, 42)
    exact_a, exact_b = _kernels.bootstrap_pair_means(a, b, 400, 42)
    assert fast_a.std() == pytest.approx(exact_a.std(), rel=0.12)
    assert fast_b.std() == pytest.approx(exact_b.std(), rel=0.12)
    assert abs(fast_a.mean() - a.mean()) < 3 * fast_a.std() / np.sqrt(2000)
    # The pairing survives: the two means move together as the cube values do.
    assert np.corrcoef(fast_a, fast_b)[0, 1] == pytest.approx(np.corrcoef(exact_a, exact_b)[0, 1], abs=0.1)
    # Reproducible per stream; small sets still resample index by index.
    np.testing.assert_array_equal(resample_means(a, b, 50, 7)[0], resample_means(a, b, 50, 7)[0])
    small_a, _ = resample_means(a[:100], b[:100], 30, 9)
    np.testing.assert_array_equal(small_a, _kernels.bootstrap_means(a[:100], 30, 9))
    # The one-value version (derived curves) follows the same rule.
    np.testing.assert_array_equal(resample_mean(a[:100], 30, 9), small_a)
    fast = resample_mean(a, 2000, 42)
    assert fast.std() == pytest.approx(exact_a.std(), rel=0.12)
    assert abs(fast.mean() - a.mean()) < 3 * fast.std() / np.sqrt(2000)


def test_a_box_half_outside_the_specimen_is_warned_of():
    from hea_studio.core.geometry import Box

    atoms = random_alloy(150_000, seed=5)
    side = float(atoms.positions.max())
    settings = AnalysisSettings(sizes_nm=parse_sizes("1:4:0.5"), bootstrap=0)
    inside = run_analysis(atoms, settings, Box((0.0, 0.0, 0.0), (side, side, side)))
    assert "box_outside_specimen" not in [w.code for w in inside.warnings]
    half = run_analysis(atoms, settings, Box((side / 2, 0.0, 0.0), (1.5 * side, side, side)))
    warning = next(w for w in half.warnings if w.code == "box_outside_specimen")
    share = int(warning.message.split("only ", 1)[1].split(" %", 1)[0])
    assert 40 <= share <= 60, warning.message  # half the box, judged on whole cubes
    assert warning.to_json()["applies_to"] == ["all"]


def test_the_fitted_edges_do_not_flip_when_the_box_moves_by_one_percent():
    """Issue 21: at 37 % efficiency the 0.75 nm edge sat at the old 90 % share threshold."""
    from hea_studio.core.geometry import Box
    from hea_studio.core.settings import Lattice as L
    from hea_studio.io import to_atoms
    from hea_studio.synth.instrument import Instrument
    from hea_studio.synth.shape import BoxShape
    from hea_studio.synth.specimen import SynthParams, generate

    spec = generate(
        SynthParams(
            elements=("Co", "Cu", "Fe", "Ni"),
            fractions=(0.25, 0.25, 0.25, 0.25),
            lattice=L("fcc", 0.35834),
            shape=BoxShape((16.0, 16.0, 16.0)),
            instrument=Instrument(efficiency=0.37),
            seed=4,
        )
    )
    atoms = to_atoms(spec.ions, spec.ranges)
    settings = AnalysisSettings(sizes_nm=parse_sizes("0.5:3:0.25"), bootstrap=0)
    chosen = set()
    for shift in (0.0, 0.04, 0.08, 0.12, 0.16):  # 1 % of the 14 nm box is 0.14 nm
        box = Box((1.0 + shift, 1.0, 1.0 + shift), (15.0 + shift, 15.0, 15.0 - shift))
        r = run_analysis(atoms, settings, box)
        chosen.add(tuple(s.size_nm for s in r.curve if s.in_fit))
    assert len(chosen) == 1, chosen
    (fitted,) = chosen
    assert 0.75 not in fitted and 1.0 in fitted  # ~14 atoms per 0.75 nm cube: below twice min_atoms
