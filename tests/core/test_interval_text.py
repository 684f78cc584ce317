"""How a SUME interval is written after the value (window header and Results)."""

from __future__ import annotations

from hea_studio.core.results import interval_text


def test_an_ordinary_interval():
    assert interval_text((1.613, 2.104), (0.5, 1.0, 8.0)) == " (95 %: 1.61–2.10)"


def test_an_interval_pinned_at_the_largest_fitted_edge_says_so():
    # The real Si run: every replicate put the hinge at 7 nm, the last fitted edge ("7.00–7.00" before).
    assert interval_text((7.0, 7.0), (1.0, 2.0, 7.0)) == " (95 %: at the largest fitted edge)"
    assert interval_text((1.0, 1.0), (1.0, 2.0, 7.0)) == " (95 %: at the smallest fitted edge)"


def test_a_point_interval_inside_the_range_and_no_interval():
    assert interval_text((3.0, 3.001), (1.0, 7.0)) == " (95 %: 3.00)"
    assert interval_text(None, (1.0,)) == ""
    assert interval_text((None, 2.0), (1.0,)) == ""
