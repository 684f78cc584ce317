"""Fixtures for the io tests: the shared real files and the APAV Si run, fetched once.

The Si run (Si.pos, Si.epos, Si.apt, Si.RRNG, Si.RNG; 945,211 ions) ships inside the APAV 1.4.0
source package. It is fetched with the venv's own ``pip download`` the first time a test needs it,
and only those five files are extracted into ``$HEA_STUDIO_TESTDATA`` or, by default,
``user_cache_dir()/testdata/apav-1.4.0``. Later runs reuse them. Nothing from APAV but these data
files is used.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

from hea_studio.core.paths import user_cache_dir


# The shared real files (see their MANIFEST.md); HEA_STUDIO_REAL_DATA points elsewhere if needed.
def _real_data_dir() -> Path:
    """shared/ sits beside the repository (in CI too); HEA_STUDIO_REAL_DATA overrides it."""
    override = os.environ.get("HEA_STUDIO_REAL_DATA")
    if override:
        return Path(override)
    beside = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
    return beside if beside.is_dir() else Path("/work/shared/data/real")


REAL = _real_data_dir()
SI_FILES = ("Si.pos", "Si.epos", "Si.apt", "Si.RRNG", "Si.RNG")
APAV = "apav==1.4.0"


def testdata_dir() -> Path:
    """Where downloaded test data lives (created on demand)."""
    override = os.environ.get("HEA_STUDIO_TESTDATA")
    path = Path(override) if override else user_cache_dir() / "testdata"
    path.mkdir(parents=True, exist_ok=True)
    return path


def download_command(dest: Path) -> list[str]:
    """The ``pip download`` that fetches only APAV's source archive into ``dest``.

    ``--no-binary`` names APAV alone: pip must take its source archive (the wheels lack the test
    data) and prepares its metadata in an isolated build environment, whose build tools (Cython,
    setuptools) then come as wheels. ``--no-binary :all:`` would force those to be compiled from
    source too, which takes minutes on a fresh machine. pip's own index configuration decides
    where it downloads from.
    """
    name = APAV.split("==")[0]
    return [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", name,
        "--disable-pip-version-check", APAV, "-d", str(dest),
    ]  # fmt: skip


def fetch_apav_si() -> Path:
    """Folder holding the five Si files, downloading and extracting them if needed."""
    target = testdata_dir() / "apav-1.4.0"
    if all((target / f).is_file() for f in SI_FILES):
        return target
    with tempfile.TemporaryDirectory(prefix="hea-apav-", dir=testdata_dir()) as tmp:
        tmp_path = Path(tmp)
        done = subprocess.run(download_command(tmp_path), capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"pip download {APAV} failed:\n{done.stderr[-2000:]}")
        archives = sorted(tmp_path.glob("*.tar.gz"))
        if not archives:
            raise RuntimeError(f"pip download {APAV} produced no source archive")
        staging = tmp_path / "staging"
        staging.mkdir()
        with tarfile.open(archives[0], "r:gz") as tar:
            for member in tar.getmembers():
                name = Path(member.name)
                if name.name in SI_FILES and name.parent.name == "tests" and member.isfile():
                    src = tar.extractfile(member)
                    assert src is not None
                    with src, open(staging / name.name, "wb") as dst:
                        shutil.copyfileobj(src, dst)
        missing = [f for f in SI_FILES if not (staging / f).is_file()]
        if missing:
            raise RuntimeError(f"{APAV} source archive lacks {missing}")
        target.mkdir(parents=True, exist_ok=True)
        for f in SI_FILES:
            os.replace(staging / f, target / f)  # atomic per file: a crash never leaves half a file
    return target


@pytest.fixture(scope="session")
def apav_si() -> Path:
    """Folder with Si.pos, Si.epos, Si.apt, Si.RRNG, Si.RNG from the APAV 1.4.0 source package."""
    return fetch_apav_si()


@pytest.fixture(scope="session")
def real() -> Path:
    """The shared folder of real range and ion files (see its MANIFEST.md)."""
    assert REAL.is_dir(), f"{REAL} is missing (set HEA_STUDIO_REAL_DATA to the folder of real APT files)"
    return REAL
