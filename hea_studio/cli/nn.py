"""``hea-studio nn FILE --ranges R --from Cu --to Cu --k 1``: k-th NN distances against shuffled labels."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hea_studio.cli.ion_rows import add_input_arguments, load_rows, parse_species, require_species
from hea_studio.cli.outputs import check_outputs, write_figure, write_text

HELP = "k-th nearest-neighbour distances (and partial RDF) of species against a label-shuffled reference"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``hea-studio nn``."""
    add_input_arguments(parser)
    parser.add_argument(
        "--from", dest="source", required=True, help="species the distances start from (Cu or Ni,Cu)"
    )
    parser.add_argument("--to", dest="target", required=True, help="species the neighbours are taken from")
    parser.add_argument("--k", type=int, default=1, help="neighbour order (default 1: the nearest)")
    parser.add_argument("--bin", type=float, help="histogram bin in nm (default: automatic)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the label shuffle")
    parser.add_argument("--rdf", action="store_true", help="also the partial RDF (single species only)")
    parser.add_argument("--rmax", type=float, default=3.0, help="RDF range in nm (default 3)")
    parser.add_argument("--json", metavar="OUT", help="write the distributions as JSON (- for stdout)")
    parser.add_argument("--csv", metavar="OUT", help="write one row per bin (- for stdout)")
    parser.add_argument("--plot", metavar="OUT.png", type=Path, help="write a PNG of the distributions")


def run(args: argparse.Namespace) -> int:
    """Load, measure, write."""
    from hea_studio.compute.clusters.dmax import suggest_from
    from hea_studio.compute.neighbours import knn_distribution, partial_rdf

    check_outputs(
        [("--json", args.json), ("--csv", args.csv), ("--plot", args.plot)], inputs=[args.file, args.ranges]
    )
    _check_numbers(args)
    src = parse_species(args.source, "--from")
    tgt = parse_species(args.target, "--to")
    rows = load_rows(args)
    require_species(rows, src + tgt, args)
    dist = knn_distribution(rows.positions, rows.labels, rows.names, src, tgt, args.k, args.bin, args.seed)
    doc = dist.to_json()
    dmax = None
    if set(src) == set(tgt):
        help_ = suggest_from(dist)
        dmax = help_.dmax
        doc["dmax_suggestion"] = {k: v for k, v in help_.to_json().items() if k != "nn"}
    if args.rdf and len(src) == 1 and len(tgt) == 1:
        doc["rdf"] = partial_rdf(
            rows.positions, rows.labels, rows.names, src[0], tgt[0], args.rmax, seed=args.seed
        ).to_json()
    doc["file"] = str(args.file)
    if args.json:
        write_text(args.json, json.dumps(doc, indent=1) + "\n")
    if args.csv:
        write_text(args.csv, dist.to_csv())
    if args.plot:
        from hea_studio.plots.neighbours import export_nn_png

        write_figure(args.plot, lambda png: export_nn_png(dist, png, dmax))
    if args.json != "-" and args.csv != "-":
        sys.stdout.write(
            f"{dist.source} -> {dist.target}, k={dist.k}: median {doc['median_nm']:.3f} nm "
            f"(shuffled {doc['median_shuffled_nm']:.3f} nm), {doc['n_measured']} distances\n"
        )
    return 0


def _check_numbers(args: argparse.Namespace) -> None:
    """Every numeric option within bounds before any file is read (nan or 1e300 reached numpy)."""
    from hea_studio.core.limits import MAX_SEED, check_float, check_int

    reach = "neighbour distances in atom probe data are below a few nm"
    check_int("--k", args.k, 1, 1000, "the k-th neighbour of 1000 atoms is far beyond any solute shell")
    if args.bin is not None:
        check_float("--bin (nm)", args.bin, 0.001, 10.0, f"{reach}; bins finer than 1 pm are noise")
    check_float("--rmax (nm)", args.rmax, 0.0, 100.0, reach, open_low=True)
    check_int("--seed", args.seed, 0, MAX_SEED, "seeds are 32-bit")
