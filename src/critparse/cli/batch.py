"""`critparse batch INPUT --out DIR`: parse a whole registry dump into tables."""

from __future__ import annotations

from typing import Optional

import typer

from .app import app, eval_app, fail  # noqa: F401
from .app import console as make_console


@app.command("batch")
def batch_cmd(
    input_path: str = typer.Argument(..., help="file or folder: API v2 JSON/JSONL/zip, legacy XML folder/zip/tar.gz, AACT eligibilities.txt, CSV/Parquet"),
    out: str = typer.Option(..., "--out", "-o", help="output folder"),
    fmt: str = typer.Option("parquet", "--format", "-f", help="parquet | jsonl | duckdb"),
    mode: str = typer.Option("full", "--mode", help="full (rules + model) | fast (rules only)"),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="processes (default: all cores)"),
    chunk_size: int = typer.Option(200, "--chunk-size", help="studies per chunk"),
    resume: bool = typer.Option(False, "--resume", help="skip chunks an interrupted run already finished"),
    overwrite: bool = typer.Option(False, "--overwrite",
                                   help="replace another run's output in OUT (only files critparse wrote are removed)"),
    timeout: float = typer.Option(60.0, "--timeout", help="seconds one study may take to parse; then it is an "
                                                           "error row (stage timeout) and the run goes on; 0: no limit"),
    limit: Optional[int] = typer.Option(None, "--limit", help="stop after N studies"),
    engine: str = typer.Option("local", "--engine", help="local | dask"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address (default: a LocalCluster)"),
    id_column: str = typer.Option("nct_id", "--id-column", help="id column of CSV/Parquet input"),
    text_column: str = typer.Option("criteria", "--text-column", help="criteria text column of CSV/Parquet input"),
    no_checks: bool = typer.Option(False, "--no-checks", help="skip the consistency checks (findings table)"),
    compact: bool = typer.Option(True, "--compact/--no-compact",
                                 help="one sorted file per table (default), or keep one Parquet file per chunk"),
    keep_parts: bool = typer.Option(False, "--keep-parts", help="keep OUT/_parts (the per-chunk files) after the run"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
) -> None:
    """Parse every study of a registry dump into trials, criteria, entities, constraints, findings and errors tables.

    Example: critparse batch ctgov_xml.tar.gz --out out/ ; then OUT/<table>/part-0.parquet
    (or --format jsonl: OUT/<table>.jsonl; --format duckdb: OUT/critparse.duckdb) and
    OUT/_manifest.json.  Every input study is one row of `trials` (status ok, empty or
    error); `errors` says why.  Rerun a killed run with --resume.
    Exit status: 0 done (bad records are rows, not failures); 2 bad arguments, input or output
    folder (one line on stderr); 130 interrupted."""
    from pathlib import Path

    from rich.table import Table

    from ..batch.engine import run_batch
    from ..batch.outdir import OutputError
    from ..batch.readers import InputError

    if scheduler and engine == "local":  # an address means the Dask engine
        engine = "dask"
    if not Path(input_path).exists():
        raise fail(f"cannot read {input_path}: no such file or folder")
    try:
        s = run_batch(input_path, out, fmt=fmt, mode=mode, workers=workers, chunk_size=chunk_size, resume=resume,
                      limit=limit, engine=engine, scheduler=scheduler, progress=not quiet,
                      id_column=id_column, text_column=text_column, checks=not no_checks,
                      compact=compact, keep_parts=keep_parts, overwrite=overwrite, timeout=timeout or None)
    except (InputError, OutputError, ValueError) as e:
        raise fail(str(e))
    except OSError as e:  # a read-only folder, a full disk
        raise fail(f"{e.filename or out}: {e.strerror or e}" if e.strerror else str(e))
    except KeyboardInterrupt:
        raise fail(f"interrupted; the finished chunks are kept in {Path(out).as_posix()}/_parts: "
                   "run the same command with --resume to go on", code=130)
    except Exception as e:
        if type(e).__module__.lstrip("_").split(".")[0] != "duckdb":  # duckdb.IOException and kin
            raise
        raise fail(f"writing the tables in {out} failed: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
    if s.read == 0:
        typer.echo(f"critparse: warning: no studies found in {input_path}", err=True)
    console = make_console()
    t = Table(title=f"critparse batch ({mode} mode)", show_header=False)
    t.add_column(no_wrap=True)
    t.add_column(overflow="fold")
    t.add_row("input", str(input_path))
    t.add_row("studies read", f"{s.read:,}")
    t.add_row("parsed", f"{s.parsed:,}")
    t.add_row("without criteria", f"{s.empty:,}")
    t.add_row("failed", f"{s.failed:,}")
    t.add_row("criteria", f"{s.criteria:,}")
    t.add_row("constraints", f"{s.constraints:,}")
    t.add_row("entities", f"{s.entities:,}")
    t.add_row("consistency findings", f"{s.findings:,}")
    if s.skipped_chunks:
        t.add_row("chunks resumed", f"{s.skipped_chunks:,} of {s.chunks:,} ({s.resumed_records:,} studies not parsed again)")
    if s.duplicate_ids:
        t.add_row("duplicate trial ids", f"{s.duplicate_ids:,} (the same study in more than one file)")
    if s.notes:
        t.add_row("notes", ", ".join(s.notes[:3]) + (f", ... ({len(s.notes)} in all)" if len(s.notes) > 3 else ""))
    if s.skipped_files:
        shown = ", ".join(s.skipped_files[:3]) + (f", ... ({len(s.skipped_files)} in all)" if len(s.skipped_files) > 3 else "")
        t.add_row("files skipped", shown)
    t.add_row("time", f"{s.seconds:,.1f} s ({s.studies_per_s:,.1f} studies/s)")
    t.add_row("output", f"{Path(out).as_posix()}/ ({fmt} tables, _manifest.json)")
    console.print(t)
