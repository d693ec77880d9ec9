"""Time normalisation (with glued-word splitting) and segmentation on the 6,786
legacy XML records (ClinicalTrials.gov, U.S. NLM), one process, CPU seconds.

    python bench/bench_segment.py            # needs ../shared/corpora (or CRITPARSE_CORPORA)
"""

from __future__ import annotations

import gzip
import json
import time

from critparse import glue
from critparse.config import corpora_dir
from critparse.normalize import normalize
from critparse.segment import segment


def main() -> None:
    path = corpora_dir() / "ctgov_xml_2023/derived/eligibility.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        texts = [json.loads(line).get("criteria") or "" for line in f]
    t0 = time.process_time()
    glue.vocab(), glue.english(), glue._common()
    t1 = time.process_time()
    nts = [normalize(t) for t in texts]
    t2 = time.process_time()
    n = sum(len(segment(nt)) for nt in nts)
    t3 = time.process_time()
    chars = sum(map(len, texts))
    print(f"{len(texts)} records, {chars / 1e6:.1f} M chars, {n} criteria")
    print(f"load vocabularies {t1 - t0:.2f} s | normalise {t2 - t1:.2f} s | segment {t3 - t2:.2f} s | "
          f"total {t3 - t1:.2f} s CPU ({(t3 - t1) / len(texts) * 1000:.2f} ms/record; "
          f"500,000 records ~ {(t3 - t1) / len(texts) * 500_000 / 60:.0f} min on one core)")


if __name__ == "__main__":
    main()
