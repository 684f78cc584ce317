"""Validate a NeXus file with pynxtools against HEA Studio's NXDL (run as a script, in its own process).

pynxtools reads the definitions folder once, at import, from ``NEXUS_DEF_PATH``; this script builds a
folder holding pynxtools' own definitions plus ``NXapm_hea_studio_results.nxdl.xml`` and points the
variable at it before importing pynxtools. Prints ``VALID`` or ``INVALID`` and every problem found.

Usage: ``python nexus_validation.py FILE.nxs NXDL.xml``
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def definitions_with(nxdl: Path) -> Path:
    """A definitions folder: pynxtools' (linked) plus ``nxdl`` among the applications."""
    import importlib.util

    spec = importlib.util.find_spec("pynxtools")
    assert spec is not None and spec.origin is not None
    src = Path(spec.origin).parent / "definitions"
    out = Path(tempfile.mkdtemp(prefix="nxdefs-"))
    for item in src.iterdir():
        if item.name != "applications":
            (out / item.name).symlink_to(item)
    (out / "applications").mkdir()
    for f in (src / "applications").iterdir():
        (out / "applications" / f.name).symlink_to(f)
    (out / "applications" / nxdl.name).symlink_to(nxdl.resolve())
    return out


def main(path: str, nxdl: str) -> int:
    os.environ["NEXUS_DEF_PATH"] = str(definitions_with(Path(nxdl)))
    import h5py
    from pynxtools.dataconverter.helpers import collector
    from pynxtools.dataconverter.validation import validate_hdf_group_against

    problems: list[str] = []
    with h5py.File(path, "r") as f:
        entries = [k for k, g in f.items() if g.attrs.get("NX_class") == "NXentry"]
        for name in entries:
            definition = f[name]["definition"][()].decode()
            collector.clear()
            if not validate_hdf_group_against(definition, f[name], path):
                problems += sorted(collector.get())
    print(f"entries {len(entries)}")
    print("VALID" if entries and not problems else "INVALID")
    for p in problems:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
