"""Share of constraints that carry a measurable concept, on the v2 sample and the first N legacy XML
records (fast mode), and the concepts by kind.

    PYTHONPATH=src python tools/concept_coverage.py [--xml 1000] [--mode fast]

"non_temporal" leaves out time windows (category "temporal"). "subject in the lexicon" counts constraints whose subject is a name of the subject lexicon (the only
reading before concepts existed: Constraint.concept was never set); "concept" counts constraints
with Constraint.concept set.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Dict, Iterable

import critparse
from critparse import corpora, lexicon


def coverage(items: Iterable, mode: str) -> Dict[str, object]:
    n = with_concept = in_lexicon = non_temporal = non_temporal_concept = 0
    top: Counter = Counter()
    missing: Counter = Counter()
    names = set(lexicon.subjects())
    for parsed in critparse.parse_many(items, mode=mode):
        for c in parsed.constraints:
            n += 1
            in_lexicon += c.subject in names
            if c.category != "temporal":  # time windows since an event measure no concept
                non_temporal += 1
                non_temporal_concept += bool(getattr(c, "concept", None))
            if getattr(c, "concept", None):
                with_concept += 1
                top[c.concept] += 1
            else:
                missing[c.subject] += 1
    return {"constraints": n, "concept": with_concept, "concept_share": round(with_concept / max(n, 1), 3),
            "non_temporal": non_temporal, "non_temporal_concept_share": round(non_temporal_concept / max(non_temporal, 1), 3),
            "subject_in_lexicon": in_lexicon, "lexicon_share": round(in_lexicon / max(n, 1), 3),
            "top_concepts": top.most_common(15), "top_subjects_without_concept": missing.most_common(25)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--xml", type=int, default=1000)
    ap.add_argument("--mode", default="fast")
    args = ap.parse_args()
    out = {}
    try:
        from critparse import concepts

        out["concepts_by_kind"] = concepts.kinds_count()
        out["concepts"] = len(concepts.all_concepts())
    except ImportError:
        pass
    out["v2_sample"] = coverage(corpora.v2_sample_records(), args.mode)
    out[f"xml_{args.xml}"] = coverage(corpora.xml_records(limit=args.xml), args.mode)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
