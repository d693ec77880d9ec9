"""Execute the notebooks in place, so that they are stored with their outputs (tables, displaCy, plots).

    PYTHONPATH=src python tools/execute_notebooks.py [notebooks/01_quickstart.ipynb ...]

Each notebook runs with nbclient on a ``python3`` kernel that is this interpreter (a kernelspec
written to a temporary JUPYTER_PATH, as tests/test_notebooks.py does), from the notebooks/
folder, with ipykernel's inline plots (PNG); kernel paths and execution timings are not stored.
Notebook 02 needs the shared corpora (``CRITPARSE_CORPORA``).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbclient
import nbformat

ROOT = Path(__file__).resolve().parents[1]


def kernel_env(tmp: Path) -> None:
    spec = tmp / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}), encoding="utf-8")
    os.environ["JUPYTER_PATH"] = str(tmp / "jupyter") + os.pathsep + os.environ.get("JUPYTER_PATH", "")
    os.environ.pop("MPLBACKEND", None)  # ipykernel's inline backend: plots are stored as PNG
    # the kernel starts in notebooks/: a relative PYTHONPATH (PYTHONPATH=src) must not change meaning
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if paths:
        os.environ["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in paths)


def clean(nb) -> None:
    """Drop what changes from run to run and says nothing to a reader (timings, widget state)."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)


def execute(path: Path) -> None:
    t0 = time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=600,
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    if errors:
        sys.exit(f"{path.name}: {errors[0].get('ename')}: {errors[0].get('evalue')}")
    clean(nb)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nbformat.write(nb, path)
    kinds = sorted({k for c in nb.cells if c.cell_type == "code" for o in c.outputs for k in o.get("data", {})})
    print(f"{path.name}: executed in {time.perf_counter() - t0:.0f} s; output types {', '.join(kinds)}")


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    with tempfile.TemporaryDirectory() as tmp:
        kernel_env(Path(tmp))
        for p in paths:
            execute(p.resolve())


if __name__ == "__main__":
    main()
