"""Validation of what users hand to screening, the exporters and the checks: patients and trial JSON.

Patients are checked against a declared model (`PatientModel`, pydantic) and come back as a clean
plain dict that `critparse.patient.Patient` reads:

- a missing value is missing, never a number: NaN (a float, or the strings "NaN"/"") in an age, a
  lab or a top-level measurement drops it, so the criteria that need it are ``undetermined``;
- ``conditions: "HIV"`` is ``["HIV"]`` (not the letters H, I, V);
- ``answers`` values are true/false, or the words "true"/"false"/"yes"/"no" (``"false"`` is false);
- a wrong type (``age: true``, labs as a list or a string, answers as a list, conditions as a
  number, a unit as a number, ``uln: "x"``) raises `InputValidationError` naming the field.

Trial JSON (`critparse parse` output) is validated against the package's JSON Schema when it is
read: its ``schema_version`` must be one this version reads (`READABLE_VERSIONS`), every record
must have the declared types (``constraints: ["abc"]``, ``op: "~"``, a null or text ``value`` are
refused with the path of the bad field), and the criteria tree must be a tree (no parent cycles,
no parent that does not exist). Screening also needs at least one criterion: an empty trial is an
error, not ``eligible``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Dict, List, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError


from .errors import CritparseError
from .records import SCHEMA_VERSION

#: the schema versions of `critparse parse` output this version reads
READABLE_VERSIONS = tuple(dict.fromkeys(("1.0", "2.0", SCHEMA_VERSION)))

_MISSING_WORDS = frozenset({"nan", "", "na", "n/a", "null", "none"})


class InputValidationError(CritparseError):
    """A patient or trial document that does not have the declared shape; the message names the field."""


class NotAnObjectError(InputValidationError, TypeError):
    """A patient or trial that is not a JSON object at all (also a TypeError, as before validation)."""


# -- patients -------------------------------------------------------------------

def _number(v: Any) -> Optional[float]:
    if v is None:
        return v
    if isinstance(v, bool):
        raise ValueError("a number is needed, not true/false")
    if isinstance(v, (int, float)):
        if isinstance(v, float) and math.isnan(v):
            return math.nan  # missing: dropped after validation
        if not math.isfinite(v):
            raise ValueError(f"{v!r} is not a finite number")
        return v
    if isinstance(v, str):
        s = v.strip()
        if s.lower() in _MISSING_WORDS:
            return math.nan  # missing: dropped after validation
        try:
            x = float(s)
        except ValueError:
            raise ValueError(f"a number is needed, not the text {v[:40]!r}") from None
        return _number(x)
    raise ValueError(f"a number is needed, not {_kind(v)}")


def _text(v: Any) -> Optional[str]:
    if v is None or isinstance(v, str):
        return v
    raise ValueError(f"a string is needed, not {_kind(v)}")


def _strings(v: Any) -> Optional[List[str]]:
    if v is None:
        return None
    if isinstance(v, str):
        return [v]  # one condition, not its letters
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return v
    raise ValueError(f"a list of strings is needed, not {_kind(v)}")


_TRUE = frozenset({"true", "yes", "y", "t", "1"})
_FALSE = frozenset({"false", "no", "n", "f", "0"})


def _answer(v: Any) -> Optional[bool]:
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int) and v in (0, 1):
        return bool(v)
    if isinstance(v, str) and v.strip().lower() in _TRUE | _FALSE:
        return v.strip().lower() in _TRUE
    raise ValueError(f"true or false is needed, not {_kind(v)} {str(v)[:40]!r}")


def _kind(v: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", int: "a number",
            float: "a number", type(None): "null"}.get(type(v), type(v).__name__)


Number = Annotated[Optional[float], BeforeValidator(_number)]
Text = Annotated[Optional[str], BeforeValidator(_text)]


class Measurement(BaseModel):
    """A value with its unit: ``{"value": 150, "unit": "umol/L"}``; ``uln`` beside an absolute value."""

    model_config = ConfigDict(extra="allow")
    value: Number = None
    unit: Text = None
    uln: Number = None


def _measurement(v: Any) -> Any:
    if isinstance(v, dict):
        return v
    if isinstance(v, (list, tuple)):
        raise ValueError(f"a number or {{value, unit}} is needed, not {_kind(v)}")
    return {"value": _number(v)}


Value = Annotated[Measurement, BeforeValidator(_measurement)]


def _labs(v: Any) -> Any:
    if v is None or isinstance(v, dict):
        return v
    raise ValueError(f"an object {{name: {{value, unit}}}} is needed, not {_kind(v)}")


def _answers(v: Any) -> Any:
    if v is None or isinstance(v, dict):
        return v
    raise ValueError(f"an object {{criterion id: true|false}} is needed, not {_kind(v)}")


class PatientModel(BaseModel):
    """The declared shape of a patient (other top-level keys: numbers or measurements, e.g. ``ecog``)."""

    model_config = ConfigDict(extra="allow")
    age: Optional[Value] = None
    sex: Text = None
    labs: Annotated[Optional[Dict[str, Value]], BeforeValidator(_labs)] = None
    conditions: Annotated[Optional[List[str]], BeforeValidator(_strings)] = None
    answers: Annotated[Optional[Dict[str, Annotated[Optional[bool], BeforeValidator(_answer)]]],
                       BeforeValidator(_answers)] = None


_PLAIN_KEYS = ("id", "name")


def validate_patient(patient: Any) -> Dict[str, Any]:
    """A clean plain-dict copy of `patient`, or InputValidationError naming the bad field."""
    if not isinstance(patient, dict):
        raise NotAnObjectError(f"a patient is a JSON object, not {_kind(patient)}")
    try:
        m = PatientModel.model_validate(patient)
        extras = {k: _extra(k, v) for k, v in (m.model_extra or {}).items()}
    except ValidationError as e:
        raise InputValidationError(_pydantic_message(e, "patient")) from None
    out: Dict[str, Any] = {}
    if m.age is not None and _present(m.age.value):
        out["age"] = _plain(m.age)
    if m.sex is not None:
        out["sex"] = m.sex
    if m.labs is not None:
        out["labs"] = {k: _plain(v) for k, v in m.labs.items() if _present(v.value)}
    if m.conditions is not None:
        out["conditions"] = list(m.conditions)
    if m.answers is not None:
        out["answers"] = {k: v for k, v in m.answers.items() if v is not None}
    for k, v in extras.items():
        if v is not None:
            out[k] = v
    return out


def _extra(key: str, v: Any) -> Any:
    """A top-level key beside the declared ones: a measurement when it is a number or an object."""
    if key in _PLAIN_KEYS:
        return _plain_key(key, v)
    if key in _PLAIN_KEYS or isinstance(v, str) and not _looks_numeric(v) or isinstance(v, bool) or v is None:
        return v if key in _PLAIN_KEYS or isinstance(v, (str, bool)) else None
    try:
        m = Measurement.model_validate(_measurement(v))
    except ValueError as e:  # ValidationError is a ValueError
        if isinstance(e, ValidationError):
            raise InputValidationError(_pydantic_message(e, f"patient.{key}")) from None
        raise InputValidationError(f"patient.{key}: {e}") from None
    if not _present(m.value):
        return None
    return _plain(m) if isinstance(v, dict) else m.value


def _plain_key(key: str, v: Any) -> Any:
    """An identifier ("id", "name"): text or a whole number, kept as given; anything else is an error."""
    if v is None or isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)):
        return v
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        return int(v)
    raise InputValidationError(f"patient.{key}: an identifier is text or a whole number, not {_kind(v)} {v!r}"[:200])


def _looks_numeric(s: str) -> bool:
    return s.strip().lower() in _MISSING_WORDS or s.strip().replace(".", "", 1).lstrip("-").isdigit()


def _present(v: Optional[float]) -> bool:
    return v is not None and not math.isnan(v)


def _plain(m: Measurement) -> Dict[str, Any]:
    return {k: v for k, v in m.model_dump().items()
            if v is not None and not (isinstance(v, float) and math.isnan(v))}


def _pydantic_message(e: ValidationError, root: str) -> str:
    parts = []
    for err in e.errors()[:3]:
        loc = ".".join(str(x) for x in err["loc"] if not str(x).startswith(("function-", "nullable")))
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{root}.{loc}: {msg}" if loc else f"{root}: {msg}")
    return "; ".join(parts)


# -- trials ---------------------------------------------------------------------

def validate_trial_dict(doc: Any, *, where: str = "trial") -> Dict[str, Any]:
    """`doc` when it is a `critparse parse` result this version reads; else InputValidationError."""
    if not isinstance(doc, dict):
        raise NotAnObjectError(f"{where}: a parse result is a JSON object, not {_kind(doc)}")
    version = doc.get("schema_version", SCHEMA_VERSION)
    if version not in READABLE_VERSIONS:
        raise InputValidationError(f"{where}: schema_version {version!r} is not one this critparse reads "
                                   f"({', '.join(READABLE_VERSIONS)}): parse the criteria again with this version")
    _check_schema(doc, version, where)
    _check_tree(doc.get("criteria") or [], where)
    return doc


def validate_trial(parsed: Any, *, where: str = "trial", for_screening: bool = False):
    """A ParsedTrial from a dict or a ParsedTrial, checked (see the module doc)."""
    from .records import ParsedTrial

    if isinstance(parsed, ParsedTrial):  # typed already: the checks screening relies on, without the schema
        _check_records(parsed, where)
        _check_tree([{"id": c.id, "parent": c.parent} for c in parsed.criteria], where)
    else:
        parsed = ParsedTrial.from_dict(validate_trial_dict(parsed, where=where))
    if for_screening and not parsed.criteria:
        raise InputValidationError(f"{where} has no criteria: there is nothing to screen a patient against")
    return parsed


def screening_inputs(parsed: Any, patient: Any):
    """(ParsedTrial, clean patient dict) for `critparse.screen`, or InputValidationError."""
    return validate_trial(parsed, for_screening=True), validate_patient(patient)


_SCHEMAS: Dict[str, Any] = {}


def _schema_for(version: str) -> Dict[str, Any]:
    """The shipped schema; for an older readable version, the same types without the newer
    version's required fields, closed objects and const version."""
    if version not in _SCHEMAS:
        from .export.schema import shipped_schema

        schema = shipped_schema()
        if version != SCHEMA_VERSION:
            schema = _relaxed(schema)
        _SCHEMAS[version] = schema
    return _SCHEMAS[version]


def _relaxed(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _relaxed(v) for k, v in node.items()
                if k not in ("required", "additionalProperties", "const")}
    if isinstance(node, list):
        return [_relaxed(v) for v in node]
    return node


def _check_schema(doc: Dict[str, Any], version: str, where: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema_for(version))
    err = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if err is not None:
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path)
        raise InputValidationError(f"{where}{path}: {err.message[:200]}")


def _check_records(parsed: Any, where: str) -> None:
    """The constraint fields screening computes with: a known op, a finite number value."""
    from .records import OPS

    for i, c in enumerate(parsed.constraints):
        if not hasattr(c, "op") or not hasattr(c, "value"):
            raise InputValidationError(f"{where}.constraints[{i}]: {type(c).__name__} is not a Constraint")
        if c.op not in OPS:
            raise InputValidationError(f"{where}.constraints[{i}].op: {c.op!r} is not one of {list(OPS)}")
        v = c.value
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise InputValidationError(f"{where}.constraints[{i}].value: {v!r} is not a finite number")


def _check_tree(criteria: List[Dict[str, Any]], where: str) -> None:
    parent: Dict[str, Optional[str]] = {}
    for c in criteria:
        if c["id"] in parent:
            raise InputValidationError(f"{where}: criterion id {c['id']!r} appears twice")
        parent[c["id"]] = c.get("parent")
    for cid, p in parent.items():
        if p is not None and p not in parent:
            raise InputValidationError(f"{where}: criterion {cid!r} has parent {p!r}, which is not a criterion")
    for cid in parent:
        seen = {cid}
        p = parent[cid]
        while p is not None:
            if p in seen:
                raise InputValidationError(f"{where}: the parents of criterion {cid!r} form a cycle ({p!r})")
            seen.add(p)
            p = parent[p]


__all__ = ["InputValidationError", "PatientModel", "Measurement", "validate_patient", "validate_trial",
           "validate_trial_dict", "screening_inputs", "READABLE_VERSIONS"]
