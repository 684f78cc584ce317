"""Each test has its own settings folder: what one test remembers, the next one does not see."""

from __future__ import annotations


def _store():
    from hea_studio.app.main_window import app_settings

    return app_settings()


def test_a_test_remembers_something(isolated_settings):
    store = _store()
    store.setValue("leak/probe", "from the first test")
    store.sync()
    assert str(isolated_settings) in store.fileName()


def test_the_next_test_starts_empty(isolated_settings):
    store = _store()
    assert store.value("leak/probe") is None
    assert str(isolated_settings) in store.fileName()
