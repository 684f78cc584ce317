"""docs/examples/python_api.ipynb runs top to bottom and reports the CLI's SUME for the same run."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "examples" / "python_api.ipynb"
REPO = NOTEBOOK.parents[2]


def test_example_notebook_reproduces_the_cli_sume(synth_run, monkeypatch, tmp_path):
    folder, cli = synth_run
    monkeypatch.setenv("HEA_STUDIO_EXAMPLE_POS", str(folder / "run.pos"))
    monkeypatch.setenv("HEA_STUDIO_EXAMPLE_RANGES", str(folder / "run.rrng"))
    # The kernel imports this tree's hea_studio, as the test process does.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    # nbclient runs in a process of its own: the kernel client's ZeroMQ and event-loop objects, left
    # to this process's garbage collector, crashed a later Qt test (a collection inside a paint).
    executed = tmp_path / "executed.ipynb"
    script = (
        "import sys, nbformat\n"
        "from nbclient import NotebookClient\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "NotebookClient(nb, timeout=300, kernel_name='python3',\n"
        "               resources={'metadata': {'path': sys.argv[3]}}).execute()\n"
        "nbformat.write(nb, sys.argv[2])\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(NOTEBOOK), str(executed), str(tmp_path)], check=True, timeout=600
    )
    nb = nbformat.read(executed, as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    sume_cell = next(c for c in nb.cells if "sume" in c.metadata.get("tags", []))
    printed = "".join(o.get("text", "") for o in sume_cell.outputs if o.output_type == "stream")
    sume = json.loads(printed)
    assert sume == cli["sume"]
    # The figure cell drew a figure; the run and the result printed their one-line summaries.
    kinds = {k for c in nb.cells if c.cell_type == "code" for o in c.outputs for k in o.get("data", {})}
    assert "image/png" in kinds and "text/html" in kinds
    # Collect this test's garbage (the notebook's parsed JSON trees are large) now: left for later,
    # the collection fell inside a later Qt test's paint, where tearing down plots of earlier
    # tests crashed the process.
    del nb
    gc.collect()
