"""Analysis results as NeXus/HDF5 (``analyze --nexus``, File > Export results as NeXus).

Every entry follows the application definition ``NXapm_hea_studio_results``, shipped in
``hea_studio/resources/nexus/`` (NXDL, modelled on the FAIRmat atom-probe analysis results such as
NXapm_compositionspace_results, but with the program in the NXprocess as the NXentry base class
admits, so that nexusformat's base-class check stays clean); ``entry/definition`` names it, so pynxtools validates the file and
NOMAD can index it. One ``NXentry`` per analysed sub-volume (``entry``, or ``entry_1``, ``entry_2``...):

```
/                        NXroot   default=entry, file_name, file_time, creator
  entry                  NXentry  definition (@version = JSON schema), title, start_time, end_time
    environment          NXnote   the versions of python, numpy, numba, h5py, ... as JSON
    config               NXnote   the settings as JSON; checksum + algorithm (sha256)
    input_1, input_2     NXnote   type reconstruction|ranging, file_name, checksum + algorithm
    specimen             NXsample atom_types
    entropy              NXprocess  program, version, date, placement, roi_min/max, bulk entropies
      curve              NXdata   signal=S_mean, S_mean_errors (SEM), axes=size_nm, S_null, deficit...
      concentration      NXdata   conc_std (edge x element) versus size_nm and element
    sume                 NXprocess  method, determined, edge, ci95 or at_least/at_most, cells, atoms
    sume_chemical, ...   NXprocess  the other SUME estimates, same fields
    analysis_json        NXnote   the complete ``analyze --json`` document, checksum + algorithm
```

Every number carries ``units``: lengths ``nm``, volumes ``nm^3``, entropies ``R`` (the molar gas
constant, so 1.38 R is 11.5 J/(mol K) to a units library), counts and fractions ``1``. Times are
ISO 8601 with a ``+00:00``-style offset.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.resources
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from hea_studio.core.errors import InputError, os_reason
from hea_studio.core.provenance import InputFile, software_versions
from hea_studio.core.results import AnalysisResult
from hea_studio.io.files import write_atomically

DEFINITION = "NXapm_hea_studio_results"
# Found from the package root, so the path holds wherever this module sits inside io/.
NXDL_PATH = (
    Path(str(importlib.resources.files("hea_studio"))) / "resources" / "nexus" / f"{DEFINITION}.nxdl.xml"
)
# NeXus writes the unit of counts and fractions (NX_UNITLESS, NX_DIMENSIONLESS) as an empty string.
NO_UNIT = ""
# Keys of the analysis JSON that are settings (the config note), not results.
_SETTING_KEYS = ("schema", "elements", "roi_nm", "mode", "min_atoms", "lattice", "bootstrap", "seed")
# The range files' extensions: every other input is the reconstruction.
_RANGE_SUFFIXES = (".rrng", ".rng", ".env")
# SUME fields: JSON key -> (NeXus field, units).
_SUME_FIELDS = (
    ("edge_nm", "edge", "nm"),
    ("ci95_nm", "ci95", "nm"),
    ("at_least_nm", "at_least", "nm"),
    ("at_most_nm", "at_most", "nm"),
    ("edge_sensitivity_nm", "edge_sensitivity", "nm"),
    ("resolution_nm", "resolution", "nm"),
    ("volume_nm3", "volume", "nm^3"),
    ("unit_cells", "unit_cells", NO_UNIT),
    ("atoms", "atoms", NO_UNIT),
    ("detected_atoms", "detected_atoms", NO_UNIT),
)


def iso_now() -> str:
    """The current time as ISO 8601 with the local offset written ``+HH:MM`` (NeXus NX_DATE_TIME)."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _group(parent: h5py.Group, name: str, nx_class: str) -> h5py.Group:
    g = parent.create_group(name)
    g.attrs["NX_class"] = nx_class
    return g


def _text(group: h5py.Group, name: str, value: str) -> h5py.Dataset:
    return group.create_dataset(name, data=value, dtype=h5py.string_dtype())


def _number(group: h5py.Group, name: str, value: Any, units: str, dtype: Any = np.float64) -> h5py.Dataset:
    ds = group.create_dataset(name, data=np.asarray(value, dtype=dtype))
    ds.attrs["units"] = units
    return ds


def _column(curve: list[dict[str, Any]], key: str, element: str | None = None) -> np.ndarray:
    values = [row[key] if element is None else (row.get(key) or {}).get(element) for row in curve]
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _json_note(group: h5py.Group, text: str) -> None:
    _text(group, "type", "application/json")
    _text(group, "data", text)
    _text(group, "checksum", _sha256_text(text))
    _text(group, "algorithm", "sha256")


def _sume_group(
    entry: h5py.Group, name: str, sume: dict[str, Any] | None, method: str, reason: str | None
) -> None:
    g = _group(entry, name, "NXprocess")
    if name == "sume":
        g.create_dataset("sequence_index", data=np.int64(2))
    _text(g, "method", (sume or {}).get("method") or method)
    found = sume is not None and any(
        (sume.get(k) is not None) for k in ("edge_nm", "at_least_nm", "at_most_nm")
    )
    g.create_dataset("determined", data=np.bool_(found))
    why = (sume or {}).get("reason") or reason
    if why:
        _text(g, "reason", str(why))
    if sume is None:
        return
    for key, field, units in _SUME_FIELDS:
        value = sume.get(key)
        if value is None or (isinstance(value, list) and None in value):
            continue
        _number(g, field, value, units)
    if sume.get("below_range") is not None:
        g.create_dataset("below_range", data=np.bool_(sume["below_range"]))
    if sume.get("n_boot_valid") is not None:
        _number(g, "n_boot_valid", sume["n_boot_valid"], NO_UNIT, np.int64)


def _sume_groups(entry: h5py.Group, data: dict[str, Any]) -> None:
    """The primary SUME as ``sume``, every other estimate of the JSON as ``sume_<name>``."""
    primary = data.get("sume")
    _sume_group(entry, "sume", primary, (primary or {}).get("method", "hinge-bulk"), data.get("sume_reason"))
    for key, value in data.items():
        if key == "sume" or not key.startswith("sume_") or key.endswith("_reason"):
            continue
        if key == "sume_variants":
            for method, variant in (value or {}).items():
                _sume_group(entry, "sume_" + method.replace("-", "_"), variant, method, None)
        elif key == "sume_null":
            _sume_group(entry, key, value, "null-corrected", None)
        elif value is None or isinstance(value, dict):
            _sume_group(entry, key, value, "hinge-deficit", data.get(f"{key}_reason"))


def _inputs(entry: h5py.Group, inputs: Sequence[InputFile]) -> None:
    for i, f in enumerate(inputs):
        note = _group(entry, f"input_{i + 1}", "NXnote")
        kind = "ranging" if Path(f.path).suffix.lower() in _RANGE_SUFFIXES else "reconstruction"
        _text(note, "type", kind)
        _text(note, "file_name", f.path)
        _text(note, "checksum", f.sha256)
        _text(note, "algorithm", "sha256")


def _entropy(entry: h5py.Group, label: str, data: dict[str, Any], version: str, when: str) -> None:
    proc = _group(entry, "entropy", "NXprocess")
    proc.attrs["default"] = "curve"
    proc.create_dataset("sequence_index", data=np.int64(1))
    _text(proc, "program", "hea-studio")
    _text(proc, "version", version)
    _text(proc, "date", when)
    _text(proc, "cube_placement", data["mode"])
    roi = [float(v) for v in data["roi_nm"]]
    _number(proc, "roi_min", roi[:3], "nm")
    _number(proc, "roi_max", roi[3:], "nm")
    _number(proc, "atoms_in_roi", data.get("roi_atoms", 0), NO_UNIT, np.int64)
    _number(proc, "min_atoms", data["min_atoms"], NO_UNIT, np.int64)
    elements = list(data["elements"])
    _text(proc, "elements", ",".join(elements))
    bulk = data["bulk"]
    _number(proc, "bulk_fraction", [bulk["fractions"][e] for e in elements], NO_UNIT)
    _number(proc, "entropy_bulk", bulk["S_R"], "R")
    _number(proc, "entropy_ideal", bulk["S_ideal_R"], "R")
    _text(proc, "entropy_class", bulk["class"])

    curve = data["curve"]
    nxdata = _group(proc, "curve", "NXdata")
    nxdata.attrs["signal"] = "S_mean"
    nxdata.attrs["axes"] = "size_nm"
    nxdata.attrs["size_nm_indices"] = 0
    nxdata.attrs["auxiliary_signals"] = ["S_null", "deficit"]
    _text(nxdata, "title", f"{label}: configurational entropy versus cube edge")
    for key, long_name, units, dtype in (
        ("size_nm", "cube edge L (nm)", "nm", np.float64),
        ("S_mean", "mean entropy of mixing over cubes (R)", "R", np.float64),
        ("S_null", "random-mixing reference (R)", "R", np.float64),
        ("S_std", "std of entropy over cubes (R)", "R", np.float64),
        ("deficit", "S_null - S_mean (R)", "R", np.float64),
        ("n_cubes", "cubes kept", NO_UNIT, np.int64),
        ("mean_atoms", "mean atoms per cube", NO_UNIT, np.float64),
    ):
        column = _column(curve, key)
        ds = _number(nxdata, key, column if dtype is np.float64 else np.nan_to_num(column), units, dtype)
        ds.attrs["long_name"] = long_name
    # NeXus names uncertainties FIELD_errors; the standard error of the mean is the curve's error bar.
    _number(nxdata, "S_mean_errors", _column(curve, "S_sem"), "R")

    conc = _group(proc, "concentration", "NXdata")
    conc.attrs["signal"] = "conc_std"
    conc.attrs["axes"] = ["size_nm", "element"]
    conc.attrs["size_nm_indices"] = 0
    conc.attrs["element_indices"] = 1
    _number(conc, "size_nm", _column(curve, "size_nm"), "nm")
    conc.create_dataset("element", data=np.array(elements, dtype=object), dtype=h5py.string_dtype())
    table = np.column_stack([_column(curve, "conc_std", e) for e in elements])
    ds = _number(conc, "conc_std", table, NO_UNIT)
    ds.attrs["long_name"] = "std of the atomic fraction over cubes"


def _write_entry(
    parent: h5py.Group,
    name: str,
    label: str,
    result: AnalysisResult,
    inputs: Sequence[InputFile],
    started: str,
    written: str,
) -> None:
    data = result.to_json()
    entry = _group(parent, name, "NXentry")
    entry.attrs["default"] = "entropy"
    _text(entry, "definition", DEFINITION).attrs["version"] = str(data.get("schema", ""))
    _text(entry, "title", label)
    _text(entry, "start_time", started)
    _text(entry, "end_time", written)

    versions = software_versions()
    env = _group(entry, "environment", "NXnote")
    _text(env, "type", "application/json")
    _text(env, "data", json.dumps(versions))
    settings = {k: data[k] for k in _SETTING_KEYS if k in data}
    _json_note(_group(entry, "config", "NXnote"), json.dumps(settings, sort_keys=True))
    _inputs(entry, inputs)
    _text(_group(entry, "specimen", "NXsample"), "atom_types", ",".join(data["elements"]))
    _entropy(entry, label, data, versions["hea-studio"], written)
    _sume_groups(entry, data)
    _json_note(_group(entry, "analysis_json", "NXnote"), json.dumps(data))


def write_nexus(
    path: str | Path,
    results: Sequence[tuple[str, AnalysisResult]],
    inputs: Sequence[InputFile] = (),
    started: str | None = None,
) -> Path:
    """Write one NXentry per ``(label, result)`` to ``path`` (atomically).

    Parameters
    ----------
    path
        The ``.nxs`` file to write (replaced if it exists).
    results
        Labelled analyses; one gives ``entry``, several give ``entry_1``, ``entry_2``, ...
    inputs
        The input files, recorded with their SHA-256 in every entry (``input_1``, ...).
    started
        ISO 8601 time the analysis started (default: now).

    Raises
    ------
    InputError
        The file cannot be written, or there is nothing to write.
    """
    out = Path(path)
    if not results:
        raise InputError(f"{out}: no analysis to export")
    written = iso_now()
    started = started or written
    names = ["entry"] if len(results) == 1 else [f"entry_{i + 1}" for i in range(len(results))]

    def write(tmp: Path) -> None:
        with h5py.File(tmp, "w") as f:
            f.attrs["NX_class"] = "NXroot"
            f.attrs["default"] = names[0]
            f.attrs["file_name"] = str(out)
            f.attrs["file_time"] = written
            f.attrs["creator"] = f"hea-studio {software_versions()['hea-studio']}"
            f.attrs["HDF5_Version"] = h5py.version.hdf5_version
            f.attrs["h5py_version"] = h5py.version.version
            for name, (label, result) in zip(names, results):
                _write_entry(f, name, label, result, inputs, started, written)

    try:
        write_atomically(out, write, durable=False)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {os_reason(exc)}") from None
    return out
