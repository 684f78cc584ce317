"""``hea-studio entropy Co=21.9 Cu=26.7 Fe=20.8 Ni=30.6 [--sublattice ...] [--json]``."""

from __future__ import annotations

import argparse
import json
import math

from hea_studio.compute.lac.entropy import Sublattice, composition_entropy
from hea_studio.core.errors import InputError
from hea_studio.io import ELEMENTS

HELP = "entropy of mixing of a composition (in R and J/(mol K)), its class and the ideal R ln N"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the composition calculator."""
    parser.add_argument(
        "composition", nargs="*", metavar="EL=AMOUNT", help="element amounts (at.%%, fractions or counts)"
    )
    parser.add_argument(
        "--sublattice",
        nargs="+",
        metavar="NAME:EL,EL:SITES",
        help='sublattices, e.g. "A:Mg,Co,Ni,Cu,Zn:1" "O:O:1": entropy per formula unit and per site; '
        'an element on two sublattices needs its share on each, e.g. "A:Mg,Fe:0.33:1" "B:Fe:0.67,Cr:2"',
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def parse_composition(items: list[str]) -> dict[str, float]:
    """``["Ni=30.6", "Cu=26.7"]`` -> ``{"Ni": 30.6, "Cu": 26.7}``."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InputError(f"cannot read {item!r}: expected ELEMENT=AMOUNT, e.g. Ni=30.6")
        try:
            amount = float(value)
        except ValueError:
            raise InputError(f"cannot read {item!r}: {value!r} is not a number") from None
        if not math.isfinite(amount) or amount < 0:
            raise InputError(f"{item!r}: amounts must be non-negative numbers")
        if name not in ELEMENTS:
            hint = f" (did you mean {name.capitalize()}?)" if name.capitalize() in ELEMENTS else ""
            raise InputError(f"{item!r}: {name!r} is not an element symbol{hint}")
        if name in out:
            raise InputError(f"element {name} is given twice")
        out[name] = amount
    return out


def run(args: argparse.Namespace) -> int:
    """Print the entropy of the composition."""
    # --sublattice takes several values, so amounts written after it land in its list: take them back.
    sub_args = [s for s in (args.sublattice or []) if "=" not in s]
    composition = list(args.composition) + [s for s in (args.sublattice or []) if "=" in s]
    if not composition:
        raise InputError("give the composition as EL=AMOUNT pairs, e.g. Co=21.9 Cu=26.7 Fe=20.8 Ni=30.6")
    amounts = parse_composition(composition)
    subs = [Sublattice.parse(s) for s in sub_args] if sub_args else None
    r = composition_entropy(amounts, subs)
    if args.json:
        print(json.dumps(r.to_json(), indent=1, allow_nan=False))
        return 0
    comp = "  ".join(f"{k} {100 * v:.2f}" for k, v in r.fractions.items())
    n = len(r.fractions)
    print(f"composition (at.%): {comp}")
    whole = "" if r.sublattices is not None else f"   class: {r.cls}"
    print(f"S_mix = {r.S_R:.3f} R = {r.S_J_per_molK:.2f} J/(mol K){whole}")
    print(f"ideal R ln {n} = {r.S_ideal_R:.3f} R   (entropies are positive: S = -R sum x ln x)")
    if r.sublattices is not None:
        for s in r.sublattices:
            print(f"  sublattice {s['name']} (x{s['multiplicity']:g}): {s['S_R']:.3f} R")
        print(f"S per formula unit = {r.S_fu_R:.3f} R, per site = {r.S_site_R:.3f} R")
        print(f"class from the mixing sublattice(s): {r.S_mixing_R:.3f} R per site -> {r.cls}")
    return 0
