"""The atom probe as seen by the data: detection efficiency, position blur, peak shape, background."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.synth.spectrum import PeakShape


@dataclass(frozen=True)
class Instrument:
    """Instrument parameters.

    Parameters
    ----------
    efficiency
        Fraction of evaporated atoms that are detected (0.37: CAMECA EIKOS-UV, as in the paper).
    blur_lateral_nm, blur_depth_nm
        Standard deviation of the Gaussian reconstruction error across (x, y) and along (z) the
        tip axis; APT resolves depth far better than the lateral position.
    background_fraction
        Share of all ions that are uncorrelated noise hits with a random m/n.
    resolving_power, tail_fraction, tail_scale
        Peak shape, see :class:`hea_studio.synth.spectrum.PeakShape`.
    """

    efficiency: float = 0.37
    blur_lateral_nm: float = 0.3
    blur_depth_nm: float = 0.1
    background_fraction: float = 0.01
    resolving_power: float = 1000.0
    tail_fraction: float = 0.3
    tail_scale: float = 0.002

    def __post_init__(self) -> None:
        if not (0.0 < self.efficiency <= 1.0):
            raise InputError(f"detection efficiency must lie in (0, 1], got {self.efficiency}")
        for name in ("blur_lateral_nm", "blur_depth_nm", "tail_scale"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise InputError(f"{name.replace('_', ' ')} must be >= 0, got {v}")
        if not (0.0 <= self.background_fraction < 0.5):
            raise InputError(f"background fraction must lie in [0, 0.5), got {self.background_fraction}")
        if not (0.0 <= self.tail_fraction <= 1.0):
            raise InputError(f"tail fraction must lie in [0, 1], got {self.tail_fraction}")
        if not (self.resolving_power > 10):
            raise InputError(f"mass resolving power must exceed 10, got {self.resolving_power}")

    @property
    def peak_shape(self) -> PeakShape:
        """Peak shape of this instrument."""
        return PeakShape(self.resolving_power, self.tail_fraction, self.tail_scale)

    @property
    def blur_margin_nm(self) -> float:
        """Distance beyond which blur practically never moves an atom (4 sigma)."""
        return 4.0 * max(self.blur_lateral_nm, self.blur_depth_nm)

    def detect(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Which of ``n`` evaporated atoms reach the detector (Bernoulli with the efficiency)."""
        return rng.random(n, dtype=np.float32) < np.float32(self.efficiency)

    def blur(self, positions: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Positions with Gaussian reconstruction error added (a new array)."""
        dtype = positions.dtype if positions.dtype in (np.float32, np.float64) else np.float64
        sigma = np.array([self.blur_lateral_nm, self.blur_lateral_nm, self.blur_depth_nm], dtype=dtype)
        return positions + rng.standard_normal(positions.shape, dtype=dtype) * sigma

    def to_dict(self) -> dict:
        """Parameters as plain JSON types."""
        return asdict(self)
