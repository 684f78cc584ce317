"""Licence texts and third-party notices for the frozen application folder.

    python packaging/notices.py APP_DIR

Writes, at the top of the application folder (where a user sees them):

- ``LICENSE``: HEA Studio's own BSD-3-Clause licence;
- ``THIRD-PARTY-NOTICES.txt``: every component the bundle carries, its version and licence, and where
  its texts are;
- ``licenses/<component>/...``: the licence files each installed distribution ships (numpy with its
  vendored code, numba, llvmlite with LLVM's, h5py with HDF5's, ...), Python's own licence, and the
  LGPL-3.0 and GPL-3.0 texts for Qt and PySide6, whose wheels carry no licence file.

packaging/build.sh runs it after PyInstaller, so the archive and the installers include the texts;
tests/packaging checks that the built bundle holds them.
"""

from __future__ import annotations

import shutil
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

# The distributions the bundle carries (packaging/hea_studio.spec), with what they are to a reader.
BUNDLED: tuple[tuple[str, str], ...] = (
    ("PySide6-Essentials", "Qt for Python: the Qt 6 libraries and their Python bindings"),
    ("shiboken6", "the binding generator's runtime of Qt for Python"),
    ("numpy", "arrays (with OpenBLAS, gfortran runtime and vendored code)"),
    ("numba", "the just-in-time compiler of the kernels"),
    ("llvmlite", "numba's LLVM back end (LLVM is Apache-2.0 with LLVM exception)"),
    ("h5py", "HDF5 files (with the HDF5 library, libaec/szip)"),
    ("vispy", "the 3D view"),
    ("pyqtgraph", "the plots"),
    ("periodictable", "isotope masses and abundances"),
    # Clusters, neighbour statistics and isosurfaces.
    ("scipy", "k-d trees, hulls, image filters and statistics (with OpenBLAS and gfortran runtime)"),
    ("scikit-learn", "DBSCAN and HDBSCAN cluster searches"),
    ("joblib", "scikit-learn's parallel helpers"),
    ("threadpoolctl", "scikit-learn's thread-pool control"),
    ("scikit-image", "marching cubes of the isosurfaces"),
    ("lazy-loader", "scikit-image's lazy imports"),
    # STEM-EDS spectrum images.
    ("rosettasciio", "the Bruker .bcf, Velox .emd and HyperSpy .hspy readers"),
    ("dask", "rosettasciio's lazy arrays"),
    ("toolz", "dask's functional helpers"),
    ("cloudpickle", "dask's serialisation"),
    ("sparse", "rosettasciio's sparse arrays of Velox spectrum streams"),
    ("Pint", "rosettasciio's units"),
    ("flexcache", "Pint's cache"),
    ("flexparser", "Pint's definition parser"),
    ("python-box", "rosettasciio's metadata dictionaries"),
    ("python-dateutil", "rosettasciio's time stamps"),
    ("PyYAML", "dask's configuration files"),
    ("xraydb", "X-ray emission line energies and widths"),
    ("SQLAlchemy", "xraydb's database access"),
    ("platformdirs", "xraydb's and Pint's user folders"),
    ("packaging", "version checks in rosettasciio, dask and scikit-image"),
    ("typing_extensions", "typing helpers of several components"),
)
# Qt for Python's wheels hold no licence file: the texts of the licence the app uses them under.
QT_LICENCE_TEXTS = ("LGPL-3.0.txt", "GPL-3.0.txt")
QT_NOTE = (
    "Qt and Qt for Python (PySide6, shiboken6) are used under the GNU Lesser General Public License v3.0\n"
    "(LGPL-3.0-only; the LGPL refers to the GPL-3.0, both texts are in licenses/PySide6-Essentials/).\n"
    "They are linked dynamically: the Qt and PySide6 libraries are separate files in this folder\n"
    "(_internal/PySide6) and can be replaced by compatible builds of your own. Their source code is\n"
    "published by the Qt Project (download.qt.io, code.qt.io) for the versions named here.\n"
)


def _licence_files(dist: metadata.Distribution) -> list[tuple[Path, str]]:
    """``(file, path relative to the dist-info's licence folder)`` for every licence file shipped."""
    out = []
    for f in dist.files or []:
        parts = Path(str(f)).parts
        name = parts[-1].upper()
        in_licences = len(parts) > 2 and parts[0].endswith(".dist-info") and parts[1] == "licenses"
        top_level = len(parts) == 2 and parts[0].endswith(".dist-info")
        if in_licences or (top_level and any(k in name for k in ("LICEN", "COPYING", "NOTICE"))):
            rel = "/".join(parts[2:]) if in_licences else parts[1]
            out.append((Path(str(dist.locate_file(f))), rel))
    return out


def _licence_name(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    text = (meta.get("License") or "").strip().splitlines()
    if text and len(text[0]) < 80:
        return text[0]
    classifiers = [
        c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License")
    ]
    return ", ".join(classifiers) or "see its licence files"


def write_notices(app_dir: Path) -> list[Path]:
    """Write LICENSE, THIRD-PARTY-NOTICES.txt and licenses/ into ``app_dir``; return the files written."""
    app_dir = Path(app_dir)
    licences = app_dir / "licenses"
    if licences.exists():
        shutil.rmtree(licences)
    written: list[Path] = []

    def copy(src: Path, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        written.append(dest)

    copy(ROOT / "LICENSE", app_dir / "LICENSE")
    lines = [
        "HEA Studio: third-party software in this application folder",
        "=" * 62,
        "",
        "HEA Studio itself is BSD-3-Clause (LICENSE). The application folder also carries the components",
        "below, each under its own licence; the texts are in licenses/<component>/.",
        "",
    ]
    python_licence = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    if python_licence.is_file():
        copy(python_licence, licences / "Python" / "LICENSE.txt")
        lines += [
            f"Python {sys.version.split()[0]}: the interpreter and standard library",
            "  licence: PSF-2.0",
            "",
        ]
    for name, what in BUNDLED:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        folder = licences / name
        files = _licence_files(dist)
        for src, rel in files:
            if src.is_file():
                copy(src, folder / rel)
        if name in ("PySide6-Essentials", "shiboken6"):
            for text in QT_LICENCE_TEXTS:
                copy(HERE / "licenses" / text, folder / text)
        lines.append(f"{name} {dist.version}: {what}")
        lines.append(f"  licence: {_licence_name(dist)}")
        shipped = sorted(p.relative_to(app_dir).as_posix() for p in written if folder in p.parents)
        lines += [f"  text: {p}" for p in shipped]
        if name == "PySide6-Essentials":
            lines += ["  " + line for line in QT_NOTE.splitlines()]
        lines.append("")
    notices = app_dir / "THIRD-PARTY-NOTICES.txt"
    notices.write_text("\n".join(lines), encoding="utf-8")
    written.append(notices)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python packaging/notices.py APP_DIR")
    files = write_notices(Path(sys.argv[1]))
    print(f"notices: {len(files)} files (LICENSE, THIRD-PARTY-NOTICES.txt, licenses/)")
