"""numba kernels are cached and GIL-free, in HEA Studio's user cache folder, and a damaged cache heals."""

from __future__ import annotations

import importlib
import sys

import pytest
from jit_support import numba_kernels

KERNELS = numba_kernels()


def test_kernels_are_found():
    """The discovery sees the kernels of every module that has them (not a hand-typed list)."""
    modules = {key.split(":")[0] for key in KERNELS}
    assert {
        f"hea_studio.compute.{domain}._kernels" for domain in ("common", "lac", "reference", "sume", "local")
    } | {"hea_studio.io.apt._kernels", "hea_studio.io.ranges._kernels"} <= modules
    assert "hea_studio.compute.lac._kernels:select_box" in KERNELS


@pytest.mark.parametrize("key", sorted(KERNELS))
def test_kernel_is_cached_and_nogil(key):
    _module, _name, kernel = KERNELS[key]
    assert kernel.targetoptions.get("nogil") is True
    assert kernel._cache.__class__.__name__ == "FunctionCache"  # cache=True


# Every compute domain keeps its kernels in ``<domain>._kernels`` and their twins in ``<domain>._twins``.
PUBLIC_COMPUTE_KERNELS = sorted(
    key
    for key, (module, name, _k) in KERNELS.items()
    if key.startswith("hea_studio.compute.")
    and module.__name__.endswith("._kernels")
    and not name.startswith("_")
)


@pytest.mark.parametrize("key", PUBLIC_COMPUTE_KERNELS)
def test_every_public_compute_kernel_has_a_numpy_twin(key):
    """The twins are what the kernel tests compare against; helpers (``_name``) are covered by the
    kernels that call them."""
    module, name, _kernel = KERNELS[key]
    twins = importlib.import_module(module.__name__.removesuffix("._kernels") + "._twins")
    assert callable(getattr(twins, name, None)), f"{twins.__name__}.{name} is missing"


def test_numba_is_pointed_at_the_user_cache_whatever_the_import_order(monkeypatch, tmp_path):
    import numba

    from hea_studio.core import jit

    monkeypatch.setenv("HEA_STUDIO_CACHE", str(tmp_path))
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    old = numba.config.CACHE_DIR
    try:
        importlib.reload(jit)  # numba is already imported: its configuration is set directly too
        assert (
            numba.config.CACHE_DIR == str(tmp_path / "numba") == __import__("os").environ["NUMBA_CACHE_DIR"]
        )
        assert (tmp_path / "numba").is_dir()
        monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
        importlib.reload(jit)  # a folder the user chose wins
        assert str(tmp_path / "mine") == numba.config.CACHE_DIR
    finally:
        numba.config.CACHE_DIR = old


_PROBE = """
import numpy as np
from hea_studio.compute.reference import _kernels as k
print(k.merged_chi2(np.ones(3), np.full(3, 6.0), 5.0))
s = k.merged_chi2.stats
print(s.cache_path, sum(s.cache_hits.values()), sum(s.cache_misses.values()))
"""


def _package_copy(tmp_path):
    """A copy of the package outside the repository, run with a fresh user cache."""
    import os
    import shutil
    from pathlib import Path

    import hea_studio

    site = tmp_path / "site"
    shutil.copytree(
        Path(hea_studio.__file__).parent, site / "hea_studio", ignore=shutil.ignore_patterns("__pycache__")
    )
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "HEA_STUDIO_CACHE")}
    env.update(PYTHONPATH=str(site), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    return site, env


def _probe(env):
    import subprocess

    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    value, line = out.stdout.splitlines()[-2:]
    path, hits, misses = line.split()
    return value, path, int(hits), int(misses), out.stderr


def test_compiled_kernels_are_cached_in_the_user_cache_not_beside_the_sources(tmp_path):
    site, env = _package_copy(tmp_path)
    runs = [_probe(env) for _ in range(2)]
    (v1, path1, hits1, _, _), (v2, path2, hits2, misses2, _) = runs
    assert v1 == v2
    assert path1 == path2 and path1.startswith(str(tmp_path / "xdg" / "hea-studio" / "numba"))
    assert hits1 == 0 and hits2 == 1 and misses2 == 0  # compiled once, then loaded
    assert not list(site.rglob("*.nbi")) and not list(site.rglob("*.nbc"))  # nothing beside the sources


@pytest.mark.parametrize("damage", ["index", "data", "both"])
def test_a_corrupt_cache_entry_is_removed_and_recompiled(tmp_path, damage):
    from pathlib import Path

    _, env = _package_copy(tmp_path)
    value, path, _, _, _ = _probe(env)
    cache = Path(path)
    index = list(cache.glob("*merged_chi2*.nbi"))
    data = list(cache.glob("*merged_chi2*.nbc"))
    assert index and data
    for f in (index if damage != "data" else []) + (data if damage != "index" else []):
        f.write_bytes(f.read_bytes()[:40])  # a write cut short by a crash
    healed, _, hits, misses, err = _probe(env)
    assert healed == value
    notes = [line for line in err.splitlines() if "damaged" in line]
    assert len(notes) == 1 and "merged_chi2" in notes[0] and "compiling it again" in notes[0]
    assert hits == 0 and misses == 1
    again, _, hits, misses, err = _probe(env)  # the fresh entry was cached
    assert again == value and hits == 1 and misses == 0 and "damaged" not in err
