"""2D limited-area calculation on net-count maps, with the two-stage random-mixing reference (science.md 9).

Patches are squares of a whole number of pixels tiled from the ROI's corner; a patch's composition is
the Cliff-Lorimer composition of its summed net counts. The reference treats the *atoms* of an
``L x L x t`` column as the random draws (``N = rho L^2 t`` of them, Multinomial over the ROI's
composition) and the X-rays as a second Poisson stage with per-atom yields ``y_i`` fitted to the
whole map, plus the windows' own background counts, estimated and subtracted as in the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hea_studio.compute.maps import _kernels
from hea_studio.compute.maps.netcounts import NetCounts
from hea_studio.core.errors import InputError
from hea_studio.core.progress import TaskState, check_cancelled

DEFAULT_MIN_COUNTS = 10
MIN_PATCHES = 8
FIT_PERCENTILE = 5.0  # a side is fitted when the 5th percentile of counts per patch >= min_counts
REF_DRAWS_MIN = 4_000
REF_DRAWS_MAX = 400_000
REF_DRAWS_PER_PATCH = 100  # Monte Carlo error <= 0.1 SEM of the map's mean (science.md 9)


@dataclass(frozen=True)
class MapModel:
    """What the reference needs to know about the specimen and the map.

    Parameters
    ----------
    pixel_nm, thickness_nm
        Pixel size and foil thickness.
    density_per_nm3
        Atoms per nm^3 (from the lattice or the file).
    k_factors
        Cliff-Lorimer factors per element (map order).
    fractions
        Cliff-Lorimer composition p of the analysed region.
    yields
        Net counts per atom y_i of each element (whole map).
    bg_signal, bg_left, bg_right
        Mean background counts per pixel in the signal window and the two side windows.
    coef_left, coef_right
        Background coefficients of the side windows.
    """

    pixel_nm: float
    thickness_nm: float
    density_per_nm3: float
    k_factors: np.ndarray
    fractions: np.ndarray
    yields: np.ndarray
    bg_signal: np.ndarray
    bg_left: np.ndarray
    bg_right: np.ndarray
    coef_left: np.ndarray
    coef_right: np.ndarray

    def atoms_per_patch(self, side_px: int) -> int:
        """Atoms in an ``L x L x t`` column of ``side_px`` pixels."""
        L = side_px * self.pixel_nm
        return max(1, round(self.density_per_nm3 * L * L * self.thickness_nm))


def cliff_lorimer(intensities: np.ndarray, k_factors: np.ndarray) -> np.ndarray:
    """x_i = k_i I_i / sum_j k_j I_j over the last axis (negative intensities clipped at 0)."""
    w = np.clip(intensities, 0.0, None) * k_factors
    tot = w.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(tot > 0, w / tot, 0.0)


def entropy_R(x: np.ndarray) -> float:
    """-sum x ln x (units of R)."""
    x = np.asarray(x, dtype=np.float64)
    x = x[x > 0]
    return float(-(x * np.log(x)).sum())


def build_model(
    nc: NetCounts,
    roi: tuple[int, int, int, int],
    pixel_nm: float,
    thickness_nm: float,
    density_per_nm3: float,
    k_factors: np.ndarray,
) -> MapModel:
    """Reference model: ROI composition, whole-map yields and background levels.

    ``roi`` is ``(y0, y1, x0, x1)`` in pixels.
    """
    y0, y1, x0, x1 = roi
    whole = nc.net.sum(axis=(1, 2))
    n_pix_all = nc.net.shape[1] * nc.net.shape[2]
    p_all = cliff_lorimer(whole, k_factors)
    p = cliff_lorimer(nc.net[:, y0:y1, x0:x1].sum(axis=(1, 2)), k_factors)
    if not (p.sum() > 0):
        lines = ", ".join(w.line for w in nc.windows)
        raise InputError(f"the region holds no net counts in the windows of {lines}: nothing to analyse")
    n_total = density_per_nm3 * n_pix_all * pixel_nm * pixel_nm * thickness_nm
    with np.errstate(divide="ignore", invalid="ignore"):
        yields = np.where(p_all > 0, np.clip(whole, 0, None) / (n_total * p_all), 0.0)
    cl, cr = nc.coefficients()
    # Background under the line: the side windows' level carried into the signal window.
    bl = nc.left.sum(axis=(1, 2)) / n_pix_all
    br = nc.right.sum(axis=(1, 2)) / n_pix_all
    bs = cl * bl + cr * br
    return MapModel(
        pixel_nm, thickness_nm, density_per_nm3, np.asarray(k_factors, float), p, yields, bs, bl, br, cl, cr
    )


def reference(
    model: MapModel, side_px: int, min_counts: float, n_draw: int, seed: int
) -> tuple[float, float, int]:
    """E[S_hat] of one patch side under random mixing: (mean, variance of S_hat, accepted draws)."""
    a = side_px * side_px
    return _kernels.two_stage_reference(
        model.atoms_per_patch(side_px),
        np.ascontiguousarray(model.fractions),
        np.ascontiguousarray(model.yields),
        model.bg_signal * a,
        model.bg_left * a,
        model.bg_right * a,
        model.coef_left,
        model.coef_right,
        model.k_factors,
        float(min_counts),
        int(n_draw),
        int(seed),
    )


@dataclass(eq=False)
class PatchScale:
    """One patch side of the 2D curve (one entry of the JSON ``curve``)."""

    index: int
    size_px: int
    size_nm: float
    n_patches: int
    n_all: int
    mean_counts: float
    p5_counts: float
    S_mean: float | None
    S_std: float | None
    S_sem: float | None
    S_null: float | None
    S_null_error: float | None
    deficit: float | None
    conc_mean: dict[str, float]
    conc_std: dict[str, float]
    in_fit: bool
    atoms_per_patch: int
    patch_entropy: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))

    def to_json(self) -> dict:
        """JSON-ready dict (per-patch values left out)."""
        return {
            "size_nm": self.size_nm,
            "size_px": self.size_px,
            "n_patches": self.n_patches,
            "n_patches_all": self.n_all,
            "mean_counts": self.mean_counts,
            "p5_counts": self.p5_counts,
            "atoms_per_patch": self.atoms_per_patch,
            "S_mean": self.S_mean,
            "S_std": self.S_std,
            "S_sem": self.S_sem,
            "S_null": self.S_null,
            "S_null_mc_error": self.S_null_error,
            "deficit": self.deficit,
            "conc_mean": self.conc_mean,
            "conc_std": self.conc_std,
            "in_fit": self.in_fit,
        }


def sizes_to_px(sizes_nm, pixel_nm: float, max_px: int) -> list[int]:
    """Patch sides in whole pixels (nearest), unique, ascending, at least 1 and at most ``max_px``."""
    px = sorted({max(1, round(s / pixel_nm)) for s in sizes_nm})
    return [p for p in px if p <= max_px]


def default_sizes_px(max_px: int, n: int = 20) -> list[int]:
    """Up to ``n`` sides from 1 pixel to a quarter of the ROI's short side (at least 8 patches fit)."""
    top = max(1, max_px // 3)
    return sorted({round(v) for v in np.geomspace(1, top, n)} | {1})


def patch_values(
    maps: np.ndarray, side_px: int, oy: int, ox: int, k_factors: np.ndarray, min_counts: float, kernel=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kept patches' entropies, totals and sums at one side and grid origin, and every patch's total."""
    fn = kernel or _kernels.patch_entropy
    sums, S, T = fn(maps, side_px, oy, ox, k_factors)
    keep = min_counts <= T
    return S[keep], T[keep], sums[keep], T


def lac_curve(
    nc: NetCounts,
    roi: tuple[int, int, int, int],
    model: MapModel,
    sizes_px: list[int],
    min_counts: float = DEFAULT_MIN_COUNTS,
    seed: int = 0,
    ref_draws: int | None = None,
    task: TaskState | None = None,
    kernel=None,
) -> list[PatchScale]:
    """The 2D curve of the ROI: per side, the patches' entropy, the two-stage reference and the deficit.

    ``ref_draws`` fixes the Monte Carlo draws of the reference (previews while dragging); ``None``
    sizes them so that their error stays below 0.1 SEM.
    """
    y0, y1, x0, x1 = roi
    maps = np.ascontiguousarray(nc.net[:, y0:y1, x0:x1])
    kf = np.ascontiguousarray(model.k_factors, dtype=np.float64)
    out: list[PatchScale] = []
    for j, L in enumerate(sizes_px):
        check_cancelled(task)
        S, T, sums, T_all = patch_values(maps, L, 0, 0, kf, min_counts, kernel)
        n, n_all = S.size, T_all.size
        x = cliff_lorimer(sums, kf) if n else np.zeros((0, len(nc.elements)))
        # The side's patches represent the ROI when even its 5th-percentile patch reaches min_counts
        # (a margin that does not flip when the ROI moves by a pixel, unlike a share threshold).
        p5 = float(np.percentile(T_all, FIT_PERCENTILE)) if n_all else 0.0
        atoms = model.atoms_per_patch(L)
        S_mean = S_std = S_sem = S_null = err = deficit = None
        if n:
            S_mean = float(S.mean())
            S_std = float(S.std(ddof=1)) if n > 1 else 0.0
            S_sem = S_std / math.sqrt(n)
            draws = ref_draws or int(min(REF_DRAWS_MAX, max(REF_DRAWS_MIN, REF_DRAWS_PER_PATCH * n)))
            mu, var, acc = reference(model, L, min_counts, draws, seed * 7919 + L)
            if acc > 0:
                S_null = float(mu)
                err = math.sqrt(var / acc)
                deficit = S_null - S_mean
        in_fit = n >= MIN_PATCHES and p5 >= min_counts and deficit is not None
        out.append(
            PatchScale(
                index=j,
                size_px=L,
                size_nm=L * model.pixel_nm,
                n_patches=n,
                n_all=n_all,
                mean_counts=float(T.mean()) if n else 0.0,
                p5_counts=p5,
                S_mean=S_mean,
                S_std=S_std,
                S_sem=S_sem,
                S_null=S_null,
                S_null_error=err,
                deficit=deficit,
                conc_mean={e: float(x[:, i].mean()) if n else 0.0 for i, e in enumerate(nc.elements)},
                conc_std={e: float(x[:, i].std(ddof=1)) if n > 1 else 0.0 for i, e in enumerate(nc.elements)},
                in_fit=in_fit,
                atoms_per_patch=atoms,
                patch_entropy=S,
            )
        )
        if task is not None:
            task.report((j + 1) / len(sizes_px), "entropy versus patch size")
    return out
