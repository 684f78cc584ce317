"""DisplayState: the display choices as a value (colours, hidden species, point size, budget)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hea_studio.core.display import PALETTE, DisplayState, species_colours


def test_range_file_colours_win_and_the_palette_fills_the_rest():
    colours = species_colours(("Co", "Cu", "Fe"), {"Cu": (1, 0, 0, 1)})
    assert colours == (PALETTE[0], (1.0, 0.0, 0.0), PALETTE[2])


def test_edits_return_new_values_and_keep_the_old_one():
    d = DisplayState.for_species(("Co", "Ni"), {})
    blue = d.with_colour("Ni", (0, 0, 1))
    hidden = blue.with_visible("Co", False)
    assert d.colour("Ni") == PALETTE[1] and blue.colour("Ni") == (0.0, 0.0, 1.0)
    assert d.is_visible("Co") and not hidden.is_visible("Co")
    assert hidden.with_visible("Co", True).hidden == frozenset()
    assert hidden.colour_map() == {"Co": PALETTE[0], "Ni": (0.0, 0.0, 1.0)}


def test_a_new_dataset_keeps_point_size_budget_and_highlight_but_shows_every_species():
    old = replace(DisplayState.for_species(("Co",), {}), point_size=7.5, budget=5000, highlight=True)
    old = old.with_visible("Co", False)
    new = DisplayState.for_species(("Fe", "Ni"), {}, like=old)
    assert (new.point_size, new.budget, new.highlight) == (7.5, 5000, True)
    assert new.hidden == frozenset() and new.names == ("Fe", "Ni")


def test_one_colour_per_species():
    with pytest.raises(ValueError):
        DisplayState(names=("Co", "Ni"), colours=((0, 0, 0),))
