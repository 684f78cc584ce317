"""A self-contained HTML report of one or more analyses (``analyze --report``, File > Export report).

One file a collaborator can open anywhere and print to PDF for a paper's supplement: the figures are
inline SVG (vector: they print as paths, sharp at any size), numbered and captioned; the styles are
inline, nothing is fetched. It holds a methods paragraph written from the settings with its
references (DOIs), every warning, the comparison table and, per sub-volume, the composition with the
elements note and the ranged share, the SUME table (edges or one-sided bounds, intervals, unit cells,
atoms), the entropy curve and the concentration spread in the window's species colours, the
parameters; optionally a composition profile with the window's interfaces; then the input files with
their SHA-256 and the software versions.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hea_studio.compute.profile.slabs import CompositionProfile
from hea_studio.core.comparison import HEADERS, ComparisonRow, comparison_row
from hea_studio.core.errors import InputError, os_reason
from hea_studio.core.provenance import InputFile, software_versions
from hea_studio.core.results import AnalysisResult
from hea_studio.core.settings import AnalysisSettings
from hea_studio.plots.report_text import methods_html, references_html, sume_rows

RGB = tuple[float, float, float]


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
    species_colours: dict[str, RGB] | None = None  # the window's colours (range file's, else palette)
    ranged: tuple[int, int] | None = None  # (ranged ions, ions read) of the run


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
figure { margin: 8px 0 16px; } figure svg { width: 100%; height: auto; border: 1px solid #ddd; display: block; }
figcaption { font-size: 12px; color: #333; margin-top: 4px; } figcaption b { color: #1e1e1e; }
.methods { text-align: justify; } ol.refs { font-size: 12.5px; padding-left: 22px; }
.note { color: #444; font-size: 12.5px; }
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


class _Figures:
    """Numbers the figures in page order and wraps each SVG with its caption."""

    def __init__(self) -> None:
        self.count = 0

    def add(self, svg: str, caption: str) -> str:
        self.count += 1
        n = self.count
        return f'<figure id="figure-{n}">{svg}<figcaption><b>Figure {n}.</b> {_esc(caption)}</figcaption></figure>'


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
        for k in ("name", "run", "atoms", "composition", "S_bulk_R", "cls", "sume", "sume_apparent_nm")
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
                _num(r.sume_apparent_nm, ".2f"),
                _esc(r.warnings or ""),
            ]
        )
    return _table(head, body, numeric=(False, False, True, False, True, False, False, True, False))


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
    head = [
        "quantity",
        "method",
        "edge (nm)",
        "95 % interval (nm) / note",
        "unit cells",
        "atoms",
        "detected atoms",
    ]
    return _table(head, sume_rows(result.to_json()), numeric=(False, False, True, False, True, True, True))


def _swatch(rgb: RGB | None) -> str:
    if rgb is None:
        return ""
    r, g, b = (round(255 * c) if max(rgb) <= 1.0 else round(c) for c in rgb)
    return f'<span class="swatch" style="background: rgb({r}, {g}, {b})"></span>'


def _bulk_block(section: ReportSection) -> str:
    result = section.result
    b = result.bulk
    colours = section.species_colours or {}
    rows = [
        [_swatch(colours.get(e)) + _esc(e), f"{b.counts[e]:,}", f"{100 * b.fractions[e]:.2f}"]
        for e in result.elements
    ]
    table = _table(["element", "atoms", "at.%"], rows, numeric=(False, True, True))
    notes = []
    if result.elements_note:
        notes.append(_esc(result.elements_note))
    if section.ranged is not None:
        ranged, total = section.ranged
        share = 100 * ranged / total if total else 0.0
        notes.append(
            f"Ranged: {ranged:,} of {total:,} ions ({share:.1f} %) fall in a range of the range file."
        )
    note = "".join(f'<p class="note">{n}</p>' for n in notes)
    return (
        table
        + note
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
    from hea_studio.plots.compare import comparison_svg, palette_colour
    from hea_studio.plots.curve import concentration_svg, curve_svg

    if not sections:
        raise InputError("a report needs at least one analysis")
    when = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    versions = software_versions()
    rows = [comparison_row(s.name, s.run, s.result) for s in sections]
    # With several sub-volumes the table's swatches key the overlay plot's colours.
    colours = [s.colour or palette_colour(i) for i, s in enumerate(sections)] if len(sections) > 1 else []
    figures = _Figures()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(title)}</h1>",
        f'<p class="meta">Written {_esc(when)} by hea-studio {_esc(versions["hea-studio"])}. Entropies are '
        "positive, S = -R &Sigma; x ln x, in units of the gas constant R.</p>",
        "<h2>Methods</h2>",
        f'<p class="methods">{methods_html(sections[0].result.to_json(), sections[0].settings)}</p>',
    ]
    if len(sections) > 1:
        parts.append(
            f'<p class="methods">The same settings were applied to each of the {len(sections)} sub-volumes '
            "below; their boxes and atom counts are listed with them.</p>"
        )
    parts.append("<h3>References</h3>" + references_html(versions["hea-studio"]))
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
            figures.add(
                comparison_svg([(s.name, s.result, c) for s, c in zip(sections, colours)]),
                "Mean configurational entropy over cubes versus cube edge for every sub-volume (solid, colours "
                "as in the table) with its random-mixing reference (dashed).",
            )
        )
    for i, s in enumerate(sections):
        parts.append(f'<h2>{i + 1}. {_esc(s.name)} <span class="meta">({_esc(s.run)})</span></h2>')
        parts.append('<div class="section"><h3>Composition and bulk entropy</h3>' + _bulk_block(s))
        parts.append("<h3>SUME</h3>" + _sume_block(s.result) + "</div>")
        parts.append(
            figures.add(
                curve_svg(s.result),
                f"{s.name}: mean entropy of mixing over cubes versus cube edge L (band: ±1 standard deviation "
                "over cubes), the random-mixing reference (what counting noise alone gives), the bulk and ideal "
                "entropy, and the SUME fit with its 95 % interval. Entropies in units of R.",
            )
        )
        parts.append(
            figures.add(
                concentration_svg(s.result, colours=s.species_colours),
                f"{s.name}: standard deviation of each element's atomic fraction over the cubes versus cube "
                "edge L (element colours as in the window).",
            )
        )
        parts.append('<div class="section"><h3>Parameters</h3>' + _parameters(s) + "</div>")
    if profile is not None:
        from hea_studio.plots.profile import profile_interfaces, profile_svg

        shape = "box" if profile.radius_nm is None else f"cylinder of radius {profile.radius_nm:g} nm"
        found = profile_interfaces(profile)
        parts.append(f"<h2>Composition profile along {_esc(profile.axis)}</h2>")
        marked = "dashed: interfaces, half-way between the end plateaus." if found else "no interface found."
        parts.append(
            figures.add(
                profile_svg(profile, colours=sections[0].species_colours),
                f"Concentration per {profile.edges_nm[1] - profile.edges_nm[0]:g} nm slab of the {shape} "
                f"{', '.join(f'{v:.1f}' for v in profile.box.flat())} nm, ±1 binomial standard error; {marked}",
            )
        )
        if found:
            parts.append(
                "<p>Interfaces: " + ", ".join(f"{_esc(n)} at {p:.2f} nm" for n, p in found) + ".</p>"
            )
        else:
            parts.append("<p>No interface: no species changes between the two ends of the profile.</p>")
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
    from hea_studio.io.files import write_atomically

    out = Path(path)
    text = build_report(sections, **kwargs)
    try:
        write_atomically(out, lambda tmp: tmp.write_text(text, encoding="utf-8"), durable=False)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {os_reason(exc)}") from None
    return out
