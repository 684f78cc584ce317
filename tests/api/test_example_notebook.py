"""docs/examples/python_api.ipynb runs top to bottom and reports the CLI's SUME for the same run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "examples" / "python_api.ipynb"
REPO = NOTEBOOK.parents[2]


def test_example_notebook_reproduces_the_cli_sume(synth_run, monkeypatch, tmp_path):
    folder, cli = synth_run
    monkeypatch.setenv("HEA_STUDIO_EXAMPLE_POS", str(folder / "run.pos"))
    monkeypatch.setenv("HEA_STUDIO_EXAMPLE_RANGES", str(folder / "run.rrng"))
    # The kernel imports this tree's hea_studio, as the test process does.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    sume_cell = next(c for c in nb.cells if "sume" in c.metadata.get("tags", []))
    printed = "".join(o.get("text", "") for o in sume_cell.outputs if o.output_type == "stream")
    sume = json.loads(printed)
    assert sume == cli["sume"]
    # The figure cell drew a figure; the run and the result printed their one-line summaries.
    kinds = {k for c in nb.cells if c.cell_type == "code" for o in c.outputs for k in o.get("data", {})}
    assert "image/png" in kinds and "text/html" in kinds
