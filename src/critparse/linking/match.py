"""Patient conditions against criterion conditions, through the ICD-10-CM hierarchy.

A patient condition is an ICD-10-CM code ("G40.909", "G40909") or text
("epilepsy"); text is linked like a criterion mention.  A criterion condition
(an entity's codes) is satisfied by a patient code equal to it or below it:
``G40.909`` satisfies "history of epilepsy" (G40).  Only sure codes take part
(score >= `SURE`: an exact name, or the mention's head words), never a fuzzy
neighbour: a wrong match flips a verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence

from . import ICD10CM, link, within

#: lowest code score used to match (exact names 1.0, head words 0.9; fuzzy neighbours below)
SURE = 0.9
_ICD = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$", re.I)


@dataclass(frozen=True)
class CodeMatch:
    patient: str  # the patient condition as given
    patient_code: str
    criterion_code: str
    display: Optional[str]


def is_icd10cm(text: str) -> bool:
    """Is `text` written as an ICD-10-CM code (dotted or not)?"""
    return bool(_ICD.match(text.strip()))


def dotted(code: str) -> str:
    c = code.strip().upper().replace(".", "")
    return c if len(c) <= 3 else f"{c[:3]}.{c[3:]}"


def patient_codes(condition: str) -> List[str]:
    """The ICD-10-CM codes a patient condition stands for: itself if it is a code, else the sure
    codes of its text."""
    if is_icd10cm(condition):
        return [dotted(condition)]
    return sure_codes(link(condition, "Condition"))


def sure_codes(codes: Sequence[dict]) -> List[str]:
    return [c["code"] for c in codes if c.get("system") == ICD10CM and (c.get("score") or 0) >= SURE]


def match(conditions: Iterable[str], criterion_codes: Sequence[dict]) -> Optional[CodeMatch]:
    """The first patient condition whose code lies at or below one of the criterion's sure codes."""
    wanted = [(c, c.get("display")) for c in criterion_codes
              if c.get("system") == ICD10CM and (c.get("score") or 0) >= SURE]
    if not wanted:
        return None
    for cond in conditions:
        for pc in patient_codes(cond):
            for c, display in wanted:
                if within(pc, c["code"]):
                    return CodeMatch(cond, pc, c["code"], display)
    return None
