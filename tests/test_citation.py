"""LICENSE and CITATION.cff: present, the licence pyproject declares, and the paper's DOI."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

import hea_studio

ROOT = Path(__file__).resolve().parents[1]


def test_license_is_the_bsd_3_clause_text_pyproject_declares():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]["text"]
    text = (ROOT / "LICENSE").read_text()
    assert declared == "BSD-3-Clause" and text.startswith("BSD 3-Clause License")
    assert "Neither the name of the copyright holder" in text


def test_citation_cff_cites_the_software_and_the_paper():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert cff["version"] == hea_studio.__version__ and cff["license"] == "BSD-3-Clause"
    paper = cff["references"][0]
    assert paper["doi"] == "10.1039/d4cp00776j" and paper["volume"] == 26 and paper["start"] == 11271
