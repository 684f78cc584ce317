"""Output paths of the subcommands, checked before any work so a typo does not cost a long analysis."""

from __future__ import annotations

from pathlib import Path

from hea_studio.core.errors import InputError


def check_output_targets(*targets: str | Path | None) -> None:
    """InputError before any work if an output file cannot be created (its folder is missing or is a file)."""
    for target in targets:
        if target is None or str(target) == "-":
            continue
        path = Path(target)
        if path.is_dir():
            raise InputError(f"cannot write {path}: it is a folder")
        parent = path.parent if str(path.parent) else Path(".")
        if not parent.is_dir():
            raise InputError(f"cannot write {path}: folder {parent} does not exist")
