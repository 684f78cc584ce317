"""``analyze MAP --nexus`` on the real Bruker TEM map: validated against the shipped map definition."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import h5py
import pytest

from hea_studio.cli import main
from hea_studio.io.exports.nexus_maps import MAP_DEFINITION, MAP_NXDL_PATH

VALIDATOR = Path(__file__).resolve().parents[1] / "cli" / "nexus_validation.py"


def _text(ds) -> str:
    v = ds[()]
    return v.decode() if isinstance(v, bytes) else str(v)


@pytest.fixture(scope="module")
def tem_map(real, tmp_path_factory):
    out = tmp_path_factory.mktemp("map-nexus")
    src = real / "hyperspy_rosettasciio" / "test_TEM.bcf"
    code = main(["analyze", str(src), "--bootstrap", "20", "--json", str(out / "m.json"),
                 "--nexus", str(out / "m.nxs"), "-q"])  # fmt: skip
    assert code == 0
    return out, json.loads((out / "m.json").read_text())


def test_map_nexus_holds_the_curve_and_both_sumes(tem_map):
    out, data = tem_map
    with h5py.File(out / "m.nxs", "r") as f:
        entry = f["entry"]
        assert _text(entry["definition"]) == MAP_DEFINITION
        assert entry["specimen/thickness"][()] == pytest.approx(data["thickness_nm"])
        curve = entry["entropy/curve"]
        assert list(curve["size_nm"][()]) == pytest.approx([r["size_nm"] for r in data["curve"]])
        sem = [float("nan") if r["S_sem"] is None else r["S_sem"] for r in data["curve"]]
        assert list(curve["S_mean_errors"][()]) == pytest.approx(sem, nan_ok=True)
        assert _text(entry["entropy/lines"]) == ",".join(data["lines"][e] for e in data["elements"])
        for name in ("sume", "sume_3d_equivalent"):
            sume, group = data[name], entry[name]
            assert _text(group["method"]) == sume["method"]
            for key, field in (("edge_nm", "edge"), ("at_most_nm", "at_most"), ("at_least_nm", "at_least")):
                if sume.get(key) is not None:
                    assert (
                        group[field][()] == pytest.approx(sume[key]) and group[field].attrs["units"] == "nm"
                    )
        assert _text(entry["input_1/algorithm"]) == "sha256" and len(_text(entry["input_1/checksum"])) == 64
        missing = []
        f.visititems(
            lambda n, o: missing.append(n)
            if isinstance(o, h5py.Dataset) and o.dtype.kind in "iuf" and "units" not in o.attrs
            and not n.endswith("sequence_index") else None
        )  # fmt: skip
        assert missing == []


def test_map_nexus_validates_with_pynxtools_and_nexusformat(tem_map):
    from nexusformat.nexus.validate import validate_file

    out, _ = tem_map
    report = subprocess.run(
        [sys.executable, str(VALIDATOR), str(out / "m.nxs"), str(MAP_NXDL_PATH)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "\nVALID" in "\n" + report, report
    assert validate_file(str(out / "m.nxs"))[1] == 0
