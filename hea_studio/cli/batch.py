"""``hea-studio batch``: many runs and sub-volumes analysed on Dask distributed, one table of results.

Rows come from a CSV manifest (``file, ranges, roi, label``) or from ion files (globs allowed) sharing one
range file. Each row is one Dask task (:func:`hea_studio.compute.batch.run_row`) on a LocalCluster of
``--workers`` processes, or on an existing cluster given by ``--scheduler``. Each finished row is appended
to the JSON-lines file at once, so an interrupted batch keeps what it finished; at the end the CSV table
is rewritten from all rows. A rerun skips rows whose key (files, box, label, settings) already has an
``ok`` record; failed rows run again.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from hea_studio.cli.analyze import add_settings_arguments, settings_from_args
from hea_studio.cli.outputs import check_outputs, write_text
from hea_studio.core.errors import InputError

HELP = "analyse many runs and boxes on Dask distributed (a local cluster or --scheduler), one results table"

# How long to wait for a scheduler named with --scheduler before giving up with exit code 2.
_CONNECT_TIMEOUT_S = 15


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``hea-studio batch``."""
    parser.add_argument(
        "inputs",
        nargs="+",
        help="a CSV manifest (columns file, ranges, roi, label), or ion files / quoted globs with --ranges",
    )
    parser.add_argument(
        "--ranges", type=Path, help="the range file of every ion file given (not with a manifest)"
    )
    parser.add_argument("--roi", help="sub-volume of every ion file given (default: largest box inside each)")
    parser.add_argument(
        "--out", type=Path, required=True, help="results table (CSV); TABLE.jsonl is written beside it"
    )
    parser.add_argument("--jsonl", type=Path, help="JSON-lines results file (default: --out with .jsonl)")
    parser.add_argument(
        "--json-dir", type=Path, help="also write each row's full analysis JSON into this folder"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="local worker processes (default: CPU cores, at most 8)"
    )
    parser.add_argument(
        "--scheduler", metavar="tcp://HOST:PORT", help="use this running Dask scheduler instead"
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=_CONNECT_TIMEOUT_S,
        metavar="S",
        help=f"give up on --scheduler after this many seconds (default {_CONNECT_TIMEOUT_S})",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_settings_arguments(parser)
    parser.add_argument(
        "--elements", help="entropy elements, e.g. Co,Cu,Fe,Ni (default: elements with >= 5 at.%%)"
    )


def _rows(args: argparse.Namespace):
    from hea_studio.compute.batch import read_manifest, rows_from_files

    first = Path(args.inputs[0])
    if len(args.inputs) == 1 and first.suffix.lower() == ".csv":
        if args.ranges or args.roi:
            raise InputError("--ranges and --roi go with ion files; a manifest names them per row")
        return read_manifest(first)
    if args.ranges is None:
        raise InputError("ion files need --ranges (or give one CSV manifest)")
    return rows_from_files(list(args.inputs), str(args.ranges), args.roi)


class Progress:
    """A one-line progress bar on stderr (a line per row when stderr is not a terminal)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.failed = total, 0, 0
        self.enabled = enabled and total > 0
        self.tty = sys.stderr.isatty()
        self.t0 = time.perf_counter()

    def update(self, record: dict[str, Any]) -> None:
        """Count one finished row."""
        self.done += 1
        self.failed += record.get("status") != "ok"
        if not self.enabled:
            return
        width = 30
        fill = round(width * self.done / self.total)
        bar = "#" * fill + "." * (width - fill)
        text = (
            f"[{bar}] {self.done}/{self.total} rows, {self.failed} failed, "
            f"{time.perf_counter() - self.t0:.0f} s  {record.get('label', '')}"
        )
        if self.tty:
            sys.stderr.write("\r" + text[:110].ljust(110))
            if self.done == self.total:
                sys.stderr.write("\n")
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()


def _require_distributed() -> None:
    """Raise :class:`InputError` saying how to install Dask when the ``batch`` extra is missing."""
    try:
        import distributed  # noqa: F401
    except ImportError:  # an extra (pyproject.toml); the standalone app does not carry Dask either
        raise InputError(
            "batch needs Dask distributed, which is not installed: pip install 'hea-studio[batch]' "
            "(the standalone app does not include it; install HEA Studio with pip for batch runs)"
        ) from None


def _client(args: argparse.Namespace):
    """A Dask client: on --scheduler, or on a new LocalCluster (returned too, to be closed)."""
    _require_distributed()
    from distributed import Client, LocalCluster

    if args.scheduler:
        try:
            return Client(args.scheduler, timeout=args.connect_timeout), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"cannot reach the Dask scheduler {args.scheduler}: {exc}") from None
    workers = args.workers or min(os.cpu_count() or 1, 8)
    if workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    # One thread per worker: the numba kernels use threads of their own and must not run twice at
    # once in one process; no dashboard (nobody is watching it, and its port may be taken).
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    return Client(cluster), cluster


def run(args: argparse.Namespace) -> int:
    """Read the rows, skip those already done, run the others on Dask, write the table."""
    from hea_studio.compute.batch import read_records, run_row, table_csv

    _require_distributed()  # before reading rows: say how to install it, not a traceback later
    jsonl = args.jsonl or args.out.with_suffix(".jsonl")
    if args.json_dir is not None and args.json_dir.exists() and not args.json_dir.is_dir():
        raise InputError(f"--json-dir {args.json_dir} is a file, not a folder")
    settings = settings_from_args(args)
    rows = _rows(args)
    # Before any work: the table and its JSON lines can be written and replace none of the inputs.
    inputs = [f for row in rows for f in (row.file, row.ranges)] + [Path(p) for p in args.inputs]
    check_outputs([("--out", args.out), ("--jsonl", jsonl)], inputs=inputs)
    done = {k: r for k, r in read_records(jsonl).items() if r.get("status") == "ok"}
    keys = [row.key(settings) for row in rows]
    todo = [(row, key) for row, key in zip(rows, keys) if key not in done]
    records: dict[str, dict[str, Any]] = dict(done)
    print(
        f"batch: {len(rows)} rows, {len(rows) - len(todo)} already done, {len(todo)} to run", file=sys.stderr
    )
    if todo:
        if args.json_dir is not None:
            args.json_dir.mkdir(parents=True, exist_ok=True)
        json_dir = None if args.json_dir is None else str(args.json_dir.resolve())
        client, cluster = _client(args)
        progress = Progress(len(todo), not args.no_progress)
        try:
            from distributed import as_completed

            futures = {
                client.submit(
                    run_row, row, settings, bool(args.sizes), json_dir, key=f"hea-row-{key}", pure=False
                ): row
                for row, key in todo
            }
            with open(jsonl, "a", encoding="utf-8") as log:
                for future in as_completed(futures):
                    row = futures[future]
                    try:
                        record = future.result()
                    except Exception as exc:  # a worker that died, a task the scheduler lost
                        record = {
                            "key": row.key(settings),
                            **row.__dict__,
                            "status": "error",
                            "error": f"{type(exc).__name__}: {exc}",
                        }
                    records[record["key"]] = record
                    log.write(json.dumps(record) + "\n")
                    log.flush()
                    progress.update(record)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    # The table lists this manifest's rows in its order (records of other manifests stay in the JSON lines).
    ordered = [records[k] for k in keys if k in records]
    write_text(args.out, table_csv(ordered))
    write_text(jsonl, "".join(json.dumps(r) + "\n" for r in records.values()))
    failed = [r for r in ordered if r.get("status") != "ok"]
    print(
        f"batch: {len(ordered) - len(failed)} ok, {len(failed)} failed -> {args.out}, {jsonl}",
        file=sys.stderr,
    )
    for r in failed:
        print(f"  {r['label']}: {r['error']}", file=sys.stderr)
    return 0
