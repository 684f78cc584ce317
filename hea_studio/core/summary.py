"""One presenter for an analysis: the words and numbers the CLI summary, the Results panel, the
entropy plot's header and the HTML report show (science.md 5).

Everything reads the result's public JSON form (``AnalysisResult.to_json()``), so a result read back
from a file reads exactly like a fresh one. A SUME is shown in one of three ways:

- an estimate: ``4.24 nm`` with its 95 % sampling interval (``is_number``: the only case a window
  may set in bold);
- a bound at a range end: ``>= 10 nm (not levelled)`` or ``<= 0.75 nm (at the smallest edge)``;
- a random material: ``random down to 0.75 nm`` (the deficit hinge found no chemistry).

Never a zero-width interval: a collapsed interval is written as the bound it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

LABELS = {
    "sume": "SUME",
    "sume_apparent": "apparent SUME",
    "sume_chemical": "chemical SUME",
}
METHOD_NOTES = {
    "hinge-deficit": "hinge on the deficit D(L): the material's number",
    "hinge-bulk": "hinge on S(L): includes counting noise",
    "tangent-free": "the paper's two tangents",
}


@dataclass(frozen=True)
class SumeText:
    """One SUME as words.

    ``value``: the number or the bound (``"4.24 nm"``, ``"random down to 0.75 nm"``, ``">= 10 nm (not
    levelled)"``); ``interval``: ``"95 % CI 4.09–4.61 nm"`` or empty; ``is_number``: a two-sided
    estimate; ``method``; ``details``: edge-list sensitivity and resolution, for tooltips and reports.
    """

    label: str
    value: str
    interval: str
    is_number: bool
    method: str
    details: str

    def line(self) -> str:
        """``value (interval)``."""
        return self.value + (f" ({self.interval})" if self.interval else "")


def _dash(ascii_only: bool) -> str:
    return "-" if ascii_only else "–"


def _ge(ascii_only: bool) -> str:
    return ">=" if ascii_only else "≥"


def _le(ascii_only: bool) -> str:
    return "<=" if ascii_only else "≤"


def _pct(ascii_only: bool) -> str:
    return "95% CI" if ascii_only else "95 % CI"


def interval_words(ci: Sequence[float | None] | None, ascii_only: bool = False) -> str:
    """``"95 % CI 4.09–4.61 nm"``; a collapsed (zero-width at 2 decimals) or missing interval: empty."""
    if not ci or ci[0] is None or ci[1] is None:
        return ""
    lo, hi = float(ci[0]), float(ci[1])
    if f"{lo:.2f}" == f"{hi:.2f}":
        return ""
    return f"{_pct(ascii_only)} {lo:.2f}{_dash(ascii_only)}{hi:.2f} nm"


def normalised(sume: Mapping[str, Any], fitted_edges: Sequence[float] = ()) -> dict[str, Any]:
    """A SUME object with schema-3 bounds, also when it comes from a schema-2 file.

    Schema 2 wrote a below-range SUME as the smallest fitted edge, and a fit stuck at a range end as
    an interval collapsed on that edge ("[7.00, 7.00]"): both become the bounds they are.
    """
    out = dict(sume)
    edge = out.get("edge_nm")
    if out.get("below_range") and out.get("at_most_nm") is None:
        out["at_most_nm"] = edge if edge is not None else (min(fitted_edges) if fitted_edges else None)
        out["edge_nm"] = None
        return out
    ci = out.get("ci95_nm")
    if edge is not None and ci and None not in ci and f"{ci[0]:.2f}" == f"{ci[1]:.2f}" and fitted_edges:
        if abs(float(ci[0]) - max(fitted_edges)) < 5e-3:
            out.update(edge_nm=None, at_least_nm=float(ci[0]))
        elif abs(float(ci[0]) - min(fitted_edges)) < 5e-3:
            out.update(edge_nm=None, at_most_nm=float(ci[0]))
    return out


def fitted_edges(data: Mapping[str, Any]) -> list[float]:
    """The edges the SUME fits used (``in_fit``), or every edge for files that do not say."""
    rows = data.get("curve") or []
    fitted = [float(row["size_nm"]) for row in rows if row.get("in_fit")]
    return fitted or [float(row["size_nm"]) for row in rows]


def sume_text(
    sume: Mapping[str, Any] | None,
    key: str = "sume",
    reason: str | None = None,
    ascii_only: bool = False,
    edges: Sequence[float] = (),
) -> SumeText:
    """The words for one SUME object of the JSON (``None``: not determined, with ``reason``);
    ``edges``: the fitted edges, to read schema-2 objects (see :func:`normalised`)."""
    label = LABELS.get(key, key)
    if sume:
        sume = normalised(sume, edges)
    if not sume:
        why = f"not determined ({reason})" if reason else "not determined"
        return SumeText(label, why, "", False, "", "")
    method = str(sume.get("method") or "")
    details = []
    sens = sume.get("edge_sensitivity_nm")
    if sens and None not in sens:
        details.append(f"edge-list sensitivity {sens[0]:.2f}{_dash(ascii_only)}{sens[1]:.2f} nm")
    if sume.get("resolution_nm") is not None:
        details.append(f"resolution {sume['resolution_nm']:.2f} nm")
    detail = ", ".join(details)
    edge = sume.get("edge_nm")
    if sume.get("below_range") and sume.get("at_most_nm") is not None:
        value = f"random down to {float(sume['at_most_nm']):.2f} nm"
        return SumeText(label, value, "", False, method, detail)
    if edge is None and sume.get("at_least_nm") is not None:
        value = f"{_ge(ascii_only)} {float(sume['at_least_nm']):.2f} nm (not levelled)"
        return SumeText(label, value, "", False, method, detail)
    if edge is None and sume.get("at_most_nm") is not None:
        value = f"{_le(ascii_only)} {float(sume['at_most_nm']):.2f} nm (at the smallest edge)"
        return SumeText(label, value, "", False, method, detail)
    if edge is None:
        return SumeText(label, "not determined", "", False, method, detail)
    return SumeText(
        label, f"{float(edge):.2f} nm", interval_words(sume.get("ci95_nm"), ascii_only), True, method, detail
    )


def headline(data: Mapping[str, Any], ascii_only: bool = False) -> SumeText:
    """The headline SUME of an analysis in JSON form."""
    reason = data.get("sume_reason") or data.get("reason")
    return sume_text(data.get("sume"), "sume", reason, ascii_only, fitted_edges(data))


def apparent(data: Mapping[str, Any], ascii_only: bool = False) -> SumeText:
    """The apparent SUME (hinge on S(L)), labelled as including counting noise."""
    t = sume_text(
        data.get("sume_apparent"),
        "sume_apparent",
        data.get("sume_apparent_reason"),
        ascii_only,
        fitted_edges(data),
    )
    return SumeText(
        "apparent SUME (includes counting noise)", t.value, t.interval, t.is_number, t.method, t.details
    )


def cells_words(sume: Mapping[str, Any] | None) -> str:
    """``", 593 unit cells, 2,372 atoms, ~2,417 detected"`` for an estimate (empty for a bound)."""
    if not sume or sume.get("edge_nm") is None:
        return ""
    parts = []
    if sume.get("unit_cells") is not None:
        parts.append(f"{sume['unit_cells']:,.0f} unit cells")
    if sume.get("atoms") is not None:
        parts.append(f"{sume['atoms']:,.0f} atoms")
    if sume.get("detected_atoms") is not None:
        parts.append(f"~{sume['detected_atoms']:,.0f} detected")
    return ", " + ", ".join(parts) if parts else ""


def sume_lines(data: Mapping[str, Any], ascii_only: bool = True) -> list[str]:
    """The SUME part of the CLI summary: headline, apparent, variants, null-corrected, sublattices."""
    head = headline(data, ascii_only)
    method = f" ({head.method})" if head.method else ""
    lines = [f"SUME{method} = {head.line()}{cells_words(data.get('sume'))}"]
    if head.details:
        lines.append(f"  {head.details}")
    app = apparent(data, ascii_only)
    if (data.get("sume") or {}).get("method") != "hinge-bulk":
        lines.append(f"{app.label} = {app.line()}")
    for name, v in (data.get("sume_variants") or {}).items():
        lines.append(f"  variant {name}: {sume_text(v, name, None, ascii_only).line()}")
    null = data.get("sume_null") or {}
    lines.append(
        f"null-corrected SUME = {null['edge_nm']:g} nm"
        if null.get("edge_nm") is not None
        else f"null-corrected SUME: {null.get('reason') or 'not determined'}"
    )
    sub = data.get("sublattices") or {}
    if sub.get("sume") is not None or sub.get("sume_reason"):
        t = sume_text(sub.get("sume"), "sume", sub.get("sume_reason"), ascii_only)
        lines.append(f"sublattice SUME (per formula unit and per site) = {t.line()}")
    return lines


def warning_lines(data: Mapping[str, Any]) -> list[str]:
    """``warning [code] (applies to ...): message`` per warning."""
    out = []
    for w in data.get("warnings") or ():
        applies = [a for a in w.get("applies_to") or () if a != "all"]
        scope = f" ({', '.join(LABELS.get(a, a) for a in applies)})" if applies else ""
        out.append(f"warning [{w.get('code')}]{scope}: {w.get('message')}")
    return out
