"""Generate a synthetic atom probe specimen with known ground truth.

Pipeline (one z-slab of lattice cells at a time so memory stays bounded):
lattice sites in the bounding box -> keep those the shape (plus blur margin) may contain ->
species from the bulk, cluster and field compositions -> detection with the efficiency ->
position blur -> keep ions inside the shape. Then m/n per ion from the isotope/charge spectrum,
background hits, and ions sorted by depth, the order in which a tip evaporates.

Everything random comes from generators seeded with ``(seed, stream, slab)``, so the same
parameters give the same bytes whatever else happens in the process.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field

import numpy as np

from hea_studio.core.errors import InputError
from hea_studio.core.ions import IonData
from hea_studio.core.isotopes import parse_formula
from hea_studio.core.limits import MAX_SEED, MAX_SYNTH_ATOMS, check_int
from hea_studio.core.progress import TaskState, check_cancelled
from hea_studio.core.ranges import RangeTable
from hea_studio.core.settings import COCUFENI_LATTICE, Lattice
from hea_studio.synth.heterogeneity import (
    ClusterSpec,
    FieldSpec,
    calibrate_field,
    cumulative_table,
    gaussian_field,
    matrix_fractions,
    place_clusters,
)
from hea_studio.synth.instrument import Instrument
from hea_studio.synth.lattice import LatticeGrid, SiteRuns, site_density
from hea_studio.synth.shape import BoxShape, Shape, shape_from_dict
from hea_studio.synth.spectrum import (
    assign_ranges,
    background_mass_to_charge,
    build_range_table,
    expected_peaks,
    sample_mass_to_charge,
)

GENERATOR_VERSION = 6  # 6: sites independent of the blur; 5: isotope masses from periodictable
SITE_MARGIN_NM = 1.2
"""Sites are generated this far beyond the shape whatever the blur (4 sigma of the default 0.3 nm)."""

# Random streams, one per purpose, so that changing e.g. the spectrum does not move the atoms.
_STREAM_CLUSTERS, _STREAM_FIELD, _STREAM_SITES, _STREAM_MASS, _STREAM_BACKGROUND = range(5)

# Lattice sites handled per slab: about 150 MB of temporaries, whatever the specimen size.
_SLAB_SITES = 2_000_000


@dataclass(frozen=True)
class SynthParams:
    """Everything that defines a synthetic specimen.

    Parameters
    ----------
    elements
        Alloy elements (the lattice occupants).
    fractions
        Bulk atomic fractions of ``elements`` (normalised to 1).
    lattice
        Crystal structure and lattice parameter.
    shape
        :class:`BoxShape` or :class:`TipShape`.
    field
        Smooth random concentration field, or ``None``.
    clusters
        Explicit clusters, or ``None``.
    impurities
        Impurity ion species (e.g. ``"C"``, ``"O"``, ``"CO"``, ``"O2"``) and the fraction of lattice
        sites each occupies; they are spread at random.
    instrument
        Detection efficiency, blur, spectrum and background.
    seed
        Seed of every random draw.
    """

    elements: tuple[str, ...] = ("Co", "Cu", "Fe", "Ni")
    fractions: tuple[float, ...] = (0.25, 0.25, 0.25, 0.25)
    lattice: Lattice = COCUFENI_LATTICE
    shape: Shape = dc_field(default_factory=BoxShape)
    field: FieldSpec | None = None
    clusters: ClusterSpec | None = None
    impurities: Mapping[str, float] = dc_field(default_factory=dict)
    instrument: Instrument = dc_field(default_factory=Instrument)
    seed: int = 0

    def __post_init__(self) -> None:
        elements = tuple(str(e) for e in self.elements)
        fractions = tuple(float(f) for f in self.fractions)
        if not elements:
            raise InputError("no elements given")
        if len(set(elements)) != len(elements):
            raise InputError(f"elements listed twice: {','.join(elements)}")
        if len(fractions) != len(elements):
            raise InputError(f"{len(elements)} elements but {len(fractions)} fractions")
        if any(not math.isfinite(f) or f < 0 for f in fractions) or sum(fractions) <= 0:
            raise InputError(f"fractions must be non-negative with a positive sum, got {fractions}")
        for e in elements:
            formula = parse_formula(e)
            if len(formula) != 1 or formula[0][1] != 1:
                raise InputError(f"alloy element {e!r} is not a single element symbol")
        total = sum(fractions)
        object.__setattr__(self, "elements", elements)
        object.__setattr__(self, "fractions", tuple(f / total for f in fractions))
        imp = {str(k): float(v) for k, v in dict(self.impurities).items()}
        for ion, frac in imp.items():
            parse_formula(ion)
            if ion in elements:
                raise InputError(f"impurity {ion!r} is also an alloy element")
            if not (math.isfinite(frac) and frac >= 0):
                raise InputError(f"impurity fraction of {ion} must be >= 0, got {frac}")
        if sum(imp.values()) >= 0.5:
            raise InputError("impurities take half the sites or more: that is not an alloy")
        object.__setattr__(self, "impurities", imp)
        if self.clusters is not None:
            unknown = set(self.clusters.composition) - set(elements)
            if unknown:
                raise InputError(f"cluster composition names elements not in the alloy: {sorted(unknown)}")
        if self.field is not None:
            unknown = set(self.field.weights) - set(elements)
            if unknown:
                raise InputError(f"field weights name elements not in the alloy: {sorted(unknown)}")
        if not isinstance(self.seed, int | np.integer) or self.seed < 0:
            raise InputError(f"seed must be a non-negative integer, got {self.seed}")
        check_int("seed", int(self.seed), 0, MAX_SEED, "seeds are 32-bit unsigned integers")
        # Before any array exists: the lattice sites the shape holds decide the memory a run takes.
        sites = self.shape.volume() / self.lattice.cell_volume_nm3 * self.lattice.atoms_per_cell
        if not sites <= MAX_SYNTH_ATOMS:
            raise InputError(
                f"the specimen would hold {sites:.3g} atoms; at most {MAX_SYNTH_ATOMS:.3g} fit in memory "
                "(use a smaller --size-nm or tip)"
            )

    @property
    def species(self) -> tuple[str, ...]:
        """Ion species generated: alloy elements first, then impurity ions."""
        return self.elements + tuple(self.impurities)

    def to_dict(self) -> dict:
        """Parameters as plain JSON types (inverse: :meth:`from_dict`)."""
        return {
            "elements": list(self.elements),
            "fractions": list(self.fractions),
            "lattice": {
                "structure": self.lattice.structure,
                "a_nm": self.lattice.a_nm,
                "c_nm": self.lattice.c_nm,
            },
            "shape": self.shape.to_dict(),
            "field": None if self.field is None else self.field.to_dict(),
            "clusters": None if self.clusters is None else self.clusters.to_dict(),
            "impurities": dict(self.impurities),
            "instrument": self.instrument.to_dict(),
            "seed": int(self.seed),
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> SynthParams:
        """Build from :meth:`to_dict` output."""
        lat = d["lattice"]
        return cls(
            elements=tuple(d["elements"]),
            fractions=tuple(d["fractions"]),
            lattice=Lattice(lat["structure"], float(lat["a_nm"]), lat.get("c_nm")),
            shape=shape_from_dict(d["shape"]),
            field=None if d.get("field") is None else FieldSpec(**d["field"]),
            clusters=None if d.get("clusters") is None else ClusterSpec(**d["clusters"]),
            impurities=dict(d.get("impurities", {})),
            instrument=Instrument(**d.get("instrument", {})),
            seed=int(d.get("seed", 0)),
        )


@dataclass(frozen=True, eq=False)
class Specimen:
    """A generated specimen: the ions as an instrument would give them, plus the truth.

    Parameters
    ----------
    ions
        Positions (nm, float32) and m/n (Da, float32), sorted by depth.
    ion_species
        (N,) index into ``species`` of the ion each hit really was; -1 for background hits.
    species
        Ion species names (alloy elements, then impurity ions).
    ranges
        Range table matching the spectrum.
    cluster_centres, cluster_radii
        (M, 3) and (M,) clusters placed (nm).
    truth
        Ground truth as plain JSON types: compositions (requested, of all atoms, of detected
        atoms), counts, cluster sites, the largest cube inside the shape.
    params
        The parameters used.
    """

    ions: IonData
    ion_species: np.ndarray
    species: tuple[str, ...]
    ranges: RangeTable
    cluster_centres: np.ndarray
    cluster_radii: np.ndarray
    truth: dict
    params: SynthParams

    @property
    def n_ions(self) -> int:
        """Number of ions (including background hits)."""
        return self.ions.n_ions


def _rng(seed: int, stream: int, part: int = 0) -> np.random.Generator:
    return np.random.default_rng([int(seed), stream, part])


def _element_counts(species: tuple[str, ...], counts: np.ndarray) -> dict[str, int]:
    """Atoms per element after splitting molecular ions."""
    out: dict[str, int] = {}
    for name, c in zip(species, counts):
        for element, n in parse_formula(name):
            out[element] = out.get(element, 0) + int(c) * n
    return out


def _fractions(counts: Mapping[str, int], elements: tuple[str, ...]) -> dict[str, float]:
    total = sum(counts.get(e, 0) for e in elements)
    return {e: (counts.get(e, 0) / total if total else 0.0) for e in elements}


@dataclass(frozen=True, eq=False)
class _SiteSampler:
    """Draws the species of lattice sites: cluster, field-modulated matrix, or impurity.

    One uniform number per site decides everything: below ``f_imp`` the site holds an impurity
    ion, otherwise the rescaled number picks an alloy element from the cumulative table of the
    site's region (its cluster, or its field cell in the matrix).
    """

    k_alloy: int
    matrix_cum: np.ndarray  # (n_cells, K) float32, or (1, K) without a field
    g_origin: np.ndarray | None
    g_spacing: float
    g_shape: np.ndarray | None
    cluster_cum: np.ndarray  # (K,) float32
    cluster_runs: SiteRuns  # the cluster sites
    f_imp: float
    imp_cum: np.ndarray

    def labels(self, pos: np.ndarray, idx: np.ndarray, u: np.ndarray, span: tuple[int, int]):
        """Species index per site and the cluster mask.

        Parameters
        ----------
        pos, idx
            Positions (float32) and global indices of the sites.
        u
            One uniform number per site.
        span
            Global index range ``[start, stop)`` that holds every ``idx``.
        """
        n = len(idx)
        u_alloy = (u - self.f_imp) / (1.0 - self.f_imp)
        if self.g_shape is not None and self.g_origin is not None:
            # float32 / int32 throughout: the field grid has at most ~1e7 cells.
            cell = ((pos - self.g_origin.astype(np.float32)) / np.float32(self.g_spacing)).astype(np.int32)
            np.clip(cell, 0, self.g_shape - 1, out=cell)
            flat = (cell[:, 0] * self.g_shape[1] + cell[:, 1]) * self.g_shape[2] + cell[:, 2]
            cum = self.matrix_cum[flat]
        else:
            cum = np.broadcast_to(self.matrix_cum, (n, self.k_alloy))
        labels = np.zeros(n, dtype=np.int16)
        for k in range(self.k_alloy - 1):
            labels += u_alloy >= cum[:, k]
        # Cluster sites: a mask over the index span, filled run by run.
        start, stop = span
        mask = np.zeros(stop - start, bool)
        self.cluster_runs.mark(mask, start, stop)
        in_cluster = mask[idx - start]
        if in_cluster.any():
            labels[in_cluster] = np.searchsorted(self.cluster_cum[:-1], u_alloy[in_cluster], side="right")
        if self.f_imp > 0:
            is_imp = u < self.f_imp
            labels[is_imp] = self.k_alloy + np.searchsorted(
                self.imp_cum, u[is_imp] / self.f_imp, side="right"
            )
        return labels, in_cluster


def _place_cluster_sites(params: SynthParams, grid: LatticeGrid, n_expected_sites: float):
    """Cluster centres and radii, their lattice sites (as runs), composition and site fraction."""
    shape = params.shape
    bulk = np.array(params.fractions)
    if params.clusters is None or params.clusters.number_density <= 0:
        runs = grid.sphere_runs(np.zeros((0, 3)), np.zeros(0))
        return np.zeros((0, 3)), np.zeros(0), runs, bulk.copy(), 0.0
    lo, hi = shape.bounds()
    centres, radii = place_clusters(
        params.clusters, shape.volume(), lo, hi, shape.inside, _rng(params.seed, _STREAM_CLUSTERS)
    )
    runs = grid.sphere_runs(centres, radii)
    # The fraction of the specimen's sites held by clusters sets how much the matrix is depleted
    # (clusters never overlap, so no site is counted twice).
    inside = runs.count_inside(grid.lo[0], grid.edges[0], grid.basis[:, 0], shape.x_interval)
    comp = np.array([params.clusters.composition.get(e, 0.0) for e in params.elements])
    return centres, radii, runs, comp, inside / n_expected_sites


def _matrix_table(params: SynthParams, matrix: np.ndarray, margin: float):
    """Cumulative matrix composition per field cell, and the field grid's geometry."""
    if params.field is None or params.field.amplitude <= 0:
        cum = np.cumsum(matrix)[None, :].astype(np.float32)
        cum[:, -1] = 1.0
        return cum, None, 1.0, None
    shape = params.shape
    lo, hi = shape.bounds()
    g, origin, spacing = gaussian_field(
        lo - margin, hi + margin, params.field.correlation_nm, _rng(params.seed, _STREAM_FIELD)
    )
    weights = np.array([params.field.weights.get(e, 0.0) for e in params.elements])
    # Calibrate on cells whose centres lie inside the specimen, so the realised bulk (not just the
    # ensemble mean) matches the request.
    step = max(1, g.size // 150_000)
    sample = np.stack(np.unravel_index(np.arange(0, g.size, step), g.shape), axis=1)
    sample_g = g.reshape(-1)[::step][shape.inside(origin + (sample + 0.5) * spacing)]
    q = calibrate_field(sample_g, matrix, weights, params.field.amplitude)
    return cumulative_table(g, q, weights, params.field.amplitude), origin, spacing, np.array(g.shape)


def _spectrum(params: SynthParams, positions: np.ndarray, labels: np.ndarray):
    """m/n for every real ion, background hits, and the ion shares that decide the ranges."""
    species, inst, shape = params.species, params.instrument, params.shape
    rng_m = _rng(params.seed, _STREAM_MASS)
    mass = np.empty(len(labels), dtype=np.float64)
    for s, name in enumerate(species):
        sel = np.flatnonzero(labels == s)
        mass[sel] = sample_mass_to_charge(name, len(sel), rng_m, inst.peak_shape)
    ion_counts = np.bincount(labels, minlength=len(species))
    share = dict(zip(species, ion_counts / max(1, ion_counts.sum())))
    # Background: uncorrelated hits spread over the specimen with a random m/n.
    max_mn = max([p.mn for p in expected_peaks(share)], default=100.0)
    n_bg = round(inst.background_fraction / (1.0 - inst.background_fraction) * len(labels))
    if n_bg > 0 and len(labels) > 0:
        rng_b = _rng(params.seed, _STREAM_BACKGROUND)
        src = rng_b.integers(0, len(labels), n_bg)
        bg_pos = positions[src] + rng_b.uniform(-1.0, 1.0, (n_bg, 3)).astype(np.float32)
        bg_pos = bg_pos[shape.inside(bg_pos.astype(np.float64))]
        bg_mass = background_mass_to_charge(len(bg_pos), 1.0, max(100.0, max_mn + 10.0), rng_b)
        positions = np.concatenate([positions, bg_pos])
        mass = np.concatenate([mass, bg_mass])
        labels = np.concatenate([labels, np.full(len(bg_pos), -1, np.int16)])
    return positions, mass, labels, share


def _ranging_truth(
    species: tuple[str, ...], ranges: RangeTable, mass: np.ndarray, labels: np.ndarray
) -> dict:
    """How well the range file recovers the truth: the analyst's view of this specimen."""
    owner = np.array([species.index(r.ion) for r in ranges.ranges] + [-1], dtype=np.int16)
    ranged_as = owner[assign_ranges(mass, ranges)]
    real = labels >= 0
    return {
        "ranged_fraction": float(np.mean(ranged_as >= 0)) if len(labels) else 0.0,
        "correct_fraction_of_real_ions": float(np.mean(ranged_as[real] == labels[real]))
        if real.any()
        else 0.0,
        "background_ions_ranged": int(np.sum(ranged_as[~real] >= 0)),
    }


def generate(params: SynthParams, task: TaskState | None = None) -> Specimen:
    """Generate a specimen.

    Parameters
    ----------
    params
        What to generate.
    task
        Optional progress/cancellation (reported per slab of lattice layers).

    Returns
    -------
    Specimen
        Ions, range table and ground truth; identical for identical ``params``.
    """
    elements = params.elements
    species = params.species
    k_alloy = len(elements)
    inst = params.instrument
    shape = params.shape
    # The sites (and the species drawn for them) must not depend on the instrument: the same seed is
    # the same material at any efficiency or blur (issue 21). The lattice origin, the field grid and the
    # random stream all hang on this margin, so it is a constant; only a blur wider than it (4 sigma >
    # 1.2 nm) enlarges it, and then the material differs from that of narrower blurs.
    margin = max(inst.blur_margin_nm, SITE_MARGIN_NM)
    lo, hi = shape.bounds()
    grid = LatticeGrid.covering(params.lattice, lo - margin, hi + margin)
    volume = shape.volume()

    centres, radii, cl_runs, cluster_comp, f_cluster = _place_cluster_sites(
        params, grid, volume * site_density(params.lattice)
    )
    matrix = matrix_fractions(elements, np.array(params.fractions), cluster_comp, f_cluster)
    matrix_cum, g_origin, g_spacing, g_shape = _matrix_table(params, matrix, margin)
    cluster_cum = np.cumsum(cluster_comp).astype(np.float32)
    cluster_cum[-1] = 1.0
    imp_frac = np.array(list(params.impurities.values()))
    f_imp = float(imp_frac.sum())
    sampler = _SiteSampler(
        k_alloy=k_alloy,
        matrix_cum=matrix_cum,
        g_origin=g_origin,
        g_spacing=g_spacing,
        g_shape=g_shape,
        cluster_cum=cluster_cum,
        cluster_runs=cl_runs,
        f_imp=f_imp,
        imp_cum=np.cumsum(imp_frac) / f_imp if f_imp > 0 else np.zeros(0),
    )

    n_species = len(species)
    site_counts = np.zeros(n_species, np.int64)
    cluster_site_counts = np.zeros(k_alloy, np.int64)
    pos_parts: list[np.ndarray] = []
    lab_parts: list[np.ndarray] = []
    # Slabs of whole z-layers; inside a slab only the cells under the shape's widest section.
    per_layer = max(1, grid.sites_per_layer)
    layers = max(1, _SLAB_SITES // per_layer)
    nz = grid.shape[2]
    slabs = [(z0, min(nz, z0 + layers)) for z0 in range(0, nz, layers)]
    edges = grid.edges
    for part, (z0, z1) in enumerate(slabs):
        check_cancelled(task)
        rng = _rng(params.seed, _STREAM_SITES, part)
        z_top = grid.lo[2] + z1 * edges[2]
        xy_lo, xy_hi = shape.xy_bounds(grid.lo[2] + z0 * edges[2] - margin, z_top + margin)
        c_lo = np.floor((xy_lo - margin - grid.lo[:2]) / edges[:2]).astype(int) - 1
        c_hi = np.ceil((xy_hi + margin - grid.lo[:2]) / edges[:2]).astype(int) + 1
        pos, idx = grid.block(
            (z0, z1), (int(c_lo[0]), int(c_hi[0])), (int(c_lo[1]), int(c_hi[1])), dtype=np.float32
        )
        keep = shape.inside(pos, margin)
        idx = idx[keep]
        pos = pos[keep]
        n = len(idx)
        u = rng.random(n, dtype=np.float32)
        labels, in_cluster = sampler.labels(pos, idx, u, (z0 * per_layer, z1 * per_layer))
        truly = shape.inside(pos)
        site_counts += np.bincount(labels[truly], minlength=n_species)
        cluster_site_counts += np.bincount(
            labels[truly & in_cluster & (labels < k_alloy)], minlength=n_species
        )[:k_alloy]
        det = inst.detect(n, rng)
        p = inst.blur(pos[det], rng)
        # Decide "inside" on exactly the float32 values stored, in double precision, so that any
        # later check of the written positions agrees to the last bit.
        ok = shape.inside(p.astype(np.float64))
        pos_parts.append(p[ok])
        lab_parts.append(labels[det][ok])
        if task is not None:
            task.report(0.9 * (part + 1) / len(slabs), "generating the synthetic specimen")

    positions = np.concatenate(pos_parts) if pos_parts else np.zeros((0, 3), np.float32)
    labels = np.concatenate(lab_parts) if lab_parts else np.zeros(0, np.int16)
    del pos_parts, lab_parts
    positions, mass, labels, share = _spectrum(params, positions, labels)

    # Evaporation order: apex first.
    order = np.argsort(positions[:, 2], kind="stable")
    positions = np.ascontiguousarray(positions[order])
    mass = mass[order].astype(np.float32)
    labels = labels[order]

    ranges = build_range_table(share, inst.peak_shape)
    detected_counts = np.bincount(labels[labels >= 0], minlength=n_species)
    atoms_all = _element_counts(species, site_counts)
    atoms_detected = _element_counts(species, detected_counts)
    box_lo, box_hi = shape.largest_cube()
    truth = {
        "generator_version": GENERATOR_VERSION,
        "requested_fractions": dict(zip(elements, params.fractions)),
        "matrix_fractions": dict(zip(elements, matrix.tolist())),
        "cluster_fractions": dict(zip(elements, cluster_comp.tolist())) if len(centres) else None,
        "site_count": int(site_counts.sum()),
        "site_species_counts": dict(zip(species, site_counts.tolist())),
        "atom_counts": atoms_all,
        "alloy_fractions": _fractions(atoms_all, elements),
        "detected_ion_counts": dict(zip(species, detected_counts.tolist())),
        "detected_atom_counts": atoms_detected,
        "detected_alloy_fractions": _fractions(atoms_detected, elements),
        "background_ions": int((labels < 0).sum()),
        "ions": len(labels),
        "detected_fraction": float(detected_counts.sum() / max(1, site_counts.sum())),
        "cluster_count": len(centres),
        "cluster_site_fraction": float(f_cluster),
        "cluster_site_counts": dict(zip(elements, cluster_site_counts.tolist())),
        "volume_nm3": volume,
        "largest_cube_nm": [*box_lo, *box_hi],
        "ranging": _ranging_truth(species, ranges, mass, labels),
    }
    if task is not None:
        task.report(1.0, "synthetic specimen ready")
    return Specimen(
        ions=IonData(positions=positions, mass=mass, format="synthetic"),
        ion_species=labels,
        species=species,
        ranges=ranges,
        cluster_centres=centres,
        cluster_radii=radii,
        truth=truth,
        params=params,
    )
