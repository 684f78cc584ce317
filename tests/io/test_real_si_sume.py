"""SUME warnings on real data: the Si run's default box straddles an oxide/Si interface."""

from __future__ import annotations

import json
import re

import pytest

from hea_studio.cli import main

pytestmark = pytest.mark.network


def test_si_default_box_warns_of_mixed_phases(apav_si, tmp_path, capsys):
    out = tmp_path / "si.json"
    code = main(
        ["analyze", str(apav_si / "Si.pos"), "--ranges", str(apav_si / "Si.RRNG"), "--json", str(out)]
    )
    assert code == 0
    data = json.loads(out.read_text())
    assert data["schema"] == "hea-studio/analysis/3"
    codes = {w["code"] for w in data["warnings"]}
    assert "mixed_phases" in codes and "sume_at_range_edge" in codes
    assert all(w["message"] for w in data["warnings"])
    # No lattice was chosen for this dataset: no unit cells are reported.
    assert data["lattice"] is None and data["sume"]["unit_cells"] is None
    printed = capsys.readouterr().out
    assert "warning [mixed_phases]" in printed
    # Issue 21: the range end is a one-sided bound, never "[95% CI 7.00, 7.00]".
    sume = data["sume"]
    assert sume["method"] == "hinge-deficit" and sume["edge_nm"] is None
    assert sume["ci95_nm"] == [sume["at_least_nm"], None]
    assert f"SUME (hinge-deficit) = >= {sume['at_least_nm']:.2f} nm (not levelled)" in printed
    assert not re.search(r"CI (\d+\.\d+)[-–, ]+\1\b", printed)
    warning = next(w for w in data["warnings"] if w["code"] == "sume_at_range_edge")
    assert "sume" in warning["applies_to"]
    # The Si box lies inside the specimen even though its oxide and Si differ in density.
    assert "box_outside_specimen" not in codes
