"""Compiling the kernels before a user's first analysis needs them.

numba compiles every kernel on its first call and caches the machine code on disk (``cache=True``,
see :mod:`hea_studio.core.jit`), keyed by the kernel's source file. A fresh install, a new clone or
a new frozen bundle therefore compiles some 40 kernels during the user's first analysis: seconds
on a small box instead of a fraction of one.

:func:`warm_kernels` runs the analyses a first session runs, on a tiny specimen written as real
files (so that the loaders give the dtypes real files give): loading and ranging, the window's
dataset (display sample, projections, spectrum), the entropy curve on the voxel table, the fine
grid (dense and sparse) and the per-atom path (dense and sparse), paper mode, the SUME interval,
the preview table and the atom-centred entropy. :func:`start_background_warmup` runs it in a
separate, low-priority process (``hea-studio warmup``) when the window starts: the compiled code
lands in the shared cache, the window's event loop is never touched (numba's compiler holds the
GIL), and an analysis started before it finishes simply compiles what it needs itself, as before.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ENV_DISABLE = "HEA_STUDIO_NO_WARMUP"
"""Set to 1 to start no warm-up process (tests, scripted runs)."""

_SPECIES = (("Co", 29.47), ("Cr", 25.97), ("Fe", 27.92), ("Ni", 29.0), ("CrO", 67.94))


def _write_specimen(folder: Path, n: int = 24_000, seed: int = 0) -> tuple[Path, Path]:
    """A tiny random .pos (with a molecular ion) and its .rrng in ``folder``."""
    rng = np.random.default_rng(seed)
    side = (n / 50.0) ** (1.0 / 3.0)
    block = np.empty((n, 4), dtype=">f4")
    block[:, :3] = rng.uniform(0.0, side, (n, 3))
    masses = np.array([m for _, m in _SPECIES])
    block[:, 3] = masses[rng.choice(len(masses), n, p=(0.24, 0.2, 0.24, 0.24, 0.08))]
    pos = folder / "warmup.pos"
    block.tofile(pos)
    lines = [
        "[Ions]",
        "Number=5",
        "Ion1=Co",
        "Ion2=Cr",
        "Ion3=Fe",
        "Ion4=Ni",
        "Ion5=O",
        "[Ranges]",
        "Number=5",
    ]
    comps = ("Co:1", "Cr:1", "Fe:1", "Ni:1", "Cr:1 O:1")
    for i, ((_, m), comp) in enumerate(zip(_SPECIES, comps)):
        lines.append(f"Range{i + 1}={m - 0.2:.4f} {m + 0.2:.4f} vol:0.01 {comp} color:00{i}0{i}0")
    rrng = folder / "warmup.rrng"
    rrng.write_text("\n".join(lines) + "\n")
    return pos, rrng


def warm_kernels() -> float:
    """Run every kernel a first session needs once, on a tiny specimen; returns the seconds taken."""
    from hea_studio.compute.analysis import iter_analysis, run_analysis
    from hea_studio.compute.dataset import load_dataset
    from hea_studio.compute.lac.preview import preview_inputs
    from hea_studio.compute.local.knn import local_entropy
    from hea_studio.core.geometry import Box
    from hea_studio.core.settings import AnalysisSettings, parse_sizes

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hea-studio-warmup-") as tmp:
        pos, rrng = _write_specimen(Path(tmp))
        for decompose in (True, False):
            dataset = load_dataset(pos, rrng, decompose=decompose)
        atoms = dataset.atoms
    lo = atoms.positions.min(axis=0).astype(np.float64)
    hi = atoms.positions.max(axis=0).astype(np.float64)
    box = Box(tuple(lo + 0.05 * (hi - lo)), tuple(hi - 0.05 * (hi - lo)))
    runs = (
        AnalysisSettings(sizes_nm=parse_sizes("0.5:3:0.5"), bootstrap=8),  # voxel table
        AnalysisSettings(sizes_nm=parse_sizes("0.1:2:0.1"), bootstrap=8),  # fine grid, dense and sparse
        AnalysisSettings(sizes_nm=(0.13, 0.31, 0.77, 1.9), bootstrap=8),  # per-atom path, both kinds
        AnalysisSettings(sizes_nm=(1.0, 1.5, 2.0), mode="paper", bootstrap=8),
    )
    for settings in runs:
        run_analysis(atoms, settings, box)
    run_analysis(atoms, AnalysisSettings(sizes_nm=(0.5, 1.0, 1.5, 2.0), bootstrap=8))  # default box
    # The window's live preview: counts from the dataset-wide table.
    prep, _snapped, snapped = preview_inputs(atoms, box, AnalysisSettings(sizes_nm=(1.0, 2.0), bootstrap=8))
    for _ in iter_analysis(atoms, snapped, prepared=prep):
        pass
    local_entropy(atoms, box, None, (4, 8), 200, 0)
    return time.perf_counter() - t0


def warmup_command() -> list[str]:
    """The command line that runs the warm-up (the frozen app is its own interpreter)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "warmup"]
    return [
        sys.executable,
        "-c",
        "import sys; from hea_studio.cli import main; sys.exit(main(['warmup', '-q']))",
    ]


def start_background_warmup() -> subprocess.Popen | None:
    """Start :func:`warm_kernels` in a low-priority child process (``None`` when disabled).

    The caller never waits for it; it exits by itself when done (seconds when the cache is warm).
    """
    if os.environ.get(ENV_DISABLE, "").strip() not in ("", "0"):
        return None
    kwargs: dict = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    if sys.platform.startswith("win"):  # pragma: no cover - Windows
        kwargs["creationflags"] = getattr(subprocess, "BELOW_NORMAL_PRIORITY_CLASS", 0)
    else:
        kwargs["preexec_fn"] = _lower_priority
    try:
        return subprocess.Popen(warmup_command(), **kwargs)
    except OSError:  # no interpreter to start: the first analysis compiles, as it always did
        return None


def _lower_priority() -> None:  # pragma: no cover - runs in the child
    with contextlib.suppress(OSError):
        os.nice(10)
