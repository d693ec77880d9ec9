"""An or-list inside one negation: "No severe liver disease (ALT or AST greater than 5 times the upper limit of
normal)" is NOT (ALT > 5 x ULN or AST > 5 x ULN), so both must fail.

Each member of the list is negated on its own (``negated``), and the clause reading joins members written with
"or" as alternatives (``{"any": [...]}``).  Together that read "not A or not B": a patient with AST 9 x ULN and
ALT 1 x ULN met the inclusion through the ALT.  `join_negated_lists` turns such an ``any`` into an ``all`` (De
Morgan: not (A or B) = not A and not B) where every member is a negated constraint and one negation scope
(`critparse.negation.kept_scopes`) covers them all, from a trigger before them.  Members negated by triggers of
their own ("no A or no B") keep the ``any``; so does a list with a member that is not negated, one that a
"cannot" covers (an inability), and one the scope reaches across a new item of a run-on record ("No serious
impairment of renal function Creatinine no greater than 1.5 mg/dL OR Creatinine clearance no less than 50
mL/min": the "No" was never meant for them; `resources/negated_list_words.toml`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Tuple

from . import resources
from .negation import kept_scopes

#: constraint id -> (start, end) in the criterion body, for its negated constraints only
Spans = Dict[str, Tuple[int, int]]


@lru_cache(maxsize=256)
def _negation_scopes(body: str) -> Tuple[Tuple[int, int, int, int], ...]:
    """The negation scopes of `body` that negate a constraint (void ones dropped, cut ones cut)."""
    return tuple(kept_scopes(body))


@dataclass(frozen=True)
class _Words:
    new_item: "re.Pattern[str]"
    new_item_abbreviation: "re.Pattern[str]"
    phrase_words: FrozenSet[str]
    inability: "re.Pattern[str]"


@lru_cache(maxsize=1)
def _words() -> _Words:
    w = tomllib.loads(resources.read_text("negated_list_words.toml"))
    return _Words(new_item=re.compile(w["new_item"]), new_item_abbreviation=re.compile(w["new_item_abbreviation"]),
                  phrase_words=frozenset(w["phrase_words"]), inability=re.compile(w["inability"], re.I))


_OR = re.compile(r"\bor\b|/", re.I)


def _broken(body: str, a: int, b: int) -> bool:
    """A new item of a run-on record between a and b (`resources/negated_list_words.toml`)."""
    k = _words()
    if k.new_item.search(body, a, b):
        return True
    return any(m.group(1).lower() not in k.phrase_words for m in k.new_item_abbreviation.finditer(body, a, b))


def _one_scope(members: Sequence[Tuple[int, int]], body: str) -> bool:
    """One forward negation ("No", "must not have") covers every member, its scope reaches them without a new
    item between, the members are joined by "or", and the trigger is no inability ("cannot")."""
    starts = sorted(a for a, _ in members)
    gaps = [(a, c) for a, c in zip(starts, starts[1:])]
    joined = [bool(_OR.search(body, a, c)) for a, c in gaps]
    if not any(joined) or not all(j or "," in body[a:c] for j, (a, c) in zip(joined, gaps)):
        return False  # "A or B", "A, B, or C"
    for ms, me, ss, se in _negation_scopes(body):
        if me <= starts[0] and all(ss < b and a < se for a, b in members) \
                and not _words().inability.search(body, 0, ms) and not _broken(body, me, starts[-1]):
            return True
    return False


def _join(e: Any, negated: Spans, body: str) -> Any:
    if isinstance(e, list):
        return [_join(x, negated, body) for x in e]
    if not isinstance(e, dict):
        return e
    e = {k: _join(v, negated, body) for k, v in e.items()}
    members = _flat(e.get("any"), negated) if set(e) == {"any"} else None
    if members and _one_scope([negated[x["constraint"]] for x in members], body):
        return {"all": members}
    return e


def _flat(members: Any, negated: Spans) -> Optional[List[Dict[str, Any]]]:
    """The negated constraints of an ``any``'s members, each a negated constraint or an ``all`` of them (the
    first items of "A, B, or C" read as a group); None where a member is anything else."""
    out: List[Dict[str, Any]] = []
    for x in members or ():
        group = x.get("all") if isinstance(x, dict) and set(x) == {"all"} else [x]
        if not all(isinstance(y, dict) and y.get("constraint") in negated for y in group):
            return None
        out.extend(group)
    return out or None


def join_negated_lists(expr: Optional[Dict[str, Any]], negated: Spans, body: str) -> Optional[Dict[str, Any]]:
    """`expr` with each ``any`` of negated constraints under one negation scope made an ``all``; `negated`
    holds the body spans of the criterion's negated constraints."""
    if expr is None or len(negated) < 2:
        return expr
    return _join(expr, negated, body)
