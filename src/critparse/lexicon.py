"""Subjects of constraints (labs, vitals, scores) and their synonyms, from resources/labs.jsonl."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, Iterable, List, Optional, Pattern, Sequence, Tuple

from . import resources


@dataclass(frozen=True)
class Subject:
    name: str
    category: str
    canonical_unit: Optional[str]
    loinc: Optional[str]
    synonyms: Tuple[str, ...] = field(default=())
    exact: Tuple[str, ...] = field(default=())


@lru_cache(maxsize=1)
def subjects() -> Dict[str, Subject]:
    out: Dict[str, Subject] = {}
    for row in resources.read_jsonl("labs.jsonl"):
        if "name" not in row:
            continue
        out[row["name"]] = Subject(row["name"], row["category"], row.get("canonical_unit"), row.get("loinc"),
                                   tuple(row.get("synonyms", ())), tuple(row.get("exact", ())))
    return out


@lru_cache(maxsize=1)
def _surface_index() -> Dict[str, str]:
    idx: Dict[str, str] = {}
    for s in subjects().values():
        idx.setdefault(s.name.lower(), s.name)
        for syn in s.synonyms:
            idx.setdefault(syn.lower(), s.name)
    return idx


@lru_cache(maxsize=1)
def _exact_index() -> Dict[str, str]:
    return {e: s.name for s in subjects().values() for e in s.exact}


def lookup(surface: str) -> Optional[Subject]:
    """The subject named by `surface` (any synonym, case-insensitive; short forms case-sensitive)."""
    name = _exact_index().get(surface.strip()) or _surface_index().get(" ".join(surface.lower().split()))
    return subjects().get(name) if name else None


def trie_regex(seqs: Iterable[Sequence[str]]) -> str:
    """One regex alternation for many sequences of regex atoms, factored as a
    trie (``ab|ac`` -> ``a(?:b|c)``): Python's `re` tries alternatives one by
    one, so a flat alternation of hundreds of phrases costs hundreds of tries
    at every position, a trie only a few.  Where a phrase ends inside a longer
    one the rest is an optional greedy group (longest first, backtracking to
    the shorter)."""
    root: Dict[str, dict] = {}
    for seq in seqs:
        node = root
        for atom in seq:
            node = node.setdefault(atom, {})
        node[""] = {}

    def emit(node: Dict[str, dict]) -> str:
        alts = [a + emit(child) for a, child in sorted(node.items(), key=lambda kv: (kv[0].startswith("\\"), kv[0])) if a]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 and "" not in node else "(?:" + "|".join(alts) + ")"
        return body + "?" if "" in node else body

    return emit(root)


def _alt(words: List[str]) -> str:
    return trie_regex([[r"[\s\-]+" if ch == " " else re.escape(ch) for ch in w] for w in set(words)])


@lru_cache(maxsize=1)
def mention_pattern() -> Pattern[str]:
    """One regex finding every subject mention; group 'ci' (case-insensitive, optionally
    followed by a plural 's') or 'cs' (exact case)."""
    ci = [w for w in _surface_index() if len(w) > 2 or w in ("hb",)]
    cs = list(_exact_index())
    return re.compile(
        r"(?<![\w-])(?:(?P<cs>" + _alt(cs) + r")|(?i:(?P<ci>" + _alt(ci) + r")(?P<pl>s)?))(?![\w])"
    )


def find_mentions(text: str, start: int = 0, end: Optional[int] = None) -> List[Tuple[int, int, str]]:
    """(start, end, subject name) of every subject mention in `text[start:end]`, left to right
    (offsets into `text`; the characters around the slice still decide word boundaries
    at its start)."""
    out = []
    for m in mention_pattern().finditer(text, start, len(text) if end is None else end):
        surf = m.group("cs") or m.group("ci")  # a plural "s" ("CD4 cell counts") is not looked up
        name = _exact_index().get(surf) if m.group("cs") else _surface_index().get(" ".join(surf.lower().replace("-", " ").split())) or _surface_index().get(surf.lower())
        if name is None:
            s = lookup(surf.replace("-", " "))
            name = s.name if s else None
        if name:
            out.append((m.start(), m.end(), name))
    return out


def warm_up() -> None:
    """Build the subject lexicon and its indexes now rather than on first use (`critparse.prepare`)."""
    subjects(), _surface_index(), _exact_index(), mention_pattern()
