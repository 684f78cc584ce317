"""Garbage collection happens on the GUI thread only while a window is open.

A GUI test hung for minutes: a collection started on the compute thread destroyed a Qt object the
GUI thread owned and deadlocked on Qt's lock against the GIL. Here worker jobs make cyclic garbage
holding Qt objects, with thresholds so low that an automatic collection would start inside the jobs;
every collection must run on the GUI thread.
"""

from __future__ import annotations

import gc
import threading

import pytest


class _Cycle:
    def __init__(self, qt_object) -> None:
        self.me = self
        self.qt = qt_object


def _make_garbage(task) -> int:
    from PySide6.QtCore import QObject, QTimer

    for _ in range(300):
        _Cycle(QObject())
        _Cycle(QTimer())
        [[], {}, _Cycle(None)]  # plain cyclic garbage
    return threading.get_ident()


@pytest.mark.gui
def test_collection_runs_on_the_gui_thread_only(make_main_window, qtbot):
    from hea_studio.workers import Job

    window = make_main_window()
    gui = threading.get_ident()
    threads: list[int] = []

    def seen(phase, _info) -> None:
        if phase == "start":
            threads.append(threading.get_ident())

    old = gc.get_threshold()
    gc.set_threshold(20, 2, 2)  # a collection every few dozen allocations
    gc.callbacks.append(seen)
    try:
        ran_on: list[int] = []
        for _ in range(5):
            with qtbot.waitSignal(window.worker.finished, timeout=30_000) as done:
                window.worker.submit(Job(_make_garbage, "garbage"))
            ran_on.append(done.args[1])
        qtbot.wait(1200)  # the collector's timer
    finally:
        gc.callbacks.remove(seen)
        gc.set_threshold(*old)
    assert ran_on and all(t != gui for t in ran_on), "the jobs did not run on the worker thread"
    assert threads, "nothing was collected at all"
    assert set(threads) == {gui}, "a collection ran on a thread other than the GUI thread"


@pytest.mark.gui
def test_automatic_collection_returns_when_the_last_window_closes(make_main_window, qtbot):
    assert gc.isenabled()
    first, second = make_main_window(), make_main_window()
    assert not gc.isenabled()
    first.close()
    assert not gc.isenabled()  # the other window's worker still runs
    second.close()
    assert gc.isenabled()


@pytest.mark.gui
def test_a_map_window_alone_collects_on_the_gui_thread_only(qtbot):
    # A map window opened with no main window had no lease: a collection started on its worker
    # thread inside a reader's import, destroyed a widget there and hung a full test session.
    from hea_studio.app.map_window import MapWindow
    from hea_studio.workers import Job, live_threads

    assert gc.isenabled()
    window = MapWindow()
    gui = threading.get_ident()
    threads: list[int] = []

    def seen(phase, _info) -> None:
        if phase == "start":
            threads.append(threading.get_ident())

    old = gc.get_threshold()
    gc.set_threshold(20, 2, 2)
    gc.callbacks.append(seen)
    try:
        for _ in range(3):
            with qtbot.waitSignal(window.worker.finished, timeout=30_000):
                window.worker.submit(Job(_make_garbage, "garbage"))
        qtbot.wait(1200)
    finally:
        gc.callbacks.remove(seen)
        gc.set_threshold(*old)
        window.close()
        window.deleteLater()
        qtbot.waitUntil(lambda: not live_threads(), timeout=10_000)
    assert threads and set(threads) == {gui}, "a collection ran on a thread other than the GUI thread"
    assert gc.isenabled()  # the lease ends with the window
