"""critparse check command(s)."""

from .app import app, eval_app  # noqa: F401
