"""`critparse parse FILE|-`: parse one trial's criteria text."""

from __future__ import annotations

from typing import Optional

import typer

from .app import app, fail, json_text
from .app import console as make_console
from .trial_io import read_text_arg


@app.command("parse")
def parse_cmd(
    path: str = typer.Argument(..., help="criteria text file, or - for standard input"),
    trial_id: Optional[str] = typer.Option(None, "--trial-id", help="trial id to carry in the output"),
    fmt: str = typer.Option("json", "--format", "-f", help="json | table | jsonl"),
    mode: str = typer.Option("full", "--mode", help="full (rules + model) | fast (rules only)"),
) -> None:
    """Parse one trial's eligibility criteria; JSON to stdout by default. An API v2 study JSON file
    is read as the registry writes it: its eligibility criteria, nctId, sex and ages."""
    from .trial_io import json_object, parse_text, study_criteria

    if fmt not in ("json", "table", "jsonl"):
        raise fail(f"unknown --format {fmt!r}: use json, table or jsonl")
    if mode not in ("full", "fast"):
        raise fail(f"unknown --mode {mode!r}: use full or fast")
    text = read_text_arg(path)
    info = None
    doc = json_object(text)
    if doc is not None:
        if "protocolSection" not in doc:
            raise fail(f"{path} is a JSON object, not criteria text nor a ClinicalTrials.gov study "
                       "(no 'protocolSection'); a `critparse parse` result is read by export, screen and check")
        tid, text, info = study_criteria(doc, path)
        trial_id = trial_id or tid
    parsed = parse_text(text, trial_id, mode, info)
    if fmt == "table":
        print_tables(parsed)
        return
    typer.echo(json_text(parsed.to_dict(), indent=2 if fmt == "json" else None))  # no NaN/Infinity


def print_tables(parsed) -> None:
    from rich.table import Table
    from rich.tree import Tree

    console = make_console()
    root = Tree(f"[bold]{parsed.trial_id or 'trial'}[/bold]")
    nodes = {None: root}
    for c in parsed.criteria:
        label = f"[cyan]{c.id}[/cyan] "
        if c.cohort:
            label += f"[magenta]({c.cohort})[/magenta] "
        if c.logic == "any":
            label += "[yellow]ANY[/yellow] "
        label += (c.clean_text or c.text)[:100]
        nodes[c.id] = nodes.get(c.parent, root).add(label)
    console.print(root)
    t = Table(title="constraints")
    for col in ("criterion", "kind", "cohort", "subject", "op", "value", "unit", "rel", "normalized", "neg", "text"):
        t.add_column(col)
    for c in parsed.constraints:
        norm = f"{c.normalized.value:g} {c.normalized.unit or ''}" if c.normalized else ""
        t.add_row(c.criterion, c.kind[:3], c.cohort or "", c.subject, c.op, f"{c.value:g}", c.unit or "",
                  c.relative_to or "", norm, "yes" if c.negated else "", c.text)
    console.print(t)
