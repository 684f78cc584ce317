"""``hea-studio local`` end to end on files written with the io package."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hea_studio.cli import main
from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import write_pos, write_rrng

SPECIES = [("Fe", 27.95), ("Ni", 28.95), ("Co", 29.45), ("Cu", 31.45)]


@pytest.fixture(scope="module")
def layered(tmp_path_factory):
    """Alternating 2 nm layers of FeNi and CoCu: random inside a layer, separated across them."""
    rng = np.random.default_rng(1)
    n = 40_000
    pos = rng.uniform(0.0, 11.0, (n, 3)).astype(np.float32)
    layer = (pos[:, 2] // 2.0).astype(int) % 2
    which = 2 * layer + rng.integers(0, 2, n)
    mass = np.array([m for _, m in SPECIES])[which] + rng.uniform(0.0, 0.1, n)
    folder = tmp_path_factory.mktemp("layered")
    write_pos(folder / "l.pos", pos, mass.astype(np.float32))
    write_rrng(folder / "l.rrng", RangeTable([Range(m, m + 0.1, e, ((e, 1.0),)) for e, m in SPECIES]))
    return folder


def test_local_writes_json_and_csv(layered, capsys):
    out = layered / "local.json"
    code = main(
        [
            "local", str(layered / "l.pos"), "--ranges", str(layered / "l.rrng"), "--roi", "0,0,0,11,11,11",
            "--k", "13,100", "--centres", "2000", "--json", str(out), "--csv", str(layered / "local.csv"),
        ]
    )  # fmt: skip
    assert code == 0
    data = json.loads(out.read_text())
    assert data["schema"] == "hea-studio/local-entropy/1" and data["n_centres"] == 2000
    assert sorted(data["elements"]) == ["Co", "Cu", "Fe", "Ni"]
    small, large = data["points"]
    # Thin neighbourhoods sit inside one layer (two elements, ~ln 2); the bulk mixes all four.
    assert small["S_mean"] < 0.85 and data["bulk"]["S_R"] > 1.35
    assert small["deficit"] > 0.3 and large["deficit"] < small["deficit"]
    rows = (layered / "local.csv").read_text().splitlines()
    assert rows[0].startswith("k,radius_nm") and len(rows) == 3
    printed = capsys.readouterr().out
    assert "deficit" in printed and "2000 centres" in printed


def test_local_json_to_stdout_only(layered, capsys):
    code = main(
        ["local", str(layered / "l.pos"), "--ranges", str(layered / "l.rrng"), "--k", "20", "--json", "-"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["k"] for p in data["points"]] == [20]


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--centres", "many"], "--centres"),
        (["--k", "1"], "at least 2"),
        (["--k", "13,100000"], "fewer than the largest neighbourhood"),
    ],
)
def test_local_bad_input_exits_2(layered, capsys, extra, message):
    code = main(["local", str(layered / "l.pos"), "--ranges", str(layered / "l.rrng"), *extra])
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
