"""Kernels that the other kernel tests ran only compiled, now also as plain Python (``jit`` fixture, or
``disable_jit`` after a compiled run in the ``jit_off`` tests).

Compiled numba code does not check bounds; the same kernel run as Python raises IndexError on a bad
index. Each test compares the kernel with its numpy twin (or, for kernels without one, the compiled
result with the Python one) on a few thousand atoms, small enough for Python loops.
tests/test_kernel_coverage.py checks that every kernel of the package runs as Python somewhere.
"""

from __future__ import annotations

import numpy as np
import pytest
from jit_support import disable_jit

from hea_studio.compute.common import _kernels as nb_common
from hea_studio.compute.common import _twins as tw_common
from hea_studio.compute.lac import _kernels as nb_lac
from hea_studio.compute.lac import _twins as tw_lac
from hea_studio.compute.local import _kernels as nb_local
from hea_studio.compute.local import _twins as tw_local


@pytest.fixture(scope="module")
def atoms():
    """5,000 float32 positions in a 6 x 5 x 7 nm box, four species (labels 0..3, uint8)."""
    rng = np.random.default_rng(11)
    pos = (rng.random((5_000, 3)) * [6.0, 5.0, 7.0]).astype(np.float32)
    lab = rng.integers(0, 4, 5_000).astype(np.uint8)
    return pos, lab


@pytest.mark.usefixtures("jit")
def test_bounds_and_histograms(atoms):
    pos, lab = atoms
    lo, hi = np.full(3, np.inf), np.full(3, -np.inf)
    lo2, hi2 = lo.copy(), hi.copy()
    nb_common.bounds_chunk(pos, 7, 4_000, lo, hi)
    tw_common.bounds_chunk(pos, 7, 4_000, lo2, hi2)
    np.testing.assert_array_equal(lo, lo2)
    np.testing.assert_array_equal(hi, hi2)
    origin = np.zeros(3)
    a, b = np.zeros((4, 3, 5), np.int64), np.zeros((4, 3, 5), np.int64)
    nb_common.density_hist_chunk(pos, 0, len(pos), origin, 1.6, a)
    tw_common.density_hist_chunk(pos, 0, len(pos), origin, 1.6, b)
    np.testing.assert_array_equal(a, b)
    assert a.sum() == len(pos)
    weights = np.array([1.0, 2.0, 0.5, 3.0])
    fa, fb = np.zeros((4, 3, 5)), np.zeros((4, 3, 5))
    nb_common.density_hist_weighted_chunk(pos, lab, weights, 0, len(pos), origin, 1.6, fa)
    tw_common.density_hist_weighted_chunk(pos, lab, weights, 0, len(pos), origin, 1.6, fb)
    np.testing.assert_allclose(fa, fb, rtol=1e-12)
    assert fa.sum() == pytest.approx(weights[lab].sum())


@pytest.mark.usefixtures("jit")
def test_window_kernels_skip_far_rows(atoms):
    """The far-stray kernels: rows outside the window are counted, never binned (an index past the
    grid would raise here, where the kernel runs as Python)."""
    pos, lab = atoms
    pos = pos.copy()
    pos[[3, 400, 4_999]] = [[9000.0, 1.0, 1.0], [-9000.0, 2.0, 2.0], [1.0, 1.0, 8990.0]]
    wlo, whi = np.zeros(3), np.array([6.0, 5.0, 7.0])
    results = []
    for mod in (nb_common, tw_common):
        lo, hi = np.full(3, np.inf), np.full(3, -np.inf)
        far = mod.bounds_window_chunk(pos, 0, len(pos), wlo, whi, lo, hi)
        results.append((far, lo, hi))
    assert results[0][0] == results[1][0] == 3
    np.testing.assert_array_equal(results[0][1], results[1][1])
    np.testing.assert_array_equal(results[0][2], results[1][2])
    assert np.all(results[0][2] <= whi)
    weights = np.array([1, 2, 1, 3], dtype=np.int64)
    none = np.zeros(0, dtype=np.int64)
    for weighted, labels, w in ((False, none, none), (True, lab, weights)):
        a, b = np.zeros((4, 3, 5), np.int64), np.zeros((4, 3, 5), np.int64)
        nb_common.density_hist_window_chunk(pos, labels, w, weighted, 0, len(pos), wlo, whi, 1.6, a)
        tw_common.density_hist_window_chunk(pos, labels, w, weighted, 0, len(pos), wlo, whi, 1.6, b)
        np.testing.assert_array_equal(a, b)
        kept = np.ones(len(pos), bool)
        kept[[3, 400, 4_999]] = False
        assert a.sum() == (weights[lab[kept]].sum() if weighted else kept.sum())


@pytest.mark.usefixtures("jit")
@pytest.mark.parametrize("axes", [(0, 1), (0, 2), (1, 2)])
def test_projections(atoms, axes):
    pos, lab = atoms
    a, b = axes
    lo = np.array([0.5, 0.25])
    p1, p2 = np.zeros((9, 11), np.int64), np.zeros((9, 11), np.int64)
    nb_common.projection_chunk(pos, a, b, 0, len(pos), lo, 0.6, p1)
    tw_common.projection_chunk(pos, a, b, 0, len(pos), lo, 0.6, p2)
    np.testing.assert_array_equal(p1, p2)
    weights = np.array([0.25, 1.0, 2.0, 4.0])
    w1, w2 = np.zeros((9, 11)), np.zeros((9, 11))
    nb_common.projection_weighted_chunk(pos, lab, weights, a, b, 0, len(pos), lo, 0.6, w1)
    tw_common.projection_weighted_chunk(pos, lab, weights, a, b, 0, len(pos), lo, 0.6, w2)
    np.testing.assert_allclose(w1, w2, rtol=1e-12)


@pytest.mark.usefixtures("jit")
def test_half_counts_of_a_box(atoms):
    pos, lab = atoms
    lut = np.array([0, -1, 1, 2], dtype=np.int64)  # species 1 is not an entropy element
    lo, hi = np.array([0.5, 0.4, 1.0]), np.array([5.5, 4.9, 6.0])
    half = 0.5 * (hi - lo)
    out1, out2 = np.zeros((3, 3), np.int64), np.zeros((3, 3), np.int64)
    nb_common.half_counts_chunk(pos, lab, lut, lo, hi, half, 0, len(pos), out1)
    tw_common.half_counts_chunk(pos, lab, lut, lo, hi, half, 0, len(pos), out2)
    np.testing.assert_array_equal(out1, out2)
    assert out1.sum() > 0


@pytest.mark.usefixtures("jit")
@pytest.mark.parametrize("L", [0.7, 1.3])
def test_sparse_tile_counts_equal_the_dense_ones(atoms, L):
    pos, lab = atoms
    lo = np.zeros(3)
    shift = np.array([0.2, 0.0, 0.35])
    cx, cy, cz = (int((s - sh) // L) for s, sh in zip((6.0, 5.0, 7.0), shift))
    width = 0.5
    bucket = np.minimum((pos[:, 0] / width).astype(np.int64), 11)
    order = np.argsort(bucket, kind="stable")
    spos, slab = np.ascontiguousarray(pos[order]), np.ascontiguousarray(lab[order])
    starts = np.zeros(13, np.int64)
    np.cumsum(np.bincount(bucket, minlength=12), out=starts[1:])
    numbers, counts = nb_lac.tile_counts_sparse(spos, slab, starts, width, lo, shift, L, cx, cy, cz, 4)
    t_numbers, t_counts = tw_lac.tile_counts_sparse(spos, slab, starts, width, lo, shift, L, cx, cy, cz, 4)
    np.testing.assert_array_equal(numbers, t_numbers)
    np.testing.assert_array_equal(counts, t_counts)
    dense = nb_lac.tile_counts_dense(pos, lab, lo, shift, L, cx, cy, cz, 4)
    np.testing.assert_array_equal(dense[numbers], counts)
    assert counts.sum() == dense.sum() > 0


@pytest.mark.usefixtures("jit")
def test_cell_list_and_nearest_neighbour_entropy(atoms):
    pos, lab = atoms
    rel = pos[:1_500].astype(np.float64)
    labels = lab[:1_500].astype(np.int64)
    cell = 1.0
    nx, ny, nz = 6, 5, 7
    order, starts = nb_local.cell_list(rel, cell, nx, ny, nz)
    t_order, t_starts = tw_local.cell_list(rel, cell, nx, ny, nz)
    np.testing.assert_array_equal(starts, t_starts)
    np.testing.assert_array_equal(np.sort(order), np.sort(t_order))
    srel, slab = np.ascontiguousarray(rel[order]), np.ascontiguousarray(labels[order])
    centres = np.arange(0, 1_500, 7, dtype=np.int64)
    ks = np.array([5, 13, 40], dtype=np.int64)
    log_k = np.log(np.maximum(np.arange(41, dtype=np.float64), 1.0))  # log_k[c] = ln c, up to kmax
    got = nb_local.knn_entropy(srel, slab, 4, starts, nx, ny, nz, cell, centres, ks, log_k)
    want = tw_local.knn_entropy(srel, slab, 4, starts, nx, ny, nz, cell, centres, ks, log_k)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-9)


@pytest.mark.usefixtures("jit")
def test_mass_histogram_equals_its_numpy_twin():
    from hea_studio.compute.spectrum.mass import histogram_numpy, mass_spectrum

    rng = np.random.default_rng(3)
    mass = rng.uniform(0.0, 60.0, 20_000).astype(">f4")  # big-endian, as in a mapped .pos
    mass[::997] = np.nan
    spec = mass_spectrum(mass, bin_width=0.05, lo=0.0, hi=60.0)
    counts, _outside = histogram_numpy(mass.astype(np.float64), 0.0, 0.05, spec.n_bins)
    np.testing.assert_array_equal(spec.counts, counts)


def test_ion_reference_tables_jit_off_equal_compiled(monkeypatch):
    """The ion reference's table convolution (a private kernel, no twin): compiled and Python agree."""
    from hea_studio.compute.reference.ions import IonNullTable

    types = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0, 0, 2]], dtype=np.int64)
    counts = np.array([400, 300, 200, 60, 40])
    ns = np.arange(5, 60, 6)
    compiled = IonNullTable(types, counts, min_atoms=5, exact_max=40)
    want = compiled.series(ns)
    disable_jit(monkeypatch)
    as_python = IonNullTable(types, counts, min_atoms=5, exact_max=40)
    np.testing.assert_allclose(as_python.series(ns), want, rtol=1e-12)
    np.testing.assert_allclose(as_python.count_pmf(0, 30), compiled.count_pmf(0, 30), rtol=1e-12)


def test_ranging_a_big_endian_file_jit_off_equals_compiled(tmp_path, monkeypatch):
    """gather_ranged moves the ranged rows' bits straight from the mapped file."""
    from hea_studio.core.ranges import Range, RangeTable
    from hea_studio.io import load_ions, to_atoms, write_pos

    rng = np.random.default_rng(5)
    xyz = (rng.random((3_000, 3)) * 10).astype(np.float32)
    mass = rng.choice([27.0, 58.9, 63.0, 80.0], 3_000).astype(np.float32)
    write_pos(tmp_path / "run.pos", xyz, mass)
    table = RangeTable(
        [
            Range(26.5, 27.5, "Al", (("Al", 1.0),)),
            Range(58.5, 59.5, "Co", (("Co", 1.0),)),
            Range(62.5, 63.5, "Cu", (("Cu", 1.0),)),
        ]
    )
    compiled = to_atoms(load_ions(tmp_path / "run.pos"), table)
    disable_jit(monkeypatch)
    as_python = to_atoms(load_ions(tmp_path / "run.pos"), table)
    np.testing.assert_array_equal(as_python.positions, compiled.positions)
    np.testing.assert_array_equal(as_python.labels, compiled.labels)
    assert len(compiled.positions) == int(np.count_nonzero(mass < 70))


@pytest.mark.usefixtures("jit")
@pytest.mark.parametrize(("m", "ox", "oy", "oz"), [(2, 0, 0, 0), (3, 1, 2, 1)])
def test_fine_grid_sparse_tiles_equal_the_dense_ones(atoms, m, ox, oy, oz):
    from hea_studio.compute.lac import _fine
    from hea_studio.compute.lac import _fine_twins as tw_fine

    pos, lab = atoms
    g, (nx, ny, nz) = 0.25, (24, 20, 28)
    ix, iy, iz = (np.empty(len(pos), np.int32) for _ in range(3))
    flag = np.empty(len(pos), np.uint8)
    n_in = _fine.fine_coords(pos, np.zeros(3), g, nx, ny, nz, ix, iy, iz, flag)
    fz, flab = np.empty(n_in, np.int32), np.empty(n_in, np.uint8)
    starts = _fine.fine_sort(ix, iy, iz, lab, flag, nx, ny, fz, flab)
    cx, cy, cz = (nx - ox) // m, (ny - oy) // m, (nz - oz) // m

    def lut(n, o, c):
        v = (np.arange(n) - o) // m
        return np.where((np.arange(n) >= o) & (v < c), v, -1).astype(np.int64)

    lutx, luty, lutz = lut(nx, ox, cx), lut(ny, oy, cy), lut(nz, oz, cz)
    # Atoms the caller bins itself (near voxel faces): ascending row (x cube * cy + y cube), z cube.
    face_row = np.array([0, 0, 5, cx * cy - 1], dtype=np.int64)
    face_c = np.array([0, cz - 1, 2, 1], dtype=np.int64)
    face_lab = np.array([1, 3, 0, 2], dtype=np.int64)
    faces = (face_row, face_c, face_lab)
    numbers, counts = _fine.fine_tile_sparse(starts, fz, flab, ny, m, ox, oy, cx, cy, cz, lutz, 4, *faces)
    t_numbers, t_counts = tw_fine.fine_tile_sparse(
        starts, fz, flab, ny, m, ox, oy, cx, cy, cz, lutz, 4, *faces
    )
    np.testing.assert_array_equal(numbers, t_numbers)
    np.testing.assert_array_equal(counts, t_counts)
    dense = _fine.fine_tile_dense(starts, fz, flab, ny, lutx, luty, lutz, cy, cz, 4)
    np.add.at(dense, (face_row * cz + face_c, face_lab), 1)
    np.testing.assert_array_equal(dense[numbers], counts)
    assert counts.sum() == dense.sum() > 0
