"""Entropy versus cube edge per formula unit and per site of a compound (science.md 8).

Every kept cube's atoms are split by sublattice (an element split over two sublattices counts with
its share on each), S_s(cube) is the entropy of the fractions on sublattice s, and
S_fu(cube) = sum_s m_s S_s(cube); per site is S_fu / sum_s m_s. The random-mixing reference is
computed per sublattice from that sublattice's own counts and bulk composition (the binomial
reference of science.md 4 with n the atoms on s, or ion draws when a molecular ion carries two of
its atoms) and summed with the same weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hea_studio.compute.lac.entropy import classify, mixing_entropy, mixing_site_entropy, to_joules
from hea_studio.compute.reference.atoms import NullEntropyTable
from hea_studio.compute.reference.ions import IonNullTable
from hea_studio.core.errors import InputError
from hea_studio.core.results import json_ready
from hea_studio.core.sublattices import Sublattice, check_sublattices, mixing_sublattices


@dataclass(frozen=True, eq=False)
class SublatticePlan:
    """Sublattices over the entropy elements of one analysis.

    Parameters
    ----------
    sublattices
        The sublattices (checked: no ambiguous element).
    weights
        (S, K) share of entropy element k's atoms on sublattice s.
    multiplicity
        (S,) sites per formula unit.
    elements
        The entropy elements, in the order of the columns of ``weights``.
    """

    sublattices: tuple[Sublattice, ...]
    weights: np.ndarray
    multiplicity: np.ndarray
    elements: tuple[str, ...]

    @classmethod
    def build(cls, sublattices: Sequence[Sublattice], elements: Sequence[str]) -> SublatticePlan:
        """Plan for ``elements`` (the analysis' entropy elements, which must cover the sublattices)."""
        check_sublattices(sublattices)
        col = {e: k for k, e in enumerate(elements)}
        missing = sorted({e for s in sublattices for e in s.elements if e not in col})
        if missing:
            raise InputError(
                f"sublattice element(s) {', '.join(missing)} are not in the analysed data "
                f"(entropy elements {', '.join(elements)})"
            )
        W = np.zeros((len(sublattices), len(elements)))
        for i, s in enumerate(sublattices):
            for e, share in zip(s.elements, s.shares):
                W[i, col[e]] = share
        return cls(
            tuple(sublattices),
            W,
            np.array([s.multiplicity for s in sublattices], dtype=np.float64),
            tuple(elements),
        )

    @property
    def sites(self) -> float:
        """Sites per formula unit, sum_s m_s."""
        return float(self.multiplicity.sum())

    def amounts(self, counts: np.ndarray) -> np.ndarray:
        """(C, S, K) atoms of each element on each sublattice, per cube."""
        return np.asarray(counts, dtype=np.float64)[:, None, :] * self.weights[None, :, :]

    def entropies(self, counts: np.ndarray) -> np.ndarray:
        """(C, S) entropy (units of R) of every sublattice in every cube; 0 on an empty sublattice."""
        a = self.amounts(counts)
        n = a.sum(axis=2, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(n > 0, a / n, 0.0)
            terms = np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0)), 0.0)
        return -terms.sum(axis=2) + 0.0


@dataclass(frozen=True, eq=False)
class SublatticeScale:
    """One edge of the sublattice curve.

    ``S_fu_*`` per formula unit, ``per_sublattice[name]`` with S_mean, S_sem, S_null, deficit;
    ``cube_fu`` the per-cube S_fu (for the SUME bootstrap).
    """

    size_nm: float
    n_cubes: int
    S_fu_mean: float | None
    S_fu_std: float | None
    S_fu_sem: float | None
    S_fu_null: float | None
    sites: float
    per_sublattice: dict[str, dict[str, float | None]]
    cube_fu: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    @property
    def deficit_fu(self) -> float | None:
        if self.S_fu_mean is None or self.S_fu_null is None:
            return None
        return self.S_fu_null - self.S_fu_mean

    def to_json(self) -> dict[str, Any]:
        def site(v):
            return None if v is None else v / self.sites

        return json_ready(
            {
                "size_nm": self.size_nm,
                "n_cubes": self.n_cubes,
                "S_fu_mean": self.S_fu_mean,
                "S_fu_std": self.S_fu_std,
                "S_fu_sem": self.S_fu_sem,
                "S_fu_null": self.S_fu_null,
                "deficit_fu": self.deficit_fu,
                "S_site_mean": site(self.S_fu_mean),
                "S_site_sem": site(self.S_fu_sem),
                "S_site_null": site(self.S_fu_null),
                "deficit_site": site(self.deficit_fu),
                "per_sublattice": self.per_sublattice,
            }
        )


class SublatticeReference:
    """Per-sublattice random-mixing references built from the bulk of the analysed volume.

    A sublattice is drawn atom by atom (binomial) unless some molecular ion carries two or more of
    its atoms (Cr2O on a cation sublattice): then its ions are the draws (science.md 4), counted
    per cube among the ions holding atoms of that sublattice. Split elements (a share below 1) have
    no whole number of atoms per ion; such sublattices keep the atom-level reference.

    Parameters
    ----------
    plan
        The sublattices over the entropy elements.
    bulk_counts
        (K,) atoms per entropy element in the volume.
    ion_types, ion_type_counts
        The ROI's ion types over the entropy elements ((T, K)) and their numbers, when molecular
        ions were decomposed (:attr:`PreparedRoi.ion_level`).
    """

    def __init__(
        self,
        plan: SublatticePlan,
        bulk_counts: np.ndarray,
        ion_types: np.ndarray | None = None,
        ion_type_counts: np.ndarray | None = None,
    ) -> None:
        self.plan = plan
        bulk = plan.amounts(np.asarray(bulk_counts)[None, :])[0]  # (S, K)
        self.tables: list[NullEntropyTable | IonNullTable | None] = []
        # Per sublattice on ion draws: the ion types (columns of the per-type counts) that hold its atoms.
        self.ion_columns: list[np.ndarray | None] = []
        for s in range(len(plan.sublattices)):
            cols = np.flatnonzero(plan.weights[s] > 0)
            p = bulk[s][cols]
            whole = np.all(plan.weights[s][cols] == 1.0)
            table: NullEntropyTable | IonNullTable | None = None
            columns = None
            if p.size > 1 and p.sum() > 0:
                table = NullEntropyTable(p)
                if ion_types is not None and ion_type_counts is not None and whole:
                    on_s = np.asarray(ion_types)[:, cols]
                    if on_s.sum(axis=1).max() > 1:
                        holds = np.flatnonzero(on_s.sum(axis=1) > 0)
                        table = IonNullTable(on_s[holds], np.asarray(ion_type_counts)[holds], 1)
                        columns = holds
            self.tables.append(table)
            self.ion_columns.append(columns)

    @property
    def ion_level(self) -> list[bool]:
        """Per sublattice: True when its reference draws ions."""
        return [c is not None for c in self.ion_columns]

    def per_cube(self, counts: np.ndarray, ion_types: np.ndarray | None = None) -> np.ndarray:
        """(C, S) E[S_hat] of each sublattice for each cube's atom (or ion) count on it."""
        n = np.rint(self.plan.amounts(counts).sum(axis=2)).astype(np.int64)
        out = np.zeros(n.shape)
        for s, table in enumerate(self.tables):
            if table is None:
                continue
            columns = self.ion_columns[s]
            if columns is not None and ion_types is not None:
                m = np.asarray(ion_types)[:, columns].sum(axis=1)
                occupied = m > 0
                out[occupied, s] = table(m[occupied])
            else:
                out[:, s] = table(n[:, s])
        return out


def sublattice_scale(
    plan: SublatticePlan,
    reference: SublatticeReference,
    kept_counts: np.ndarray,
    size_nm: float,
    kept_ion_types: np.ndarray | None = None,
) -> SublatticeScale:
    """Statistics of one edge over the cubes already kept by the main curve (same cubes)."""
    names = [s.name for s in plan.sublattices]
    C = int(kept_counts.shape[0])
    if C == 0:
        empty: dict[str, dict[str, float | None]] = {
            n: {"S_mean": None, "S_sem": None, "S_null": None, "deficit": None} for n in names
        }
        return SublatticeScale(size_nm, 0, None, None, None, None, plan.sites, empty)
    S = plan.entropies(kept_counts)
    null = reference.per_cube(kept_counts, kept_ion_types)
    fu = S @ plan.multiplicity
    fu_null = null @ plan.multiplicity
    std = float(fu.std(ddof=1)) if C > 1 else None
    per: dict[str, dict[str, float | None]] = {}
    for s, name in enumerate(names):
        sem = float(S[:, s].std(ddof=1) / np.sqrt(C)) if C > 1 else None
        per[name] = {
            "S_mean": float(S[:, s].mean()),
            "S_sem": sem,
            "S_null": float(null[:, s].mean()),
            "deficit": float(null[:, s].mean() - S[:, s].mean()),
        }
    return SublatticeScale(
        size_nm=float(size_nm),
        n_cubes=C,
        S_fu_mean=float(fu.mean()),
        S_fu_std=std,
        S_fu_sem=std / float(np.sqrt(C)) if std is not None else None,
        S_fu_null=float(fu_null.mean()),
        sites=plan.sites,
        per_sublattice=per,
        cube_fu=fu,
    )


def sublattice_bulk(plan: SublatticePlan, bulk_counts: np.ndarray) -> dict[str, Any]:
    """Bulk entropy per sublattice, per formula unit and per site, and the class (science.md 2)."""
    amounts = plan.amounts(np.asarray(bulk_counts)[None, :])[0]
    col = {e: k for k, e in enumerate(plan.elements)}
    per: dict[str, Any] = {}
    values = np.zeros(len(plan.sublattices))
    for s, sub in enumerate(plan.sublattices):
        # In the sublattice's own element order (the columns follow the analysed elements).
        a = amounts[s][[col[e] for e in sub.elements]]
        values[s] = mixing_entropy(a) if a.sum() > 0 else 0.0
        total = a.sum()
        per[sub.name] = {
            "S_R": float(values[s]),
            "fractions": {e: float(v / total) if total > 0 else 0.0 for e, v in zip(sub.elements, a)},
        }
    S_fu = float(values @ plan.multiplicity)
    S_mix = mixing_site_entropy(
        plan.sublattices, {sub.name: float(v) for sub, v in zip(plan.sublattices, values)}
    )
    return {
        "S_fu_R": S_fu,
        "S_fu_J_per_molK": to_joules(S_fu),
        "S_site_R": S_fu / plan.sites,
        "S_mixing_R": S_mix,
        "class": classify(S_mix),
        "class_basis": "mixing sublattice(s): "
        + ", ".join(s.name for s in mixing_sublattices(plan.sublattices)),
        "per_sublattice": per,
    }
