"""Prohibitions under an exclusion heading: the requirement written where the exclusions are.

"Patients must not have received more than 2 prior systemic therapies" or "May not be younger than 18 years of
age" in an exclusion list states what the eligible patient must not do or be; the exclusion applies to the
patient who breaks it (more than 2 therapies; younger than 18).  Read as the criterion's own condition, the
modal's "not" turned the exclusion around: negated "> 2 therapies" excluded the patients with at most 2, and
"age >= 18" (the comparator holding the "not") excluded every adult.

`exclusion_negated` gives the ``negated`` flag of a constraint of an exclusion criterion:

* a constraint negated only by the "not" (or "no") of a prohibition of the patient
  (``resources/prohibition_words.toml``: the criterion or a sentence opening with "Patients must not have",
  "May not receive", "Patients must have no", ...) is not negated: the exclusion tests what is prohibited;
* nor is one negated only by a bare "No" opening the item or a sentence ("No patients with age less than 50",
  "No resting heart rate < 50 beats per minutes"), the PDQ style of writing the same requirement (its entities
  keep their negation: "No informed consent", "No measurable disease" are real absences that exclude);
* nor one negated only by the "not" of "... will not be eligible if their FEV1 is less than 1.2 liters", which
  restates the section as "will be excluded" does;
* a constraint whose comparator holds the modal's "not" ("must not be greater than 8 weeks" read as <= 8) is
  negated: the exclusion applies where the requirement fails;
* in full mode the entities a modal prohibition or a restatement names are not negated either ("Patients must
  not have evidence of ... autoimmune syndromes (scleroderma, ...)": a patient's coded scleroderma then meets
  the exclusion);
* a prohibition inside an exception, a permission or a guard ("except ... in which case duration should not
  exceed 21 days") and every other constraint keep their flag; so does a period after "for" ("must not be
  taking any concurrent antiretroviral therapy (for at least 2 weeks prior to baseline)"): the length of an
  exposure and a washout (`critparse.washout`) read alike there, and neither reading is safe.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, FrozenSet, Optional, Tuple

from . import resources
from .negation import mark_negated, scopes
from .subjects import SENTENCE_BREAK, TIME_UNITS

_EXCLUDED = re.compile(r"\bexcluded\b", re.I)
_SENTENCE = re.compile(r"[.;:\n]")
_FOR = re.compile(r"\bfor\b", re.I)


@dataclass(frozen=True)
class _Words:
    opening: "re.Pattern[str]"
    no_opening: "re.Pattern[str]"
    restated: "re.Pattern[str]"
    continuation: "re.Pattern[str]"
    absorbed: "re.Pattern[str]"
    lower_bound_words: FrozenSet[str]
    not_main: "re.Pattern[str]"
    requirement: "re.Pattern[str]"
    guard_after: "re.Pattern[str]"
    permission_condition: "re.Pattern[str]"


@lru_cache(maxsize=1)
def _words() -> _Words:
    w: Dict[str, object] = tomllib.loads(resources.read_text("prohibition_words.toml"))
    tail = f"{w['patient']}(?P<modal>{w['modal']}{w['verb']}|{w['no_form']})"
    return _Words(
        opening=re.compile(f"{w['lead']}{tail}", re.I),
        no_opening=re.compile(f"{w['lead']}(?P<modal>{w['no_opening']})", re.I),
        restated=re.compile(str(w["restated"]), re.I),
        continuation=re.compile(f"{w['continuation']}{tail}|(?P<no>{w['no_continuation']})", re.I),
        absorbed=re.compile(str(w["absorbed"]), re.I),
        lower_bound_words=frozenset(str(x) for x in w["lower_bound_words"]),  # type: ignore[attr-defined]
        not_main=re.compile(str(w["not_main"]), re.I),
        requirement=re.compile(str(w["requirement"]), re.I),
        guard_after=re.compile(str(w["guard_after"]), re.I),
        permission_condition=re.compile(str(w["permission_condition"]), re.I),
    )


@lru_cache(maxsize=256)
def prohibitions(body: str, bare_no: bool = False) -> Tuple[Tuple[int, int], ...]:
    """Spans (modal start, verb end) of the prohibitions of the patient in `body`: those opening the body or a
    sentence of it, and those joined to one by "and" / "but" / "or"; with `bare_no`, a bare "No" opening too."""
    if "no" not in body.lower():
        return ()
    k = _words()
    spans = [m.span("modal") for m in k.opening.finditer(body)]
    spans += [m.span("modal") for m in k.permission_condition.finditer(body)]  # "are eligible, but must not have"
    if bare_no:
        spans = sorted(spans + [m.span("modal") for m in k.no_opening.finditer(body)])
    if spans:
        first = spans[0][0]
        spans += [m.span("modal" if m.group("modal") else "no") for m in k.continuation.finditer(body)
                  if m.start() > first]
    return tuple(sorted(set(spans)))


@lru_cache(maxsize=256)
def _void(body: str, bare_no: bool) -> Tuple[Tuple[int, int], ...]:
    """Spans whose negation trigger negates nothing in an exclusion: prohibitions and "will not be eligible"."""
    return prohibitions(body, bare_no) + tuple(m.span() for m in _words().restated.finditer(body))


@lru_cache(maxsize=256)
def _other_scopes(body: str, bare_no: bool) -> Tuple[Tuple[int, int, int, int], ...]:
    """The negation scopes of `body` whose trigger is neither a prohibition's "not", "not be eligible" nor
    "excluded"."""
    spans = _void(body, bare_no)
    return tuple(sc for sc in scopes(body)
                 if not any(s <= sc[0] < e for s, e in spans) and not _EXCLUDED.search(body, sc[0], sc[1]))


def _main_clause(body: str, at: int) -> bool:
    """No exception, permission or guard word between the sentence start and `at`."""
    start = 0
    for m in _SENTENCE.finditer(body, 0, at):
        start = m.end()
    return not _words().not_main.search(body, start, at)


def _absorbed_requirement(body: str, a: int, b: int, op: str) -> bool:
    """The comparator of body[a:b] holds a modal's "not" and `op` is the requirement it reads."""
    k = _words()
    for m in k.absorbed.finditer(body, max(0, a - 40), b):
        if m.end() <= a or not _main_clause(body, m.start()):
            continue
        want = ">=" if m.group(1).lower() in k.lower_bound_words else "<="
        return op == want
    return False


def stated_requirement(body: str, a: int, b: int) -> bool:
    """body[a:b] holds or follows, in the same sentence, the positive modal of a requirement written in an exclusion list
    ("Women of childbearing potential must have a negative pregnancy test within 7 days": prohibition_words.toml
    requirement) in the sentence's main clause."""
    start = 0
    for m in SENTENCE_BREAK.finditer(body, 0, a):
        start = m.end()
    m = _words().requirement.search(body, start, b)
    if m is None or _words().not_main.search(body, start, m.start()):
        return False
    between = body[m.end():a]  # the requirement's own words: no guard ("in patients with"), no bracket closed
    return not _words().guard_after.search(between) and between.count(")") <= between.count("(")




def exclusion_negated(body: str, a: int, b: int, op: str, unit: Optional[str], negated: bool,
                      entity: bool = False) -> bool:
    """The ``negated`` flag of the constraint (or, with `entity`, the entity) body[a:b] (operator `op`, unit
    `unit`, flag `negated` as read) of an exclusion criterion whose body is `body` (see the module's docstring)."""
    if not negated and not entity and ("must" in body or "should" in body or "Must" in body or "Should" in body) \
            and stated_requirement(body, a, b):
        return True  # "WOCBP must have a negative pregnancy test within 7 days": excluded where it fails
    if "no" not in body.lower():
        return negated
    if negated:
        bare_no = not entity
        if not _void(body, bare_no) or (unit in TIME_UNITS and op in (">=", ">") and _FOR.search(body, a, b)):
            return negated
        c: Dict[str, object] = {"start": a, "end": b}
        mark_negated([c], _other_scopes(body, bare_no))  # type: ignore[list-item]
        return bool(c["negated"])
    return _absorbed_requirement(body, a, b, op)


def warm_up() -> None:
    """Compile the prohibition patterns now rather than on first use."""
    _words()
