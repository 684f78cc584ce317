"""HEA Studio project files (HDF5) and the session recovery copy.

A project is small: file paths, named sub-volumes, settings, display choices and the last result as
JSON. It is written to a temporary file in the target folder and moved over the old file in one
``os.replace``, so a crash or a full disk never leaves a half-written project behind.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import h5py
import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box, SubVolume
from hea_studio.core.limits import check_input_file
from hea_studio.core.paths import user_state_dir
from hea_studio.core.project import PROJECT_SCHEMA, ProjectState
from hea_studio.core.settings import AnalysisSettings, Lattice
from hea_studio.core.sublattices import Sublattice
from hea_studio.io.files import write_atomically

PROJECT_SUFFIX = ".heaproj"
_DEFAULTS = AnalysisSettings()


def _settings_to_dict(s: AnalysisSettings) -> dict:
    return {
        "sizes_nm": list(s.sizes_nm),
        "mode": s.mode,
        "min_atoms": s.min_atoms,
        "elements": list(s.elements) if s.elements is not None else None,
        "lattice": None if s.lattice is None else {"structure": s.lattice.structure, "a_nm": s.lattice.a_nm},
        "bootstrap": s.bootstrap,
        "seed": s.seed,
        "decompose": s.decompose,
        "sume_method": s.sume_method,
        # Marks settings written since the deficit hinge became the headline (schema 3).
        "sume_headline": 3,
        "grid_shifts": s.grid_shifts,
        "sublattices": [x.spec() for x in s.sublattices] if s.sublattices else None,
        "sublattice_preset": s.sublattice_preset,
    }


def _sume_method(d: dict) -> str:
    """The headline method; before schema 3 "hinge-bulk" was merely the default, not a choice, so such
    projects open with the new default (the deficit hinge; the apparent SUME is still shown second)."""
    method = str(d.get("sume_method", _DEFAULTS.sume_method))
    if "sume_headline" not in d and method == "hinge-bulk":
        return _DEFAULTS.sume_method
    return method


def _settings_from_dict(d: dict) -> AnalysisSettings:
    lattice = d.get("lattice")
    elements = d.get("elements")
    return AnalysisSettings(
        sizes_nm=tuple(float(v) for v in d["sizes_nm"]),
        mode=str(d.get("mode", _DEFAULTS.mode)),
        min_atoms=int(d.get("min_atoms", _DEFAULTS.min_atoms)),
        elements=tuple(elements) if elements is not None else None,
        lattice=Lattice(lattice["structure"], float(lattice["a_nm"])) if lattice else None,
        bootstrap=int(d.get("bootstrap", _DEFAULTS.bootstrap)),
        seed=int(d.get("seed", _DEFAULTS.seed)),
        decompose=bool(d.get("decompose", _DEFAULTS.decompose)),
        sume_method=_sume_method(d),
        grid_shifts=int(d.get("grid_shifts", _DEFAULTS.grid_shifts)),
        sublattices=tuple(Sublattice.parse(t) for t in d["sublattices"]) if d.get("sublattices") else None,
        sublattice_preset=d.get("sublattice_preset") or None,
    )


def settings_to_json(settings: AnalysisSettings) -> str:
    """``settings`` as JSON text, in the form project files store them.

    Parameters
    ----------
    settings
        The analysis settings.

    Returns
    -------
    str
        JSON text readable by :func:`settings_from_json`.
    """
    return json.dumps(_settings_to_dict(settings))


def settings_from_json(text: str) -> AnalysisSettings:
    """Analysis settings from :func:`settings_to_json` text.

    Raises
    ------
    InputError
        The text is not valid settings JSON (or holds invalid values).
    """
    try:
        return _settings_from_dict(json.loads(text))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InputError(f"unreadable analysis settings: {exc}") from None


def _rgb(values) -> tuple[float, float, float]:
    r, g, b = (float(c) for c in values)
    return (r, g, b)


def save_project(path: str | Path, state: ProjectState, durable: bool = True) -> None:
    """Write ``state`` to the HDF5 project file ``path`` atomically.

    Parameters
    ----------
    path
        Target file; by convention it ends in ``.heaproj``.
    state
        What to save.
    durable
        Flush to disk before the atomic rename (see :func:`write_atomically`).
    """

    def write(tmp: Path) -> None:
        with h5py.File(tmp, "w") as f:
            f.attrs["schema"] = PROJECT_SCHEMA
            f.attrs["ion_file"] = state.ion_file or ""
            f.attrs["range_file"] = state.range_file or ""
            # Also relative to the project's folder: a folder moved or copied with its data still opens.
            f.attrs["ion_file_relative"] = _relative(state.ion_file, Path(path))
            f.attrs["range_file_relative"] = _relative(state.range_file, Path(path))
            f.attrs["active"] = int(state.active)
            f.attrs["settings"] = settings_to_json(state.settings)
            f.attrs["colours"] = json.dumps({k: list(v) for k, v in state.colours.items()})
            f.attrs["hidden_species"] = json.dumps(list(state.hidden_species))
            boxes = np.array([nb.box.flat() for nb in state.subvolumes], dtype=np.float64).reshape(-1, 6)
            ds = f.create_dataset("subvolumes/boxes_nm", data=boxes)
            ds.attrs["columns"] = "xmin,ymin,zmin,xmax,ymax,zmax"
            f["subvolumes"].attrs["names"] = json.dumps([nb.name for nb in state.subvolumes])
            if state.last_analysis is not None:
                f.attrs["last_analysis"] = state.last_analysis
            if state.comparison is not None:
                f.attrs["comparison"] = state.comparison
            if state.ranges is not None:
                f.attrs["ranges_rrng"] = state.ranges

    write_atomically(Path(path), write, durable)


def _relative(file: str | None, project: Path) -> str:
    """``file`` relative to the folder of ``project`` ("" if there is none, e.g. another drive)."""
    if not file:
        return ""
    try:
        return os.path.relpath(os.path.abspath(file), os.path.abspath(project.parent))
    except ValueError:
        return ""


def _locate(absolute, relative, project: Path) -> str | None:
    """The data file a project names: its absolute path if it exists, else the same relative path
    from the project's current folder if that exists (the folder was moved), else the absolute path
    (whose absence the caller reports)."""
    absolute = str(absolute) if absolute is not None else ""
    if not absolute:
        return None
    if Path(absolute).exists() or not relative:
        return absolute
    moved = (project.parent / str(relative)).resolve()
    return str(moved) if moved.exists() else absolute


def load_project(path: str | Path) -> ProjectState:
    """Read a project file written by :func:`save_project`.

    Raises
    ------
    InputError
        If the file is missing, not HDF5, not a HEA Studio project, or inconsistent.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("project file not found", path)
    check_input_file(path, "project file")
    try:
        with h5py.File(path, "r") as f:
            check_sealed(f, path)
            schema = f.attrs.get("schema")
            if schema != PROJECT_SCHEMA:
                raise InputError(
                    f"not a HEA Studio project (schema {schema!r}, expected {PROJECT_SCHEMA})", path
                )
            names = json.loads(f["subvolumes"].attrs["names"])
            boxes = np.asarray(f["subvolumes/boxes_nm"][()], dtype=float).reshape(-1, 6)
            if len(names) != boxes.shape[0]:
                raise InputError(f"{len(names)} sub-volume names but {boxes.shape[0]} boxes", path)
            last = f.attrs.get("last_analysis")
            comparison = f.attrs.get("comparison")
            ranges = f.attrs.get("ranges_rrng")
            state = ProjectState(
                ion_file=_locate(f.attrs["ion_file"], f.attrs.get("ion_file_relative"), path),
                range_file=_locate(f.attrs["range_file"], f.attrs.get("range_file_relative"), path),
                subvolumes=[SubVolume(str(n), Box.from_flat(b)) for n, b in zip(names, boxes)],
                active=int(f.attrs["active"]),
                settings=_settings_from_dict(json.loads(f.attrs["settings"])),
                colours={k: _rgb(v) for k, v in json.loads(f.attrs["colours"]).items()},
                hidden_species=[str(s) for s in json.loads(f.attrs["hidden_species"])],
                last_analysis=str(last) if last is not None else None,
                comparison=str(comparison) if comparison is not None else None,
                ranges=str(ranges) if ranges is not None else None,
            )
    except InputError as exc:
        if exc.path is None:
            raise InputError(exc.reason, path) from None
        raise
    except Exception as exc:
        # A project edited by another tool can hold any value in any attribute, and a damaged HDF5
        # file can make h5py raise nearly anything (a link loop: RuntimeError or RecursionError):
        # whatever it is, the file is not a project this version can open.
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"not a readable HEA Studio project ({reason})", path) from None
    if state.subvolumes and not (0 <= state.active < len(state.subvolumes)):
        raise InputError(f"active sub-volume {state.active} does not exist", path)
    return state


# A project holds a few sub-volumes and settings: far below these, whatever a user draws.
MAX_PROJECT_OBJECTS = 1000
MAX_PROJECT_DATASET_BYTES = 64 << 20


def check_sealed(f: h5py.File, path: Path) -> None:
    """Refuse a project that reaches outside its own file or is absurdly large, before reading any data.

    HDF5 can point elsewhere: external links (``h5py.ExternalLink``), virtual datasets mapping other
    files, and datasets whose raw data lives in external files. Opening such a "project" would read
    (or show in the window) files elsewhere on the disk. Soft links are refused too (a loop made
    load_project fail with the wrong error); save_project writes none of them. Only the link table
    and dataset headers are read here, never dataset contents.

    Raises
    ------
    InputError
        A link other than a hard link, a virtual or externally stored dataset, more than
        :data:`MAX_PROJECT_OBJECTS` objects, or a dataset larger than :data:`MAX_PROJECT_DATASET_BYTES`.
    """
    stack: list[h5py.Group] = [f]
    seen: set[int] = set()
    count = 0
    while stack:
        group = stack.pop()
        for name in group:
            count += 1
            if count > MAX_PROJECT_OBJECTS:
                raise InputError(
                    f"holds more than {MAX_PROJECT_OBJECTS} objects; a project holds a few", path
                )
            link = group.get(name, getlink=True)
            if not isinstance(link, h5py.HardLink):
                kind = "an external link" if isinstance(link, h5py.ExternalLink) else "a soft link"
                raise InputError(
                    f"{group.name.rstrip('/')}/{name} is {kind}; a project never links elsewhere", path
                )
            obj = group[name]
            address = h5py.h5o.get_info(obj.id).addr
            if address in seen:
                continue
            seen.add(address)
            if isinstance(obj, h5py.Group):
                stack.append(obj)
            elif isinstance(obj, h5py.Dataset):
                if obj.is_virtual:
                    raise InputError(f"{obj.name} is a virtual dataset (data in other files); refused", path)
                if obj.external:
                    raise InputError(f"{obj.name} keeps its data in external files; refused", path)
                if obj.size * obj.dtype.itemsize > MAX_PROJECT_DATASET_BYTES:
                    raise InputError(
                        f"{obj.name} holds {obj.size * obj.dtype.itemsize / 2**20:.0f} MB; a project's "
                        f"datasets are far below {MAX_PROJECT_DATASET_BYTES >> 20} MB",
                        path,
                    )


def recovery_path() -> Path:
    """Where the running session keeps its recovery copy (state, not cache: cleaners empty caches)."""
    return user_state_dir() / "recovery" / f"session{PROJECT_SUFFIX}"
