"""Project files round-trip, are written atomically, and reject bad files with a clear message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box, SubVolume
from hea_studio.core.project import ProjectState
from hea_studio.core.settings import AnalysisSettings, Lattice
from hea_studio.io.project.store import load_project, save_project


def _state() -> ProjectState:
    return ProjectState(
        ion_file="/data/run.pos",
        range_file="/data/run.rrng",
        subvolumes=[
            SubVolume("Box 1", Box((0, 0, 0), (10, 10, 10))),
            SubVolume("Grain 2", Box((-5, 1, 2), (3, 4, 40))),
        ],
        active=1,
        settings=AnalysisSettings(
            sizes_nm=(1.0, 2.0, 3.5),
            mode="paper",
            min_atoms=5,
            elements=("Co", "Ni"),
            lattice=Lattice("bcc", 0.287),
        ),
        colours={"Ni": (0.1, 0.2, 0.3)},
        hidden_species=["C"],
        last_analysis=json.dumps({"schema": "hea-studio/analysis/1"}),
    )


def test_round_trip(tmp_path: Path):
    path = tmp_path / "p.heaproj"
    save_project(path, _state())
    back = load_project(path)
    assert back == _state()


def test_overwrite_is_atomic_when_writing_fails(tmp_path: Path, monkeypatch):
    path = tmp_path / "p.heaproj"
    save_project(path, _state())
    before = path.read_bytes()

    import hea_studio.io.project.store as project

    def broken(_d):
        raise OSError("disk full")

    monkeypatch.setattr(project, "_settings_to_dict", broken)
    with pytest.raises(OSError):
        save_project(path, _state())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.heaproj"]


def test_bad_files_raise_input_error_naming_the_file(tmp_path: Path):
    junk = tmp_path / "junk.heaproj"
    junk.write_bytes(b"not hdf5 at all")
    with pytest.raises(InputError, match=r"junk\.heaproj"):
        load_project(junk)
    with pytest.raises(InputError, match="not found"):
        load_project(tmp_path / "missing.heaproj")


def test_settings_keep_the_sume_method_and_grid_shifts():
    from hea_studio.io.project.store import settings_from_json, settings_to_json

    s = AnalysisSettings(sume_method="tangent-free", grid_shifts=3)
    back = settings_from_json(settings_to_json(s))
    assert back.sume_method == "tangent-free" and back.grid_shifts == 3
    assert settings_from_json('{"sizes_nm": [1, 2]}').grid_shifts == AnalysisSettings().grid_shifts


def test_settings_keep_the_sublattices_and_their_preset():
    from hea_studio.core.sublattices import Sublattice
    from hea_studio.io.project.store import settings_from_json, settings_to_json

    subs = (Sublattice.parse("A:Mg,Fe:0.33:1"), Sublattice.parse("B:Fe:0.67,Cr:2"), Sublattice.parse("O:O:4"))
    s = AnalysisSettings(sublattices=subs)
    back = settings_from_json(settings_to_json(s))
    assert back.sublattices == subs and back.elements == ("Mg", "Fe", "Cr", "O")
    p = AnalysisSettings(sublattice_preset="spinel:A=Mg:B=Fe,Cr")
    assert settings_from_json(settings_to_json(p)).sublattice_preset == "spinel:A=Mg:B=Fe,Cr"
    with pytest.raises(InputError, match="unknown sublattice preset"):
        AnalysisSettings(sublattice_preset="fluorite")
