"""Sub-volumes: the default box inside a conical specimen, atom selection and element choice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hea_studio.compute.common import scan
from hea_studio.compute.common.specimen import specimen_grid
from hea_studio.compute.lac import _kernels
from hea_studio.compute.lac.binning import PreparedRoi, scratch_index
from hea_studio.core.atoms import AtomSet
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.progress import TaskState, check_cancelled
from hea_studio.core.results import AnalysisWarning
from hea_studio.core.shapes import Shape
from hea_studio.core.sublattices import ANIONS

PRINCIPAL_FRACTION = 0.05
"""Default entropy elements: bulk atomic fraction at least 5 at.% (science.md 1)."""

MIN_ROI_ATOMS = 100
"""Fewer entropy-element atoms than this in a ROI cannot give a meaningful curve."""

# The default box's voxels may be small (~20 atoms expected each): the inside test smooths them.
_BOX_ATOMS_PER_VOXEL = 20.0


@dataclass(frozen=True, eq=False)
class SpecimenMask:
    """Voxels inside the specimen (see :func:`specimen_mask`): ``inside[i, j, l]`` covers
    ``lo + edge * [i, i+1) x ...``; ``hi`` is the data's upper corner. ``n_far`` rows (far stray
    ions, :func:`~hea_studio.compute.common.specimen.specimen_grid`) lie outside ``lo``..``hi``."""

    lo: np.ndarray
    hi: np.ndarray
    edge: float
    inside: np.ndarray
    n_far: int = 0

    def outside_counter(self) -> np.ndarray:
        """Summed-volume table of outside voxels, with one outside layer all round (the bounding
        box's surroundings are outside too): entry [i, j, l] counts padded voxels below (i, j, l)."""
        outside = np.pad(~self.inside, 1, constant_values=True).astype(np.int64)
        table = np.zeros(tuple(np.array(outside.shape) + 1), dtype=np.int64)
        table[1:, 1:, 1:] = outside.cumsum(0).cumsum(1).cumsum(2)
        return table

    def cubes_inside(
        self, centres: np.ndarray, half: np.ndarray, table: np.ndarray | None = None
    ) -> np.ndarray:
        """True where the cube ``centre +- half`` (nm) touches no outside voxel (vectorised)."""
        table = self.outside_counter() if table is None else table
        n = np.array(self.inside.shape)
        c = np.asarray(centres, dtype=np.float64)[..., None, :]
        h = np.asarray(half, dtype=np.float64)[..., None]
        # Padded voxel index = voxel index + 1; the cube spans [a, b] inclusive in padded indices.
        a = np.clip(np.floor((c - h - self.lo) / self.edge).astype(np.int64) + 1, 0, n + 1)
        b = np.clip(np.floor((c + h - self.lo) / self.edge).astype(np.int64) + 1, 0, n + 1) + 1
        x0, y0, z0 = a[..., 0], a[..., 1], a[..., 2]
        x1, y1, z1 = b[..., 0], b[..., 1], b[..., 2]
        count = (
            table[x1, y1, z1] - table[x0, y1, z1] - table[x1, y0, z1] - table[x1, y1, z0]
            + table[x0, y0, z1] + table[x0, y1, z0] + table[x1, y0, z0] - table[x0, y0, z0]
        )  # fmt: skip
        return count == 0

    def largest_box(self) -> Box:
        """The largest all-inside box of voxels, shrunk by half a voxel on every face (see
        :func:`default_box`)."""
        lo, hi, edge = self.lo, self.hi, self.edge
        vol, i0, i1, j0, j1, l0, l1 = _kernels.largest_box(self.inside)
        if vol == 0:  # pragma: no cover - the densest voxel always passes the threshold
            return Box(tuple(lo), tuple(hi))
        box_lo = lo + edge * (np.array([i0, j0, l0]) + 0.5)
        box_hi = np.minimum(lo + edge * (np.array([i1, j1, l1]) - 0.5), hi)
        if np.any(box_hi <= box_lo):  # a one-voxel box: keep the voxel itself
            box_lo = lo + edge * np.array([i0, j0, l0])
            box_hi = np.minimum(lo + edge * np.array([i1, j1, l1]), hi)
        return Box(tuple(box_lo), tuple(box_hi))


def specimen_mask(
    positions: np.ndarray,
    task: TaskState | None = None,
    span: tuple[float, float] | None = (0.0, 1.0),
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
    weights: scan.RowWeights = None,
) -> SpecimenMask:
    """Which coarse voxels lie inside the specimen, from the atom density (see :func:`default_box`).

    Two chunked passes over the positions (bounds, then the voxel histogram); no copy of them.

    Parameters
    ----------
    positions
        (N, 3) coordinates in nm (float32 or float64).
    task, span
        Progress and cancellation, and the part of the progress bar the passes fill.
    bounds
        The positions' minimum and maximum corner if already known (saves a pass).
    weights
        Atoms per row when the rows are ions (:meth:`~hea_studio.core.atoms.AtomSet.row_weights`).
    """
    pos = scan.native(positions)
    if pos.ndim != 2 or pos.shape[1] != 3 or pos.shape[0] < MIN_ROI_ATOMS:
        raise InputError(f"need at least {MIN_ROI_ATOMS} atoms to place a default sub-volume")
    mask, lo, hi, edge, n_far = specimen_grid(
        pos, _BOX_ATOMS_PER_VOXEL, smooth=True, task=task, span=span, bounds=bounds, weights=weights
    )
    return SpecimenMask(lo, hi, float(edge), mask, n_far)


def default_box(
    positions: np.ndarray,
    task: TaskState | None = None,
    span: tuple[float, float] | None = (0.0, 1.0),
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
    weights: scan.RowWeights = None,
) -> Box:
    """Largest axis-aligned box lying inside the specimen, found from the atom density.

    APT specimens are cones (or worse), so the bounding box is mostly empty at the narrow end. The
    positions are histogrammed on a coarse grid and smoothed over 3x3x3 voxels (so counting noise
    does not punch holes into the interior); voxels reaching half the typical interior density (the
    90th percentile of occupied voxels) count as inside, which puts the boundary at the specimen
    surface. The largest all-inside box of voxels is then shrunk by half a voxel on every face, so
    that voxels cut by the surface do not carry it outside.

    Parameters are those of :func:`specimen_mask` (chunked passes, no copy of the positions).
    """
    return specimen_mask(positions, task, span, bounds, weights).largest_box()


def atoms_default_box(
    atoms: AtomSet, task: TaskState | None = None, span: tuple[float, float] | None = (0.0, 1.0)
) -> Box:
    """:func:`default_box` of an atom set (ion rows weighted by the atoms they stand for)."""
    return default_box(atoms.positions, task, span, weights=atoms.row_weights())


def atoms_default_box_far(
    atoms: AtomSet, task: TaskState | None = None, span: tuple[float, float] | None = (0.0, 1.0)
) -> tuple[Box, int]:
    """:func:`atoms_default_box` and the number of far stray ions left out of the specimen."""
    mask = specimen_mask(atoms.positions, task, span, weights=atoms.row_weights())
    return mask.largest_box(), mask.n_far


def far_ions_warning(n_far: int) -> AnalysisWarning | None:
    """``far_ions``: ions far from the specimen were left out when the default box was placed."""
    if n_far <= 0:
        return None
    return AnalysisWarning(
        "far_ions",
        f"{n_far} far ion{'s' if n_far != 1 else ''} lie outside the analysed region (stray ions far "
        "from the specimen): the default box was placed in the specimen without them",
        ("all",),
    )


def principal_elements(counts: dict[str, int], floor: float = PRINCIPAL_FRACTION) -> tuple[str, ...]:
    """Species with at least ``floor`` of all counted atoms, alphabetically."""
    total = sum(counts.values())
    if total == 0:
        return ()
    # Alphabetical, so the same alloy reports its elements in the same order whatever the range file.
    return tuple(sorted(n for n, c in counts.items() if c / total >= floor))


# Elements that form the anion sublattice of oxides, carbides, nitrides, borides, halides and
# chalcogenides: with molecular ions of O, N or C in the range file they are left out of the default.
ANION_ELEMENTS = frozenset(ANIONS)
# Molecular ions holding one of these mark a compound (oxide, nitride, carbide), issue 12.
COMPOUND_MARKERS = frozenset({"O", "N", "C"})


def compound_anions(atoms: AtomSet) -> tuple[str, ...]:
    """O, N, C found in molecular ions of the range file (empty for an alloy), alphabetically."""
    if atoms.ions is None:
        return ()
    found: set[str] = set()
    for formula in atoms.ions.formulas:
        if sum(c for _, c in formula) > 1:
            found.update(e for e, _ in formula if e in COMPOUND_MARKERS)
    return tuple(sorted(found))


def default_elements(
    counts: dict[str, int], anions: Sequence[str] = ()
) -> tuple[tuple[str, ...], str | None]:
    """The default entropy elements and, for a compound, a note saying why they are the cations.

    Without compound markers: the principal elements (>= 5 at.%, science.md 1). When molecular
    ions carry O, N or C (``anions``), the metals (cations) with >= 5 % of the metal atoms: the
    cation sublattice's entropy is the one the review classifies and the one that does not depend on
    the under-counted anion (science.md 8).
    """
    principal = principal_elements(counts)
    if not anions:
        return principal, None
    cations = {n: c for n, c in counts.items() if n not in ANION_ELEMENTS}
    chosen = principal_elements(cations)
    if set(chosen) == set(principal):
        # Trace molecular impurities (CO, O2 in an alloy) leave the principal elements as they are:
        # the data is an alloy, and calling its default "the cations of a compound" would mislead.
        return chosen, None
    note = (
        f"entropy elements: the cations {', '.join(chosen)}, because the range file holds molecular ions "
        f"with {', '.join(anions)} (a compound); choose others with --elements"
    )
    return chosen, note


def preset_elements(atoms: AtomSet) -> tuple[str, ...]:
    """Elements a sublattice preset distributes: the principal cations and the principal anions.

    Cations with >= 5 % of the metal atoms and anions with >= 5 % of the anion atoms, so that trace
    impurities (a little C or H in an oxide) do not become a sublattice of their own.
    """
    counts = atoms.counts()
    cations = principal_elements({n: c for n, c in counts.items() if n not in ANION_ELEMENTS})
    anions = principal_elements({n: c for n, c in counts.items() if n in ANION_ELEMENTS})
    return tuple(n for n in atoms.names if n in cations or n in anions)


def resolve_elements(
    names_in_data: Sequence[str],
    counts: np.ndarray,
    requested: Sequence[str] | None,
    anions: Sequence[str] = (),
) -> tuple[str, ...]:
    """The entropy elements: ``requested`` checked against the data, or the principal elements.

    Parameters
    ----------
    names_in_data
        Species names of the atom set.
    counts
        Atoms per species in the analysed volume (for the principal-element default).
    requested
        The user's list, or ``None``/empty for the default.
    anions
        :func:`compound_anions` of the data: the default is then the cation set.

    Raises
    ------
    InputError
        For unknown names, duplicates, or fewer than two elements.
    """
    if not requested_is_empty(requested):
        assert requested is not None
        names = tuple(e.strip() for e in requested if e.strip())
        unknown = [e for e in names if e not in names_in_data]
        if unknown:
            raise InputError(
                f"unknown element(s) {', '.join(unknown)}; the data hold {', '.join(names_in_data)}"
            )
        if len(set(names)) != len(names):
            raise InputError(f"element list {', '.join(names)} names an element twice")
    else:
        names, _ = default_elements({n: int(counts[i]) for i, n in enumerate(names_in_data)}, anions)
    if len(names) < 2:
        raise InputError(
            f"entropy needs at least 2 elements, got {len(names)} ({', '.join(names) or 'none'}); "
            "choose them with --elements"
        )
    return names


def choose_elements(
    atoms: AtomSet, counts: np.ndarray, requested: Sequence[str] | None
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, str | None]:
    """The entropy elements of a volume holding ``counts`` atoms per species (:func:`resolve_elements`).

    Returns ``(names, lut, element_counts, note)``: ``lut`` (n_species,) int64 maps a species to its
    element index or -1, ``element_counts`` (K,) int64 are the volume's atoms per element, and
    ``note`` is :func:`default_elements`' note when the default was used.
    """
    anions = compound_anions(atoms)
    names = resolve_elements(atoms.names, counts, requested, anions)
    note = None
    if requested_is_empty(requested):
        note = default_elements({n: int(counts[i]) for i, n in enumerate(atoms.names)}, anions)[1]
    lut = np.full(len(atoms.names), -1, dtype=np.int64)
    for k, name in enumerate(names):
        lut[atoms.index_of(name)] = k
    element_counts = np.zeros(len(names), dtype=np.int64)
    for s_, kk in enumerate(lut):
        if kk >= 0:
            element_counts[kk] += counts[s_]
    return names, lut, element_counts, note


def prepare_roi(
    atoms: AtomSet,
    box: Box,
    elements: Sequence[str] | None,
    task: TaskState | None = None,
    span: tuple[float, float] | None = None,
    shape: Shape | None = None,
) -> PreparedRoi:
    """Count the atoms of ``box`` per species in one chunked pass and choose the entropy elements.

    With a ``shape`` (sphere, cylinder; ``box`` is then its bounding box) the atoms counted are those
    inside the shape, and the curve counts only cubes fully inside it.

    Nothing per atom is copied here: the returned :class:`PreparedRoi` reads the dataset's arrays
    when it builds its voxel tables or its compact copy of the box's atoms. ``task`` is checked
    during every such pass; with a ``span`` the passes also report progress within that part of
    the caller's bar (by default they report nothing: they run in the middle of other work).

    Raises
    ------
    InputError
        If the box misses the data, holds too few atoms, or the elements are unusable.
    """
    if atoms.n_atoms == 0:
        raise InputError("the data hold no ranged atoms")
    pos = scan.native(atoms.positions)
    # Any integer width: numba compiles one pass per label dtype, which saves converting (copying)
    # every label of the dataset at each box change.
    labels = scan.native(atoms.labels)
    n_labels = atoms.n_labels
    # Rows per label (per ion class when the rows are ions), then atoms per element.
    if shape is None:
        counts = atoms.element_counts(scan.box_species_counts(pos, labels, box, n_labels, task, span))
    else:
        counts = atoms.element_counts(shape_species_counts(pos, labels, shape, n_labels, task))
    if counts.sum() < MIN_ROI_ATOMS:
        _check_overlap(pos, box)
    names, lut, element_counts, note = choose_elements(atoms, counts, elements)
    n = int(element_counts.sum())
    if n < MIN_ROI_ATOMS:
        raise InputError(
            f"the sub-volume {_fmt(box.flat())} nm holds only {n} atoms of {', '.join(names)}; "
            f"at least {MIN_ROI_ATOMS} are needed"
        )
    lo = np.asarray(box.lo, dtype=np.float64)
    hi = np.asarray(box.hi, dtype=np.float64)
    ion_rel, ion_type, ion_types = _select_ions(atoms, names, pos, lo, hi)
    return PreparedRoi(
        box=box,
        positions=pos,
        species=labels,
        lut=np.stack(atoms.layer_luts(lut), axis=1),
        elements=names,
        counts=element_counts,
        task=task,
        span=span,
        ion_rel=ion_rel,
        ion_type=ion_type,
        ion_types=ion_types,
        elements_note=note,
        shape=shape,
    )


def shape_species_counts(
    pos, labels, shape: Shape, n_labels: int, task: TaskState | None = None
) -> np.ndarray:
    """(n_labels,) rows per label inside ``shape``, chunk by chunk."""
    counts = np.zeros(n_labels, dtype=np.int64)
    step = 1 << 21
    for a in range(0, pos.shape[0], step):
        check_cancelled(task)
        inside = shape.contains(pos[a : a + step])
        counts += np.bincount(np.asarray(labels[a : a + step])[inside], minlength=n_labels)[:n_labels]
    return counts


def ion_types_over(atoms: AtomSet, elements: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """Ion types over the entropy elements: (formula -> type lookup, (T, K) atoms per type).

    Formulas with the same atoms of the entropy elements are one type; formulas without any map to
    -1. ``None`` when no type holds more than one entropy atom: then every atom is an independent
    draw and the binomial reference of science.md 4 is already exact.
    """
    if atoms.ions is None:
        return None
    col = {e: k for k, e in enumerate(elements)}
    lut = np.full(len(atoms.ions.formulas), -1, dtype=np.int64)
    types: dict[tuple[int, ...], int] = {}
    for f, formula in enumerate(atoms.ions.formulas):
        vec = [0] * len(elements)
        for el, c in formula:
            if el in col:
                vec[col[el]] += int(c)
        if sum(vec) == 0:
            continue
        lut[f] = types.setdefault(tuple(vec), len(types))
    if all(sum(v) == 1 for v in types):
        return None
    return lut, np.array(list(types), dtype=np.int64).reshape(len(types), len(elements))


def _select_ions(
    atoms: AtomSet, names: Sequence[str], pos: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """Positions and types of the ions in the box that carry entropy atoms (see :class:`PreparedRoi`)."""
    found = ion_types_over(atoms, names)
    if found is None:
        return None, None, None
    assert atoms.ions is not None
    lut, types = found
    if atoms.rows is not None:
        # Every row is an ion and its label is its formula: no per-atom lead array to read.
        ion_rel, ion_type = _kernels.select_box(
            pos, scan.native(atoms.labels), lut, lo, hi, scratch_index(len(pos))
        )
        return ion_rel, ion_type, types
    # Shifted by one so that the -1 of non-lead atoms maps to "left out" without negative indexing.
    shifted = np.concatenate([[-1], lut]).astype(np.int64)
    lead = scan.native(atoms.ions.lead) + 1
    ion_rel, ion_type = _kernels.select_box(pos, lead, shifted, lo, hi, scratch_index(len(pos)))
    return ion_rel, ion_type, types


def _check_overlap(pos: np.ndarray, box: Box) -> None:
    """Raise if ``box`` misses the data's bounding box (only called once a box looks empty)."""
    dlo, dhi = scan.bounds(pos)
    if np.any(np.array(box.hi) <= dlo) or np.any(np.array(box.lo) > dhi):
        raise InputError(
            f"the sub-volume {_fmt(box.flat())} nm lies outside the data "
            f"({_fmt([*dlo.tolist(), *dhi.tolist()])} nm)"
        )


# Warn when more than this share of a requested sub-volume lies outside the data's bounding box.
OUTSIDE_WARN_SHARE = 0.5


def outside_share(
    box: Box, data_lo: Sequence[float] | np.ndarray, data_hi: Sequence[float] | np.ndarray
) -> float:
    """Share (0..1) of the volume of ``box`` that lies outside the bounding box ``data_lo..data_hi``."""
    lo = np.maximum(np.asarray(box.lo, dtype=np.float64), np.asarray(data_lo, dtype=np.float64))
    hi = np.minimum(np.asarray(box.hi, dtype=np.float64), np.asarray(data_hi, dtype=np.float64))
    inside = float(np.prod(np.clip(hi - lo, 0.0, None)))
    return 1.0 - inside / box.volume if box.volume > 0 else 1.0


def roi_warning(positions: np.ndarray, box: Box) -> str | None:
    """A warning when most of ``box`` lies outside the data (its statistics would rest on a corner)."""
    if positions.shape[0] == 0:
        return None
    lo, hi = scan.bounds(positions)
    share = outside_share(box, lo, hi)
    if share <= OUTSIDE_WARN_SHARE:
        return None
    return (
        f"{100 * share:.0f} % of the sub-volume {_fmt(box.flat())} nm lies outside the data "
        f"({_fmt([*lo.tolist(), *hi.tolist()])} nm); only the part inside holds atoms"
    )


def requested_is_empty(elements: Sequence[str] | None) -> bool:
    """True when no element list was given (the principal elements are then used)."""
    return not elements or not any(e.strip() for e in elements)


def _fmt(values) -> str:
    return "[" + ", ".join(f"{v:.3g}" for v in values) + "]"
