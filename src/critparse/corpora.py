"""Readers of the shared corpora, in one place (tests, notebooks, `critparse check --corpus`).

Each reader yields ``(criteria text, trial id, TrialInfo)`` triples, the input of
`critparse.parse_many`. The corpora folder is `critparse.config.corpora_dir()`
(``CRITPARSE_CORPORA``, default ``../shared/corpora`` beside the checkout).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Iterator, Optional, Tuple

from .config import corpora_dir
from .records import TrialInfo

Item = Tuple[str, Optional[str], TrialInfo]


def xml_records(path: Optional[Path] = None, limit: Optional[int] = None) -> Iterator[Item]:
    """The 6,786 legacy XML records, from their derived JSON Lines (ctgov_xml_2023/derived/eligibility.jsonl.gz)."""
    path = Path(path) if path is not None else corpora_dir() / "ctgov_xml_2023" / "derived" / "eligibility.jsonl.gz"
    opener = gzip.open if path.suffix == ".gz" else open
    n = 0
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if limit is not None and n >= limit:
                return
            d = json.loads(line)
            hv = d.get("healthy_volunteers")
            info = TrialInfo(sex=(d.get("gender") or None) and d["gender"].lower(),
                             minimum_age=d.get("minimum_age"), maximum_age=d.get("maximum_age"),
                             healthy_volunteers=None if hv is None else hv.lower().startswith("accepts"),
                             source_format="ctgov_xml")
            n += 1
            yield d.get("criteria") or "", d.get("nct_id"), info


def v2_sample_records(folder: Optional[Path] = None) -> Iterator[Item]:
    """The distinct studies of the API v2 JSON sample (ctgov_v2_json_sample/original/*.json), first copy of each,
    read by the batch reader's `from_v2_study`."""
    from .batch.readers import from_v2_study

    folder = Path(folder) if folder is not None else corpora_dir() / "ctgov_v2_json_sample" / "original"
    seen = set()
    for path in sorted(folder.glob("*.json")):
        for study in json.loads(path.read_text(encoding="utf-8")):
            rec = from_v2_study(study, str(path))
            if rec.error or not rec.text or rec.trial_id in seen:
                continue
            seen.add(rec.trial_id)
            yield rec.text, rec.trial_id, rec.info
