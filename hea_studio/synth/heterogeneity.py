"""Chemical heterogeneity: a smooth Gaussian random field and explicit clusters.

Both keep the bulk composition at the requested fractions: clusters take their composition from the
matrix (the matrix is depleted accordingly) and the field only redistributes atoms in space. With
both off every site draws from the bulk fractions: a random solid solution.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.limits import MAX_FIELD_AMPLITUDE, check_float


@dataclass(frozen=True)
class FieldSpec:
    """A smooth concentration modulation (spinodal-like fluctuation).

    The site probability of element i is proportional to ``x_i * exp(amplitude * w_i * g(r))``
    with ``g`` a unit-variance Gaussian random field whose covariance is
    ``exp(-r^2 / (2 correlation_nm^2))``.

    Parameters
    ----------
    correlation_nm
        Correlation length of the field (nm).
    amplitude
        Strength (0 is no modulation; 0.5 changes favoured elements by about +-50 % at 1 sigma).
    weights
        Bias per element: positive follows the field, negative opposes it, missing is 0.
    """

    correlation_nm: float = 2.0
    amplitude: float = 0.5
    weights: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.correlation_nm) and self.correlation_nm > 0):
            raise InputError(f"field correlation length must be positive nm, got {self.correlation_nm}")
        if not (math.isfinite(self.amplitude) and self.amplitude >= 0):
            raise InputError(f"field amplitude must be >= 0, got {self.amplitude}")
        check_float(
            "field amplitude",
            self.amplitude,
            0.0,
            MAX_FIELD_AMPLITUDE,
            f"at {MAX_FIELD_AMPLITUDE:g} a one-sigma fluctuation already changes a concentration "
            f"{math.exp(MAX_FIELD_AMPLITUDE):.0f}-fold; beyond it the weights overflow",
        )
        object.__setattr__(self, "weights", dict(self.weights))

    def to_dict(self) -> dict:
        """Parameters as plain JSON types."""
        return {
            "correlation_nm": self.correlation_nm,
            "amplitude": self.amplitude,
            "weights": dict(self.weights),
        }


@dataclass(frozen=True)
class ClusterSpec:
    """Spherical clusters (precipitates) of a given composition.

    Parameters
    ----------
    radius_nm
        Mean cluster radius (nm).
    number_density
        Clusters per nm^3 of specimen.
    composition
        Atomic fractions inside a cluster (normalised; elements missing are 0).
    radius_spread
        Relative standard deviation of a log-normal spread of radii (0: all equal).
    """

    radius_nm: float = 1.25
    number_density: float = 0.01
    composition: Mapping[str, float] = field(default_factory=dict)
    radius_spread: float = 0.15

    def __post_init__(self) -> None:
        if not (math.isfinite(self.radius_nm) and self.radius_nm > 0):
            raise InputError(f"cluster radius must be positive nm, got {self.radius_nm}")
        if not (math.isfinite(self.number_density) and self.number_density >= 0):
            raise InputError(f"cluster number density must be >= 0 per nm^3, got {self.number_density}")
        if not (0 <= self.radius_spread < 1):
            raise InputError(f"cluster radius spread must lie in [0, 1), got {self.radius_spread}")
        comp = {k: float(v) for k, v in self.composition.items()}
        if not comp or any(v < 0 for v in comp.values()) or sum(comp.values()) <= 0:
            raise InputError("cluster composition needs non-negative fractions with a positive sum")
        total = sum(comp.values())
        object.__setattr__(self, "composition", {k: v / total for k, v in comp.items()})

    @property
    def volume_fraction(self) -> float:
        """Expected fraction of the volume inside clusters (mean radius, ignoring the spread)."""
        return self.number_density * 4.0 / 3.0 * math.pi * self.radius_nm**3

    def to_dict(self) -> dict:
        """Parameters as plain JSON types."""
        return {
            "radius_nm": self.radius_nm,
            "number_density": self.number_density,
            "composition": dict(self.composition),
            "radius_spread": self.radius_spread,
        }


def gaussian_field(
    lo: np.ndarray,
    hi: np.ndarray,
    correlation_nm: float,
    rng: np.random.Generator,
    max_cells: int = 8_000_000,
) -> tuple[np.ndarray, np.ndarray, float]:
    """A unit-variance Gaussian random field on a regular grid covering ``lo`` .. ``hi``.

    White noise is filtered in Fourier space with a Gaussian of standard deviation
    ``correlation_nm / sqrt(2)`` (so the field's covariance has standard deviation
    ``correlation_nm``). The grid is padded by three correlation lengths so the periodic FFT does
    not correlate opposite faces.

    Returns
    -------
    values, origin, spacing
        Field values (nx, ny, nz) float32, position of cell (0, 0, 0)'s lower corner, cell size (nm).
    """
    pad = 3.0 * correlation_nm
    lo = np.asarray(lo, dtype=np.float64) - pad
    hi = np.asarray(hi, dtype=np.float64) + pad
    extent = hi - lo
    # A third of the correlation length resolves the smooth field; coarser only if the grid would
    # be huge.
    spacing = correlation_nm / 3.0
    spacing = max(spacing, float(np.prod(extent) / max_cells) ** (1.0 / 3.0))
    n = [math.ceil(e / spacing) for e in extent]
    noise = rng.standard_normal(n)
    k2 = np.zeros([n[0], n[1], n[2] // 2 + 1])
    for axis, size in enumerate(n):
        k = 2.0 * np.pi * (np.fft.rfftfreq(size, spacing) if axis == 2 else np.fft.fftfreq(size, spacing))
        shape = [1, 1, 1]
        shape[axis] = len(k)
        k2 = k2 + (k**2).reshape(shape)
    s = correlation_nm / math.sqrt(2.0)
    g = np.fft.irfftn(np.fft.rfftn(noise) * np.exp(-0.5 * k2 * s * s), s=n, axes=(0, 1, 2))
    g = (g - g.mean()) / g.std()
    return g.astype(np.float32), lo, spacing


def place_clusters(
    spec: ClusterSpec,
    volume_nm3: float,
    lo: np.ndarray,
    hi: np.ndarray,
    inside: Callable[[np.ndarray], np.ndarray],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Random non-overlapping cluster centres inside the specimen (random sequential addition).

    Parameters
    ----------
    spec
        Cluster parameters.
    volume_nm3
        Specimen volume; the number of clusters is ``round(number_density * volume_nm3)``.
    lo, hi
        Bounding box of the specimen.
    inside
        Mask function of the specimen shape for (N, 3) positions.
    rng
        Random generator.

    Returns
    -------
    centres, radii
        (M, 3) and (M,) in nm.
    """
    target = round(spec.number_density * volume_nm3)
    if target == 0:
        return np.zeros((0, 3)), np.zeros(0)
    if spec.radius_spread > 0:
        sig = math.sqrt(math.log(1.0 + spec.radius_spread**2))
        radii = spec.radius_nm * np.exp(rng.normal(-0.5 * sig * sig, sig, target))
    else:
        radii = np.full(target, spec.radius_nm)
    # Largest first: big spheres find room early, small ones fill the gaps (packs denser).
    radii = np.sort(radii)[::-1]
    # Cells of the size of the largest diameter: a new centre only checks its 27 neighbour cells.
    # Plain Python floats here: the loop is short (one pass per cluster) and numpy calls on
    # 3-vectors would cost more than the arithmetic.
    cell = 2.0 * float(radii.max())
    grid: dict[tuple[int, int, int], list[int]] = {}
    accepted: list[tuple[float, float, float, float]] = []
    n = 0
    attempts = 0
    while n < target and attempts < 200 * target:
        batch = rng.uniform(lo, hi, size=(4 * (target - n) + 16, 3))
        batch = batch[inside(batch)]
        for x, y, z in batch.tolist():
            if n == target:
                break
            attempts += 1
            r = float(radii[n])
            kx, ky, kz = int(x // cell), int(y // cell), int(z // cell)
            clash = False
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for dz in (-1, 0, 1):
                        for j in grid.get((kx + dx, ky + dy, kz + dz), ()):
                            ax, ay, az, ar = accepted[j]
                            if (ax - x) ** 2 + (ay - y) ** 2 + (az - z) ** 2 < (r + ar) ** 2:
                                clash = True
                                break
                        if clash:
                            break
                    if clash:
                        break
                if clash:
                    break
            if clash:
                continue
            grid.setdefault((kx, ky, kz), []).append(n)
            accepted.append((x, y, z, r))
            n += 1
    if n < target:
        raise InputError(
            f"cannot place {target} clusters of radius {spec.radius_nm} nm without overlap: "
            f"volume fraction {spec.volume_fraction:.2f} is too high (keep it below ~0.3)"
        )
    arr = np.array(accepted, dtype=np.float64).reshape(-1, 4)
    return arr[:, :3], arr[:, 3]


def matrix_fractions(
    elements: Sequence[str], bulk: np.ndarray, cluster: np.ndarray, cluster_site_fraction: float
) -> np.ndarray:
    """Matrix composition that keeps the bulk at ``bulk`` when a fraction of sites is in clusters.

    Raises
    ------
    InputError
        If the clusters would need more of an element than the whole specimen holds.
    """
    f = cluster_site_fraction
    if f >= 1.0:
        raise InputError("clusters fill the whole specimen: lower their number density or radius")
    mat = (bulk - f * cluster) / (1.0 - f)
    if np.any(mat < -1e-12):
        bad = [e for e, m in zip(elements, mat) if m < 0]
        raise InputError(
            f"clusters hold more {', '.join(bad)} than the bulk composition allows "
            f"(cluster volume fraction {f:.2f}): lower the cluster density or enrichment"
        )
    mat = np.clip(mat, 0.0, None)
    return mat / mat.sum()


def calibrate_field(
    g: np.ndarray, target: np.ndarray, weights: np.ndarray, amplitude: float, iterations: int = 30
) -> np.ndarray:
    """Base weights ``q`` such that ``q_i exp(A w_i g)``, normalised per cell, averages to ``target``.

    Parameters
    ----------
    g
        Field values of (a sample of) the cells inside the specimen.
    target
        Mean composition the cells must average to.
    weights, amplitude
        Bias of each element and strength.
    """
    expo = np.exp(amplitude * np.outer(g.astype(np.float64), weights))
    q = target.copy()
    for _ in range(iterations):
        p = expo * q
        p /= p.sum(axis=1, keepdims=True)
        mean = p.mean(axis=0)
        # Fixed-point update: scale each base weight by how far its mean is from the target.
        q = q * np.where(mean > 0, target / np.maximum(mean, 1e-300), 1.0)
        q /= q.sum()
    return q


def cumulative_table(g: np.ndarray, q: np.ndarray, weights: np.ndarray, amplitude: float) -> np.ndarray:
    """Cumulative site probabilities per field cell, (n_cells, K) float32, last column 1.

    Computed one element at a time in float32 so a grid of millions of cells stays small.
    """
    flat = g.reshape(-1)
    out = np.empty((flat.size, len(q)), dtype=np.float32)
    for k in range(len(q)):
        out[:, k] = np.float32(q[k]) * np.exp(np.float32(amplitude * weights[k]) * flat)
    np.cumsum(out, axis=1, out=out)
    out /= out[:, -1:]
    return out
