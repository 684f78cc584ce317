"""Benchmark of the robustness checks (issue 14), each against a baseline measured in this run.

- Overlapping ranges: reading a .rrng of N nested ranges (every pair overlaps) with the counting
  overlap check, against the old check that listed every overlapping pair (N(N-1)/2 tuples).
- Plausibility check of ion files: ``load_ions`` of a .pos with the sampled plausibility check,
  against the same load with the check switched off (target: the check adds < 50 ms).

Usage: ``python benchmarks/bench_robust.py [--ranges 3000] [--ions 5000000]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from hea_studio.io import load_ions, load_ranges, write_pos
from hea_studio.io.ranges import _rangetext


def _listing_overlaps(ordered, show: int = 5):
    """The check before issue 14: every overlapping pair as a tuple."""
    pairs = []
    active = []
    for r in ordered:
        active = [a for a in active if a.hi > r.lo]
        pairs.extend((a, r) for a in active)
        active.append(r)
    return len(pairs), pairs[:show]


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_ranges(folder: Path, n: int) -> None:
    lines = ["[Ions]", "Number=1", "Ion1=Fe", "[Ranges]", f"Number={n}"]
    lines += [f"Range{i + 1}={10 + i * 0.001:.4f} {60 + i * 0.001:.4f} Vol:0.01 Fe:1" for i in range(n)]
    path = folder / "nested.rrng"
    path.write_text("\r\n".join(lines) + "\r\n")
    ours = _best(lambda: load_ranges(path))
    original = _rangetext.find_overlaps
    _rangetext.find_overlaps = _listing_overlaps
    try:
        old = _best(lambda: load_ranges(path), repeat=1)
    finally:
        _rangetext.find_overlaps = original
    print(
        f"{n} nested ranges: read in {ours:.3f} s, with the pair-listing check {old:.3f} s: {old / ours:.1f}x faster"
    )


def bench_plausibility(folder: Path, n: int) -> bool:
    import hea_studio.io.apt.pos as pos_reader

    rng = np.random.default_rng(0)
    path = folder / "run.pos"
    write_pos(
        path, rng.uniform(-40, 40, (n, 3)).astype(np.float32), rng.uniform(1, 120, n).astype(np.float32)
    )
    load_ions(path)  # compile and warm the page cache
    checked = _best(lambda: load_ions(path))
    original = pos_reader.check_records
    pos_reader.check_records = lambda *a, **k: None
    try:
        unchecked = _best(lambda: load_ions(path))
    finally:
        pos_reader.check_records = original
    extra = checked - unchecked
    print(
        f"load_ions of {n:,} ions: {checked * 1e3:.1f} ms with the plausibility check, {unchecked * 1e3:.1f} ms "
        f"without (ratio {checked / unchecked:.2f}, +{extra * 1e3:.1f} ms; target < 50 ms)"
    )
    return extra < 0.05


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ranges", type=int, default=3000)
    parser.add_argument("--ions", type=int, default=5_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-robust-") as tmp:
        bench_ranges(Path(tmp), args.ranges)
        ok = bench_plausibility(Path(tmp), args.ions)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
