"""Run-together NCI text ("PATIENT CHARACTERISTICS: Age: 18 and over Performance status: ECOG 0-1 ..."):
cut at the inline headings, the sub-labels and the sentence starters of ``resources/sections.jsonl``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, List, Optional, Tuple

from .lines import sentences
from .patterns import CONNECTOR, INLINE_HEAD, NCI_SECTION, STARTER, SUBLABEL
from .tree import Node

if TYPE_CHECKING:  # pragma: no cover
    from .build import Builder


def is_flat(text: str, a: int, b: int, section: Optional[str]) -> bool:
    """Is text[a:b] a run of NCI labels and items on one paragraph?"""
    colons = text.count(":", a, b)  # each sub-label holds a colon, an inline heading a colon or "--"
    if colons >= 2 and len(SUBLABEL.findall(text, a, b)) >= 2 or (colons or text.find("--", a + 1, b) >= 0) \
            and INLINE_HEAD.search(text, a + 1, b):
        return True
    return bool(section and NCI_SECTION.search(section) and b - a > 120
                and not re.search(r"[.;]\s", text[a:b]) and any(_starter_ok(text, m) for m in STARTER.finditer(text, a, b)))


def _starter_ok(text: str, m: "re.Match[str]") -> bool:
    k = m.start()
    w = text.rfind(" ", 0, k)
    return text[w + 1:k].lower() not in CONNECTOR


def _cuts(text: str, a: int, b: int) -> List[Tuple[int, int, str]]:
    cuts = [(m.start(), m.end(), "head") for m in INLINE_HEAD.finditer(text, a, b)]
    cuts += [(m.start(), m.end(), "label") for m in SUBLABEL.finditer(text, a, b)]
    cuts += [(m.end(), m.end(), "start") for m in STARTER.finditer(text, a, b) if _starter_ok(text, m)]
    cuts.sort()
    return cuts


def flat(builder: "Builder", a: int, b: int, indent: int, parent: Optional[Node]) -> Optional[Node]:
    """Nodes of run-together text[a:b] under `parent`: inline headings change the section, sub-labels open groups."""
    text = builder.text
    group: Optional[Node] = None
    last: Optional[Node] = None
    pos = a

    def items(s: int, e: int) -> None:
        nonlocal last
        while s < e and text[s] in " \n":
            s += 1
        for x, y in sentences(text, s, e):
            last = builder.add_item(x, y, indent, group or parent, kind=builder.kind)

    for cs, ce, kind in _cuts(text, a, b):
        if cs < pos:
            continue
        items(pos, cs)
        if kind == "head":
            builder.section = text[cs:ce].strip()
            builder.tree.stack.clear()
            parent = group = None
        elif kind == "label":
            group = Node(builder.kind, builder.section, "group", None, None, None, indent, indent, [(cs, ce)],
                         open_colon=True, label=True)
            builder.tree.attach(group, parent)
        pos = ce if kind != "start" else cs
    items(pos, b)
    return last
