"""Patient screening: one patient (a small dict) against one parsed trial.

    >>> res = critparse.screen(parsed, {"age": 45, "sex": "female",
    ...     "labs": {"creatinine": {"value": 150, "unit": "umol/L"}, "alt": {"value": 2.1, "unit": "ULN"}},
    ...     "ecog": 1, "conditions": ["B-ALL", "CNS involvement"]})
    >>> res.verdict, res.cohorts
    ('undetermined', {'B-ALL': 'undetermined', 'B-NHL': 'ineligible'})

Patient keys:
- ``age`` (years; or ``{"value": 30, "unit": "mo"}``), ``sex`` ("female"/"male");
- ``labs``: ``{name: {"value": v, "unit": u}}`` or ``{name: v}``; names are
  constraint subjects or their lexicon synonyms ("SGPT", "platelets"); units are
  converted through `critparse.units` (150 umol/L creatinine meets
  ``creatinine <= 2.0 mg/dL``); ``"unit": "ULN"`` gives a multiple of the upper
  limit of normal (``"uln": 40`` beside an absolute value works too);
- any other top-level number is a subject too (``"ecog": 1``, ``"lvef": 55``);
- ``conditions``: strings matched case-insensitively against criterion text and
  cohort labels ("B-ALL");
- ``answers``: ``{criterion id: true|false}`` decides criteria that text alone
  cannot (true = the criterion's condition holds for the patient).

Status of a criterion (``met`` / ``not_met`` / ``unknown``) is ALWAYS about the
criterion's own condition: an exclusion criterion that is ``met`` applies to
the patient and excludes them. The ``eligible`` field of each result gives the
eligibility reading (True = favourable, False = rules the patient out, None =
unknown). A negated constraint ("no ... > 3") holds when its comparison fails.

Inside a criterion, its expression decides (`Criterion.expression`, read by
`critparse.logic.lower`): a ``when`` guard that does not hold, or an
``unless`` exception that holds, leaves the criterion on the patient's side
(an exclusion does not apply, an inclusion holds). Text pieces are decided by
the patient's ``conditions`` named in them (and a male patient by pregnancy /
childbearing wording in a guard or a whole exclusion); each is reported
among the criterion's ``constraints`` with subject ``text``. Missing data
never gives ``ineligible``: it gives ``unknown`` and, at worst, ``undetermined``.

Verdict: ``ineligible`` if an inclusion criterion is not met or an exclusion
criterion is met; ``eligible`` only if every inclusion criterion is met and
every exclusion criterion is not met; else ``undetermined``. With cohorts,
each cohort gets a verdict (common criteria + its own) and the trial verdict is
the best of them (eligible > undetermined > ineligible).
"""

from __future__ import annotations

import operator
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

from .logic import Node, TrialLogic, canonical_subject, convert, member_key, to_years
from .inputs import screening_inputs
from .patient import Patient
from .records import Constraint, ParsedTrial

MET, NOT_MET, UNKNOWN = "met", "not_met", "unknown"
VERDICTS = ("eligible", "undetermined", "ineligible")
_CMP = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
        "=": lambda a, b: abs(a - b) < 1e-9, "!=": lambda a, b: abs(a - b) >= 1e-9}


@dataclass
class ConstraintResult:
    """One constraint (or one text piece of the criterion's expression: subject "text", id "<criterion>#t<n>")."""

    constraint: str  # constraint id, or "<criterion id>#t<n>" for a text piece (n = 0: the whole criterion)
    subject: str
    op: str
    threshold: Dict[str, Any]  # {value, unit, relative_to}; text pieces: {text, role}
    patient: Optional[Dict[str, Any]]  # {value, unit} converted to the threshold's unit, or None
    status: str  # met | not_met | unknown (about the comparison, negation applied)
    reason: str
    negated: bool = False


@dataclass
class CriterionResult:
    criterion: str
    kind: str
    cohort: Optional[str]
    status: str  # met | not_met | unknown: does the criterion's condition hold?
    eligible: Optional[bool]  # eligibility reading: True favourable, False rules out, None unknown
    reason: str
    text: str = ""
    constraints: List[ConstraintResult] = field(default_factory=list)


@dataclass
class ScreeningResult:
    trial_id: Optional[str]
    verdict: str  # eligible | ineligible | undetermined
    cohorts: Dict[str, str]  # cohort -> verdict (empty without cohorts)
    criteria: List[CriterionResult]
    reasons: List[str]  # short reasons behind the verdict (what failed, what is missing)
    missing: List[str]  # patient variables that would decide unknown criteria

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def by_criterion(self) -> Dict[str, CriterionResult]:
        return {r.criterion: r for r in self.criteria}


# -- constraints --------------------------------------------------------------

def check_constraint(c: Constraint, patient: Patient) -> ConstraintResult:
    """Test one constraint against the patient's value, after unit conversion."""
    thr_value, thr_unit = c.value, c.unit
    if c.normalized is not None and c.normalized.unit and not c.relative_to:
        thr_value, thr_unit = c.normalized.value, c.normalized.unit
    thr = {"value": thr_value, "unit": thr_unit, "relative_to": c.relative_to}

    def res(status: str, reason: str, pv: Optional[Dict[str, Any]] = None) -> ConstraintResult:
        return ConstraintResult(c.id, c.subject, c.op, thr, pv, status, reason, c.negated)

    subject = canonical_subject(c.subject)
    pv = patient.values.get(subject) or patient.values.get(c.subject)
    if c.op == "in":
        return _check_member(c, pv, res)
    if pv is None or pv.get("value") is None:
        return res(UNKNOWN, f"missing data: {c.subject}")
    if pv.get("since") and c.category == "duration":
        # "Have used corticosteroids for more than 30 days within the past 90 days": the days since the last
        # corticosteroid (a FHIR exposure's window) say nothing of how long they were taken
        return res(UNKNOWN, f"{c.subject}: the patient value is the time since the last exposure, not how long it lasted")
    try:
        value = float(pv["value"])
    except (TypeError, ValueError):
        return res(UNKNOWN, f"{c.subject}: patient value {pv.get('value')!r} is not a number")
    punit = pv.get("unit")
    if c.relative_to:
        rel = c.relative_to
        if punit == rel:
            x = value
        elif rel == "ULN" and pv.get("uln"):
            x = value / float(pv["uln"])
        elif rel == "LLN" and pv.get("lln"):
            x = value / float(pv["lln"])
        else:
            return res(UNKNOWN, f"{c.subject}: threshold is a multiple of {rel}; give the patient value "
                                f"with unit {rel!r} or its {rel.lower()}")
        conv = {"value": x, "unit": rel}
    else:
        if punit in ("ULN", "LLN"):
            return res(UNKNOWN, f"{c.subject}: patient value is a multiple of {punit}, threshold is absolute")
        if subject == "age" or c.category == "age":
            x = to_years(value, punit or "a")
            t = to_years(thr_value, thr_unit or "a")
            if x is None or t is None:
                return res(UNKNOWN, f"age: cannot convert {punit} to {thr_unit}")
            thr_value, x = t, x
            thr["value"], thr["unit"] = t, "a"
            conv = {"value": x, "unit": "a"}
        elif thr_unit is None or punit is None or thr_unit == punit:
            if (thr_unit is None) != (punit is None) and thr_unit not in ("%",) and punit not in ("%",):
                # one side has a unit and the other none: compare only unitless scores
                return res(UNKNOWN, f"{c.subject}: patient unit {punit!r} vs threshold unit {thr_unit!r}")
            x = value
            conv = {"value": x, "unit": thr_unit}
        else:
            try:
                x = convert(value, punit, thr_unit, subject=subject)
            except ValueError as e:
                return res(UNKNOWN, f"unit not convertible: {e}")
            conv = {"value": round(x, 6), "unit": thr_unit}
    holds = _CMP[c.op](x, thr_value)
    if c.negated:
        holds = not holds
    shown = f"{c.subject} {conv['value']:g} {_unit_words(conv['unit'])}".rstrip()
    want = f"{'not ' if c.negated else ''}{c.op} {thr_value:g} {_unit_words(thr['unit'] or c.relative_to)}".rstrip()
    return res(MET if holds else NOT_MET, f"{shown} {'satisfies' if holds else 'fails'} {want}", conv)


def _check_member(c: Constraint, pv: Optional[Dict[str, Any]], res) -> ConstraintResult:
    """op "in": the patient's value (a stage, a class: "IIIB") is one of the constraint's `values`."""
    if pv is None or pv.get("value") is None:
        return res(UNKNOWN, f"missing data: {c.subject}")
    members = [member_key(v) for v in (c.values or [])]
    got = member_key(pv["value"])
    holds = (got in members) != bool(c.negated)
    return res(MET if holds else NOT_MET, f"{c.subject} {pv['value']} {'is' if got in members else 'is not'} one of "
                                          f"{', '.join(c.values or [])}", {"value": pv["value"], "unit": None})


def _unit_words(unit: Optional[str]) -> str:
    return {"a": "years", "ULN": "x ULN", "LLN": "x LLN", None: ""}.get(unit, unit)


# -- three-valued logic --------------------------------------------------------

def _and(statuses: List[str]) -> str:
    if any(s == NOT_MET for s in statuses):
        return NOT_MET
    return MET if all(s == MET for s in statuses) else UNKNOWN


def _or(statuses: List[str]) -> str:
    if any(s == MET for s in statuses):
        return MET
    return NOT_MET if statuses and all(s == NOT_MET for s in statuses) else UNKNOWN


def _not(s: str) -> str:
    return {MET: NOT_MET, NOT_MET: MET}.get(s, UNKNOWN)


class _Evaluator:
    def __init__(self, patient: Patient, cohort: Optional[str], entities: Optional[Dict[str, list]] = None) -> None:
        self.patient = patient
        self.cohort = cohort
        self.entities = entities or {}  # criterion id -> its non-negated Condition entities
        self.results: Dict[str, CriterionResult] = {}

    def eval(self, node: Node) -> str:
        op = node.op
        if op == "true":
            return MET
        if op == "and":
            return _and([self.eval(ch) for ch in node.children])
        if op == "or":
            return _or([self.eval(ch) for ch in node.children])
        if op == "not":
            return _not(self.eval(node.children[0]))
        if op == "crit":
            return self.criterion(node)
        raise ValueError(f"unexpected node {op}")

    def criterion(self, node: Node) -> str:
        crit = node.criterion
        cons: List[ConstraintResult] = []
        status = self._body(node.children[0], cons)
        reason = ""
        answer = self.patient.answers.get(crit.id)
        if answer is not None:
            status, reason = (MET if answer else NOT_MET), "answered in patient data"
        elif node.children[0].op == "text" and cons:
            reason = cons[-1].reason
        if not reason:
            reason = self._reason(node, status, cons)
        eligible = None if status == UNKNOWN else ((status == MET) == (crit.kind != "exclusion"))
        self.results[crit.id] = CriterionResult(crit.id, crit.kind, crit.cohort, status, eligible, reason,
                                                crit.clean_text or crit.text, cons)
        return status

    def _body(self, node: Node, cons: List[ConstraintResult]) -> str:
        op = node.op
        if op == "cmp":
            r = check_constraint(node.constraint, self.patient)
            cons.append(r)
            return r.status
        if op == "text":
            piece = node.value or {}
            decide_sex = piece.get("role") == "guard" or (piece.get("role") == "whole" and node.kind == "exclusion")
            text = piece.get("text") or ""
            coded = [c.coded(text) for c in self.entities.get(node.criterion.id, ()) if c.mention in text]
            holds, why = self.patient.text_status(text, decide_sex, coded)
            status = UNKNOWN if holds is None else (MET if holds else NOT_MET)
            cons.append(ConstraintResult(f"{node.criterion.id}#t{piece.get('index', 0)}", "text", "holds",
                                         {"text": piece.get("text"), "role": piece.get("role")}, None, status,
                                         why))
            return status
        if op == "sex":
            if not self.patient.sex:
                cons.append(ConstraintResult(node.criterion.id, "sex", "=", {"value": node.value}, None,
                                             UNKNOWN, "missing data: sex"))
                return UNKNOWN
            ok = self.patient.sex == node.value
            cons.append(ConstraintResult(node.criterion.id, "sex", "=", {"value": node.value},
                                         {"value": self.patient.sex}, MET if ok else NOT_MET,
                                         f"sex {self.patient.sex} {'is' if ok else 'is not'} {node.value}"))
            return MET if ok else NOT_MET
        if op == "crit":
            return self.criterion(node)
        if op == "and":
            return _and([self._body(ch, cons) for ch in node.children])
        if op == "or":
            return _or([self._body(ch, cons) for ch in node.children])
        if op == "not":
            return _not(self._body(node.children[0], cons))
        if op == "true":
            return MET
        raise ValueError(f"unexpected node {op}")

    def _reason(self, node: Node, status: str, cons: List[ConstraintResult]) -> str:
        kids = _direct_criteria(node.children[0])
        why = _branch_reason(cons)
        if why:
            return why
        if cons:
            relevant = [r for r in cons if r.status == status] or cons
            return "; ".join(dict.fromkeys(r.reason for r in relevant))
        if kids:
            sub = [self.results[k.criterion.id] for k in kids if k.criterion.id in self.results
                   and self.results[k.criterion.id].status == status]
            names = ", ".join(r.criterion for r in sub[:6])
            logic = "any" if node.children[0].op == "or" else "all"
            return f"{logic} of its sub-criteria: {status} via {names}" if names else f"{logic} of its sub-criteria"
        return ""


def _branch_reason(cons: List[ConstraintResult]) -> str:
    """'exception applies: ...' / 'condition does not apply: ...' where a text piece of the expression in that
    role is decided (the criterion then does not count against the patient, or its branch is skipped)."""
    out = []
    for r in cons:
        role = (r.threshold or {}).get("role") if r.subject == "text" else None
        if role == "exception" and r.status == MET:
            out.append(f"exception applies: {r.threshold.get('text')!r} ({r.reason})")
        elif role == "guard" and r.status == NOT_MET:
            out.append(f"condition does not apply: {r.threshold.get('text')!r} ({r.reason})")
    return "; ".join(out)


def _direct_criteria(node: Node) -> List[Node]:
    if node.op == "crit":
        return [node]
    return [k for ch in node.children for k in _direct_criteria(ch)]


def _cohort_membership(logic: TrialLogic, patient: Patient, cohort: str) -> Optional[bool]:
    if not patient.conditions:
        return None
    named = [c for c in logic.cohorts if patient.has_condition(c)]
    if not named:
        return None
    return cohort in named


def _condition_entities(parsed: ParsedTrial) -> Dict[str, list]:
    """criterion id -> its non-negated coded Condition entities (`linking.match.CriterionCondition`)."""
    from .linking.match import criterion_conditions

    return criterion_conditions(parsed)


def _verdict(status: str) -> str:
    return {MET: "eligible", NOT_MET: "ineligible"}.get(status, "undetermined")


def screen(parsed: ParsedTrial, patient: Dict[str, Any]) -> ScreeningResult:
    """Screen one patient against a parsed trial (see the module doc); a FHIR Bundle is read by
    `critparse.fhir_patient` (time windows against its medications' and procedures' periods)."""
    if isinstance(patient, dict) and patient.get("resourceType") == "Bundle":
        from .fhir_patient import screen_bundle
        return screen_bundle(parsed, patient)
    parsed, patient = screening_inputs(parsed, patient)  # InputValidationError naming a bad field
    p = Patient(patient)
    logic = TrialLogic(parsed)
    results: Dict[str, CriterionResult] = {}
    cohort_verdicts: Dict[str, str] = {}
    extra_reasons: List[str] = []
    best = "ineligible"
    for cohort in (logic.cohorts or [None]):
        ev = _Evaluator(p, cohort, _condition_entities(parsed))
        status = ev.eval(logic.cohort_node(cohort))
        if cohort is not None:
            member = _cohort_membership(logic, p, cohort)
            if member is False:
                status = NOT_MET
                extra_reasons.append(f"cohort {cohort}: patient conditions name another cohort")
            elif member is None and status == MET:
                status = UNKNOWN
                extra_reasons.append(f"cohort {cohort}: membership unknown (no patient condition names it)")
            cohort_verdicts[cohort] = _verdict(status)
        v = _verdict(status)
        if VERDICTS.index(v) < VERDICTS.index(best):
            best = v
        for cid, r in ev.results.items():
            results.setdefault(cid, r)
    order = {c.id: i for i, c in enumerate(parsed.criteria)}
    crits = sorted(results.values(), key=lambda r: (order.get(r.criterion, -1), r.criterion))
    reasons: List[str] = []
    missing: List[str] = []
    parents = {c.parent for c in parsed.criteria}
    for r in crits:
        if r.eligible is False and r.criterion not in parents:
            reasons.append(f"{r.criterion} ({r.kind}): {r.reason}")
        for cr in r.constraints:
            if cr.reason.startswith("missing data: "):
                name = cr.reason[len("missing data: "):]
                if name not in missing:
                    missing.append(name)
    if best != "eligible":
        reasons.extend(extra_reasons)
    if best == "undetermined" and missing:
        reasons.append("missing data: " + ", ".join(missing))
    return ScreeningResult(parsed.trial_id, best, cohort_verdicts, crits, reasons, missing)
