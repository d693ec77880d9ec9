"""critparse.negation: ConText's negation of constraints without a spaCy Doc (the fast path of parse_many),
checked against the spaCy fast pipeline (medspaCy ConText + critparse_constraint_negation)."""

from __future__ import annotations

import json

import pytest

import critparse
from critparse import negation, parser
from critparse.constraints import extract
from critparse.pipeline import context_rules, load
from critparse.pipeline.components import negation_scopes

from conftest import xml_sample


TRICKY = [
    "Patients without platelet count < 50 x 10^9/L",
    "No active infection, blood oxygen saturation >= 92%",
    "ALT not exceeding 3 x ULN; no hepatitis",
    "Creatinine no\n        more than 1.5 mg/dL Creatinine at least 60 mL/min",  # no phrase across a newline
    "Creatinine no  more than 1.5 mg/dL",  # nor across two spaces
    "Hemoglobin less than 11 g/dL AND/OR Platelet count less than 100,000/mm3 not allowed",
    "any acute illness that had not resolved when CD4 cell counts were obtained; active tuberculosis",
    "Patients who cannot tolerate TKI treatments, no prior therapy",
    "unresectable non- small cell lung cancer Stage IIIA or IIIB",
    "Stage IV disease comprised of T4 NO-3 lesions",
    "recurrent -No CNS primary or metastatic disease",
    "Keryx Study No.101-301. no bilirubin > 2",
    "will be not be excluded providing the volume of bone marrow treated is less than 10%",
    "in situ cervical cancer within 5 years prior to study entry are not excluded. Age > 18",
    "No history of MI e.g. within 6 months. Creatinine < 2 mg/dL. HIV was negative",
    "no hepatitis (e.g. HBV). ALT < 3 x ULN! No HIV? none of: bilirubin > 2 mg/dL",
    "Negative for HIV or negative on HBsAg test, LVEF >= 50%",
    "Not pregnant 5;6 no more than 2 lines, no chemotherapy within 4 weeks",
    "free of disease for at least 5 years, but no brain metastases",
    "No-go zone; nothing else. Not otherwise specified",
]


@pytest.mark.parametrize("text", TRICKY)
def test_scopes_are_contexts(fast, text):
    assert [s[:3] for s in negation.scopes(text)] == [s[:3] for s in negation_scopes(fast(text))]


@pytest.mark.parametrize("text", TRICKY)
def test_constraint_flags_are_contexts(fast, text):
    doc = fast(text)
    got = negation.negate_constraints(text, extract(text))
    assert [c["negated"] for c in got] == [c["negated"] for c in doc._.constraints]


def test_literal_tokens_are_the_tokenizers(fast):
    for rule in context_rules():
        assert negation._literal_tokens(rule.literal) == [t.lower_ for t in fast.tokenizer(rule.literal)], rule.literal


def test_rules_come_from_the_data_file():
    r = negation.rules()
    assert r.by_key["no more than"][0] == "PSEUDO"
    assert r.by_key["negative on"] == ("NEGATED_EXISTENCE", "FORWARD", 2)  # the token pattern rule
    assert r.by_key["excluded"][1] == "BACKWARD"
    assert r.punct_terminators == [",", ";"]


def test_negated_and_not():
    cons = negation.negate_constraints("No prior chemotherapy within 4 weeks", extract("No prior chemotherapy within 4 weeks"))
    assert cons and all(c["negated"] for c in cons)
    cons = negation.negate_constraints("Bilirubin not exceeding 2 mg/dL", extract("Bilirubin not exceeding 2 mg/dL"))
    assert cons and not any(c["negated"] for c in cons)


def _spacy_fast(items):
    """parse_many's spaCy path (one Doc per criterion) in fast mode, as it was before the direct path."""
    nlp = load("fast")
    pending = []
    from critparse.normalize import normalize
    from critparse.segment import segment

    for text, tid, info in items:
        nt = normalize(text)
        pending.append((text, tid, info, nt, segment(nt)))
    return list(parser._run_docs(pending, nlp))


def _dicts(trials):
    return [json.dumps(t.to_dict(), sort_keys=True) for t in trials]


def test_direct_fast_path_equals_the_spacy_pipeline(seed_text):
    items = [(seed_text, "seed", None), ("Age:\n\n- 18 and over\n\nNo HIV. Bilirubin < 2 mg/dL", "t2", None)]
    parser.clear_fast_cache()
    direct = list(critparse.parse_many(items, mode="fast"))
    assert _dicts(direct) == _dicts(_spacy_fast(items))
    # and again from the cache
    assert _dicts(list(critparse.parse_many(items, mode="fast"))) == _dicts(direct)


def test_direct_fast_path_on_xml_sample(corpora):
    items = xml_sample(corpora, 0, 3000, 15)
    parser.clear_fast_cache()
    cold = _dicts(critparse.parse_many(items, mode="fast"))
    assert cold == _dicts(_spacy_fast(items))
    assert _dicts(critparse.parse_many(items, mode="fast")) == cold  # warm cache


def test_custom_pipeline_still_gets_docs(fast):
    # a pipeline other than load("fast") is run as given
    calls = []

    class Spy:
        def pipe(self, texts):
            texts = list(texts)
            calls.append(len(texts))
            return fast.pipe(texts)

    out = list(critparse.parse_many([("Age >= 18 years", "t", None)], nlp=Spy(), mode="fast"))
    assert calls and out[0].constraints[0].value == 18.0
