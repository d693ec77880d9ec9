"""Bracket matching on plain text, shared by the clause reader and the negation scopes."""

from __future__ import annotations


def closing_bracket(text: str, i: int, opens: str = "(", closes: str = ")") -> int:
    """The index of the bracket that closes the one at `i` (any of `opens` / `closes` nest), or -1."""
    depth = 0
    for j in range(i, len(text)):
        ch = text[j]
        if ch in opens:
            depth += 1
        elif ch in closes:
            depth -= 1
            if depth == 0:
                return j
    return -1
