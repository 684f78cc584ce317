"""``hea-studio synth``: write a synthetic specimen (.pos + .rrng + .json with the ground truth)."""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from hea_studio.core.errors import InputError, os_reason
from hea_studio.core.limits import MAX_COORD_NM, MAX_SEED, check_float, check_int
from hea_studio.core.settings import Lattice

HELP = "generate a synthetic APT specimen with known ground truth (.pos, .rrng, .json), or with --eds a STEM-EDS map"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``hea-studio synth`` (see docs/cli.md)."""
    parser.add_argument("--out", metavar="PREFIX", help="write PREFIX.pos, PREFIX.rrng, PREFIX.json")
    parser.add_argument("--preset", help="start from a named parameter set (see --list-presets)")
    parser.add_argument("--list-presets", action="store_true", help="print the preset names and exit")
    parser.add_argument("--elements", help="alloy elements, e.g. Co,Cu,Fe,Ni")
    parser.add_argument("--fractions", help="bulk fractions (any scale), e.g. 21.9,26.7,20.8,30.6")
    parser.add_argument("--lattice", help="structure:a_nm, e.g. fcc:0.35834 (fcc, bcc, hcp)")
    parser.add_argument(
        "--size-nm",
        help="box: edge (or x,y,z edges); with --tip: edge of the cube the tip must contain",
    )
    parser.add_argument("--tip", action="store_true", help="a conical APT tip instead of a box")
    parser.add_argument("--tip-radius-nm", type=float, help="tip end radius (nm)")
    parser.add_argument("--shank-angle", type=float, help="tip shank half angle (degrees)")
    parser.add_argument("--tip-length-nm", type=float, help="tip length along z (nm)")
    parser.add_argument("--cluster-nm", type=float, help="cluster diameter (nm); 0 switches clusters off")
    parser.add_argument(
        "--cluster-strength",
        type=float,
        help="0..1: cluster composition moves from the bulk (0) to only the cluster elements (1)",
    )
    parser.add_argument(
        "--cluster-density",
        type=float,
        help="clusters per nm^3 (default: keep the preset's volume share, else 15 %% of the volume)",
    )
    parser.add_argument(
        "--cluster-elements", help="elements enriched in clusters (default: the two most abundant)"
    )
    parser.add_argument(
        "--field-nm", type=float, help="correlation length of the random concentration field (nm)"
    )
    parser.add_argument("--field-amplitude", type=float, help="strength of the field (0 switches it off)")
    parser.add_argument(
        "--field-elements", help="elements favoured by the field (the others are disfavoured)"
    )
    parser.add_argument(
        "--impurities", help='impurity ions and site fractions, e.g. "C=0.003,O=0.004,CO=0.0005"'
    )
    parser.add_argument(
        "--molecular",
        help='share of an element\'s sites detected as molecular ions, e.g. "Cr:CrO=0.2,CrO2=0.45"',
    )
    parser.add_argument("--efficiency", type=float, help="detection efficiency (default 0.37)")
    parser.add_argument(
        "--blur-nm", type=float, help="lateral position blur sigma (nm); depth is a third of it"
    )
    parser.add_argument("--blur-depth-nm", type=float, help="depth position blur sigma (nm)")
    parser.add_argument("--background", type=float, help="share of background (noise) ions, default 0.01")
    parser.add_argument("--seed", type=int, help="random seed (same seed, same bytes)")
    eds = parser.add_argument_group("STEM-EDS spectrum image of a lamella of the same material (--eds)")
    eds.add_argument("--eds", action="store_true", help="write PREFIX.hspy (+ PREFIX_HAADF.hspy) instead")
    eds.add_argument("--thickness", type=float, default=20.0, help="foil thickness in nm (20)")
    eds.add_argument("--width", type=float, default=32.0, help="map width and height in nm (32)")
    eds.add_argument("--pixel", type=float, default=0.25, help="pixel size in nm (0.25)")
    eds.add_argument("--probe", type=float, default=0.2, help="probe FWHM in nm (0.2)")
    eds.add_argument(
        "--counts-per-atom", type=float, default=0.4, help="characteristic X-rays per atom (0.4)"
    )


def _floats(text: str, what: str) -> list[float]:
    try:
        return [float(v) for v in text.replace(" ", "").split(",") if v]
    except ValueError:
        raise InputError(f"cannot read {what} {text!r}: expected comma-separated numbers") from None


def _names(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())


# (option attribute, low, high, why): every number synth takes, bounded before any arithmetic
# (a cluster size of 1e300 overflowed its cube).
_SPECIMEN = 2 * MAX_COORD_NM
_BOUNDS = (
    ("tip_radius_nm", 0.0, _SPECIMEN, "no specimen is larger"),
    ("shank_angle", 0.0, 89.0, "a shank half angle is between 0 and 90 degrees"),
    ("tip_length_nm", 0.0, _SPECIMEN, "no specimen is longer"),
    ("cluster_nm", 0.0, 1000.0, "a cluster is nanometres across"),
    ("cluster_strength", 0.0, 1.0, "a strength is a share"),
    ("cluster_density", 0.0, 1000.0, "more clusters per nm^3 than atoms"),
    ("field_nm", 0.0, 1000.0, "a correlation length is nanometres"),
    ("efficiency", 0.0, 1.0, "an efficiency is a share"),
    ("blur_nm", 0.0, 100.0, "a blur is nanometres"),
    ("blur_depth_nm", 0.0, 100.0, "a blur is nanometres"),
    ("background", 0.0, 1.0, "a background is a share"),
)


def _check_numbers(args: argparse.Namespace) -> None:
    for name, lo, hi, why in _BOUNDS:
        value = getattr(args, name, None)
        if value is not None:
            check_float("--" + name.replace("_", "-"), value, lo, hi, why)
            # A length of 1e-300 nm divided by zero downstream: lengths are 0 (off) or >= 0.01 nm.
            if name.endswith("_nm") and 0.0 < value < 0.01:
                raise InputError(f"--{name.replace('_', '-')} must be 0 or at least 0.01 nm, got {value:g}")
    if getattr(args, "size_nm", None):
        for v in _floats(args.size_nm, "size"):
            check_float(
                "--size-nm", v, 0.1, _SPECIMEN, "a specimen is larger than a few atoms and smaller than 20 um"
            )
    if getattr(args, "seed", None) is not None:
        check_int("--seed", args.seed, 0, MAX_SEED, "seeds are 32-bit unsigned integers")


def build_params(args: argparse.Namespace):
    """Turn parsed options into :class:`~hea_studio.synth.SynthParams` (preset first, then overrides)."""
    from hea_studio.synth import BoxShape, ClusterSpec, FieldSpec, SynthParams, TipShape
    from hea_studio.synth.presets import preset

    _check_numbers(args)
    p = preset(args.preset) if args.preset else SynthParams(shape=BoxShape((20.0, 20.0, 20.0)))
    changes: dict = {}
    if args.elements:
        elements = _names(args.elements)
        fractions = _floats(args.fractions, "fractions") if args.fractions else [1.0] * len(elements)
        changes.update(elements=elements, fractions=tuple(fractions))
        # Heterogeneity from a preset names the preset's elements; drop it if they are gone.
        if p.clusters is not None and not set(p.clusters.composition) <= set(elements):
            changes["clusters"] = None
        if p.field is not None and not set(p.field.weights) <= set(elements):
            changes["field"] = None
    elif args.fractions:
        changes["fractions"] = tuple(_floats(args.fractions, "fractions"))
    if args.lattice:
        changes["lattice"] = Lattice.parse(args.lattice)
    if args.seed is not None:
        changes["seed"] = args.seed
    if args.impurities is not None:
        imp = {}
        for item in _names(args.impurities):
            name, _, value = item.partition("=")
            try:
                imp[name.strip()] = float(value)
            except ValueError:
                raise InputError(f"cannot read impurity {item!r}: expected ION=fraction") from None
        changes["impurities"] = imp
    p = replace(p, **changes)
    if args.molecular:
        from hea_studio.synth.molecular import parse_molecular, with_molecular_ions

        p = with_molecular_ions(p, parse_molecular(args.molecular))

    # Shape.
    size = _floats(args.size_nm, "size") if args.size_nm else None
    tip_opts = (args.tip_radius_nm, args.shank_angle, args.tip_length_nm)
    if args.tip or any(v is not None for v in tip_opts):
        if size is not None:
            if len(size) != 1:
                raise InputError("with --tip, --size-nm is one number: the edge of the cube the tip contains")
            base = TipShape.around_cube(size[0], args.shank_angle if args.shank_angle is not None else 10.0)
        else:
            base = p.shape if isinstance(p.shape, TipShape) else TipShape()
        shape = TipShape(
            args.tip_radius_nm if args.tip_radius_nm is not None else base.end_radius_nm,
            args.shank_angle if args.shank_angle is not None else base.shank_angle_deg,
            args.tip_length_nm if args.tip_length_nm is not None else base.length_nm,
        )
        p = replace(p, shape=shape)
    elif size is not None:
        if len(size) not in (1, 3):
            raise InputError("--size-nm takes one edge or three (x,y,z)")
        p = replace(p, shape=BoxShape(tuple(size * 3 if len(size) == 1 else size)))

    # Clusters.
    cl_opts = (args.cluster_nm, args.cluster_strength, args.cluster_density, args.cluster_elements)
    if any(v is not None for v in cl_opts):
        if args.cluster_nm == 0:
            p = replace(p, clusters=None)
        else:
            old = p.clusters
            radius = (
                args.cluster_nm / 2.0 if args.cluster_nm is not None else (old.radius_nm if old else 1.25)
            )
            if args.cluster_density is not None:
                density = args.cluster_density
            elif old is not None:
                # A new size keeps the share of the volume in clusters, so "the same clustering
                # at 2 nm" compares like with like.
                density = old.volume_fraction / (4.0 / 3.0 * math.pi * radius**3)
            else:
                # 15 % of the volume in clusters: clearly visible, far from overlapping.
                density = 0.15 / (4.0 / 3.0 * math.pi * radius**3)
            if args.cluster_elements:
                enriched = _names(args.cluster_elements)
            elif old is not None:
                bulk = dict(zip(p.elements, p.fractions))
                enriched = tuple(e for e, x in old.composition.items() if x > bulk.get(e, 0.0))
            else:
                order = sorted(zip(p.fractions, p.elements), key=lambda t: -t[0])
                enriched = tuple(e for _, e in order[:2])
            unknown = set(enriched) - set(p.elements)
            if unknown:
                raise InputError(f"cluster elements not in the alloy: {sorted(unknown)}")
            if args.cluster_strength is not None or old is None or args.cluster_elements:
                s = 0.8 if args.cluster_strength is None else args.cluster_strength
                if not 0.0 <= s <= 1.0:
                    raise InputError(f"cluster strength must lie in [0, 1], got {s}")
                bulk = dict(zip(p.elements, p.fractions))
                rich = sum(bulk[e] for e in enriched)
                comp = {
                    e: (1 - s) * bulk[e] + (s * bulk[e] / rich if e in enriched else 0.0) for e in p.elements
                }
            else:
                comp = dict(old.composition)
            p = replace(p, clusters=ClusterSpec(radius, density, comp))

    # Field.
    f_opts = (args.field_nm, args.field_amplitude, args.field_elements)
    if any(v is not None for v in f_opts):
        if args.field_amplitude == 0:
            p = replace(p, field=None)
        else:
            old = p.field
            corr = args.field_nm if args.field_nm is not None else (old.correlation_nm if old else 2.0)
            amp = (
                args.field_amplitude if args.field_amplitude is not None else (old.amplitude if old else 0.5)
            )
            if args.field_elements:
                fav = set(_names(args.field_elements))
                unknown = fav - set(p.elements)
                if unknown:
                    raise InputError(f"field elements not in the alloy: {sorted(unknown)}")
                weights = {e: (1.0 if e in fav else -1.0) for e in p.elements}
            elif old is not None:
                weights = dict(old.weights)
            else:
                weights = {e: (1.0 if i % 2 == 0 else -1.0) for i, e in enumerate(p.elements)}
            p = replace(p, field=FieldSpec(corr, amp, weights))

    # Instrument.
    inst = {}
    if args.efficiency is not None:
        inst["efficiency"] = args.efficiency
    if args.blur_nm is not None:
        inst["blur_lateral_nm"] = args.blur_nm
        inst["blur_depth_nm"] = args.blur_nm / 3.0
    if args.blur_depth_nm is not None:
        inst["blur_depth_nm"] = args.blur_depth_nm
    if args.background is not None:
        inst["background_fraction"] = args.background
    if inst:
        p = replace(p, instrument=replace(p.instrument, **inst))
    return p


def _check_prefix(prefix: Path, exts: tuple[str, ...] = (".pos", ".rrng", ".json")) -> None:
    """Make sure PREFIX.pos/.rrng/.json (or the ``exts`` given) can be written before generating anything."""
    from hea_studio.cli.outputs import check_outputs

    folder = prefix.parent if str(prefix.parent) else Path(".")
    if not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"--out {prefix}: cannot create the folder {folder} ({os_reason(exc)})"
            ) from None
    check_outputs([("--out", prefix.with_name(prefix.name + ext)) for ext in exts])


def run(args: argparse.Namespace) -> int:
    """Generate and write; print a short summary."""
    from hea_studio.synth import generate
    from hea_studio.synth.output import write_specimen
    from hea_studio.synth.presets import PRESETS

    if args.list_presets:
        for name, factory in PRESETS.items():
            print(f"{name:<22} {(factory.__doc__ or '').strip().splitlines()[0]}")
        return 0
    if not args.out:
        raise InputError("synth needs --out PREFIX (the .pos, .rrng and .json are written there)")
    params = build_params(args)
    prefix = Path(args.out)
    _check_prefix(prefix, (".hspy", "_HAADF.hspy") if args.eds else (".pos", ".rrng", ".json"))
    if args.eds:
        return _run_eds(args, params, prefix)
    t0 = time.perf_counter()
    specimen = generate(params)
    t1 = time.perf_counter()
    try:
        pos, rrng, meta = write_specimen(specimen, prefix)
    except OSError as exc:
        raise InputError(f"cannot write {prefix}.*: {os_reason(exc)}") from None
    t2 = time.perf_counter()
    truth = specimen.truth
    comp = ", ".join(f"{e} {100 * x:.2f}" for e, x in truth["detected_alloy_fractions"].items())
    print(f"wrote {pos}, {rrng}, {meta}")
    print(
        f"{specimen.n_ions} ions ({truth['background_ions']} background) from {truth['site_count']} atoms, "
        f"{truth['cluster_count']} clusters; generated in {t1 - t0:.2f} s, written in {t2 - t1:.2f} s"
    )
    print(f"detected alloy composition (at.%): {comp}")
    return 0


def _run_eds(args: argparse.Namespace, material, prefix: Path) -> int:
    """``synth --eds``: a lamella of ``material`` as a spectrum image (science.md 9)."""
    from hea_studio.synth.eds import EdsParams, generate_map, write_map

    params = EdsParams(
        material=material,
        width_nm=args.width,
        thickness_nm=args.thickness,
        pixel_nm=args.pixel,
        probe_fwhm_nm=args.probe,
        counts_per_atom=args.counts_per_atom,
        seed=material.seed,
    )
    t0 = time.perf_counter()
    m = generate_map(params)
    try:
        si_path, img_path = write_map(prefix, m)
    except OSError as exc:
        raise InputError(f"cannot write {prefix}.hspy: {os_reason(exc)}") from None
    comp = ", ".join(f"{e} {100 * x:.2f}" for e, x in m.truth["composition"].items())
    print(f"wrote {si_path}, {img_path}")
    print(
        f"{m.data.shape[1]} x {m.data.shape[0]} px of {params.pixel_nm:g} nm, {m.data.shape[2]} channels, "
        f"t = {params.thickness_nm:g} nm, {m.truth['atoms']} atoms, {int(m.data.sum(dtype=np.int64))} counts "
        f"in {time.perf_counter() - t0:.2f} s"
    )
    print(f"lamella composition (at.%): {comp}")
    return 0
