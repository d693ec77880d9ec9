"""critparse: clinical-trial eligibility criteria to structured, testable data."""

from __future__ import annotations

from .parser import parse, parse_many
from .pipeline import load
from .records import (
    SCHEMA_VERSION,
    Constraint,
    Criterion,
    Entity,
    Normalized,
    ParsedTrial,
    TrialInfo,
)

__version__ = "0.1.0"


def screen(parsed, patient):
    """Screen a patient (dict) against a parsed trial: see `critparse.screen`."""
    from .screen import screen as _screen

    return _screen(parsed, patient)


__all__ = [
    "parse", "parse_many", "load", "screen", "ParsedTrial", "Criterion", "Constraint",
    "Entity", "Normalized", "TrialInfo", "SCHEMA_VERSION", "__version__",
]
