"""Analysis results as NeXus/HDF5 (``analyze --nexus``, File > Export results as NeXus).

Layout, one ``NXentry`` per analysed sub-volume (``entry``, or ``entry_1``, ``entry_2``... for several):

```
/                        NXroot   default=entry, file_name, file_time, creator
  entry                  NXentry  default=entropy_curve, title, program_name, start_time
    process              NXprocess  program, version, date; parameters (NXparameters); software (NXnote)
      input_files        NXcollection  one NXnote per file: path, sha256, size
    entropy_curve        NXdata   signal=S_mean, axes=size_nm, auxiliary_signals=[S_null, ...]
    concentration        NXdata   signal=first element's std, auxiliary_signals=the others, axes=size_nm
    results              NXcollection  bulk, sume, sume_null, sume_chemical, sume_variants, ... as found
    analysis_json        NXnote   the complete ``analyze --json`` document (type application/json)
```

Every length carries ``units="nm"``, entropies ``units="R"`` (the gas constant: S/R is dimensionless).
NeXus-aware tools (nexpy, silx, h5web) plot ``entry/entropy_curve`` with its error bars
(``S_mean_errors``) by following the ``default`` attributes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.provenance import InputFile, software_versions
from hea_studio.core.results import AnalysisResult
from hea_studio.io.project.store import write_atomically

# Units of the results' keys, by name (the JSON keys end in their unit where they have one).
_UNITS_BY_SUFFIX = (("_nm3", "nm^3"), ("_nm", "nm"), ("_J_per_molK", "J/(mol K)"), ("_s", "s"))
_ENTROPY_KEYS = {"S_R", "S_ideal_R", "S_mean", "S_std", "S_sem", "S_null", "deficit"}
# Keys of the analysis JSON written under process/parameters (every other key but the curve goes to results).
_PARAMETER_KEYS = ("elements", "roi_nm", "mode", "min_atoms", "lattice", "bootstrap", "seed", "schema")


def _units(key: str) -> str | None:
    if key in _ENTROPY_KEYS:
        return "R"
    for suffix, unit in _UNITS_BY_SUFFIX:
        if key.endswith(suffix):
            return unit
    return None


def _group(parent: h5py.Group, name: str, nx_class: str) -> h5py.Group:
    g = parent.create_group(name)
    g.attrs["NX_class"] = nx_class
    return g


def _column(curve: list[dict[str, Any]], key: str, element: str | None = None) -> np.ndarray:
    values = [row[key] if element is None else (row.get(key) or {}).get(element) for row in curve]
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def _write_value(group: h5py.Group, key: str, value: Any) -> None:
    """One JSON value as a dataset (scalars, strings, numeric lists) or a sub-group (dicts, other lists)."""
    if isinstance(value, dict):
        sub = _group(group, key, "NXcollection")
        for k, v in value.items():
            _write_value(sub, str(k), v)
        return
    if value is None:
        ds = group.create_dataset(key, data=np.nan)
        ds.attrs["null"] = True
    elif isinstance(value, bool):
        ds = group.create_dataset(key, data=np.bool_(value))
    elif isinstance(value, int | float):
        ds = group.create_dataset(key, data=value)
    elif isinstance(value, str):
        ds = group.create_dataset(key, data=value, dtype=h5py.string_dtype())
    elif isinstance(value, list) and all(isinstance(v, int | float) or v is None for v in value):
        ds = group.create_dataset(
            key, data=np.array([np.nan if v is None else v for v in value], dtype=float)
        )
    else:  # lists of records (warnings, per-site tables): kept as JSON text, nothing is lost
        ds = group.create_dataset(key, data=json.dumps(value), dtype=h5py.string_dtype())
        ds.attrs["content_type"] = "application/json"
    unit = _units(key)
    if unit is not None:
        ds.attrs["units"] = unit


def _write_entry(
    parent: h5py.Group, name: str, label: str, result: AnalysisResult, inputs: Sequence[InputFile], when: str
) -> None:
    data = result.to_json()
    entry = _group(parent, name, "NXentry")
    entry.attrs["default"] = "entropy_curve"
    entry.create_dataset("title", data=label)
    entry.create_dataset("program_name", data="hea-studio")
    entry.create_dataset("start_time", data=when)

    process = _group(entry, "process", "NXprocess")
    versions = software_versions()
    process.create_dataset("program", data="hea-studio")
    process.create_dataset("version", data=versions["hea-studio"])
    process.create_dataset("date", data=when)
    software = _group(process, "software", "NXnote")
    software.create_dataset("type", data="application/json")
    software.create_dataset("data", data=json.dumps(versions))
    params = _group(process, "parameters", "NXparameters")
    for key in _PARAMETER_KEYS:
        if key in data and data[key] is not None:
            value = data[key]
            if key == "elements":
                params.create_dataset(key, data=np.array(value, dtype=object), dtype=h5py.string_dtype())
            else:
                _write_value(params, key, value)
    files = _group(process, "input_files", "NXcollection")
    for i, f in enumerate(inputs):
        note = _group(files, f"file_{i}", "NXnote")
        note.create_dataset("file_name", data=f.path)
        note.create_dataset("sha256", data=f.sha256)
        note.create_dataset("size", data=f.size_bytes).attrs["units"] = "byte"

    curve = data["curve"]
    nxdata = _group(entry, "entropy_curve", "NXdata")
    nxdata.attrs["signal"] = "S_mean"
    nxdata.attrs["axes"] = ["size_nm"]
    nxdata.attrs["size_nm_indices"] = 0
    nxdata.attrs["auxiliary_signals"] = ["S_null"]
    nxdata.create_dataset("title", data=f"{label}: configurational entropy versus cube edge")
    for key, long_name in (
        ("size_nm", "cube edge (nm)"),
        ("S_mean", "mean entropy of mixing over cubes (R)"),
        ("S_null", "random-mixing reference E[S] (R)"),
        ("S_std", "std of entropy over cubes (R)"),
        ("deficit", "S_null - S_mean (R)"),
        ("n_cubes", "cubes kept"),
        ("mean_atoms", "mean atoms per cube"),
    ):
        ds = nxdata.create_dataset(key, data=_column(curve, key))
        ds.attrs["long_name"] = long_name
        unit = _units(key)
        if unit is not None:
            ds.attrs["units"] = unit
    # NeXus names uncertainties FIELD_errors; the standard error of the mean is the curve's error bar.
    nxdata.create_dataset("S_mean_errors", data=_column(curve, "S_sem")).attrs["units"] = "R"

    elements = list(data["elements"])
    conc = _group(entry, "concentration", "NXdata")
    names = [f"std_{e}" for e in elements]
    conc.attrs["signal"] = names[0]
    conc.attrs["auxiliary_signals"] = names[1:]
    conc.attrs["axes"] = ["size_nm"]
    conc.attrs["size_nm_indices"] = 0
    conc.create_dataset("size_nm", data=_column(curve, "size_nm")).attrs["units"] = "nm"
    for e, n in zip(elements, names):
        ds = conc.create_dataset(n, data=_column(curve, "conc_std", e))
        ds.attrs["long_name"] = f"std of the {e} atomic fraction over cubes"
        ds.attrs["units"] = "1"

    results = _group(entry, "results", "NXcollection")
    for key, value in data.items():
        if key == "curve" or key in _PARAMETER_KEYS:
            continue
        _write_value(results, key, value)

    note = _group(entry, "analysis_json", "NXnote")
    note.create_dataset("type", data="application/json")
    note.create_dataset("data", data=json.dumps(data))


def write_nexus(
    path: str | Path,
    results: Sequence[tuple[str, AnalysisResult]],
    inputs: Sequence[InputFile] = (),
) -> Path:
    """Write one NXentry per ``(label, result)`` to ``path`` (atomically).

    Parameters
    ----------
    path
        The ``.nxs`` file to write (replaced if it exists).
    results
        Labelled analyses; one gives ``entry``, several give ``entry_1``, ``entry_2``, ...
    inputs
        The input files, recorded with their SHA-256 in every entry's ``process/input_files``.

    Raises
    ------
    InputError
        The file cannot be written, or there is nothing to write.
    """
    out = Path(path)
    if not results:
        raise InputError(f"{out}: no analysis to export")
    when = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    names = ["entry"] if len(results) == 1 else [f"entry_{i + 1}" for i in range(len(results))]

    def write(tmp: Path) -> None:
        with h5py.File(tmp, "w") as f:
            f.attrs["NX_class"] = "NXroot"
            f.attrs["default"] = names[0]
            f.attrs["file_name"] = str(out)
            f.attrs["file_time"] = when
            f.attrs["creator"] = f"hea-studio {software_versions()['hea-studio']}"
            f.attrs["HDF5_Version"] = h5py.version.hdf5_version
            f.attrs["h5py_version"] = h5py.version.version
            for name, (label, result) in zip(names, results):
                _write_entry(f, name, label, result, inputs, when)

    try:
        write_atomically(out, write, durable=False)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    return out
