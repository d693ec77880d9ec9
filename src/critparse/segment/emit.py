"""Output: the nodes as `Segment`s in document order, with ids (``inc.3``, ``exc.2.1``, ``inc.note1``) and logic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from ..normalize import NormalizedText
from ..records import Criterion
from .patterns import ANY_OF
from .tree import Node


@dataclass
class Segment:
    criterion: Criterion
    body: Tuple[int, int]  # span in the NORMALISED text of the criterion's own words (marker excluded)


def emit(roots: List[Node], nt: NormalizedText) -> List[Segment]:
    """Criteria in document order (a parent before its children), with their ids; iterative, so any depth works."""
    out: List[Segment] = []
    top = {"inclusion": 0, "exclusion": 0}
    top_notes = {"inclusion": 0, "exclusion": 0}
    todo: List[Tuple[Node, Optional[str], str, int]] = []
    for node in flatten(roots):
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
        if node.children:
            todo.extend(reversed(_child_ids(node, cid, depth)))
    return out


def _child_ids(node: Node, cid: str, depth: int) -> List[Tuple[Node, Optional[str], str, int]]:
    """`<cid>.M` for the M-th child that is not a note, `<cid>.noteK` for the K-th note."""
    out = []
    k = notes = 0
    for ch in flatten(node.children):
        if ch.role == "note":
            notes += 1
            out.append((ch, cid, f"{cid}.note{notes}", depth + 1))
        else:
            k += 1
            out.append((ch, cid, f"{cid}.{k}", depth + 1))
    return out


def _segment_of(node: Node, nt: NormalizedText, parent_id: Optional[str], cid: str, depth: int) -> Segment:
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
        logic = node.logic or ("any" if ANY_OF.search(own) else "all")
    crit = Criterion(
        id=cid, parent=parent_id, kind=node.kind, cohort=node.cohort, logic=logic, number=node.number,
        text=nt.original[s:e], start=s, end=e, role=node.role, depth=depth, section=node.section,
        clean_text=" ".join(own.split()),  # collapse_ws
    )
    return Segment(crit, (a, b))


def flatten(nodes: List[Node]) -> List[Node]:
    """Nodes with no words of their own (a marker alone on a line) give way to their children (iteratively)."""
    if all(n.body for n in nodes):
        return nodes  # the usual case
    out = []
    todo = list(reversed(nodes))
    while todo:
        n = todo.pop()
        if n.body:
            out.append(n)
        else:
            todo.extend(reversed(n.children))
    return out
