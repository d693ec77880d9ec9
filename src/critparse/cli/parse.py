"""`critparse parse FILE|-`: parse one trial's criteria text."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from .app import app, fail


def read_text_arg(path: str) -> str:
    """Text of a file argument ('-' for stdin), or a one-line error exit."""
    if path == "-":
        return sys.stdin.read()
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail(f"cannot read {path}: no such file")
    except IsADirectoryError:
        raise fail(f"cannot read {path}: it is a directory (use `critparse batch` for folders)")
    except UnicodeDecodeError as e:
        raise fail(f"cannot read {path}: not UTF-8 text ({e.reason} at byte {e.start})")
    except OSError as e:
        raise fail(f"cannot read {path}: {e.strerror or e}")


@app.command("parse")
def parse_cmd(
    path: str = typer.Argument(..., help="criteria text file, or - for standard input"),
    trial_id: Optional[str] = typer.Option(None, "--trial-id", help="trial id to carry in the output"),
    fmt: str = typer.Option("json", "--format", "-f", help="json | table | jsonl"),
    mode: str = typer.Option("full", "--mode", help="full (rules + model) | fast (rules only)"),
) -> None:
    """Parse one trial's eligibility criteria; JSON to stdout by default."""
    from ..parser import parse

    if fmt not in ("json", "table", "jsonl"):
        raise fail(f"unknown --format {fmt!r}: use json, table or jsonl")
    if mode not in ("full", "fast"):
        raise fail(f"unknown --mode {mode!r}: use full or fast")
    text = read_text_arg(path)
    parsed = parse(text, trial_id=trial_id, mode=mode)
    if fmt == "json":
        typer.echo(parsed.to_json(indent=2))
    elif fmt == "jsonl":
        typer.echo(parsed.to_json())
    else:
        print_tables(parsed)


def print_tables(parsed) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.tree import Tree

    console = Console()
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
