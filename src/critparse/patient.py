"""A patient record as screening and the JSON Logic export read it.

Patient keys (a plain dict; see `critparse.screening` for the full description):
``age``, ``sex``, ``labs`` ({name: {"value", "unit"}} or {name: value}),
other top-level numbers (``"ecog": 1``), ``conditions`` (strings) and
``answers`` ({criterion id: true|false}).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Optional

from .logic import canonical_subject, ucum


class Patient:
    """A patient dict, with lab names resolved to subjects and units to UCUM."""

    def __init__(self, d: Dict[str, Any]) -> None:
        if not isinstance(d, dict):
            raise TypeError(f"patient must be a dict, got {type(d).__name__}")
        self.raw = d
        self.sex = (str(d["sex"]).strip().lower() if d.get("sex") else None)
        self.conditions = [str(c) for c in (d.get("conditions") or [])]
        self.answers = {str(k): bool(v) for k, v in (d.get("answers") or {}).items()}
        self.values: Dict[str, Dict[str, Any]] = {}
        if d.get("age") is not None:
            self.values["age"] = self._value(d["age"], default_unit="a")
        for k, v in (d.get("labs") or {}).items():
            self.values[canonical_subject(k)] = self._value(v)
        for k, v in d.items():
            if k in ("age", "sex", "labs", "conditions", "answers", "id", "name"):
                continue
            if isinstance(v, (int, float, dict)) and not isinstance(v, bool):
                self.values.setdefault(canonical_subject(k), self._value(v))

    @staticmethod
    def _value(v: Any, default_unit: Optional[str] = None) -> Dict[str, Any]:
        if isinstance(v, dict):
            out = dict(v)
            out["unit"] = ucum(out.get("unit")) if out.get("unit") is not None else default_unit
            return out
        return {"value": v, "unit": default_unit}

    def has_condition(self, label: str) -> bool:
        pat = word_pattern(label)
        return any(pat.search(c) or word_pattern(c).search(label) for c in self.conditions)


def word_pattern(s: str) -> "re.Pattern[str]":
    return re.compile(r"(?<![\w-])" + re.escape(s.strip()) + r"(?![\w-])", re.I)
