"""critparse: clinical-trial eligibility criteria to structured, testable data."""

from __future__ import annotations

from functools import wraps

from . import pipeline as _pipeline
from .parser import parse, parse_many, prepare
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


@wraps(_pipeline.load)
def load(mode: str = "full", model=None):
    nlp = _pipeline.load(mode, model)
    prepare()  # the rule resources too, so that the first parse does not pay for them
    return nlp


def screen(parsed, patient):
    """Screen a patient (dict) against a parsed trial: see `critparse.screen`."""
    from .screen import screen as _screen

    return _screen(parsed, patient)


__all__ = [
    "parse", "parse_many", "load", "screen", "ParsedTrial", "Criterion", "Constraint",
    "Entity", "Normalized", "TrialInfo", "SCHEMA_VERSION", "__version__",
]
