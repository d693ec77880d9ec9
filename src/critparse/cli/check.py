"""`critparse check INPUT...` and `critparse check --corpus`: consistency findings."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .app import app, fail, json_text
from .trial_io import load_trial


@app.command("check")
def check_cmd(
    paths: Optional[List[str]] = typer.Argument(None, help="`critparse parse` JSON or criteria text files"),
    corpus: bool = typer.Option(False, "--corpus", help="count findings over the 6,786 legacy XML records"),
    corpus_file: Optional[Path] = typer.Option(None, "--corpus-file", help="derived eligibility.jsonl(.gz) to use"),
    limit: Optional[int] = typer.Option(None, "--limit", help="corpus mode: first N records only"),
    mode: str = typer.Option("fast", "--mode", help="full | fast (parsing text input and the corpus)"),
    sex: Optional[str] = typer.Option(None, "--sex", help="structured sex field for text input: all | female | male"),
    minimum_age: Optional[str] = typer.Option(None, "--minimum-age", help='structured field, e.g. "18 Years"'),
    maximum_age: Optional[str] = typer.Option(None, "--maximum-age", help='structured field, e.g. "75 Years"'),
    fmt: str = typer.Option("text", "--format", "-f", help="text | json"),
) -> None:
    """Report contradictions, redundancies and gaps between inclusion and exclusion bounds, and text vs structured
    age / sex fields. Exit status 1 when a file has findings."""
    from ..checks import check, count_findings

    if fmt not in ("text", "json"):
        raise fail(f"unknown --format {fmt!r}: use text or json")
    if corpus:
        if corpus_file is not None and not corpus_file.exists():
            raise fail(f"cannot read {corpus_file}: no such file")
        try:
            from ..corpora import xml_records
            from ..parser import parse_many

            res = count_findings(parse_many(xml_records(corpus_file, limit), mode=mode))
        except FileNotFoundError as e:
            raise fail(f"corpus not found: {e.filename} (set CRITPARSE_CORPORA)")
        if fmt == "json":
            typer.echo(json_text(res, indent=2))
        else:
            typer.echo(f"{res['records']} records, {res['records_with_findings']} with findings")
            for k, v in res["counts"].items():
                typer.echo(f"  {k:<24} {v:>6} findings in {res['records_by_kind'].get(k, '-')} records")
        return
    if not paths:
        raise fail("give INPUT files, or --corpus")
    any_findings = False
    out = []
    for p in paths:
        parsed = load_trial(p, None, mode)
        if sex or minimum_age or maximum_age:
            parsed.info.sex = sex or parsed.info.sex
            parsed.info.minimum_age = minimum_age or parsed.info.minimum_age
            parsed.info.maximum_age = maximum_age or parsed.info.maximum_age
        findings = check(parsed)
        any_findings = any_findings or bool(findings)
        if fmt == "json":
            out.append({"input": p, "trial_id": parsed.trial_id, "findings": [f.to_dict() for f in findings]})
            continue
        typer.echo(f"{p}: {len(findings)} finding(s)")
        for f in findings:
            tag = f.kind + (f" ({f.detail})" if f.detail else "") + (f" [cohort {f.cohort}]" if f.cohort else "")
            typer.echo(f"  {tag}: {f.message}")
            for s in f.spans:
                where = f"{s.start}-{s.end}" if s.start is not None else "structured"
                typer.echo(f"      {s.criterion or ''} {where}: {s.text[:100]}")
    if fmt == "json":
        typer.echo(json_text(out if len(out) != 1 else out[0], indent=2))
    if any_findings:
        raise typer.Exit(1)
