"""``hea-studio [FILE] [--ranges R] [--self-test OUTDIR]``: the main window."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "open the main window (the default when no subcommand is given)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the window command."""
    parser.add_argument(
        "file", nargs="?", type=Path, help="ion file to open (.pos, .epos, .apt); default: demo"
    )
    parser.add_argument("--ranges", type=Path, help="range file (.rrng, .rng, .env) for FILE")
    parser.add_argument(
        "--self-test",
        metavar="OUTDIR",
        type=Path,
        help="open the window, load FILE or the demo, analyse it with the GUI's worker, write "
        "OUTDIR/window.png and OUTDIR/analysis.json, then exit (non-zero on failure or after 120 s)",
    )


def run(args: argparse.Namespace) -> int:
    """Open the window (imports Qt only now, so the other subcommands never need a display)."""
    from hea_studio.app.launch import run_gui

    return run_gui(args.file, args.ranges, args.self_test)
