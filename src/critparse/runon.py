"""Items of a run-on record: legacy registry text whose line breaks were lost, so one item runs into the next
with only a capitalised word to show it ("... refractory to conventional therapy Tumor mass larger than 3 cm").

An item starts at a capitalised common English word after a lower-case word, a number or "%" that is not a
function word (`resources/negated_list_words.toml` run_on_item, run_on_function), unless the capitalised word
is one written capitalised inside a phrase (run_on_keep: "neuropathy Grade 2", "disease Stage IV")."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator, List, Optional, Tuple


@lru_cache(maxsize=1)
def _words() -> Tuple["re.Pattern[str]", frozenset, frozenset]:
    import tomllib

    from . import resources

    w = tomllib.loads(resources.read_text("negated_list_words.toml"))
    return re.compile(w["run_on_item"]), frozenset(w["run_on_keep"]), frozenset(w["run_on_function"])


#: what every run_on_item match holds: a space or tab before a capitalised word of three letters or more; 85 % of the
#: criterion bodies of 3,000 XML studies have none, and this class-led search is much cheaper than the pattern
_CAPITAL_AFTER_SPACE = re.compile(r"[ \t][A-Z][a-z]{2}")


def _starts(text: str, a: int, b: int) -> Iterator[int]:
    from .glue import FUNCTION, english

    if not _CAPITAL_AFTER_SPACE.search(text, a, b):
        return
    pattern, keep, function = _words()
    for m in pattern.finditer(text, a, b):
        prev, cap = m.group("prev"), m.group("cap").lower()
        if prev not in FUNCTION and prev not in function and cap not in keep and cap in english():
            yield m.start("cap")


def next_item(text: str, a: int, b: int) -> Optional[int]:
    """Where the next run-on item starts in text[a:b], or None."""
    return next(_starts(text, a, b), None)


@lru_cache(maxsize=1)
def _analytes() -> Tuple["re.Pattern[str]", frozenset]:
    import tomllib

    from . import resources

    w = tomllib.loads(resources.read_text("negated_list_words.toml"))
    names = "|".join(re.escape(n) for n in sorted(w["run_on_analyte"], key=len, reverse=True))
    return re.compile(w["run_on_analyte_item"].replace("{analytes}", names)), frozenset(w["run_on_analyte_keep"])


def _analyte_starts(text: str, a: int, b: int) -> Iterator[int]:
    """Starts of the test names in text[a:b] that open an item (run_on_analyte: "... heart failure LVEF at least
    45%"), not after a function word or a word of the name's phrase (run_on_analyte_keep: "concurrent WBC")."""
    from .glue import FUNCTION

    pattern, keep = _analytes()
    function = _words()[2]
    for m in pattern.finditer(text, a, b):
        prev = m.group("prev")
        if prev not in FUNCTION and prev not in function and prev not in keep:
            yield m.start("cap")


def next_item_or_analyte(text: str, a: int, b: int) -> Optional[int]:
    """Where the next run-on item starts in text[a:b], at a capitalised English word (`next_item`) or at a test
    name that is none ("No congestive heart failure LVEF at least 45%", "No renal compromise Creatinine no greater
    than 1.2 mg/dL"), or None."""
    found = [i for i in (next_item(text, a, b), next(_analyte_starts(text, a, b), None)) if i is not None]
    return min(found, default=None)


# what follows an item's first word: a lower-case word, a number or an operator, not another capitalised word
# ("acceptable International Normalized Ratio", "modified Rankin Scale": a name written in capitals)
_ITEM_GOES_ON = re.compile(r"[A-Za-z'/-]*,?\s+(?:[a-z(<>\u2264\u2265=]|\d)")


def item_starts(text: str) -> List[int]:
    """The run-on item starts of text that are followed by a lower-case word, a number or an operator, and do
    not follow a number ("5 Months Prior": a unit in Title Case)."""
    return [i for i in _starts(text, 0, len(text)) if not text[i - 2:i - 1].isdigit() and _ITEM_GOES_ON.match(text, i)]
