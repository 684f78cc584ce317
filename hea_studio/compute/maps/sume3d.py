"""3D-equivalent SUME from a map's deficit curve (science.md 9, "the moonshot").

To second order the deficit of a region is ``D = 1/2 sum_i Var_i(region) / p_i``, with ``Var_i`` the
variance of element i's fraction averaged over the region. For a stationary field whose elements share
one Gaussian correlation ``C_i(r) = s_i^2 exp(-r^2 / (2 xi^2))`` that variance factorises over the
region's axes: averaging over a length ``a`` multiplies it by

    h(a, xi) = (2 / a^2) [a xi sqrt(pi/2) erf(a / (xi sqrt 2)) - xi^2 (1 - exp(-a^2 / (2 xi^2)))].

A map patch is an ``L x L x t`` column seen through a Gaussian probe of standard deviation ``s``:
laterally the field is blurred first, which turns ``xi`` into ``xi' = sqrt(xi^2 + 2 s^2)`` and scales
the variance by ``xi / xi'`` per axis. So

    D_map(L) = A (xi / xi')^2 h(L, xi')^2 h(t, xi),      D_cube(L) = A h(L, xi)^3,

with ``A = 1/2 sum_i s_i^2 / p_i``. ``(A, xi)`` are fitted to the map's deficit curve (weighted
least squares; A is linear, xi on a log grid); the cube curve is predicted at the APT edges and its
deficit hinge is the 3D-equivalent SUME; refitting every replicate curve propagates the interval.
Only the Gaussian family is fitted (the exponential one has no closed form under the probe blur).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from hea_studio.compute.maps.lac2d import PatchScale
from hea_studio.compute.maps.sume2d import Replicates
from hea_studio.compute.sume.estimate import edge_subsets, hinge_result
from hea_studio.compute.sume.fits import hinge_fit

_erf = np.vectorize(math.erf, otypes=[np.float64])

XI_GRID = np.geomspace(0.05, 100.0, 600)
MIN_DEFICIT_SHARE = 0.005  # a predicted cube deficit below 0.5 % of S_bulk is no chemistry


def h_avg(a: np.ndarray | float, xi: np.ndarray | float) -> np.ndarray:
    """Variance factor of averaging a Gaussian-correlated field over a segment of length ``a``."""
    a = np.asarray(a, dtype=np.float64)
    xi = np.asarray(xi, dtype=np.float64)
    z = a / (xi * math.sqrt(2.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        val = (2.0 / (a * a)) * (a * xi * math.sqrt(math.pi / 2.0) * _erf(z) - xi * xi * (-np.expm1(-z * z)))
    return np.where(z < 1e-4, 1.0 - a * a / (12.0 * xi * xi), val)


def map_shape(L: np.ndarray, xi: np.ndarray, thickness_nm: float, probe_sigma_nm: float) -> np.ndarray:
    """``D_map / A`` for sides ``L`` (n,) and correlation lengths ``xi`` (m,), shape (m, n)."""
    xi = np.asarray(xi, dtype=np.float64)[:, None]
    xb = np.sqrt(xi * xi + 2.0 * probe_sigma_nm**2)
    return (xi / xb) ** 2 * h_avg(L[None, :], xb) ** 2 * h_avg(thickness_nm, xi)


def cube_shape(L: np.ndarray, xi: np.ndarray) -> np.ndarray:
    """``D_cube / A`` for edges ``L`` (n,) and correlation lengths ``xi`` (m,), shape (m, n)."""
    return h_avg(L[None, :], np.asarray(xi, dtype=np.float64)[:, None]) ** 3


@dataclass(frozen=True)
class CorrelationFit:
    """Fitted ``A`` and ``xi`` per curve (arrays of shape (B,))."""

    amplitude: np.ndarray
    xi_nm: np.ndarray
    sse: np.ndarray


def fit_correlation(
    L: np.ndarray, D: np.ndarray, weights: np.ndarray, thickness_nm: float, probe_sigma_nm: float
) -> CorrelationFit:
    """Weighted least-squares ``(A >= 0, xi)`` for each row of ``D`` (B, n) (or one curve (n,))."""
    D = np.atleast_2d(D)
    G = map_shape(L, XI_GRID, thickness_nm, probe_sigma_nm)  # (m, n)
    W = weights[None, :]
    num = (D * W) @ G.T  # (B, m)
    den = (G * G * W).sum(axis=1)[None, :]  # (1, m)
    A = np.clip(num / den, 0.0, None)
    # sse = sum w D^2 - 2 A num + A^2 den
    sse = (W * D * D).sum(axis=1)[:, None] - 2 * A * num + A * A * den
    best = np.argmin(sse, axis=1)
    rows = np.arange(D.shape[0])
    return CorrelationFit(A[rows, best], XI_GRID[best], sse[rows, best])


def sume_3d_equivalent(
    curve: list[PatchScale],
    projected: dict,
    reps: Replicates | None,
    thickness_nm: float,
    probe_sigma_nm: float,
    apt_edges_nm: np.ndarray,
    S_bulk: float,
    seed: int,
) -> dict:
    """The 3D-equivalent SUME (same keys as the projected one, plus the fitted model).

    Parameters
    ----------
    curve
        The 2D curve (only ``in_fit`` sides are used).
    projected
        The projected SUME: when it is below range, so is this one.
    reps
        The projected SUME's replicate deficit curves (refitted one by one for the interval).
    thickness_nm, probe_sigma_nm
        Foil thickness and the probe's Gaussian standard deviation.
    apt_edges_nm
        Cube edges the cube curve is predicted at (the APT analysis's default list).
    """
    out: dict[str, Any] = {
        "method": "hinge-deficit",
        "model": "gaussian-correlation",
        "edge_nm": None,
        "at_least_nm": None,
        "at_most_nm": None,
        "below_range": False,
        "ci95_nm": None,
        "edge_sensitivity_nm": None,
        "resolution_nm": None,
        "volume_nm3": None,
        "correlation_length_nm": None,
        "amplitude": None,
        "probe_sigma_nm": probe_sigma_nm,
        "thickness_nm": thickness_nm,
        "predicted_curve": None,
        "reason": None,
    }
    fitted = [s for s in curve if s.in_fit]
    L3 = np.asarray(apt_edges_nm, dtype=np.float64)
    if len(fitted) < 3:
        out["reason"] = projected.get("reason") or "fewer than 3 fitted patch sides"
        return out
    L = np.array([s.size_nm for s in fitted])
    D = np.array([float(s.deficit) for s in fitted])  # type: ignore[arg-type]
    sem = np.array([math.hypot(s.S_sem or 0.0, s.S_null_error or 0.0) for s in fitted])
    w = 1.0 / np.maximum(sem, 1e-6) ** 2
    fit = fit_correlation(L, D, w, thickness_nm, probe_sigma_nm)
    A, xi = float(fit.amplitude[0]), float(fit.xi_nm[0])
    out.update(correlation_length_nm=xi, amplitude=A)
    D3 = A * cube_shape(L3, np.array([xi]))[0]
    out["predicted_curve"] = [{"size_nm": float(a), "deficit": float(d)} for a, d in zip(L3, D3, strict=True)]
    spacing = float(np.median(np.diff(L3)))
    out["resolution_nm"] = 0.6 * spacing
    if projected.get("below_range") or A <= 0 or D3[0] < MIN_DEFICIT_SHARE * S_bulk:
        out.update(below_range=True, at_most_nm=float(L3[0]))
        out["reason"] = f"random down to {L3[0]:.3g} nm: the map resolves no chemistry to carry into 3D"
        return out
    # Predicted cube curves of every replicate: refit (A, xi) and predict at the APT edges.
    reps3 = keep = None
    if reps is not None and reps.D.shape[0] > 0:
        rf = fit_correlation(L, reps.D, w, thickness_nm, probe_sigma_nm)
        reps3 = rf.amplitude[:, None] * cube_shape(L3, rf.xi_nm)
        keep = edge_subsets(reps3.shape[0], L3.size, seed + 3)
    # Only edges where the predicted deficit is resolvable enter the hinge (as for APT, the plateau
    # edges keep it level): all the APT edges.
    res = hinge_result(L3, D3, 0.0, "hinge-deficit", None, 0.0, reps3, keep)
    # The fitted L* (edge_nm is null when only a bound is known; fit_edge_nm always holds it).
    assert res.fit_edge_nm is not None
    edge = float(res.fit_edge_nm)
    subsets = edge_subsets(200, L3.size, seed + 5)
    sens = hinge_fit(L3, np.broadcast_to(D3, subsets.shape), subsets).edge
    sens = sens[np.isfinite(sens)]
    if sens.size >= 2:
        lo, hi = np.percentile(sens, [2.5, 97.5])
        out["edge_sensitivity_nm"] = [float(lo), float(hi)]
    if edge >= L3[-1] - 1e-9:
        out.update(at_least_nm=float(L3[-1]), ci95_nm=[float(L3[-1]), None])
    elif edge <= L3[0] + 1e-9:
        out.update(at_most_nm=float(L3[0]))
    else:
        ci = list(res.ci95_nm) if res.ci95_nm is not None and res.edge_nm is not None else None
        if ci is not None and (ci[0] is None or ci[1] is None or ci[1] <= ci[0]):
            ci = None
        out.update(edge_nm=edge, ci95_nm=ci, volume_nm3=edge**3)
    if reps is not None:
        xs = np.percentile(rf.xi_nm, [2.5, 97.5])
        out["correlation_length_ci95_nm"] = [float(xs[0]), float(xs[1])]
    return out
