"""Largest cube inside the specimen."""

from __future__ import annotations

import numpy as np

from hea_studio.compute.common.specimen import largest_cube, largest_cube_in_mask


def test_largest_cube_in_mask_finds_the_planted_cube():
    mask = np.zeros((20, 20, 20), dtype=bool)
    mask[2:9, 5:12, 10:17] = True  # a 7-cube
    mask[15:19, 0:4, 0:20] = True  # a long 4x4 bar: larger box volume, smaller cube
    k, corner = largest_cube_in_mask(mask)
    assert k == 7 and corner == (2, 5, 10)


def test_largest_cube_sits_at_the_wide_end_of_a_cone():
    rng = np.random.default_rng(0)
    n = 400_000
    # A cone along z: radius grows from 3 nm at z = 0 to 12 nm at z = 40.
    z = rng.uniform(0, 40, n)
    r = (3 + 9 * z / 40) * np.sqrt(rng.uniform(0, 1, n))
    phi = rng.uniform(0, 2 * np.pi, n)
    keep = rng.uniform(0, 1, n) < ((3 + 9 * z / 40) / 12) ** 2  # uniform density in the cone
    pos = np.column_stack([r * np.cos(phi), r * np.sin(phi), z])[keep]
    cube = largest_cube(pos)
    edge = cube.size
    assert np.allclose(edge, edge[0])
    # Every corner lies inside the cone, and the cube is in the wide half.
    for x in (cube.lo[0], cube.hi[0]):
        for y in (cube.lo[1], cube.hi[1]):
            radius_at_lo = 3 + 9 * cube.lo[2] / 40
            assert np.hypot(x, y) <= radius_at_lo + 0.8
    assert cube.center[2] > 20
    assert edge[0] > 8
