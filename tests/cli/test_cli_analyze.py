"""``hea-studio analyze`` and ``hea-studio entropy`` end to end (files written with the io package)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hea_studio.cli import main


def test_analyze_writes_json_csv_and_plot(specimen, capsys):
    out = specimen / "out.json"
    code = main(
        [
            "analyze", str(specimen / "s.pos"), "--ranges", str(specimen / "s.rrng"),
            "--sizes", "0.5:4:0.5", "--roi", "0,0,0,12,12,12", "--bootstrap", "20",
            "--json", str(out), "--csv", str(specimen / "c.csv"), "--plot", str(specimen / "p.png"),
        ]
    )  # fmt: skip
    assert code == 0
    data = json.loads(out.read_text())
    assert data["elements"] == ["Co", "Cu", "Fe", "Ni"]  # O (2 at.%) is not a principal element
    assert data["roi_nm"] == [0, 0, 0, 12, 12, 12]
    assert data["timing_s"]["load"] > 0 and data["timing_s"]["total"] >= data["timing_s"]["curve"]
    assert len(data["curve"]) == 8 and data["sume_null"]["edge_nm"] == 0.5
    csv_lines = (specimen / "c.csv").read_text().splitlines()
    assert len(csv_lines) == 9 and csv_lines[0].startswith("size_nm,n_cubes,mean_atoms,S_mean")
    png = (specimen / "p.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert "SUME" in capsys.readouterr().out


def test_analyze_json_to_stdout_is_clean(specimen, capsys):
    code = main(
        ["analyze", str(specimen / "s.pos"), "--ranges", str(specimen / "s.rrng"), "--sizes", "1,2,3,4",
         "--elements", "Ni,Cu,Co,Fe,O", "--mode", "paper", "--bootstrap", "0", "--json", "-"]
    )  # fmt: skip
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mode"] == "paper" and data["elements"] == ["Ni", "Cu", "Co", "Fe", "O"]
    # Without replicates an estimate has no interval; a bound carries its one-sided interval.
    sume = data["sume"]
    assert sume is None or sume["ci95_nm"] is None or sume["edge_nm"] is None


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--roi", "100,100,100,110,110,110"], "outside the data"),
        (["--roi", "0,0,0,0.8,0.8,0.8"], "holds only"),
        (["--sizes", "1,30"], "exceed the sub-volume"),
        (["--elements", "Ni"], "at least 2 elements"),
        (["--elements", "Ni,Xx"], "unknown element"),
        (["--sizes", "abc"], "cannot read sizes"),
        (["--lattice", "fcc"], "cannot read lattice"),
    ],
)
def test_analyze_bad_input_exits_2(specimen, capsys, extra, message):
    args = ["analyze", str(specimen / "s.pos"), "--ranges", str(specimen / "s.rrng"), "--sizes", "1,2"]
    code = main(args + extra if "--sizes" not in extra else args[:4] + extra)
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_entropy_command(capsys):
    assert main(["entropy", "Ni=30.6", "Cu=26.7", "Co=21.9", "Fe=20.8"]) == 0
    text = capsys.readouterr().out
    assert "1.374 R" in text and "medium" in text
    assert main(["entropy", "Co=1", "Cr=1", "Fe=1", "Mn=1", "Ni=1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["S_R"] == pytest.approx(np.log(5)) and data["class"] == "high"
    assert main(["entropy", "Ni=abc"]) == 2
    assert main(["entropy", "Mg=1", "O=1", "--sublattice", "A:Mg:1", "O:O:1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["S_fu_R"] == 0.0
    # Amounts written after the --sublattice values still count as the composition.
    rock_salt = ["--sublattice", "A:Mg,Co,Ni,Cu,Zn:1", "O:O:1", "Mg=1", "Co=1", "Ni=1", "Cu=1", "Zn=1", "O=5"]
    assert main(["entropy", *rock_salt, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["S_fu_R"] == pytest.approx(np.log(5))
    assert main(["entropy"]) == 2


def test_default_edges_are_cut_to_the_box(specimen, capsys):
    args = ["analyze", str(specimen / "s.pos"), "--ranges", str(specimen / "s.rrng")]
    assert main([*args, "--roi", "0,0,0,6,7,8", "--bootstrap", "0", "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["size_nm"] for c in data["curve"]] == [0.5 * i for i in range(1, 13)]
    # Without --roi the default box is placed inside the specimen from the atom density.
    assert main([*args, "--bootstrap", "0", "--json", "-"]) == 0
    roi = json.loads(capsys.readouterr().out)["roi_nm"]
    assert all(-0.01 <= v <= 12.01 for v in roi) and min(roi[3] - roi[0], roi[4] - roi[1]) > 9


def test_memory_budget_warns_before_the_run_and_bad_values_exit_2(specimen, capsys):
    from hea_studio.core import memory

    args = ["analyze", str(specimen / "s.pos"), "--ranges", str(specimen / "s.rrng"), "--bootstrap", "0"]
    try:
        assert main([*args, "--memory-budget", "0.5"]) == 0  # 0.5 MB: far too little for 60 000 atoms
        err = capsys.readouterr().err
        assert "hea-studio: warning: the analysis of" in err and "memory budget of 0 MB" in err
        assert memory.budget() == 1 << 19
        assert main([*args, "--memory-budget", "4000"]) == 0
        assert "memory budget" not in capsys.readouterr().err
        assert main([*args, "--memory-budget", "-3"]) == 2
        assert "--memory-budget must be a positive number" in capsys.readouterr().err
    finally:
        memory.set_budget(None)


@pytest.mark.parametrize("suffix, magic", [(".svg", b"<?xml"), (".pdf", b"%PDF-")])
def test_plot_writes_svg_and_pdf_by_suffix(specimen, tmp_path, suffix, magic):
    """On main, ``--plot x.svg`` exited 2 naming a temporary file: the CLI wrote PNG only."""
    out = tmp_path / f"curve{suffix}"
    code = main(
        ["analyze", str(specimen / "s.pos"), "--ranges", str(specimen / "s.rrng"), "--sizes", "1,2,3",
         "--bootstrap", "0", "--plot", str(out)]
    )  # fmt: skip
    assert code == 0
    data = out.read_bytes()
    assert data.startswith(magic) and len(data) > 2000
    if suffix == ".svg":
        assert b"SUME" in data  # the header, as in the window


@pytest.mark.parametrize("command", ["analyze", "spectrum", "profile"])
def test_plot_with_another_suffix_fails_before_the_work(specimen, tmp_path, capsys, command):
    out, json_out = tmp_path / "curve.jpg", tmp_path / "out.json"
    args = [command, str(specimen / "s.pos"), "--ranges", str(specimen / "s.rrng"), "--json", str(json_out)]
    code = main([*args, "--plot", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "curve.jpg" in err and ".png, .svg or .pdf" in err and "Traceback" not in err
    assert not out.exists() and not json_out.exists()  # refused before anything was computed


@pytest.mark.parametrize(
    "command, suffix, magic", [("spectrum", ".svg", b"<?xml"), ("profile", ".pdf", b"%PDF-")]
)
def test_spectrum_and_profile_plots_by_suffix(specimen, tmp_path, command, suffix, magic):
    out = tmp_path / f"figure{suffix}"
    code = main([command, str(specimen / "s.pos"), "--ranges", str(specimen / "s.rrng"), "--plot", str(out)])
    assert code == 0
    data = out.read_bytes()
    assert data.startswith(magic) and len(data) > 2000


def test_sume_method_picks_what_the_headline_holds(specimen, capsys):
    args = ["analyze", str(specimen / "s.pos"), "--ranges", str(specimen / "s.rrng"), "--sizes", "1:4:0.5",
            "--bootstrap", "0", "--json", "-"]  # fmt: skip
    assert main(args) == 0
    default = json.loads(capsys.readouterr().out)
    assert default["sume"]["method"] == "hinge-deficit" and default["sume_chemical"] == default["sume"]
    assert main([*args, "--sume-method", "hinge-bulk"]) == 0
    bulk = json.loads(capsys.readouterr().out)
    assert bulk["sume"]["method"] == "hinge-bulk" and bulk["sume"] == bulk["sume_apparent"]
    assert bulk["sume_chemical"] == default["sume"]  # the deficit hinge is kept under its alias
