"""Build critparse's wheel and check that a plain (non-editable) install runs full mode.

    python tools/check_wheel.py [--keep DIR]

1. ``pip wheel . --no-deps`` (setuptools in pip's build isolation);
2. a fresh venv (``python -m venv``) whose dependencies come from the running interpreter's
   site-packages through a ``.pth`` line (offline and fast: nothing is downloaded), and
   ``pip install --no-deps`` of the wheel into it;
3. in that venv, from a folder outside the checkout: ``import critparse`` must come from the
   venv (not the checkout), the model must be the wheel's package data, and full mode must
   parse the demo seed trial with model entities and negation; the ``critparse``
   console script runs; the full pipeline saved with ``to_disk`` loads again with ``spacy.load``.

Prints one line per step and exits non-zero on the first failure.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpora" / "demo" / "NCT04532203.eligibility.md"

CHECK = r"""
import json, sys, tempfile
import critparse, spacy
from critparse.pipeline import model_path
venv = sys.argv[1]
assert critparse.__file__.startswith(venv), critparse.__file__
assert str(model_path()).startswith(venv), model_path()
parsed = critparse.parse(open(sys.argv[2], encoding="utf-8").read(), trial_id="NCT04532203", mode="full")
nlp = critparse.load("full")
d = tempfile.mkdtemp()
nlp.to_disk(d)
again = spacy.load(d)
print(json.dumps({
    "critparse": critparse.__file__, "model": str(model_path()),
    "pipes": nlp.pipe_names, "reloaded_pipes": again.pipe_names,
    "entities": len(parsed.entities), "model_entities": sum(e.source == "model" for e in parsed.entities),
    "negated_entities": sum(e.negated for e in parsed.entities), "constraints": len(parsed.constraints),
}))
"""


def run(cmd, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        sys.exit(f"FAILED: {' '.join(map(str, cmd))}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return proc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="critparse_wheel_"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist", ROOT])
    wheel = next((work / "dist").glob("critparse-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for need in ("critparse/py.typed", "critparse/models/critparse_chia_ner/config.cfg",
                 "critparse/models/critparse_chia_ner/tok2vec/model", "critparse/resources/context_rules.json"):
        if need not in names:
            sys.exit(f"FAILED: {need} is not in {wheel.name}")
    print(f"wheel: {wheel.name}, {wheel.stat().st_size / 1e6:.1f} MB, {len(names)} files ({time.perf_counter() - t0:.0f} s)")

    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    site = Path(run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    # the dependencies of this interpreter (a plain path line: its own .pth files, the editable
    # critparse among them, are not processed, so critparse comes from the wheel alone)
    (site / "_critparse_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-deps", "-q", wheel])
    print(f"installed into {venv}")

    outside = work / "elsewhere"
    outside.mkdir(exist_ok=True)
    t1 = time.perf_counter()
    got = json.loads(run([venv / "bin" / "python", "-c", CHECK, venv.resolve(), SEED], cwd=outside).stdout.splitlines()[-1])
    print(json.dumps(got, indent=1))
    if not (got["model_entities"] and got["negated_entities"] and got["constraints"]):
        sys.exit("FAILED: full mode gave no model entities, negation or constraints")
    if got["pipes"] != got["reloaded_pipes"]:
        sys.exit("FAILED: the saved pipeline reloads with other components")
    run([venv / "bin" / "critparse", "--help"], cwd=outside)
    version = run([venv / "bin" / "python", "-c", "import critparse, importlib.metadata as m; "
                   "assert m.version('critparse') == critparse.__version__; print(critparse.__version__)"],
                  cwd=outside).stdout.strip()
    print(f"critparse {version}: the console script runs (full-mode check {time.perf_counter() - t1:.0f} s)")
    print("OK")


if __name__ == "__main__":
    main()
