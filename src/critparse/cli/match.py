"""`critparse match PATIENTS --trials BATCH_OUT --out MATCHES`: many patients against many trials."""

from __future__ import annotations

from typing import Optional

import typer

from .app import app, fail
from .app import console as make_console


@app.command("match")
def match_cmd(
    patients: str = typer.Argument(..., help="folder (or file) of FHIR R4/R5 Bundles or patient JSON, or a Bulk "
                                             "Data $export folder of NDJSON files (Patient.ndjson, ...)"),
    trials: str = typer.Option(..., "--trials", "-t", help="a `critparse batch` output folder"),
    out: str = typer.Option(..., "--out", "-o", help="output folder"),
    fmt: str = typer.Option("parquet", "--format", "-f", help="parquet | jsonl | duckdb"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="date (YYYY-MM-DD) ages and time windows are "
                                                               "computed at (default today)"),
    top: Optional[int] = typer.Option(None, "--top", help="keep the N best-ranked trials per patient"),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace a previous `critparse match` output in OUT"),
) -> None:
    """Screen every patient against every trial, set-wise: one row per patient and trial with the verdict,
    per-cohort verdicts, the criteria that rule the patient out and the missing data, ranked per patient
    (eligible first, then the fewest missing items).

    Example: critparse match fhir_export/ --trials batch_out/ --out matches/ ; then
    MATCHES/matches/part-0.parquet (or matches.jsonl, critparse.duckdb), patients, errors, _manifest.json.
    Exit status: 0 done (unreadable patients are rows of `errors`); 2 bad arguments or input."""
    from ..errors import CritparseError
    from ..fhir_patient import as_of_date
    from ..matching.run import FORMATS, run_match

    if fmt not in FORMATS:
        raise fail(f"unknown --format {fmt!r}: use {', '.join(FORMATS)}")
    if top is not None and top < 1:
        raise fail("--top must be at least 1")
    try:
        day = as_of_date(as_of)
        summary = run_match(patients, trials, out, fmt=fmt, as_of=day, top=top, overwrite=overwrite)
    except (CritparseError, FileExistsError, FileNotFoundError, NotADirectoryError) as e:
        raise fail(str(e))
    console = make_console()
    console.print(f"[bold]{summary.patients}[/bold] patients x [bold]{summary.trials}[/bold] trials -> "
                  f"{summary.rows:,} rows in {out} ({fmt}); as of {day.isoformat()}")
    for verdict in ("eligible", "undetermined", "ineligible"):
        console.print(f"  {verdict}: {summary.verdicts.get(verdict, 0):,}")
    if summary.patient_errors:
        console.print(f"  [yellow]{summary.patient_errors} patients could not be read (see the errors table)[/]")
    console.print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in summary.seconds.items()))
