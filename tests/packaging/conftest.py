"""Fixtures for the frozen-bundle tests: build the bundle once per session and run its self-test once.

The tests are marked ``package``; they run by default (as in CI) and are skipped with ``--skip-package``
or ``HEA_SKIP_PACKAGE=1`` (both handled in tests/conftest.py).

Building takes a few minutes, so the session builds once, into a temporary folder, with
packaging/build.sh -- the same script ``make package`` runs. For iterating on the tests alone,
``HEA_PACKAGE_REUSE=1`` uses the bundle that packaging/build.sh last wrote to packaging/dist/ instead
(refused if it was built from another commit); CI never sets it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bundle_support import (
    BUILD_TIMEOUT_S,
    ROOT,
    SELF_TEST_TIMEOUT_S,
    Bundle,
    SelfTestRun,
    clean_environment,
    head_commit,
    mapped_libraries,
    snapshot,
)


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """Build the one-folder app with packaging/build.sh (or reuse one, see the module docstring)."""
    if sys.platform.startswith("win"):
        pytest.skip(
            "the bundle test drives packaging/build.sh, which needs bash (CI builds Windows separately)"
        )
    if os.environ.get("HEA_PACKAGE_REUSE") == "1":
        info_path = ROOT / "packaging" / "dist" / "build-info.json"
        if not info_path.is_file():
            pytest.fail("HEA_PACKAGE_REUSE=1 but packaging/dist/build-info.json is missing: run make package")
        info = json.loads(info_path.read_text())
        if info.get("commit") != head_commit():
            pytest.fail(f"HEA_PACKAGE_REUSE=1 but the bundle was built from {info.get('commit')}, not HEAD")
        build_log = ROOT / "packaging" / "build" / "pyinstaller.log"
    else:
        # A folder name with a space and a non-ASCII letter, like "C:\\Program Files" or "HEA Studio.app",
        # so that paths the app derives from its own location are tested with them.
        dist = tmp_path_factory.mktemp("dist") / "HEA Studio Ünicode"
        dist.mkdir()
        work = tmp_path_factory.mktemp("work")
        env = dict(os.environ, PYTHON=sys.executable, HEA_PACKAGE_DIST=str(dist), HEA_PACKAGE_WORK=str(work))
        t0 = time.perf_counter()
        proc = subprocess.run(
            ["bash", str(ROOT / "packaging" / "build.sh")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
        )
        build_log = work / "pyinstaller.log"
        assert proc.returncode == 0, f"packaging/build.sh failed:\n{proc.stdout}\n{proc.stderr}"
        print(f"\nbundle built in {time.perf_counter() - t0:.0f} s:\n{proc.stdout}")
        info = json.loads((dist / "build-info.json").read_text())
    return Bundle(
        app_dir=Path(info["app_dir"]),
        executable=Path(info["executable"]),
        archive=Path(info["archive"]) if info.get("archive") else None,
        info=info,
        build_log=build_log,
    )


def _run_self_test(bundle: Bundle, base: Path, out_name: str) -> SelfTestRun:
    """Start ``<bundle>/hea-studio --self-test`` with ``base`` holding the working folder and home."""
    cwd, home, empty_bin = base / "somewhere-else", base / "home", base / "empty-bin"
    for folder in (cwd, home, empty_bin, home / "run"):
        folder.mkdir(exist_ok=True)
    (home / "run").chmod(0o700)
    cache_dir = home / "hea-cache"
    out_dir = base / out_name
    env = clean_environment(home, cache_dir, empty_bin)
    before = snapshot(bundle.app_dir)

    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(bundle.executable), "--self-test", str(out_dir)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    loaded: set[str] = set()
    # Sample the libraries the process has mapped while it runs, to see dlopen()ed ones too.
    while proc.poll() is None and time.perf_counter() - t0 < SELF_TEST_TIMEOUT_S:
        loaded |= mapped_libraries(proc.pid)
        time.sleep(0.2)
    if proc.poll() is None:
        proc.kill()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - t0

    after = snapshot(bundle.app_dir)
    changes = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return SelfTestRun(
        returncode=proc.returncode,
        stdout=stdout,
        stderr=stderr,
        out_dir=out_dir,
        cwd=cwd,
        cache_dir=cache_dir,
        home=home,
        seconds=seconds,
        env=env,
        loaded_libraries=loaded,
        bundle_changes=changes,
    )


@pytest.fixture(scope="session")
def self_test_run(bundle: Bundle, tmp_path_factory: pytest.TempPathFactory) -> SelfTestRun:
    """Run the frozen app's --self-test once, from a folder unrelated to the build, in a clean env,
    with an empty user cache (as on a collaborator's first start)."""
    if not os.environ.get("DISPLAY") and sys.platform.startswith("linux"):
        pytest.fail("no DISPLAY: the bundle test needs Xvfb (pytest-xvfb provides it)")
    return _run_self_test(bundle, tmp_path_factory.mktemp("selftest"), "out")


@pytest.fixture(scope="session")
def second_self_test_run(bundle: Bundle, self_test_run: SelfTestRun) -> tuple[SelfTestRun, dict, dict]:
    """Start the app a second time with the same user cache; returns the run and the numba cache files
    (name -> size, mtime) before and after it."""
    base = self_test_run.cwd.parent
    before = (
        snapshot(self_test_run.cache_dir / "numba") if (self_test_run.cache_dir / "numba").is_dir() else {}
    )
    run = _run_self_test(bundle, base, "out-second")
    after = (
        snapshot(self_test_run.cache_dir / "numba") if (self_test_run.cache_dir / "numba").is_dir() else {}
    )
    return run, before, after
