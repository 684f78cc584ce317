"""``analyze --nexus``: the NeXus file reads back with h5py, its NXdata attributes are valid, values match JSON."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from compute_specimens import random_alloy

from hea_studio.cli import main
from hea_studio.compute.analysis import run_analysis
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.settings import AnalysisSettings
from hea_studio.io.exports.nexus import DEFINITION, NXDL_PATH, write_nexus

ISO_8601 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _text(ds) -> str:
    v = ds[()]
    return v.decode() if isinstance(v, bytes) else str(v)


def _check_nxdata(group: h5py.Group) -> None:
    """The NXdata rules NeXus readers rely on: signal names a dataset, every axis exists and fits it."""
    assert group.attrs["NX_class"] == "NXdata"
    signal = group.attrs["signal"]
    assert signal in group
    shape = group[signal].shape
    axes = group.attrs["axes"]
    axes = [axes] if isinstance(axes, str) else list(axes)
    for i, axis in enumerate(axes):
        assert axis in group and group[axis].shape == (shape[i],)
        assert group.attrs[f"{axis}_indices"] == i
    assert group["size_nm"].attrs["units"] == "nm"
    for aux in group.attrs.get("auxiliary_signals", []):
        assert aux in group and group[aux].shape == shape
    if f"{signal}_errors" in group:
        assert group[f"{signal}_errors"].shape == shape


def _numbers_without_units(f: h5py.File) -> list[str]:
    """Every numeric dataset lacking a ``units`` attribute (booleans and sequence indices excepted)."""
    missing: list[str] = []

    def visit(name, obj):
        numeric = isinstance(obj, h5py.Dataset) and obj.dtype.kind in "iuf"
        if numeric and "units" not in obj.attrs and not name.endswith("sequence_index"):
            missing.append(name)

    f.visititems(visit)
    return missing


def pynxtools_check(path) -> tuple[bool, str]:
    """Validate ``path`` with pynxtools against the shipped NXDL (in a process of its own)."""
    script = Path(__file__).with_name("nexus_validation.py")
    out = subprocess.run(
        [sys.executable, str(script), str(path), str(NXDL_PATH)], capture_output=True, text=True, check=True
    ).stdout
    return "\nVALID" in "\n" + out, out


@pytest.fixture(scope="module")
def analysed(specimen, tmp_path_factory):
    out = tmp_path_factory.mktemp("nx")
    code = main(
        [
            "analyze", str(specimen / "s.pos"), "--ranges", str(specimen / "s.rrng"), "--sizes", "0.5:4:0.5",
            "--roi", "0,0,0,12,12,12", "--bootstrap", "20", "--json", str(out / "a.json"),
            "--nexus", str(out / "a.nxs"), "--lattice", "fcc:0.3583",
        ]
    )  # fmt: skip
    assert code == 0
    return out, json.loads((out / "a.json").read_text())


def test_nexus_reads_back_with_valid_nxdata(analysed, specimen):
    out, data = analysed
    with h5py.File(out / "a.nxs", "r") as f:
        assert f.attrs["NX_class"] == "NXroot" and f.attrs["default"] == "entry"
        assert ISO_8601.match(f.attrs["file_time"])
        entry = f["entry"]
        assert entry.attrs["NX_class"] == "NXentry"
        assert _text(entry["definition"]) == DEFINITION
        assert entry["definition"].attrs["version"] == data["schema"]
        assert ISO_8601.match(_text(entry["start_time"])) and ISO_8601.match(_text(entry["end_time"]))
        assert entry.attrs["default"] == "entropy" and entry["entropy"].attrs["default"] == "curve"
        process = entry["entropy"]
        assert process.attrs["NX_class"] == "NXprocess" and _text(process["program"]) == "hea-studio"
        assert ISO_8601.match(_text(process["date"]))
        curve = process["curve"]
        _check_nxdata(curve)
        _check_nxdata(process["concentration"])
        assert curve.attrs["signal"] == "S_mean" and curve["S_mean"].attrs["units"] == "R"
        assert np.allclose(curve["size_nm"][()], [c["size_nm"] for c in data["curve"]])
        assert np.allclose(curve["S_mean"][()], [c["S_mean"] for c in data["curve"]])
        assert np.allclose(curve["S_null"][()], [c["S_null"] for c in data["curve"]])
        assert np.allclose(curve["S_mean_errors"][()], [c["S_sem"] for c in data["curve"]])
        assert list(curve["n_cubes"][()]) == [c["n_cubes"] for c in data["curve"]]
        conc = process["concentration"]
        ni = [e.decode() for e in conc["element"][()]].index("Ni")
        assert np.allclose(conc["conc_std"][:, ni], [c["conc_std"]["Ni"] for c in data["curve"]])
        assert list(process["roi_max"][()]) == [12, 12, 12] and process["roi_min"].attrs["units"] == "nm"
        assert _text(process["elements"]) == ",".join(data["elements"])
        assert process["entropy_bulk"][()] == pytest.approx(data["bulk"]["S_R"])
        # Input files as NXnote: checksum + algorithm.
        notes = {
            _text(g["file_name"]).rsplit("/", 1)[-1]: g for k, g in entry.items() if k.startswith("input_")
        }
        assert (
            _text(notes["s.pos"]["checksum"]) == hashlib.sha256((specimen / "s.pos").read_bytes()).hexdigest()
        )
        assert (
            _text(notes["s.pos"]["algorithm"]) == "sha256"
            and _text(notes["s.pos"]["type"]) == "reconstruction"
        )
        assert _text(notes["s.rrng"]["type"]) == "ranging"
        config = entry["config"]
        text = _text(config["data"])
        assert _text(config["checksum"]) == hashlib.sha256(text.encode()).hexdigest()
        assert json.loads(text)["bootstrap"] == 20
        # The SUME with its method and interval as fields of their own, in nm, with unit cells: the
        # random specimen's headline is a bound ("random down to"), its apparent SUME an estimate.
        sume = entry["sume"]
        assert _text(sume["method"]) == data["sume"]["method"] and bool(sume["determined"][()])
        assert data["sume"]["below_range"] and "edge" not in sume
        assert sume["at_most"][()] == pytest.approx(data["sume"]["at_most_nm"]) and bool(
            sume["below_range"][()]
        )
        app = entry["sume_apparent"]
        edge = data["sume_apparent"]["edge_nm"]
        assert app["edge"][()] == pytest.approx(edge) and app["edge"].attrs["units"] == "nm"
        assert list(app["ci95"][()]) == pytest.approx(data["sume_apparent"]["ci95_nm"])
        assert app["unit_cells"][()] == pytest.approx(data["sume_apparent"]["unit_cells"])
        assert "sume_null" in entry and _text(entry["sume_null/method"]) == "null-corrected"
        # Units on every number.
        assert _numbers_without_units(f) == []
        assert json.loads(_text(entry["analysis_json/data"])) == data


@pytest.mark.slow
def test_pynxtools_validates_the_file_against_the_shipped_definition(analysed, tmp_path):
    out, _ = analysed
    valid, report = pynxtools_check(out / "a.nxs")
    assert valid, report
    assert "entries 1" in report
    # The check bites: a SUME method outside the definition's list and a time without its colon fail.
    bad = tmp_path / "bad.nxs"
    shutil.copy(out / "a.nxs", bad)
    with h5py.File(bad, "a") as f:
        del f["entry/sume/method"], f["entry/start_time"]
        f["entry/sume/method"] = "by eye"
        f["entry/start_time"] = "2026-12-06T02:00:00+0000"
    valid, report = pynxtools_check(bad)
    assert not valid and "sume/method" in report and "start_time" in report


def test_nexusformat_finds_no_errors_and_the_nxdl_is_valid_nxdl(analysed):
    from lxml import etree
    from nexusformat.nexus.validate import validate_file

    out, _ = analysed
    _warnings, errors = validate_file(str(out / "a.nxs"))
    assert errors == 0
    import pynxtools

    xsd = Path(pynxtools.__file__).parent / "definitions" / "nxdl.xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    assert schema.validate(etree.parse(str(NXDL_PATH))), schema.error_log


def test_several_results_become_numbered_entries(tmp_path):
    atoms = random_alloy(20_000, seed=2)
    s = AnalysisSettings(sizes_nm=(0.5, 1.0, 1.5, 2.0), bootstrap=0)
    a = run_analysis(atoms, s, Box((0, 0, 0), (4, 8, 8)))
    b = run_analysis(atoms, s, Box((4, 0, 0), (8, 8, 8)))
    path = write_nexus(tmp_path / "two.nxs", [("left", a), ("right", b)])
    with h5py.File(path, "r") as f:
        assert f.attrs["default"] == "entry_1"
        assert _text(f["entry_1/title"]) == "left" and _text(f["entry_2/title"]) == "right"
        for name in ("entry_1", "entry_2"):
            _check_nxdata(f[name]["entropy/curve"])
        assert np.allclose(f["entry_2/entropy/curve/S_mean"][()], [c.S_mean for c in b.curve])
    with pytest.raises(InputError):
        write_nexus(tmp_path / "none.nxs", [])


def test_nexus_to_a_missing_folder_fails_before_the_analysis(specimen, tmp_path, capsys):
    code = main(
        ["analyze", str(specimen / "s.pos"), "--ranges", str(specimen / "s.rrng"),
         "--nexus", str(tmp_path / "no" / "a.nxs")]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not exist" in err[0]
