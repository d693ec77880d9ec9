"""critparse eval_chia command(s)."""

from .app import app, eval_app  # noqa: F401
