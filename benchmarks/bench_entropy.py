"""Speed of the entropy engine against the plain numpy way, measured in the same run.

Run: ``.venv/bin/python benchmarks/bench_entropy.py [--quick] [--no-jit]``

Prints
  1. JIT: cold compile time of every kernel (fresh numba cache in a temporary directory, in a
     subprocess) and the time to load them from that cache in a second subprocess;
  2. the full curve for 40 edges 0.5:20:0.5 nm on 5x10^6 atoms: :func:`iter_curve` (warm) versus a
     per-edge ``floor`` + ``bincount`` numpy implementation, and their ratio;
  3. the curve of a 10^6-atom sub-volume for 30 edges (the box-drag case), median of several runs.

Wall-clock and process CPU times are both printed: on a shared machine the CPU time is the fairer
number. No threshold is asserted here; the numbers go into the report.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from hea_studio.core.atoms import AtomSet
from hea_studio.core.geometry import Box
from hea_studio.core.settings import AnalysisSettings, parse_sizes

DENSITY = 33.0  # detected atoms per nm^3 (fcc CoCuFeNi at ~40 % detection efficiency)
FRACTIONS = np.array([0.219, 0.267, 0.208, 0.306])
NAMES = ("Co", "Cu", "Fe", "Ni")

_JIT_SNIPPET = """
import time
t0 = time.perf_counter()
import numpy as np
from hea_studio.compute.analysis import run_analysis
from hea_studio.compute.lac.roi import default_box
from hea_studio.core.atoms import AtomSet
from hea_studio.core.geometry import Box
from hea_studio.core.settings import AnalysisSettings
t1 = time.perf_counter()
rng = np.random.default_rng(0)
pos = rng.uniform(0, 8, (20000, 3))
atoms = AtomSet(pos, rng.integers(0, 4, 20000), ("Co", "Cu", "Fe", "Ni"))
box = Box((0, 0, 0), (8, 8, 8))
t2 = time.perf_counter()
run_analysis(atoms, AnalysisSettings(sizes_nm=(0.5, 1.0, 1.3, 2.0, 3.0), bootstrap=5), box)
run_analysis(atoms, AnalysisSettings(sizes_nm=(1.0, 2.0, 3.0, 4.0), mode="paper", bootstrap=5), box)
default_box(pos)
t3 = time.perf_counter()
print(f"{t1 - t0:.3f} {t3 - t2:.3f}")
"""


def random_atoms(n: int, seed: int = 0) -> tuple[AtomSet, Box]:
    """A random solid solution filling a cube at the detected density."""
    rng = np.random.default_rng(seed)
    side = (n / DENSITY) ** (1.0 / 3.0)
    pos = rng.uniform(0.0, side, (n, 3))
    labels = rng.choice(4, n, p=FRACTIONS)
    return AtomSet(pos, labels, NAMES), Box((0.0, 0.0, 0.0), (side, side, side))


def numpy_baseline(atoms: AtomSet, box: Box, sizes, min_atoms: int = 10) -> list[tuple[float, float]]:
    """The curve as a user would write it: select once, then per edge floor + bincount + entropy."""
    inside = box.contains(atoms.positions)
    rel = atoms.positions[inside] - np.asarray(box.lo)
    lab = atoms.labels[inside]
    K = len(atoms.names)
    out = []
    for L in sizes:
        n_axis = np.floor(box.size / L + 1e-9).astype(np.int64)
        idx = np.floor(rel / L).astype(np.int64)
        ok = np.all(idx < n_axis, axis=1)
        flat = (idx[ok, 0] * n_axis[1] + idx[ok, 1]) * n_axis[2] + idx[ok, 2]
        counts = np.bincount(flat * K + lab[ok], minlength=int(np.prod(n_axis)) * K).reshape(-1, K)
        n = counts.sum(axis=1)
        counts = counts[n >= min_atoms]
        x = counts / counts.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            S = -np.where(x > 0, x * np.log(x), 0.0).sum(axis=1)
        x.mean(axis=0), x.std(axis=0, ddof=1)
        out.append((float(S.mean()), float(S.std(ddof=1))))
    return out


def timed(fn, repeat: int = 1) -> tuple[float, float, object]:
    """Minimum wall and CPU seconds over ``repeat`` runs, and the last result."""
    walls, cpus = [], []
    result = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus), result


def bench_jit() -> None:
    """Cold compile and cached load of all kernels, each in a fresh interpreter."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for label in ("cold (compile)", "cached (load) "):
            out = subprocess.run(
                [sys.executable, "-c", _JIT_SNIPPET], env=env, capture_output=True, text=True, check=True
            ).stdout.split()
            print(f"  JIT {label}: import {float(out[0]):.2f} s, first analysis {float(out[1]):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10^6 atoms instead of 5x10^6 for the ratio")
    parser.add_argument("--no-jit", action="store_true", help="skip the compile-time measurement")
    args = parser.parse_args()
    from hea_studio.compute.lac.curve import iter_curve

    print(f"hea-studio entropy benchmark, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    if not args.no_jit:
        bench_jit()

    # Warm-up on a small set so that no measurement below includes compilation or cache loading.
    small, small_box = random_atoms(50_000, seed=9)
    list(iter_curve(small, small_box, AnalysisSettings(sizes_nm=(0.5, 1.0, 1.3))))

    bench_ratio(1_000_000 if args.quick else 5_000_000)
    bench_drag()


def bench_ratio(n_atoms: int) -> None:
    """The full 40-edge curve: iter_curve against the numpy baseline on the same atoms."""
    from hea_studio.compute.lac.curve import iter_curve

    atoms, box = random_atoms(n_atoms, seed=1)
    sizes = parse_sizes("0.5:20:0.5")
    settings = AnalysisSettings(sizes_nm=sizes)
    wall_np, cpu_np, ref = timed(lambda: numpy_baseline(atoms, box, sizes))
    for fda in (False, True):
        wall, cpu, curve = timed(lambda fda=fda: list(iter_curve(atoms, box, settings, fda=fda)), repeat=3)
        worst = max(abs(s.S_mean - r[0]) for s, r in zip(curve, ref))  # type: ignore[union-attr]
        print(
            f"  {n_atoms:.0e} atoms x {len(sizes)} edges, fda={'on ' if fda else 'off'}: "
            f"numpy {wall_np:.2f} s wall / {cpu_np:.2f} s cpu, iter_curve {wall:.3f} s / {cpu:.3f} s "
            f"-> ratio {wall_np / wall:.0f}x wall, {cpu_np / cpu:.0f}x cpu (max |dS| {worst:.1e})"
        )


def bench_drag() -> None:
    """A 10^6-atom sub-volume and 30 edges: what one update of a dragged box costs."""
    from hea_studio.compute.lac.curve import iter_curve

    atoms, box = random_atoms(1_000_000, seed=2)
    sizes = parse_sizes("0.5:15:0.5")
    settings = AnalysisSettings(sizes_nm=sizes)
    for fda in (False, True):
        wall, cpu, _ = timed(lambda fda=fda: list(iter_curve(atoms, box, settings, fda=fda)), repeat=7)
        print(
            f"  1e6 atoms x {len(sizes)} edges (box drag), fda={'on ' if fda else 'off'}: "
            f"{wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms cpu (best of 7)"
        )


if __name__ == "__main__":
    main()
