"""Isotopes from periodictable, ion formulas with charges, candidate ions for a clicked peak."""

from __future__ import annotations

import numpy as np
import pytest

from hea_studio.core.errors import InputError
from hea_studio.core.isotopes import ISOTOPES, candidate_ions, ion_peaks, isotopologues, parse_charged


def test_isotope_table_holds_known_masses_and_normalised_abundances():
    ni = dict((round(m), a) for m, a in ISOTOPES["Ni"])
    assert set(ni) == {58, 60, 61, 62, 64}
    assert abs(ni[58] - 68.08) < 0.01
    assert abs(ISOTOPES["Co"][0][0] - 58.933194) < 1e-5 and len(ISOTOPES["Co"]) == 1
    for element in ("H", "C", "O", "Si", "Fe", "Cu", "W"):
        assert abs(sum(a for _, a in ISOTOPES[element]) - 100.0) < 0.05, element
    assert "Tc" not in ISOTOPES  # no stable isotope, no natural abundance


def test_charged_ion_names():
    assert parse_charged("Fe2+") == ("Fe", 2)
    assert parse_charged("Fe++") == ("Fe", 2)
    assert parse_charged("Fe+2") == ("Fe", 2)
    assert parse_charged("Ni") == ("Ni", 1)
    assert parse_charged("CrO2 +") == ("CrO2", 1)
    assert parse_charged("CrO 3+") == ("CrO", 3)
    for bad in ("Fe4+", "Xy+", "", "2Fe"):
        with pytest.raises(InputError):
            parse_charged(bad)


def test_ion_peaks_at_each_charge_and_candidates_for_a_clicked_mass():
    peaks = ion_peaks("Cu", (1, 2))
    assert [p.label for p in peaks] == ["Cu2+", "Cu2+", "Cu+", "Cu+"]
    assert np.isclose(peaks[0].mn, 62.9296 / 2, atol=1e-3)
    masses, probs = isotopologues("CrO")
    assert abs(probs.sum() - 1) < 1e-12 and masses[np.argmax(probs)] == pytest.approx(67.9354, abs=1e-3)
    found = candidate_ions(28.98, 0.05, ["Si", "Ni", "Fe", "Co"])
    assert {(p.ion, p.charge) for p in found} == {("Ni", 2), ("Si", 1)}
    assert found[0].ion == "Ni"  # 58Ni2+ (68 %) before 29Si+ (4.7 %)
