"""The report's words: the methods paragraph, the references, and the SUME table's cells.

Everything here is written from the analysis JSON (``AnalysisResult.to_json()``) and the settings, so
the methods always describe what was actually computed. No Qt: plain strings of HTML.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hea_studio.core.settings import AnalysisSettings
from hea_studio.core.summary import fitted_edges, sume_text


@dataclass(frozen=True)
class Reference:
    """A work the report cites."""

    key: str
    text: str
    doi: str | None = None

    def html(self) -> str:
        """The reference as HTML, with its DOI as a link."""
        doi = f' doi:<a href="https://doi.org/{self.doi}">{self.doi}</a>' if self.doi else ""
        return f"{html.escape(self.text)}{doi}"


KHORT_2024 = Reference(
    "khort2024",
    "A. Khort, A. Dahlström, S. Roslyakov and I. Odnevall, Smallest unit of maximal entropy as novel "
    "experimental criterion for parametric characterization of middle- and high-entropy materials, "
    "Phys. Chem. Chem. Phys., 2024, 26, 11271.",
    "10.1039/d4cp00776j",
)

# What each SUME method measures (science.md 5), for the methods paragraph and the table's tooltips.
METHOD_TEXT = {
    "hinge-deficit": (
        "a hinge fitted to the entropy deficit D(L) = S<sub>null</sub>(L) &minus; S<sub>mean</sub>(L): "
        "D = b&middot;max(0, L* &minus; L) with a plateau at 0, least squares over b &ge; 0 and a continuous "
        "L* within the fitted edges; L* is the scale below which chemistry, not counting noise, lowers the "
        "entropy (the chemical SUME)"
    ),
    "hinge-bulk": (
        "a hinge fitted to S(L) itself with its bulk branch at the sub-volume's entropy S<sub>bulk</sub> "
        "and a continuous breakpoint L* (the paper's criterion; it includes counting noise, so it depends "
        "on the detection efficiency)"
    ),
    "tangent-free": (
        "the crossing of two freely fitted straight lines, the descending branch and the bulk branch, as in "
        "the paper"
    ),
    "null-corrected": (
        "the smallest edge from which the deficit against the random-mixing reference stays insignificant"
    ),
}

LABELS = {
    "sume": "SUME",
    "sume_apparent": "apparent SUME",
    "sume_chemical": "chemical SUME",
    "sume_null": "null-corrected SUME",
}


def _edges_text(sizes: Sequence[float]) -> str:
    if len(sizes) >= 3:
        steps = {round(b - a, 6) for a, b in itertools.pairwise(sizes)}
        if len(steps) == 1:
            return f"{sizes[0]:g} to {sizes[-1]:g} nm in steps of {steps.pop():g} nm ({len(sizes)} edges)"
    return ", ".join(f"{s:g}" for s in sizes) + " nm"


def methods_html(data: dict[str, Any], settings: AnalysisSettings | None = None) -> str:
    """The methods paragraph of one analysis, from its JSON (and the settings when known).

    Parameters
    ----------
    data
        The ``analyze --json`` document.
    settings
        The settings of the run, for what the JSON does not record (decomposition, chosen elements).
    """
    elements = ", ".join(data["elements"])
    roi = data["roi_nm"]
    size = " &times; ".join(f"{roi[i + 3] - roi[i]:.1f}" for i in range(3))
    sizes = [row["size_nm"] for row in data["curve"]]
    if settings is not None and settings.elements is None and not settings.sublattices:
        chosen = "the principal elements (at least 5 at.% of the sub-volume)"
        if data.get("elements_note"):
            chosen = "the principal cations of the compound"
        chosen = f" ({chosen})"
    else:
        chosen = ""
    decomposed = ""
    if settings is not None:
        decomposed = (
            " Molecular ions were split into their atoms at the ion position."
            if settings.decompose
            else " Molecular ions were kept as species of their own."
        )
    if data.get("mode") == "paper":
        placement = (
            "At each edge L, nine cubes (five at the largest edge) were placed at the centre of the sub-volume "
            "and the centres of its eight octants"
        )
    else:
        placement = (
            "At each edge L the sub-volume was tiled with cubes on a grid anchored at its minimum corner; cubes "
            "not wholly inside it were left out"
        )
    parts = [
        f"The configurational entropy of mixing S = &minus;R &Sigma;<sub>i</sub> x<sub>i</sub> ln x<sub>i</sub> "
        f"[1] was evaluated over {html.escape(elements)}{chosen} in a box of {size} nm holding "
        f"{data.get('roi_atoms', 0):,} atoms of these elements.{decomposed}",
        f"{placement}, and cubes with fewer than {data['min_atoms']} atoms were dropped; the edges were "
        f"{_edges_text(sizes)}. Per edge the mean, standard deviation and standard error of S over the cubes "
        "were compared with the random-mixing reference S<sub>null</sub>: the expected entropy of cubes "
        "holding the same atom counts drawn at random from the sub-volume's composition (exact binomial "
        "expectation), which separates counting noise from chemistry.",
    ]
    sume = data.get("sume") or {}
    method = sume.get("method") or (settings.sume_method if settings is not None else None)
    if method in METHOD_TEXT:
        parts.append(f"The smallest unit of maximal entropy (SUME) [1] was located by {METHOD_TEXT[method]}.")
    others = []
    for key, name in (("sume_apparent", "the apparent SUME"), ("sume_chemical", "the chemical SUME")):
        other = data.get(key)
        if isinstance(other, dict) and other.get("method") in METHOD_TEXT and other.get("method") != method:
            others.append(f"{name} by {METHOD_TEXT[other['method']]}")
    for name in data.get("sume_variants") or {}:
        if name in METHOD_TEXT and name != method:
            others.append(f"the {html.escape(name)} variant by {METHOD_TEXT[name]}")
    if data.get("sume_null") is not None:
        others.append(f"the null-corrected SUME, {METHOD_TEXT['null-corrected']}")
    if others:
        parts.append("Also reported: " + "; ".join(others) + ".")
    if data.get("bootstrap"):
        shifts = data.get("grid_shifts", 1)
        tilings = f" and {shifts} tiling origins" if shifts and shifts > 1 else ""
        parts.append(
            f"Its 95 % interval is the percentile interval of {data['bootstrap']} bootstrap replicates "
            f"resampling cubes{tilings} (random seed {data.get('seed', 0)})."
        )
    if data.get("lattice"):
        parts.append(
            f"Edges are also expressed in unit cells of the {html.escape(str(data['lattice']))} lattice "
            "((L/a)<sup>3</sup>)."
        )
    parts.append(
        "Entropies are positive numbers in units of the gas constant R (the paper prints them negative)."
    )
    return " ".join(parts)


def references_html(version: str) -> str:
    """The numbered reference list: the paper, then the software."""
    software = Reference(
        "heastudio",
        f"HEA Studio {version}, configurational entropy versus scale and SUME for atom probe data "
        "(BSD-3-Clause; cite with CITATION.cff).",
    )
    items = "".join(f"<li>{r.html()}</li>" for r in (KHORT_2024, software))
    return f'<ol class="refs">{items}</ol>'


def sume_cells(sume: dict[str, Any] | None, reason: str | None, edges: Sequence[float]) -> tuple[str, str]:
    """``(value, interval or note)`` of one SUME for the table, in the words of
    :mod:`hea_studio.core.summary` (the window's and the CLI's): an edge with its interval, or a bound
    (">= 7.00 nm (not levelled)", "random down to 1.00 nm"), never "[7, 7]"; schema-2 objects included."""
    if not sume:
        return "not determined", html.escape(reason or "")
    t = sume_text(sume, "sume", reason, edges=edges)
    if not t.is_number:
        return html.escape(t.value), html.escape(t.details)
    return html.escape(t.value), html.escape(t.interval or "-")


def _number(v: Any, fmt: str) -> str:
    return "-" if v is None else format(float(v), fmt)


def sume_rows(data: dict[str, Any]) -> list[list[str]]:
    """Rows of the SUME table: label, method, value, interval, unit cells, atoms, detected atoms."""
    edges = fitted_edges(data)
    entries: list[tuple[str, dict[str, Any] | None, str | None, str]] = []
    for key in ("sume", "sume_apparent", "sume_chemical"):
        if key not in data:
            continue
        if key == "sume_chemical" and data.get("sume_apparent") is not None:
            continue  # schema 3: an alias of the headline deficit hinge, not a third estimate
        value = data.get(key)
        reason = data.get(f"{key}_reason") or (data.get("reason") if key == "sume" else None)
        method = (value or {}).get("method", "")
        entries.append((LABELS[key], value, reason, method))
    for method, value in (data.get("sume_variants") or {}).items():
        entries.append((f"variant: {method}", value, None, method))
    null = data.get("sume_null")
    if null is not None:
        entries.append((LABELS["sume_null"], null, null.get("reason"), "null-corrected"))
    rows = []
    for label, value, reason, method in entries:
        shown, interval = sume_cells(value, reason, edges)
        v = value or {}
        rows.append(
            [
                html.escape(label),
                html.escape(method),
                shown,
                interval,
                _number(v.get("unit_cells"), ".0f"),
                _number(v.get("atoms"), ".0f"),
                _number(v.get("detected_atoms"), ".0f"),
            ]
        )
    return rows
