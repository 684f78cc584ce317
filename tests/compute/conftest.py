"""Fixtures of the entropy-engine tests."""

from __future__ import annotations

import pytest
from compute_specimens import random_alloy

from hea_studio.core.atoms import AtomSet


@pytest.fixture(scope="session")
def alloy_1m() -> AtomSet:
    """10^6 atoms of a random CoCuFeNi solid solution."""
    return random_alloy(1_000_000, seed=11)


@pytest.fixture(scope="session")
def alloy_small() -> AtomSet:
    """40 000 random atoms (about 11 nm side)."""
    return random_alloy(40_000, seed=3)
