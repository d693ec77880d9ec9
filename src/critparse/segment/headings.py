"""Section headings ("Inclusion Criteria:", "EXCLUSION CRITERIA - DONOR:", "PATIENT CHARACTERISTICS:") in a line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Tuple

from .labels import cohort_label
from .patterns import ANY_SECTION, COMMON, HEAD_HINT, QUAL_FILLER, QUAL_HEAD, SECTIONS


@dataclass
class Heading:
    kind: str
    heading: str  # as written (normalised), without leading markup
    qualifier: str  # text between the heading words and the colon ("for Cohort A")
    rest: Tuple[int, int]  # normalised span of text after the colon (may be empty)
    cohort: Optional[str]
    has_cohort: bool


def read_heading(text: str, a: int, b: int) -> Optional[Heading]:
    """A section heading at text[a:b] (a stripped line, marker removed)."""
    if b - a > 160:
        return None
    head = text[a:min(b, a + 70)].lower()
    if not HEAD_HINT.search(head):
        return None
    s = a
    while s < b and text[s] in "-*_#=[ \u2013":
        s += 1
    if not ANY_SECTION.match(text, s, b):
        return None
    for pat, kind in SECTIONS:
        m = pat.match(text, s, b)
        if not m:
            continue
        e = m.end()
        if e < b and (text[e].isalnum() and text[e - 1].isalnum()):
            continue  # "Inclusions" ... a longer word
        hd = _heading_after(text, a, s, e, b, kind)
        if hd is not None:
            return hd
    return None


def _heading_after(text: str, a: int, s: int, e: int, b: int, kind: str) -> Optional[Heading]:
    """The heading whose section words are text[s:e] (line text[a:b]), unless what follows them up to the colon is
    neither a cohort qualifier ("for Cohort A") nor filler ("as follows")."""
    colon = text.find(":", e, b)
    dd = re.match(r"\s*--", text[e:min(b, e + 8)])
    if dd and (colon < 0 or colon > e + dd.end()):  # "--Disease Characteristics--"
        colon = e + dd.end() - 1
    qual_end, rest_start = (b, b) if colon < 0 else (colon, colon + 1)
    rawq = text[e:qual_end].strip(" *_=")
    if rawq == ".":  # "Exclusion Criteria." closed by a full stop (an LCT and an XML record)
        rawq = ""
    qual = rawq.strip(" -\u2013").strip()
    if qual and not (QUAL_HEAD.match(rawq) or QUAL_FILLER.match(qual)) or len(qual) > 70:
        return None
    has_cohort, cohort = _qualifier_cohort(rawq, qual, text[s:e])
    rs = rest_start
    while rs < b and text[rs] in " *_-=\u2013":
        rs += 1
    s0 = a
    while s0 < b and text[s0] in "*_#= ":
        s0 += 1
    heading = text[s0:(colon + 1 if colon >= 0 else b)].rstrip(" *_=")
    if not dd:
        heading = heading.rstrip(" -\u2013")
    return Heading(kind, heading, qual, (rs, b) if rs < b else (b, b), cohort, has_cohort)


def _qualifier_cohort(rawq: str, qual: str, words: str) -> Tuple[bool, Optional[str]]:
    """Does the heading open a cohort group, and which cohort ("for Cohort A" -> "Cohort A"; "Common ..." -> None)?"""
    has_cohort = bool(qual) and bool(QUAL_HEAD.match(rawq)) and not QUAL_FILLER.match(qual)
    cohort = cohort_label(qual, heading=True) if has_cohort else None
    if has_cohort and cohort is None and not COMMON.search(qual) and not COMMON.search(words):
        has_cohort = False
    if COMMON.match(words):
        has_cohort, cohort = True, None
    return has_cohort, cohort
