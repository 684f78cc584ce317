"""numba kernels are cached and GIL-free, and a frozen build caches into HEA Studio's user cache."""

from __future__ import annotations

import importlib
import sys

import pytest

from hea_studio.compute import _kernels

KERNELS = [
    "select_box", "relabel", "voxel_prefix", "prefix_cube_counts", "cube_ids", "dense_counts", "sparse_counts",
    "box_counts", "cube_stats", "merged_chi2", "null_entropy", "binomial_mixture_hist",
    "bootstrap_means", "largest_box", "cell_list", "knn_entropy",
]  # fmt: skip


@pytest.mark.parametrize("name", KERNELS)
def test_kernel_is_cached_nogil_and_has_a_twin(name):
    from hea_studio.compute import _twins

    kernel = getattr(_kernels, name)
    assert kernel.targetoptions.get("nogil") is True
    assert kernel._cache.__class__.__name__ == "FunctionCache"  # cache=True
    assert callable(getattr(_twins, name))


def test_frozen_build_points_numba_at_the_user_cache(monkeypatch, tmp_path):
    from hea_studio.compute import _jit

    monkeypatch.setenv("HEA_STUDIO_CACHE", str(tmp_path))
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    import numba

    old = numba.config.CACHE_DIR
    try:
        importlib.reload(_jit)
        assert (tmp_path / "numba").is_dir()
        assert str(tmp_path / "numba") == numba.config.CACHE_DIR
    finally:
        numba.config.CACHE_DIR = old
    monkeypatch.delattr(sys, "frozen")
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    importlib.reload(_jit)


_PROBE = """
import numpy as np
from hea_studio.compute import _kernels as k
k.merged_chi2(np.ones(3), np.full(3, 6.0), 5.0)
s = k.merged_chi2.stats
print(s.cache_path, sum(s.cache_hits.values()), sum(s.cache_misses.values()))
"""


def test_installed_package_caches_in_the_user_directory(tmp_path):
    # An installed package usually sits in a site-packages the user cannot write; numba then falls
    # back to its user-wide cache. Root can write anywhere, so the fallback locator is forced here.
    import shutil
    import subprocess
    from pathlib import Path

    import hea_studio

    site = tmp_path / "site"
    shutil.copytree(
        Path(hea_studio.__file__).parent, site / "hea_studio", ignore=shutil.ignore_patterns("__pycache__")
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(
        PYTHONPATH=str(site),
        XDG_CACHE_HOME=str(tmp_path / "xdg"),
        NUMBA_CACHE_LOCATOR_CLASSES="UserWideCacheLocator",
    )
    runs = []
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
        )
        runs.append(out.stdout.split())
    (path1, hits1, _), (path2, hits2, misses2) = runs
    assert path1 == path2 and path1.startswith(str(tmp_path / "xdg" / "numba"))
    assert int(hits1) == 0 and int(hits2) == 1 and int(misses2) == 0  # compiled once, then loaded
    assert not list(site.rglob("*.nbi"))  # nothing written into the package
