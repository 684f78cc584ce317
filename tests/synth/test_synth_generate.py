"""The generator: composition, efficiency, clusters, field, shape and determinism."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest

from hea_studio.core.errors import InputError
from hea_studio.core.settings import Lattice
from hea_studio.synth import BoxShape, ClusterSpec, FieldSpec, Instrument, SynthParams, TipShape, generate

ELEMENTS = ("Co", "Cu", "Fe", "Ni")
FRACTIONS = (0.219, 0.267, 0.208, 0.306)


def _box(edge=12.0, **kw) -> SynthParams:
    return SynthParams(elements=ELEMENTS, fractions=FRACTIONS, shape=BoxShape((edge, edge, edge)), **kw)


def _alloy_fractions(specimen, elements=ELEMENTS):
    lab = specimen.ion_species
    counts = np.bincount(lab[(lab >= 0) & (lab < len(elements))], minlength=len(elements))
    return counts / counts.sum(), counts.sum()


@pytest.fixture(scope="module")
def clustered():
    """A box with Ni-Cu clusters, a field, impurities and background."""
    return generate(
        _box(
            14.0,
            clusters=ClusterSpec(1.3, 0.02, {"Ni": 0.55, "Cu": 0.45}),
            field=FieldSpec(1.5, 0.5, {"Ni": 1.0, "Cu": 1.0, "Co": -1.0, "Fe": -1.0}),
            impurities={"C": 0.003, "O": 0.004, "CO": 0.0005, "O2": 0.0005},
            seed=5,
        )
    )


def test_random_solid_solution_matches_requested_fractions_within_counting_error():
    s = generate(_box(seed=1))
    x, n = _alloy_fractions(s)
    sigma = np.sqrt(np.array(FRACTIONS) * (1 - np.array(FRACTIONS)) / n)
    assert np.all(np.abs(x - FRACTIONS) < 4 * sigma), (x, FRACTIONS)
    assert s.truth["cluster_count"] == 0 and s.ions.format == "synthetic"


def test_heterogeneous_bulk_still_matches_requested_fractions(clustered):
    # Clusters take their Ni and Cu from the matrix and the field only moves atoms around, so the
    # bulk stays at the request (all atoms: tighter than counting error of detected ions).
    x_all = np.array([clustered.truth["alloy_fractions"][e] for e in ELEMENTS])
    n_all = sum(clustered.truth["atom_counts"][e] for e in ELEMENTS)
    sigma = np.sqrt(np.array(FRACTIONS) * (1 - np.array(FRACTIONS)) / n_all)
    # Allow twice the counting error of a random draw: clusters and field add sample variance.
    assert np.all(np.abs(x_all - FRACTIONS) < 8 * sigma), (x_all, FRACTIONS)
    x_det, _ = _alloy_fractions(clustered)
    assert np.all(np.abs(x_det - FRACTIONS) < 0.01)


def test_detected_fraction_matches_efficiency():
    for eff in (0.37, 0.8):
        # No blur: every detected atom stays inside, so detected / atoms is a pure Bernoulli ratio.
        inst = Instrument(efficiency=eff, background_fraction=0.0, blur_lateral_nm=0.0, blur_depth_nm=0.0)
        s = generate(_box(10.0, instrument=inst, seed=2))
        n_sites = s.truth["site_count"]
        detected = int((s.ion_species >= 0).sum())
        sigma = np.sqrt(eff * (1 - eff) / n_sites)
        assert abs(detected / n_sites - eff) < 4 * sigma, (detected / n_sites, eff)
        assert s.n_ions == detected
    # With blur, ions cross the faces both ways; a whole lattice plane more or less inside the box
    # is the only difference (1 plane of ~56 per edge here).
    s = generate(_box(10.0, instrument=Instrument(efficiency=0.37, background_fraction=0.0), seed=2))
    assert abs(s.truth["detected_fraction"] - 0.37) < 0.37 * 0.025


def test_background_share_and_impurities(clustered):
    bg = np.mean(clustered.ion_species < 0)
    assert abs(bg - 0.01) < 0.002
    counts = clustered.truth["detected_atom_counts"]
    assert counts["C"] > 0 and counts["O"] > counts["C"]
    # O2 ions carry two O atoms, CO one C and one O: the ground truth decomposes them.
    ions = clustered.truth["detected_ion_counts"]
    assert counts["O"] == ions["O"] + ions["CO"] + 2 * ions["O2"]


def test_clusters_sit_where_the_ground_truth_says(clustered):
    centres, radii = clustered.cluster_centres, clustered.cluster_radii
    assert len(centres) == clustered.truth["cluster_count"] > 10
    pos = clustered.ions.positions.astype(np.float64)
    lab = clustered.ion_species
    d2 = np.min(np.sum((pos[:, None, :] - centres[None, :, :]) ** 2, axis=-1) / radii**2, axis=1)
    metal = (lab >= 0) & (lab < 4)
    ni_cu = np.isin(lab, [ELEMENTS.index("Ni"), ELEMENTS.index("Cu")])
    core = metal & (d2 < 0.5**2)  # well inside, where blur barely mixes in the matrix
    far = metal & (d2 > 2.0**2)
    inside_share = ni_cu[core].mean()
    outside_share = ni_cu[far].mean()
    assert core.sum() > 500
    assert inside_share > 0.9, inside_share
    assert outside_share < 0.573 - 0.03, outside_share  # bulk Ni+Cu is 0.573
    # Clusters do not overlap.
    dc = np.sqrt(np.sum((centres[:, None] - centres[None]) ** 2, axis=-1))
    np.fill_diagonal(dc, np.inf)
    assert np.all(dc >= radii[:, None] + radii[None, :] - 1e-9)


def test_field_makes_ni_and_cu_vary_together_at_its_length_scale():
    s = generate(
        _box(16.0, field=FieldSpec(2.0, 0.8, {"Ni": 1.0, "Cu": 1.0, "Co": -1.0, "Fe": -1.0}), seed=3)
    )
    r = generate(_box(16.0, seed=3))

    def ni_cu_spread(spec):
        pos, lab = spec.ions.positions, spec.ion_species
        cell = np.floor(pos / 2.0).astype(int)
        ids = (cell[:, 0] * 8 + cell[:, 1]) * 8 + cell[:, 2]
        ok = (lab >= 0) & (lab < 4)
        n = np.bincount(ids[ok], minlength=512)
        k = np.bincount(ids[ok], weights=np.isin(lab[ok], [1, 3]), minlength=512)
        keep = n > 50
        return np.std(k[keep] / n[keep])

    # A random alloy at ~250 ions per 2 nm cube spreads by ~0.03; the field adds far more.
    assert ni_cu_spread(s) > 2 * ni_cu_spread(r)


def test_same_seed_same_bytes_and_other_seed_differs():
    p = _box(8.0, clusters=ClusterSpec(1.0, 0.02, {"Ni": 0.6, "Cu": 0.4}), impurities={"O": 0.01}, seed=11)
    a, b = generate(p), generate(p)
    assert a.ions.positions.tobytes() == b.ions.positions.tobytes()
    assert a.ions.mass.tobytes() == b.ions.mass.tobytes()
    assert a.ion_species.tobytes() == b.ion_species.tobytes()
    c = generate(replace(p, seed=12))
    assert a.ions.mass.tobytes() != c.ions.mass.tobytes()
    assert SynthParams.from_dict(p.to_dict()) == p


def test_tip_has_no_ions_outside_the_cone_and_is_sorted_by_depth():
    tip = TipShape(end_radius_nm=8.0, shank_angle_deg=12.0, length_nm=20.0)
    s = generate(SynthParams(elements=ELEMENTS, fractions=FRACTIONS, shape=tip, seed=4))
    pos = s.ions.positions.astype(np.float64)
    rho = np.hypot(pos[:, 0], pos[:, 1])
    assert np.all(rho < tip.radius_at(pos[:, 2]))
    assert pos[:, 2].min() >= 0 and pos[:, 2].max() <= tip.length_nm
    assert np.all(np.diff(pos[:, 2]) >= 0)
    # The tip is filled: ions reach close to the surface everywhere along the shank.
    deep = pos[:, 2] > 15
    assert np.max(rho[deep] / tip.radius_at(pos[deep, 2])) > 0.98


@pytest.mark.parametrize("structure", ["bcc", "hcp"])
def test_other_lattices_generate(structure):
    s = generate(
        SynthParams(
            elements=("Al", "Ti", "V"),
            fractions=(0.1, 0.85, 0.05),
            lattice=Lattice(structure, 0.3),
            shape=BoxShape((6.0, 6.0, 6.0)),
            seed=1,
        )
    )
    x, n = _alloy_fractions(s, ("Al", "Ti", "V"))
    assert n > 1000 and abs(x[1] - 0.85) < 0.03


def test_bad_parameters_are_input_errors():
    with pytest.raises(InputError):
        SynthParams(elements=("Co", "Xx"), fractions=(0.5, 0.5))
    with pytest.raises(InputError):
        SynthParams(elements=("Co", "Ni"), fractions=(0.5,))
    with pytest.raises(InputError):
        SynthParams(elements=("Co", "Ni"), fractions=(0.5, 0.5), clusters=ClusterSpec(1.0, 0.01, {"Cu": 1.0}))
    with pytest.raises(InputError):
        Instrument(efficiency=1.5)
    # Clusters that would need more Fe than the alloy has (28 % of the volume of pure Fe).
    with pytest.raises(InputError, match="more Fe"):
        generate(_box(12.0, clusters=ClusterSpec(1.5, 0.02, {"Fe": 1.0}, radius_spread=0.0), seed=0))
    # Clusters that cannot be packed.
    with pytest.raises(InputError, match="overlap"):
        generate(_box(8.0, clusters=ClusterSpec(1.5, 0.05, {"Ni": 1.0}), seed=0))


def test_progress_is_reported_and_cancellation_stops_generation():
    from hea_studio.core.progress import Cancelled, SimpleTaskState

    seen = []
    task = SimpleTaskState(on_progress=lambda f, m: seen.append(f))
    generate(_box(6.0, seed=1), task)
    assert seen and seen[-1] == 1.0 and all(b >= a for a, b in pairwise(seen))
    task = SimpleTaskState()
    task.cancel()
    with pytest.raises(Cancelled):
        generate(_box(6.0, seed=1), task)
