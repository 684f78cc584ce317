"""The .rrng, .rng and .env readers, the .rrng writer, and every real range file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hea_studio.core.errors import InputError
from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import load_ranges, read_env, read_rng, read_rrng, write_rrng


def _write(tmp_path: Path, name: str, text: str, newline: str = "\n") -> Path:
    f = tmp_path / name
    f.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return f


RRNG = """# a comment
[ions]
Number=3
Ion1=Cr
Ion2=O
Ion3=Ni

[RANGES]
Number=6
Range1=51.5 52.5 Vol:0.01201 Cr:1 Color:FF33CC
Range2=25.8 26.2 cr:1 color:ff33cc
Range3=67.6 69.6 Vol:0.04083 Cr:1 O:2 Color:FF0000
Range4=29.0 29.5 Vol:0.01 Ni:0.5 Color:00FF00
Range5=90.0 91.0 Name:Unknown90 Color:123456
Range6=15.9 16.1 O:1
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_rrng_features(tmp_path, newline):
    t = read_rrng(_write(tmp_path, "a.rrng", RRNG, newline))
    assert [r.lo for r in t.ranges] == sorted(r.lo for r in t.ranges)
    by_lo = {r.lo: r for r in t.ranges}
    assert by_lo[51.5] == Range(51.5, 52.5, "Cr", (("Cr", 1.0),), (1.0, 0.2, 0.8), 0.01201)
    assert by_lo[25.8].ion == "Cr" and by_lo[25.8].volume is None
    assert by_lo[67.6].ion == "CrO2" and by_lo[67.6].composition == (("Cr", 1.0), ("O", 2.0))
    assert by_lo[29.0].ion == "Ni0.5" and by_lo[29.0].composition == (("Ni", 0.5),)
    assert by_lo[90.0].ion == "Unknown90" and by_lo[90.0].composition == ()
    assert by_lo[15.9].colour is None
    assert t.colours["Cr"] == (1.0, 0.2, 0.8)
    assert set(t.species) == {"Cr", "CrO2", "Ni0.5", "Unknown90", "O"}
    assert t.warnings == []


def test_rrng_decimal_commas(tmp_path):
    text = "[Ions]\nNumber=1\nIon1=Mo\n[Ranges]\nNumber=1\nRange1=22,8615 23,0910 Vol:0,01558 Mo:1 Color:FF0000\n"
    t = read_rrng(_write(tmp_path, "c.rrng", text))
    assert (t.ranges[0].lo, t.ranges[0].hi, t.ranges[0].volume) == (22.8615, 23.091, 0.01558)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("Range1=abc 2 Fe:1", "cannot read range start"),
        ("Range1=3 2 Fe:1", "empty or reversed"),
        ("Range1=1 2 Vol:0.1", "names no ion"),
        ("Range1=1 2 Fe:x", "count of Fe"),
        ("Range1=1 2 Fe:1 Color:GG0000", "cannot read colour"),
        ("Range1=1", "malformed range"),
        ("Rnage1=1 2 Fe:1", "unexpected entry"),
        ("just text", "expected key=value"),
    ],
)
def test_rrng_malformed_line_names_line_number(tmp_path, line, message):
    f = _write(tmp_path, "bad.rrng", f"[Ions]\nNumber=1\nIon1=Fe\n[Ranges]\nNumber=1\n{line}\n")
    with pytest.raises(InputError, match=message) as exc:
        read_rrng(f)
    assert exc.value.line == 6
    assert str(exc.value).startswith("bad.rrng, line 6: ")


def test_rrng_without_ranges_section(tmp_path):
    with pytest.raises(InputError, match=r"no \[Ranges\] section"):
        read_rrng(_write(tmp_path, "n.rrng", "[Ions]\nNumber=1\nIon1=Fe\n"))


def test_duplicates_collapse_and_overlaps_are_named(tmp_path):
    text = (
        "[Ions]\nNumber=2\nIon1=Fe\nIon2=Ni\n[Ranges]\nNumber=4\n"
        "Range1=27.9 28.1 Fe:1\nRange2=27.9 28.1 Fe:1\nRange3=28.0 28.5 Ni:1\nRange4=40 41 Ni:1\n"
    )
    t = read_rrng(_write(tmp_path, "o.rrng", text))
    assert len(t.ranges) == 3
    assert any("1 duplicate range(s) collapsed" in w for w in t.warnings)
    overlap = [w for w in t.warnings if "overlapping" in w]
    assert len(overlap) == 1
    assert "Fe 27.9-28.1 (line 7) with Ni 28-28.5 (line 9)" in overlap[0]
    assert "narrowest" in overlap[0]


def test_write_rrng_round_trip(tmp_path):
    src = read_rrng(_write(tmp_path, "a.rrng", RRNG))
    out = tmp_path / "b.rrng"
    write_rrng(out, src)
    back = read_rrng(out)
    assert back.ranges == src.ranges
    assert back.colours == src.colours


def test_write_rrng_from_a_built_table(tmp_path):
    table = RangeTable(
        [
            Range(10.0, 10.5, "Co", (("Co", 1.0),), (0.1, 0.2, 0.3)),
            Range(58.5, 59.5, "CoO", (("Co", 1.0), ("O", 1.0)), None, 0.02),
        ],
        colours={"Co": (0.1, 0.2, 0.3)},
    )
    out = tmp_path / "w.rrng"
    write_rrng(out, table)
    back = read_rrng(out)
    assert [(r.lo, r.hi, r.ion, r.composition, r.volume) for r in back.ranges] == [
        (r.lo, r.hi, r.ion, r.composition, r.volume) for r in table.ranges
    ]
    assert back.colours["Co"] == pytest.approx((0.1, 0.2, 0.3), abs=1 / 255)


RNG = """3 4
Silicon
Si 0.8 0.8 0.8
Chromium
Cr 1.0 0.2 0.8
O
O 0.0 0.8 1.0
------------------- Si Cr O
. 13.8 14.2 1 0 0
. 27.8 28.6 1 0 0
. 67.6 69.6 0 1 1
. 83.6 86.6 0 1 2

--- polyatomic extension
2 2
CrO
CrO 1.0 0.0 0.0
CrO2
CrO2 0.0 1.0 0.0
----------------- CrO CrO2
. 67.6 69.6 1 0
. 83.6 86.6 0 1
"""


def test_rng_with_polyatomic_extension_counts_once(tmp_path):
    t = read_rng(_write(tmp_path, "a.rng", RNG, "\r\n"))
    assert len(t.ranges) == 4
    assert t.species == ["Si", "CrO", "CrO2"]
    cro2 = t.ranges[-1]
    assert cro2.ion == "CrO2" and cro2.composition == (("Cr", 1.0), ("O", 2.0))
    assert cro2.colour == (0.0, 1.0, 0.0)
    assert t.colours["Si"] == (0.8, 0.8, 0.8)


@pytest.mark.parametrize("prefix", [". ", "", "7 "])
def test_rng_row_prefixes(tmp_path, prefix):
    text = f"2 2\nM\nM 0 0 1\nN\nN 1 0 0\n-------\n{prefix}-0.5 0.5 1 0\n{prefix}1.5 2.4 0 1\n"
    t = read_rng(_write(tmp_path, "p.rng", text))
    assert [(r.lo, r.hi, r.ion) for r in t.ranges] == [(-0.5, 0.5, "M"), (1.5, 2.4, "N")]


def test_rng_declared_molecular_names(tmp_path):
    text = (
        "4 2\nAb\nAb 0.6 0.6 0.6\nCd\nCd 1 0 0\nCd2\nCd2 1 0 0 (Cd2)\nAbCd2\nAbCd2 1 0 0 (AbCd2)\n"
        "---- Ab Cd Cd2 AbCd2\n. 1.0 2.0 0 2 0 0\n. 2.1 3.0 1 2 0 0\n"
    )
    t = read_rng(_write(tmp_path, "d.rng", text))
    assert [(r.ion, r.composition) for r in t.ranges] == [
        ("Cd2", (("Cd", 2.0),)),
        ("AbCd2", (("Ab", 1.0), ("Cd", 2.0))),
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("2 1\nA\nA 1 0 0\nB\nB 0 1 0\n---\n. 1 2 1\n", 7, "has 3 fields"),
        ("2 1\nA\nA 1 0 0\nB\nB 0 1 0\n---\n. 1 x 1 0\n", 7, "range end"),
        ("2 1\nA\nA 1 0 z\nB\nB 0 1 0\n---\n. 1 2 1 0\n", 3, "colour component"),
        ("2 1\nA\nA 1 0 0\nB\nB 0 1 0\n. 1 2 1 0\n", 6, "separator line of dashes"),
        ("2 3\nA\nA 1 0 0\nB\nB 0 1 0\n---\n. 1 2 1 0\n", 7, "ends early"),
        ("x y\n", 1, "number of ions"),
    ],
)
def test_rng_malformed(tmp_path, text, line, message):
    with pytest.raises(InputError, match=message) as exc:
        read_rng(_write(tmp_path, "m.rng", text))
    assert exc.value.line == line


def test_env(tmp_path):
    text = (
        "# comment\nRev_2.0\n3 3\nO 0.0 1.0 0.0\nMnO2 0.5 0.5 0.5\nHyd 0 0 0\n"
        "# ranges\nO 15.88 16.84 20.0 1.0\nMnO2 43.38 43.65 11.66 1.0\nHyd 0.93 3.18 11.66 1.0\n"
        "# instrument\n0.1005\n"
    )
    t = read_env(_write(tmp_path, "a.env", text))
    assert [(r.ion, r.composition) for r in t.ranges] == [
        ("Hyd", ()),
        ("O", (("O", 1.0),)),
        ("MnO2", (("Mn", 1.0), ("O", 2.0))),
    ]
    assert t.ranges[1].volume == pytest.approx(0.020)
    assert t.colours["MnO2"] == (0.5, 0.5, 0.5)


def test_env_undeclared_species(tmp_path):
    with pytest.raises(InputError, match="does not declare") as exc:
        read_env(_write(tmp_path, "u.env", "1 1\nO 0 1 0\nFe 55 57 11\n"))
    assert exc.value.line == 3


def test_unknown_range_extension(tmp_path):
    with pytest.raises(InputError, match="unknown range file type"):
        load_ranges(_write(tmp_path, "r.txt", "x"))


def test_empty_range_file(tmp_path):
    for name in ("e.rrng", "e.rng", "e.env"):
        with pytest.raises(InputError, match="empty"):
            load_ranges(_write(tmp_path, name, "  \n"))


REAL_INVALID = {
    "lukasgartmair_3Depict_Isosurfaces/test4.rng": "overlapping ranges",
    "lukasgartmair_3Depict_Isosurfaces/test6.rng": "none of the declared molecular ions",
}


def _real_range_files(real: Path) -> list[Path]:
    return sorted(p for p in real.rglob("*") if p.suffix.lower() in (".rrng", ".rng", ".env"))


def test_every_real_range_file(real):
    files = _real_range_files(real)
    assert len(files) >= 45
    for f in files:
        rel = f.relative_to(real).as_posix()
        if rel in REAL_INVALID:
            with pytest.raises(InputError, match=REAL_INVALID[rel]) as exc:
                load_ranges(f)
            assert str(exc.value).startswith(f.name + ", line ")
            continue
        t = load_ranges(f)
        assert t.ranges, rel
        assert all(r.lo < r.hi for r in t.ranges), rel


def test_real_mo_range_decimal_commas(real):
    t = load_ranges(real / "atomprobe-tc_ifes_apt_tc_data_modeling/rrng/Mo_range.rrng")
    assert len(t.ranges) == 46
    assert min(r.lo for r in t.ranges) > 0 and any(r.lo == 22.8615 for r in t.ranges)


def test_real_valn_1440_ranges(real):
    f = real / "atomprobe-tc_ifes_apt_tc_data_modeling/rrng/VAlN_film_plan-view_700C.rrng"
    start = time.perf_counter()
    t = load_ranges(f)
    elapsed = time.perf_counter() - start  # printed, never asserted (see benchmarks/bench_io.py)
    print(f"VAlN 1440 ranges parsed in {elapsed:.3f} s")
    assert len(t.ranges) == 48  # 1392 exact duplicates collapsed
    assert any("1392 duplicate" in w for w in t.warnings)
    assert any("17 overlapping range pair(s)" in w for w in t.warnings)


@pytest.mark.parametrize(
    ("rel", "n_ranges", "molecular"),
    [
        ("atomprobe-tc_ifes_apt_tc_data_modeling/rng/87D_1.rng", 92, "SiO2"),
        ("atomprobe-tc_ifes_apt_tc_data_modeling/rng/SeHoKim_R5076_44076_v02.rng", 138, "FeO"),
        ("atomprobe-tc_ifes_apt_tc_data_modeling/rng/R18_55377-v02.rng", 8, "AlH"),
        ("atomprobe-tc_ifes_apt_tc_data_modeling/rng/range_file_RNG.RNG", 18, "ScH"),
        ("lukasgartmair_3Depict_Isosurfaces/test12.rng", 10, "AaAd"),
    ],
)
def test_real_rng_polyatomic_blocks_not_double_counted(real, rel, n_ranges, molecular):
    t = load_ranges(real / rel)
    assert len(t.ranges) == n_ranges
    assert molecular in t.species
    assert len(t.composition_of(molecular)) >= 1


def test_rrng_same_atoms_in_another_order_are_one_species(tmp_path):
    text = (
        "[Ions]\nNumber=2\nIon1=Cr\nIon2=O\n[Ranges]\nNumber=3\n"
        "Range1=33.9 34.8 Cr:1 O:1\nRange2=67.6 69.6 O:1 Cr:1\nRange3=50 51 O:2 Name:Dioxygen\n"
    )
    t = read_rrng(_write(tmp_path, "r.rrng", text))
    assert t.species == ["CrO", "Dioxygen"]
    assert {r.composition for r in t.ranges if r.ion == "CrO"} == {(("Cr", 1.0), ("O", 1.0))}


_symbols = st.sampled_from(["Fe", "Ni", "Co", "Cu", "Cr", "O", "N", "H"])


@st.composite
def _range_tables(draw):
    ranges = []
    comps: dict[str, tuple] = {}
    for _ in range(draw(st.integers(1, 8))):
        lo = draw(st.floats(0.5, 200.0, allow_nan=False))
        hi = lo + draw(st.floats(0.001, 5.0))
        if draw(st.booleans()):
            els = draw(st.lists(_symbols, min_size=1, max_size=3, unique=True))
            counts = draw(
                st.lists(st.sampled_from([1.0, 2.0, 3.0, 0.5, 1.25]), min_size=len(els), max_size=len(els))
            )
            comp = tuple(zip(els, counts))
            ion = draw(st.sampled_from(["", "UserX"])) or None
        else:
            comp, ion = (), draw(st.sampled_from(["Unknown1", "Peak_2", "Cluster3"]))
        from hea_studio.io.ranges._rangetext import formula_name

        name = ion or formula_name(comp)
        comp = comps.setdefault(name, comp)
        colour = draw(st.none() | st.tuples(*[st.integers(0, 255).map(lambda v: v / 255)] * 3))
        volume = draw(st.none() | st.floats(0.001, 1.0))
        ranges.append(Range(lo, hi, name, comp, colour, volume))
    colours = {r.ion: r.colour for r in ranges if r.colour is not None}
    return RangeTable(sorted(ranges, key=lambda r: (r.lo, r.hi)), colours=colours)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=_range_tables())
def test_write_rrng_round_trip_property(tmp_path, table):
    out = tmp_path / "p.rrng"
    write_rrng(out, table)
    back = read_rrng(out)
    # Duplicated intervals collapse on reading (the first one stays); everything else comes back.
    unique: dict[tuple, Range] = {}
    for r in table.ranges:
        unique.setdefault((r.lo, r.hi, r.ion), r)
    assert len(back.ranges) == len(unique)
    for r in back.ranges:
        src = unique[(r.lo, r.hi, r.ion)]
        assert (r.composition, r.volume) == (src.composition, src.volume)
        expected = src.colour if src.colour is not None else table.colours.get(src.ion)  # writer fills in
        if expected is None:
            assert r.colour is None
        else:
            assert r.colour == pytest.approx(expected, abs=1e-9)
