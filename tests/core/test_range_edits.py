"""Range edits as values: add, resize, rename, recolour, remove."""

from __future__ import annotations

import pytest

from hea_studio.core import range_edits as E
from hea_studio.core.errors import InputError
from hea_studio.core.ranges import Range, RangeTable


def _table():
    return RangeTable([Range(27.9, 28.1, "Si", (("Si", 1.0),), (0.8, 0.8, 0.8))], {"Si": (0.8, 0.8, 0.8)})


def test_edits_return_new_sorted_tables_and_leave_the_old_one_alone():
    t0 = _table()
    t1 = E.add_range(t0, 14.1, 13.9, "Si2+")  # reversed drag, charge given
    assert [(r.lo, r.hi, r.ion) for r in t1.ranges] == [(13.9, 14.1, "Si"), (27.9, 28.1, "Si")]
    assert t1.ranges[0].colour == (0.8, 0.8, 0.8)  # a species keeps its colour
    t2 = E.add_range(t1, 15.9, 16.1, "O")
    assert t2.ranges[1].composition == (("O", 1.0),) and t2.ranges[1].colour not in (None, (0.8, 0.8, 0.8))
    t3 = E.rename_range(t2, 1, "CrO2 +")
    assert t3.ranges[1].ion == "CrO2" and t3.ranges[1].composition == (("Cr", 1.0), ("O", 2.0))
    t4 = E.resize_range(t3, 2, 27.85, 28.2)
    assert (t4.ranges[2].lo, t4.ranges[2].hi) == (27.85, 28.2)
    t5 = E.recolour_species(t4, "Si", (1.0, 0.0, 0.0))
    assert all(r.colour == (1.0, 0.0, 0.0) for r in t5.ranges if r.ion == "Si")
    t6 = E.remove_range(t5, 0)
    assert [r.ion for r in t6.ranges] == ["CrO2", "Si"] and "O" not in t6.colours
    assert len(t0.ranges) == 1 and E.same_ranges(t0, _table())
    assert not E.same_ranges(t5, t6) and E.same_ranges(t6, E.remove_range(t5, 0))


def test_bad_edits_are_input_errors():
    t = _table()
    with pytest.raises(InputError):
        E.add_range(t, 5.0, 5.0, "H")
    with pytest.raises(InputError):
        E.add_range(t, 5.0, 6.0, "Qq")
    with pytest.raises(InputError):
        E.remove_range(t, 3)
    with pytest.raises(InputError):
        E.rename_range(t, 0, "not an ion")
