"""Line classification: lines, list markers, stand-alone labels and sub-headings, paragraph and sentence ends.

`classify` tells what a line is from the text alone (blank, section heading, marked item, AND/OR line,
sub-heading, label, or plain text); whether plain text continues the item above is the builder's call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

from .headings import Heading, read_heading
from .patterns import (ALNUM, AND_LINE, CONNECTOR, LABEL_WORDS, MARKER, NO_SPLIT_BEFORE, NOTE, OR_LINE, ROMAN, SENT_END,
                       VERBISH)


@dataclass
class Line:
    start: int  # normalised offsets of the stripped content
    end: int
    indent: int
    text: str  # stripped content


def split_lines(text: str) -> List[Line]:
    """The lines of `text`, each with its stripped content, offsets and indentation."""
    out = []
    pos = 0
    for raw in text.split("\n"):
        a = pos
        pos += len(raw) + 1
        left = raw.lstrip()
        if not left:
            out.append(Line(a, a, 0, ""))
            continue
        stripped = left.rstrip()
        lead = len(raw) - len(left)
        out.append(Line(a + lead, a + lead + len(stripped), lead, stripped))
    return out


@dataclass
class Marker:
    number: str  # as written
    mtype: str
    value: Optional[str]
    length: int  # marker plus following spaces


def read_marker(content: str) -> Optional[Marker]:
    """The list marker that starts `content` ("1.", "(b)", "ii)", "*", "-"), if any."""
    m = MARKER.match(content)
    if not m or m.end() >= len(content) and m.group("bul") == "o":
        return None
    g = m.lastgroup
    for name in ("dot", "num", "pnum", "alpha", "palpha", "bul", "bul2"):
        if m.group(name):
            g = name
            break
    val = m.group(g)
    if g in ("bul", "bul2"):
        mtype, val = "bul" + val, None
    elif g in ("num", "pnum"):
        mtype = g
    elif g == "dot":
        mtype = "dot%d" % val.count(".")
    else:
        paren = "p" if g == "palpha" else ""
        low = val.lower()
        if len(val) > 1 or (low in "ivx" and ROMAN.match(low)):
            mtype = paren + "rom"  # resolved against the list above in `Tree.resolve_roman`
        else:
            mtype = paren + ("letU" if val.isupper() else "letl")
    return Marker(m.group("marker"), mtype, val, m.end())


def follows(prev: Optional[str], cur: Optional[str]) -> bool:
    """`cur` is the marker value right after `prev` ("3" -> "4", "b" -> "c")."""
    if prev is None or cur is None:
        return False
    if prev.isdigit() and cur.isdigit():
        return int(cur) == int(prev) + 1
    if len(prev) == 1 and len(cur) == 1:
        return ord(cur.lower()) == ord(prev.lower()) + 1
    return False


@dataclass
class LineClass:
    kind: str  # "blank" | "heading" | "marked" | "and" | "or" | "subheading" | "label" | "text"
    marker: Optional[Marker] = None
    heading: Optional[Heading] = None
    indent: Optional[int] = None  # a sub-heading: the indentation of the list it heads


def classify(text: str, lines: List[Line], i: int, blank_before: bool,
             counted: Callable[[Marker], bool]) -> LineClass:
    """What line `i` is; `counted` says whether a three-digit number marker continues the list above."""
    ln = lines[i]
    if not ALNUM.search(ln.text):  # blank, or a lone "-" / "*" / "---"
        return LineClass("blank")
    mk = read_marker(ln.text)
    if mk is not None and mk.mtype in ("num", "pnum") and len(mk.value) >= 3 and not counted(mk):
        mk = None  # "100." in wrapped text, not after an item "99."
    if mk is not None and mk.length >= len(ln.text) and not mk.mtype.startswith("bul"):
        mk = Marker(mk.number, mk.mtype, mk.value, len(ln.text))  # marker alone on its line
    # section heading (also "- INCLUSION CRITERIA:")
    hd = read_heading(text, ln.start + (mk.length if mk else 0), ln.end) if ln.end - ln.start <= 160 else None
    if hd is not None and mk is None and not blank_before and ln.text[:1].islower():
        hd = None  # a wrapped sentence's last words ("... within 12 weeks of study" / "entry"; "the following" / "criteria:")
    if hd is not None:
        return LineClass("heading", mk, hd)
    if mk is not None:
        return LineClass("marked", mk)
    if AND_LINE.match(ln.text):
        return LineClass("and")
    if OR_LINE.match(ln.text):
        return LineClass("or")
    sub = subheading(lines, i, blank_before)
    if sub is not None:
        return LineClass("subheading", indent=sub)
    return LineClass("label" if is_label_line(lines, i) else "text")


def subheading(lines: List[Line], i: int, blank_before: bool) -> Optional[int]:
    """The indentation of the list that a stand-alone sub-heading line at `i` heads, else None.

    "Medical Conditions" / "Age" / "Obesity-related" alone between blank lines above a list at its indentation, or
    "Type of Participant and Disease Characteristics" right above an item that dedents to a sibling of the item
    before it (the v2 Markdown form): short, capitalised, no final punctuation, no comparison.  A line ending in
    ":" ("Female participants:") counts only where it would otherwise continue the item above: after a blank line,
    indented deeper than the next item.
    """
    ln = lines[i]
    t = ln.text
    words = t.split()
    if len(words) > 7 or not (t[:1].isupper() or t[:1] == "[") or t[-1:] in ".;,!?" or NOTE.match(t) \
            or re.search(r"[<>=\u2264\u2265]|[.;:]\s", t):
        return None
    j = i + 1
    while j < len(lines) and not ALNUM.search(lines[j].text):
        j += 1
    if j == len(lines) or read_marker(lines[j].text) is None or lines[j].indent > ln.indent:
        return None
    nxt = lines[j]
    if t.endswith(":"):  # "Relatives only:" indented under item 5, above a dedented item 6 (else a plain label)
        return nxt.indent if blank_before and nxt.indent < ln.indent else None
    titled = all(w[:1].isupper() or w.lower() in CONNECTOR for w in re.split(r"[\s/]+", t) if len(w) > 3)
    if j > i + 1 and blank_before:  # alone between blank lines: title case, or no word shaped like a verb
        return nxt.indent if titled or t[:1] == "[" or not VERBISH.search(t) else None
    if j == i + 1 and (blank_before or lines[i - 1].text[-1:] in ".;"):  # right above the next item
        return nxt.indent if titled else None
    return None


def is_label_line(lines: List[Line], i: int) -> bool:
    """A short unmarked line ending in ":" ("Age:", "Excluded:"), or a short line with no final punctuation right
    above a deeper list ("Biologic therapy")."""
    ln = lines[i]
    t = ln.text
    words = t.split()
    if NOTE.match(t) or len(words) > LABEL_WORDS or t[:1].islower() or not t[:1].isalnum() and t[:1] not in "([":
        return False
    if t.endswith(":"):
        return not re.search(r"[.;]\s", t)  # not "Sentence one. Sentence two:"
    if len(words) > 5 or t[-1:] in ".;,)" or t[:1].islower():
        return False
    # "Biologic therapy" over a deeper list
    for nxt in lines[i + 1:i + 4]:
        if not nxt.text:
            continue
        return nxt.indent > ln.indent and read_marker(nxt.text) is not None
    return False


def paragraph_end(text: str, lines: List[Line], j: int) -> int:
    """Index after the unmarked, non-blank lines from `j` on that continue a paragraph."""
    n = len(lines)
    while j < n and lines[j].text and read_marker(lines[j].text) is None \
            and not OR_LINE.match(lines[j].text) and not AND_LINE.match(lines[j].text) \
            and read_heading(text, lines[j].start, lines[j].end) is None \
            and not (lines[j - 1].text[-1:] in ".:;!?" and is_label_line(lines, j)):
        j += 1
    return j


def sentences(text: str, a: int, b: int) -> List[Tuple[int, int]]:
    """Sentence spans of text[a:b] ("e.g.", "Dr.", initials, decimals and open brackets do not end one)."""
    out = []
    s = pos = a
    depth = 0  # "(" minus ")" in text[s:pos], counted once per character
    for m in SENT_END.finditer(text, a, b):
        e = m.end()
        depth += text.count("(", pos, e) - text.count(")", pos, e)
        pos = e
        if NO_SPLIT_BEFORE.search(text[max(a, e - 8):e]) or depth > 0:
            continue
        out.append((s, e))
        depth = 0
        s = e
        while s < b and text[s] in " \n":
            s += 1
    if s < b:
        out.append((s, b))
    return [(x, y) for x, y in out if y > x]


def lines_in(text: str, a: int, b: int) -> List[Line]:
    """The non-blank lines of text[a:b] (offsets into `text`; indentation counted from the line's start)."""
    out = []
    pos = a
    while pos < b:
        e = text.find("\n", pos, b)
        e = b if e < 0 else e
        raw = text[pos:e]
        left = raw.lstrip()
        if left.strip():
            stripped = left.rstrip()
            lead = len(raw) - len(left)
            col = pos - (text.rfind("\n", 0, pos) + 1)
            out.append(Line(pos + lead, pos + lead + len(stripped), col + lead, stripped))
        pos = e + 1
    return out


#: last characters of a line that leave its sentence open ("... and/or", "... (e.g.", "... 18-")
_OPEN_END = re.compile(r"(?:[,(\[/&+\-–=<>]|\b(?:e\.g|i\.e|etc|vs|incl)\.?)$", re.I)


def line_items(lines: List[Line]) -> List[Tuple[int, int]]:
    """Spans of the lines of one unmarked paragraph grouped into the items their author wrote one per line
    (Chia, pasted registry text: "Male or female" / "Age 18 to 65 years" / "Diagnosed with ..."). A line
    break ends an item only where the line above could have held the next line's first word (so it is no
    hard wrap: its width is the paragraph's widest line, at least 72 columns), the line above leaves no phrase open (no final
    comma, bracket, hyphen or connector word) and the next line starts with a capital letter or a digit. In a
    ragged paragraph of three lines or more (few lines reach 85 % of the widest) no line is a hard wrap."""
    lengths = [ln.indent + len(ln.text) for ln in lines]
    width = max([72] + lengths)  # hard wraps are 72 columns or wider
    near = sum(1 for n in lengths[:-1] if n >= 0.85 * max(lengths))
    ragged = len(lines) >= 3 and near <= max(1, (len(lines) - 1) // 3)  # few lines reach the widest: no wrapping
    out = [(lines[0].start, lines[0].end)]
    for prev, ln in zip(lines, lines[1:]):
        last = prev.text.rsplit(None, 1)[-1].lower()
        first = ln.text.split(None, 1)[0]
        fits = ragged or prev.indent + len(prev.text) + 1 + len(first) <= width
        if fits and (ln.text[:1].isupper() or ln.text[:1].isdigit()) and last not in CONNECTOR \
                and not _OPEN_END.search(prev.text) and prev.text.count("(") <= prev.text.count(")"):
            out.append((ln.start, ln.end))
        else:
            out[-1] = (out[-1][0], ln.end)
    return out

