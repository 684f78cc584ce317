"""The work the window hands to its worker, as generator functions ``job(task)`` (no Qt).

Kept apart from the window so that the GUI, the self-test and the benchmarks run exactly the same
code as the command line (:func:`hea_studio.compute.analysis.iter_analysis`,
:func:`hea_studio.compute.dataset.load_dataset`, :func:`hea_studio.compute.local.knn.local_entropy`),
only on the worker thread, and so that it is tested with no display.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import replace
from pathlib import Path
from typing import Any

from hea_studio.compute.analysis import iter_analysis, resolve_sublattice_preset
from hea_studio.compute.dataset import load_dataset
from hea_studio.compute.lac.preview import preview_inputs, use_table
from hea_studio.compute.local.knn import default_ks, local_entropy
from hea_studio.core.atoms import AtomSet
from hea_studio.core.geometry import Box
from hea_studio.core.progress import TaskState
from hea_studio.core.ranges import RangeTable
from hea_studio.core.settings import AnalysisSettings

JobFn = Callable[[TaskState], Any]


def analysis_job(
    atoms: AtomSet, box: Box, settings: AnalysisSettings, preview: bool = False
) -> Callable[[TaskState], Generator[Any, None, Any]]:
    """A generator function ``job(task)`` yielding one scale result per cube edge, returning the result.

    The cube edges are those of ``settings`` that fit in ``box``
    (:meth:`AnalysisSettings.fitted_to`). ``preview`` (used while the user drags the box) computes
    the same curve, reference and SUME but leaves out the two parts that only refine them: the
    bootstrap interval of SUME and the frequency distribution test (about a quarter of the time on
    the demo); on a large dataset it reads the dataset's voxel table instead of the atoms
    (:mod:`hea_studio.compute.lac.preview`). The window runs the full analysis of the final box when
    the drag ends.
    """
    if preview:
        settings = replace(settings, bootstrap=0)

    def job(task: TaskState):
        # A sublattice preset names its elements only against the data: resolved before the table
        # preview chooses the elements it counts (iter_analysis leaves resolved settings as they are).
        fitted = resolve_sublattice_preset(settings.fitted_to(box), atoms)
        if preview and use_table(atoms, fitted):
            # A large dataset previews from its voxel table (box snapped to the grid).
            prep, snapped, rounded = preview_inputs(atoms, box, fitted, task)
            return (yield from iter_analysis(atoms, rounded, snapped, task=task, fda=False, prepared=prep))
        return (yield from iter_analysis(atoms, fitted, box, task=task, fda=not preview))

    return job


def load_job(
    ion_path: Path | None, range_path: Path | None, decompose: bool = True, ranges: RangeTable | None = None
) -> JobFn:
    """``job(task)`` opening an ion file with its range file (``None``, ``None``: the demo), or with
    the range table ``ranges`` when there is no range file."""

    def job(task: TaskState):
        return load_dataset(ion_path, range_path, decompose=decompose, task=task, ranges=ranges)

    return job


def local_job(atoms: AtomSet, box: Box, settings: AnalysisSettings, n_centres: int | None) -> JobFn:
    """``job(task)`` computing the atom-centred entropy of ``box`` (``n_centres`` ``None``: every atom),
    for the first-shell neighbour counts of the settings' lattice (fcc when there is none)."""
    ks = default_ks(settings.lattice.structure if settings.lattice is not None else "fcc")

    def job(task: TaskState):
        return local_entropy(atoms, box, settings.elements, ks, n_centres, settings.seed, task)

    return job
