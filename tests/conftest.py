"""Shared fixtures: the corpora folder (skip where absent) and the seed trial."""

from __future__ import annotations

from pathlib import Path

import pytest

from critparse.config import corpora_dir

SEED_ID = "NCT04532203"


def pytest_configure(config):
    config.addinivalue_line("markers", "issue(n): regression test for issue n")


@pytest.fixture(scope="session")
def corpora() -> Path:
    """../shared/corpora (or CRITPARSE_CORPORA); tests using it skip with a reason where absent."""
    d = corpora_dir()
    if not d.is_dir():
        pytest.skip(f"corpora not found at {d} (set CRITPARSE_CORPORA to run corpus tests)")
    return d


def corpus_file(corpora: Path, rel: str) -> Path:
    p = corpora / rel
    if not p.exists():
        pytest.skip(f"{rel} not found under {corpora}")
    return p


def xml_record(corpora: Path, nct: str) -> str:
    """The criteria text of one record of the legacy-XML corpus (skips where the corpus or the record is absent)."""
    import gzip
    import json

    with gzip.open(corpus_file(corpora, "ctgov_xml_2023/derived/eligibility.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for line in fh:
            if f'"{nct}"' in line[:40]:
                return json.loads(line)["criteria"]
    pytest.skip(f"{nct} not in the XML corpus")


def xml_sample(corpora: Path, start: int, stop: int, step: int):
    """(criteria, nct_id, None) items of every `step`-th record in [start, stop) of the legacy-XML
    corpus that has criteria text (skips where the corpus is absent)."""
    import gzip
    import json
    from itertools import islice

    path = corpus_file(corpora, "ctgov_xml_2023/derived/eligibility.jsonl.gz")
    items = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in islice(fh, start, stop, step):
            r = json.loads(line)
            if (r.get("criteria") or "").strip():
                items.append((r["criteria"], r["nct_id"], None))
    return items


@pytest.fixture(scope="session")
def full():
    """critparse.load("full"): the shipped model and the rule layers."""
    import critparse

    return critparse.load("full")


@pytest.fixture(scope="session")
def fast():
    """critparse.load("fast"): the rule layers alone."""
    import critparse

    return critparse.load("fast")


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed trial's criteria, from the demo corpus in the repository (so it runs on a fresh clone)."""
    return (Path(__file__).resolve().parents[1] / "corpora" / "demo" / f"{SEED_ID}.eligibility.md").read_text(
        encoding="utf-8")


@pytest.fixture(scope="session")
def seed_parsed(seed_text):
    import critparse

    return critparse.parse(seed_text, trial_id=SEED_ID)
