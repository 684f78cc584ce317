"""Analyses of many runs and sub-volumes (``hea-studio batch``): the rows, and one row's work.

This module knows nothing about Dask: :func:`run_row` is a plain function of picklable values that a Dask
worker (or a test) calls; it never raises for a bad row but returns a record with ``status: "error"``, so
one broken file costs one row. :func:`analyze_files` is the whole of ``hea-studio analyze``'s computation,
shared by both commands so that a batch row equals the ``analyze`` call with the same arguments.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from hea_studio.core.atoms import AtomSet
from hea_studio.core.comparison import comparison_row
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import edges_that_fit
from hea_studio.core.limits import check_input_file
from hea_studio.core.results import AnalysisResult
from hea_studio.core.settings import AnalysisSettings
from hea_studio.core.shapes import Roi, parse_roi

MANIFEST_COLUMNS = ("file", "ranges", "roi", "label")
# A manifest lists files: a larger one, or a field longer than a path can be, is not a manifest.
MAX_MANIFEST_BYTES = 16 << 20
MAX_FIELD_CHARS = 4096
RESULT_SCHEMA = "hea-studio/batch/1"
# The analysis JSON a row writes into --json-dir (hea_studio.core.results.SCHEMA, any version).
ANALYSIS_SCHEMA_PREFIX = "hea-studio/analysis/"


def analyze_files(
    ion_path: str | os.PathLike[str],
    range_path: str | os.PathLike[str],
    settings: AnalysisSettings,
    roi: Roi | None = None,
    cut_sizes: bool = True,
    on_warning: Callable[[str], None] | None = None,
) -> AnalysisResult:
    """Load an ion file and its ranges, and analyse one sub-volume (exactly what ``analyze`` computes).

    Parameters
    ----------
    ion_path, range_path
        The ion file (.pos, .epos, .apt) and the range file (.rrng, .rng, .env).
    settings
        Analysis settings.
    roi
        The sub-volume; ``None`` places the largest box inside the specimen.
    cut_sizes
        Drop the edges of ``settings.sizes_nm`` that do not fit in the box (the default list); with
        ``False`` edges the user typed must fit, else the analysis raises InputError.
    on_warning
        Called with a one-line warning, e.g. when most of ``roi`` lies outside the data.
    """
    from hea_studio.io import load_ions, load_ranges, to_atoms

    t0 = time.perf_counter()
    ions = load_ions(ion_path)
    table = load_ranges(range_path)
    atoms = to_atoms(ions, table, decompose=settings.decompose)
    return analyze_atoms(atoms, settings, roi, cut_sizes, on_warning, load_s=time.perf_counter() - t0)


def analyze_atoms(
    atoms: AtomSet,
    settings: AnalysisSettings,
    roi: Roi | None = None,
    cut_sizes: bool = True,
    on_warning: Callable[[str], None] | None = None,
    load_s: float = 0.0,
) -> AnalysisResult:
    """Analyse one sub-volume of ranged atoms the way ``analyze`` does (the Python API's path too).

    Parameters
    ----------
    atoms
        Ranged atoms (from :func:`hea_studio.io.to_atoms` or built from arrays).
    settings, roi, cut_sizes, on_warning
        As for :func:`analyze_files`.
    load_s
        Seconds spent loading, added to the result's ``timing_s`` as ``load``.
    """
    from hea_studio.compute.analysis import memory_warning, run_analysis
    from hea_studio.compute.lac.roi import atoms_default_box_far, far_ions_warning
    from hea_studio.core.shapes import bounding_box

    n_far = 0
    if roi is not None:
        box = bounding_box(roi)
    else:
        box, n_far = atoms_default_box_far(atoms)
    if roi is not None and on_warning is not None:
        from hea_studio.compute.lac.roi import roi_warning

        text = roi_warning(atoms.positions, box)
        if text:
            on_warning(text)
    if cut_sizes:
        fitting = edges_that_fit(settings.sizes_nm, box.size)
        if fitting and fitting != settings.sizes_nm:
            settings = replace(settings, sizes_nm=fitting)
    if on_warning is not None:
        text = memory_warning(atoms, box, settings)
        if text:
            on_warning(text)
    result = run_analysis(atoms, settings, roi if roi is not None else box)
    timing = dict(result.timing_s, load=load_s, total=load_s + result.timing_s["total"])
    far = far_ions_warning(n_far)  # the box was placed here, so run_analysis cannot know
    warnings = (far, *result.warnings) if far is not None else result.warnings
    return replace(result, timing_s=timing, warnings=warnings)


@dataclass(frozen=True)
class BatchRow:
    """One line of work: an ion file, its ranges, a sub-volume (``None``: the default box) and a label."""

    file: str
    ranges: str
    roi: str | None
    label: str

    def key(self, settings: AnalysisSettings, digests: dict[str, str] | None = None) -> str:
        """Identity of the row's result: the same file contents, box, label and settings give the
        same key, so a run whose file changed is analysed again.

        ``digests`` maps each path to the SHA-256 of its contents (computed once, on the client:
        workers may run elsewhere, with other relative paths); without it they are computed here.
        """
        digests = digests if digests is not None else file_digests([self])
        text = json.dumps(
            [
                str(Path(self.file).resolve()),
                digests.get(self.file, ""),
                str(Path(self.ranges).resolve()),
                digests.get(self.ranges, ""),
                self.roi,
                self.label,
                repr(settings),
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:20]


def file_digests(rows: list[BatchRow]) -> dict[str, str]:
    """SHA-256 of every file the rows name (``""`` for one that cannot be read: its row fails later)."""
    out: dict[str, str] = {}
    for path in {p for row in rows for p in (row.file, row.ranges)}:
        h = hashlib.sha256()
        try:
            if not Path(path).is_file():  # a FIFO would block; the row reports it
                raise OSError
            with open(path, "rb") as fh:
                while block := fh.read(1 << 20):
                    h.update(block)
            out[path] = h.hexdigest()
        except OSError:
            out[path] = ""
    return out


def _resolve(value: str, folder: Path) -> str:
    # Absolute on the client: a worker started elsewhere has another working folder.
    p = Path(value).expanduser()
    return str((p if p.is_absolute() else folder / p).absolute())


def read_manifest(path: str | os.PathLike[str]) -> list[BatchRow]:
    """Rows of a CSV manifest with columns ``file, ranges, roi, label`` (roi and label may be empty).

    Relative paths are taken from the manifest's folder; a missing label becomes the file's stem
    (numbered if several rows share it). Raises InputError naming the manifest and the line.
    """
    path = Path(path)
    check_input_file(path, "manifest")
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise InputError(f"is larger than {MAX_MANIFEST_BYTES >> 20} MB; a manifest lists files", path)
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {exc.strerror.lower() if exc.strerror else exc}", path) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not UTF-8 text (byte {exc.start}); save the manifest as UTF-8 CSV", path
        ) from None
    if "\0" in text:
        raise InputError("holds binary data; a manifest is a CSV text file", path)
    try:
        return _manifest_rows(text, path)
    except csv.Error as exc:
        raise InputError(f"is not a readable CSV ({exc})", path) from None


def _manifest_rows(text: str, path: Path) -> list[BatchRow]:
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("file", "ranges") if c not in header]
    if missing:
        raise InputError(
            f"manifest needs the columns file, ranges[, roi, label]; missing {', '.join(missing)}", path
        )
    rows: list[BatchRow] = []
    for line, rec in enumerate(reader, start=2):
        rec = {(k or "").strip().lower(): (v if isinstance(v, str) else "").strip() for k, v in rec.items()}
        if any(len(v) > MAX_FIELD_CHARS for v in rec.values()):
            raise InputError(f"line {line}: a field is longer than {MAX_FIELD_CHARS} characters", path)
        if not any(rec.values()):
            continue
        if not rec.get("file") or not rec.get("ranges"):
            raise InputError(f"line {line}: file and ranges are required", path)
        roi = rec.get("roi") or None
        if roi is not None:
            try:
                parse_roi(roi)
            except InputError as exc:
                raise InputError(f"line {line}: {exc}", path) from None
        rows.append(
            BatchRow(
                _resolve(rec["file"], path.parent),
                _resolve(rec["ranges"], path.parent),
                roi,
                rec.get("label") or "",
            )
        )
    if not rows:
        raise InputError("manifest has no rows", path)
    return _unique_labels(rows)


def rows_from_files(patterns: list[str], ranges: str, roi: str | None = None) -> list[BatchRow]:
    """One row per ion file (shell globs expanded here too, for quoted patterns), all with ``ranges``."""
    files: list[str] = []
    for pattern in patterns:
        found = sorted(glob.glob(os.path.expanduser(pattern))) if glob.has_magic(pattern) else [pattern]
        if not found:
            raise InputError(f"no file matches {pattern!r}")
        files += [f for f in found if f not in files]
    if roi is not None:
        parse_roi(roi)
    # Absolute on the client: a worker started elsewhere has another working folder.
    rows = [BatchRow(str(Path(f).absolute()), str(Path(ranges).absolute()), roi, "") for f in files]
    return _unique_labels(rows)


def _unique_labels(rows: list[BatchRow]) -> list[BatchRow]:
    out: list[BatchRow] = []
    used: set[str] = set()
    for row in rows:
        base = row.label or Path(row.file).stem
        label, n = base, 2
        while label in used:
            label, n = f"{base}-{n}", n + 1
        used.add(label)
        out.append(replace(row, label=label))
    return out


def safe_name(label: str) -> str:
    """``label`` as a file name (letters, digits, ``-_.`` kept)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in label).strip(".") or "row"


def json_names(rows: list[BatchRow]) -> list[str]:
    """One file name per row for ``--json-dir``, all different, also where labels differ only in
    characters a file name cannot hold or in case (``run 5`` and ``run_5``, ``A`` and ``a``)."""
    names: list[str] = []
    used: set[str] = set()
    for row in rows:
        base = safe_name(row.label)
        name, n = base, 2
        while name.lower() in used:
            name, n = f"{base}-{n}", n + 1
        used.add(name.lower())
        names.append(f"{name}.json")
    return names


def check_json_dir(folder: Path, names: list[str]) -> None:
    """Refuse, before any work, a ``--json-dir`` where a row's file would replace a file that is not
    an analysis result (``run1.json`` of ``synth`` beside ``run1.pos``)."""
    for name in names:
        path = folder / name
        if not path.exists():
            continue
        try:
            with open(path, "rb") as fh:
                head = fh.read(4096).decode("utf-8", "replace")
        except OSError:
            head = ""
        if f'"schema": "{ANALYSIS_SCHEMA_PREFIX}' not in head.replace('":"', '": "'):
            raise InputError(
                f"--json-dir {folder}: {name} exists and is not an analysis result; it would be replaced "
                "(choose an empty folder)"
            )


def run_row(
    row: BatchRow,
    settings: AnalysisSettings,
    sizes_given: bool,
    json_dir: str | None = None,
    key: str | None = None,
    json_name: str | None = None,
) -> dict[str, Any]:
    """Analyse one row; return its table record (``status`` ``"ok"`` or ``"error"`` with the message).

    With ``json_dir`` the full analysis JSON (as ``analyze --json`` writes it) goes to
    ``json_dir/LABEL.json``. Never raises for a bad input: the error is the record.
    """
    # The key comes from the client (file contents hashed there); computing it here is the fallback.
    record: dict[str, Any] = {"schema": RESULT_SCHEMA, "key": key or row.key(settings), **asdict(row)}
    t0 = time.perf_counter()
    try:
        result = analyze_files(
            row.file, row.ranges, settings, parse_roi(row.roi) if row.roi else None, not sizes_given
        )
        if json_dir is not None:
            from hea_studio.io.files import write_atomically

            out = Path(json_dir) / (json_name or f"{safe_name(row.label)}.json")
            text = result.dumps() + "\n"
            write_atomically(out, lambda tmp: tmp.write_text(text, encoding="utf-8"), durable=False)
            record["json"] = str(out)
    except InputError as exc:
        record.update(status="error", error=str(exc))
    except Exception as exc:  # an internal error in one row must not stop the others; keep its trace
        record.update(
            status="error", error=f"internal error: {type(exc).__name__}: {exc}", trace=traceback.format_exc()
        )
    else:
        summary = asdict(comparison_row(row.label, Path(row.file).name, result))
        data = result.to_json()
        record.update(
            status="ok",
            error="",
            roi_nm=list(result.roi_nm),
            elements=list(result.elements),
            atoms=summary["atoms"],
            composition=summary["composition"],
            S_bulk_R=summary["S_bulk_R"],
            cls=summary["cls"],
            sume=summary["sume"],
            sume_nm=summary["sume_nm"],
            sume_lo_nm=summary["sume_lo_nm"],
            sume_hi_nm=summary["sume_hi_nm"],
            sume_at_least_nm=summary["sume_at_least_nm"],
            sume_at_most_nm=summary["sume_at_most_nm"],
            sume_apparent_nm=summary["sume_apparent_nm"],
            sume_null_nm=data["sume_null"]["edge_nm"],
            warnings=summary["warnings"],
        )
    record["seconds"] = round(time.perf_counter() - t0, 3)
    return record


TABLE_COLUMNS = (
    "label", "file", "ranges", "roi", "status", "error", "atoms", "composition", "S_bulk_R", "cls", "sume",
    "sume_nm", "sume_lo_nm", "sume_hi_nm", "sume_at_least_nm", "sume_at_most_nm", "sume_apparent_nm",
    "sume_null_nm", "warnings", "seconds", "key",
)  # fmt: skip


def table_csv(records: list[dict[str, Any]]) -> str:
    """The batch table as CSV (one row per record, :data:`TABLE_COLUMNS`)."""
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TABLE_COLUMNS)
    for rec in records:
        cells = []
        for c in TABLE_COLUMNS:
            v = rec.get(c)
            cells.append("" if v is None else repr(v) if isinstance(v, float) else spreadsheet_text(str(v)))
        writer.writerow(cells)
    return out.getvalue()


# A spreadsheet runs a cell starting with one of these as a formula (=HYPERLINK(...), +cmd|...).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """``text`` safe to open in a spreadsheet: a cell that could be read as a formula gets a leading
    apostrophe (shown as text, never run). Numbers stay numbers (``-1.5`` is not a formula)."""
    if text.startswith(_FORMULA_START):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def read_records(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Records of an earlier run's JSON lines by key (the last line of a key wins); {} if there is none."""
    p = Path(path)
    if not p.exists():
        return {}
    check_input_file(p, "batch results file")
    out: dict[str, dict[str, Any]] = {}
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError("is not a batch results file (not UTF-8 text); give another --jsonl", p) from None
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", p) from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            if n == len(lines):
                continue  # a line cut short by an interrupted run: that row simply runs again
            raise InputError(f"line {n} is not JSON; is this a batch results file?", p) from None
        if isinstance(rec, dict) and "key" in rec:
            out[rec["key"]] = rec
    return out
