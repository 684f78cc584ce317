"""A composition profile along any direction: slabs across a cylinder from its start to its end.

The profile of ``profile --roi cylinder:x0,y0,z0,x1,y1,z1,r``: an atom counts when it lies inside the
cylinder (:class:`~hea_studio.core.shapes.Cylinder`), in the slab of its distance from the start
along the axis. The result is a :class:`~.slabs.CompositionProfile` with ``axis = "along"``, the
cylinder's bounding box as ``box`` and its radius, so plots, CSV and JSON work unchanged.
"""

from __future__ import annotations

import numpy as np

from hea_studio.compute.common import scan
from hea_studio.compute.profile.slabs import CompositionProfile
from hea_studio.core.atoms import AtomSet
from hea_studio.core.errors import InputError
from hea_studio.core.progress import TaskState
from hea_studio.core.shapes import Cylinder

AXIS_NAME = "along"


def cylinder_profile(
    atoms: AtomSet, cylinder: Cylinder, bin_nm: float = 0.5, task: TaskState | None = None
) -> CompositionProfile:
    """Count every species in slabs of ``bin_nm`` along the cylinder's axis (the last may be shorter)."""
    if not (np.isfinite(bin_nm) and bin_nm > 0):
        raise InputError(f"the slab thickness must be a positive number of nm, got {bin_nm}")
    length = cylinder.length
    if bin_nm > length:
        raise InputError(f"the slab thickness {bin_nm:g} nm exceeds the cylinder's length {length:.3g} nm")
    edges = np.append(np.arange(0.0, length - 1e-9 * length, bin_nm), length)
    n_bins = len(edges) - 1
    n_species = len(atoms.names)
    counts = np.zeros((n_bins, n_species), dtype=np.int64)
    start = np.asarray(cylinder.start)
    u = cylinder.axis
    layers = atoms.layer_luts(np.arange(n_species, dtype=np.int64))
    for a, b in scan.chunks(atoms.n_rows, task, (0.0, 1.0), "composition profile"):
        pos = np.asarray(atoms.positions[a:b], dtype=np.float64)
        mask = cylinder.contains(pos)
        t = (pos[mask] - start) @ u
        slab = np.minimum((t / bin_nm).astype(np.int64), n_bins - 1)
        row_labels = atoms.labels[a:b][mask].astype(np.int64)
        for layer in layers:
            labels = layer[row_labels]
            keep = labels >= 0
            counts += np.bincount(
                slab[keep] * n_species + labels[keep], minlength=n_bins * n_species
            ).reshape(n_bins, n_species)
    return CompositionProfile(
        axis=AXIS_NAME,
        box=cylinder.bounding_box(),
        radius_nm=cylinder.radius,
        edges_nm=edges,
        species=tuple(atoms.names),
        counts=counts,
    )
