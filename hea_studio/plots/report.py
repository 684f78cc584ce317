"""A self-contained HTML report of one or more analyses (``analyze --report``, File > Export report).

One file a collaborator can open anywhere and print to PDF: the figures are embedded as base64 PNG, the
styles are inline, nothing is fetched. It holds the parameters, the software and dependency versions, the
input files with their SHA-256, every warning, the comparison table and, per sub-volume, the entropy
curve, the concentration spread and the SUME numbers; optionally a composition profile.
"""

from __future__ import annotations

import base64
import html
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hea_studio.compute.profile.slabs import CompositionProfile, interface_position
from hea_studio.core.comparison import HEADERS, ComparisonRow, comparison_row
from hea_studio.core.errors import InputError
from hea_studio.core.provenance import InputFile, software_versions
from hea_studio.core.results import AnalysisResult
from hea_studio.core.settings import AnalysisSettings


@dataclass(frozen=True, eq=False)
class ReportSection:
    """One analysed sub-volume: its name, its run, the result and the files it was read from."""

    name: str
    run: str
    result: AnalysisResult
    inputs: tuple[InputFile, ...] = ()
    settings: AnalysisSettings | None = None
    colour: tuple[int, int, int] | None = None
    extra: dict[str, str] = field(default_factory=dict)


_CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #1e1e1e; margin: 24px auto;
       max-width: 1050px; line-height: 1.35; font-size: 14px; }
h1 { font-size: 24px; margin-bottom: 2px; } h2 { font-size: 19px; border-bottom: 1px solid #bbb; margin-top: 28px; }
h3 { font-size: 16px; margin-bottom: 6px; }
.meta { color: #555; font-size: 12px; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 12.5px; }
th, td { border: 1px solid #c8c8c8; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #eef1f5; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 11px; word-break: break-all; }
figure { margin: 8px 0 16px; } figure img { width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 12px; color: #444; }
.warn { background: #fff4d6; border-left: 4px solid #e0a100; padding: 6px 10px; margin: 6px 0; }
.swatch { display: inline-block; width: 11px; height: 11px; margin-right: 5px; vertical-align: -1px; }
.section { page-break-inside: avoid; break-inside: avoid; }
@media print { body { margin: 0; max-width: none; font-size: 11px; } h2 { page-break-after: avoid; }
  figure, table, .section { page-break-inside: avoid; break-inside: avoid; } }
"""


def _esc(v: object) -> str:
    return html.escape(str(v))


def _num(v: float | None, fmt: str = ".3f") -> str:
    return "-" if v is None else format(v, fmt)


def png_data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` of PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _figure(render, caption: str) -> str:
    """Render a figure with ``render(path)`` into a temporary PNG and embed it."""
    with tempfile.TemporaryDirectory(prefix="hea-report-") as tmp:
        path = Path(tmp) / "figure.png"
        render(path)
        uri = png_data_uri(path.read_bytes())
    return f'<figure><img alt="{_esc(caption)}" src="{uri}"><figcaption>{_esc(caption)}</figcaption></figure>'


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool] = ()) -> str:
    h = "".join(f"<th>{_esc(c)}</th>" for c in head)
    body = []
    for r in rows:
        cells = []
        for i, c in enumerate(r):
            cls = ' class="num"' if i < len(numeric) and numeric[i] else ""
            cells.append(f"<td{cls}>{c}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{h}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def comparison_table_html(
    rows: Sequence[ComparisonRow], colours: Sequence[tuple[int, int, int] | None] = ()
) -> str:
    """The comparison table as HTML (the same columns as the window's table and its CSV)."""
    head = [
        HEADERS[k]
        for k in ("name", "run", "atoms", "composition", "S_bulk_R", "cls", "sume_nm", "sume_chemical_nm")
    ] + ["warnings"]
    body = []
    for i, r in enumerate(rows):
        colour = colours[i] if i < len(colours) else None
        swatch = f'<span class="swatch" style="background: rgb{tuple(colour)}"></span>' if colour else ""
        body.append(
            [
                swatch + _esc(r.name),
                _esc(r.run),
                f"{r.atoms:,}",
                _esc(r.composition),
                f"{r.S_bulk_R:.3f}",
                _esc(r.cls),
                _esc(r.sume_text),
                _num(r.sume_chemical_nm, ".2f"),
                _esc(r.warnings or ""),
            ]
        )
    return _table(head, body, numeric=(False, False, True, False, True, False, True, True, False))


def _parameters(section: ReportSection) -> str:
    r = section.result
    rows = [
        ("elements", ", ".join(r.elements)),
        ("sub-volume (nm)", ", ".join(f"{v:.2f}" for v in r.roi_nm)),
        ("atoms in the sub-volume", f"{r.roi_atoms:,}"),
        ("cube edges (nm)", ", ".join(f"{s.size_nm:g}" for s in r.curve)),
        ("cube placement", r.mode),
        ("minimum atoms per cube", str(r.min_atoms)),
        ("lattice", r.lattice or "none"),
        ("bootstrap resamples", str(r.bootstrap)),
        ("random seed", str(r.seed)),
    ]
    if section.settings is not None:
        rows.append(("molecular ions decomposed", "yes" if section.settings.decompose else "no"))
    rows += list(section.extra.items())
    return _table(["parameter", "value"], [[_esc(k), _esc(v)] for k, v in rows])


def _sume_block(result: AnalysisResult) -> str:
    data = result.to_json()
    rows = []
    sume = data.get("sume")
    if sume:
        ci = sume.get("ci95_nm")
        ci_text = f"[{ci[0]:.2f}, {ci[1]:.2f}]" if ci else "-"
        rows.append(["SUME (" + _esc(sume.get("method", "")) + ")", f"{sume['edge_nm']:.2f}", ci_text])
    else:
        rows.append(["SUME", "not determined", _esc(data.get("reason") or "")])
    chem = data.get("sume_chemical")
    if isinstance(chem, dict):
        ci = chem.get("ci95_nm")
        rows.append(
            [
                "chemical SUME",
                _num(chem.get("edge_nm"), ".2f"),
                f"[{ci[0]:.2f}, {ci[1]:.2f}]" if ci and None not in ci else "-",
            ]
        )
    for method, v in (data.get("sume_variants") or {}).items():
        ci = (v or {}).get("ci95_nm")
        rows.append(
            [
                f"variant: {_esc(method)}",
                _num((v or {}).get("edge_nm"), ".2f"),
                f"[{ci[0]:.2f}, {ci[1]:.2f}]" if ci and None not in ci else "-",
            ]
        )
    null = data.get("sume_null") or {}
    rows.append(["null-corrected SUME", _num(null.get("edge_nm"), ".2f"), _esc(null.get("reason") or "")])
    return _table(["quantity", "edge (nm)", "95 % interval (nm) / note"], rows, numeric=(False, True, False))


def _bulk_block(result: AnalysisResult) -> str:
    b = result.bulk
    rows = [[_esc(e), f"{b.counts[e]:,}", f"{100 * b.fractions[e]:.2f}"] for e in result.elements]
    table = _table(["element", "atoms", "at.%"], rows, numeric=(False, True, True))
    return (
        table
        + f"<p>S<sub>bulk</sub> = {b.S_R:.3f} R = {b.S_J_per_molK:.2f} J/(mol K), {_esc(b.cls)} entropy; "
        f"ideal R ln {len(result.elements)} = {b.S_ideal_R:.3f} R</p>"
    )


def _warnings(result: AnalysisResult) -> list[str]:
    out = []
    for w in result.to_json().get("warnings") or []:
        out.append(str(w.get("message", w)) if isinstance(w, dict) else str(w))
    return out


def build_report(
    sections: Sequence[ReportSection],
    title: str = "HEA Studio analysis report",
    profile: CompositionProfile | None = None,
    notes: Sequence[str] = (),
) -> str:
    """The report as one HTML string (figures rendered off screen and embedded).

    Parameters
    ----------
    sections
        The analysed sub-volumes, in table order.
    title
        The page title.
    profile
        A composition profile to include, if any.
    notes
        Extra warnings to list (e.g. about the input files).
    """
    from hea_studio.plots.compare import export_comparison_png, palette_colour
    from hea_studio.plots.curve import export_concentration_png, export_curve_png

    if not sections:
        raise InputError("a report needs at least one analysis")
    when = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    versions = software_versions()
    rows = [comparison_row(s.name, s.run, s.result) for s in sections]
    # With several sub-volumes the table's swatches key the overlay plot's colours.
    colours = [s.colour or palette_colour(i) for i, s in enumerate(sections)] if len(sections) > 1 else []
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(title)}</h1>",
        f'<p class="meta">Written {_esc(when)} by hea-studio {_esc(versions["hea-studio"])}. Entropies are '
        "positive, S = -R &Sigma; x ln x, in units of the gas constant R.</p>",
    ]
    all_warnings = [(None, n) for n in notes]
    for s in sections:
        all_warnings += [(s.name, w) for w in _warnings(s.result)]
    parts.append("<h2>Warnings</h2>")
    if all_warnings:
        parts += [
            f'<div class="warn">{_esc(name + ": ") if name else ""}{_esc(text)}</div>'
            for name, text in all_warnings
        ]
    else:
        parts.append("<p>None.</p>")
    parts.append("<h2>Comparison</h2>")
    parts.append(comparison_table_html(rows, colours))
    if len(sections) > 1:
        parts.append(
            _figure(
                lambda p: export_comparison_png(
                    [(s.name, s.result, c) for s, c in zip(sections, colours)], p, width=1000, height=560
                ),
                "Entropy versus cube edge of every sub-volume (solid) with its random-mixing reference (dashed).",
            )
        )
    for i, s in enumerate(sections):
        parts.append(f'<h2>{i + 1}. {_esc(s.name)} <span class="meta">({_esc(s.run)})</span></h2>')
        parts.append('<div class="section"><h3>Composition and bulk entropy</h3>' + _bulk_block(s.result))
        parts.append("<h3>SUME</h3>" + _sume_block(s.result) + "</div>")
        parts.append(
            _figure(
                lambda p, r=s.result: export_curve_png(r, p, width=1000, height=560),
                f"{s.name}: mean entropy over cubes (+-1 std band) versus cube edge, random-mixing reference, "
                "bulk and ideal entropy, the SUME fit and its 95 % interval.",
            )
        )
        parts.append(
            _figure(
                lambda p, r=s.result: export_concentration_png(r, p, width=1000, height=380),
                f"{s.name}: standard deviation of each element's atomic fraction over cubes.",
            )
        )
        parts.append('<div class="section"><h3>Parameters</h3>' + _parameters(s) + "</div>")
    if profile is not None:
        from hea_studio.plots.profile import export_profile_png

        shape = "box" if profile.radius_nm is None else f"cylinder of radius {profile.radius_nm:g} nm"
        parts.append(f"<h2>Composition profile along {_esc(profile.axis)}</h2>")
        parts.append(
            _figure(
                lambda p: export_profile_png(profile, p, width=1000, height=520),
                f"Concentration per {profile.edges_nm[1] - profile.edges_nm[0]:g} nm slab of the {shape} "
                f"{', '.join(f'{v:.1f}' for v in profile.box.flat())} nm, +-1 binomial standard error; dashed: "
                "interfaces (half-way between the end plateaus).",
            )
        )
        found = [(n, interface_position(profile, n)) for n in profile.species]
        found = [(n, p) for n, p in found if p is not None]
        if found:
            parts.append(
                "<p>Interfaces: " + ", ".join(f"{_esc(n)} at {p:.2f} nm" for n, p in found) + ".</p>"
            )
    parts.append("<h2>Input files</h2>")
    seen: dict[str, InputFile] = {}
    for s in sections:
        for f in s.inputs:
            seen.setdefault(f.path, f)
    if seen:
        parts.append(
            _table(
                ["file", "bytes", "SHA-256"],
                [
                    [_esc(f.path), f"{f.size_bytes:,}", f'<span class="hash">{f.sha256}</span>']
                    for f in seen.values()
                ],
                numeric=(False, True, False),
            )
        )
    else:
        parts.append(
            "<p>Not recorded (the data did not come from files, e.g. a synthetic specimen in memory).</p>"
        )
    parts.append("<h2>Software</h2>")
    parts.append(_table(["package", "version"], [[_esc(k), _esc(v)] for k, v in versions.items()]))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(path: str | Path, sections: Sequence[ReportSection], **kwargs) -> Path:
    """Build the report and write it to ``path`` atomically (InputError if it cannot be written)."""
    from hea_studio.io.project.store import write_atomically

    out = Path(path)
    text = build_report(sections, **kwargs)
    try:
        write_atomically(out, lambda tmp: tmp.write_text(text, encoding="utf-8"), durable=False)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    return out
