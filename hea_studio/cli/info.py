"""``hea-studio info FILE [--ranges RANGES] [--json]``: what an ion file holds."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hea_studio.cli.outputs import warn

HELP = "summarise an ion file (.pos, .epos, .apt), optionally ranged with a range file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``info``."""
    parser.add_argument("file", type=Path, help="ion file (.pos, .epos, .apt)")
    parser.add_argument("--ranges", type=Path, help="range file (.rrng, .rng, .env)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def collect(file: Path, ranges: Path | None) -> tuple[dict, list[str]]:
    """The ``info`` report as a JSON-ready dict, plus the readers' warnings."""
    from hea_studio.io import ion_extent, load_ions, load_ranges, ranging_summary

    ions = load_ions(file)
    warnings = list(ions.warnings)
    if ions.n_ions == 0:
        bounds: list[float] = []
        mass_range: list[float] = []
    else:
        bounds, mass_range = ion_extent(ions.positions, ions.mass)
    report: dict = {
        "file": str(file),
        "format": ions.format,
        "ions": ions.n_ions,
        "bounds_nm": bounds,
        "mass_range_da": mass_range,
        "extra_columns": sorted(ions.extra),
    }
    if ranges is not None:
        table = load_ranges(ranges)
        warnings += table.warnings
        summary = ranging_summary(ions, table)
        report.update(
            {
                "ranges_file": str(ranges),
                "ranged": summary.ranged,
                "unranged": summary.unranged,
                "ion_counts": summary.ion_counts,
                "atom_counts": summary.atom_counts,
            }
        )
    report["warnings"] = warnings
    return report, warnings


def _text(report: dict) -> str:
    lines = [f"{report['file']}: {report['format']}, {report['ions']:,} ions"]
    b = report["bounds_nm"]
    if b:
        lines.append(
            f"bounds (nm): x {b[0]:.3f} .. {b[3]:.3f}, y {b[1]:.3f} .. {b[4]:.3f}, z {b[2]:.3f} .. {b[5]:.3f}"
        )
        mlo, mhi = report["mass_range_da"]
        lines.append(f"m/n range (Da): {mlo:.4f} .. {mhi:.4f}")
    if report["extra_columns"]:
        lines.append("other columns: " + ", ".join(report["extra_columns"]))
    if "ranged" in report:
        n = max(report["ions"], 1)
        lines.append(
            f"ranged: {report['ranged']:,} ({100 * report['ranged'] / n:.2f} %), "
            f"unranged: {report['unranged']:,} ({100 * report['unranged'] / n:.2f} %)"
        )
        lines.append("ions per species:")
        lines += [f"  {k:<12} {v:>12,}" for k, v in report["ion_counts"].items()]
        lines.append("atoms per element (molecular ions decomposed):")
        total = max(sum(report["atom_counts"].values()), 1)
        lines += [
            f"  {k:<12} {v:>12,}  {100 * v / total:6.2f} at.%" for k, v in report["atom_counts"].items()
        ]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Print the summary (text, or JSON with ``--json``); warnings go to stderr."""
    report, warnings = collect(args.file, args.ranges)
    if args.json:
        sys.stdout.write(json.dumps(report, indent=1) + "\n")
    else:
        sys.stdout.write(_text(report))
    for w in warnings:
        warn(w)
    return 0
