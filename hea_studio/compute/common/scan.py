"""Passes over every atom of a dataset, in chunks, with progress and cancellation.

A 10^8-atom specimen is 1.2 GB of float32 positions. Everything here reads those positions (and
the per-atom labels) where they are, chunk by chunk, and writes only small results: bounds, a
density grid, species counts, a voxel summed-volume table, or the compact copy of one box's atoms.
No float64 or int64 array with one entry per atom is ever built, so the memory of a pass is its
output plus a chunk of scratch.

Each function takes an optional :class:`~hea_studio.core.progress.TaskState` and a ``span``: the
part of the caller's progress bar the pass fills, so that several passes make one smooth bar
(``None``: the pass only checks for cancellation and reports nothing, for passes made on demand
in the middle of other work whose bar they must not move back).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from hea_studio.compute.common import _kernels
from hea_studio.core.geometry import Box
from hea_studio.core.progress import TaskState, check_cancelled

CHUNK_ATOMS = 1 << 21
"""Atoms per chunk: ~25 MB of float32 positions, about 10-20 ms of work per kernel call."""

Span = tuple[float, float] | None

Luts = np.ndarray | Sequence[np.ndarray]
"""A label-to-element table, or one per layer (:meth:`~hea_studio.core.atoms.AtomSet.layer_luts`):
a (n_labels,) array, a (n_labels, R) array whose columns are the layers, or a list of layers."""


def halves(span: Span) -> tuple[Span, Span]:
    """The first and second half of ``span`` (``None``, ``None`` for no span): two passes, one bar."""
    if span is None:
        return None, None
    mid = 0.5 * (span[0] + span[1])
    return (span[0], mid), (mid, span[1])


def layers(lut: Luts) -> list[np.ndarray]:
    """The layers of ``lut`` as C-contiguous int64 (n_labels,) arrays.

    A row whose label maps to element ``k`` in layer ``r`` stands for one atom of ``k`` there:
    every pass below runs its kernel once per layer on each chunk (the chunk stays in cache), so a
    row standing for a molecular ion's atoms is counted once for each of them.
    """
    if isinstance(lut, np.ndarray):
        if lut.ndim == 1:
            return [np.ascontiguousarray(lut, dtype=np.int64)]
        return [np.ascontiguousarray(lut[:, r], dtype=np.int64) for r in range(lut.shape[1])]
    return [np.ascontiguousarray(v, dtype=np.int64) for v in lut]


def native(a: np.ndarray) -> np.ndarray:
    """C-contiguous, native byte order (a no-op for the arrays :func:`hea_studio.io.to_atoms` makes)."""
    a = np.asarray(a)
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    return np.ascontiguousarray(a)


def chunks(
    n: int, task: TaskState | None = None, span: Span = (0.0, 1.0), message: str | None = None
) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` row ranges covering ``n`` rows; checks cancellation and reports progress."""
    for start in range(0, n, CHUNK_ATOMS):
        check_cancelled(task)
        stop = min(n, start + CHUNK_ATOMS)
        yield start, stop
        if task is not None and span is not None:
            task.report(span[0] + (span[1] - span[0]) * stop / max(n, 1), message)


def bounds(
    positions: np.ndarray, task: TaskState | None = None, span: Span = (0.0, 1.0)
) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum corner (float64 (3,)) of ``positions`` (N, 3), N >= 1."""
    pos = native(positions)
    lo = np.full(3, np.inf)
    hi = np.full(3, -np.inf)
    for start, stop in chunks(len(pos), task, span, "measuring the specimen"):
        _kernels.bounds_chunk(pos, start, stop, lo, hi)
    return lo, hi


def bounds_within(
    positions: np.ndarray,
    window_lo: np.ndarray,
    window_hi: np.ndarray,
    task: TaskState | None = None,
    span: Span = (0.0, 1.0),
) -> tuple[np.ndarray, np.ndarray, int]:
    """Minimum and maximum corner of the rows inside the closed window, and how many rows lie
    outside it (only run when the density map found far stray ions, so the usual path is unchanged)."""
    pos = native(positions)
    lo = np.full(3, np.inf)
    hi = np.full(3, -np.inf)
    wlo = np.asarray(window_lo, dtype=np.float64)
    whi = np.asarray(window_hi, dtype=np.float64)
    outside = 0
    for start, stop in chunks(len(pos), task, span, "measuring the specimen"):
        outside += int(_kernels.bounds_window_chunk(pos, start, stop, wlo, whi, lo, hi))
    return lo, hi, outside


_NO_LABELS = np.zeros(0, dtype=np.int64)
_NO_WEIGHTS = np.zeros(0, dtype=np.int64)

RowWeights = tuple[np.ndarray, np.ndarray, int] | None
"""``(labels, weights, total)``: row ``a`` stands for ``weights[labels[a]]`` atoms, ``total`` in all (ion rows,
:meth:`~hea_studio.core.atoms.AtomSet.row_weights`); ``None``: every row is one atom."""


def density_grid(
    positions: np.ndarray,
    lo: np.ndarray,
    edge: float,
    shape: tuple[int, int, int],
    task: TaskState | None = None,
    span: Span = (0.0, 1.0),
    weights: RowWeights = None,
    window_hi: np.ndarray | None = None,
) -> np.ndarray:
    """Atoms per voxel (int64 ``shape``) of a grid of ``edge`` starting at ``lo``.

    Voxel ``min(floor((x - lo) / edge), shape - 1)`` per axis, for atoms at or above ``lo``.
    With ``window_hi``, only the atoms inside the closed window ``[lo, window_hi]`` are counted
    (the others are far stray ions left out of the specimen, see :func:`bounds_within`).
    """
    pos = native(positions)
    counts = np.zeros(shape, dtype=np.int64)
    lo = np.asarray(lo, dtype=np.float64)
    if window_hi is not None:
        hi = np.asarray(window_hi, dtype=np.float64)
        labels, w = (weights[0], weights[1]) if weights is not None else (_NO_LABELS, _NO_WEIGHTS)
        for start, stop in chunks(len(pos), task, span, "mapping the density"):
            _kernels.density_hist_window_chunk(
                pos, labels, w, weights is not None, start, stop, lo, hi, float(edge), counts
            )
        return counts
    for start, stop in chunks(len(pos), task, span, "mapping the density"):
        if weights is None:
            _kernels.density_hist_chunk(pos, start, stop, lo, float(edge), counts)
        else:
            _kernels.density_hist_weighted_chunk(
                pos, weights[0], weights[1], start, stop, lo, float(edge), counts
            )
    return counts


def box_species_counts(
    positions: np.ndarray,
    labels: np.ndarray,
    box: Box,
    n_species: int,
    task: TaskState | None = None,
    span: Span = (0.0, 1.0),
) -> np.ndarray:
    """Atoms per species label (int64 (n_species,)) inside the half-open ``box``."""
    pos = native(positions)
    lab = native(labels)
    counts = np.zeros(n_species, dtype=np.int64)
    lo = np.asarray(box.lo, dtype=np.float64)
    hi = np.asarray(box.hi, dtype=np.float64)
    for start, stop in chunks(len(pos), task, span, "selecting the sub-volume"):
        _kernels.box_species_chunk(pos, lab, lo, hi, start, stop, counts)
    return counts


def half_counts(
    positions: np.ndarray,
    labels: np.ndarray,
    lut: Luts,
    box: Box,
    K: int,
    task: TaskState | None = None,
    span: Span = (0.0, 1.0),
) -> np.ndarray:
    """(3, K) element atoms of ``box`` in its upper half along x, y and z."""
    pos = native(positions)
    lab = native(labels)
    out = np.zeros((3, K), dtype=np.int64)
    lo = np.asarray(box.lo, dtype=np.float64)
    hi = np.asarray(box.hi, dtype=np.float64)
    half = 0.5 * np.asarray(box.size, dtype=np.float64)
    luts = layers(lut)
    for start, stop in chunks(len(pos), task, span, "comparing the box's halves"):
        for one in luts:
            _kernels.half_counts_chunk(pos, lab, one, lo, hi, half, start, stop, out)
    return out


def species_counts(
    labels: np.ndarray, n_species: int, task: TaskState | None = None, span: Span = (0.0, 1.0)
) -> np.ndarray:
    """Atoms per species label (int64 (n_species,)), chunk by chunk."""
    lab = native(labels)
    counts = np.zeros(n_species, dtype=np.int64)
    for start, stop in chunks(len(lab), task, span, "counting species"):
        counts += np.bincount(lab[start:stop], minlength=n_species)[:n_species]
    return counts


def density_map(
    positions: np.ndarray,
    axes: tuple[int, int],
    lo: tuple[float, float],
    pixel: float,
    shape: tuple[int, int],
    task: TaskState | None = None,
    span: Span = (0.0, 1.0),
    weights: RowWeights = None,
) -> np.ndarray:
    """Atoms per pixel (float32 ``shape``) of a projection onto ``axes``, pixels of ``pixel`` nm
    from ``lo``; atoms beyond the last pixel (the upper edges) fall into it."""
    pos = native(positions)
    counts = np.zeros(shape, dtype=np.int64)
    origin = np.asarray(lo, dtype=np.float64)
    a, b = axes
    for start, stop in chunks(len(pos), task, span, "projecting"):
        if weights is None:
            _kernels.projection_chunk(pos, a, b, start, stop, origin, float(pixel), counts)
        else:
            lab, w, _total = weights
            _kernels.projection_weighted_chunk(pos, lab, w, a, b, start, stop, origin, float(pixel), counts)
    return counts.astype(np.float32)


def table_dtype(total: int) -> type:
    """Narrowest integer type that holds every entry of a summed-volume table over ``total`` atoms."""
    return np.int32 if total < 2**31 else np.int64


def voxel_table(
    positions: np.ndarray,
    labels: np.ndarray,
    lut: Luts,
    box: Box,
    g: float,
    shape: tuple[int, int, int],
    K: int,
    total: int,
    task: TaskState | None = None,
    span: Span = (0.0, 1.0),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Summed-volume table of the box's element atoms on voxels of edge ``g`` (one pass).

    Returns ``(P, face, face_lab)``: ``P`` (nx+1, ny+1, nz+1, K) in :func:`table_dtype` of
    ``total`` (the number of element atoms in the box), with the meaning of
    :func:`~hea_studio.compute.common._kernels.voxel_prefix`; ``face`` the row numbers (int64, few) of
    the atoms within rounding distance of a voxel face, left for per-edge binning, and
    ``face_lab`` (int64) their elements (a row appears once per atom it stands for).
    """
    pos = native(positions)
    lab = native(labels)
    nx, ny, nz = shape
    P: np.ndarray = np.zeros((nx + 1, ny + 1, nz + 1, K), dtype=table_dtype(total))
    flat = P.reshape(-1)
    lo = np.asarray(box.lo, dtype=np.float64)
    hi = np.asarray(box.hi, dtype=np.float64)
    size = min(CHUNK_ATOMS, len(pos))
    slab = np.empty(size, dtype=np.int32)
    code = np.empty(size, dtype=np.int32)
    face_buf = np.empty(size, dtype=np.int64)
    fill = np.zeros(nx + 1, dtype=np.int64)
    dims = np.array([nx, ny, nz, K], dtype=np.int64)
    faces: list[np.ndarray] = []
    face_labs: list[np.ndarray] = []
    luts = layers(lut)
    part = None if span is None else (span[0], span[0] + 0.85 * (span[1] - span[0]))
    for start, stop in chunks(len(pos), task, part, "binning atoms into voxels"):
        for one in luts:
            n_face = _kernels.voxel_fill_chunk(
                pos, lab, one, lo, hi, float(g), dims, start, stop, flat, face_buf, slab, code, fill
            )
            if n_face:
                rows = face_buf[:n_face].copy()
                faces.append(rows)
                face_labs.append(one[lab[rows]])
    check_cancelled(task)
    _kernels.prefix_sums(P)
    if task is not None and span is not None:
        task.report(span[1], "voxel table ready")
    face = np.concatenate(faces) if faces else np.zeros(0, dtype=np.int64)
    face_lab = np.concatenate(face_labs) if face_labs else np.zeros(0, dtype=np.int64)
    return P, face, face_lab


def compact_selection(
    positions: np.ndarray,
    labels: np.ndarray,
    lut: Luts,
    box: Box,
    width: float,
    total: int | None,
    task: TaskState | None = None,
    span: Span = (0.0, 1.0),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The box's element atoms in their stored precision, grouped by x slabs of ``width``.

    ``total``: the number of them the caller counted (checked), ``None`` when it did not.

    Returns ``(pos, lab, starts)``: positions (total, 3) in the dataset's dtype, element indices
    uint8, and the (nb + 1,) offsets of each slab's atoms. Two passes (count, then place), each in
    chunks: 13 bytes per selected float32 atom and nothing per dataset atom.
    """
    src = native(positions)
    lab_src = native(labels)
    lo = np.asarray(box.lo, dtype=np.float64)
    hi = np.asarray(box.hi, dtype=np.float64)
    nb = int(max(1, min(1 << 16, np.ceil(box.size[0] / width))))
    bucket = np.empty(min(CHUNK_ATOMS, len(src)), dtype=np.int32)
    sizes = np.zeros(nb, dtype=np.int64)
    first, second = halves(span)
    luts = layers(lut)
    for start, stop in chunks(len(src), task, first, "selecting the sub-volume's atoms"):
        part = bucket[: stop - start]
        for one in luts:
            _kernels.bucket_chunk(src, lab_src, one, lo, hi, float(width), nb, start, stop, part)
            sizes += np.bincount(part[part >= 0], minlength=nb)
    starts = np.zeros(nb + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    n = int(starts[-1])
    if total is not None and n != total:  # pragma: no cover - the species pass applies the same test
        raise RuntimeError(f"selection holds {n} atoms, expected {total}")
    out_pos = np.empty((n, 3), dtype=src.dtype)
    top = max(int(one.max(initial=0)) for one in luts)
    out_lab = np.empty(n, dtype=np.uint8 if top < 256 else np.int32)
    fill = starts[:-1].copy()
    for start, stop in chunks(len(src), task, second, "selecting the sub-volume's atoms"):
        part = bucket[: stop - start]
        for one in luts:
            _kernels.bucket_chunk(src, lab_src, one, lo, hi, float(width), nb, start, stop, part)
            _kernels.gather_buckets(src, lab_src, one, start, part, fill, out_pos, out_lab)
    return out_pos, out_lab, starts
