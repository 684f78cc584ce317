"""``hea-studio ranges suggest FILE --elements Co,Cu,Fe,Ni --out R.rrng``: ranges from isotope patterns.

Ranges are placed on the spectrum's peaks that match the natural isotope pattern of the elements
(or molecular ions) asked for at charge states 1-3, each as wide as its peak at 0.5 % of its
maximum; the file is a proposal to check and edit, in the window or by hand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hea_studio.core.errors import InputError, os_reason

HELP = "suggest a range file from the isotope patterns of given elements (ranges suggest ...)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``ranges``."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    suggest = sub.add_parser("suggest", help="propose ranges for a list of elements or molecular ions")
    suggest.add_argument("file", type=Path, help="ion file (.pos, .epos, .apt)")
    suggest.add_argument(
        "--elements",
        required=True,
        help="elements or molecular ions to look for, e.g. Co,Cu,Fe,Ni or Si,O,CrO",
    )
    suggest.add_argument("--out", required=True, type=Path, help="range file to write (.rrng)")
    suggest.add_argument("--bin", type=float, default=0.01, help="bin width in Da (default 0.01)")
    suggest.add_argument("--charges", default="1,2,3", help="charge states to try (default 1,2,3)")


def _charges(text: str) -> tuple[int, ...]:
    try:
        charges = tuple(int(c) for c in text.split(",") if c.strip())
    except ValueError:
        raise InputError(f"--charges {text!r}: expected whole numbers such as 1,2,3") from None
    if not charges or any(not 1 <= z <= 3 for z in charges):
        raise InputError(f"--charges {text!r}: charges must be 1, 2 or 3")
    return charges


def run(args: argparse.Namespace) -> int:
    """Suggest ranges, write them, print them with the share of ions they hold."""
    from hea_studio.cli.analyze import parse_elements
    from hea_studio.cli.outputs import check_outputs
    from hea_studio.compute.spectrum.fit import suggest_ranges
    from hea_studio.compute.spectrum.mass import mass_spectrum
    from hea_studio.core.isotopes import parse_formula
    from hea_studio.io import load_ions, ranging_summary, write_rrng

    if args.out.suffix.lower() != ".rrng":
        raise InputError(f"--out {args.out}: the suggested ranges are written as .rrng")
    check_outputs([("--out", args.out)], inputs=[args.file])
    ions_asked = list(parse_elements(args.elements) or ())
    for ion in ions_asked:
        parse_formula(ion)
    charges = _charges(args.charges)
    ions = load_ions(args.file)
    spectrum = mass_spectrum(ions.mass, args.bin)
    table = suggest_ranges(spectrum, ions_asked, charges)
    try:
        write_rrng(args.out, table)
    except OSError as exc:
        raise InputError(f"cannot write {args.out}: {os_reason(exc)}") from None
    summary = ranging_summary(ions, table)
    n = max(summary.n_ions, 1)
    lines = [f"{args.out}: {len(table.ranges)} ranges for {', '.join(table.species)}"]
    lines += [f"  {r.lo:9.3f} - {r.hi:9.3f} Da  {r.ion}" for r in table.ranges]
    lines.append(f"ranged {summary.ranged:,} of {summary.n_ions:,} ions ({100 * summary.ranged / n:.2f} %)")
    missing = [e for e in ions_asked if e not in table.species]
    if missing:
        lines.append("no peak matched: " + ", ".join(missing))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
