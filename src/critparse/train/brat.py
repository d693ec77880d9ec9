"""BRAT standoff (Chia layout) -> spaCy ``DocBin``, one Doc per criterion line.

Reads a folder or a zip of ``NCTxxxxxxxx_{inc,exc}.{txt,ann}`` pairs directly
(nothing is unpacked).  Conversion policy, applied identically to training data
and to gold in `critparse.evaluate.chia`:

* **Labels**: the Chia concept/annotation labels in `LABELS`; the annotation
  error/special labels (Parsing_Error, Non-query-able, Post-eligibility,
  Non-representable, Informed_consent, Pregnancy_considerations, Scope, Line,
  ...) are dropped (counted as ``dropped_label``).
* **Offsets** are checked: ``txt[start:end]`` must equal the annotated text
  (whitespace-insensitively for discontinuous spans); otherwise ``bad_offsets``.
* **Discontinuous spans** (``s1 e1;s2 e2``): replaced by the covering span
  ``[s1, e_last)`` when the fragments lie on one line and the gap text is at
  most `MAX_GAP` characters (``"breast [or ovarian] cancer"`` -> the whole
  phrase); otherwise only the longest fragment is kept (``discontinuous_*``).
* **Spans crossing a line break** are skipped (``crosses_line``).
* **Overlapping / nested spans** (Chia nests e.g. a Value inside a
  Measurement phrase): a flat, non-overlapping set is kept, longer spans first
  (ties: earlier start, then label order); every dropped span is counted as
  ``overlap``.
* **Token alignment**: the span is snapped to token boundaries of the critparse
  tokenizer (``alignment_mode="expand"``); spans that needed snapping are
  counted as ``misaligned`` (kept), spans that vanish are ``empty``.
* **Text**: each criterion line is run through `critparse.normalize` first (as
  `critparse.parse` does at run time: ``≥`` -> ``>=``, ...), gold offsets are
  mapped into the normalised text; `doc.user_data["orig"]` keeps the line.

The train/dev split is by trial id: ``sha1(NCT id) mod 100 < 15`` is dev.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

from ..normalize import NormalizedText, normalize

#: the Chia entity types kept as NER labels (order = tie-break preference)
LABELS: Tuple[str, ...] = (
    "Condition", "Drug", "Procedure", "Measurement", "Observation", "Value", "Temporal", "Qualifier",
    "Negation", "Person", "Device", "Multiplier", "Reference_point", "Mood", "Visit",
)
_LABEL_RANK = {lab: i for i, lab in enumerate(LABELS)}
MAX_GAP = 40
DEV_PERCENT = 15

_NAME = re.compile(r"(NCT\d{8})_(inc|exc)\.(txt|ann)$")


@dataclass
class GoldSpan:
    start: int  # offsets into the line (original text)
    end: int
    label: str
    tid: str = ""


@dataclass
class Line:
    """One criterion line of one Chia file, with its kept gold spans and links."""

    trial: str
    part: str  # "inc" | "exc"
    index: int  # line number in the file
    text: str
    spans: List[GoldSpan] = field(default_factory=list)
    #: Has_value links between kept spans: (measurement tid, value tid)
    has_value: List[Tuple[str, str]] = field(default_factory=list)


@dataclass
class Stats:
    counts: Counter = field(default_factory=Counter)
    by_label: Counter = field(default_factory=Counter)  # kept spans per label

    def add(self, reason: str, n: int = 1) -> None:
        self.counts[reason] += n

    def as_dict(self) -> Dict[str, object]:
        return {"counts": dict(self.counts), "kept_by_label": dict(self.by_label)}


def is_dev(trial_id: str, dev_percent: int = DEV_PERCENT) -> bool:
    """Deterministic split by trial id."""
    return int(hashlib.sha1(trial_id.encode("ascii")).hexdigest(), 16) % 100 < dev_percent


# -- reading ----------------------------------------------------------------
def iter_pairs(path: Union[str, Path]) -> Iterator[Tuple[str, str, str, str]]:
    """(trial, part, txt, ann) for every pair in a BRAT folder or zip, sorted by name."""
    path = Path(path)
    files: Dict[Tuple[str, str], Dict[str, str]] = {}
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                m = _NAME.search(name)
                if m:
                    files.setdefault((m.group(1), m.group(2)), {})[m.group(3)] = zf.read(name).decode("utf-8")
    elif path.is_dir():
        for p in path.rglob("*"):
            m = _NAME.search(p.name)
            if m and p.is_file():
                files.setdefault((m.group(1), m.group(2)), {})[m.group(3)] = p.read_text(encoding="utf-8")
    else:
        raise FileNotFoundError(f"{path}: not a BRAT folder or zip")
    for (trial, part), d in sorted(files.items()):
        if "txt" in d:
            yield trial, part, d["txt"], d.get("ann", "")


def _parse_ann(ann: str):
    ents = []  # (tid, label, fragments, text)
    rels = []  # (type, arg1, arg2)
    for raw in ann.splitlines():
        if not raw.strip():
            continue
        cols = raw.split("\t")
        if raw.startswith("T") and len(cols) >= 2:
            head = cols[1]
            text = cols[2] if len(cols) > 2 else ""
            label, _, offs = head.partition(" ")
            try:
                frags = [tuple(int(x) for x in f.split()) for f in offs.split(";")]
                frags = [(a, b) for a, b in frags]
            except ValueError:
                frags = []
            ents.append((cols[0], label, frags, text))
        elif raw.startswith("R") and len(cols) >= 2:
            parts = cols[1].split()
            if len(parts) == 3:
                a1 = parts[1].split(":", 1)[-1]
                a2 = parts[2].split(":", 1)[-1]
                rels.append((parts[0], a1, a2))
    return ents, rels


def _resolve(txt: str, frags: List[Tuple[int, int]], text: str, stats: Stats) -> Optional[Tuple[int, int]]:
    if not frags or any(a < 0 or b > len(txt) or b <= a for a, b in frags):
        stats.add("bad_offsets")
        return None
    joined = " ".join(txt[a:b] for a, b in frags)
    if " ".join(joined.split()) != " ".join(text.split()):
        stats.add("bad_offsets")
        return None
    if len(frags) == 1:
        return frags[0]
    frags = sorted(frags)
    s, e = frags[0][0], frags[-1][1]
    gap = sum(frags[i + 1][0] - frags[i][1] for i in range(len(frags) - 1))
    if "\n" not in txt[s:e] and gap <= MAX_GAP:
        stats.add("discontinuous_covered")
        return s, e
    stats.add("discontinuous_longest_fragment")
    return max(frags, key=lambda f: f[1] - f[0])


def flat_spans(spans: Sequence[GoldSpan], stats: Optional[Stats] = None) -> List[GoldSpan]:
    """Greedy non-overlapping subset: longer first, then earlier, then label order."""
    order = sorted(spans, key=lambda g: (-(g.end - g.start), g.start, _LABEL_RANK.get(g.label, 99)))
    taken: List[GoldSpan] = []
    for g in order:
        if any(g.start < t.end and t.start < g.end for t in taken):
            if stats is not None:
                stats.add("overlap")
                stats.add(f"overlap:{g.label}")
            continue
        taken.append(g)
    return sorted(taken, key=lambda g: g.start)


def read_lines(path: Union[str, Path], stats: Optional[Stats] = None, trials: Optional[set] = None) -> Iterator[Line]:
    """Every non-empty criterion line of a Chia-layout corpus, with flat gold spans."""
    stats = stats if stats is not None else Stats()
    for trial, part, txt, ann in iter_pairs(path):
        if trials is not None and trial not in trials:
            continue
        ents, rels = _parse_ann(ann)
        # line boundaries
        bounds = []
        pos = 0
        for ln in txt.split("\n"):
            bounds.append((pos, pos + len(ln)))
            pos += len(ln) + 1
        per_line: Dict[int, List[GoldSpan]] = {}
        for tid, label, frags, text in ents:
            if label not in _LABEL_RANK:
                stats.add("dropped_label")
                stats.add(f"dropped_label:{label}")
                continue
            se = _resolve(txt, frags, text, stats)
            if se is None:
                continue
            s, e = se
            li = next((i for i, (a, b) in enumerate(bounds) if a <= s and e <= b), None)
            if li is None:
                stats.add("crosses_line")
                continue
            a = bounds[li][0]
            # trim whitespace inside the span
            seg = txt[s:e]
            s += len(seg) - len(seg.lstrip())
            e -= len(seg) - len(seg.rstrip())
            if e <= s:
                stats.add("empty")
                continue
            per_line.setdefault(li, []).append(GoldSpan(s - a, e - a, label, tid))
        for li, (a, b) in enumerate(bounds):
            line = txt[a:b]
            if not line.strip():
                continue
            spans = flat_spans(per_line.get(li, []), stats)
            kept = {g.tid for g in spans}
            hv = [(a1, a2) for (rt, a1, a2) in rels if rt == "Has_value" and a1 in kept and a2 in kept]
            for g in spans:
                stats.by_label[g.label] += 1
            yield Line(trial, part, li, line, spans, hv)


# -- offsets original -> normalised -------------------------------------------
def orig_to_norm(nt: NormalizedText, start: int, end: int) -> Tuple[int, int]:
    """Map an original span into ``nt.text`` (inverse of ``nt.to_original``)."""
    ns_out = ne_out = None
    for ns, ne, os_, oe, ident in nt.pieces:
        if ns_out is None and oe > start:
            ns_out = ns + max(0, start - os_) if ident else ns
        if os_ < end:
            ne_out = min(ne, ns + (end - os_)) if ident else ne
    if ns_out is None:
        ns_out = len(nt.text)
    if ne_out is None or ne_out < ns_out:
        ne_out = ns_out
    return ns_out, ne_out


# -- to spaCy -----------------------------------------------------------------
def line_to_doc(nlp, line: Line, stats: Optional[Stats] = None):
    """A Doc over the normalised line with gold ``doc.ents``."""
    stats = stats if stats is not None else Stats()
    nt = normalize(line.text)
    doc = nlp.make_doc(nt.text)
    ents = []
    for g in line.spans:
        s, e = orig_to_norm(nt, g.start, g.end)
        sp = doc.char_span(s, e, label=g.label, alignment_mode="strict")
        if sp is None:
            sp = doc.char_span(s, e, label=g.label, alignment_mode="expand")
            stats.add("misaligned")
            stats.add(f"misaligned:{g.label}")
            if sp is not None and ents and sp.start < ents[-1].end:
                stats.add("overlap_after_snap")
                continue
        if sp is None or len(sp) == 0:
            stats.add("empty")
            continue
        ents.append(sp)
    doc.ents = ents
    doc.user_data["orig"] = line.text
    doc.user_data["id"] = f"{line.trial}_{line.part}:{line.index}"
    return doc


def convert(path: Union[str, Path], out_dir: Union[str, Path], nlp=None, dev_percent: int = DEV_PERCENT,
            limit: Optional[int] = None) -> Dict[str, object]:
    """Write ``train.spacy`` and ``dev.spacy`` under `out_dir`; return the statistics."""
    from spacy.tokens import DocBin

    if nlp is None:
        from ..pipeline.tokenizer import blank

        nlp = blank()
    stats = Stats()
    bins = {"train": DocBin(store_user_data=True), "dev": DocBin(store_user_data=True)}
    n = Counter()
    trials = Counter()
    for i, line in enumerate(read_lines(path, stats)):
        if limit is not None and i >= limit:
            break
        part = "dev" if is_dev(line.trial, dev_percent) else "train"
        bins[part].add(line_to_doc(nlp, line, stats))
        n[part] += 1
        trials[(part, line.trial)] = 1
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for part, db in bins.items():
        db.to_disk(out_dir / f"{part}.spacy")
    d = stats.as_dict()
    d["docs"] = dict(n)
    d["trials"] = {p: sum(1 for (q, _t) in trials if q == p) for p in ("train", "dev")}
    total = sum(stats.by_label.values())
    d["misaligned_percent"] = round(100.0 * stats.counts.get("misaligned", 0) / max(1, total), 3)
    return d
