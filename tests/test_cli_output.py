"""CLI output a pipe can use (issue 11): `--version`, and `--format table` rows that do not wrap
at 80 columns when stdout is not a terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import critparse
from critparse.cli import app

SEED = Path(__file__).resolve().parents[1] / "corpora" / "demo" / "NCT04532203.eligibility.md"


@pytest.mark.issue(11)
def test_version():
    res = CliRunner().invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"critparse {critparse.__version__}"


@pytest.mark.issue(11)
def test_table_rows_do_not_wrap_when_piped():
    res = CliRunner().invoke(app, ["parse", str(SEED), "--mode", "fast", "--format", "table"])
    assert res.exit_code == 0, res.output
    parsed = critparse.parse(SEED.read_text(encoding="utf-8"), mode="fast")
    lines = res.output.splitlines()
    assert max(len(line) for line in lines) > 80  # wider than a default console would allow
    for c in parsed.constraints:  # each row on one line: its subject, op and text together
        assert any(c.subject in line and c.text in line for line in lines), c.text
