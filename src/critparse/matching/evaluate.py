"""Set-wise screening: one trial against all patients at once, on `PatientColumns`.

The trial's logic (`critparse.logic.TrialLogic`: cohorts, criteria tree, constraint expressions) is
walked once per trial; every node is a vector of statuses over the patients (int8: 1 met, 0 unknown,
-1 not met; and = min, or = max, not = negation), so a trial costs a few numpy operations per node
whatever the number of patients. It reads the trial as `critparse.screening.screen` does (same
three-valued logic, criterion expressions with guards and exceptions, unit conversion, ULN/LLN
multiples, text pieces decided by `Patient.text_status` (with the ICD-10-CM codes of the
criterion's Condition entities), cohort membership, answers), and tests/test_match.py checks that the two agree pair by pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..logic import Node, TrialLogic, to_years
from ..records import Constraint, ParsedTrial
from ..screening import _condition_entities
from .columns import MET, NOT_MET, UNKNOWN, PatientColumns, canonical

_CMP = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
        "=": lambda a, b: np.abs(a - b) < 1e-9, "!=": lambda a, b: np.abs(a - b) >= 1e-9}


@dataclass
class _CritResult:
    kind: str
    status: np.ndarray
    missing: List[Tuple[str, np.ndarray]] = field(default_factory=list)  # (variable, patients lacking it)


@dataclass
class TrialMatch:
    """One trial against every patient: arrays over the patients."""

    trial_id: str
    verdict: np.ndarray  # int8: 1 eligible, 0 undetermined, -1 ineligible
    cohorts: Dict[str, np.ndarray]  # cohort -> int8 verdicts
    failed: List[Tuple[str, np.ndarray]]  # (criterion id, patients it rules out), in criterion order
    missing: List[Tuple[str, np.ndarray]]  # (variable, patients lacking it where a criterion needs it)


class _Evaluator:
    def __init__(self, cols: PatientColumns, entities: Optional[Dict[str, list]] = None) -> None:
        self.cols = cols
        self.entities = entities or {}  # criterion id -> its non-negated coded Condition entities
        self.results: Dict[str, _CritResult] = {}

    def eval(self, node: Node) -> np.ndarray:
        op = node.op
        if op == "true":
            return self.cols.met
        if op in ("and", "or"):
            parts = [self.eval(ch) for ch in node.children]
            return np.minimum.reduce(parts) if op == "and" else np.maximum.reduce(parts)
        if op == "not":
            return -self.eval(node.children[0])
        if op == "crit":
            return self.criterion(node)
        raise ValueError(f"unexpected node {op}")

    def criterion(self, node: Node) -> np.ndarray:
        crit = node.criterion
        missing: List[Tuple[str, np.ndarray]] = []
        status = self._body(node.children[0], missing)
        answer = self.cols.answers.get(crit.id)
        if answer is not None:
            has, val = answer
            status = np.where(has, np.where(val, MET, NOT_MET), status).astype(np.int8)
        self.results[crit.id] = _CritResult(crit.kind, status, missing)
        return status

    def _body(self, node: Node, missing: List[Tuple[str, np.ndarray]]) -> np.ndarray:
        op = node.op
        if op == "cmp":
            return self.constraint(node.constraint, missing)
        if op == "text":
            piece = node.value or {}
            decide_sex = piece.get("role") == "guard" or (piece.get("role") == "whole" and node.kind == "exclusion")
            text = piece.get("text") or ""
            out = self.cols.text_statuses(text, decide_sex)
            for e in self.entities.get(node.criterion.id, ()):  # G40.909 within "epilepsy" (G40)
                if e.mention in text:
                    m = e.coded(text)  # Z85.3 within "history of breast cancer" (C50) only as history
                    if not m.negated:
                        out = np.where(self.cols.coded(m.codes, m.history), MET, out).astype(np.int8)
            return out
        if op == "sex":
            known = self.cols.sex != None  # noqa: E711
            missing.append(("sex", ~known))
            return np.where(known, np.where(self.cols.sex == node.value, MET, NOT_MET), UNKNOWN).astype(np.int8)
        if op == "crit":
            return self.criterion(node)
        if op in ("and", "or"):
            parts = [self._body(ch, missing) for ch in node.children]
            return np.minimum.reduce(parts) if op == "and" else np.maximum.reduce(parts)
        if op == "not":
            return -self._body(node.children[0], missing)
        if op == "true":
            return self.cols.met
        raise ValueError(f"unexpected node {op}")

    def constraint(self, c: Constraint, missing: List[Tuple[str, np.ndarray]]) -> np.ndarray:
        thr_value, thr_unit = c.value, c.unit
        if c.normalized is not None and c.normalized.unit and not c.relative_to:
            thr_value, thr_unit = c.normalized.value, c.normalized.unit
        subject = canonical(c.subject)
        is_age = subject == "age" or c.category == "age"
        key = (subject, c.subject, thr_unit, c.relative_to, is_age, c.op, thr_value, c.negated, c.category == "duration")
        got = self.cols.statuses.get(key)
        if got is None:
            got = self.cols.statuses[key] = self._status(c, key)
        missing.append((c.subject, got[1]))
        return got[0]

    def _status(self, c: Constraint, key: Tuple) -> Tuple[np.ndarray, np.ndarray]:
        """(statuses, patients without the variable) of one comparison; shared by every trial that
        makes the same comparison ('age >= 18 years')."""
        subject, raw, thr_unit, rel, is_age, op, thr_value, negated, duration = key
        conv = self.cols.converted(subject, raw, thr_unit, rel, is_age)
        if op not in _CMP:
            return np.full(self.cols.n, UNKNOWN), conv.missing
        if is_age and not rel:
            thr_value = to_years(thr_value, thr_unit or "a")
            if thr_value is None:
                return np.full(self.cols.n, UNKNOWN), conv.missing
        cmp = _CMP[op]
        holds = cmp(conv.x, thr_value)
        if conv.approx.any():
            near = conv.approx & conv.ok & (np.abs(conv.x - thr_value) <= 1e-6 * (1.0 + abs(thr_value)))
            for i in np.flatnonzero(near):  # within rounding of the threshold: the exact conversion decides
                holds[i] = cmp(conv.exact(i), thr_value)
        if negated:
            holds = ~holds
        ok = conv.ok
        if duration and conv.col is not None and conv.col.since is not None:
            ok = ok & ~conv.col.since  # how long an exposure lasted is no time since it (`check_constraint`)
        return np.where(ok, np.where(holds, MET, NOT_MET), UNKNOWN).astype(np.int8), conv.missing


def match_trial(parsed: ParsedTrial, cols: PatientColumns) -> TrialMatch:
    """Every patient of `cols` against one trial (the set-wise `critparse.screen`)."""
    logic = TrialLogic(parsed)
    entities = _condition_entities(parsed)
    results: Dict[str, _CritResult] = {}
    cohorts: Dict[str, np.ndarray] = {}
    best = np.full(cols.n, NOT_MET)
    named = {c: cols.naming(c) for c in logic.cohorts}
    any_named = np.logical_or.reduce(list(named.values())) if named else np.zeros(cols.n, bool)
    for cohort in (logic.cohorts or [None]):
        ev = _Evaluator(cols, entities)
        status = ev.eval(logic.cohort_node(cohort))
        if cohort is not None:
            known = cols.has_conditions & any_named  # membership is known: some cohort is named
            status = np.where(known & ~named[cohort], NOT_MET, status)
            status = np.where(~known & (status == MET), UNKNOWN, status).astype(np.int8)
            cohorts[cohort] = status
        best = np.maximum(best, status)
        for cid, r in ev.results.items():
            results.setdefault(cid, r)
    order = {c.id: i for i, c in enumerate(parsed.criteria)}
    crit_ids = sorted(results, key=lambda cid: (order.get(cid, -1), cid))
    parents = {c.parent for c in parsed.criteria}
    failed, missing = [], []
    for cid in crit_ids:
        r = results[cid]
        unfavourable = (r.status == MET) if r.kind == "exclusion" else (r.status == NOT_MET)
        if cid not in parents and unfavourable.any():
            failed.append((cid, unfavourable))
        missing.extend(r.missing)
    return TrialMatch(parsed.trial_id or "", best, cohorts, failed, _merge(missing))


def _merge(missing: List[Tuple[str, np.ndarray]]) -> List[Tuple[str, np.ndarray]]:
    """One mask per variable (first-seen order), patients lacking it in any criterion that needs it."""
    out: Dict[str, np.ndarray] = {}
    for name, mask in missing:
        out[name] = out[name] | mask if name in out else mask
    return [(k, v) for k, v in out.items() if v.any()]
