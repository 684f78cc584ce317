"""Test harness shared by every test.

- GUI tests render for real under Xvfb (pytest-xvfb starts it) with the xcb platform, because vispy's
  QOpenGLWidget is not supported by Qt's ``offscreen`` platform.
- ``make_main_window`` builds main windows, closes them after the test, and fails the test if a
  worker thread is still running afterwards.
- QSettings go to a folder of their own for every test (``isolated_settings``), so no test sees what
  another remembered (an order-dependent failure otherwise), and never the developer's settings.
- The user cache goes to a per-session temporary folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
_TMP_HOME = tempfile.mkdtemp(prefix="hea-test-home-")
# Settings (QSettings on Linux honours XDG_CONFIG_HOME) stay inside the test session.
os.environ["XDG_CONFIG_HOME"] = os.path.join(_TMP_HOME, "config")
# State (crash logs, recovery copies) too: a test must never write into, or move, a developer's files.
os.environ["HEA_STUDIO_STATE"] = os.path.join(_TMP_HOME, "state")
# The session recovery copy too: a test must never offer a developer's session back, or take it.
os.environ["HEA_STUDIO_RECOVERY"] = os.path.join(_TMP_HOME, "recovery", "session.heaproj")
# The cache holds the demo specimen and downloaded test data; keep the real user cache if one is set
# so expensive artefacts are reused between runs, otherwise use the user's normal cache.
# No kernel warm-up processes from windows the tests start (tests/compute/test_warmup.py runs it).
os.environ["HEA_STUDIO_NO_WARMUP"] = "1"
os.environ.setdefault("HEA_STUDIO_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "hea-studio"))


# The analyze run several test folders share (the ``specimen`` fixture; a test module may define its own).
pytest_plugins = ["analyze_specimen"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--skip-package",
        action="store_true",
        default=False,
        help="skip the tests that build the frozen PyInstaller bundle (they run by default, as in CI)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--skip-package") or os.environ.get("HEA_SKIP_PACKAGE") == "1":
        skip = pytest.mark.skip(reason="--skip-package given")
        for item in items:
            if "package" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(params=["jit", "no-jit"])
def jit(request, monkeypatch):
    """Run the test twice: with the numba kernels compiled, and as plain Python (``py_func``), which
    checks array bounds. Use it in kernel tests (``pytestmark = pytest.mark.usefixtures("jit")``).

    As Python, the hash-based random streams (splitmix64) wrap uint64 products on purpose, as the
    compiled code does silently; numpy would warn on each, so integer overflow warnings are off.
    """
    if request.param == "jit":
        yield True
        return
    import numpy as np
    from jit_support import disable_jit

    assert disable_jit(monkeypatch) > 0
    with np.errstate(over="ignore"):
        yield False


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory, monkeypatch):
    """Every test gets an empty settings folder of its own (QSettings and anything under
    ``XDG_CONFIG_HOME``). Qt is not imported here: the science tests run without it."""
    folder = tmp_path_factory.mktemp("settings")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    qtcore = sys.modules.get("PySide6.QtCore")
    if qtcore is not None:
        # Qt resolves the settings folder once per process; point it at this test's folder.
        for fmt in (qtcore.QSettings.Format.NativeFormat, qtcore.QSettings.Format.IniFormat):
            qtcore.QSettings.setPath(fmt, qtcore.QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture
def make_main_window(qtbot):
    """Factory for MainWindow instances that are closed after the test.

    Fails the test if any worker thread is still running once the windows are closed, or if a
    Python thread started during the test is still alive.
    """
    from window_support import close_discarding

    from hea_studio.app.main_window import MainWindow
    from hea_studio.workers import live_threads

    before = set(threading.enumerate())
    windows: list[MainWindow] = []

    def factory(**kwargs) -> MainWindow:
        window = MainWindow(**kwargs)
        # Not qtbot.addWidget: pytest-qt closes and deletes its widgets before this fixture's
        # teardown, which would delete a window still asking about unsaved work (below).
        windows.append(window)
        window.show()
        qtbot.waitExposed(window)
        qtbot.waitUntil(window.atom_view.is_ready, timeout=5000)  # the 3D view's own GL window
        return window

    yield factory

    for window in windows:
        # The window may ask about unsaved work: the test is over, drop it.
        close_discarding(window, qtbot)
        window.deleteLater()
    qtbot.waitUntil(lambda: not live_threads(), timeout=5000)
    leaked_py = [t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon]
    assert not live_threads(), f"worker threads left running: {live_threads()}"
    assert not leaked_py, f"Python threads left running: {leaked_py}"


@pytest.fixture
def atom_view(qtbot):
    """A 400 x 300 px AtomView on screen, ready to draw; closed after the test."""
    from hea_studio.render.atom_view import AtomView

    view = AtomView()
    qtbot.addWidget(view.native)
    view.native.resize(400, 300)
    view.native.show()
    qtbot.waitExposed(view.native)
    qtbot.waitUntil(view.is_ready, timeout=5000)
    yield view
    view.close()


def pytest_sessionfinish(session, exitstatus):
    """With HEA_RECORD_PY_KERNELS=FILE, write the kernels that ran as Python (one per line) to FILE."""
    out = os.environ.get("HEA_RECORD_PY_KERNELS")
    if out:
        from jit_support import RAN_AS_PYTHON

        with open(out, "w", encoding="utf-8") as fh:
            fh.write("".join(f"{key}\n" for key in sorted(RAN_AS_PYTHON)))
