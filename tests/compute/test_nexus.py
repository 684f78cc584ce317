"""``analyze --nexus``: the NeXus file reads back with h5py, its NXdata attributes are valid, values match JSON."""

from __future__ import annotations

import hashlib
import json

import h5py
import numpy as np
import pytest
from compute_specimens import random_alloy
from test_cli_analyze import specimen  # noqa: F401  (the module-scoped 12 nm random alloy files)

from hea_studio.cli import main
from hea_studio.compute.analysis import run_analysis
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.settings import AnalysisSettings
from hea_studio.io.exports.nexus import write_nexus


def _text(ds) -> str:
    v = ds[()]
    return v.decode() if isinstance(v, bytes) else str(v)


def _check_nxdata(group: h5py.Group) -> None:
    """The NXdata rules NeXus readers rely on: signal names a dataset, every axis exists and fits it."""
    assert group.attrs["NX_class"] == "NXdata"
    signal = group.attrs["signal"]
    assert signal in group
    n = group[signal].shape[0]
    for axis in group.attrs["axes"]:
        assert axis in group and group[axis].shape == (n,)
        assert group.attrs[f"{axis}_indices"] == 0
        assert group[axis].attrs["units"] == "nm"
    for aux in group.attrs.get("auxiliary_signals", []):
        assert aux in group and group[aux].shape == (n,)
    if f"{signal}_errors" in group:
        assert group[f"{signal}_errors"].shape == (n,)


@pytest.fixture(scope="module")
def analysed(specimen, tmp_path_factory):  # noqa: F811
    out = tmp_path_factory.mktemp("nx")
    code = main(
        [
            "analyze", str(specimen / "s.pos"), "--ranges", str(specimen / "s.rrng"), "--sizes", "0.5:4:0.5",
            "--roi", "0,0,0,12,12,12", "--bootstrap", "20", "--json", str(out / "a.json"),
            "--nexus", str(out / "a.nxs"),
        ]
    )  # fmt: skip
    assert code == 0
    return out, json.loads((out / "a.json").read_text())


def test_nexus_reads_back_with_valid_nxdata(analysed, specimen):  # noqa: F811
    out, data = analysed
    with h5py.File(out / "a.nxs", "r") as f:
        assert f.attrs["NX_class"] == "NXroot" and f.attrs["default"] == "entry"
        entry = f["entry"]
        assert entry.attrs["NX_class"] == "NXentry"
        assert entry.attrs["default"] in entry
        curve = entry["entropy_curve"]
        _check_nxdata(curve)
        _check_nxdata(entry["concentration"])
        assert curve.attrs["signal"] == "S_mean" and curve["S_mean"].attrs["units"] == "R"
        assert np.allclose(curve["size_nm"][()], [c["size_nm"] for c in data["curve"]])
        assert np.allclose(curve["S_mean"][()], [c["S_mean"] for c in data["curve"]])
        assert np.allclose(curve["S_null"][()], [c["S_null"] for c in data["curve"]])
        assert np.allclose(curve["S_mean_errors"][()], [c["S_sem"] for c in data["curve"]])
        assert np.allclose(entry["concentration/std_Ni"][()], [c["conc_std"]["Ni"] for c in data["curve"]])
        process = entry["process"]
        assert process.attrs["NX_class"] == "NXprocess" and _text(process["program"]) == "hea-studio"
        assert process["parameters"].attrs["NX_class"] == "NXparameters"
        assert list(process["parameters/roi_nm"][()]) == [0, 0, 0, 12, 12, 12]
        assert process["parameters/roi_nm"].attrs["units"] == "nm"
        assert [e.decode() for e in process["parameters/elements"][()]] == data["elements"]
        sha = {
            _text(n["file_name"]).rsplit("/", 1)[-1]: _text(n["sha256"])
            for n in process["input_files"].values()
        }
        assert sha["s.pos"] == hashlib.sha256((specimen / "s.pos").read_bytes()).hexdigest()
        assert "s.rrng" in sha
        results = entry["results"]
        assert results["bulk/S_R"][()] == pytest.approx(data["bulk"]["S_R"])
        assert results["bulk/S_J_per_molK"].attrs["units"] == "J/(mol K)"
        if data["sume"] is not None:
            assert results["sume/edge_nm"][()] == pytest.approx(data["sume"]["edge_nm"])
            assert results["sume/edge_nm"].attrs["units"] == "nm"
        assert json.loads(_text(entry["analysis_json/data"])) == data


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
            _check_nxdata(f[name]["entropy_curve"])
        assert np.allclose(f["entry_2/entropy_curve/S_mean"][()], [c.S_mean for c in b.curve])
    with pytest.raises(InputError):
        write_nexus(tmp_path / "none.nxs", [])


def test_nexus_to_a_missing_folder_fails_before_the_analysis(specimen, tmp_path, capsys):  # noqa: F811
    code = main(
        ["analyze", str(specimen / "s.pos"), "--ranges", str(specimen / "s.rrng"),
         "--nexus", str(tmp_path / "no" / "a.nxs")]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not exist" in err[0]
