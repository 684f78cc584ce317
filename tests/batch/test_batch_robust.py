"""Issues 24 and 28, batch: keys from file contents computed on the client, absolute paths sent to
the workers, exit codes that say what happened, bounded options, a lock on the table, unique row
file names, spreadsheet-safe cells, and no Dask traceback on stderr."""

from __future__ import annotations

import csv
import json
import logging
import os

import numpy as np
import pytest

from hea_studio.cli import main
from hea_studio.core.ranges import Range, RangeTable
from hea_studio.io import write_pos, write_rrng

SPECIES = [("Fe", 27.95), ("Ni", 28.95), ("Co", 29.45), ("Cu", 31.45)]
COMMON = ["--sizes", "1,2", "--bootstrap", "0", "--no-progress"]


def _run_file(path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 4000
    mass = np.array([s[1] for s in SPECIES])[rng.integers(0, 4, n)] + rng.uniform(0, 0.1, n)
    write_pos(path, rng.uniform(0, 5, (n, 3)).astype(np.float32), mass.astype(np.float32))


@pytest.fixture(scope="module")
def cluster():
    """One in-process scheduler and worker for the module (processes would cost seconds each)."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None, silence_logs=logging.ERROR
    ) as c:
        yield c


@pytest.fixture
def folder(tmp_path):
    for i in range(2):
        _run_file(tmp_path / f"run{i}.pos", i)
    write_rrng(tmp_path / "r.rrng", RangeTable([Range(m, m + 0.1, e, ((e, 1.0),)) for e, m in SPECIES]))
    return tmp_path


def _manifest(folder, rows) -> str:
    path = folder / "m.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "ranges", "roi", "label"])
        w.writerows(rows)
    return str(path)


def _batch(cluster, *args) -> int:
    return main(["batch", *args, "--scheduler", cluster.scheduler_address, *COMMON])


def _table(path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_failed_rows_exit_non_zero_and_a_changed_file_is_analysed_again(cluster, folder, capsys, monkeypatch):
    manifest = _manifest(folder, [("run0.pos", "r.rrng", "", "a"), ("missing.pos", "r.rrng", "", "b")])
    out = folder / "t.csv"
    monkeypatch.chdir("/")  # relative names are the manifest folder's, whatever the working folder
    assert _batch(cluster, manifest, "--out", str(out)) == 3
    err = capsys.readouterr().err
    assert "1 ok, 1 failed" in err and "Traceback" not in err
    first = {r["label"]: r for r in _table(out)}
    assert first["a"]["status"] == "ok" and first["b"]["status"] == "error"
    assert os.path.isabs(first["a"]["file"])
    # The same run, other contents under the same name: its key changes, so it runs again.
    _run_file(folder / "run0.pos", 7)
    assert _batch(cluster, manifest, "--out", str(out)) == 3
    assert "0 already done, 2 to run" in capsys.readouterr().err
    again = {r["label"]: r for r in _table(out)}
    assert again["a"]["key"] != first["a"]["key"] and again["a"]["S_bulk_R"] != first["a"]["S_bulk_R"]
    # All ok: exit 0; a rerun does nothing.
    ok = _manifest(folder, [("run0.pos", "r.rrng", "", "a"), ("run1.pos", "r.rrng", "", "c")])
    assert _batch(cluster, ok, "--out", str(folder / "ok.csv")) == 0
    assert _batch(cluster, ok, "--out", str(folder / "ok.csv")) == 0
    assert "2 already done, 0 to run" in capsys.readouterr().err


def test_row_file_names_never_collide_or_replace_other_files(cluster, folder, capsys):
    rows = [
        ("run0.pos", "r.rrng", "", "run 5"),
        ("run1.pos", "r.rrng", "", "run_5"),
        ("run1.pos", "r.rrng", "", "RUN_5"),
    ]
    manifest = _manifest(folder, rows)
    rows_dir = folder / "rows"
    assert _batch(cluster, manifest, "--out", str(folder / "t.csv"), "--json-dir", str(rows_dir)) == 0
    names = sorted(p.name for p in rows_dir.iterdir())
    assert len(names) == 3, names
    labels = {json.loads((rows_dir / n).read_text())["roi_atoms"] for n in names}
    assert labels  # every file is an analysis result
    # A folder holding another program's file of that name (synth's run1.json) is refused up front.
    other = folder / "mixed"
    other.mkdir()
    (other / "run_5.json").write_text('{"preset": "synth metadata"}')
    assert _batch(cluster, manifest, "--out", str(folder / "t2.csv"), "--json-dir", str(other)) == 2
    assert "not an analysis result" in capsys.readouterr().err
    assert (other / "run_5.json").read_text() == '{"preset": "synth metadata"}'


def test_cells_that_could_be_formulas_are_escaped(cluster, folder):
    manifest = _manifest(folder, [("run0.pos", "r.rrng", "", '=HYPERLINK("http://x","y")'),
                                  ("run1.pos", "r.rrng", "", "@SUM(1)")])  # fmt: skip
    out = folder / "t.csv"
    assert _batch(cluster, manifest, "--out", str(out)) == 0
    table = _table(out)
    assert [r["label"] for r in table] == ['\'=HYPERLINK("http://x","y")', "'@SUM(1)"]
    for r in table:
        for v in r.values():
            assert not v.startswith(("=", "+", "@")) and not (v.startswith("-") and not _number(v))


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_a_second_batch_on_the_same_table_is_refused(folder, capsys):
    from hea_studio.cli.batch import _lock

    out = folder / "t.csv"
    fh, lock = _lock(out)
    try:
        assert (
            main(
                [
                    "batch",
                    str(folder / "run0.pos"),
                    "--ranges",
                    str(folder / "r.rrng"),
                    "--out",
                    str(out),
                    *COMMON,
                ]
            )
            == 2
        )
        assert "another batch is writing" in capsys.readouterr().err
    finally:
        fh.close()
        lock.unlink()


def test_a_scheduler_without_workers_times_out_in_one_line(folder, capsys):
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=0, processes=False, dashboard_address=None, silence_logs=logging.ERROR
    ) as empty:
        args = ["batch", str(folder / "run0.pos"), "--ranges", str(folder / "r.rrng"), "--out",
                str(folder / "t.csv"), "--scheduler", empty.scheduler_address, "--connect-timeout", "1", *COMMON]  # fmt: skip
        assert main(args) == 2
    err = capsys.readouterr().err
    assert "no Dask worker joined" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--workers", "100000"], "--workers"),
        (["--workers", "0"], "--workers"),
        (["--connect-timeout", "nan"], "--connect-timeout"),
        (["--connect-timeout", "-1"], "--connect-timeout"),
    ],
)
def test_batch_numbers_are_bounded(folder, capsys, extra, words):
    args = [
        "batch",
        str(folder / "run0.pos"),
        "--ranges",
        str(folder / "r.rrng"),
        "--out",
        str(folder / "t.csv"),
    ]
    assert main([*args, *extra, *COMMON]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and not (folder / "t.csv").exists()


@pytest.mark.parametrize("kind", ["latin1", "long-field", "binary-jsonl", "nul"])
def test_unreadable_manifests_and_results_files_exit_2(folder, capsys, kind):
    manifest = folder / "m.csv"
    args = ["batch", str(manifest), "--out", str(folder / "t.csv"), *COMMON]
    if kind == "latin1":
        manifest.write_bytes("file,ranges,roi,label\nrun0.pos,r.rrng,,Gr\xf6\xdfe\n".encode("latin-1"))
    elif kind == "long-field":
        manifest.write_text("file,ranges,roi,label\nrun0.pos,r.rrng,," + "x" * 131072 + "\n")
    elif kind == "nul":
        manifest.write_bytes(b"file,ranges\nrun0.pos,r.rrng\0\n")
    else:
        manifest.write_text("file,ranges,roi,label\nrun0.pos,r.rrng,,a\n")
        (folder / "t.jsonl").write_bytes(bytes(range(256)) * 4)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert main(args) == 2
    err = capsys.readouterr().err
    assert (
        "Traceback" not in err
        and len([x for x in err.splitlines() if x.startswith("hea-studio: error")]) == 1
    )
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
