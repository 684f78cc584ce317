"""Partial radial distribution functions normalised by the label-shuffled data.

``g_ab(r)`` is the number of ``b`` ions in the shell ``[r, r + dr)`` around ``a`` ions divided by the
same count after shuffling all labels among the ions. Dividing by the shuffled count instead of by
``4 pi r^2 dr rho_b`` removes the specimen's edges and density variations (they are in both counts):
a random solution gives 1 at every r.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hea_studio.compute.neighbours.sampling import rows_of, shuffled_rows
from hea_studio.core.errors import InputError
from hea_studio.core.progress import TaskState, check_cancelled

MAX_CENTRES = 50_000


@dataclass(frozen=True, eq=False)
class PartialRDF:
    """``g_ab(r)`` with its counting error (nm)."""

    source: str
    target: str
    edges: np.ndarray
    g: np.ndarray
    error: np.ndarray

    def to_json(self) -> dict:
        """``hea-studio/rdf/1``."""
        c = 0.5 * (self.edges[1:] + self.edges[:-1])
        return {
            "schema": "hea-studio/rdf/1",
            "from": self.source,
            "to": self.target,
            "bins": [
                {"r_nm": float(r), "g": float(g), "error": float(e)} for r, g, e in zip(c, self.g, self.error)
            ],
        }

    def to_csv(self) -> str:
        """r_nm,g,error per bin."""
        c = 0.5 * (self.edges[1:] + self.edges[:-1])
        return "r_nm,g,error\n" + "".join(
            f"{r:.6g},{g:.6g},{e:.6g}\n" for r, g, e in zip(c, self.g, self.error)
        )


def _shell_counts(positions, rows_a, rows_b, edges, rng):
    from scipy.spatial import cKDTree

    if len(rows_a) > MAX_CENTRES:
        rows_a = np.sort(rng.choice(rows_a, MAX_CENTRES, replace=False))
    ta = cKDTree(np.asarray(positions[rows_a], dtype=np.float64))
    tb = cKDTree(np.asarray(positions[rows_b], dtype=np.float64))
    cum = ta.count_neighbors(tb, edges).astype(np.float64)
    return np.diff(cum), len(rows_a)


def partial_rdf(
    positions: np.ndarray,
    labels: np.ndarray,
    names: tuple[str, ...],
    source: str,
    target: str,
    rmax: float = 3.0,
    dr: float = 0.05,
    seed: int = 0,
    task: TaskState | None = None,
) -> PartialRDF:
    """Partial RDF of ``target`` around ``source`` up to ``rmax`` in bins of ``dr`` (nm)."""
    for s in (source, target):
        if s not in names:
            raise InputError(f"species {s!r} is not in the ranged data (species: {', '.join(names)})")
    if not (rmax > 0 and dr > 0 and dr < rmax):
        raise InputError(f"need 0 < dr < rmax, got dr={dr} rmax={rmax}")
    rng = np.random.default_rng(seed)
    same = source == target
    ra = rows_of(labels, np.array([n == source for n in names]), task)
    rb = ra if same else rows_of(labels, np.array([n == target for n in names]), task)
    edges = np.arange(0.0, rmax + dr / 2, dr)
    check_cancelled(task)
    meas, na = _shell_counts(positions, ra, rb, edges, rng)
    sa, sb = shuffled_rows(labels.shape[0], len(ra), len(rb), same, rng)
    check_cancelled(task)
    ref, nsa = _shell_counts(positions, sa, sb, edges, rng)
    if same:
        meas[0] -= na  # the zero-distance self pairs
        ref[0] -= nsa
    meas /= na
    ref /= nsa
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(ref > 0, meas / ref, np.nan)
        err = np.where(
            ref > 0, g * np.sqrt(1.0 / np.maximum(meas * na, 1) + 1.0 / np.maximum(ref * nsa, 1)), np.nan
        )
    return PartialRDF(source, target, edges, g, err)
