"""STEM-EDS map results as NeXus/HDF5 (``analyze MAP --nexus``).

The entry follows ``NXem_hea_studio_map_results`` (``hea_studio/resources/nexus/``), the map
counterpart of the atom-probe definition in :mod:`hea_studio.io.exports.nexus`: the same program,
environment, configuration and input notes (checksum + algorithm), the curve versus patch side as
NXdata with its errors, ``sume`` (in projection) and ``sume_3d_equivalent`` as validated groups, and
the complete JSON document. Lengths ``nm``, entropies ``R``, counts and fractions dimensionless.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.provenance import InputFile, software_versions
from hea_studio.io.exports.nexus import (
    NO_UNIT,
    NXDL_PATH,
    _column,
    _group,
    _json_note,
    _number,
    _sume_group,
    _text,
    iso_now,
)
from hea_studio.io.files import write_atomically

MAP_DEFINITION = "NXem_hea_studio_map_results"
MAP_NXDL_PATH = NXDL_PATH.with_name(f"{MAP_DEFINITION}.nxdl.xml")
# Keys of the map JSON that are settings (the config note).
_SETTING_KEYS = (
    "schema", "elements", "lines", "k_factors", "k_factor_source", "thickness_nm", "thickness_source",
    "density_per_nm3", "probe_fwhm_nm", "pixel_nm", "roi_nm", "min_counts", "parameters",
)  # fmt: skip


def _entropy(entry: h5py.Group, label: str, data: dict[str, Any], version: str, when: str) -> None:
    proc = _group(entry, "entropy", "NXprocess")
    proc.attrs["default"] = "curve"
    proc.create_dataset("sequence_index", data=np.int64(1))
    _text(proc, "program", "hea-studio")
    _text(proc, "version", version)
    _text(proc, "date", when)
    _number(proc, "pixel_size", data["pixel_nm"], "nm")
    roi = [float(v) for v in data["roi_nm"]]
    _number(proc, "roi_min", roi[:2], "nm")
    _number(proc, "roi_max", roi[2:], "nm")
    _number(proc, "atomic_density", data["density_per_nm3"], "1/nm^3")
    if data.get("probe_fwhm_nm") is not None:
        _number(proc, "probe_fwhm", data["probe_fwhm_nm"], "nm")
    _number(proc, "min_counts", data["min_counts"], NO_UNIT)
    elements = list(data["elements"])
    _text(proc, "elements", ",".join(elements))
    _text(proc, "lines", ",".join(data["lines"][e] for e in elements))
    _number(proc, "k_factors", [data["k_factors"][e] for e in elements], NO_UNIT)
    bulk = data["bulk"]
    _number(proc, "bulk_fraction", [bulk["fractions"][e] for e in elements], NO_UNIT)
    _number(proc, "entropy_bulk", bulk["S_R"], "R")
    _text(proc, "entropy_class", bulk["class"])

    curve = data["curve"]
    nxdata = _group(proc, "curve", "NXdata")
    nxdata.attrs["signal"] = "S_mean"
    nxdata.attrs["axes"] = "size_nm"
    nxdata.attrs["size_nm_indices"] = 0
    nxdata.attrs["auxiliary_signals"] = ["S_null", "deficit"]
    _text(nxdata, "title", f"{label}: configurational entropy versus patch side (in projection)")
    for key, long_name, units, dtype in (
        ("size_nm", "patch side (nm)", "nm", np.float64),
        ("S_mean", "mean entropy of mixing over patches (R)", "R", np.float64),
        ("S_null", "random-mixing reference (R)", "R", np.float64),
        ("S_std", "std of entropy over patches (R)", "R", np.float64),
        ("deficit", "S_null - S_mean (R)", "R", np.float64),
        ("n_patches", "patches kept", NO_UNIT, np.int64),
        ("mean_counts", "mean net counts per patch", NO_UNIT, np.float64),
    ):
        column = _column(curve, key)
        ds = _number(nxdata, key, column if dtype is np.float64 else np.nan_to_num(column), units, dtype)
        ds.attrs["long_name"] = long_name
    _number(nxdata, "S_mean_errors", _column(curve, "S_sem"), "R")


def write_map_nexus(
    path: str | Path, label: str, result: dict[str, Any], inputs: list[InputFile], started: str | None = None
) -> Path:
    """Write one map analysis (the ``analyze MAP --json`` document) as an NXentry, atomically.

    Raises
    ------
    InputError
        The file cannot be written.
    """
    out = Path(path)
    written = iso_now()
    versions = software_versions()

    def write(tmp: Path) -> None:
        with h5py.File(tmp, "w") as f:
            f.attrs["NX_class"] = "NXroot"
            f.attrs["default"] = "entry"
            f.attrs["file_name"] = str(out)
            f.attrs["file_time"] = written
            f.attrs["creator"] = f"hea-studio {versions['hea-studio']}"
            entry = _group(f, "entry", "NXentry")
            entry.attrs["default"] = "entropy"
            _text(entry, "definition", MAP_DEFINITION).attrs["version"] = str(result.get("schema", ""))
            _text(entry, "title", label)
            _text(entry, "start_time", started or written)
            _text(entry, "end_time", written)
            env = _group(entry, "environment", "NXnote")
            _text(env, "type", "application/json")
            _text(env, "data", json.dumps(versions))
            settings = {k: result[k] for k in _SETTING_KEYS if k in result}
            _json_note(_group(entry, "config", "NXnote"), json.dumps(settings, sort_keys=True))
            for i, src in enumerate(inputs):
                note = _group(entry, f"input_{i + 1}", "NXnote")
                _text(note, "type", "spectrum_image")
                _text(note, "file_name", src.path)
                _text(note, "checksum", src.sha256)
                _text(note, "algorithm", "sha256")
            sample = _group(entry, "specimen", "NXsample")
            _text(sample, "atom_types", ",".join(result["elements"]))
            _number(sample, "thickness", result["thickness_nm"], "nm")
            _entropy(entry, label, result, versions["hea-studio"], written)
            sume = result.get("sume")
            _sume_group(entry, "sume", sume, "hinge-deficit", (sume or {}).get("reason"))
            third = result.get("sume_3d_equivalent")
            _sume_group(entry, "sume_3d_equivalent", third, "hinge-deficit", (third or {}).get("reason"))
            if third and third.get("model"):
                _text(entry["sume_3d_equivalent"], "model", str(third["model"]))
            _json_note(_group(entry, "analysis_json", "NXnote"), json.dumps(result))

    try:
        write_atomically(out, write, durable=False)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    return out
