"""Entropy of a composition: the paper's numbers, ideal solutions, classes, units, sublattices."""

from __future__ import annotations

import math

import pytest

from hea_studio.compute.lac.entropy import (
    R_J_PER_MOLK,
    Sublattice,
    classify,
    composition_entropy,
    mixing_entropy,
)
from hea_studio.compute.sume.fits import unit_cells
from hea_studio.core.errors import InputError
from hea_studio.core.settings import Lattice


def test_paper_compositions():
    # science.md 2: 1.374 R (paper 1.373) and 1.386 R (paper 1.385)
    assert round(mixing_entropy([30.6, 26.7, 21.9, 20.8]), 3) == 1.374
    assert round(mixing_entropy([26.6, 24.8, 24.5, 24.1]), 3) == 1.386


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_equimolar_is_ln_n(n):
    r = composition_entropy({f"E{i}": 1.0 for i in range(n)})
    assert pytest.approx(math.log(n), abs=1e-15) == r.S_R
    assert r.S_ideal_R == pytest.approx(math.log(n))


def test_units_and_classes():
    r = composition_entropy({"Ni": 30.6, "Cu": 26.7, "Co": 21.9, "Fe": 20.8})
    assert r.S_J_per_molK == pytest.approx(r.S_R * R_J_PER_MOLK)
    assert r.S_J_per_molK == pytest.approx(11.42, abs=0.01)
    assert r.cls == "medium"
    assert classify(0.999) == "low" and classify(1.0) == "medium" and classify(1.5) == "high"
    assert composition_entropy({"A": 1, "B": 1, "C": 1, "D": 1, "E": 1}).cls == "high"


def test_zero_terms_and_bad_amounts():
    assert mixing_entropy([1.0, 0.0, 1.0]) == pytest.approx(math.log(2))
    assert mixing_entropy([5.0]) == 0.0
    with pytest.raises(InputError):
        mixing_entropy([0.0, 0.0])
    with pytest.raises(InputError):
        mixing_entropy([1.0, -1.0, 3.0])


def test_sublattices_rock_salt_and_perovskite():
    # (MgCoNiCuZn)O: 5 equimolar cations on one site, O alone on the other.
    amounts = {"Mg": 1, "Co": 1, "Ni": 1, "Cu": 1, "Zn": 1, "O": 5}
    subs = [Sublattice.parse("A:Mg,Co,Ni,Cu,Zn:1"), Sublattice.parse("O:O:1")]
    r = composition_entropy(amounts, subs)
    assert r.S_fu_R == pytest.approx(math.log(5))
    assert r.S_site_R == pytest.approx(math.log(5) / 2)
    # A B O3 with two equimolar cations on each of A and B.
    amounts = {"La": 1, "Sr": 1, "Co": 1, "Fe": 1, "O": 6}
    subs = [Sublattice("A", ("La", "Sr"), 1), Sublattice("B", ("Co", "Fe"), 1), Sublattice("O", ("O",), 3)]
    r = composition_entropy(amounts, subs)
    assert r.S_fu_R == pytest.approx(2 * math.log(2))
    assert r.S_site_R == pytest.approx(2 * math.log(2) / 5)
    with pytest.raises(InputError, match="no sublattice"):
        # (real symbols: a made-up one is refused first, as not an element)
        composition_entropy({"Mg": 1, "Co": 1}, [Sublattice("X", ("Mg",), 1)])
    with pytest.raises(InputError):
        Sublattice.parse("A:Mg,Co")


def test_sume_in_unit_cells_paper():
    # science.md 2: 3.01 nm with a = 0.35834 nm -> (30.1 / 3.5834)^3 = 593 cells (paper ~594)
    assert round(unit_cells(3.01, Lattice("fcc", 0.35834))) == 593
    assert Lattice("bcc", 0.3).atoms_per_cell == 2
