"""One analysis of a spectrum image: net counts, 2D curve, projected and 3D-equivalent SUME (science.md 9).

The result is a plain JSON-ready dict (cli.md round 3: ``"technique": "stem-eds"``), built from the
net-count maps so that the window can recompute the curve of a new ROI without touching the spectra.
"""

from __future__ import annotations

import csv
import io
import math
import time
from dataclasses import dataclass, field, replace

import numpy as np

from hea_studio.compute.lac.entropy import classify
from hea_studio.compute.maps.lac2d import (
    DEFAULT_MIN_COUNTS,
    build_model,
    cliff_lorimer,
    default_sizes_px,
    entropy_R,
    lac_curve,
    sizes_to_px,
)
from hea_studio.compute.maps.netcounts import NetCounts, net_count_maps
from hea_studio.compute.maps.sume2d import replicate_deficits, sume_object
from hea_studio.compute.maps.sume3d import sume_3d_equivalent
from hea_studio.core.errors import InputError
from hea_studio.core.progress import TaskState
from hea_studio.core.results import R_J_PER_MOLK
from hea_studio.core.settings import DEFAULT_SIZES
from hea_studio.io.eds import SpectrumImage

SCHEMA = "hea-studio/analysis/3"
DEFAULT_THICKNESS_NM = 50.0
DEFAULT_DENSITY = 85.0  # atoms/nm^3: fcc/bcc transition-metal alloys lie at 80-92
DEFAULT_PROBE_FWHM_NM = 0.2


@dataclass(frozen=True)
class MapSettings:
    """Choices of one map analysis (each ``None`` means: from the file, else the documented default).

    ``roi_nm`` is ``(xmin, ymin, xmax, ymax)`` in nm from the map's top-left pixel corner;
    ``sizes_nm`` are rounded to whole pixels.
    """

    elements: tuple[str, ...] | None = None
    lines: dict[str, str] = field(default_factory=dict)
    k_factors: dict[str, float] = field(default_factory=dict)
    thickness_nm: float | None = None
    density_per_nm3: float | None = None
    probe_fwhm_nm: float | None = None
    roi_nm: tuple[float, float, float, float] | None = None
    sizes_nm: tuple[float, ...] | None = None
    min_counts: float = DEFAULT_MIN_COUNTS
    bootstrap: int = 200
    seed: int = 0
    ref_draws: int | None = None


def roi_pixels(roi_nm, pixel_nm: float, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """``(y0, y1, x0, x1)`` of the nm rectangle, rounded to whole pixels; InputError if it misses the map."""
    ny, nx = shape
    if roi_nm is None:
        return 0, ny, 0, nx
    x0, y0, x1, y1 = (float(v) for v in roi_nm)
    if not (x1 > x0 and y1 > y0):
        raise InputError(f"--roi needs xmin < xmax and ymin < ymax, got {x0:g},{y0:g},{x1:g},{y1:g}")
    px = [round(v / pixel_nm) for v in (x0, y0, x1, y1)]
    X0, Y0 = max(px[0], 0), max(px[1], 0)
    X1, Y1 = min(px[2], nx), min(px[3], ny)
    if X1 - X0 < 2 or Y1 - Y0 < 2:
        raise InputError(
            f"--roi {x0:g},{y0:g},{x1:g},{y1:g} nm covers less than 2 x 2 pixels of the "
            f"{nx * pixel_nm:.4g} x {ny * pixel_nm:.4g} nm map"
        )
    return Y0, Y1, X0, X1


@dataclass(eq=False)
class MapInput:
    """Everything derived from the file once (the window keeps it while the ROI moves)."""

    si: SpectrumImage
    nc: NetCounts
    k_factors: np.ndarray
    k_source: str
    thickness_nm: float
    thickness_source: str
    density: float
    density_source: str
    probe_fwhm_nm: float
    warnings: list[dict]


def prepare(si: SpectrumImage, settings: MapSettings, task: TaskState | None = None) -> MapInput:
    """Net-count maps and the model constants of ``si`` (the part that reads the spectra)."""
    elements = tuple(settings.elements or si.elements)
    if not elements:
        raise InputError("no elements chosen (the file names none): give --elements", si.path)
    if len(elements) < 2:
        raise InputError(f"entropy needs at least 2 elements, got {','.join(elements)}")
    unknown = set(settings.k_factors) - set(elements)
    if unknown:
        raise InputError(f"--k-factors names elements that are not analysed: {', '.join(sorted(unknown))}")
    warnings: list[dict] = []
    nc = net_count_maps(si, elements, settings.lines, task)
    if settings.k_factors and set(settings.k_factors) >= set(elements):
        k = np.array([settings.k_factors[e] for e in elements], float)
        k_source = "user"
    elif si.k_factors and set(si.k_factors) >= set(elements):
        k = np.array([settings.k_factors.get(e, si.k_factors[e]) for e in elements], float)
        k_source = "file" if not settings.k_factors else "file+user"
    else:
        k = np.array([settings.k_factors.get(e, 1.0) for e in elements], float)
        k_source = "user+default 1.0" if settings.k_factors else "default 1.0"
        warnings.append(
            {
                "code": "k_factors_default",
                "message": "no k-factors for "
                + ", ".join(e for e in elements if e not in settings.k_factors)
                + " (file or --k-factors): 1.0 used, so compositions are k-ratio-free count ratios",
                "applies_to": ["bulk"],
            }
        )
    if np.any(~np.isfinite(k)) or np.any(k <= 0):
        raise InputError("k-factors must be positive numbers")
    if settings.thickness_nm is not None:
        if not (settings.thickness_nm > 0 and math.isfinite(settings.thickness_nm)):
            raise InputError(f"--thickness must be a positive number of nm, got {settings.thickness_nm}")
        t, t_source = float(settings.thickness_nm), "user"
    elif si.thickness_nm:
        t, t_source = float(si.thickness_nm), "file"
    else:
        t, t_source = DEFAULT_THICKNESS_NM, "assumed"
        warnings.append(
            {
                "code": "thickness_assumed",
                "message": f"the foil thickness is neither in the file nor given: {t:g} nm assumed "
                "(--thickness); the reference and the 3D-equivalent SUME depend on it",
                "applies_to": ["sume", "sume_3d_equivalent"],
            }
        )
    if settings.density_per_nm3 is not None:
        rho, rho_source = float(settings.density_per_nm3), "user"
    elif si.metadata.get("atom_density_per_nm3"):
        rho, rho_source = float(si.metadata["atom_density_per_nm3"]), "file"
    else:
        rho, rho_source = DEFAULT_DENSITY, "assumed"
    probe = float(settings.probe_fwhm_nm or si.metadata.get("probe_fwhm_nm") or DEFAULT_PROBE_FWHM_NM)
    if si.metadata.get("instrument") == "SEM":
        warnings.append(
            {
                "code": "sem_map",
                "message": "an SEM map (bulk specimen): X-rays come from an interaction volume about a "
                "micrometre deep and wide, not a thin foil's column; patch sides below it mean little",
                "applies_to": ["sume", "sume_3d_equivalent"],
            }
        )
    for w in nc.windows:
        if w.note:
            warnings.append({"code": "window", "message": f"{w.line}: {w.note}", "applies_to": ["bulk"]})
    return MapInput(si, nc, k, k_source, t, t_source, rho, rho_source, probe, warnings)


def analyze_prepared(
    mi: MapInput,
    settings: MapSettings,
    task: TaskState | None = None,
    *,
    with_3d: bool = True,
    ref_cache: dict | None = None,
) -> dict:
    """Curve, reference and SUMEs of the ROI in ``settings`` (no spectra touched).

    ``ref_cache`` is for previews while the region moves (see :func:`.lac2d.lac_curve`).
    """
    t0 = time.perf_counter()
    si, nc = mi.si, mi.nc
    roi = roi_pixels(settings.roi_nm, si.pixel_nm, si.shape)
    y0, y1, x0, x1 = roi
    short = min(y1 - y0, x1 - x0)
    if settings.sizes_nm:
        sizes = sizes_to_px(settings.sizes_nm, si.pixel_nm, short)
        if not sizes:
            raise InputError(
                f"no patch side of --sizes fits the {short * si.pixel_nm:.4g} nm region "
                f"(pixels of {si.pixel_nm:.4g} nm)"
            )
    else:
        sizes = default_sizes_px(short)
    try:
        model = build_model(nc, roi, si.pixel_nm, mi.thickness_nm, mi.density, mi.k_factors)
    except InputError as exc:
        raise InputError(exc.reason, si.path) from exc
    net_roi = nc.net[:, y0:y1, x0:x1].sum(axis=(1, 2))
    inten_roi = nc.intensity[:, y0:y1, x0:x1].sum(axis=(1, 2))
    x = cliff_lorimer(inten_roi, mi.k_factors)
    S_bulk = entropy_R(x)
    curve = lac_curve(
        nc,
        roi,
        model,
        sizes,
        settings.min_counts,
        settings.seed,
        settings.ref_draws,
        task,
        ref_cache=ref_cache,
    )
    t_curve = time.perf_counter() - t0
    maps = np.ascontiguousarray(nc.intensity[:, y0:y1, x0:x1])
    fitted = [s for s in curve if s.in_fit]
    reps = None
    if settings.bootstrap > 0 and len(fitted) >= 3:
        reps = replicate_deficits(
            maps, fitted, mi.k_factors, settings.min_counts, settings.bootstrap, settings.seed
        )
    sume, warnings = sume_object(curve, S_bulk, reps, mi.thickness_nm, settings.seed)
    s3 = None
    if with_3d:
        s3 = sume_3d_equivalent(
            curve, sume, reps, mi.thickness_nm, mi.probe_fwhm_nm / 2.3548, np.asarray(DEFAULT_SIZES), S_bulk,
            settings.seed,
        )  # fmt: skip
    els = list(nc.elements)
    return {
        "schema": SCHEMA,
        "technique": "stem-eds",
        "file": str(si.path),
        "elements": els,
        "lines": dict(zip(els, nc.lines, strict=True)),
        "windows": {w.element: w.to_json(si.energy_offset_kev, si.energy_scale_kev) for w in nc.windows},
        "k_factors": dict(zip(els, (float(v) for v in mi.k_factors), strict=True)),
        "k_factor_source": mi.k_source,
        "thickness_nm": mi.thickness_nm,
        "thickness_source": mi.thickness_source,
        "density_per_nm3": mi.density,
        "density_source": mi.density_source,
        "probe_fwhm_nm": mi.probe_fwhm_nm,
        "pixel_nm": si.pixel_nm,
        "map_shape": list(si.shape),
        "roi_nm": [x0 * si.pixel_nm, y0 * si.pixel_nm, x1 * si.pixel_nm, y1 * si.pixel_nm],
        "roi_px": [x0, y0, x1, y1],
        "min_counts": settings.min_counts,
        "bulk": {
            "fractions": dict(zip(els, (float(v) for v in x), strict=True)),
            "net_counts": dict(zip(els, (float(v) for v in net_roi), strict=True)),
            "intensities": dict(zip(els, (float(v) for v in inten_roi), strict=True)),
            "S_R": S_bulk,
            "S_J_per_molK": S_bulk * R_J_PER_MOLK,
            "class": classify(S_bulk),
            "S_ideal_R": math.log(len(els)),
        },
        "yields_per_atom": dict(zip(els, (float(v) for v in model.yields), strict=True)),
        "curve": [s.to_json() for s in curve],
        "sume": sume,
        "sume_3d_equivalent": s3,
        "warnings": mi.warnings + warnings,
        "parameters": {
            "bootstrap": settings.bootstrap,
            "seed": settings.seed,
            "reference": "two-stage (atoms multinomial, X-rays Poisson), Monte Carlo",
            "line_table": "xraydb",
        },
        "timing_s": {"curve": t_curve, "total": time.perf_counter() - t0},
    }


def analyze_map(si: SpectrumImage, settings: MapSettings, task: TaskState | None = None) -> dict:
    """Read the spectra once and analyse the ROI of ``settings`` (see :func:`analyze_prepared`)."""
    mi = prepare(si, settings, task)
    return analyze_prepared(mi, settings, task)


def curve_csv(result: dict) -> str:
    """The curve as CSV, per-element columns suffixed with the element."""
    out = io.StringIO()
    els = result["elements"]
    head = [
        "size_nm",
        "size_px",
        "n_patches",
        "mean_counts",
        "S_mean",
        "S_std",
        "S_sem",
        "S_null",
        "deficit",
        "in_fit",
    ]
    w = csv.writer(out, lineterminator="\n")
    w.writerow(head + [f"conc_mean_{e}" for e in els] + [f"conc_std_{e}" for e in els])
    for row in result["curve"]:
        cells = (
            [row[k] for k in head]
            + [row["conc_mean"].get(e) for e in els]
            + [row["conc_std"].get(e) for e in els]
        )
        w.writerow(["" if v is None else (f"{v:.10g}" if isinstance(v, float) else v) for v in cells])
    return out.getvalue()


__all__ = [
    "MapInput",
    "MapSettings",
    "analyze_map",
    "analyze_prepared",
    "curve_csv",
    "prepare",
    "replace",
    "roi_pixels",
]
