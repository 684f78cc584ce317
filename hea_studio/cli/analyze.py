"""``hea-studio analyze FILE --ranges RANGES [options]``: entropy versus scale and SUME (docs/cli.md)."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from hea_studio.cli.logs import LOGGER, quiet
from hea_studio.cli.outputs import check_outputs, warn, write_figure, write_text
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.results import AnalysisResult
from hea_studio.core.settings import (
    DEFAULT_SIZES_TEXT,
    PRIMARY_SUME_METHODS,
    AnalysisSettings,
    Lattice,
    parse_sizes,
)
from hea_studio.core.shapes import parse_roi

HELP = "entropy versus cube edge, random-mixing reference and SUME of a sub-volume"


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """The ion file, its range file, the entropy elements and the sub-volume (shared by the
    subcommands that analyse a sub-volume)."""
    parser.add_argument("file", type=Path, help="ion file (.pos, .epos, .apt)")
    parser.add_argument("--ranges", type=Path, required=True, help="range file (.rrng, .rng, .env)")
    parser.add_argument(
        "--elements", help="entropy elements, e.g. Co,Cu,Fe,Ni (default: elements with >= 5 at.%%)"
    )
    parser.add_argument(
        "--roi",
        help="sub-volume: box xmin,ymin,zmin,xmax,ymax,zmax, sphere:cx,cy,cz,r or cylinder:x0,y0,z0,x1,y1,z1,r "
        "in nm (default: largest box inside the specimen; with a sphere or cylinder only cubes fully inside count)",
    )


def parse_elements(text: str | None) -> tuple[str, ...] | None:
    """``"Co, Cu,Fe"`` to ``("Co", "Cu", "Fe")``; ``None`` or empty: the principal elements."""
    if not text:
        return None
    return tuple(e.strip() for e in text.split(",") if e.strip()) or None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``hea-studio analyze`` (see docs/cli.md)."""
    add_data_arguments(parser)
    add_settings_arguments(parser)
    add_output_arguments(parser)


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """The analysis settings (shared with ``batch``, so one set of options means the same everywhere)."""
    d = AnalysisSettings()  # the one source of defaults (the window's panel and projects use it too)
    parser.add_argument(
        "--sizes",
        help="cube edges in nm: 1,1.5,2 or start:stop:step (stop included); "
        f"default {DEFAULT_SIZES_TEXT}, cut to the sub-volume",
    )
    parser.add_argument("--mode", choices=("tiling", "paper"), default=d.mode, help="cube placement")
    parser.add_argument(
        "--min-atoms",
        type=int,
        default=d.min_atoms,
        help=f"drop cubes with fewer atoms (default {d.min_atoms})",
    )
    parser.add_argument(
        "--lattice",
        default=None,
        help="structure:a_nm to express SUME in unit cells, e.g. fcc:0.35834 "
        "(fcc, bcc, hcp, rock-salt, spinel, perovskite; default: none, cells not reported)",
    )
    parser.add_argument(
        "--bootstrap", type=int, default=d.bootstrap, help="bootstrap resamples for the SUME interval"
    )
    parser.add_argument("--seed", type=int, default=d.seed, help="random seed")
    parser.add_argument(
        "--memory-budget",
        type=float,
        metavar="MB",
        help="memory the analysis may plan for (voxel tables; a warning when a run would exceed it); "
        "default: a quarter of physical memory, or $HEA_STUDIO_MEMORY_BUDGET_MB",
    )
    parser.add_argument(
        "--sume-method",
        choices=PRIMARY_SUME_METHODS,
        default=d.sume_method,
        help="what the headline sume holds: hinge-deficit (hinge on the deficit D(L), the material's "
        "number; default), hinge-bulk (the apparent SUME, hinge on S(L), includes counting noise) or "
        "tangent-free (the paper's two free tangents); sume_apparent always holds hinge-bulk",
    )
    parser.add_argument(
        "--no-decompose", action="store_true", help="keep molecular ions as their own species"
    )
    parser.add_argument(
        "--sublattice",
        nargs="+",
        metavar="NAME:EL,EL:SITES",
        help='sublattices of a compound, e.g. "A:Mg,Co,Ni,Cu,Zn:1" "O:O:1" (split elements: '
        '"A:Mg,Fe:0.33:1" "B:Fe:0.67,Cr:2"): curve, reference and SUME per formula unit and per site',
    )
    parser.add_argument(
        "--preset-sublattice",
        metavar="NAME",
        help="rock-salt, cations, spinel:A=Mg,Co:B=Fe,Cr or perovskite:A=La,Sr:B=Co,Fe (science.md 8)",
    )


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """The output files of ``analyze``."""
    parser.add_argument("--json", metavar="OUT", help="write the result as JSON (- for stdout)")
    parser.add_argument("--csv", metavar="OUT", help="write the curve as CSV (- for stdout)")
    parser.add_argument(
        "--plot",
        metavar="OUT",
        type=Path,
        help="write a figure (.png, .svg or .pdf by the suffix) of the entropy curve",
    )
    parser.add_argument(
        "--nexus", metavar="OUT.nxs", type=Path, help="write the curves, SUMEs and parameters as NeXus (HDF5)"
    )
    parser.add_argument(
        "--report",
        metavar="OUT.html",
        type=Path,
        help="write a self-contained HTML report (figures, parameters, versions, input SHA-256, warnings)",
    )


def sublattice_args(args: argparse.Namespace) -> dict:
    """``sublattices`` and ``sublattice_preset`` settings of ``--sublattice`` / ``--preset-sublattice``."""
    from hea_studio.core.sublattices import Sublattice

    given = getattr(args, "sublattice", None)
    preset = getattr(args, "preset_sublattice", None)
    if given and preset:
        raise InputError("give --sublattice or --preset-sublattice, not both")
    if (given or preset) and getattr(args, "elements", None):
        raise InputError(
            "with sublattices the entropy elements are the sublattices' elements: drop --elements"
        )
    return {
        "sublattices": tuple(Sublattice.parse(t) for t in given) if given else None,
        "sublattice_preset": preset or None,
    }


def settings_from_args(args: argparse.Namespace) -> AnalysisSettings:
    """The analysis settings the options describe (raises InputError for bad values)."""
    elements = parse_elements(args.elements)
    return AnalysisSettings(
        **sublattice_args(args),
        sizes_nm=parse_sizes(args.sizes or DEFAULT_SIZES_TEXT),
        mode=args.mode,
        min_atoms=args.min_atoms,
        elements=elements,
        lattice=Lattice.parse(args.lattice) if args.lattice else None,
        bootstrap=args.bootstrap,
        seed=args.seed,
        decompose=not args.no_decompose,
        sume_method=args.sume_method,
    )


def curve_csv(result: AnalysisResult) -> str:
    """The curve as CSV: one row per edge, per-element columns suffixed with the element."""
    out = io.StringIO()
    els = list(result.elements)
    per_element = ("conc_mean", "conc_std", "pearson_mu", "chi2_p")
    head = ["size_nm", "n_cubes", "mean_atoms", "S_mean", "S_std", "S_sem", "S_null", "deficit"]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(head + [f"{k}_{e}" for k in per_element for e in els])
    for s in result.curve:
        row = s.to_json()
        cells = [row[k] for k in head] + [row[k][e] for k in per_element for e in els]
        writer.writerow(["" if v is None else (f"{v:.10g}" if isinstance(v, float) else v) for v in cells])
    return out.getvalue()


def check_run_outputs(args: argparse.Namespace, *extra: tuple[str, object]) -> None:
    """Check every output path of a sub-volume subcommand before anything is loaded or computed."""
    outputs = [("--json", args.json), ("--csv", args.csv), *extra]
    check_outputs(outputs, inputs=[args.file, args.ranges])


def apply_memory_budget(args: argparse.Namespace) -> None:
    """Set the process's memory budget from ``--memory-budget`` (InputError unless positive)."""
    value = getattr(args, "memory_budget", None)
    if value is None:
        return
    from hea_studio.core import memory
    from hea_studio.core.limits import MEMORY_BUDGET_MB, check_float

    if not value > 0:
        raise InputError(f"--memory-budget must be a positive number of MB, got {value:g}")
    value = check_float(
        "--memory-budget (MB)",
        value,
        *MEMORY_BUDGET_MB,
        "a smaller budget rounds to none, no machine has more",
    )

    memory.set_budget(int(value * (1 << 20)))


def warn_roi(positions, roi: Box) -> None:
    """Warn (stderr) when most of the requested sub-volume lies outside the data."""
    from hea_studio.compute.lac.roi import roi_warning

    text = roi_warning(positions, roi)
    if text:
        warn(text)


def summary(result: AnalysisResult) -> str:
    """A few human-readable lines about the result (the SUME words come from core.summary)."""
    from hea_studio.core.summary import sume_lines, warning_lines

    data = result.to_json()
    b = result.bulk
    comp = "  ".join(f"{e} {100 * x:.1f}" for e, x in b.fractions.items())
    lines = [
        f"ROI {', '.join(f'{v:.2f}' for v in result.roi_nm)} nm: {result.roi_atoms} atoms of "
        f"{', '.join(result.elements)}",
        *([result.elements_note] if result.elements_note else []),
        f"bulk (at.%): {comp}",
        f"S_bulk = {b.S_R:.3f} R = {b.S_J_per_molK:.2f} J/(mol K) ({b.cls}); ideal R ln "
        f"{len(result.elements)} = {b.S_ideal_R:.3f} R",
    ]
    lines += sume_lines(data)
    if result.sublattices is not None:
        sub = result.sublattices
        b = sub["bulk"]
        parts = ", ".join(f"{k} {v['S_R']:.3f} R" for k, v in b["per_sublattice"].items())
        lines.append(
            f"sublattices ({parts}): S_fu = {b['S_fu_R']:.3f} R, per site {b['S_site_R']:.3f} R; "
            f"class {b['class']} from the {b['class_basis']} ({b['S_mixing_R']:.3f} R)"
        )
    lines += warning_lines(data) or ["warnings: none"]
    lines.append(f"time: {result.timing_s['total']:.2f} s (curve {result.timing_s['curve']:.2f} s)")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Load, analyse, write the requested outputs."""
    import time

    from hea_studio.compute.batch import analyze_atoms
    from hea_studio.io import load_ions, load_ranges, to_atoms_and_summary
    from hea_studio.io.exports.nexus import iso_now

    check_run_outputs(args, ("--plot", args.plot), ("--nexus", args.nexus), ("--report", args.report))
    settings = settings_from_args(args)
    apply_memory_budget(args)
    roi = parse_roi(args.roi) if args.roi else None
    started = iso_now()
    # analyze_files, with the ranging summary and the atoms kept for the report (one ranging pass).
    t0 = time.perf_counter()
    atoms, ranging = to_atoms_and_summary(
        load_ions(args.file), load_ranges(args.ranges), decompose=settings.decompose
    )
    LOGGER.info(
        "%s: %s ions, %s ranged, %s atoms of %d species (%.2f s)",
        args.file, f"{ranging.n_ions:,}", f"{ranging.ranged:,}", f"{atoms.n_atoms:,}", len(atoms.names),
        time.perf_counter() - t0,
    )  # fmt: skip
    # Edges the user asked for must fit (else exit 2); the default list is cut to the box.
    result = analyze_atoms(
        atoms, settings, roi, cut_sizes=not args.sizes, on_warning=warn, load_s=time.perf_counter() - t0
    )
    if args.json:
        write_text(args.json, result.dumps() + "\n")
    if args.csv:
        write_text(args.csv, curve_csv(result))
    if args.plot:
        from hea_studio.plots.curve import export_curve_png

        write_figure(args.plot, lambda png: export_curve_png(result, png))
    if args.nexus or args.report:
        from hea_studio.core.provenance import input_file

        inputs = (input_file(args.file), input_file(args.ranges))
    if args.nexus:
        from hea_studio.io.exports.nexus import write_nexus

        write_nexus(args.nexus, [(Path(args.file).name, result)], inputs, started=started)
    if args.report:
        from hea_studio.core.display import species_colours
        from hea_studio.plots.report import ReportSection, write_report

        box_name = "sub-volume " + ", ".join(f"{v:.2f}" for v in result.roi_nm) + " nm"
        # The colours the window gives these species: the range file's, else the shared palette.
        colours = dict(zip(atoms.names, species_colours(atoms.names, atoms.colours)))
        section = ReportSection(
            box_name,
            Path(args.file).name,
            result,
            inputs,
            settings,
            species_colours=colours,
            ranged=(ranging.ranged, ranging.n_ions),
        )
        write_report(args.report, [section], title=f"HEA Studio analysis of {Path(args.file).name}")
    for option, target in (("--json", args.json), ("--csv", args.csv), ("--plot", args.plot),
                           ("--nexus", args.nexus), ("--report", args.report)):  # fmt: skip
        if target is not None and str(target) != "-":
            LOGGER.info("%s written: %s", option, target)
    if args.json != "-" and args.csv != "-" and not quiet():
        sys.stdout.write(summary(result))
    return 0
