"""Build src/critparse/resources/vocab.tsv.gz: word frequencies for glued-word splitting.

Source text: the eligibility criteria of the 6,786 ClinicalTrials.gov legacy XML
records (ClinicalTrials.gov, U.S. National Library of Medicine; public domain)
and the Chia criteria texts (Kury et al. 2020, CC BY 4.0), read from
$CRITPARSE_CORPORA (default ../shared/corpora).  Only words seen at least
MIN_COUNT times are kept, lower-cased, with their counts.

    python tools/build_vocab.py
"""

from __future__ import annotations

import collections
import gzip
import json
import re
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from critparse.config import corpora_dir  # noqa: E402

MIN_COUNT = 3
WORD = re.compile(r"[A-Za-z]+")


def main() -> None:
    root = corpora_dir()
    counts: collections.Counter = collections.Counter()
    with gzip.open(root / "ctgov_xml_2023/derived/eligibility.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            counts.update(w.lower() for w in WORD.findall(json.loads(line).get("criteria") or ""))
    with zipfile.ZipFile(root / "chia/original/chia_with_scope_trainval.zip") as z:
        for name in z.namelist():
            if name.endswith(".txt"):
                counts.update(w.lower() for w in WORD.findall(z.read(name).decode("utf-8", "replace")))
    out = Path(__file__).resolve().parents[1] / "src/critparse/resources/vocab.tsv.gz"
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("# source: word counts from ClinicalTrials.gov legacy XML eligibility text (U.S. NLM, public domain) "
                "and Chia criteria (Kury et al. 2020, CC BY 4.0); built by tools/build_vocab.py\n")
        for w, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if c >= MIN_COUNT:
                f.write(f"{w}\t{c}\n")
    print(out, sum(1 for c in counts.values() if c >= MIN_COUNT), "words")


if __name__ == "__main__":
    main()
