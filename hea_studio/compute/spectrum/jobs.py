"""Work the mass spectrum dock sends to the worker (no Qt): ranging the open ions anew, the spectrum
of a sub-volume, the fit check of a range table.

Every function here touches all ions, so it runs on the worker thread, in chunks, with progress and
cancellation; the GUI thread only receives the finished :class:`Dataset` or spectrum.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from hea_studio.compute.common.display import atoms_display_sample
from hea_studio.compute.spectrum.fit import fit_check
from hea_studio.compute.spectrum.mass import CHUNK, MassSpectrum, mass_spectrum
from hea_studio.core.atoms import AtomSet
from hea_studio.core.dataset import UNRANGED, Dataset
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.ions import IonData
from hea_studio.core.progress import TaskState, check_cancelled
from hea_studio.core.ranges import RangeTable

DEFAULT_BIN = 0.01
_GREY = (0.55, 0.55, 0.6)


def unranged_atoms(ions: IonData, task: TaskState | None = None) -> AtomSet:
    """Every ion as one species, :data:`UNRANGED`: what the window shows while a run waits for ranges."""
    n = ions.n_ions
    positions = np.empty((n, 3), dtype=np.float32)
    for start in range(0, n, CHUNK):
        check_cancelled(task)
        positions[start : start + CHUNK] = ions.positions[start : start + CHUNK]
    return AtomSet(positions, np.zeros(n, dtype=np.int32), (UNRANGED,), {UNRANGED: _GREY})


def range_ions(
    ions: IonData,
    table: RangeTable | None,
    decompose: bool = True,
    task: TaskState | None = None,
) -> tuple[AtomSet, int, RangeTable | None]:
    """Atoms of ``ions`` under ``table``, the number of unranged ions, and the table in force.

    A table that ranges no ion at all (or ``None``, or no ranges) leaves the run waiting for ranges:
    every ion is shown as :data:`UNRANGED` and the table in force is ``None``.
    """
    from hea_studio import io

    if table is not None and table.ranges:
        atoms, summary = io.to_atoms_and_summary(ions, table, decompose)
        if atoms.n_atoms > 0:
            return atoms, int(summary.unranged), table
    return unranged_atoms(ions, task), ions.n_ions, None


def fit_warnings(
    spectrum: MassSpectrum | None, table: RangeTable | None, ion_name: str, range_name: str, ranged: float
) -> tuple[str, ...]:
    """The fit check's warnings (none without a spectrum or a table)."""
    if spectrum is None or table is None or not table.ranges:
        return ()
    return tuple(fit_check(spectrum, table, ion_name, range_name, ranged).warnings)


def rerange(
    dataset: Dataset,
    table: RangeTable,
    decompose: bool = True,
    range_path: Path | None = None,
    task: TaskState | None = None,
) -> Dataset:
    """The open dataset with its ions ranged by ``table`` (maps and default boxes kept).

    Parameters
    ----------
    dataset
        The open dataset; it must hold its ions.
    table
        The new ranges (e.g. after an edit in the spectrum dock).
    decompose
        Split molecular ions into atoms.
    range_path
        The range file the table was read from (``None`` for edited or suggested ranges).
    task
        Progress and cancellation.
    """
    if dataset.ions is None:
        raise InputError("the open dataset keeps no ions to range again; open the ion file again")
    if task is not None:
        task.report(0.05, "ranging")
    atoms, n_unranged, in_force = range_ions(dataset.ions, table, decompose, task)
    check_cancelled(task)
    n = max(dataset.n_ions, 1)
    ion_name = dataset.ion_path.name if dataset.ion_path is not None else dataset.title
    range_name = range_path.name if range_path is not None else "the edited ranges"
    warnings = fit_warnings(dataset.spectrum, in_force, ion_name, range_name, 1.0 - n_unranged / n)  # type: ignore[arg-type]
    # The 3D view draws a sample of the atoms with their labels: new species, new sample.
    display = atoms_display_sample(atoms, task=task, span=(0.6, 0.98))
    if task is not None:
        task.report(1.0, "ranged")
    return replace(
        dataset,
        display=display,
        atoms=atoms,
        ranges=in_force,
        range_path=range_path,
        n_unranged=n_unranged,
        fit_warnings=warnings,
        waiting_for_ranges=in_force is None,
    )


def box_spectrum(
    ions: IonData, box: Box, bin_width: float, lo: float, hi: float, task: TaskState | None = None
) -> MassSpectrum:
    """Spectrum of the ions inside ``box`` (half-open), on the same bins as the whole run's."""
    n_bins = max(1, round((hi - lo) / bin_width))
    total = MassSpectrum(lo, bin_width, np.zeros(n_bins, dtype=np.int64), 0, 0)
    blo = np.asarray(box.lo, dtype=np.float64)
    bhi = np.asarray(box.hi, dtype=np.float64)
    n = ions.n_ions
    counts = total.counts
    inside_n = 0
    outside = 0
    for start in range(0, n, CHUNK):
        check_cancelled(task)
        p = np.asarray(ions.positions[start : start + CHUNK], dtype=np.float64)
        keep = np.all((p >= blo) & (p < bhi), axis=1)
        m = np.asarray(ions.mass[start : start + CHUNK])[keep]
        part = mass_spectrum(m, bin_width, lo, lo + n_bins * bin_width)
        counts += part.counts
        inside_n += int(keep.sum())
        outside += part.n_outside
        if task is not None:
            task.report(min(1.0, (start + CHUNK) / max(n, 1)), "spectrum of the sub-volume")
    return MassSpectrum(lo, bin_width, counts, inside_n, outside)


def run_spectrum(
    ions: IonData, bin_width: float, box: Box | None = None, task: TaskState | None = None
) -> MassSpectrum:
    """Spectrum of the whole run (``box`` ``None``) or of the ions inside ``box``."""
    whole = mass_spectrum(ions.mass, bin_width, task=task)
    if box is None:
        return whole
    return box_spectrum(ions, box, bin_width, whole.lo, whole.hi, task)
