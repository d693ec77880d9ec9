"""The first-character look-ahead of `critparse.regexguard`: same matches, or no guard at all."""

import re

import pytest

from critparse import regexguard
from critparse.negation import _pseudo_across_lines, broken_pseudo_spans


@pytest.mark.parametrize("pattern, flags, guard", [
    (r"(?<!\w)(?:no\s+more|not\s+to)(?!\w)", re.I, r"(?=[n])"),
    (r"\b(?:only\s+)?if\b", re.I, r"(?=[io])"),
    (r"(?:(?<=[^\s:;.]\s)|(?<=\())\b(?:for|among)\s+", re.I, r"(?=[af])"),
    (r"(?i:ab)|c", 0, r"(?=(?i:[ac]))"),  # a case-insensitive part: so is the look-ahead
    (r"\\(?=[<>])|&#\d+;|[\u2264\u2265]", 0, "(?=[\\&\\\\\u2264\u2265])"),  # re.escape("&") is "\\&"
])
def test_guard_names_the_first_characters(pattern, flags, guard):
    assert regexguard.guard(pattern, flags) == guard + "(?:" + pattern + ")"


@pytest.mark.parametrize("pattern", [r"x?", r"[^a]x", r"(?i)abc", r".x", r"\w*"])
def test_no_guard_where_a_match_may_start_anywhere(pattern):
    assert regexguard.guard(pattern) == pattern


def test_same_matches_on_registry_text():
    # NCT00000378, a hand-wrapped legacy record: the PSEUDO phrase "with or without" broken across a line
    text = ("Major depression (per Diagnostic and Statistical Manuel-IV criteria) with or\r\n"
            "        without melancholia.\r\n\r\n        Exclusion Criteria:")
    guarded = _pseudo_across_lines()
    assert guarded.pattern.startswith("(?=[")
    plain = re.compile(guarded.pattern[guarded.pattern.index(")(?:") + 4:-1], guarded.flags)
    assert [m.span() for m in guarded.finditer(text)] == [m.span() for m in plain.finditer(text)]
    assert [text[a:b] for a, b in broken_pseudo_spans(text)] == ["with or\r\n        without"]
