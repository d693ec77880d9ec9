"""Constraint extraction: a table of hand-checked real criteria lines, and focused cases.

tests/data/constraints_cases.jsonl: one real criterion line a row (source: trial id and
corpus), with the constraints a clinician would want; `subject: null` means any subject
name (a free head phrase, not a lexicon subject).  Known gaps carry `xfail` (strict)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from critparse.constraints import extract
from critparse.normalize import normalize

from conftest import corpus_file

CASES = [json.loads(l) for l in (Path(__file__).parent / "data" / "constraints_cases.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]


def _key(c):
    return (c["op"], round(float(c["value"]), 6), c["unit"], c["relative_to"])


def _got(text):
    return extract(normalize(text).text)


def _check(expected, got):
    remaining = list(got)
    for e in expected:
        hit = next((g for g in remaining if _key(g) == _key(e) and (e["subject"] is None or g["subject"] == e["subject"])), None)
        assert hit is not None, f"missing {e}; got {[(g['subject'], g['op'], g['value'], g['unit'], g['relative_to']) for g in got]}"
        remaining.remove(hit)
    assert not remaining, f"unexpected {[(g['subject'], g['op'], g['value'], g['unit']) for g in remaining]}"


def _params():
    for i, case in enumerate(CASES):
        cid = f"{i:02d}-{case['source'].split()[0]}-{case['text'][:40]}"
        marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if case.get("xfail") else []
        yield pytest.param(case, id=cid, marks=marks)


@pytest.mark.parametrize("case", list(_params()))
def test_case_table(case):
    _check(case["expected"], _got(case["text"]))


def test_table_is_large_and_varied():
    assert len(CASES) >= 60
    assert len({c["source"].split("(")[1] for c in CASES}) >= 4


def test_range_gives_two_bounds_sharing_the_span():
    got = _got("Age between 18 and 75 years")
    assert [(c["op"], c["value"]) for c in got] == [(">=", 18.0), ("<=", 75.0)]
    assert got[0]["start"] == got[1]["start"] and got[0]["end"] == got[1]["end"]


def test_list_shares_one_threshold():
    got = _got("ALT and AST ≤ 3 x ULN")
    assert {(c["subject"], c["op"], c["value"], c["relative_to"]) for c in got} == {("alt", "<=", 3.0, "ULN"), ("ast", "<=", 3.0, "ULN")}


def test_alternative_threshold_in_parentheses_keeps_the_list():
    got = _got("AST/ALT <= 2.5 x ULN (<= 5 x ULN if liver metastases)")
    assert {(c["subject"], c["value"]) for c in got} == {("ast", 2.5), ("alt", 2.5), ("ast", 5.0), ("alt", 5.0)}


def test_uln_and_lln():
    assert [(c["relative_to"], c["value"]) for c in _got("bilirubin < 1.5 times the upper limit of normal")] == [("ULN", 1.5)]
    assert [(c["subject"], c["op"], c["relative_to"]) for c in _got("Serum albumin >= 1 x LLN")] == [("albumin", ">=", "LLN")]


@pytest.mark.parametrize("text", ["Lymphoma staged by Lugano 2014 criteria", "CD19+ B-cell lymphoma", "HER2 positive breast cancer",
                                  "graded by CTCAE (2016.v1)", "FLT3-ITD mutation", "COVID-19 infection"])
def test_no_constraint_from_dates_versions_gene_names(text):
    assert _got(text) == []


@pytest.mark.parametrize("text,expected", [
    ("over the age of 18", ("age", ">", 18.0)),
    ("18 years or older", ("age", ">=", 18.0)),
    ("Participants 18 years of age or older", ("age", ">=", 18.0)),
    ("ANC ≥1.5 x 10^9/L", ("anc", ">=", 1.5)),
    ("absolute neutrophil count >= 1,500/mm3", ("anc", ">=", 1500.0)),
])
def test_common_formats(text, expected):
    got = _got(text)
    assert [(c["subject"], c["op"], c["value"]) for c in got] == [expected]


def test_empty_and_numberless_text():
    assert extract("") == []
    assert extract("No history of stroke") == []


def test_every_xml_record_extracts_with_valid_offsets(corpora):
    path = corpus_file(corpora, "ctgov_xml_2023/derived/eligibility.jsonl.gz")
    n = 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            text = normalize(rec.get("criteria") or "").text
            for c in extract(text):
                assert 0 <= c["start"] <= c["end"] <= len(text), (rec["nct_id"], c)
                assert c["op"] in ("<", "<=", ">", ">=", "=", "!=")
            n += 1
    assert n == 6786
