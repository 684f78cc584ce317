"""``hea-studio local FILE --ranges RANGES [options]``: atom-centred local entropy (science.md 7)."""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from dataclasses import replace

from hea_studio.cli.analyze import add_data_arguments, check_run_outputs, parse_elements, warn_roi
from hea_studio.cli.outputs import write_text
from hea_studio.core.errors import InputError
from hea_studio.core.limits import MAX_CENTRES, MAX_SEED, check_int
from hea_studio.core.settings import COCUFENI_LATTICE, Lattice
from hea_studio.core.shapes import bounding_box, parse_roi

HELP = "atom-centred local entropy S(k) over the k nearest atoms, against random mixing"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``hea-studio local``."""
    add_data_arguments(parser)
    parser.add_argument(
        "--k",
        help="neighbourhood sizes, the centre atom included, e.g. 13,50,100 "
        "(default: first shell + 1 of the lattice, 25, 50, 100, 250, 500, 1000)",
    )
    parser.add_argument(
        "--centres",
        default="10000",
        help="centre atoms drawn at random from the sub-volume, or 'all' (default 10000)",
    )
    parser.add_argument(
        "--lattice",
        default=str(COCUFENI_LATTICE),
        help="structure:a_nm; sets the first-shell k (default fcc)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed of the centre sample")
    parser.add_argument(
        "--no-decompose", action="store_true", help="keep molecular ions as their own species"
    )
    parser.add_argument("--json", metavar="OUT", help="write the result as JSON (- for stdout)")
    parser.add_argument("--csv", metavar="OUT", help="write one row per k as CSV (- for stdout)")


def _centres(text: str) -> int | None:
    if text.strip().lower() == "all":
        return None
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"--centres wants a whole number or 'all', not {text!r}") from None
    if value < 1:
        raise InputError(f"--centres must be at least 1, not {value}")
    return check_int("--centres", value, 1, MAX_CENTRES, "more centres than any specimen holds atoms")


def points_csv(result) -> str:
    """One row per neighbourhood size."""
    out = io.StringIO()
    head = ["k", "radius_nm", "median_distance_nm", "S_mean", "S_std", "S_sem", "S_null", "deficit"]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(head)
    for p in result.points:
        row = p.to_json()
        writer.writerow([f"{row[h]:.10g}" if isinstance(row[h], float) else row[h] for h in head])
    return out.getvalue()


def summary(result) -> str:
    """A small table a person can read."""
    b = result.bulk
    lines = [
        f"ROI {', '.join(f'{v:.2f}' for v in result.roi_nm)} nm: {result.roi_atoms} atoms of "
        f"{', '.join(result.elements)}; {result.n_centres} centres",
        f"S_bulk = {b.S_R:.3f} R ({b.cls})",
        "neighbours from the whole data set; centres whose k-th neighbour lies beyond the specimen's "
        "edge are left out",
        "     k   r (nm)   S_mean (R)   random (R)   deficit   left out",
    ]
    for p in result.points:
        lines.append(
            f"{p.k:6d}   {p.radius_nm:6.2f}   {p.S_mean:10.4f}   {p.S_null:10.4f}   {p.deficit:+.4f}"
            f"   {p.n_left_out:8d}"
        )
    lines.append(f"time: {result.timing_s['total']:.2f} s")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Load, compute, write the requested outputs."""
    from hea_studio.compute.local.knn import default_ks, local_entropy, parse_ks
    from hea_studio.io import load_ions, load_ranges, to_atoms

    lattice = Lattice.parse(args.lattice) if args.lattice else None
    ks = parse_ks(args.k) if args.k else default_ks(lattice.structure if lattice else "fcc")
    centres = _centres(args.centres)
    elements = parse_elements(args.elements)
    roi = parse_roi(args.roi) if args.roi else None
    check_int("--seed", args.seed, 0, MAX_SEED, "seeds are 32-bit unsigned integers")
    check_run_outputs(args)
    t0 = time.perf_counter()
    atoms = to_atoms(load_ions(args.file), load_ranges(args.ranges), decompose=not args.no_decompose)
    t_load = time.perf_counter() - t0
    if roi is not None:
        warn_roi(atoms.positions, bounding_box(roi))
    result = local_entropy(atoms, roi, elements, ks, centres, args.seed)
    result = replace(
        result, timing_s={"load": t_load, **result.timing_s, "total": t_load + result.timing_s["total"]}
    )
    if args.json:
        import json

        write_text(args.json, json.dumps(result.to_json(), indent=1, allow_nan=False) + "\n")
    if args.csv:
        write_text(args.csv, points_csv(result))
    if args.json != "-" and args.csv != "-":
        sys.stdout.write(summary(result))
    return 0
