"""The kernel warm-up covers what a first analysis compiles, and starts without being waited for."""

from __future__ import annotations

import subprocess
import sys

from jit_support import numba_kernels

from hea_studio.compute import warmup


def _signatures() -> dict[str, int]:
    return {name: len(d.signatures) for name, (_m, _n, d) in numba_kernels().items()}


def test_a_first_analysis_after_the_warm_up_compiles_nothing(tmp_path):
    """After warm_kernels(), analysing a real file (other edges, other box) adds no kernel signature:
    every kernel it runs was already compiled (or loaded from the cache) for the same types."""
    from hea_studio.compute.batch import analyze_atoms
    from hea_studio.compute.local.knn import local_entropy
    from hea_studio.core.settings import AnalysisSettings, parse_sizes
    from hea_studio.io import load_ions, load_ranges, to_atoms_and_summary

    assert warmup.warm_kernels() > 0
    before = _signatures()
    pos, rrng = warmup._write_specimen(tmp_path, n=30_000, seed=5)
    atoms, _ = to_atoms_and_summary(load_ions(pos), load_ranges(rrng))
    for sizes in ("0.5:4:0.5", "0.2:3:0.2", "0.37,0.9,1.7"):
        analyze_atoms(atoms, AnalysisSettings(sizes_nm=parse_sizes(sizes), bootstrap=10))
    local_entropy(atoms, None, None, (6,), 100, 1)
    after = _signatures()
    grown = {name: (before.get(name, 0), n) for name, n in after.items() if n > before.get(name, 0)}
    assert not grown, f"kernels compiled after the warm-up: {grown}"
    assert sum(n > 0 for n in before.values()) >= 25  # the warm-up ran most kernels


def test_background_warm_up_is_a_low_priority_child_never_waited_for(monkeypatch):
    started = []

    class FakePopen:
        def __init__(self, cmd, **kwargs):
            started.append((cmd, kwargs))

    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    monkeypatch.setenv(warmup.ENV_DISABLE, "1")
    assert warmup.start_background_warmup() is None and not started
    monkeypatch.delenv(warmup.ENV_DISABLE)
    assert isinstance(warmup.start_background_warmup(), FakePopen)
    ((cmd, kwargs),) = started
    assert cmd[0] == sys.executable and "warmup" in cmd[-1]
    assert kwargs["stdout"] == subprocess.DEVNULL and kwargs["stdin"] == subprocess.DEVNULL
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert warmup.warmup_command() == [sys.executable, "warmup"]


def test_warmup_command_line(capsys):
    from hea_studio.cli import main

    assert main(["warmup"]) == 0
    assert "kernels ready" in capsys.readouterr().out
