"""Error classes, error file and tables of the LCT evaluation (`critparse.evaluate.lct`)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

from .lct import KEYS, ErrorRow, GoldBound, LctScores, PredBound, _context

_TIME = {"a", "mo", "wk", "d", "h", "min", "s"}


def _unit_kind(unit: Optional[str]) -> str:
    if unit is None:
        return "no unit"
    if unit in _TIME:
        return "time window"
    if unit.startswith("x"):
        return "x ULN/LLN"
    return "with unit"


def _overlaps(a, b) -> bool:
    return a.start < b.end and b.start < a.end


def miss_class(g: GoldBound, free: Sequence[PredBound], taken: Sequence[PredBound]) -> str:
    """Why a gold bound was not found: the first component a free overlapping prediction gets wrong."""
    near = [p for p in free if _overlaps(g, p)]
    if not near:
        if any(_overlaps(g, p) for p in taken):
            return f"missed: comparison taken by another gold bound ({_unit_kind(g.unit)})"
        if g.op == "=":
            return f"missed: no operator written ({_unit_kind(g.unit)})"
        return f"missed: no comparison found ({_unit_kind(g.unit)})"
    p = min(near, key=lambda q: (q.op != g.op, g.value is None or abs(g.value - q.value) > 1e-9))
    if g.value is None or abs(g.value - p.value) > 1e-9:
        if g.op == p.op and g.unit == p.unit:
            return "wrong value"
    if g.op != p.op:
        return f"op {g.op} read as {p.op}"
    if g.unit != p.unit:
        return f"unit {g.unit} read as {p.unit}"
    return "wrong value"


def spurious_class(p: PredBound, gold: Sequence[GoldBound], missed: Sequence[GoldBound]) -> str:
    if any(_overlaps(g, p) for g in missed):
        return "pairs with a miss"
    cat = p.subjects[0].category if p.subjects else "other"
    if any(_overlaps(g, p) for g in gold):
        return f"spurious: extra bound on a gold comparison ({cat})"
    return f"spurious: no gold comparison there ({cat})"


def strict_errors(name: str, text: str, gold: List[GoldBound], pred: List[PredBound],
                  pairs: List[Tuple[int, int]]) -> List[ErrorRow]:
    """Misses and spurious predictions of the strict key, each with its class and text."""
    found, used = {i for i, _ in pairs}, {j for _, j in pairs}
    free = [p for j, p in enumerate(pred) if j not in used]
    taken = [p for j, p in enumerate(pred) if j in used]
    missed = [g for i, g in enumerate(gold) if i not in found]
    rows = [ErrorRow(name, "miss", miss_class(g, free, taken), g, None, _context(text, g.start, g.end)) for g in missed]
    rows += [ErrorRow(name, "spurious", spurious_class(p, gold, missed), None, p, _context(text, p.start, p.end))
             for p in free]
    return rows


def _fmt_gold(g: Optional[GoldBound]) -> str:
    if g is None:
        return ""
    anchors = "; ".join(f"{a.label}:{a.text}" for a in g.anchors)
    return f"{g.op} {g.value} {g.unit or ''} <- {anchors or '-'}"


def _fmt_pred(p: Optional[PredBound]) -> str:
    if p is None:
        return ""
    subj = "; ".join(s.text or s.name for s in p.subjects)
    return f"{p.op} {p.value} {p.unit or ''} <- {subj or '-'}"


def write_errors(scores: LctScores, path: Union[str, Path]) -> int:
    """Write every error as a tab-separated row (kind, class, doc, gold, predicted, context); rows written."""
    rows = sorted(scores.errors, key=lambda e: (e.kind, e.cls, e.doc))
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("kind\tclass\tdoc\tgold (op value unit <- filtered entities)\tpredicted (op value unit <- subjects)\tcontext\n")
        for e in rows:
            fh.write(f"{e.kind}\t{e.cls}\t{e.doc}\t{_fmt_gold(e.gold)}\t{_fmt_pred(e.pred)}\t{e.context}\n")
    return len(rows)


def render(scores: LctScores, title: str = "LCT comparison scores", top: int = 10):
    """Rich renderables: the P/R/F1 table, attachment by role, and the most frequent error classes."""
    from rich.markup import escape
    from rich.table import Table

    labels = {"strict": "strict (value, op, unit)", "strict+subject": "strict + subject attached",
              "span": "span overlap only", "value": "value", "op": "op", "unit": "unit"}
    t = Table(title=f"{title} ({scores.docs} documents, {scores.mode} mode)",
              caption=f"{scores.non_numeric} gold comparisons with no number as value left out (words, dates)")
    for col in ("match on", "P", "R", "F1", "found gold", "gold", "predicted"):
        t.add_column(col, justify="left" if col == "match on" else "right")
    for k in KEYS:
        s = scores.scores[k]
        t.add_row(labels[k], f"{s.p:.3f}", f"{s.r:.3f}", f"{s.f:.3f}", str(s.tp_r), str(s.n_gold), str(s.n_pred))
    a = Table(title="subject attachment (value-matched gold comparisons LCT ties to an entity)")
    for col in ("anchor role", "right", "judged", "accuracy"):
        a.add_column(col, justify="left" if col == "anchor role" else "right")
    for role in sorted(scores.attach, key=lambda r: -scores.attach[r][1]) + [None]:
        right, judged = scores.attachment(role)
        a.add_row(role or "all", str(right), str(judged), f"{right / judged:.3f}" if judged else "-")
    e = Table(title=f"{top} most frequent error classes (strict misses, spurious bounds, wrong subjects)")
    for col in ("class", "count", "example"):
        e.add_column(col, justify="right" if col == "count" else "left")
    for cls, n in scores.error_classes().most_common(top):
        ex = next(x for x in scores.errors if x.cls == cls)
        e.add_row(escape(cls), str(n), escape(ex.context[:110]))
    return t, a, e
