"""Results of the entropy engine, as plain dataclasses with a JSON form (shared docs/cli.md).

Entropies are in units of R and positive (the paper prints them negative). Undefined numbers (a
standard deviation over one cube, a p-value without degrees of freedom) are ``None`` here and
``null`` in JSON: :func:`json_ready` turns any NaN or infinity that slipped through into ``null`` as
well, so the JSON never holds NaN.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SCHEMA = "hea-studio/analysis/3"


# An edge is "undersampled" (shown hollow) when fewer than this share of its occupied cubes survive min_atoms.
MIN_KEPT_SHARE = 0.5
# ... and enters the SUME fits only if it holds at least this many cubes (science.md 5).
MIN_FIT_CUBES = 8
# The SUME fits also need the edge's cubes to represent the box: the mean atom count of its occupied
# cubes must reach this multiple of min_atoms. A share rule ("90 % of occupied cubes reach min_atoms")
# or a percentile of the integer counts sits on a noisy, discrete statistic and flipped when the box
# moved by 1 % (round 3: 89.6 % vs 90.3 % at 0.75 nm); the mean over thousands of cubes moves by
# ~0.1 % instead, and at twice min_atoms a Poisson count falls short of min_atoms in < 1 % of cubes,
# so the kept cubes are not a dense selection either.
FIT_MEAN_FACTOR = 2.0
# Fallback for results written before the mean was stored (schema 2): the old share rule.
FIT_KEPT_SHARE = 0.9

R_J_PER_MOLK = 8.314462618
"""The gas constant (J mol⁻¹ K⁻¹): entropies in units of R times this are J mol⁻¹ K⁻¹."""


def json_ready(value: Any) -> Any:
    """Convert ``value`` to JSON-serialisable built-ins; non-finite floats become ``None``."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_ready(v) for v in value.tolist()]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    return value


@dataclass(frozen=True)
class BulkResult:
    """Composition and entropy of the whole ROI over the entropy elements.

    Parameters
    ----------
    counts, fractions
        Atoms and atomic fraction per entropy element.
    S_R, S_J_per_molK
        Entropy of mixing in units of R and in J mol^-1 K^-1.
    cls
        ``"low"``, ``"medium"`` or ``"high"``.
    S_ideal_R
        R ln N for the N entropy elements (the equimolar maximum).
    """

    counts: dict[str, int]
    fractions: dict[str, float]
    S_R: float
    S_J_per_molK: float
    cls: str
    S_ideal_R: float

    def to_json(self) -> dict[str, Any]:
        """The ``bulk`` object of the analysis JSON."""
        return json_ready(
            {
                "counts": self.counts,
                "fractions": self.fractions,
                "S_R": self.S_R,
                "S_J_per_molK": self.S_J_per_molK,
                "class": self.cls,
                "S_ideal_R": self.S_ideal_R,
            }
        )


@dataclass(frozen=True, eq=False)
class ScaleResult:
    """Everything computed at one cube edge (one entry of the JSON ``curve``).

    Parameters
    ----------
    index
        Position of this edge in the analysed list (0-based).
    size_nm
        Cube edge L in nm.
    n_cubes
        Cubes kept (fully inside the ROI and holding at least ``min_atoms`` atoms).
    mean_atoms
        Mean atoms of the entropy elements per kept cube.
    S_mean, S_std, S_sem
        Mean, sample standard deviation and standard error of S over the kept cubes (units of R).
    S_null
        Mean over the same cubes of the random-mixing expectation E[S_hat](n) (science.md 4).
    deficit
        ``S_null - S_mean``.
    conc_mean, conc_std
        Mean and sample standard deviation over the cubes of each element's fraction.
    pearson_mu, chi2_p, chi2, chi2_dof
        Frequency distribution analysis per element (science.md 6).
    fraction_done
        Progress after this edge, in [0, 1].
    n_occupied
        Cubes holding at least one atom before the ``min_atoms`` cut; ``n_cubes / n_occupied`` is the
        share of cubes that survived it (see :attr:`undersampled`).
    occupied_mean_atoms
        Mean atoms (entropy elements) per occupied cube, before the ``min_atoms`` cut.
    min_atoms
        The cut the curve used (0: unknown, e.g. a schema-2 file).
    cube_entropy, cube_n
        Per-cube entropies and atom counts (kept for the bootstrap; not written to JSON).
    fda_hist
        Per element, the cubes holding each count of its atoms, observed and expected under random
        mixing (the frequency distribution the window plots; not written to JSON).
    """

    index: int
    size_nm: float
    n_cubes: int
    mean_atoms: float | None
    S_mean: float | None
    S_std: float | None
    S_sem: float | None
    S_null: float | None
    deficit: float | None
    conc_mean: dict[str, float | None]
    conc_std: dict[str, float | None]
    pearson_mu: dict[str, float | None]
    chi2_p: dict[str, float | None]
    chi2: dict[str, float | None] = field(default_factory=dict)
    chi2_dof: dict[str, int] = field(default_factory=dict)
    fraction_done: float = 1.0
    n_occupied: int = 0
    occupied_mean_atoms: float | None = None
    min_atoms: int = 0
    cube_entropy: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    cube_n: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64), repr=False)
    fda_hist: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)

    @property
    def undersampled(self) -> bool:
        """True when fewer than half of the occupied cubes hold ``min_atoms`` atoms.

        The surviving cubes are then a selection of the densest places, not a sample of the
        material, so the edge is shown but left out of the SUME fits.
        """
        if self.n_occupied <= 0:
            return self.n_cubes == 0
        return self.n_cubes < MIN_KEPT_SHARE * self.n_occupied

    @property
    def in_fit(self) -> bool:
        """True when the edge enters the SUME fits (science.md 5).

        It needs at least 8 cubes, and its occupied cubes must hold on average at least
        :data:`FIT_MEAN_FACTOR` x ``min_atoms`` atoms (a smooth statistic: the choice does not flip
        when the box moves by 1 %). Without the mean (older files) the old share rule decides.
        """
        if self.n_cubes < MIN_FIT_CUBES or self.S_mean is None:
            return False
        if self.occupied_mean_atoms is not None and self.min_atoms > 0:
            return self.occupied_mean_atoms >= FIT_MEAN_FACTOR * self.min_atoms
        return self.n_occupied <= 0 or self.n_cubes >= FIT_KEPT_SHARE * self.n_occupied

    def to_json(self) -> dict[str, Any]:
        """One entry of the JSON ``curve`` list."""
        return json_ready(
            {
                "size_nm": self.size_nm,
                "n_cubes": self.n_cubes,
                "n_occupied": self.n_occupied,
                "in_fit": self.in_fit,
                "occupied_mean_atoms": self.occupied_mean_atoms,
                "undersampled": self.undersampled,
                "mean_atoms": self.mean_atoms,
                "S_mean": self.S_mean,
                "S_std": self.S_std,
                "S_sem": self.S_sem,
                "S_null": self.S_null,
                "deficit": self.deficit,
                "conc_mean": self.conc_mean,
                "conc_std": self.conc_std,
                "pearson_mu": self.pearson_mu,
                "chi2_p": self.chi2_p,
                "chi2": self.chi2,
                "chi2_dof": self.chi2_dof,
            }
        )


@dataclass(frozen=True)
class Line:
    """A fitted straight line ``S = slope * L + intercept`` over ``[l_min, l_max]`` nm."""

    slope: float
    intercept: float
    l_min: float
    l_max: float

    def __call__(self, L):
        return self.slope * np.asarray(L, dtype=float) + self.intercept

    def to_json(self) -> dict[str, Any]:
        return json_ready(
            {"slope": self.slope, "intercept": self.intercept, "l_min": self.l_min, "l_max": self.l_max}
        )


SUME_METHODS = ("hinge-bulk", "hinge-deficit", "tangent-free")


@dataclass(frozen=True)
class SumeResult:
    """One SUME estimate (science.md 5), expressed in several units.

    Parameters
    ----------
    edge_nm
        The breakpoint L*: where the descending branch meets the bulk branch; ``None`` when only a
        bound is known (``at_least_nm`` / ``at_most_nm``).
    ci95_nm
        The 95 % sampling interval (replicates that resample cubes and shift the tiling origin, all
        fitted edges), widened to at least the resolution; ``None`` without replicates. A one-sided
        result has ``(at_least_nm, None)`` or ``(0, at_most_nm)``: never a zero-width interval.
    volume_nm3, unit_cells, atoms, detected_atoms
        ``L^3``; ``volume / cell volume``; ``cells * atoms per cell``; mean detected atoms of the
        entropy elements in a cube of that edge (ROI density times volume), for L = ``edge_nm`` or,
        for a bound, the bound. Cells and atoms are ``None`` without a lattice.
    descending, bulk
        The two branches. For the hinge methods ``descending`` runs from the smallest fitted edge to
        L* with slope b and ``bulk`` is flat from L* on; for ``hinge-deficit`` they describe the
        deficit curve D(L), not S(L). ``breakpoint_nm`` is the first fitted edge at or above L*.
    n_boot_valid
        Replicates that gave a breakpoint inside the fitted range.
    method
        ``"hinge-deficit"`` (the material's SUME), ``"hinge-bulk"`` (apparent SUME) or
        ``"tangent-free"`` (the paper's two free tangents).
    below_range
        No chemistry resolved at any fitted edge (``hinge-deficit``): random down to ``at_most_nm``.
    slope_ci95
        95 % interval of the hinge slope b over the replicates (hinge methods).
    at_least_nm, at_most_nm
        One-sided bounds at the ends of the fitted range (``edge_nm`` is then ``None``).
    edge_sensitivity_nm
        2.5-97.5 % range of L* over fits to random 75 % subsets of the fitted edges.
    resolution_nm
        How finely the edge list resolves L*: 0.6 x the spacing of the fitted edges around L*.
    fit_edge_nm
        The fitted L* itself, kept for drawing the branches even when only a bound is reported.
    """

    edge_nm: float | None
    ci95_nm: tuple[float | None, float | None] | None
    volume_nm3: float
    unit_cells: float | None
    atoms: float | None
    detected_atoms: float
    descending: Line
    bulk: Line
    breakpoint_nm: float
    n_boot_valid: int = 0
    method: str = "hinge-deficit"
    below_range: bool = False
    slope_ci95: tuple[float, float] | None = None
    at_least_nm: float | None = None
    at_most_nm: float | None = None
    edge_sensitivity_nm: tuple[float, float] | None = None
    resolution_nm: float | None = None
    fit_edge_nm: float | None = None

    @property
    def one_sided(self) -> bool:
        """True when only a bound is known (range end or below range)."""
        return self.edge_nm is None

    @property
    def location_nm(self) -> float:
        """Where to draw this SUME: the edge, else the bound."""
        for v in (self.edge_nm, self.at_least_nm, self.at_most_nm, self.fit_edge_nm):
            if v is not None:
                return float(v)
        return float(self.breakpoint_nm)

    def to_json(self) -> dict[str, Any]:
        return json_ready(
            {
                "method": self.method,
                "edge_nm": self.edge_nm,
                "at_least_nm": self.at_least_nm,
                "at_most_nm": self.at_most_nm,
                "below_range": self.below_range,
                "ci95_nm": list(self.ci95_nm) if self.ci95_nm is not None else None,
                "edge_sensitivity_nm": (
                    list(self.edge_sensitivity_nm) if self.edge_sensitivity_nm is not None else None
                ),
                "resolution_nm": self.resolution_nm,
                "fit_edge_nm": self.fit_edge_nm,
                "volume_nm3": self.volume_nm3,
                "unit_cells": self.unit_cells,
                "atoms": self.atoms,
                "detected_atoms": self.detected_atoms,
                "breakpoint_nm": self.breakpoint_nm,
                "descending_line": self.descending.to_json(),
                "bulk_line": self.bulk.to_json(),
                "slope_ci95": list(self.slope_ci95) if self.slope_ci95 is not None else None,
                "n_boot_valid": self.n_boot_valid,
            }
        )


@dataclass(frozen=True)
class AnalysisWarning:
    """A reason not to trust a result as it stands (science.md 5), with a stable ``code``.

    Codes: ``sume_at_range_edge``, ``few_cubes``, ``not_levelled``, ``mixed_phases``,
    ``box_outside_specimen``, ``far_ions``. ``applies_to`` names the SUME(s) it concerns (JSON keys such as
    ``"sume"``, ``"sume_apparent"``, ``"sume_variants.tangent-free"``), or ``("all",)``.
    """

    code: str
    message: str
    applies_to: tuple[str, ...] = ("all",)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "applies_to": list(self.applies_to)}


@dataclass(frozen=True)
class NullSumeResult:
    """Null-corrected SUME: the smallest edge from which the deficit stays insignificant.

    ``edge_nm`` is ``None`` (with ``reason``) when the deficit is significant even at the largest edge.
    """

    edge_nm: float | None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"edge_nm": self.edge_nm}
        if self.reason:
            out["reason"] = self.reason
        return json_ready(out)


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    """A complete entropy-versus-scale analysis of one ROI (shared docs/cli.md, ``analyze --json``).

    ``sume`` is the headline SUME: the deficit hinge (``hinge-deficit``) unless the settings chose
    another method; ``sume_apparent`` is the hinge on S(L) (``hinge-bulk``, counting noise included)
    and ``sume_chemical`` the deficit hinge again (the schema-2 name, kept for one version). ``sume``
    is ``None`` with ``sume_reason`` set when the curve is too short to fit. ``elements_note`` says why the default entropy elements
    are a compound's cations (``None`` otherwise).
    """

    elements: tuple[str, ...]
    roi_nm: tuple[float, float, float, float, float, float]
    mode: str
    min_atoms: int
    bulk: BulkResult
    curve: tuple[ScaleResult, ...]
    sume: SumeResult | None
    sume_reason: str | None
    sume_null: NullSumeResult
    timing_s: dict[str, float]
    roi_atoms: int = 0
    lattice: str | None = None
    bootstrap: int = 0
    seed: int = 0
    elements_note: str | None = None
    sublattices: dict[str, Any] | None = None
    sume_chemical: SumeResult | None = None
    sume_chemical_reason: str | None = None
    sume_variants: dict[str, SumeResult] = field(default_factory=dict)
    sume_apparent: SumeResult | None = None
    sume_apparent_reason: str | None = None
    warnings: tuple[AnalysisWarning, ...] = ()
    grid_shifts: int = 1
    # A sphere or cylinder ROI (``roi_nm`` is then its bounding box): its ``to_dict()``.
    roi_shape: dict[str, Any] | None = None
    # The formula-unit curve as an analysis of its own (for plotting it like the main curve); its
    # numbers are in the JSON ``sublattices`` block, so it is not written again.
    sublattice_view: AnalysisResult | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict with exactly the keys of cli.md (plus a few documented extras)."""
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "elements": list(self.elements),
            "roi_nm": list(self.roi_nm),
            **({"roi_shape": dict(self.roi_shape)} if self.roi_shape is not None else {}),
            "mode": self.mode,
            "min_atoms": self.min_atoms,
            "bulk": self.bulk.to_json(),
            "curve": [s.to_json() for s in self.curve],
            "sume": self.sume.to_json() if self.sume is not None else None,
            "sume_apparent": self.sume_apparent.to_json() if self.sume_apparent is not None else None,
            # Alias of the deficit hinge for one schema version (schema 2 called it the chemical SUME).
            "sume_chemical": self.sume_chemical.to_json() if self.sume_chemical is not None else None,
            "sume_variants": {k: v.to_json() for k, v in self.sume_variants.items()},
            "sume_null": self.sume_null.to_json(),
            "warnings": [w.to_json() for w in self.warnings],
            "grid_shifts": self.grid_shifts,
            "timing_s": dict(self.timing_s),
            "roi_atoms": self.roi_atoms,
            "lattice": self.lattice,
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "entropy_sign": "positive: S = -R sum x ln x (the paper prints -S)",
            "elements_note": self.elements_note,
        }
        if self.sublattices is not None:
            out["sublattices"] = self.sublattices
        if self.sume is None:
            # docs/cli.md promises a "reason" field next to the null; "sume_reason" says which
            # result it explains and is kept for files written before.
            out["reason"] = out["sume_reason"] = self.sume_reason
        if self.sume_chemical is None:
            out["sume_chemical_reason"] = self.sume_chemical_reason
        if self.sume_apparent is None:
            out["sume_apparent_reason"] = self.sume_apparent_reason
        return json_ready(out)

    def dumps(self, indent: int | None = 1) -> str:
        """The JSON text (``allow_nan=False``: a NaN would be a bug, so it raises)."""
        return json.dumps(self.to_json(), indent=indent, allow_nan=False)


@dataclass(frozen=True)
class CompositionEntropy:
    """Entropy of one composition (``hea-studio entropy``)."""

    fractions: dict[str, float]
    S_R: float
    S_J_per_molK: float
    cls: str
    S_ideal_R: float
    sublattices: list[dict[str, Any]] | None = None
    S_fu_R: float | None = None
    S_site_R: float | None = None
    S_mixing_R: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "fractions": self.fractions,
            "S_R": self.S_R,
            "S_J_per_molK": self.S_J_per_molK,
            "class": self.cls,
            "S_ideal_R": self.S_ideal_R,
            "n_components": len(self.fractions),
        }
        if self.sublattices is not None:
            out["sublattices"] = self.sublattices
            out["S_fu_R"] = self.S_fu_R
            out["S_site_R"] = self.S_site_R
            out["S_fu_J_per_molK"] = None if self.S_fu_R is None else self.S_fu_R * R_J_PER_MOLK
            # The class is that of the mixing sublattice(s) (science.md 2), not of all atoms.
            out["S_mixing_R"] = self.S_mixing_R
            out["class_basis"] = "mixing sublattice(s)"
        return json_ready(out)
