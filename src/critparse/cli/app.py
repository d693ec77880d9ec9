"""The typer application; command modules register on it."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="critparse",
    help="Parse clinical-trial eligibility criteria into criteria trees, entities and testable constraints.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
eval_app = typer.Typer(help="Score critparse against annotated corpora.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


def fail(message: str, code: int = 2) -> "typer.Exit":
    """Print a one-line error to stderr and return the Exit to raise."""
    typer.echo(f"critparse: error: {message}", err=True)
    return typer.Exit(code)
