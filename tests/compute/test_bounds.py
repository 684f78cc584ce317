"""Issue 28: every number is bounded before it reaches numpy (exit 2, one line naming the value, its
bound and why), and values read from files are checked on every row, not on a sample."""

from __future__ import annotations

import numpy as np
import pytest

from hea_studio.cli import main
from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import load_ions, load_ranges, write_pos, write_rrng

SPECIES = [("Fe", 27.95), ("Ni", 28.95), ("Co", 29.45), ("Cu", 31.45)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bounds")
    rng = np.random.default_rng(1)
    n = 6000
    pos = rng.uniform(0.0, 6.0, (n, 3)).astype(np.float32)
    mass = np.array([s[1] for s in SPECIES])[rng.integers(0, 4, n)] + rng.uniform(0, 0.1, n)
    write_pos(folder / "run.pos", pos, mass.astype(np.float32))
    write_rrng(folder / "run.rrng", RangeTable([Range(m, m + 0.1, e, ((e, 1.0),)) for e, m in SPECIES]))
    return folder


def _error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("hea-studio: error")]
    assert len(lines) == 1, err
    return lines[0]


ANALYZE = ["analyze", "{d}/run.pos", "--ranges", "{d}/run.rrng", "--bootstrap", "0"]

CASES = {
    "sizes-tiny": ([*ANALYZE, "--sizes", "1e-9"], "smaller than an atom"),
    "sizes-range-tiny": ([*ANALYZE, "--sizes", "0.0001:0.001:0.0001"], "smaller than an atom"),
    "min-atoms-huge": ([*ANALYZE, "--min-atoms", str(10 ** 20)], "min-atoms"),
    "bootstrap-huge": (["analyze", "{d}/run.pos", "--ranges", "{d}/run.rrng", "--bootstrap", "100000000"],
                       "bootstrap"),
    "seed-negative": ([*ANALYZE, "--seed", "-1"], "32-bit"),
    "seed-huge": ([*ANALYZE, "--seed", str(2 ** 40)], "32-bit"),
    "budget-inf": ([*ANALYZE, "--memory-budget", "inf"], "--memory-budget"),
    "budget-tiny": ([*ANALYZE, "--memory-budget", "1e-300"], "--memory-budget"),
    "roi-huge": ([*ANALYZE, "--roi", "-1e30,-1e30,-1e30,1e30,1e30,1e30"], "beyond"),
    "sites-huge": ([*ANALYZE, "--sublattice", "A:Co,Cu,Fe,Ni:1e300"], "multiplicity"),
    "spectrum-max-inf": (["spectrum", "{d}/run.pos", "--max", "inf"], "highest m/n"),
    "local-seed": (["local", "{d}/run.pos", "--ranges", "{d}/run.rrng", "--seed", "-1"], "32-bit"),
    "suggest-huge-ion": (["ranges", "suggest", "{d}/run.pos", "--elements", "Fe100O200", "--out", "{d}/s.rrng"],
                         "more than 32 atoms"),
    "synth-huge": (["synth", "--out", "{d}/big", "--size-nm", "1e6"], "--size-nm"),
    "synth-large": (["synth", "--out", "{d}/big", "--size-nm", "2000"], "atoms"),
    "synth-field": (["synth", "--out", "{d}/fa", "--size-nm", "5", "--field-amplitude", "1e9"], "amplitude"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_absurd_option_values_are_refused_with_their_bound(files, capsys, case):
    argv, words = CASES[case]
    before = {p.name: p.read_bytes() for p in files.iterdir()}
    assert main([a.format(d=files) for a in argv]) == 2
    line = _error_line(capsys)
    assert words in line and len(line) < 300
    assert {p.name: p.read_bytes() for p in files.iterdir()} == before  # nothing written, nothing lost


def test_an_edge_that_makes_too_many_cubes_is_refused_before_allocating(files, capsys):
    # 0.01 nm is a legal edge, but across a 8000 nm box it would make 5e17 cubes.
    argv = [a.format(d=files) for a in ANALYZE] + ["--sizes", "0.01", "--roi", "0,0,0,8000,8000,8000"]
    assert main(argv) == 2
    assert "cubes" in _error_line(capsys)


def test_rows_outside_the_sampled_blocks_are_checked_too(tmp_path):
    """3 ions at 3e38 nm among 100 000 (outside the 16 sampled blocks) used to set the bounds."""
    from hea_studio.io.apt._plausible import sample_rows

    rng = np.random.default_rng(4)
    n = 100_000
    pos = rng.uniform(0, 20, (n, 3)).astype(np.float32)
    mass = rng.uniform(20, 40, n).astype(np.float32)
    sampled = set(sample_rows(n).tolist())
    far = [i for i in (5_000, 45_001, 77_777) if i not in sampled]
    assert len(far) == 3
    pos[far, 2] = 3e38
    write_pos(tmp_path / "stray.pos", pos, mass)
    ions = load_ions(tmp_path / "stray.pos")
    assert ions.n_ions == n - 3
    assert float(np.abs(np.asarray(ions.positions, dtype=np.float64)).max()) < 20.0
    assert any("dropped 3 of 100000 ions" in w and "beyond" in w for w in ions.warnings)


def test_stray_ions_do_not_reach_the_analysis(tmp_path, capsys):
    import json

    rng = np.random.default_rng(5)
    n = 20_000
    pos = rng.uniform(0, 8, (n, 3)).astype(np.float32)
    mass = np.array([s[1] for s in SPECIES])[rng.integers(0, 4, n)] + rng.uniform(0, 0.1, n)
    pos[[1234, 9876, 15555], 0] = 3e38
    write_pos(tmp_path / "r.pos", pos, mass.astype(np.float32))
    write_rrng(tmp_path / "r.rrng", RangeTable([Range(m, m + 0.1, e, ((e, 1.0),)) for e, m in SPECIES]))
    code = main(["info", str(tmp_path / "r.pos"), "--json"])
    assert code == 0
    info = json.loads(capsys.readouterr().out)
    assert max(abs(v) for v in info["bounds_nm"]) < 10
    assert info["ions"] == n - 3


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("Range1=27.9 28.1 Xx:1", "'Xx' is neither an element symbol"),
        ("Range1=27.9 28.1 Ni:20000 O:0.5", "at most 32"),
        ("Range1=27.9 28.1 Ni:1e300", "at most 32"),
    ],
)
def test_range_file_compositions_are_bounded(tmp_path, line, words):
    from hea_studio.core.errors import InputError

    f = tmp_path / "bad.rrng"
    f.write_text(f"[Ions]\nNumber=1\nIon1=Ni\n[Ranges]\nNumber=1\n{line}\n")
    with pytest.raises(InputError, match=words) as exc:
        load_ranges(f)
    assert str(exc.value).startswith("bad.rrng, line 6")


def test_a_declared_user_species_is_still_accepted(tmp_path):
    f = tmp_path / "user.rrng"
    f.write_text(
        "[Ions]\nNumber=2\nIon1=Hyd\nIon2=Ni\n[Ranges]\nNumber=2\nRange1=1 3 Hyd:1\nRange2=57 59 Ni:1\n"
    )
    table = load_ranges(f)
    assert {r.ion for r in table.ranges} == {"Hyd", "Ni"}
