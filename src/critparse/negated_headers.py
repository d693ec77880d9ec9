"""Sub-items listed under an inclusion item that denies them.

"No cardiovascular conditions, including any of the following: - Myocardial infarction within the past 6 months -
NYHA class II-IV congestive heart failure": the sub-items are what an eligible patient must not have, so each is
denied as a whole, as a "No" at its own start would deny it; the criterion tree joins the sub-items of such a
header with `all` (`critparse.logic`).  Words in resources/negated_list_words.toml
(negated_header, negated_header_not, negated_item)."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from typing import Dict, List, Set, Tuple

from . import resources
from .records import Criterion, ParsedTrial


_KEYS = ("negated_header", "negated_header_not", "negated_item", "negated_header_list", "negated_header_each")


@lru_cache(maxsize=1)
def _patterns() -> Tuple["re.Pattern[str]", ...]:
    """The patterns of `_KEYS`, in that order (resources/negated_list_words.toml)."""
    w = tomllib.loads(resources.read_text("negated_list_words.toml"))
    return tuple(re.compile(w[k], re.I) for k in _KEYS)


def is_negated_header(crit: Criterion) -> bool:
    """An inclusion item that opens a list of what the patient must not have."""
    head, not_head, _, lists, _ = _patterns()
    text = crit.clean_text or crit.text
    return crit.kind == "inclusion" and crit.role == "item" and bool(head.search(text)) and bool(lists.search(text)) \
        and not not_head.search(text)


def denies_each(crit: Criterion) -> bool:
    """Whether a negated header's sub-items are each denied (examples, alternatives: joined by `all` once denied)
    rather than denied together (a definition by all of them: joined by `any` once denied)."""
    return _patterns()[4].search(crit.clean_text or crit.text) is not None


def _denied(parsed: ParsedTrial) -> Set[str]:
    """Ids of the criteria under a negated header that do not repeat the negation themselves."""
    kids: Dict[str, List[Criterion]] = {}
    for c in parsed.criteria:
        if c.parent:
            kids.setdefault(c.parent, []).append(c)
    item = _patterns()[2]
    out: Set[str] = set()
    for c in parsed.criteria:
        if kids.get(c.id) and is_negated_header(c):
            stack = list(kids[c.id])
            while stack:
                k = stack.pop()
                if not item.search(k.clean_text or k.text):
                    out.add(k.id)
                    stack.extend(kids.get(k.id, ()))
    return out


def negate_listed_items(parsed: ParsedTrial) -> ParsedTrial:
    """In place: each sub-item under a negated header is denied as a whole (see the module): a lone constraint
    has its `negated` flag turned, several are wrapped in a `not` of the item's expression ("NYHA class II-IV":
    not (>= 2 and <= 4), never each bound negated on its own)."""
    if not parsed.constraints:
        return parsed
    denied = _denied(parsed)
    if not denied:
        return parsed
    by_crit: Dict[str, List] = {}
    for c in parsed.constraints:
        if c.criterion in denied:
            by_crit.setdefault(c.criterion, []).append(c)
    for crit in parsed.criteria:
        cons = by_crit.get(crit.id)
        if not cons:
            continue
        if len(cons) == 1 and crit.expression in (None, {"constraint": cons[0].id}):
            cons[0].negated = not cons[0].negated
        elif crit.expression is not None:
            crit.expression = {"not": crit.expression}
    return parsed
