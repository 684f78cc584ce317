"""STEM-EDS spectrum images from Bruker .bcf, Velox .emd and HyperSpy .hspy, read with RosettaSciIO.

RosettaSciIO returns every signal of a file as a dict (``data``, ``axes``, ``metadata``,
``original_metadata``). This module picks the EDS spectrum image (y, x, energy), the HAADF/DF image
that came with it and the element list, converts the lateral scale to nm and the energy axis to keV,
and refuses clearly what HEA Studio cannot analyse: a file that is not what its extension says, a
single spectrum, EELS without EDS, maps without the spectrum image, or no elements at all.
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hea_studio.core.errors import InputError

EDS_SUFFIXES = (".bcf", ".emd", ".hspy", ".spx")

_LENGTH_TO_NM = {
    "nm": 1.0,
    "µm": 1e3,
    "um": 1e3,
    "μm": 1e3,
    "mm": 1e6,
    "m": 1e9,
    "Å": 0.1,
    "A": 0.1,
    "pm": 1e-3,
}
_ELEMENT = re.compile(r"^[A-Z][a-z]?$")
_IMAGE_PREFERENCE = ("HAADF", "DF", "ADF", "BF", "BSE", "SE")


@dataclass(frozen=True)
class SignalInfo:
    """One signal of a file, as ``info`` lists it."""

    title: str
    kind: str
    shape: tuple[int, ...]
    dtype: str


@dataclass(eq=False)
class SpectrumImage:
    """An EDS spectrum image and what came with it.

    Parameters
    ----------
    path
        The file read.
    data
        Counts, shape (ny, nx, n_channels), the file's own integer dtype (not copied when avoidable).
    pixel_nm
        Lateral pixel size (nm), the same along x and y.
    energy_offset_kev, energy_scale_kev
        Energy of channel ``c`` is ``offset + c * scale`` (keV).
    elements
        Elements the file names (or the user chose), in the file's order.
    xray_lines
        Lines the file names (``"Fe_Ka"``), possibly empty.
    image, image_name
        The HAADF/DF (or BSE/SE) image of the same scan, or ``None``.
    beam_energy_kev, fwhm_mn_ka_ev, thickness_nm
        Acquisition metadata when the file carries it (``None`` otherwise).
    k_factors
        Cliff-Lorimer k-factors the file carries, per element (empty if none).
    maps
        Element maps the vendor software already computed (e.g. Velox quantified maps), by title.
    signals
        Every signal of the file (for ``info``).
    metadata
        A few more fields for reports: instrument, date, density of atoms if known.
    """

    path: Path
    data: np.ndarray
    pixel_nm: float
    energy_offset_kev: float
    energy_scale_kev: float
    elements: tuple[str, ...]
    xray_lines: tuple[str, ...] = ()
    image: np.ndarray | None = None
    image_name: str | None = None
    beam_energy_kev: float | None = None
    fwhm_mn_ka_ev: float | None = None
    thickness_nm: float | None = None
    k_factors: dict[str, float] = field(default_factory=dict)
    maps: dict[str, np.ndarray] = field(default_factory=dict)
    signals: tuple[SignalInfo, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx) of the map."""
        return int(self.data.shape[0]), int(self.data.shape[1])

    @property
    def n_channels(self) -> int:
        """Channels of the energy axis."""
        return int(self.data.shape[2])

    def energy_axis(self) -> np.ndarray:
        """Energy (keV) of every channel."""
        return self.energy_offset_kev + self.energy_scale_kev * np.arange(self.n_channels)


def is_eds_file(path: str | Path) -> bool:
    """True when the extension is one of the spectrum-image formats (.bcf, .emd, .hspy, .spx)."""
    return Path(path).suffix.lower() in EDS_SUFFIXES


def _read_all(path: Path) -> list[dict]:
    """Every signal RosettaSciIO finds in ``path`` (InputError naming the file when it cannot)."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError("no such file", path)
    try:
        if suffix in (".bcf", ".spx"):
            from rsciio.bruker import file_reader
        elif suffix == ".emd":
            from rsciio.emd import file_reader
        elif suffix == ".hspy":
            from rsciio.hspy import file_reader
        else:
            raise InputError(
                f"not a spectrum image format HEA Studio reads (use .bcf, .emd or .hspy; got {suffix or 'no extension'})",
                path,
            )
    except ImportError as exc:  # pragma: no cover - a broken install
        raise InputError(f"cannot read {suffix} files: {exc}", path) from exc
    size = path.stat().st_size
    # RosettaSciIO logs chatty warnings (e.g. about pruned Velox streams); they are not the user's
    # business here: what matters is said in our own error messages below.
    logger = logging.getLogger("rsciio")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = file_reader(str(path))
    except InputError:
        raise
    except Exception as exc:  # vendor readers raise anything from TypeError to KeyError on junk
        kind = {
            ".bcf": "Bruker .bcf",
            ".spx": "Bruker .spx",
            ".emd": "Velox/EMD .emd",
            ".hspy": "HyperSpy .hspy",
        }[suffix]
        raise InputError(
            f"not a readable {kind} file ({size} bytes; the reader says: {type(exc).__name__}: {exc})", path
        ) from exc
    finally:
        logger.setLevel(level)
    if not out:
        raise InputError("the file holds no signals", path)
    return list(out)


def _title(d: dict) -> str:
    return str(d.get("metadata", {}).get("General", {}).get("title", "") or "").strip()


def _signal_type(d: dict) -> str:
    return str(d.get("metadata", {}).get("Signal", {}).get("signal_type", "") or "")


def _is_eds(d: dict) -> bool:
    return _signal_type(d).upper().startswith("EDS")


def _is_eels(d: dict) -> bool:
    return _signal_type(d).upper() == "EELS" or "EELS" in _title(d).upper()


def _kind(d: dict) -> str:
    nd = np.ndim(d["data"])
    if _is_eds(d):
        return "EDS spectrum image" if nd == 3 else ("EDS spectrum" if nd == 1 else f"EDS {nd}D")
    if _is_eels(d):
        return "EELS spectrum image" if nd == 3 else ("EELS map" if nd == 2 else "EELS")
    if nd == 2:
        return "element map" if _ELEMENT.match(_title(d)) else "image"
    return f"{nd}D signal"


def _to_nm(axis: dict, path: Path) -> float:
    units = str(axis.get("units") or "").strip()
    scale = float(axis.get("scale", 1.0))
    if units not in _LENGTH_TO_NM:
        raise InputError(f"the map's pixel size is given in {units!r}, not a length unit", path)
    return scale * _LENGTH_TO_NM[units]


def _energy_kev(axis: dict, path: Path) -> tuple[float, float]:
    units = str(axis.get("units") or "keV").strip()
    factor = {"keV": 1.0, "eV": 1e-3}.get(units)
    if factor is None:
        raise InputError(f"the energy axis is given in {units!r}, not keV or eV", path)
    return float(axis.get("offset", 0.0)) * factor, float(axis.get("scale", 1.0)) * factor


def _nested(d: dict, *keys: str):
    cur: Any = d
    for k in keys:
        if not isinstance(cur, dict) or k not in cur:
            return None
        cur = cur[k]
    return cur


def _number(value) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) and x > 0 else None


def _acquisition(md: dict) -> tuple[float | None, float | None]:
    """Beam energy (keV) and detector FWHM at Mn K-alpha (eV) from HyperSpy-style metadata."""
    for mic in ("TEM", "SEM"):
        beam = _number(_nested(md, "Acquisition_instrument", mic, "beam_energy"))
        fwhm = _number(
            _nested(md, "Acquisition_instrument", mic, "Detector", "EDS", "energy_resolution_MnKa")
        )
        if beam is not None or fwhm is not None:
            return beam, fwhm
    return None, None


def _pick_image(signals: list[dict], shape: tuple[int, int]) -> tuple[np.ndarray | None, str | None]:
    """The HAADF/DF image with the map's shape, preferring HAADF, then DF, BF, BSE, SE, anything."""
    candidates = [
        d
        for d in signals
        if np.ndim(d["data"]) == 2
        and tuple(d["data"].shape) == shape
        and not _is_eds(d)
        and not _is_eels(d)
        and not _ELEMENT.match(_title(d))
    ]
    if not candidates:
        return None, None

    def rank(d: dict) -> int:
        t = _title(d).upper()
        for i, name in enumerate(_IMAGE_PREFERENCE):
            if t.startswith(name):
                return i
        return len(_IMAGE_PREFERENCE)

    best = min(candidates, key=rank)
    return np.asarray(best["data"], dtype=np.float32), _title(best) or "image"


def _sibling_image(path: Path, shape: tuple[int, int]) -> tuple[np.ndarray | None, str | None]:
    """A HyperSpy file holds one signal: the HAADF of ``run.hspy`` is ``run_HAADF.hspy`` if present."""
    if path.suffix.lower() != ".hspy":
        return None, None
    sib = path.with_name(f"{path.stem}_HAADF.hspy")
    if not sib.is_file():
        return None, None
    try:
        (img,) = _read_all(sib)[:1]
    except InputError:
        return None, None
    if np.ndim(img["data"]) != 2 or tuple(img["data"].shape) != shape:
        return None, None
    return np.asarray(img["data"], dtype=np.float32), "HAADF"


def describe(path: str | Path) -> dict:
    """What the file holds, for ``hea-studio info`` (never refuses a readable file).

    Returns
    -------
    dict
        ``file``, ``signals`` (title, kind, shape, dtype), and when an EDS spectrum image is present
        ``pixel_nm``, ``energy_kev`` (offset, scale, channels), ``elements``, ``xray_lines``, ``image``;
        ``analysable`` and, if not, ``reason``.
    """
    path = Path(path)
    signals = _read_all(path)
    report: dict[str, Any] = {
        "file": str(path),
        "technique": "stem-eds",
        "signals": [
            {
                "title": _title(d),
                "kind": _kind(d),
                "shape": list(np.shape(d["data"])),
                "dtype": str(np.asarray(d["data"]).dtype),
            }
            for d in signals
        ],
    }
    try:
        si = load_spectrum_image(path, elements=None, _signals=signals, require_elements=False)
    except InputError as exc:
        report.update(analysable=False, reason=exc.reason)
        return report
    e0, de = si.energy_offset_kev, si.energy_scale_kev
    report.update(
        analysable=bool(si.elements),
        pixel_nm=si.pixel_nm,
        map_shape=list(si.shape),
        energy_kev={
            "offset": e0,
            "scale": de,
            "channels": si.n_channels,
            "max": e0 + de * (si.n_channels - 1),
        },
        elements=list(si.elements),
        xray_lines=list(si.xray_lines),
        image=si.image_name,
        beam_energy_kev=si.beam_energy_kev,
        thickness_nm=si.thickness_nm,
        element_maps=sorted(si.maps),
        total_counts=int(np.asarray(si.data, dtype=np.int64).sum()) if si.data.size < 50_000_000 else None,
    )
    if not si.elements:
        report["reason"] = _NO_ELEMENTS
    return report


_NO_ELEMENTS = (
    "the file names no elements (an empty element selection); give them, e.g. --elements Co,Cu,Fe,Ni "
    "(or choose them in the window)"
)


def _refuse_without_si(path: Path, signals: list[dict]) -> None:
    """A clear refusal for files without an EDS spectrum image (single spectrum, EELS, reduced maps)."""
    eds = [d for d in signals if _is_eds(d)]
    eels = [d for d in signals if _is_eels(d)]
    maps = [_title(d) for d in signals if np.ndim(d["data"]) == 2 and _ELEMENT.match(_title(d))]
    if eels:
        what = "EELS spectrum images" if any(np.ndim(d["data"]) == 3 for d in eels) else "EELS data"
        extra = f" and EDS element maps ({', '.join(maps)})" if maps else ""
        raise InputError(
            f"holds {what}{extra} but no EDS spectrum image; HEA Studio analyses EDS spectrum images "
            "(EELS is not supported)",
            path,
        )
    if maps:
        raise InputError(
            f"holds element maps ({', '.join(maps)}) and summed spectra but no EDS spectrum image (saved as "
            "reduced data?); the entropy analysis needs the counts per pixel: export the spectrum image",
            path,
        )
    if eds and all(np.ndim(d["data"]) == 1 for d in eds):
        raise InputError(
            "holds a single EDS spectrum, not a spectrum image (a map of spectra is needed)", path
        )
    raise InputError(
        "holds no EDS spectrum image (signals: " + ", ".join(_kind(d) for d in signals) + ")", path
    )


def load_spectrum_image(
    path: str | Path,
    elements: tuple[str, ...] | None = None,
    *,
    require_elements: bool = True,
    _signals: list[dict] | None = None,
) -> SpectrumImage:
    """Read the EDS spectrum image of ``path``.

    Parameters
    ----------
    path
        A .bcf, .emd or .hspy file.
    elements
        Elements to analyse; ``None`` takes the file's list (or the titles of its element maps).
    require_elements
        Raise when neither the file nor ``elements`` names any element.

    Returns
    -------
    SpectrumImage

    Raises
    ------
    InputError
        Naming the file: unreadable, not a spectrum image, EELS only, a single spectrum, maps
        without their spectrum image, no elements, a non-square pixel.
    """
    path = Path(path)
    signals = _signals if _signals is not None else _read_all(path)
    cubes = [d for d in signals if _is_eds(d) and np.ndim(d["data"]) == 3]
    if not cubes:
        _refuse_without_si(path, signals)
    si = max(cubes, key=lambda d: int(np.prod(np.shape(d["data"])[:2])))
    axes = si["axes"]
    if len(axes) != 3:
        raise InputError(f"the EDS spectrum image has {len(axes)} axes, expected 3 (y, x, energy)", path)
    ny, nx, _nch = (int(n) for n in np.shape(si["data"]))
    if ny < 2 or nx < 2:
        raise InputError(f"the EDS map is {ny} x {nx} pixels: too small for patches", path)
    py, px = _to_nm(axes[0], path), _to_nm(axes[1], path)
    if not (py > 0 and px > 0):
        raise InputError(f"the pixel size is not positive ({py} x {px} nm)", path)
    if abs(py - px) > 0.02 * max(py, px):
        raise InputError(
            f"the pixels are not square ({py:.4g} x {px:.4g} nm); square patches need square pixels", path
        )
    e0, de = _energy_kev(axes[2], path)
    md = si.get("metadata", {})
    sample = md.get("Sample", {}) or {}
    file_elements = tuple(str(e) for e in (sample.get("elements") or ()))
    lines = tuple(str(s) for s in (sample.get("xray_lines") or ()))
    maps = {
        _title(d): np.asarray(d["data"], dtype=np.float64)
        for d in signals
        if np.ndim(d["data"]) == 2 and _ELEMENT.match(_title(d)) and tuple(np.shape(d["data"])) == (ny, nx)
    }
    if not file_elements:
        # Velox keeps the selection only as the element maps it made (possibly on another grid).
        file_elements = tuple(
            dict.fromkeys(_title(d) for d in signals if np.ndim(d["data"]) == 2 and _ELEMENT.match(_title(d)))
        )
    chosen = tuple(elements) if elements else file_elements
    if require_elements and not chosen:
        raise InputError(_NO_ELEMENTS, path)
    image, image_name = _pick_image(signals, (ny, nx))
    if image is None:
        image, image_name = _sibling_image(path, (ny, nx))
    beam, fwhm = _acquisition(md)
    thickness = _number(sample.get("thickness"))
    kf = sample.get("k_factors")
    k_factors: dict[str, float] = {}
    if kf is not None and lines and len(list(kf)) == len(lines):
        k_factors = {ln.split("_")[0]: float(k) for ln, k in zip(lines, kf, strict=True)}
    general = md.get("General", {})
    meta = {
        "title": _title(si),
        "signal_type": _signal_type(si),
        "date": general.get("date"),
        "time": general.get("time"),
        "instrument": "TEM" if "TEM" in _signal_type(si) else ("SEM" if "SEM" in _signal_type(si) else None),
        "atom_density_per_nm3": _number(sample.get("atom_density_per_nm3")),
        "probe_fwhm_nm": _number(_nested(md, "Acquisition_instrument", "TEM", "probe_fwhm_nm")),
    }
    return SpectrumImage(
        path=path,
        data=np.asarray(si["data"]),
        pixel_nm=px,
        energy_offset_kev=e0,
        energy_scale_kev=de,
        elements=chosen,
        xray_lines=lines,
        image=image,
        image_name=image_name,
        beam_energy_kev=beam,
        fwhm_mn_ka_ev=fwhm,
        thickness_nm=thickness,
        k_factors=k_factors,
        maps=maps,
        signals=tuple(
            SignalInfo(
                _title(d),
                _kind(d),
                tuple(int(n) for n in np.shape(d["data"])),
                str(np.asarray(d["data"]).dtype),
            )
            for d in signals
        ),
        metadata=meta,
    )
