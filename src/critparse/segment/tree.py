"""Tree attachment: the nodes of the criteria tree, the stack of open nodes, and where a new node hangs.

`Tree.stack` holds the open nodes, outermost first; each `parent_for_*` pops what a new line closes and
returns the node it hangs under (None: top level).  `attach` adds a node, folding "A / OR / B" into an
``any`` group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from .lines import Marker, follows
from .patterns import PERMISSION

MAX_DEPTH = 1000  # deeper nodes hang beside the node at this depth, so ids stay short and the work linear
_SCAN = 64  # how far back along the open nodes a marker looks for the list it continues


@dataclass
class Node:
    kind: str
    section: Optional[str]
    role: str
    number: Optional[str]
    mtype: Optional[str]
    value: Optional[str]
    indent: int
    col: int  # column where its text starts (continuation paragraphs indent to it)
    body: List[Tuple[int, int]]
    children: List["Node"] = field(default_factory=list)
    parent: Optional["Node"] = None
    cohort: Optional[str] = None
    sets_cohort: bool = False
    open_colon: bool = False
    label: bool = False  # an unmarked label line ("Age:")
    anyhead: bool = False  # a preamble asking for one of the list below
    logic: Optional[str] = None  # forced logic (OR groups)
    or_group: bool = False  # the group of items joined by "OR" lines
    depth: int = 0
    permission_labels: bool = True  # every label child is "Allowed:" / "Excluded:" / ...


class Tree:
    def __init__(self, text: str) -> None:
        self.text = text
        self.roots: List[Node] = []
        self.stack: List[Node] = []
        self.pending_or: Optional[Tuple[int, int]] = None  # span of an "OR" line waiting for the item after it

    def own(self, node: Node) -> str:
        return self.text[node.body[0][0]:node.body[-1][1]] if node.body else ""

    # -- attaching ---------------------------------------------------------
    def attach(self, node: Node, parent: Optional[Node]) -> None:
        while parent is not None and parent.depth + 1 >= MAX_DEPTH:
            parent = parent.parent
        node.parent = parent
        node.depth = parent.depth + 1 if parent is not None else 0
        if parent is not None and node.label and not PERMISSION.match(self.own(node)):
            parent.permission_labels = False
        siblings = parent.children if parent else self.roots
        if parent is not None:
            node.kind = parent.kind
            if not node.sets_cohort:
                node.cohort = parent.cohort
        if self.pending_or is not None and node.role != "note":
            prev = next((s for s in reversed(siblings) if s.role != "note"), None)
            span, self.pending_or = self.pending_or, None
            if prev is not None:
                group = self._or_group(prev, siblings, parent, span)
                group.children.append(node)
                node.parent = group
                node.depth = group.depth + 1
                return
        siblings.append(node)

    @staticmethod
    def _or_group(prev: Node, siblings: List[Node], parent: Optional[Node], span: Tuple[int, int]) -> Node:
        """The ``any`` group that the item after an "OR" line joins: `prev` wrapped in a new group."""
        if prev.or_group:
            return prev  # "A / OR / B / OR / C": one group of three
        group = Node(prev.kind, prev.section, "group", None, None, None, prev.indent, prev.col, [span],
                     cohort=prev.cohort, logic="any", or_group=True, depth=prev.depth)
        group.parent = parent
        k = len(siblings) - 1
        while siblings[k] is not prev:
            k -= 1
        siblings[k] = group
        prev.parent = group
        prev.depth += 1
        group.children.append(prev)
        return group

    # -- where a new node hangs ---------------------------------------------
    def parent_for_marked(self, indent: int, mk: Marker) -> Optional[Node]:
        st = self.stack
        if st and st[-1].open_colon and not st[-1].children and st[-1].mtype and st[-1].mtype != mk.mtype \
                and 0 < st[-1].indent - indent <= 4 and mk.value in (None, "1", "a", "A", "i", "I"):
            return st[-1]  # "2. Muscle biopsy abnormalities:" then a dedented "i." list
        while st and st[-1].indent > indent:
            st.pop()
        if st and st[-1].indent == indent:
            self._close_at_same_indent(indent, mk)
        return st[-1] if st else None

    def _close_at_same_indent(self, indent: int, mk: Marker) -> None:
        """Pop what a marker at the indentation of the top of the stack closes."""
        st = self.stack
        top = st[-1]
        if top.label or top.anyhead:
            return  # a child of the label / preamble
        if top.mtype == mk.mtype and top.open_colon and not top.children and mk.value == "1" \
                and top.value not in (None, "0"):
            return  # "1. Adequate organ function:" then "1. ANC ..." at the same indentation
        if top.mtype == mk.mtype:
            if not follows(top.value, mk.value):
                for k in range(len(st) - 2, max(-1, len(st) - 2 - _SCAN), -1):  # "2." closing a sub-list under "1. ...:"
                    if st[k].indent != indent or st[k].mtype != mk.mtype:
                        break
                    if follows(st[k].value, mk.value):
                        del st[k + 1:]
                        break
            st.pop()  # a sibling
            return
        if top.open_colon:
            return  # "3. ... conditions):" then "1." at the same indentation
        st.pop()
        while st and st[-1].indent == indent and st[-1].mtype is not None and st[-1].mtype != mk.mtype:
            st.pop()
        if st and st[-1].indent == indent and st[-1].mtype == mk.mtype:
            st.pop()
        while st and st[-1].indent > indent:
            st.pop()

    def parent_for_label(self, indent: int, text: str, cohort_head: bool) -> Optional[Node]:
        st = self.stack
        permission = bool(PERMISSION.match(text))
        while st:
            top = st[-1]
            if permission and top.label and top.indent == indent and not PERMISSION.match(self.own(top)) \
                    and top.children and top.permission_labels:
                break  # "Concurrent Medication:" > "Allowed:" ... "Excluded:"
            if top.indent == indent and top.sets_cohort and top.label and not cohort_head:
                break  # a label under a cohort header at its indentation
            if top.indent > indent or (top.indent == indent and not (top.label and not top.children)):
                st.pop()
                continue
            if top.label and top.children or top.mtype is not None and not top.open_colon:
                st.pop()
                continue
            break
        return st[-1] if st else None

    def parent_for_paragraph(self, indent: int, cohort_head: bool) -> Optional[Node]:
        st = self.stack
        while st and (st[-1].indent >= indent or st[-1].mtype is not None and not st[-1].open_colon):
            if st[-1].indent == indent and st[-1].sets_cohort and st[-1].label and not cohort_head:
                break  # text under a cohort header ("Criteria for children ...:") at its indentation
            st.pop()
        return st[-1] if st else None

    # -- markers --------------------------------------------------------------
    def counted(self, mk: Marker) -> bool:
        """A three-digit number ("100.") continues an open item numbered one less ("99.")."""
        return any(n.mtype == mk.mtype and follows(n.value, mk.value) for n in self.stack[-_SCAN:])

    def resolve_roman(self, mk: Marker, indent: int) -> None:
        """"i." after "h." is a letter; "v." after "iv." is roman."""
        if not mk.mtype.endswith("rom") or len(mk.value) != 1:
            return
        for n in reversed(self.stack[-_SCAN:]):
            if n.indent < indent:
                break
            if n.mtype and n.mtype.endswith(("letl", "letU")) and follows(n.value, mk.value):
                mk.mtype = n.mtype
                return
            if n.mtype and n.mtype.endswith("rom"):
                return
        if mk.value.lower() != "i":
            mk.mtype = mk.mtype.replace("rom", "letU" if mk.value.isupper() else "letl")
