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
REF_DRAWS_MAX = 100_000
# Monte Carlo error <= 0.22 SEM of the map's mean; the error is reported and enters the significance
# test in quadrature (a 2.4 % wider SEM), which costs a fifth of the 0.1 SEM draws.
REF_DRAWS_PER_PATCH = 20
N_GRID_PER_DOUBLING = 4  # atom counts the reference is evaluated at when the patches' columns differ


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
        Emitted X-rays per atom y_j of each element (whole map).
    per_atom
        (3K, K) counts in window w per atom of element j (``y_j`` times the window's share).
    background
        (3K,) mean counts per pixel of every window not due to the analysed lines.
    unmix
        (K, 3K) window counts to element intensities (as for the map).
    """

    pixel_nm: float
    thickness_nm: float
    density_per_nm3: float
    k_factors: np.ndarray
    fractions: np.ndarray
    yields: np.ndarray
    per_atom: np.ndarray
    background: np.ndarray
    unmix: np.ndarray

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
    whole = nc.intensity_totals  # whole-map constants, computed once per file (previews rebuild often)
    n_pix_all = nc.intensity.shape[1] * nc.intensity.shape[2]
    p_all = cliff_lorimer(whole, k_factors)
    p = cliff_lorimer(nc.intensity[:, y0:y1, x0:x1].sum(axis=(1, 2)), k_factors)
    if not (p.sum() > 0):
        lines = ", ".join(w.line for w in nc.windows)
        raise InputError(f"the region holds no net counts in the windows of {lines}: nothing to analyse")
    n_total = density_per_nm3 * n_pix_all * pixel_nm * pixel_nm * thickness_nm
    with np.errstate(divide="ignore", invalid="ignore"):
        yields = np.where(p_all > 0, whole / (n_total * p_all), 0.0)
    # ``whole`` holds line intensities (shell X-rays times the line's own net share R_jj), so the
    # X-rays per atom in window w are the yields divided back by R_jj.
    own = np.diag(nc.combination @ nc.fractions)
    per_atom = nc.fractions * (yields / np.where(own > 0, own, 1.0))[None, :]
    counts = nc.window_totals / n_pix_all
    # What the analysed lines do not explain is background (continuum, unlisted elements' lines).
    background = np.clip(counts - per_atom @ (n_total * p_all) / n_pix_all, 0.0, None)
    return MapModel(
        pixel_nm, thickness_nm, density_per_nm3, np.asarray(k_factors, float), p, yields, per_atom, background,
        nc.unmix,
    )  # fmt: skip


def reference(
    model: MapModel, side_px: int, min_counts: float, n_draw: int, seed: int, n_atoms: int | None = None
) -> tuple[float, float, int, float, float]:
    """E[S_hat] of one patch side under random mixing.

    Returns (mean, variance of S_hat, accepted draws, mean and variance of the patch's total counts);
    ``n_atoms`` overrides the column's ``rho L^2 t`` atoms.
    """
    return _kernels.two_stage_reference(
        int(n_atoms) if n_atoms is not None else model.atoms_per_patch(side_px),
        np.ascontiguousarray(model.fractions),
        np.ascontiguousarray(model.per_atom),
        model.background * side_px * side_px,
        np.ascontiguousarray(model.unmix),
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


def _reference_via(cache: dict | None, model: MapModel):
    """``reference`` itself, or for previews one that reuses values from ``cache``.

    A preview (while the rectangle moves) keeps one Monte Carlo run per (side, atoms) and shifts it by
    the change of the plug-in entropy of the region's composition: the counting-noise drop below it
    varies slowly with the composition, the entropy itself does not. The full analysis never uses this.
    """
    if cache is None:
        return reference
    S_now = entropy_R(model.fractions)

    def ref(m: MapModel, side_px: int, min_counts: float, n_draw: int, seed: int, n_atoms: int | None = None):
        key = (side_px, n_atoms if n_atoms is not None else m.atoms_per_patch(side_px), float(min_counts))
        hit = cache.get(key)
        if hit is None:
            hit = (*reference(m, side_px, min_counts, n_draw, seed, n_atoms), S_now)
            cache[key] = hit
        mu, var, acc, tm, tv, S_then = hit
        return mu + (S_now - S_then), var, acc, tm, tv

    return ref


def _null_of_patches(
    model: MapModel,
    L: int,
    min_counts: float,
    draws: int,
    seed: int,
    T: np.ndarray,
    T_all: np.ndarray,
    cache: dict | None = None,
) -> tuple[float | None, float | None]:
    """Mean reference entropy over the kept patches, and its Monte Carlo error.

    Columns need not hold the same number of atoms: a projected lattice puts one or two atomic
    columns in a small pixel, the foil thins towards a hole. The part of the patches' count spread
    that the reference at ``rho L^2 t`` atoms does not explain is taken as a spread of atoms: each
    patch's atoms are ``N0 (1 + s (T / mean T - 1))`` with ``s = 1 - Var_model(T) / Var_map(T)``
    (shrunk, so that pure counting noise gives every patch ``N0``), and the reference is interpolated
    in ``1 / N`` between a few atom counts. Without it a random map shows a false deficit wherever
    the counts per column vary (10 SEM at 0.25 nm pixels on a projected fcc lattice).
    """
    N0 = model.atoms_per_patch(L)
    ref = _reference_via(cache, model)
    mu, var, acc, _tm, tv = ref(model, L, min_counts, draws, seed)
    if acc == 0:
        return None, None
    vT = float(T_all.var()) if T_all.size > 1 else 0.0
    mT = float(T_all.mean()) if T_all.size else 0.0
    shrink = max(0.0, 1.0 - tv / vT) if vT > 0 and mT > 0 else 0.0
    n_hat = np.clip(N0 * (1.0 + shrink * (T / mT - 1.0)), 1.0, None) if shrink > 0 else None
    if n_hat is None or n_hat.max() / n_hat.min() < 1.02:
        return float(mu), math.sqrt(var / acc)
    # Atom counts on a fixed ladder (N_GRID_PER_DOUBLING rungs per doubling), spanning the patches' range: the
    # same rungs serve every region, so a preview's cache finds them again while the region moves.
    k0 = math.floor(N_GRID_PER_DOUBLING * math.log2(n_hat.min()))
    k1 = math.ceil(N_GRID_PER_DOUBLING * math.log2(n_hat.max()))
    grid = np.unique(np.round(2.0 ** (np.arange(k0, k1 + 1) / N_GRID_PER_DOUBLING)).astype(np.int64))
    per = max(500, draws // 2)  # half the draws per atom count: the patches average over them
    vals, errs = [], []
    for g, n_atoms in enumerate(grid):
        m, v, a, _, _ = ref(model, L, min_counts, per, seed + 104_729 * (g + 1), int(n_atoms))
        vals.append(m if a > 0 else np.nan)
        errs.append(math.sqrt(v / a) if a > 0 else np.nan)
    vals_a = np.array(vals)
    ok = np.isfinite(vals_a)
    if ok.sum() < 2:
        return float(mu), math.sqrt(var / acc)
    inv = 1.0 / grid[ok].astype(np.float64)
    order = np.argsort(inv)
    est = np.interp(1.0 / n_hat, inv[order], vals_a[ok][order])
    return float(est.mean()), float(np.nanmean(np.array(errs)[ok]))


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
    ref_cache: dict | None = None,
) -> list[PatchScale]:
    """The 2D curve of the ROI: per side, the patches' entropy, the two-stage reference and the deficit.

    ``ref_draws`` fixes the Monte Carlo draws of the reference (previews while dragging); ``None``
    sizes them from the number of patches. ``ref_cache`` (previews only) reuses earlier reference
    runs, shifted to the region's composition (see :func:`_reference_via`).
    """
    y0, y1, x0, x1 = roi
    maps = np.ascontiguousarray(nc.intensity[:, y0:y1, x0:x1])
    kf = np.ascontiguousarray(model.k_factors, dtype=np.float64)
    out: list[PatchScale] = []
    for j, L in enumerate(sizes_px):
        check_cancelled(task)
        S, T, sums, T_all = patch_values(maps, L, 0, 0, kf, min_counts, kernel)
        n, n_all = S.size, T_all.size
        # Per-element spread over the patches: for the full analysis only (a preview shows no table,
        # and this is the largest cost of a curve once the reference is cached).
        with_conc = ref_cache is None
        x = cliff_lorimer(sums, kf) if n and with_conc else np.zeros((0, len(nc.elements)))
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
            S_null, err = _null_of_patches(model, L, min_counts, draws, seed * 7919 + L, T, T_all, ref_cache)
            if S_null is not None:
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
                conc_mean={e: float(x[:, i].mean()) for i, e in enumerate(nc.elements)} if x.shape[0] else {},
                conc_std={e: float(x[:, i].std(ddof=1)) for i, e in enumerate(nc.elements)}
                if x.shape[0] > 1
                else {},
                in_fit=in_fit,
                atoms_per_patch=atoms,
                patch_entropy=S,
            )
        )
        if task is not None:
            task.report((j + 1) / len(sizes_px), "entropy versus patch size")
    return out
