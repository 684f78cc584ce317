"""The vispy adapters on screen: species colours, visibility and the box in rendered pixels
(the display-free parts are in tests/render)."""

from __future__ import annotations

import numpy as np
import pytest

from hea_studio.core.geometry import Box


def _pixels_near(image: np.ndarray, rgb, tol: int = 40) -> int:
    diff = np.abs(image[..., :3].astype(int) - np.array(rgb)[None, None, :])
    return int(np.count_nonzero(np.all(diff <= tol, axis=-1)))


@pytest.mark.gui
def test_atom_view_draws_species_colours_visibility_and_box(atom_view):
    view = atom_view
    rng = np.random.default_rng(3)
    pos = rng.uniform(0, 10, (3000, 3))
    labels = np.repeat(np.arange(2), 1500)
    view.set_point_size(6)
    view.set_atoms(pos, labels, np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]))
    assert "llvmpipe" in view.renderer() or view.renderer()
    image = view.render()
    # Magenta and cyan: colours the axis triad (red, green, blue) does not use.
    assert _pixels_near(image, (255, 0, 255)) > 100
    assert _pixels_near(image, (0, 255, 255)) > 100

    view.set_species_colour(0, (1.0, 0.5, 0.0))
    image = view.render()
    assert _pixels_near(image, (255, 128, 0), tol=20) > 100
    assert _pixels_near(image, (255, 0, 255)) == 0

    view.set_species_visible(1, False)
    assert view.n_points == 1500 and view.n_candidates == 1500
    image = view.render()
    assert _pixels_near(image, (0, 255, 255)) == 0

    view.set_budget(200)
    assert view.n_points == 200

    # The box wireframe (yellow) appears once a box is set.
    assert _pixels_near(view.render(), (255, 217, 51), tol=30) == 0
    view.set_box(Box((2, 2, 2), (8, 8, 8)))
    assert _pixels_near(view.render(), (255, 217, 51), tol=30) > 50


@pytest.mark.gui
def test_axis_triad_turns_with_the_camera_and_stays_in_its_corner(atom_view):
    view = atom_view
    rng = np.random.default_rng(4)
    view.set_atoms(rng.uniform(0, 50, (2000, 3)), np.zeros(2000, dtype=np.int64), np.array([[1.0, 0.0, 1.0]]))
    length = view.triad.length_px
    # Looking down z: x to the right, y up the screen (canvas pixels grow downwards), z end-on.
    view.view_along("z")
    x, y, z = view.triad.directions
    assert x == pytest.approx((length, 0), abs=0.5) and y == pytest.approx((0, -length), abs=0.5)
    assert np.hypot(*z) < 0.5
    # From the side, z points up.
    view.view_along("y")
    assert view.triad.directions[2] == pytest.approx((0, -length), abs=0.5)
    # It is drawn in the lower right corner, whatever the zoom: red (x) pixels appear there.
    view.view.camera.scale_factor *= 4
    image = view.render()
    h, w = image.shape[:2]
    corner = image[h - 120 :, w - 120 :]
    assert _pixels_near(corner, (242, 77, 77), tol=30) > 20
    assert _pixels_near(image[: h - 120, :], (242, 77, 77), tol=30) == 0


@pytest.mark.gui
def test_a_degenerate_dataset_never_breaks_the_view_for_the_next(atom_view):
    # Bounds of +-3.4e38 nm (random bytes read as floats) overflowed the camera maths in float32:
    # every later set_atoms then raised LinAlgError and the view stayed black for the session.
    from hea_studio.render.atom_view import MAX_FRAME_NM

    rng = np.random.default_rng(4)
    huge = rng.uniform(-3.4e38, 3.4e38, (2000, 3)).astype(np.float32)
    atom_view.set_atoms(huge, np.zeros(2000, dtype=np.int64), np.array([[0.0, 1.0, 1.0]]))
    atom_view.render()
    assert 0 < atom_view.view.camera.scale_factor <= 1.15 * MAX_FRAME_NM
    pos = rng.uniform(0, 10, (3000, 3))
    atom_view.set_point_size(6)
    atom_view.set_atoms(pos, np.zeros(3000, dtype=np.int64), np.array([[1.0, 0.0, 1.0]]))
    assert _pixels_near(atom_view.render(), (255, 0, 255)) > 100
    assert np.allclose(atom_view.view.camera.center, 5.0, atol=0.5)
