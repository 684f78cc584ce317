"""One row per analysed sub-volume: the comparison table of the window, the report and the batch.

The row is read from the result's JSON form (schema 3): the headline SUME in words (``sume``, from
:mod:`hea_studio.core.summary`: a number, a bound such as ">= 10 nm (not levelled)" or "random down to
0.75 nm") and in numbers, then the apparent SUME (hinge on S(L), counting noise included).
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, fields
from typing import Any

from hea_studio.core.errors import InputError
from hea_studio.core.results import AnalysisResult
from hea_studio.core.summary import headline


@dataclass(frozen=True)
class ComparisonRow:
    """What the comparison table shows for one sub-volume (``None``: not determined)."""

    name: str
    run: str
    atoms: int
    composition: str
    S_bulk_R: float
    cls: str
    sume: str
    sume_nm: float | None
    sume_lo_nm: float | None
    sume_hi_nm: float | None
    sume_at_least_nm: float | None
    sume_at_most_nm: float | None
    sume_apparent_nm: float | None
    warnings: str

    @property
    def sume_text(self) -> str:
        """The headline SUME as the window writes it, or ``"-"`` when not determined."""
        return self.sume or "-"

    @property
    def sume_sort_nm(self) -> float | None:
        """Where the headline SUME sorts: the estimate, else its bound."""
        for v in (self.sume_nm, self.sume_at_least_nm, self.sume_at_most_nm):
            if v is not None:
                return v
        return None


COLUMNS = tuple(f.name for f in fields(ComparisonRow))
HEADERS = {
    "name": "sub-volume",
    "run": "run",
    "atoms": "atoms",
    "composition": "composition (at.%)",
    "S_bulk_R": "S bulk (R)",
    "cls": "class",
    "sume": "SUME",
    "sume_nm": "SUME (nm)",
    "sume_lo_nm": "SUME 95% lo",
    "sume_hi_nm": "SUME 95% hi",
    "sume_at_least_nm": "SUME at least (nm)",
    "sume_at_most_nm": "SUME at most (nm)",
    "sume_apparent_nm": "apparent SUME (nm, incl. counting noise)",
    "warnings": "warnings",
}


def _opt(v: Any) -> float | None:
    return None if v is None else float(v)


def _edge(block: Any) -> float | None:
    if not isinstance(block, dict):
        return None
    v = block.get("edge_nm")
    return None if v is None else float(v)


def comparison_row(name: str, run: str, result: AnalysisResult) -> ComparisonRow:
    """The table row of ``result`` (sub-volume ``name`` of run ``run``)."""
    data = result.to_json()
    bulk = data["bulk"]
    sume = data.get("sume")
    ci = (sume or {}).get("ci95_nm") or [None, None]
    if (sume or {}).get("edge_nm") is None:
        ci = [None, None]  # a bound's interval is one-sided: the bound columns say it
    warnings = data.get("warnings") or []
    # The codes (``few_cubes; mixed_phases``): short enough for a table cell, and what scripts match on;
    # the messages are in the analysis JSON and the report.
    text = "; ".join(
        str(w.get("code") or w.get("message", "")) if isinstance(w, dict) else str(w) for w in warnings
    )
    return ComparisonRow(
        name=name,
        run=run,
        atoms=int(data.get("roi_atoms") or sum(bulk["counts"].values())),
        composition=" ".join(f"{e} {100 * float(x):.1f}" for e, x in bulk["fractions"].items()),
        S_bulk_R=float(bulk["S_R"]),
        cls=str(bulk["class"]),
        sume=headline(data).line() if sume else "",
        sume_nm=_edge(sume),
        sume_lo_nm=None if ci[0] is None else float(ci[0]),
        sume_hi_nm=None if ci[1] is None else float(ci[1]),
        sume_at_least_nm=_opt((sume or {}).get("at_least_nm")),
        sume_at_most_nm=_opt((sume or {}).get("at_most_nm")),
        sume_apparent_nm=_edge(data.get("sume_apparent")),
        warnings=text,
    )


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)  # shortest text that reads back as the same float
    return str(v)


def rows_to_csv(rows: list[ComparisonRow]) -> str:
    """CSV with a header of :data:`COLUMNS`; empty cells for ``None``; floats round-trip exactly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        d = asdict(row)
        writer.writerow([_cell(d[c]) for c in COLUMNS])
    return out.getvalue()


def rows_from_csv(text: str) -> list[ComparisonRow]:
    """Read :func:`rows_to_csv` back (InputError if the header is not the comparison table's)."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise InputError(f"not a comparison table: columns {reader.fieldnames}, expected {list(COLUMNS)}")
    floats = {
        "S_bulk_R", "sume_nm", "sume_lo_nm", "sume_hi_nm", "sume_at_least_nm", "sume_at_most_nm",
        "sume_apparent_nm",
    }  # fmt: skip
    rows = []
    for rec in reader:
        values: dict[str, Any] = {}
        for c in COLUMNS:
            v = rec[c]
            if c == "atoms":
                values[c] = int(v)
            elif c in floats:
                values[c] = None if v == "" else float(v)
            else:
                values[c] = v
        rows.append(ComparisonRow(**values))
    return rows
