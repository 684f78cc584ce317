"""The SUME interval's kernels against their numpy twins: shifted tilings, paired bootstrap, halves."""

from __future__ import annotations

import numpy as np
import pytest

from hea_studio.compute.common import _kernels as nb_common
from hea_studio.compute.lac import _kernels as nb_lac
from hea_studio.compute.lac import _twins as tw_lac
from hea_studio.compute.lac.roi import prepare_roi
from hea_studio.compute.sume import _kernels as nb_sume
from hea_studio.compute.sume import _twins as tw_sume
from hea_studio.core.atoms import AtomSet
from hea_studio.core.geometry import Box

# Each test runs with the kernels compiled and as plain Python (bounds-checked): see tests/jit_support.py.
pytestmark = pytest.mark.usefixtures("jit")


@pytest.fixture(scope="module")
def atoms_rel():
    rng = np.random.default_rng(11)
    rel = rng.uniform(0.0, 9.7, (20_000, 3))
    labels = rng.integers(0, 4, 20_000).astype(np.int64)
    return rel, labels


@pytest.mark.parametrize("off", [(0.0, 0.0, 0.0), (0.3, 0.71, 1.05), (1.2, 0.0, 0.49)])
def test_shifted_tile_counts(atoms_rel, off):
    rel, labels = atoms_rel
    off = np.array(off)
    got = nb_lac.shifted_tile_counts(rel, labels, 1.25, off, 6, 7, 6, 4)
    np.testing.assert_array_equal(got, tw_lac.shifted_tile_counts(rel, labels, 1.25, off, 6, 7, 6, 4))
    inside = np.all((rel >= off) & (rel < off + 1.25 * np.array([6, 7, 6])), axis=1)
    assert got.sum() == inside.sum()


@pytest.mark.parametrize("o", [(0, 0, 0), (1, 2, 0), (3, 1, 2)])
def test_prefix_cube_counts_with_an_offset_grid(atoms_rel, o):
    rel, labels = atoms_rel
    g, m = 0.5, 4
    n = int(9.7 / g)
    P, _ = nb_common.voxel_prefix(rel, labels, g, n, n, n, 4)
    o = np.array(o, dtype=np.int64)
    c = [(n - int(oi)) // m for oi in o]
    got = nb_lac.prefix_cube_counts(P, m, *c, *(int(v) for v in o))
    np.testing.assert_array_equal(got, tw_lac.prefix_cube_counts(P, m, *c, *(int(v) for v in o)))
    # ... and both equal the per-atom binning of the shifted grid.
    np.testing.assert_array_equal(got, tw_lac.shifted_tile_counts(rel, labels, g * m, o * g, *c, 4))


def test_prepared_roi_shifted_counts_table_and_atom_paths_agree(atoms_rel):
    rel, labels = atoms_rel
    # A box at the origin: the positions are their own relative coordinates.
    atoms = AtomSet(np.ascontiguousarray(rel), labels, ("A", "B", "C", "D"))
    prep = prepare_roi(atoms, Box((0, 0, 0), (9.7, 9.7, 9.7)), ("A", "B", "C", "D"))
    voxel = prep.prepare_voxels([0.5, 1.0, 2.0])
    assert voxel == 0.5
    for frac in ([0.0, 0.0, 0.0], [0.3, 0.8, 0.55], [0.99, 0.01, 0.5]):
        table_counts, off, shape1 = prep.tile_counts_shifted(2.0, frac, voxel)
        # The table path rounds the shift down to whole voxels; the atom path at that shift agrees.
        assert all(abs(o / 0.5 - round(o / 0.5)) < 1e-12 for o in off)
        shape = [int((9.7 - o) // 2.0) for o in off]
        assert list(shape1) == shape
        expected = tw_lac.shifted_tile_counts(rel, labels, 2.0, np.array(off), *shape, 4)
        np.testing.assert_array_equal(table_counts, expected)
        atom_counts, off2, _shape2 = prep.tile_counts_shifted(2.0, frac, None)
        np.testing.assert_allclose(off2, np.array(frac) * 2.0)
        shape2 = [int((9.7 - o) // 2.0) for o in off2]
        np.testing.assert_array_equal(
            atom_counts, tw_lac.shifted_tile_counts(rel, labels, 2.0, np.array(off2), *shape2, 4)
        )


def test_bootstrap_pair_means_shares_the_index_stream():
    rng = np.random.default_rng(2)
    a = rng.normal(size=333)
    b = rng.normal(size=333)
    ma, mb = nb_sume.bootstrap_pair_means(a, b, 40, 987)
    ta, tb = tw_sume.bootstrap_pair_means(a, b, 40, 987)
    np.testing.assert_allclose(ma, ta, rtol=0, atol=1e-12)
    np.testing.assert_allclose(mb, tb, rtol=0, atol=1e-12)
    # The same indices as the single-array bootstrap.
    np.testing.assert_allclose(ma, nb_sume.bootstrap_means(a, 40, 987), rtol=0, atol=1e-12)
    np.testing.assert_allclose(mb, nb_sume.bootstrap_means(b, 40, 987), rtol=0, atol=1e-12)
