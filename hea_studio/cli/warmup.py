"""``hea-studio warmup``: compile the analysis kernels into the user's cache now."""

from __future__ import annotations

import argparse

HELP = "compile the analysis kernels now, so that the first analysis does not (the window does this itself)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``warmup`` takes no options besides the logging ones."""


def run(args: argparse.Namespace) -> int:
    """Run every kernel once on a tiny specimen; print how long it took."""
    from hea_studio.compute.warmup import warm_kernels

    seconds = warm_kernels()
    if not getattr(args, "quiet", False):
        print(f"kernels ready ({seconds:.1f} s)")
    return 0
