"""What the 3D view draws of a large dataset: a random sample, the bounds, the species counts.

Built on the worker thread in chunked passes, so that showing a 10^8-atom dataset costs the GUI
thread only the upload of the sample (at most :data:`SAMPLE_MAX` atoms). The sample is a fixed
random order of distinct atoms, drawn without building a permutation of all atoms: taking its
first N keeps the picture stable when species are toggled or the budget changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hea_studio.compute.common import scan
from hea_studio.core.atoms import AtomSet
from hea_studio.core.progress import TaskState

SAMPLE_MAX = 2_000_000
"""Most atoms the view may ever draw (the hardware-renderer budget)."""

SEED = 12345


@dataclass(frozen=True, eq=False)
class DisplaySample:
    """A random sample of a dataset's atoms for drawing.

    Parameters
    ----------
    positions
        (k, 3) float32 positions of the sampled atoms, in random order.
    labels
        (k,) species labels of the sampled atoms.
    lo, hi
        (3,) float64 corners of all atoms (for the camera).
    species_counts
        (n_species,) atoms per species in the whole dataset.
    """

    positions: np.ndarray
    labels: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    species_counts: np.ndarray

    @property
    def n_atoms(self) -> int:
        """Atoms of the whole dataset."""
        return int(self.species_counts.sum())


def sample_indices(n: int, k: int, seed: int = SEED) -> np.ndarray:
    """``min(n, k)`` distinct indices below ``n`` in random order, in O(k) memory and time.

    Small ``n`` is permuted outright; otherwise ``[0, n)`` is cut into ``k`` equal strata and one
    index is drawn uniformly in each (distinct by construction, spread over the whole file, no
    sort and no array of ``n`` entries), then the ``k`` indices are shuffled.
    """
    rng = np.random.default_rng(seed)
    k = min(int(n), int(k))
    if n <= 4 * k:
        return rng.permutation(n)[:k]
    edges = (np.arange(k + 1, dtype=np.float64) * (n / k)).astype(np.int64)
    width = np.maximum(edges[1:] - edges[:-1], 1)
    picked = edges[:-1] + (rng.random(k) * width).astype(np.int64)
    return picked[rng.permutation(k)]


GATHER = 1 << 18
"""Rows per gather step: each numpy call stays short, so the GUI thread gets the GIL between them."""


def build_display_sample(
    positions: np.ndarray,
    labels: np.ndarray,
    n_species: int,
    size: int = SAMPLE_MAX,
    seed: int = SEED,
    task: TaskState | None = None,
    span: tuple[float, float] | None = None,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
    species_counts: np.ndarray | None = None,
) -> DisplaySample:
    """The :class:`DisplaySample` of ``positions``/``labels``: bounds and counts in chunked passes,
    then a gather of the sampled rows in short steps.
    ``bounds`` and ``species_counts``, when already known, save their passes."""
    pos = scan.native(positions)
    lab = scan.native(labels)
    first, second = scan.halves(span)
    if bounds is None:
        lo, hi = scan.bounds(pos, task, first) if len(pos) else (np.zeros(3), np.zeros(3))
    else:
        lo, hi = (np.asarray(v, dtype=np.float64) for v in bounds)
    if species_counts is None:
        counts = scan.species_counts(lab, n_species, task, second)
    else:
        counts = np.asarray(species_counts, dtype=np.int64)
    idx = sample_indices(len(pos), size, seed)
    out_pos = np.empty((idx.size, 3), dtype=np.float32)
    out_lab = np.empty(idx.size, dtype=lab.dtype)
    for start in range(0, idx.size, GATHER):
        part = idx[start : start + GATHER]
        out_pos[start : start + part.size] = pos[part]
        out_lab[start : start + part.size] = lab[part]
    return DisplaySample(out_pos, out_lab, lo, hi, counts)


def atoms_display_sample(
    atoms: AtomSet,
    size: int = SAMPLE_MAX,
    seed: int = SEED,
    task: TaskState | None = None,
    span: tuple[float, float] | None = None,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
) -> DisplaySample:
    """The :class:`DisplaySample` of an :class:`~hea_studio.core.atoms.AtomSet`, labelled by element.

    When the rows are ions standing for their atoms (``atoms.rows``), rows are sampled and each
    sampled ion is drawn as its atoms, all at its position (as a per-atom decomposition would draw
    them), up to ``size`` atoms.
    """
    counts = np.array([atoms.counts()[n] for n in atoms.names], dtype=np.int64)
    if atoms.rows is None:
        return build_display_sample(
            atoms.positions, atoms.labels, len(atoms.names), size, seed, task, span, bounds, counts
        )
    rows = build_display_sample(
        atoms.positions, atoms.labels, atoms.n_labels, size, seed, task, span, bounds,
        atoms.label_counts(),
    )  # fmt: skip
    members = atoms.rows.members[np.asarray(rows.labels, dtype=np.int64)]
    present = members >= 0
    positions = np.repeat(rows.positions, present.sum(axis=1), axis=0)[:size]
    labels = members[present].astype(np.uint8 if len(atoms.names) <= 256 else np.int32)[:size]
    return DisplaySample(np.ascontiguousarray(positions), labels, rows.lo, rows.hi, counts)
