"""Constraint extraction: comparisons a rule engine can test.

`extract(text)` finds, in one criterion's (normalised) text, every comparison
of a subject against a threshold: ``creatinine <= 176.8 umol/L``, ``ALT and AST
<= 3 x ULN``, ``aged 3-70 years``, ``ECOG 0 to 2``, ``2 or more relapses``,
``within 2 weeks prior to screening``.  Regex and lexicon only (no spaCy), so it
runs in fast mode over whole registries, in time linear in the text.

Three typed stages:
1. `critparse.comparisons`: a `Comparison` (operator before or after the number,
   a finite value or a range, a UCUM unit or ``x ULN``/``x LLN``, its span);
2. `critparse.subjects`: `attach` gives its subjects (lexicon mentions before it
   in the clause and lists of them, a label, an age, the event of "N weeks since
   X", a grade, a condition's analyte, the unit, the caller's hint, a counted
   noun, a head phrase);
3. here: `Found` records, with the value normalised once (`normalized`) to the
   subject's canonical unit; neighbouring comparisons are linked (a unit written
   once after two bounds, a bound restated in other units, a second bound for
   another population).  Word lists: resources/constraint_words.toml.

Choices (documented so a rule engine knows what it gets):
* ``normalized`` is ``{"value", "unit"}`` in the subject's canonical unit,
  ``x ULN`` / ``x LLN`` for relative thresholds, None where no conversion exists;
  ">= LLN" and "no greater than upper limit of normal" are 1 x the limit;
* a range gives ``>=`` lower and ``<=`` upper sharing one span; a list of
  subjects before one threshold gives one constraint each, and subjects joined
  by "or" share an ``any_of`` key ("Lansky or Karnofsky >= 70");
* ``BP > 160/100 mmHg`` gives systolic and diastolic constraints;
* ordinal scales with Roman numerals are ``score`` constraints: a span "ASA
  I-II" (asa >= 1, <= 2), "WHO grade III" (= 3); a list of members ("stage IIIB,
  IIIC or IVA", "NYHA class III or IV", "stage I or III") is ONE constraint op
  ``in`` with the members in ``values`` (upper-case Roman, ``records.member_key``),
  never a range; sub-stage spans ("IIIB-IVA", "stage II A-B") give nothing;
  "type I diabetes" and drug classes are not scales;
* "minimum"/"maximum" a few words before a bare number is its operator;
* "within / in the past / in the next / up until N <time>" is a ``temporal``
  constraint ``<=`` on the event before it: the event or treatment phrase with
  leading verbs, determiners and report words trimmed ("has received", "any
  other", "history of") and a trailing verb group dropped ("... sample obtained",
  "... is to be performed"); a window that opens its clause takes the phrase
  after its comma or colon ("Within the past 1 year, regular use of X"); a window
  straight after a measurement bounds when it was taken ("HbA1c 5.7 - 6.4 within
  the 3 months" -> hba1c <= 3 mo); washouts and windows with an operator ("X at
  least 4 weeks prior to", "X for at least 4 weeks") name their event the same
  way; a time restated in parentheses ("12 weeks (84 days)") is no second window;
* a washout in drug half-lives ("within 30 days or 5 half-lives, whichever is
  longer", "within 4 half-lives") has unit ``{half-lives}`` (never converted: the
  half-life is the drug's); written as the alternative of a time window it bounds
  the same event, and the two share an ``any_of`` key unless the text says the
  shorter one applies; a half-life washout never has a lab or vital subject;
* a window whose event cannot be found gives NO constraint: a placeholder subject
  ("time since event") matches no patient datum, so screening could only ever say
  undetermined, and JSON Logic would test a variable no record holds;
* a years value is an ``age`` only with an age word, a person noun, or nothing
  else before it, and only between 0 and 130 years;
* a subject is never a unit, a quantity word or a bare "score"/"duration": a
  comparison with no better subject gives no constraint;
* no value is ever NaN or infinite: a number too large for a float gives nothing;
* a number with no comparator states no constraint ("2 TKI treatments", "stage
  III"), except performance scores ("ECOG 0-1"), windows and a bare life
  expectancy (a minimum); list markers, years, versions and numbers inside
  names ("CD19") never do;
* a bound restated in other units in parentheses ("creatinine <= 2.0 mg/dL
  (176.8 umol/L)", "HbA1c 7.0-10.0% (53-86 mmol/mol)") is the same threshold:
  one constraint, in the unit written first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple

from . import comparisons, lexicon, units
from .comparisons import NUM, Comparison, number
from .records import member_key
from .subjects import (SENTENCE_BREAK, TIME_UNITS, Attachment, Mentions, Span, attach, commitment, event_after, event_after_paren,
                       graded_before_scale, graded_thing, unit_names_other,
                       event_before_or, event_of, head_phrase, is_status, lasted_after, listed_events, mention_list,
                       following_listed, clause_free, names_nothing, staged_thing, status_event, temporal_subject, tested_thing,
                       treated_with_after, window_event)


@dataclass
class Found:
    """One constraint as extracted (offsets local to the criterion text); `extract` gives them as dicts."""

    subject: str
    subject_text: Optional[str]
    op: str
    value: float
    unit: Optional[str]
    unit_text: Optional[str]
    value_text: Optional[str]
    relative_to: Optional[str]
    category: str
    code: Optional[str]
    normalized: Optional[Dict[str, Any]]
    start: int
    end: int
    negated: bool = False
    values: Optional[List[str]] = None  # members of an enumeration (op "in")
    any_of: Optional[str] = None  # constraints sharing this key are alternatives

    def to_dict(self) -> Dict[str, Any]:
        """`dataclasses.asdict`, written out: its recursive deep copy was a tenth of fast mode's time.
        The fields are plain values; `normalized` (a flat dict) and `values` (a list) are copied."""
        out = {name: getattr(self, name) for name in _FOUND_FIELDS}
        if self.normalized is not None:
            out["normalized"] = dict(self.normalized)
        if self.values is not None:
            out["values"] = list(self.values)
        return out


_FOUND_FIELDS = tuple(f.name for f in fields(Found))


# ------------------------------------------------------------------ stage 3: records --

def normalized(value: float, unit: Optional[str], rel: Optional[str], subj: Optional[lexicon.Subject]) -> Optional[Dict[str, Any]]:
    """The value in the subject's canonical unit (``x ULN`` for relative limits), or None where no
    conversion is defined.  The one place values are normalised."""
    if rel is not None:
        return {"value": float(value), "unit": f"x{rel}"}
    if subj is None:
        return {"value": float(value), "unit": unit} if unit else None
    if subj.canonical_unit is None:
        return {"value": float(value), "unit": None} if unit is None else None
    conv = units.try_convert(value, unit, subj.canonical_unit, subject=subj.name) if unit else None
    return {"value": round(conv, 4), "unit": subj.canonical_unit} if conv is not None else None


@lru_cache(maxsize=1024)
def _scale_for_unit(name: str, unit: Optional[str]) -> str:
    """The performance scale a unit names: a generic "performance status" (ECOG) read in "%" is a Karnofsky score
    ("performance status less than or equal to 60% on the Karnofsky scale": 8 in the XML extract; the ecog
    concept's `unit_variants` in resources/concepts.jsonl)."""
    from . import concepts

    base = concepts.by_subject(name)
    variant = concepts.get(dict(base.unit_variants).get(unit or "", "")) if base is not None else None
    if variant is not None and variant.kind == base.kind == "performance_scale":  # type: ignore[union-attr]
        return variant.subject
    return name


def record(name: str, subject_text: Optional[str], op: str, value: float, value_text: Optional[str], unit: Optional[str],
           unit_text: Optional[str], rel: Optional[str], category: str, start: int, end: int) -> Found:
    name = _scale_for_unit(name, unit)
    subj = lexicon.subjects().get(name)
    return Found(subject=name, subject_text=subject_text or None, op=op, value=float(value), unit=unit, unit_text=unit_text,
                 value_text=value_text, relative_to=rel, category=category, code=subj.loinc if subj else None,
                 normalized=normalized(value, unit, rel, subj), start=start, end=end)


_BP = {"blood pressure", "systolic blood pressure", "diastolic blood pressure"}


def _bounds(c: Comparison) -> List[Tuple[str, float, Optional[str]]]:
    if c.is_range:
        return [(c.lower_op, c.v1, c.v1_text), (c.upper_op, c.v2, c.v2_text)]  # type: ignore[list-item]
    return [(c.op, c.v1, c.v1_text)]  # type: ignore[list-item]


def _plausible_age(value: float, unit: Optional[str]) -> bool:
    years = units.try_convert(value, unit, "a") if unit and unit != "a" else value
    return years is not None and 0 <= years <= 130


_TEMPERATURE = set(comparisons.words()["words"]["temperature"])  # type: ignore[index]
_TEMPERATURE_WORD = re.compile(r"\b(?:" + "|".join(sorted(_TEMPERATURE, key=len, reverse=True)) + r"|fevers|pyrexial?)\b")


_DEGREE_LETTER = re.compile(r"\s*°?\s*([CF])\b(?![.']\w)")


def _temperature_post(c: Comparison, text: str) -> Optional[str]:
    """"fever of 101 F or higher", "temperature of 38.5 C or higher": the operator written after a bare degree
    letter that follows a number, where a body temperature is named just before it (None: no such operator)."""
    if c.unit is not None or c.relative_to is not None:
        return None
    letter = _DEGREE_LETTER.match(text, c.end)
    post = comparisons.POST_AFTER.match(text, letter.end()) if letter else None
    if post is None or not _TEMPERATURE_WORD.search(text[max(0, c.start - 40):c.start].lower()):
        return None
    return comparisons.POST_OPS.get(" ".join(post.group("post").lower().split()))


def _temperature_unit(bounds: List[Tuple[str, float, Optional[str]]]) -> Optional[str]:
    """"fever > 38.5 degrees": a bare degree of a body temperature is Celsius (25-45) or Fahrenheit (77-113);
    None where the value is in neither range (never an angle)."""
    vals = [v for _, v, _ in bounds]
    if all(25 <= v <= 45 for v in vals):
        return "Cel"
    if all(77 <= v <= 113 for v in vals):
        return "[degF]"
    return None


_PRESSURE_WORD = re.compile(r"\b(?:hyper|hypo)tens|\bblood\s+pressure|\bbp\b|\bsbp\b|\bdbp\b", re.I)


def _bp_pair(c: Comparison, subs: List[Span]) -> bool:
    """Whether "N/M" is a systolic / diastolic pair said of something else: "unresponsive arterial hypertension
    (greater than 160/100 mmHg)", "Hypertension that cannot be controlled by medications (>150/100 mm Hg ...)"
    (in mmHg, or after a word of blood pressure), systolic above diastolic, both where blood pressures lie."""
    if c.v1b is None or not (60 <= c.v1 <= 300 and 30 <= c.v1b <= 200 and c.v1 > c.v1b):
        return False
    return c.unit == "mm[Hg]" or c.unit is None and not c.relative_to and any(_PRESSURE_WORD.search(s.name) for s in subs)


def records(c: Comparison, a: Attachment, text: str) -> List[Found]:
    """Constraints of comparison `c` on the subjects `a` found for it."""
    end = max(c.end, a.extends_to or 0)
    subs = a.subjects
    per_subject: Dict[str, List[Tuple[str, float, Optional[str]]]] = {}
    if c.v1b is not None and not c.is_range and subs and (any(s.name in _BP for s in subs) or _bp_pair(c, subs)):
        # "BP > 160/100 mmHg": systolic and diastolic thresholds
        s0, e0 = min(s.start for s in subs), max(s.end for s in subs)
        subs = [Span(s0, e0, "systolic blood pressure"), Span(s0, e0, "diastolic blood pressure")]
        per_subject = {"diastolic blood pressure": [(c.op, c.v1b, str(int(c.v1b)))]}  # type: ignore[list-item]
    out = []
    for s in subs:
        subj = lexicon.subjects().get(s.name)
        unit, cat = c.unit, None
        if (subj and subj.name == "age" or s.name.startswith("age at ") or s.name == "contact age") and unit is None:
            unit = "a"  # an age, today's or at an event ("developed breast cancer at age 50 or less")
        if subj and subj.name in _BP and unit is None and not c.relative_to:
            unit = "mm[Hg]"  # blood pressures are written in mmHg
        letter = _DEGREE_LETTER.match(text, c.end) if unit is None and _TEMPERATURE_WORD.search(s.name) else None
        if letter:  # "fever > 101 F", "temperature >= 38.5 C": a bare C / F after a body temperature
            unit = _temperature_unit(_bounds(c))
            if unit != {"c": "Cel", "f": "[degF]"}[letter.group(1).lower()]:
                continue
            post = comparisons.POST_AFTER.match(text, letter.end())
            end = max(end, post.end() if post else letter.end())
        if unit == "deg" and s.name in _TEMPERATURE:
            unit = _temperature_unit(_bounds(c))
            if unit is None:
                continue  # "fever > 500 degrees": no body temperature, no constraint
        if unit in ("Cel", "[degF]") and s.name != "temperature":
            # "fever at the time of study intervention administration (>= 38 C)", ">= 37.5 C per axillary
            # thermometer", "one fever episode (>= 38.0 degree Celsius)", "Fever of > 38.5 degrees": a temperature
            # in a criterion is the body's (the concept a patient's datum is keyed by), whatever phrase came
            # before; a phrase naming the fever or temperature stays its subject_text
            s = Span(s.start, s.end, "temperature") if _TEMPERATURE_WORD.search(s.name) else Span(c.start, c.start, "temperature")
            subj = lexicon.subjects()["temperature"]
        if unit in ("Cel", "[degF]"):
            cat = "vital"
        cat = cat or a.category or (subj.category if subj else "other")
        if subj is None and unit in TIME_UNITS and cat == "other":
            cat = "duration"
        for op, val, vtext in per_subject.get(s.name, _bounds(c)):
            if s.name == "age" and not _plausible_age(val, unit):
                return []  # "ages 2-17 with neutropenia (count <= 5000/mm(3))": not an age
            out.append(record(s.name, text[s.start:s.end], op, val, vtext, unit, c.unit_text, c.relative_to, cat,
                              min(s.start, c.start), max(end, s.end)))
    return out


# ------------------------------------------------------------------ numbers without an operator --

_WITHIN = re.compile(
    r"\b(?:within(?:\s+the)?(?:\s+(?:last|past|previous|prior|preceding|next|following|first|recent))?"
    r"|(?:(?:in|during|over|for)\s+)?(?:the\s+)?(?:last|past|previous|prior|preceding|recent|first|next|coming|following)"
    r"|(?:in|during)\s+the|up\s+(?:un)?til)\s+$", re.I)
_WINDOW_TAIL = re.compile(r"\s*(?:of|prior\s+to|prior|before|preceding|from|after|following)\b(?:\s+(?:the\s+)?(?:first\s+)?(?:dose\s+of\s+)?"
                          r"(?!and\b|or\b)[\w\-]+(?:\s+(?:drug|dose|treatment|visit|randomi[sz]ation|enrollment|registration|entry))?)?", re.I)
_PERF = {n for n, s in lexicon.subjects().items() if s.category == "performance"}  # ecog, karnofsky, lansky, who ps
_PERF_CUE = re.compile(r"ecog|zubrod|performance|karnofsky|lansky|\bk?ps\b|\bwho\b", re.I)
# "minimum"/"maximum" a few words before an operator-less number
_DEFERRED_OP = re.compile(r"(?<![\w/])(?P<w>minimum|maximum|minimal|maximal|min\.|max\.)[\s:]+(?:[A-Za-z][\w\-]*[\s:]+){0,3}?"
                          r"(?:of\s+|is\s+|=\s*)?$", re.I)


# a phrase before a bracketed window that names no event: a time adjective or a bare "history" ("Must not have recent
# (within past 3 months) initiation of prednisone", "history (within 1 month) of myocardial infarction"; of the 40
# "<word> (within N <time>) <words>" in the corpora, these were read as the event "must not have recent", "history")
# nouns of taking that name nothing without their object ("Receipt within 30 days of erythropoietin, G-CSF, or
# GM-CSF", NCT00000919: the subject was "receipt"); "therapy" / "treatment" stand on their own ("therapy within 8 weeks
# of staging laparotomy": the laparotomy is the reference, not the thing)
_BARE_ACTION = re.compile(r"receipt|use|usage|administration|exposure|intake", re.I)
_HOLLOW_BEFORE_PAREN = re.compile(r"(?:^|\s)(?:recent|current|prior|previous|past|history|have|has|had)$")


def _window(c: Comparison, text: str, mentions: Mentions, prev: Optional[List[Found]] = None) -> List[Found]:
    """"within 2 weeks", "in the next 24 months", "up until 48 hours prior", "within 4 half-lives": a temporal
    bound (<=) on the event before the window."""
    if c.unit not in TIME_UNITS and c.unit != HALF_LIVES:
        return []
    floor = mentions.floor(c.start)
    lo = max(floor, c.start - 40)
    w = _WITHIN.search(text, lo, c.start)
    if w is None or w.end() != c.start:
        return _committed_until(c, text, lo)
    end = c.end
    tail = _WINDOW_TAIL.match(text, end)
    if tail:
        end = tail.end()
    s = commitment(text, c) or temporal_subject(text, floor, w.start())  # "father children within 135 days after the last dose"
    if s is not None and is_status(s):  # "Excluded within 4 weeks of study entry: Suramin."
        s = status_event(text, end, s)
        return [] if s is None else [record(s.name, text[s.start:s.end], "<=", c.v1, c.v1_text, c.unit, c.unit_text,
                                            None, "temporal", w.start(), max(end, s.end))]
    if (s is None or re.fullmatch(r"[a-z\-]+ed", s.name) or _HOLLOW_BEFORE_PAREN.search(s.name)) \
            and re.search(r"\(\s*$", text[s.end if s else floor:w.start()]):
        # "has developed (within the last 6 months) gastrointestinal disease": the event follows the parenthesis
        s = event_after_paren(text, c.end) or s
    if s is not None and _BARE_ACTION.fullmatch(s.name):  # "Receipt within 30 days of erythropoietin, G-CSF": the
        obj = event_of(text, c.end)  # action's object, named after the window (not a reference: "use within 30 days
        if obj is not None:  # of study entry" keeps "use")
            return [record(obj.name, text[obj.start:obj.end], "<=", c.v1, c.v1_text, c.unit, c.unit_text, None,
                           "temporal", s.start, max(end, obj.end))]
    if s is None and names_nothing(text[floor:w.start()]):  # (or only people: "Participants within 12 months from X")
        # "Within the past 1 year, regular use of X", "Within 2 weeks of X", "X at the time of screening, or within 30 days"
        s = event_after(text, end) or event_of(text, c.end) or event_before_or(text, floor)
        if s is not None:
            return [record(s.name, text[s.start:s.end], "<=", c.v1, c.v1_text, c.unit, c.unit_text, None, "temporal",
                           min(s.start, w.start()), max(end, s.end))]
    if s is None:
        s = listed_events(text, floor, w.start(), end)  # "any of the following drugs within 14 days: X, Y, Z"
        if s is not None:
            return [record(s.name, text[s.start:s.end], "<=", c.v1, c.v1_text, c.unit, c.unit_text, None, "temporal",
                           w.start(), max(end, s.end))]
        measured = _measured_before(prev, text, floor, w.start())
        if measured is None:
            return []  # no event named: a window on nothing cannot be tested
        s = Span(measured.start, measured.start, measured.subject)  # offsets of the comparison before
        return [record(s.name, measured.subject_text, "<=", c.v1, c.v1_text, c.unit, c.unit_text, None, "temporal",
                       measured.start, end)]
    s = following_listed(text, treated_with_after(text, s, end), end)  # "No treatment within 4 months with suramin"
    s = tested_thing(text, mentions, s)  # "(HIV) infection. The test should be performed within 28 days"
    lasted = _lasted(text, floor, lo, c.start)
    if lasted is not None:  # "Stable antiretroviral therapy for the past 60 days": it has lasted 60 days
        s = temporal_subject(text, floor, lasted) or s
        return [record(s.name, text[s.start:s.end], ">=", c.v1, c.v1_text, c.unit, c.unit_text, None, "duration",
                       min(s.start, lasted), max(end, s.end))]
    return [record(s.name, text[s.start:s.end], "<=", c.v1, c.v1_text, c.unit, c.unit_text, None, "temporal",
                   min(s.start, w.start()), max(end, s.end))]


# "for (at least) the past / last / previous / preceding / prior N <time>" after a state or a treatment: how long it
# has lasted (>=), not when it happened ("Stable antiretroviral therapy for the past 60 days", "Cancer free for the last
# 5 years", "zidovudine therapy for at least the previous 3 months"): 46 such windows in 41 XML records read as <=,
# about 90 % of them wrong (review of 5 Dec). With a negation before it in the clause, it stays a window ("have not
# received hormone replacement for the last three months", "No participation ... for the past 6 months"); nor after
# "any" or "recent", or in a bracket, where it dates an exposure ("administration of any infant vitamin or mineral
# supplements for the past 2 months", "Recent infectious gastroenteritis (for the last 6 weeks)", LCT). LCT's own
# annotators wrote "<= N" on every "for the last N" (">/= 5 cigs/day for last 6 months": 6 of its gold bounds).
_FOR_PAST = re.compile(r"(?<!\()\bfor\s+(?:at\s+least\s+)?(?:the\s+)?(?:last|past|previous|preceding|prior)\s+$", re.I)
_NEGATED_BEFORE = re.compile(r"\b(?:no|not|never|without|nor|none|neither)\b|n't\b", re.I)
# "any X" or "recent X" with no verb after it ("has been disease-free" is a state however "any" came before)
_EXPOSURE_BEFORE = re.compile(r"\b(?:any|recent(?:ly)?)\b(?!.*\b(?:been|has|have|had|is|are|was|were)\b)", re.I | re.S)


def _lasted(text: str, floor: int, lo: int, at: int) -> Optional[int]:
    """The start of a "for the past" duration ending at `at` with no negation before it in its clause, or None."""
    m = _FOR_PAST.search(text, lo, at)
    if m is None or m.end() != at or text[max(0, m.start() - 4):m.start()].rstrip().endswith("(") \
            or _NEGATED_BEFORE.search(text, floor, m.start()):
        return None
    if "least" not in m.group(0).lower() and _EXPOSURE_BEFORE.search(text[floor:m.start()]):
        return None  # ("for at least the last 6 months" lasts whatever came before)
    return m.start()


_UNTIL = re.compile(r"\b(?:through|to|until)\s+$", re.I)


def _committed_until(c: Comparison, text: str, lo: int) -> List[Found]:
    """"agree to contraception from obtaining consent to 4 weeks after the end of administration", "wish to become
    pregnant ... through 120 days after the last dose": a commitment that lasts until N after the study's treatment."""
    w = _UNTIL.search(text, lo, c.start)
    s = commitment(text, c) if w is not None and w.end() == c.start else None
    if s is None:
        return []
    kept = s.name.split(" after ")[0] in comparisons.words()["words"]["commitment_kept"]  # type: ignore[index]
    return [record(s.name, text[s.start:s.end], ">=" if kept else "<=", c.v1, c.v1_text, c.unit, c.unit_text, None,
                   "temporal", w.start(), s.end)]


# between a measurement and the window that follows it: its unit, a restatement in parentheses
_MEASURED_GAP = re.compile(r"^\)?[^\s()]{0,15}(?:\s+(?:a|per|each)\s+(?:day|week|month))?[\s,]*(?:\((?:[^()]|\([^()]*\)){0,80}\)[\s,]*)?$")


# "TG <= 150 mg/dL (<= 175 mg/dL when not fasting) within 6 months": the end of a parenthesised alternative bound
_MEASURED_ALT_GAP = re.compile(r"^\s+[A-Za-z][^()\d<>=]{0,30}\)[\s,]*$")


def _measured_before(prev: List[Found], text: str, floor: int, wstart: int) -> Optional[Found]:
    """"Hemoglobin A1C: 5.7 - 6.4 within the 3 months", "Weight change more than 3 kg within the last 3 months",
    "anticoagulation for more than 48 hours in the two days prior":
    a window straight after a measurement in the same clause bounds when that measurement was taken."""
    if not prev or prev[-1].end <= floor or prev[-1].end > wstart or prev[-1].category in ("temporal", "age"):
        return None
    gap = text[prev[-1].end:wstart]
    return prev[-1] if _MEASURED_GAP.match(gap) or _MEASURED_ALT_GAP.match(gap) else None


# "Performance status: WHO 0-2" (78 in the XML extract): the WHO scale in capitals straight before the scores, after a
# performance cue (the lexicon leaves a bare "WHO" alone: "patients WHO have", "WHO 2016 classification")
_WHO_BEFORE = re.compile(r"(?<![\w-])WHO[\s:]*$")


def _who_scale(text: str, floor: int, c: Comparison) -> List[Span]:
    m = _WHO_BEFORE.search(text, max(floor, c.start - 8), c.start)
    if m is None or not re.search(r"(?i)performance|\bps\b", text[max(0, c.start - 60):m.start()]):  # the label too
        return []
    return [Span(m.start(), m.start() + 3, "who performance status")]


def _performance(c: Comparison, text: str, mentions: Mentions) -> List[Found]:
    """"ECOG 0 or 1", "ECOG 0, 1 or 2", "Karnofsky 70": performance scores stand without an operator."""
    floor = mentions.floor(c.start)
    if not _PERF_CUE.search(text, max(floor, c.start - 80), c.start):
        return []
    subs = mention_list(mentions, text, c.start, floor) or _who_scale(text, floor, c)
    if not subs or not all(s.name in _PERF for s in subs) or c.unit not in (None, "%"):
        return []
    tail = re.match(r"(?:\s*(?:,\s*(?:or|and)\b|,|or|and|-)\s*(" + NUM + r"))+", text[c.value_end:])  # "0, 1, or 2"
    vals = [c.v1]
    end = c.end
    if tail:
        vals += [v for v in (number(x) for x in re.findall(NUM, tail.group(0))) if v is not None]
        end = max(end, c.value_end + len(tail.group(0).rstrip()))
    bounds = [("=", vals[0], c.v1_text)] if len(vals) == 1 else [(">=", min(vals), c.v1_text), ("<=", max(vals), None)]
    key = _any_of_key(subs, c, text)
    out = []
    for s in subs:
        for op, v, vt in bounds:
            f = record(s.name, text[s.start:s.end], op, v, vt, c.unit, c.unit_text, None, "performance", s.start, end)
            f.any_of = key
            out.append(f)
    return out


_SCORE_CUE = re.compile(r"(?i)\b(?:scores?|scales?|ratings?|index)\b\W{0,3}(?:\([\w\- ]{1,15}\)\s*)?(?:of|is|=|:)?\s*$")
_VALUE_LIST = re.compile(r"(?:\s*(?:,\s*(?:or|and)\b|,|\bor\b)\s*(" + NUM + r")(?![\w+%/]|\.\d))+")


def _score_list(c: Comparison, text: str, mentions: Mentions, hint: Optional[str]) -> List[Found]:
    """"CDR global score of 0.5 or 1", "Clinical Dementia Rating (CDR) of 0 or 0.5": a score's allowed
    values listed after a score word are its range (ANNOTATION.md: "0 or 1" gives >= 0 and <= 1).
    Stages, grades and classes listed so are sets, not ranges, and are left alone."""
    if c.unit is not None or c.relative_to is not None or c.is_range:
        return []
    floor = mentions.floor(c.start)
    tail = _VALUE_LIST.match(text, c.value_end)
    if tail is None or not _SCORE_CUE.search(text, max(floor, c.start - 40), c.start):
        return []
    vals = [c.v1] + [v for v in (number(x) for x in re.findall(NUM, tail.group(0))) if v is not None]
    a = attach(c, text, mentions, hint)
    if len(vals) < 2 or not a.subjects or a.category == "temporal":
        return []
    end = c.value_end + len(tail.group(0).rstrip())
    out = []
    for sp in a.subjects:
        subj = lexicon.subjects().get(sp.name)
        for op, v, vt in ((">=", min(vals), c.v1_text), ("<=", max(vals), None)):
            out.append(record(sp.name, text[sp.start:sp.end], op, v, vt, None, None, None,
                              subj.category if subj else "score", min(sp.start, c.start), end))
    return out


def _bare(c: Comparison, text: str, mentions: Mentions, prev: List[Found], hint: Optional[str] = None) -> List[Found]:
    """Numbers without an operator that still bound something: windows, performance statuses, a score's
    listed values."""
    return _alt_limit(c, text, prev) or _alt_window(c, text, prev) or _half_lives(c, text, prev) \
        or _window(c, text, mentions, prev) or _performance(c, text, mentions) or _score_list(c, text, mentions, hint) \
        or _lasting(c, text)


_NOT_ALT_LIMIT = frozenset({"temporal", "duration", "performance", "age"})
_ALT_LIMIT_GAP = re.compile(r"^\s*\(\s*(?:or\s+)?$", re.I)
_SUBGROUP_AFTER = re.compile(r"\s*(?:if|for|in|with)\b", re.I)


def _alt_limit(c: Comparison, text: str, prev: List[Found]) -> List[Found]:
    """"AST and ALT less than 2 times ULN (5 times ULN if liver metastases present)": a bare limit in brackets
    after a limit, for a group of patients, is that group's limit on the same subjects with the same operator
    (58 such brackets in the corpora); the expression builder reads its "if" as the guard of an alternative."""
    if c.op is not None or c.is_range or not prev or not _ALT_LIMIT_GAP.match(text[prev[-1].end:c.start]) \
            or not _SUBGROUP_AFTER.match(text, c.end):
        return []
    last = [p for p in prev if p.end == prev[-1].end and p.op == prev[-1].op and p.value == prev[-1].value]
    if c.unit in TIME_UNITS or any(p.op not in ("<", "<=", ">", ">=") or p.category in _NOT_ALT_LIMIT for p in last) \
            or any(p.end == prev[-1].end and p.op != prev[-1].op for p in prev):
        return []  # "(6 weeks for nitrosoureas)" is another event's window; "Karnofsky 70%-100% (50% if
        # hospitalized)" lowers a range's other end
    same_scale = c.relative_to is not None and all(p.relative_to == c.relative_to for p in last) \
        or c.relative_to is None and c.unit is not None and all(p.relative_to is None and p.unit == c.unit for p in last)
    if not same_scale:
        return []
    return [record(p.subject, p.subject_text, p.op, c.v1, c.v1_text, c.unit, c.unit_text, c.relative_to, p.category,
                   c.start, c.end) for p in last]


def _lasting(c: Comparison, text: str) -> List[Found]:
    """"1 year post-menopausal", "a 1-week washout", "12 months of spontaneous amenorrhea": with no comparator,
    the length of the state is a minimum."""
    if c.is_range:
        return []
    s = lasted_after(text, c)
    if s is None or s.name.endswith(" history"):
        return []  # "Has a 2-year history of X": at least or exactly, the text does not say
    post = comparisons.POST_AFTER.match(text, s.end)  # "6 months postpartum or less"
    op = comparisons.POST_OPS.get(" ".join(post.group("post").lower().split())) if post else None
    return [record(s.name, text[s.start:s.end], op or ">=", c.v1, c.v1_text, c.unit, c.unit_text, None,
                   "duration", c.start, post.end() if op else s.end)]


_ALT_TIME_GAP = re.compile(r"^\s*\(\s*or\s+$", re.I)


def _alt_window(c: Comparison, text: str, prev: List[Found]) -> List[Found]:
    """"within 72 hours (or 96 hours for cIAI) prior to the first dose": a second length of the window before,
    for some patients; the same event and operator, an alternative of the first (`any_of`), never a second
    window that must hold too."""
    if c.op is not None or c.is_range or c.unit not in TIME_UNITS or not prev:
        return []
    p = prev[-1]
    if p.category != "temporal" or p.unit not in TIME_UNITS or not _ALT_TIME_GAP.match(text[p.end:c.start]) \
            or _same_time(p, c):
        return []
    f = record(p.subject, p.subject_text, p.op, c.v1, c.v1_text, c.unit, c.unit_text, None, p.category, c.start, c.end)
    p.any_of = p.any_of or f"or@{p.start}"
    f.any_of = p.any_of
    return [f]


HALF_LIVES = "{half-lives}"
# "within 30 days or 5 half-lives", "within 8 weeks (or 5 half-lives of the IMP, ...)": the same washout in half-lives
_ALT_WINDOW_GAP = re.compile(r"^\s*,?\s*\(?\s*(?:or|and/or)\s+(?:within\s+)?(?:a\s+minimum\s+of\s+)?$", re.I)
_SHORTER = re.compile(r"\b(?:whichever|whatever)\s+is\s+(?:shorter|earlier|less)\b", re.I)


def _half_lives(c: Comparison, text: str, prev: List[Found]) -> List[Found]:
    """A washout in drug half-lives written as the alternative of a time window: the same event and operator,
    unit {half-lives} (never converted: the half-life is the drug's). The two are alternatives (`any_of`) unless
    the text says "whichever is shorter" (then both must hold)."""
    if c.unit != HALF_LIVES or not prev:
        return []
    p = prev[-1]
    if p.unit not in TIME_UNITS or p.category not in ("temporal", "duration") or not _ALT_WINDOW_GAP.match(text[p.end:c.start]):
        return []
    f = record(p.subject, p.subject_text, p.op, c.v1, c.v1_text, c.unit, c.unit_text, None, p.category, c.start, c.end)
    clause_end = re.search(r"[;\n]|\.\s", text[c.end:])
    if not _SHORTER.search(text, c.end, c.end + (clause_end.start() if clause_end else len(text))):
        p.any_of = p.any_of or f"or@{p.start}"
        f.any_of = p.any_of
    return [f]


_OR_GAP = re.compile(r"^\s*,?\s*(?:or|and/or)\s*$", re.I)


def _any_of_key(subs: List[Span], c: Comparison, text: str = "") -> Optional[str]:
    """A key shared by the constraints of subjects listed as alternatives ("Lansky or Karnofsky >= 70")."""
    if len(subs) < 2 or not text:
        return None
    if all(_OR_GAP.match(text[a.end:b.start]) for a, b in zip(subs, subs[1:])):
        return f"or@{subs[0].start}"
    return None


# ------------------------------------------------------------------ ordinal scales --

def _named_cue(low: str) -> bool:
    """Cheap test (plain substring search) before the NYHA/ASA regex."""
    return "nyha" in low or "asa" in low or "new york heart" in low or "anesthesiolog" in low


def _ord_cue(low: str, text: str) -> bool:
    """Cheap test before the stage/grade regex: a scale word, then an upper-case Roman numeral."""
    return ("stage" in low or "grade" in low or "type" in low or "class" in low) and _ORD_CUE.search(text) is not None


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6,
          "\u2160": 1, "\u2161": 2, "\u2162": 3, "\u2163": 4, "\u2164": 5, "\u2165": 6}
_RN = r"(?:vi|v|iv|i{1,3}|[\u2160-\u2165\u2170-\u2175]|[1-6])(?:[ab])?(?![\w\u2160-\u2165\u2170-\u2175])"
# named ordinal scales written with Roman numerals: "NYHA class III or IV", "ASA I-II", "ASA >= III"
_SCALE = re.compile(
    r"(?i)\b(?P<scale>NYHA|New\s+York\s+Heart\s+Association|ASA|American\s+Society\s+of\s+Anesthesiologists?)\b"
    r"(?P<mid>(?:\s*\((?:NYHA|ASA)\))?(?:\s+(?:physical|functional|status|class(?:ification)?|grade|stage|score|of|heart\s+failure|"
    r"symptoms?))*)\s*"
    r"(?:(?P<pre><=|>=|<|>|=)\s*)?(?P<vals>" + _RN + r"(?:\s*(?:,?\s*(?:or|and)\b|-|to|through|,|/)\s*(?:class\s+)?" + _RN + r")*)"
    r"(?P<post>\s+or\s+(?:higher|greater|more|above|worse|less|lower|below|better))?")
# the NYHA class written after heart failure or before the scale's name: "congestive heart failure class III or IV",
# "Congestive heart failure of Class III or IV of the NYHA", "cardiac (= or > class II, New York Heart Association)",
# "congestive cardiac failure (>= Class III in NYHA)" (23 "heart failure ... class <numeral>" in the XML dump)
_HF_CLASS = re.compile(
    r"(?i)(?:(?P<hf>\b(?:congestive\s+)?(?:heart|cardiac)\s+failure)\s*(?:\(\s*)?(?:of\s+)?)?(?P<pre>(?!))?(?P<cls>"
    r"class\s+)(?P<vals>" + _RN + r"(?:\s*(?:,?\s*(?:or|and)\b|-|to|through|,|/)\s*(?:class\s+)?" + _RN + r")*)"
    r"(?P<post>\s+or\s+(?:higher|greater|more|above|worse|less|lower|below|better))?")
# the scale's name just after the class ("class III or IV of the NYHA", "Class III or IV cardiac disease)-New York Heart")
_NYHA_AFTER = re.compile(r"(?i)[^.;\n]{0,40}?\b(?:NYHA|New\s+York\s+Heart)")
_NYHA_AFTER_CUE = re.compile(r"(?i)\bclass\b[^.;\n]{0,50}\b(?:NYHA|New\s+York\s+Heart)")
_RU = r"(?:VI|V|IV|I{1,3}|[\u2160-\u2165])(?:[ABCabc])?(?![\w\u2160-\u2165])"
# a list of stages that goes on past what was read ("Stage III, IVa, or IVb" once read as stage = III): refused
_MORE_STAGES = re.compile(r"\s*(?:,\s*(?:or\s+|and\s+)?|\s(?:or|and)\s+)(?:stage\s+)?[IV\u2160-\u2165]{1,3}[A-Ca-c0-9]?\b")
# stages, grades and named classes written with upper-case Roman numerals: "stage I-III", "WHO grade III or IV",
# "Fitzpatrick skin type III-IV", "Killip class II or higher"; "type I diabetes" and drug classes are not scales
_QUAL = re.compile(
    r"\b(?:TNM|WHO|FIGO|AJCC|ISS|R-ISS|Ann\s+Arbor|Tanner|Fitzpatrick|Killip|Mallampati|Braunwald|CCS|GOLD|"
    r"Rai|Binet|Durie-Salmon|Enneking|Masaoka|Gleason|Hoehn\s+(?:and|&)\s+Yahr|KDIGO|CKD)\s+$")
_SCALE_QUAL = re.compile(r"(?i)ctc|nci")  # a grade qualified by the CTCAE (not a histologic "WHO grade")
_ORD_CUE = re.compile(r"(?i:stages?|grades?|types?|class)\s*(?:[<>]=?\s*)?[IV\u2160-\u2165]")
_ORDINAL = re.compile(
    r"\b(?P<word>(?i:stages?|grades?|skin\s+types?|(?<=Killip\s)class|(?<=Mallampati\s)class|(?<=Braunwald\s)class|"
    r"(?<=CCS\s)class|(?<=Tanner\s)stage))\s*(?:(?P<pre><=|>=|<|>)\s*)?"
    r"(?P<vals>" + _RU + r"(?:\s*(?:,?\s*(?:or|and)\b|-|to|through|,|/)\s*(?:(?i:stages?|grades?)\s+)?" + _RU + r")*)"
    r"(?P<post>\s+or\s+(?:higher|greater|more|above|worse|less|lower|below|better))?")


def _roman(v: str) -> float:
    v = v.rstrip("abcABC")
    v = v if v in _ROMAN else v.lower()
    if v in _ROMAN:
        return float(_ROMAN[v])
    if "\u2170" <= v <= "\u2175":  # small Roman numeral characters
        return float(ord(v) - 0x2170 + 1)
    return float(v)


def _scale_constraints(text: str, mentions: Mentions) -> Tuple[List[Found], List[Tuple[int, int]]]:
    """Constraints on NYHA class, ASA status, stages and grades (Roman or Arabic numerals), and their spans."""
    out: List[Found] = []
    spans: List[Tuple[int, int]] = []
    refused: set = set()
    keys: Dict[int, str] = {}  # a qualified scale's bounds named with their thing: the scale they are refused as
    low = text.lower()
    for m in (_SCALE.finditer(text) if _named_cue(low) else ()):
        raw = re.findall(r"(?i)" + _RN, m.group("vals"))
        if raw:
            name = "nyha" if m.group("scale").lower().startswith(("nyha", "new")) else "asa"
            before = None if m.group("pre") else _OP_BEFORE_SCALE.search(text, max(0, m.start() - 20), m.start())
            _bounds_out(out, spans, m, text, name, raw, before.start() if before else m.start("scale"), refused,
                        _op_before(before))  # "heart failure greater than NYHA 2", "> ASA II"
    for m in (_HF_CLASS.finditer(text) if "class" in low and ("failure" in low or _NYHA_AFTER_CUE.search(text)) else ()):
        raw = re.findall(r"(?i)" + _RN, m.group("vals"))
        if raw and not any(a < m.end() and m.start() < b for a, b in spans) \
                and (m.group("hf") or _NYHA_AFTER.match(text, m.end())):  # "heart failure class III or higher"
            before = _OP_BEFORE_SCALE.search(text, max(0, m.start("cls") - 60), m.start("cls"))  # "= or > class II"
            _bounds_out(out, spans, m, text, "nyha", raw, before.start() if before else m.start("cls"), refused,
                        _op_before(before))
    for m in (_ORDINAL.finditer(text) if _ord_cue(low, text) else ()):
        raw = re.findall(_RU, m.group("vals"))
        if not raw or any(a < m.end() and m.start() < b for a, b in spans) or _MORE_STAGES.match(text, m.end("vals")):
            continue
        word = re.sub(r"(?<=[ey])s$", "", " ".join(m.group("word").lower().split()))  # "stages" -> "stage"
        # "Teeth mobility greater than grade I", "less than grade III": the operator before the scale word
        before = None if m.group("pre") else _OP_BEFORE_SCALE.search(text, max(0, m.start() - 20), m.start())
        at = before.start() if before else m.start("word")
        q = _QUAL.search(text, max(0, at - 25), at)  # "WHO grade", "TNM stage"
        thing = None if q else staged_thing(text, at, m.end("vals"), mentions.floor(m.start()))
        if word == "grade":  # "sensory or motor neuropathy Grade 2", "Persistent toxicities (CTCAE Grade > 2)"
            thing = (graded_before_scale(text, q.start(), mentions.floor(m.start())) if _SCALE_QUAL.search(q.group(0))
                     else None) if q else \
                graded_thing(text, thing) if thing else None
            q = None if thing else q
        scale = " ".join(q.group(0).lower().split()) + " " + word if q else None
        if scale and thing is None:  # "WHO grade III or IV glioma", "Ann Arbor stage III or IV NHL": the scale's thing after it
            after = staged_thing(text, at, m.end("vals"), mentions.floor(m.start()))
            thing = after if after is not None and after.start >= m.end("vals") else None
        name = (thing.name + " " + scale if thing else scale) if scale else (thing.name + " " + word if thing else word)
        n0 = len(out)
        _bounds_out(out, spans, m, text, name, raw, q.start() if q else at, refused, _op_before(before))
        keys.update((id(f), scale) for f in out[n0:] if scale)  # refused below as the scale, whatever its thing
        for f in out[n0:] if thing else ():  # "stage IV prostate cancer": the span holds the staged thing
            f.start, f.end = min(f.start, thing.start), max(f.end, thing.end)
            f.subject_text = text[f.start:f.end]
    # "Stage IIIB, IIIC ... or Stage IV", "stage II disease or Stage IIIA": where a set was refused, or one
    # scale is given several exact values, each value is only part of a set
    exact = [keys.get(id(f), f.subject) for f in out if f.op in ("=", "in")]
    refused |= {n for n in exact if exact.count(n) > 1}
    return [f for f in out if f.subject not in refused and keys.get(id(f)) not in refused], spans


def _member(v: str) -> str:
    """A member of an enumeration as written, normalised: "IIIb" -> "IIIB", "\u2162" -> "III"."""
    return member_key(v)


_OP_BEFORE_SCALE = re.compile(
    r"(?i)(?P<neg>\b(?:no|not)\s+)?(?:"
    r"(?P<ge>>=|=\s*or\s*>|>\s*or\s*=|\b(?:greater|more|higher)\s+than\s+or\s+equal\s+to|\bat\s+least)|"
    r"(?P<le><=|=\s*or\s*<|<\s*or\s*=|\b(?:less|lower)\s+than\s+or\s+equal\s+to|\bat\s+most)|"
    r"(?P<gt>>|\b(?:greater|more|higher|worse)\s+than)|(?P<lt><|\b(?:less|lower|better)\s+than))\s*$")
_CONVERSE = {">": "<=", "<": ">=", ">=": "<", "<=": ">"}


def _op_before(before: "Optional[re.Match[str]]") -> Optional[str]:
    """The operator written before a named scale ("greater than NYHA 2", "= or > grade III"); after "no" / "not"
    its converse ("No greater than grade I", "no worse than grade I": '<=')."""
    if before is None:
        return None
    op = ">=" if before.group("ge") else "<=" if before.group("le") else ">" if before.group("gt") else "<"
    return _CONVERSE[op] if before.group("neg") else op


def _bounds_out(out: List[Found], spans: List[Tuple[int, int]], m: "re.Match[str]", text: str, name: str,
                raw: List[str], sstart: int, refused: set, pre_op: Optional[str] = None) -> None:
    """Constraints of an ordinal scale match.  A span ("I-III", "II to IV") gives >= min and <= max; a list
    of members ("IIIB, IIIC or IVA", "NYHA class III or IV", "stage I or III") is a set: ONE constraint op
    "in" with the members in `values`, never a range.  A span with sub-stage letters ("IIIB-IVA") or
    letters written apart ("stage II A-B") has no honest reading: nothing."""
    vals = [_roman(v) for v in raw]
    end = m.end()
    while text[end - 1].isspace():
        end -= 1
    post = (m.group("post") or "").lower()
    stext = text[sstart:m.start("vals")].rstrip(" <>=")
    spans.append((m.start(), end))
    is_span = re.search(r"-|\bto\b|\bthrough\b", m.group("vals")) is not None
    lettered = any(v[-1:].isalpha() and v[-1:] not in "IViv" for v in raw)
    apart = re.match(r"(?:\s+|\s*/\s*)[A-C](?:\s*[-,/]\s*[A-C])*\b", text[m.end("vals"):]) is not None  # "II A-B", "IIIA/B"
    start = min(sstart, m.start())
    pre = m.group("pre") or pre_op
    if apart or (is_span and (lettered or len(vals) > 2)) or (len(vals) > 1 and not is_span and (pre or post)) \
            or (pre_op and is_span):
        refused.add(name)
        return  # never a wrong range or set
    if len(vals) > 1 and not is_span:
        f = record(name, stext, "in", 0.0, None, None, None, None, "score", start, end)
        f.values, f.value_text, f.normalized = list(dict.fromkeys(_member(v) for v in raw)), m.group("vals"), None
        out.append(f)
        return
    if lettered:  # one sub-stage ("stage IIIB"), or it among others: no bound states it
        refused.add(name)
        return
    if len(vals) > 1:
        bounds = [(">=", min(vals)), ("<=", max(vals))]
    elif pre:
        bounds = [(pre, vals[0])]
    elif post:
        bounds = [(">=" if any(w in post for w in ("higher", "greater", "more", "above", "worse")) else "<=", vals[0])]
    else:
        bounds = [("=", vals[0])]
    for op, v in bounds:
        out.append(record(name, stext, op, v, None, None, None, None, "score", start, end))


# ------------------------------------------------------------------ one comparison --

_QUANTITY_AFTER = re.compile(r"\s*(?:" + "|".join(comparisons.words()["words"]["household_measure"]) + r")\b", re.I)  # type: ignore[index]
_SCALE_AFTER = re.compile(r"\s*(?:[\w-]+\s+){0,3}?(?:scale|vas|nrs|numeric|point|likert)\b", re.I)
_PERIOD = re.compile(r"(?i)(?:over|during|for)\s+(?:a|the)\s+(?!age\b)")
_TIME_INDEX = re.compile(r"(?i)\b(?:days?|weeks?|months?|cycles?)\s*$")
_SAMPLE_SIZE = re.compile(r"(?<![\w.\-])[nN]\s*=\s*$")
# a schedule or frequency ("every 3 weeks", "every three to six months", "q 8 hours", "once every 2 weeks"), and
# the span it runs over ("every three to six months over 2 years"): how often something is done, never a bound
_SCHEDULE = re.compile(r"(?i)\b(?:every|q)\s+(?:other\s+)?$")
_SCHEDULE_OVER = re.compile(r"(?i)\bevery\s+[\w\s\-]{1,25}?\b(?:hours?|days?|weeks?|months?|years?)\s+$")
# a value written as an offset from the upper limit of normal (7 in the XML extract: "Creatinine no greater than 0.5
# mg/dL above ULN", "0.3 mg/dL above upper limit of normal")
_OFFSET_FROM_NORMAL = re.compile(r"(?i)\s*(?:above|over)\s+(?:the\s+)?(?:institutional\s+)?"
                                 r"(?:upper\s+limit\s+(?:of\s+)?normal|ULN|normal)\b")
# a value counted in standard deviations from a mean or median (16 in the XML extract: "Height at least 2.25 S.D.
# below the median for chronologic age", "2 standard deviations below the mean"): a z-score, not the quantity
_SD_OFFSET = re.compile(r"(?i)\s*(?:S\.?\s?D\.?s?|standard\s+deviations?)\s+(?:below|above|under|over|from|lower|higher)\b")
# a range the value lies outside of (4 in the XML extract: "outside a systolic blood pressure range of 90-140 mmHg",
# "outside the range of 140 to 90mmHg"): both bounds read as limits would exclude the normal values
_OUTSIDE_RANGE = re.compile(r"(?i)\boutside\s+(?:of\s+)?(?:the\s+|an?\s+)?(?:[\w-]+\s+){0,3}range\s+(?:of\s+)?(?:between\s+)?$")
_INCHES_AFTER = re.compile(r"(?i)\s*(?:and\s+)?\d+(?:\.\d+)?\s*(?:inch(?:es)?\b|in\b|\"|'')")


_OF_FOLLOWING = re.compile(r"\s*(?:of|among|from)\s+(?:the\s+)?(?:following|these|those|criteria|conditions|list)\b", re.I)
#: "accurately measured in at least one dimension", "in 2 perpendicular dimensions": how a lesion is measured
#: (RECIST), no count a patient record holds (36 unitless bounds of the XML extract had the subject "dimension(s)")
_DIMENSIONS_AFTER = re.compile(r"\s+(?:perpendicular\s+|orthogonal\s+)?(?:dimensions?|diameters?(?=\s+(?:greater|larger|more|"
                               r"of\s+at\s+least|at\s+least|measuring|>|\u2265)))\b", re.I)  # ("at least one diameter greater than 1 cm")
#: "at least 2 of 3 MI criteria", "at least three of the four clinic visits", "at least 4 of 6 HLA loci": how many of
#: a counted set, whose thing is named after the second number (24 in the XML extract); a scale's maximum with no
#: thing after it is no set ("Barthel ADL-index >14 of 20 - MMS >23 of 30", "score of <= 139 out of 160 on manual
#: testing")
_OF_A_NUMBER = re.compile(r"\s*(?:out\s+)?of\s+(?:the\s+)?(?:\d+|two|three|four|five|six|seven|eight|nine|ten)\b"
                          r"(?=\s+(?!(?:on|in|at|for|with|and|or|by|as|using|to|per)\b)[A-Za-z])", re.I)
_RESTATED_GAP = re.compile(r"^\s*\(\s*(?:or\s+|i\.e\.,?\s+)?$", re.I)
_MINIMUM_SUBJECTS = {"life expectancy"}  # a bare value of these is a minimum ("life expectancy of 6 months")
_OVER_PERIOD = re.compile(r"(?i)\bover\s+(?:the\s+)?$")


def _restated(c: Comparison, prev: List[Found], text: str) -> List[Found]:
    """"creatinine <= 2.0 mg/dl (168 umol/L)": the bound before, restated in another unit in parentheses."""
    if not prev or c.unit is None or c.is_range or not _RESTATED_GAP.match(text[prev[-1].end:c.start]):
        return []
    if all(p.unit in TIME_UNITS for p in prev) and c.unit in TIME_UNITS:
        # "within 12 weeks (84 days)", "more than 12 months (365 days)": the same window again, not a second one;
        # another time is the window of another event, never this one's restated ("At least 4 weeks since radiotherapy
        # (90 days since strontium)", "within 4 weeks (3 months for UCN01)", "(6 months for prior radiotherapy to
        # craniospinal ... fields)": a stricter radiotherapy or chemotherapy window excluded the others)
        return []
    out = []
    for p in prev:
        subj = lexicon.subjects().get(p.subject)
        if p.unit is None or p.unit == c.unit or p.relative_to \
                or units.try_convert(c.v1, c.unit, p.unit, subject=subj.name if subj else None) is None:
            return []
        out.append(record(p.subject, p.subject_text, p.op, c.v1, c.v1_text, c.unit, c.unit_text, None, p.category,
                          c.start, c.end))
    return out


def _without_restatements(found: List[Found], text: str) -> List[Found]:
    """Bounds that restate the bound before them in other units, in parentheses, dropped: "creatinine <= 2.0 mg/dL
    (176.8 umol/L)", "HbA1c 7.0-10.0 percent (53-86 mmol/mol)", "Platelet count >= 50,000/uL (>= 50 x 10^9/L)" are one
    threshold each (ANNOTATION.md: a restatement is no item), and a second copy rounded in the other unit could only
    disagree with the first at its edge.  A bound in parentheses whose value differs by more than 15 % is kept (sources round freely: 1.3 mg/dL of creatinine is 115 umol/L, written "130 micromoles/liter"; 1.4 mg/dL of bilirubin is 23.9, written "25")."""
    out: List[Found] = []
    for b in found:
        if not any(_restates(b, a, text) for a in out):
            out.append(b)
    return out


def _restates(b: Found, a: Found, text: str) -> bool:
    if b.start < a.end or b.subject != a.subject or b.op != a.op or not a.unit or not b.unit or a.unit == b.unit \
            or a.relative_to or b.relative_to or not _RESTATED_GAP.match(text[a.end:b.start]):
        return False
    subj = lexicon.subjects().get(a.subject)
    conv = units.try_convert(b.value, b.unit, a.unit, subject=subj.name if subj else None)
    return conv is not None and abs(conv - a.value) <= 0.15 * max(abs(a.value), 1e-9)


def _same_time(p: Found, c: Comparison) -> bool:
    """Whether a time restated in parentheses is the bound before it (12 wk = 84 d; 12 mo ~ 365 d, within 2%)."""
    conv = units.try_convert(c.v1, c.unit, p.unit) if p.unit else None
    return conv is not None and abs(conv - p.value) <= 0.02 * max(abs(p.value), 1e-9)


def _minimum(c: Comparison, text: str, mentions: Mentions) -> List[Found]:
    """"an estimated life expectancy of 6 months": a bare duration of life expectancy is its minimum."""
    if c.unit not in TIME_UNITS:
        return []
    subs = mention_list(mentions, text, c.start, mentions.floor(c.start))
    if len(subs) != 1 or subs[0].name not in _MINIMUM_SUBJECTS:
        return []
    s = subs[0]
    return [record(s.name, text[s.start:s.end], ">=", c.v1, c.v1_text, c.unit, c.unit_text, None,
                   lexicon.subjects()[s.name].category, s.start, c.end)]


_DRINK = re.compile(r"\s*(?P<what>" + "|".join(comparisons.words()["words"]["drink"]) + r"|(?P<bare>units?))"  # type: ignore[index]
                    r"\s*(?:per|a|/|each)\s*(?P<per>day|week|wk)\b", re.I)
_ALCOHOL_BEFORE = re.compile(r"(?i)\balcohol")
_ALCOHOL_WORD = re.compile(r"(?i)alcohol|drink")  # a head phrase naming the intake ("alcohol use", "hazardous drinking")


def _drink_rate(c: Comparison, text: str) -> Optional[Tuple[int, int]]:
    """"more than 3 drinks per day", "> 21 units of alcohol per week", "alcohol intake > 14 units/week":
    sets the comparison's unit to /d or /wk and gives the span of the drink words (None: not a drink rate).
    Bare "units" only after "alcohol" in the 60 characters before (insulin is dosed in units too)."""
    if c.relative_to is not None or c.unit not in (None, "/d", "/wk", "{unit}", "{unit}/d", "{unit}/wk"):
        return None
    m = _DRINK.match(text, c.value_end if c.v2 is None else c.end)
    if m is None and c.unit is not None:
        m = _DRINK.match(text, c.value_end)
    if m is None or (m.group("bare") and not _ALCOHOL_BEFORE.search(text, max(0, c.start - 60), c.start)):
        return None
    c.unit = "/d" if m.group("per").lower() == "day" else "/wk"
    c.unit_text = " ".join(text[m.start("what"):m.end()].split())
    c.end = max(c.end, m.end())
    return m.start("what"), m.end("what")


def _count_rate_regex() -> "re.Pattern[str]":
    w = comparisons.words()["words"]
    periods = "|".join(f"(?P<p{i}>{'|'.join(forms)})" for i, forms in enumerate(w["count_period"].values()))  # type: ignore[union-attr]
    stop = "|".join(w["count_stop"] + w["count_not_counted"])  # type: ignore[operator]
    per = "|".join(re.escape(x) for x in w["count_per"])  # type: ignore[union-attr]
    return re.compile(rf"\s*(?P<what>(?:(?!(?:{stop})\b)[A-Za-z][A-Za-z-]*\s+){{0,2}}(?!(?:{stop})\b)[A-Za-z][A-Za-z-]*)"
                      rf"\s*(?:{per})\s*(?:{periods})\b", re.I)


_COUNT_RATE = _count_rate_regex()


def _times_rate_regex() -> "re.Pattern[str]":
    """"more than once per week", "at least twice a month": a frequency word is the count, no counted words after it."""
    w = comparisons.words()["words"]
    periods = "|".join(f"(?P<p{i}>{'|'.join(forms)})" for i, forms in enumerate(w["count_period"].values()))  # type: ignore[union-attr]
    per = "|".join(re.escape(x) for x in w["count_per"])  # type: ignore[union-attr]
    return re.compile(rf"(?P<what>)\s*(?:{per})\s*(?:{periods})\b", re.I)


_TIMES_RATE = _times_rate_regex()
_COUNT_PERIODS = list(comparisons.words()["words"]["count_period"])  # type: ignore[arg-type]


def _count_rate(c: Comparison, text: str) -> Optional["re.Match[str]"]:
    """"5 or more central apneas per hour", "at least 3 nights per week", "4 to 14 migraine days per month": a
    count with no unit of its own, per a period (None: no count rate). The period becomes its unit (/h, /d,
    /wk, /mo, /a) once the counted words are read as its subject (`_per_period`)."""
    if c.relative_to is not None or c.unit is not None:
        return None
    if c.v1_text.lower() in comparisons.FREQ_WORDS:
        return _TIMES_RATE.match(text, c.end)
    m = _COUNT_RATE.match(text, c.end)
    if m is None or units.to_ucum(m.group("what").split()[0]) is not None:
        return None  # "3 mL per day" the unit table reads is an amount, not a count
    return m


def _per_period(c: Comparison, m: "re.Match[str]") -> None:
    i = next(int(k[1:]) for k, v in m.groupdict().items() if k.startswith("p") and v)
    c.unit = _COUNT_PERIODS[i]
    c.unit_text = " ".join(m.string[m.start("what"):m.end()].split())


# a scale word just before two numbers joined by "and": "grades 4 and 5", "stages 3 and 4", "classes 2 and 3"
_SCALE_WORD_BEFORE = re.compile(r"(?i)\b(?P<w>grade|stage|class)(?:s|es)?\s*$")


def _enumerated(c: Comparison, text: str, mentions: Mentions) -> List[Found]:
    """"kidney disease (CKD) grades 4 and 5", "grades 1 and 2 oral toxicity": two members of a scale, a set
    (ONE constraint op "in") on the thing graded or staged, never a range; nothing where no thing is named."""
    w = _SCALE_WORD_BEFORE.search(text, max(0, c.start - 12), c.start)
    thing = staged_thing(text, w.start(), c.end, mentions.floor(c.start)) if w else None
    if w is None or thing is None:
        return []
    start, end = min(thing.start, w.start()), max(thing.end, c.end)
    f = record(thing.name + " " + w.group("w").lower(), text[start:end], "in", 0.0, None, None, None, None, "score",
               start, end)
    f.values, f.value_text, f.normalized = [_member(c.v1_text), _member(c.v2_text or "")], text[c.value_start:c.end], None
    return [f]


# the amount a participant agrees to give or undergo, written as the verb's object: not a fact of the patient
_WILLING_TO = re.compile(r"(?i)\b(?:willing(?:ness)?|agrees?|agreement|consents?)\s+to\s+(?:donate|give|provide|undergo)"
                         r"\s+(?:(?:the|a|an|approximately|about|up\s+to)\s+)?$")


def _from_match(m: "re.Match[str]", text: str, mentions: Mentions, hint: Optional[str],
                prev: List[Found]) -> List[Found]:
    """Constraints of one COMPARISON match: read the comparison, find its subjects, build the records."""
    c = comparisons.read(m, text)
    if c is None:
        return []
    if c.is_range and not m.group("between") and (m.group("range") or "").lower() == "and" \
            and _SCALE_WORD_BEFORE.search(text, max(0, c.start - 12), c.start):
        return _enumerated(c, text, mentions)
    if c.op in (">=", ">") and c.has_pre and c.unit in TIME_UNITS and re.search(r"(?i)\bwithin\s+$", text[max(0, c.start - 8):c.start]):
        c.op = None  # "within a minimum of 30 days": a window (at most 30 days), not a washout
    if c.op is None and c.unit is None and _TIME_INDEX.search(text, max(0, c.value_start - 12), c.value_start):
        return []  # "maintenance period (weeks 7 - 24)", "days 1-4": a regimen's day or week numbers, not a value
    if c.op == "=" and _SAMPLE_SIZE.search(text, max(0, c.value_start - 8), c.value_start):
        return []  # "degenerative scoliosis (n=20)", "(N = 40)": a sample size, no threshold
    if _SCHEDULE.search(text, max(0, c.start - 60), c.start) or (
            text[c.start:c.start + 4].lower() == "over" and _SCHEDULE_OVER.search(text, max(0, c.start - 60), c.start)):
        return []  # "seen every three to six months", "transfusion required every 3 weeks or less": a schedule
    if _WILLING_TO.search(text[max(0, c.start - 60):c.start]):
        return []  # "willing to donate 80-100 ml", "willingness to undergo 2 muscle biopsies": what the study asks
    if c.unit == "d" and c.unit_text == "D" and c.v1 >= 0 and _pattern("dioptre_clause").search(text, mentions.floor(c.start), c.end + 40):
        c.unit = "[diop]"  # "astigmatism less than or equal to 1.50 D": a dioptre, not 1.5 days (a signed one, "Myopia
        # (more than -0.50 D)", says more myopic, not a larger number: dropped below as a negative time)
    temperature_only = c.op is None and not c.is_range and _temperature_post(c, text)
    if temperature_only:  # "a fever of 101 F or higher": the post-operator after a bare degree letter
        c.op, c.has_post = temperature_only, True
    if c.op is None and not c.is_range:
        d = _DEFERRED_OP.search(text, max(0, c.start - 60), c.start)
        if d is not None and re.search(r"(?i)\bwithin\s+a\s+minimum\s+of\s+$", text[max(0, c.start - 25):c.start]):
            d = None  # "within a minimum of 30 days": a window (at most), whose length is at least 30 days
        if d is None:
            return _restated(c, prev, text) or _bare(c, text, mentions, prev, hint) or _minimum(c, text, mentions)
        c.op = ">=" if d.group("w").lower().startswith("min") else "<="  # "a minimum life expectancy of 12 weeks"
    if c.v1b is not None and c.v1 == 20 and c.v1b >= 15 and c.unit is None:
        return []  # "20/200 or worse": Snellen visual acuity, a fraction no single value states
    if c.v1 < 0 and c.unit in TIME_UNITS:
        return []  # a negative time is no duration ("-0.5 D" is a dioptre)
    if c.has_pre and _PERIOD.match(text, c.start):
        return []  # "over a 12-month period", "over the 3 months": a period, not a bound
    if c.unit in TIME_UNITS and c.op == ">" and _OVER_PERIOD.search(text, max(0, c.start - 10), c.value_start) \
            and prev and prev[-1].unit not in TIME_UNITS and mentions.floor(c.start) <= prev[-1].start:
        return []  # "pain intensity > 4/10 ... measured daily over 2 weeks": the observation period
    if c.is_range and c.v1 == 0 and _SCALE_AFTER.match(text, m.end()):
        return []  # "on a 0-10 VAS scale": the scale's range, not a threshold
    if c.unit is None and c.relative_to is None and _QUANTITY_AFTER.match(text, c.end):
        return []  # "at least 0.5 teaspoons": a measure no unit table holds; no value without its unit
    if c.unit == "[ft_i]" and _INCHES_AFTER.match(text, c.end):
        return []  # "6 feet 4 inches": one length in two units; "<= 6 ft" would exclude 6 ft 2 in
    if _SD_OFFSET.match(text, c.value_end):
        return []  # "Height at least 2.25 S.D. below the median for age": a z-score, no height of 2.25
    if c.is_range and _OUTSIDE_RANGE.search(text, max(0, c.value_start - 70), c.value_start):
        return []  # "a systolic blood pressure outside the range of 140 to 90mmHg": the range is what is normal
    if c.unit is not None and c.relative_to is None and _OFFSET_FROM_NORMAL.match(text, c.end):
        return []  # "Bilirubin no greater than 0.3 mg/dL above normal": ULN + 0.3, no bound in mg/dL alone
    if c.unit is None and c.relative_to is None and not c.is_range and _OF_FOLLOWING.match(text, c.end):
        return []  # "presence of at least 1 of the following", "two or more of the following SIRS criteria": the
        # criteria tree's logic, not a count of the phrase before it
    if c.unit is None and c.relative_to is None and not c.is_range \
            and (_DIMENSIONS_AFTER.match(text, c.end) or _OF_A_NUMBER.match(text, c.end)):
        return []  # "measured in at least one dimension", "at least 2 of 3 MI criteria": how a lesion is measured,
        # the count of a set named after its size; no bound of the thing before ("dimension >= 1", "mi >= 2")
    drink = _drink_rate(c, text)
    rate = _count_rate(c, text) if drink is None else None
    a = attach(c, text, mentions, hint)
    if rate is not None:
        _per_period(c, rate)
    if c.unit == HALF_LIVES:  # "for at least 4 half-lives prior to": a washout of a drug, never of a lab or a vital
        a = window_event(text, mentions.floor(c.start), c) or Attachment()
        if any(lexicon.lookup(s.name) is not None for s in a.subjects):
            a = Attachment()  # "agents known to prolong the QT interval for at least 4 half-lives": not the QT interval
    if drink is not None:  # "more than 3 drinks per day": alcohol intake, whatever head phrase came before
        named = [s for s in a.subjects if s.name and s.end <= c.start and _ALCOHOL_WORD.search(text, s.start, s.end)]
        a = Attachment([Span(named[0].start, named[-1].end, "alcohol") if named else Span(*drink, "alcohol")], None, c.end)
    if not a.subjects and c.unit is None:
        a = Attachment(_who_scale(text, mentions.floor(c.start), c), "performance")
    if not a.subjects:  # no subject of its own: kept, unnamed, for `_link` to carry the one before it
        a = Attachment([Span(c.start, c.start, "")], "other")
    found = records(c, a, text)
    if temperature_only:
        found = [f for f in found if f.unit in ("Cel", "[degF]")]  # only a body temperature reads the letter
    key = _any_of_key(a.subjects, c, text)
    for f in found:
        f.any_of = key
        if rate is not None and f.end < rate.end():
            f.end = rate.end()  # the span holds the period ("5 or more central apneas per hour")
    return found


# ------------------------------------------------------------------ neighbouring comparisons --

_SHARED_UNIT_GAP = re.compile(r"^\s*,?\s*(?:and|but|or)?\s*$", re.I)
_UNNAMED_GAP = re.compile(r"^\s*,?\s*(?:and|but)\s*$", re.I)  # an unnamed bound, "and"/"but", the named one
# between two comparisons of one subject: a parenthesis, a conjunction, and a population the first bound is
# for ("> 1.5 mg/dL in men or > 1.4 mg/dL in women", "< 13 g/dL for males and < 12 g/dL for females")
_CARRY_GAP = re.compile(r"^(?:\.(?=\s+(?:and|or)\s))?[\s,;]*(?:\([^()]{0,60}\))?[\s,]*"  # "30 mg/g.cr. and less than 3500 mg/g.cr."
                        r"(?:(?:in|for)\s+(?:(?:wo)?men|(?:fe)?males?|boys|girls|children|adults|adolescents)\b[\s,;]*)?"
                        r"(?:and/or|or|and|but)?\s*(?:\(\s*(?:or\s+)?)?$", re.I)
# the method or group of a bound, then "or" / "and" and the next bound of the same thing (37 in the XML extract:
# "measurable lesion >= 20 mm by conventional techniques OR >= 10 mm with spiral CT", "ejection fraction less than
# 45% by MUGA scan or less than 50% by echocardiogram", "proteinuria <= 2+ by urine dipstick OR <= 1 g")
_METHOD_GAP = re.compile(r"^\s*\(?\s*(?:with|by|on|using|via|per|for|in)\s+[^,;.()<>=\d]{1,60}?\s*\)?\s*,?\s*"
                         r"(?:or|and|and/or)\s*$", re.I)
# ... and after that bound its own method, or nothing more ("< 20% decrease in ejection fraction", "more than 7 of
# the past 28 days" are other things)
_METHOD_AFTER = re.compile(r"\s*(?:$|[,;.)\]]|(?:with|by|on|in|for|using|via|per|or|and|and/or)\b)", re.I)
# "NT-proBNP >= 600 pg/mL at screening (>= 900 pg/mL for ...)": an alternative bound in the same unit, in parentheses
_ALT_GAP = re.compile(r"^\s+(?:[A-Za-z][\w-]*\s+){0,3}\(\s*(?:or\s+)?$")
# "Busulfan (Total dose > 7.2 mg/kg IV or >9.0 mg/kg orally)": a second limit in the same unit for another route
_ROUTE_GAP = re.compile(r"^\s*(?:IV|i\.v\.|PO|p\.o\.|orally|intravenously|subcutaneously|intramuscularly|SC|IM)\s*,?\s*(?:or|and)\s*$", re.I)


# "Mean CST >= 300 um on OCT if excluding Bruch's membrane (e.g., Cirrus or Topcon) or >= 320 um if ...", "Creatinine
# < 1.6 mg/dL (Myeloablative Regimen 4, Reduced Intensity Regimen 3) or < 3.0 mg/dL": an alternative bound in the
# same unit after a bracket, in the same sentence
_ALT_AFTER_BRACKET = re.compile(r"^[^;\n]{0,160}\)\s*,?\s*(?:and/or|or)\s*$", re.I)


def _share_unit(prev: List[Found], c: Found) -> None:
    """"at least 4.5 but no more than 6 years", ">= 20 and <= 40 years": the unit written once after two
    bounds applies to both (and the next bound's subject, where theirs was only a guessed head phrase)."""
    for p in prev:
        if p.category in ("other", "count") and c.category not in ("other", "count"):
            p.subject, p.subject_text, p.category, p.code = c.subject, c.subject_text, c.category, c.code
        p.unit, p.unit_text = c.unit, c.unit_text
        p.normalized = normalized(p.value, p.unit, p.relative_to, lexicon.subjects().get(p.subject))
        if p.category == "other" and p.unit in TIME_UNITS:
            p.category = "duration"


def _carry(prev: List[Found], found: List[Found], start: int) -> List[Found]:
    """"> 5% (by morphology), and/or > 1% (by flow cytometry)": the bounds after keep the subjects before."""
    heads = list({p.subject: p for p in reversed(prev)}.values())[::-1]  # each listed subject once
    by_subject = {p.subject: p for p in heads}
    if all(c.subject in by_subject for c in found):  # "blood pressure >= 135/85 mm Hg but lower than 170/105 mm
        # Hg": the second pair is already systolic and diastolic, each keeps its own value
        return [replace(c, subject_text=by_subject[c.subject].subject_text, start=start,
                        any_of=by_subject[c.subject].any_of) for c in found]
    out = []
    for p0 in heads:
        subj = lexicon.subjects().get(p0.subject)
        for c in found:
            if p0.subject == "age" and not _plausible_age(c.value, c.unit):
                continue  # "aged 6 to 12 months Greater than 200,000 in patients aged 1 to 20 years": no age
            if unit_names_other(p0.subject, c.unit):
                continue  # "BMI > 30 and at least 20 pounds in excess of ...": no BMI in pounds
            # a measured value after a count ("one lesion >= 1.5 cm") measures the counted thing, it is no count
            category = c.category if p0.category == "count" and c.unit else p0.category
            out.append(replace(c, subject=p0.subject, subject_text=p0.subject_text, category=category, code=p0.code,
                               normalized=normalized(c.value, c.unit, c.relative_to, subj), start=start, any_of=p0.any_of))
    return out


def _link(prev: List[Found], found: List[Found], text: str, start: int) -> List[Found]:
    """The constraints of one comparison, read against those of the comparison before it."""
    if not prev or not found:
        return found
    gap = text[prev[-1].end:start]
    if found[0].unit and _SHARED_UNIT_GAP.match(gap) \
            and all(p.unit is None and p.relative_to is None and p.category not in ("performance", "count")
                    and not (p.value_text or "").endswith("+") and not (p.value_text or "0").isalpha()
                    and not unit_names_other(p.subject, found[0].unit) for p in prev):  # "no greater than 2+ OR < 500 mg/24 hr";
        # a count keeps no unit: "At least one lesion >= 1.5 cm" is one lesion, not a lesion >= 1 cm, nor
        # does a number word ("no more than one greater than 3.0 cm": one lesion); nor does a concept take a unit
        # that cannot measure it ("BMI > 30 and at least 20 pounds in excess of ...": no BMI in pounds)
        _share_unit(prev, found[0])
    # an unnamed second bound after "and"/"but" ("for more than 3 months and less than 36 months") keeps the subject
    unnamed = all(not c.subject for c in found) and re.search(r"(?i)\b(?:and|but)\b", gap) is not None
    same_unit = bool(found[0].unit) and found[0].unit == prev[-1].unit
    # a subject guessed from the unit alone ("<18 kg in women" -> weight) after a named bound in that unit
    # ("handgrip strength <26 kg in men; <18 kg in women") is that bound's subject
    guessed = same_unit and found[0].unit not in TIME_UNITS and all(c.subject and c.subject_text is None for c in found)
    route = same_unit and _ROUTE_GAP.match(gap)
    if route and all(c.category == "other" for c in found) and re.search(r"(?i)\bor\s*$", gap):
        key = f"or@{prev[-1].start}"  # "> 7.2 mg/kg IV or > 9.0 mg/kg orally": either route's limit, not both
        for p in prev:
            if p.end == prev[-1].end:  # (the bound right before only)
                p.any_of = p.any_of or key
        return [replace(c, any_of=key) for c in _carry(prev, found, start)]
    if (all(c.category == "other" for c in found) or unnamed or guessed) and (
            _CARRY_GAP.match(gap) or (same_unit and (_ALT_GAP.match(gap) or route))):
        return _carry(prev, found, start)
    if same_unit and all(not c.subject for c in found) and _ALT_AFTER_BRACKET.search(gap):
        return _carry(prev, found, start)
    if _METHOD_GAP.match(gap) and all(c.subject and prev[-1].end <= c.start < start for c in found) \
            and _METHOD_AFTER.match(text, max(c.end for c in found)):
        return _carry(prev, found, start)  # "at least 20 mm with conventional techniques or at least 10 mm with
        # spiral CT": the second bound's nearest phrase is the first one's method, not its subject
    return found


# ------------------------------------------------------------------ the public entry --

# Windows Symbol-font text read as Latin-1: "\u2265" arrives as "\u00b3" (normalised to "^3") and "\u2264" as "\u00a3"
_SYMBOL_FONT = re.compile(r"(?:(?<=[\s(:])|^)(?:\^3|\u00a3)(?=\s?\.?\d)")
_SYMBOL_FONT_OPS = {"3": ">=", "\u00a3": "\u2264"}


@lru_cache(maxsize=None)
def _pattern(name: str) -> "re.Pattern[str]":
    """A pattern of constraint_words.toml [patterns], compiled once."""
    return re.compile(comparisons.words()["patterns"][name], re.I)


def _unit_subject(subject: Optional[str]) -> bool:
    """A subject that is only a unit as written ("mg/m2", "mm3", "ul"): no constraint (constraint_words.toml)."""
    return bool(subject) and _pattern("unit_subject").fullmatch(subject.strip()) is not None


def _spacing(c: "Found", text: str) -> bool:
    """A time before "apart" ("2 consecutive rises in PSA at least 2 weeks apart"): the spacing of repeated
    tests, no constraint (constraint_words.toml `spacing_after`)."""
    return c.unit in TIME_UNITS and _pattern("spacing_after").match(text, c.end) is not None


def _measured_over(c: "Found", text: str) -> bool:
    """A time or a count after "over" that is the period a change is measured over ("50% increase over 2
    months", "rise in beta HCG titer over two consecutive weeks") or a run of consecutive ones ("over 7
    consecutive days"): no constraint (constraint_words.toml `measured_over`)."""
    if c.unit is not None and c.unit not in TIME_UNITS or not c.value_text:
        return False
    at = text.rfind(c.value_text, c.start, c.end)
    if at < 0 or not text[max(0, at - 30):at].rstrip().lower().endswith("over"):
        return False
    m = _pattern("measured_over").search(text, max(0, at - 140), at)
    return m is not None and (m.group(0)[:4].lower() != "over" or _CONSECUTIVE.match(text, at + len(c.value_text)))


_CONSECUTIVE = re.compile(r"\s+consecutive\b", re.I)


def _clause_free(c: "Found") -> None:
    """A subject that is a clause loses its modal verb ("last transfusion cannot have been given within 7 days") or
    the patients it is said of (`subjects.clause_free`), and takes the code and normal form of the subject it
    becomes."""
    name = clause_free(c.subject)
    if name and name != c.subject:
        fresh = record(name, c.subject_text, c.op, c.value, c.value_text, c.unit, c.unit_text, c.relative_to,
                       c.category, c.start, c.end)
        c.subject, c.code, c.normalized = fresh.subject, fresh.code, fresh.normalized


def _lost_symbol(c: "Found") -> bool:
    """An equality on a measured value with a unit ("diastolic blood pressure =110mmHg or =50mmHg", "Creatinine
    clearance of .=50 ml/min", "1.0 fluid oz (US) = 29.57 ml"): a comparator lost in the record's encoding, a
    typo or a definition, never a value a patient must equal; no constraint (23 of 25 such constraints of the XML
    extract were so).  Performance scales and time lengths keep it ("Karnofsky 100%", "for 7 days")."""
    return c.op == "=" and c.unit is not None and c.category not in ("performance", "duration", "temporal", "age") \
        and c.unit not in TIME_UNITS


def _blank_digits(m: "re.Match[str]") -> str:
    """The match with its digits and their punctuation as spaces (same length: offsets hold)."""
    return re.sub(r"[\d()/.\-]", " ", m.group(0))


# a change from one level to another is no range of levels ("Worsening of disease as shift from Hurley Stage II to
# Stage III", NCT00494351: the exclusion then shut out every patient its inclusion of Hurley stage II admitted;
# "progression from NYHA class II to class IV"): no constraint, the words decide
_SHIFT_FROM = re.compile(r"\b(?:shift|progress\w*|chang\w*|increas\w*|decreas\w*|worsen\w*|improv\w*|conver\w*|"
                         r"transition\w*|deteriorat\w*|upgrad\w*|downgrad\w*)\s+(?:\w+\s+){0,3}?from\s+(?:an?\s+|the\s+)?$", re.I)


def _shift_from(c: Found, text: str) -> bool:
    """Whether `c` is one end of a "from X to Y" change ("shift from Hurley Stage II to Stage III")."""
    return (c.op in (">=", "<=")) and _SHIFT_FROM.search(text, max(0, c.start - 50), c.start) is not None \
        and re.search(r"\bto\b", text[c.start:c.end], re.I) is not None


def _found(text: str, subject_hint: Optional[str]) -> List[Found]:
    if "^3" in text or "\u00a3" in text:  # (the pattern, tried at every position, only where it can match)
        text = _SYMBOL_FONT.sub(lambda m: _SYMBOL_FONT_OPS[m.group(0)[-1]], text)  # same length: offsets hold
    if "-" in text:  # a telephone number is no range ("at 617/632-3985"): masked, its calling word kept
        text = _pattern("phone_number").sub(_blank_digits, text)
    if "cale" in text or "ange" in text or "CALE" in text or "ANGE" in text or "(out of" in text:  # an instrument's range ("(on a scale of 1-4)") is no bound: masked
        text = _pattern("scale_range").sub(lambda m: " " * len(m.group(0)), text)
    low = text.lower()
    has_scale = _named_cue(low) or _ord_cue(low, text)
    if not (has_scale or comparisons.any_number(text, low) or "ln" in low or "normal" in low):
        return []
    mentions = Mentions(text)
    out: List[Found] = []
    scale_spans: List[Tuple[int, int]] = []
    if has_scale:
        out, scale_spans = _scale_constraints(text, mentions)
    prev: List[Found] = []
    pending: List[Found] = []  # an unnamed bound, named by the bound after it ("Completed at least 4.5 but no more than 6 years of X")
    for m in comparisons.matches(text):
        if scale_spans and any(a <= m.start("v1") < b for a, b in scale_spans):
            continue
        linked = _link(prev, _from_match(m, text, mentions, subject_hint, prev), text, m.start())
        found = [f for f in linked if f.subject]
        if len(pending) == 1 and len(found) == 1 and _UNNAMED_GAP.match(text[pending[0].end:m.start()]) \
                and pending[0].unit is None and pending[0].relative_to is None and pending[0].op[0] != found[0].op[0]:
            _share_unit(pending, found[0])
            out.extend(p for p in pending if p.subject)
        pending = linked if linked and not found else []
        if found:
            prev = found
        out.extend(found)
    if "ln" in low or "normal" in low:
        for c in comparisons.bare_limits(text):
            a = attach(c, text, mentions, subject_hint)
            if a.subjects and all(s.name for s in a.subjects) and a.category is None:
                out.extend(records(c, a, text))
    seen = set()
    uniq = []
    for c in sorted(out, key=lambda f: f.start):  # in text order, exact duplicates (same subject, op, value, span) dropped
        _clause_free(c)
        key = (c.subject, c.op, c.value, c.start, c.end)
        if key not in seen and not _unit_subject(c.subject) and not _lost_symbol(c) and not _spacing(c, text) \
                and not _measured_over(c, text) and not _shift_from(c, text):
            seen.add(key)
            uniq.append(c)
    if "(" in text:
        uniq = _without_restatements(uniq, text)
    if "=" in text:
        _equal_pairs(uniq, text)
    uniq = _chained_lower(uniq, text) if "<" in text or "\u2264" in text or "\u2266" in text else uniq
    return _respectively(uniq, text) if "respectively" in low else uniq


# the lower end of a chained comparison written before its subject: "145 mmHg <= msSBP <= 190 mmHg", "18 <Age <80",
# "25<BMI<30 kg/m2", "5 <= Apnea Hypopnea Index (AHI) < 20" (6 in the XML extract and LCT; only the upper end was read)
_CHAIN_LOW = re.compile(r"(?<![\w.,])(?P<v>\d+(?:\.\d+)?)\s*(?P<u>[A-Za-z/%][\w/%^*]{0,10})?\s*(?P<op><=?|=<|\u2264|\u2266)\s*$")


def _chained_lower(found: List[Found], text: str) -> List[Found]:
    """The lower bounds of chained comparisons, from the upper bounds read after their subject."""
    out = []
    for f in found:
        if f.op not in ("<", "<=") or f.relative_to or not f.subject_text or f.value_text is None:
            continue
        m = _CHAIN_LOW.search(text, max(0, f.start - 24), f.start)
        if m is None or text[f.start:f.end].find(f.subject_text) != 0:
            continue
        unit = units.to_ucum(m.group("u")) if m.group("u") else f.unit
        value = float(m.group("v"))
        if m.group("u") and unit != f.unit or value >= f.value:
            continue
        op = ">" if m.group("op") == "<" else ">="
        out.append(replace(f, op=op, value=value, value_text=m.group("v"), start=m.start(),
                           normalized=normalized(value, unit, None, lexicon.subjects().get(f.subject))))
    return found + out if out else found


# between two "=" bounds of one subject: "Age =18 and = 65 years", "=18 to =65" (a "\u2265"/"\u2264" pair lost to "=" by
# a text export: 27 in Chia, 1 in the XML extract); read literally, no value passes both
_EQ_PAIR_GAP = re.compile(r"^\s*(?:[a-z]+\s+)?(?:and|to|-)\s*$", re.I)


def _equal_pairs(found: List[Found], text: str) -> None:
    """Two "=" bounds of one subject, the lower first, joined by "and"/"to": the range between them."""
    for a, b in zip(found, found[1:]):
        eq = text.find("=", a.end, b.end) if a.op == b.op == "=" else -1
        if eq >= 0 and a.subject == b.subject and a.value < b.value and _EQ_PAIR_GAP.match(text[a.end:eq]) \
                and a.unit in (None, b.unit):
            a.op, b.op = ">=", "<="
            a.unit, a.unit_text = b.unit, a.unit_text or b.unit_text
            a.normalized = normalized(a.value, a.unit, a.relative_to, lexicon.subjects().get(a.subject))


_RESPECTIVELY = re.compile(r"[\s,;)\]]*(?:(?:in|for)\s+[^.;,]{1,40}?[\s,]*)?respectively\b", re.I)


def _respectively(found: List[Found], text: str) -> List[Found]:
    """"systolic and diastolic pressures of greater than 160 mm Hg or greater than 95 mm Hg, respectively": the
    k-th value is the k-th subject's (SBP > 160, DBP > 95), never every value for every subject. The comparisons
    before a "respectively" (constraint_words: 13 in the XML extract and LCT) that share one list of subjects are
    paired in order; where the counts differ ("above 20 g and 30 g for women and men respectively", read as one
    range) they give no constraint."""
    out, i = [], 0
    ends = sorted({f.end for f in found})  # one end per comparison (each subject's span starts at its name)
    while i < len(ends):
        j = i  # the run of comparisons in one sentence, up to a "respectively" after one of them
        while j + 1 < len(ends) and not _RESPECTIVELY.match(text, ends[j]) \
                and not SENTENCE_BREAK.search(text, ends[j], ends[j + 1]):
            j += 1
        run = ends[i:j + 1]
        if _RESPECTIVELY.match(text, run[-1]):
            out.extend(_paired([[f for f in found if f.end == e] for e in run]))
        else:
            out.extend(f for f in found if f.end in run)
        i = j + 1
    return sorted(out, key=lambda f: f.start)


def _paired(groups: List[List[Found]]) -> List[Found]:
    """The k-th comparison's constraint on the k-th subject, where every comparison has one per subject in one
    order; every constraint where each comparison names a subject of its own; nothing otherwise."""
    own = [{f.subject for f in g} for g in groups]
    if len(groups) > 1 and all(len(o) == 1 for o in own) and len(set.union(*own)) == len(groups):
        return [f for g in groups for f in g]  # each names its own ("anxiety (score 8 to 23) or stress (score 14 to 26)")
    names = [[f.subject for f in g] for g in groups]
    if len(groups) < 2 or any(n != names[0] for n in names) or len(names[0]) != len(groups):
        return []
    return [g[k] for k, g in enumerate(groups)]


def extract(text: str, subject_hint: Optional[str] = None) -> List[Dict[str, Any]]:
    """Constraints found in one criterion's text, offsets local to `text`.

    `subject_hint` names the subject of comparisons that state none, from the
    criterion's context (the legacy "Age:" label over "18 and over").

    Each dict: subject, subject_text, op, value, unit, unit_text, value_text,
    relative_to, category, code, normalized ({value, unit} or None), negated,
    start, end, values (op "in"), any_of (alternatives' shared key)."""
    if not isinstance(text, str):
        raise TypeError(f"critparse.constraints.extract expects the criterion text as str, not {type(text).__name__}")
    if not text:
        return []
    return [f.to_dict() for f in _found(text, subject_hint)]
