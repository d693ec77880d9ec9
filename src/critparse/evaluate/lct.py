"""Score critparse's constraints against LCT's human comparison events.

LCT (Leaf Clinical Trials corpus, BRAT standoff) annotates every numeric
comparison as an event ``E19 Eq-Comparison:T34 Operator:T19 Value:T28
[Value2:T..] [Unit:T..] [Per:T..] [Temporal-Unit:T..]`` whose arguments are
text-bound spans (``Eq-Operator``, ``Eq-Value``, ``Eq-Unit``,
``Eq-Temporal-Unit``), and ties it to the entity it filters: ``E18 Age:T27
Numeric-Filter:E19``, ``E8 Observation:T42 Name:T43 Numeric-Filter:E20``, or
a Procedure / Drug / Condition through ``Temporality`` / ``Duration`` /
``Minimum-Count`` / ``Dose`` / ``Stage``.  This module turns both sides into
*bounds* (span, value, op, unit; gold bounds carry the filtered entities,
predicted bounds the subjects) on the original document text and matches
them.

Gold bounds (one Eq-Comparison event):

* events without a ``Value`` (``previously``, ``first``) are not numeric
  thresholds and are skipped; only the first ``Operator`` is read;
* value: the Eq-Value text as a float (digits with thousands commas, number
  words "one".."twenty", Roman numerals I..X, also as the Unicode numerals
  "Ⅲ", "Ⅳ", ordinals "3rd" / "second", "once" / "twice" / "half" / "½",
  "10^3"); a value that is no number ("moderate to severe", "F3", "Child-Pugh
  C", calendar dates "1st of january 2011", clock times "22:00") stays
  ``None``.  Such comparisons are **left out of every score** and counted
  apart (``non_numeric``): critparse's constraints hold numbers, and no
  (value, op, unit) can ever equal a word (this scorer used to count them as
  gold that no prediction could match: 116 of 3,068 gold bounds, fast mode);
* operator: the Eq-Operator text, normalised with `critparse.normalize` (so
  ``≥`` reads ``>=``) and looked up in ``resources/comparators.jsonl`` (any
  position, plus the ``range`` and ``temporal`` rows); no operator means
  ``=``, except a time window written without one ("in the past 3 months",
  "during the previous 90 days": "last/past/previous/prior/preceding/recent/
  within", forward "next/coming/upcoming/first" ("in the next 12 months",
  "in the first 24 hours"), right before the value; "in/during/over the 6 months prior to /
  preceding / before ..."), which reads ``<=`` as the extractor reads it (LCT
  annotates "within 3 months" with operator "within" but "past 3 months" with
  none; both mean the same window); an operator the table lacks is ``None``
  (never equal to a prediction);
* two or more values (``Value2``.. or a repeated ``Value`` role) make a range:
  two bounds, ``>=`` the smallest value and ``<=`` the largest (``<`` where
  "<" / "less than" / "under" stands right before the last value: "2 to <12
  years"), whatever the operator text (``-``, ``to``, ``between``, ``~``,
  ``or``).  Exceptions, where LCT's two values are no range (scorer fixes,
  each seen several times in the corpus): two values joined by ``/`` under a
  comparison operator are paired thresholds, each under that operator ("BP >
  140/90", "HDL < 50/40 mg/dl" for F/M); ``/10`` after a score ("> 4/10") and
  ``:1`` after a ratio ("< 1.5:1") leave one bound; a power of ten after a
  multiplier sign ("100x109/L", 10^9 as printed) and a number inside the unit
  ("ml/min/1.73 m2") are part of the unit;
* unit: the original text from the first to the last of the Unit / Per /
  Unit2 / Temporal-Unit spans (so ``μmol`` + ``L`` reads ``μmol/L``; a ``/``
  just before the unit is included: ``/mm3``), normalised and passed through
  `critparse.units.to_ucum`; relative units (``ULN``, "upper limit of normal",
  "normal") become ``xULN`` / ``xLLN``.  A unit text `to_ucum` cannot read
  ("stage", "grade", "cigarettes") is compared as ``None`` -- no UCUM unit,
  which is what the extractor reports for scales and counts.  Where LCT marks
  no unit but one is written right after the value, inside the comparison
  ("between 7% to 11%") or after a second comparison sharing it ("BMI <18 or
  >35 kg/m2", "≥20 and ≤80 years of age"), that unit (``unit_near``) also
  counts as right: LCT's annotators left such units out (scorer fix); the
  period of a count ("3-4 times per [week]", "cigarettes/day") is the rate
  ``/wk``, ``/d`` the extractor writes (scorer fix);
* anchors (the filtered entities): every event that names the comparison in
  a subject role (`SUBJECT_ROLES`), plus the entities tied to those by an
  ``Abbrev-Of`` / ``And`` / ``Or`` / ``Equivalent-To`` / ``Using`` relation or a
  ``Coreference`` event (one hop).  Each anchor is the trigger span of its
  event (its label: Observation, Age, Condition, Procedure, Drug, ...).

Predicted bounds: `critparse.parser.parse_many` in ``fast`` (rule layers) or
``full`` (rules + trained NER) mode on each document's text; constraint
offsets are in the original text.  The predicted unit is the unit *as written*
(``to_ucum(unit_text)``, ``%``, or ``xULN``/``xLLN`` for ``relative_to``), not
one the extractor inferred (``age >= 18`` with no word "years" has unit
``None`` on both sides).  Constraints that share a threshold over a list ("ALT
and AST <= 3 x ULN": one gold comparison) are collapsed into one bound that
keeps every subject.  Enumerations (``op`` ``in``) are not comparisons and are
left out.  The subject span is where ``subject_text`` occurs nearest the
constraint (None if it does not occur).

Matching is one-to-one and greedy in document order: a gold bound is *found*
by the first still-unmatched prediction whose span overlaps the gold
Eq-Comparison span and whose key agrees.  Keys:

* ``strict``: (value, op, unit): op equal, and value and unit equal, or the
  predicted value converted to the gold unit (`critparse.units.try_convert`)
  equal to the gold value within 0.1 % -- the headline figure;
* ``strict+subject``: strict, and the subject attached right (below; a gold
  comparison LCT ties to nothing only needs strict);
* ``span``: overlap only (a comparison was detected there);
* ``value``, ``op``, ``unit``: that one component equal.

For each key, precision = matched predictions / predictions, recall = found
gold bounds / gold bounds, F1 their harmonic mean (micro, over all documents).

Subject attachment: for every gold bound with anchors that the ``value`` key
matched, the predicted subject is right when one of the prediction's subjects
overlaps an anchor span, or names the same concept (`critparse.lexicon.lookup`
of the anchor text gives the subject's name; an ``Age`` anchor and subject
``age``; a word of the anchor and a word of the subject's name share their
first five letters, or are equal: "weigh" and "weight").  Accuracy = right / judged, overall and per anchor role.
"""

from __future__ import annotations

import re
import tarfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from .metrics import PRF
from .. import lexicon, resources, units
from ..normalize import normalize

KEYS = ("strict", "strict+subject", "span", "value", "op", "unit")
MODES = ("fast", "full")

#: roles through which an event names the comparison that filters or dates it
SUBJECT_ROLES = frozenset({"Numeric-Filter", "Temporality", "Duration", "Minimum-Count", "Dose", "Stage",
                           "Min-Value", "Max-Value", "Class", "Eq-Comparison"})
#: relations that tie an anchor to another entity naming the same thing or sharing the threshold
_LINKS = frozenset({"Abbrev-Of", "And", "Or", "Equivalent-To", "Using"})


@dataclass(frozen=True)
class Anchor:
    """An entity a gold comparison filters (LCT event trigger span)."""

    role: str  # "Numeric-Filter", "Temporality", ... ; "<role>+<relation>" when reached through a relation
    label: str  # "Observation", "Age", "Procedure", ...
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class GoldBound:
    start: int
    end: int
    value: Optional[float]
    op: Optional[str]
    unit: Optional[str]
    anchors: Tuple[Anchor, ...] = ()
    unit_near: Optional[str] = None  # LCT marked no unit, but one is written right after the value(s)
    counted: Optional[Tuple[int, int]] = None  # a unit span that is no unit: the thing counted ("cigarettes per day")


@dataclass(frozen=True)
class PredSubject:
    name: str
    text: Optional[str]
    span: Optional[Tuple[int, int]]
    category: str = "other"


@dataclass(frozen=True)
class PredBound:
    start: int
    end: int
    value: float
    op: str
    unit: Optional[str]
    subjects: Tuple[PredSubject, ...] = ()


Bound = Union[GoldBound, PredBound]


@dataclass
class ErrorRow:
    """One miss, spurious prediction or wrong attachment, with its text."""

    doc: str
    kind: str  # "miss" | "spurious" | "wrong-subject"
    cls: str  # error class, e.g. "op <= read as ="
    gold: Optional[GoldBound]
    pred: Optional[PredBound]
    context: str


@dataclass
class LctScores:
    docs: int = 0
    mode: str = "fast"
    scores: Dict[str, PRF] = field(default_factory=lambda: {k: PRF() for k in KEYS})
    attach: Dict[str, List[int]] = field(default_factory=dict)  # role -> [right, judged]
    non_numeric: int = 0  # gold comparisons whose value is no number ("moderate to severe", dates): not scored
    unmapped_ops: Counter = field(default_factory=Counter)
    unmapped_units: Counter = field(default_factory=Counter)
    errors: List[ErrorRow] = field(default_factory=list)

    def attachment(self, role: Optional[str] = None) -> Tuple[int, int]:
        """(right, judged) over all roles or one."""
        rows = [v for k, v in self.attach.items() if role is None or k == role]
        return sum(r for r, _ in rows), sum(n for _, n in rows)

    def error_classes(self) -> Counter:
        """Error class counts (spurious predictions that pair with a miss are counted with the miss)."""
        return Counter(e.cls for e in self.errors if not e.cls.startswith("pairs with a miss"))

    def as_dict(self) -> Dict[str, object]:
        right, judged = self.attachment()
        return {"docs": self.docs, "mode": self.mode, "non_numeric_gold_left_out": self.non_numeric, **{k: v.as_dict() for k, v in self.scores.items()},
                "attachment": {"right": right, "judged": judged, "accuracy": round(right / judged, 4) if judged else 0.0,
                               "by_role": {k: {"right": r, "judged": n} for k, (r, n) in sorted(self.attach.items())}},
                "error_classes": dict(self.error_classes().most_common())}


# ------------------------------------------------------------------ gold --

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10}
#: multiplicative and fraction words: "twice the ULN" is 2 x ULN, "the past half year" 0.5 a
_MULTIPLES = {"once": 1, "twice": 2, "thrice": 3, "half": 0.5, "a half": 0.5, "one half": 0.5, "1\u20442": 0.5}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
          "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100}


def parse_value(text: str) -> Optional[float]:
    s = unicodedata.normalize("NFKC", normalize(text).text).strip().lower().rstrip(".")  # NFKC: "Ⅲ" -> "III"
    if s in _WORDS:
        return float(_WORDS[s])
    if s in _ROMAN:
        return float(_ROMAN[s])
    if s in _ORDINALS or s in _MULTIPLES:
        return float(_ORDINALS.get(s, _MULTIPLES.get(s, 0)))
    m = re.fullmatch(r"(\d+)\s*(?:st|nd|rd|th)", s)  # "3rd", "7th"
    if m:
        return float(m.group(1))
    m = re.fullmatch(r"10\s*\^\s*(-?\d{1,2})", s)  # "10^3"
    if m:
        return 10.0 ** int(m.group(1))
    s2 = s.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", s2):
        s2 = s2.replace(",", "")
    elif re.fullmatch(r"\d{1,3},\d{1,2}", s2):  # decimal comma: "18,5"
        s2 = s2.replace(",", ".")
    try:
        return float(s2)
    except ValueError:
        return None


def _op_table() -> Dict[str, str]:
    table: Dict[str, str] = {}
    for row in resources.read_jsonl("comparators.jsonl"):
        if "phrase" in row and row.get("op"):
            table.setdefault(" ".join(normalize(row["phrase"]).text.lower().split()), row["op"])
    return table


_OPS: Optional[Dict[str, str]] = None


def map_op(text: Optional[str]) -> Optional[str]:
    """ASCII operator of an operator as written (None if the table lacks it)."""
    global _OPS
    if _OPS is None:
        _OPS = _op_table()
    if text is None:
        return "="
    key = " ".join(normalize(text).text.lower().split())
    return _OPS.get(key) or _OPS.get(key.replace(" ", ""))


_REL = re.compile(r"^(?:x\s*)?(?:uln|unl|upper\s+limits?(?:\s+of)?(?:\s+the)?(?:\s+normal)?|normal\s+upper\s+limit|"
                  r"maximum\s+normal\s+value|highest\s+reference\s+value|normal|n)$", re.I)


def map_unit(text: Optional[str]) -> Optional[str]:
    """Comparable unit: UCUM code, 'xULN'/'xLLN', or None (no unit / not a UCUM unit)."""
    if not text:
        return None
    t = " ".join(normalize(text).text.split())
    if re.match(r"^(?:x\s*)?(?:lln|lower\s+limits?\s+of\s+(?:the\s+)?normal)$", t, re.I):
        return "xLLN"
    if _REL.match(t):
        return "xULN"
    return units.to_ucum(t)


# a time window written without an operator word: "(in|for|during) the last/past/previous N <unit>", and
# forward: "in the next 12 months", "in the first 24 hours"
_WINDOW = re.compile(r"\b(?:last|past|previous|prior|preceding|recent|within|next|coming|upcoming|first)\s+$", re.I)
# ... or "in/during the N <unit> prior to / preceding / before X"
_WINDOW_THE = re.compile(r"\b(?:in|during|over)\s+the\s+$", re.I)
_WINDOW_AFTER = re.compile(r"[\w\s-]{0,25}?\b(?:prior|preceding|before)\b", re.I)


def _is_window(text: str, cs: int, ce: int, vs: int) -> bool:
    """A time window written without an operator word, around a comparison span (cs, ce) whose value starts at vs."""
    if _WINDOW.search(text, max(0, cs - 30), vs):
        return True
    return bool(_WINDOW_THE.search(text, max(0, cs - 30), vs) and _WINDOW_AFTER.match(text, vs, ce + 12))


def _spans(mid: str) -> Tuple[str, int, int]:
    label, rest = mid.split(" ", 1)
    nums = [int(x) for x in re.findall(r"\d+", rest)]
    return label, min(nums), max(nums)


@dataclass
class _Brat:
    """The parts of one .ann file the scorer reads."""

    tb: Dict[str, Tuple[str, int, int, str]]  # T id -> (label, start, end, text)
    events: Dict[str, List[str]]  # E id -> ["Label:T..", "Role:ref", ...]
    links: List[Tuple[str, str, str]]  # (relation, arg1, arg2)


def _read_brat(ann: str, text: str) -> _Brat:
    brat = _Brat({}, {}, [])
    for line in ann.splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        if line.startswith("T"):
            label, s, e = _spans(parts[1])
            brat.tb[parts[0]] = (label, s, e, parts[2] if len(parts) > 2 else text[s:e])
        elif line.startswith("E"):
            brat.events[parts[0]] = parts[1].split()
        elif line.startswith("R"):
            f = parts[1].split()
            if len(f) == 3 and f[1].startswith("Arg1:") and f[2].startswith("Arg2:"):
                brat.links.append((f[0], f[1][5:], f[2][5:]))
    return brat


def _anchor_of(brat: _Brat, ref: str, role: str) -> Optional[Anchor]:
    """The anchor for an event or text-bound id (its trigger span)."""
    args = brat.events.get(ref)
    tid = args[0].split(":", 1)[1] if args and ":" in args[0] else ref
    if tid not in brat.tb:
        return None
    label, s, e, t = brat.tb[tid]
    return Anchor(role, args[0].split(":", 1)[0] if args else label, s, e, t)


def _anchors(brat: _Brat, comp_id: str) -> Tuple[Anchor, ...]:
    """Entities that name `comp_id` in a subject role, and those one relation or coreference away."""
    out: List[Anchor] = []
    parents: List[Tuple[str, str]] = []
    for eid, args in brat.events.items():
        for a in args[1:]:
            role, _, ref = a.partition(":")
            if ref == comp_id and re.sub(r"\d+$", "", role) in SUBJECT_ROLES:
                parents.append((eid, role))
    for eid, role in parents:
        anchor = _anchor_of(brat, eid, role)
        if anchor is not None:
            out.append(anchor)
        args = brat.events.get(eid, [])
        if args and args[0].startswith("Coreference:"):
            out += [x for a in args[1:] if a.startswith("Refers-To")
                    for x in [_anchor_of(brat, a.split(":", 1)[1], role + "+Coreference")] if x]
        for rel, a1, a2 in brat.links:
            if rel in _LINKS and eid in (a1, a2):
                x = _anchor_of(brat, a2 if a1 == eid else a1, f"{role}+{rel}")
                if x is not None:
                    out.append(x)
    return tuple(dict.fromkeys(out))


# unit spans that are a scale ("stage", "grade": the scale is not what LCT's Stage role ties it to) or a unit
# critparse does not know ("microMolar", "ug/min"): never the thing counted
_NOT_COUNTED = re.compile(r"(?i)(?:stag|grad|class|level|score|point|type|group|status|staging|(?:pk\s+)?half|"
                          r"micro|milli|nano|pico|kilo|mcg|unit|dose)")


def _counted_span(brat: _Brat, roles: Dict[str, str]) -> Optional[Tuple[int, int]]:
    """The span of an Eq-Unit that names no unit but the thing counted ("cigarettes per day", "cores")."""
    uspans = sorted((brat.tb[roles[r]] for r in ("Unit", "Unit2") if roles.get(r) in brat.tb), key=lambda u: u[1])
    first = uspans[0][3].strip() if uspans else ""
    if not re.match(r"[A-Za-z]{4}", first) or _NOT_COUNTED.match(first):
        return None
    return min(u[1] for u in uspans), max(u[2] for u in uspans)


def _gold_unit(brat: _Brat, roles: Dict[str, str], text: str, stats: Optional[LctScores],
               unit_value_start: Optional[int] = None) -> Optional[str]:
    uspans = [brat.tb[roles[r]] for r in ("Unit", "Per", "Unit2", "Per2", "Temporal-Unit") if roles.get(r) in brat.tb]
    if not uspans:
        return None
    us, ue = min(u[1] for u in uspans), max(u[2] for u in uspans)
    if unit_value_start is not None and unit_value_start < us:  # "x109/L": the multiplier's number opens the unit
        us = unit_value_start
    if us > 0 and text[us - 1] == "/":
        us -= 1
    unit = map_unit(text[us:ue])
    rate = _rate_period(text, us, ue, unit)
    if rate is not None:
        return rate
    if unit is None and stats is not None:
        stats.unmapped_units[text[us:ue]] += 1
    return unit


_PERIODS = {"h": "/h", "d": "/d", "wk": "/wk", "mo": "/mo", "a": "/a"}
_PER_BEFORE = re.compile(r"(?i)(?:\b(?:per|an?|each|every)\s*|/\s*)$")
_PER_PERIOD_END = re.compile(r"(?i)(?:\bper|\ban?|\beach|\bevery|/)\s*(?P<p>hours?|hrs?|days?|weeks?|wks?|months?|years?|yrs?)\s*$")


def _rate_period(text: str, us: int, ue: int, unit: Optional[str]) -> Optional[str]:
    """A count per period, as the extractor writes it (/h, /d, /wk, /mo, /a): LCT marks the period of "3-4
    times per week" as the comparison's (temporal) unit, and leaves "cigarettes/day", "cigarettes a day" as a
    unit no table reads (scorer fix: both are the rate)."""
    if unit in _PERIODS:
        return _PERIODS[unit] if _PER_BEFORE.search(text, max(0, us - 8), us) else None
    if unit is None:
        m = _PER_PERIOD_END.search(text, us, ue)
        if m and re.match(r"[A-Za-z]", text[us:ue]):
            return _PERIODS.get(units.to_ucum(m.group("p")) or "")
    return None


_MULTIPLIER_BEFORE = re.compile(r"[x\u00d7*]\s*$", re.I)
_PAIR_GAP = re.compile(r"^\s*([/:])\s*$")
_STRICT_UPPER = re.compile(r"(?:<|\bless\s+than|\bunder|\byounger\s+than|\bbelow)\s*$", re.I)
_COMPARE_OPS = ("<", "<=", ">", ">=")


def _unit_values(brat: _Brat, roles: Dict[str, str], value_refs: List[str], text: str) -> List[str]:
    """Values that LCT marked but that are part of the unit: "100x109/L" (10^9 written as 109 after a
    multiplier sign), "ml/min/1.73 m2" (a number inside the unit's span)."""
    uspans = [brat.tb[roles[r]] for r in ("Unit", "Per", "Unit2", "Per2") if roles.get(r) in brat.tb]
    out = []
    for k, r in enumerate(value_refs[1:], 1):
        _, vs, ve, _ = brat.tb[r]
        inside = any(u[1] <= vs and ve <= u[2] for u in uspans) or (
            uspans and min(u[1] for u in uspans) < vs < max(u[2] for u in uspans) and text[vs - 1:vs] == "/")
        power = re.fullmatch(r"10(?:\^?-?\d{1,2}|[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+)?", brat.tb[r][3].strip())
        if inside or (power and _MULTIPLIER_BEFORE.search(text, max(0, vs - 3), vs)):
            out.append(r)
    return out


_UNIT_AFTER: Optional["re.Pattern[str]"] = None


def _unit_near(text: str, ve: int, ce: int) -> Optional[str]:
    """The unit written right after a comparison's last value where LCT marked none: inside the comparison
    ("between 7% to 11%") or after a second comparison that shares it ("BMI <18 or >35 kg/m2", ">=20 and
    <=80 years of age")."""
    global _UNIT_AFTER
    if _UNIT_AFTER is None:
        from ..comparisons import _UNIT_ALT  # the extractor's own unit surface forms

        _UNIT_AFTER = re.compile(
            r"\s*(?:(?:or|and|to|-|\u2013|,)\s*(?:[<>\u2264\u2265=]+\s*|(?:less|more|greater|lower|higher)\s+than\s+)?"
            r"-?\d+(?:[.,]\d+)?\s*)?(?P<u>%|(?i:" + _UNIT_ALT + r"))(?![A-Za-z0-9])")
    m = _UNIT_AFTER.match(text, ve, min(len(text), max(ce, ve) + 40))
    return map_unit(m.group("u")) if m else None


def _comparison_bounds(brat: _Brat, comp_id: str, text: str, stats: Optional[LctScores]) -> List[GoldBound]:
    args = brat.events[comp_id]
    trig = brat.tb.get(args[0].split(":", 1)[1])
    roles: Dict[str, str] = {}
    value_refs: List[str] = []
    for a in args[1:]:
        if ":" in a:
            role, ref = a.split(":", 1)
            if re.fullmatch(r"Value\d*", role) and ref in brat.tb:
                value_refs.append(ref)
            roles.setdefault(role, ref)
    if trig is None or not value_refs:
        return []
    cs, ce = trig[1], trig[2]
    in_unit = _unit_values(brat, roles, value_refs, text)
    value_refs = [r for r in value_refs if r not in in_unit]
    values = [parse_value(brat.tb[r][3]) for r in value_refs]
    op_text = brat.tb[roles["Operator"]][3] if roles.get("Operator") in brat.tb else None
    op = map_op(op_text)
    if op_text is None and _is_window(text, cs, ce, brat.tb[value_refs[0]][1]):
        op = "<="  # "in the past 3 months": a window, read as the extractor reads it
    if op is None and stats is not None and len(values) == 1:
        stats.unmapped_ops[op_text] += 1
    unit = _gold_unit(brat, roles, text, stats, brat.tb[in_unit[0]][1] if in_unit else None)
    counted = _counted_span(brat, roles) if unit is None or unit in _PERIODS.values() else None
    near = None if unit else _unit_near(text, max(brat.tb[r][2] for r in value_refs), ce)
    anchors = _anchors(brat, comp_id)
    if len(values) == 2 and op in _COMPARE_OPS:
        gap = _PAIR_GAP.match(text[brat.tb[value_refs[0]][2]:brat.tb[value_refs[1]][1]])
        if gap and (gap.group(1) == ":" or values[1] == 10):  # a ratio "< 1.5:1", a score "> 4/10": one bound
            return [GoldBound(cs, ce, values[0], op, unit, anchors, near, counted)]
        if gap:  # paired thresholds "BP > 140/90", "HDL < 50/40 mg/dl" (F/M): each value under the operator
            return [GoldBound(cs, ce, v, op, unit, anchors, near, counted) for v in values]
    if len(values) > 1:
        vals = [v for v in values if v is not None]
        vs2 = brat.tb[value_refs[-1]][1]
        upper = "<" if _STRICT_UPPER.search(text, max(0, vs2 - 14), vs2) else "<="  # "2 to <12 years"
        return [GoldBound(cs, ce, min(vals) if vals else None, ">=", unit, anchors, near, counted),
                GoldBound(cs, ce, max(vals) if vals else None, upper, unit, anchors, near, counted)]
    return [GoldBound(cs, ce, values[0], op, unit, anchors, near, counted)]


def gold_bounds(ann: str, text: str, stats: Optional[LctScores] = None) -> List[GoldBound]:
    """Gold bounds of one document (see the module docstring)."""
    brat = _read_brat(ann, text)
    out: List[GoldBound] = []
    for eid, args in brat.events.items():
        if args and args[0].startswith("Eq-Comparison:"):
            out += _comparison_bounds(brat, eid, text, stats)
    return sorted(out, key=lambda b: (b.start, b.end))


# ------------------------------------------------------------ predicted --

def _pred_unit(c) -> Optional[str]:
    if c.relative_to:
        return f"x{c.relative_to}"
    if c.unit_text:
        return units.to_ucum(str(c.unit_text)) or (c.unit if c.unit else None)
    if c.unit == "%":
        return "%"
    return None


def _subject_span(text: str, c) -> Optional[Tuple[int, int]]:
    """Where the subject as written occurs nearest the constraint (original offsets), or None."""
    st = (c.subject_text or "").strip().lower()
    if not st:
        return None
    lo = max(0, c.start - 200)
    window = text[lo:c.end + 200].lower()
    hits = [m.start() + lo for m in re.finditer(re.escape(st), window)]
    if not hits:
        return None
    s = min(hits, key=lambda h: abs(h - c.start))
    return s, s + len(st)


_WHOLE_CLASS = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}


def _whole(v: str) -> Optional[int]:
    """A whole class as written: Roman "III" or digits "3"."""
    return int(v) if str(v).isdigit() else _WHOLE_CLASS.get(v)


def _member_range(c) -> List[Tuple[str, float]]:
    """An enumeration (op "in") of consecutive whole classes ("class III and IV", "class 3 or 4") is the same
    set as their range, which is how LCT annotates it: >= min and <= max.  Sub-stages ("IIIB"), fractions
    and sets with gaps are no range: not scored."""
    nums = sorted({_whole(v) for v in (c.values or [])}, key=lambda x: (x is None, x or 0))
    if len(nums) < 2 or None in nums or nums != list(range(nums[0], nums[-1] + 1)):
        return []
    return [(">=", float(nums[0])), ("<=", float(nums[-1]))]


def bounds_of(text: str, constraints: Iterable) -> List[PredBound]:
    """Predicted bounds from `Constraint` records of one document (a list sharing one threshold: one bound)."""
    groups: Dict[Tuple, List] = {}
    for c in constraints:
        for op, value in (_member_range(c) if c.op == "in" else [(c.op, float(c.value))]):
            groups.setdefault((c.end, value, op, _pred_unit(c)), []).append(c)
    out = []
    for (end, value, op, unit), cs in groups.items():
        subj = tuple(dict.fromkeys(PredSubject(c.subject, c.subject_text, _subject_span(text, c), c.category) for c in cs))
        out.append(PredBound(min(c.start for c in cs), end, value, op, unit, subj))
    return sorted(out, key=lambda b: (b.start, b.end))


def predicted_bounds(text: str, mode: str = "fast") -> List[PredBound]:
    """Predicted bounds of one document parsed in `mode`."""
    from ..parser import parse

    return bounds_of(text, parse(text, mode=mode).constraints)


# --------------------------------------------------------------- scoring --

def _same_value(g: GoldBound, p: PredBound) -> bool:
    return g.value is not None and abs(g.value - p.value) < 1e-9


def _strict(g: GoldBound, p: PredBound) -> bool:
    if g.value is None or g.op != p.op:
        return False
    if g.unit == p.unit or (g.unit is None and p.unit is not None and p.unit == g.unit_near):
        return _same_value(g, p)
    conv = units.try_convert(p.value, p.unit, g.unit) if g.unit and p.unit and not g.unit.startswith("x") else None
    return conv is not None and abs(conv - g.value) <= 1e-3 * max(abs(g.value), 1e-9)


def _concept(text: str) -> Optional[str]:
    subj = lexicon.lookup(" ".join(normalize(text).text.lower().split()))
    return subj.name if subj is not None else None


def _stems(text: str) -> set:
    return {w[:5] for w in re.findall(r"[a-z][a-z0-9]{3,}", text.lower())}


def _same_thing(a: Anchor, s: PredSubject) -> bool:
    if s.span is not None and s.span[0] < a.end and a.start < s.span[1]:
        return True
    if a.label == "Age" and (s.name == "age" or s.name.endswith(" age")):  # LCT marks anyone's age ("donor age")
        return True
    return _concept(a.text) == s.name or bool(_stems(a.text) & _stems(s.name))


def attached(g: GoldBound, p: PredBound) -> Optional[bool]:
    """Is the prediction's subject one of the entities the gold comparison filters? None: LCT ties it to none."""
    if not g.anchors:
        return None
    if g.counted and any(s.span and s.span[0] < g.counted[1] and g.counted[0] < s.span[1] for s in p.subjects):
        return True  # "Smokers > 5 cigarettes per day": LCT puts the counted thing in the unit, critparse names it
    return any(_same_thing(a, s) for s in p.subjects for a in g.anchors)


def _agree(g: GoldBound, p: PredBound, k: str) -> bool:
    if not (p.start < g.end and g.start < p.end):
        return False
    if k == "strict":
        return _strict(g, p)
    if k == "strict+subject":
        return _strict(g, p) and attached(g, p) is not False
    if k == "value":
        return _same_value(g, p)
    if k == "op":
        return g.op is not None and g.op == p.op
    if k == "unit":
        return g.unit == p.unit
    return True  # span


def match(gold: Sequence[GoldBound], pred: Sequence[PredBound], key: str) -> List[Tuple[int, int]]:
    """(gold index, prediction index) pairs, one-to-one, greedy in document order."""
    used = set()
    pairs = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            if j not in used and _agree(g, p, key):
                used.add(j)
                pairs.append((i, j))
                break
    return pairs


def _score_attachment(name: str, text: str, gold, pred, scores: LctScores) -> None:
    for i, j in match(gold, pred, "value"):
        ok = attached(gold[i], pred[j])
        if ok is None:
            continue
        role = re.sub(r"\d+$", "", gold[i].anchors[0].role.split("+")[0])
        cell = scores.attach.setdefault(role, [0, 0])
        cell[0] += int(ok)
        cell[1] += 1
        if not ok:
            a = gold[i].anchors[0]
            scores.errors.append(ErrorRow(name, "wrong-subject", f"subject of a {a.label} ({role})",
                                          gold[i], pred[j], _context(text, gold[i].start, gold[i].end)))


def score_bounds(name: str, text: str, gold: List[GoldBound], pred: List[PredBound], scores: LctScores) -> None:
    """Add one document's gold and predicted bounds to `scores`."""
    from .lct_errors import strict_errors

    scores.docs += 1
    scores.non_numeric += sum(g.value is None for g in gold)
    gold = [g for g in gold if g.value is not None]
    for k in KEYS:
        pairs = match(gold, pred, k)
        prf = scores.scores[k]
        prf.tp_r += len(pairs)
        prf.tp_p += len(pairs)
        prf.n_gold += len(gold)
        prf.n_pred += len(pred)
        if k == "strict":
            scores.errors += strict_errors(name, text, gold, pred, pairs)
    _score_attachment(name, text, gold, pred, scores)


def score_document(name: str, text: str, ann: str, scores: LctScores, mode: str = "fast") -> None:
    score_bounds(name, text, gold_bounds(ann, text, scores), predicted_bounds(text, mode), scores)


def _context(text: str, s: int, e: int, width: int = 60) -> str:
    return f"{text[max(0, s - width):s]}[[{text[s:e]}]]{text[e:e + width // 2]}".replace("\n", " ").replace("\t", " ")


def iter_documents(path: Union[str, Path]) -> Iterator[Tuple[str, str, str]]:
    """(name, text, ann) for each NCT*.txt/.ann pair of an LCT tar.gz or folder, sorted by path."""
    path = Path(path)
    if path.is_dir():
        for txt in sorted(path.rglob("*.txt")):
            ann = txt.with_suffix(".ann")
            if ann.exists():
                yield str(txt.relative_to(path)), txt.read_text(encoding="utf-8"), ann.read_text(encoding="utf-8")
        return
    with tarfile.open(path, "r:*") as tf:
        members = {m.name: m for m in tf.getmembers() if m.isfile()}
        for name in sorted(members):
            if not name.endswith(".txt"):
                continue
            ann_name = name[:-4] + ".ann"
            if ann_name not in members:
                continue
            t = tf.extractfile(members[name]).read().decode("utf-8")  # type: ignore[union-attr]
            a = tf.extractfile(members[ann_name]).read().decode("utf-8")  # type: ignore[union-attr]
            yield name, t, a


def evaluate(path: Union[str, Path], limit: Optional[int] = None, mode: str = "fast") -> LctScores:
    """Micro P/R/F1 and attachment over the first `limit` documents (all by default), parsed in `mode`."""
    import itertools

    from ..parser import parse_many

    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    scores = LctScores(mode=mode)
    docs = list(itertools.islice(iter_documents(path), limit))
    parsed = parse_many(((text, None, None) for _, text, _ in docs), mode=mode)
    for (name, text, ann), trial in zip(docs, parsed):
        score_bounds(name, text, gold_bounds(ann, text, scores), bounds_of(text, trial.constraints), scores)
    return scores
