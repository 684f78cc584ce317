"""Cost of the ion-level random-mixing reference (science.md 4) against the atom-level one, same run.

Run: ``.venv/bin/python benchmarks/bench_ionref.py [--size-nm 20] [--repeat 3]``

A random CoCrFeNi with about two thirds of its Cr detected as CrO/CrO2 ions (``synth`` preset
cocrfeni-oxide-random) is analysed over Co, Cr, Fe, Ni and O (so CrO2 carries two entropy atoms and
the ion draws are needed) with edges 0.5:10:0.5 and no bootstrap:

1. baseline: the same atoms without ion origins (the atom-level binomial reference);
2. the ion-level reference (exact convolution table, ion binning per edge, ion-drawn count laws);
3. both also with the frequency test off (the window's live preview while a box is dragged).

Prints the best-of-``--repeat`` times and their ratios, and the largest |deficit| / SEM over the
fitted edges of each (the atom-level one is the bias issue 12 reported). No threshold is asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

from hea_studio.compute.analysis import run_analysis
from hea_studio.core.settings import AnalysisSettings, parse_sizes
from hea_studio.io.ranges.ranging import to_atoms
from hea_studio.synth import generate
from hea_studio.synth.molecular import cocrfeni_oxide_random
from hea_studio.synth.shape import BoxShape


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-nm", type=float, default=20.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    params = dataclasses.replace(cocrfeni_oxide_random(seed=1), shape=BoxShape((args.size_nm,) * 3))
    specimen = generate(params)
    ions = to_atoms(specimen.ions, specimen.ranges)
    atoms = dataclasses.replace(ions, ions=None)
    settings = AnalysisSettings(
        sizes_nm=parse_sizes("0.5:10:0.5"), elements=("Co", "Cr", "Fe", "Ni", "O"), bootstrap=0, lattice=None
    )
    run_analysis(ions, settings)  # compile and warm up both paths
    run_analysis(atoms, settings)
    print(f"{atoms.n_atoms:,} atoms, edges 0.5:10:0.5, best of {args.repeat}")
    for fda in (True, False):
        t_atom, r_atom = best(lambda fda=fda: run_analysis(atoms, settings, fda=fda), args.repeat)
        t_ion, r_ion = best(lambda fda=fda: run_analysis(ions, settings, fda=fda), args.repeat)
        label = "with frequency test" if fda else "live preview (no frequency test)"
        print(f"{label}: atom-level {t_atom:.3f} s, ion-level {t_ion:.3f} s, ratio {t_ion / t_atom:.2f}")
        for name, r in (("atom-level", r_atom), ("ion-level", r_ion)):
            fitted = [s for s in r.curve if s.in_fit and s.S_sem]  # type: ignore[union-attr]
            z = max(abs(s.deficit) / s.S_sem for s in fitted)
            print(f"  {name}: largest |deficit| / SEM over the fitted edges = {z:.1f}")


if __name__ == "__main__":
    main()
