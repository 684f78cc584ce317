"""The mass spectrum: histogram kernel vs its numpy twin, peaks, fit check, suggested ranges."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hea_studio.compute.spectrum import fit as F
from hea_studio.compute.spectrum import mass as S
from hea_studio.core.errors import InputError
from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io.ranges.ranging import assign_species


def test_histogram_kernel_matches_its_numpy_twin_with_nan_inf_and_big_endian():
    rng = np.random.default_rng(4)
    m = rng.uniform(-1.0, 90.0, 300_000).astype(np.float32)
    m[::1000] = np.nan
    m[5] = np.inf
    m[7] = 12.34  # exactly representable edges and not
    for mass in (m, m.astype(">f4"), m.astype(np.float64)):
        spec = S.mass_spectrum(mass, 0.01, 0.0, 80.0)
        twin, outside = S.histogram_numpy(mass, 0.0, 0.01, spec.n_bins)
        np.testing.assert_array_equal(spec.counts, twin)
        assert spec.n_outside == outside
        assert spec.counts.sum() + spec.n_outside == mass.shape[0]


def test_large_columns_binned_on_several_threads_match_the_twin():
    rng = np.random.default_rng(8)
    m = rng.uniform(0.0, 120.0, 9_500_000).astype(">f4")  # several per-thread slices, big-endian
    spec = S.mass_spectrum(m, 0.01, 0.0, 100.0)
    twin, outside = S.histogram_numpy(m, 0.0, 0.01, spec.n_bins)
    np.testing.assert_array_equal(spec.counts, twin)
    assert spec.n_outside == outside and spec.n_ions == m.shape[0]


def test_binning_stops_when_cancelled():
    from hea_studio.core.progress import Cancelled, SimpleTaskState

    task = SimpleTaskState()
    task.cancel()
    with pytest.raises(Cancelled):
        S.mass_spectrum(np.ones(10, dtype=np.float32), 0.01, task=task)


def test_default_span_reaches_the_largest_finite_mass_and_bins_are_half_open():
    m = np.array([1.0, 2.5, np.nan, 7.25, np.inf], dtype=np.float32)
    spec = S.mass_spectrum(m, 0.5)
    assert spec.hi > 7.25 and spec.counts.sum() == 3 and spec.n_outside == 2
    assert spec.counts[spec.bin_of(2.5)] == 1 and spec.bin_of(2.5) == 5  # 2.5 opens bin [2.5, 3)


def test_bad_bin_widths_and_spans_are_input_errors():
    m = np.ones(10, dtype=np.float32)
    for bad in (0.0, -0.1, float("nan")):
        with pytest.raises(InputError, match="bin width"):
            S.mass_spectrum(m, bad)
    with pytest.raises(InputError, match="too many"):
        S.mass_spectrum(np.array([1e9], dtype=np.float32), 0.001)


def _gaussian_spectrum(centres, heights, sigma=0.02, n_bg=20_000, seed=0):
    rng = np.random.default_rng(seed)
    parts = [c + sigma * rng.standard_normal(h) for c, h in zip(centres, heights)]
    parts.append(rng.uniform(1.0, 100.0, n_bg))
    return np.concatenate(parts).astype(np.float32)


def test_peaks_are_found_where_they_are_and_noise_is_not_a_peak():
    centres = [12.0, 27.98, 28.98, 29.97, 58.93]
    heights = [3000, 50_000, 2500, 1700, 400]
    spec = S.mass_spectrum(_gaussian_spectrum(centres, heights), 0.01)
    peaks = S.find_peaks(spec)
    assert len(peaks) == len(centres)
    for p, c, h in zip(peaks, centres, heights):
        assert abs(p.mn - c) < 0.01
        assert p.lo < c < p.hi
        # The extent (to 1 % of the maximum) holds nearly all of a Gaussian peak's ions.
        assert 0.97 * h < p.net < 1.03 * h


def test_fit_check_flags_ranges_on_empty_regions_unranged_peaks_and_a_low_ranged_share():
    # Si+ with its three isotopes in their natural ratios (the isotope check wants 30Si too), Co+.
    spec = S.mass_spectrum(
        _gaussian_spectrum([27.98, 28.98, 29.97, 58.93], [50_000, 2500, 1650, 30_000]), 0.01
    )
    good = RangeTable(
        [Range(27.9, 28.1, "Si", (("Si", 1.0),)), Range(28.9, 29.1, "Si", (("Si", 1.0),)),
         Range(29.9, 30.1, "Si", (("Si", 1.0),)), Range(58.8, 59.1, "Co", (("Co", 1.0),))]
    )  # fmt: skip
    check = F.fit_check(spec, good, "run.pos", "run.rrng")
    assert check.warnings == [] and not check.empty_ranges and not check.unranged_peaks
    assert 0.78 < check.ranged_fraction < 0.82  # 82,500 peak ions, 20,000 background hits
    wrong = RangeTable([Range(40.0, 40.5, "Ca", (("Ca", 1.0),)), Range(28.9, 29.1, "Si", (("Si", 1.0),))])
    check = F.fit_check(spec, wrong, "run.pos", "other.rrng")
    assert [r.ion for r in check.empty_ranges] == ["Ca"]
    assert sorted(round(p.mn) for p in check.unranged_peaks) == [28, 30, 59]
    assert check.ranged_fraction < 0.1
    text = " ".join(check.warnings)
    assert "other.rrng" in text and "run.pos" in text
    assert "does this range file belong to this run?" in text
    assert "ranges only" in text


@pytest.fixture(scope="module")
def cocufeni():
    """A small synthetic CoCuFeNi specimen whose true ion of every hit is known."""
    from hea_studio.synth import generate
    from hea_studio.synth.presets import cocufeni_random
    from hea_studio.synth.shape import BoxShape

    return generate(replace(cocufeni_random(5), shape=BoxShape((16.0, 16.0, 16.0))))


def test_suggested_ranges_recover_each_element_and_assign_almost_nothing_wrongly(cocufeni):
    spec = S.mass_spectrum(cocufeni.ions.mass, 0.01)
    table = F.suggest_ranges(spec, ["Co", "Cu", "Fe", "Ni"])
    assert set(table.species) == {"Co", "Cu", "Fe", "Ni"}
    species, names = assign_species(cocufeni.ions.mass, table)
    label = np.array([names.index(s) if s in names else -1 for s in cocufeni.species] + [-2])
    truth = label[np.where(cocufeni.ion_species >= 0, cocufeni.ion_species, -1)]
    for element in ("Co", "Cu", "Fe", "Ni"):
        e = names.index(element)
        true_e = truth == e
        got_e = species == e
        recovered = np.count_nonzero(got_e & true_e) / np.count_nonzero(true_e)
        wrong = np.count_nonzero(got_e & ~true_e) / np.count_nonzero(got_e)
        assert recovered >= 0.98, (element, recovered)
        assert wrong < 0.01, (element, wrong)
    # The generator's own (true) ranges pass the fit check as a range file that belongs.
    check = F.fit_check(spec, cocufeni.ranges, "synth.pos", "synth.rrng")
    assert not any("belong" in w for w in check.warnings)


def test_suggest_ranges_refuses_nonsense_and_elements_without_peaks(cocufeni):
    spec = S.mass_spectrum(cocufeni.ions.mass, 0.01)
    with pytest.raises(InputError):
        F.suggest_ranges(spec, ["Xx"])
    with pytest.raises(InputError, match="no peak"):
        F.suggest_ranges(spec, ["W", "Au"])


def test_fit_check_flags_a_range_whose_isotope_partners_are_missing():
    """Two peaks at 58 and 60 Da in nickel's ratio, ranged as one "Cr2O" range (Cr2O2+ would put
    a fifth of its main line at 60.44 Da): the check names the range and the ion that fits."""
    spec = S.mass_spectrum(
        _gaussian_spectrum([57.935, 59.931, 60.931, 61.928, 63.928], [40_000, 15_400, 670, 2_130, 550]), 0.01
    )
    table = RangeTable(
        [Range(57.8, 61.2, "Cr2O", (("Cr", 2.0), ("O", 1.0))), Range(61.8, 62.1, "Ni", (("Ni", 1.0),))]
    )
    check = F.fit_check(spec, table, "run.pos", "run.rrng")
    (m,) = check.isotope_mismatches
    assert m.range.ion == "Cr2O" and m.label == "Cr2O2+" and m.fits == "Ni+"
    assert any("run.rrng: range Cr2O 57.80-61.20 Da" in w and "60.44 Da" in w for w in check.warnings)


def test_suggest_does_not_name_the_water_peak_after_18o():
    """Si run: 604 ions at 16 Da (O+), 418 at 18 Da (H2O+). 18O+ would put 1.2 ions there; on main
    the O pattern claimed the 18 Da peak all the same."""
    spec = S.mass_spectrum(_gaussian_spectrum([15.995, 18.011], [6040, 4180], n_bg=2000), 0.01)
    table = F.suggest_ranges(spec, ["O"])
    assert [round(r.lo) for r in table.ranges] == [16]
