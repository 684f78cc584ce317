"""Lattices and specimen shapes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hea_studio.core.errors import InputError
from hea_studio.core.settings import Lattice
from hea_studio.synth.lattice import LatticeGrid, site_density
from hea_studio.synth.shape import BoxShape, TipShape


@pytest.mark.parametrize(
    ("structure", "nn", "coordination"),
    [("fcc", 1 / math.sqrt(2), 12), ("bcc", math.sqrt(3) / 2, 8), ("hcp", 1.0, 12)],
)
def test_lattice_neighbour_distance_and_coordination(structure, nn, coordination):
    a = 0.3
    grid = LatticeGrid.covering(Lattice(structure, a), np.zeros(3), np.full(3, 2.0))
    pos, index = grid.block((0, grid.shape[2]), (0, grid.shape[0]), (0, grid.shape[1]))
    assert np.array_equal(index, np.arange(grid.n_sites))
    assert np.allclose(pos, grid.index_to_position(index))
    centre = np.argmin(np.sum((pos - pos.mean(axis=0)) ** 2, axis=1))
    d = np.sqrt(np.sum((pos - pos[centre]) ** 2, axis=1))
    d = d[d > 1e-9]
    assert np.isclose(d.min(), nn * a)
    assert np.sum(np.isclose(d, nn * a)) == coordination
    # Density: sites in the grid over its volume.
    volume = np.prod(np.array(grid.shape) * grid.edges)
    assert np.isclose(grid.n_sites / volume, site_density(Lattice(structure, a)))


def test_sites_within_matches_brute_force():
    grid = LatticeGrid.covering(Lattice("fcc", 0.36), np.zeros(3), np.full(3, 5.0))
    pos = grid.index_to_position(np.arange(grid.n_sites))
    centres = np.array([[1.0, 1.2, 1.4], [3.5, 3.0, 2.0], [0.1, 4.9, 4.9]])
    radii = np.array([0.8, 1.1, 0.9])
    idx, owner = grid.sites_within(centres, radii)
    d2 = np.sum((pos[:, None, :] - centres[None]) ** 2, axis=-1)
    inside = d2 <= radii**2
    assert np.array_equal(idx, np.flatnonzero(inside.any(axis=1)))
    assert np.array_equal(owner, np.argmax(inside[idx], axis=1))


def test_tip_shape_is_a_capped_cone():
    tip = TipShape(end_radius_nm=10.0, shank_angle_deg=10.0, length_nm=40.0)
    # Continuous radius, growing with depth at the shank angle below the cap.
    z = np.linspace(0, 40, 4001)
    r = tip.radius_at(z)
    assert np.all(np.diff(r) >= -1e-12) and np.max(np.abs(np.diff(r))) < 0.5
    assert np.isclose((r[-1] - r[-1001]) / 10.0, math.tan(math.radians(10.0)))
    rng = np.random.default_rng(0)
    p = rng.uniform([-20, -20, -2], [20, 20, 42], (100_000, 3))
    expected = (p[:, 2] >= 0) & (p[:, 2] <= 40) & (np.hypot(p[:, 0], p[:, 1]) < tip.radius_at(p[:, 2]))
    assert np.array_equal(tip.inside(p), expected)
    # The grown shape contains the shape and everything within the margin of it.
    grown = tip.inside(p, margin=1.0)
    assert np.all(grown[expected])
    # Volume: integral of pi r^2.
    mc = np.mean(tip.inside(rng.uniform([-17, -17, 0], [17, 17, 40], (400_000, 3)))) * 34 * 34 * 40
    assert abs(tip.volume() - mc) / mc < 0.02


def test_largest_cube_lies_inside_the_tip():
    for tip in (TipShape(20, 10, 50), TipShape.around_cube(30.0)):
        lo, hi = tip.largest_cube()
        corners = np.array(
            [[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])]
        )
        assert np.all(tip.inside(corners * 0.999 + np.array([0, 0, 0.0005])))
    assert TipShape.around_cube(30.0).largest_cube()[1][0] * 2 >= 30.0


def test_shapes_reject_bad_parameters():
    with pytest.raises(InputError):
        TipShape(end_radius_nm=-1)
    with pytest.raises(InputError):
        TipShape(shank_angle_deg=60)
    with pytest.raises(InputError):
        BoxShape((1.0, 0.0, 1.0))


def test_block_and_sphere_positions_agree_with_index_decoding():
    grid = LatticeGrid.covering(Lattice("hcp", 0.3), np.array([-2.0, -1.0, 0.0]), np.array([2.0, 3.0, 2.5]))
    pos, idx = grid.block((1, 3), (2, 7), (-4, 3))
    assert len(idx) == 2 * 5 * 3 * len(grid.basis)
    assert np.allclose(pos, grid.index_to_position(idx))
    index, _, spos = grid.sites_within(np.array([[0.2, 1.0, 1.2]]), np.array([0.9]), with_positions=True)
    assert np.allclose(spos, grid.index_to_position(index))


@settings(max_examples=25, deadline=None)
@given(
    structure=st.sampled_from(["fcc", "bcc", "hcp"]),
    spheres=st.lists(
        st.tuples(st.floats(-0.5, 3.5), st.floats(-0.5, 3.5), st.floats(-0.5, 3.5), st.floats(0.05, 1.5)),
        min_size=1,
        max_size=6,
    ),
)
def test_sites_within_property(structure, spheres):
    # Any spheres, overlapping or poking out of the grid: same sites and owners as brute force.
    grid = LatticeGrid.covering(Lattice(structure, 0.33), np.zeros(3), np.full(3, 3.0))
    pos = grid.index_to_position(np.arange(grid.n_sites))
    arr = np.array(spheres)
    centres, radii = arr[:, :3], arr[:, 3]
    idx, owner, spos = grid.sites_within(centres, radii, with_positions=True)
    inside = np.sum((pos[:, None, :] - centres[None]) ** 2, axis=-1) <= radii**2
    # Sites exactly on a sphere surface may go either way through rounding; exclude them.
    d2 = np.sum((pos[:, None, :] - centres[None]) ** 2, axis=-1)
    edge = np.any(np.abs(d2 - radii**2) < 1e-9, axis=1)
    expected = np.flatnonzero(inside.any(axis=1) & ~edge)
    got = idx[~edge[idx]]
    assert np.array_equal(got, expected)
    assert np.array_equal(owner[~edge[idx]], np.argmax(inside[got], axis=1))
    assert np.allclose(spos, pos[idx])


@pytest.mark.parametrize("shape", [BoxShape((3.0, 2.5, 2.0)), TipShape(2.0, 12.0, 3.0)])
def test_runs_count_and_mark_the_sites_inside(shape):
    lo, hi = shape.bounds()
    grid = LatticeGrid.covering(Lattice("fcc", 0.36), lo - 1.0, hi + 1.0)
    # Non-overlapping spheres (as the generator places them), several cut by the surface.
    centres = np.array([[x, y, z] for x in (0.1, 2.6) for y in (0.2, 2.2) for z in (0.0, 2.1)])
    centres[:, :2] += lo[:2]
    radii = np.linspace(0.4, 0.95, len(centres))
    runs = grid.sphere_runs(centres, radii)
    index, _, pos = grid.sites_within(centres, radii, with_positions=True)
    counted = runs.count_inside(grid.lo[0], grid.edges[0], grid.basis[:, 0], shape.x_interval)
    assert counted == int(shape.inside(pos).sum())
    # Marking slab by slab (whole z-layers) sets exactly the sites inside the spheres.
    mask = np.zeros(grid.n_sites, bool)
    per_layer = grid.sites_per_layer
    for z0 in range(0, grid.shape[2], 3):
        start, stop = z0 * per_layer, min(grid.shape[2], z0 + 3) * per_layer
        part = np.zeros(stop - start, bool)
        runs.mark(part, start, stop)
        mask[start:stop] = part
    assert np.array_equal(np.flatnonzero(mask), index)
