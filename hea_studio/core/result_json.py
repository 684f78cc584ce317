"""An :class:`AnalysisResult` back from its JSON form (``analyze --json``, projects).

The JSON holds every number the plots, the comparison table and the reports show, so a result read back
draws and exports like the original; what it lacks are the per-cube arrays (``cube_entropy``,
``cube_n``, ``fda_hist``), which only the bootstrap and the frequency-distribution tab use.
"""

from __future__ import annotations

from typing import Any

from hea_studio.core.errors import InputError
from hea_studio.core.results import (
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


def _sume(d: dict[str, Any] | None) -> SumeResult | None:
    if not d:
        return None
    return SumeResult(
        edge_nm=float(d["edge_nm"]),
        ci95_nm=_pair(d.get("ci95_nm")),
        volume_nm3=float(d.get("volume_nm3") or float(d["edge_nm"]) ** 3),
        unit_cells=d.get("unit_cells"),
        atoms=d.get("atoms"),
        detected_atoms=float(d.get("detected_atoms") or 0.0),
        descending=_line(d["descending_line"]),
        bulk=_line(d["bulk_line"]),
        breakpoint_nm=float(d.get("breakpoint_nm", d["edge_nm"])),
        n_boot_valid=int(d.get("n_boot_valid") or 0),
        method=str(d.get("method", "hinge-bulk")),
        below_range=bool(d.get("below_range", False)),
        slope_ci95=_pair(d.get("slope_ci95")),
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
        roi = tuple(float(v) for v in data["roi_nm"])
        return AnalysisResult(
            elements=tuple(data["elements"]),
            roi_nm=roi,  # type: ignore[arg-type]
            mode=str(data["mode"]),
            min_atoms=int(data["min_atoms"]),
            bulk=bulk,
            curve=tuple(_scale(i, s, int(data["min_atoms"])) for i, s in enumerate(data["curve"])),
            sume=_sume(data.get("sume")),
            sume_reason=data.get("sume_reason"),
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
                AnalysisWarning(str(w["code"]), str(w["message"])) for w in data.get("warnings") or []
            ),
            grid_shifts=int(data.get("grid_shifts") or 1),
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise InputError(f"not an analysis result ({type(exc).__name__}: {exc})") from None
