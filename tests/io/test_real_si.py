"""The real Si run of the APAV 1.4.0 source package: three ion formats, two range formats."""

from __future__ import annotations

import numpy as np
import pytest

from hea_studio.io import load_ions, load_ranges, ranging_summary, to_atoms
from hea_studio.io.files import mapping_of

pytestmark = pytest.mark.network

N_SI = 945_211


def test_pos_epos_apt_hold_the_same_ions(apav_si):
    pos = load_ions(apav_si / "Si.pos")
    epos = load_ions(apav_si / "Si.epos")
    apt = load_ions(apav_si / "Si.apt")
    assert (pos.format, epos.format, apt.format) == ("pos", "epos", "apt")
    for ions in (pos, epos, apt):
        assert ions.n_ions == N_SI
        assert ions.warnings == ()
        np.testing.assert_array_equal(ions.positions, pos.positions)
        np.testing.assert_array_equal(ions.mass, pos.mass)
    # .apt keeps its other per-ion sections by name, whatever their column count.
    assert apt.extra["Detector Coordinates"].shape == (N_SI, 2)
    assert apt.extra["Multiplicity"].shape == (N_SI,)
    # AP Suite's Multiplicity is the .epos "ions per pulse" column (0 for later hits of a pulse).
    np.testing.assert_array_equal(apt.extra["Multiplicity"], epos.extra["ions_per_pulse"])
    # .epos detector coordinates and the .apt ones agree.
    np.testing.assert_array_equal(apt.extra["XDet_mm"], epos.extra["detector_x"])
    np.testing.assert_array_equal(apt.extra["Detector Coordinates"][:, 1], epos.extra["detector_y"])


def test_rrng_and_rng_give_the_same_counts(apav_si):
    ions = load_ions(apav_si / "Si.pos")
    rrng = load_ranges(apav_si / "Si.RRNG")
    rng = load_ranges(apav_si / "Si.RNG")
    a = ranging_summary(ions, rrng)
    b = ranging_summary(ions, rng)
    assert a == b
    assert a.ranged + a.unranged == N_SI
    assert set(a.ion_counts) == {"Si", "Cr", "O", "Cu", "C", "CrO", "CrO2", "Cr2O"}
    assert (
        a.atom_counts["O"]
        == a.ion_counts["O"] + a.ion_counts["CrO"] + 2 * a.ion_counts["CrO2"] + (a.ion_counts["Cr2O"])
    )
    atoms = to_atoms(ions, rrng)
    assert atoms.counts() == a.atom_counts
    assert set(atoms.colours) == set(atoms.names)


def test_info_json_on_the_apt_file(apav_si, capsys):
    import json

    from hea_studio.cli import main

    assert main(["info", str(apav_si / "Si.apt"), "--ranges", str(apav_si / "Si.RNG"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["format"] == "apt" and out["ions"] == N_SI
    assert out["ranged"] + out["unranged"] == N_SI
    assert out["atom_counts"]["Cr"] == (
        out["ion_counts"]["Cr"]
        + out["ion_counts"]["CrO"]
        + out["ion_counts"]["CrO2"]
        + 2 * out["ion_counts"]["Cr2O"]
    )
    assert len(out["bounds_nm"]) == 6 and out["bounds_nm"][0] < out["bounds_nm"][3]


def test_ion_files_are_memory_mapped(apav_si):
    for name in ("Si.pos", "Si.epos", "Si.apt"):
        ions = load_ions(apav_si / name)
        assert mapping_of(ions.positions) is not None, name
        assert mapping_of(ions.mass) is mapping_of(ions.positions), name
