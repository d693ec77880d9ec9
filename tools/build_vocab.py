"""Build src/critparse/resources/vocab.tsv.gz: word frequencies for glued-word splitting.

Source text (read from $CRITPARSE_CORPORA, default ../shared/corpora):

- ClinicalTrials.gov records, U.S. National Library of Medicine (public domain;
  "ClinicalTrials.gov, U.S. National Library of Medicine"): every text field of
  the 6,786 legacy XML records in ``ctgov_xml_2023/original/ctgov_xml_6786.tar.gz``
  (titles, summaries, descriptions, eligibility criteria, keywords) when that
  archive is there, else the criteria of ``ctgov_xml_2023/derived/eligibility.jsonl.gz``;
- the Chia criteria texts (Kury et al. 2020, Sci Data 7:281, CC BY 4.0),
  ``chia/original/chia_with_scope_trainval.zip``.

Words are lower-cased runs of ASCII letters.  Kept: words seen at least
MIN_COUNT times.  Dropped: glue artefacts, i.e. a rare word (not in the
SCOWL English list) that the same corpus at least three times as often writes
as two words ("flowcytometry" beside "flow cytometry"), so the splitter does
not take a lost line break for a real word.

    python tools/build_vocab.py            # rewrites the resource, prints a summary
"""

from __future__ import annotations

import collections
import gzip
import html
import json
import re
import sys
import tarfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from critparse.config import corpora_dir  # noqa: E402

MIN_COUNT = 2
MAX_ARTEFACT = 5
WORD = re.compile(r"[A-Za-z]+")
TOKEN = re.compile(r"\S+")
ALPHA = re.compile(r"[a-z]{2,}")
TAG = re.compile(r"<[^>]+>")
SOURCE = ("# source: word counts from ClinicalTrials.gov records (U.S. National Library of Medicine, public domain: "
          "6,786 legacy XML records, Feb 2023 extract) and Chia criteria texts (Kury et al. 2020, CC BY 4.0); "
          "built by tools/build_vocab.py")


def texts(root: Path):
    tar = root / "ctgov_xml_2023/original/ctgov_xml_6786.tar.gz"
    if tar.exists():
        with tarfile.open(tar) as tf:
            for m in tf:
                if m.isfile() and m.name.endswith(".xml"):
                    raw = tf.extractfile(m).read().decode("utf-8", "replace")
                    yield html.unescape(TAG.sub(" ", raw))
    else:
        with gzip.open(root / "ctgov_xml_2023/derived/eligibility.jsonl.gz", "rt", encoding="utf-8") as f:
            for line in f:
                yield json.loads(line).get("criteria") or ""
    with zipfile.ZipFile(root / "chia/original/chia_with_scope_trainval.zip") as z:
        for name in sorted(z.namelist()):
            if name.endswith(".txt"):
                yield z.read(name).decode("utf-8", "replace")


def count(root: Path):
    uni: collections.Counter = collections.Counter()
    bi: collections.Counter = collections.Counter()
    for t in texts(root):
        t = t.lower()
        uni.update(WORD.findall(t))
        prev = None
        for tok in TOKEN.findall(t):
            # a bigram is two whole alphabetic words separated by whitespace ("flow cytometry,")
            core = tok.rstrip(".,;:)")
            w = core if ALPHA.fullmatch(core) else None
            if prev and w:
                bi[(prev, w)] += 1
            prev = w if core == tok else None
    return uni, bi


def glue_artefacts(uni, bi, english):
    """Rare words (seen at most MAX_ARTEFACT times) that the corpus writes as two
    words at least three times as often, split where the splitter would accept
    a function word ("atleast", "flowcytometry"; not "aspart", "arrestin")."""
    from critparse.glue import NOFIRST, NOLAST

    out = set()
    for w, c in uni.items():
        if len(w) < 6 or w in english or c > MAX_ARTEFACT:
            continue
        for i in range(2, len(w) - 1):
            a, b = w[:i], w[i:]
            n = bi.get((a, b), 0)
            if n >= 3 and n >= 3 * c and a not in NOFIRST and b not in NOLAST:
                out.add(w)
                break
    return out


def main() -> None:
    root = corpora_dir()
    repo = Path(__file__).resolve().parents[1]
    english = set(gzip.decompress((repo / "src/critparse/resources/english_words.txt.gz").read_bytes())
                  .decode("utf-8").split("\n"))
    uni, bi = count(root)
    drop = glue_artefacts(uni, bi, english)
    out = repo / "src/critparse/resources/vocab.tsv.gz"
    kept = 0
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as raw:
        f = raw
        f.write((SOURCE + "\n").encode())
        for w, c in sorted(uni.items(), key=lambda kv: (-kv[1], kv[0])):
            if c >= MIN_COUNT and w not in drop:
                f.write(f"{w}\t{c}\n".encode())
                kept += 1
    print(f"{out}: {kept} words, {len(drop)} glue artefacts dropped (e.g. {sorted(drop)[:12]}), "
          f"{out.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
