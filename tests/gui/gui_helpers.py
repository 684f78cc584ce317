"""Helpers shared by the GUI tests: small synthetic data, loading it into a window, mouse drags."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt

from hea_studio.core.atoms import AtomSet
from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import write_pos, write_rrng

SPECIES = ("Co", "Cu", "Fe", "Ni")
COLOURS = {"Co": (1.0, 0.0, 1.0), "Cu": (0.0, 1.0, 1.0), "Fe": (1.0, 0.5, 0.0), "Ni": (0.3, 0.3, 1.0)}


def synthetic_atoms(
    size_nm=(8.0, 8.0, 16.0), density: float = 40.0, seed: int = 0, fractions=(0.22, 0.27, 0.21, 0.30)
) -> AtomSet:
    """A random CoCuFeNi block: uniform positions, labels drawn from ``fractions``."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(size_nm) * density)
    positions = rng.uniform(0.0, 1.0, (n, 3)) * np.asarray(size_nm)
    labels = rng.choice(len(SPECIES), size=n, p=np.asarray(fractions) / np.sum(fractions))
    return AtomSet(positions=positions, labels=labels.astype(np.int64), names=SPECIES, colours=dict(COLOURS))


def show_dataset(window, dataset, qtbot, analyse: bool = True) -> None:
    """Put ``dataset`` into ``window`` as a finished load would, and wait for its analysis."""
    controller = window.controller
    if analyse:
        with qtbot.waitSignal(controller.analysis_finished, timeout=60_000):
            window.session.set_dataset(dataset)
            controller.analyse_now()
    else:
        controller.live = False
        window.session.set_dataset(dataset)


LEFT = Qt.MouseButton.LeftButton


def drag(qtbot, widget, start: QPoint, end: QPoint, steps: int = 10, pause_ms: int = 20) -> None:
    """Left-drag on ``widget`` from ``start`` to ``end`` (widget pixels) in ``steps`` moves.

    Qt 6's QTest remembers the pressed button, so the moves arrive as a real drag; the first move
    hovers the item, which is where pyqtgraph items claim drags.
    """
    qtbot.mouseMove(widget, start)
    qtbot.wait(pause_ms)
    qtbot.mousePress(widget, LEFT, pos=start)
    qtbot.wait(pause_ms)
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        qtbot.mouseMove(widget, p)
        qtbot.wait(pause_ms)  # QTest's events go through the window system queue: let them in
    qtbot.mouseRelease(widget, LEFT, pos=end)


MASSES = {"Co": 58.93, "Cu": 62.93, "Fe": 55.93, "Ni": 57.94}


def write_specimen(folder: Path, name: str, n: int = 30_000, seed: int = 0) -> tuple[Path, Path]:
    """A small random CoCuFeNi block as .pos + .rrng."""
    rng = np.random.default_rng(seed)
    positions = rng.uniform(0, 1, (n, 3)) * np.array([8.0, 8.0, 12.0])
    names = list(MASSES)
    labels = rng.integers(0, 4, n)
    mass = np.array([MASSES[names[i]] for i in labels]) + rng.normal(0, 0.05, n)
    pos = folder / f"{name}.pos"
    rrng = folder / f"{name}.rrng"
    write_pos(pos, positions, mass)
    table = RangeTable(
        [
            Range(m - 0.4, m + 0.4, el, ((el, 1.0),), (0.2 + 0.2 * i, 0.5, 0.8))
            for i, (el, m) in enumerate(MASSES.items())
        ]
    )
    table.ranges.sort(key=lambda r: r.lo)
    write_rrng(rrng, table)
    return pos, rrng
