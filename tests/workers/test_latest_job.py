"""The worker's signals all arrive queued, and LatestJob keeps only the newest job of its kind."""

from __future__ import annotations

import threading

import pytest

from hea_studio.workers import ComputeWorker, Job, LatestJob


@pytest.fixture
def worker(qtbot):
    w = ComputeWorker()
    yield w
    w.shutdown()


def _blocking(gate: threading.Event, started: threading.Event):
    def job(task):
        started.set()
        while not gate.wait(0.01):
            if task.cancelled():
                return "stopped"
        return "done"

    return job


def test_cancelled_of_a_dropped_job_is_queued_not_emitted_inside_cancel(worker, qtbot):
    gate, started = threading.Event(), threading.Event()
    seen: list[int] = []
    worker.cancelled.connect(seen.append)
    running = worker.submit(Job(_blocking(gate, started), "running"))
    assert started.wait(10)
    waiting = worker.submit(Job(lambda task: "never", "waiting"))
    worker.cancel()
    # Before, the waiting job's cancellation was emitted from the GUI thread inside cancel(), so its
    # slots ran in the middle of the caller; now it comes like every other worker signal.
    assert seen == []
    qtbot.waitUntil(lambda: sorted(seen) == sorted([running, waiting]), timeout=10_000)


def test_a_job_replaced_while_waiting_is_reported_cancelled(worker, qtbot):
    gate, started = threading.Event(), threading.Event()
    seen: list[int] = []
    worker.cancelled.connect(seen.append)
    worker.submit(Job(_blocking(gate, started), "running"))
    assert started.wait(10)
    replaced = worker.submit(Job(lambda task: 1, "replaced before it ran"))
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        worker.submit(Job(lambda task: 2, "newest"))
    qtbot.waitUntil(lambda: replaced in seen, timeout=10_000)


def test_latest_job_drops_an_older_jobs_results_and_settles(worker, qtbot):
    job = LatestJob(worker)
    results: list[object] = []
    job.finished.connect(results.append)
    gate, started = threading.Event(), threading.Event()
    job.submit(_blocking(gate, started), "old", context="old box")
    assert started.wait(10)
    assert job.active and job.running
    with qtbot.waitSignal(job.finished, timeout=10_000):
        job.submit(lambda task: "new result", "new", context="new box")
    assert results == ["new result"] and job.context == "new box"
    assert not job.active and not job.running


def test_latest_job_batches_partials_and_another_kind_cancels_it(worker, qtbot):
    curve = LatestJob(worker, batch_ms=50)
    other = LatestJob(worker)
    batches: list[list] = []
    cancelled: list[bool] = []
    curve.partials.connect(batches.append)
    curve.cancelled.connect(lambda: cancelled.append(True))

    def gen(task):
        yield from range(3)
        return "curve"

    with qtbot.waitSignal(curve.finished, timeout=10_000):
        curve.submit(gen, "curve")
    assert [v for batch in batches for v in batch] == [0, 1, 2]

    gate, started = threading.Event(), threading.Event()
    curve.submit(_blocking(gate, started), "long curve")
    assert started.wait(10)
    with qtbot.waitSignal(other.finished, timeout=10_000):
        other.submit(lambda task: "spectrum", "spectrum")
    qtbot.waitUntil(lambda: cancelled == [True], timeout=10_000)
    assert not curve.active


def test_deliver_later_is_dropped_when_a_newer_job_starts(worker, qtbot):
    job = LatestJob(worker)
    calls: list[str] = []
    with qtbot.waitSignal(job.finished, timeout=10_000):
        job.submit(lambda task: 1, "first")
    job.deliver_later(calls.append, "first")
    job.submit(lambda task: 2, "second")  # before the event loop comes round
    job.deliver_later(calls.append, "second")
    qtbot.waitUntil(lambda: calls == ["second"], timeout=5000)
    qtbot.wait(50)
    assert calls == ["second"]
