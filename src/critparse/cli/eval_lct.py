"""``critparse eval lct [PATH]``: threshold extraction and subject attachment scored against LCT."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from .app import app, eval_app  # noqa: F401
from .app import fail


@eval_app.command("lct")
def eval_lct(
    path: Optional[Path] = typer.Argument(
        None, help="LCT tar.gz or unpacked folder (default: <corpora>/lct/original/lct_trainval.tar.gz)"),
    limit: Optional[int] = typer.Option(None, "--limit", help="score only the first N documents"),
    mode: str = typer.Option("fast", "--mode", help="parse mode: fast (rule layers) or full (rules + trained NER)"),
    as_json: bool = typer.Option(False, "--json", help="print the scores as JSON instead of tables"),
    errors: Optional[Path] = typer.Option(
        None, "--errors", help="write misses, spurious bounds and wrong attachments with their text to FILE (TSV)"),
) -> None:
    """Precision / recall / F1 of (value, op, unit) bounds of critparse's constraints against LCT
    Eq-Comparison events, the accuracy of their subject attachment against the entities LCT's events
    tie them to, and the most frequent error classes (matching rules: critparse.evaluate.lct)."""
    from ..config import corpora_dir
    from ..evaluate.lct import MODES, evaluate
    from ..evaluate.lct_errors import render, write_errors

    if path is None:
        path = corpora_dir() / "lct" / "original" / "lct_trainval.tar.gz"
    if not path.exists():
        raise fail(f"{path}: no such file or folder")
    if limit is not None and limit < 1:
        raise fail(f"--limit must be a positive number, not {limit}")
    if mode not in MODES:
        raise fail(f"--mode must be one of {', '.join(MODES)}, not {mode!r}")
    try:
        scores = evaluate(path, limit=limit, mode=mode)
    except Exception as e:  # unreadable archive: one line, non-zero exit
        raise fail(f"{path}: {e}")
    if as_json:
        typer.echo(json.dumps(scores.as_dict(), indent=1))
    else:
        from rich.console import Console

        console = Console(width=max(Console().width, 120))
        for table in render(scores, title=f"LCT comparisons: {path.name}"):
            console.print(table)
    if errors is not None:
        try:
            n = write_errors(scores, errors)
        except OSError as e:
            raise fail(f"{errors}: {e.strerror or e}")
        typer.echo(f"{n} error rows written to {errors}", err=True)
