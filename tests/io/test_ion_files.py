"""The .pos, .epos and .apt readers on small files written here, and their error messages."""

from __future__ import annotations

import numpy as np
import pytest
from io_files import write_apt

from hea_studio.core.errors import InputError
from hea_studio.io import load_ions, read_apt, read_epos, read_pos, write_pos
from hea_studio.io.files import mapping_of


def _ions(n: int = 50, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    pos = rng.uniform(-20, 20, size=(n, 3)).astype(np.float32)
    mass = rng.uniform(1, 120, size=n).astype(np.float32)
    return pos, mass


def test_pos_round_trip_is_memory_mapped(tmp_path):
    pos, mass = _ions()
    f = tmp_path / "a.pos"
    write_pos(f, pos, mass)
    assert f.stat().st_size == 16 * 50
    ions = read_pos(f)
    assert ions.format == "pos" and ions.n_ions == 50 and ions.warnings == ()
    np.testing.assert_array_equal(ions.positions, pos)
    np.testing.assert_array_equal(ions.mass, mass)
    # Views into one map, not copies.
    assert mapping_of(ions.positions) is not None and mapping_of(ions.mass) is mapping_of(ions.positions)
    assert np.may_share_memory(ions.positions, ions.mass)  # interleaved columns of one buffer


def test_extension_dispatch_is_case_insensitive(tmp_path):
    pos, mass = _ions(5)
    f = tmp_path / "UPPER.POS"
    write_pos(f, pos, mass)
    assert load_ions(f).n_ions == 5


@pytest.mark.parametrize("name", ["x.txt", "x", "x.pos.gz"])
def test_unknown_extension(tmp_path, name):
    f = tmp_path / name
    f.write_bytes(b"\0" * 16)
    with pytest.raises(InputError, match="unknown ion file type"):
        load_ions(f)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_ions(tmp_path / "nope.pos")


def test_empty_and_bad_size(tmp_path):
    f = tmp_path / "e.pos"
    f.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_pos(f)
    f.write_bytes(b"\0" * 33)
    with pytest.raises(InputError, match="not a multiple of the 16-byte") as exc:
        read_pos(f)
    assert str(exc.value).startswith("e.pos: ")
    g = tmp_path / "e.epos"
    g.write_bytes(b"\0" * 45)
    with pytest.raises(InputError, match="not a multiple of the 44-byte"):
        read_epos(g)


def test_little_endian_pos_is_named(tmp_path):
    pos, mass = _ions(200)
    rec = np.empty((200, 4), dtype="<f4")
    rec[:, :3] = pos
    rec[:, 3] = mass
    f = tmp_path / "le.pos"
    rec.tofile(f)
    with pytest.raises(InputError, match="little-endian"):
        read_pos(f)


def test_nonfinite_rows_dropped_with_count(tmp_path):
    pos, mass = _ions(100)
    pos[3, 1] = np.nan
    pos[7, 0] = np.inf
    mass[50] = -np.inf
    f = tmp_path / "nan.pos"
    write_pos(f, pos, mass)
    ions = read_pos(f)
    assert ions.n_ions == 97
    assert len(ions.warnings) == 1 and "dropped 3 of 100" in ions.warnings[0]
    keep = np.ones(100, bool)
    keep[[3, 7, 50]] = False
    np.testing.assert_array_equal(ions.positions, pos[keep])
    np.testing.assert_array_equal(ions.mass, mass[keep])


def test_all_nonfinite_is_an_error(tmp_path):
    f = tmp_path / "allnan.pos"
    np.full((4, 4), np.nan, dtype=">f4").tofile(f)
    with pytest.raises(InputError, match="all 4 ions"):
        read_pos(f)


def test_epos_columns(tmp_path):
    n = 30
    pos, mass = _ions(n)
    floats = np.zeros((n, 9), dtype=">f4")
    floats[:, :3] = pos
    floats[:, 3] = mass
    floats[:, 4] = np.arange(n) * 10.0  # tof
    floats[:, 7] = 3.5  # detector x
    uints = np.zeros((n, 2), dtype=">u4")
    uints[:, 0] = np.arange(n) * 1000 + 7  # values that are not valid floats when misread
    uints[:, 1] = 1 + np.arange(n) % 3
    rec = np.zeros(n, dtype=[("f", ">f4", 9), ("u", ">u4", 2)])
    rec["f"], rec["u"] = floats, uints
    f = tmp_path / "a.epos"
    rec.tofile(f)
    ions = read_epos(f)
    assert ions.format == "epos" and ions.n_ions == n
    np.testing.assert_array_equal(ions.positions, pos)
    np.testing.assert_array_equal(ions.mass, mass)
    np.testing.assert_array_equal(ions.extra["tof"], floats[:, 4])
    np.testing.assert_array_equal(ions.extra["detector_x"], 3.5)
    np.testing.assert_array_equal(ions.extra["pulses_since_last"], uints[:, 0])
    np.testing.assert_array_equal(ions.extra["ions_per_pulse"], uints[:, 1])


def test_epos_nan_drop_filters_extra_columns_too(tmp_path):
    n = 10
    rec = np.zeros((n, 11), dtype=">f4")
    rec[:, 3] = 27.0
    rec[:, 4] = np.arange(n)
    rec[4, 2] = np.nan
    f = tmp_path / "n.epos"
    rec.tofile(f)
    ions = read_epos(f)
    assert ions.n_ions == 9
    np.testing.assert_array_equal(ions.extra["tof"], [0, 1, 2, 3, 5, 6, 7, 8, 9])


def test_apt_sections_by_name(tmp_path):
    n = 40
    pos, mass = _ions(n)
    det = np.stack([np.arange(n), -np.arange(n)], axis=1).astype(np.float32)
    mult = (1 + np.arange(n) % 4).astype(np.int32)
    f = tmp_path / "a.apt"
    write_apt(
        f,
        [("tofc", mass * 10, 3), ("Mass", mass, 3), ("Multiplicity", mult, 1),
         ("Detector Coordinates", det, 3), ("Position", pos, 3)],
        n,
    )  # fmt: skip
    ions = read_apt(f)
    assert ions.format == "apt" and ions.n_ions == n
    np.testing.assert_array_equal(ions.positions, pos)
    np.testing.assert_array_equal(ions.mass, mass)
    np.testing.assert_array_equal(ions.extra["Multiplicity"], mult)
    assert ions.extra["Multiplicity"].dtype == np.int32
    assert ions.extra["Detector Coordinates"].shape == (n, 2)
    np.testing.assert_array_equal(ions.extra["Detector Coordinates"], det)
    np.testing.assert_array_equal(ions.extra["tofc"], mass * 10)


@pytest.mark.parametrize("missing", ["Mass", "Position"])
def test_apt_missing_required_section(tmp_path, missing):
    pos, mass = _ions(5)
    secs = [s for s in [("Mass", mass, 3), ("Position", pos, 3)] if s[0] != missing]
    f = tmp_path / "m.apt"
    write_apt(f, secs, 5)
    with pytest.raises(InputError, match=f"no usable {missing} section"):
        read_apt(f)


def test_apt_truncated_section(tmp_path):
    pos, mass = _ions(100)
    f = tmp_path / "t.apt"
    write_apt(f, [("Mass", mass, 3), ("Position", pos, 3)], 100, truncate_to=540 + 148 + 400 + 172 + 600)
    with pytest.raises(InputError, match="truncated section 'Position'"):
        read_apt(f)


def test_apt_without_ions(tmp_path):
    f = tmp_path / "z.apt"
    write_apt(f, [("Mass", np.zeros(0, np.float32), 3), ("Position", np.zeros((0, 3), np.float32), 3)], 0)
    with pytest.raises(InputError, match="0 ions"):
        read_apt(f)


def test_apt_bad_signature(tmp_path):
    f = tmp_path / "b.apt"
    f.write_bytes(b"XXXX" + b"\0" * 600)
    with pytest.raises(InputError, match=r"not an AP Suite \.apt file"):
        read_apt(f)


def test_write_pos_validates_shapes(tmp_path):
    with pytest.raises(InputError):
        write_pos(tmp_path / "x.pos", np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(InputError):
        write_pos(tmp_path / "x.pos", np.zeros((3, 3)), np.zeros(4))


def test_opening_does_not_copy_the_file(tmp_path):
    """Opening (with its NaN scan) allocates a small fraction of the file: it is mapped, not read."""
    import tracemalloc

    n = 1_000_000
    rng = np.random.default_rng(3)
    f = tmp_path / "big.pos"
    write_pos(f, rng.uniform(-5, 5, (n, 3)).astype(np.float32), rng.uniform(1, 99, n).astype(np.float32))
    size = f.stat().st_size
    tracemalloc.start()
    try:
        ions = load_ions(f)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ions.n_ions == n
    assert peak < 0.2 * size, f"opening allocated {peak} bytes for a {size}-byte file"


@pytest.mark.usefixtures("jit")  # compiled, then as plain Python (bounds-checked)
@pytest.mark.parametrize("dtype", ["<f4", ">f4", "<f8", ">f8"])
def test_rows_beyond_kernel_matches_numpy_twin(dtype):
    from hea_studio.io.apt._binary import rows_beyond, rows_beyond_numpy

    rng = np.random.default_rng(11)
    table = rng.normal(size=(100_000, 4)).astype(dtype)
    limits = [1.0e4, np.inf]
    assert rows_beyond([table[:, :3], table[:, 3]], limits) is None
    assert rows_beyond_numpy([table[:, :3], table[:, 3]], limits) is None
    rows = rng.choice(100_000, 60, replace=False)
    cols = rng.integers(0, 4, 60)
    # NaN/inf anywhere; on coordinates also magnitudes just past the limit, of either sign.
    table[rows, cols] = rng.choice([np.nan, np.inf, -np.inf], 60)
    table[rows[:20], rng.integers(0, 3, 20)] = rng.choice([-1.0001e4, 1.0001e4, 3e38], 20)
    table[rows[20:23], 3] = 5e4  # a large m/n is not refused by this pass (its limit is inf)
    table[rows[20:23], :3] = 1.0e4  # exactly at the limit: kept
    got = rows_beyond([table[:, :3], table[:, 3]], limits)
    np.testing.assert_array_equal(got, rows_beyond_numpy([table[:, :3], table[:, 3]], limits))
    expected = set(rows.tolist()) - set(rows[20:23].tolist())
    assert got is not None and set(np.flatnonzero(got).tolist()) == expected
