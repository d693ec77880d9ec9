"""Washouts against exposure durations: what a negation before "X for at least N" means.

"Patients must have had no chemotherapy ... for at least 24 months" is an absence period, a washout: the last
chemotherapy was at least 24 months ago.  Read as a negated duration (NOT chemotherapy lasting >= 24 months)
it inverts the verdict: a patient treated 30 months ago fails and one treated 12 months ago passes.  The
negated reading is right for the length of an exposure ("should not be given daily for > 4 weeks", "cannot
have had zidovudine for at least 2 months", "no treatment with steroids for more than 2 weeks").

`settle` runs after the negation flags are set (`critparse.negation.mark_negated`, fast and full mode alike)
and turns a duration constraint into a time since the last X (category ``temporal``, same operator and
value, not negated) only where a cue of ``resources/washout_words.toml`` says it is an absence:

* an absence lead before the subject ("no evidence of", "free of", "off", "abstinent from"), at "for at
  least N" or "for more than N";
* a missing-treatment lead ("no", "have had no", "have not received", "not taking") at "for at least N"
  only ("no X for more than N" keeps its negated exposure reading);
* the stop written between the subject and "for" ("antibiotics have been stopped for at least 3 days").

An exposure cue in the clause ("daily", "continual", "cannot", "chronic", "stable"), a subject that is a
state or a plan ("survive", "post-menopausal", "contraception"), or a period that does not look back ("for at
least 4 weeks after study completion") leaves the constraint as it was.  A missing-treatment lead at "for at
least N" beside an exposure cue is ambiguous ("must not be on chronic steroids for at least 4 weeks"): the
constraint is dropped and its words stay text (a missing constraint never flips a verdict, an inverted one
does).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, List, Optional, Sequence

from . import resources
from .subjects import TIME_UNITS

_REACH = 120  # characters before the subject where a lead is looked for (within its clause)
_CLAUSE = re.compile(r"[;\n]|\.\s|:\s")

KEEP, WASHOUT, DROP = "keep", "washout", "drop"
_PAREN = re.compile(r"^[\s,]*\([^()]{0,80}\)[\s,]*$")  # "NSAIDs (e.g., ibuprofen) for at least 3 days"
_EVIDENCE = re.compile(r"(?:evidence|signs?(?:\s+(?:and|or)\s+symptoms?)?|symptoms?)\s+of\s+", re.I)


@dataclass(frozen=True)
class _Cues:
    absence: "re.Pattern[str]"
    missing: "re.Pattern[str]"
    stopped: "re.Pattern[str]"
    for_at_least: "re.Pattern[str]"
    for_more_than: "re.Pattern[str]"
    exposure: "re.Pattern[str]"
    state_subject: "re.Pattern[str]"
    not_lookback: "re.Pattern[str]"
    exposure_after: "re.Pattern[str]"
    not_absence: "re.Pattern[str]"
    plan: "re.Pattern[str]"
    junk_subject: "re.Pattern[str]"
    absent_event: "re.Pattern[str]"
    absent_lead: "re.Pattern[str]"


@lru_cache(maxsize=1)
def cues() -> _Cues:
    w = tomllib.loads(resources.read_text("washout_words.toml"))
    mod = w["modifier"]

    def one(key: str) -> "re.Pattern[str]":
        v = w[key]
        alts = v if isinstance(v, list) else [v]
        return re.compile("|".join(f"(?:{a.replace('MOD', mod)})" for a in alts), re.I)

    return _Cues(**{k: one(k) for k in _Cues.__dataclass_fields__})


def _clause_start(text: str, at: int) -> int:
    lo = max(0, at - _REACH)
    last = lo
    for m in _CLAUSE.finditer(text, lo, at):
        last = m.end()
    return last


def _event_absence(k: _Cues, subj_text: str, lead: str) -> bool:
    """A body event written absent ("no menstrual period", "absence of spontaneous menses")."""
    subj = " ".join(subj_text.split())
    if not k.absent_event.match(subj):
        return False
    return subj.lower().startswith(("absence", "cessation")) or bool(k.absent_lead.search(lead))


def _event_name(subject: str) -> str:
    """"absence of spontaneous menses" -> "spontaneous menses": the event whose last time is meant."""
    return re.sub(r"^(?:absence|cessation)\s+of\s+", "", subject, flags=re.I)


def reading(c: Dict[str, Any], text: str) -> str:
    """KEEP, WASHOUT or DROP for one constraint dict (offsets into `text`)."""
    if c.get("unit") not in TIME_UNITS or c.get("category") not in ("duration", "other", "count") or c.get("op") not in (">=", ">"):
        return KEEP
    start, end = c["start"], c["end"]
    subj_text, value_text = c.get("subject_text"), c.get("value_text")
    if not subj_text or not value_text:
        return KEEP
    s = text.find(subj_text, start, end)
    n = text.rfind(value_text, start, end)
    if s < 0 or n < s + len(subj_text):
        return KEEP
    se = s + len(subj_text)
    k = cues()
    if k.not_lookback.match(text[end:end + 80]) or k.state_subject.search(subj_text):
        return KEEP
    gap = text[se:n]
    m = re.search(r"\bfor\b", gap, re.I)
    if m is None:
        return KEEP
    before_for, from_for = _PAREN.sub("", gap[:m.start()]), gap[m.start():]
    at_least = bool(k.for_at_least.match(from_for)) and c["op"] == ">="
    more_than = bool(k.for_more_than.match(from_for)) and c["op"] == ">"
    if not (at_least or more_than):
        return KEEP
    cs = _clause_start(text, s)
    clause = text[cs:end]
    exposure = bool(k.exposure.search(clause) or k.exposure_after.match(text[end:end + 40]))
    if before_for.strip():
        # only the stop may stand between the subject and "for"
        return WASHOUT if k.stopped.match(before_for) and not exposure else KEEP
    lead = " ".join(text[cs:s].split()) + " "
    ev = _EVIDENCE.match(subj_text)
    if ev:  # the subject begins with the absence's own words: "no [evidence of disease] for > 5 years"
        lead += " ".join(ev.group(0).split()) + " "
    if k.not_absence.search(lead):
        return KEEP
    if k.plan.search(lead):
        return DROP
    if _event_absence(k, subj_text, lead):
        return WASHOUT
    absence = bool(k.absence.search(lead))
    if not absence and not (at_least and c.get("negated") and k.missing.search(lead)):
        return KEEP
    if exposure or k.junk_subject.search(subj_text):
        return DROP  # an absence the subject or an exposure cue muddles: neither reading is safe
    return WASHOUT


def settle(constraints: List[Dict[str, Any]], text: str) -> None:
    """Washouts become times since the last X; ambiguous ones are dropped (in place)."""
    out = []
    for c in constraints:
        r = reading(c, text)
        if r == DROP:
            continue
        if r == WASHOUT:
            c["category"], c["negated"] = "temporal", False
            if c.get("subject"):
                c["subject"] = _event_name(c["subject"])
        out.append(c)
    if len(out) != len(constraints):
        constraints[:] = out


def washouts(constraints: Sequence[Dict[str, Any]], text: str) -> List[Optional[str]]:
    """The reading of each constraint (a check for tools and tests)."""
    return [reading(c, text) for c in constraints]
