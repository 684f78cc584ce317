"""Issue 14, readers: a file that is not what its extension says is refused with its likely cause,
instead of loading as +-3e38 nm of garbage; overlapping ranges are counted without listing pairs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from io_files import write_apt

from hea_studio.core.errors import InputError
from hea_studio.io import load_ions, load_ranges, read_pos, write_pos
from hea_studio.io.apt._plausible import MAX_BAD_SHARE, implausible_rows


def _ions(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(-30, 30, (n, 3)).astype(np.float32), rng.uniform(1, 120, n).astype(np.float32)


def _epos_bytes(n: int, seed: int = 0) -> bytes:
    pos, mass = _ions(n, seed)
    rec = np.zeros((n, 11), dtype=">f4")
    rec[:, :3], rec[:, 3] = pos, mass
    rec[:, 4], rec[:, 5], rec[:, 6] = 640.0, 5.2, 1.1
    rec[:, 7:9] = np.random.default_rng(seed).uniform(-38, 38, (n, 2))
    as_int = rec.view(">u4")
    as_int[:, 9] = np.arange(n) % 7
    as_int[:, 10] = 1
    return rec.tobytes()


def _refused(path: Path) -> str:
    with pytest.raises(InputError) as info:
        load_ions(path)
    assert str(info.value).startswith(path.name + ":")
    return str(info.value)


def test_epos_renamed_pos_is_named(tmp_path):
    data = _epos_bytes(4000)  # 4000 records of 44 bytes: also a multiple of 16
    (tmp_path / "run.epos").write_bytes(data)
    assert load_ions(tmp_path / "run.epos").n_ions == 4000  # the real thing loads
    (tmp_path / "run.pos").write_bytes(data)
    assert "only when read as .epos" in _refused(tmp_path / "run.pos")
    (tmp_path / "odd.pos").write_bytes(data[: 44 * 4001 - 44 * 2])  # 3998 records: not a multiple of 16
    assert "probably a .epos file" in _refused(tmp_path / "odd.pos")


def test_pos_renamed_epos_is_named(tmp_path):
    pos, mass = _ions(11 * 400)  # 4400 records of 16 bytes = 1600 records of 44 bytes
    write_pos(tmp_path / "run.pos", pos, mass)
    (tmp_path / "run.epos").write_bytes((tmp_path / "run.pos").read_bytes())
    assert "only when read as .pos" in _refused(tmp_path / "run.epos")
    write_pos(tmp_path / "other.pos", pos[: 4401 - 2], mass[: 4401 - 2])
    (tmp_path / "other.epos").write_bytes((tmp_path / "other.pos").read_bytes())
    assert "probably a .pos file" in _refused(tmp_path / "other.epos")


def test_text_named_pos_is_refused(tmp_path):
    text = "x,y,z,mass\n" + "".join(f"{i * 0.1:.3f},1.250,-3.500,27.950\n" for i in range(400))
    data = text.encode()[: len(text) // 16 * 16]
    (tmp_path / "export.pos").write_bytes(data)
    assert "holds text" in _refused(tmp_path / "export.pos")
    (tmp_path / "export.epos").write_bytes(text.encode()[: len(text) // 44 * 44])
    assert "holds text" in _refused(tmp_path / "export.epos")


def test_random_bytes_of_a_fitting_size_are_refused(tmp_path):
    data = np.random.default_rng(5).integers(0, 256, 16 * 6000, dtype=np.uint8).tobytes()
    (tmp_path / "noise.pos").write_bytes(data)
    assert "implausible for atom probe data" in _refused(tmp_path / "noise.pos")


@pytest.mark.parametrize(("column", "value"), [(0, 2.0e4), (2, -1.5e4), (3, -5.0), (3, 1500.0), (1, 1e-40)])
def test_out_of_range_values_are_refused(tmp_path, column, value):
    pos, mass = _ions(1000)
    table = np.column_stack([pos, mass]).astype(np.float32)
    table[::20, column] = value  # 5 % of the ions
    write_pos(tmp_path / "bad.pos", table[:, :3], table[:, 3])
    assert "implausible" in _refused(tmp_path / "bad.pos")


def test_a_stray_ion_in_a_large_file_is_tolerated(tmp_path):
    # A real file may hold one odd event; the check refuses decoding errors, not single ions.
    pos, mass = _ions(5000)
    mass[17] = 1200.0
    write_pos(tmp_path / "ok.pos", pos, mass)
    assert read_pos(tmp_path / "ok.pos").n_ions == 5000


def test_apt_with_implausible_positions_is_refused(tmp_path):
    pos, mass = _ions(300)
    pos *= 1e6
    write_apt(tmp_path / "far.apt", [("Position", pos, 3), ("Mass", mass, 3)], 300)
    assert "coordinates beyond" in _refused(tmp_path / "far.apt")


def test_real_files_are_plausible(apav_si):
    for name in ("Si.pos", "Si.epos", "Si.apt"):
        ions = load_ions(apav_si / name)
        rows = np.arange(0, ions.n_ions, 97)
        assert implausible_rows(ions.positions[rows], ions.mass[rows]).mean() <= MAX_BAD_SHARE


def _write_rrng(path: Path, ranges: list[tuple[float, float]]) -> None:
    lines = ["[Ions]", "Number=1", "Ion1=Fe", "[Ranges]", f"Number={len(ranges)}"]
    lines += [
        f"Range{i + 1}={lo:.4f} {hi:.4f} Vol:0.01 Fe:1 Color:FF0000" for i, (lo, hi) in enumerate(ranges)
    ]
    path.write_text("\r\n".join(lines) + "\r\n")


def test_ten_thousand_nested_ranges_are_counted_not_listed(tmp_path):
    from hea_studio.io.ranges._rangetext import find_overlaps

    n = 10_000
    _write_rrng(tmp_path / "many.rrng", [(10 + i * 0.001, 60 + i * 0.001) for i in range(n)])
    table = load_ranges(tmp_path / "many.rrng")
    (warning,) = [w for w in table.warnings if "overlapping" in w]
    assert f"{n * (n - 1) // 2} overlapping range pair(s)" in warning
    assert warning.count(" with ") == 5
    count, pairs = find_overlaps(sorted(table.ranges, key=lambda r: (r.lo, r.hi)))
    assert count == n * (n - 1) // 2 and len(pairs) == 5


def test_overlap_count_matches_brute_force():
    from hea_studio.io.ranges._rangetext import find_overlaps

    rng = np.random.default_rng(3)
    for _ in range(200):
        k = int(rng.integers(1, 30))
        lo = np.round(rng.uniform(0, 20, k), 1)
        hi = lo + np.round(rng.uniform(0.1, 4, k), 1)
        ordered = sorted(
            (
                type("R", (), {"lo": float(a), "hi": float(b), "line": i})()
                for i, (a, b) in enumerate(zip(lo, hi))
            ),
            key=lambda r: (r.lo, r.hi, r.line),
        )
        brute = [(a, b) for j, b in enumerate(ordered) for a in ordered[:j] if a.hi > b.lo]
        count, pairs = find_overlaps(ordered)
        assert count == len(brute)
        assert pairs == brute[:5]


def test_si_data_is_fetched_without_compiling_build_tools(tmp_path):
    # --no-binary :all: made pip compile Cython and setuptools from source (minutes); only APAV's
    # own source archive is needed, and no download host is named (pip's index settings decide).
    spec = importlib.util.spec_from_file_location("io_conftest", Path(__file__).with_name("conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    cmd = module.download_command(tmp_path)
    assert ":all:" not in cmd
    assert cmd[cmd.index("--no-binary") + 1] == "apav"
    assert "--no-deps" in cmd and str(tmp_path) in cmd
    assert not any("://" in part for part in cmd)
