"""Command-line interface: `critparse COMMAND ...` (thin typer commands over the library)."""

from __future__ import annotations

from . import batch, check, download, eval_chia, eval_lct, eval_linking, eval_registry, export, match, parse, screen, train  # noqa: F401
from .app import app


def main() -> None:  # console-script entry point
    app()
