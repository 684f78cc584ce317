"""Benchmark of the io package: open + range a 10^7-ion .pos against plain numpy.

Prints, all measured in this run:

- time of ``load_ions`` + ``assign_species`` (50-range table) versus ``numpy.fromfile`` of the same
  file + one ``searchsorted`` of its m/n column, and their ratio (target: <= 1.5);
- peak memory (VmHWM, in a fresh subprocess each) of both, as a multiple of the file size:
  absolute, and above the process's resident size once imports and kernels are loaded (target:
  ours < 2x; the absolute figure includes ~100 MB of interpreter, numpy and numba that does not
  grow with the file);
- ``to_atoms`` on 5x10^6 ions with molecular species (time and peak memory);
- parse time of the real 1440-range VAlN .rrng (target: < 0.5 s), if the shared data is present.

Usage: ``python benchmarks/bench_io.py [--ions 10000000]``. Exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import assign_species, load_ions, load_ranges, to_atoms, write_rrng

VALN = (
    Path(os.environ.get("HEA_STUDIO_REAL_DATA", "/work/shared/data/real"))
    / "atomprobe-tc_ifes_apt_tc_data_modeling/rrng/VAlN_film_plan-view_700C.rrng"
)


def make_table(n_ranges: int = 50) -> RangeTable:
    """50 ranges 0.4 Da wide at 2 Da spacing, a few of them molecular."""
    ranges = []
    for i in range(n_ranges):
        lo = 10.0 + 2.0 * i
        if i % 10 == 9:
            comp = (("Cr", 1.0), ("O", 2.0))
            ion = "CrO2"
        else:
            el = ("Co", "Cu", "Fe", "Ni")[i % 4]
            comp, ion = ((el, 1.0),), el
        ranges.append(Range(lo, lo + 0.4, ion, comp, (0.5, 0.5, 0.5)))
    return RangeTable(ranges)


def make_file(path: Path, n: int, table: RangeTable, seed: int = 0) -> None:
    """A .pos of n ions: 90 % on the range peaks, 10 % background."""
    rng = np.random.default_rng(seed)
    centres = np.array([(r.lo + r.hi) / 2 for r in table.ranges])
    step = 1 << 21
    with open(path, "wb") as fh:
        for start in range(0, n, step):
            k = min(step, n - start)
            pos = rng.uniform(-30, 30, size=(k, 3)).astype(np.float32)
            mass = centres[rng.integers(0, centres.size, k)] + rng.normal(0, 0.08, k)
            bg = rng.random(k) < 0.1
            mass[bg] = rng.uniform(1, 120, bg.sum())
            rec = np.empty((k, 4), dtype=">f4")
            rec[:, :3] = pos
            rec[:, 3] = mass
            rec.tofile(fh)


def _vmhwm_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def _vmrss_kb() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def run_ours(pos: Path, rrng: Path) -> np.ndarray:
    ions = load_ions(pos)
    species, _ = assign_species(ions.mass, load_ranges(rrng))
    return species


def run_numpy(pos: Path, edges: np.ndarray) -> np.ndarray:
    data = np.fromfile(pos, dtype=">f4").reshape(-1, 4)
    return np.searchsorted(edges, data[:, 3])


def child(mode: str, pos: Path, rrng: Path) -> None:
    """Run one variant in this fresh process and print its memory as JSON.

    The baseline resident size is taken after the imports and after the numba kernels were loaded
    (a tiny warm-up call), so that the difference to the peak is the memory the file costs, not
    the fixed ~100 MB of Python, numpy and LLVM that does not grow with the file.
    """
    assign_species(np.array([15.0, 20.0], dtype=">f4"), make_table())
    base = _vmrss_kb()
    t0 = time.perf_counter()
    if mode == "ours":
        out = run_ours(pos, rrng)
    elif mode == "numpy":
        table = load_ranges(rrng)
        edges = np.unique([e for r in table.ranges for e in (r.lo, r.hi)])
        out = run_numpy(pos, edges)
    else:  # atoms
        ions = load_ions(pos)
        out = to_atoms(ions, load_ranges(rrng)).labels
    elapsed = time.perf_counter() - t0
    print(json.dumps({"base_kb": base, "hwm_kb": _vmhwm_kb(), "seconds": elapsed, "n": int(out.shape[0])}))


def measure_child(mode: str, pos: Path, rrng: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, str(pos), str(rrng)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ions", type=int, default=10_000_000)
    parser.add_argument("--atoms-ions", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return 0

    ok = True
    table = make_table()
    with tempfile.TemporaryDirectory(prefix="hea-bench-io-") as tmp:
        pos = Path(tmp) / "bench.pos"
        rrng = Path(tmp) / "bench.rrng"
        write_rrng(rrng, table)
        t0 = time.perf_counter()
        make_file(pos, args.ions, table)
        size = pos.stat().st_size
        print(f"file: {args.ions:,} ions, {size / 1e6:.0f} MB (written in {time.perf_counter() - t0:.1f} s)")

        edges = np.unique([e for r in table.ranges for e in (r.lo, r.hi)])
        ours_t, numpy_t = [], []
        # Alternate the two so that page cache and CPU contention affect both alike.
        for _ in range(args.repeat):
            t = time.perf_counter()
            run_numpy(pos, edges)
            numpy_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            species = run_ours(pos, rrng)
            ours_t.append(time.perf_counter() - t)
        ranged = int((species >= 0).sum())
        o, b = statistics.median(ours_t), statistics.median(numpy_t)
        ratio = o / b
        print(f"open+range (ours, median of {args.repeat}): {o:.3f} s   ({ranged:,} ranged)")
        print(f"numpy.fromfile + searchsorted (median):    {b:.3f} s")
        print(f"time ratio ours/numpy: {ratio:.2f}  (target <= 1.5) {'OK' if ratio <= 1.5 else 'MISSED'}")
        ok &= ratio <= 1.5

        mo = measure_child("ours", pos, rrng)
        mb = measure_child("numpy", pos, rrng)
        for label, m in (("ours", mo), ("numpy", mb)):
            peak = m["hwm_kb"] * 1024
            extra = (m["hwm_kb"] - m["base_kb"]) * 1024
            print(
                f"peak memory {label:>5}: VmHWM {peak / 1e6:.0f} MB = {peak / size:.2f}x file; "
                f"above the loaded interpreter {extra / 1e6:.0f} MB = {extra / size:.2f}x file"
            )
        ours_extra = (mo["hwm_kb"] - mo["base_kb"]) * 1024
        verdict = "OK" if ours_extra < 2 * size else "MISSED"
        print(f"peak memory target, ours above the loaded interpreter < 2x file: {verdict}")
        ok &= ours_extra < 2 * size

        small = Path(tmp) / "atoms.pos"
        make_file(small, args.atoms_ions, table, seed=1)
        ma = measure_child("atoms", small, rrng)
        print(
            f"to_atoms on {args.atoms_ions:,} ions (10 % of ranges CrO2): load+range+decompose "
            f"{ma['seconds']:.2f} s, {ma['n']:,} atoms, VmHWM {ma['hwm_kb'] / 1e3:.0f} MB "
            f"(file {small.stat().st_size / 1e6:.0f} MB)"
        )

    if VALN.is_file():
        times = []
        for _ in range(5):
            t = time.perf_counter()
            load_ranges(VALN)
            times.append(time.perf_counter() - t)
        best = min(times)
        print(
            f"VAlN .rrng, 1440 ranges: parsed in {best * 1000:.1f} ms (target < 500 ms) {'OK' if best < 0.5 else 'MISSED'}"
        )
        ok &= best < 0.5
    else:
        print(f"VAlN .rrng not found at {VALN}; parse timing skipped")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
