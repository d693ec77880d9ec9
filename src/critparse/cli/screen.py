"""`critparse screen TRIAL PATIENT`: screen one patient against one trial."""

from __future__ import annotations

import json
from typing import Optional

import typer

from .app import app, fail, json_text
from .app import console as make_console
from .trial_io import load_trial
from .trial_io import read_text_arg


@app.command("screen")
def screen_cmd(
    trial: str = typer.Argument(..., help="`critparse parse` JSON, or a criteria .txt/.md file"),
    patient: str = typer.Argument(..., help="patient JSON: {age, sex, labs: {name: {value, unit}}, ecog, conditions}, "
                                            "or a FHIR R4/R5 Bundle of one patient"),
    fmt: str = typer.Option("json", "--format", "-f", help="json | table"),
    trial_id: Optional[str] = typer.Option(None, "--trial-id"),
    mode: str = typer.Option("full", "--mode", help="full | fast, when TRIAL is text"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="FHIR patients: date (YYYY-MM-DD) ages and time "
                                                               "windows are computed at (default today)"),
) -> None:
    """Screen a patient: a verdict (eligible | ineligible | undetermined), per cohort and per criterion.

    Exit status 0 whatever the verdict; 2 on bad input."""
    from ..screening import screen

    if fmt not in ("json", "table"):
        raise fail(f"unknown --format {fmt!r}: use json or table")
    from ..fhir_patient import FhirInputError, is_bundle, screen_bundle
    from ..inputs import InputValidationError, validate_patient

    try:
        p = json.loads(read_text_arg(patient))
        bundle = is_bundle(p)
        if bundle:
            from ..fhir_patient import read_bundle

            read_bundle(p, as_of)  # FhirInputError naming the resource and field
        else:
            p = validate_patient(p)
    except json.JSONDecodeError as e:
        raise fail(f"cannot read {patient}: invalid JSON ({e.msg} at line {e.lineno})")
    except (InputValidationError, FhirInputError) as e:
        raise fail(f"{patient}: {e}")
    parsed = load_trial(trial, trial_id, mode)
    try:
        res = screen_bundle(parsed, p, as_of) if bundle else screen(parsed, p)
    except InputValidationError as e:
        raise fail(f"{trial}: {e}")
    if fmt == "json":
        typer.echo(json_text(res.to_dict(), indent=2))
        return
    from rich.table import Table

    console = make_console()
    colour = {"eligible": "green", "ineligible": "red", "undetermined": "yellow"}
    console.print(f"[bold]{parsed.trial_id or 'trial'}[/bold]: [{colour[res.verdict]}]{res.verdict}[/]")
    for c, v in res.cohorts.items():
        console.print(f"  cohort {c}: [{colour[v]}]{v}[/]")
    for r in res.reasons:
        console.print(f"  - {r}")
    t = Table(title="criteria")
    for col in ("criterion", "kind", "cohort", "status", "eligible", "reason"):
        t.add_column(col)
    mark = {True: "[green]yes[/]", False: "[red]no[/]", None: "?"}
    for r in res.criteria:
        t.add_row(r.criterion, r.kind[:3], r.cohort or "", r.status, mark[r.eligible], r.reason[:90])
    console.print(t)
