"""The notebooks run clean (issue 5, part 5): one test per notebook, executed with nbclient
on a `python3` kernel that is this interpreter (no `ipykernel install` needed)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

pytestmark = pytest.mark.issue(5)

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
NEEDS_CORPUS = {"02_registry_exploration.ipynb"}


@pytest.fixture
def python3_kernel(tmp_path, monkeypatch):
    """A kernelspec named python3 that runs THIS interpreter, found first via JUPYTER_PATH."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (critparse test)", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter") + os.pathsep + os.environ.get("JUPYTER_PATH", ""))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    return "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path, python3_kernel, request):
    if path.name in NEEDS_CORPUS:
        request.getfixturevalue("corpora")  # skips where the corpora are absent
    nb = nbformat.read(path, as_version=4)
    probe = nbformat.v4.new_code_cell("import sys; print(sys.executable)")
    nb.cells.append(probe)
    client = nbclient.NotebookClient(nb, kernel_name=python3_kernel, timeout=240,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream").strip()
    assert Path(printed).resolve() == Path(sys.executable).resolve()


def test_notebooks_are_stored_with_outputs():
    """Stored executed (`tools/execute_notebooks.py`), so that a reader on the web sees the tables,
    the displaCy rendering and the plots, and every stored output is from a clean run."""
    want = {"01_quickstart.ipynb": {"text/html", "text/plain"}, "02_registry_exploration.ipynb": {"image/png", "text/html"},
            "03_matching.ipynb": {"image/png", "text/html"}}
    assert {p.name for p in NOTEBOOKS} >= set(want)
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert [c.get("execution_count") for c in code] == list(range(1, len(code) + 1)), path.name
        outputs = [o for c in code for o in c.get("outputs", [])]
        assert not [o for o in outputs if o.output_type == "error"], path.name
        kinds = {k for o in outputs for k in o.get("data", {})}
        assert want.get(path.name, set()) <= kinds, (path.name, kinds)
