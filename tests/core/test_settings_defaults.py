"""AnalysisSettings is the one source of the defaults: the command line and the panel read it."""

from __future__ import annotations

import argparse

import pytest

from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.settings import DEFAULT_SIZES, AnalysisSettings


def test_command_line_defaults_are_the_settings_defaults():
    from hea_studio.cli import analyze

    parser = argparse.ArgumentParser()
    analyze.add_arguments(parser)
    args = parser.parse_args(["x.pos", "--ranges", "x.rrng"])
    assert analyze.settings_from_args(args) == AnalysisSettings()
    assert AnalysisSettings().sizes_nm == DEFAULT_SIZES


def test_fitted_to_keeps_the_edges_that_fit_and_refuses_a_box_too_small():
    s = AnalysisSettings(sizes_nm=(1.0, 2.0, 3.0))
    assert s.fitted_to(Box((0, 0, 0), (10, 10, 10))) is s
    assert s.fitted_to(Box((0, 0, 0), (2.0, 9, 9))).sizes_nm == (1.0, 2.0)
    with pytest.raises(InputError, match="smaller than the smallest"):
        s.fitted_to(Box((0, 0, 0), (0.5, 9, 9)))
