"""The garbage collector is off while a figure is painted off screen.

A collection reaching an earlier plot's pyqtgraph items in the middle of a render crashed the
process (a segfault inside AxisItem.paint in a full test session). The figure writers pause
automatic collection for the paint; this test records whether collection was on each time the
scene was rendered.
"""

from __future__ import annotations

import gc

import pytest
from test_svg_export import _entropy_plot


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_the_scene_is_rendered_with_collection_off(qtbot, tmp_path, monkeypatch, suffix):
    from pyqtgraph.GraphicsScene import GraphicsScene

    from hea_studio.plots.svg_export import write_figure_file

    plot = _entropy_plot(qtbot)
    seen: list[bool] = []
    render = GraphicsScene.render

    def recording_render(self, *args, **kwargs):
        seen.append(gc.isenabled())
        return render(self, *args, **kwargs)

    monkeypatch.setattr(GraphicsScene, "render", recording_render)
    assert gc.isenabled()
    out = write_figure_file(plot.widget.ci, tmp_path / f"curve{suffix}", 700, 480)
    assert out.stat().st_size > 1000
    assert seen and not any(seen)
    assert gc.isenabled()  # the previous state comes back
