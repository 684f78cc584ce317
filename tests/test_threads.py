"""Where threads start: the worker package, and two documented thread pools inside compute."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "hea_studio"
# Thread pools inside one call, joined before it returns (README "Development", workers/__init__.py).
POOLS_INSIDE_A_CALL = {"compute/spectrum/mass.py", "compute/local/knn.py"}
_STARTS_THREADS = re.compile(
    r"\bThreadPoolExecutor\(|\bthreading\.Thread\(|\bQThread\(|\bQThreadPool\b|\bstart_new_thread\("
)


def test_only_workers_and_the_documented_pools_start_threads():
    starters = set()
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if _STARTS_THREADS.search(path.read_text(encoding="utf-8")):
            starters.add(rel)
    outside = {s for s in starters if not s.startswith("workers/")}
    assert outside == POOLS_INSIDE_A_CALL, sorted(outside)


def test_the_documented_pools_are_joined_within_the_call():
    """A ``with ThreadPoolExecutor(...)`` block waits for its threads when it ends."""
    for rel in POOLS_INSIDE_A_CALL:
        text = (PACKAGE / rel).read_text(encoding="utf-8")
        assert re.search(r"with ThreadPoolExecutor\(", text), rel
