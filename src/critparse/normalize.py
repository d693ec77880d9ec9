"""Text normalisation that keeps a map back to the original string.

Registry text is dirty: Markdown escapes (``\\>``), ``\\r\\n``, HTML entities,
Unicode comparators (``≤ ≥ ＜ ≦``), non-breaking and zero-width spaces, glued
words.  `normalize` returns a `NormalizedText` whose ``text`` is clean and
whose `to_original` maps any span of it back to the original string, so every
record critparse reports indexes the user's input.

The map is piecewise: a list of pieces ``(n_start, n_end, o_start, o_end,
identity)``.  Identity pieces map linearly; a replaced piece maps any part of
it to the whole original match (``"<="`` inside ``"≤"`` maps to ``"≤"``).
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Callable, Iterable, List, Optional, Tuple

# single characters -> replacement (may be longer or empty)
_CHAR_MAP = {
    "\u2264": "<=", "\u2265": ">=", "\u2266": "<=", "\u2267": ">=", "\u2a7d": "<=", "\u2a7e": ">=",
    "\u2270": ">", "\u2271": "<",  # not less-or-equal / not greater-or-equal
    "\uff1c": "<", "\uff1e": ">", "\ufe64": "<", "\ufe65": ">", "\uff1d": "=", "\u2260": "!=", "\u2248": "~",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ", "\u2002": " ",
    "\u2003": " ", "\u3000": " ", "\t": " ", "\x0b": " ", "\x0c": " ",
    "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\u00ad": "",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-", "\ufe63": "-", "\uff0d": "-",
    "\u00d7": "x", "\u2715": "x", "\u00b5": "u", "\u03bc": "u",
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2032": "'",
    "\u00b9": "^1", "\u00b2": "^2", "\u00b3": "^3", "\u2070": "^0", "\u2074": "^4", "\u2075": "^5",
    "\u2076": "^6", "\u2077": "^7", "\u2078": "^8", "\u2079": "^9", "\u00b7": ".", "\u2022": "\u2022",
    "\uff05": "%", "\uff08": "(", "\uff09": ")", "\uff0c": ", ", "\uff1a": ": ", "\uff1b": "; ",
    "\r": "\n",
}
_CHAR_MAP = {k: v for k, v in _CHAR_MAP.items() if k != v}

# the character-level edits; "\r\n" (every line break of registry text) is found apart, with str.find
# (much faster), and a "\r" before "\n" is left out of the character map. The pattern opens with the
# class of the characters it is about, so that `re` skips to them in C (a pattern opening with an
# alternation of groups is tried in full at every position: 2 x slower over the XML dump); the empty
# group after that character says which rule matched (`m.lastgroup`), the match is the same text
_CHARS = re.escape("".join(_CHAR_MAP))
_RULES = re.compile(
    r"[\\&" + _CHARS + r"](?:"
    r"(?<=\\)(?P<mdesc>)(?=[><*_\[\]#\-()+=~.`!|{}^])"
    r"|(?<=&)(?P<ent>)(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});"
    r"|(?<=[" + _CHARS + r"])(?:(?<!\r)|(?!\n))(?P<char>))"
)


@dataclass
class NormalizedText:
    original: str
    text: str
    # pieces: (n_start, n_end, o_start, o_end, identity)
    pieces: List[Tuple[int, int, int, int, bool]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.pieces:
            n = len(self.text)
            self.pieces = [(0, n, 0, n, True)] if n else []
        self._starts = [p[0] for p in self.pieces]

    # -- mapping -----------------------------------------------------------
    def _piece(self, i: int) -> Tuple[int, int, int, int, bool]:
        k = bisect_right(self._starts, i) - 1
        if k < 0:
            k = 0
        return self.pieces[k]

    def orig_index(self, i: int, *, end: bool = False) -> int:
        """Original index for normalised index `i` (as a start, or as an end)."""
        if not self.pieces:
            return 0 if not end else len(self.original)
        if end:
            if i <= 0:
                return self.pieces[0][2]
            ns, ne, os_, oe, ident = self._piece(i - 1)
            return os_ + (i - ns) if ident else oe
        if i >= len(self.text):
            return len(self.original) if not self.pieces else self.pieces[-1][3]
        ns, ne, os_, oe, ident = self._piece(i)
        return os_ + (i - ns) if ident else os_

    def to_original(self, start: int, end: int) -> Tuple[int, int]:
        """Map the normalised span [start, end) to the original string."""
        n = len(self.text)
        start = max(0, min(start, n))
        end = max(start, min(end, n))
        if start < end:
            # the common case, inlined: both ends inside the text
            pieces, starts = self.pieces, self._starts
            ns, ne, os_, oe, ident = pieces[bisect_right(starts, start) - 1]
            if ident:
                os_ += start - ns
            ns, ne, o2, oe, ident = pieces[bisect_right(starts, end - 1) - 1]
            oe = o2 + (end - ns) if ident else oe
            return os_, max(os_, oe)
        os_ = self.orig_index(start)
        if end == start:
            return os_, os_
        oe = self.orig_index(end, end=True)
        return os_, max(os_, oe)

    # -- composition -------------------------------------------------------
    def apply(self, edits: Iterable[Tuple[int, int, str]]) -> "NormalizedText":
        """Apply sorted, non-overlapping edits (start, end, replacement) to
        ``self.text`` and return a new NormalizedText mapping to the same original."""
        out: List[str] = []
        pieces: List[Tuple[int, int, int, int, bool]] = []
        pos = 0
        npos = 0

        def copy(a: int, b: int) -> None:
            nonlocal npos
            if b <= a:
                return
            out.append(self.text[a:b])
            # split along this map's pieces so identity stays exact
            i = a
            while i < b:
                ns, ne, os_, oe, ident = self._piece(i)
                j = min(b, ne) if ne > i else b
                if ident:
                    pieces.append((npos, npos + (j - i), os_ + (i - ns), os_ + (j - ns), True))
                else:
                    pieces.append((npos, npos + (j - i), os_, oe, False))
                npos += j - i
                i = j

        for s, e, rep in edits:
            if s < pos:
                continue
            copy(pos, s)
            if rep:
                os_, oe = self.to_original(s, e) if e > s else (self.orig_index(s),) * 2
                out.append(rep)
                pieces.append((npos, npos + len(rep), os_, oe, False))
                npos += len(rep)
            pos = e
        copy(pos, len(self.text))
        return NormalizedText(self.original, "".join(out), pieces)


def _replacement(m: "re.Match[str]") -> str:
    kind = m.lastgroup
    s = m.group(0)
    if kind == "mdesc":
        return ""
    if kind == "ent":
        u = html.unescape(s)
        if u == s:  # unknown entity: keep as written
            return s
        return "".join(_CHAR_MAP.get(ch, ch) for ch in u)
    return _CHAR_MAP.get(s, s)


#: later passes (glued-word splitting, ...) register here: fn(text) -> edits
POST_PASSES: List[Callable[[str], List[Tuple[int, int, str]]]] = []


def _rule_edits(text: str) -> List[Tuple[int, int, str]]:
    """The edits over `text`, sorted: "\r\n" -> "\n" found by str.find, the other rules by `_RULES`
    (no rule match overlaps a "\r\n")."""
    edits = []
    for m in _RULES.finditer(text):
        rep = _replacement(m)
        if rep != m.group(0):
            edits.append((m.start(), m.end(), rep))
    i = text.find("\r\n")
    if i < 0:
        return edits
    crlf = []
    while i >= 0:
        crlf.append((i, i + 2, "\n"))
        i = text.find("\r\n", i + 2)
    if not edits:
        return crlf
    return sorted(edits + crlf)


def _apply_fresh(text: str, edits: List[Tuple[int, int, str]]) -> NormalizedText:
    """``NormalizedText(text, text).apply(edits)`` (the same pieces), without its general piece splitting:
    on the unedited text every piece maps one to one."""
    if not edits:
        return NormalizedText(text, text)
    out: List[str] = []
    pieces: List[Tuple[int, int, int, int, bool]] = []
    pos = npos = 0
    for s, e, rep in edits:
        if s < pos:
            continue
        if s > pos:
            out.append(text[pos:s])
            pieces.append((npos, npos + (s - pos), pos, s, True))
            npos += s - pos
        if rep:
            out.append(rep)
            pieces.append((npos, npos + len(rep), s, e, False))
            npos += len(rep)
        pos = e
    n = len(text)
    if pos < n:
        out.append(text[pos:])
        pieces.append((npos, npos + (n - pos), pos, n, True))
    return NormalizedText(text, "".join(out), pieces)


def normalize(text: str) -> NormalizedText:
    """Clean `text` for analysis; keep a map back to it."""
    if not isinstance(text, str):
        raise TypeError(f"normalize() needs a str, got {type(text).__name__}")
    nt = _apply_fresh(text, _rule_edits(text))
    from . import glue

    for post in (glue.edits, *POST_PASSES):
        more = post(nt.text)
        if more:
            nt = nt.apply(more)
    return nt


def collapse_ws(s: str) -> str:
    """Whitespace-collapsed copy of `s` for display (no offsets kept)."""
    return " ".join(s.split())
