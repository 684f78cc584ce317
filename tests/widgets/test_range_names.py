"""A range drawn over a peak is named after the ion that makes it, molecules included (on main a
range over 2.04 Da was named "H" and one over 18 Da "O")."""

from __future__ import annotations

import pytest

from hea_studio.widgets.spectrum_panel import likeliest_ion


@pytest.mark.parametrize(
    "mn, species, name",
    [
        (2.02, ("Si", "O"), "H2"),  # H2+, not H
        (18.01, ("Si", "O"), "H2O"),  # H2O+, not 18O+ (0.2 % of oxygen)
        (15.99, ("Si", "O"), "O"),  # an element before O2 2+ at the same m/n
        (27.98, ("Si", "O"), "Si"),  # a species of the table before N2+ and CO+
        (27.97, ("Fe", "Ni"), "Fe"),  # 56Fe2+
    ],
)
def test_drawn_ranges_get_the_ion_that_fits(mn, species, name):
    assert likeliest_ion(mn, 0.01, species) == name
