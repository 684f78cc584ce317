"""The settings panel's text forms, with no window (the panel on screen is tested in tests/gui)."""

from __future__ import annotations


def test_edge_lists_are_shown_compactly_and_read_back_the_same():
    from hea_studio.core.settings import parse_sizes
    from hea_studio.widgets.settings_panel import format_sizes

    for text, shown in (("0.5:10:0.5", "0.5:10:0.5"), ("1,2,4", "1,2,4"), ("0.5:8:0.25", "0.5:8:0.25")):
        sizes = parse_sizes(text)
        assert format_sizes(sizes) == shown
        assert parse_sizes(format_sizes(sizes)) == sizes
