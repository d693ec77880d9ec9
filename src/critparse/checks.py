"""Consistency checks: criteria that contradict each other or the structured fields.

    >>> for f in critparse.checks.check(parsed): print(f.kind, f.subject, f.message)

Finding kinds:
- ``contradiction``: an exclusion bound removes patients that an inclusion
  bound on the same subject admits (same cohort or common), compared after
  unit conversion. ``detail`` is ``partial`` (seed: inclusion bilirubin
  <= 51 umol/L admits (34.2, 51] umol/L = (2.0, 3.0] mg/dL, which the exclusion
  "bilirubin > 2.0 mg/dL" removes: the effective limit is the exclusion's) or
  ``total`` (the exclusion removes everything the inclusion admits).
- ``redundancy``: an exclusion bound can never fire for a patient the
  inclusion admits (seed: creatinine <= 176.8 umol/L = 2.0 mg/dL included,
  creatinine > 2.5 mg/dL excluded).
- ``gap``: the inclusion bounds on one subject in one cohort admit no value
  (lower bound above the upper bound).
- ``age_mismatch``: the age range read from the text (per cohort, then the
  union over cohorts; inclusion bounds and the complement of exclusion
  bounds) differs from the record's minimum_age / maximum_age.
- ``sex_mismatch``: the text restricts to one sex and the structured sex
  field says otherwise (or the reverse).

Every finding carries the spans of both sides (criterion id, constraint id,
start, end, text into the original text; structured fields have no offsets).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from .logic import TrialLogic, convert, parse_age, required, sufficient, to_years
from .records import Constraint, ParsedTrial, TrialInfo, provide

KINDS = ("contradiction", "redundancy", "gap", "age_mismatch", "sex_mismatch")
_EPS = 1e-6


@dataclass
class Span:
    criterion: Optional[str]
    constraint: Optional[str]
    kind: Optional[str]  # inclusion | exclusion | structured
    start: Optional[int]
    end: Optional[int]
    text: str


@dataclass
class Finding:
    kind: str
    subject: str
    message: str
    cohort: Optional[str] = None
    detail: Optional[str] = None
    spans: List[Span] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def _span(c: Constraint) -> Span:
    return Span(c.criterion, c.id, c.kind, c.start, c.end, c.text)


# -- bounds -----------------------------------------------------------------------

@dataclass
class _Bound:
    c: Constraint
    value: float  # in the comparison unit
    unit: Optional[str]

    @property
    def upper(self) -> bool:  # x < v / x <= v
        return self.c.op in ("<", "<=")

    @property
    def strict(self) -> bool:
        return self.c.op in ("<", ">")


def _loosest(cons: List[Constraint]) -> List[Constraint]:
    """Within ONE criterion, several bounds on a subject in the same direction are alternatives
    ("boys 6-12 years; girls 6-11 years", "<= 8 for 16 years of education, <= 4 for 8-15"): keep the
    loosest of each direction (compared in the normalised unit where they share it)."""
    best: Dict[tuple, Constraint] = {}
    out: List[Constraint] = []
    for c in cons:
        if c.negated or c.op in ("=", "!=", "in"):
            out.append(c)
            continue
        upper = c.op in ("<", "<=")
        unit = c.normalized.unit if c.normalized is not None else c.unit
        key = (c.subject, c.relative_to, unit, upper)
        v = c.normalized.value if c.normalized is not None else c.value
        cur = best.get(key)
        if cur is None:
            best[key] = c
            continue
        cv = cur.normalized.value if cur.normalized is not None else cur.value
        if (upper and v > cv) or (not upper and v < cv):
            best[key] = c
    return out + list(best.values())


def _key(c: Constraint, cmp_unit: Dict[str, Optional[str]]) -> Optional[_Bound]:
    """The constraint as a bound in one unit per (subject, relative_to)."""
    if c.negated or c.op in ("=", "!=", "in"):
        return None
    key = f"{c.subject}|{c.relative_to or ''}"
    if c.relative_to:
        return _Bound(c, c.value, c.relative_to)
    if c.subject == "age" or c.category == "age":
        y = to_years(c.value, c.unit or "a")
        return None if y is None else _Bound(c, y, "a")
    if c.normalized is not None and c.normalized.unit:
        value, unit = c.normalized.value, c.normalized.unit
    else:
        value, unit = c.value, c.unit
    want = cmp_unit.setdefault(key, unit)
    if want != unit:
        try:
            value = convert(value, unit, want, subject=c.subject)
        except ValueError:
            return None
    return _Bound(c, value, want)


def _desc(b: _Bound) -> str:
    """'<= 51 umol/L' as written, with the value in the comparison unit where it differs."""
    c = b.c
    written = c.relative_to if c.relative_to else c.unit
    out = f"{c.op} {_fmt(c.value, written)}"
    if (written or None) != (b.unit or None) or abs(c.value - b.value) > _EPS:
        out += f" (= {_fmt(b.value, b.unit)})"
    return f"{out} \"{c.text}\""


def _fmt(v: float, unit: Optional[str]) -> str:
    u = {"a": "years"}.get(unit or "", unit or "")
    return f"{v:.4g} {u}".strip()


_AGE_CUE = re.compile(r"\b(age[ds]?|old|older|younger|adults?|child(ren)?|infants?|birthdays?|yrs? of age)\b", re.I)


def _plausible(c: Constraint, text: str) -> bool:
    """An `age` constraint is used by the checks only where the words near it speak of age
    ("8-15 years of education" or "at least one year" alone are left out)."""
    if c.subject != "age":
        return True
    return bool(_AGE_CUE.search(text[max(0, c.start - 25):c.end + 12]))


class _Scope:
    """Mandatory inclusion bounds and standalone exclusion bounds of one cohort."""

    def __init__(self, logic: TrialLogic, cohort: Optional[str]) -> None:
        self.cohort = cohort
        self.inc: List[Constraint] = []
        self.exc: List[Constraint] = []
        key: Any = cohort if cohort is not None else "*"
        for crit in logic.top("inclusion", key):
            self._mandatory(logic, crit, key)
        for crit in logic.top("exclusion", key):
            self._reasons(logic, crit, key)
        text = logic.parsed.text
        self.inc = [c for c in self.inc if _plausible(c, text)]
        self.exc = [c for c in self.exc if _plausible(c, text)]

    def _mandatory(self, logic: TrialLogic, crit, key) -> None:
        body = logic.body(crit) if logic.constraints(crit.id) else None  # without constraints it requires none
        if body is not None:
            self.inc.extend(_loosest(required(body)))
        if crit.logic != "any":
            for ch in logic.children(crit.id, key):
                self._mandatory(logic, ch, key)

    def _reasons(self, logic: TrialLogic, crit, key) -> None:
        cons = logic.constraints(crit.id)
        body = logic.body(crit) if cons else None
        if body is not None:
            self.exc.extend(sufficient(body))
        if not cons:  # children of an exclusion criterion are each a reason
            for ch in logic.children(crit.id, key):
                self._reasons(logic, ch, key)


def _bound_findings(scope: _Scope, seen: set) -> List[Finding]:
    out: List[Finding] = []
    units: Dict[str, Optional[str]] = {}
    inc = [b for b in (_key(c, units) for c in scope.inc) if b is not None]
    exc = [b for b in (_key(c, units) for c in scope.exc) if b is not None]

    def same(a: _Bound, b: _Bound) -> bool:
        return (a.c.subject, a.c.relative_to) == (b.c.subject, b.c.relative_to) and a.unit == b.unit

    for e in exc:
        for i in inc:
            if not same(e, i):
                continue
            ident = (e.c.id, i.c.id)
            if ident in seen:
                continue
            f = _compare(i, e, inc, scope.cohort)
            if f is not None:
                seen.add(ident)
                out.append(f)
    # gap: inclusion lower bound above an inclusion upper bound
    for a in inc:
        for b in inc:
            if a is b or not same(a, b) or a.upper or not b.upper:
                continue
            if a.value > b.value + _EPS or (abs(a.value - b.value) <= _EPS and (a.strict or b.strict)):
                ident = ("gap", a.c.id, b.c.id)
                if ident in seen:
                    continue
                seen.add(ident)
                out.append(Finding("gap", a.c.subject,
                                   f"{a.c.subject}: inclusion requires {a.c.op} {_fmt(a.value, a.unit)} and "
                                   f"{b.c.op} {_fmt(b.value, b.unit)}: no value satisfies both",
                                   scope.cohort, None, [_span(a.c), _span(b.c)]))
    return out


def _compare(i: _Bound, e: _Bound, inc: List[_Bound], cohort: Optional[str]) -> Optional[Finding]:
    subj = i.c.subject
    unit = i.unit
    iv, ev = i.value, e.value
    spans = [_span(i.c), _span(e.c)]
    cohort = i.c.cohort or e.c.cohort
    incl = f"inclusion {_desc(i)}"
    excl = f"exclusion {_desc(e)}"
    if e.upper == i.upper:  # same direction: no conflict between these two bounds
        return None
    if not e.upper and i.upper:
        # exclusion removes x > ev; inclusion admits x <= iv
        lows = [b for b in inc if not b.upper and (b.c.subject, b.c.relative_to, b.unit) == (subj, i.c.relative_to, unit)]
        lo = max((b.value for b in lows), default=None)
        if ev < iv - _EPS or (abs(ev - iv) <= _EPS and not e.strict and not i.strict):
            if lo is not None and ev < lo:
                return Finding("contradiction", subj, f"{subj}: {excl} removes every patient the {incl} admits",
                               cohort, "total", spans)
            return Finding("contradiction", subj,
                           f"{subj}: {incl} admits values in ({_fmt(ev, unit)}, {_fmt(iv, unit)}] that the {excl} "
                           f"removes; the effective upper limit is {_fmt(ev, unit)}", cohort, "partial", spans)
        return Finding("redundancy", subj,
                       f"{subj}: {excl} can never apply to a patient admitted by {incl}", cohort, None, spans)
    if e.upper and not i.upper:
        # exclusion removes x < ev; inclusion admits x >= iv
        highs = [b for b in inc if b.upper and (b.c.subject, b.c.relative_to, b.unit) == (subj, i.c.relative_to, unit)]
        hi = min((b.value for b in highs), default=None)
        if ev > iv + _EPS or (abs(ev - iv) <= _EPS and not e.strict and not i.strict):
            if hi is not None and ev > hi:
                return Finding("contradiction", subj, f"{subj}: {excl} removes every patient the {incl} admits",
                               cohort, "total", spans)
            return Finding("contradiction", subj,
                           f"{subj}: {incl} admits values in [{_fmt(iv, unit)}, {_fmt(ev, unit)}) that the {excl} "
                           f"removes; the effective lower limit is {_fmt(ev, unit)}", cohort, "partial", spans)
        return Finding("redundancy", subj,
                       f"{subj}: {excl} can never apply to a patient admitted by {incl}", cohort, None, spans)
    return None


# -- text vs structured fields -----------------------------------------------------

def age_range(scope: _Scope) -> Tuple[Optional[float], Optional[float], List[Constraint]]:
    """(lowest admitted age, highest admitted age, the constraints behind them), in years."""
    lo: Optional[float] = None
    hi: Optional[float] = None
    used: List[Constraint] = []
    for c in scope.inc:
        if c.subject != "age" or c.negated:
            continue
        y = to_years(c.value, c.unit or "a")
        if y is None:
            continue
        if c.op in (">", ">="):
            lo = y if lo is None else max(lo, y)
            used.append(c)
        elif c.op in ("<", "<="):
            hi = y if hi is None else min(hi, y)
            used.append(c)
    for c in scope.exc:
        if c.subject != "age" or c.negated:
            continue
        y = to_years(c.value, c.unit or "a")
        if y is None:
            continue
        if c.op in ("<", "<="):  # excluded below y -> admitted from y
            lo = y if lo is None else max(lo, y)
            used.append(c)
        elif c.op in (">", ">="):
            hi = y if hi is None else min(hi, y)
            used.append(c)
    return lo, hi, used


def _age_findings(parsed: ParsedTrial, logic: TrialLogic, scopes: List[_Scope]) -> List[Finding]:
    info = parsed.info or TrialInfo()
    smin = parse_age(info.minimum_age)[2]  # in years
    smax = parse_age(info.maximum_age)[2]
    if smin is None and smax is None:
        return []
    ranges = [age_range(s) for s in scopes]
    lows = [r[0] for r in ranges]
    highs = [r[1] for r in ranges]
    used = [c for r in ranges for c in r[2]]
    if not used:
        return []
    # union over cohorts: a cohort without a bound leaves that side open
    lo = None if any(v is None for v in lows) else min(lows)
    hi = None if any(v is None for v in highs) else max(highs)
    out: List[Finding] = []
    where = "text (union over cohorts)" if logic.cohorts else "text"
    per = ""
    if logic.cohorts:
        per = "; per cohort: " + ", ".join(
            f"{s.cohort} {_fmt_range(r[0], r[1])}" for s, r in zip(scopes, ranges))
    for name, structured, text_v in (("minimum_age", smin, lo), ("maximum_age", smax, hi)):
        if structured is None or text_v is None:
            continue
        if abs(structured - text_v) <= 0.01:
            continue
        lower_side = name == "minimum_age"
        spans = [_span(c) for c in used if ((c.op in (">", ">=")) != (c.kind == "exclusion")) == lower_side]
        spans.append(Span(f"info.{name}", None, "structured", None, None, str(getattr(info, name))))
        out.append(Finding("age_mismatch", "age",
                           f"{name.replace('_', ' ')}: {where} gives {text_v:g} years, the structured field says "
                           f"{getattr(info, name)}{per}", None, name, spans))
    return out


def _fmt_range(lo: Optional[float], hi: Optional[float]) -> str:
    return f"{'' if lo is None else f'{lo:g}'}-{'' if hi is None else f'{hi:g}'}"


_ADJ = r"(?:[\w-]+\s+){0,2}"
_BOTH = re.compile(r"\b(males?|men|boys)\s*(\band\b|\bor\b|and/or|&|/|,)\s*" + _ADJ + r"(females?|women|girls)\b|"
                   r"\b(females?|women|girls)\s*(\band\b|\bor\b|and/or|&|/|,)\s*" + _ADJ + r"(males?|men|boys)\b|"
                   r"\b(both|either|all|any) (sexes|sex|genders|gender)\b|\bregardless of (sex|gender)\b", re.I)
_NOT = re.compile(r"\b(not|cannot|excluded|ineligible|exclusion|no|must|may|should|will|agrees?|if|contracepti\w*|childbearing|child bearing|fertile|"
                  r"pregnan\w*|lactating|nursing|breast-?feeding)\b", re.I)
_ANY_FEMALE = re.compile(r"\b(women|females?|girls)\b", re.I)
_ANY_MALE = re.compile(r"\b(men|males?|boys)\b", re.I)
#: "Females who ...", "Women that ...": a condition on some women, not a restriction to women
_QUALIFIED = re.compile(r"\s*,?\s*(who|whom|whose|that|which)\b", re.I)
_LEAD = r"^\W*(?:(?:healthy|adult|elderly|older|young|postmenopausal|premenopausal|post-menopausal|pre-menopausal|" \
        r"ambulatory|non-pregnant|nonpregnant)\s+)*"
_FEMALE = re.compile(_LEAD + r"(women|females?|girls)\b|\b(female|women) (patients|subjects|participants|"
                     r"volunteers)\b|\bwomen only\b|\bfemales? only\b", re.I)
_MALE = re.compile(_LEAD + r"(men|males?|boys)\b|\bmale (patients|subjects|participants|volunteers)\b|"
                   r"\bmen only\b|\bmales? only\b", re.I)

#: what each pattern above needs: one of these words' openings at the start of a word (each pattern's sex
#: word follows a word boundary, the start of the text, a non-word character or a space), read with the same
#: flags (so the same case folds): a criterion without one names no sex. "men" inside "treatment" does not
#: count, as it did for a plain substring test
_SEX_CUE = re.compile(r"\b(?:male|men|boy|female|women|girl|sex|gender)", re.I)


def text_sex(parsed: ParsedTrial) -> Tuple[Optional[str], List[Any]]:
    """'female' | 'male' | 'all' | None (not stated) from the inclusion text, and the criteria behind it."""
    fem, mal, both = [], [], []
    for c in parsed.criteria:
        if c.kind != "inclusion" or c.role == "note":
            continue
        t = c.clean_text or c.text
        if not _SEX_CUE.search(t):
            continue  # none of the patterns below can match (most criteria): six searches saved
        if _BOTH.search(t):
            both.append(c)
            continue
        if _NOT.search(t):  # "women who are pregnant cannot...", "women of childbearing potential must..."
            continue
        f, m = _FEMALE.search(t), _MALE.search(t)
        if (f and _ANY_MALE.search(t)) or (m and _ANY_FEMALE.search(t)):
            both.append(c)
            continue
        if f and not _QUALIFIED.match(t, f.end()):
            fem.append(c)
        if m and not _QUALIFIED.match(t, m.end()):
            mal.append(c)
    if both or (fem and mal):
        return "all", both or fem + mal
    if fem:
        return "female", fem
    if mal:
        return "male", mal
    return None, []


def _sex_findings(parsed: ParsedTrial) -> List[Finding]:
    info = parsed.info or TrialInfo()
    structured = (info.sex or "").strip().lower() or None
    if structured in ("both",):
        structured = "all"
    if structured not in ("all", "female", "male"):
        return []
    said, crits = text_sex(parsed)
    if said is None or said == structured:
        return []
    spans = [Span(c.id, None, c.kind, c.start, c.end, c.text) for c in crits[:3]]
    spans.append(Span("info.sex", None, "structured", None, None, str(info.sex)))
    return [Finding("sex_mismatch", "sex", f"the text admits {said} while the structured sex field says "
                                           f"{info.sex}", None, f"{said}/{structured}", spans)]


# -- entry points --------------------------------------------------------------------

@provide("check")
def check(parsed: ParsedTrial, logic: Optional[TrialLogic] = None) -> List[Finding]:
    """All consistency findings of one parsed trial (`logic`: its TrialLogic, where the caller has one)."""
    if isinstance(parsed, dict):
        parsed = ParsedTrial.from_dict(parsed)
    if logic is None or logic.parsed is not parsed:
        logic = TrialLogic(parsed)
    scopes = [_Scope(logic, c) for c in logic.cohorts] or [_Scope(logic, None)]
    out: List[Finding] = []
    seen: set = set()
    for s in scopes:
        out.extend(_bound_findings(s, seen))
    out.extend(_age_findings(parsed, logic, scopes))
    out.extend(_sex_findings(parsed))
    return out


def check_many(parsed_trials: Iterable[ParsedTrial]) -> Iterator[Tuple[ParsedTrial, List[Finding]]]:
    for p in parsed_trials:
        yield p, check(p)


def count_findings(parsed_trials: Iterable[ParsedTrial]) -> Dict[str, Any]:
    """Check many parsed trials and count the findings by kind (`critparse check --corpus`).

    Returns {"records": n, "records_with_findings": m, "counts": {kind: count},
    "records_by_kind": {kind: records having it}, "examples": {kind: [first few]}}."""
    counts: Counter = Counter()
    per_record: Counter = Counter()
    examples: Dict[str, List[Dict[str, Any]]] = {}
    n = with_findings = 0
    for parsed, findings in check_many(parsed_trials):
        n += 1
        if findings:
            with_findings += 1
        kinds = set()
        for f in findings:
            key = f.kind if not f.detail or f.kind != "contradiction" else f"{f.kind}:{f.detail}"
            counts[f.kind] += 1
            if f.kind == "contradiction":
                counts[key] += 1
            kinds.add(f.kind)
            ex = examples.setdefault(f.kind, [])
            if len(ex) < 3:
                ex.append({"trial_id": parsed.trial_id, "message": f.message})
        per_record.update(kinds)
    return {"records": n, "records_with_findings": with_findings,
            "counts": {k: counts.get(k, 0) for k in KINDS} | {k: v for k, v in counts.items() if ":" in k},
            "records_by_kind": {k: per_record.get(k, 0) for k in KINDS}, "examples": examples}
