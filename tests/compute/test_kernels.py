"""Every numba kernel against its plain-numpy twin on the same data (to 1e-9 or exactly)."""

from __future__ import annotations

import numpy as np
import pytest

from hea_studio.compute.common import _kernels as nb_common
from hea_studio.compute.common import _twins as tw_common
from hea_studio.compute.lac import _kernels as nb_lac
from hea_studio.compute.lac import _twins as tw_lac
from hea_studio.compute.reference import _kernels as nb_reference
from hea_studio.compute.reference import _twins as tw_reference
from hea_studio.compute.reference.atoms import log_table
from hea_studio.compute.sume import _kernels as nb_sume
from hea_studio.compute.sume import _twins as tw_sume

# Each test runs with the kernels compiled and as plain Python (bounds-checked): see tests/jit_support.py.
pytestmark = pytest.mark.usefixtures("jit")


@pytest.fixture(scope="module")
def atoms_rel():
    rng = np.random.default_rng(5)
    rel = rng.uniform(0.0, 9.7, (30_000, 3))
    labels = rng.integers(0, 4, 30_000).astype(np.int64)
    return rel, labels


def test_select_box_matches_masks():
    rng = np.random.default_rng(1)
    pos = rng.uniform(-5, 5, (5000, 3)).astype(np.float32)
    labels = rng.integers(0, 6, 5000).astype(np.int64)
    lut = np.array([0, -1, 1, 2, -1, 3], dtype=np.int64)
    lo = np.array([-2.0, -3.0, -1.5])
    hi = np.array([3.0, 2.5, 4.0])
    rel2, lab2 = tw_lac.select_box(pos, labels, lut, lo, hi)
    for dtype in (np.int32, np.int64):  # both widths of the scratch index
        rel, lab = nb_lac.select_box(pos, labels, lut, lo, hi, np.empty(5000, dtype=dtype))
        np.testing.assert_array_equal(lab, lab2)
        np.testing.assert_allclose(rel, rel2, rtol=0, atol=1e-12)
    assert lab.size > 100 and set(np.unique(lab)) == {0, 1, 2, 3}


def test_relabel_keeps_element_atoms_in_order():
    rng = np.random.default_rng(2)
    species = rng.integers(0, 6, 4000).astype(np.int32)
    rel = rng.uniform(0, 9, (4000, 3))
    lut = np.array([-1, 0, 1, -1, 2, 3], dtype=np.int64)
    expected_rel, expected_lab = tw_lac.relabel(rel.copy(), species, lut)
    got_rel, got_lab = nb_lac.relabel(rel.copy(), species, lut)
    np.testing.assert_array_equal(got_lab, expected_lab)
    np.testing.assert_array_equal(got_rel, expected_rel)
    assert got_rel.flags.c_contiguous and 0 < got_lab.size < 4000
    # Nothing to drop: everything stays.
    all_rel, all_lab = nb_lac.relabel(rel.copy(), species, np.arange(6, dtype=np.int64))
    np.testing.assert_array_equal(all_lab, species)
    np.testing.assert_array_equal(all_rel, rel)


@pytest.mark.parametrize("g, m", [(0.5, 1), (0.5, 3), (0.25, 8), (1.0, 2)])
def test_voxel_table_and_cube_counts(atoms_rel, g, m):
    rel, labels = atoms_rel
    nx = ny = nz = int(9.7 / g)
    P, face = nb_common.voxel_prefix(rel, labels, g, nx, ny, nz, 4)
    P2, face2 = tw_common.voxel_prefix(rel, labels, g, nx, ny, nz, 4)
    np.testing.assert_array_equal(P, P2)
    np.testing.assert_array_equal(face, face2)
    assert face.size == 0  # random coordinates never sit on a face
    c = nx // m
    counts = nb_lac.prefix_cube_counts(P, m, c, c, c)
    np.testing.assert_array_equal(counts, tw_lac.prefix_cube_counts(P, m, c, c, c))
    # ...and both equal the per-edge floor + bincount of science.md 3.
    np.testing.assert_array_equal(counts, tw_common.floor_bincount_counts(rel, labels, g * m, c, c, c, 4))


def test_direct_dense_and_sparse_counts(atoms_rel):
    rel, labels = atoms_rel
    ids = nb_lac.cube_ids(rel, 1.3, 7, 7, 7)
    np.testing.assert_array_equal(ids, tw_lac.cube_ids(rel, 1.3, 7, 7, 7))
    assert (ids == -1).any()  # atoms beyond the last full cube are left out
    dense = nb_lac.dense_counts(ids, labels, 343, 4)
    np.testing.assert_array_equal(dense, tw_lac.dense_counts(ids, labels, 343, 4))
    np.testing.assert_array_equal(dense, tw_common.floor_bincount_counts(rel, labels, 1.3, 7, 7, 7, 4))
    cubes, sparse = nb_lac.sparse_counts(ids, labels, 4)
    cubes2, sparse2 = tw_lac.sparse_counts(ids, labels, 4)
    np.testing.assert_array_equal(cubes, cubes2)
    np.testing.assert_array_equal(sparse, sparse2)
    np.testing.assert_array_equal(sparse, dense[cubes])


def test_box_counts(atoms_rel):
    rel, labels = atoms_rel
    order = np.argsort(rel[:, 0], kind="stable")
    rs, ls = np.ascontiguousarray(rel[order]), np.ascontiguousarray(labels[order])
    lows = np.random.default_rng(2).uniform(0, 7, (9, 3))
    a = nb_lac.box_counts(rs, ls, np.ascontiguousarray(rs[:, 0]), lows, 2.5, 4)
    np.testing.assert_array_equal(a, tw_lac.box_counts(rs, ls, rs[:, 0], lows, 2.5, 4))
    assert a.sum() > 0


@pytest.mark.parametrize("min_atoms", [1, 10, 40])
def test_cube_stats(atoms_rel, min_atoms):
    rel, labels = atoms_rel
    counts = tw_common.floor_bincount_counts(rel, labels, 1.0, 9, 9, 9, 4)
    counts[:5, :3] = 0  # cubes with a single element (S = 0) and empty cubes
    counts[5:8] = 0
    got = nb_common.cube_stats(counts, min_atoms)
    want = tw_common.cube_stats(counts, min_atoms)
    np.testing.assert_array_equal(got[0], want[0])
    for a, b in zip(got[1:], want[1:]):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_null_entropy_windowed_equals_full_sum():
    ns = np.array([0, 1, 2, 3, 10, 37, 500, 4096, 120_000], dtype=np.int64)
    for p in ([0.219, 0.267, 0.208, 0.306], [0.5, 0.5], [0.2] * 5, [0.97, 0.03], [0.0, 0.4, 0.6]):
        p = np.array(p)
        got = nb_reference.null_entropy(ns, p, log_table(int(ns.max())))
        np.testing.assert_allclose(got, tw_reference.null_entropy(ns, p), rtol=0, atol=1e-9)


def test_null_entropy_known_values():
    # Two atoms, 50/50: S_hat = ln 2 with probability 1/2, else 0.
    got = nb_reference.null_entropy(np.array([2]), np.array([0.5, 0.5]), log_table(2))
    assert got[0] == pytest.approx(np.log(2) / 2, abs=1e-14)
    # Large n: the bias is (K - 1) / (2 n) to first order.
    p = np.array([0.219, 0.267, 0.208, 0.306])
    n = 20_000
    S = float(-(p * np.log(p)).sum())
    got = nb_reference.null_entropy(np.array([n]), p, log_table(n))[0]
    assert S - got == pytest.approx(3 / (2 * n), rel=1e-3)


def test_binomial_mixture_hist():
    ns = np.array([5, 40, 41, 900, 30_000], dtype=np.int64)
    w = np.array([3.0, 1.0, 2.0, 5.0, 1.0])
    for p in (0.0, 0.03, 0.3, 0.5, 1.0):
        for length in (50, 1000, 30_001):
            got = nb_reference.binomial_mixture_hist(ns, w, p, length)
            np.testing.assert_allclose(
                got, tw_reference.binomial_mixture_hist(ns, w, p, length), rtol=0, atol=1e-9
            )
    full = nb_reference.binomial_mixture_hist(ns, w, 0.3, 30_001)
    assert full.sum() == pytest.approx(w.sum(), abs=1e-9)


def test_merged_chi2():
    rng = np.random.default_rng(4)
    for _ in range(20):
        exp = rng.exponential(3.0, rng.integers(1, 60))
        obs = rng.poisson(exp).astype(np.float64)
        got = nb_reference.merged_chi2(obs, exp, 5.0)
        want = tw_reference.merged_chi2(obs, exp, 5.0)
        assert got[1] == want[1]
        assert got[0] == pytest.approx(want[0], abs=1e-9)


def test_bootstrap_means_same_stream():
    v = np.random.default_rng(0).normal(size=777)
    got = nb_sume.bootstrap_means(v, 64, 12345)
    np.testing.assert_allclose(got, tw_sume.bootstrap_means(v, 64, 12345), rtol=0, atol=1e-12)
    assert got.std() == pytest.approx(v.std() / np.sqrt(v.size), rel=0.3)
    assert not np.allclose(got, nb_sume.bootstrap_means(v, 64, 12346))


def test_largest_box_equals_brute_force():
    rng = np.random.default_rng(9)
    for trial in range(12):
        mask = rng.random((5, 6, 4)) < (0.6 + 0.03 * trial)
        got = nb_lac.largest_box(mask)
        want = tw_lac.largest_box(mask)
        assert got[0] == want[0]
        _, i0, i1, j0, j1, l0, l1 = got
        assert mask[i0:i1, j0:j1, l0:l1].all()
    assert nb_lac.largest_box(np.zeros((3, 3, 3), dtype=bool))[0] == 0
