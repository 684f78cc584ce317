"""How many atoms the 3D view may draw, and which ones.

Software OpenGL (llvmpipe, softpipe, swrast) draws about 1e5 points interactively and 1e6 at a few
frames per second, so the view shows a random subset whose size depends on the renderer. The subset
is a fixed random order of all atoms: taking its first N keeps the picture stable when the user
toggles species or changes the budget (no reshuffling flicker).
"""

from __future__ import annotations

import numpy as np

SOFTWARE_BUDGET = 100_000
HARDWARE_BUDGET = 2_000_000
_SOFTWARE_MARKERS = ("llvmpipe", "softpipe", "swrast", "software", "gdi generic", "basic render")


def is_software_renderer(renderer: str) -> bool:
    """True if the GL_RENDERER string names a CPU rasteriser."""
    r = renderer.lower()
    return any(m in r for m in _SOFTWARE_MARKERS)


def budget_for_renderer(renderer: str) -> int:
    """Default number of atoms to draw for an OpenGL renderer string (``GL_RENDERER``)."""
    if not renderer:
        # Unknown renderer: be safe, a too small default is only cosmetic.
        return SOFTWARE_BUDGET
    return SOFTWARE_BUDGET if is_software_renderer(renderer) else HARDWARE_BUDGET


def choose_subset(order: np.ndarray, labels: np.ndarray, visible: np.ndarray, budget: int) -> np.ndarray:
    """Indices of the atoms to draw.

    Parameters
    ----------
    order
        The order in which atoms are taken (a display sample's rows are already in random order,
        so :class:`~hea_studio.render.atom_view.AtomView` passes ``arange``).
    labels
        (M,) species label per atom.
    visible
        (n_species,) bool, which species are shown.
    budget
        Maximum number of atoms returned.

    Returns
    -------
    numpy.ndarray
        Up to ``budget`` atom indices of visible species, in ``order``.
    """
    keep = np.asarray(visible, dtype=bool)[labels[order]]
    chosen = order[keep]
    return chosen[: max(int(budget), 0)]
