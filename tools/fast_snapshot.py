"""Snapshot of critparse's output over the legacy-XML corpus, to check that an optimisation changes nothing.

    python tools/fast_snapshot.py OUT.jsonl.gz [--mode fast] [--limit N]
    python tools/fast_snapshot.py --compare A.jsonl.gz B.jsonl.gz
    python tools/fast_snapshot.py --scopes [--limit N]

Writes one line per study: {"nct_id", "sha1" of the JSON of `ParsedTrial.to_dict()`,
"constraints": [[criterion, subject, op, value, unit, start, end, negated], ...]}.
`--compare` prints how many studies differ in their hash, whether the constraint
sets (all fields but `negated`) are identical, and the agreement of `negated`
over all constraints, with up to 20 disagreements (text in context).
`--scopes` compares, over every criterion body, the negation scopes of
`critparse.negation.scopes` with those medspaCy ConText gives in the spaCy fast
pipeline (`critparse.pipeline.components.negation_scopes`).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
import time
from itertools import islice
from pathlib import Path


def corpus(limit=None):
    from critparse.config import corpora_dir

    path = corpora_dir() / "ctgov_xml_2023" / "derived" / "eligibility.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in islice(fh, limit):
            r = json.loads(line)
            text = r.get("criteria") or ""
            if text.strip():
                yield text, r["nct_id"], None


def snapshot(out: Path, mode: str, limit=None) -> None:
    from critparse.parser import parse_many

    t0 = time.perf_counter()
    n = 0
    with gzip.open(out, "wt", encoding="utf-8") as fh:
        for p in parse_many(corpus(limit), mode=mode):
            d = p.to_dict()
            h = hashlib.sha1(json.dumps(d, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
            cons = [[c.criterion, c.subject, c.op, c.value, c.unit, c.start, c.end, c.negated] for c in p.constraints]
            fh.write(json.dumps({"nct_id": p.trial_id, "sha1": h, "constraints": cons}) + "\n")
            n += 1
    print(f"{n} studies, mode {mode}, {time.perf_counter() - t0:.1f} s -> {out}", file=sys.stderr)


def load(path: Path):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def compare(a: Path, b: Path) -> int:
    ra, rb = load(a), load(b)
    texts = {nct: text for text, nct, _ in corpus()}
    diff_hash = sum(x["sha1"] != y["sha1"] for x, y in zip(ra, rb))
    print(f"studies: {len(ra)} vs {len(rb)}; differing output hash: {diff_hash}")
    same_sets, total, agree, shown = 0, 0, 0, 0
    flips = {"True->False": 0, "False->True": 0}
    for x, y in zip(ra, rb):
        ca, cb = x["constraints"], y["constraints"]
        if [c[:7] for c in ca] != [c[:7] for c in cb]:
            print(f"constraint set differs: {x['nct_id']}")
            continue
        same_sets += 1
        for u, v in zip(ca, cb):
            total += 1
            if u[7] == v[7]:
                agree += 1
                continue
            flips[f"{u[7]}->{v[7]}"] += 1
            if shown < 20:
                shown += 1
                t = texts.get(x["nct_id"], "")
                s, e = u[5], u[6]
                ctx = " ".join(t[max(0, s - 120):s].split()[-18:]) + " [[" + t[s:e] + "]] " + " ".join(t[e:e + 80].split()[:10])
                print(f"  {x['nct_id']} {u[1]} {u[2]} {u[3]} negated {u[7]} -> {v[7]}: {ctx}")
    print(f"studies with identical constraint sets: {same_sets}/{len(ra)}")
    print(f"negated agreement: {agree}/{total} = {100.0 * agree / max(1, total):.2f} %  flips {flips}")
    return 0 if diff_hash == 0 else 1


def compare_scopes(limit=None) -> int:
    from critparse import negation
    from critparse.normalize import normalize
    from critparse.pipeline import load
    from critparse.pipeline.components import negation_scopes
    from critparse.segment import segment

    nlp = load("fast")
    bodies = []
    for text, _, _ in corpus(limit):
        nt = normalize(text)
        bodies.extend(nt.text[s.body[0]:s.body[1]] for s in segment(nt))
    same = with_neg = shown = 0
    for body, doc in zip(bodies, nlp.pipe(bodies)):
        a, b = negation_scopes(doc), negation.scopes(body)
        with_neg += bool(a or b)
        # scope ends may differ by trailing whitespace tokens only
        if [x[:3] for x in a] == [x[:3] for x in b]:
            same += 1
        elif shown < 10:
            shown += 1
            print(f"  {body[:200]!r}\n    ConText {a}\n    negation {b}")
    print(f"bodies: {len(bodies)}, with a negation scope: {with_neg}, same scopes: {same} "
          f"({100.0 * same / max(1, len(bodies)):.2f} %)")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", nargs="?")
    ap.add_argument("--mode", default="fast")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--compare", nargs=2, metavar=("A", "B"))
    ap.add_argument("--scopes", action="store_true")
    args = ap.parse_args(argv)
    if args.scopes:
        return compare_scopes(args.limit)
    if args.compare:
        return compare(Path(args.compare[0]), Path(args.compare[1]))
    snapshot(Path(args.out), args.mode, args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
