"""Synthetic atom sets for the entropy-engine tests, built with numpy in milliseconds."""

from __future__ import annotations

import numpy as np

from hea_studio.core.atoms import AtomSet
from hea_studio.core.geometry import Box

NAMES = ("Co", "Cu", "Fe", "Ni")


def drain(gen) -> tuple[list, object]:
    """Everything a generator yields, and what it returns (an analysis: its scales and its result)."""
    items = []
    while True:
        try:
            items.append(next(gen))
        except StopIteration as stop:
            return items, stop.value


PAPER_FRACTIONS = np.array([0.219, 0.267, 0.208, 0.306])
DENSITY = 33.0  # detected atoms per nm^3: fcc CoCuFeNi (~85 /nm^3) at ~40 % detection efficiency


def random_alloy(n_atoms: int, seed: int = 0, fractions=PAPER_FRACTIONS, extra_names=()) -> AtomSet:
    """A random solid solution filling a cube at the detected density."""
    rng = np.random.default_rng(seed)
    side = (n_atoms / DENSITY) ** (1.0 / 3.0)
    pos = rng.uniform(0.0, side, (n_atoms, 3))
    labels = rng.choice(len(fractions), n_atoms, p=np.asarray(fractions) / np.sum(fractions))
    return AtomSet(pos, labels.astype(np.int64), NAMES[: len(fractions)] + tuple(extra_names))


def clustered_alloy(
    n_atoms: int,
    cluster_nm: float,
    seed: int = 0,
    p_in=(0.05, 0.45, 0.05, 0.45),
    p_out=(0.30, 0.20, 0.30, 0.20),
) -> AtomSet:
    """Ni-Cu rich spherical clusters of diameter ``cluster_nm`` on a jittered grid in a Co-Fe rich matrix."""
    rng = np.random.default_rng(seed)
    side = (n_atoms / DENSITY) ** (1.0 / 3.0)
    pos = rng.uniform(0.0, side, (n_atoms, 3))
    spacing = 1.6 * cluster_nm
    cell = np.floor(pos / spacing)
    jitter = rng.uniform(-0.15, 0.15, (int(side / spacing) + 2,) * 3 + (3,)) * spacing
    ci = cell.astype(np.int64)
    centre = (cell + 0.5) * spacing + jitter[ci[:, 0], ci[:, 1], ci[:, 2]]
    inside = np.linalg.norm(pos - centre, axis=1) < cluster_nm / 2
    labels = np.where(inside, rng.choice(4, n_atoms, p=p_in), rng.choice(4, n_atoms, p=p_out)).astype(
        np.int64
    )
    return AtomSet(pos, labels, NAMES)


def full_box(atoms: AtomSet) -> Box:
    """The cube the synthetic atoms fill."""
    side = float(atoms.positions.max()) + 1e-9
    return Box((0.0, 0.0, 0.0), (side, side, side))


def two_phase_alloy(
    n_atoms: int = 80_000,
    interface_z: float = 11.3,
    width_nm: float = 0.4,
    seed: int = 0,
    p_low=(0.35, 0.10, 0.35, 0.20),
    p_high=(0.10, 0.35, 0.15, 0.40),
    side_xy: float = 10.0,
) -> AtomSet:
    """Two phases stacked along z, meeting at ``interface_z`` with a tanh transition ``width_nm`` wide.

    The specimen is ``side_xy`` nm wide; its height follows from the atom count at the detected density
    (80 000 atoms: 24 nm).
    """
    rng = np.random.default_rng(seed)
    height = n_atoms / DENSITY / side_xy**2
    pos = rng.uniform((0.0, 0.0, 0.0), (side_xy, side_xy, height), (n_atoms, 3))
    share_high = 0.5 * (1.0 + np.tanh((pos[:, 2] - interface_z) / width_nm))
    high = rng.random(n_atoms) < share_high
    labels = np.where(
        high,
        rng.choice(4, n_atoms, p=np.asarray(p_high) / np.sum(p_high)),
        rng.choice(4, n_atoms, p=np.asarray(p_low) / np.sum(p_low)),
    )
    return AtomSet(pos, labels.astype(np.int64), NAMES)
