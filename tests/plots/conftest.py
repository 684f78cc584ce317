"""Plot tests: garbage from one test is collected before the next one paints.

pyqtgraph keeps its items in reference cycles; when Python's collector reached a finished test's
plots in the middle of a later test's scene render, tearing them down there crashed the process
(seen with the notebook and report tests earlier in the same session).
"""

from __future__ import annotations

import gc

import pytest


@pytest.fixture(autouse=True)
def _collect_between_plot_tests():
    gc.collect()
    yield
    gc.collect()
