"""``critparse eval chia PATH``: entity scores on any BRAT folder or zip in the Chia layout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from .app import app, eval_app, fail  # noqa: F401


@eval_app.command("chia")
def eval_chia(
    path: Path = typer.Argument(..., help="BRAT folder or zip in the Chia layout (NCTxxxxxxxx_inc.txt/.ann ...)"),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="spaCy pipeline directory (default: the shipped model)"),
    mode: str = typer.Option("full", help="full (model + rules) | fast (rules only)"),
    split: str = typer.Option("all", help="all | dev | train (dev/train: critparse's split by trial id, for the shipped trainval corpus)"),
    no_rules: bool = typer.Option(False, "--no-rules", help="score the statistical model alone (no term ruler)"),
    as_json: bool = typer.Option(False, "--json", help="print the scores as JSON instead of a table"),
    limit: Optional[int] = typer.Option(None, help="score only the first N criterion lines"),
) -> None:
    """Strict (exact span + label) and lenient (overlap + label) micro and per-label P/R/F1,
    and the Has_value Measurement->Value link."""
    from ..evaluate.chia import evaluate, render
    from ..pipeline import load

    if not path.exists():
        raise fail(f"{path}: no such file or folder")
    if split not in ("all", "dev", "train"):
        raise fail(f"--split must be all, dev or train, not {split!r}")
    try:
        nlp = load(mode, model)
    except Exception as e:  # a missing model: one line, non-zero exit
        raise fail(str(e))
    if no_rules and "critparse_term_ruler" in nlp.pipe_names:
        nlp = nlp.select_pipes(disable=["critparse_term_ruler"]) and nlp
    try:
        scores = evaluate(path, nlp, split=split, limit=limit)
    finally:
        if no_rules and "critparse_term_ruler" in nlp.disabled:
            nlp.enable_pipe("critparse_term_ruler")
    if as_json:
        typer.echo(json.dumps(scores.as_dict(), indent=1))
        return
    from rich.console import Console

    Console(width=max(Console().width, 118)).print(render(scores, title=f"Chia entity scores: {path.name}"))
