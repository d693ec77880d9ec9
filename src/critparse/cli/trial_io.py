"""Reading the CLI's trial inputs: criteria text, `critparse parse` JSON, API v2 study JSON.

Every failure is a one-line error exit (`fail`), never a traceback."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

from .app import fail


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


def json_object(text: str):
    """The JSON object `text` holds, or None (criteria text)."""
    if not text.lstrip().startswith("{"):
        return None
    try:
        d = json.loads(text)
    except ValueError:
        return None
    return d if isinstance(d, dict) else None


def load_trial(path: str, trial_id: Optional[str] = None, mode: str = "full"):
    """A ParsedTrial from `critparse parse` JSON output (validated against the package's JSON
    Schema), from an API v2 study JSON (its eligibility module is parsed), or by parsing a
    criteria text file ('-' = stdin). Bad input is a one-line error."""
    from ..inputs import InputValidationError, validate_trial

    text = read_text_arg(path)
    if text.lstrip().startswith("{"):
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise fail(f"cannot read {path}: invalid JSON ({e.msg} at line {e.lineno})")
        if isinstance(d, dict) and "protocolSection" in d:
            tid, criteria, info = study_criteria(d, path)
            return parse_text(criteria, trial_id or tid, mode, info)
        if not isinstance(d, dict) or "criteria" not in d or "text" not in d:
            raise fail(f"{path} is JSON but neither a critparse parse result (no 'criteria'/'text') "
                       "nor a ClinicalTrials.gov study (no 'protocolSection')")
        try:
            parsed = validate_trial(d, where=path)
        except InputValidationError as e:
            raise fail(str(e))
        if trial_id:
            parsed.trial_id = trial_id
        return parsed
    tid = trial_id or (Path(path).name.split(".")[0] if path != "-" else None)
    return parse_text(text, tid, mode)


def study_criteria(study: dict, path: str):
    """(nctId, criteria text, TrialInfo) of one API v2 study object, or a one-line error exit."""
    from ..batch.readers import from_v2_study

    rec = from_v2_study(study, path)
    if rec.error:
        raise fail(f"{path}: {rec.error}")
    if not (rec.text or "").strip():
        raise fail(f"{path}: the study {rec.trial_id} has no eligibility criteria text "
                   "(protocolSection.eligibilityModule.eligibilityCriteria)")
    return rec.trial_id, rec.text, rec.info


def parse_text(text: str, trial_id: Optional[str], mode: str, info=None):
    """`critparse.parse` with one-line errors (bad --mode, no trained model for full mode)."""
    from ..errors import CritparseError
    from ..parser import parse

    if mode not in ("full", "fast"):
        raise fail(f"unknown --mode {mode!r}: use full or fast")
    try:
        return parse(text, trial_id=trial_id, mode=mode, info=info)
    except CritparseError as e:
        raise fail(str(e))
