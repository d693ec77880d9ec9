"""`critparse export --to jsonlogic|fhir|json|schema INPUT`: the parse in a rule engine's format."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .app import app, fail, json_text
from .trial_io import load_trial  # noqa: F401 - also imported from here

FORMATS = ("jsonlogic", "fhir", "json", "schema")


@app.command("export")
def export_cmd(
    path: Optional[str] = typer.Argument(None, help="criteria text file, `critparse parse` JSON, or - (not needed for schema)"),
    to: str = typer.Option(..., "--to", "-t", help="jsonlogic | fhir | json | schema"),
    resource: str = typer.Option("bundle", "--resource", help="fhir: bundle | group | evidencevariable"),
    trial_id: Optional[str] = typer.Option(None, "--trial-id", help="trial id (default: the file name's stem)"),
    mode: str = typer.Option("full", "--mode", help="full | fast, when INPUT is text"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="write here instead of stdout"),
    write: bool = typer.Option(False, "--write", help="schema: regenerate the schema file shipped in the package"),
) -> None:
    """Export a parsed trial as JSON Logic, FHIR R5 (Group / EvidenceVariable), JSON, or print the JSON Schema."""
    if to not in FORMATS:
        raise fail(f"unknown --to {to!r}: use {', '.join(FORMATS)}")
    if to == "schema":
        from ..export.schema import dumps, write_schema

        if write:
            typer.echo(f"wrote {write_schema()}")
            return
        _emit(dumps(), output)
        return
    if path is None:
        raise fail("give an INPUT file (criteria text or `critparse parse` JSON), or - for stdin")
    parsed = load_trial(path, trial_id, mode)
    if to == "json":
        doc = parsed.to_dict()
    elif to == "jsonlogic":
        doc = parsed.to_jsonlogic()
    else:
        try:
            doc = parsed.to_fhir(resource)
        except ValueError as e:
            raise fail(str(e))
    _emit(json_text(doc, indent=2) + "\n", output)


def _emit(s: str, output: Optional[Path]) -> None:
    if output is None:
        typer.echo(s, nl=False)
    else:
        try:
            output.write_text(s, encoding="utf-8")
        except OSError as e:
            raise fail(f"cannot write {output}: {e.strerror or e}")
        typer.echo(f"wrote {output}", err=True)
