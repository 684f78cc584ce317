"""Benchmark of the synthetic specimen generator and the demo's first start.

Run: ``.venv/bin/python benchmarks/bench_synth.py [--sites 1e7] [--repeat 1]``

Each measurement runs in a fresh Python process so that its peak resident memory (ru_maxrss of
that child) belongs to that measurement alone, and the demo's "first start" includes the imports
and an empty cache, as a user's first launch would. Everything printed is measured in this run;
the targets from issue 5 are printed next to the numbers for comparison, never assumed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap

_GENERATE = textwrap.dedent(
    """
    import json, resource, sys, time
    from hea_studio.core.settings import Lattice
    from hea_studio.synth import BoxShape, ClusterSpec, FieldSpec, SynthParams, generate
    from hea_studio.synth.lattice import site_density

    sites, heterogeneous = float(sys.argv[1]), sys.argv[2] == "1"
    lattice = Lattice("fcc", 0.35834)
    edge = (sites / site_density(lattice)) ** (1.0 / 3.0)
    extra = {}
    if heterogeneous:
        extra = dict(
            clusters=ClusterSpec(2.0, 0.009, {"Ni": 0.55, "Cu": 0.45}),
            field=FieldSpec(1.5, 0.25, {"Ni": 1.0, "Cu": 1.0, "Co": -1.0, "Fe": -1.0}),
            impurities={"C": 0.003, "O": 0.004, "CO": 0.0005, "O2": 0.0005},
        )
    params = SynthParams(
        elements=("Co", "Cu", "Fe", "Ni"), fractions=(0.219, 0.267, 0.208, 0.306),
        lattice=lattice, shape=BoxShape((edge, edge, edge)), seed=1, **extra,
    )
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0, c0 = time.perf_counter(), time.process_time()
    spec = generate(params)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({
        "sites": spec.truth["site_count"], "ions": spec.n_ions, "wall_s": wall, "cpu_s": cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": rss0 / 1024,
    }))
    """
)

_DEMO = textwrap.dedent(
    """
    import json, resource, time
    t0, c0 = time.perf_counter(), time.process_time()
    from hea_studio.synth.demo import demo_files
    pos, rrng = demo_files()
    first_wall, first_cpu = time.perf_counter() - t0, time.process_time() - c0
    t1 = time.perf_counter()
    demo_files()
    again = time.perf_counter() - t1
    print(json.dumps({
        "first_start_wall_s": first_wall, "first_start_cpu_s": first_cpu, "cached_s": again,
        "pos_mb": pos.stat().st_size / 2**20,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    """
)


def _child(code: str, *args: str, env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=float, default=1e7, help="lattice sites of the big box")
    parser.add_argument("--repeat", type=int, default=1, help="repeat each measurement")
    args = parser.parse_args()

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load average {_load()}")
    print("(wall time depends on what else runs; CPU time is the generator's own work)")
    for label, het in (("random solid solution", "0"), ("clusters + field + impurities", "1")):
        for _ in range(args.repeat):
            r = _child(_GENERATE, str(args.sites), het)
            print(
                f"{label:<30} {r['sites'] / 1e6:6.2f} M sites -> {r['ions'] / 1e6:5.2f} M ions: "
                f"wall {r['wall_s']:5.2f} s, cpu {r['cpu_s']:5.2f} s "
                f"({r['sites'] / r['cpu_s'] / 1e6:4.2f} M sites per cpu-second), "
                f"peak RSS {r['peak_rss_mb']:6.0f} MB (interpreter + imports {r['rss_before_mb']:.0f} MB)"
            )
    print("targets (issue 5): 1e7 sites in < 10 s, peak memory < 3 GB")

    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="hea-bench-cache-") as cache:
            env = {**os.environ, "HEA_STUDIO_CACHE": cache}
            r = _child(_DEMO, env=env)
        print(
            f"demo first start (empty cache, imports included): wall {r['first_start_wall_s']:5.2f} s, "
            f"cpu {r['first_start_cpu_s']:5.2f} s; cached start {r['cached_s'] * 1000:.1f} ms; "
            f".pos {r['pos_mb']:.1f} MB; peak RSS {r['peak_rss_mb']:.0f} MB"
        )
    print("target (issue 5): demo first start < 10 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
