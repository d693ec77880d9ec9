"""One-way flow (issue 11): records is the ground floor; screening, checks and exporters share core logic."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import critparse

SRC = Path(critparse.__file__).resolve().parent

pytestmark = pytest.mark.issue(11)


def _imports(rel: str) -> set:
    tree = ast.parse((SRC / rel).read_text(encoding="utf-8"))
    out = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom):
            out.add(("." * n.level) + (n.module or ""))
        elif isinstance(n, ast.Import):
            out.update(a.name for a in n.names)
    return out


def test_records_imports_nothing_of_critparse():
    assert not [m for m in _imports("records.py") if m.startswith(".") or m.startswith("critparse")]


@pytest.mark.parametrize("rel, banned", [
    ("checks.py", {".parser", ".screening", ".export"}),
    ("export/jsonlogic.py", {"..screening", "..parser"}),
    ("export/fhir.py", {"..screening", "..parser"}),
    ("logic.py", {".screening", ".checks", ".export", ".parser"}),
    ("screening.py", {".export", ".parser", ".checks"}),
])
def test_no_import_against_the_flow(rel, banned):
    got = _imports(rel)
    assert not {m for m in got if any(m == b or m.startswith(b + ".") for b in banned)}, got


def test_screen_is_a_function_and_methods_work_on_plain_records(seed_text):
    from _trials import seed_like

    assert critparse.screen.__module__ == "critparse.screening"
    parsed = seed_like(seed_text)  # built from critparse.records directly
    assert set(parsed.to_frames()) == {"criteria", "constraints", "entities"}
    assert parsed.to_jsonlogic()["trial_id"] == "NCT04532203"
    assert parsed.to_fhir("group")["resourceType"] == "Group"
    assert parsed.to_sql_rows("criteria")[0]["id"] == "inc.1"
    assert {f.kind for f in parsed.check()} == {"contradiction", "redundancy"}
