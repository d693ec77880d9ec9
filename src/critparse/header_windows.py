"""Windows written on a list's header.

"Treatment with any of the following agents within 28 days of Screening:", then the agents as sub-items:
the window bounds the events the sub-items name, one temporal constraint on the header whose event is the
list ("radiation therapy or cytotoxic chemotherapeutic agents <= 28 d"), as the same header gives where the
list follows its colon on one line (`subjects.listed_events`). Read with the rules that read that line: the
header is parsed with one stand-in word after its colon, and only a window whose event is that word is kept.

In the legacy-XML extract, 571 windows end a header line at its colon ("within 14 days prior to
randomization:", "Excluded within 4 weeks of study entry:", "None of the following within 6 months prior to
entry:"); 3 of the 51 API v2 studies of the dev sample write one over a bulleted list.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, List, Sequence, Tuple

from .constraints import extract
from .negation import negate_constraints
from .subjects import LISTED_THRESHOLD

#: the stand-in for the list: a word no rule knows, so the rules read it as a plain named event
STAND_IN = "zzlisted"
#: a header's window is read only where its line ends at a colon and says when ("within", "prior", ...)
_WINDOW_WORD = re.compile(r"\b(?:within|prior|before|since|past|last|previous|preceding|up\s+to)\b", re.I)
#: a window has a number (cheap test before the reading)
_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b", re.I)
_ITEM_END = re.compile(r"[\s;,.:]+$|\s+(?:and|or|and/or)\s*$", re.I)
#: what an item adds after its name: examples, carve-outs ("TB therapy, with the exception of treatment of latent
#: TB", "Immunomodulators that alter immune responses (such as chronic systemic corticosteroids ...")
_ITEM_ASIDE = re.compile(r"\s*\((?:such\s+as|e\.g\.|i\.e\.|including|for\s+example)|,?\s+(?:with\s+the\s+exception\b|"
                         r"except\b|unless\b|excluding\b)", re.I)
_ITEM_START = re.compile(r"^(?:for|of|with|use\s+of)\s+", re.I)  # "For corticosteroids, immunoglobulins ..."
MAX_ITEMS = 12
MAX_ITEM_CHARS = 80


def _item_name(body: str) -> str:
    """A sub-item as an event name: one line, without its examples or carve-outs, its closing punctuation and
    trailing "and"/"or" cut."""
    name = _ITEM_START.sub("", " ".join(body.split()))
    name = name[:m.start()] if (m := _ITEM_ASIDE.search(name)) else name
    prev = None
    while prev != name:
        prev, name = name, _ITEM_END.sub("", name)
    return name


def _joined(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


#: a sub-item with its own window ("Lymphocyte transfusions, excluded within 3 months of study entry") is
#: not bounded by the header's
_OWN_WINDOW = re.compile(r"\b(?:within|prior\s+to|excluded|allowed|permitted)\b|\d\s*(?:hours?|days?|weeks?|months?|years?|"
                         r"h|d|wk|wks|mo|yrs?)\b", re.I)


#: a sub-item that runs on into another sentence ("... or therapies. Current alcohol abuse") is no name
_SENTENCES = re.compile(r"[a-z]{2}\.\s+[A-Za-z]")


def _plain_items(items: Sequence[str]) -> List[str]:
    """The sub-items' names that the header's window bounds: short names, without a window of their own;
    [] where one holds a threshold (a list of lab thresholds under "the following labs within 14 days" is
    not a list of events) or none is left."""
    names = [n for n in map(_item_name, items) if not _OWN_WINDOW.search(n) and not _SENTENCES.search(n)]
    if not names or len(names) > MAX_ITEMS or any(not n or len(n) > MAX_ITEM_CHARS for n in names):
        return []
    return [] if any(_holds_threshold(n) for n in names) else names


@lru_cache(maxsize=4096)
def _holds_threshold(name: str) -> bool:
    return bool(LISTED_THRESHOLD.search(name) or extract(name))


@lru_cache(maxsize=4096)
def _windows_of(head: str) -> Tuple[Dict[str, Any], ...]:
    """The windows (negation set) of a header ending in a colon whose event is the stand-in after it; cached, as
    registry text repeats its headers. Callers copy the dicts."""
    stand_in = head + " " + STAND_IN
    raw = [rc for rc in extract(stand_in) if rc["subject"] == STAND_IN and rc.get("category") == "temporal"]
    return tuple(negate_constraints(stand_in, raw)) if raw else ()


def listed_window(body: str, items: Sequence[str]) -> List[Dict[str, Any]]:
    """Constraint dicts (offsets local to `body`, ``negated`` set) of the window a header line ending in a
    colon puts on its sub-items `items` (their bodies); [] where the header says no window over them."""
    head = body.rstrip()
    if not head.endswith(":") or not items or not _NUMBER.search(head) or not _WINDOW_WORD.search(head):
        return []
    windows = _windows_of(head)
    names = _plain_items(items) if windows else []
    if not names:
        return []
    name = _joined(names)
    raw = [dict(rc) for rc in windows]
    for rc in raw:
        rc["subject"], rc["subject_text"] = name.lower(), name
        rc["end"] = min(rc["end"], len(head) - 1)  # the window ends before the colon
    return raw
