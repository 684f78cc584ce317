"""Writing a specimen and reading it back through the io layer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hea_studio.io import load_ions, load_ranges, to_atoms
from hea_studio.io.ranges.ranging import assign_species
from hea_studio.synth import BoxShape, ClusterSpec, SynthParams, generate
from hea_studio.synth.output import write_specimen

PARAMS = SynthParams(
    elements=("Co", "Cr", "Fe", "Ni", "Mn"),
    fractions=(0.22, 0.18, 0.22, 0.28, 0.10),
    shape=BoxShape((9.0, 9.0, 9.0)),
    clusters=ClusterSpec(1.0, 0.02, {"Ni": 0.6, "Mn": 0.4}),
    impurities={"C": 0.003, "O": 0.004, "CO": 0.0005, "O2": 0.0005},
    seed=9,
)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    spec = generate(PARAMS)
    paths = write_specimen(spec, tmp_path_factory.mktemp("synth") / "spec")
    return spec, paths


def test_files_read_back_exactly(written):
    spec, (pos, rrng, meta) = written
    ions = load_ions(pos)
    assert ions.n_ions == spec.n_ions
    assert np.array_equal(np.asarray(ions.positions, dtype=np.float32), spec.ions.positions)
    assert np.array_equal(np.asarray(ions.mass, dtype=np.float32), spec.ions.mass)
    table = load_ranges(rrng)
    assert [(r.lo, r.hi, r.ion) for r in table.ranges] == [(r.lo, r.hi, r.ion) for r in spec.ranges.ranges]
    doc = json.loads(meta.read_text())
    assert SynthParams.from_dict(doc["params"]) == PARAMS
    assert doc["truth"]["cluster_count"] == len(doc["clusters"]) == len(spec.cluster_centres) > 0
    assert not list(pos.parent.glob("*.tmp-*")), "temporary files left behind"


def test_range_file_assigns_ions_to_their_true_species(written):
    spec, (pos, rrng, _) = written
    table = load_ranges(rrng)
    ions = load_ions(pos)
    got, names = assign_species(ions.mass, table)
    truth = spec.ion_species
    real = truth >= 0
    # Map ranged species names to the generator's species (same names, both formulas).
    lut = np.array([spec.species.index(n) if n in spec.species else -2 for n in names] + [-1])
    mapped = lut[got]
    alloy = real & (truth < len(PARAMS.elements))
    assert np.mean(mapped[alloy] == truth[alloy]) > 0.97
    # The generator's own account of the ranging agrees with the io layer's.
    own = spec.truth["ranging"]["correct_fraction_of_real_ions"]
    assert abs(own - np.mean(mapped[real] == truth[real])) < 1e-12
    # Decomposed atom counts of the alloy elements match the truth within 4 % each: the worst is
    # Cr, whose 54Cr (2.4 %) coincides with 54Fe and goes to Fe, as in real CoCrFeNi spectra.
    atoms = to_atoms(ions, table).counts()
    detected = spec.truth["detected_atom_counts"]
    for element in PARAMS.elements:
        assert abs(atoms[element] - detected[element]) / detected[element] < 0.04, element


def test_same_seed_writes_identical_bytes(written, tmp_path):
    _, first = written
    second = write_specimen(generate(PARAMS), tmp_path / "again")
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.suffix
