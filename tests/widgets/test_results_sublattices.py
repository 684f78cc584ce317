"""The Results line of a compound's sublattices reads in one or two lines where the panel sits on a
1280-pixel screen (on main it wrapped to five lines in the narrow left column)."""

from __future__ import annotations


def test_sublattice_line_does_not_wrap_to_five_lines(qtbot):
    from hea_studio.widgets.results_panel import ResultsPanel

    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.resize(420, 400)  # the Results strip under the 3D view at 1280 x 800
    panel.show()
    qtbot.waitExposed(panel)
    result = {
        "bulk": {"fractions": {"Mg": 0.2, "Co": 0.2, "Ni": 0.2, "Cu": 0.2, "Zn": 0.2}, "S_R": 1.609},
        "sublattices": {
            "bulk": {
                "per_sublattice": {"A": {"S_R": 1.609}, "O": {"S_R": 0.0}},
                "S_fu_R": 1.609,
                "S_site_R": 0.805,
            }
        },
        "warnings": [],
    }
    panel.show_result(result)
    qtbot.wait(50)
    label = panel.values["sublattices"]
    assert "1.609 R" in label.text()
    lines = label.heightForWidth(label.width()) / label.fontMetrics().lineSpacing()
    assert lines <= 2.5, (lines, label.width())
