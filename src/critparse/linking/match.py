"""Patient conditions against criterion conditions, through the ICD-10-CM hierarchy.

A patient condition is an ICD-10-CM code ("G40.909", "G40909") or text
("epilepsy"); text is linked like a criterion mention.  A criterion condition
(an entity's codes) is satisfied by a patient code equal to it or below it:
``G40.909`` satisfies "history of epilepsy" (G40).  Only sure codes take part
(score >= `SURE`: an exact name, or the mention's head words), never a fuzzy
neighbour: a wrong match flips a verdict.

A personal-history code ("Z85.3", "Personal history of malignant neoplasm of breast") stands for the
past condition it names (C50, `history.history_of`) and meets a criterion condition only where the
criterion speaks of history (``history=True``, `history.speaks_of_history`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from . import ICD10CM, link, within
from .history import clause_of, history_of, negated_before, past_text, speaks_of_history
from .ranges import narrows

#: lowest code score used to match (exact names 1.0, head words 0.9; fuzzy neighbours below)
SURE = 0.9
_ICD = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$", re.I)


@dataclass(frozen=True)
class CodeMatch:
    patient: str  # the patient condition as given
    patient_code: str
    criterion_code: str
    display: Optional[str]
    history_code: Optional[str] = None  # the personal-history code ("Z85.3") patient_code was read from


@dataclass(frozen=True)
class CodedMention:
    """A criterion's Condition mention with its codes, and whether the criterion speaks of it as history."""
    mention: str
    codes: Sequence[dict]
    history: bool = False
    negated: bool = False  # a negation before it in its clause that ConText's scope missed: never matched


def is_icd10cm(text: str) -> bool:
    """Is `text` written as an ICD-10-CM code (dotted or not)?"""
    return bool(_ICD.match(text.strip()))


def dotted(code: str) -> str:
    c = code.strip().upper().replace(".", "")
    return c if len(c) <= 3 else f"{c[:3]}.{c[3:]}"


def patient_codes(condition: str) -> List[str]:
    """The ICD-10-CM codes a patient condition stands for: itself if it is a code, else the sure
    codes of its text (none for a text that names a past condition: "history of breast cancer")."""
    if is_icd10cm(condition):
        return [dotted(condition)]
    if past_text(condition):
        return []
    return sure_codes(link(condition, "Condition"))


def history_codes(condition: str) -> List[Tuple[str, str]]:
    """(past-condition code, what it was read from) for a patient condition that names a past condition:
    a personal-history code ("Z85.3" -> [("C50", "Z85.3")]) or a text ("history of breast cancer")."""
    rest = "" if is_icd10cm(condition) else past_text(condition)
    if rest:  # "history of C50.9" (a resolved FHIR Condition) or "history of breast cancer"
        codes = [dotted(rest)] if is_icd10cm(rest) else sure_codes(link(rest, "Condition"))
        return [(c, condition) for c in codes]
    return [(c, pc) for pc in patient_codes(condition) for c in history_of(pc)]


def sure_codes(codes: Sequence[dict]) -> List[str]:
    return [c["code"] for c in codes if c.get("system") == ICD10CM and (c.get("score") or 0) >= SURE]


def criterion_keys(codes: Sequence[dict]) -> List[str]:
    """What a criterion's sure codes match against: each code, or the range a generic mention's code
    covers ("malignancy": C80 covering "C00-C96")."""
    return [c.get("covers") or c["code"] for c in codes
            if c.get("system") == ICD10CM and (c.get("score") or 0) >= SURE]


def narrowed(codes: Sequence[dict], text: str, mention: str) -> Tuple[dict, ...]:
    """The codes without their ranges where the mention's clause sets part of the range apart ("history of
    other malignancy", "cancer, except basal cell carcinoma": `ranges.narrows`); else as they are."""
    if not any(c.get("covers") for c in codes) or not narrows(clause_of(text, mention)):
        return tuple(codes)
    return tuple({k: v for k, v in c.items() if k != "covers"} for c in codes)


def match(conditions: Iterable[str], criterion_codes: Sequence[dict], history: bool = False) -> Optional[CodeMatch]:
    """The first patient condition whose code lies at or below one of the criterion's sure codes (or in the
    range a generic mention's code covers: C50.911 within "malignancy", C00-C96); with `history` (the
    criterion speaks of a past condition) a personal-history code counts by the condition it names (Z85.3
    within "history of breast cancer", C50)."""
    wanted = [(k, c.get("display")) for c in criterion_codes for k in criterion_keys([c])]
    if not wanted:
        return None
    for cond in conditions:
        found = [(pc, None) for pc in patient_codes(cond)]
        if history:
            found += [(hc, zc) for hc, zc in history_codes(cond)]
        for pc, zc in found:
            for key, display in wanted:
                if within(pc, key):
                    return CodeMatch(cond, pc, key, display, history_code=zc)
    return None


def history_only(conditions: Iterable[str], criterion_codes: Sequence[dict]) -> Optional[CodeMatch]:
    """A personal-history code whose past condition lies within the criterion's codes: what would match if
    the criterion spoke of history (a reason for leaving a current-condition criterion undecided)."""
    return match(conditions, criterion_codes, history=True) if any(
        history_codes(c) for c in conditions) else None


@dataclass(frozen=True)
class CriterionCondition:
    """A criterion's non-negated coded Condition entity, with what decides whether it is spoken of as
    history: ConText's flag, and its criterion's parent text ("History of any of the following:")."""
    mention: str
    codes: Sequence[dict]
    historical: bool = False
    header: str = ""

    def coded(self, text: str) -> CodedMention:
        """The mention in the text piece `text`, with its history reading (`history.speaks_of_history`)."""
        return CodedMention(self.mention, narrowed(self.codes, text, self.mention),
                            speaks_of_history(text, self.mention, self.historical, self.header),
                            negated_before(text, self.mention))


def criterion_conditions(parsed) -> Dict[str, List[CriterionCondition]]:
    """criterion id -> its non-negated Condition entities with codes (a `ParsedTrial`), as screening, set-wise
    matching and the JSON Logic export all read them."""
    by_id = {c.id: c for c in parsed.criteria}
    out: Dict[str, List[CriterionCondition]] = {}
    for e in parsed.entities:
        if e.label == "Condition" and e.codes and not e.negated:
            parent = by_id.get(getattr(by_id.get(e.criterion), "parent", None))
            header = (parent.clean_text or parent.text) if parent is not None else ""
            out.setdefault(e.criterion, []).append(CriterionCondition(e.text, tuple(e.codes), e.historical, header))
    return out
