"""Ranging: every ion to its species in one vectorised pass, counts, and atoms for analysis.

How an ion is assigned
----------------------
A range holds the ions with ``lo <= m/n < hi``. All range edges are sorted into elementary
intervals; each interval is given to one species beforehand, so ranging a file is one
``searchsorted`` of the m/n column against the edges plus a table lookup. A numba kernel does it
in one pass over the mapped file: a uniform grid of m/n cells answers most ions with one
multiplication and only ions in a cell holding an edge are binary-searched
(:func:`assign_numpy` is the plain-numpy twin the tests compare it with).

Overlapping ranges (the readers warn about them): an ion inside several ranges goes to the
**narrowest** of them (the most specific peak assignment); between equally narrow ranges, to the
one starting lower; between identical intervals, to the one listed first in the file.

Molecular ions and fractional multiplicities
--------------------------------------------
With decomposition (science.md 1) an ion of species ``CrO2`` becomes 1 Cr + 2 O atoms, all at the
ion's position. A count ``c`` that is not a whole number (``.rrng`` allows ``Fe:0.5``) is split
into ``floor(c)`` atoms for every ion plus one extra atom for a deterministic, evenly spread subset
of the ions: the k-th ion of that species (0-based, in file order) carries an extra atom when
``floor((k+1) f) > floor(k f)`` with ``f = c - floor(c)``. The species' n ions therefore yield
exactly ``floor(n c)`` atoms of that element, which is also what :func:`ranging_summary` reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hea_studio.core.atoms import RGB, AtomSet, IonOrigin, IonRows
from hea_studio.core.errors import InputError
from hea_studio.core.ions import IonData
from hea_studio.core.ranges import RangeTable
from hea_studio.io.files import release_pages

# Ions per chunk: the float64 copy of one chunk of m/n is 8 MB.
CHUNK = 1 << 20
# Guards floor() against 0.1 * 10 = 0.9999999999999999 style rounding in fractional counts.
_EPS = 1e-9


@dataclass(frozen=True)
class RangeLookup:
    """Sorted range edges and the species of every elementary interval.

    ``species_of_slot[i]`` is the species of ions with ``searchsorted(edges, m, "right") == i``;
    slot 0 (below the first edge) and the last slot (at or above the last edge) are -1.
    ``grid`` is a uniform grid of m/n cells from ``grid_lo`` (``grid_inv_step`` cells per Da)
    holding each cell's species, or -2 where an edge falls in the cell; it lets the kernel range
    most ions with one multiplication instead of a binary search.
    """

    edges: np.ndarray
    species_of_slot: np.ndarray
    names: list[str]
    grid_lo: float = 0.0
    grid_inv_step: float = 0.0
    grid: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))


# Marks a grid cell whose m/n interval contains a range edge: ions there need the binary search.
MIXED = -2
# Cells of the lookup grid: 2^16 int32 (256 kB) stays in cache; with m/n spanning 400 Da a cell is
# 0.006 Da, far narrower than any range, so almost every ion is ranged without a search.
GRID_CELLS = 1 << 16


def _grid(edges: np.ndarray, slots: np.ndarray) -> tuple[float, float, np.ndarray]:
    """The uniform lookup grid of :class:`RangeLookup` (empty if there is no span)."""
    if edges.size < 2 or not edges[-1] > edges[0]:
        return 0.0, 0.0, np.zeros(0, dtype=np.int32)
    lo, hi = float(edges[0]), float(edges[-1])
    step = (hi - lo) / GRID_CELLS
    cell_lo = lo + np.arange(GRID_CELLS, dtype=np.float64) * step
    # A cell is uniform only if no edge lies within a margin around it, so that rounding in the
    # kernel's cell index (far below the margin) can never put an ion in the wrong species.
    margin = step * 1e-3 + 1e-12 * max(abs(lo), abs(hi))
    below = np.searchsorted(edges, cell_lo - margin, side="right")
    before_end = np.searchsorted(edges, cell_lo + step + margin, side="left")
    grid = np.where(below == before_end, slots[below], MIXED).astype(np.int32)
    return lo, 1.0 / step, grid


def build_lookup(table: RangeTable) -> RangeLookup:
    """Resolve the table (overlaps included, see module docstring) into a lookup."""
    names = table.species
    index = {n: i for i, n in enumerate(names)}
    if not table.ranges:
        return RangeLookup(np.zeros(0), np.full(1, -1, dtype=np.int32), names)
    lo = np.array([r.lo for r in table.ranges], dtype=np.float64)
    hi = np.array([r.hi for r in table.ranges], dtype=np.float64)
    edges = np.unique(np.concatenate([lo, hi]))
    slots = np.full(edges.size + 1, -1, dtype=np.int32)
    first = np.searchsorted(edges, lo) + 1
    last = np.searchsorted(edges, hi) + 1  # exclusive
    # Narrowest first, so wider ranges only fill what is still free.
    order = sorted(range(len(table.ranges)), key=lambda i: (hi[i] - lo[i], lo[i], i))
    for i in order:
        seg = slots[first[i] : last[i]]
        seg[seg < 0] = index[table.ranges[i].ion]
    grid_lo, grid_inv, grid = _grid(edges, slots)
    return RangeLookup(edges, slots, names, grid_lo, grid_inv, grid)


def assign_species(mass: np.ndarray, table: RangeTable | RangeLookup) -> tuple[np.ndarray, list[str]]:
    """Species of every ion.

    Parameters
    ----------
    mass
        (N,) mass-to-charge ratios (any float dtype or byte order; a memory-mapped column is
        read chunk by chunk).
    table
        The range table (or a lookup built from it).

    Returns
    -------
    species, names
        ``species`` (N,) int32 index into ``names``, -1 for unranged ions (NaN m/n included);
        ``names`` is ``table.species``.
    """
    lookup = table if isinstance(table, RangeLookup) else build_lookup(table)
    m = np.asarray(mass)
    if m.ndim != 1:
        raise InputError(f"mass must be a 1-D array, got shape {m.shape}")
    out = np.empty(m.shape[0], dtype=np.int32)
    if lookup.edges.size == 0:
        out.fill(-1)
        return out, list(lookup.names)
    from hea_studio.io.ranges._kernels import assign

    for start in range(0, m.shape[0], CHUNK):
        stop = min(m.shape[0], start + CHUNK)
        chunk = m[start:stop]
        if chunk.dtype.kind != "f" or chunk.dtype.itemsize not in (4, 8) or not chunk.dtype.isnative:
            # numba reads native floats only: byte-swap (or convert) one chunk at a time.
            chunk = np.asarray(chunk, dtype=np.float32 if chunk.dtype.itemsize <= 4 else np.float64)
        assign(chunk, lookup.edges, lookup.species_of_slot, lookup.grid_lo, lookup.grid_inv_step,
               lookup.grid, MIXED, out[start:stop])  # fmt: skip
        release_pages(m[start:stop])
    return out, list(lookup.names)


def assign_numpy(mass: np.ndarray, lookup: RangeLookup) -> np.ndarray:
    """Plain-numpy twin of the kernel behind :func:`assign_species` (same result, slower)."""
    m = np.asarray(mass)
    out = np.empty(m.shape[0], dtype=np.int32)
    for start in range(0, m.shape[0], CHUNK):
        stop = min(m.shape[0], start + CHUNK)
        chunk = np.asarray(m[start:stop], dtype=np.float64)
        out[start:stop] = lookup.species_of_slot[np.searchsorted(lookup.edges, chunk, side="right")]
    return out


@dataclass(frozen=True)
class RangingSummary:
    """What ``hea-studio info --ranges`` reports.

    Parameters
    ----------
    n_ions
        Ions read.
    ranged, unranged
        Ions inside some range / outside every range.
    ion_counts
        Ions per species (every species of the table, zeros included), in table order.
    atom_counts
        Atoms per element after decomposing molecular ions (species without a composition
        count as themselves), by the rule in this module's docstring.
    """

    n_ions: int
    ranged: int
    unranged: int
    ion_counts: dict[str, int] = field(default_factory=dict)
    atom_counts: dict[str, int] = field(default_factory=dict)


def decomposition(table: RangeTable) -> dict[str, tuple[tuple[str, float], ...]]:
    """Atoms of every species; a species without a composition is one "atom" of itself."""
    out: dict[str, tuple[tuple[str, float], ...]] = {}
    for name in table.species:
        comp = table.composition_of(name)
        out[name] = comp if comp else ((name, 1.0),)
    return out


def _extra_atoms(n: int, frac: float) -> int:
    """Extra atoms the fractional part ``frac`` of a count adds over ``n`` ions."""
    return math.floor(n * frac + _EPS) if frac > 0 else 0


def ranging_summary(
    ions: IonData | np.ndarray, table: RangeTable, species: np.ndarray | None = None
) -> RangingSummary:
    """Count ions per species and atoms per element.

    Parameters
    ----------
    ions
        The ions (or just their (N,) m/n array).
    table
        The range table.
    species
        Output of :func:`assign_species` if already computed (saves a pass over the file).
    """
    mass = ions.mass if isinstance(ions, IonData) else ions
    if species is None:
        species, names = assign_species(mass, table)
    else:
        names = table.species
    counts = np.zeros(len(names) + 1, dtype=np.int64)
    for start in range(0, species.shape[0], CHUNK):
        # In chunks: one bincount over 10^8 ions would hold the GIL (and the window) for ~0.5 s.
        counts += np.bincount(species[start : start + CHUNK] + 1, minlength=len(names) + 1)[: len(names) + 1]
    ion_counts = {name: int(counts[i + 1]) for i, name in enumerate(names)}
    atoms: dict[str, int] = {}
    for name, comp in decomposition(table).items():
        n = ion_counts[name]
        for el, c in comp:
            whole = math.floor(c + _EPS)
            atoms[el] = atoms.get(el, 0) + n * whole + _extra_atoms(n, c - whole)
    return RangingSummary(
        n_ions=int(species.shape[0]),
        ranged=int(species.shape[0] - counts[0]),
        unranged=int(counts[0]),
        ion_counts=ion_counts,
        atom_counts=atoms,
    )


def _gather_into(out: np.ndarray, positions: np.ndarray, index: np.ndarray) -> None:
    """``out[:] = positions[index]`` chunk by chunk (no full-size temporaries, byte order fixed)."""
    for start in range(0, index.shape[0], CHUNK):
        stop = min(index.shape[0], start + CHUNK)
        out[start:stop] = positions[index[start:stop]]


def label_dtype(n_names: int) -> np.dtype:
    """Narrowest unsigned label type for ``n_names`` species (uint8 up to 256: 1 byte per atom)."""
    return np.dtype(np.uint8 if n_names <= 256 else np.uint16 if n_names <= 65536 else np.int32)


def _ranged_rows(
    positions: np.ndarray, species: np.ndarray, relabel: np.ndarray, n_names: int
) -> tuple[np.ndarray, np.ndarray]:
    """Positions (native float32) and ``relabel[species]`` of the ranged ions, in file order.

    Works chunk by chunk (a numba pass for float32 files, boolean masks otherwise), so no index
    array the size of the file is built.
    """
    total = 0
    for start in range(0, species.shape[0], CHUNK):
        total += int(np.count_nonzero(species[start : start + CHUNK] >= 0))
    out_pos = np.empty((total, 3), dtype=np.float32)
    out_lab = np.empty(total, dtype=label_dtype(n_names))
    if positions.dtype.kind == "f" and positions.dtype.itemsize == 4 and positions.ndim == 2:
        # float32 in either byte order (a mapped .pos is big-endian): one numba pass moves the bits.
        from hea_studio.io.ranges._kernels import gather_ranged

        raw = positions.view(np.uint32)
        swap = not positions.dtype.isnative
        out_bits = out_pos.view(np.uint32)
        relabel = np.ascontiguousarray(relabel)
        o = 0
        for start in range(0, species.shape[0], CHUNK):
            stop = min(species.shape[0], start + CHUNK)
            o = gather_ranged(raw[start:stop], swap, species[start:stop], relabel, out_bits, out_lab, o)
            release_pages(positions[start:stop])
        return out_pos, out_lab
    o = 0
    for start in range(0, species.shape[0], CHUNK):
        stop = min(species.shape[0], start + CHUNK)
        sp = species[start:stop]
        keep = sp >= 0
        k = int(np.count_nonzero(keep))
        out_pos[o : o + k] = positions[start:stop][keep]
        out_lab[o : o + k] = relabel[sp[keep]]
        release_pages(positions[start:stop])
        o += k
    return out_pos, out_lab


def _species_colour(table: RangeTable, name: str) -> RGB | None:
    """Colour the range file gives species ``name`` (table colours first, then its ranges)."""
    if name in table.colours:
        return table.colours[name]
    for r in table.ranges:
        if r.ion == name and r.colour is not None:
            return r.colour
    return None


def _colour_of_element(table: RangeTable, element: str) -> RGB | None:
    """Colour of the single-atom species ``element`` if the file gave one."""
    for r in table.ranges:
        if r.composition == ((element, 1.0),) or (not r.composition and r.ion == element):
            colour = r.colour if r.colour is not None else table.colours.get(r.ion)
            if colour is not None:
                return colour
    return table.colours.get(element)


def _ion_rows(
    positions: np.ndarray,
    species: np.ndarray,
    sp_names: list[str],
    plan: dict[str, tuple[tuple[str, float], ...]],
    elements: dict[str, int],
    names: tuple[str, ...],
    colours: dict[str, RGB],
) -> AtomSet:
    """The compact decomposition: one row per ranged ion, its class its species (see :func:`to_atoms`)."""
    formulas: list[tuple[tuple[str, int], ...]] = []
    members: list[list[int]] = []
    for name in sp_names:
        whole: dict[str, int] = {}
        for el, c in plan[name]:
            whole[el] = whole.get(el, 0) + round(c)
        formulas.append(tuple(whole.items()))
        members.append([elements[el] for el, c in whole.items() for _ in range(c)])
    depth = max((len(m) for m in members), default=1)
    table = np.full((len(sp_names), max(depth, 1)), -1, dtype=np.int64)
    for s, m in enumerate(members):
        table[s, : len(m)] = m
    pos, lab = _ranged_rows(positions, species, np.arange(len(sp_names), dtype=np.int32), len(sp_names))
    rows = IonRows(tuple(sp_names), tuple(formulas), table)
    # Every row is an ion, and its class is its formula: the labels are the ions' lead entries.
    origin = IonOrigin(lab, tuple(sp_names), tuple(formulas))
    return AtomSet(pos, lab, names, colours, origin, rows)


def to_atoms_and_summary(
    ions: IonData, table: RangeTable, decompose: bool = True
) -> tuple[AtomSet, RangingSummary]:
    """:func:`to_atoms` and :func:`ranging_summary` with a single ranging pass over the file."""
    species, _ = assign_species(ions.mass, table)
    return to_atoms(ions, table, decompose, species=species), ranging_summary(ions, table, species)


def to_atoms(
    ions: IonData,
    table: RangeTable,
    decompose: bool = True,
    species: np.ndarray | None = None,
    compact: bool = True,
) -> AtomSet:
    """Ranged atoms ready for analysis.

    Parameters
    ----------
    ions
        The ions read from a file.
    table
        Their range table.
    decompose
        Split molecular ions into their atoms at the ion position (default, science.md 1);
        otherwise every species (``CrO2``) is its own label.
    species
        Output of :func:`assign_species` if already computed (saves a pass over the file).
    compact
        With molecular ions of whole-number formulas, keep one row per ion standing for its atoms
        (:class:`~hea_studio.core.atoms.IonRows`: 13 bytes per ion, however many atoms it holds)
        instead of one row per atom with the ion's position copied to each (17 bytes per atom).
        Counts, curves and SUMEs are the same either way; ``False`` is the per-atom form.

    Returns
    -------
    AtomSet
        Native float32 positions (the files hold float32; nothing is lost), uint8 labels (wider
        only beyond 256 names: :func:`label_dtype`),
        names (elements in order of first appearance, or species), colours from the range file.
        Unranged ions are left out.
    """
    if species is None:
        species, sp_names = assign_species(ions.mass, table)
    else:
        sp_names = table.species
    positions = ions.positions
    if not decompose:
        sp_colours = {n: rgb for n in sp_names if (rgb := _species_colour(table, n)) is not None}
        pos, lab = _ranged_rows(positions, species, np.arange(len(sp_names), dtype=np.int32), len(sp_names))
        return AtomSet(pos, lab, tuple(sp_names), sp_colours)

    plan = decomposition(table)
    elements: dict[str, int] = {}
    for comp in plan.values():
        for el, _ in comp:
            elements.setdefault(el, len(elements))
    names = tuple(elements)
    colours: dict[str, RGB] = {}
    for el in names:
        colour = _colour_of_element(table, el)
        if colour is not None:
            colours[el] = colour

    simple = all(len(c) == 1 and c[0][1] == 1.0 for c in plan.values())
    if simple:
        # Every species is one atom: a relabelling, in file order, with no sorting.
        relabel = np.array([elements[plan[n][0][0]] for n in sp_names], dtype=np.int32)
        pos, lab = _ranged_rows(positions, species, relabel, len(names))
        return AtomSet(pos, lab, names, colours)

    integral = all(abs(c - round(c)) <= _EPS for comp in plan.values() for _, c in comp)
    if compact and integral:
        return _ion_rows(positions, species, sp_names, plan, elements, names, colours)

    # Sizes first, so that the output is allocated once and filled in place: the peak memory is
    # the mapped file, the species array, the output and one species' index array.
    counts = np.bincount(species + 1, minlength=len(sp_names) + 1)[1:]
    total = 0
    for s, name in enumerate(sp_names):
        n = int(counts[s])
        for _el, c in plan[name]:
            whole = math.floor(c + _EPS)
            total += n * whole + _extra_atoms(n, c - whole)
    out_pos = np.empty((total, 3), dtype=np.float32)
    out_lab = np.empty(total, dtype=label_dtype(len(names)))
    # Ion origin (science.md 1): the first atom of every ion carries its formula, the others -1.
    # A species with a fractional count has no fixed formula; its atoms count as single-atom ions.
    out_lead = np.full(total, -1, dtype=np.int32)
    formulas: list[tuple[tuple[str, int], ...]] = []
    formula_names: list[str] = []
    formula_index: dict[tuple[tuple[str, int], ...], int] = {}

    def formula_id(name: str, formula: tuple[tuple[str, int], ...]) -> int:
        if formula not in formula_index:
            formula_index[formula] = len(formulas)
            formulas.append(formula)
            formula_names.append(name)
        return formula_index[formula]

    o = 0
    for s, name in enumerate(sp_names):
        if counts[s] == 0:
            continue
        release_pages(positions)  # the previous species' gather touched pages all over the file
        idx = np.flatnonzero(species == s)  # file order
        integral = all(abs(c - round(c)) <= _EPS for _, c in plan[name])
        first: tuple[int, int] | None = None  # where this species' positions were first gathered
        for el, c in plan[name]:
            whole = math.floor(c + _EPS)
            frac = c - whole
            for _ in range(whole):
                if first is None:
                    _gather_into(out_pos[o : o + idx.size], positions, idx)
                    first = (o, o + idx.size)
                    if integral:
                        formula = tuple((e, round(cc)) for e, cc in plan[name])
                        out_lead[o : o + idx.size] = formula_id(name, formula)
                else:
                    out_pos[o : o + idx.size] = out_pos[first[0] : first[1]]
                out_lab[o : o + idx.size] = elements[el]
                if not integral:
                    out_lead[o : o + idx.size] = formula_id(el, ((el, 1),))
                o += idx.size
            if frac > _EPS:
                k = np.arange(idx.size, dtype=np.float64)
                sel = idx[np.floor((k + 1) * frac + _EPS) > np.floor(k * frac + _EPS)]
                _gather_into(out_pos[o : o + sel.size], positions, sel)
                out_lab[o : o + sel.size] = elements[el]
                out_lead[o : o + sel.size] = formula_id(el, ((el, 1),))
                o += sel.size
    assert o == total
    release_pages(positions)
    origin = IonOrigin(out_lead, tuple(formula_names), tuple(formulas))
    return AtomSet(out_pos, out_lab, names, colours, origin if origin.has_molecular else None)
