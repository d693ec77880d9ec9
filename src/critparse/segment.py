"""Segmentation of normalised eligibility text into a criteria tree.

PLACEHOLDER: one criterion per non-empty line; the real segmenter replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

from .normalize import NormalizedText, collapse_ws
from .records import Criterion


@dataclass
class Segment:
    criterion: Criterion
    body: Tuple[int, int]  # span in the NORMALISED text of the criterion's own words (marker excluded)


def segment(nt: NormalizedText) -> List[Segment]:
    out: List[Segment] = []
    pos = 0
    n = 0
    for line in nt.text.split("\n"):
        a, b = pos, pos + len(line)
        pos = b + 1
        stripped = line.strip()
        if not stripped:
            continue
        a += len(line) - len(line.lstrip())
        b -= len(line) - len(line.rstrip())
        n += 1
        s, e = nt.to_original(a, b)
        crit = Criterion(id=f"inc.{n}", parent=None, kind="inclusion", cohort=None, logic=None,
                         number=None, text=nt.original[s:e], start=s, end=e,
                         clean_text=collapse_ws(stripped))
        out.append(Segment(crit, (a, b)))
    return out
