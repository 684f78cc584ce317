"""The limited-area calculation: numba path against the numpy path, the reference, paper mode."""

from __future__ import annotations

import numpy as np
import pytest
from compute_specimens import DENSITY, NAMES, clustered_alloy, full_box, random_alloy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hea_studio.compute.common import _twins as tw_common
from hea_studio.compute.lac import _twins as tw_lac
from hea_studio.compute.lac import binning
from hea_studio.compute.lac.curve import iter_curve
from hea_studio.compute.reference import _twins as tw_reference
from hea_studio.core.atoms import AtomSet
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.settings import AnalysisSettings, parse_sizes


def numpy_curve(atoms: AtomSet, box: Box, sizes, min_atoms: int, elements=NAMES):
    """The obviously-correct pipeline: masks, per-edge floor + bincount, full binomial sums."""
    lut = np.full(len(atoms.names), -1)
    for k, e in enumerate(elements):
        lut[atoms.names.index(e)] = k
    rel, lab = tw_lac.select_box(atoms.positions, atoms.labels, lut, np.array(box.lo), np.array(box.hi))
    p = np.bincount(lab, minlength=len(elements)) / lab.size
    out = []
    for L in sizes:
        c = [int(np.floor(e / L + 1e-9)) for e in box.size]
        counts = tw_common.floor_bincount_counts(rel, lab, L, *c, len(elements))
        _, S, n, xmean, xstd = tw_common.cube_stats(counts, min_atoms)
        uniq, mult = np.unique(n, return_counts=True)
        S_null = float(np.dot(tw_reference.null_entropy(uniq, p), mult) / n.size) if n.size else np.nan
        mean = S.mean() if S.size else np.nan
        std = S.std(ddof=1) if S.size > 1 else np.nan
        out.append((S.size, mean, std, S_null, xmean, xstd))
    return out


@pytest.mark.parametrize(
    "sizes",
    ["0.5:4:0.5", "0.7,1.3,2.0,2.9"],  # multiples of a voxel edge / edges with no useful common voxel
)
def test_numba_curve_equals_numpy_curve(alloy_small, sizes):
    box = Box((0.3, 0.1, 0.2), (10.6, 9.9, 10.4))
    edges = parse_sizes(sizes)
    settings = AnalysisSettings(sizes_nm=edges, min_atoms=5)
    got = list(iter_curve(alloy_small, box, settings))
    want = numpy_curve(alloy_small, box, edges, 5)
    assert [s.size_nm for s in got] == list(edges)
    for s, (n, mean, std, null, xmean, xstd) in zip(got, want):
        assert s.n_cubes == n > 0
        assert s.S_mean == pytest.approx(mean, abs=1e-9)
        assert s.S_std == pytest.approx(std, abs=1e-9)
        assert s.S_sem == pytest.approx(std / np.sqrt(n), abs=1e-9)
        assert s.S_null == pytest.approx(null, abs=1e-9)
        assert s.deficit == pytest.approx(null - mean, abs=1e-9)
        np.testing.assert_allclose([s.conc_mean[e] for e in NAMES], xmean, atol=1e-9)
        np.testing.assert_allclose([s.conc_std[e] for e in NAMES], xstd, atol=1e-9)


def test_voxel_direct_and_sparse_paths_agree(alloy_small, monkeypatch):
    box = full_box(alloy_small)
    settings = AnalysisSettings(sizes_nm=(0.5, 1.0, 2.5), min_atoms=1)
    voxel = [s.cube_entropy for s in iter_curve(alloy_small, box, settings, fda=False)]
    monkeypatch.setattr(binning, "MAX_TABLE_ENTRIES", 0)  # no voxel table: one pass per edge
    direct = [s.cube_entropy for s in iter_curve(alloy_small, box, settings, fda=False)]
    monkeypatch.setattr(binning, "DENSE_CUBES_PER_ATOM", -1)  # sorted sparse counts
    sparse = [s.cube_entropy for s in iter_curve(alloy_small, box, settings, fda=False)]
    for a, b, c in zip(voxel, direct, sparse):
        np.testing.assert_allclose(a, b, atol=1e-12)
        np.testing.assert_allclose(a, c, atol=1e-12)


def test_random_solid_solution_sits_on_the_reference(alloy_1m):
    settings = AnalysisSettings(sizes_nm=parse_sizes("0.5:15:0.5"))
    curve = list(iter_curve(alloy_1m, full_box(alloy_1m), settings))
    assert len(curve) == 30
    for s in curve:
        assert s.n_cubes >= 8
        # The curve drops at small L (counting noise) but the reference drops with it.
        assert abs(s.deficit) <= 5 * s.S_sem + 1e-12, (s.size_nm, s.deficit, s.S_sem)
    assert curve[0].S_mean < curve[-1].S_mean - 0.1  # the drop the paper saw is there...
    assert curve[0].S_null < curve[-1].S_null - 0.1  # ...and the reference explains it
    # Random counts: chi-square p-values are not systematically small and chi2 ~ its dof.
    ps = [p for s in curve for p in s.chi2_p.values() if p is not None]
    assert len(ps) > 40 and np.mean(np.array(ps) < 0.01) < 0.1
    ratios = [s.chi2[e] / s.chi2_dof[e] for s in curve for e in NAMES if s.chi2_dof.get(e, 0) >= 5]
    assert len(ratios) > 40 and 0.7 < np.mean(ratios) < 1.3 and max(ratios) < 3.0
    # Pearson's mu is normalised by the atoms (science.md 6): a random alloy of 1e6 atoms reads
    # below 0.05 at every edge, however few cubes the edge holds (issue 12: it read 0.33 at 3 nm).
    assert max(v for s in curve for v in s.pearson_mu.values() if v is not None) < 0.05


def test_label_permutation_agrees_with_analytic_reference():
    atoms = clustered_alloy(300_000, 3.0, seed=4)
    box = full_box(atoms)
    settings = AnalysisSettings(sizes_nm=(1.0, 1.5, 2.0, 3.0), min_atoms=10)
    original = list(iter_curve(atoms, box, settings, fda=False))
    shuffled = AtomSet(atoms.positions, np.random.default_rng(0).permutation(atoms.labels), atoms.names)
    permuted = list(iter_curve(shuffled, box, settings, fda=False))
    for o, p in zip(original, permuted):
        # Same positions, same cubes, same n per cube: the analytic reference must describe the shuffle.
        assert abs(p.S_mean - p.S_null) <= 4 * p.S_sem
        assert o.deficit > 6 * o.S_sem  # while the clustered original is far below it


def test_paper_mode_cubes():
    atoms = random_alloy(60_000, seed=8)
    box = Box((1.0, 1.0, 1.0), (11.0, 12.0, 11.5))
    sizes = (1.0, 2.0, 5.0, 8.0)
    settings = AnalysisSettings(sizes_nm=sizes, mode="paper", min_atoms=1)
    curve = list(iter_curve(atoms, box, settings))
    assert [s.n_cubes for s in curve] == [9, 9, 9, 5]
    # The first cube is centred on the ROI centre: count it with a mask.
    L = 2.0
    lo = box.center - L / 2
    inside = np.all((atoms.positions >= lo) & (atoms.positions < lo + L), axis=1)
    x = np.bincount(atoms.labels[inside], minlength=4) / inside.sum()
    S_centre = float(-(x[x > 0] * np.log(x[x > 0])).sum())
    assert curve[1].cube_entropy[0] == pytest.approx(S_centre, abs=1e-12)


def test_clusters_deficit_below_their_size():
    atoms = clustered_alloy(400_000, 4.0, seed=2)
    settings = AnalysisSettings(sizes_nm=(1.0, 2.0, 3.0, 6.0, 8.0, 10.0), min_atoms=10)
    curve = {s.size_nm: s for s in iter_curve(atoms, full_box(atoms), settings)}
    for L in (1.0, 2.0, 3.0):
        assert curve[L].deficit > 0.01 and curve[L].deficit > 10 * curve[L].S_sem
        assert curve[L].chi2_p["Ni"] < 1e-6
        # mu per atom (science.md 6): partial clustering reads far above a random alloy's ~0.01.
        assert curve[L].pearson_mu["Ni"] > 0.05
    for L in (8.0, 10.0):
        assert curve[L].deficit < 0.25 * curve[2.0].deficit
    assert curve[1.0].deficit > curve[3.0].deficit > curve[10.0].deficit


def test_fully_separated_phases_read_mu_near_one():
    # Two phases, (Co,Cu) and (Fe,Ni), each filling one half: every cube away from the interface
    # is pure. With many cubes per atom count (1 nm here) Pearson's mu approaches 1.
    rng = np.random.default_rng(5)
    n = 1_000_000
    side = (n / DENSITY) ** (1.0 / 3.0)
    pos = rng.uniform(0.0, side, (n, 3))
    labels = np.where(pos[:, 0] < side / 2, rng.choice([0, 1], n), rng.choice([2, 3], n)).astype(np.int64)
    atoms = AtomSet(pos, labels, NAMES)
    (s,) = iter_curve(atoms, full_box(atoms), AnalysisSettings(sizes_nm=(1.0,)))
    assert min(s.pearson_mu.values()) > 0.9


@pytest.mark.parametrize(
    "step, sizes",
    [
        (0.1, (0.1, 0.3, 0.5, 0.7, 1.2)),  # 0.3 / 0.1 = 2.9999999999999996 in floating point
        (0.5, (0.5, 1.5, 2.0)),
        (0.35834 / 2, (0.5, 1.0, 1.5)),  # an fcc lattice without blur
    ],
)
def test_atoms_exactly_on_cube_faces(step, sizes):
    # A perfect grid starting at the ROI corner: many atoms lie exactly on voxel and cube faces,
    # where floor(y / g) // m and floor(y / L) can differ by rounding. The voxel path must still
    # give exactly the per-edge floor((x - xmin) / L) assignment.
    k = np.arange(int(4.0 / step))
    # Rounded like coordinates written with a few decimals: 3 * 0.1 becomes exactly 0.3.
    grid = np.round(np.stack(np.meshgrid(k, k, k, indexing="ij"), axis=-1).reshape(-1, 3) * step, 6)
    labels = np.random.default_rng(0).integers(0, 4, len(grid)).astype(np.int64)
    atoms = AtomSet(grid, labels, NAMES)
    box = Box((0.0, 0.0, 0.0), (4.0, 4.0, 4.0))
    from hea_studio.compute.lac.roi import prepare_roi

    prep = prepare_roi(atoms, box, NAMES)
    voxel = prep.prepare_voxels(sizes)
    assert voxel is not None
    for L in sizes:
        c = prep.grid_shape(L)
        want = tw_common.floor_bincount_counts(prep.rel, prep.labels, L, *c, 4)
        counts, numbers = prep._tile(L, voxel, None)
        if numbers is not None:  # sparse rows (tiny cubes): the non-empty cubes, in order
            np.testing.assert_array_equal(numbers, np.flatnonzero(want.sum(axis=1)))
            want = want[numbers]
        np.testing.assert_array_equal(counts, want)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(300, 4000),
    seed=st.integers(0, 2**31),
    corner=st.tuples(*[st.floats(-1.0, 2.0)] * 3),
    extent=st.tuples(*[st.floats(2.5, 7.0)] * 3),
    steps=st.lists(st.integers(1, 10), min_size=1, max_size=4, unique=True),
    unit=st.sampled_from([0.25, 0.3, 0.5, 0.37]),
    min_atoms=st.integers(1, 12),
    extra=st.floats(0.4, 2.4),
)
def test_property_curve_equals_numpy(n, seed, corner, extent, steps, unit, min_atoms, extra):
    rng = np.random.default_rng(seed)
    atoms = AtomSet(rng.uniform(-1.0, 9.0, (n, 3)), rng.integers(0, 4, n).astype(np.int64), NAMES)
    box = Box(corner, tuple(c + e for c, e in zip(corner, extent)))
    # Multiples of one unit take the voxel path; the extra edge usually forces the per-edge path.
    sizes = tuple(sorted({round(s * unit, 6) for s in steps if s * unit <= min(extent)} | {extra}))
    if box.contains(atoms.positions).sum() < 100:
        return
    settings_ = AnalysisSettings(sizes_nm=sizes, min_atoms=min_atoms)
    want = numpy_curve(atoms, box, sizes, min_atoms)
    if all(w[0] == 0 for w in want):  # too sparse at every edge: a clear error, not an empty curve
        with pytest.raises(InputError, match="no cube holds"):
            list(iter_curve(atoms, box, settings_, fda=False))
        return
    got = list(iter_curve(atoms, box, settings_, fda=False))
    for s, (count, mean, _std, null, xmean, _xstd) in zip(got, want):
        assert s.n_cubes == count
        if count:
            assert s.S_mean == pytest.approx(mean, abs=1e-9)
            assert s.S_null == pytest.approx(null, abs=1e-9)
            np.testing.assert_allclose([s.conc_mean[e] for e in NAMES], xmean, atol=1e-9)
