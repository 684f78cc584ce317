"""Turn files into a :class:`~hea_studio.core.dataset.Dataset` (runs on the worker thread, no Qt).

Reading, ranging, the density maps and the default sub-volume are all done here, off the GUI
thread, so that opening a 2e6-ion file never freezes the window.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hea_studio.compute.common import scan
from hea_studio.compute.common.display import atoms_display_sample
from hea_studio.compute.common.specimen import largest_cube
from hea_studio.compute.lac import preview
from hea_studio.compute.lac.roi import specimen_mask
from hea_studio.compute.spectrum.jobs import DEFAULT_BIN, fit_warnings, range_ions
from hea_studio.compute.spectrum.mass import mass_spectrum
from hea_studio.core.atoms import AtomSet
from hea_studio.core.dataset import Dataset, DensityMap
from hea_studio.core.errors import InputError
from hea_studio.core.progress import TaskState, check_cancelled
from hea_studio.core.ranges import RangeTable
from hea_studio.core.settings import AnalysisSettings

MAP_PIXELS = 256  # along the longer axis; density maps are for orientation, not for analysis


def density_map(
    positions: np.ndarray,
    axes: tuple[int, int],
    pixels: int = MAP_PIXELS,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
    task: TaskState | None = None,
    span: tuple[float, float] | None = None,
    weights: scan.RowWeights = None,
) -> DensityMap:
    """Project atoms onto two axes as a 2D count image with square pixels (one chunked pass;
    ``bounds``, the atoms' corners if known, save another)."""
    a, b = axes
    if bounds is None:
        bounds = scan.bounds(positions)
    lo3, hi3 = bounds
    lo = (float(lo3[a]), float(lo3[b]))
    hi = (float(hi3[a]), float(hi3[b]))
    extent = max(hi[0] - lo[0], hi[1] - lo[1], 1e-9)
    pixel = extent / pixels
    na = max(int(np.ceil((hi[0] - lo[0]) / pixel)), 1)
    nb = max(int(np.ceil((hi[1] - lo[1]) / pixel)), 1)
    hi = (lo[0] + na * pixel, lo[1] + nb * pixel)
    counts = scan.density_map(positions, (a, b), lo, pixel, (na, nb), task, span, weights)
    return DensityMap(axes=(a, b), counts=counts, lo=lo, hi=hi)


def build_dataset(
    atoms: AtomSet,
    title: str,
    ion_path: Path | None = None,
    range_path: Path | None = None,
    n_ions: int = 0,
    n_unranged: int = 0,
    task: TaskState | None = None,
    **extra,
) -> Dataset:
    """Add what the window needs to ``atoms``: density maps and the default sub-volumes."""
    if atoms.n_atoms == 0:
        raise InputError("no ranged atoms: does the range file match the ion file?", ion_path)
    positions = scan.native(atoms.positions)
    # Every pass below reads all atoms in chunks on this (worker) thread, so the window only
    # receives small results: two projections, two boxes and a display sample.
    bounds = scan.bounds(positions, task, (0.7, 0.72))
    weights = atoms.row_weights()  # ion rows count as the atoms they stand for
    maps = {
        "xy": density_map(positions, (0, 1), bounds=bounds, task=task, span=(0.72, 0.76), weights=weights),
        "xz": density_map(positions, (0, 2), bounds=bounds, task=task, span=(0.76, 0.8), weights=weights),
    }
    check_cancelled(task)
    if task is not None:
        task.report(0.8, "placing the default sub-volume")
    specimen = specimen_mask(positions, task, (0.8, 0.86), bounds=bounds, weights=weights)
    box = specimen.largest_box()  # the default box, placed without far stray ions
    cube = largest_cube(positions, weights, bounds)
    check_cancelled(task)
    # Counted here once (atoms.counts() remembers), so that the window never counts 10^8 labels itself.
    display = atoms_display_sample(atoms, task=task, span=(0.9, 0.99), bounds=bounds)
    if preview.use_table(atoms, AnalysisSettings()):
        # A large dataset previews a dragged box from one voxel table of all atoms (1 nm voxels,
        # a few seconds per 10^8 atoms): built now, on the worker, so the first drag need not wait.
        if task is not None:
            task.report(0.99, "binning the specimen for live previews")
        preview.dataset_table(atoms, AnalysisSettings(), task, bounds)
    return Dataset(
        atoms=atoms,
        title=title,
        ion_path=ion_path,
        range_path=range_path,
        maps=maps,
        default_box=box,
        n_far=specimen.n_far,
        largest_cube=cube,
        n_ions=n_ions or atoms.n_atoms,
        n_unranged=n_unranged,
        display=display,
        **extra,
    )


def load_dataset(
    ion_path: Path | None,
    range_path: Path | None,
    decompose: bool = True,
    task: TaskState | None = None,
    ranges: RangeTable | None = None,
) -> Dataset:
    """Read an ion file and its range file (or the bundled demo when ``ion_path`` is ``None``).

    ``ranges``: a range table to use instead of a range file (``range_path`` ``None``), e.g. the
    edited ranges a project or recovered session holds.
    """
    from hea_studio import io

    if ion_path is None:
        from hea_studio.synth.demo import demo_files

        if task is not None:
            task.report(0.02, "preparing the demo specimen")
        ion_path, range_path = demo_files(task)
        title = "demo CoCuFeNi"
    else:
        title = Path(ion_path).name
    if task is not None:
        task.report(0.1, f"reading {Path(ion_path).name}")
    ions = io.load_ions(Path(ion_path))
    check_cancelled(task)
    table = ranges if range_path is None else None
    if range_path is not None:
        if task is not None:
            task.report(0.3, f"reading {Path(range_path).name}")
        table = io.load_ranges(Path(range_path))
        check_cancelled(task)
    if task is not None:
        task.report(0.35, "mass spectrum")
    spectrum = mass_spectrum(ions.mass, DEFAULT_BIN) if ions.n_ions else None
    check_cancelled(task)
    if task is not None:
        task.report(0.5, "ranging")
    # Without a range file (or with one that ranges nothing) the run opens waiting for ranges.
    atoms, n_unranged, in_force = range_ions(ions, table, decompose, task)
    if table is not None and in_force is None:
        raise InputError(
            f"no ion of {Path(ion_path).name} falls in any range of "
            f"{Path(range_path).name if range_path else 'the saved ranges'}: does the range file match the ion file?",
            range_path,
        )
    n = max(ions.n_ions, 1)
    warnings = fit_warnings(
        spectrum,
        in_force,
        Path(ion_path).name,
        Path(range_path).name if range_path else ("the saved ranges" if table is not None else ""),
        1 - n_unranged / n,
    )
    check_cancelled(task)
    if task is not None:
        task.report(0.7, "projecting")
    return build_dataset(
        atoms, title, Path(ion_path), Path(range_path) if range_path else None, ions.n_ions, n_unranged,
        task=task, ions=ions, ranges=in_force, spectrum=spectrum, fit_warnings=warnings,
        waiting_for_ranges=in_force is None,
    )  # fmt: skip
