"""Issue 28: the command line fuzzed on option values and output paths, for every subcommand.

The invariant: exit 0 or 2, never a traceback or an internal error, the inputs unchanged, and no
existing output replaced by a worse file (after exit 2 it is byte for byte the same; after exit 0 it
is a non-empty file). Small specimens and a bounded number of examples keep it within seconds.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hea_studio.cli import main
from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import write_pos, write_rrng

SPECIES = [("Fe", 27.95), ("Ni", 28.95), ("Co", 29.45), ("Cu", 31.45)]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Values no option should turn into a traceback: non-numbers, non-finite, signs, extremes.
VALUES = ["nan", "inf", "-inf", "-1", "0", "1e300", "-1e300", "1e-300", "99999999999999999999", "abc", "", "1,2",
          "0:1e9:1e-9", "-0", "1e38"]  # fmt: skip

# Per subcommand: the command (files of the specimen) and its options that take a value.
COMMANDS = {
    "analyze": (["analyze", "{pos}", "--ranges", "{rrng}", "--bootstrap", "0", "--sizes", "0.5,1"],
                ["--sizes", "--min-atoms", "--bootstrap", "--seed", "--memory-budget", "--roi", "--lattice",
                 "--elements", "--sublattice"]),
    "local": (["local", "{pos}", "--ranges", "{rrng}", "--k", "5,10", "--centres", "50"],
              ["--k", "--centres", "--seed", "--roi", "--lattice"]),
    "profile": (["profile", "{pos}", "--ranges", "{rrng}"], ["--radius", "--bin", "--roi"]),
    "spectrum": (["spectrum", "{pos}"], ["--bin", "--min", "--max"]),
    "suggest": (["ranges", "suggest", "{pos}", "--elements", "Fe,Ni", "--out", "{out}.rrng"],
                ["--bin", "--charges", "--elements"]),
    "synth": (["synth", "--out", "{out}", "--size-nm", "3"],
              ["--size-nm", "--seed", "--field-amplitude", "--cluster-nm", "--efficiency", "--background",
               "--blur-nm", "--tip-radius-nm", "--shank-angle"]),
    "entropy": (["entropy", "Fe=50", "Ni=50"], ["--sublattice"]),
    "info": (["info", "{pos}"], ["--ranges"]),
    "clusters": (["clusters", "{pos}", "--ranges", "{rrng}", "--solutes", "Ni,Cu", "--dmax", "0.5", "--nmin", "5"],
                 ["--dmax", "--order", "--nmin", "--envelope", "--erosion", "--seed", "--roi", "--solutes"]),
    "nn": (["nn", "{pos}", "--ranges", "{rrng}", "--from", "Cu", "--to", "Cu"],
           ["--k", "--bin", "--seed", "--rmax", "--roi", "--from"]),
    "isosurface": (["isosurface", "{pos}", "--ranges", "{rrng}", "--species", "Cu", "--threshold", "25",
                    "--mesh", "{out}.ply"],
                   ["--threshold", "--voxel", "--delocalisation", "--bin", "--reach", "--roi", "--species"]),
}  # fmt: skip

OUTPUTS = {
    "analyze": ["--json", "--csv", "--plot", "--report"],
    "local": ["--json", "--csv"],
    "profile": ["--json", "--csv", "--plot"],
    "spectrum": ["--json", "--csv", "--plot"],
    "clusters": ["--json", "--csv"],
    "nn": ["--json", "--csv", "--plot"],
    "isosurface": ["--mesh", "--proxigram"],
}


@pytest.fixture(scope="module")
def specimen(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzzcli")
    rng = np.random.default_rng(9)
    n = 3000
    mass = np.array([s[1] for s in SPECIES])[rng.integers(0, 4, n)] + rng.uniform(0, 0.1, n)
    write_pos(folder / "run.pos", rng.uniform(0, 5, (n, 3)).astype(np.float32), mass.astype(np.float32))
    write_rrng(folder / "run.rrng", RangeTable([Range(m, m + 0.1, e, ((e, 1.0),)) for e, m in SPECIES]))
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file() and not p.is_symlink()}


def _main(argv: list[str]) -> int:
    """``main`` as the shell sees it: argparse's usage errors exit 2 through SystemExit."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def _check(code: int, err: str) -> None:
    assert code in (0, 2), err
    assert "Traceback" not in err and "internal error" not in err, err


_serial = iter(range(10**9))


@FUZZ
@given(command=st.sampled_from(sorted(COMMANDS)), data=st.data())
def test_option_values(specimen, capsys, command, data):
    base, options = COMMANDS[command]
    option = data.draw(st.sampled_from(options))
    value = data.draw(st.sampled_from(VALUES))
    out = specimen / f"o{next(_serial)}"
    argv = [a.format(pos=specimen / "run.pos", rrng=specimen / "run.rrng", out=out) for a in base]
    before = {k: v for k, v in _snapshot(specimen).items() if k.startswith("run.")}
    code = _main([*argv, f"{option}={value}"])
    _check(code, capsys.readouterr().err)
    after = _snapshot(specimen)
    assert {k: after[k] for k in before} == before  # inputs unchanged


def _output_cases(folder: Path) -> dict[str, Path]:
    """Paths an output option may be given: each must be refused or written safely."""
    cases = {
        "missing-folder": folder / "no such folder" / "x",
        "a-folder": folder,
        "the-input": folder / "run.pos",
        "link-to-input": folder / "alias.json",
        "fifo": folder / "pipe.out",
        "existing": folder / "existing.out",
        "dangling-link": folder / "dangling.out",
    }
    if not cases["link-to-input"].exists():
        cases["link-to-input"].symlink_to(folder / "run.pos")  # an input of every command here
        os.mkfifo(cases["fifo"])
        (folder / "dangling.out").symlink_to(folder / "made-through-link.out")
    if os.geteuid() == 0:
        device = folder / "null"
        if not device.exists():
            os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a private /dev/null
        cases["device"] = device
    return cases


@FUZZ
@given(command=st.sampled_from(sorted(OUTPUTS)), data=st.data())
def test_output_paths(specimen, capsys, command, data):
    base, _ = COMMANDS[command]
    option = data.draw(st.sampled_from(OUTPUTS[command]))
    cases = _output_cases(specimen)
    case = data.draw(st.sampled_from(sorted(cases)))
    target = cases[case]
    if option == "--plot" and case == "existing":
        target = specimen / "existing.png"
    (specimen / "existing.out").write_text("keep me\n")
    # (isosurface's own --mesh goes into the specimen folder, not the working directory)
    out = specimen / f"base{next(_serial)}"
    argv = [a.format(pos=specimen / "run.pos", rrng=specimen / "run.rrng", out=out) for a in base]
    before = _snapshot(specimen)
    code = _main([*argv, option, str(target)])
    _check(code, capsys.readouterr().err)
    after = _snapshot(specimen)
    if code == 2:
        assert {k: after.get(k) for k in before} == before  # nothing replaced, nothing lost
    else:
        assert {k: after[k] for k in before if k.startswith("run.")} == {
            k: v for k, v in before.items() if k.startswith("run.")
        }
        written = Path(os.path.realpath(target))
        assert written.is_file() and written.stat().st_size > 0
    assert stat.S_ISFIFO(os.stat(specimen / "pipe.out").st_mode)
    assert (specimen / "alias.json").is_symlink()
