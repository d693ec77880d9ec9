"""Score an entity pipeline on a BRAT corpus in the Chia layout.

Gold spans go through exactly the conversion policy of `critparse.train.brat`
(labels kept, discontinuous spans, flat non-overlapping set).  Each criterion
line is normalised and run through the pipeline as `critparse.parse` does;
predicted spans are mapped back to the original line, and compared there:

* **strict**: same start, end and label;
* **lenient**: same label and overlapping (precision counts predictions that
  overlap a gold span of their label, recall counts gold spans overlapped by a
  prediction of their label);
* **Has_value** links (gold: Chia ``Has_value`` from a Measurement to a
  Value; predicted: a constraint of ``doc._.constraints`` whose span overlaps
  both a Measurement and a Value entity), strict (both ends exact) and lenient
  (both ends overlapping).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

from .metrics import PRF
from ..normalize import normalize
from ..train.brat import LABELS, Line, Stats, is_dev, read_lines

Span3 = Tuple[int, int, str]


@dataclass
class Scores:
    strict: Dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    lenient: Dict[str, PRF] = field(default_factory=lambda: defaultdict(PRF))
    link_strict: PRF = field(default_factory=PRF)
    link_lenient: PRF = field(default_factory=PRF)
    n_lines: int = 0
    n_words: int = 0
    conversion: Dict[str, object] = field(default_factory=dict)

    def micro(self, kind: str = "strict") -> PRF:
        tot = PRF()
        for v in getattr(self, kind).values():
            tot.add(v)
        return tot

    def as_dict(self) -> Dict[str, object]:
        labels = sorted(set(self.strict) | set(self.lenient), key=lambda x: (LABELS.index(x) if x in LABELS else 99, x))
        return {
            "lines": self.n_lines,
            "words": self.n_words,
            "micro": {"strict": self.micro("strict").as_dict(), "lenient": self.micro("lenient").as_dict()},
            "per_label": {lab: {"strict": self.strict[lab].as_dict(), "lenient": self.lenient[lab].as_dict()} for lab in labels},
            "has_value": {"strict": self.link_strict.as_dict(), "lenient": self.link_lenient.as_dict()},
            "conversion": self.conversion,
        }


def _overlap(a: Tuple[int, int], b: Tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score_spans(gold: Sequence[Span3], pred: Sequence[Span3], scores: Scores) -> None:
    gset = set(gold)
    for s, e, lab in pred:
        scores.strict[lab].n_pred += 1
        scores.lenient[lab].n_pred += 1
        if (s, e, lab) in gset:
            scores.strict[lab].tp_p += 1
        if any(g[2] == lab and _overlap((s, e), g[:2]) for g in gold):
            scores.lenient[lab].tp_p += 1
    pset = set(pred)
    for s, e, lab in gold:
        scores.strict[lab].n_gold += 1
        scores.lenient[lab].n_gold += 1
        if (s, e, lab) in pset:
            scores.strict[lab].tp_r += 1
        if any(p[2] == lab and _overlap((s, e), p[:2]) for p in pred):
            scores.lenient[lab].tp_r += 1


def score_links(gold: Sequence[Tuple[Tuple[int, int], Tuple[int, int]]],
                pred: Sequence[Tuple[Tuple[int, int], Tuple[int, int]]], scores: Scores) -> None:
    for kind, match in (("link_strict", lambda a, b: a == b), ("link_lenient", _overlap)):
        prf: PRF = getattr(scores, kind)
        prf.n_pred += len(pred)
        prf.n_gold += len(gold)
        prf.tp_p += sum(1 for pm, pv in pred if any(match(pm, gm) and match(pv, gv) for gm, gv in gold))
        prf.tp_r += sum(1 for gm, gv in gold if any(match(pm, gm) and match(pv, gv) for pm, pv in pred))


def predicted_links(doc) -> List[Tuple[Tuple[int, int], Tuple[int, int]]]:
    """(Measurement span, Value span) pairs, char offsets in the Doc, joined by one constraint."""
    cons = getattr(doc._, "constraints", None) if doc.has_extension("constraints") else None
    out = []
    meas = [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "Measurement"]
    vals = [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "Value"]
    for c in cons or []:
        cs = (c.get("start", 0), c.get("end", 0))
        for m in meas:
            if not _overlap(m, cs):
                continue
            for v in vals:
                if _overlap(v, cs) and (m, v) not in out:
                    out.append((m, v))
    return out


def evaluate_lines(lines: Iterable[Line], nlp, batch_size: int = 128) -> Scores:
    scores = Scores()
    lines = list(lines)
    nts = [normalize(ln.text) for ln in lines]
    for ln, nt, doc in zip(lines, nts, nlp.pipe((nt.text for nt in nts), batch_size=batch_size)):
        scores.n_lines += 1
        scores.n_words += sum(1 for t in doc if not t.is_space)
        pred = []
        for ent in doc.ents:
            if ent.label_ not in LABELS:
                continue
            s, e = nt.to_original(ent.start_char, ent.end_char)
            pred.append((s, e, ent.label_))
        gold = [(g.start, g.end, g.label) for g in ln.spans]
        score_spans(gold, pred, scores)
        by_id = {g.tid: g for g in ln.spans}
        glinks = [((by_id[m].start, by_id[m].end), (by_id[v].start, by_id[v].end)) for m, v in ln.has_value
                  if by_id[m].label == "Measurement" and by_id[v].label == "Value"]
        plinks = [(nt.to_original(*m), nt.to_original(*v)) for m, v in predicted_links(doc)]
        score_links(glinks, plinks, scores)
    return scores


def evaluate(path: Union[str, Path], nlp=None, *, mode: str = "full", model: Optional[str] = None,
             split: str = "all", limit: Optional[int] = None) -> Scores:
    """Score `nlp` (default: ``critparse.load(mode, model)``) on a Chia-layout folder or zip.

    `split`: "all" (a blind test set), or "dev"/"train" (the critparse split by trial id)."""
    if nlp is None:
        from ..pipeline import load

        nlp = load(mode, model)
    stats = Stats()
    lines = []
    for ln in read_lines(path, stats):
        if split == "dev" and not is_dev(ln.trial):
            continue
        if split == "train" and is_dev(ln.trial):
            continue
        lines.append(ln)
        if limit is not None and len(lines) >= limit:
            break
    scores = evaluate_lines(lines, nlp)
    scores.conversion = dict(stats.counts)
    return scores


def render(scores: Scores, title: str = "Chia entity scores") -> "object":
    """A rich Table of per-label and micro strict/lenient P/R/F1 and the Has_value link."""
    from rich.table import Table

    d = scores.as_dict()
    t = Table(title=f"{title} ({d['lines']} criteria, {d['words']} words)")
    for col in ("label", "gold", "pred", "P strict", "R strict", "F1 strict", "P lenient", "R lenient", "F1 lenient"):
        t.add_column(col, justify="left" if col == "label" else "right", no_wrap=True)

    def row(name, st, le, style=None):
        t.add_row(name, str(st["n_gold"]), str(st["n_pred"]),
                  *(f"{st[k]:.3f}" for k in "prf"), *(f"{le[k]:.3f}" for k in "prf"), style=style)

    for lab, v in d["per_label"].items():
        row(lab, v["strict"], v["lenient"])
    row("micro", d["micro"]["strict"], d["micro"]["lenient"], style="bold")
    row("Has_value link", d["has_value"]["strict"], d["has_value"]["lenient"], style="italic")
    return t


def to_markdown(scores: Scores) -> str:
    """The per-label table as Markdown (for model cards)."""
    d = scores.as_dict() if isinstance(scores, Scores) else scores
    out = ["| label | gold | pred | P strict | R strict | F1 strict | P lenient | R lenient | F1 lenient |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def row(name, st, le):
        out.append(f"| {name} | {st['n_gold']} | {st['n_pred']} | " + " | ".join(f"{st[k]:.3f}" for k in "prf")
                   + " | " + " | ".join(f"{le[k]:.3f}" for k in "prf") + " |")

    for lab, v in d["per_label"].items():
        row(lab, v["strict"], v["lenient"])
    row("**micro**", d["micro"]["strict"], d["micro"]["lenient"])
    row("Has_value link", d["has_value"]["strict"], d["has_value"]["lenient"])
    return "\n".join(out)
