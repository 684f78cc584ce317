"""Issue 14, command line: no run destroys an input, no output path fails after the work, and
implausible options are refused (exit 2, one line) instead of running for minutes or printing nonsense."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from hea_studio.cli import main
from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import write_pos, write_rrng

SPECIES = [("Fe", 27.95), ("Ni", 28.95), ("Co", 29.45), ("Cu", 31.45)]


@pytest.fixture
def run_files(tmp_path):
    rng = np.random.default_rng(1)
    n = 20_000
    pos = rng.uniform(0.0, 8.0, (n, 3)).astype(np.float32)
    mass = np.array([s[1] for s in SPECIES])[rng.integers(0, 4, n)] + rng.uniform(0, 0.1, n)
    write_pos(tmp_path / "run.pos", pos, mass.astype(np.float32))
    write_rrng(tmp_path / "run.rrng", RangeTable([Range(m, m + 0.1, e, ((e, 1.0),)) for e, m in SPECIES]))
    return tmp_path


def _analyze(folder, *extra):
    return main(
        ["analyze", str(folder / "run.pos"), "--ranges", str(folder / "run.rrng"), "--sizes", "1,2,3",
         "--bootstrap", "0", *extra]
    )  # fmt: skip


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("hea-studio: error")]
    assert len(lines) == 1, err
    return lines[0]


def test_outputs_naming_an_input_are_refused_and_the_inputs_survive(run_files, capsys):
    before = {p: (run_files / p).read_bytes() for p in ("run.pos", "run.rrng")}
    code = _analyze(run_files, "--json", str(run_files / "run.pos"), "--csv", str(run_files / "run.rrng"))
    assert code == 2
    assert "input file" in _one_error_line(capsys)
    assert {p: (run_files / p).read_bytes() for p in before} == before
    # The same file through another spelling (a "./" and a symlink) is the same input.
    os.symlink(run_files / "run.rrng", run_files / "link.csv")
    assert _analyze(run_files, "--csv", str(run_files / "link.csv")) == 2
    assert (run_files / "run.rrng").read_bytes() == before["run.rrng"]


@pytest.mark.parametrize("option", ["--json", "--csv", "--plot", "--nexus", "--report"])
@pytest.mark.parametrize("where", ["missing", "unwritable"])
def test_every_output_folder_is_checked_before_the_computation(run_files, capsys, monkeypatch, option, where):
    import hea_studio.compute.analysis as analysis

    def must_not_run(*a, **k):
        raise AssertionError("the analysis ran although an output cannot be written")

    monkeypatch.setattr(analysis, "run_analysis", must_not_run)
    name = {"--plot": "out.png", "--nexus": "out.nxs", "--report": "out.html"}.get(option, "out.txt")
    if where == "missing":
        folder = run_files / "no such folder"
    else:
        folder = run_files / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        # root ignores permission bits: /proc/self is a folder nobody can create files in.
        folder = folder if os.geteuid() != 0 else Path("/proc/self")
    assert _analyze(run_files, option, str(folder / name)) == 2
    assert ("does not exist" if where == "missing" else "cannot write") in _one_error_line(capsys)


def test_two_outputs_on_one_file_are_refused(run_files, capsys):
    out = str(run_files / "same.txt")
    assert _analyze(run_files, "--json", out, "--csv", out) == 2
    assert "both name" in _one_error_line(capsys)


def test_local_checks_its_outputs_before_work(run_files, capsys):
    code = main(["local", str(run_files / "run.pos"), "--ranges", str(run_files / "run.rrng"),
                 "--json", str(run_files / "run.pos")])  # fmt: skip
    assert code == 2 and "input file" in _one_error_line(capsys)


def test_outputs_are_atomic_and_keep_normal_permissions(run_files):
    out = run_files / "r.json"
    assert _analyze(run_files, "--json", str(out)) == 0
    assert json.loads(out.read_text())["elements"] == ["Co", "Cu", "Fe", "Ni"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600
    assert not list(run_files.glob(".*.tmp"))


def test_roi_accepts_negative_numbers(run_files, capsys):
    assert _analyze(run_files, "--roi", "-1,-1,0,6,6,6", "--json", "-") == 0
    assert json.loads(capsys.readouterr().out)["roi_nm"] == [-1, -1, 0, 6, 6, 6]
    # Negative start of a size range or a bare negative option value still reach our own checks.
    assert _analyze(run_files, "--roi", "-1e1,-2.5,0,6,6,6") == 0


def test_roi_mostly_outside_the_data_warns(run_files, capsys):
    assert _analyze(run_files, "--roi", "-60,-60,0,6,6,6") == 0
    err = capsys.readouterr().err
    assert "warning" in err and "lies outside the data" in err and "99 %" in err
    assert _analyze(run_files, "--roi", "0,0,0,6,6,6") == 0
    assert "outside" not in capsys.readouterr().err


def test_synth_into_an_unwritable_folder_exits_2_before_generating(tmp_path, capsys, monkeypatch):
    import hea_studio.synth as synth

    def must_not_run(*a, **k):
        raise AssertionError("generated although the output cannot be written")

    monkeypatch.setattr(synth, "generate", must_not_run)
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    # root ignores permission bits: /proc/self is a folder nobody can create files in.
    target = folder if os.geteuid() != 0 else "/proc/self"
    assert main(["synth", "--out", f"{target}/x", "--size-nm", "5"]) == 2
    assert "cannot write" in _one_error_line(capsys)


def test_implausible_lattice_is_refused(run_files, capsys):
    assert _analyze(run_files, "--lattice", "fcc:1e-30") == 2
    assert "implausible" in _one_error_line(capsys)
    assert main(["synth", "--out", str(run_files / "s"), "--lattice", "bcc:287"]) == 2
    assert "implausible" in _one_error_line(capsys)


def test_absurd_size_counts_are_refused_at_once(run_files, capsys):
    assert _analyze(run_files, "--sizes", "0.5:10:1e-6") == 2
    line = _one_error_line(capsys)
    assert "at most 1000" in line and len(line) < 200
    assert _analyze(run_files, "--sizes", "0.5:1e300:1") == 2
    assert "at most 1000" in _one_error_line(capsys)


def test_unknown_element_symbols_are_refused(capsys):
    assert main(["entropy", "Xx=50", "Co=50"]) == 2
    assert "'Xx' is not an element symbol" in _one_error_line(capsys)
    assert main(["entropy", "co=50", "Ni=50"]) == 2
    assert "did you mean Co?" in _one_error_line(capsys)


@pytest.mark.parametrize(
    "command",
    [
        ["spectrum", "{pos}", "--csv", "{pos}"],
        ["spectrum", "{pos}", "--ranges", "{rrng}", "--json", "{rrng}"],
        # The ion file reached through a link whose name passes the .rrng check.
        ["ranges", "suggest", "{pos}", "--elements", "Fe,Ni", "--out", "{alias}"],
        ["batch", "{pos}", "--ranges", "{rrng}", "--out", "{pos}"],
        ["profile", "{pos}", "--ranges", "{rrng}", "--axis", "z", "--csv", "{rrng}"],
    ],
)
def test_every_subcommand_refuses_to_write_over_its_inputs(run_files, capsys, command):
    os.symlink(run_files / "run.pos", run_files / "alias.rrng")
    names = {
        k: str(run_files / v) for k, v in (("pos", "run.pos"), ("rrng", "run.rrng"), ("alias", "alias.rrng"))
    }
    before = {p: (run_files / p).read_bytes() for p in ("run.pos", "run.rrng")}
    assert main([a.format(**names) for a in command]) == 2
    assert "input file" in _one_error_line(capsys)
    assert {p: (run_files / p).read_bytes() for p in before} == before
