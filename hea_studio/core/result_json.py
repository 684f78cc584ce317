"""An :class:`AnalysisResult` back from its JSON form (``analyze --json``, projects).

The JSON holds every number the plots, the comparison table and the reports show, so a result read back
draws and exports like the original; what it lacks are the per-cube arrays (``cube_entropy``,
``cube_n``, ``fda_hist``), which only the bootstrap and the frequency-distribution tab use.
"""

from __future__ import annotations

from typing import Any

from hea_studio.core.errors import InputError
from hea_studio.core.results import (
    SCHEMA,
    AnalysisResult,
    AnalysisWarning,
    BulkResult,
    Line,
    NullSumeResult,
    ScaleResult,
    SumeResult,
)


def _line(d: dict[str, Any]) -> Line:
    return Line(float(d["slope"]), float(d["intercept"]), float(d["l_min"]), float(d["l_max"]))


def _pair(v: Any) -> tuple[float, float] | None:
    return None if v is None else (float(v[0]), float(v[1]))


def _open_pair(v: Any) -> tuple[float | None, float | None] | None:
    """An interval whose ends may be null (one-sided)."""
    if v is None:
        return None
    return (None if v[0] is None else float(v[0]), None if v[1] is None else float(v[1]))


def _opt(v: Any) -> float | None:
    return None if v is None else float(v)


def _sume(d: dict[str, Any] | None) -> SumeResult | None:
    if not d:
        return None
    edge = _opt(d.get("edge_nm"))
    at_most = _opt(d.get("at_most_nm"))
    below = bool(d.get("below_range", False))
    ci = _open_pair(d.get("ci95_nm"))
    if below and at_most is None:
        # Schema 2 wrote a below-range SUME as the smallest fitted edge: it is a bound.
        at_most, edge, ci = edge, None, (0.0, edge)
    place = edge if edge is not None else (_opt(d.get("at_least_nm")) or at_most or 0.0)
    return SumeResult(
        edge_nm=edge,
        ci95_nm=ci,
        volume_nm3=float(d.get("volume_nm3") or place**3),
        unit_cells=d.get("unit_cells"),
        atoms=d.get("atoms"),
        detected_atoms=float(d.get("detected_atoms") or 0.0),
        descending=_line(d["descending_line"]),
        bulk=_line(d["bulk_line"]),
        breakpoint_nm=float(d.get("breakpoint_nm") or place),
        n_boot_valid=int(d.get("n_boot_valid") or 0),
        method=str(d.get("method", "hinge-bulk")),
        below_range=below,
        slope_ci95=_pair(d.get("slope_ci95")),
        at_least_nm=_opt(d.get("at_least_nm")),
        at_most_nm=at_most,
        edge_sensitivity_nm=_pair(d.get("edge_sensitivity_nm")),
        resolution_nm=_opt(d.get("resolution_nm")),
        fit_edge_nm=_opt(d.get("fit_edge_nm")) if d.get("fit_edge_nm") is not None else edge,
    )


def _scale(i: int, d: dict[str, Any], min_atoms: int = 0) -> ScaleResult:
    return ScaleResult(
        index=i,
        size_nm=float(d["size_nm"]),
        n_cubes=int(d["n_cubes"]),
        mean_atoms=d.get("mean_atoms"),
        S_mean=d.get("S_mean"),
        S_std=d.get("S_std"),
        S_sem=d.get("S_sem"),
        S_null=d.get("S_null"),
        deficit=d.get("deficit"),
        conc_mean=dict(d.get("conc_mean") or {}),
        conc_std=dict(d.get("conc_std") or {}),
        pearson_mu=dict(d.get("pearson_mu") or {}),
        chi2_p=dict(d.get("chi2_p") or {}),
        chi2=dict(d.get("chi2") or {}),
        chi2_dof={k: int(v) for k, v in (d.get("chi2_dof") or {}).items() if v is not None},
        n_occupied=int(d.get("n_occupied") or 0),
        occupied_mean_atoms=d.get("occupied_mean_atoms"),
        min_atoms=min_atoms if d.get("occupied_mean_atoms") is not None else 0,
    )


def result_from_json(data: dict[str, Any]) -> AnalysisResult:
    """Rebuild an analysis from :meth:`AnalysisResult.to_json` output (InputError if it is not one)."""
    try:
        b = data["bulk"]
        bulk = BulkResult(
            counts={k: int(v) for k, v in b["counts"].items()},
            fractions={k: float(v) for k, v in b["fractions"].items()},
            S_R=float(b["S_R"]),
            S_J_per_molK=float(b["S_J_per_molK"]),
            cls=str(b["class"]),
            S_ideal_R=float(b["S_ideal_R"]),
        )
        null = data.get("sume_null") or {}
        headline, reason = data.get("sume"), data.get("sume_reason")
        apparent, apparent_reason = data.get("sume_apparent"), data.get("sume_apparent_reason")
        if data.get("schema") != SCHEMA and "sume_chemical" in data and "sume_apparent" not in data:
            # Schema 2's headline was the hinge on S(L); the deficit hinge was "sume_chemical".
            apparent, apparent_reason = headline, reason
            headline, reason = data.get("sume_chemical"), data.get("sume_chemical_reason")
        roi = tuple(float(v) for v in data["roi_nm"])
        return AnalysisResult(
            elements=tuple(data["elements"]),
            roi_nm=roi,  # type: ignore[arg-type]
            mode=str(data["mode"]),
            min_atoms=int(data["min_atoms"]),
            bulk=bulk,
            curve=tuple(_scale(i, s, int(data["min_atoms"])) for i, s in enumerate(data["curve"])),
            sume=_sume(headline),
            sume_reason=reason,
            sume_null=NullSumeResult(null.get("edge_nm"), null.get("reason")),
            timing_s=dict(data.get("timing_s") or {}),
            roi_atoms=int(data.get("roi_atoms") or 0),
            lattice=data.get("lattice"),
            bootstrap=int(data.get("bootstrap") or 0),
            seed=int(data.get("seed") or 0),
            elements_note=data.get("elements_note"),
            sublattices=data.get("sublattices"),
            sume_chemical=_sume(data.get("sume_chemical")),
            sume_chemical_reason=data.get("sume_chemical_reason"),
            sume_variants={k: s for k, v in (data.get("sume_variants") or {}).items() if (s := _sume(v))},
            warnings=tuple(
                AnalysisWarning(str(w["code"]), str(w["message"]), tuple(w.get("applies_to") or ("all",)))
                for w in data.get("warnings") or []
            ),
            grid_shifts=int(data.get("grid_shifts") or 1),
            sume_apparent=_sume(apparent),
            sume_apparent_reason=apparent_reason,
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise InputError(f"not an analysis result ({type(exc).__name__}: {exc})") from None
