"""The main window end to end: projections drive the box, the worker recomputes, plots follow."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import drag, show_dataset

from hea_studio.compute.analysis import run_analysis
from hea_studio.core.geometry import Box

pytestmark = pytest.mark.gui


def _plotted_entropy(window) -> tuple[np.ndarray, np.ndarray]:
    return window.plots.entropy.plotted()


def test_projections_spin_boxes_and_wireframe_agree(make_main_window, small_dataset, qtbot):
    window = make_main_window()
    show_dataset(window, small_dataset, qtbot, analyse=False)
    box = Box((1.0, 2.0, 3.0), (6.0, 7.0, 12.0))
    window.session.set_active_box(box)
    assert window.projection_xy.rect() == pytest.approx((1.0, 6.0, 2.0, 7.0))
    assert window.projection_xz.rect() == pytest.approx((1.0, 6.0, 3.0, 12.0))
    assert window.subvolume_panel.box() == box
    qtbot.waitUntil(lambda: window.atom_view.wireframe.box == box, timeout=2000)

    # Typing a new z maximum moves the side view's rectangle, not the top view's.
    window.subvolume_panel.spins[5].setValue(10.0)
    assert window.session.active_box.hi[2] == pytest.approx(10.0)
    assert window.projection_xz.rect()[3] == pytest.approx(10.0)
    assert window.projection_xy.rect() == pytest.approx((1.0, 6.0, 2.0, 7.0))

    # Several named sub-volumes, one active; switching brings its box back everywhere.
    window.subvolume_panel.add_button.click()
    assert [v.name for v in window.session.subvolumes] == ["Box 1", "Box 2"]
    window.session.set_active_box(Box((0.5, 0.5, 0.5), (4.0, 4.0, 4.0)))
    window.subvolume_panel.list.setCurrentRow(0)
    assert window.session.active == 0
    assert window.projection_xy.rect() == pytest.approx((1.0, 6.0, 2.0, 7.0))

    window.subvolume_panel.cube_button.click()
    size = window.session.active_box.size
    assert np.allclose(size, size[0]) and size[0] > 4.0


def test_species_panel_toggles_atoms_and_reports_the_budget(make_main_window, small_dataset, qtbot):
    window = make_main_window()
    show_dataset(window, small_dataset, qtbot, analyse=False)
    view = window.atom_view
    n = small_dataset.atoms.n_atoms
    assert view.n_points == min(n, view.budget)
    assert f"of {n:,} atoms" in window.species_panel.shown_label.text()
    check = window.species_panel._rows[0][0]
    check.setChecked(False)
    counts = small_dataset.atoms.counts()
    assert view.n_candidates == n - counts["Co"]
    window.species_panel.budget.setValue(5000)
    assert view.n_points == 5000
    assert "Showing 5,000 of" in window.species_panel.shown_label.text()


def test_3d_view_renders_the_species_colours(make_main_window, small_dataset, qtbot):
    window = make_main_window()
    show_dataset(window, small_dataset, qtbot, analyse=False)
    image = window.atom_view.render()
    for rgb in [(255, 0, 255), (0, 255, 255), (255, 128, 0)]:
        diff = np.abs(image[..., :3].astype(int) - np.array(rgb))
        assert np.count_nonzero(np.all(diff <= 30, axis=-1)) > 200, f"species colour {rgb} not drawn"


def test_dragging_the_box_recomputes_the_curve_for_the_new_box(make_main_window, small_dataset, qtbot):
    window = make_main_window()
    window.settings_panel.edges.setText("0.5:3:0.5")
    window.settings_panel.bootstrap.setValue(0)
    window.settings_panel._changed()
    window.controller.set_settings(window.settings_panel.current)
    show_dataset(window, small_dataset, qtbot)
    before_box = window.session.active_box
    _, before_S = _plotted_entropy(window)
    assert before_S.size > 2

    # Shrink the box in the top view so the drag has room, then drag it by its middle.
    window.session.set_active_box(Box((0.5, 0.5, before_box.lo[2]), (4.5, 4.5, before_box.hi[2])))
    qtbot.waitSignal(window.controller.analysis_finished, timeout=60_000).wait()
    proj = window.projection_xy
    start = proj.widget_point(2.5, 2.5)
    end = proj.widget_point(5.0, 4.0)
    with qtbot.waitSignal(window.controller.analysis_finished, timeout=60_000):
        drag(qtbot, proj.plot.viewport(), start, end, steps=12)
    # Let the throttled request after the last move run to completion.
    qtbot.waitUntil(lambda: not window.controller.is_analysing(), timeout=60_000)
    box = window.session.active_box
    assert box.lo[0] == pytest.approx(3.0, abs=0.3) and box.lo[1] == pytest.approx(2.0, abs=0.3)
    assert box.size[0] == pytest.approx(4.0) and box.size[1] == pytest.approx(4.0)
    assert window.controller.result_box == box

    L, S = _plotted_entropy(window)
    expected = run_analysis(small_dataset.atoms, window.controller.settings, box)
    # The plot leaves out edges where no cube holds min_atoms atoms (nothing to draw there).
    drawn = [s for s in expected.curve if s.n_cubes > 0]
    assert len(drawn) >= 3
    assert np.allclose(L, [s.size_nm for s in drawn])
    assert np.allclose(S, [s.S_mean for s in drawn])
    assert not np.allclose(S, before_S[: S.size]) or before_S.size != S.size
    assert window.controller.result_json()["roi_nm"] == pytest.approx(box.flat())


def test_demo_opens_with_coloured_atoms_and_an_analysis(make_main_window, qtbot):
    from hea_studio.core.display import species_colours

    window = make_main_window()
    with qtbot.waitSignal(window.controller.analysis_finished, timeout=120_000):
        window.open_demo()
    dataset = window.session.dataset
    assert dataset.atoms.n_atoms > 1_000_000
    assert window.atom_view.n_points == window.atom_view.budget
    assert f"of {dataset.atoms.n_atoms:,} atoms" in window.species_panel.shown_label.text()
    image = window.atom_view.render()
    counts = dataset.atoms.counts()
    for name, rgb in zip(dataset.atoms.names, species_colours(dataset.atoms.names, dataset.atoms.colours)):
        if counts[name] < 0.05 * dataset.atoms.n_atoms:
            continue  # minor species (C, O) cover too few pixels to count reliably
        target = np.round(np.array(rgb) * 255).astype(int)
        diff = np.abs(image[..., :3].astype(int) - target)
        assert np.count_nonzero(np.all(diff <= 12, axis=-1)) > 500, f"{name} atoms not drawn"
    data = window.controller.result_json()
    assert data["roi_nm"] == pytest.approx(dataset.default_box.flat())
    assert window.plots.entropy.n_points() == len(data["curve"])


def test_analysis_settings_are_remembered_between_sessions(make_main_window, qtbot):
    first = make_main_window()
    panel = first.settings_panel
    panel.edges.setText("1:6:1")
    panel.edges.editingFinished.emit()
    panel.mode.setCurrentText("paper")
    panel.min_atoms.setValue(25)
    panel.lattice.setCurrentText("bcc")
    panel.lattice_a.setValue(0.2866)
    first.local_panel.centres.setValue(2500)
    assert first.controller.settings.sizes_nm == (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)
    assert first.controller.settings.mode == "paper"
    first.close()

    second = make_main_window()
    settings = second.controller.settings
    assert second.settings_panel.edges.text() == "1:6:1"
    assert settings.sizes_nm == (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)
    assert settings.mode == "paper" and settings.min_atoms == 25
    assert settings.lattice is not None and settings.lattice.structure == "bcc"
    assert settings.lattice.a_nm == pytest.approx(0.2866)
    assert second.local_panel.centres.value() == 2500

    # An unreadable edge list is flagged and the last good settings stay in force.
    second.settings_panel.edges.setText("1:x")
    second.settings_panel.edges.editingFinished.emit()
    assert "cannot read sizes" in second.settings_panel.edges.toolTip()
    assert second.controller.settings.sizes_nm == (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)


def test_left_drag_on_empty_map_draws_a_new_box(make_main_window, small_dataset, qtbot):
    window = make_main_window()
    show_dataset(window, small_dataset, qtbot, analyse=False)
    window.session.set_active_box(Box((0.5, 0.5, 0.5), (2.5, 2.5, 3.0)))
    proj = window.projection_xz  # side view: x horizontally, z vertically
    qtbot.wait(300)  # let the docks settle: the view range follows the widget size
    start = proj.widget_point(4.0, 6.0)
    end = proj.widget_point(7.0, 14.0)
    events: list[str] = []
    proj.drag_started.connect(lambda: events.append("start"))
    proj.drag_finished.connect(lambda: events.append(f"finish {window.session.active_box.hi[2]:.0f}"))
    drag(qtbot, proj.plot.viewport(), start, end, steps=8)
    # One drag, reported once, and finished only after the final rectangle reached the session.
    assert events == ["start", "finish 14"]
    box = window.session.active_box
    assert box.lo[0] == pytest.approx(4.0, abs=0.3) and box.hi[0] == pytest.approx(7.0, abs=0.3)
    assert box.lo[2] == pytest.approx(6.0, abs=0.4) and box.hi[2] == pytest.approx(14.0, abs=0.4)
    # y is not shown in the side view and keeps its value; the top view follows the new x range.
    assert (box.lo[1], box.hi[1]) == pytest.approx((0.5, 2.5))
    assert window.projection_xy.rect() == pytest.approx((box.lo[0], box.hi[0], 0.5, 2.5))


def test_a_drag_previews_then_the_release_analyses_the_final_box_in_full(
    make_main_window, small_dataset, qtbot
):
    window = make_main_window()
    controller = window.controller
    window.settings_panel.edges.setText("0.5:3:0.5")
    window.settings_panel.bootstrap.setValue(40)
    window.settings_panel._changed()
    controller.set_settings(window.settings_panel.current)
    show_dataset(window, small_dataset, qtbot)
    window.session.set_active_box(Box((0.5, 0.5, 0.5), (4.5, 4.5, 15.5)))
    qtbot.waitUntil(lambda: not controller.is_analysing(), timeout=60_000)
    assert not controller.result_is_preview

    proj = window.projection_xy
    started: list[bool] = []  # for each analysis: was it a preview (the mouse button still down)?
    drags: list[str] = []
    controller.analysis_started.connect(lambda _gen: started.append(controller.interacting))
    proj.drag_started.connect(lambda: drags.append("start"))
    proj.drag_finished.connect(lambda: drags.append("finish"))
    finished: list[tuple[bool, object]] = []
    controller.analysis_finished.connect(lambda _g, r: finished.append((controller.result_is_preview, r)))

    drag(
        qtbot,
        proj.plot.viewport(),
        proj.widget_point(2.5, 2.5),
        proj.widget_point(5.0, 4.0),
        steps=16,
        pause_ms=40,
    )
    assert drags == ["start", "finish"]
    assert not controller.interacting
    qtbot.waitUntil(lambda: not controller.is_analysing(), timeout=60_000)

    assert True in started, "no analysis ran while the box was being dragged"
    assert started[-1] is False, "the release did not start a full analysis"
    previews = [r for is_preview, r in finished if is_preview]
    assert previews and all(r.bootstrap == 0 for r in previews)
    assert not controller.result_is_preview
    final = controller.result
    box = window.session.active_box
    assert final.roi_nm == pytest.approx(box.flat()) and final.bootstrap == 40
    expected = run_analysis(small_dataset.atoms, controller.settings, box)
    assert [s.S_mean for s in final.curve] == pytest.approx([s.S_mean for s in expected.curve])
    sume_label = window.results_panel.values["sume"]
    # The panel fills in on the event loop's next turn after the result arrives.
    qtbot.waitUntil(lambda: "when the drag ends" not in sume_label.text(), timeout=5000)
    # The final result carries its intervals: the apparent SUME's in its row; the headline is an
    # estimate with its interval or a bound said in words.
    assert final.sume is not None and final.sume_apparent is not None
    assert final.sume_apparent.ci95_nm is not None
    for sume, label in (
        (final.sume_apparent, window.results_panel.values["sume_apparent"]),
        (final.sume, sume_label),
    ):
        if sume.edge_nm is not None:
            assert "95 % CI" in label.text()
        else:
            assert label.text().startswith(("random down to", "≥", "≤"))
    if final.sume.edge_nm is not None:
        assert "95 % CI" in sume_label.text()
    else:
        assert sume_label.text().startswith(("random down to", "≥", "≤"))


def test_stray_dock_tab_bars_are_hidden(make_main_window, qtbot):
    from PySide6.QtWidgets import QTabBar

    window = make_main_window()
    qtbot.wait(50)

    def shown() -> list[str]:
        bars = [b for b in window.findChildren(QTabBar) if b.parent() is window and b.isVisible()]
        return sorted(b.tabText(0) for b in bars)

    # One tab bar per tabbed group (sub-volumes|display, entropy|compare, concentration|local|profile,
    # results|settings).
    assert shown() == ["Concentration spread", "Entropy vs cube edge", "Results", "Sub-volumes"]
    # A copy of the Results tab bar where Qt 6.11 leaves one (laid out for an earlier window size).
    stray = QTabBar(window)
    stray.addTab("Results")
    stray.addTab("Analysis settings")
    stray.setGeometry(300, 300, 400, 26)
    stray.show()
    assert stray.isVisible()
    window.hide_stale_tab_bars()
    assert not stray.isVisible()
    assert shown() == ["Concentration spread", "Entropy vs cube edge", "Results", "Sub-volumes"]


def test_file_export_plot_writes_the_entropy_png(
    make_main_window, small_dataset, qtbot, tmp_path, monkeypatch
):
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    window = make_main_window()
    out = tmp_path / "entropy.png"
    monkeypatch.setattr(
        "hea_studio.app.main_window.QFileDialog.getSaveFileName", lambda *a, **k: (str(out), "")
    )
    window.export_plot_action.trigger()  # nothing analysed yet: an error, no file
    assert window.error_dialog is not None and "No analysis" in window.error_dialog.text()
    window.error_dialog.close()
    assert not out.exists()

    # Settings of its own: the ones remembered from earlier tests may leave a short curve.
    window.settings_panel.edges.setText("0.5:4:0.25")
    window.settings_panel._changed()
    window.controller.set_settings(window.settings_panel.current)
    show_dataset(window, small_dataset, qtbot)
    assert len(window.controller.result.curve) == 15
    before = set(QApplication.topLevelWidgets())
    window.export_plot_action.trigger()
    image = QImage(str(out))
    assert image.width() == 1000 and image.height() > 500
    # Not a blank picture: the curve's blue is in it.
    blue = sum(
        1
        for x in range(0, image.width(), 4)
        for y in range(0, image.height(), 4)
        if image.pixelColor(x, y).blue() > 150 and image.pixelColor(x, y).red() < 80
    )
    assert blue > 50
    # The plot was rendered off screen: no window popped up.
    assert not [w for w in set(QApplication.topLevelWidgets()) - before if w.isVisible()]
    assert "Plot written" in window.status_label.text()


def test_no_two_actions_share_a_shortcut(make_main_window):
    """Qt fires neither of two actions bound to the same key (it reports the key as ambiguous):
    File > Save ranges and File > Export report were both Ctrl+Shift+R."""
    from PySide6.QtGui import QAction

    window = make_main_window()
    seen: dict[str, str] = {}
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            text = key.toString()
            if not text:
                continue
            assert text not in seen, f"{text} is both {seen[text]!r} and {action.text()!r}"
            seen[text] = action.text()
    assert "Ctrl+Shift+R" in seen and "Ctrl+Shift+H" in seen
