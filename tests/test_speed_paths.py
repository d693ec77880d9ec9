"""The shortcuts taken for speed give what the plain paths give: the thresholded 3-gram query, the
pint registry read through its disk cache, constraint dicts without `dataclasses.asdict`."""

from __future__ import annotations

import dataclasses

import pytest

from critparse import units
from critparse.constraints import _found, extract
from critparse.linking.ngrams import NgramIndex

NAMES = ["epilepsy", "epileptic seizures", "febrile seizure", "seizure disorder", "chronic kidney disease",
         "kidney disease", "acute kidney injury", "hypertension", "pulmonary hypertension", "diabetes mellitus",
         "type 2 diabetes mellitus", "type 1 diabetes mellitus", "heart failure", "congestive heart failure"]
QUERIES = ["epilepsy", "epilepsies", "seizure disorders", "kidney diseases", "chronic kidney disease stage 3",
           "hypertenson", "diabetes", "type II diabetes mellitus", "heart failure nyha iii", "zzzz", "kidney"]


@pytest.mark.parametrize("min_score", [0.3, 0.5, 0.8, 0.95])
@pytest.mark.parametrize("text", QUERIES)
def test_thresholded_query_keeps_exactly_the_names_above_it(text, min_score):
    ix = NgramIndex.build(NAMES, payload=list(range(len(NAMES))))
    every = ix.query(text, k=len(NAMES))  # every name sharing a 3-gram, scored
    want = [(row, score) for row, score in every if score >= min_score]
    got = ix.query(text, k=len(NAMES), min_score=min_score)
    assert [row for row, _ in got] == [row for row, _ in want]
    assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-6)  # float32 vs float64 sums
    assert ix.query(text, k=2, min_score=min_score) == got[:2]


def test_thresholded_query_finds_a_misspelling_and_rejects_noise():
    ix = NgramIndex.build(NAMES)
    hits = ix.query("hypertenson", k=3, min_score=0.6)
    assert hits and NAMES[hits[0][0]] == "hypertension"
    assert ix.query("zzzz", k=3, min_score=0.1) == []


def test_unit_registry_through_a_disk_cache_converts_the_same(tmp_path):
    import pint

    for _ in range(2):  # the second build reads pint's cache written by the first
        ureg = units._registry(pint, tmp_path / "pint")
        q = ureg.Quantity(1.0, "mg/dL").to("g/L")
        assert q.magnitude == pytest.approx(0.01)
        assert ureg.Quantity(38.0, "degC").to("degF").magnitude == pytest.approx(100.4)
    assert any((tmp_path / "pint").iterdir())
    assert units.convert(100.4, "[degF]", "Cel") == pytest.approx(38.0)
    assert units.convert(1.0, "mg/dL", "umol/L", subject="creatinine") == pytest.approx(88.4, abs=0.01)


@pytest.mark.parametrize("text", [
    "Serum creatinine > 1.5 mg/dL or creatinine clearance < 60 mL/min",
    "Age 18 to 75 years",
    "ECOG performance status 0, 1 or 2",
    "Hemoglobin >= 9 g/dL; platelets >= 100,000/mm3",
])
def test_constraint_dicts_are_what_asdict_gives(text):
    found = _found(text, None)
    assert found, text
    dicts = extract(text)
    assert dicts == [dataclasses.asdict(f) for f in found]
    for d, f in zip(dicts, found):  # copies: editing a dict leaves the record alone
        if d["normalized"] is not None:
            assert d["normalized"] is not f.normalized
        if d["values"] is not None:
            assert d["values"] is not f.values
