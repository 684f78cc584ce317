"""Every numba kernel of the package runs as plain Python in the JIT-off tests.

Compiled numba code does not check array bounds; the JIT-off variant of a kernel test (the ``jit``
fixture's ``no-jit`` run, or a ``*jit_off*`` test calling ``disable_jit``) runs the kernel's
``py_func``, which does. A kernel that never runs there can index out of bounds unnoticed. This
test runs the JIT-off tests in a fresh process that records each kernel called as Python
(tests/jit_support.py) and compares with the kernels found in the package (not a hand-kept list).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from jit_support import numba_kernels

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
# A test file with JIT-off tests: it uses the ``jit`` fixture or calls ``disable_jit``.
_USES_JIT_OFF = re.compile(r'usefixtures\("jit"\)|disable_jit\(|def test_\w+\([^)]*\bjit\b')


def jit_off_test_files() -> list[Path]:
    """The test files holding JIT-off tests, found by their text."""
    skip = {TESTS / "conftest.py", TESTS / "jit_support.py", Path(__file__).resolve()}
    return sorted(
        p for p in TESTS.rglob("test_*.py") if p not in skip and _USES_JIT_OFF.search(p.read_text())
    )


def test_the_jit_off_test_files_are_found():
    names = {p.name for p in jit_off_test_files()}
    assert {"test_kernels.py", "test_kernels_as_python.py", "test_ranging.py"} <= names


def test_every_kernel_runs_as_python_in_the_jit_off_tests(tmp_path):
    record = tmp_path / "ran.txt"
    env = dict(os.environ, HEA_RECORD_PY_KERNELS=str(record), PYTHONPATH=str(ROOT))
    files = [str(p) for p in jit_off_test_files()]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "no-jit or jit_off", *files],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    ran = set(record.read_text().split())
    never = sorted(set(numba_kernels()) - ran)
    assert not never, f"kernels that never ran as Python in the JIT-off tests: {never}"
