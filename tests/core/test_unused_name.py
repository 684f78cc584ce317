"""Save ranges' default name never names a file already there, letter case ignored (on main it was
Si.rrng next to Si.RRNG: the same file on Windows and macOS)."""

from __future__ import annotations

from hea_studio.core.paths import unused_name


def test_default_name_differs_from_every_file_ignoring_case(tmp_path):
    for name in ("Si.pos", "Si.RRNG", "si-EDITED.rrng"):
        (tmp_path / name).write_text("x")
    path = unused_name(tmp_path, "Si", ".rrng")
    assert path.parent == tmp_path and path.name == "Si-edited-2.rrng"
    taken = {p.name.lower() for p in tmp_path.iterdir()}
    assert path.name.lower() not in taken
