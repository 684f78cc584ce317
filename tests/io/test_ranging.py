"""Ranging: species assignment, overlap rule, counts, decomposition into atoms; real pairs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hea_studio.core.ions import IonData
from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import assign_species, build_lookup, load_ions, load_ranges, ranging_summary, to_atoms
from hea_studio.io.ranges.ranging import assign_numpy


def _table(*ranges: Range) -> RangeTable:
    return RangeTable(sorted(ranges, key=lambda r: (r.lo, r.hi)))


def _brute_force(mass: np.ndarray, table: RangeTable) -> np.ndarray:
    """The documented rule, one ion at a time: narrowest containing range, then lowest start,
    then table order."""
    names = table.species
    out = np.full(mass.shape[0], -1)
    for k, m in enumerate(mass.astype(np.float64)):
        hits = [(r.hi - r.lo, r.lo, i, r) for i, r in enumerate(table.ranges) if r.lo <= m < r.hi]
        if hits:
            out[k] = names.index(min(hits, key=lambda h: h[:3])[3].ion)
    return out


@pytest.mark.usefixtures("jit")  # the assign kernel compiled, then as plain Python (bounds-checked)
def test_half_open_edges_and_unranged():
    t = _table(Range(1.0, 2.0, "A", (("A", 1.0),)), Range(2.0, 3.0, "B", (("B", 1.0),)))
    mass = np.array([0.5, 1.0, 1.5, 2.0, 2.999, 3.0, np.nan, np.inf], dtype=np.float32)
    species, names = assign_species(mass, t)
    assert names == ["A", "B"]
    assert species.dtype == np.int32
    assert species.tolist() == [-1, 0, 0, 1, 1, -1, -1, -1]


def test_overlap_goes_to_narrowest_range():
    wide = Range(10.0, 20.0, "Wide", (("W", 1.0),))
    narrow = Range(12.0, 13.0, "Narrow", (("N", 1.0),))
    t = _table(wide, narrow)
    species, names = assign_species(np.array([11.0, 12.5, 13.0, 19.0]), t)
    assert [names[s] for s in species] == ["Wide", "Narrow", "Wide", "Wide"]


def test_big_endian_memory_layout_is_accepted():
    t = _table(Range(1.0, 2.0, "A", (("A", 1.0),)))
    mass = np.array([[0, 0, 0, 1.5], [0, 0, 0, 5.0]], dtype=">f4")[:, 3]  # strided big-endian view
    assert assign_species(mass, t)[0].tolist() == [0, -1]


_edges = st.floats(min_value=0.0, max_value=50.0, allow_nan=False).map(lambda v: round(v, 1))


@st.composite
def _tables_and_masses(draw):
    n = draw(st.integers(1, 6))
    ranges = []
    for i in range(n):
        lo = draw(_edges)
        width = draw(st.floats(min_value=0.1, max_value=10.0).map(lambda v: round(v, 1)))
        ranges.append(Range(lo, lo + width, f"S{draw(st.integers(0, 3))}", ((f"E{i}", 1.0),)))
    # One composition per species name, as the readers guarantee.
    comp = {}
    ranges = [Range(r.lo, r.hi, r.ion, comp.setdefault(r.ion, r.composition)) for r in ranges]
    masses = draw(
        st.lists(st.floats(min_value=-1.0, max_value=65.0, allow_nan=False), min_size=1, max_size=40)
    )
    edge_hits = [r.lo for r in ranges] + [r.hi for r in ranges]
    return _table(*ranges), np.array(masses + edge_hits, dtype=np.float64)


@settings(max_examples=150, deadline=None)
@given(_tables_and_masses())
def test_vectorised_assignment_matches_the_rule(case):
    table, mass = case
    # Values one ulp either side of every edge stress the kernel's lookup grid.
    mass = np.concatenate([mass, np.nextafter(mass, -np.inf), np.nextafter(mass, np.inf)])
    species, _ = assign_species(mass, table)
    expected = _brute_force(mass, table)
    np.testing.assert_array_equal(species, expected)
    np.testing.assert_array_equal(assign_numpy(mass, build_lookup(table)), expected)
    as_f32 = mass.astype(np.float32)
    np.testing.assert_array_equal(assign_species(as_f32, table)[0], _brute_force(as_f32, table))
    np.testing.assert_array_equal(assign_species(as_f32.astype(">f4"), table)[0], _brute_force(as_f32, table))


def test_kernel_and_numpy_twin_agree_on_many_ions():
    rng = np.random.default_rng(7)
    lo = np.sort(rng.uniform(1, 300, 120))
    ranges = [Range(float(a), float(a + w), f"S{i % 9}", ((f"S{i % 9}", 1.0),)) for i, (a, w) in
              enumerate(zip(lo, rng.uniform(0.01, 3.0, 120)))]  # fmt: skip
    table = _table(*ranges)
    lookup = build_lookup(table)
    edges = lookup.edges
    mass = np.concatenate(
        [rng.uniform(0, 320, 200_000), edges, np.nextafter(edges, 0), [np.nan, -np.inf, np.inf]]
    )
    for dtype in (np.float64, np.float32, ">f4", ">f8"):
        m = mass.astype(dtype)
        np.testing.assert_array_equal(assign_species(m, lookup)[0], assign_numpy(m, lookup))


def _ions(mass) -> IonData:
    mass = np.asarray(mass, dtype=np.float32)
    pos = np.stack([np.arange(mass.size)] * 3, axis=1).astype(np.float32)
    return IonData(pos, mass, "synthetic")


CRO = _table(
    Range(25.0, 27.0, "Cr", (("Cr", 1.0),), (1.0, 0.0, 0.0)),
    Range(16.0, 17.0, "O", (("O", 1.0),), (0.0, 0.0, 1.0)),
    Range(41.0, 43.0, "CrO2", (("Cr", 1.0), ("O", 2.0)), (0.0, 1.0, 0.0)),
    Range(90.0, 91.0, "Unknown", ()),
)


@pytest.mark.parametrize("compact", [True, False], ids=["ion-rows", "per-atom"])
def test_to_atoms_decomposes_molecular_ions_at_the_ion_position(compact):
    ions = _ions([26.0, 42.0, 16.5, 5.0, 90.5, 42.5])
    atoms = to_atoms(ions, CRO, compact=compact)
    assert atoms.names == ("O", "Cr", "Unknown")  # order of first appearance in the sorted table
    assert atoms.counts() == {"Cr": 3, "O": 5, "Unknown": 1}
    assert atoms.positions.dtype == np.float32 and atoms.positions.flags.c_contiguous
    # Every atom sits on the position of an ion of a species containing that element.
    o = atoms.index_of("O")
    if compact:
        # One row per ranged ion; a row stands for the atoms of its class.
        assert atoms.n_rows == 5 and atoms.n_atoms == 9
        holds_o = np.any(atoms.rows.members == o, axis=1)
        x_of = {int(x) for x in atoms.positions[holds_o[atoms.labels], 0]}
    else:
        assert atoms.n_rows == atoms.n_atoms == 9
        x_of = {int(x) for x in atoms.positions[atoms.labels == o, 0]}
    assert x_of == {1, 2, 5}
    assert atoms.colours == {"Cr": (1.0, 0.0, 0.0), "O": (0.0, 0.0, 1.0)}
    summary = ranging_summary(ions, CRO)
    assert summary.atom_counts == atoms.counts()
    assert summary.ion_counts == {"O": 1, "Cr": 1, "CrO2": 2, "Unknown": 1}
    assert (summary.ranged, summary.unranged, summary.n_ions) == (5, 1, 6)


def test_to_atoms_without_decomposition():
    ions = _ions([26.0, 42.0, 16.5, 5.0])
    atoms = to_atoms(ions, CRO, decompose=False)
    assert atoms.names == ("O", "Cr", "CrO2", "Unknown")
    assert atoms.counts() == {"O": 1, "Cr": 1, "CrO2": 1, "Unknown": 0}
    assert atoms.colours["CrO2"] == (0.0, 1.0, 0.0)


@pytest.mark.parametrize(("count", "n_ions"), [(0.5, 7), (1.5, 10), (0.3, 10), (2.25, 9), (0.1, 10)])
def test_fractional_multiplicity_rule(count, n_ions):
    table = _table(Range(10.0, 11.0, "Fe_frac", (("Fe", count), ("O", 1.0))))
    ions = _ions([10.5] * n_ions)
    atoms = to_atoms(ions, table)
    expected = math.floor(n_ions * count + 1e-9)
    assert atoms.counts()["Fe"] == expected
    assert atoms.counts()["O"] == n_ions
    assert ranging_summary(ions, table).atom_counts == atoms.counts()
    # Spread evenly: among the first k ions, floor(k * frac) carry the extra atom.
    frac = count - math.floor(count)
    idx = np.sort(atoms.positions[atoms.labels == atoms.index_of("Fe"), 0].astype(int))
    per_ion = np.bincount(idx, minlength=n_ions)
    assert per_ion.min() >= math.floor(count) and per_ion.max() <= math.floor(count) + 1
    extra_first_half = int((per_ion[: n_ions // 2] - math.floor(count)).sum())
    assert extra_first_half == math.floor((n_ions // 2) * frac + 1e-9)


def test_simple_tables_keep_file_order():
    t = _table(Range(1, 2, "A", (("A", 1.0),)), Range(2, 3, "B", (("B", 1.0),)))
    atoms = to_atoms(_ions([2.5, 1.5, 9.0, 2.5]), t)
    assert atoms.positions[:, 0].tolist() == [0, 1, 3]
    assert [atoms.names[i] for i in atoms.labels] == ["B", "A", "B"]


def test_jenjamin_cluster_pair_matches_ivas(real):
    d = real / "jenjamin_APT-Data-Analysis"
    ions = load_ions(d / "006_full.cluster.pos")
    summary = ranging_summary(ions, load_ranges(d / "006_full.cluster.rrng"))
    assert summary.ion_counts == {"Cu": 10632, "Ni": 10249, "Fe": 891}
    assert summary.unranged == 0 and summary.ranged == 21772


def test_jenjamin_indexed_pair_has_205_unranged(real):
    d = real / "jenjamin_APT-Data-Analysis"
    ions = load_ions(d / "006_full.cluster.indexed.pos")
    table = load_ranges(d / "006_full.cluster.indexed.rrng")
    summary = ranging_summary(ions, table)
    assert summary.unranged == 205 and summary.ranged == 21632
    atoms = to_atoms(ions, table)
    assert atoms.n_atoms == 21632
    assert len(atoms.names) == 36 and atoms.names[0].startswith("Cluster")


def test_to_atoms_and_summary_in_one_pass():
    from hea_studio.io import to_atoms_and_summary

    ions = _ions([26.0, 42.0, 16.5, 5.0, 90.5, 42.5])
    atoms, summary = to_atoms_and_summary(ions, CRO)
    assert atoms.counts() == summary.atom_counts == to_atoms(ions, CRO).counts()
    assert summary == ranging_summary(ions, CRO)
    plain, _ = to_atoms_and_summary(ions, CRO, decompose=False)
    assert plain.counts() == summary.ion_counts


@pytest.mark.parametrize(
    ("name", "counts"),
    [
        ("006_full.cluster Edge Clusters Ranged.pos", {"Cu": 7570, "Ni": 7181, "Fe": 644}),
        ("006_full.cluster Non Edge Clusters Ranged.pos", {"Cu": 3062, "Ni": 3068, "Fe": 247}),
    ],
)
def test_jenjamin_cluster_subsets(real, name, counts):
    d = real / "jenjamin_APT-Data-Analysis"
    summary = ranging_summary(load_ions(d / name), load_ranges(d / "006_full.cluster.rrng"))
    assert summary.ion_counts == counts and summary.unranged == 0


@pytest.mark.parametrize("order", [">f4", "<f4"])
def test_ranged_rows_kernel_equals_the_numpy_masks(order):
    # A mapped .pos is a strided big-endian view: the kernel moves the bits, the masks convert.
    from hea_studio.io.ranges.ranging import _ranged_rows

    rng = np.random.default_rng(4)
    records = rng.normal(0, 30, (300_007, 4)).astype(order)
    species = rng.integers(-1, 5, 300_007).astype(np.int32)
    relabel = np.array([2, 0, 1, 2, 3], dtype=np.int32)
    pos, lab = _ranged_rows(records[:, :3], species, relabel, 4)
    want_pos, want_lab = _ranged_rows(records[:, :3].astype(np.float64), species, relabel, 4)
    np.testing.assert_array_equal(pos, want_pos)
    np.testing.assert_array_equal(lab, want_lab)
    assert pos.dtype == np.float32 and pos.dtype.isnative and lab.dtype == np.uint8
    assert pos.shape[0] == int((species >= 0).sum())
