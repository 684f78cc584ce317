"""Synthetic STEM-EDS spectrum images of a lamella with known truth (science.md 9).

A lamella of thickness ``t`` is cut from the same material generator as the APT specimens (same
elements, lattice, concentration field, clusters and seed; a box of ``width x width x t``, every atom
kept, no reconstruction blur). Its atoms are counted per pixel and element, blurred by a Gaussian
probe, and each atom of element i emits ``Poisson(yield_i)`` characteristic X-rays into its line
family (K alpha and K beta, or L alpha and L beta, with xraydb's relative intensities), spread by the
detector's resolution (FWHM 130 eV at Mn K alpha, growing with sqrt(E)); a Kramers bremsstrahlung
continuum with a low-energy detector cut-off adds background; every channel is a Poisson count. The
file is HyperSpy's .hspy with the metadata a real EDS_TEM file has, plus ``PREFIX_HAADF.hspy``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.progress import TaskState, check_cancelled
from hea_studio.core.xray import DEFAULT_FWHM_MN_EV, default_line, family_lines, fwhm_kev, parse_line
from hea_studio.synth.instrument import Instrument
from hea_studio.synth.lattice import site_density
from hea_studio.synth.shape import BoxShape
from hea_studio.synth.specimen import SynthParams, generate

# Atomic numbers of the alloy elements the presets use (HAADF contrast only; others fall back to 26).
_Z = {"Al": 13, "Ti": 22, "Cr": 24, "Mn": 25, "Fe": 26, "Co": 27, "Ni": 28, "Cu": 29, "Zr": 40, "Nb": 41,
      "Mo": 42, "Pd": 46, "Hf": 72, "Ta": 73, "W": 74, "Mg": 12, "Zn": 30, "O": 8}  # fmt: skip
_BAND_ROWS = 32


@dataclass(frozen=True)
class EdsParams:
    """A synthetic spectrum image.

    Parameters
    ----------
    material
        The material generator's parameters (its shape, instrument and impurities are replaced).
    width_nm, thickness_nm, pixel_nm
        Lamella extent in x and y, foil thickness, pixel size.
    probe_fwhm_nm
        Gaussian probe (and beam spreading) FWHM.
    counts_per_atom
        Mean characteristic X-rays detected per atom (all lines of its family), before per-element
        factors; 0.4 is a long map of a thin foil.
    yields
        Relative X-ray yield per element (missing: 1); the true Cliff-Lorimer k-factor is its inverse.
    bremsstrahlung
        Continuum counts per atom over the whole spectrum.
    channels, channel_kev, offset_kev
        Energy axis (Bruker-like by default: 2048 channels of 10 eV from -0.2 keV).
    fwhm_mn_ev, beam_kev
        Detector resolution at Mn K alpha and beam energy.
    seed
        Seed of the X-ray draws (the atoms use the material's own seed).
    """

    material: SynthParams
    width_nm: float = 16.0
    thickness_nm: float = 20.0
    pixel_nm: float = 0.25
    probe_fwhm_nm: float = 0.2
    counts_per_atom: float = 0.4
    yields: dict[str, float] = field(default_factory=dict)
    bremsstrahlung: float = 0.05
    channels: int = 2048
    channel_kev: float = 0.01
    offset_kev: float = -0.2
    fwhm_mn_ev: float = DEFAULT_FWHM_MN_EV
    beam_kev: float = 200.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("width_nm", "thickness_nm", "pixel_nm", "counts_per_atom", "channel_kev", "beam_kev"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise InputError(f"{name.replace('_', ' ')} must be a positive number, got {v}")
        if self.width_nm / self.pixel_nm < 4:
            raise InputError(
                f"the map would be {self.width_nm / self.pixel_nm:.1f} pixels wide: at least 4 needed"
            )
        if not (self.probe_fwhm_nm >= 0 and self.bremsstrahlung >= 0):
            raise InputError("probe FWHM and bremsstrahlung must be >= 0")

    @property
    def n_pixels(self) -> int:
        """Pixels along x and y."""
        return round(self.width_nm / self.pixel_nm)


@dataclass(eq=False)
class SynthMap:
    """A generated spectrum image and its truth."""

    data: np.ndarray  # (ny, nx, channels) uint16
    haadf: np.ndarray  # (ny, nx) float32
    atoms: np.ndarray  # (K, ny, nx) atoms per pixel column (before the probe blur)
    lines: tuple[str, ...]
    k_factors: dict[str, float]
    params: EdsParams
    truth: dict


def lamella_params(p: EdsParams) -> SynthParams:
    """The material cut as a ``width x width x t`` box, every atom detected where it sits."""
    return replace(
        p.material,
        shape=BoxShape((p.width_nm, p.width_nm, p.thickness_nm)),
        instrument=Instrument(
            efficiency=1.0, blur_lateral_nm=0.0, blur_depth_nm=0.0, background_fraction=0.0
        ),
        impurities={},
    )


def _blur(img: np.ndarray, sigma_px: float) -> np.ndarray:
    """Gaussian blur along the last two axes (reflecting edges), separable."""
    if sigma_px < 0.05:
        return img
    r = max(1, math.ceil(4 * sigma_px))
    x = np.arange(-r, r + 1)
    k = np.exp(-0.5 * (x / sigma_px) ** 2)
    k /= k.sum()
    out = img.astype(np.float64)
    for axis in (-2, -1):
        pad = [(0, 0)] * out.ndim
        pad[axis] = (r, r)
        padded = np.pad(out, pad, mode="reflect")
        out = sum(k[i] * np.take(padded, np.arange(i, i + out.shape[axis]), axis=axis) for i in range(k.size))
    return out


def _profiles(lines: list[str], energies: np.ndarray, fwhm_mn_ev: float) -> np.ndarray:
    """(K, channels) emission profile per element: its line family plus the beta lines, sum 1 over all."""
    out = np.zeros((len(lines), energies.size))
    de = energies[1] - energies[0]
    for i, text in enumerate(lines):
        el, fam = parse_line(text)
        beta = fam[0] + "b"
        members = family_lines(el, fam) + family_lines(el, beta)
        for e, w in members:
            s = fwhm_kev(e, fwhm_mn_ev) / 2.3548
            out[i] += w * np.exp(-0.5 * ((energies - e) / s) ** 2) * de / (s * math.sqrt(2 * math.pi))
        out[i] /= out[i].sum()
    return out


def _continuum(energies: np.ndarray, beam_kev: float) -> np.ndarray:
    """Kramers' (E0 - E) / E shape times a detector window cut-off below ~1 keV, sum 1."""
    e = np.clip(energies, 1e-3, None)
    shape = np.where((energies > 0.05) & (energies < beam_kev), (beam_kev - e) / e, 0.0)
    shape *= 1.0 - np.exp(-((e / 0.9) ** 3))
    return shape / shape.sum()


def _alpha_share(line: str) -> float:
    el, fam = parse_line(line)
    a = sum(w for _, w in family_lines(el, fam))
    b = sum(w for _, w in family_lines(el, fam[0] + "b"))
    return a / (a + b)


def generate_map(p: EdsParams, task: TaskState | None = None) -> SynthMap:
    """Generate the spectrum image of ``p`` (same parameters, same bytes)."""
    lam = generate(lamella_params(p), task=None)
    check_cancelled(task)
    elements = p.material.elements
    K = len(elements)
    n = p.n_pixels
    pos = lam.ions.positions
    lab = lam.ion_species
    keep = (lab >= 0) & (lab < K)
    ix = np.clip((pos[keep, 0] / p.pixel_nm).astype(np.int64), 0, n - 1)
    iy = np.clip((pos[keep, 1] / p.pixel_nm).astype(np.int64), 0, n - 1)
    flat = (lab[keep].astype(np.int64) * n + iy) * n + ix
    atoms = np.bincount(flat, minlength=K * n * n).reshape(K, n, n)
    sigma_px = p.probe_fwhm_nm / 2.3548 / p.pixel_nm
    seen = _blur(atoms, sigma_px)  # atoms each probe position excites
    energies = p.offset_kev + p.channel_kev * np.arange(p.channels)
    e_max = float(energies[-1])
    lines = [default_line(e, e_max) for e in elements]
    prof = _profiles(lines, energies, p.fwhm_mn_ev)
    cont = _continuum(energies, p.beam_kev)
    y = np.array([p.counts_per_atom * p.yields.get(e, 1.0) for e in elements])
    rng = np.random.default_rng([int(p.seed), 0xED5])
    data = np.empty((n, n, p.channels), dtype=np.uint16)
    total_atoms = seen.sum(axis=0)
    for y0 in range(0, n, _BAND_ROWS):
        check_cancelled(task)
        y1 = min(n, y0 + _BAND_ROWS)
        lam_char = np.einsum("kyx,ke->yxe", seen[:, y0:y1] * y[:, None, None], prof)
        lam_char += (p.bremsstrahlung * total_atoms[y0:y1])[:, :, None] * cont[None, None, :]
        data[y0:y1] = np.minimum(rng.poisson(lam_char), np.iinfo(np.uint16).max)
        if task is not None:
            task.report(y1 / n, "synthetic spectrum image")
    z = np.array([_Z.get(e, 26) for e in elements], float)
    haadf = (seen * z[:, None, None] ** 1.7).sum(axis=0)
    haadf = (haadf / haadf.mean() * 1000.0 + rng.normal(0, 10.0, haadf.shape)).astype(np.float32)
    # True Cliff-Lorimer k-factors: atoms per unit of the analysed line's intensity. The line carries
    # its family's share of the shell's X-rays (e.g. K alpha ~88 % of K); normalised to the first element.
    share = np.array([_alpha_share(ln) for ln in lines])
    inv = 1.0 / (y * share)
    kf = {e: float(v / inv[0]) for e, v in zip(elements, inv, strict=True)}
    comp = atoms.sum(axis=(1, 2)) / atoms.sum()
    truth = {
        "elements": list(elements),
        "composition": dict(zip(elements, (float(c) for c in comp), strict=True)),
        "atoms": int(atoms.sum()),
        "atom_density_per_nm3": float(site_density(p.material.lattice)),
        "counts_per_atom": dict(zip(elements, (float(v) for v in y), strict=True)),
        "lines": lines,
        "k_factors": kf,
    }
    return SynthMap(data, haadf, atoms, tuple(lines), kf, p, truth)


def _axes(p: EdsParams, with_energy: bool) -> list[dict]:
    n = p.n_pixels
    axes = [
        {"name": "y", "units": "nm", "scale": p.pixel_nm, "offset": 0.0, "size": n, "navigate": True},
        {"name": "x", "units": "nm", "scale": p.pixel_nm, "offset": 0.0, "size": n, "navigate": True},
    ]
    if with_energy:
        axes.append(
            {"name": "Energy", "units": "keV", "scale": p.channel_kev, "offset": p.offset_kev,
             "size": p.channels, "navigate": False}
        )  # fmt: skip
    for i, a in enumerate(axes):
        a["index_in_array"] = i
    return axes


# The fields HyperSpy's writer expects of a signal besides data, axes and metadata.
_HSPY_FIELDS = {"tmp_parameters": {}, "attributes": {"_lazy": False}, "learning_results": {}, "models": {},
                "package_info": {"name": "hea_studio", "version": ""}}  # fmt: skip


def write_map(prefix: str | Path, m: SynthMap) -> tuple[Path, Path]:
    """Write ``PREFIX.hspy`` (EDS_TEM spectrum image) and ``PREFIX_HAADF.hspy``; returns both paths."""
    from rsciio.hspy import file_writer

    from hea_studio.io.files import write_atomically

    prefix = Path(prefix)
    p = m.params
    si_path = prefix.with_name(prefix.name + ".hspy")
    img_path = prefix.with_name(prefix.name + "_HAADF.hspy")
    tem = {
        "beam_energy": p.beam_kev,
        "probe_fwhm_nm": p.probe_fwhm_nm,
        "Detector": {"EDS": {"energy_resolution_MnKa": p.fwhm_mn_ev, "elevation_angle": 18.0,
                             "azimuth_angle": 0.0, "live_time": 600.0, "real_time": 650.0}},
    }  # fmt: skip
    sample = {
        "description": "synthetic lamella (hea-studio synth --eds)",
        "elements": list(m.truth["elements"]),
        "xray_lines": list(m.lines),
        "thickness": p.thickness_nm,
        "k_factors": [m.k_factors[e] for e in m.truth["elements"]],
        "atom_density_per_nm3": m.truth["atom_density_per_nm3"],
    }
    general = {"title": "EDS", "original_filename": si_path.name}
    truth_text = json.dumps({"truth": m.truth, "material": p.material.to_dict()})
    signal = {
        "data": m.data,
        "axes": _axes(p, True),
        "metadata": {
            "General": general,
            "Signal": {"signal_type": "EDS_TEM", "quantity": "X-rays (Counts)"},
            "Sample": sample,
            "Acquisition_instrument": {"TEM": tem},
        },
        "original_metadata": {"hea_studio_synth": truth_text},
        **_HSPY_FIELDS,
    }
    image = {
        "data": m.haadf,
        "axes": _axes(p, False),
        "metadata": {
            "General": {"title": "HAADF", "original_filename": img_path.name},
            "Signal": {"signal_type": ""},
        },
        "original_metadata": {},
        **_HSPY_FIELDS,
    }
    write_atomically(
        si_path, lambda tmp: file_writer(str(tmp), signal, show_progressbar=False), durable=False
    )
    write_atomically(
        img_path, lambda tmp: file_writer(str(tmp), image, show_progressbar=False), durable=False
    )
    return si_path, img_path


def as_spectrum_image(m: SynthMap, path: str | Path = "synthetic.hspy"):
    """The map as the reader would return it from its file (no file written; for tests and previews)."""
    from hea_studio.io.eds import SpectrumImage

    p = m.params
    return SpectrumImage(
        path=Path(path),
        data=m.data,
        pixel_nm=p.pixel_nm,
        energy_offset_kev=p.offset_kev,
        energy_scale_kev=p.channel_kev,
        elements=tuple(m.truth["elements"]),
        xray_lines=m.lines,
        image=m.haadf,
        image_name="HAADF",
        beam_energy_kev=p.beam_kev,
        fwhm_mn_ka_ev=p.fwhm_mn_ev,
        thickness_nm=p.thickness_nm,
        k_factors=dict(m.k_factors),
        metadata={
            "atom_density_per_nm3": m.truth["atom_density_per_nm3"],
            "probe_fwhm_nm": p.probe_fwhm_nm,
            "instrument": "TEM",
        },
    )


def demo_lamella(thickness_nm: float = 20.0) -> EdsParams:
    """A lamella of the bundled APT demo's material (the ``cocufeni-paper`` preset, same seed)."""
    from hea_studio.synth.presets import cocufeni_paper

    return EdsParams(material=cocufeni_paper(), width_nm=32.0, thickness_nm=thickness_nm)
