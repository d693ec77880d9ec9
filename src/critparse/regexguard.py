"""A first-character look-ahead for patterns that open with an assertion or an alternation.

Python's `re` skips ahead to where a match can start only when a pattern opens with a literal or a
character set. A pattern that opens with ``\\b``, a look-behind or an alternation of words
(``(?<!\\w)(?:no\\s+more\\s+than|not\\s+to\\s+exceed|...)``) is tried in full at every position of the
text, and on long criteria that is most of its cost. `guard(pattern, flags)` puts a look-ahead on the
characters a match can start with in front (``(?=[nN])(?:...)``): the same matches and groups (the
look-ahead holds wherever a match starts), with most positions refused by one character test
(the PSEUDO phrases of the negation rules: 5 x faster over the XML dump).

The first characters are read from the parsed pattern (`re`'s own parser, an internal module: where it
is missing or the pattern holds something not handled here, the pattern is returned as it is).
"""

from __future__ import annotations

import re
from typing import Any, List, Optional, Set, Tuple

try:  # Python 3.11+
    from re import _constants as _C
    from re import _parser as _P
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _C  # type: ignore[no-redef]
    import sre_parse as _P  # type: ignore[no-redef]

#: zero-width items: the first character comes from what follows them
_ZERO_WIDTH = {_C.AT, _C.ASSERT, _C.ASSERT_NOT}
_REPEATS = {_C.MAX_REPEAT, _C.MIN_REPEAT, getattr(_C, "POSSESSIVE_REPEAT", _C.MAX_REPEAT)}
_CATEGORIES = {_C.CATEGORY_DIGIT: r"\d", _C.CATEGORY_WORD: r"\w", _C.CATEGORY_SPACE: r"\s"}


class _Unknown(Exception):
    """A construct whose first characters are not worked out here: no guard."""


def guard(pattern: str, flags: int = 0) -> str:
    """`pattern` with a look-ahead on its possible first characters in front, or `pattern` itself where
    that cannot be worked out (a match that may start anywhere or be empty, verbose or inline global flags).
    Where a case-insensitive part (``(?i:...)``) can start the match, the look-ahead is case-insensitive."""
    if flags & re.VERBOSE or re.match(r"\(\?[aiLmsux]+\)", pattern):
        return pattern
    try:
        parsed = _P.parse(pattern, flags)
        found = _Found(parsed.state.flags)
        chars, nullable = found.first(list(parsed))
    except (_Unknown, re.error, AttributeError, TypeError, ValueError):
        return pattern
    if nullable or not chars:
        return pattern
    members = "[" + "".join(sorted(chars)) + "]"
    return "(?=" + ("(?i:" + members + ")" if found.local_i else members) + ")(?:" + pattern + ")"


class _Found:
    """The first characters of a parsed pattern (`first`), and whether a case-insensitive part in a
    case-sensitive pattern is among them (`local_i`)."""

    def __init__(self, flags: int) -> None:
        self.flags = flags
        self.local_i = False

    def first(self, items: List[Tuple[Any, Any]], ignore_case: bool = False) -> Tuple[Set[str], bool]:
        """(class members a match of `items` can start with, whether `items` can match the empty string)."""
        out: Set[str] = set()
        for op, av in items:
            if op in _ZERO_WIDTH:
                continue
            if op is _C.LITERAL or op is _C.IN:
                self.local_i = self.local_i or (ignore_case and not self.flags & re.IGNORECASE)
                return out | ({re.escape(chr(av))} if op is _C.LITERAL else _members(av)), False
            if op is _C.SUBPATTERN:
                chars, nullable = self.first(list(av[3]), ignore_case or bool(av[1] & re.IGNORECASE))
            elif op is _C.BRANCH:
                chars, nullable = set(), False
                for alt in av[1]:
                    c, n = self.first(list(alt), ignore_case)
                    chars |= c
                    nullable = nullable or n
            elif op in _REPEATS:
                chars, nullable = self.first(list(av[2]), ignore_case)
                nullable = nullable or av[0] == 0
            elif op is getattr(_C, "ATOMIC_GROUP", None):
                chars, nullable = self.first(list(av), ignore_case)
            else:
                raise _Unknown(str(op))
            out |= chars
            if not nullable:
                return out, False
        return out, True


def _members(items: List[Tuple[Any, Any]]) -> Set[str]:
    """A character set's members as class text (a negated set or category: `_Unknown`)."""
    out: Set[str] = set()
    for op, av in items:
        if op is _C.LITERAL:
            out.add(re.escape(chr(av)))
        elif op is _C.RANGE:
            out.add(re.escape(chr(av[0])) + "-" + re.escape(chr(av[1])))
        elif op is _C.CATEGORY and av in _CATEGORIES:
            out.add(_CATEGORIES[av])
        else:
            raise _Unknown(str(op))
    return out


def compile(pattern: str, flags: int = 0) -> "re.Pattern[str]":
    """``re.compile`` of `pattern` with its first-character look-ahead (`guard`)."""
    return re.compile(guard(pattern, flags), flags)
