"""Ranging the open ions anew (the spectrum dock's edits), without a window."""

from __future__ import annotations

import numpy as np

from hea_studio.compute.dataset import load_dataset
from hea_studio.compute.spectrum.jobs import rerange, run_spectrum
from hea_studio.core.geometry import Box
from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import write_pos, write_rrng


def _files(tmp_path):
    rng = np.random.default_rng(1)
    n = 20_000
    positions = rng.uniform(0.0, 10.0, (n, 3))
    centres = np.array([55.93, 57.94, 58.93, 62.93])
    mass = centres[rng.integers(0, 4, n)] + rng.normal(0.0, 0.03, n)
    write_pos(tmp_path / "r.pos", positions, mass)
    table = RangeTable(
        [Range(c - 0.3, c + 0.3, e, ((e, 1.0),)) for c, e in zip(centres, ("Fe", "Ni", "Co", "Cu"))]
    )
    write_rrng(tmp_path / "r.rrng", table)
    return tmp_path / "r.pos", tmp_path / "r.rrng"


def test_rerange_rebuilds_atoms_display_sample_and_fit_check(tmp_path):
    pos, rrng = _files(tmp_path)
    dataset = load_dataset(pos, rrng)
    assert dataset.atoms.names == ("Fe", "Ni", "Co", "Cu")
    # Every range holds its peak; only the isotope check objects: these made-up Fe, Ni and Cu peaks
    # have no isotope partners (Co has one isotope).
    assert [w.split(":")[1].split()[1] for w in dataset.fit_warnings] == ["Fe", "Ni", "Cu"]
    assert all("isotope ratios do not fit" in w for w in dataset.fit_warnings)
    only_co = RangeTable([Range(58.6, 59.2, "Co", (("Co", 1.0),)), Range(80.0, 81.0, "Zn", (("Zn", 1.0),))])
    again = rerange(dataset, only_co)
    assert again.atoms.names == ("Co", "Zn") or again.atoms.names == ("Co",)
    # The 3D view's sample carries the new labels (it was the old four species' before).
    assert again.display is not None and int(again.display.labels.max()) < len(again.atoms.names)
    assert again.display.species_counts.sum() == again.atoms.n_atoms
    assert again.n_unranged == dataset.n_ions - again.atoms.n_atoms
    assert again.default_box == dataset.default_box and again.maps is dataset.maps
    assert any("Zn" in w for w in again.fit_warnings)  # a range on an empty region
    # No range claiming any ion: the run waits for ranges again.
    empty = rerange(dataset, RangeTable([Range(90.0, 91.0, "Zn", (("Zn", 1.0),))]))
    assert empty.waiting_for_ranges and empty.atoms.names == ("unranged",)
    assert int(empty.display.labels.max()) == 0


def test_spectrum_of_a_box_counts_only_its_ions(tmp_path):
    pos, rrng = _files(tmp_path)
    dataset = load_dataset(pos, rrng)
    half = Box((0.0, 0.0, 0.0), (5.0, 10.0, 10.0))
    whole = run_spectrum(dataset.ions, 0.01)
    part = run_spectrum(dataset.ions, 0.01, half)
    inside = np.count_nonzero(np.asarray(dataset.ions.positions)[:, 0] < 5.0)
    assert part.n_ions == inside and part.counts.sum() == inside
    assert part.n_bins == whole.n_bins and np.all(part.counts <= whole.counts)
