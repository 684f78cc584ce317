"""Final-analysis time of the demo box: the new SUME interval (grid shifts + bootstrap) against the
previous one (bootstrap over the analysed tiling only), measured in the same run.

Run: ``python benchmarks/bench_sume.py``. Prints medians over repeats and their ratio; science.md 5
asks for the final analysis of the demo box to stay under 2 s on a 2-core machine.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace

from hea_studio.compute import sume_estimate
from hea_studio.compute.analysis import run_analysis
from hea_studio.compute.roi import default_box
from hea_studio.core.settings import AnalysisSettings
from hea_studio.io import load_ions, load_ranges, to_atoms
from hea_studio.synth.demo import demo_files

REPEATS = 5


def _time(atoms, box, settings, shifts: int) -> tuple[float, object]:
    saved = sume_estimate.N_SHIFTS
    times = []
    result = None
    try:
        sume_estimate.N_SHIFTS = shifts
        import hea_studio.compute.analysis as analysis

        analysis.N_SHIFTS = shifts
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            result = run_analysis(atoms, settings, box)
            times.append(time.perf_counter() - t0)
    finally:
        sume_estimate.N_SHIFTS = saved
        import hea_studio.compute.analysis as analysis

        analysis.N_SHIFTS = saved
    return statistics.median(times), result


def main() -> None:
    pos, rng = demo_files()
    atoms = to_atoms(load_ions(pos), load_ranges(rng))
    box = default_box(atoms.positions)
    limit = float(min(box.size))
    settings = AnalysisSettings()
    settings = replace(settings, sizes_nm=tuple(L for L in settings.sizes_nm if limit >= L))
    run_analysis(atoms, settings, box)  # compile and warm caches
    base_t, base = _time(atoms, box, settings, 1)
    new_t, new = _time(atoms, box, settings, sume_estimate.N_SHIFTS)
    preview = replace(settings, bootstrap=0)
    prev_t, _ = _time(atoms, box, preview, 1)
    print(f"demo box: {new.roi_atoms} atoms, {len(settings.sizes_nm)} edges, {settings.bootstrap} replicates")
    print(f"preview (no interval)                 : {prev_t:6.3f} s")
    print(
        f"bootstrap over the analysed tiling    : {base_t:6.3f} s  SUME {base.sume.edge_nm:.2f} {base.sume.ci95_nm}"
    )
    print(
        f"grid shifts x{sume_estimate.N_SHIFTS} + bootstrap (new)      : {new_t:6.3f} s  "
        f"SUME {new.sume.edge_nm:.2f} {new.sume.ci95_nm}"
    )
    print(
        f"ratio new / previous interval: {new_t / base_t:.2f}x; target: new < 2 s -> {'met' if new_t < 2 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
