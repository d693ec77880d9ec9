"""Unlabelled criteria text for ``spacy pretrain`` (character objective) of the tok2vec layer.

Text: the eligibility criteria of the 6,786 legacy ClinicalTrials.gov records
(``ctgov_xml_2023/derived/eligibility.jsonl.gz``) and the criterion lines of
the Chia *training* trials (never the dev trials), normalised as at run time,
one item (blank-line separated paragraph, whitespace collapsed) per line.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Iterator, Optional, Union

from ..normalize import normalize

CTGOV = "ctgov_xml_2023/derived/eligibility.jsonl.gz"
_MARK = re.compile(r"^\s*(?:[-*\u2022]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")


def items(criteria: str) -> Iterator[str]:
    text = normalize(criteria).text
    for para in re.split(r"\n\s*\n", text):
        para = " ".join(_MARK.sub("", para).split())
        if len(para) > 3:
            yield para


def raw_texts(corpora: Path, chia: Optional[Path] = None) -> Iterator[str]:
    from .brat import is_dev, read_lines

    p = corpora / CTGOV
    if p.exists():
        with gzip.open(p, "rt", encoding="utf-8") as f:
            for row in f:
                rec = json.loads(row)
                if rec.get("criteria") and not is_dev(rec.get("nct_id", "")):
                    yield from items(rec["criteria"])
    if chia is not None and chia.exists():
        for ln in read_lines(chia):
            if not is_dev(ln.trial):
                yield normalize(ln.text).text.strip()


def write_raw(out: Union[str, Path], corpora: Path, chia: Optional[Path] = None) -> int:
    n = 0
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for t in raw_texts(corpora, chia):
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
            n += 1
    return n
