"""The 12 nm random-alloy run (``s.pos`` + ``s.rrng``) the analyze command-line, report and NeXus
tests share: a module-scoped fixture, imported by name into each test module."""

from __future__ import annotations

import numpy as np
import pytest

from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import write_pos, write_rrng

# Element, m/n window (Da), fraction: O stays below the 5 at.% principal-element floor.
SPECIES = [
    ("Fe", 27.95, 0.20),
    ("Ni", 28.95, 0.30),
    ("Co", 29.45, 0.22),
    ("Cu", 31.45, 0.26),
    ("O", 16.0, 0.02),
]


@pytest.fixture(scope="module")
def specimen(tmp_path_factory):
    rng = np.random.default_rng(0)
    n = 60_000
    pos = rng.uniform(0.0, 12.0, (n, 3)).astype(np.float32)
    which = rng.choice(len(SPECIES), n, p=[s[2] for s in SPECIES])
    mass = np.array([s[1] for s in SPECIES])[which] + rng.uniform(0.0, 0.1, n)
    folder = tmp_path_factory.mktemp("spec")
    write_pos(folder / "s.pos", pos, mass.astype(np.float32))
    table = RangeTable([Range(s[1], s[1] + 0.1, s[0], ((s[0], 1.0),)) for s in SPECIES])
    write_rrng(folder / "s.rrng", table)
    return folder
