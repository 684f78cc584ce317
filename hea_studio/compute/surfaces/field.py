"""A voxelised, delocalised concentration field (the input of isoconcentration surfaces).

Ions are counted per voxel (one pass over all ions, chunk by chunk), the species' counts and the total
counts are each smoothed with the same Gaussian (the *delocalisation*), and the concentration is their
ratio. Smoothing counts before dividing (rather than smoothing a concentration) weights each voxel by
its ions, as the delocalisation of Hellman et al. (2000) and IVAS do. The Gaussian's full width at half
maximum is the delocalisation distance: ``sigma = delocalisation / 2.3548``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.progress import TaskState, check_cancelled

CHUNK = 1 << 21
FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))
MAX_VOXELS = 1 << 27
"""Voxels of one field (two float32 grids of this size: 1 GiB)."""


@dataclass(frozen=True, eq=False)
class ConcentrationField:
    """Concentration (at.%) of some species on a voxel grid.

    Attributes
    ----------
    concentration
        (nx, ny, nz) float32 at.% at voxel centres; 0 where the smoothed density is below
        ``min_density`` (outside the specimen).
    density
        (nx, ny, nz) float32 smoothed ions per voxel.
    origin
        (3,) position (nm) of the centre of voxel (0, 0, 0).
    voxel
        Voxel edge (nm).
    species
        The species the concentration counts.
    """

    concentration: np.ndarray
    density: np.ndarray
    origin: np.ndarray
    voxel: float
    species: tuple[str, ...]

    def value_at(self, points: np.ndarray) -> np.ndarray:
        """Concentration of the voxel each point falls in (0 outside the grid)."""
        idx = np.floor((np.asarray(points, dtype=np.float64) - (self.origin - self.voxel / 2)) / self.voxel)
        idx = idx.astype(np.int64)
        shape = np.array(self.concentration.shape)
        ok = np.all((idx >= 0) & (idx < shape), axis=1)
        out = np.zeros(len(idx), dtype=np.float32)
        i = idx[ok]
        out[ok] = self.concentration[i[:, 0], i[:, 1], i[:, 2]]
        return out


def concentration_field(
    positions: np.ndarray,
    labels: np.ndarray,
    names: tuple[str, ...],
    species,
    voxel: float = 1.0,
    delocalisation: float = 3.0,
    task: TaskState | None = None,
) -> ConcentrationField:
    """Voxelise, delocalise and divide (see the module docstring).

    Parameters
    ----------
    positions, labels, names
        Ion rows (nm), species labels and their names.
    species
        Species counted in the numerator (one name or several).
    voxel
        Voxel edge (nm).
    delocalisation
        FWHM of the Gaussian smoothing (nm); 0 for none.
    """
    from scipy.ndimage import gaussian_filter

    species = (species,) if isinstance(species, str) else tuple(species)
    for s in species:
        if s not in names:
            raise InputError(f"species {s!r} is not in the ranged data (species: {', '.join(names)})")
    if not (np.isfinite(voxel) and voxel > 0):
        raise InputError(f"the voxel edge must be a positive number of nm, got {voxel}")
    if not (np.isfinite(delocalisation) and delocalisation >= 0):
        raise InputError(f"the delocalisation must be >= 0 nm, got {delocalisation}")
    n = positions.shape[0]
    if n == 0:
        raise InputError("no ions to build a concentration field from")
    lo = np.full(3, np.inf)
    hi = np.full(3, -np.inf)
    for a in range(0, n, CHUNK):
        p = np.asarray(positions[a : a + CHUNK])
        lo = np.minimum(lo, p.min(axis=0))
        hi = np.maximum(hi, p.max(axis=0))
    sigma = delocalisation / FWHM_PER_SIGMA / voxel
    pad = int(np.ceil(3 * sigma)) + 1  # room for the smoothing to fall off, and a closed surface
    lo = lo - pad * voxel
    dims = np.floor((hi - lo) / voxel).astype(np.int64) + 1 + pad
    if int(np.prod(dims)) > MAX_VOXELS:
        raise InputError(
            f"a {voxel:g} nm voxel grid over this data needs {int(np.prod(dims)):,} voxels; "
            f"choose a larger voxel (at most {MAX_VOXELS:,})"
        )
    lut = np.array([nm in species for nm in names])
    total = np.zeros(int(np.prod(dims)), dtype=np.float32)
    part = np.zeros_like(total)
    for a in range(0, n, CHUNK):
        check_cancelled(task)
        p = np.asarray(positions[a : a + CHUNK], dtype=np.float64)
        lab = np.asarray(labels[a : a + CHUNK])
        i = np.floor((p - lo) / voxel).astype(np.int64)
        flat = (i[:, 0] * dims[1] + i[:, 1]) * dims[2] + i[:, 2]
        total += np.bincount(flat, minlength=total.size).astype(np.float32)
        part += np.bincount(flat[lut[lab]], minlength=total.size).astype(np.float32)
        if task is not None:
            task.report(0.6 * min(a + CHUNK, n) / n, "voxelising")
    total = total.reshape(tuple(dims))
    part = part.reshape(tuple(dims))
    check_cancelled(task)
    if sigma > 0:
        total = gaussian_filter(total, sigma, mode="constant", truncate=3.0)
        part = gaussian_filter(part, sigma, mode="constant", truncate=3.0)
    if task is not None:
        task.report(0.9, "delocalising")
    # Below a tenth of the mean occupied density a voxel is outside the specimen (or in a gap).
    occupied = total[total > 0]
    floor = 0.1 * float(occupied.mean()) if occupied.size else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        conc = np.where(total > floor, 100.0 * part / np.maximum(total, 1e-30), 0.0).astype(np.float32)
    origin = lo + voxel / 2.0
    return ConcentrationField(conc, total.astype(np.float32), origin, float(voxel), species)
