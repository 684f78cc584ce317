"""The limited-area calculation (science.md 3): entropy versus cube edge, one edge at a time.

:func:`iter_curve` is a generator so that the GUI can plot each edge as it arrives and cancel between
edges; the CLI simply drains it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from hea_studio.compute.common import _kernels
from hea_studio.compute.lac.binning import PreparedRoi
from hea_studio.compute.lac.roi import prepare_roi
from hea_studio.compute.reference.atoms import NullEntropyTable
from hea_studio.compute.reference.freqdist import atom_count_groups, chi2_against, frequency_distribution
from hea_studio.compute.reference.ions import IonNullTable
from hea_studio.core.atoms import AtomSet
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box, edges_that_fit
from hea_studio.core.progress import TaskState, check_cancelled
from hea_studio.core.results import ScaleResult
from hea_studio.core.settings import AnalysisSettings

PAPER_CUBES = 9
PAPER_CUBES_LARGEST = 5


def check_sizes(prep: PreparedRoi, sizes: Sequence[float]) -> None:
    """Refuse edges that do not fit in the ROI (they would give no cube at all)."""
    smallest = float(prep.extent.min())
    fitting = edges_that_fit(sizes, prep.extent)
    too_big = [L for L in sizes if float(L) not in fitting]
    if too_big:
        ex = ", ".join(f"{v:.3g}" for v in prep.extent)
        raise InputError(
            f"cube edge(s) {', '.join(f'{v:g}' for v in too_big)} nm exceed the sub-volume "
            f"({ex} nm along x, y, z); use edges up to {smallest:.3g} nm or a larger sub-volume"
        )


def scale_result(
    prep: PreparedRoi,
    counts: np.ndarray,
    L: float,
    index: int,
    min_atoms: int,
    null_table: NullEntropyTable | IonNullTable,
    fda: bool = True,
    fraction_done: float = 1.0,
    ions: np.ndarray | None = None,
) -> ScaleResult:
    """Statistics of one edge from its per-cube counts (rows: cubes, columns: entropy elements).

    With an :class:`IonNullTable`, ``ions`` gives the ions (carrying entropy atoms) of every row:
    the reference and the frequency test then draw ions, not atoms (science.md 4 and 6).
    """
    keep, S, n, xmean, xstd = _kernels.cube_stats(
        np.ascontiguousarray(counts, dtype=np.int64), int(min_atoms)
    )
    names = prep.elements
    n_cubes = int(S.size)
    # Cubes holding any atom: the denominator for "how many cubes survived min_atoms". Empty cubes
    # are excluded so that a box reaching outside the specimen does not look undersampled.
    per_cube = np.asarray(counts).sum(axis=1) if len(counts) else np.zeros(0, np.int64)
    n_occupied = int(np.count_nonzero(per_cube))
    occupied_mean = float(per_cube.sum()) / n_occupied if n_occupied else None
    none = dict.fromkeys(names)
    if n_cubes == 0:
        return ScaleResult(
            index=index,
            size_nm=float(L),
            n_cubes=0,
            n_occupied=n_occupied,
            occupied_mean_atoms=occupied_mean,
            min_atoms=int(min_atoms),
            mean_atoms=None,
            S_mean=None,
            S_std=None,
            S_sem=None,
            S_null=None,
            deficit=None,
            conc_mean=dict(none),
            conc_std=dict(none),
            pearson_mu=dict(none),
            chi2_p=dict(none),
            chi2=dict(none),
            fraction_done=fraction_done,
        )
    kept = counts[keep]
    S_mean = float(S.mean())
    # Sample statistics (ddof=1): the cubes are a sample of the material; undefined for one cube.
    S_std = float(S.std(ddof=1)) if n_cubes > 1 else None
    S_sem = S_std / float(np.sqrt(n_cubes)) if S_std is not None else None
    groups = atom_count_groups(n)
    if isinstance(null_table, IonNullTable):
        if ions is None:
            raise ValueError("an ion-level reference needs the ions of every cube")
        ion_groups = atom_count_groups(np.asarray(ions)[keep])
        S_null = null_table.mean_over_groups(*ion_groups)
    else:
        S_null = null_table.mean_over_groups(*groups)
    conc_mean: dict[str, float | None] = {e: float(v) for e, v in zip(names, xmean)}
    conc_std: dict[str, float | None] = (
        {e: float(v) for e, v in zip(names, xstd)} if n_cubes > 1 else dict(none)
    )
    mu: dict[str, float | None] = dict(none)
    pval: dict[str, float | None] = dict(none)
    chi2: dict[str, float | None] = dict(none)
    dof: dict[str, int] = {}
    hist: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if fda:
        n_atoms = int(n.sum())
        for k, e in enumerate(names):
            if isinstance(null_table, IonNullTable):
                column = np.ascontiguousarray(kept[:, k])
                length = int(column.max()) + 1
                expected = null_table.expected_hist(k, *ion_groups, max(length, 2))
                r = chi2_against(column, expected, n_atoms)
            else:
                r = frequency_distribution(kept[:, k], n, float(null_table.p[k]), groups)
            mu[e], pval[e], chi2[e], dof[e] = r.mu, r.p_value, r.chi2, r.dof
            hist[e] = (r.observed, r.expected)
    return ScaleResult(
        index=index,
        size_nm=float(L),
        n_cubes=n_cubes,
        n_occupied=n_occupied,
        occupied_mean_atoms=occupied_mean,
        min_atoms=int(min_atoms),
        mean_atoms=float(n.mean()),
        S_mean=S_mean,
        S_std=S_std,
        S_sem=S_sem,
        S_null=S_null,
        deficit=S_null - S_mean,
        conc_mean=conc_mean,
        conc_std=conc_std,
        pearson_mu=mu,
        chi2_p=pval,
        chi2=chi2,
        chi2_dof=dof,
        fda_hist=hist,
        fraction_done=fraction_done,
        cube_entropy=S,
        cube_n=n,
    )


def reference_table(prep: PreparedRoi, min_atoms: int) -> NullEntropyTable | IonNullTable:
    """The random-mixing reference of ``prep``: ion draws when it has molecular ions, else atoms."""
    if prep.ion_level:
        assert prep.ion_types is not None
        return IonNullTable(prep.ion_types, prep.ion_type_counts(), min_atoms)
    return NullEntropyTable(np.maximum(prep.bulk_counts(), 0))


def iter_prepared(
    prep: PreparedRoi,
    settings: AnalysisSettings,
    task: TaskState | None = None,
    fda: bool = True,
    on_kept: Callable[[float, np.ndarray, np.ndarray | None], None] | None = None,
    null_table: NullEntropyTable | IonNullTable | None = None,
) -> Iterator[ScaleResult]:
    """:func:`iter_curve` for atoms already selected with :func:`~hea_studio.compute.lac.roi.prepare_roi`.

    ``on_kept(L, counts, ion_types)`` receives the per-element counts of the cubes kept at each edge
    (the sublattice curve of science.md 8 is computed on exactly these cubes) and, when the ROI has
    molecular ions (:attr:`PreparedRoi.ion_level`), their ions per type (else ``None``). ``null_table`` is the ROI's
    random-mixing table (made here if not given; pass one to reuse its cached values afterwards, as
    the SUME interval does).
    """
    sizes = settings.sizes_nm
    check_sizes(prep, sizes)
    if null_table is None:
        null_table = reference_table(prep, settings.min_atoms)
    voxel = prep.prepare_voxels(sizes) if settings.mode == "tiling" else None
    largest = max(sizes)
    any_cubes = False
    for i, L in enumerate(sizes):
        check_cancelled(task)
        # The sublattice hook needs the ions per type; the curve only their total.
        by_type = on_kept is not None and prep.ion_level
        if settings.mode == "tiling":
            counts, ions = prep.tile_counts_and_ions(L, voxel, by_type=by_type)
        else:
            n = PAPER_CUBES_LARGEST if (largest == L and len(sizes) > 1) else PAPER_CUBES
            counts, ions = prep.paper_counts(L, n), prep.paper_ion_counts(L, n, by_type)
        per_type = ions if by_type else None
        if per_type is not None:
            ions = per_type.sum(axis=1)
        done = (i + 1) / len(sizes)
        result = scale_result(prep, counts, L, i, settings.min_atoms, null_table, fda, done, ions)
        if on_kept is not None:
            keep = counts.sum(axis=1) >= settings.min_atoms
            on_kept(float(L), counts[keep], None if per_type is None else per_type[keep])
        any_cubes = any_cubes or result.n_cubes > 0
        if task is not None:
            task.report(done, f"cube edge {L:g} nm: {result.n_cubes} cubes")
        yield result
    if not any_cubes:
        raise InputError(
            f"no cube holds {settings.min_atoms} or more atoms of {', '.join(prep.elements)} at any edge: "
            "the sub-volume is too sparse; use larger edges or a lower --min-atoms"
        )


def iter_curve(
    atoms: AtomSet,
    box: Box,
    settings: AnalysisSettings,
    elements: Sequence[str] | None = None,
    task: TaskState | None = None,
    fda: bool = True,
) -> Iterator[ScaleResult]:
    """Entropy versus cube edge in ``box``, yielding one :class:`ScaleResult` per edge, ascending.

    Parameters
    ----------
    atoms
        Ranged (decomposed) atoms of the whole dataset.
    box
        The ROI; tiling starts at its minimum corner.
    settings
        Edges, mode, ``min_atoms``.
    elements
        Entropy elements; ``None`` uses ``settings.elements`` and then the principal elements.
    task
        Progress and cancellation (checked before each edge).
    fda
        Also run the frequency distribution test (a few ms per edge).

    Raises
    ------
    InputError
        Box outside the data, too few atoms, edges larger than the box, unusable elements.
    hea_studio.core.progress.Cancelled
        When ``task`` is cancelled.
    """
    prep = prepare_roi(atoms, box, elements if elements is not None else settings.elements)
    yield from iter_prepared(prep, settings, task, fda)
