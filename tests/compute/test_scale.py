"""Real-size data paths: compact curves equal today's bit for bit, chunked scans equal numpy, and
nothing on the load path allocates per-atom float64."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from compute_specimens import NAMES, clustered_alloy, drain

from hea_studio.compute.common import _kernels as nb_common
from hea_studio.compute.common import _twins as tw_common
from hea_studio.compute.common import scan
from hea_studio.compute.lac import _kernels as nb_lac
from hea_studio.compute.lac import _twins as tw_lac
from hea_studio.compute.lac import binning
from hea_studio.compute.lac.curve import iter_prepared
from hea_studio.compute.lac.roi import default_box, prepare_roi
from hea_studio.compute.reference.atoms import NullEntropyTable
from hea_studio.core import memory
from hea_studio.core.atoms import AtomSet
from hea_studio.core.geometry import Box
from hea_studio.core.settings import AnalysisSettings, parse_sizes


def compact_atoms(atoms: AtomSet) -> AtomSet:
    """The same atoms as the files give them: float32 positions, uint8 labels."""
    return AtomSet(atoms.positions.astype(np.float32), atoms.labels.astype(np.uint8), atoms.names)


@pytest.fixture(scope="module")
def alloy32() -> AtomSet:
    return compact_atoms(clustered_alloy(60_000, 1.5, seed=4))


# ---- today's path (commit beece3f), kept here as the reference -------------------------------
def todays_counts(atoms: AtomSet, box: Box, sizes, K: int = 4):
    """Per-edge counts exactly as the code before the compact paths made them."""
    lut = np.arange(len(atoms.names), dtype=np.int64)
    lo, hi = np.array(box.lo), np.array(box.hi)
    rel, lab = nb_lac.select_box(
        atoms.positions, atoms.labels, lut, lo, hi, np.empty(atoms.n_atoms, np.int64)
    )
    g = binning.common_voxel_edge(sizes)
    table = None
    if g is not None:
        shape = tuple(binning.n_tiles(e, g) for e in box.size)
        entries = np.prod(np.array(shape) + 1) * K
        if min(shape) > 0 and entries <= 12_000_000 and entries <= 64 * lab.size + 4096:
            P, face = nb_common.voxel_prefix(rel, lab, g, *shape, K)
            table = (P, np.ascontiguousarray(rel[face]), np.ascontiguousarray(lab[face]))
    out = []
    for L in sizes:
        c = tuple(binning.n_tiles(e, L) for e in box.size)
        if min(c) == 0:
            out.append(np.zeros((0, K), dtype=np.int64))
            continue
        m = round(L / g) if g else 0
        if table is not None and m >= 1 and abs(m * g - L) <= 1e-9 * L:
            counts = nb_lac.prefix_cube_counts(table[0], m, *c)
            if table[2].size:
                counts += nb_lac.dense_counts(
                    nb_lac.cube_ids(table[1], float(L), *c), table[2], int(np.prod(c)), K
                )
        else:
            ids = nb_lac.cube_ids(rel, float(L), *c)
            n = int(np.prod(c))
            if n <= 4 * lab.size + 1024:
                counts = nb_lac.dense_counts(ids, lab, n, K)
            else:
                counts = nb_lac.sparse_counts(ids, lab, K)[1]
        out.append(counts)
    return out, np.bincount(lab, minlength=K)


def assert_same_curve(atoms, box, sizes, min_atoms=5):
    want_counts, bulk = todays_counts(atoms, box, sizes)
    null = NullEntropyTable(bulk)
    prep = prepare_roi(atoms, box, NAMES)
    got = list(iter_prepared(prep, AnalysisSettings(sizes_nm=sizes, min_atoms=min_atoms)))
    from hea_studio.compute.lac.curve import scale_result

    for i, (L, counts, s) in enumerate(zip(sizes, want_counts, got)):
        want = scale_result(prep, counts, L, i, min_atoms, null, True, (i + 1) / len(sizes))
        assert s.to_json() == want.to_json()  # every float bit for bit
        if want.cube_entropy is not None:
            np.testing.assert_array_equal(s.cube_entropy, want.cube_entropy)
            np.testing.assert_array_equal(s.cube_n, want.cube_n)
    return prep


SIZE_LISTS = ["0.5:4:0.5", "0.3:3:0.3", "0.7,1.3,2.0,2.9", "0.25,0.5,1.1,1.7"]


@pytest.mark.parametrize("sizes", SIZE_LISTS)
def test_compact_curve_is_bit_identical_to_todays(alloy32, sizes):
    box = Box((0.3, 0.1, 0.2), (11.6, 10.9, 11.4))
    prep = assert_same_curve(alloy32, box, parse_sizes(sizes))
    assert prep.positions is alloy32.positions  # the dataset was not copied


@pytest.mark.parametrize("sizes", SIZE_LISTS[:2])
def test_per_edge_and_sparse_paths_are_bit_identical_too(alloy32, monkeypatch, sizes):
    box = Box((0.3, 0.1, 0.2), (11.6, 10.9, 11.4))
    monkeypatch.setattr(binning, "MAX_TABLE_ENTRIES", 0)  # no table: every edge per atom
    assert_same_curve(alloy32, box, parse_sizes(sizes))
    monkeypatch.setattr(binning, "DENSE_CUBES_PER_ATOM", 0)  # every grid counted sparsely
    monkeypatch.setattr(binning.PreparedRoi, "dense_limit", lambda self: 0)
    assert_same_curve(alloy32, box, parse_sizes(sizes))


def test_a_table_beyond_the_memory_budget_is_not_built(alloy32, monkeypatch):
    box = Box((0.3, 0.1, 0.2), (11.6, 10.9, 11.4))
    prep = prepare_roi(alloy32, box, NAMES)
    need = prep.table_bytes(0.5)
    monkeypatch.setattr(memory, "table_budget", lambda: need - 1)
    # The common voxel edge is returned all the same (shifted grids round to it); no table is built.
    assert prep.prepare_voxels(parse_sizes("0.5:4:0.5")) == 0.5
    assert prep.table(0.5) is None and prep.tables_bytes() == 0
    monkeypatch.setattr(memory, "table_budget", lambda: need)
    assert prep.prepare_voxels(parse_sizes("0.5:4:0.5")) == 0.5
    assert prep.table(0.5).dtype == np.int32 and prep.tables_bytes() == need


def test_budget_setting_and_warning(monkeypatch):
    monkeypatch.setenv(memory.ENV_VAR, "512")
    assert memory.default_budget() == 512 << 20
    memory.set_budget(1 << 30)
    try:
        assert memory.budget() == 1 << 30
        assert memory.over_budget_warning(1 << 29) is None
        text = memory.over_budget_warning(3 << 30)
        assert "3072 MB" in text and "1024 MB" in text
    finally:
        memory.set_budget(None)
    monkeypatch.delenv(memory.ENV_VAR)
    assert memory.default_budget() == int(memory.machine_memory() * memory.DEFAULT_FRACTION)


@pytest.mark.parametrize("shift_voxels", [(0, 0, 0), (1, 0, 2), (3, 3, 1)])
def test_shifted_grids_match_the_floor_definition(alloy32, shift_voxels):
    box = Box((0.3, 0.1, 0.2), (11.6, 10.9, 11.4))
    prep = prepare_roi(alloy32, box, NAMES)
    g = prep.prepare_voxels((0.5, 1.0, 1.5))
    rel = prep.rel
    for shift in (np.array(shift_voxels) * 0.5, np.array(shift_voxels) * 0.37 + 0.05):
        for L in (0.5, 1.0, 1.5):
            c = prep.grid_shape(L, shift)
            want = tw_common.floor_bincount_counts(rel - shift, prep.labels, L, *c, 4)
            np.testing.assert_array_equal(prep.tile_counts(L, g, shift), want)


def test_scan_kernels_equal_their_twins(alloy32):
    pos, lab = alloy32.positions, alloy32.labels
    lo, hi = np.full(3, np.inf), np.full(3, -np.inf)
    lo2, hi2 = lo.copy(), hi.copy()
    nb_common.bounds_chunk(pos, 100, 50_000, lo, hi)
    tw_common.bounds_chunk(pos, 100, 50_000, lo2, hi2)
    np.testing.assert_array_equal(lo, lo2)
    np.testing.assert_array_equal(hi, hi2)
    a, b = np.zeros((7, 6, 5), np.int64), np.zeros((7, 6, 5), np.int64)
    nb_common.density_hist_chunk(pos, 0, len(pos), lo, 1.7, a)
    tw_common.density_hist_chunk(pos, 0, len(pos), lo, 1.7, b)
    np.testing.assert_array_equal(a, b)
    box_lo, box_hi = np.array([1.0, 2.0, 0.5]), np.array([9.0, 8.0, 10.0])
    c1, c2 = np.zeros(4, np.int64), np.zeros(4, np.int64)
    nb_common.box_species_chunk(pos, lab, box_lo, box_hi, 10, 40_000, c1)
    tw_common.box_species_chunk(pos, lab, box_lo, box_hi, 10, 40_000, c2)
    np.testing.assert_array_equal(c1, c2)
    lut = np.array([0, -1, 1, 2], dtype=np.int64)
    shape = np.array([15, 11, 18, 3])
    t1, t2 = np.zeros(16 * 12 * 19 * 3, np.int32), np.zeros(16 * 12 * 19 * 3, np.int32)
    f1, f2 = np.empty(60_000, np.int64), np.empty(60_000, np.int64)
    args = (pos, lab, lut, box_lo, box_hi, 0.5, shape, 0, len(pos))
    scratch = (np.empty(60_000, np.int32), np.empty(60_000, np.int32), np.zeros(16, np.int64))
    n1 = nb_common.voxel_fill_chunk(*args, t1, f1, *scratch)
    n2 = tw_common.voxel_fill_chunk(*args, t2, f2, *scratch)
    np.testing.assert_array_equal(t1, t2)
    assert n1 == n2
    P1, P2 = t1.reshape(16, 12, 19, 3).astype(np.int64), t2.reshape(16, 12, 19, 3).astype(np.int64)
    nb_common.prefix_sums(P1)
    tw_common.prefix_sums(P2)
    np.testing.assert_array_equal(P1, P2)
    b1, b2 = np.empty(len(pos), np.int32), np.empty(len(pos), np.int32)
    nb_common.bucket_chunk(pos, lab, lut, box_lo, box_hi, 0.25, 40, 0, len(pos), b1)
    tw_common.bucket_chunk(pos, lab, lut, box_lo, box_hi, 0.25, 40, 0, len(pos), b2)
    np.testing.assert_array_equal(b1, b2)
    start = np.zeros(41, np.int64)
    np.cumsum(np.bincount(b1[b1 >= 0], minlength=40), out=start[1:])
    outs = []
    for fn in (nb_common.gather_buckets, tw_common.gather_buckets):
        op, ol, fill = np.empty((start[-1], 3), np.float32), np.empty(start[-1], np.uint8), start[:-1].copy()
        fn(pos, lab, lut, 0, b1, fill, op, ol)
        outs.append((op, ol))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    shift = np.array([0.1, 0.0, 0.3])
    for L in (0.3, 1.1):
        c = [int((hi_ - lo_ - s) // L) for hi_, lo_, s in zip(box_hi, box_lo, shift)]
        d1 = nb_lac.tile_counts_dense(outs[0][0], outs[0][1], box_lo, shift, L, *c, 3)
        np.testing.assert_array_equal(
            d1, tw_lac.tile_counts_dense(outs[0][0], outs[0][1], box_lo, shift, L, *c, 3)
        )
        s1 = nb_lac.tile_counts_sparse(outs[0][0], outs[0][1], start, 0.25, box_lo, shift, L, *c, 3)
        s2 = tw_lac.tile_counts_sparse(outs[0][0], outs[0][1], start, 0.25, box_lo, shift, L, *c, 3)
        np.testing.assert_array_equal(s1[0], s2[0])
        np.testing.assert_array_equal(s1[1], s2[1])


def test_chunked_default_box_equals_a_single_pass(alloy32, monkeypatch):
    one = default_box(alloy32.positions)
    monkeypatch.setattr(scan, "CHUNK_ATOMS", 4096)
    seen = []

    class Task:
        def report(self, fraction, message=None):
            seen.append(fraction)

        def cancelled(self):
            return False

    assert default_box(alloy32.positions, Task()) == one
    assert default_box(alloy32.positions.astype(np.float64)) == one  # float32 read as float64
    assert len(seen) > 20 and seen == sorted(seen) and seen[-1] == 1.0


def test_scans_stop_when_cancelled(alloy32, monkeypatch):
    from hea_studio.core.progress import Cancelled, SimpleTaskState

    monkeypatch.setattr(scan, "CHUNK_ATOMS", 4096)
    task = SimpleTaskState(on_progress=lambda f, m: task.cancel() if f > 0.3 else None)
    with pytest.raises(Cancelled):
        default_box(alloy32.positions, task)


def test_load_path_allocates_no_per_atom_float64(tmp_path, monkeypatch):
    from hea_studio.core.ranges import Range, RangeTable
    from hea_studio.io import load_ions, load_ranges, to_atoms, write_pos, write_rrng
    from hea_studio.io.ranges import ranging

    # Chunks of 2^16 atoms, so that chunk buffers cannot hide a per-atom array at this size.
    monkeypatch.setattr(ranging, "CHUNK", 1 << 16)
    monkeypatch.setattr(scan, "CHUNK_ATOMS", 1 << 16)
    rng = np.random.default_rng(0)
    table = RangeTable(
        [Range(m - 0.2, m + 0.2, e, ((e, 1.0),), None) for e, m in zip(NAMES, (29.5, 31.7, 27.9, 29.0))]
    )
    write_rrng(tmp_path / "a.rrng", table)
    for name, n in (("warm.pos", 5000), ("a.pos", 1_000_000)):
        pos = rng.uniform(0, 40, (n, 3)).astype(np.float32)
        mass = rng.choice([27.9, 29.0, 29.5, 31.7], n) + rng.normal(0, 0.02, n)
        write_pos(tmp_path / name, pos, mass)
    del pos, mass

    def load(name):
        atoms = to_atoms(load_ions(tmp_path / name), load_ranges(tmp_path / "a.rrng"))
        prep = prepare_roi(atoms, default_box(atoms.positions), None)
        prep.prepare_voxels(parse_sizes("0.5:10:0.5"))
        return atoms, prep

    load("warm.pos")  # numba loads its compiled kernels (Python objects) outside the measurement
    tracemalloc.start()
    try:
        atoms, prep = load("a.pos")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert atoms.positions.dtype == np.float32 and atoms.labels.dtype == np.uint8
    kept = atoms.positions.nbytes + atoms.labels.nbytes + prep.tables_bytes()
    # 13 bytes per atom are the result; the species array (4 bytes) and chunk buffers come and go.
    # Any (N, 3) or (N,) float64 copy would add 24 or 8 bytes per atom.
    assert peak < kept + 6 * n, (peak, kept)


def test_half_counts_without_a_per_atom_copy(alloy32):
    box = Box((0.3, 0.1, 0.2), (11.6, 10.9, 11.4))
    prep = prepare_roi(alloy32, box, NAMES)
    want = tw_common.half_counts(prep.rel, prep.labels, 0.5 * np.asarray(box.size), 4)
    fresh = prepare_roi(alloy32, box, NAMES)
    np.testing.assert_array_equal(fresh.half_counts(), want)  # chunked pass over the dataset
    fresh.compact()
    np.testing.assert_array_equal(fresh.half_counts(), want)  # from the compact copy
    out = np.zeros((3, 4), np.int64)
    lo, hi = np.array(box.lo), np.array(box.hi)
    tw_common.half_counts_chunk(
        alloy32.positions, alloy32.labels, prep.layers[0], lo, hi, 0.5 * np.asarray(box.size), 0, 60_000, out
    )
    np.testing.assert_array_equal(out, want)


def test_shifted_tilings_of_the_sume_interval_match_the_floor_definition(alloy32):
    box = Box((0.3, 0.1, 0.2), (11.6, 10.9, 11.4))
    prep = prepare_roi(alloy32, box, NAMES)
    g = prep.prepare_voxels((0.5, 1.0, 1.5))
    for voxel in (g, None):
        for frac in ((0.3, 0.7, 0.1), (0.0, 0.5, 0.99)):
            counts, off, shape = prep.tile_counts_shifted(1.5, np.array(frac), voxel)
            want = tw_common.floor_bincount_counts(prep.rel - np.array(off), prep.labels, 1.5, *shape, 4)
            np.testing.assert_array_equal(counts, want)


def test_display_sample_draws_distinct_atoms_without_a_full_permutation():
    from hea_studio.compute.common.display import sample_indices

    tracemalloc.start()
    try:
        idx = sample_indices(10**9, 5000, seed=3)  # a permutation would take 8 GB
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20
    assert idx.size == 5000 and np.unique(idx).size == 5000 and idx.min() >= 0 and idx.max() < 10**9
    assert not np.all(np.diff(idx) > 0)  # random order, not sorted
    np.testing.assert_array_equal(idx, sample_indices(10**9, 5000, seed=3))  # a stable picture
    small = sample_indices(300, 5000)
    assert sorted(small.tolist()) == list(range(300))


def test_display_sample_and_projection_equal_numpy(alloy32, monkeypatch):
    from hea_studio.compute.common.display import build_display_sample, sample_indices

    monkeypatch.setattr(scan, "CHUNK_ATOMS", 7000)
    pos, lab = alloy32.positions, alloy32.labels
    sample = build_display_sample(pos, lab, 4, size=1000, seed=9)
    idx = sample_indices(len(pos), 1000, seed=9)
    np.testing.assert_array_equal(sample.positions, pos[idx])
    np.testing.assert_array_equal(sample.labels, lab[idx])
    np.testing.assert_array_equal(sample.lo, pos.min(axis=0).astype(np.float64))
    np.testing.assert_array_equal(sample.hi, pos.max(axis=0).astype(np.float64))
    np.testing.assert_array_equal(sample.species_counts, np.bincount(lab, minlength=4))
    assert sample.n_atoms == len(pos)
    lo = (float(pos[:, 0].min()), float(pos[:, 2].min()))
    got = scan.density_map(pos, (0, 2), lo, 0.37, (30, 31))
    want = np.zeros((30, 31), np.int64)
    tw_common.projection_chunk(pos, 0, 2, 0, len(pos), np.array(lo), 0.37, want)
    np.testing.assert_array_equal(got, want.astype(np.float32))
    assert got.sum() == len(pos)


def test_preview_from_the_dataset_table_equals_the_analysis_of_the_snapped_box(monkeypatch):
    from hea_studio.compute.analysis import iter_analysis, run_analysis
    from hea_studio.compute.lac import preview
    from hea_studio.compute.lac.roi import prepare_roi as prep_exact

    atoms = compact_atoms(clustered_alloy(120_000, 1.5, seed=8))
    monkeypatch.setattr(preview, "MIN_ATOMS", 1000)
    monkeypatch.setattr(preview, "MIN_VOXEL_NM", 0.5)
    settings = AnalysisSettings(sizes_nm=parse_sizes("0.5:3:0.5"), bootstrap=0)
    assert preview.use_table(atoms, settings)
    box = Box((0.37, 0.81, 0.12), (13.2, 12.9, 13.55))
    prep, snapped, rounded = preview.preview_inputs(atoms, box, settings)
    assert rounded.sizes_nm == settings.sizes_nm
    assert max(abs(a - b) for a, b in zip(snapped.flat(), box.flat())) <= 0.25 + 1e-9
    _, got = drain(iter_analysis(atoms, rounded, snapped, fda=False, prepared=prep))
    want = run_analysis(atoms, rounded, snapped, fda=False)
    assert got.roi_nm == want.roi_nm and got.roi_atoms == want.roi_atoms
    for a, b in zip(got.curve, want.curve):
        assert a.n_cubes == b.n_cubes
        assert a.S_mean == pytest.approx(b.S_mean, abs=1e-12)
    exact = prep_exact(atoms, snapped, None)
    # Halves on whole voxels: exact for an even number of voxels, within one voxel layer otherwise.
    np.testing.assert_allclose(prep.half_counts(), exact.half_counts(), rtol=0.06)
    # The table is built once per dataset and shared by every later preview.
    assert preview.dataset_table(atoms, settings) is prep.grid


def test_preview_edges_are_whole_voxels_of_at_least_one_nm(monkeypatch):
    from hea_studio.compute.lac import preview

    atoms = compact_atoms(clustered_alloy(50_000, 1.5, seed=2))
    monkeypatch.setattr(preview, "MIN_ATOMS", 1000)
    settings = AnalysisSettings(sizes_nm=parse_sizes("0.5:3:0.5"), bootstrap=0)
    prep, snapped, rounded = preview.preview_inputs(atoms, Box((0.2, 0.3, 0.1), (9.1, 9.6, 9.4)), settings)
    assert prep.grid.g == 1.0 and rounded.sizes_nm == (1.0, 2.0, 3.0)
    assert all(
        abs(v / 1.0 - round(v)) < 1e-9 for v in np.array(snapped.flat()) - np.tile(prep.grid.origin, 2)
    )
