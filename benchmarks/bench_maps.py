"""Speed of the map analysis against a plain-numpy implementation of the same steps, in the same run.

Run: ``.venv/bin/python benchmarks/bench_maps.py [--size 512] [--channels 2048] [--repeat 2]``

A 512 x 512 x 2048 uint8 spectrum image (Co, Cu, Fe, Ni K lines on a bremsstrahlung continuum, ~60
counts per pixel, a composition field across the map) is turned into

1. net-count maps of the four elements (three windows each) and their overlap-corrected intensities,
2. the 2D entropy curve at 20 patch sides (1 to 64 pixels) with the two-stage random-mixing reference
   at the window's preview precision (2,000 draws per side),

once by HEA Studio (numba kernels: :mod:`hea_studio.compute.maps._kernels`) and once by the plain-numpy
twins of the same steps (:mod:`hea_studio.compute.maps._twins` for the windows and the patches; for the
reference the vectorised numpy draws a user would write: ``Generator.multinomial`` then
``Generator.poisson``). Results are checked against each other (maps identical, curves within the
reference's Monte Carlo error). Then the curve alone, as the window recomputes it while a rectangle is
dragged over the map (net counts already in memory), is timed as curves per second.

No threshold is asserted; the ratios and ``os.getloadavg()`` go into the report.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np


def _load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def make_cube(size: int, channels: int, seed: int = 0) -> np.ndarray:
    """Events drawn per pixel into channels, band by band (uint8, like Bruker's TEM maps)."""
    from hea_studio.core.xray import emission_profile

    rng = np.random.default_rng(seed)
    e0, de = -0.2, 0.01
    els = ("Co", "Cu", "Fe", "Ni")
    prof = np.array([emission_profile(e, "Ka", e0, de, channels) for e in els])
    energy = e0 + de * np.arange(channels)
    cont = np.where(energy > 0.2, (200.0 - energy) / np.clip(energy, 0.05, None), 0.0)
    cont *= 1 - np.exp(-((np.clip(energy, 0, None) / 0.9) ** 3))
    cdfs = np.cumsum(np.vstack([prof / prof.sum(axis=1, keepdims=True), cont / cont.sum()]), axis=1)
    yy, xx = np.mgrid[0:size, 0:size] / size
    field = 0.15 * np.sin(2 * np.pi * 3 * xx) * np.cos(2 * np.pi * 2 * yy)
    comp = np.stack([0.22 - field, 0.27 + field, 0.21 - field, 0.30 + field])  # (4, y, x)
    cube = np.zeros((size, size, channels), dtype=np.uint8)
    band = 32
    for y0 in range(0, size, band):
        y1 = min(size, y0 + band)
        npx = (y1 - y0) * size
        # ~50 characteristic + ~10 continuum events per pixel
        n_char = rng.poisson(50.0, npx)
        n_cont = rng.poisson(10.0, npx)
        c = comp[:, y0:y1].reshape(4, -1).T
        pix = np.repeat(np.arange(npx), n_char)
        u = rng.random(pix.size)
        el = (u[:, None] > np.cumsum(c, axis=1)[pix, :-1]).sum(axis=1)
        ch = np.empty(pix.size, dtype=np.int64)
        for k in range(4):
            sel = el == k
            ch[sel] = np.searchsorted(cdfs[k], rng.random(int(sel.sum())))
        pix_c = np.repeat(np.arange(npx), n_cont)
        ch_c = np.searchsorted(cdfs[4], rng.random(pix_c.size))
        flat = np.concatenate([pix * channels + np.minimum(ch, channels - 1),
                               pix_c * channels + np.minimum(ch_c, channels - 1)])  # fmt: skip
        counts = np.bincount(flat, minlength=npx * channels)
        cube[y0:y1] = np.minimum(counts, 255).reshape(y1 - y0, size, channels)
    return cube


def numpy_reference(model, side_px, min_counts, n_draw, seed, n_atoms=None):
    """The two-stage reference drawn with numpy's vectorised generator (the baseline)."""
    rng = np.random.default_rng(seed)
    N = int(n_atoms) if n_atoms is not None else model.atoms_per_patch(side_px)
    atoms = rng.multinomial(N, model.fractions, size=n_draw)
    lam = atoms @ model.per_atom.T + model.background * side_px * side_px
    win = rng.poisson(lam).astype(np.float64)
    counts = np.clip(win @ model.unmix.T, 0.0, None)
    w = counts * model.k_factors
    tot = w.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(tot > 0, w / tot, 0.0)
        S = -(np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0)), 0.0)).sum(axis=1)
    T = counts.sum(axis=1)
    keep = min_counts <= T
    s = S[keep]
    return float(s.mean()), float(s.var(ddof=1)), int(keep.sum()), float(T.mean()), float(T.var())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512, help="map side in pixels")
    parser.add_argument("--channels", type=int, default=2048, help="energy channels")
    parser.add_argument("--repeat", type=int, default=2, help="best of this many runs (interleaved)")
    parser.add_argument("--drags", type=int, default=10, help="curves timed for the dragging rate")
    args = parser.parse_args()

    from hea_studio.compute.maps import _twins, lac2d
    from hea_studio.compute.maps.lac2d import build_model, lac_curve
    from hea_studio.compute.maps.netcounts import net_count_maps
    from hea_studio.io.eds import SpectrumImage

    t0 = time.perf_counter()
    cube = make_cube(args.size, args.channels)
    print(f"spectrum image {cube.shape} uint8, {cube.nbytes / 2**20:.0f} MiB, {int(cube.sum(dtype=np.int64)):,} "
          f"counts, made in {time.perf_counter() - t0:.1f} s; {_load()}")  # fmt: skip
    si = SpectrumImage(
        Path("bench.hspy"), cube, 0.25, -0.2, 0.01, ("Co", "Cu", "Fe", "Ni"), thickness_nm=20.0
    )
    sides = sorted({round(v) for v in np.geomspace(1, 64, 20)})
    while len(sides) < 20:  # geomspace rounds some sides together; fill in from the top
        sides.append(max(sides) + 1)
    roi = (0, args.size, 0, args.size)
    draws = 2000

    def pipeline(fast: bool):
        nc = net_count_maps(si, si.elements, kernel=None if fast else _twins.window_sums)
        model = build_model(nc, roi, 0.25, 20.0, 87.0, np.ones(4))
        if not fast:
            saved = lac2d.reference
            lac2d.reference = numpy_reference  # type: ignore[assignment]
        try:
            curve = lac_curve(
                nc, roi, model, sides, 10.0, 0, draws, kernel=None if fast else _twins.patch_entropy
            )
        finally:
            if not fast:
                lac2d.reference = saved  # type: ignore[assignment]
        return nc, model, curve

    small = SpectrumImage(Path("w.hspy"), cube[:16, :16], 0.25, -0.2, 0.01, si.elements, thickness_nm=20.0)
    net_count_maps(small, small.elements)  # compile or load the kernels
    best = {True: np.inf, False: np.inf}
    out = {}
    for _ in range(args.repeat):
        for fast in (True, False):
            t0 = time.perf_counter()
            out[fast] = pipeline(fast)
            best[fast] = min(best[fast], time.perf_counter() - t0)
            print(f"  {'numba' if fast else 'numpy'} pipeline {time.perf_counter() - t0:.2f} s; {_load()}")
    nc_f, _model, curve_f = out[True]
    nc_n, _, curve_n = out[False]
    assert np.array_equal(nc_f.gross, nc_n.gross) and np.allclose(nc_f.intensity, nc_n.intensity)
    worst = 0.0
    for a, b in zip(curve_f, curve_n, strict=True):
        assert a.n_patches == b.n_patches and abs(a.S_mean - b.S_mean) < 1e-9
        worst = max(worst, abs(a.S_null - b.S_null) / np.hypot(a.S_null_error, b.S_null_error))
    print(f"maps identical; curves agree (S_null within {worst:.1f} Monte Carlo errors)")
    print(f"net-count maps + 20-side curve: numba {best[True]:.2f} s, numpy {best[False]:.2f} s, "
          f"ratio {best[False] / best[True]:.1f}x; {_load()}")  # fmt: skip

    # Dragging: the window keeps the net counts; each move recomputes the model and the curve, the
    # preview reusing reference runs shifted to the region's composition (one cache per drag, as the
    # window keeps one per file); the first move fills it, so it is timed apart.
    for label, fast in (("numba", True), ("numpy", False)):
        cache: dict = {}
        first = 0.0
        t0 = time.perf_counter()
        for i in range(args.drags):
            y0 = x0 = 8 * i
            r = (y0, y0 + args.size // 2, x0, x0 + args.size // 2)
            mdl = build_model(nc_f, r, 0.25, 20.0, 87.0, np.ones(4))
            if fast:
                lac_curve(
                    nc_f, r, mdl, [s for s in sides if s <= args.size // 6], 10.0, i, draws, ref_cache=cache
                )
            else:
                saved = lac2d.reference
                lac2d.reference = numpy_reference  # type: ignore[assignment]
                try:
                    lac_curve(nc_f, r, mdl, [s for s in sides if s <= args.size // 6], 10.0, i, draws,
                              kernel=_twins.patch_entropy, ref_cache=cache)  # fmt: skip
                finally:
                    lac2d.reference = saved  # type: ignore[assignment]
            if i == 0:
                first = time.perf_counter() - t0
                t0 = time.perf_counter()
        rate = (args.drags - 1) / (time.perf_counter() - t0)
        print(
            f"curve while dragging a {args.size // 2} px rectangle ({label}): first move {first:.2f} s "
            f"(fills the reference cache), then {rate:.1f} curves/s; {_load()}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
