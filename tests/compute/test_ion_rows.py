"""Molecular ions kept as one row per ion (issue 15): the compact decomposition gives the same
counts, curves, SUMEs and references as the per-atom decomposition, bit for bit, without copying
an ion's position to each of its atoms."""

from __future__ import annotations

import dataclasses
import tracemalloc

import numpy as np
import pytest
from compute_specimens import drain

from hea_studio.compute.analysis import run_analysis
from hea_studio.compute.common.display import atoms_display_sample
from hea_studio.compute.lac import binning
from hea_studio.compute.lac.roi import atoms_default_box, prepare_roi
from hea_studio.compute.profile.slabs import composition_profile
from hea_studio.core.geometry import Box
from hea_studio.core.settings import AnalysisSettings, parse_sizes
from hea_studio.io.ranges.ranging import to_atoms
from hea_studio.synth import generate
from hea_studio.synth.molecular import cocrfeni_oxide_random
from hea_studio.synth.shape import BoxShape


@pytest.fixture(scope="module")
def oxide():
    """A random CoCrFeNi whose Cr comes largely as CrO and CrO2 ions (14 nm box)."""
    params = dataclasses.replace(cocrfeni_oxide_random(seed=5), shape=BoxShape((14.0, 14.0, 14.0)))
    return generate(params)


@pytest.fixture(scope="module")
def both(oxide):
    """The compact decomposition and the per-atom one of the same ions."""
    return to_atoms(oxide.ions, oxide.ranges), to_atoms(oxide.ions, oxide.ranges, compact=False)


def _comparable(result) -> dict:
    """The result's JSON without what may differ between two runs of the same analysis."""
    data = result.to_json()
    for key in ("timing_s", "provenance"):
        data.pop(key, None)
    return data


def test_rows_are_ions_and_stand_for_the_same_atoms(both):
    compact, per_atom = both
    assert compact.rows is not None and per_atom.rows is None
    # One row per ion, far fewer than the atoms they stand for.
    assert compact.n_rows < per_atom.n_rows == per_atom.n_atoms == compact.n_atoms
    assert compact.counts() == per_atom.counts()
    assert compact.names == per_atom.names
    assert compact.positions.dtype == np.float32 and compact.labels.dtype == np.uint8
    # The ion origin needs no per-atom array: the labels are the formulas.
    assert compact.ions is not None and compact.ions.lead is compact.labels


SETTINGS = [
    # Metals and O with ion draws, bootstrap and grid shifts on the voxel table.
    AnalysisSettings(sizes_nm=parse_sizes("1:4:0.5"), elements=("Co", "Cr", "Fe", "Ni", "O"), bootstrap=40),
    # The cation default of a compound.
    AnalysisSettings(sizes_nm=parse_sizes("1:4:0.5"), elements=None, bootstrap=40),
    # Off-grid edges: the per-edge path over the compact copy of the box.
    AnalysisSettings(sizes_nm=(0.9, 1.3, 1.9, 2.7, 3.9), elements=("Cr", "Fe", "O"), bootstrap=20),
    # Sublattices (science.md 8): the rock-salt-style cation/anion split.
    AnalysisSettings(sizes_nm=parse_sizes("1:4:1"), elements=None, bootstrap=10, sublattice_preset="cations"),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=["ion-draws", "cations", "off-grid", "sublattices"])
def test_analysis_is_bit_identical_to_the_per_atom_decomposition(both, settings):
    compact, per_atom = both
    a = run_analysis(compact, settings)
    b = run_analysis(per_atom, settings)
    assert _comparable(a) == _comparable(b)
    assert len(a.curve) >= 3 and a.curve[0].n_cubes > 8


def test_per_edge_path_without_a_voxel_table_agrees(both, monkeypatch):
    compact, per_atom = both
    box = Box((1.0, 1.5, 0.5), (12.5, 12.0, 13.0))
    elements = ("Co", "Cr", "Fe", "Ni", "O")
    monkeypatch.setattr(binning, "MAX_TABLE_ENTRIES", 0)
    a = prepare_roi(compact, box, elements)
    b = prepare_roi(per_atom, box, elements)
    assert a.prepare_voxels((1.0, 2.0)) == 1.0 and a.table(1.0) is None
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a.half_counts(), b.half_counts())
    for L in (0.7, 1.0, 2.3):
        np.testing.assert_array_equal(a.tile_counts(L), b.tile_counts(L))
        ca, ia = a.tile_counts_and_ions(L, by_type=True)
        cb, ib = b.tile_counts_and_ions(L, by_type=True)
        np.testing.assert_array_equal(ca, cb)
        np.testing.assert_array_equal(ia, ib)
    # The per-atom view (local entropy, paper mode) holds the same atoms in the same order.
    np.testing.assert_array_equal(a.rel, b.rel)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.paper_counts(3.0, 9), b.paper_counts(3.0, 9))


def test_voxel_table_with_face_atoms_agrees(both):
    # Edges on a grid whose voxel faces cut through ions: face rows carry every atom they stand for.
    compact, per_atom = both
    box = atoms_default_box(compact)  # ion rows weighted by their atoms: the same outline
    assert box.flat() == atoms_default_box(per_atom).flat()
    a = prepare_roi(compact, box, ("Cr", "O", "Ni"))
    b = prepare_roi(per_atom, box, ("Cr", "O", "Ni"))
    g = a.prepare_voxels((0.25, 0.5, 1.0))
    assert g == b.prepare_voxels((0.25, 0.5, 1.0)) and g is not None
    np.testing.assert_array_equal(a.table(g), b.table(g))
    for L in (0.5, 1.0, 1.75):
        np.testing.assert_array_equal(a.tile_counts(L, g), b.tile_counts(L, g))
        got = a.tile_counts_shifted(L, (0.3, 0.6, 0.9), g)
        want = b.tile_counts_shifted(L, (0.3, 0.6, 0.9), g)
        np.testing.assert_array_equal(got[0], want[0])
        assert got[1:] == want[1:]


def test_profile_and_display_count_every_atom(both):
    compact, per_atom = both
    box = Box((0.0, 0.0, 0.0), (14.0, 14.0, 14.0))
    a = composition_profile(compact, box, "z", 1.0)
    b = composition_profile(per_atom, box, "z", 1.0)
    np.testing.assert_array_equal(a.counts, b.counts)

    sample = atoms_display_sample(compact, size=20_000, seed=3)
    assert sample.labels.shape == (20_000,) and sample.positions.shape == (20_000, 3)
    np.testing.assert_array_equal(sample.species_counts, [compact.counts()[n] for n in compact.names])
    # Drawn as atoms: element labels, each share close to the data's.
    share = np.bincount(sample.labels, minlength=len(compact.names)) / sample.labels.size
    want = sample.species_counts / sample.species_counts.sum()
    np.testing.assert_allclose(share, want, atol=0.015)
    lo, hi = compact.positions.min(axis=0), compact.positions.max(axis=0)
    assert np.all(sample.positions >= lo) and np.all(sample.positions <= hi)


def test_fractional_counts_keep_the_per_atom_form(oxide):
    table = oxide.ranges
    half = [dataclasses.replace(r, composition=(("Fe", 0.5),)) if r.ion == "Fe" else r for r in table.ranges]
    atoms = to_atoms(oxide.ions, dataclasses.replace(table, ranges=half))
    # No whole-number formula for Fe:0.5, so every atom is a row, as before.
    assert atoms.rows is None and atoms.ions is not None and atoms.ions.has_molecular
    assert atoms.counts()["Fe"] < to_atoms(oxide.ions, table).counts()["Fe"]


def test_compact_decomposition_allocates_per_ion_not_per_atom():
    params = dataclasses.replace(cocrfeni_oxide_random(seed=6), shape=BoxShape((20.0, 20.0, 20.0)))
    oxide = generate(params)
    compact = to_atoms(oxide.ions, oxide.ranges)  # kernels compiled and loaded outside the measurement

    def peak(compact_form: bool) -> int:
        tracemalloc.start()
        try:
            to_atoms(oxide.ions, oxide.ranges, compact=compact_form)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    # The rows (13 bytes per ranged ion) and the species array (4 bytes per ion) ranging makes, and
    # less than 1 MB besides (chunk buffers): no per-atom copy of positions, and nothing in float64.
    bound = 13 * compact.n_rows + 4 * oxide.ions.n_ions + 1_000_000
    assert peak(True) < bound
    # The per-atom form copies the ion's position to each of its atoms (17 bytes per atom with its
    # ion origin), so the same bound fails for it: the test can tell the two apart.
    per_atom = peak(False)
    assert per_atom > bound and per_atom > 17 * compact.n_atoms
    assert compact.n_atoms > 1.1 * compact.n_rows


def test_preview_of_ion_rows_follows_the_ion_draws(both, monkeypatch):
    """A large oxide previews from the dataset table (by ion class), with the ion-level reference
    and its grid shifts, equal to the exact analysis of the snapped box."""
    from hea_studio.compute.analysis import iter_analysis
    from hea_studio.compute.lac import preview

    compact, per_atom = both
    monkeypatch.setattr(preview, "MIN_ATOMS", 1000)
    monkeypatch.setattr(preview, "MIN_VOXEL_NM", 0.5)
    settings = AnalysisSettings(
        sizes_nm=parse_sizes("1:4:0.5"), elements=("Co", "Cr", "Fe", "Ni", "O"), bootstrap=40
    )
    assert preview.use_table(compact, settings)
    assert not preview.use_table(per_atom, settings)  # the per-atom ion origin is not in the table
    prep, snapped, rounded = preview.preview_inputs(
        compact, Box((1.13, 0.81, 0.62), (13.2, 12.9, 13.55)), settings
    )
    assert prep.ion_level and rounded.sizes_nm == settings.sizes_nm
    _, got = drain(iter_analysis(compact, rounded, snapped, prepared=prep))
    want = run_analysis(per_atom, rounded, snapped)
    assert got.roi_atoms == want.roi_atoms
    for a, b in zip(got.curve, want.curve, strict=True):
        assert a.n_cubes == b.n_cubes
        assert a.S_mean == pytest.approx(b.S_mean, abs=1e-12)
        assert a.S_null == pytest.approx(b.S_null, abs=1e-12)  # the ion-draw reference
    assert got.sume.edge_nm == pytest.approx(want.sume.edge_nm, abs=1e-9)
    assert got.sume.ci95_nm == pytest.approx(want.sume.ci95_nm, abs=1e-9)  # shifted grids too
    # Without ion draws the reference would differ: the check can fail.
    plain = run_analysis(dataclasses.replace(per_atom, ions=None), rounded, snapped)
    assert any(abs(a.S_null - b.S_null) > 1e-4 for a, b in zip(plain.curve, want.curve))


@pytest.mark.parametrize("n_centres", [None, 1500])
def test_local_entropy_is_bit_identical(both, n_centres):
    # Atoms of one ion share a position: neighbour ties are broken by storage order, which the
    # ion rows reproduce, so even the sampled centres and tie-breaks agree.
    from hea_studio.compute.local.knn import local_entropy

    compact, per_atom = both
    box = Box((3.0, 3.0, 3.0), (11.0, 11.0, 11.0))
    elements = ("Co", "Cr", "Fe", "Ni", "O")
    a = local_entropy(compact, box, elements, n_centres=n_centres).to_json()
    b = local_entropy(per_atom, box, elements, n_centres=n_centres).to_json()
    a.pop("timing_s")
    b.pop("timing_s")
    assert a == b


@pytest.mark.parametrize("preset", ["cations", "rock-salt"])
def test_preview_of_sublattice_curves_from_the_table(both, monkeypatch, preset):
    """Sublattice curves (science.md 8) preview from the table too, equal to the exact analysis."""
    from hea_studio.compute.analysis import resolve_sublattice_preset
    from hea_studio.compute.jobs import analysis_job
    from hea_studio.compute.lac import preview
    from hea_studio.core.progress import SimpleTaskState

    compact, per_atom = both
    monkeypatch.setattr(preview, "MIN_ATOMS", 1000)
    monkeypatch.setattr(preview, "MIN_VOXEL_NM", 0.5)
    settings = AnalysisSettings(sizes_nm=parse_sizes("1:4:0.5"), bootstrap=0, sublattice_preset=preset)
    resolved = resolve_sublattice_preset(settings, compact)
    assert not preview.use_table(compact, settings)  # a preset is resolved first
    assert preview.use_table(compact, resolved)
    box = Box((1.0, 1.5, 1.0), (13.0, 12.5, 13.0))  # on the 0.5 nm grid of the table
    prep, snapped, rounded = preview.preview_inputs(compact, box, resolved)

    _, got = drain(analysis_job(compact, box, settings, preview=True)(SimpleTaskState()))
    want = run_analysis(per_atom, rounded, snapped, fda=False)
    assert isinstance(prep, preview.TableRoi)
    assert got.sublattices is not None and want.sublattices is not None
    assert got.sublattices["curve"] == want.sublattices["curve"]
    assert got.sublattices["bulk"] == want.sublattices["bulk"]
    assert got.sublattices["reference"] == want.sublattices["reference"]
