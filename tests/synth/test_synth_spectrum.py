"""Isotopes, charge states and the range table of synthetic spectra."""

from __future__ import annotations

import numpy as np
import pytest

from hea_studio.core.errors import InputError
from hea_studio.synth.spectrum import (
    ISOTOPES,
    PeakShape,
    assign_ranges,
    build_range_table,
    isotopologues,
    parse_formula,
    sample_mass_to_charge,
)


def test_parse_formula_reads_molecules_and_rejects_nonsense():
    assert parse_formula("Ni") == (("Ni", 1),)
    assert parse_formula("CrO2") == (("Cr", 1), ("O", 2))
    assert parse_formula("CO") == (("C", 1), ("O", 1))
    for bad in ("", "ni", "Xx", "Ni-2", "2Ni"):
        with pytest.raises(InputError):
            parse_formula(bad)


def test_abundances_are_normalised_and_o2_has_its_isotopologues():
    for element, isotopes in ISOTOPES.items():
        total = sum(a for _, a in isotopes)
        assert abs(total - 100.0) < 0.05, element
    masses, probs = isotopologues("O2")
    assert abs(probs.sum() - 1.0) < 1e-12
    assert np.isclose(masses[0], 2 * 15.994915) and probs[0] > 0.99
    assert np.any(np.isclose(masses, 15.994915 + 17.999160))


def test_sampled_peaks_sit_at_isotope_masses_over_charge():
    rng = np.random.default_rng(1)
    shape = PeakShape(resolving_power=1000, tail_fraction=0.0)
    mn = sample_mass_to_charge("Cu", 20000, rng, shape)
    # Cu: 63 and 65 as 1+ and 2+; every ion within 5 sigma of one of the four peaks.
    centres = np.array([62.929598, 64.927790, 62.929598 / 2, 64.927790 / 2])
    nearest = np.min(np.abs(mn[:, None] - centres[None, :]) / shape.sigma(centres)[None, :], axis=1)
    assert np.all(nearest < 6)
    # 63Cu/65Cu ratio among 1+ ions matches natural abundance within counting error.
    ones = mn > 50
    ratio = np.mean(mn[ones] < 64)
    assert abs(ratio - 0.6915) < 4 * np.sqrt(0.69 * 0.31 / ones.sum())


def test_range_table_ranges_ions_back_to_their_species():
    fractions = {
        "Co": 0.22,
        "Cu": 0.27,
        "Fe": 0.2,
        "Ni": 0.3,
        "C": 0.004,
        "O": 0.005,
        "CO": 0.0005,
        "O2": 0.0005,
    }
    shape = PeakShape()
    table = build_range_table(fractions, shape)
    lo = np.array([r.lo for r in table.ranges])
    hi = np.array([r.hi for r in table.ranges])
    assert np.all(hi > lo) and np.all(lo[1:] >= hi[:-1] - 1e-9), "ranges must not overlap"
    rng = np.random.default_rng(2)
    names = list(fractions)
    counts = rng.multinomial(200_000, np.array(list(fractions.values())) / sum(fractions.values()))
    truth, mn = [], []
    for name, n in zip(names, counts):
        mn.append(sample_mass_to_charge(name, int(n), rng, shape))
        truth += [name] * int(n)
    mn = np.concatenate(mn)
    idx = assign_ranges(mn, table)
    got = np.array([table.ranges[i].ion if i >= 0 else "" for i in idx])
    truth = np.array(truth)
    metal = np.isin(truth, ["Co", "Cu", "Fe", "Ni"])
    # Tails and overlaps (58Fe/58Ni, CO+/56Fe2+) cost a little, never more than a few per cent.
    assert np.mean(got[metal] == truth[metal]) > 0.97
    assert np.mean(idx >= 0) > 0.97
    # Every species with real peaks owns at least one range.
    assert {"Co", "Cu", "Fe", "Ni", "C", "O"} <= set(table.species)
