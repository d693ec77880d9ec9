"""The builder: reads the classified lines in order and makes the nodes of the tree.

Each kind of line (see `lines.classify`) has one handler; the handlers make nodes (section cohort groups,
marked items, labels, paragraph items and notes) and hang them where `tree.Tree` says.
"""

from __future__ import annotations

import re
from typing import List, Optional

from .flat import flat, is_flat
from .headings import Heading
from .labels import cohort_label, kind_hint
from .lines import Line, LineClass, Marker, classify, line_items, lines_in, paragraph_end, sentences, split_lines
from .patterns import ANY_OF, COHORT, COMMON, NOTE
from .tree import Node, Tree


#: an item whose line ends with a capital "OR" is the first of alternatives with the item after it ("Creatinine no
#: greater than 1.25 times normal OR" / "Creatinine clearance greater than 70 mL/min": 398 such lines in 287 records
#: of the XML extract), like an "OR" line between them; a lowercase "or" at a line's end is mostly a hard wrap
TRAILING_OR = re.compile(r"[\s,;]OR\s*$")


def _pending_or(ln: Line) -> Optional[tuple]:
    """The span of the "OR" a line ends with, or None."""
    m = TRAILING_OR.search(ln.text)
    if m is None:
        return None
    end = ln.start + len(ln.text.rstrip())
    return (end - 2, end)


class Builder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tree = Tree(text)
        self.kind = "inclusion"
        self.section: Optional[str] = None
        self.last: Optional[Node] = None  # node a following line may continue
        self.blank_before = True

    def build(self) -> List[Node]:
        lines = split_lines(self.text)
        i = 0
        while i < len(lines):
            cls = classify(self.text, lines, i, self.blank_before, self.tree.counted)
            i = self._step(lines, i, cls)
        return self.tree.roots

    def _step(self, lines: List[Line], i: int, cls: LineClass) -> int:
        """Handle line `i` of class `cls`; the index of the next line to read."""
        ln = lines[i]
        if cls.kind == "heading":
            return self._on_heading(lines, i, cls.heading, cls.marker)
        if cls.kind in ("blank", "and", "or"):
            if cls.kind == "or":
                self.tree.pending_or = (ln.start, ln.end)
                self.last = None
            self.blank_before = True
            return i + 1
        if cls.kind == "label" or cls.kind == "text":
            if self.last is not None and self._continues(self.last, ln):
                self._continue(self.last, ln)
                if self.last.role == "item" and self.last.mtype is not None:
                    self.tree.pending_or = _pending_or(ln)  # "... times normal\n  OR"; an "OR" the item runs on past
                    # ("Creatinine no greater than 1.5 g/dL OR\n creatinine clearance at least 50") joins nothing
            elif cls.kind == "label":
                self._label(ln)
                self.last = None
            else:  # a paragraph: this line and the unmarked lines right below it
                j = paragraph_end(self.text, lines, i + 1)
                self.last = self._paragraph(ln.start, lines[j - 1].end, ln.indent)
                self.blank_before = False
                return j
        elif cls.kind == "marked":
            self.last = self._marked(ln, cls.marker)
            self.tree.pending_or = _pending_or(ln) or self.tree.pending_or
        elif ln.text.endswith(":"):  # "Female participants:" between items 6 and 7: a note (its scope is unknown)
            self.last = self._paragraph(ln.start, ln.end, cls.indent)
        else:  # "subheading": "Medical Conditions" over the numbered list below it
            self._label(ln, cls.indent)
            self.last = None
        self.blank_before = False
        return i + 1

    # -- sections --------------------------------------------------------------
    def _on_heading(self, lines: List[Line], i: int, hd: Heading, mk: Optional[Marker]) -> int:
        ln = lines[i]
        self._open_section(hd, ln, mk)
        self.last = None
        self.blank_before = False
        i += 1
        if hd.rest[1] > hd.rest[0]:  # "Inclusion criteria: age 18 or older" (and the lines below it)
            j = paragraph_end(self.text, lines, i)
            self.last = self._paragraph(hd.rest[0], lines[j - 1].end if j > i else hd.rest[1], ln.indent + 1)
            i = j
        return i

    def _open_section(self, hd: Heading, ln: Line, mk: Optional[Marker]) -> None:
        self.tree.stack.clear()
        self.tree.pending_or = None
        changed = hd.kind != self.kind or self.section is None
        self.kind = hd.kind
        if not hd.has_cohort or changed:
            self.section = hd.heading
        if hd.has_cohort:
            self._cohort_section(hd, ln, mk)

    def _cohort_section(self, hd: Heading, ln: Line, mk: Optional[Marker]) -> None:
        """A heading with a cohort ("Inclusion Criteria for Cohort A:") opens a top-level cohort group."""
        a = ln.start + (mk.length if mk else 0)
        head_end = hd.rest[0] if hd.rest[1] > hd.rest[0] else ln.end
        while head_end > a and self.text[head_end - 1] == " ":
            head_end -= 1
        g = Node(self.kind, self.section, "group", mk.number if mk else None, mk.mtype if mk else None,
                 mk.value if mk else None, ln.indent, ln.indent, [(a, head_end)],
                 cohort=hd.cohort, sets_cohort=True, open_colon=True, label=True)
        self.tree.attach(g, None)
        self.tree.stack.append(g)
        g.indent = -1  # text under it, at any indentation, is its

    # -- items -----------------------------------------------------------------
    def _marked(self, ln: Line, mk: Marker) -> Node:
        indent = ln.indent
        self.tree.resolve_roman(mk, indent)
        parent = self.tree.parent_for_marked(indent, mk)
        bstart = ln.start + mk.length
        body = [(bstart, ln.end)] if bstart < ln.end else []
        node = Node(parent.kind if parent else self.kind, self.section, "item", mk.number.strip(), mk.mtype, mk.value,
                    indent, indent + mk.length, body)
        own = self.text[bstart:ln.end]
        if own.endswith(":") and len(own) < 160 and (
                COHORT.search(own) or re.search(r"\b(?:inclusion|exclusion|eligibility)\s+criteri(?:a|on)\b", own, re.I)):
            node.role = "group"  # "* Inclusion criteria only for B-ALL:"
            node.sets_cohort = True
            node.cohort = cohort_label(own)
        node.open_colon = own.endswith(":")
        self.tree.attach(node, parent)
        self.tree.stack.append(node)
        return node

    def _continues(self, last: Node, ln: Line) -> bool:
        """Does unmarked line `ln` continue `last` (a hard wrap, or a further paragraph indented to its text)?"""
        if last.role == "note" and last.number is None and self.blank_before:
            return False
        if not last.body:
            return True  # the text of a marker that stood alone
        if not self.blank_before:
            if last.label:
                return False
            return not (ln.text.endswith(":") and len(ln.text.split()) <= 3 and last.body[-1][1] > 0
                        and self.text[last.body[-1][1] - 1] in ".;")
        return last.mtype is not None and ln.indent > last.indent and ln.indent >= last.col - 1

    @staticmethod
    def _continue(last: Node, ln: Line) -> None:
        last.body.append((ln.start, ln.end))
        if ln.text.endswith(":"):
            last.open_colon = True

    # -- labels and paragraphs ----------------------------------------------------
    def _label(self, ln: Line, indent: Optional[int] = None) -> None:
        """A group over what follows; `indent`: the column of its list when that is left of the line."""
        if indent is not None and indent < ln.indent:
            ln = Line(ln.start, ln.end, indent, ln.text)
        cohort_head = bool(COHORT.search(ln.text) or (COMMON.match(ln.text) and ln.text.endswith(":")))
        parent = self.tree.parent_for_label(ln.indent, ln.text, cohort_head)
        node = Node(parent.kind if parent else self.kind, self.section, "group", None, None, None, ln.indent,
                    ln.indent, [(ln.start, ln.end)], open_colon=True, label=True)
        hint = kind_hint(ln.text)
        if cohort_head:
            node.sets_cohort = True
            node.cohort = cohort_label(ln.text)
        self.tree.attach(node, parent)
        if hint:
            node.kind = hint
        self.tree.stack.append(node)

    def _paragraph(self, a: int, b: int, indent: int) -> Optional[Node]:
        """Unmarked text[a:b]: a cohort header, an ``any`` preamble, a note, or one item per sentence."""
        ptext = self.text[a:b]
        cohort_head = ptext.endswith(":") and len(ptext) < 140 and bool(COHORT.search(ptext)) and not NOTE.match(ptext)
        parent = self.tree.parent_for_paragraph(indent, cohort_head)
        if is_flat(self.text, a, b, self.section):
            return flat(self, a, b, indent, parent)
        if cohort_head:
            self._push(Node(self._kind_under(parent), self.section, "group", None, None, None, indent, indent, [(a, b)],
                            open_colon=True, label=True, sets_cohort=True, cohort=cohort_label(ptext)), parent)
            return None
        if NOTE.match(ptext) or ptext.endswith(":"):
            return self._preamble(a, b, indent, parent)
        last = None
        for x, y in line_items(lines_in(self.text, a, b)):
            for s, e in sentences(self.text, x, y):
                last = self.add_item(s, e, indent, parent)
        return last

    def _preamble(self, a: int, b: int, indent: int, parent: Optional[Node]) -> Optional[Node]:
        """"... one of the following:" in an inclusion section heads an ``any`` item; other preambles are notes."""
        ptext = self.text[a:b]
        hint = kind_hint(ptext)
        if not NOTE.match(ptext) and (hint or self.kind) == "inclusion" and ANY_OF.search(ptext):
            self._push(Node(self._kind_under(parent), self.section, "item", None, None, None, indent, indent, [(a, b)],
                            open_colon=True, anyhead=True), parent)
            return None
        node = Node(self._kind_under(parent), self.section, "note", None, None, None, indent, indent, [(a, b)])
        self.tree.attach(node, parent)
        if hint and parent is None and not NOTE.match(ptext):
            self.kind = hint  # "Patients are not eligible if:" at top level: the rest of the section is exclusion
            node.kind = hint
        return node

    def add_item(self, s: int, e: int, indent: int, parent: Optional[Node], kind: Optional[str] = None) -> Node:
        node = Node(kind or self._kind_under(parent), self.section, "item", None, None, None, indent, indent, [(s, e)])
        self.tree.attach(node, parent)
        return node

    def _push(self, node: Node, parent: Optional[Node]) -> None:
        self.tree.attach(node, parent)
        self.tree.stack.append(node)

    def _kind_under(self, parent: Optional[Node]) -> str:
        return parent.kind if parent else self.kind
