"""Segmentation of normalised eligibility text into a criteria tree.

Pure Python and regexes over the text's own layout (lines, markers,
indentation, headings), cheap enough for whole-registry runs: no spaCy here.

Input is a `NormalizedText`; `segment` returns one `Segment` per criterion, in
document order (a parent before its children).  ``Segment.body`` is the span
in the normalised text of the criterion's own words (marker, children and
trailing whitespace excluded; it may span wrapped lines); the Criterion's
``start``/``end``/``text`` are the same span in the ORIGINAL text.

Sections
    Headings from ``resources/sections.jsonl`` ("Inclusion Criteria:", "Key
    Exclusion Criteria", "EXCLUSION CRITERIA", "Exclusion criteria include:",
    the old NCI "DISEASE CHARACTERISTICS:", "PATIENT CHARACTERISTICS:", "PRIOR
    CONCURRENT THERAPY:", "--Disease Characteristics--", "PROTOCOL ENTRY
    CRITERIA:"), also behind a marker ("- INCLUSION CRITERIA:") or Markdown
    emphasis.  NCI-style headings are inclusion.  Text before any heading is
    inclusion with ``section`` None.  A heading may carry a cohort ("Inclusion
    Criteria for Cohort A:", "EXCLUSION CRITERIA - DONOR:"): it then also opens
    a top-level cohort group.  "Inclusion criteria: age >= 18" keeps the text
    after the colon as an item.
Items
    A line starting with a marker: numbered ``1.`` ``1)`` ``(1)`` ``1.2`` (up to
    three digits; ``100.`` only right after an item ``99.``, so wrapped text is safe),
    lettered ``a.`` ``(b)`` ``A)``, roman ``i.`` ``(ii)`` (``i``/``v``/``x``
    after ``h``/``u``/``w`` are letters), bulleted ``*`` ``-`` ``•`` ``o`` ``+``
    ``▪``.  Nesting follows indentation; at equal indentation a different marker
    type under an item that ends with ":" (or under a label) is a child, the same
    type a sibling.  Lines without a blank line before them continue the item
    above (hard wraps of any indentation); after a blank line, a line indented
    to the item's text column is a further paragraph of that item.
Paragraphs
    Unmarked text is read a paragraph at a time: one item per sentence
    (abbreviations "e.g.", "i.e.", "vs.", "Dr.", "approx.", initials and
    decimals do not end a sentence).  A paragraph ending in ":" that introduces
    a list is a note ("Subjects with any of the following exclusion criteria
    were not eligible for this trial:"), except in an inclusion section when it
    asks for "one of the following" / "at least one of": it is then an item with
    logic ``any`` whose children are the list below it.  "Note: ..." is a note.
Labels
    A short unmarked line ending in ":" ("Age:", "Hepatic:", "Patients must
    have:", "Excluded:"), or a short line with no final punctuation right
    above a deeper list ("Biologic therapy"), is a group (role ``group``,
    ``number`` None) over what follows; a label right under another label nests
    in it ("Concurrent Medication:" > "Excluded:").  A sub-heading standing alone
    above a list at its own indentation ("Medical Conditions", "Age",
    "Obesity-related", "[Expansion Part]": capitalised, no final punctuation, no
    comparison, title case or no verb-shaped word) is a group too, as is a title-case
    line right above the next item ("Prior/Concomitant Therapy" between items 6 and
    7, indented under 6 or not): it is never glued onto the item before it, and the
    items under it keep their source numbers ("7.", "8.", ...).  A label or note that says
    "excluded" / "not eligible" makes its subtree (a top-level note: the rest of
    the section) exclusion; one that says "must have" / "required", inclusion.
Cohorts
    Headers such as "Inclusion criteria only for B-ALL:", "Cohort A:", "Part 2
    (dose expansion):", "For patients with prostate cancer:", "Criteria for
    children ...:", "DONOR:" are groups whose descendants get ``cohort`` ("B-ALL",
    "Cohort A", "Part 2", "prostate cancer", "DONOR"); "Common inclusion
    criteria for B-ALL and B-NHL", "All patients" give cohort None.
Logic
    A criterion with children has logic ``any`` when its own words say "one of
    the following", "any of the following", "at least one of", "one or more
    of", "either"; else ``all``.  A line "OR" between two items makes an ``any``
    group (role ``group``, text "OR") holding both; "AND" lines are dropped (the
    default).  Leaves have logic None.  Exclusion items are each their own
    reason to exclude: an exclusion preamble is a note, not an ``any`` group.

Ids
    ``inc.N`` / ``exc.N``: the N-th top-level item or group of that kind, in
    order (notes do not count); ``<parent id>.M``: the M-th child (notes do not
    count); notes are ``inc.noteK`` / ``exc.noteK`` at top level and
    ``<parent id>.noteK`` below.  So in the seed trial the B-ALL group is
    ``inc.1``, its item 3 ``inc.1.3``, that item's second child ``inc.1.3.2``,
    and exclusion item 8 ``exc.8``.  Ids depend only on the text.

Known gaps: "two of the following" (n-of-m) and "none of the following" are
read as ``all``; a label that says "Allowed:" stays inclusion; a list whose
nesting is shown only by numbering restarts with no indentation change and no
":" above it stays flat.
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


# -- data ---------------------------------------------------------------------

def _load_sections() -> List[Tuple["re.Pattern[str]", str]]:
    out = []
    for row in resources.read_jsonl("sections.jsonl"):
        if "core" in row:
            out.append((re.compile(r"(?:%s)" % row["core"], re.I), row["kind"]))
    return out


_SECTIONS = _load_sections()
# does any section pattern match here? (one regex instead of ten tries on most lines with a hint word)
_ANY_SECTION = re.compile("|".join("(?:%s)" % p.pattern for p, _ in _SECTIONS), re.I)


def _load_words(key: str) -> List[str]:
    for row in resources.read_jsonl("sections.jsonl"):
        if key in row:
            return list(row[key])
    return []


_SUBLABEL = re.compile(r"(?<!\S)(?:%s)\s*:(?=\s|$)" % "|".join(
    re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_load_words("sublabels"), key=len, reverse=True)))
_STARTER = re.compile(r"(?<=[a-z0-9%%)\]]) +(?=(?:%s)\b(?!\.))" % "|".join(
    re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_load_words("starters"), key=len, reverse=True)))
_INLINE_HEAD = re.compile(r"(?<!\S)(?:--\s*[A-Za-z][A-Za-z/ ]{3,40}?\s*--|(?:DISEASE|PATIENT)\s+CHARACTERISTICS\s*:|"
                          r"PRIOR\s*(?:/|\s)\s*CONCURRENT\s+THERAPY\s*:)")
_HEAD_HINT = ("inclu", "exclu", "criteri", "characteristics", "concurrent", "eligib", "entry", "enrol", "selection")
_HEAD_HINT_RE = re.compile("|".join(map(re.escape, _HEAD_HINT)))
_ALNUM = re.compile(r"[^\W_]")  # a character for which str.isalnum() is true
_CONNECTOR = frozenset("or and with of than if to in by for from the a an nor but".split())
_VERBISH = re.compile(r"(?<![\w-])[a-z]{2,}(?:ing|ed)\b")  # "consenting", "unprimed"; not "Diabetes-related"
_NCI_SECTION = re.compile(r"characteristics|concurrent\s+therap|protocol\s+entry", re.I)

# -- patterns -----------------------------------------------------------------

_MARKER = re.compile(
    r"(?P<marker>"
    r"(?P<dot>\d{1,2}(?:\.\d{1,2})+)\.?(?=\s)"
    r"|(?P<num>\d{1,3})[.)](?=\s|[A-Z(])"
    r"|\((?P<pnum>\d{1,3})\)"
    r"|(?P<alpha>[A-Za-z]|[ivx]{2,5}|[IVX]{2,5})[.)](?=\s)"
    r"|\((?P<palpha>[A-Za-z]|[ivx]{2,5}|[IVX]{2,5})\)(?=\s)"
    r"|(?P<bul>[*\u2022\u25aa\u25ba\u25cf\u25e6\u2023\u2219\u25a0\u25a1\u2043\u27a2\u2713\-+o])(?=\s)"
    r"|(?P<bul2>[-\u2022])(?=[A-Z])"
    r")[ ]*"
)
_ROMAN = re.compile(r"^(?:x{0,3})(?:ix|iv|v?i{0,3})$")
_ANY = re.compile(
    r"\b(?:(?:meet(?:s|ing)?\s+)?(?:at\s+least\s+)?(?:one|1)\s+(?:or\s+more\s+)?of\s+the\s+following|any\s+(?:one\s+)?of\s+the\s+following"
    r"|at\s+least\s+(?:one|1)\s+of|one\s+or\s+more\s+of|either\b)",
    re.I,
)
_COHORT = re.compile(
    r"\bonly\s+for\b|\bfor\s+(?:the\s+)?(?:patients|subjects|participants|those|children|adults|women|men)\b"
    r"|\b(?:cohorts?|arms?|parts?|groups?|phases?|stages?|strata|stratum|sub-?studies|sub-?study|segments?)\s+"
    r"(?:[A-Z]{1,2}\d?|\d{1,2}[a-z]?|I{1,3}V?|IV|[IV]{1,3}[ab]?)\b"
    r"|\bspecific\s+to\b|^\W*(?:\w+\s+){0,2}criteria\s+for\s+(?!inclusion|exclusion|enrol|entry|eligib|participation|the\s+study|this|"
    r"(?:at\s+least\s+)?(?:one|any|all|two|both|each|none)\b|the\s+following)"
    r"|^(?:healthy\s+)?(?:donors?|recipients?|controls?|volunteers?|caregivers?|partners?|siblings?|cases|asthmatics|"
    r"healthy\s+(?:subjects|participants|controls))\s*:?\s*$",
    re.I,
)
_COMMON = re.compile(r"^\W*(?:common|general|shared|all\s+(?:patients|subjects|participants|cohorts|arms|groups|parts))\b"
                     r"|\b(?:for|to)\s+(?:all|both|every)\b|^\W*(?:patients|subjects|participants)\W*$", re.I)
_EXCL_HINT = re.compile(r"\b(?:excluded|exclusions?|not\s+(?:be\s+)?eligible|ineligible|must\s+not|may\s+not|should\s+not|"
                        r"not\s+(?:be\s+)?(?:allowed|permitted)|prohibited|disallowed|avoided)\b", re.I)
_INCL_HINT = re.compile(r"\b(?:must\s+(?:have|be|meet|fulfil+|satisfy|agree)|eligible\s+if|required|inclusions?|"
                        r"are\s+eligible|must:)\b", re.I)
_PERMISSION = re.compile(r"^(?:allowed|excluded|required|recommended|avoided|prohibited|permitted|not\s+(?:allowed|permitted))\b",
                         re.I)
_OR_LINE = re.compile(r"^[-(\[]*\s*(?:OR|Or|or)\s*[-)\]:]*$")
_AND_LINE = re.compile(r"^[-(\[]*\s*(?:AND|And|and)\s*[-)\]:]*$")
_NOTE = re.compile(r"^\W*(?:notes?|nb|n\.b\.|please\s+note|comment)\b\s*[:.-]", re.I)
_LABEL_WORDS = 8
_QUAL_HEAD = re.compile(r"^\s*(?:(?:[-\u2013(\[,]\s*)?(?:(?:only\s+)?for\b|only\b|specific\b|applicable\b|in\s+(?:cohort|arm|part|group|phase)\b)"
                        r"|[-\u2013(\[]\s*(?!cont)[A-Za-z0-9][^:]{0,40}$)", re.I)
_QUAL_FILLER = re.compile(r"^\s*(?:[-\u2013(\[]\s*)?(?:includes?|included|are|is|apply|applies|(?:are\s+)?as\s+follows|will\s+include|"
                          r"\(?all\s+(?:patients|subjects|participants)\)?|listed\s+below|below)?\s*[)\]]?\s*$", re.I)
_SENT_END = re.compile(r"[.!?](?=\s+[\"'(\[]?[A-Z0-9])")
_NO_SPLIT_BEFORE = re.compile(
    r"(?:\b(?:e\.g|i\.e|vs|Dr|Drs|approx|No|Nos|St|al|Fig|incl|ca|min|max|resp|Mr|Mrs|Ms|Jr|Sr|Inc|Ltd|Co|Corp|"
    r"U\.S|Ph\.D|M\.D|Prof|Ref|Vol|Eq|Dept|cf|viz|excl|esp|Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec|wk|wks|mo|hr|hrs|sec|"
    r"pts?|etc)\.|\b[A-Z]\.|\d\.)$"
)


# -- lines ----------------------------------------------------------------------

@dataclass
class _Line:
    start: int  # normalised offsets of the stripped content
    end: int
    indent: int
    text: str  # stripped content


def _lines(text: str) -> List[_Line]:
    out = []
    pos = 0
    for raw in text.split("\n"):
        a = pos
        pos += len(raw) + 1
        left = raw.lstrip()
        if not left:
            out.append(_Line(a, a, 0, ""))
            continue
        stripped = left.rstrip()
        lead = len(raw) - len(left)
        out.append(_Line(a + lead, a + lead + len(stripped), lead, stripped))
    return out


@dataclass
class _Marker:
    number: str  # as written
    mtype: str
    value: Optional[str]
    length: int  # marker plus following spaces


def _marker(content: str) -> Optional[_Marker]:
    m = _MARKER.match(content)
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
        if len(val) > 1 or (low in "ivx" and _ROMAN.match(low)):
            mtype = paren + "rom"  # resolved against the list above in `_resolve_roman`
        else:
            mtype = paren + ("letU" if val.isupper() else "letl")
    return _Marker(m.group("marker"), mtype, val, m.end())


def _follows(prev: Optional[str], cur: Optional[str]) -> bool:
    """`cur` is the marker value right after `prev` ("3" -> "4", "b" -> "c")."""
    if prev is None or cur is None:
        return False
    if prev.isdigit() and cur.isdigit():
        return int(cur) == int(prev) + 1
    if len(prev) == 1 and len(cur) == 1:
        return ord(cur.lower()) == ord(prev.lower()) + 1
    return False


# -- headings -------------------------------------------------------------------

@dataclass
class _Heading:
    kind: str
    heading: str  # as written (normalised), without leading markup
    qualifier: str  # text between the heading words and the colon ("for Cohort A")
    rest: Tuple[int, int]  # normalised span of text after the colon (may be empty)
    cohort: Optional[str]
    has_cohort: bool


def _heading(text: str, a: int, b: int) -> Optional[_Heading]:
    """A section heading at text[a:b] (a stripped line, marker removed)."""
    if b - a > 160:
        return None
    head = text[a:min(b, a + 70)].lower()
    if not _HEAD_HINT_RE.search(head):
        return None
    s = a
    while s < b and text[s] in "-*_#=[ \u2013":
        s += 1
    if not _ANY_SECTION.match(text, s, b):
        return None
    for pat, kind in _SECTIONS:
        m = pat.match(text, s, b)
        if not m:
            continue
        e = m.end()
        if e < b and (text[e].isalnum() and text[e - 1].isalnum()):
            continue  # "Inclusions" ... a longer word
        colon = text.find(":", e, b)
        dd = re.match(r"\s*--", text[e:min(b, e + 8)])
        if dd and (colon < 0 or colon > e + dd.end()):  # "--Disease Characteristics--"
            colon = e + dd.end() - 1
        if colon < 0:
            qual_end, rest_start = b, b
        else:
            qual_end, rest_start = colon, colon + 1
        rawq = text[e:qual_end].strip(" *_=")
        qual = rawq.strip(" -\u2013").strip()
        if qual and not (_QUAL_HEAD.match(rawq) or _QUAL_FILLER.match(qual)) or len(qual) > 70:
            continue
        has_cohort = bool(qual) and bool(_QUAL_HEAD.match(rawq)) and not _QUAL_FILLER.match(qual)
        cohort = _cohort_label(qual, heading=True) if has_cohort else None
        if has_cohort and cohort is None and not _COMMON.search(qual) and not _COMMON.search(text[s:e]):
            has_cohort = False
        if _COMMON.match(text[s:e]):
            has_cohort, cohort = True, None
        rs = rest_start
        while rs < b and text[rs] in " *_-=\u2013":
            rs += 1
        s0 = a
        while s0 < b and text[s0] in "*_#= ":
            s0 += 1
        heading = text[s0:(colon + 1 if colon >= 0 else b)].rstrip(" *_=")
        if not dd:
            heading = heading.rstrip(" -\u2013")
        return _Heading(kind, heading, qual, (rs, b) if rs < b else (b, b), cohort, has_cohort)
    return None


def _cohort_label(text: str, heading: bool = False) -> Optional[str]:
    t = collapse_ws(text).strip().rstrip(":").strip(" *_-\u2013")
    if _COMMON.search(t):
        return None
    m = (re.search(r"\bonly\s+for\s+(.+)$", t, re.I)
         or re.search(r"\bfor\s+(?:the\s+)?(?:patients|subjects|participants|those)\s+(?:with|in|enrolled\s+in|who\s+have|receiving|undergoing)\s+(.+)$", t, re.I)
         or re.search(r"\bspecific\s+to\s+(.+)$", t, re.I)
         or re.search(r"\bcriteria\s+for\s+(.+)$", t, re.I)
         or re.search(r"\b((?:cohorts?|arms?|parts?|groups?|phases?|stages?|strat(?:a|um)|sub-?stud(?:y|ies)|segments?)\s+"
                      r"(?:[A-Z]{1,2}\d?|\d{1,2}[a-z]?|I{1,3}V?|IV|[IV]{1,3}[ab]?))\b", t, re.I)
         or (re.search(r"^\W*(?:for|in)\s+(.+)$", t, re.I) if heading else None))
    label = m.group(1) if m else t
    label = re.sub(r"^(?:the\s+)", "", label, flags=re.I).strip(" .,;:-\u2013")
    short = re.sub(r"\s*\b(?:only|patients|subjects|participants|cohorts?)\s*$", "", label, flags=re.I).strip(" .,;:-\u2013")
    if len(short.split()) >= 2 or (short and short != label and not re.fullmatch(r"[a-z ]+", short)):
        label = short
    if label.startswith("(") and label.endswith(")") and label.count("(") == 1:
        label = label[1:-1]
    if label.count("(") > label.count(")"):
        label = label[: label.rfind("(")].strip()
    if not label or _COMMON.search(label):
        return None
    return label[:60]


# -- tree -----------------------------------------------------------------------

@dataclass
class _Node:
    kind: str
    section: Optional[str]
    role: str
    number: Optional[str]
    mtype: Optional[str]
    value: Optional[str]
    indent: int
    col: int  # column where its text starts (continuation paragraphs indent to it)
    body: List[Tuple[int, int]]
    children: List["_Node"] = field(default_factory=list)
    parent: Optional["_Node"] = None
    cohort: Optional[str] = None
    sets_cohort: bool = False
    open_colon: bool = False
    label: bool = False  # an unmarked label line ("Age:")
    anyhead: bool = False  # a preamble asking for one of the list below
    logic: Optional[str] = None  # forced logic (OR groups)


class _Builder:
    def __init__(self, nt: NormalizedText) -> None:
        self.nt = nt
        self.text = nt.text
        self.roots: List[_Node] = []
        self.stack: List[_Node] = []
        self.kind = "inclusion"
        self.section: Optional[str] = None
        self.pending_or: Optional[Tuple[int, int]] = None

    # -- attaching ---------------------------------------------------------
    def attach(self, node: _Node, parent: Optional[_Node]) -> None:
        node.parent = parent
        siblings = parent.children if parent else self.roots
        if parent is not None:
            node.kind = parent.kind
            if not node.sets_cohort:
                node.cohort = parent.cohort
        if self.pending_or is not None and node.role != "note":
            prev = next((s for s in reversed(siblings) if s.role != "note"), None)
            if prev is not None:
                if prev.logic == "any" and prev.number == "OR" and prev.role == "group":
                    group = prev
                else:
                    a, b = self.pending_or
                    group = _Node(prev.kind, prev.section, "group", None, None, None, prev.indent, prev.col, [(a, b)],
                                  cohort=prev.cohort, logic="any")
                    group.parent = parent
                    siblings[siblings.index(prev)] = group
                    prev.parent = group
                    group.children.append(prev)
                group.children.append(node)
                node.parent = group
                self.pending_or = None
                return
            self.pending_or = None
        siblings.append(node)

    def parent_for_marked(self, indent: int, mk: _Marker) -> Optional[_Node]:
        st = self.stack
        if st and st[-1].open_colon and not st[-1].children and st[-1].mtype and st[-1].mtype != mk.mtype \
                and 0 < st[-1].indent - indent <= 4 and mk.value in (None, "1", "a", "A", "i", "I"):
            return st[-1]  # "2. Muscle biopsy abnormalities:" then a dedented "i." list
        while st and st[-1].indent > indent:
            st.pop()
        if st and st[-1].indent == indent:
            top = st[-1]
            if top.label or top.anyhead:
                pass  # a child of the label / preamble
            elif top.mtype == mk.mtype and top.open_colon and not top.children and mk.value == "1" \
                    and top.value not in (None, "0"):
                pass  # "1. Adequate organ function:" then "1. ANC ..." at the same indentation
            elif top.mtype == mk.mtype:
                if not _follows(top.value, mk.value):
                    for k in range(len(st) - 2, -1, -1):  # "2." closing a restarted sub-list under "1. ...:"
                        if st[k].indent != indent or st[k].mtype != mk.mtype:
                            break
                        if _follows(st[k].value, mk.value):
                            del st[k + 1:]
                            break
                st.pop()  # a sibling
            elif top.open_colon:
                pass  # "3. ... conditions):" then "1." at the same indentation
            else:
                st.pop()
                while st and st[-1].indent == indent and st[-1].mtype is not None and st[-1].mtype != mk.mtype:
                    st.pop()
                if st and st[-1].indent == indent and st[-1].mtype == mk.mtype:
                    st.pop()
                while st and st[-1].indent > indent:
                    st.pop()
        return st[-1] if st else None

    def _counted(self, mk: Optional[_Marker]) -> Optional[_Marker]:
        """A three-digit number ("100.") is a marker only after the item numbered one less ("99."), not in wrapped text."""
        if mk is None or mk.mtype not in ("num", "pnum") or len(mk.value) < 3:
            return mk
        ok = any(n.mtype == mk.mtype and _follows(n.value, mk.value) for n in self.stack)
        return mk if ok else None

    def _resolve_roman(self, mk: _Marker, indent: int) -> None:
        """"i." after "h." is a letter; "v." after "iv." is roman."""
        if not mk.mtype.endswith("rom") or len(mk.value) != 1:
            return
        for n in reversed(self.stack):
            if n.indent < indent:
                break
            if n.mtype and n.mtype.endswith(("letl", "letU")) and _follows(n.value, mk.value):
                mk.mtype = n.mtype
                return
            if n.mtype and n.mtype.endswith("rom"):
                return
        if mk.value.lower() != "i":
            mk.mtype = mk.mtype.replace("rom", "letU" if mk.value.isupper() else "letl")

    # -- main loop ---------------------------------------------------------
    def build(self) -> List[_Node]:
        text = self.text
        lines = _lines(text)
        n = len(lines)
        i = 0
        last: Optional[_Node] = None  # node a following line may continue
        blank_before = True
        while i < n:
            ln = lines[i]
            if not _ALNUM.search(ln.text):  # blank, or a lone "-" / "*" / "---"
                blank_before = True
                i += 1
                continue
            mk = self._counted(_marker(ln.text))
            if mk is not None and mk.length >= len(ln.text) and not mk.mtype.startswith("bul"):
                mk = _Marker(mk.number, mk.mtype, mk.value, len(ln.text))  # marker alone on its line
            # section heading (also "- INCLUSION CRITERIA:")
            hd = _heading(text, ln.start + (mk.length if mk else 0), ln.end) if ln.end - ln.start <= 160 else None
            if hd is not None:
                self._open_section(hd, ln, mk)
                last = None
                blank_before = False
                i += 1
                if hd.rest[1] > hd.rest[0]:  # "Inclusion criteria: age 18 or older" (and the lines below it)
                    j = self._paragraph_end(lines, i)
                    last = self._paragraph(hd.rest[0], lines[j - 1].end if j > i else hd.rest[1], ln.indent + 1)
                    i = j
                continue
            if mk is not None:
                last = self._marked(ln, mk, hd)
                blank_before = False
                i += 1
                continue
            # an unmarked line
            if _AND_LINE.match(ln.text):
                i += 1
                blank_before = True
                continue
            if _OR_LINE.match(ln.text):
                self.pending_or = (ln.start, ln.end)
                i += 1
                blank_before = True
                last = None
                continue
            sub = _subheading(lines, i, blank_before)
            if sub is not None:  # "Medical Conditions" over the numbered list below it
                self._label(ln, sub)
                last = None
                blank_before = False
                i += 1
                continue
            if last is not None and self._continues(last, ln, blank_before):
                last.body.append((ln.start, ln.end))
                if ln.text.endswith(":"):
                    last.open_colon = True
                blank_before = False
                i += 1
                continue
            if self._is_label(lines, i):
                self._label(ln)
                last = None
                blank_before = False
                i += 1
                continue
            # a paragraph: this line and the unmarked lines right below it
            j = self._paragraph_end(lines, i + 1)
            last = self._paragraph(ln.start, lines[j - 1].end, ln.indent)
            blank_before = False
            i = j
        return self.roots

    def _paragraph_end(self, lines: List[_Line], j: int) -> int:
        """Index after the unmarked, non-blank lines from `j` on that continue a paragraph."""
        n = len(lines)
        while j < n and lines[j].text and _marker(lines[j].text) is None \
                and not _OR_LINE.match(lines[j].text) and not _AND_LINE.match(lines[j].text) \
                and _heading(self.text, lines[j].start, lines[j].end) is None \
                and not (lines[j - 1].text[-1:] in ".:;!?" and self._is_label(lines, j)):
            j += 1
        return j

    def _continues(self, last: _Node, ln: _Line, blank_before: bool) -> bool:
        if last.role == "note" and last.number is None and blank_before:
            return False
        if not last.body:
            return True  # the text of a marker that stood alone
        if not blank_before:
            if last.label:
                return False
            return not (ln.text.endswith(":") and len(ln.text.split()) <= 3 and last.body[-1][1] > 0
                        and self.text[last.body[-1][1] - 1] in ".;")
        return last.mtype is not None and ln.indent > last.indent and ln.indent >= last.col - 1

    def _open_section(self, hd: _Heading, ln: _Line, mk: Optional[_Marker]) -> None:
        self.stack.clear()
        self.pending_or = None
        changed = hd.kind != self.kind or self.section is None
        self.kind = hd.kind
        if not hd.has_cohort or changed:
            self.section = hd.heading
        a = ln.start + (mk.length if mk else 0)
        if hd.has_cohort:
            head_end = hd.rest[0] if hd.rest[1] > hd.rest[0] else ln.end
            while head_end > a and self.text[head_end - 1] == " ":
                head_end -= 1
            g = _Node(self.kind, self.section, "group", mk.number if mk else None, mk.mtype if mk else None,
                      mk.value if mk else None, ln.indent, ln.indent, [(a, head_end)],
                      cohort=hd.cohort, sets_cohort=True, open_colon=True, label=True)
            self.attach(g, None)
            self.stack.append(g)
            g.indent = -1  # text under it, at any indentation, is its

    def _marked(self, ln: _Line, mk: _Marker, hd: Optional[_Heading]) -> _Node:
        indent = ln.indent
        self._resolve_roman(mk, indent)
        parent = self.parent_for_marked(indent, mk)
        bstart = ln.start + mk.length
        body = [(bstart, ln.end)] if bstart < ln.end else []
        node = _Node(parent.kind if parent else self.kind, self.section, "item", mk.number.strip(), mk.mtype, mk.value,
                     indent, indent + mk.length, body)
        own = self.text[bstart:ln.end]
        if own.endswith(":") and len(own) < 160 and (
                _COHORT.search(own) or (hd is not None and hd.has_cohort)
                or re.search(r"\b(?:inclusion|exclusion|eligibility)\s+criteri(?:a|on)\b", own, re.I)):
            node.role = "group"
            node.sets_cohort = True
            node.cohort = hd.cohort if hd is not None and hd.has_cohort else _cohort_label(own)
        node.open_colon = own.endswith(":")
        self.attach(node, parent)
        if node.role == "group" and hd is not None:
            node.kind = hd.kind
        self.stack.append(node)
        return node

    def _is_label(self, lines: List[_Line], i: int) -> bool:
        ln = lines[i]
        t = ln.text
        words = t.split()
        if _NOTE.match(t) or len(words) > _LABEL_WORDS or t[:1].islower() or not t[:1].isalnum() and t[:1] not in "([":
            return False
        if t.endswith(":"):
            return not re.search(r"[.;]\s", t)  # not "Sentence one. Sentence two:"
        if len(words) > 5 or t[-1:] in ".;,)" or t[:1].islower():
            return False
        # "Biologic therapy" over a deeper list
        for nxt in lines[i + 1:i + 4]:
            if not nxt.text:
                continue
            return nxt.indent > ln.indent and _marker(nxt.text) is not None
        return False

    def _own(self, node: _Node) -> str:
        return self.text[node.body[0][0]:node.body[-1][1]] if node.body else ""

    def _label(self, ln: _Line, indent: Optional[int] = None) -> None:
        """A group over what follows; `indent`: the column of its list when that is left of the line."""
        if indent is not None and indent < ln.indent:
            ln = _Line(ln.start, ln.end, indent, ln.text)
        st = self.stack
        cohort_head = bool(_COHORT.search(ln.text) or (_COMMON.match(ln.text) and ln.text.endswith(":")))
        permission = bool(_PERMISSION.match(ln.text))
        while st:
            top = st[-1]
            if permission and top.label and top.indent == ln.indent and not _PERMISSION.match(self._own(top)) \
                    and top.children and all(_PERMISSION.match(self._own(c)) for c in top.children if c.label):
                break  # "Concurrent Medication:" > "Allowed:" ... "Excluded:"
            if top.indent == ln.indent and top.sets_cohort and top.label and not cohort_head:
                break  # a label under a cohort header at its indentation
            if top.indent > ln.indent or (top.indent == ln.indent and not (top.label and not top.children)):
                st.pop()
                continue
            if top.label and top.children or top.mtype is not None and not top.open_colon:
                st.pop()
                continue
            break
        parent = st[-1] if st else None
        node = _Node(parent.kind if parent else self.kind, self.section, "group", None, None, None, ln.indent,
                     ln.indent, [(ln.start, ln.end)], open_colon=True, label=True)
        hint = _kind_hint(ln.text)
        if cohort_head:
            node.sets_cohort = True
            node.cohort = _cohort_label(ln.text)
        self.attach(node, parent)
        if hint:
            node.kind = hint
        st.append(node)

    def _paragraph(self, a: int, b: int, indent: int) -> Optional[_Node]:
        text = self.text
        st = self.stack
        ptext = text[a:b]
        cohort_head = ptext.endswith(":") and len(ptext) < 140 and bool(_COHORT.search(ptext)) and not _NOTE.match(ptext)
        while st and (st[-1].indent >= indent or st[-1].mtype is not None and not st[-1].open_colon):
            if st[-1].indent == indent and st[-1].sets_cohort and st[-1].label and not cohort_head:
                break  # text under a cohort header ("Criteria for children ...:") at its indentation
            st.pop()
        parent = st[-1] if st else None
        if self._is_flat(a, b):
            return self._flat(a, b, indent, parent)
        if cohort_head:
            node = _Node(parent.kind if parent else self.kind, self.section, "group", None, None, None, indent, indent,
                         [(a, b)], open_colon=True, label=True, sets_cohort=True, cohort=_cohort_label(ptext))
            self.attach(node, parent)
            st.append(node)
            return None
        if _NOTE.match(ptext) or ptext.endswith(":"):
            hint = _kind_hint(ptext)
            if not _NOTE.match(ptext) and (hint or self.kind) == "inclusion" and _ANY.search(ptext):
                node = _Node(parent.kind if parent else self.kind, self.section, "item", None, None, None, indent,
                             indent, [(a, b)], open_colon=True, anyhead=True)
                self.attach(node, parent)
                st.append(node)
                return None
            node = _Node(parent.kind if parent else self.kind, self.section, "note", None, None, None, indent, indent,
                         [(a, b)])
            self.attach(node, parent)
            if hint and parent is None and not _NOTE.match(ptext):
                self.kind = hint
                node.kind = hint
            return node
        last = None
        for s, e in _sentences(text, a, b):
            node = _Node(parent.kind if parent else self.kind, self.section, "item", None, None, None, indent, indent,
                         [(s, e)])
            self.attach(node, parent)
            last = node
        return last


    # -- run-together NCI text ("PATIENT CHARACTERISTICS: Age: 18 and over Performance status: ...")
    def _is_flat(self, a: int, b: int) -> bool:
        text = self.text
        if len(_SUBLABEL.findall(text, a, b)) >= 2 or _INLINE_HEAD.search(text, a + 1, b):
            return True
        return bool(self.section and _NCI_SECTION.search(self.section) and b - a > 120
                    and not re.search(r"[.;]\s", text[a:b]) and any(self._starter_ok(m) for m in _STARTER.finditer(text, a, b)))

    def _starter_ok(self, m: "re.Match[str]") -> bool:
        k = m.start()
        w = self.text.rfind(" ", 0, k)
        return self.text[w + 1:k].lower() not in _CONNECTOR

    def _flat(self, a: int, b: int, indent: int, parent: Optional[_Node]) -> Optional[_Node]:
        text = self.text
        cuts = [(m.start(), m.end(), "head") for m in _INLINE_HEAD.finditer(text, a, b)]
        cuts += [(m.start(), m.end(), "label") for m in _SUBLABEL.finditer(text, a, b)]
        cuts += [(m.end(), m.end(), "start") for m in _STARTER.finditer(text, a, b) if self._starter_ok(m)]
        cuts.sort()
        group = None
        last = None
        pos = a

        def items(s: int, e: int) -> None:
            nonlocal last
            while s < e and text[s] in " \n":
                s += 1
            for x, y in _sentences(text, s, e):
                node = _Node(self.kind, self.section, "item", None, None, None, indent, indent, [(x, y)])
                self.attach(node, group or parent)
                last = node

        for cs, ce, kind in cuts:
            if cs < pos:
                continue
            items(pos, cs)
            if kind == "head":
                self.section = text[cs:ce].strip()
                self.stack.clear()
                parent = group = None
            elif kind == "label":
                group = _Node(self.kind, self.section, "group", None, None, None, indent, indent, [(cs, ce)],
                              open_colon=True, label=True)
                self.attach(group, parent)
            pos = ce if kind != "start" else cs
        items(pos, b)
        return last


def _subheading(lines: List[_Line], i: int, blank_before: bool) -> Optional[int]:
    """The indentation of the list that a stand-alone sub-heading line at `i` heads, else None.

    "Medical Conditions" / "Age" / "Obesity-related" alone between blank lines above a list at its indentation, or
    "Type of Participant and Disease Characteristics" right above an item that dedents to a sibling of the item
    before it (the v2 Markdown form): short, capitalised, no final punctuation, no comparison.
    """
    ln = lines[i]
    t = ln.text
    words = t.split()
    if len(words) > 7 or not (t[:1].isupper() or t[:1] == "[") or t[-1:] in ".;,:!?" or _NOTE.match(t) \
            or re.search(r"[<>=\u2264\u2265]", t):
        return None
    j = i + 1
    while j < len(lines) and not _ALNUM.search(lines[j].text):
        j += 1
    if j == len(lines) or _marker(lines[j].text) is None or lines[j].indent > ln.indent:
        return None
    nxt = lines[j]
    titled = all(w[:1].isupper() or w.lower() in _CONNECTOR for w in re.split(r"[\s/]+", t) if len(w) > 3)
    if j > i + 1 and blank_before:  # alone between blank lines: title case, or no word shaped like a verb
        return nxt.indent if titled or t[:1] == "[" or not _VERBISH.search(t) else None
    if j == i + 1 and (blank_before or lines[i - 1].text[-1:] in ".;"):  # right above the next item
        return nxt.indent if titled else None
    return None


def _kind_hint(t: str) -> Optional[str]:
    if _EXCL_HINT.search(t):
        return "exclusion"
    if _INCL_HINT.search(t):
        return "inclusion"
    return None


def _sentences(text: str, a: int, b: int) -> List[Tuple[int, int]]:
    out = []
    s = a
    for m in _SENT_END.finditer(text, a, b):
        e = m.end()
        if _NO_SPLIT_BEFORE.search(text[max(a, e - 8):e]) or text.count("(", s, e) > text.count(")", s, e):
            continue
        out.append((s, e))
        s = e
        while s < b and text[s] in " \n":
            s += 1
    if s < b:
        out.append((s, b))
    return [(x, y) for x, y in out if y > x]


# -- output ---------------------------------------------------------------------

def _emit(roots: List[_Node], nt: NormalizedText) -> List[Segment]:
    """Criteria in document order (a parent before its children), with their ids; iterative, so any depth works."""
    out: List[Segment] = []
    top = {"inclusion": 0, "exclusion": 0}
    top_notes = {"inclusion": 0, "exclusion": 0}
    todo: List[Tuple[_Node, Optional[str], str, int]] = []
    for node in _flatten(roots):
        prefix = "inc" if node.kind == "inclusion" else "exc"
        if node.role == "note":
            top_notes[node.kind] += 1
            todo.append((node, None, f"{prefix}.note{top_notes[node.kind]}", 0))
        else:
            top[node.kind] += 1
            todo.append((node, None, f"{prefix}.{top[node.kind]}", 0))
    todo.reverse()
    while todo:
        node, parent_id, cid, depth = todo.pop()
        out.append(_segment_of(node, nt, parent_id, cid, depth))
        todo.extend(reversed(_child_ids(node, cid, depth)))
    return out


def _child_ids(node: _Node, cid: str, depth: int) -> List[Tuple[_Node, Optional[str], str, int]]:
    """`<cid>.M` for the M-th child that is not a note, `<cid>.noteK` for the K-th note."""
    out = []
    k = notes = 0
    for ch in _flatten(node.children):
        if ch.role == "note":
            notes += 1
            out.append((ch, cid, f"{cid}.note{notes}", depth + 1))
        else:
            k += 1
            out.append((ch, cid, f"{cid}.{k}", depth + 1))
    return out


def _segment_of(node: _Node, nt: NormalizedText, parent_id: Optional[str], cid: str, depth: int) -> Segment:
    text = nt.text
    a, b = node.body[0][0], node.body[-1][1]
    while b > a and text[b - 1].isspace():
        b -= 1
    while a < b and text[a].isspace():  # "\x1f" after a marker or a sentence end is whitespace too
        a += 1
    s, e = nt.to_original(a, b)
    body = node.body
    own = text[body[0][0]:body[0][1]] if len(body) == 1 else " ".join(text[x:y] for x, y in body)
    logic = None
    if node.children and any(c.role != "note" for c in node.children):
        logic = node.logic or ("any" if _ANY.search(own) else "all")
    crit = Criterion(
        id=cid, parent=parent_id, kind=node.kind, cohort=node.cohort, logic=logic, number=node.number,
        text=nt.original[s:e], start=s, end=e, role=node.role, depth=depth, section=node.section,
        clean_text=" ".join(own.split()),  # collapse_ws
    )
    return Segment(crit, (a, b))


def _flatten(nodes: List[_Node]) -> List[_Node]:
    """Nodes with no words of their own (a marker alone on a line) give way to their children (iteratively)."""
    out = []
    todo = list(reversed(nodes))
    while todo:
        n = todo.pop()
        if n.body:
            out.append(n)
        else:
            todo.extend(reversed(n.children))
    return out


def segment(nt: NormalizedText) -> List[Segment]:
    """The criteria of normalised text `nt`, parents before children (see module doc)."""
    if not nt.text.strip():
        return []
    return _emit(_Builder(nt).build(), nt)
