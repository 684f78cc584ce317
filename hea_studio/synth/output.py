"""Write a specimen as PREFIX.pos + PREFIX.rrng + PREFIX.json (parameters and ground truth)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from hea_studio.synth.specimen import GENERATOR_VERSION, Specimen

JSON_SCHEMA = "hea-studio/synth/1"


def specimen_json(specimen: Specimen) -> dict:
    """Parameters and ground truth as plain JSON types."""
    return {
        "schema": JSON_SCHEMA,
        "generator_version": GENERATOR_VERSION,
        "params": specimen.params.to_dict(),
        "truth": specimen.truth,
        "species": list(specimen.species),
        "clusters": [
            {"centre_nm": [round(float(v), 4) for v in c], "radius_nm": round(float(r), 4)}
            for c, r in zip(specimen.cluster_centres, specimen.cluster_radii)
        ],
    }


def write_specimen(specimen: Specimen, prefix: str | os.PathLike) -> tuple[Path, Path, Path]:
    """Write PREFIX.pos, PREFIX.rrng and PREFIX.json.

    Each file is written under a temporary name in the same directory and moved into place, so
    that an interrupted run never leaves a truncated file under the final name. The .json is
    moved last: its presence means the other two are complete.

    Parameters
    ----------
    specimen
        What :func:`hea_studio.synth.generate` returned.
    prefix
        Path without extension; its directory is created if needed.

    Returns
    -------
    pos, rrng, json
        The three paths written.
    """
    from hea_studio.io import write_pos, write_rrng

    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    paths = tuple(prefix.with_name(prefix.name + ext) for ext in (".pos", ".rrng", ".json"))
    pos_path, rrng_path, json_path = paths
    tag = f".tmp-{os.getpid()}"
    tmp = tuple(p.with_name(p.name + tag) for p in paths)
    try:
        write_pos(tmp[0], np.asarray(specimen.ions.positions), np.asarray(specimen.ions.mass))
        write_rrng(tmp[1], specimen.ranges)
        with open(tmp[2], "w", encoding="utf-8") as fh:
            json.dump(specimen_json(specimen), fh, indent=1)
            fh.write("\n")
        # os.replace is atomic on one file system: readers see the old file or the whole new one.
        for t, final in zip(tmp, paths):
            os.replace(t, final)
    finally:
        for t in tmp:
            if t.exists():
                t.unlink()
    return pos_path, rrng_path, json_path
