"""Final-analysis time of the demo box with the schema-3 SUMEs (issue 21): the default edge list
(0.5 nm steps) against a denser one (0.25 nm steps), and the preview without an interval, measured in
the same run with the machine's load beside each figure.

Run: ``python benchmarks/bench_sume.py``. Prints medians over repeats and their ratios; the target is a
final analysis of the demo box under 2 s on 2 cores.
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import replace

from hea_studio.compute.analysis import run_analysis
from hea_studio.compute.lac.roi import default_box
from hea_studio.core.settings import AnalysisSettings, parse_sizes
from hea_studio.core.summary import headline
from hea_studio.io import load_ions, load_ranges, to_atoms
from hea_studio.synth.demo import demo_files

REPEATS = 5


def _median_time(atoms, box, settings):
    times = []
    result = None
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        result = run_analysis(atoms, settings, box)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def _load() -> str:
    return "load " + " ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> None:
    pos, rng = demo_files()
    atoms = to_atoms(load_ions(pos), load_ranges(rng))
    box = default_box(atoms.positions)
    limit = float(min(box.size))

    def cut(settings):
        return replace(settings, sizes_nm=tuple(L for L in settings.sizes_nm if limit >= L))

    default = cut(AnalysisSettings())
    dense = cut(AnalysisSettings(sizes_nm=parse_sizes("0.5:10:0.25")))
    run_analysis(atoms, default, box)  # compile and warm the caches
    preview_t, _ = _median_time(atoms, box, replace(default, bootstrap=0))
    print(f"preview, no interval ({len(default.sizes_nm)} edges)        {preview_t:6.3f} s   {_load()}")
    default_t, r = _median_time(atoms, box, default)
    print(f"final, default 0.5 nm steps ({len(default.sizes_nm)} edges)   {default_t:6.3f} s   {_load()}")
    print(f"   SUME {headline(r.to_json()).line()}; apparent {r.sume_apparent.edge_nm:.2f} nm")
    dense_t, d = _median_time(atoms, box, dense)
    print(f"final, 0.25 nm steps ({len(dense.sizes_nm)} edges)          {dense_t:6.3f} s   {_load()}")
    print(f"   SUME {headline(d.to_json()).line()}; apparent {d.sume_apparent.edge_nm:.2f} nm")
    print(
        f"ratio 0.25 / 0.5 steps: {dense_t / default_t:.2f}x; final / preview: {default_t / preview_t:.2f}x"
    )
    print(f"target default final < 2 s: {'met' if default_t < 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
