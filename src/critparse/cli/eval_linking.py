"""``critparse eval linking [GOLD]``: concept codes scored against the hand-coded Chia dev set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from .app import app, eval_app  # noqa: F401
from .app import fail


@eval_app.command("linking")
def eval_linking(
    gold: Optional[Path] = typer.Argument(
        None, help="gold JSONL file or folder (default: corpora/gold/chia_linking_dev in the checkout)"),
    chia: Optional[Path] = typer.Option(
        None, "--chia", help="Chia BRAT zip for the coverage figure "
                             "(default: <corpora>/chia/original/chia_without_scope_trainval.zip; skipped if absent)"),
    lct: Optional[Path] = typer.Option(
        None, "--lct", help="LCT tar.gz or folder for the held-out coverage figure "
                            "(default: <corpora>/lct/original/lct_trainval.tar.gz; skipped if absent)"),
    no_coverage: bool = typer.Option(False, "--no-coverage", help="score the gold only (no full-mode parse)"),
    limit: Optional[int] = typer.Option(
        None, "--limit", help="coverage on the first N dev trial parts (and N LCT documents) only"),
    uncoded: int = typer.Option(0, "--uncoded", help="list the N most frequent uncoded held-out (LCT) mentions"),
    misses: bool = typer.Option(False, "--misses", help="list the gold mentions linked wrongly or not at all"),
    as_json: bool = typer.Option(False, "--json", help="print the scores as JSON"),
) -> None:
    """Right ICD-10-CM category first (conditions), right ingredient first (drugs), and the share of
    Condition and Drug entities that full mode codes on Chia dev text and, held out, on the LCT
    documents (critparse.evaluate.linking)."""
    from ..config import corpora_dir
    from ..evaluate.linking import GOLD_DIR, evaluate

    gold = gold or GOLD_DIR
    if not gold.exists():
        raise fail(f"{gold}: no such file or folder")
    if limit is not None and limit < 1:
        raise fail(f"--limit must be a positive number, not {limit}")
    if chia is None and not no_coverage:
        default = corpora_dir() / "chia" / "original" / "chia_without_scope_trainval.zip"
        chia = default if default.exists() else None
        if chia is None:
            typer.echo(f"coverage skipped: {default} not found", err=True)
    elif chia is not None and not chia.exists():
        raise fail(f"{chia}: no such file")
    if lct is None and not no_coverage:
        default = corpora_dir() / "lct" / "original" / "lct_trainval.tar.gz"
        lct = default if default.exists() else None
        if lct is None:
            typer.echo(f"held-out coverage skipped: {default} not found", err=True)
    elif lct is not None and not lct.exists():
        raise fail(f"{lct}: no such file or folder")
    try:
        scores = evaluate(gold, None if no_coverage else chia, limit, None if no_coverage else lct)
    except (OSError, ValueError, KeyError) as e:
        raise fail(f"{gold}: {e}")
    d = scores.as_dict()
    if as_json:
        typer.echo(json.dumps(d, indent=1))
    else:
        c, g = d["condition_category_first"], d["drug_ingredient_first"]
        typer.echo(f"conditions: right ICD-10-CM category first {c['right']}/{c['total']} = {c['accuracy']:.1%}")
        typer.echo(f"drugs:      right ingredient first        {g['right']}/{g['total']} = {g['accuracy']:.1%}")
        if "drug_class_first" in d:
            k = d["drug_class_first"]
            typer.echo(f"classes:    right ATC class first         {k['right']}/{k['total']} = {k['accuracy']:.1%}")
        if "coverage_full_mode" in d:
            cov = d["coverage_full_mode"]
            per = ", ".join(f"{k} {v:.1%}" for k, v in cov["per_label"].items())
            typer.echo(f"coverage:   Condition+Drug entities with codes (full mode, Chia dev) "
                       f"{sum(cov['coded'].values())}/{sum(cov['entities'].values())} = {cov['share']:.1%} ({per})")
        if "coverage_held_out_lct" in d:
            cov = d["coverage_held_out_lct"]
            per = ", ".join(f"{k} {v:.1%}" for k, v in cov["per_label"].items())
            typer.echo(f"held out:   Condition+Drug entities with codes (full mode, LCT) "
                       f"{sum(cov['coded'].values())}/{sum(cov['entities'].values())} = {cov['share']:.1%} ({per})")
    for (label, text), n in scores.uncoded.most_common(uncoded):
        typer.echo(f"uncoded\t{n}\t{label}\t{text!r}")
    if misses:
        for m in scores.misses:
            typer.echo(f"{m.id}\t{m.label}\t{m.mention!r}\texpected {'|'.join(m.expected)}\tgot {m.got}")
