"""``hea-studio profile FILE --ranges R [--roi ...] --axis z [--radius NM] --bin 0.5``: composition profile."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hea_studio.cli.analyze import check_run_outputs
from hea_studio.cli.outputs import write_figure, write_text
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.shapes import Cylinder, Sphere, parse_roi

HELP = "concentration of every species per slab along an axis of a box or cylinder, with error bars"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``hea-studio profile``."""
    parser.add_argument("file", type=Path, help="ion file (.pos, .epos, .apt)")
    parser.add_argument("--ranges", type=Path, required=True, help="range file (.rrng, .rng, .env)")
    parser.add_argument(
        "--roi",
        help="box xmin,ymin,zmin,xmax,ymax,zmax in nm (default: largest box inside the specimen), or "
        "cylinder:x0,y0,z0,x1,y1,z1,r for a profile along any direction (the cylinder's axis)",
    )
    parser.add_argument("--axis", default="z", choices=("x", "y", "z"), help="profile axis (default z)")
    parser.add_argument(
        "--radius",
        type=float,
        metavar="NM",
        help="cylinder radius around the box's centre line (default: whole box)",
    )
    parser.add_argument(
        "--bin", type=float, default=0.5, metavar="NM", help="slab thickness in nm (default 0.5)"
    )
    parser.add_argument(
        "--no-decompose", action="store_true", help="keep molecular ions as their own species"
    )
    parser.add_argument("--json", metavar="OUT", help="write the profile as JSON (- for stdout)")
    parser.add_argument("--csv", metavar="OUT", help="write one row per slab as CSV (- for stdout)")
    parser.add_argument(
        "--plot",
        metavar="OUT",
        type=Path,
        help="write a figure (.png, .svg or .pdf by the suffix) of the profile",
    )


def summary(profile) -> str:
    """Slab count, atoms and each species' interface position, for the terminal."""
    from hea_studio.compute.profile.slabs import interface_position

    shape = "box" if profile.radius_nm is None else f"cylinder of radius {profile.radius_nm:g} nm"
    lines = [
        f"profile along {profile.axis} of {shape} {', '.join(f'{v:.2f}' for v in profile.box.flat())} nm: "
        f"{len(profile.totals)} slabs, {int(profile.totals.sum())} atoms"
    ]
    for name in profile.species:
        pos = interface_position(profile, name)
        if pos is not None:
            lines.append(f"  {name}: interface at {profile.axis} = {pos:.2f} nm")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Load, profile, write the requested outputs."""
    from hea_studio.compute.lac.roi import atoms_default_box
    from hea_studio.compute.profile.slabs import composition_profile, slab_edges
    from hea_studio.io import load_ions, load_ranges, to_atoms

    check_run_outputs(args, ("--plot", args.plot))
    from hea_studio.core.limits import MAX_COORD_NM, MIN_EDGE_NM, check_float

    # Bounded before numpy sees them (a radius of 1e300 overflowed its square).
    reach = f"no specimen is longer than {2 * MAX_COORD_NM:g} nm"
    check_float("--bin: the bin width (nm)", args.bin, MIN_EDGE_NM, 2 * MAX_COORD_NM, reach, open_low=False)
    if args.radius is not None:
        check_float("--radius (nm)", args.radius, 0.0, 2 * MAX_COORD_NM, reach, open_low=True)
    roi = parse_roi(args.roi) if args.roi else None
    if isinstance(roi, Sphere):
        raise InputError(
            "profile takes a box or a cylinder ROI (cylinder:x0,y0,z0,x1,y1,z1,r: along its axis)"
        )
    if isinstance(roi, Box):
        slab_edges(roi, "xyz".index(args.axis), args.bin)  # a bad bin fails before the file is read
    elif isinstance(roi, Cylinder) and not (args.bin > 0 and args.bin <= roi.length):
        raise InputError(
            f"--bin must lie in (0, {roi.length:.3g}] nm (the cylinder's length), got {args.bin:g}"
        )
    ions = load_ions(args.file)
    table = load_ranges(args.ranges)
    atoms = to_atoms(ions, table, decompose=not args.no_decompose)
    if isinstance(roi, Cylinder):
        # A profile along any direction: the cylinder's axis, from its start (--axis/--radius unused).
        from hea_studio.compute.profile.along import cylinder_profile

        profile = cylinder_profile(atoms, roi, args.bin)
    else:
        box = roi if roi is not None else atoms_default_box(atoms)
        profile = composition_profile(atoms, box, args.axis, args.bin, args.radius)
    if int(profile.totals.sum()) == 0:
        shape = "cylinder" if args.radius or isinstance(roi, Cylinder) else "box"
        raise InputError(f"{args.file}: no ranged atoms inside the {shape}")
    if args.json:
        doc = profile.to_json()
        if isinstance(roi, Cylinder):
            doc["roi_shape"] = roi.to_dict()
        write_text(args.json, json.dumps(doc, indent=1) + "\n")
    if args.csv:
        write_text(args.csv, profile.to_csv())
    if args.plot:
        from hea_studio.plots.profile import export_profile_png

        write_figure(args.plot, lambda png: export_profile_png(profile, png))
    if args.json != "-" and args.csv != "-":
        sys.stdout.write(summary(profile))
    return 0
