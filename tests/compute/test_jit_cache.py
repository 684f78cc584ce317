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


def _run_analyze(env, tmp_path):
    """``analyze`` in a fresh process with ``env``; returns (exit code, stderr, JSON written)."""
    import json
    import subprocess

    out = tmp_path / "r.json"
    argv = [sys.executable, "-m", "hea_studio", "analyze", str(tmp_path / "run.pos"), "--ranges",
            str(tmp_path / "run.rrng"), "--sizes", "1,2", "--bootstrap", "0", "--json", str(out)]  # fmt: skip
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stderr, json.loads(out.read_text()) if out.exists() else None


def _small_run(tmp_path):
    import numpy as np

    from hea_studio.core.ranges import Range, RangeTable
    from hea_studio.io import write_pos, write_rrng

    species = [("Fe", 27.95), ("Ni", 28.95), ("Co", 29.45), ("Cu", 31.45)]
    rng = np.random.default_rng(2)
    n = 5000
    mass = np.array([s[1] for s in species])[rng.integers(0, 4, n)] + rng.uniform(0, 0.1, n)
    write_pos(tmp_path / "run.pos", rng.uniform(0, 5, (n, 3)).astype(np.float32), mass.astype(np.float32))
    write_rrng(tmp_path / "run.rrng", RangeTable([Range(m, m + 0.1, e, ((e, 1.0),)) for e, m in species]))


def test_an_unwritable_cache_folder_costs_a_slower_start_not_the_run(tmp_path):
    """Issue 28: a read-only XDG_CACHE_HOME (an unguarded mkdir) stopped every run at import."""
    import os
    import stat

    site, env = _package_copy(tmp_path)
    _small_run(tmp_path)
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    # root ignores permission bits: below /proc/self nothing can be created.
    env["XDG_CACHE_HOME"] = str(ro / "cache") if os.geteuid() != 0 else "/proc/self/cache"
    code, err, data = _run_analyze(env, tmp_path)
    assert code == 0, err
    assert data is not None and data["elements"] == ["Co", "Cu", "Fe", "Ni"]
    notes = [line for line in err.splitlines() if "compiled-code cache" in line]
    assert len(notes) == 1 and "without a cache" in notes[0]
    assert "Traceback" not in err
    assert not list(site.rglob("*.nbi"))  # nothing cached beside the sources instead


def test_a_folder_where_a_cache_entry_should_be_is_skipped(tmp_path):
    """The save of a compiled kernel was unguarded: a folder in the way stopped the run."""
    import subprocess

    _, env = _package_copy(tmp_path)
    _small_run(tmp_path)
    argv = [sys.executable, "-m", "hea_studio", "info", str(tmp_path / "run.pos"), "--json"]
    first = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    entries = list((tmp_path / "xdg").rglob("*.nbi")) + list((tmp_path / "xdg").rglob("*.nbc"))
    assert entries
    for entry in entries:
        entry.unlink()
        entry.mkdir()  # the save of each of these entries now fails
    again = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    notes = [line for line in again.stderr.splitlines() if "compiled code" in line]
    assert len(notes) == 1 and "continuing without caching" in notes[0]
    assert again.stdout == first.stdout


def _mount_tmpfs(folder, size: str) -> bool:
    import os
    import subprocess

    if os.geteuid() != 0:
        return False
    folder.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
    )
    return proc.returncode == 0


def test_a_full_disk_under_the_cache_costs_the_cache_not_the_run(tmp_path):
    """The cache on a full file system: a real 1 MB tmpfs when the test may mount one, else ENOSPC
    from every write numba makes (simulated in the subprocess)."""
    import subprocess

    _, env = _package_copy(tmp_path)
    _small_run(tmp_path)
    disk = tmp_path / "disk"
    mounted = _mount_tmpfs(disk, "1m")
    try:
        if mounted:
            # Fill it: the cache folder exists, but no entry fits.
            (disk / "hea-studio" / "numba").mkdir(parents=True)
            with open(disk / "filler", "wb") as fh:
                try:
                    while True:
                        fh.write(b"\0" * 65536)
                except OSError:
                    pass
            env["XDG_CACHE_HOME"] = str(disk)
        else:
            # Without a mount: every open for writing below the cache raises ENOSPC.
            disk.mkdir()
            (disk / "hea-studio" / "numba").mkdir(parents=True)
            env["XDG_CACHE_HOME"] = str(disk)
            env["HEA_TEST_ENOSPC_UNDER"] = str(disk)
            site = tmp_path / "site"
            (site / "sitecustomize.py").write_text(_ENOSPC_HOOK)
        before = {p: p.read_bytes() for p in (tmp_path / "run.pos", tmp_path / "run.rrng")}
        code, err, data = _run_analyze(env, tmp_path)
        assert code == 0, err
        assert data is not None and data["elements"] == ["Co", "Cu", "Fe", "Ni"]
        assert "Traceback" not in err
        assert len([line for line in err.splitlines() if "compiled" in line]) == 1, err
        assert {p: p.read_bytes() for p in before} == before
        assert not [p for p in disk.rglob("*.nbi") if p.stat().st_size == 0]  # no empty entry left
    finally:
        if mounted:
            subprocess.run(["umount", str(disk)], check=False)


_ENOSPC_HOOK = """
import builtins, errno, io, os
_root = os.environ.get("HEA_TEST_ENOSPC_UNDER")
_open = builtins.open
def _full(file, mode="r", *a, **k):
    if _root and isinstance(file, (str, os.PathLike)) and str(file).startswith(_root) and any(c in mode for c in "wax+"):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(file))
    return _open(file, mode, *a, **k)
builtins.open = _full
io.open = _full
"""
