"""Issue 28: a Dask scheduler killed while ``batch --scheduler`` runs gives one line and exit 3, no
traceback, and the rows that finished stay in the table. A real scheduler and worker run as processes
on 127.0.0.1; the scheduler is killed (SIGKILL) once the first row is written."""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import write_pos, write_rrng

SPECIES = [("Fe", 27.95), ("Ni", 28.95), ("Co", 29.45), ("Cu", 31.45)]
ROOT = Path(__file__).resolve().parents[2]
ROWS = 40


def _start(args: list[str], log: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT), DASK_DISTRIBUTED__WORKER__DAEMON="False")
    fh = open(log, "w")  # noqa: SIM115 - the process keeps it open
    return subprocess.Popen([sys.executable, "-m", *args], stdout=fh, stderr=subprocess.STDOUT, env=env)


def _address(log: Path, proc: subprocess.Popen, timeout: float = 30.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        m = re.search(r"Scheduler at:\s+(tcp://127\.0\.0\.1:\d+)", log.read_text())
        if m:
            return m.group(1)
        assert proc.poll() is None, log.read_text()
        time.sleep(0.05)
    raise AssertionError("the scheduler did not start: " + log.read_text())


@pytest.fixture
def processes(tmp_path):
    started: list[subprocess.Popen] = []
    yield started, tmp_path
    for p in started:
        if p.poll() is None:
            p.kill()
        p.wait(10)


def test_a_killed_scheduler_gives_one_line_and_exit_3(processes, tmp_path):
    started, _ = processes
    rng = np.random.default_rng(2)
    n = 3000
    mass = np.array([s[1] for s in SPECIES])[rng.integers(0, 4, n)] + rng.uniform(0, 0.1, n)
    write_pos(tmp_path / "run.pos", rng.uniform(0, 5, (n, 3)).astype(np.float32), mass.astype(np.float32))
    write_rrng(tmp_path / "r.rrng", RangeTable([Range(m, m + 0.1, e, ((e, 1.0),)) for e, m in SPECIES]))
    with open(tmp_path / "m.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "ranges", "roi", "label"])
        w.writerows(
            [[str(tmp_path / "run.pos"), str(tmp_path / "r.rrng"), "", f"row{i}"] for i in range(ROWS)]
        )

    sched_log = tmp_path / "scheduler.log"
    scheduler = _start(
        ["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"], sched_log
    )
    started.append(scheduler)
    address = _address(sched_log, scheduler)
    worker = _start(
        ["distributed.cli.dask_worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
         "--host", "127.0.0.1"],
        tmp_path / "worker.log",
    )  # fmt: skip
    started.append(worker)

    out = tmp_path / "t.csv"
    jsonl = out.with_suffix(".jsonl")

    def kill_after_first_row() -> None:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if jsonl.exists() and jsonl.read_text().count("\n") >= 1:
                scheduler.send_signal(signal.SIGKILL)
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_after_first_row, daemon=True)
    killer.start()
    # The CLI in its own process: its stderr is everything the user sees (Dask's threads included).
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from hea_studio.cli import main; sys.exit(main(sys.argv[1:]))",
         "batch", str(tmp_path / "m.csv"), "--out", str(out), "--scheduler", address, "--connect-timeout", "20",
         "--sizes", "0.5,1", "--bootstrap", "0", "--no-progress"],
        env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    killer.join(5)
    code, err = proc.returncode, proc.stderr
    assert scheduler.poll() is not None, "the scheduler was never killed"
    assert code == 3, err
    assert "Traceback" not in err, err
    # The start line, the summary and one line for the lost scheduler: not one error per row.
    lines = err.strip().splitlines()
    assert len(lines) == 3, err
    assert re.match(r"batch: \d+ ok, 0 failed, \d+ not run ->", lines[1]), err
    assert lines[2].startswith("hea-studio: error: the Dask cluster failed during the run"), err
    with open(out, newline="") as fh:
        table = list(csv.DictReader(fh))
    ok = [r for r in table if r["status"] == "ok"]
    assert 1 <= len(ok) < ROWS, err
