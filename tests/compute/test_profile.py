"""Composition profiles: counts per slab, binomial errors, the interface of a two-phase specimen, the CLI."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from compute_specimens import NAMES, two_phase_alloy

from hea_studio.cli import main
from hea_studio.compute.profile.slabs import composition_profile, interface_position
from hea_studio.core.atoms import AtomSet
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.progress import Cancelled
from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import write_pos, write_rrng

INTERFACE_Z = 11.3


@pytest.fixture(scope="module")
def two_phase() -> AtomSet:
    return two_phase_alloy(80_000, interface_z=INTERFACE_Z, seed=4)


def test_counts_equal_a_direct_count_of_every_slab(two_phase):
    box = Box((1.0, 2.0, 0.5), (9.0, 8.5, 23.0))
    prof = composition_profile(two_phase, box, "z", 0.7)
    pos, lab = two_phase.positions, two_phase.labels
    inside = box.contains(pos)
    assert prof.edges_nm[0] == 0.5 and prof.edges_nm[-1] == 23.0
    assert np.allclose(np.diff(prof.edges_nm)[:-1], 0.7)
    for i in (0, 7, len(prof.totals) - 1):
        lo, hi = prof.edges_nm[i], prof.edges_nm[i + 1]
        sel = inside & (pos[:, 2] >= lo) & (pos[:, 2] < hi)
        assert prof.counts[i].tolist() == np.bincount(lab[sel], minlength=4).tolist()
    assert prof.totals.sum() == inside.sum()
    p = prof.fractions
    assert np.allclose(p.sum(axis=1), 1.0)
    assert np.allclose(prof.errors, np.sqrt(p * (1 - p) / prof.totals[:, None]))


def test_cylinder_keeps_only_atoms_near_the_centre_line(two_phase):
    box = Box((0.0, 0.0, 0.0), (10.0, 10.0, 24.0))
    prof = composition_profile(two_phase, box, "z", 1.0, radius_nm=3.0)
    d = np.hypot(two_phase.positions[:, 0] - 5.0, two_phase.positions[:, 1] - 5.0)
    assert prof.totals.sum() == int((box.contains(two_phase.positions) & (d <= 3.0)).sum())
    # Area ratio: pi r^2 / 100 nm^2 of the box cross-section.
    full = composition_profile(two_phase, box, "z", 1.0)
    assert prof.totals.sum() / full.totals.sum() == pytest.approx(np.pi * 9 / 100, rel=0.05)


def test_interface_of_a_two_phase_specimen_found_within_1_nm(two_phase):
    box = Box((0.0, 0.0, 0.0), (10.0, 10.0, 24.0))
    prof = composition_profile(two_phase, box, "z", 0.5)
    for name in NAMES:
        pos = interface_position(prof, name)
        assert pos is not None and abs(pos - INTERFACE_Z) < 1.0, (name, pos)
    # Across the interface (along x) nothing changes: no interface is claimed.
    across = composition_profile(two_phase, Box((0.0, 0.0, 0.0), (10.0, 10.0, 10.0)), "x", 0.5)
    assert all(interface_position(across, n) is None for n in NAMES)


def test_bad_axis_bin_and_radius_are_input_errors(two_phase):
    box = Box((0.0, 0.0, 0.0), (10.0, 10.0, 24.0))
    for kwargs in ({"axis": "w"}, {"bin_nm": 0.0}, {"bin_nm": float("nan")}, {"radius_nm": -1.0}):
        with pytest.raises(InputError):
            composition_profile(two_phase, box, **{"axis": "z", "bin_nm": 0.5, **kwargs})


def test_cancel_stops_the_profile(two_phase):
    class Stop:
        def report(self, fraction, message=None):
            pass

        def cancelled(self):
            return True

    with pytest.raises(Cancelled):
        composition_profile(two_phase, Box((0.0, 0.0, 0.0), (10.0, 10.0, 24.0)), "z", 0.5, task=Stop())


@pytest.fixture(scope="module")
def two_phase_files(two_phase, tmp_path_factory):
    folder = tmp_path_factory.mktemp("twophase")
    peaks = {"Co": 29.45, "Cu": 31.45, "Fe": 27.95, "Ni": 28.95}
    rng = np.random.default_rng(1)
    mass = np.array([peaks[n] for n in NAMES])[two_phase.labels] + rng.uniform(0, 0.1, two_phase.n_atoms)
    write_pos(folder / "tp.pos", two_phase.positions.astype(np.float32), mass.astype(np.float32))
    write_rrng(folder / "tp.rrng", RangeTable([Range(m, m + 0.1, n, ((n, 1.0),)) for n, m in peaks.items()]))
    return folder


def test_cli_profile_writes_json_csv_plot_and_finds_the_interface(two_phase_files, capsys):
    f = two_phase_files
    code = main(
        [
            "profile", str(f / "tp.pos"), "--ranges", str(f / "tp.rrng"), "--roi", "0,0,0,10,10,24",
            "--axis", "z", "--bin", "0.5", "--json", str(f / "p.json"), "--csv", str(f / "p.csv"),
            "--plot", str(f / "p.png"),
        ]
    )  # fmt: skip
    assert code == 0
    data = json.loads((f / "p.json").read_text())
    assert data["axis"] == "z" and data["shape"] == "box" and data["bin_nm"] == 0.5
    assert len(data["slabs"]) == 48 and sorted(data["species"]) == sorted(NAMES)
    for name in NAMES:
        assert abs(data["interfaces_nm"][name] - INTERFACE_Z) < 1.0
    rows = list(csv.DictReader(io.StringIO((f / "p.csv").read_text())))
    assert len(rows) == 48
    assert float(rows[0]["fraction_Co"]) == pytest.approx(data["slabs"][0]["fraction"]["Co"])
    assert float(rows[0]["error_Co"]) == pytest.approx(data["slabs"][0]["error"]["Co"])
    assert (f / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "interface at z" in capsys.readouterr().out


def test_cli_profile_cylinder_json_to_stdout(two_phase_files, capsys):
    f = two_phase_files
    code = main(
        ["profile", str(f / "tp.pos"), "--ranges", str(f / "tp.rrng"), "--roi", "0,0,0,10,10,24",
         "--radius", "2.5", "--bin", "1", "--json", "-"]
    )  # fmt: skip
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["shape"] == "cylinder" and data["radius_nm"] == 2.5 and len(data["slabs"]) == 24


def test_cli_profile_bad_input_exits_2_in_one_line(two_phase_files, capsys):
    f = two_phase_files
    args = ["profile", str(f / "tp.pos"), "--ranges", str(f / "tp.rrng"), "--roi", "0,0,0,10,10,24"]
    assert main([*args, "--bin", "-1"]) == 2
    assert main([*args, "--json", str(f / "missing" / "p.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "bin width" in err[0] and "does not exist" in err[1]
