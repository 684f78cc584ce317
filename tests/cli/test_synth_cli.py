"""``hea-studio synth``: options, files, exit codes."""

from __future__ import annotations

import json

import pytest

from hea_studio.cli import main


def _run(tmp_path, *args):
    return main(["synth", "--out", str(tmp_path / "s"), *args])


def test_synth_writes_the_three_files_with_requested_options(tmp_path, capsys):
    code = _run(
        tmp_path,
        "--elements", "Co,Cu,Fe,Ni",
        "--fractions", "21.9,26.7,20.8,30.6",
        "--lattice", "fcc:0.35834",
        "--size-nm", "7",
        "--cluster-nm", "2",
        "--cluster-strength", "0.9",
        "--cluster-elements", "Ni,Cu",
        "--efficiency", "0.5",
        "--blur-nm", "0.3",
        "--seed", "4",
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "ions" in out and "Ni" in out
    doc = json.loads((tmp_path / "s.json").read_text())
    p = doc["params"]
    assert p["shape"] == {"kind": "box", "size_nm": [7.0, 7.0, 7.0]}
    assert p["clusters"]["radius_nm"] == 1.0 and p["instrument"]["efficiency"] == 0.5
    comp = p["clusters"]["composition"]
    # Strength 0.9 towards pure Ni+Cu (in their bulk ratio): Co and Fe keep 10 % of their share.
    assert abs(comp["Co"] - 0.1 * 0.219) < 1e-9 and comp["Ni"] > comp["Cu"] > 0.4
    assert abs(p["instrument"]["blur_depth_nm"] - 0.1) < 1e-12
    assert (tmp_path / "s.pos").stat().st_size == 16 * doc["truth"]["ions"]
    assert (tmp_path / "s.rrng").read_text().startswith("[Ions]")


def test_synth_tip_contains_the_requested_cube(tmp_path):
    assert _run(tmp_path, "--tip", "--size-nm", "8", "--seed", "1") == 0
    doc = json.loads((tmp_path / "s.json").read_text())
    assert doc["params"]["shape"]["kind"] == "tip"
    lo_hi = doc["truth"]["largest_cube_nm"]
    assert lo_hi[3] - lo_hi[0] >= 8.0


def test_synth_preset_with_overrides(tmp_path):
    from hea_studio.cli import _Parser
    from hea_studio.cli.synth import add_arguments, build_params

    parser = _Parser()
    add_arguments(parser)
    args = parser.parse_args(["--out", "x", "--preset", "cocufeni-paper", "--size-nm", "12", "--seed", "3"])
    p = build_params(args)
    assert p.elements == ("Co", "Cu", "Fe", "Ni") and p.seed == 3
    assert p.shape.size_nm == (12.0, 12.0, 12.0) and p.clusters is not None
    args = parser.parse_args(
        ["--out", "x", "--preset", "cocufeni-paper", "--cluster-nm", "0", "--field-amplitude", "0"]
    )
    p = build_params(args)
    assert p.clusters is None and p.field is None


def test_list_presets(capsys):
    assert main(["synth", "--list-presets"]) == 0
    assert "cocufeni-paper" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        ["--elements", "Co,Xx"],
        ["--elements", "Co,Ni", "--fractions", "1,2,3"],
        ["--preset", "nope"],
        ["--lattice", "fcc"],
        ["--efficiency", "1.5"],
        ["--size-nm", "1,2"],
        ["--cluster-elements", "W"],
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, args):
    assert _run(tmp_path, *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("hea-studio: error:") and err.count("\n") == 1


def test_missing_out_is_a_usage_error(capsys):
    assert main(["synth", "--size-nm", "5"]) == 2
    assert "--out" in capsys.readouterr().err
