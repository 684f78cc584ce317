"""``hea-studio batch`` on Dask distributed: 12 synthetic runs equal 12 ``analyze`` calls, a broken file is
one error row, a rerun does nothing; the same on an existing cluster given by ``--scheduler``."""

from __future__ import annotations

import csv
import json
import logging
import sys

import pytest

from hea_studio.cli import main

N_RUNS = 12
COMMON = ["--sizes", "0.5:4:0.5", "--bootstrap", "20", "--seed", "3"]


def _strip(data: dict) -> dict:
    data = dict(data)
    data.pop("timing_s")
    return data


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """12 small synthetic runs (synth), their manifest, and what ``analyze`` gives for each."""
    folder = tmp_path_factory.mktemp("batch")
    rows = []
    expected = {}
    for i in range(N_RUNS):
        prefix = folder / f"run{i:02d}"
        assert (
            main(
                [
                    "synth",
                    "--out",
                    str(prefix),
                    "--preset",
                    "cocufeni-paper",
                    "--size-nm",
                    "7",
                    "--seed",
                    str(i),
                ]
            )
            == 0
        )
        roi = "0.5,0.5,0.5,8.5,8.5,8.5" if i % 3 == 0 else ""
        label = f"r{i:02d}"
        rows.append((f"run{i:02d}.pos", f"run{i:02d}.rrng", roi, label))
        out = folder / f"{label}.analyze.json"
        args = [
            "analyze",
            str(prefix) + ".pos",
            "--ranges",
            str(prefix) + ".rrng",
            *COMMON,
            "--json",
            str(out),
        ]
        assert main(args + (["--roi", roi] if roi else [])) == 0
        expected[label] = _strip(json.loads(out.read_text()))
    with open(folder / "manifest.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "ranges", "roi", "label"])
        w.writerows(rows)
    return folder, rows, expected


def _table(path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_batch_on_a_local_cluster_equals_analyze_and_a_rerun_does_nothing(runs, capsys):
    folder, rows, expected = runs
    out = folder / "local" / "table.csv"
    out.parent.mkdir()
    args = ["batch", str(folder / "manifest.csv"), "--out", str(out), "--workers", "2", "--json-dir",
            str(folder / "local" / "rows"), *COMMON]  # fmt: skip
    assert main(args) == 0
    err = capsys.readouterr().err
    assert f"{N_RUNS}/{N_RUNS} rows" in err and "12 ok, 0 failed" in err
    table = _table(out)
    assert [r["label"] for r in table] == [r[3] for r in rows] and {r["status"] for r in table} == {"ok"}
    for rec in table:
        full = _strip(json.loads((folder / "local" / "rows" / f"{rec['label']}.json").read_text()))
        assert full == expected[rec["label"]]  # every number of the analysis, not only the table's
        want = expected[rec["label"]]
        assert float(rec["S_bulk_R"]) == want["bulk"]["S_R"] and int(rec["atoms"]) == want["roi_atoms"]
        assert (float(rec["sume_nm"]) if rec["sume_nm"] else None) == (want["sume"] or {}).get("edge_nm")
        assert (float(rec["sume_at_most_nm"]) if rec["sume_at_most_nm"] else None) == (
            want["sume"] or {}
        ).get("at_most_nm")
    # Most runs have a SUME to compare: an estimate or a bound, always said in words.
    assert sum(bool(r["sume_nm"] or r["sume_at_most_nm"] or r["sume_at_least_nm"]) for r in table) >= 6
    assert all(r["sume"] for r in table)
    lines = (folder / "local" / "table.jsonl").read_text().splitlines()
    assert len(lines) == N_RUNS and all(json.loads(s)["status"] == "ok" for s in lines)

    before = out.read_text(), (folder / "local" / "table.jsonl").read_text()
    assert main(args) == 0
    err = capsys.readouterr().err
    assert (
        f"{N_RUNS} already done, 0 to run" in err and f"/{N_RUNS} rows" not in err
    )  # no cluster, no progress
    assert (out.read_text(), (folder / "local" / "table.jsonl").read_text()) == before


@pytest.mark.slow
def test_broken_file_is_one_error_row_on_an_existing_scheduler(runs, capsys):
    from distributed import LocalCluster

    folder, rows, expected = runs
    (folder / "broken.pos").write_bytes(b"\x00" * 1001)  # not a whole number of 16-byte records
    broken = [r if i != 5 else ("broken.pos", r[1], r[2], r[3]) for i, r in enumerate(rows)]
    manifest = folder / "broken.csv"
    with open(manifest, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "ranges", "roi", "label"])
        w.writerows(broken)
    out = folder / "sched" / "table.csv"
    out.parent.mkdir()
    with LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=logging.ERROR
    ) as cluster:
        args = ["batch", str(manifest), "--out", str(out), "--scheduler", cluster.scheduler_address, *COMMON]
        assert main(args) == 3  # rows failed: not a success (issue 24)
        table = _table(out)
        assert len(table) == N_RUNS
        errors = [r for r in table if r["status"] == "error"]
        assert len(errors) == 1 and errors[0]["label"] == "r05" and "broken.pos" in errors[0]["error"]
        ok = [r for r in table if r["status"] == "ok"]
        assert len(ok) == 11
        for rec in ok:
            assert float(rec["S_bulk_R"]) == expected[rec["label"]]["bulk"]["S_R"]
        assert "11 ok, 1 failed" in capsys.readouterr().err
        # A rerun runs only the failed row again (it fails again; the others are not touched).
        assert main(args) == 3
        assert "11 already done, 1 to run" in capsys.readouterr().err
        again = _table(out)
        assert [(r["label"], r["status"], r["S_bulk_R"]) for r in again] == [
            (r["label"], r["status"], r["S_bulk_R"]) for r in table
        ]


def test_bad_manifest_and_unreachable_output_exit_2(runs, tmp_path, capsys):
    folder, _, _ = runs
    bad = tmp_path / "bad.csv"
    bad.write_text("path,label\nx.pos,a\n")
    assert main(["batch", str(bad), "--out", str(tmp_path / "t.csv")]) == 2
    assert main(["batch", str(folder / "manifest.csv"), "--out", str(tmp_path / "no" / "t.csv")]) == 2
    assert main(["batch", str(folder / "run00.pos"), "--out", str(tmp_path / "t.csv")]) == 2  # no --ranges
    err = capsys.readouterr().err.strip().splitlines()
    assert (
        len(err) == 3
        and "missing file, ranges" in err[0]
        and "does not exist" in err[1]
        and "--ranges" in err[2]
    )


def test_an_unreachable_scheduler_exits_2_in_one_line(runs, tmp_path, capsys):
    folder, _, _ = runs
    args = ["batch", str(folder / "manifest.csv"), "--out", str(tmp_path / "t.csv"), "--scheduler",
            "tcp://127.0.0.1:9", "--connect-timeout", "2", *COMMON]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "cannot reach the Dask scheduler tcp://127.0.0.1:9" in err[-1]
    assert not (tmp_path / "t.csv").exists()


def test_without_the_batch_extra_batch_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    # dask and distributed are the [batch] extra: a plain install lacks them.
    monkeypatch.setitem(sys.modules, "distributed", None)
    code = main(["batch", str(tmp_path / "m.csv"), "--out", str(tmp_path / "t.csv")])
    err = capsys.readouterr().err
    assert code == 2 and "pip install 'hea-studio[batch]'" in err
    assert "Traceback" not in err and not (tmp_path / "t.csv").exists()
