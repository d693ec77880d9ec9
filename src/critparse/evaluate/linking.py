"""Score `critparse.link` against the hand-coded Chia dev set (corpora/gold/chia_linking_dev).

* **conditions**: share of gold Condition mentions whose first ICD-10-CM code falls in one of the
  3-character categories the gold accepts (``expected``);
* **drugs**: share of gold Drug mentions whose first code's ``display`` (the ingredient's generic
  name) is one of the names the gold accepts (or whose first code is one the gold lists: "insulin" ->
  ATC A10A);
* **drug classes**: share of gold class mentions (rows with ``"class": true``, "NSAIDs") whose first
  code is one of the WHO ATC classes the gold accepts;
* **coverage**: share of the Condition and Drug entities that full mode finds on Chia dev text
  (trials of the dev split, one text per trial part) that carry at least one code;
* **held-out coverage**: the same share on the LCT documents (``lct/original/lct_trainval.tar.gz``,
  806 eligibility texts of 2019 registrations), which neither the NER model nor the linking rules
  were developed on; the uncoded mentions are counted (``uncoded``) to read what is missed.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Union

GOLD_DIR = Path(__file__).resolve().parents[3] / "corpora" / "gold" / "chia_linking_dev"


@dataclass
class Miss:
    id: str
    label: str
    mention: str
    expected: List[str]
    got: Optional[str]


@dataclass
class LinkScores:
    right: Dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total: Dict[str, int] = field(default_factory=lambda: defaultdict(int))
    misses: List[Miss] = field(default_factory=list)
    coded_entities: Dict[str, int] = field(default_factory=lambda: defaultdict(int))
    entities: Dict[str, int] = field(default_factory=lambda: defaultdict(int))
    held_out_coded: Dict[str, int] = field(default_factory=lambda: defaultdict(int))
    held_out: Dict[str, int] = field(default_factory=lambda: defaultdict(int))
    uncoded: Counter = field(default_factory=Counter)  # (label, lower-cased text) of uncoded held-out entities

    def accuracy(self, label: str) -> float:
        return self.right[label] / self.total[label] if self.total[label] else 0.0

    def coverage(self, label: Optional[str] = None, held_out: bool = False) -> float:
        found, coded = (self.held_out, self.held_out_coded) if held_out else (self.entities, self.coded_entities)
        labels = [label] if label else list(found)
        n = sum(found[x] for x in labels)
        return sum(coded[x] for x in labels) / n if n else 0.0

    def as_dict(self) -> Dict[str, object]:
        out: Dict[str, object] = {
            "condition_category_first": {"right": self.right["Condition"], "total": self.total["Condition"],
                                         "accuracy": round(self.accuracy("Condition"), 4)},
            "drug_ingredient_first": {"right": self.right["Drug"], "total": self.total["Drug"],
                                      "accuracy": round(self.accuracy("Drug"), 4)},
        }
        if self.total["Drug class"]:
            out["drug_class_first"] = {"right": self.right["Drug class"], "total": self.total["Drug class"],
                                       "accuracy": round(self.accuracy("Drug class"), 4)}
        if self.entities:
            out["coverage_full_mode"] = {
                "entities": dict(self.entities), "coded": dict(self.coded_entities),
                "share": round(self.coverage(), 4),
                "per_label": {k: round(self.coverage(k), 4) for k in sorted(self.entities)}}
        if self.held_out:
            out["coverage_held_out_lct"] = {
                "entities": dict(self.held_out), "coded": dict(self.held_out_coded),
                "share": round(self.coverage(held_out=True), 4),
                "per_label": {k: round(self.coverage(k, held_out=True), 4) for k in sorted(self.held_out)}}
        return out


def read_gold(path: Union[str, Path, None] = None) -> List[dict]:
    """Gold rows from a JSONL file, or from every .jsonl of a folder (default: the shipped dev set)."""
    path = Path(path) if path else GOLD_DIR
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    rows = []
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def is_right(row: dict, codes: List[dict]) -> bool:
    if not codes:
        return False
    first = codes[0]
    if row["label"] == "Condition":
        return first["code"].split(".")[0] in row["expected"]
    if row.get("class"):
        return first["code"] in row["expected"]
    return (first.get("display") or "").lower() in {e.lower() for e in row["expected"]} or \
        first["code"] in row["expected"]


def score_gold(rows: Iterable[dict], scores: Optional[LinkScores] = None) -> LinkScores:
    from ..linking import link

    scores = scores or LinkScores()
    for row in rows:
        codes = link(row["mention"], row["label"])
        key = "Drug class" if row.get("class") else row["label"]
        scores.total[key] += 1
        if is_right(row, codes):
            scores.right[key] += 1
        else:
            got = None
            if codes:
                got = codes[0]["display"] if key == "Drug" else codes[0]["code"]
            scores.misses.append(Miss(row.get("id", ""), key, row["mention"], row["expected"], got))
    return scores


def dev_texts(chia: Union[str, Path], limit: Optional[int] = None) -> List[tuple]:
    """(text, trial id) per trial part of the Chia dev split, lines joined as written."""
    from ..train.brat import is_dev, read_lines

    parts: Dict[tuple, List[str]] = defaultdict(list)
    for ln in read_lines(chia):
        if is_dev(ln.trial):
            parts[(ln.trial, ln.part)].append(ln.text)
    keys = sorted(parts)[:limit] if limit else sorted(parts)
    return [("\n".join(parts[k]), f"{k[0]}_{k[1]}") for k in keys]


def score_coverage(chia: Union[str, Path], scores: LinkScores, limit: Optional[int] = None,
                   labels=("Condition", "Drug")) -> LinkScores:
    from ..parser import parse_many

    for parsed in parse_many([(t, tid, None) for t, tid in dev_texts(chia, limit)], mode="full"):
        for e in parsed.entities:
            if e.label in labels:
                scores.entities[e.label] += 1
                scores.coded_entities[e.label] += bool(e.codes)
    return scores


def score_held_out(lct: Union[str, Path], scores: LinkScores, limit: Optional[int] = None,
                   labels=("Condition", "Drug")) -> LinkScores:
    """Held-out coverage: Condition and Drug entities of full mode on the first `limit` LCT documents."""
    import itertools

    from ..parser import parse_many
    from .lct import iter_documents

    docs = itertools.islice(iter_documents(lct), limit)
    for parsed in parse_many(((text, Path(name).stem, None) for name, text, _ in docs), mode="full"):
        for e in parsed.entities:
            if e.label in labels:
                scores.held_out[e.label] += 1
                scores.held_out_coded[e.label] += bool(e.codes)
                if not e.codes:
                    scores.uncoded[(e.label, e.text.lower())] += 1
    return scores


def evaluate(gold: Union[str, Path, None] = None, chia: Union[str, Path, None] = None,
             limit: Optional[int] = None, lct: Union[str, Path, None] = None) -> LinkScores:
    scores = score_gold(read_gold(gold))
    if chia is not None:
        score_coverage(chia, scores, limit)
    if lct is not None:
        score_held_out(lct, scores, limit)
    return scores
