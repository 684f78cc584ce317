"""``hea-studio spectrum FILE [--ranges R] [--bin 0.01] [--plot OUT.png] [--csv OUT] [--json OUT]``.

The mass spectrum of an ion file, the share of ions a range file leaves unranged, and the fit check
of that range file against the spectrum (docs/cli.md).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

from hea_studio.cli.outputs import check_outputs, warn, write_figure, write_text

HELP = "mass spectrum, ranged/unranged share and the range-file fit check"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``spectrum``."""
    parser.add_argument("file", type=Path, help="ion file (.pos, .epos, .apt)")
    parser.add_argument(
        "--ranges", type=Path, help="range file (.rrng, .rng, .env) to check against the spectrum"
    )
    parser.add_argument("--bin", type=float, default=0.01, help="bin width in Da (default 0.01)")
    parser.add_argument("--min", dest="lo", type=float, default=0.0, help="lowest m/n binned (Da, default 0)")
    parser.add_argument("--max", dest="hi", type=float, help="highest m/n binned (Da, default: the largest)")
    parser.add_argument(
        "--json", metavar="OUT", help="write counts per bin, peaks and the fit check as JSON (- for stdout)"
    )
    parser.add_argument("--csv", metavar="OUT", help="write counts per bin as CSV (- for stdout)")
    parser.add_argument(
        "--plot",
        metavar="OUT",
        type=Path,
        help="write a figure (.png, .svg or .pdf by the suffix) of the spectrum with its ranges",
    )


def spectrum_csv(spectrum) -> str:
    """One row per bin: lower edge, centre, counts."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["mn_lo_da", "mn_centre_da", "counts"])
    w = spectrum.bin_width
    for i, c in enumerate(spectrum.counts.tolist()):
        lo = spectrum.lo + i * w
        writer.writerow([f"{lo:.6g}", f"{lo + 0.5 * w:.6g}", c])
    return out.getvalue()


def collect(file: Path, ranges: Path | None, bin_width: float, lo: float = 0.0, hi: float | None = None):
    """Spectrum, peaks and (with ``ranges``) the ranging summary and fit check.

    Returns
    -------
    report, spectrum, table, peaks
        ``report`` is the JSON-ready dict (without the bins).
    """
    from hea_studio.compute.spectrum.fit import fit_check
    from hea_studio.compute.spectrum.mass import find_peaks, mass_spectrum
    from hea_studio.io import load_ions, load_ranges, ranging_summary

    ions = load_ions(file)
    table = load_ranges(ranges) if ranges is not None else None
    spectrum = mass_spectrum(ions.mass, bin_width, lo, hi)
    peaks = find_peaks(spectrum)
    report: dict = {
        "file": str(file),
        "ions": ions.n_ions,
        "bin_width_da": bin_width,
        "span_da": [spectrum.lo, spectrum.hi],
        "outside_span": spectrum.n_outside,
        "peaks": [p.to_json() for p in peaks],
    }
    warnings = list(ions.warnings)
    if table is not None:
        warnings += table.warnings
        summary = ranging_summary(ions, table)
        n = max(summary.n_ions, 1)
        check = fit_check(
            spectrum,
            table,
            Path(file).name,
            Path(ranges).name,
            summary.ranged / n,
            peaks,  # type: ignore[arg-type]
        )
        report.update(
            {
                "ranges_file": str(ranges),
                "ranged": summary.ranged,
                "unranged": summary.unranged,
                "ranged_fraction": summary.ranged / n,
                "unranged_fraction": summary.unranged / n,
                "ion_counts": summary.ion_counts,
                "fit_check": check.to_json(),
            }
        )
        warnings += check.warnings
    report["warnings"] = warnings
    return report, spectrum, table, peaks


def _text(report: dict) -> str:
    lines = [
        f"{report['file']}: {report['ions']:,} ions, {len(report['peaks'])} peaks "
        f"(bins of {report['bin_width_da']:g} Da, {report['span_da'][0]:g}-{report['span_da'][1]:g} Da)"
    ]
    top = sorted(report["peaks"], key=lambda p: -p["net"])[:10]
    if top:
        lines.append("largest peaks (m/n Da: ions):")
        lines += [f"  {p['mn_da']:9.3f}: {p['counts']:>12,}" for p in sorted(top, key=lambda p: p["mn_da"])]
    if "ranged" in report:
        lines.append(
            f"{Path(report['ranges_file']).name}: ranged {report['ranged']:,} "
            f"({100 * report['ranged_fraction']:.2f} %), unranged {report['unranged']:,} "
            f"({100 * report['unranged_fraction']:.2f} %)"
        )
        if not report["fit_check"]["warnings"]:
            lines.append("fit check: every range holds a peak and no large peak is unranged")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Compute, write the requested outputs, print a summary; warnings go to stderr."""
    check_outputs(
        [("--json", args.json), ("--csv", args.csv), ("--plot", args.plot)], inputs=[args.file, args.ranges]
    )
    report, spectrum, table, peaks = collect(args.file, args.ranges, args.bin, args.lo, args.hi)
    if args.json:
        data = dict(report, spectrum=spectrum.to_json())
        write_text(args.json, json.dumps(data, indent=1, allow_nan=False) + "\n")
    if args.csv:
        write_text(args.csv, spectrum_csv(spectrum))
    if args.plot:
        from hea_studio.plots.spectrum import export_spectrum_png

        title = Path(args.file).name + (f" + {Path(args.ranges).name}" if args.ranges else "")
        write_figure(args.plot, lambda png: export_spectrum_png(spectrum, png, table, peaks, title))
    if args.json != "-" and args.csv != "-":
        sys.stdout.write(_text(report))
    for w in report["warnings"]:
        warn(w)
    return 0
