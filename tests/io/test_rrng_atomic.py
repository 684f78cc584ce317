"""write_rrng replaces a range file atomically and reads back identically."""

from __future__ import annotations

import pytest

from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import read_rrng, write_rrng


def test_write_rrng_round_trips_and_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    table = RangeTable(
        [Range(27.9, 28.1, "Si", (("Si", 1.0),), (0.5, 0.5, 0.5)),
         Range(33.9, 34.1, "CrO", (("Cr", 1.0), ("O", 1.0)), (1.0, 0.0, 0.0))]
    )  # fmt: skip
    path = tmp_path / "r.rrng"
    write_rrng(path, table)
    back = read_rrng(path)
    assert [(r.lo, r.hi, r.ion, r.composition, r.colour) for r in back.ranges] == [
        (r.lo, r.hi, r.ion, r.composition, (round(r.colour[0] * 255) / 255, round(r.colour[1] * 255) / 255,
                                             round(r.colour[2] * 255) / 255))
        for r in table.ranges
    ]  # fmt: skip
    before = path.read_bytes()

    import os

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_rrng(path, RangeTable([Range(1.0, 2.0, "H", (("H", 1.0),))]))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.rrng"]


def test_rrng_text_reads_back_and_bad_text_names_where_it_came_from(tmp_path):
    from hea_studio.core.errors import InputError
    from hea_studio.io.ranges.rrng import parse_rrng_text, rrng_text

    table = RangeTable(
        [Range(27.9, 28.1, "Si", (("Si", 1.0),)), Range(33.9, 34.1, "CrO", (("Cr", 1.0), ("O", 1.0)))]
    )
    back = parse_rrng_text(rrng_text(table), "p.heaproj: saved ranges")
    assert [(r.lo, r.hi, r.ion, r.composition) for r in back.ranges] == [
        (r.lo, r.hi, r.ion, r.composition) for r in table.ranges
    ]
    assert back.source is None  # no range file stands behind it
    with pytest.raises(InputError, match="saved ranges"):
        parse_rrng_text("[Ranges]\nRange1=5 3 Fe:1\n", "p.heaproj: saved ranges")
