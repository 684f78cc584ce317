"""The ``hea-studio`` command line (see shared docs/cli.md for the contract).

Each subcommand lives in its own module exposing ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. With no subcommand the main window opens (``gui`` module).

Exit codes: 0 success, 2 bad input or usage (one line on stderr), 1 internal error (a short message
and the path of a log file holding the traceback).
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Sequence

from hea_studio import __version__
from hea_studio.cli import logs
from hea_studio.core.errors import InputError
from hea_studio.core.paths import write_crash_log

# Subcommands that exist. A subcommand is listed here only once its module really does its job.
SUBCOMMANDS: dict[str, str] = {}


def register(name: str, module: str) -> None:
    """Add a subcommand implemented by ``module``."""
    SUBCOMMANDS[name] = module


# A number, then optionally more numbers after commas or colons: "-10,0,0,10,20,20", "-1.5e-3".
_NUMBER = r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"
_NEGATIVE_VALUES = re.compile(rf"^-{_NUMBER}([,:][-+]?{_NUMBER})*$")


class _Parser(argparse.ArgumentParser):
    """argparse that exits with code 2 and a single line, as the contract asks.

    Values that start with a minus sign are values, not options: real APT coordinates are negative
    as often as positive, so ``--roi -10,0,0,10,20,20`` must work without ``--roi=``. (argparse
    recognises only a single bare negative number; none of our options looks like a number.)
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_VALUES

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _load(name: str):
    return importlib.import_module(SUBCOMMANDS[name])


def build_gui_parser() -> argparse.ArgumentParser:
    """Parser for ``hea-studio [FILE] [--ranges R] [--self-test OUT]``."""
    from hea_studio.cli import gui

    lines = [f"  {name:<10} {_load(name).HELP}" for name in SUBCOMMANDS]
    epilog = "subcommands (hea-studio SUBCOMMAND --help for details):\n" + "\n".join(lines)
    parser = _Parser(
        prog="hea-studio",
        description="HEA Studio: configurational entropy versus scale and SUME for atom probe data. "
        "With no subcommand, opens the main window (on the bundled demo specimen if no FILE is given).",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hea-studio {__version__}")
    gui.add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``hea-studio`` and ``python main.py``."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    _register_builtin()
    if args_list and args_list[0] in SUBCOMMANDS:
        name = args_list.pop(0)
        module = _load(name)
        parser = _Parser(
            prog=f"hea-studio {name}", description=module.HELP, formatter_class=logs.DefaultsFormatter
        )
        if name in ("analyze", "info") and _is_map(args_list):
            # A spectrum image takes the map options (cli.md round 3), not the ion file's.
            from hea_studio.cli import maps

            parser.description = maps.HELP if name == "analyze" else maps.INFO_HELP
            (maps.add_arguments if name == "analyze" else maps.add_info_arguments)(parser)
            runner = maps.run if name == "analyze" else maps.info_run
        else:
            module.add_arguments(parser)
            runner = module.run
        logs.add_arguments(parser)
    else:
        from hea_studio.cli import gui

        parser = build_gui_parser()
        runner = gui.run
    args = parser.parse_args(args_list)
    logs.configure(getattr(args, "quiet", False), getattr(args, "verbose", 0))
    return guarded(runner, args)


def _is_map(args: list[str]) -> bool:
    """True when the first positional argument names a spectrum image (.bcf, .emd, .hspy, .spx)."""
    from hea_studio.io.eds import is_eds_file

    first = next((a for a in args if not a.startswith("-")), None)
    return first is not None and is_eds_file(first)


def guarded(runner, args) -> int:
    """Run ``runner(args)`` turning our errors into the contract's exit codes."""
    try:
        return int(runner(args) or 0)
    except InputError as exc:
        print(f"hea-studio: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hea-studio: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        log = write_crash_log()
        print(f"hea-studio: internal error: {type(exc).__name__}: {exc}\n  details: {log}", file=sys.stderr)
        return 1


def _register_builtin() -> None:
    # One line per subcommand.
    register("info", "hea_studio.cli.info")
    register("analyze", "hea_studio.cli.analyze")
    register("entropy", "hea_studio.cli.entropy")
    register("synth", "hea_studio.cli.synth")
    register("local", "hea_studio.cli.local")
    register("profile", "hea_studio.cli.profile")
    register("batch", "hea_studio.cli.batch")
    register("spectrum", "hea_studio.cli.spectrum")
    register("ranges", "hea_studio.cli.ranges")
    register("clusters", "hea_studio.cli.clusters")
    register("nn", "hea_studio.cli.nn")
    register("isosurface", "hea_studio.cli.isosurface")
    register("warmup", "hea_studio.cli.warmup")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
