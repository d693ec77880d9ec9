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


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"critparse {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="print the version and exit")) -> None:
    """Parse clinical-trial eligibility criteria into criteria trees, entities and testable constraints."""


def console():
    """A rich Console for stdout: the terminal's width on a terminal; when piped or redirected, wide
    enough that table rows are never wrapped at 80 columns (long cells are cut by the table itself)."""
    from rich.console import Console

    c = Console()
    return c if c.is_terminal else Console(width=400, soft_wrap=False)


eval_app = typer.Typer(help="Score critparse against annotated corpora.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


def fail(message: str, code: int = 2) -> "typer.Exit":
    """Print a one-line error to stderr and return the Exit to raise."""
    typer.echo(f"critparse: error: {message}", err=True)
    return typer.Exit(code)


def json_text(doc, **kw) -> str:
    """JSON for output: NaN or Infinity (not JSON) is a one-line error, never written."""
    import json

    kw.setdefault("ensure_ascii", False)
    try:
        return json.dumps(doc, allow_nan=False, **kw)
    except ValueError as e:
        raise fail(f"the result holds a number JSON cannot write ({e}): please report the input")
