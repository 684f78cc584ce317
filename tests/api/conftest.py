"""Fixtures of the Python API tests: one small synthetic run written by ``hea-studio synth``."""

from __future__ import annotations

import json

import pytest

from hea_studio.cli import main

BOOTSTRAP = "50"


@pytest.fixture(scope="session")
def synth_run(tmp_path_factory):
    """A ~56 000-ion CoCuFeNi tip with clusters (``run.pos``, ``run.rrng``) and the CLI's JSON of it."""
    folder = tmp_path_factory.mktemp("api-run")
    assert main(["synth", "--preset", "cocufeni-paper", "--size-nm", "12", "--out", str(folder / "run")]) == 0
    out = folder / "cli.json"
    code = main(
        [
            "analyze", str(folder / "run.pos"), "--ranges", str(folder / "run.rrng"),
            "--bootstrap", BOOTSTRAP, "--seed", "0", "--json", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    return folder, json.loads(out.read_text())
