"""critparse: clinical-trial eligibility criteria to structured, testable data."""

from __future__ import annotations

from functools import wraps

# the exporters and the checks register ParsedTrial's methods (to_frames, to_jsonlogic, to_fhir,
# to_sql_rows, check) with `records.provide` when imported: records itself imports nothing above it
from . import checks as _checks  # noqa: F401
from . import pipeline as _pipeline
from .export import fhir as _fhir  # noqa: F401
from .export import frames as _frames  # noqa: F401
from .export import jsonlogic as _jsonlogic  # noqa: F401
from .linking import link
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
from .screening import screen

__version__ = "0.1.0"


@wraps(_pipeline.load)
def load(mode: str = "full", model=None):
    nlp = _pipeline.load(mode, model)
    # the rule resources too, so that the first parse does not pay for them; pint's unit registry waits
    # for the first conversion that needs it (most trials need none: a faster cold start)
    prepare(mode, units=False)
    return nlp


__all__ = [
    "parse", "parse_many", "load", "screen", "link", "ParsedTrial", "Criterion", "Constraint",
    "Entity", "Normalized", "TrialInfo", "SCHEMA_VERSION", "__version__",
]
