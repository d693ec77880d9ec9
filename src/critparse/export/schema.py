"""JSON Schema (draft 2020-12) of the parse result, generated from the typed
records in `critparse.records` by walking their dataclass fields and types.

    >>> from critparse.export.schema import json_schema, shipped_schema, validate
    >>> validate(parsed.to_dict())       # raises jsonschema.ValidationError if it does not conform

The shipped copy lives in the package (`critparse/resources/critparse.schema.json`);
regenerate it after changing the records with

    python -m critparse.export.schema        # or: critparse export --to schema --write

and a test checks that the shipped file equals the generated one. Field
descriptions come from the comments beside the fields in records.py.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
import sys
import typing
from importlib import resources as _res
from pathlib import Path
from typing import Any, Dict, Optional

from .. import records
from ..records import OPS, KINDS, LOGICS, ROLES, SCHEMA_VERSION, ParsedTrial

SCHEMA_FILE = "critparse.schema.json"
SCHEMA_ID = f"https://github.com/critparse/critparse/schema/{SCHEMA_VERSION}/parsed-trial.json"

#: closed vocabularies of some fields: (record, field) -> allowed values
ENUMS: Dict[tuple, tuple] = {
    ("Criterion", "kind"): KINDS,
    ("Criterion", "logic"): LOGICS,
    ("Criterion", "role"): ROLES,
    ("Constraint", "kind"): KINDS,
    ("Constraint", "op"): OPS,
    ("Constraint", "relative_to"): ("ULN", "LLN"),
}
_NONNEG = {"start", "end", "depth"}

_TEXT_PIECE = {
    "type": "object",
    "description": "A piece of the criterion that no constraint tests (decided by patient answers or conditions); "
                   "start/end index the original text.",
    "properties": {"text": {"type": "string"}, "start": {"type": "integer", "minimum": 0},
                   "end": {"type": "integer", "minimum": 0}},
    "required": ["text", "start", "end"], "additionalProperties": False,
}
_E = {"$ref": "#/$defs/Expression"}

#: the per-criterion expression (`critparse.expression`): one of these node shapes, nested
EXPRESSION_SCHEMA: Dict[str, Any] = {
    "description": "How one criterion's constraints and text pieces combine (the criterion's CONDITION: an "
                   "exclusion applies where it holds, an inclusion must hold). A `when` guard that does not hold, "
                   "or an `unless` exception that holds, never rules the patient out.",
    "oneOf": [
        {"type": "object", "description": "every part holds", "properties": {"all": {"type": "array", "items": _E,
         "minItems": 2}}, "required": ["all"], "additionalProperties": False},
        {"type": "object", "description": "at least one part holds (alternatives)", "properties": {
            "any": {"type": "array", "items": _E, "minItems": 2}}, "required": ["any"], "additionalProperties": False},
        {"type": "object", "description": "the part does not hold ('not well controlled (<definition of controlled>)')",
         "properties": {"not": _E}, "required": ["not"], "additionalProperties": False},
        {"type": "object", "description": "one constraint: its `Constraint.id`",
         "properties": {"constraint": {"type": "string"}}, "required": ["constraint"], "additionalProperties": False},
        _TEXT_PIECE,
        {"type": "object", "description": "a guard ('if ...', 'for patients aged >= 65: ...', 'women of childbearing "
                                          "potential must ...'): `then` applies only where `when` holds",
         "properties": {"when": _E, "then": _E}, "required": ["when", "then"], "additionalProperties": False},
        {"type": "object", "description": "exceptions ('excluding ...', 'except ...', 'unless ...', '... are allowed "
                                          "if ...'): where one holds, `rule` does not count against the patient",
         "properties": {"rule": _E, "unless": {"type": "array", "items": _E, "minItems": 1}},
         "required": ["rule", "unless"], "additionalProperties": False},
        {"type": "object", "description": "a defined term ('uncontrolled hypertension (defined as SBP > 150 or DBP > "
                                          "100)'): the definition is what is tested",
         "properties": {"term": {"$ref": "#/$defs/TextPiece"}, "definition": _E},
         "required": ["term", "definition"], "additionalProperties": False},
    ],
}

#: fields whose schema is written here rather than read from their Python type
FIELD_SCHEMAS: Dict[tuple, Dict[str, Any]] = {
    ("Criterion", "expression"): {"anyOf": [_E, {"type": "null"}]},
}


def _comments(cls: type) -> Dict[str, str]:
    """field name -> the comment written beside it in the class body."""
    try:
        src = inspect.getsource(cls)
    except (OSError, TypeError):  # pragma: no cover
        return {}
    out = {}
    for m in re.finditer(r"^\s+(\w+):[^#\n]*#\s*(.+)$", src, re.M):
        out[m.group(1)] = m.group(2).strip()
    return out


def _type_schema(tp: Any, defs: Dict[str, Any]) -> Dict[str, Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union:
        non_none = [a for a in args if a is not type(None)]
        inner = [_type_schema(a, defs) for a in non_none]
        if len(inner) == 1 and "type" in inner[0] and type(None) in args:
            s = dict(inner[0])
            s["type"] = [s["type"], "null"] if isinstance(s["type"], str) else list(s["type"]) + ["null"]
            return s
        alts = inner + ([{"type": "null"}] if type(None) in args else [])
        return {"anyOf": alts}
    if origin in (list, typing.List, tuple):
        return {"type": "array", "items": _type_schema(args[0], defs) if args else {}}
    if origin in (dict, typing.Dict):
        return {"type": "object", "additionalProperties": _type_schema(args[1], defs) if len(args) == 2 else {}}
    if dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            defs[name] = _dataclass_schema(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is Any:
        return {}
    raise TypeError(f"no JSON Schema for type {tp!r}")


def _dataclass_schema(cls: type, defs: Dict[str, Any]) -> Dict[str, Any]:
    hints = typing.get_type_hints(cls, vars(records))
    notes = _comments(cls)
    props: Dict[str, Any] = {}
    required = []
    for f in dataclasses.fields(cls):
        s = FIELD_SCHEMAS.get((cls.__name__, f.name)) or _type_schema(hints[f.name], defs)
        if (cls.__name__, f.name) in FIELD_SCHEMAS:
            defs.setdefault("Expression", EXPRESSION_SCHEMA)
            defs.setdefault("TextPiece", _TEXT_PIECE)
        enum = ENUMS.get((cls.__name__, f.name))
        if enum is not None:
            s = dict(s)
            s["enum"] = list(enum) + ([None] if "null" in (s.get("type") or []) else [])
        if f.name in _NONNEG and s.get("type") == "integer":
            s = dict(s, minimum=0)
        if f.name in notes:
            s = dict(s, description=notes[f.name])
        props[f.name] = s
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
    doc = (inspect.getdoc(cls) or "").split("\n")[0]
    out: Dict[str, Any] = {"type": "object", "properties": props, "required": required,
                           "additionalProperties": False}
    if doc and not doc.startswith(cls.__name__ + "("):
        out = {"description": doc, **out}
    return out


def json_schema() -> Dict[str, Any]:
    """The JSON Schema of `ParsedTrial.to_dict()` / `critparse parse` JSON output."""
    defs: Dict[str, Any] = {}
    root = _dataclass_schema(ParsedTrial, defs)
    root["properties"]["schema_version"] = dict(root["properties"]["schema_version"], const=SCHEMA_VERSION)
    root["required"] = sorted(set(root["required"]) | {"schema_version", "criteria", "constraints", "entities"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "critparse parse result",
        "description": "One trial's eligibility criteria parsed by critparse: the criteria tree, typed "
                       "entities and testable constraints, with offsets into the original text. "
                       "Generated from critparse.records; do not edit by hand.",
        "schema_version": SCHEMA_VERSION,
        "source": "generated from the dataclasses in critparse/records.py by critparse.export.schema",
        **{k: v for k, v in root.items() if k != "description"},
        "$defs": dict(sorted(defs.items())),
    }


def dumps(schema: Optional[Dict[str, Any]] = None) -> str:
    return json.dumps(schema or json_schema(), indent=2, ensure_ascii=False) + "\n"


def shipped_path() -> Path:
    return Path(str(_res.files("critparse") / "resources" / SCHEMA_FILE))


def shipped_schema() -> Dict[str, Any]:
    """The schema file shipped in the package."""
    return json.loads((_res.files("critparse") / "resources" / SCHEMA_FILE).read_text(encoding="utf-8"))


def write_schema(path: Optional[Path] = None) -> Path:
    """(Re)generate the shipped schema file (or write it to `path`)."""
    p = Path(path) if path else shipped_path()
    p.write_text(dumps(), encoding="utf-8")
    return p


def validate(doc: Dict[str, Any], schema: Optional[Dict[str, Any]] = None) -> None:
    """Validate a parse result dict; raises `jsonschema.ValidationError` where it does not conform."""
    import jsonschema

    jsonschema.validate(doc, schema or shipped_schema(), cls=jsonschema.Draft202012Validator)


if __name__ == "__main__":  # python -m critparse.export.schema [PATH]
    print(write_schema(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
