"""Criteria trees of `critparse.segment` over the legacy XML dump and the API v2 sample, to compare two versions.

    python tools/segment_snapshot.py OUT.jsonl.gz            # writes one line per record
    python tools/segment_snapshot.py --compare A.jsonl.gz B.jsonl.gz [--show N]

A record's tree is the list of its criteria as (id, parent, kind, cohort, logic, number, role, depth,
section, start, end, clean_text, body span).  `--compare` counts the records whose tree differs and prints the first N diffs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path


def records():
    from critparse.config import corpora_dir

    root = corpora_dir()
    with gzip.open(root / "ctgov_xml_2023/derived/eligibility.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            yield "xml", r["nct_id"], r.get("criteria") or ""
    seen = set()
    for path in sorted((root / "ctgov_v2_json_sample/original").glob("*.json")):
        for st in json.loads(path.read_text(encoding="utf-8")):
            ps = st["protocolSection"]
            nct = ps["identificationModule"]["nctId"]
            if nct not in seen:
                seen.add(nct)
                yield "v2", nct, ps.get("eligibilityModule", {}).get("eligibilityCriteria") or ""


def tree(text: str):
    from critparse.normalize import normalize
    from critparse.segment import segment

    return [[c.id, c.parent, c.kind, c.cohort, c.logic, c.number, c.role, c.depth, c.section, c.start, c.end,
             c.clean_text, list(s.body)] for s, c in ((s, s.criterion) for s in segment(normalize(text)))]


def snapshot(out: Path) -> None:
    with gzip.open(out, "wt", encoding="utf-8") as fh:
        for src, nct, text in records():
            fh.write(json.dumps({"src": src, "nct_id": nct, "tree": tree(text)}) + "\n")


def compare(a: Path, b: Path, show: int) -> None:
    texts = {(s, n): t for s, n, t in records()}
    ra = [json.loads(x) for x in gzip.open(a, "rt", encoding="utf-8")]
    rb = [json.loads(x) for x in gzip.open(b, "rt", encoding="utf-8")]
    counts = {}
    shown = 0
    for x, y in zip(ra, rb):
        counts.setdefault(x["src"], [0, 0])
        counts[x["src"]][0] += 1
        if x["tree"] == y["tree"]:
            continue
        counts[x["src"]][1] += 1
        if shown < show:
            shown += 1
            text = texts[(x["src"], x["nct_id"])]
            print(f"== {x['src']} {x['nct_id']}")
            old = {tuple(map(str, c)) for c in x["tree"]}
            new = {tuple(map(str, c)) for c in y["tree"]}
            for c in x["tree"]:
                if tuple(map(str, c)) not in new:
                    print("  -", c[:9], repr(text[c[9]:c[10]][:90]))
            for c in y["tree"]:
                if tuple(map(str, c)) not in old:
                    print("  +", c[:9], repr(text[c[9]:c[10]][:90]))
    for src, (n, d) in counts.items():
        print(f"{src}: {d} of {n} records differ")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?")
    ap.add_argument("--compare", nargs=2)
    ap.add_argument("--show", type=int, default=20)
    args = ap.parse_args()
    if args.compare:
        compare(Path(args.compare[0]), Path(args.compare[1]), args.show)
    else:
        snapshot(Path(args.out))
        print("written", args.out, file=sys.stderr)


if __name__ == "__main__":
    main()
