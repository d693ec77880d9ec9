"""The registry's structured age fields: "18 Years", "6 Months", "N/A" (read by `critparse.logic.parse_age`)."""

from __future__ import annotations

from ..logic import parse_age

__all__ = ["parse_age"]
