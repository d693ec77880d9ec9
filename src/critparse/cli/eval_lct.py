"""``critparse eval lct [PATH]``: threshold extraction scored against LCT's comparison events."""

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
    as_json: bool = typer.Option(False, "--json", help="print the scores as JSON instead of a table"),
    errors: int = typer.Option(0, "--errors", help="also print the first N false negatives and positives (triple key)"),
) -> None:
    """Precision / recall / F1 of (value, op, unit) bounds from critparse.constraints.extract against
    LCT Eq-Comparison events (matching rules: critparse.evaluate.lct)."""
    from ..config import corpora_dir
    from ..evaluate.lct import evaluate, iter_documents, render

    if path is None:
        path = corpora_dir() / "lct" / "original" / "lct_trainval.tar.gz"
    if not path.exists():
        raise fail(f"{path}: no such file or folder")
    if limit is not None and limit < 1:
        raise fail(f"--limit must be a positive number, not {limit}")
    try:
        scores = evaluate(path, limit=limit)
    except Exception as e:  # unreadable archive: one line, non-zero exit
        raise fail(f"{path}: {e}")
    if as_json:
        typer.echo(json.dumps(scores.as_dict(), indent=1))
    else:
        from rich.console import Console

        Console(width=max(Console().width, 100)).print(render(scores, title=f"LCT comparisons: {path.name}"))
    if errors:
        texts = {n: t for n, t, _ in iter_documents(path)} if errors else {}
        for doc, kind, (s, e, v, op, u) in scores.errors[:errors]:
            t = texts.get(doc, "")
            typer.echo(f"{kind}\t{doc}\t{v}\t{op}\t{u}\t{t[max(0, s - 30):s]}[[{t[s:e]}]]{t[e:e + 20]}".replace("\n", " "))
