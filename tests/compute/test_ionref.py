"""The ion-level random-mixing reference and frequency test (science.md 4 and 6, issue 12)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from hea_studio.compute.analysis import run_analysis
from hea_studio.compute.reference.atoms import NullEntropyTable
from hea_studio.compute.reference.ions import IonNullTable
from hea_studio.core.settings import AnalysisSettings, parse_sizes
from hea_studio.io.ranges.ranging import to_atoms
from hea_studio.synth import SynthParams, generate
from hea_studio.synth.molecular import cocrfeni_oxide_random, with_molecular_ions
from hea_studio.synth.shape import BoxShape

# Co, Cr, Fe, Ni, O; ion types Co, Cr, Fe, Ni, CrO2, CrO (as in an oxidised CoCrFeNi).
TYPES = np.array(
    [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 1, 0, 0, 2], [0, 1, 0, 0, 1]]
)
ION_COUNTS = np.array([30.0, 2.0, 30.0, 30.0, 3.0, 2.0])


def _monte_carlo(types, q, m, min_atoms, draws, rng):
    """Mean plug-in entropy of cubes of m ions drawn from q (kept when n >= min_atoms), and its SE."""
    ions = rng.multinomial(m, q / q.sum(), size=draws)
    k = ions @ types
    n = k.sum(axis=1)
    ok = n >= min_atoms
    x = k[ok] / n[ok, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        S = -np.where(x > 0, x * np.log(x), 0.0).sum(axis=1)
    return S.mean(), S.std() / np.sqrt(ok.sum())


@pytest.mark.parametrize("m", [4, 10, 30, 128, 400, 1500])
def test_exact_and_series_agree_with_monte_carlo(m):
    table = IonNullTable(TYPES, ION_COUNTS, min_atoms=10)
    mean, se = _monte_carlo(TYPES, ION_COUNTS, m, 10, 200_000, np.random.default_rng(m))
    assert table([m])[0] == pytest.approx(mean, abs=4 * se + 1e-6)


def test_single_atom_ions_reduce_to_the_binomial_reference():
    counts = np.array([1.0, 2.0, 3.0, 4.0])
    ions = IonNullTable(np.eye(4, dtype=np.int64), counts, min_atoms=1)
    atoms = NullEntropyTable(counts)
    exact = np.array([1, 5, 20, 100, 128])
    np.testing.assert_allclose(ions(exact), atoms(exact), atol=1e-12)
    # Above the exact range the 1/m series stands in, far closer than any cube statistics resolve.
    series = np.array([129, 300, 5000])
    np.testing.assert_allclose(ions(series), atoms(series), atol=2e-6)


def test_series_above_the_exact_range_matches_the_exact_values():
    # The default exact range against a longer one: the series is within 1e-5 R (a tenth of the
    # SEM of a few thousand cubes) right above the exact range and better further up.
    small = IonNullTable(TYPES, ION_COUNTS, min_atoms=10)
    large = IonNullTable(TYPES, ION_COUNTS, min_atoms=10, exact_max=224)
    ms = np.arange(small.exact_max + 1, 225)
    assert np.max(np.abs(small(ms) - large(ms))) < 1e-5
    # And the leading term is the bulk entropy of the atoms.
    u = ION_COUNTS @ TYPES
    x = u / u.sum()
    assert small.S_bulk == pytest.approx(float(-np.sum(x * np.log(x))), rel=1e-12)


@pytest.mark.parametrize("m", [3, 12, 100, 300])
def test_count_law_of_one_element_matches_sampling(m):
    table = IonNullTable(TYPES, ION_COUNTS, min_atoms=1)
    rng = np.random.default_rng(7)
    o = (rng.multinomial(m, ION_COUNTS / ION_COUNTS.sum(), size=100_000) @ TYPES)[:, 4]
    pmf = table.count_pmf(4, m)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
    mean = float(np.dot(np.arange(pmf.size), pmf))
    assert mean == pytest.approx(o.mean(), abs=4 * o.std() / np.sqrt(o.size))
    var = float(np.dot((np.arange(pmf.size) - mean) ** 2, pmf))
    assert var == pytest.approx(o.var(), rel=0.03)


@pytest.fixture(scope="module")
def oxide_atoms():
    """A random CoCrFeNi with ~2/3 of its Cr detected as CrO and CrO2 ions (16 nm box)."""
    params = dataclasses.replace(cocrfeni_oxide_random(seed=11), shape=BoxShape((16.0, 16.0, 16.0)))
    specimen = generate(params)
    return to_atoms(specimen.ions, specimen.ranges)


OXIDE_SETTINGS = AnalysisSettings(
    sizes_nm=parse_sizes("1:4:0.5"), elements=("Co", "Cr", "Fe", "Ni", "O"), bootstrap=0, lattice=None
)


def _verdicts(result):
    deficits_ok = all(
        s.deficit <= max(2 * s.S_sem, 0.005 * result.bulk.S_R) for s in result.curve if s.n_cubes > 1
    )
    smallest_p = min(p for s in result.curve for p in s.chi2_p.values() if p is not None)
    return deficits_ok, result.sume_null.edge_nm, smallest_p


def test_random_oxide_reads_random_with_ion_draws(oxide_atoms):
    assert oxide_atoms.ions is not None and oxide_atoms.ions.has_molecular
    result = run_analysis(oxide_atoms, OXIDE_SETTINGS)
    deficits_ok, null_edge, smallest_p = _verdicts(result)
    assert deficits_ok
    assert null_edge == pytest.approx(OXIDE_SETTINGS.sizes_nm[0])
    assert smallest_p >= 0.01
    assert result.sume_chemical is not None and result.sume_chemical.below_range
    assert max(v for s in result.curve for v in s.pearson_mu.values()) < 0.05


def test_the_same_specimen_fails_with_the_atom_level_reference(oxide_atoms):
    # The check above can fail: treating the two O atoms of a CrO2 as independent draws flags the
    # random specimen (this was issue 12's report).
    result = run_analysis(dataclasses.replace(oxide_atoms, ions=None), OXIDE_SETTINGS)
    deficits_ok, null_edge, smallest_p = _verdicts(result)
    assert not deficits_ok
    assert null_edge > OXIDE_SETTINGS.sizes_nm[0]
    assert smallest_p < 0.01


def test_cation_only_elements_need_no_ion_draws(oxide_atoms):
    # Over the metals every ion holds one entropy atom, so the atom-level reference is exact.
    settings = dataclasses.replace(OXIDE_SETTINGS, elements=("Co", "Cr", "Fe", "Ni"))
    a = run_analysis(oxide_atoms, settings)
    b = run_analysis(dataclasses.replace(oxide_atoms, ions=None), settings)
    assert [s.S_null for s in a.curve] == pytest.approx([s.S_null for s in b.curve], abs=1e-12)


def test_molecular_shares_are_honoured():
    base = SynthParams(elements=("Co", "Cr", "Fe", "Ni"), fractions=(0.3, 0.1, 0.3, 0.3))
    params = with_molecular_ions(base, {"Cr": {"CrO": 0.25, "CrO2": 0.5}})
    fractions = dict(zip(params.elements, params.fractions))
    # Cr sites keep a quarter of their share; the molecular ions take the rest.
    assert params.impurities["CrO"] == pytest.approx(0.25 * 0.1)
    assert params.impurities["CrO2"] == pytest.approx(0.5 * 0.1)
    assert fractions["Cr"] * (1 - 0.075) == pytest.approx(0.025)


def test_a_compound_defaults_to_its_cations_with_a_note(oxide_atoms):
    settings = dataclasses.replace(OXIDE_SETTINGS, elements=None)
    result = run_analysis(oxide_atoms, settings)
    assert result.elements == ("Co", "Cr", "Fe", "Ni")
    assert result.elements_note is not None and "molecular ions with O" in result.elements_note
    # The user's choice is kept, and then there is nothing to explain.
    chosen = run_analysis(oxide_atoms, OXIDE_SETTINGS)
    assert chosen.elements == ("Co", "Cr", "Fe", "Ni", "O") and chosen.elements_note is None
    # Without molecular ions the 5 at.% rule is unchanged (O at ~10 % would be taken in).
    plain = run_analysis(dataclasses.replace(oxide_atoms, ions=None), settings)
    assert "O" in plain.elements and plain.elements_note is None


def test_cli_reports_the_cation_default(tmp_path, capsys):
    from hea_studio.cli import main
    from hea_studio.synth.output import write_specimen

    params = dataclasses.replace(cocrfeni_oxide_random(seed=2), shape=BoxShape((10.0, 10.0, 10.0)))
    pos, rrng, _ = write_specimen(generate(params), tmp_path / "ox")
    out = tmp_path / "a.json"
    code = main(
        [
            "analyze",
            str(pos),
            "--ranges",
            str(rrng),
            "--sizes",
            "1,2,3",
            "--bootstrap",
            "0",
            "--json",
            str(out),
        ]
    )
    assert code == 0
    data = json.loads(out.read_text())
    assert data["elements"] == ["Co", "Cr", "Fe", "Ni"]
    assert "cations" in data["elements_note"]
    assert "cations Co, Cr, Fe, Ni" in capsys.readouterr().out


def test_mixture_of_large_cubes_matches_the_per_cube_laws():
    table = IonNullTable(TYPES, ION_COUNTS, min_atoms=10)
    ms = np.array([130, 200, 201, 350, 1000])
    weights = np.array([3.0, 1.0, 2.0, 5.0, 1.0])
    length = 2 * 1000 + 1
    direct = sum(w * np.pad(table.count_pmf(4, int(m)), (0, length))[:length] for m, w in zip(ms, weights))
    np.testing.assert_allclose(table.expected_hist(4, ms, weights, length), direct, atol=1e-9)


def test_trace_molecular_impurities_leave_an_alloy_an_alloy():
    """An alloy whose range file holds a little CO and O2 (the demo) keeps its principal elements with no
    "compound" note; an oxide whose O would enter the principal elements gets the cations and the note."""
    from hea_studio.compute.lac.roi import default_elements

    alloy = {"Co": 2200, "Cu": 2650, "Fe": 2100, "Ni": 3040, "C": 4, "O": 6}
    assert default_elements(alloy, anions=("C", "O")) == (("Co", "Cu", "Fe", "Ni"), None)
    oxide = {"Co": 1000, "Cr": 900, "Fe": 1000, "Ni": 1100, "O": 2500}
    chosen, note = default_elements(oxide, anions=("O",))
    assert chosen == ("Co", "Cr", "Fe", "Ni") and note is not None and "cations" in note
