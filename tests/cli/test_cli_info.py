"""``hea-studio info``: text, JSON keys of the contract, and exit code 2 for bad input."""

from __future__ import annotations

import json

import numpy as np

from hea_studio.cli import main
from hea_studio.io import write_pos


def _files(tmp_path):
    pos = np.array([[0, 0, 0], [1, 2, 3], [-1, 5, 2], [4, 4, 4]], dtype=np.float32)
    mass = np.array([26.0, 42.0, 16.5, 99.0], dtype=np.float32)
    write_pos(tmp_path / "s.pos", pos, mass)
    (tmp_path / "s.rrng").write_text(
        "[Ions]\nNumber=2\nIon1=Cr\nIon2=O\n[Ranges]\nNumber=3\n"
        "Range1=25 27 Cr:1 Color:FF0000\nRange2=16 17 O:1\nRange3=41 43 Cr:1 O:2\n"
    )
    return tmp_path / "s.pos", tmp_path / "s.rrng"


def test_info_json(tmp_path, capsys):
    pos, rrng = _files(tmp_path)
    assert main(["info", str(pos), "--ranges", str(rrng), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["format"] == "pos" and out["ions"] == 4
    assert out["bounds_nm"] == [-1, 0, 0, 4, 5, 4]
    assert out["mass_range_da"] == [16.5, 99.0]
    assert (out["ranged"], out["unranged"]) == (3, 1)
    assert out["ion_counts"] == {"O": 1, "Cr": 1, "CrO2": 1}
    assert out["atom_counts"] == {"O": 3, "Cr": 2}


def test_info_without_ranges_has_no_counts(tmp_path, capsys):
    pos, _ = _files(tmp_path)
    assert main(["info", str(pos), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "ranged" not in out and "atom_counts" not in out and out["ions"] == 4


def test_info_text(tmp_path, capsys):
    pos, rrng = _files(tmp_path)
    assert main(["info", str(pos), "--ranges", str(rrng)]) == 0
    text = capsys.readouterr().out
    assert "4 ions" in text and "unranged: 1" in text and "CrO2" in text


def test_bad_input_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "broken.pos"
    bad.write_bytes(b"\0" * 17)
    assert main(["info", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "broken.pos" in err and "multiple of the 16-byte" in err
    pos, _ = _files(tmp_path)
    rng = tmp_path / "r.rng"
    rng.write_text("1 1\nA\nA 1 0 0\n----\n. 1 x 1\n")
    assert main(["info", str(pos), "--ranges", str(rng)]) == 2
    err = capsys.readouterr().err
    assert (
        err.strip() == "hea-studio: error: r.rng, line 5: cannot read range end from 'x': expected a number"
    )


def test_dropped_rows_are_reported_on_stderr(tmp_path, capsys):
    pos = np.zeros((5, 3), dtype=np.float32)
    pos[2, 0] = np.nan
    write_pos(tmp_path / "n.pos", pos, np.full(5, 26.0, dtype=np.float32))
    assert main(["info", str(tmp_path / "n.pos"), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["ions"] == 4
    assert "dropped 1 of 5 ions with NaN or infinite" in captured.err
