"""Labelling: the cohort a header names ("Inclusion criteria only for B-ALL:" -> "B-ALL") and the kind a label or
note implies ("Excluded:" -> exclusion, "Patients must have:" -> inclusion)."""

from __future__ import annotations

import re
from typing import Optional

from ..normalize import collapse_ws
from .patterns import COMMON, EXCL_HINT, INCL_HINT


def cohort_label(text: str, heading: bool = False) -> Optional[str]:
    t = collapse_ws(text).strip().rstrip(":").strip(" *_-\u2013")
    if COMMON.search(t):
        return None
    m = (re.search(r"\bonly\s+for\s+(.+)$", t, re.I)
         or re.search(r"\bfor\s+(?:the\s+)?(?:patients|subjects|participants|those)\s+(?:with|in|enrolled\s+in|who\s+have|receiving|undergoing)\s+(.+)$", t, re.I)
         or re.search(r"\bspecific\s+to\s+(.+)$", t, re.I)
         or re.search(r"\bcriteria\s+for\s+(.+)$", t, re.I)
         or re.search(r"\b((?:cohorts?|arms?|parts?|groups?|phases?|stages?|strat(?:a|um)|sub-?stud(?:y|ies)|segments?)\s+"
                      r"(?:[A-Z]{1,2}\d?|\d{1,2}[a-z]?|I{1,3}V?|IV|[IV]{1,3}[ab]?))\b", t, re.I)
         or (re.search(r"^\W*(?:for|in)\s+(.+)$", t, re.I) if heading else None))
    label = m.group(1) if m else t
    label = re.sub(r"^(?:the\s+)", "", label, flags=re.I).strip(" .,;:-\u2013")
    short = re.sub(r"\s*\b(?:only|patients|subjects|participants|cohorts?)\s*$", "", label, flags=re.I).strip(" .,;:-\u2013")
    if len(short.split()) >= 2 or (short and short != label and not re.fullmatch(r"[a-z ]+", short)):
        label = short
    if label.startswith("(") and label.endswith(")") and label.count("(") == 1:
        label = label[1:-1]
    if label.count("(") > label.count(")"):
        label = label[: label.rfind("(")].strip()
    if not label or COMMON.search(label):
        return None
    return label[:60]


def kind_hint(t: str) -> Optional[str]:
    if EXCL_HINT.search(t):
        return "exclusion"
    if INCL_HINT.search(t):
        return "inclusion"
    return None
