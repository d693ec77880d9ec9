"""Eligibility statements: a criterion that says eligibility itself and puts its condition after "if".

"Patients will be ineligible if the WBC is less than 3,000" is neither a guard of the words "Patients will be
ineligible" nor a permission of "Patients will not": the condition after "if" is the criterion's own, turned
round where the statement says the opposite of its section ("ineligible" under inclusion, "eligible" under
exclusion). The patients named before the verb guard the condition unless they are anyone ("HIV infected
children will be eligible for the trial if ..." tests the therapy only for HIV infected children).
Patterns: ``resources/eligibility_statements.toml``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from . import resources
from .negation import mark_negated, scopes
from .runon import next_item


_OWN_NOT = re.compile(r"\b(?:not|no|never|without)\b", re.I)
_NOT = re.compile(r"\bnot\b", re.I)
#: a stem of each eligibility word of the patterns (in_words, out_words): a region without one holds no statement
_WORDS = ("eligib", "includ", "exclud", "enrol", "enter", "accept")


@dataclass(frozen=True)
class Statement:
    who_end: int  # the patients are [start, who_end) of the region
    verb_start: int  # the verb group ("will not be") starts here
    cond_start: int  # the condition starts here (after the cue)
    positive: bool  # the statement lets the patient in where the condition holds
    anyone: bool  # the patients named are anyone: no guard


@lru_cache(maxsize=1)
def _patterns() -> "tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]":
    """The statement opening a region (the patients first), its verb group and words alone (searched through a
    body), and the patients when they are anyone."""
    w = tomllib.loads(resources.read_text("eligibility_statements.toml"))
    said = rf"(?P<verb>{w['verb']})\s+(?:(?P<in>{w['in_words']})|(?P<out>{w['out_words']})){w['tail']}{w['cue']}"
    statement = re.compile(rf"(?P<who>[^.;:()\[\]]{{1,120}}?)\s+{said}", re.I)
    people = re.compile(rf"\s*{w['people']}\s*$", re.I)
    return statement, re.compile(rf"\b{said}", re.I), people


def statement_at(text: str, a: int, b: int) -> Optional[Statement]:
    """The eligibility statement opening the region [a, b) of `text`, with a condition after its cue."""
    low = text[a:b].lower()
    if not any(w in low for w in _WORDS) or not any(w in low for w in ("if", "when", "provid", "long as")):
        return None  # most regions name no eligibility: the pattern is not tried
    statement, _, people = _patterns()
    m = statement.match(text, a, b)
    if m is None or not text[m.end():b].strip(" \t\n,;:."):
        return None
    positive = (m.group("in") is not None) != bool(_NOT.search(m.group("verb")))
    return Statement(m.end("who"), m.start("verb"), m.end(), positive, people.match(m.group("who")) is not None)


@lru_cache(maxsize=1)
def _ruled_out() -> "re.Pattern[str]":
    return re.compile(tomllib.loads(resources.read_text("eligibility_statements.toml"))["ruled_out"], re.I)


_SENTENCE_END = re.compile(r"[.;:]\s|\n\s*\n")
_BRACKET_THEN_ITEM = re.compile(r"\)\s+(?=[A-Z][a-z])")  # "... 200 mg/24 hours) Nonsecretory patients are ineligible"


@lru_cache(maxsize=256)
def ruled_out_span(body: str) -> "tuple[int, int] | None":
    """The [start, end) of the words before a verb that rules them out at the end of `body` ("Patients with a creatinine
    above 2 mg/dL are not eligible."): from the start of that sentence to the verb; None where the body does not
    end so. Under an inclusion heading, its bounds are what rules a patient out."""
    low = body.lower()
    if not any(w in low for w in _WORDS) and "randomi" not in low:
        return None
    m = _ruled_out().search(body)
    if m is None:
        return None
    start = max((s.end() for s in _SENTENCE_END.finditer(body, 0, m.start())), default=0)
    start = max((s.end() for s in _BRACKET_THEN_ITEM.finditer(body, start, m.start())), default=start)
    while True:  # "... (serum less than 1 g/dL) Nonsecretory patients are ineligible": the last run-on item's words
        nxt = next_item(body, start + 1, m.start("verb"))
        if nxt is None:
            return start, m.start("verb")
        start = nxt


def anyone(words: str) -> bool:
    """Whether `words` name the patients as anyone ("Patients", "A subject", "Also, they")."""
    return _patterns()[2].match(words) is not None


@lru_cache(maxsize=256)
def _other_scopes(body: str) -> "tuple[tuple[int, int, int, int], ...] | None":
    """The negation scopes of `body` but those of a statement's "not" ("will not be eligible if"); None where
    no statement of `body` holds a "not" (a criterion's constraints share one body: computed once)."""
    low = body.lower()
    if "not" not in low or not any(w in low for w in _WORDS):
        return None
    spans = [m.span("verb") for m in _patterns()[1].finditer(body) if _NOT.search(m.group("verb"))]
    if not spans:
        return None
    return tuple(sc for sc in scopes(body) if not any(s <= sc[0] < e for s, e in spans))


def negated_but_for_statement(body: str, a: int, b: int) -> bool:
    """Whether body[a:b], read as negated, is negated by a trigger other than a statement's "not": in "Patients
    will not be eligible if their FEV1 is less than 1.2 liters" the "not" is the statement's, which the
    expression turns round (`Statement.positive`); the FEV1 bound itself is no absence."""
    others = _other_scopes(body)
    if others is None or _OWN_NOT.search(body, a, b):
        return True  # "will not be eligible if [[EKG not performed within 4 weeks]]": its own "not" stays a negation
    c = {"start": a, "end": b}
    mark_negated([c], others)
    return bool(c["negated"])
