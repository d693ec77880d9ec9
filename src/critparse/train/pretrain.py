"""Unlabelled criteria text for ``spacy pretrain`` and for the static (floret) vectors.

Text, normalised as at run time, one item (blank-line separated paragraph,
whitespace collapsed) per line:

- the eligibility criteria of the 6,786 legacy ClinicalTrials.gov records
  (``ctgov_xml_2023/derived/eligibility.jsonl.gz``), less the Chia dev trials;
- the criterion lines of the Chia *training* trials (never the dev trials);
- the LCT documents (``lct/original/lct_trainval.tar.gz``, text only);
- the API v2 JSON sample (``ctgov_v2_json_sample``).

Any record whose NCT id is a Chia dev trial is left out, so the dev figures
stay free of the dev text.
"""

from __future__ import annotations

import gzip
import json
import re
import tarfile
from pathlib import Path
from typing import Iterator, Optional, Set, Union

from ..normalize import normalize

CTGOV = "ctgov_xml_2023/derived/eligibility.jsonl.gz"
LCT = "lct/original/lct_trainval.tar.gz"
_MARK = re.compile(r"^\s*(?:[-*\u2022]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")
_NCT = re.compile(r"NCT\d{8}")


def items(criteria: str) -> Iterator[str]:
    text = normalize(criteria).text
    for para in re.split(r"\n\s*\n|\n(?=\s*(?:[-*\u2022]|\d{1,2}[.)])\s)", text):
        para = " ".join(_MARK.sub("", para).split())
        if len(para) > 3:
            yield para


def chia_dev_trials(chia: Optional[Path]) -> Set[str]:
    """NCT ids of the Chia dev trials (the split of `brat.is_dev`)."""
    from .brat import is_dev, iter_pairs

    if chia is None or not chia.exists():
        return set()
    return {trial for trial, _, _, _ in iter_pairs(chia) if is_dev(trial)}


def _lct_texts(path: Path) -> Iterator[tuple]:
    with tarfile.open(path, "r:gz") as tf:
        for m in sorted(tf.getmembers(), key=lambda m: m.name):
            if m.isfile() and m.name.endswith(".txt") and "/nic/" in m.name:
                f = tf.extractfile(m)
                if f is not None:
                    yield Path(m.name).stem, f.read().decode("utf-8", errors="replace")


def raw_texts(corpora: Path, chia: Optional[Path] = None) -> Iterator[str]:
    from .brat import is_dev, read_lines

    dev = chia_dev_trials(chia)
    p = corpora / CTGOV
    if p.exists():
        with gzip.open(p, "rt", encoding="utf-8") as f:
            for row in f:
                rec = json.loads(row)
                if rec.get("criteria") and rec.get("nct_id", "") not in dev:
                    yield from items(rec["criteria"])
    if chia is not None and chia.exists():
        for ln in read_lines(chia):
            if not is_dev(ln.trial):
                yield normalize(ln.text).text.strip()
    p = corpora / LCT
    if p.exists():
        for name, text in _lct_texts(p):
            m = _NCT.search(name)
            if not (m and m.group(0) in dev):
                yield from items(text)
    v2 = corpora / "ctgov_v2_json_sample" / "original"
    if v2.exists():
        from ..corpora import v2_sample_records

        for text, trial, _info in v2_sample_records(v2):
            if trial not in dev:
                yield from items(text)


def write_raw(out: Union[str, Path], corpora: Path, chia: Optional[Path] = None) -> int:
    n = 0
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for t in raw_texts(corpora, chia):
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
            n += 1
    return n
