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
import contextlib
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
    except ImportError:  # an extra (pyproject.toml); the standalone app has dask.array, not distributed
        raise InputError(
            "batch needs Dask distributed, which is not installed: pip install 'hea-studio[batch]' "
            "(the standalone app does not include it; install HEA Studio with pip for batch runs)"
        ) from None


def _client(args: argparse.Namespace):
    """A Dask client: on --scheduler (once a worker has joined), or on a new LocalCluster (returned
    too, to be closed). Dask's own log lines and tracebacks are silenced: failures become one line."""
    _require_distributed()
    from distributed import Client, LocalCluster

    # Dask's configuration gives child loggers (distributed.client...) levels of their own, which
    # would let a reconnect traceback through: silence each of them, not only the parents.
    roots = ("distributed", "tornado", "asyncio")
    names = [n for n in list(logging.root.manager.loggerDict) if n.split(".")[0] in roots]
    for name in (*roots, *names):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if args.scheduler:
        try:
            client = Client(args.scheduler, timeout=args.connect_timeout)
        except Exception as exc:  # OSError, TimeoutError, ValueError, CommClosedError...
            raise InputError(f"cannot reach the Dask scheduler {args.scheduler}: {exc}") from None
        try:
            # A scheduler with no worker would take the tasks and wait forever in silence.
            client.wait_for_workers(1, timeout=args.connect_timeout)
        except Exception:
            client.close()
            raise InputError(
                f"no Dask worker joined the scheduler {args.scheduler} within {args.connect_timeout:g} s "
                "(start workers with: dask worker ADDRESS)"
            ) from None
        return client, None
    workers = args.workers or min(os.cpu_count() or 1, 8)
    # One thread per worker: the numba kernels use threads of their own and must not run twice at
    # once in one process; no dashboard (nobody is watching it, and its port may be taken).
    try:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )
    except Exception as exc:
        raise InputError(f"cannot start {workers} local Dask workers: {type(exc).__name__}: {exc}") from None
    return Client(cluster), cluster


def _check_numbers(args: argparse.Namespace) -> None:
    """Bound --workers and --connect-timeout before anything starts (core.limits)."""
    from hea_studio.core.limits import CONNECT_TIMEOUT_S, MAX_WORKERS, check_float, check_int

    if args.workers is not None:
        limit = min(MAX_WORKERS, 4 * (os.cpu_count() or 1))
        check_int(
            "--workers", args.workers, 1, limit, f"more processes than 4 per CPU core ({limit}) only compete"
        )
    args.connect_timeout = check_float(
        "--connect-timeout (s)", args.connect_timeout, *CONNECT_TIMEOUT_S, "from a tenth of a second to a day"
    )


def _lock(out: Path):
    """Hold ``OUT.lock`` for the run: a second batch on the same table would drop this one's rows."""
    import fcntl

    lock = out.with_name(out.name + ".lock")
    fh = open(lock, "a+")  # noqa: SIM115 - held until the run ends
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise InputError(
            f"another batch is writing {out} (it holds {lock}); wait for it or choose another --out"
        ) from None
    return fh, lock


# Exit codes of batch beyond the contract's 0/1/2: rows ran, but some (or all) failed.
EXIT_ROWS_FAILED = 3


def run(args: argparse.Namespace) -> int:
    """Read the rows, skip those already done, run the others on Dask, write the table.

    Returns 0 when every row is ok, :data:`EXIT_ROWS_FAILED` when any row failed (the table lists
    why); bad input exits 2 before any work.
    """
    _require_distributed()  # before reading rows: say how to install it, not a traceback later
    _check_numbers(args)
    jsonl = args.jsonl or args.out.with_suffix(".jsonl")
    if args.json_dir is not None and args.json_dir.exists() and not args.json_dir.is_dir():
        raise InputError(f"--json-dir {args.json_dir} is a file, not a folder")
    settings = settings_from_args(args)
    rows = _rows(args)
    # Before any work: the table and its JSON lines can be written and replace none of the inputs.
    inputs = [f for row in rows for f in (row.file, row.ranges)] + [Path(p) for p in args.inputs]
    check_outputs([("--out", args.out), ("--jsonl", jsonl)], inputs=inputs)
    fh, lock = _lock(args.out)
    try:
        return _run_locked(args, settings, rows, jsonl)
    finally:
        fh.close()
        lock.unlink(missing_ok=True)


def _scheduler_lost(exc: BaseException) -> bool:
    """True for the errors a row's future raises when the client lost its scheduler (killed, network
    gone): the futures are cancelled or the connection closed, not the row's own failure."""
    from concurrent.futures import CancelledError

    from distributed.comm.core import CommClosedError

    return isinstance(exc, (CancelledError, CommClosedError))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else 'connection lost'}"


def _run_locked(args: argparse.Namespace, settings, rows, jsonl: Path) -> int:
    from hea_studio.compute.batch import (
        check_json_dir,
        file_digests,
        json_names,
        read_records,
        run_row,
        table_csv,
    )

    names = json_names(rows)
    if args.json_dir is not None:
        check_json_dir(args.json_dir, names)
    done = {k: r for k, r in read_records(jsonl).items() if r.get("status") == "ok"}
    # Keys on the client, from the files' contents: a changed run is analysed again.
    digests = file_digests(rows)
    keys = [row.key(settings, digests) for row in rows]
    todo = [(row, key, name) for row, key, name in zip(rows, keys, names) if key not in done]
    records: dict[str, dict[str, Any]] = dict(done)
    print(
        f"batch: {len(rows)} rows, {len(rows) - len(todo)} already done, {len(todo)} to run", file=sys.stderr
    )
    lost = ""
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
                    run_row,
                    row,
                    settings,
                    bool(args.sizes),
                    json_dir,
                    key,
                    name,
                    key=f"hea-row-{key}",
                    pure=False,
                ): (row, key)
                for row, key, name in todo
            }
            with open(jsonl, "a", encoding="utf-8") as log:
                for future in as_completed(futures):
                    row, key = futures[future]
                    try:
                        record = future.result()
                    except Exception as exc:  # a worker that died, a task the scheduler lost
                        if _scheduler_lost(exc):  # every other row would fail the same way: one line
                            lost = _first_line(exc)
                            break
                        record = {
                            **row.__dict__,
                            "key": key,
                            "status": "error",
                            "error": f"{type(exc).__name__}: {exc}",
                        }
                    records[record["key"]] = record
                    log.write(json.dumps(record) + "\n")
                    log.flush()
                    progress.update(record)
        except InputError:
            raise
        except Exception as exc:  # the scheduler went away mid-run: keep what finished, say so
            lost = _first_line(exc)
        finally:
            with contextlib.suppress(Exception):
                client.close()
            if cluster is not None:
                with contextlib.suppress(Exception):
                    cluster.close()
    # The table lists this manifest's rows in its order (records of other manifests stay in the JSON lines).
    ordered = [records[k] for k in keys if k in records]
    write_text(args.out, table_csv(ordered))
    # Rows another process appended meanwhile (other manifests on the same file) are kept.
    merged = {**read_records(jsonl), **records}
    write_text(jsonl, "".join(json.dumps(r) + "\n" for r in merged.values()))
    failed = [r for r in ordered if r.get("status") != "ok"]
    missing = len(rows) - len(ordered)
    print(
        f"batch: {len(ordered) - len(failed)} ok, {len(failed)} failed"
        + (f", {missing} not run" if missing else "")
        + f" -> {args.out}, {jsonl}",
        file=sys.stderr,
    )
    for r in failed:
        print(f"  {r['label']}: {r['error']}", file=sys.stderr)
    if lost:
        print(f"hea-studio: error: the Dask cluster failed during the run ({lost})", file=sys.stderr)
    return EXIT_ROWS_FAILED if failed or missing else 0
