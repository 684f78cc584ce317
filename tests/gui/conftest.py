"""Fixtures of the GUI tests: a small synthetic dataset shaped like a specimen, built once."""

from __future__ import annotations

import pytest
from gui_helpers import synthetic_atoms


@pytest.fixture(scope="session")
def small_dataset():
    """A ~40 000-atom dataset with maps and default boxes, built once per test session."""
    from hea_studio.compute.dataset import build_dataset

    return build_dataset(synthetic_atoms(), "synthetic CoCuFeNi")
