"""Final-analysis time of the demo box with the SUME interval of science.md 5, against the previous
interval (bootstrap over the analysed tiling only), measured in the same run.

Run: ``python benchmarks/bench_sume.py``. Prints medians over repeats, their ratio, and the interval
widths each source adds; the target is a final analysis of the demo box under 2 s on 2 cores.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace

from hea_studio.compute.analysis import run_analysis
from hea_studio.compute.lac.roi import default_box
from hea_studio.core.settings import AnalysisSettings
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


def _width(sume) -> str:
    if sume is None or sume.ci95_nm is None:
        return "-"
    lo, hi = sume.ci95_nm
    return f"{sume.edge_nm:.2f} nm [{lo:.2f}, {hi:.2f}] (width {hi - lo:.2f})"


def main() -> None:
    pos, rng = demo_files()
    atoms = to_atoms(load_ions(pos), load_ranges(rng))
    box = default_box(atoms.positions)
    limit = float(min(box.size))
    new = AnalysisSettings()
    new = replace(new, sizes_nm=tuple(L for L in new.sizes_nm if limit >= L))
    old = replace(new, grid_shifts=1)
    run_analysis(atoms, new, box)  # compile and warm the caches
    preview_t, _ = _median_time(atoms, box, replace(new, bootstrap=0))
    old_t, old_r = _median_time(atoms, box, old)
    new_t, new_r = _median_time(atoms, box, new)
    print(f"demo box: {new_r.roi_atoms} atoms, {len(new.sizes_nm)} edges, {new.bootstrap} replicates")
    print(f"preview (no interval)                         {preview_t:6.3f} s")
    print(f"interval over the analysed tiling (baseline)  {old_t:6.3f} s   SUME {_width(old_r.sume)}")
    print(
        f"interval over {new.grid_shifts} tilings + edge subsets (new) {new_t:6.3f} s   SUME {_width(new_r.sume)}"
    )
    print(
        f"ratio new / baseline: {new_t / old_t:.2f}x; target new < 2 s: {'met' if new_t < 2 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
