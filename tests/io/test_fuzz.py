"""Random and truncated bytes fed to every reader: only InputError may escape."""

from __future__ import annotations

import itertools
import struct
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from io_files import write_apt

from hea_studio.core.errors import InputError
from hea_studio.io import load_ions, load_ranges, write_pos
from hea_studio.io.apt._plausible import MAX_BAD_SHARE, implausible_rows

EXTENSIONS = (".pos", ".epos", ".apt", ".rrng", ".rng", ".env")
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _load(path: Path):
    if path.suffix in (".pos", ".epos", ".apt"):
        return load_ions(path)
    return load_ranges(path)


_serial = itertools.count()


def _only_input_error(path: Path, data: bytes) -> None:
    # A fresh name per example: a file still memory-mapped by an earlier example is never rewritten.
    path = path.with_name(f"{path.stem}{next(_serial)}{path.suffix}")
    path.write_bytes(data)
    try:
        loaded = _load(path)
    except InputError as exc:
        assert str(exc).startswith(path.name + ":") or str(exc).startswith(path.name + ", line")
    else:
        if path.suffix in (".pos", ".epos", ".apt"):
            _assert_plausible(loaded)


def _assert_plausible(ions) -> None:
    """A file that loads holds atom probe data: (almost) every ion within the plausibility limits."""
    if ions.n_ions:
        bad = implausible_rows(ions.positions, ions.mass)
        assert bad.mean() <= MAX_BAD_SHARE, f"{bad.sum()} of {ions.n_ions} loaded ions are implausible"


def _seed_files(tmp: Path) -> dict[str, bytes]:
    """Valid files of every type, to be truncated and mutated."""
    rng = np.random.default_rng(0)
    pos = rng.uniform(-5, 5, (8, 3)).astype(np.float32)
    mass = rng.uniform(1, 60, 8).astype(np.float32)
    write_pos(tmp / "s.pos", pos, mass)
    epos = np.zeros((8, 11), dtype=">f4")
    epos[:, :3], epos[:, 3] = pos, mass
    write_apt(
        tmp / "s.apt", [("Mass", mass, 3), ("Position", pos, 3), ("Multiplicity", np.ones(8, np.int32), 1)], 8
    )
    return {
        ".pos": (tmp / "s.pos").read_bytes(),
        ".epos": epos.tobytes(),
        ".apt": (tmp / "s.apt").read_bytes(),
        ".rrng": b"[Ions]\r\nNumber=2\r\nIon1=Cr\r\nIon2=O\r\n[Ranges]\r\nNumber=2\r\n"
        b"Range1=51.5 52.5 Vol:0.012 Cr:1 Color:FF33CC\r\nRange2=67.6 69.6 Cr:1 O:2 Name:CrO2 Color:FF0000\r\n",
        ".rng": b"2 2\nCr\nCr 1 0.2 0.8\nO\nO 0 0.8 1\n------- Cr O\n. 51.5 52.5 1 0\n. 67.6 69.6 1 2\n"
        b"\n--- polyatomic extension\n1 1\nCrO2\nCrO2 0 1 0\n---- CrO2\n. 67.6 69.6 1\n",
        ".env": b"# env\n2 2\nO 0 1 0\nMnO2 0.5 0.5 0.5\nO 15.88 16.84 20 1\nMnO2 43.38 43.65 11.66 1\n",
    }


@FUZZ
@given(ext=st.sampled_from(EXTENSIONS), data=st.binary(max_size=2048))
def test_random_bytes(tmp_path, ext, data):
    _only_input_error(tmp_path / f"f{ext}", data)


@FUZZ
@given(
    ext=st.sampled_from(EXTENSIONS),
    cut=st.floats(0.0, 1.0),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=6),
)
def test_truncated_and_mutated_valid_files(tmp_path, ext, cut, flips):
    seeds = _seed_files(tmp_path)
    data = bytearray(seeds[ext][: int(len(seeds[ext]) * cut)])
    for where, value in flips:
        if data:
            data[min(len(data) - 1, int(where * len(data)))] = value
    _only_input_error(tmp_path / f"f{ext}", bytes(data))


@FUZZ
@given(
    lines=st.lists(
        st.text(
            alphabet=st.sampled_from(list("0123456789.,-=:[]# \tRangeIonsNumberVolColorFeO()abcx")),
            max_size=40,
        ),
        max_size=15,
    ),
    ext=st.sampled_from((".rrng", ".rng", ".env")),
)
def test_random_text_range_files(tmp_path, lines, ext):
    _only_input_error(tmp_path / f"t{ext}", "\n".join(lines).encode())


@FUZZ
@given(
    fields=st.lists(st.integers(-(2**31), 2**31 - 1), min_size=6, max_size=6),
    counts=st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1)),
)
def test_apt_section_header_fields(tmp_path, fields, counts):
    """Arbitrary section header values after a valid file header."""
    head = bytearray(540)
    head[0:4] = b"APT\0"
    struct.pack_into("<ii", head, 4, 540, 2)
    struct.pack_into("<Q", head, 532, 4)
    sec = bytearray(148)
    sec[0:4] = b"SEC\0"
    struct.pack_into("<ii", sec, 4, 148, 2)
    sec[12:20] = "Mass".encode("utf-16-le")
    struct.pack_into("<6i", sec, 76, *fields)
    struct.pack_into("<QQ", sec, 132, *counts)
    _only_input_error(tmp_path / "h.apt", bytes(head + sec) + b"\0" * 64)


def _apt_section(name: str, arr: np.ndarray, dtype_code: int, count: int | None = None) -> bytes:
    """One .apt section whose header may claim a record count other than the data it holds."""
    arr = np.ascontiguousarray(arr)
    cols = 1 if arr.ndim == 1 else arr.shape[1]
    width = arr.dtype.itemsize
    h = bytearray(148)
    h[0:4] = b"SEC\0"
    struct.pack_into("<ii", h, 4, 148, 2)
    enc = name.encode("utf-16-le")
    h[12 : 12 + len(enc)] = enc
    struct.pack_into("<6i", h, 76, 1, 1, 1, dtype_code, width * 8, width * cols)
    data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
    struct.pack_into("<QQ", h, 132, arr.shape[0] if count is None else count, len(data))
    return bytes(h) + data


@FUZZ
@given(
    header_ions=st.integers(0, 40),
    sections=st.lists(
        st.tuples(
            st.sampled_from(["Position", "Mass", "Multiplicity", "Voltage"]),
            st.integers(0, 40),  # records held
            st.one_of(st.none(), st.integers(0, 2**40)),  # record count claimed, if different
            st.one_of(st.floats(-1e6, 1e6, width=32), st.sampled_from([float("nan"), float("inf")])),
        ),
        max_size=6,
    ),
)
def test_apt_with_repeated_sections_and_inconsistent_counts(tmp_path, header_ions, sections):
    head = bytearray(540)
    head[0:4] = b"APT\0"
    struct.pack_into("<ii", head, 4, 540, 2)
    struct.pack_into("<Q", head, 532, header_ions)
    body = b""
    rng = np.random.default_rng(len(sections))
    for name, n, claimed, planted in sections:
        if name == "Position":
            arr = rng.uniform(-20, 20, (n, 3)).astype(np.float32)
        elif name == "Multiplicity":
            arr = np.ones(n, dtype=np.int32)
        else:
            arr = rng.uniform(1, 100, n).astype(np.float32)
        if n and arr.dtype.kind == "f":
            arr.reshape(-1)[0] = planted
        body += _apt_section(name, arr, 2 if arr.dtype.kind == "i" else 3, claimed)
    _only_input_error(tmp_path / "r.apt", bytes(head) + body)


def _project_seed(tmp: Path) -> bytes:
    from hea_studio.core.geometry import Box, SubVolume
    from hea_studio.core.project import ProjectState
    from hea_studio.io.project.store import save_project

    state = ProjectState(
        ion_file="/data/run.pos",
        range_file="/data/run.rrng",
        subvolumes=[SubVolume("Box 1", Box((0, 0, 0), (10, 10, 10)))],
        colours={"Ni": (0.1, 0.2, 0.3)},
        hidden_species=["C"],
        last_analysis='{"schema": "hea-studio/analysis/1"}',
    )
    save_project(tmp / "seed.heaproj", state, durable=False)
    return (tmp / "seed.heaproj").read_bytes()


def _only_input_error_project(path: Path, data: bytes) -> None:
    from hea_studio.io.project.store import load_project

    path = path.with_name(f"{path.stem}{next(_serial)}{path.suffix}")
    path.write_bytes(data)
    try:
        load_project(path)
    except InputError as exc:
        assert str(exc).startswith(path.name + ":")


@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_as_project(tmp_path, data):
    _only_input_error_project(tmp_path / "p.heaproj", data)


@FUZZ
@given(
    cut=st.floats(0.0, 1.0),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8),
)
def test_truncated_and_mutated_projects(tmp_path, cut, flips):
    seed = _project_seed(tmp_path)
    data = bytearray(seed if cut > 0.9 else seed[: int(len(seed) * cut)])
    for where, value in flips:
        if data:
            data[min(len(data) - 1, int(where * len(data)))] = value
    _only_input_error_project(tmp_path / "p.heaproj", bytes(data))


@FUZZ
@given(
    attr=st.sampled_from(["settings", "colours", "hidden_species", "active", "ion_file", "schema", "names"]),
    value=st.one_of(
        st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=30),
        st.integers(-(2**40), 2**40),
        st.sampled_from(
            ["[]", "{}", "null", "[1,2]", '{"a": [1]}', '{"sizes_nm": "x"}', '["a", 1]', "1e999"]
        ),
    ),
)
def test_project_attributes_of_the_wrong_kind(tmp_path, attr, value):
    """A project edited by another tool: any attribute may hold any JSON or plain value."""
    import h5py

    seed = _project_seed(tmp_path)
    path = tmp_path / f"a{next(_serial)}.heaproj"
    path.write_bytes(seed)
    with h5py.File(path, "a") as f:
        target = f["subvolumes"] if attr == "names" else f
        target.attrs[attr] = value
    _only_input_error_project(path, path.read_bytes())
