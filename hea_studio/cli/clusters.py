"""``hea-studio clusters FILE --ranges R --solutes Ni,Cu --dmax 0.5 ...``: cluster analysis."""

from __future__ import annotations

import argparse
import json
import sys

from hea_studio.cli.ion_rows import add_input_arguments, load_rows, parse_species, require_species
from hea_studio.cli.outputs import check_outputs, write_text

HELP = "cluster analysis (maximum separation, DBSCAN, HDBSCAN) of solute species, per-cluster table"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``hea-studio clusters`` (IVAS's parameter names)."""
    add_input_arguments(parser)
    parser.add_argument(
        "--solutes", required=True, help="solute species the clusters are made of, e.g. Ni,Cu"
    )
    parser.add_argument(
        "--dmax",
        type=float,
        help="d-max: largest solute-solute separation in a cluster, nm (default: suggested)",
    )
    parser.add_argument(
        "--order", type=int, default=1, help="core if the order-th solute neighbour is within d-max"
    )
    parser.add_argument("--nmin", type=int, default=20, help="N-min: smallest cluster kept, in solute ions")
    parser.add_argument(
        "--envelope", type=float, help="L: ions within L of a core ion join it, nm (default d-max)"
    )
    parser.add_argument(
        "--erosion",
        type=float,
        help="d-erosion: envelope ions this close to the matrix are removed, nm (default L)",
    )
    parser.add_argument("--method", default="msm", choices=("msm", "dbscan", "hdbscan"), help="default msm")
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the label shuffle of the d-max suggestion"
    )
    parser.add_argument("--json", metavar="OUT", help="write the clusters JSON (- for stdout)")
    parser.add_argument("--csv", metavar="OUT", help="write one row per cluster (- for stdout)")


def run(args: argparse.Namespace) -> int:
    """Load, (suggest d-max,) cluster, write."""
    from hea_studio.compute.clusters import MsmParameters, dmax_suggestion, find_clusters

    check_outputs([("--json", args.json), ("--csv", args.csv)], inputs=[args.file, args.ranges])
    _check_numbers(args)
    solutes = parse_species(args.solutes, "--solutes")
    if args.dmax is not None:
        MsmParameters(args.dmax, args.order, args.nmin, args.envelope or 0.0, args.erosion or 0.0)
    rows = load_rows(args)
    require_species(rows, solutes, args)
    suggestion = None
    dmax = args.dmax
    if dmax is None:
        suggestion = dmax_suggestion(rows.positions, rows.labels, rows.names, solutes, args.order, args.seed)
        dmax = suggestion.dmax
    envelope = dmax if args.envelope is None else args.envelope
    erosion = envelope if args.erosion is None else args.erosion
    params = MsmParameters(dmax, args.order, args.nmin, envelope, erosion)
    result = find_clusters(
        rows.positions, rows.labels, rows.names, solutes, params, args.method, volume_nm3=rows.volume_nm3
    )
    doc = result.to_json()
    doc["file"] = str(args.file)
    doc["roi_nm"] = rows.roi.flat() if rows.roi is not None else None
    if suggestion is not None:
        doc["dmax_suggestion"] = {k: v for k, v in suggestion.to_json().items() if k != "nn"}
    if args.json:
        write_text(args.json, json.dumps(doc, indent=1) + "\n")
    if args.csv:
        write_text(args.csv, result.to_csv())
    if args.json != "-" and args.csv != "-":
        mean_d = result.mean_guinier_diameter
        tail = f", mean Guinier diameter {mean_d:.2f} nm" if mean_d is not None else ""
        sys.stdout.write(
            f"{len(result.clusters)} clusters of {'+'.join(solutes)} ({args.method}, d-max {dmax:.3g} nm, "
            f"N-min {args.nmin}){tail}; number density {result.number_density:.3g} per nm^3\n"
        )
    return 0


def _check_numbers(args: argparse.Namespace) -> None:
    """Every numeric option within bounds before any file is read (nan or 1e300 reached numpy)."""
    from hea_studio.core.errors import InputError
    from hea_studio.core.limits import MAX_SEED, check_float, check_int

    reach = "cluster distances in atom probe data are below a few nm"
    if args.dmax is not None:
        check_float("--dmax (nm)", args.dmax, 0.01, 100.0, f"{reach}; atoms are not closer than 0.01 nm")
    check_int("--order", args.order, 1, 100, "the order counts solute neighbours within d-max")
    check_int("--nmin", args.nmin, 1, 10**9, "N-min counts solute ions")
    for name, value in (("--envelope", args.envelope), ("--erosion", args.erosion)):
        if value is not None:
            check_float(f"{name} (nm)", value, 0.0, 100.0, reach)
            if 0.0 < value < 0.01:
                raise InputError(f"{name} must be 0 (none) or at least 0.01 nm, got {value:g}")
    check_int("--seed", args.seed, 0, MAX_SEED, "seeds are 32-bit")
