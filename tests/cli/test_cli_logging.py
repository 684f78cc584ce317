"""``--quiet`` / ``--verbose``, defaults in ``--help``, and one stdout for one output."""

from __future__ import annotations

import json

import pytest

from hea_studio.cli import main


def _run(specimen, *extra):
    return main(["analyze", str(specimen / "s.pos"), "--ranges", str(specimen / "s.rrng"),
                 "--sizes", "0.5:3:0.5", "--bootstrap", "10", *extra])  # fmt: skip


def test_two_outputs_on_stdout_are_refused_before_any_work(specimen, capsys):
    assert _run(specimen, "--json", "-", "--csv", "-") == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "--json and --csv both write to standard output" in err
    # One of them on stdout is fine, and stdout then holds exactly that document.
    assert _run(specimen, "--json", "-", "--csv", str(specimen / "c.csv")) == 0
    assert json.loads(capsys.readouterr().out)["schema"].startswith("hea-studio/analysis/")


@pytest.mark.parametrize("subcommand", ["analyze", "batch"])
def test_help_shows_the_defaults(subcommand, capsys):
    with pytest.raises(SystemExit) as stop:
        main([subcommand, "--help"])
    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for needle in (
        "(default: 200)",
        "random seed (default: 0)",
        "(default: tiling)",
        "-q, --quiet",
        "-v, --verbose",
    ):
        assert needle in text, needle
    assert "(default: None)" not in text and "(default: False)" not in text


def test_quiet_silences_warnings_and_the_summary_and_verbose_adds_progress(specimen, capsys):
    # A box mostly outside the data draws a warning by default.
    roi = ["--roi", "-20,-20,-20,6,6,6"]
    assert _run(specimen, *roi) == 0
    out, err = capsys.readouterr()
    assert "hea-studio: warning:" in err and "SUME" in out
    assert _run(specimen, *roi, "--quiet") == 0
    out, err = capsys.readouterr()
    assert out == "" and err == ""
    assert _run(specimen, "-v", "--json", str(specimen / "v.json")) == 0
    err = capsys.readouterr().err
    assert "hea-studio: info: " in err and "60,000 ions" in err and "--json written" in err
    # Errors are never silenced.
    assert _run(specimen, "-q", "--sizes", "abc") == 2
    assert "hea-studio: error:" in capsys.readouterr().err
