"""The analysis job the window submits: one generator per (atoms, box, settings).

Kept apart from the controller so that the GUI, the self-test and the benchmark run exactly the
same code as ``hea-studio analyze`` (:func:`hea_studio.compute.analysis.iter_analysis`), only on
the worker thread.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from dataclasses import replace
from typing import Any

from hea_studio.compute.analysis import iter_analysis
from hea_studio.core.atoms import AtomSet
from hea_studio.core.errors import InputError
from hea_studio.core.geometry import Box
from hea_studio.core.progress import TaskState
from hea_studio.core.settings import AnalysisSettings


def fit_sizes(settings: AnalysisSettings, box: Box) -> AnalysisSettings:
    """Settings whose cube edges all fit in ``box``.

    While the user drags, the box is often smaller than the largest edge asked for; the command
    line refuses such edges, but the window analyses the edges that fit instead of showing nothing.
    """
    smallest = float(min(box.size))
    sizes = tuple(L for L in settings.sizes_nm if smallest * (1 + 1e-9) >= L)
    if not sizes:
        raise InputError(
            f"the box ({', '.join(f'{s:.2f}' for s in box.size)} nm) is smaller than the smallest "
            f"cube edge ({min(settings.sizes_nm):g} nm)"
        )
    return settings if sizes == settings.sizes_nm else replace(settings, sizes_nm=sizes)


def analysis_job(
    atoms: AtomSet, box: Box, settings: AnalysisSettings, preview: bool = False
) -> Callable[[TaskState], Generator[Any, None, Any]]:
    """A generator function ``job(task)`` yielding one scale result per cube edge, returning the result.

    ``preview`` (used while the user drags the box) computes the same curve, reference and SUME but
    leaves out the two parts that only refine them: the bootstrap interval of SUME and the
    frequency distribution test (about a quarter of the time on the demo). The window runs the full
    analysis of the final box when the drag ends.
    """
    if preview:
        settings = replace(settings, bootstrap=0)

    def job(task: TaskState):
        fitted = fit_sizes(settings, box)
        return (yield from iter_analysis(atoms, fitted, box, task=task, fda=not preview))

    return job


def result_to_json(result: Any) -> dict:
    """The analysis result as a dict in the ``analyze --json`` schema."""
    data = result.to_json()
    if isinstance(data, str):
        data = json.loads(data)
    return data
