"""``hea-studio analyze MAP`` and ``hea-studio info MAP`` for STEM-EDS spectrum images (cli.md round 3).

``analyze`` and ``info`` route here when their file is a spectrum image (.bcf, .emd, .hspy, .spx);
the options and the JSON follow docs/cli.md: ``"technique": "stem-eds"``, ``curve`` per patch side,
``sume`` (in projection) and ``sume_3d_equivalent``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hea_studio.cli.logs import quiet
from hea_studio.cli.outputs import check_outputs, write_text
from hea_studio.compute.maps.analysis import curve_csv
from hea_studio.core.errors import InputError
from hea_studio.core.settings import parse_sizes

HELP = "entropy versus patch size, random-mixing reference and SUME of a STEM-EDS spectrum image"
INFO_HELP = "list the signals, elements, pixel size and energy axis of a spectrum image"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``analyze MAP``."""
    parser.add_argument("file", type=Path, help="spectrum image (.bcf, .emd, .hspy)")
    parser.add_argument("--elements", help="elements to analyse, e.g. Co,Cu,Fe,Ni (default: the file's list)")
    parser.add_argument(
        "--lines", help="X-ray line per element, e.g. Fe_Ka,Pd_La (default: K alpha below 20 keV)"
    )
    parser.add_argument(
        "--k-factors", help="Cliff-Lorimer k-factors, e.g. Fe=1.0,Co=1.05 (default: the file's, else 1)"
    )
    parser.add_argument(
        "--thickness", type=float, help="foil thickness in nm (default: the file's, else 50 nm)"
    )
    parser.add_argument("--density", type=float, help="atoms per nm^3 (default: the file's, else 85)")
    parser.add_argument("--probe", type=float, help="probe FWHM in nm (default: the file's, else 0.2 nm)")
    parser.add_argument("--roi", help="region xmin,ymin,xmax,ymax in nm from the map's top-left corner")
    parser.add_argument(
        "--sizes", help="patch sides in nm (rounded to whole pixels): 1,2,3 or start:stop:step"
    )
    parser.add_argument(
        "--min-counts", type=float, default=10.0, help="drop patches with fewer net counts (10)"
    )
    parser.add_argument("--bootstrap", type=int, default=200, help="replicates of the SUME interval (200)")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--json", metavar="OUT", help="write the result as JSON (- for stdout)")
    parser.add_argument("--csv", metavar="OUT", help="write the curve as CSV (- for stdout)")
    parser.add_argument(
        "--nexus", metavar="OUT.nxs", type=Path,
        help="write the curve and SUMEs as NeXus (NXem_hea_studio_map_results, validated)",
    )  # fmt: skip


def _pairs(text: str | None, option: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        key, sep, val = part.partition("=")
        try:
            out[key.strip()] = float(val)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            raise InputError(f"{option} takes Element=number pairs, e.g. Fe=1.0,Co=1.05; got {part!r}")
    return out


def settings_from_args(args: argparse.Namespace):
    """The :class:`MapSettings` the options describe (InputError for bad values)."""
    from hea_studio.compute.maps.analysis import MapSettings
    from hea_studio.compute.maps.lines import parse_line

    elements = tuple(e.strip() for e in (args.elements or "").split(",") if e.strip()) or None
    lines = {}
    for text in (args.lines or "").split(","):
        if text.strip():
            el, _ = parse_line(text)
            lines[el] = text.strip()
    roi = None
    if args.roi:
        try:
            roi = tuple(float(v) for v in args.roi.split(","))
        except ValueError as exc:
            raise InputError(f"--roi takes xmin,ymin,xmax,ymax in nm, got {args.roi!r}") from exc
        if len(roi) != 4:
            raise InputError(f"--roi of a map takes 4 numbers (xmin,ymin,xmax,ymax in nm), got {len(roi)}")
    if args.bootstrap < 0:
        raise InputError("--bootstrap must be >= 0")
    return MapSettings(
        elements=elements,
        lines=lines,
        k_factors=_pairs(args.k_factors, "--k-factors"),
        thickness_nm=args.thickness,
        density_per_nm3=args.density,
        probe_fwhm_nm=args.probe,
        roi_nm=roi,  # type: ignore[arg-type]
        sizes_nm=parse_sizes(args.sizes) if args.sizes else None,
        min_counts=args.min_counts,
        bootstrap=args.bootstrap,
        seed=args.seed,
    )


def sume_text(s: dict | None, what: str) -> str:
    """One line about a SUME object (bold numbers only when an edge is known)."""
    if s is None:
        return f"{what}: not computed"
    if s.get("below_range"):
        return f"{what}: random down to {s['at_most_nm']:.3g} nm"
    if s.get("edge_nm") is not None:
        ci = s.get("ci95_nm")
        ci_text = f" [95% CI {ci[0]:.2f}, {ci[1]:.2f}]" if ci and ci[1] is not None else ""
        return f"{what} = {s['edge_nm']:.2f} nm{ci_text}"
    if s.get("at_least_nm") is not None:
        return f"{what}: >= {s['at_least_nm']:.3g} nm (not levelled)"
    if s.get("at_most_nm") is not None:
        return f"{what}: <= {s['at_most_nm']:.3g} nm"
    return f"{what}: not determined ({s.get('reason')})"


def summary(r: dict) -> str:
    """A few human-readable lines."""
    b = r["bulk"]
    comp = "  ".join(f"{e} {100 * x:.1f}" for e, x in b["fractions"].items())
    roi = ", ".join(f"{v:.3g}" for v in r["roi_nm"])
    lines = [
        f"{Path(r['file']).name}: STEM-EDS map {r['map_shape'][1]} x {r['map_shape'][0]} px of {r['pixel_nm']:.4g} nm; "
        f"ROI {roi} nm; thickness {r['thickness_nm']:g} nm ({r['thickness_source']})",
        "lines: " + ", ".join(r["lines"].values()) + f"; k-factors: {r['k_factor_source']}",
        f"composition (at.%, Cliff-Lorimer): {comp}",
        f"S_bulk = {b['S_R']:.3f} R = {b['S_J_per_molK']:.2f} J/(mol K) ({b['class']})",
        sume_text(r["sume"], f"SUME in projection (t = {r['thickness_nm']:g} nm)"),
        sume_text(r["sume_3d_equivalent"], "3D-equivalent SUME"),
    ]
    lines += [f"warning [{w['code']}]: {w['message']}" for w in r["warnings"]]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Load the spectrum image, analyse it, write the outputs."""
    from hea_studio.compute.maps.analysis import analyze_map
    from hea_studio.io.eds import load_spectrum_image

    check_outputs([("--json", args.json), ("--csv", args.csv), ("--nexus", args.nexus)], inputs=[args.file])
    from hea_studio.io.exports.nexus import iso_now

    started = iso_now()
    settings = settings_from_args(args)
    si = load_spectrum_image(args.file, settings.elements)
    result = analyze_map(si, settings)
    if args.json:
        write_text(args.json, json.dumps(result, indent=1) + "\n")
    if args.csv:
        write_text(args.csv, curve_csv(result))
    if args.nexus:
        from hea_studio.core.provenance import input_file
        from hea_studio.io.exports.nexus_maps import write_map_nexus

        write_map_nexus(args.nexus, Path(args.file).name, result, [input_file(args.file)], started=started)
    if args.json != "-" and args.csv != "-" and not quiet():
        sys.stdout.write(summary(result))
    return 0


def add_info_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``info MAP``."""
    parser.add_argument("file", type=Path, help="spectrum image (.bcf, .emd, .hspy, .spx)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def info_text(r: dict) -> str:
    """``info`` as text."""
    lines = [f"{r['file']}: {len(r['signals'])} signal(s)"]
    lines += [
        f"  {s['title'] or '(untitled)':<12} {s['kind']:<20} {'x'.join(map(str, s['shape']))} {s['dtype']}"
        for s in r["signals"]
    ]
    if "pixel_nm" in r:
        e = r["energy_kev"]
        lines.append(f"map: {r['map_shape'][1]} x {r['map_shape'][0]} px, pixel {r['pixel_nm']:.4g} nm")
        lines.append(
            f"energy axis: {e['offset']:.4g} to {e['max']:.4g} keV, {e['channels']} channels of {1000 * e['scale']:.4g} eV"
        )
        lines.append("elements: " + (", ".join(r["elements"]) or "(none)"))
        if r["xray_lines"]:
            lines.append("lines: " + ", ".join(r["xray_lines"]))
        if r.get("image"):
            lines.append(f"image: {r['image']}")
    if r.get("reason"):
        lines.append(("not analysable: " if not r.get("analysable") else "note: ") + r["reason"])
    return "\n".join(lines) + "\n"


def info_run(args: argparse.Namespace) -> int:
    """Print what the file holds; a file that cannot be analysed says why (exit 0: it was read)."""
    from hea_studio.io.eds import describe

    report = describe(args.file)
    if args.json:
        sys.stdout.write(json.dumps(report, indent=1) + "\n")
    else:
        sys.stdout.write(info_text(report))
    return 0
