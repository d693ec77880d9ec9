"""`critparse export --to jsonlogic|fhir|json|schema INPUT`: the parse in a rule engine's format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from .app import app, fail
from .parse import read_text_arg

FORMATS = ("jsonlogic", "fhir", "json", "schema")


def load_trial(path: str, trial_id: Optional[str] = None, mode: str = "full"):
    """A ParsedTrial from `critparse parse` JSON output, or by parsing a criteria text file ('-' = stdin)."""
    from ..parser import parse
    from ..records import ParsedTrial

    text = read_text_arg(path)
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise fail(f"cannot read {path}: invalid JSON ({e.msg} at line {e.lineno})")
        if not isinstance(d, dict) or "criteria" not in d or "text" not in d:
            raise fail(f"{path} is JSON but not a critparse parse result (no 'criteria'/'text')")
        try:
            parsed = ParsedTrial.from_dict(d)
        except TypeError as e:
            raise fail(f"{path}: not a critparse parse result of this version ({e})")
        if trial_id:
            parsed.trial_id = trial_id
        return parsed
    if mode not in ("full", "fast"):
        raise fail(f"unknown --mode {mode!r}: use full or fast")
    tid = trial_id or (Path(path).name.split(".")[0] if path != "-" else None)
    from ..errors import CritparseError

    try:
        return parse(text, trial_id=tid, mode=mode)
    except CritparseError as e:  # e.g. no trained model for mode=full
        raise fail(str(e))


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
    _emit(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", output)


def _emit(s: str, output: Optional[Path]) -> None:
    if output is None:
        typer.echo(s, nl=False)
    else:
        output.write_text(s, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)
