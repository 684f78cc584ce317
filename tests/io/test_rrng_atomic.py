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
