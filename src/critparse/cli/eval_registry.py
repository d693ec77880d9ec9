"""``critparse eval registry GOLD``: constraints scored against a hand-made registry gold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from .app import eval_app, fail


@eval_app.command("registry")
def eval_registry(
    gold: Path = typer.Argument(..., help="folder of per-study gold JSONL files, or one JSONL file"),
    records: Optional[Path] = typer.Option(
        None, "--records", help="API v2 JSON file or folder with the study texts (default: <corpora>/ctgov_v2_json_sample)"),
    mode: str = typer.Option("fast", "--mode", help="fast (rule layers) or full (with the NER model)"),
    as_json: bool = typer.Option(False, "--json", help="print the scores as JSON instead of tables"),
    errors: Optional[Path] = typer.Option(None, "--errors", help="write every miss and spurious item (JSONL) to this file"),
) -> None:
    """P/R/F1 of (a) value+op+unit+section and (b) the same plus subject, with and without borderline
    items, and misses / spurious items by error class (rules: critparse.evaluate.registry)."""
    from ..config import corpora_dir
    from ..evaluate.registry import describe, evaluate, render

    if mode not in ("fast", "full"):
        raise fail(f"--mode must be fast or full, not {mode!r}")
    records = records or corpora_dir() / "ctgov_v2_json_sample"
    for p in (gold, records):
        if not p.exists():
            raise fail(f"{p}: no such file or folder")
    try:
        scores, missing = evaluate(gold, records, mode=mode)
    except (ValueError, KeyError) as e:  # unreadable gold or records: one line, non-zero exit
        raise fail(f"{gold}: {e}")
    if missing:
        typer.echo(f"critparse: warning: {len(missing)} gold studies have no text in {records}: "
                   f"{', '.join(missing[:5])}", err=True)
    if scores.offset_errors:
        g = scores.offset_errors[0]
        typer.echo(f"critparse: warning: {len(scores.offset_errors)} gold items whose quote is not the text at their "
                   f"offsets, e.g. {g.nct_id} {g.start}-{g.end} {g.quote!r}", err=True)
    if errors:
        with errors.open("w", encoding="utf-8") as fh:
            for row in scores.errors:
                fh.write(json.dumps({**row.as_dict(), "line": describe(row)}, ensure_ascii=False) + "\n")
    if as_json:
        typer.echo(json.dumps({**scores.as_dict(), "mode": mode, "missing_texts": missing}, indent=1))
    else:
        from rich.console import Console

        Console(width=max(Console().width, 140)).print(render(scores, title=f"registry gold: {gold.name} ({mode})"))
