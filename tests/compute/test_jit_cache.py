"""numba kernels are cached and GIL-free, and a frozen build caches into HEA Studio's user cache."""

from __future__ import annotations

import importlib
import sys

import pytest

from hea_studio.compute import _kernels

KERNELS = [
    "select_box", "voxel_prefix", "prefix_cube_counts", "cube_ids", "dense_counts", "sparse_counts",
    "box_counts", "cube_stats", "merged_chi2", "null_entropy", "binomial_mixture_hist",
    "bootstrap_means", "largest_box",
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
