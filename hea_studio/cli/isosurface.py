"""``hea-studio isosurface FILE --ranges R --species Cu --threshold 10 --mesh OUT.ply [--proxigram OUT.json]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hea_studio.cli.ion_rows import add_input_arguments, load_rows, parse_species, require_species
from hea_studio.cli.outputs import check_outputs, write_text
from hea_studio.core.errors import InputError

HELP = "isoconcentration surface (mesh .ply/.stl) and proximity histogram (CSV/JSON)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``hea-studio isosurface``."""
    add_input_arguments(parser)
    parser.add_argument(
        "--species", required=True, help="species whose concentration is contoured, e.g. Cu or Ni,Cu"
    )
    parser.add_argument("--threshold", type=float, required=True, help="iso-concentration in at.%%")
    parser.add_argument("--voxel", type=float, default=1.0, help="voxel edge in nm (default 1)")
    parser.add_argument(
        "--delocalisation", type=float, default=3.0, help="FWHM of the Gaussian smoothing in nm (default 3)"
    )
    parser.add_argument("--mesh", type=Path, required=True, help="surface mesh to write (.ply or .stl)")
    parser.add_argument(
        "--proxigram", metavar="OUT", help="proximity histogram (.json or .csv; - for JSON on stdout)"
    )
    parser.add_argument("--bin", type=float, default=0.2, help="proxigram bin in nm (default 0.2)")
    parser.add_argument(
        "--reach", type=float, default=3.0, help="proxigram range either side of the surface, nm"
    )


def run(args: argparse.Namespace) -> int:
    """Field, surface, mesh file, proxigram."""
    from hea_studio.compute.surfaces import concentration_field, isosurface, proxigram, write_mesh

    if args.mesh.suffix.lower() not in (".ply", ".stl"):
        raise InputError(f"--mesh {args.mesh}: the mesh is written as .ply or .stl")
    check_outputs(
        [("--mesh", str(args.mesh)), ("--proxigram", args.proxigram)], inputs=[args.file, args.ranges]
    )
    _check_numbers(args)
    species = parse_species(args.species, "--species")
    if not (args.bin > 0 and args.reach > args.bin):
        raise InputError(f"need 0 < --bin < --reach, got {args.bin} and {args.reach}")
    rows = load_rows(args)
    require_species(rows, species, args)
    field = concentration_field(
        rows.positions, rows.labels, rows.names, species, args.voxel, args.delocalisation
    )
    try:
        mesh = isosurface(field, args.threshold)
    except InputError as exc:
        raise InputError(f"{args.file}: {exc}") from None
    write_mesh(args.mesh, mesh)
    if args.proxigram:
        px = proxigram(mesh, rows.positions, rows.labels, rows.names, args.bin, args.reach)
        text = (
            px.to_csv()
            if str(args.proxigram).lower().endswith(".csv")
            else json.dumps(
                {**px.to_json(), "species": list(species), "threshold_percent": args.threshold}, indent=1
            )
            + "\n"
        )
        write_text(args.proxigram, text)
    if args.proxigram != "-":
        sys.stdout.write(
            f"{'+'.join(species)} {args.threshold:g} at.% surface: {len(mesh.vertices)} vertices, "
            f"{len(mesh.faces)} triangles, {mesh.area:.1f} nm^2 -> {args.mesh}\n"
        )
    return 0


def _check_numbers(args: argparse.Namespace) -> None:
    """Every numeric option within bounds before any file is read (nan or 1e300 reached numpy)."""
    from hea_studio.core.limits import check_float

    check_float("--threshold (at.%)", args.threshold, 0.0, 100.0, "a concentration in at.%")
    grid = "finer voxels than 0.1 nm hold no atoms; coarser than 100 nm hold the whole specimen"
    check_float("--voxel (nm)", args.voxel, 0.1, 100.0, grid)
    check_float("--delocalisation (nm)", args.delocalisation, 0.0, 100.0, grid)
    reach = "a proxigram reaches a few nm from the surface"
    check_float("--bin (nm)", args.bin, 0.01, 100.0, f"{reach}; bins finer than 0.01 nm hold no atoms")
    check_float("--reach (nm)", args.reach, 0.0, 1000.0, reach, open_low=True)
