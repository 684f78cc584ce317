"""Throughput of ``hea-studio batch`` on Dask against sequential ``analyze`` processes, same run.

Run: ``.venv/bin/python benchmarks/bench_batch.py [--runs 12] [--workers 2] [--size-nm 14]``

1. ``--runs`` synthetic specimens are written with ``hea-studio synth`` (cocufeni-paper preset);
2. baseline: one ``hea-studio analyze`` process per run, one after the other (what a shell loop does);
3. ``hea-studio batch`` over the same runs on a LocalCluster of ``--workers`` processes, cluster start-up
   included, in one process;
4. both wall times, runs per second and their ratio. The batch results are checked against the
   analyze results (S_bulk and SUME of every run). No threshold is asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANALYSIS = ["--bootstrap", "100", "--seed", "0"]


def hea(*args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "main.py"), *args], check=True, cwd=ROOT, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--size-nm", default="14", help="specimen edge of each synthetic run (nm)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        folder = Path(tmp)
        for i in range(args.runs):
            hea("synth", "--out", str(folder / f"run{i:02d}"), "--preset", "cocufeni-paper", "--size-nm",
                args.size_nm, "--seed", str(i))  # fmt: skip
        files = sorted(folder.glob("run*.pos"))
        # Warm the numba cache once so neither side pays the first compilation.
        hea("analyze", str(files[0]), "--ranges", str(files[0].with_suffix(".rrng")), *ANALYSIS)

        t0 = time.perf_counter()
        for f in files:
            out = f.with_suffix(".analyze.json")
            hea("analyze", str(f), "--ranges", str(f.with_suffix(".rrng")), *ANALYSIS, "--json", str(out))
        t_seq = time.perf_counter() - t0

        manifest = folder / "manifest.csv"
        with open(manifest, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["file", "ranges", "roi", "label"])
            w.writerows([f.name, f.with_suffix(".rrng").name, "", f.stem] for f in files)
        t0 = time.perf_counter()
        hea("batch", str(manifest), "--out", str(folder / "table.csv"), "--workers", str(args.workers),
            "--no-progress", *ANALYSIS)  # fmt: skip
        t_batch = time.perf_counter() - t0

        with open(folder / "table.csv", newline="") as fh:
            table = {r["label"]: r for r in csv.DictReader(fh)}
        same = 0
        for f in files:
            want = json.loads(f.with_suffix(".analyze.json").read_text())
            got = table[f.stem]
            sume = (want["sume"] or {}).get("edge_nm")
            same += (
                got["status"] == "ok"
                and float(got["S_bulk_R"]) == want["bulk"]["S_R"]
                and (float(got["sume_nm"]) if got["sume_nm"] else None) == sume
            )

    n = args.runs
    print(f"{n} runs of {args.size_nm} nm, {args.workers} workers; batch results equal analyze: {same}/{n}")
    print(f"sequential analyze processes: {t_seq:7.2f} s  ({n / t_seq:.2f} runs/s)")
    print(
        f"batch on a LocalCluster:      {t_batch:7.2f} s  ({n / t_batch:.2f} runs/s, cluster start included)"
    )
    print(f"speed-up: {t_seq / t_batch:.2f}x")
    return 0 if same == n else 1


if __name__ == "__main__":
    sys.exit(main())
