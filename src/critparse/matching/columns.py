"""Patients as columns: every patient value, condition and answer as numpy arrays over the patients.

`PatientColumns` is what the set-wise evaluator (`critparse.matching.evaluate`) tests constraints
against: one array per patient variable (value, unit, ULN, LLN), converted once per threshold unit
and shared by every constraint that asks for it, and a patient x condition incidence matrix for
condition names in criterion text and cohort labels. The readings are those of
`critparse.patient.Patient` (the same canonical subjects and UCUM units), so that a comparison
here gives the status `critparse.screening.check_constraint` gives for that patient.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..linking.match import match
from ..logic import _YEARS_PER, canonical_subject, convert, to_years
from ..patient import Patient, word_pattern

MET, UNKNOWN, NOT_MET = np.int8(1), np.int8(0), np.int8(-1)


@dataclass
class Column:
    """One patient variable over all patients (absent where `present` is False)."""

    present: np.ndarray  # bool: the patient has this variable (a value of None counts as absent)
    value: np.ndarray  # float64 (nan where absent or not a number)
    unit: np.ndarray  # object: the UCUM unit or None
    uln: np.ndarray  # float64, nan where not given (or 0: screening reads 0 as not given)
    lln: np.ndarray
    since: Optional[np.ndarray] = None  # bool: the value is a time since an exposure (a FHIR window), no duration


@dataclass
class Converted:
    """A column in a threshold's terms: `x` is usable where `ok`; `missing` where the patient has no value.

    Where `approx` holds, `x` came from a linear factor (one unit conversion per unit pair, not one
    per value); `exact(i)` gives the value `critparse.units.convert` gives, for comparisons that fall
    within rounding of a threshold."""

    x: np.ndarray
    ok: np.ndarray
    missing: np.ndarray
    approx: np.ndarray
    col: Optional["Column"] = None
    subject: str = ""
    thr_unit: Optional[str] = None

    def exact(self, i: int) -> float:
        got = _pint(float(self.col.value[i]), self.col.unit[i], self.thr_unit, self.subject)
        return np.nan if got is None else got


class PatientColumns:
    """Patient dicts (validated, the simple form) as columns."""

    def __init__(self, ids: Sequence[str], patients: Sequence[Dict[str, Any]]) -> None:
        self.ids = list(ids)
        self.n = len(self.ids)
        ps = [Patient(d) for d in patients]
        self.sex = np.array([p.sex for p in ps], dtype=object)
        self._values: Dict[str, Dict[int, Dict[str, Any]]] = {}
        for i, p in enumerate(ps):
            for k, v in p.values.items():
                self._values.setdefault(k, {})[i] = v
        self._columns: Dict[str, Column] = {}
        self._converted: Dict[Tuple[Any, ...], Converted] = {}
        #: comparison -> (statuses, patients without the variable), filled by the evaluator
        self.statuses: Dict[Tuple[Any, ...], Tuple[np.ndarray, np.ndarray]] = {}
        self.unknown = np.full(self.n, UNKNOWN)  # shared, never written to
        self.met = np.full(self.n, MET)
        self.conditions = sorted({c for p in ps for c in p.conditions})
        index = {c: j for j, c in enumerate(self.conditions)}
        self.incidence = np.zeros((self.n, len(self.conditions)), dtype=bool)
        for i, p in enumerate(ps):
            for c in p.conditions:
                self.incidence[i, index[c]] = True
        self.has_conditions = self.incidence.any(axis=1)
        self.answers: Dict[str, Tuple[np.ndarray, np.ndarray]] = {}
        for i, p in enumerate(ps):
            for cid, a in p.answers.items():
                has, val = self.answers.setdefault(cid, (np.zeros(self.n, bool), np.zeros(self.n, bool)))
                has[i], val[i] = True, a
        self._first_words = _first_word_index(self.conditions)
        self._text_hits: Dict[str, Tuple[int, ...]] = {}
        self._text_status: Dict[Tuple[str, bool], np.ndarray] = {}
        self._coded: Dict[str, np.ndarray] = {}

    # -- values ---------------------------------------------------------------------

    def column(self, subject: str, raw_subject: str) -> Column:
        """The variable `subject` (canonical) where the patient has it, else `raw_subject` (as screening)."""
        key = subject if subject == raw_subject else f"{subject}\x00{raw_subject}"
        if key not in self._columns:
            merged = dict(self._values.get(raw_subject, {})) if raw_subject != subject else {}
            merged.update(self._values.get(subject, {}))
            self._columns[key] = self._column(merged)
        return self._columns[key]

    def _column(self, by_patient: Dict[int, Dict[str, Any]]) -> Column:
        present = np.zeros(self.n, bool)
        value = np.full(self.n, np.nan)
        unit = np.full(self.n, None, dtype=object)
        uln, lln = np.full(self.n, np.nan), np.full(self.n, np.nan)
        since = np.zeros(self.n, bool)
        for i, pv in by_patient.items():
            if pv.get("value") is None:
                continue
            present[i] = True
            since[i] = bool(pv.get("since"))
            value[i] = _number(pv["value"])
            unit[i] = pv.get("unit")
            uln[i] = _number(pv.get("uln")) or np.nan
            lln[i] = _number(pv.get("lln")) or np.nan
        return Column(present, value, unit, uln, lln, since)

    def converted(self, subject: str, raw_subject: str, thr_unit: Optional[str], rel: Optional[str],
                  is_age: bool) -> Converted:
        """The column in the threshold's unit (or as a multiple of ULN/LLN), as `check_constraint` does."""
        key = (subject, raw_subject, thr_unit, rel, is_age)
        if key not in self._converted:
            col = self.column(subject, raw_subject)
            self._converted[key] = _convert(col, subject, thr_unit, rel, is_age)
        return self._converted[key]

    # -- conditions -----------------------------------------------------------------

    def conditions_in(self, text: str) -> np.ndarray:
        """Patients with a condition named in `text` (the test of `screening._Evaluator._condition`)."""
        hits = self._text_hits.get(text)
        if hits is None:
            hits = self._text_hits[text] = _hits(text, self.conditions, self._first_words)
        return self.incidence[:, list(hits)].any(axis=1) if hits else np.zeros(self.n, bool)

    def text_statuses(self, text: str, decide_sex: bool) -> np.ndarray:
        """Statuses of a text piece (`Patient.text_status`): it reads whether one of the patient's
        conditions is named in the text, and the patient's sex, so it is asked once for each of the
        four kinds of patient and spread over the patients."""
        key = (text, decide_sex)
        if key not in self._text_status:
            hit = self.conditions_in(text)
            male = self.sex == "male"
            named = [self.conditions[j] for j in self._text_hits[text][:1]]
            out = np.empty(self.n, np.int8)
            for has, is_male in ((False, False), (False, True), (True, False), (True, True)):
                rep = Patient({"sex": "male" if is_male else None, "conditions": named if has else []})
                holds, _ = rep.text_status(text, decide_sex)
                out[(hit == has) & (male == is_male)] = UNKNOWN if holds is None else (MET if holds else NOT_MET)
            self._text_status[key] = out
        return self._text_status[key]

    def coded(self, codes: Sequence[Dict[str, Any]], history: bool = False) -> np.ndarray:
        """Patients with a condition at or below one of these ICD-10-CM codes (`Patient.coded_condition`:
        any one condition decides, so each distinct condition is linked once per code list); a
        personal-history code counts only with `history`."""
        key = json.dumps([list(codes), history], sort_keys=True)
        if key not in self._coded:
            hits = [j for j, c in enumerate(self.conditions) if match([c], codes, history) is not None]
            self._coded[key] = self.incidence[:, hits].any(axis=1) if hits else np.zeros(self.n, bool)
        return self._coded[key]

    def naming(self, label: str) -> np.ndarray:
        """Patients with a condition that names `label` or is named by it (`Patient.has_condition`)."""
        pat = word_pattern(label)
        hits = [j for j, c in enumerate(self.conditions) if pat.search(c) or word_pattern(c).search(label)]
        return self.incidence[:, hits].any(axis=1) if hits else np.zeros(self.n, bool)


def _number(v: Any) -> Optional[float]:
    try:
        return float(v) if v is not None else None
    except (TypeError, ValueError):
        return np.nan


def _convert(col: Column, subject: str, thr_unit: Optional[str], rel: Optional[str], is_age: bool) -> Converted:
    x = np.full(col.value.shape, np.nan)
    ok = np.zeros(col.value.shape, bool)
    approx = np.zeros(col.value.shape, bool)
    has = col.present & ~np.isnan(col.value)
    for unit in {u for u in col.unit[has]}:
        sel = has & np.array([u == unit for u in col.unit], bool)
        if not sel.any():
            continue
        xs, oks, linear = _convert_unit(col, sel, unit, subject, thr_unit, rel, is_age)
        x[sel], ok[sel], approx[sel] = xs, oks, linear
    return Converted(x, ok, ~col.present, approx, col, subject, thr_unit)


def _convert_unit(col: Column, sel: np.ndarray, punit: Optional[str], subject: str, thr_unit: Optional[str],
                  rel: Optional[str], is_age: bool) -> Tuple[np.ndarray, np.ndarray, bool]:
    """(values, usable, converted by a factor) of the patients `sel` (all with unit `punit`)."""
    v = col.value[sel]
    none = np.zeros(v.shape, bool)
    if rel:
        if punit == rel:
            return v, ~none, False
        ref = col.uln[sel] if rel == "ULN" else col.lln[sel] if rel == "LLN" else np.full(v.shape, np.nan)
        good = ~np.isnan(ref) & (ref != 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(good, v / np.where(good, ref, 1.0), np.nan), good, False
    if punit in ("ULN", "LLN"):
        return v, none, False
    if is_age:
        unit = punit or "a"
        if unit in _YEARS_PER:
            return v * _YEARS_PER[unit], ~none, False
        years = [to_years(x, unit) for x in v]
        return np.array([np.nan if y is None else y for y in years]), np.array([y is not None for y in years]), False
    if thr_unit is None or punit is None or thr_unit == punit:
        if (thr_unit is None) != (punit is None) and thr_unit != "%" and punit != "%":
            return v, none, False
        return v, ~none, False
    if punit in _YEARS_PER and thr_unit in _YEARS_PER:
        return v * _YEARS_PER[punit] / _YEARS_PER[thr_unit], ~none, False
    if _pint(1.0, punit, thr_unit, subject) is None:
        return v, none, False  # a unit pair that does not convert, whatever the value
    line = _affine(punit, thr_unit, subject)
    if line is not None:
        return v * line[0] + line[1], ~none, True
    out = np.array([_pint(float(val), punit, thr_unit, subject) for val in v], dtype=object)
    if any(x is None for x in out):
        return v, none, False  # a unit pair that does not convert
    return out.astype(float), ~none, False


@lru_cache(maxsize=4096)
def _affine(unit: str, to_unit: str, subject: str) -> Optional[Tuple[float, float]]:
    """(a, b) with convert(x) ~= a*x + b for this unit pair, or None (no conversion, or not linear)."""
    f0, f1, f1k = (_pint(x, unit, to_unit, subject) for x in (0.0, 1.0, 1000.0))
    if f0 is None or f1 is None or f1k is None:
        return None
    a, b = f1 - f0, f0
    return (a, b) if abs(a * 1000.0 + b - f1k) <= 1e-9 * max(1.0, abs(f1k)) else None


@lru_cache(maxsize=200_000)
def _pint(value: float, unit: str, to_unit: str, subject: str) -> Optional[float]:
    try:
        return convert(value, unit, to_unit, subject=subject)
    except ValueError:
        return None


_WORD = re.compile(r"\w+")


def _first_word_index(conditions: List[str]) -> Dict[Optional[str], List[int]]:
    """Condition indexes by their first word (lower case); None: conditions that start with no word."""
    index: Dict[Optional[str], List[int]] = {}
    for j, c in enumerate(conditions):
        m = _WORD.search(c)
        key = m.group(0).lower() if m and c.strip().lower().startswith(m.group(0).lower()) else None
        index.setdefault(key, []).append(j)
    return index


def _hits(text: str, conditions: Sequence[str], index: Dict[Optional[str], List[int]]) -> Tuple[int, ...]:
    words = {w.lower() for w in _WORD.findall(text)}
    cand = [j for w in words for j in index.get(w, ())] + index.get(None, [])
    return tuple(sorted(j for j in set(cand) if word_pattern(conditions[j]).search(text)))


def canonical(subject: str) -> str:
    return _canonical(subject)


@lru_cache(maxsize=100_000)
def _canonical(subject: str) -> str:
    return canonical_subject(subject)
