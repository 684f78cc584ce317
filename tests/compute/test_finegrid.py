"""The fine voxel grid: kernels against their numpy twins, and every edge list counted exactly as the
per-atom float path counts it (bit for bit), on the analysed grid and on shifted ones."""

from __future__ import annotations

import numpy as np
import pytest
from compute_specimens import NAMES, clustered_alloy
from jit_support import disable_jit

from hea_studio.compute.common import _twins as tw
from hea_studio.compute.lac import _fine, binning
from hea_studio.compute.lac import _fine_twins as ft
from hea_studio.compute.lac.finegrid import FineGrid
from hea_studio.compute.lac.roi import prepare_roi
from hea_studio.core.atoms import AtomSet
from hea_studio.core.geometry import Box
from hea_studio.core.settings import parse_sizes

BOX = Box((0.3, 0.1, 0.2), (11.6, 10.9, 11.4))
LATTICE_BOX = Box((0.0, 0.0, 0.0), (8.9, 8.9, 8.9))  # lattice planes on the voxel faces


@pytest.fixture(scope="module")
def alloy() -> AtomSet:
    a = clustered_alloy(40_000, 1.5, seed=7)
    return AtomSet(a.positions.astype(np.float32), a.labels.astype(np.uint8), a.names)


@pytest.fixture(scope="module")
def lattice() -> AtomSet:
    """A perfect simple-cubic lattice of 0.25 nm: every atom sits on a 0.25/0.5/1 nm voxel face."""
    n = 36
    g = np.arange(n) * 0.25
    pos = np.stack(np.meshgrid(g, g, g, indexing="ij"), axis=-1).reshape(-1, 3)
    labels = np.random.default_rng(3).integers(0, 4, len(pos))
    return AtomSet(pos.astype(np.float32), labels.astype(np.uint8), NAMES)


def _float_path(prep, L, shift=None):
    """Counts by the per-atom float path (the one every edge took before the fine grid)."""
    return prep.tile_counts(L, None, shift)


def _box(atoms: AtomSet) -> Box:
    return LATTICE_BOX if atoms.n_atoms == 36**3 else BOX


def _kernel_inputs(atoms: AtomSet, g: float):
    prep = prepare_roi(atoms, _box(atoms), NAMES)
    pos, lab, _, _ = prep.compact(g)
    return prep, pos, lab, prep.grid_shape(g)


@pytest.mark.parametrize("g", [0.1, 0.25, 0.5])
def test_kernels_equal_their_twins(alloy, lattice, g):
    for atoms in (alloy, lattice):
        prep, pos, lab, (nx, ny, nz) = _kernel_inputs(atoms, g)
        outs = []
        for mod in (_fine, ft):
            ix, iy, iz = (np.empty(len(pos), np.uint16) for _ in range(3))
            flag = np.empty(len(pos), np.uint8)
            n_in = mod.fine_coords(pos, prep.lo, g, nx, ny, nz, ix, iy, iz, flag)
            fz = np.empty(n_in, np.uint16)
            flab = np.empty(n_in, lab.dtype)
            starts = mod.fine_sort(ix, iy, iz, lab, flag, nx, ny, fz, flab)
            outs.append((n_in, ix, iy, iz, flag, starts, fz, flab))
        for a, b in zip(*outs):
            np.testing.assert_array_equal(a, b)
        _, _, _, _, flag, starts, fz, flab = outs[0]
        if atoms is lattice:
            assert (flag == _fine.ON_FACE).sum() > 0.4 * len(pos)  # lattice planes lie on voxel faces
        for m, o in ((1, (0, 0, 0)), (3, (1, 2, 0)), (4, (3, 0, 2))):
            c = [(n - oi) // m for n, oi in zip((nx, ny, nz), o)]
            luts = [FineGrid._lut(n, oi, m, ci) for n, oi, ci in zip((nx, ny, nz), o, c)]
            want = ft.fine_tile_dense(starts, fz, flab, ny, *luts, c[1], c[2], 4)
            np.testing.assert_array_equal(
                _fine.fine_tile_dense(starts, fz, flab, ny, *luts, c[1], c[2], 4), want
            )
            none = np.zeros(0, dtype=np.int64)
            numbers, counts = _fine.fine_tile_sparse(
                starts, fz, flab, ny, m, o[0], o[1], *c, luts[2], 4, none, none, none
            )
            tn, tc = ft.fine_tile_sparse(
                starts, fz, flab, ny, m, o[0], o[1], *c, luts[2], 4, none, none, none
            )
            np.testing.assert_array_equal(numbers, tn)
            np.testing.assert_array_equal(counts, tc)
            np.testing.assert_array_equal(want[numbers], counts)  # sparse rows are the non-empty dense rows
            assert want[np.setdiff1d(np.arange(len(want)), numbers)].sum() == 0
            # Atoms the caller binned (near voxel faces) join their rows, new cubes included.
            rng = np.random.default_rng(m)
            rows = np.sort(rng.integers(0, c[0] * c[1], 50))
            zs, labs = rng.integers(0, c[2], 50), rng.integers(0, 4, 50)
            got = _fine.fine_tile_sparse(starts, fz, flab, ny, m, o[0], o[1], *c, luts[2], 4, rows, zs, labs)
            twin = ft.fine_tile_sparse(starts, fz, flab, ny, m, o[0], o[1], *c, luts[2], 4, rows, zs, labs)
            np.testing.assert_array_equal(got[0], twin[0])
            np.testing.assert_array_equal(got[1], twin[1])
            assert got[1].sum() == counts.sum() + 50


@pytest.mark.parametrize("sizes", ["0.1:3:0.1", "0.5:5:0.5", "0.25,0.75,1.25,3.5"])
def test_fine_grid_counts_equal_the_float_path(alloy, lattice, monkeypatch, sizes):
    """Every edge of on-grid lists, dense and sparse, with face atoms (the lattice), no table."""
    monkeypatch.setattr(binning, "MAX_TABLE_ENTRIES", 0)
    edges = parse_sizes(sizes)
    for atoms in (alloy, lattice):
        prep = prepare_roi(atoms, _box(atoms), NAMES)
        g = prep.prepare_voxels(edges)
        assert g is not None and prep.table(g) is None
        for L in edges:
            got, numbers = prep._tile(L, g, None)
            want = _float_path(prep, L)
            if numbers is not None:  # sparse fine rows: the non-empty cubes
                want_dense = want if want.shape[0] == int(np.prod(prep.grid_shape(L))) else None
                if want_dense is None:
                    _, want_numbers = prep._tile(L, None, None)
                    np.testing.assert_array_equal(numbers, want_numbers)
                    np.testing.assert_array_equal(got, want)
                else:
                    np.testing.assert_array_equal(got, want_dense[numbers])
                    assert want_dense.sum() == got.sum()
            else:
                np.testing.assert_array_equal(got, want)
        assert prep.fine_grid(g) is not None


def test_shifted_grids_from_the_fine_grid_equal_table_and_floor(alloy, lattice, monkeypatch):
    """The SUME interval's shifted grids: fine grid = voxel table = floor definition, at the same
    whole-voxel shift, and the shift no longer depends on whether a table fits the budget."""
    for atoms in (alloy, lattice):
        with_table = prepare_roi(atoms, _box(atoms), NAMES)
        g = with_table.prepare_voxels((0.5, 1.0, 1.5))
        assert with_table.table(g) is not None
        monkeypatch.setattr(binning, "MAX_TABLE_ENTRIES", 0)
        fine = prepare_roi(atoms, _box(atoms), NAMES)
        assert fine.prepare_voxels((0.5, 1.0, 1.5)) == g and fine.table(g) is None
        monkeypatch.setattr(binning, "USE_FINE_GRID", False)
        plain = prepare_roi(atoms, _box(atoms), NAMES)
        plain.prepare_voxels((0.5, 1.0, 1.5))
        monkeypatch.setattr(binning, "USE_FINE_GRID", True)
        monkeypatch.setattr(binning, "MAX_TABLE_ENTRIES", 1 << 40)
        for frac in ((0.3, 0.7, 0.1), (0.0, 0.5, 0.99), (0.8, 0.2, 0.45)):
            for L in (0.5, 1.0, 1.5):
                a, off, shape = with_table.tile_counts_shifted(L, np.array(frac), g)
                b, off_b, shape_b = fine.tile_counts_shifted(L, np.array(frac), g)
                c, off_c, shape_c = plain.tile_counts_shifted(L, np.array(frac), g)
                assert off == off_b == off_c and shape == shape_b == shape_c
                want = tw.floor_bincount_counts(
                    with_table.rel - np.array(off), with_table.labels, L, *shape, 4
                )
                np.testing.assert_array_equal(a, want)
                np.testing.assert_array_equal(b, want)
                np.testing.assert_array_equal(c, want)
        assert fine.fine_grid(g) is not None


def test_off_grid_lists_keep_the_float_path(alloy):
    prep = prepare_roi(alloy, BOX, NAMES)
    geo = tuple(float(v) for v in np.round(np.geomspace(0.3, 4.0, 9), 6))
    assert prep.prepare_voxels(geo) is None
    assert not prep._fine


def test_fine_grid_with_the_jit_off(alloy, monkeypatch):
    """The kernels as plain Python (bounds checked) give the same counts."""
    prep = prepare_roi(alloy, BOX, NAMES)
    monkeypatch.setattr(binning, "MAX_TABLE_ENTRIES", 0)
    g = prep.prepare_voxels((0.5, 1.5))
    want = {L: prep._tile(L, g, None) for L in (0.5, 1.5)}
    shifted = prep.tile_counts_shifted(1.5, np.array([0.4, 0.1, 0.9]), g)
    assert disable_jit(monkeypatch) > 0
    slow = prepare_roi(alloy, BOX, NAMES)
    assert slow.prepare_voxels((0.5, 1.5)) == g
    for L, (counts, numbers) in want.items():
        got, got_numbers = slow._tile(L, g, None)
        np.testing.assert_array_equal(got, counts)
        assert (numbers is None) == (got_numbers is None)
    got = slow.tile_counts_shifted(1.5, np.array([0.4, 0.1, 0.9]), g)
    np.testing.assert_array_equal(got[0], shifted[0])
    assert got[1:] == shifted[1:]


def test_one_sweep_prefix_sums_equal_three_cumsums(monkeypatch):
    """The fused summed-volume sweep, int32 and int64, compiled and as plain Python."""
    from hea_studio.compute.common import _kernels as common
    from hea_studio.compute.common import _twins as common_twins

    rng = np.random.default_rng(11)
    for dtype in (np.int32, np.int64):
        P = np.zeros((9, 7, 12, 3), dtype=dtype)
        P[1:, 1:, 1:] = rng.integers(0, 5, (8, 6, 11, 3))
        want = P.copy()
        common_twins.prefix_sums(want)
        got = P.copy()
        common.prefix_sums(got)
        np.testing.assert_array_equal(got, want)
        assert got.dtype == dtype and got[-1, -1, -1].sum() == P.sum()
    disable_jit(monkeypatch)
    slow = P.copy()
    common.prefix_sums(slow)
    np.testing.assert_array_equal(slow, want)
