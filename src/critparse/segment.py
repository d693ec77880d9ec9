"""Segmentation of normalised eligibility text into a criteria tree.

Works on the text's own structure (lines, markers, indentation, headings), with
regexes only, so it is cheap enough for whole-registry runs.

- Sections: inclusion / exclusion headings (``resources/sections.jsonl``: "Inclusion
  Criteria:", "Key Exclusion Criteria", the old NCI "DISEASE CHARACTERISTICS:",
  "PATIENT CHARACTERISTICS:", "PRIOR CONCURRENT THERAPY:"...); text before any
  heading is inclusion.
- Items: lines starting with a marker (``1.``, ``1)``, ``(1)``, ``a.``, ``(b)``,
  ``i.``, ``*``, ``-``, ``•``); nesting by indentation and marker type; wrapped
  lines join their item; unmarked paragraphs become one item per sentence.
- Groups: cohort headers ("Inclusion criteria only for B-ALL:") and short
  labels ("Hepatic:") are role ``group``; their children inherit the cohort.
- Notes: a paragraph ending in ":" that only introduces a list ("Subjects with
  any of the following exclusion criteria were not eligible:") is role ``note``.
- Logic: a criterion with children is ``any`` when it says "one of the
  following", "any of the following", "at least one of", "either"; else ``all``.

Ids: ``inc.N`` / ``exc.N`` for top-level items in order, ``<parent>.M`` for
children, ``inc.noteN`` / ``exc.noteN`` for notes.  ``start``/``end`` (and
``text``) cover the criterion's own words, marker excluded; ``number`` keeps
the marker as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from . import resources
from .normalize import NormalizedText, collapse_ws
from .records import Criterion


@dataclass
class Segment:
    criterion: Criterion
    body: Tuple[int, int]  # span in the NORMALISED text of the criterion's own words (marker excluded)


def _load_sections():
    pats = []
    for row in resources.read_jsonl("sections.jsonl"):
        if "pattern" in row:
            pats.append((re.compile(row["pattern"], re.I), row["kind"]))
    return pats


_SECTIONS = _load_sections()

_MARKER = re.compile(
    r"^(?P<indent>[ ]*)(?P<marker>"
    r"(?P<num>\d{1,2})[.)](?!\d)"
    r"|\((?P<pnum>\d{1,2})\)"
    r"|(?P<rom>(?:i{1,3}|iv|vi{0,3}|ix|x|xi{1,3}))[.)](?=\s)"
    r"|\((?P<prom>(?:i{1,3}|iv|vi{0,3}|ix|x))\)"
    r"|(?P<let>[a-zA-Z])[.)](?=\s)"
    r"|\((?P<plet>[a-zA-Z])\)"
    r"|(?P<bul>[*\u2022\u25aa\u25ba\u25cf\u25e6\u2023\u2219\-+o\u00b7>])(?=\s)"
    r")\s*"
)
_ANY = re.compile(r"\b(?:one\s+of\s+the\s+following|any\s+of\s+the\s+following|at\s+least\s+(?:one|1)\s+of|either\b|one\s+or\s+more\s+of\s+the\s+following|any\s+one\s+of)", re.I)
_COHORT = re.compile(
    r"(?:\bonly\s+for\b|\bfor\s+(?:patients|subjects|participants)\s+(?:with|in|enrolled)\b|\bcohorts?\s+[A-Z0-9]\b|\barms?\s+[A-Z0-9]\b|"
    r"\bparts?\s+[A-Z0-9]\b|\bgroups?\s+[A-Z0-9]\b|\bstage\s+[12]\b|\bphase\s+(?:1|2|I|II)[ab]?\b\s*(?:\(|:|$)|\bspecific\s+to\b)",
    re.I,
)
_HEADERISH = re.compile(r"\b(?:inclusion|exclusion|eligibility)\s+criteri(?:a|on)\b", re.I)
_COMMON = re.compile(r"^\s*(?:common|general|all\s+(?:patients|subjects|participants|cohorts)|shared)\b", re.I)
_LABEL = re.compile(r"^[A-Z][A-Za-z0-9 /,&()'\-]{0,45}:\s*$")
_SENT_SPLIT = re.compile(r"(?<=[.!?;])\s+(?=[A-Z(])")
_NO_SPLIT_BEFORE = re.compile(r"(?:\b(?:e\.g|i\.e|vs|Dr|approx|No|St|et al|Fig|incl|ca|min|max|resp|Mr|Mrs|Ms|Jr|Inc|Ltd|U\.S))\.$|\b[A-Z]\.$")


@dataclass
class _Line:
    start: int  # normalised offsets of the line content (stripped)
    end: int
    indent: int
    text: str  # stripped content (marker included)


@dataclass
class _Node:
    kind: str
    section: Optional[str]
    role: str
    number: Optional[str]
    mtype: Optional[str]
    indent: int
    body: List[Tuple[int, int]]  # normalised spans of its own words
    children: List["_Node"] = field(default_factory=list)
    cohort: Optional[str] = None
    cohort_header: bool = False
    parent: Optional["_Node"] = None
    open_colon: bool = False


def _lines(text: str) -> List[_Line]:
    out = []
    pos = 0
    for raw in text.split("\n"):
        a, b = pos, pos + len(raw)
        pos = b + 1
        content = raw.strip()
        if not content:
            out.append(_Line(a, a, 0, ""))
            continue
        lead = len(raw) - len(raw.lstrip())
        trail = len(raw) - len(raw.rstrip())
        out.append(_Line(a + lead, b - trail, lead, content))
    return out


def _section_of(content: str) -> Optional[Tuple[str, int]]:
    """(kind, length of the heading) if the line starts with a section heading."""
    if len(content) > 120:
        return None
    for pat, kind in _SECTIONS:
        m = pat.match(content)
        if m:
            return kind, m.end()
    return None


def _mtype(m: "re.Match[str]") -> str:
    for g in ("num", "pnum", "rom", "prom", "let", "plet", "bul"):
        if m.group(g):
            if g == "bul":
                return "bul" + m.group(g)
            if g == "let" or g == "plet":
                return g + ("U" if m.group(g).isupper() else "l")
            return g
    return "?"


def _cohort_label(text: str) -> Optional[str]:
    t = text.strip().rstrip(":").strip()
    m = re.search(r"\bonly\s+for\s+(.+)$", t, re.I) or re.search(r"\bfor\s+(?:patients|subjects|participants)\s+(?:with|in|enrolled\s+in)\s+(.+)$", t, re.I) \
        or re.search(r"\bspecific\s+to\s+(.+)$", t, re.I)
    if m:
        label = m.group(1)
    else:
        m = re.search(r"\b((?:cohort|arm|part|group|stage|phase)s?\s+[A-Z0-9]+[a-z]?)\b", t, re.I)
        label = m.group(1) if m else t
    label = re.sub(r"\s*(?:patients|subjects|participants|only|cohort)\s*$", "", label, flags=re.I).strip(" .,;()")
    return label[:60] or None


def segment(nt: NormalizedText) -> List[Segment]:
    text = nt.text
    lines = _lines(text)
    roots: List[_Node] = []
    kind, section = "inclusion", None
    stack: List[_Node] = []  # open item nodes (innermost last)
    last: Optional[_Node] = None  # node that a continuation line would join
    blank_before = False

    def attach(node: _Node) -> None:
        parent = stack[-1] if stack else None
        node.parent = parent
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
            node.cohort = parent.cohort
        if node.cohort_header:
            node.cohort = None if _COMMON.match(_node_text(node)) else _cohort_label(_node_text(node))

    def _node_text(node: _Node) -> str:
        return " ".join(text[a:b] for a, b in node.body)

    for ln in lines:
        if not ln.text:
            blank_before = True
            continue
        sec = _section_of(ln.text) if not _MARKER.match(text[ln.start - ln.indent:ln.end]) or ln.text[:1] not in "*-\u2022+o" else None
        if sec and not _COHORT.search(ln.text):
            kind, section = sec[0], text[ln.start:ln.start + sec[1]].strip()
            stack.clear()
            last = None
            rest = ln.start + sec[1]
            while rest < ln.end and text[rest] in " :.-":
                rest += 1
            if rest < ln.end:  # "Inclusion Criteria: Age 18 or older" (inline item)
                node = _Node(kind, section, "item", None, None, ln.indent + 1, [(rest, ln.end)])
                attach(node)
                last = node
            blank_before = False
            continue
        m = _MARKER.match(text[ln.start - ln.indent:ln.end])
        if m and m.end() < ln.indent + len(ln.text):
            indent = len(m.group("indent"))
            mt = _mtype(m)
            bstart = ln.start - ln.indent + m.end()
            # close items that this one is not nested in
            while stack:
                top = stack[-1]
                if top.indent > indent:
                    stack.pop()
                    continue
                if top.indent == indent:
                    if top.mtype == mt or not top.open_colon or top.role == "group" and top.mtype and top.mtype.startswith("bul") == mt.startswith("bul"):
                        stack.pop()
                    break
                break
            node = _Node(kind, section, "item", m.group("marker"), mt, indent, [(bstart, ln.end)])
            own = text[bstart:ln.end]
            if own.rstrip().endswith(":") and (_COHORT.search(own) or _HEADERISH.search(own)) and len(own) < 120:
                node.role = "group"
                node.cohort_header = True
            attach(node)
            node.open_colon = own.rstrip().endswith(":")
            stack.append(node)
            last = node
            blank_before = False
            continue
        # unmarked line: continuation, label header, or paragraph
        if last is not None and last.role != "note" and (not blank_before and not _LABEL.match(ln.text) or ln.indent > last.indent + 1 and last.mtype is not None and not _LABEL.match(ln.text)):
            last.body.append((ln.start, ln.end))
            if ln.text.rstrip().endswith(":"):
                last.open_colon = True
            blank_before = False
            continue
        blank_before = False
        if _LABEL.match(ln.text) and len(ln.text.split()) <= 7:
            while stack and stack[-1].indent >= ln.indent:
                stack.pop()
            node = _Node(kind, section, "group", None, None, ln.indent, [(ln.start, ln.end)])
            node.cohort_header = bool(_COHORT.search(ln.text))
            attach(node)
            node.open_colon = True
            stack.append(node)
            last = None
            continue
        # paragraph: a note if it introduces a list, else one item per sentence
        stack[:] = [s for s in stack if s.indent < ln.indent]
        if ln.text.rstrip().endswith(":"):
            node = _Node(kind, section, "note", None, None, ln.indent, [(ln.start, ln.end)])
            if _COHORT.search(ln.text) and len(ln.text) < 120:
                node.role = "group"
                node.cohort_header = True
                attach(node)
                node.open_colon = True
                stack.append(node)
                last = None
                continue
            attach(node)
            last = node
            continue
        for s, e in _sentences(text, ln.start, ln.end):
            node = _Node(kind, section, "item", None, None, ln.indent, [(s, e)])
            attach(node)
            last = node
    return _emit(roots, nt)


def _sentences(text: str, a: int, b: int) -> List[Tuple[int, int]]:
    out = []
    s = a
    for m in _SENT_SPLIT.finditer(text, a, b):
        if _NO_SPLIT_BEFORE.search(text[max(a, m.start() - 8):m.start()]):
            continue
        if m.start() > s:
            out.append((s, m.start()))
        s = m.end()
    if s < b:
        out.append((s, b))
    return out


def _emit(roots: List[_Node], nt: NormalizedText) -> List[Segment]:
    out: List[Segment] = []
    text = nt.text
    counters = {"inclusion": 0, "exclusion": 0}
    notes = {"inclusion": 0, "exclusion": 0}

    def walk(node: _Node, parent_id: Optional[str], idx: int, depth: int) -> None:
        prefix = "inc" if node.kind == "inclusion" else "exc"
        if node.role == "note" and parent_id is None:
            notes[node.kind] += 1
            cid = f"{prefix}.note{notes[node.kind]}"
        else:
            cid = f"{parent_id}.{idx}" if parent_id else f"{prefix}.{idx}"
        a, b = node.body[0][0], node.body[-1][1]
        s, e = nt.to_original(a, b)
        own = " ".join(text[x:y] for x, y in node.body)
        logic = None
        if node.children:
            logic = "any" if _ANY.search(own) else "all"
        crit = Criterion(
            id=cid, parent=parent_id, kind=node.kind, cohort=node.cohort, logic=logic, number=node.number,
            text=nt.original[s:e], start=s, end=e, role=node.role, depth=depth, section=node.section,
            clean_text=collapse_ws(own),
        )
        out.append(Segment(crit, (a, b)))
        k = 0
        for ch in node.children:
            if ch.role == "note":
                k += 1
                walk(ch, cid, k, depth + 1)
                continue
            k += 1
            walk(ch, cid, k, depth + 1)

    for node in roots:
        if node.role == "note":
            walk(node, None, 0, 0)
            continue
        counters[node.kind] += 1
        walk(node, None, counters[node.kind], 0)
    return out
