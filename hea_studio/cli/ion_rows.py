"""Loading ion rows for the point-statistics subcommands (clusters, nn, isosurface): file, ranges, ROI.

These commands work on ions as IVAS does (a molecular ion is one point of its species), so ranging
keeps ion species (``decompose=False``); unranged ions are left out.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.shapes import Roi, parse_roi


@dataclass(frozen=True, eq=False)
class IonRows:
    """Ranged ion rows inside the ROI."""

    positions: np.ndarray
    labels: np.ndarray
    names: tuple[str, ...]
    colours: dict
    roi: Roi | None
    volume_nm3: float | None


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    """FILE, --ranges, --roi."""
    parser.add_argument("file", type=Path, help="ion file (.pos, .epos, .apt)")
    parser.add_argument("--ranges", type=Path, required=True, help="range file (.rrng, .rng, .env)")
    parser.add_argument(
        "--roi",
        help="box xmin,ymin,zmin,xmax,ymax,zmax, sphere:cx,cy,cz,r or cylinder:x0,y0,z0,x1,y1,z1,r in nm "
        "(default: every ion)",
    )


def parse_species(text: str, option: str) -> tuple[str, ...]:
    """``"Ni,Cu"`` -> ("Ni", "Cu"); InputError on an empty list."""
    out = tuple(s.strip() for s in (text or "").split(",") if s.strip())
    if not out:
        raise InputError(f"{option} needs at least one species name, e.g. {option} Ni,Cu")
    return out


def load_rows(args: argparse.Namespace) -> IonRows:
    """Read, range and cut to the ROI; InputError naming the file when nothing is left."""
    from hea_studio.io import load_ions, load_ranges, to_atoms

    roi = parse_roi(args.roi) if getattr(args, "roi", None) else None
    ions = load_ions(args.file)
    atoms = to_atoms(ions, load_ranges(args.ranges), decompose=False)
    positions, labels = atoms.positions, atoms.labels
    volume = None
    if roi is not None:
        inside = roi.contains(positions)
        positions, labels = positions[inside], labels[inside]
        volume = roi.volume
    if len(labels) == 0:
        where = " inside the ROI" if roi is not None else ""
        raise InputError(f"{args.file}: no ranged ions{where}")
    return IonRows(positions, labels, tuple(atoms.names), dict(atoms.colours), roi, volume)


def require_species(rows: IonRows, species, args: argparse.Namespace) -> None:
    """InputError naming the files when a species is not among the ranged ions."""
    missing = [s for s in species if s not in rows.names]
    if missing:
        raise InputError(
            f"{args.file} with {args.ranges}: no ranged ions of {', '.join(missing)} "
            f"(species: {', '.join(rows.names)})"
        )
