"""Speed at every edge setting, against a plain numpy implementation measured in the same run.

Run: ``python benchmarks/bench_edges.py [--atoms 1e7] [--skip-numpy-200]``

On one random box (default 10^7 atoms) it prints, each figure with the load average beside it:

1. the curve with everything on (frequency test and reference) for the 20 default edges
   ``0.5:10:0.5``, 100 edges ``0.1:10:0.1`` and a 40-edge geometric series, against a numpy
   per-edge ``floor`` + ``bincount`` (``np.unique`` when the dense count array would not fit) that
   computes only the entropies; the ratio is numpy time / our time;
2. the full analysis (curve plus SUME interval) on 200 edges ``0.1:20:0.1`` against the same for
   the 40 edges ``0.5:20:0.5`` (target <= 3x);
3. one pass over the atoms (the voxel-table fill of the finest edge) in GB/s of the compact arrays,
   next to a numpy ``sum`` over the same arrays.

Nothing is asserted: the machine is shared, the numbers go into the notes.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from hea_studio.core.atoms import AtomSet
from hea_studio.core.geometry import Box
from hea_studio.core.settings import AnalysisSettings, parse_sizes

DENSITY = 33.0
FRACTIONS = np.array([0.219, 0.267, 0.208, 0.306])
NAMES = ("Co", "Cu", "Fe", "Ni")


def load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def random_atoms(n: int, seed: int = 0) -> tuple[AtomSet, Box]:
    """A random solid solution filling a cube at the detected density (float32, as files give)."""
    rng = np.random.default_rng(seed)
    side = (n / DENSITY) ** (1.0 / 3.0)
    pos = rng.uniform(0.0, side, (n, 3)).astype(np.float32)
    labels = rng.choice(4, n, p=FRACTIONS).astype(np.uint8)
    return AtomSet(pos, labels, NAMES), Box((0.0, 0.0, 0.0), (side, side, side))


def geometric(n: int, lo: float = 0.3, hi: float = 12.0) -> tuple[float, ...]:
    return tuple(float(v) for v in np.round(np.geomspace(lo, hi, n), 6))


def numpy_curve(rel: np.ndarray, lab: np.ndarray, size: np.ndarray, sizes, K: int, min_atoms: int = 10):
    """Per edge: floor, cube key, counts (bincount, or unique when sparse), entropy mean and std."""
    out = []
    n = len(rel)
    for L in sizes:
        n_axis = np.floor(size / L + 1e-9).astype(np.int64)
        idx = np.floor(rel / L).astype(np.int64)
        ok = np.all(idx < n_axis, axis=1)
        flat = (idx[ok, 0] * n_axis[1] + idx[ok, 1]) * n_axis[2] + idx[ok, 2]
        n_cubes = int(np.prod(n_axis))
        if n_cubes <= 4 * n:
            counts = np.bincount(flat * K + lab[ok], minlength=n_cubes * K).reshape(-1, K)
        else:
            keys, cnt = np.unique(flat * K + lab[ok], return_counts=True)
            cubes, inv = np.unique(keys // K, return_inverse=True)
            counts = np.zeros((len(cubes), K), dtype=np.int64)
            counts[inv, keys % K] = cnt
        tot = counts.sum(axis=1)
        counts = counts[tot >= min_atoms]
        if len(counts) < 2:
            out.append((float("nan"), float("nan")))
            continue
        x = counts / counts.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            S = -np.where(x > 0, x * np.log(x), 0.0).sum(axis=1)
        out.append((float(S.mean()), float(S.std(ddof=1))))
    return out


def timed(fn, repeat: int = 1):
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def bench_curves(atoms: AtomSet, box: Box, repeat: int) -> None:
    from hea_studio.compute.lac.curve import iter_prepared
    from hea_studio.compute.lac.roi import prepare_roi

    rel = atoms.positions.astype(np.float64) - np.asarray(box.lo)
    lab = np.asarray(atoms.labels, dtype=np.int64)
    size = np.asarray(box.size, dtype=np.float64)
    lists = {
        "20 default edges 0.5:10:0.5": parse_sizes("0.5:10:0.5"),
        "100 edges 0.1:10:0.1": parse_sizes("0.1:10:0.1"),
        "40-edge geometric 0.3..12": geometric(40),
    }
    for name, sizes in lists.items():
        t_np, ref = timed(lambda sizes=sizes: numpy_curve(rel, lab, size, sizes, 4))
        load_np = load()
        settings = AnalysisSettings(sizes_nm=sizes)

        def ours(settings=settings):
            prep = prepare_roi(atoms, box, None)
            return list(iter_prepared(prep, settings, fda=True))

        t_us, curve = timed(ours, repeat)
        worst = max(
            (abs(s.S_mean - r[0]) for s, r in zip(curve, ref) if s.S_mean is not None and r[0] == r[0]),
            default=0.0,
        )
        print(
            f"  {name:30s} numpy {t_np:7.2f} s ({load_np}) | ours {t_us:6.3f} s ({load()}) "
            f"-> {t_np / t_us:5.1f}x  (max |dS| {worst:.1e})",
            flush=True,
        )


def bench_analysis(atoms: AtomSet, box: Box) -> None:
    from hea_studio.compute.analysis import run_analysis

    times = {}
    for name, spec in (("40 edges 0.5:20:0.5", "0.5:20:0.5"), ("200 edges 0.1:20:0.1", "0.1:20:0.1")):
        settings = AnalysisSettings(sizes_nm=parse_sizes(spec))
        t = time.perf_counter()
        result = run_analysis(atoms, settings, box)
        times[name] = time.perf_counter() - t
        print(
            f"  full analysis, {name:22s} {times[name]:7.2f} s (curve {result.timing_s['curve']:.2f} s) "
            f"({load()})",
            flush=True,
        )
    a, b = times.values()
    print(f"  200-edge analysis / 40-edge analysis: {b / a:.2f}x (target <= 3x)")


def bench_pass(atoms: AtomSet, box: Box) -> None:
    """Passes over the atoms against numpy sums of the same arrays, and the fine grid's dense and
    sparse counting per atom."""
    from hea_studio.compute.common import scan
    from hea_studio.compute.lac.roi import prepare_roi

    prep = prepare_roi(atoms, box, None)
    pos, lab = atoms.positions, atoms.labels
    nbytes = pos.nbytes + lab.nbytes
    t_np, _ = timed(lambda: (pos.sum(), lab.sum()), 3)
    g = 1.0
    shape = prep.grid_shape(g)
    t_us, _ = timed(lambda: scan.voxel_table(pos, lab, prep.lut, box, g, shape, prep.K, prep.n_atoms), 3)
    t_b, _ = timed(lambda: scan.bounds(pos), 3)
    print(
        f"  one pass ({nbytes / 1e9:.2f} GB): bounds {nbytes / t_b / 1e9:5.2f} GB/s, voxel fill "
        f"{nbytes / t_us / 1e9:5.2f} GB/s; numpy sum {nbytes / t_np / 1e9:5.2f} GB/s ({load()})"
    )
    fine = prep.fine_grid(0.1)
    assert fine is not None
    fbytes = fine.fz.nbytes + fine.flab.nbytes + fine.starts.nbytes
    t_fs, _ = timed(lambda: (fine.fz.sum(), fine.flab.sum()), 3)
    n = prep.n_atoms
    for L in (5.0, 1.0, 0.1):
        c = prep.grid_shape(L)
        dense = bool(np.prod(c) <= 0.5 * n)
        t_f, _ = timed(lambda L=L, c=c, dense=dense: fine.counts(L, np.zeros(3), *c, dense), 3)
        print(
            f"  fine grid {'dense ' if dense else 'sparse'} L={L:4.1f} nm: {t_f / n * 1e9:5.1f} ns/atom, "
            f"{fbytes / t_f / 1e9:5.2f} GB/s of its arrays (numpy sum {fbytes / t_fs / 1e9:5.2f} GB/s) ({load()})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--atoms", type=float, default=1e7)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--only", choices=("curves", "analysis", "pass"), default=None)
    args = parser.parse_args()
    from hea_studio.compute.lac.curve import iter_curve

    print(f"hea-studio edge-list benchmark, {os.cpu_count()} CPUs ({load()})", flush=True)
    small, small_box = random_atoms(50_000, seed=9)
    list(iter_curve(small, small_box, AnalysisSettings(sizes_nm=(0.5, 1.0, 1.3))))
    atoms, box = random_atoms(int(args.atoms), seed=1)
    print(f"  box: {atoms.n_atoms:.2e} atoms, {box.size[0]:.1f} nm side", flush=True)
    if args.only in (None, "pass"):
        bench_pass(atoms, box)
    if args.only in (None, "curves"):
        bench_curves(atoms, box, args.repeat)
    if args.only in (None, "analysis"):
        bench_analysis(atoms, box)


if __name__ == "__main__":
    main()
