"""A complete analysis of one ROI: bulk entropy, the curve, both SUMEs (the ``analyze`` command)."""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import replace

from hea_studio.compute.compounds.run import SublatticeRun
from hea_studio.compute.lac.binning import PreparedRoi, estimate_run_bytes
from hea_studio.compute.lac.curve import iter_prepared, reference_table
from hea_studio.compute.lac.entropy import bulk_result
from hea_studio.compute.lac.roi import atoms_default_box_far, far_ions_warning, prepare_roi, preset_elements
from hea_studio.compute.sume.estimate import estimate_sumes
from hea_studio.compute.sume.fits import sume_null
from hea_studio.compute.sume.quality import analysis_warnings
from hea_studio.core import memory
from hea_studio.core.atoms import AtomSet
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.limits import check_cube_count
from hea_studio.core.progress import TaskState, check_cancelled
from hea_studio.core.results import AnalysisResult, ScaleResult
from hea_studio.core.settings import AnalysisSettings
from hea_studio.core.shapes import Roi, bounding_box
from hea_studio.core.sublattices import preset_sublattices

# Share of the progress bar given to the curve; the rest is the bootstrap.
_CURVE_SHARE = 0.9


class _ScaledTask:
    """Maps a step's progress 0..1 onto ``[start, start + share]`` of the caller's progress bar."""

    def __init__(self, task: TaskState, share: float, start: float = 0.0) -> None:
        self._task = task
        self._share = share
        self._start = start

    def report(self, fraction: float, message: str | None = None) -> None:
        self._task.report(self._start + fraction * self._share, message)

    def cancelled(self) -> bool:
        return self._task.cancelled()


def resolve_sublattice_preset(settings: AnalysisSettings, atoms: AtomSet) -> AnalysisSettings:
    """``settings`` with its sublattice preset turned into sublattices for the data's elements."""
    if settings.sublattices or not settings.sublattice_preset:
        return settings
    subs = preset_sublattices(settings.sublattice_preset, preset_elements(atoms))
    return replace(settings, sublattices=subs, elements=None)


def iter_analysis(
    atoms: AtomSet,
    settings: AnalysisSettings,
    roi: Roi | None = None,
    task: TaskState | None = None,
    fda: bool = True,
    prepared: PreparedRoi | None = None,
) -> Generator[ScaleResult, None, AnalysisResult]:
    """Run the analysis, yielding each :class:`ScaleResult` and returning the :class:`AnalysisResult`.

    Parameters
    ----------
    atoms
        Ranged atoms of the dataset.
    settings
        The analysis settings (``settings.elements`` ``None`` means principal elements).
    roi
        The sub-volume: a box, or a sphere or cylinder (:mod:`hea_studio.core.shapes`: the curve
        then counts only cubes fully inside it); ``None`` places the default box inside the specimen.
    task
        Progress and cancellation (checked between edges, also during the bootstrap).
    fda
        Run the frequency distribution test at every edge (off saves ~30 % while a box is dragged).
    prepared
        The box already prepared (e.g. the table-backed ROI of a live preview,
        :mod:`hea_studio.compute.lac.preview`); ``roi`` is then its box.
    """
    t0 = time.perf_counter()
    settings = resolve_sublattice_preset(settings, atoms)
    shape = None if roi is None or isinstance(roi, Box) else roi
    if shape is not None and settings.mode != "tiling":
        raise InputError(f"a {shape.kind} ROI needs the tiling mode (paper mode places cubes in a box)")
    n_far = 0
    if prepared is not None:
        box, prep = prepared.box, prepared
    else:
        if roi is not None:
            box = bounding_box(roi)
        else:
            box, n_far = atoms_default_box_far(atoms, task, None)
        # Before any table is allocated: the smallest edge decides how many cubes there are.
        check_cube_count(box.size.tolist(), min(settings.sizes_nm))
        prep = prepare_roi(atoms, box, settings.elements, task, shape=shape)
    bulk = bulk_result(prep.elements, prep.bulk_counts())
    curve_task = _ScaledTask(task, _CURVE_SHARE) if task is not None else None
    curve: list[ScaleResult] = []
    sub = SublatticeRun.start(settings, prep) if settings.sublattices else None
    null_table = reference_table(prep, settings.min_atoms)
    for scale in iter_prepared(
        prep, settings, curve_task, fda, sub.add if sub is not None else None, null_table
    ):
        curve.append(scale)
        yield scale
    t_curve = time.perf_counter() - t0
    check_cancelled(task)
    if task is not None:
        task.report(_CURVE_SHARE, "fitting SUME" + (" with its interval" if settings.bootstrap else ""))
    density = prep.n_atoms / (shape.volume if shape is not None else box.volume)
    sumes = estimate_sumes(
        prep,
        curve,
        bulk.S_R,
        settings.lattice,
        density,
        settings.min_atoms,
        settings.bootstrap,
        settings.seed,
        settings.sume_method,
        # Paper mode places its cubes by hand; only the tiling has an origin to shift.
        settings.grid_shifts if settings.mode == "tiling" else 1,
        _ScaledTask(task, 1.0 - _CURVE_SHARE, _CURVE_SHARE) if task is not None else None,
        null_table,
    )
    null = sume_null(curve, bulk.S_R)
    sublattices = None
    if sub is not None:
        sublattices = sub.finish(curve, settings, density, task)
        # With sublattices the class is that of the mixing sublattice(s) (science.md 2).
        bulk = replace(bulk, cls=sublattices["bulk"]["class"])
    named = {"sume": sumes.primary, "sume_apparent": sumes.apparent}
    named.update({f"sume_variants.{k}": v for k, v in sumes.variants.items()})
    warnings = analysis_warnings(prep, curve, bulk.S_R, named, settings.mode)
    far = far_ions_warning(n_far)
    if far is not None:
        warnings = (far, *warnings)
    if task is not None:
        task.report(1.0, "done")
    total = time.perf_counter() - t0
    result = AnalysisResult(
        elements=prep.elements,
        roi_nm=tuple(box.flat()),  # type: ignore[arg-type]
        roi_shape=shape.to_dict() if shape is not None else None,
        mode=settings.mode,
        min_atoms=settings.min_atoms,
        bulk=bulk,
        curve=tuple(curve),
        sume=sumes.primary,
        sume_reason=sumes.primary_reason,
        sume_null=null,
        sume_chemical=sumes.chemical,
        sume_chemical_reason=sumes.chemical_reason,
        sume_variants=sumes.variants,
        sume_apparent=sumes.apparent,
        sume_apparent_reason=sumes.apparent_reason,
        warnings=warnings,
        grid_shifts=sumes.n_shifts if sumes.n_replicates else 1,
        timing_s={"load": 0.0, "curve": t_curve, "total": total},
        roi_atoms=prep.n_atoms,
        lattice=str(settings.lattice) if settings.lattice is not None else None,
        bootstrap=settings.bootstrap,
        seed=settings.seed,
        elements_note=prep.elements_note,
        sublattices=sublattices,
    )
    if sub is not None:
        result = replace(result, sublattice_view=sub.view(result))
    return result


def run_analysis(
    atoms: AtomSet,
    settings: AnalysisSettings,
    roi: Roi | None = None,
    task: TaskState | None = None,
    fda: bool = True,
) -> AnalysisResult:
    """:func:`iter_analysis` run to completion."""
    gen = iter_analysis(atoms, settings, roi, task, fda)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def memory_warning(atoms: AtomSet, box: Box, settings: AnalysisSettings) -> str | None:
    """The warning of :func:`hea_studio.core.memory.over_budget_warning` for analysing ``box``
    (before the run: an estimate from sizes alone, with every atom counted as in the box)."""
    n = atoms.n_rows  # rows: atoms, or ions standing for their atoms
    per_row = atoms.positions.itemsize * 3 + atoms.labels.itemsize
    # Every atom counted as in the box: an upper bound (counting the box would cost a pass).
    k = len(settings.elements) if settings.elements else 4
    n_box = atoms.n_atoms
    estimate = estimate_run_bytes(n, per_row, box, n_box, settings.sizes_nm, k, memory.budget())
    return memory.over_budget_warning(estimate, f"the analysis of {n_box:,} atoms")
