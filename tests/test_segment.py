"""Segmentation into a criteria tree, on the seed and on real registry records."""

from __future__ import annotations

import gzip
import json

import pytest

from conftest import corpus_file
from critparse.normalize import normalize
from critparse.segment import segment


def crits(text):
    return [s.criterion for s in segment(normalize(text))]


def test_seed_tree(seed_text):
    cs = crits(seed_text)
    by = {c.id: c for c in cs}
    assert by["inc.1"].role == "group" and by["inc.1"].cohort == "B-ALL"
    assert by["inc.2"].cohort == "B-NHL" and by["inc.3"].cohort is None
    assert [c.id for c in cs if c.parent == "inc.1"] == [f"inc.1.{i}" for i in range(1, 6)]
    assert len([c for c in cs if c.parent == "inc.2"]) == 4
    assert len([c for c in cs if c.parent == "inc.3"]) == 7
    assert by["inc.1.3"].logic == "any" and len([c for c in cs if c.parent == "inc.1.3"]) == 4
    assert by["inc.2.3"].logic == "any" and len([c for c in cs if c.parent == "inc.2.3"]) == 3
    assert by["inc.1.3.2"].clean_text.startswith("CR achieved following the first induction")
    assert all(by[f"inc.1.{i}"].cohort == "B-ALL" for i in range(1, 6))
    assert by["inc.1.3.4"].cohort == "B-ALL" and by["inc.1.3.4"].depth == 2
    notes = [c for c in cs if c.role == "note"]
    assert len(notes) == 1 and notes[0].kind == "exclusion" and "any of the following" in notes[0].text
    exc = [c for c in cs if c.kind == "exclusion" and c.role == "item"]
    assert [c.id for c in exc] == [f"exc.{i}" for i in range(1, 12)]
    assert by["exc.8"].number == "8." and by["exc.8"].text.startswith("Creatinine\\>2.5mg/dl")
    for c in cs:
        assert seed_text[c.start:c.end] == c.text


def test_empty_and_headless():
    assert crits("") == []
    cs = crits("Age 18 or older. Able to give consent.")
    assert [c.kind for c in cs] == ["inclusion", "inclusion"] and cs[0].section is None


LEGACY = (
    "\r\n        DISEASE CHARACTERISTICS:\r\n\r\n          -  Histologically confirmed adenocarcinoma of the\r\n"
    "             prostate\r\n\r\n        PATIENT CHARACTERISTICS:\r\n\r\n          Age:\r\n\r\n          -  18 and over\r\n\r\n"
    "          Hepatic:\r\n\r\n          -  Bilirubin no greater than 2.0 mg/dL\r\n\r\n        PRIOR CONCURRENT THERAPY:\r\n\r\n"
    "          -  No prior chemotherapy\r\n      "
)


def test_nci_headings_and_hard_wraps():
    cs = crits(LEGACY)
    assert all(c.kind == "inclusion" for c in cs)
    sections = {c.section for c in cs}
    assert {"DISEASE CHARACTERISTICS:", "PATIENT CHARACTERISTICS:", "PRIOR CONCURRENT THERAPY:"} <= sections
    wrapped = [c for c in cs if c.clean_text.startswith("Histologically")][0]
    assert wrapped.clean_text == "Histologically confirmed adenocarcinoma of the prostate"
    age = [c for c in cs if c.clean_text == "Age:"][0]
    assert age.role == "group"
    assert [c.clean_text for c in cs if c.parent == age.id] == ["18 and over"]
    hep = [c for c in cs if c.clean_text == "Hepatic:"][0]
    assert [c.clean_text for c in cs if c.parent == hep.id] == ["Bilirubin no greater than 2.0 mg/dL"]


def test_v2_markdown_nesting_and_exclusion():
    text = ("Inclusion Criteria:\n\n* Adults aged 18 to 65\n* One of the following:\n  * HbA1c \\>= 7%\n  * fasting glucose \\> 126 mg/dL\n\n"
            "Exclusion Criteria:\n\n* Pregnancy\n* eGFR \\< 30 mL/min/1.73m2")
    cs = crits(text)
    by = {c.id: c for c in cs}
    assert by["inc.2"].logic == "any" and [c.id for c in cs if c.parent == "inc.2"] == ["inc.2.1", "inc.2.2"]
    assert [c.clean_text for c in cs if c.kind == "exclusion"] == ["Pregnancy", "eGFR < 30 mL/min/1.73m2"]


@pytest.mark.parametrize("heading,kind", [
    ("Key Inclusion Criteria:", "inclusion"), ("EXCLUSION CRITERIA", "exclusion"),
    ("Exclusion criteria include:", "exclusion"), ("Key Exclusion Criteria", "exclusion"),
])
def test_heading_variants(heading, kind):
    cs = crits(f"{heading}\n1. Item one\n2. Item two")
    assert [c.kind for c in cs] == [kind, kind]


def test_every_legacy_record_segments(corpora):
    f = corpus_file(corpora, "ctgov_xml_2023/derived/eligibility.jsonl.gz")
    n = 0
    with gzip.open(f, "rt", encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line).get("criteria") or ""
            for c in crits(text):
                assert 0 <= c.start <= c.end <= len(text)
                assert text[c.start:c.end] == c.text
                if c.role == "item":
                    assert c.clean_text
            n += 1
    assert n == 6786


def test_every_v2_record_parses(corpora):
    import critparse

    nlp = critparse.load("fast")
    n = with_exclusion = 0
    for f in sorted((corpora / "ctgov_v2_json_sample/original").glob("*.json")):
        for study in json.loads(f.read_text(encoding="utf-8")):
            text = study["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
            p = critparse.parse(text, trial_id=study["protocolSection"]["identificationModule"]["nctId"], nlp=nlp)
            n += 1
            with_exclusion += any(c.kind == "exclusion" for c in p.criteria)
            assert p.criteria
            for r in [*p.criteria, *p.constraints]:
                assert text[r.start:r.end] == r.text
    assert n == 61 and with_exclusion >= 55
