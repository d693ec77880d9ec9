"""critparse.load(): the shipped model (full), the rule-only pipeline (fast), tokenizer, rule layers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin

import critparse
from critparse.errors import CritparseError
from critparse.pipeline import MODEL_NAME, load, model_path
from critparse.pipeline.components import lexicon_terms, pattern_terms
from critparse.pipeline.tokenizer import blank

FULL_PIPES = ["tok2vec", "ner", "critparse_term_ruler", "critparse_clauses", "abbreviation_detector",
              "medspacy_context", "critparse_constraints", "critparse_constraint_negation"]


@pytest.mark.parametrize(
    "text,tokens",
    [
        ("<=3", ["<=", "3"]),
        (">2.5mg/dl", [">", "2.5", "mg", "/", "dl"]),
        ("50%", ["50", "%"]),
        ("ANC >= 1.5x10^9/L", ["ANC", ">=", "1.5", "x", "10", "^", "9", "/", "L"]),
        ("< 3 x ULN", ["<", "3", "x", "ULN"]),
        ("3xULN", ["3", "x", "ULN"]),
        ("CD19+ B-ALL", ["CD19", "+", "B", "-", "ALL"]),
        ("ALT/AST", ["ALT", "/", "AST"]),
        ("HbA1c 7.5%", ["HbA1c", "7.5", "%"]),
        ("ECOG=1", ["ECOG", "=", "1"]),
        ("1st line", ["1st", "line"]),
        ("Ph- patients", ["Ph", "-", "patients"]),
        ("aged 3-70 years;", ["aged", "3", "-", "70", "years", ";"]),
    ],
)
def test_tokenizer(text, tokens):
    assert [t.text for t in blank()(text)] == tokens


def test_tokenizer_is_registered_and_serialised(full):
    assert spacy.registry.tokenizers.get("critparse.tokenizer.v1")
    assert full.config["nlp"]["tokenizer"]["@tokenizers"] == "critparse.tokenizer.v1"
    assert [t.text for t in full.make_doc("Creatinine>2.5mg/dl")] == ["Creatinine", ">", "2.5", "mg", "/", "dl"]


def test_shipped_model_is_found_and_small():
    p = model_path()
    assert p.name == MODEL_NAME and (p / "config.cfg").is_file()
    size = sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
    assert size < 50 * 1024 * 1024


def test_full_pipeline_components_and_labels(full):
    assert full.pipe_names == FULL_PIPES
    labels = set(full.get_pipe("ner").labels)
    assert {"Condition", "Drug", "Procedure", "Measurement", "Value", "Temporal", "Negation"} <= labels
    assert not any(full.analyze_pipes(pretty=False)["problems"].values())


def test_load_is_cached(full):
    assert load("full") is full
    assert load("fast") is load("fast")


def test_fast_pipeline_has_no_statistical_model(fast):
    assert "ner" not in fast.pipe_names and "tok2vec" not in fast.pipe_names
    assert fast.pipe_names == ["critparse_clauses", "medspacy_context", "critparse_constraints", "critparse_constraint_negation"]
    doc = fast("ALT <= 3 x ULN")
    assert list(doc.ents) == []
    assert isinstance(doc._.constraints, list)


def test_bad_mode_and_missing_model(tmp_path):
    with pytest.raises(ValueError, match="E003"):
        load("turbo")
    with pytest.raises(CritparseError, match="E004"):
        load("full", model=str(tmp_path / "nothing"))


def test_model_entities_on_a_criterion(full):
    doc = full("Total bilirubin <= 51 umol/L, creatinine <= 176.8 umol/L")
    ents = {(e.text, e.label_) for e in doc.ents}
    assert ("creatinine", "Measurement") in ents
    assert ("<= 51 umol/L", "Value") in ents


def test_lexicon_rules_fill_gaps_only(full):
    terms = lexicon_terms()
    assert any(t["text"] == "ALT" and t["case"] == "exact" for t in terms)
    ruler = full.get_pipe("critparse_term_ruler")
    with full.select_pipes(enable=["tok2vec", "ner"]):
        doc = full("xx blood oxygen saturation yy")
    doc.ents = []
    doc = ruler(doc)
    assert [(e.text, e.label_, e._.critparse_source, e._.critparse_rule) for e in doc.ents] == \
        [("blood oxygen saturation", "Measurement", "rule", "concepts:spo2")]


def test_override_patterns_replace_model_labels(full):
    assert any(t["text"] == "B-ALL" and t["override"] for t in pattern_terms("entity_patterns.jsonl"))
    doc = full("Previously treated with any CAR-T cell product")
    assert ("CAR-T cell product", "Drug") in {(e.text, e.label_) for e in doc.ents}
    # a longer model entity is never cut by a curated term
    ruler = full.get_pipe("critparse_term_ruler")
    with full.select_pipes(enable=[]):
        doc = full("HBV DNA > 2000 IU/mL")
    doc.ents = [doc.char_span(0, 7, label="Measurement")]
    assert [(e.text, e.label_) for e in ruler(doc).ents] == [("HBV DNA", "Measurement")]
    doc.ents = []
    assert [(e.text, e.label_) for e in ruler(doc).ents] == [("HBV", "Condition")]


def test_abbreviations_resolve(full):
    doc = full("absolute neutrophil count (ANC) >= 1.5 x 10^9/L")
    pairs = {(a.text, a._.long_form.text) for a in doc._.abbreviations}
    assert ("ANC", "absolute neutrophil count") in pairs


def test_clause_starts(fast):
    doc = fast.make_doc("No fever; ALT < 3. x")
    doc = fast.get_pipe("critparse_clauses")(doc)
    assert [bool(t.is_sent_start) for t in doc] == [True, False, False, True, False, False, False, True]
    assert [s.text for s in doc.sents] == ["No fever;", "ALT < 3.", "x"]


def test_span_extensions_survive_docbin(full):
    # critparse's own extensions are plain data (scispaCy's abbreviation Spans and
    # medspaCy's modifier objects are not, so this runs the critparse layers only)
    with full.select_pipes(enable=["tok2vec", "ner", "critparse_term_ruler"]):
        doc = full("Patients with HIV infection")
    rule_ents = [(e.text, e._.critparse_source) for e in doc.ents if e._.critparse_source]
    assert rule_ents
    db = DocBin(store_user_data=True)
    db.add(doc)
    back = list(DocBin(store_user_data=True).from_bytes(db.to_bytes()).get_docs(full.vocab))[0]
    assert [(e.text, e._.critparse_source) for e in back.ents if e._.critparse_source] == rule_ents


def test_saved_model_loads_with_spacy_load():
    nlp = spacy.load(model_path())
    assert nlp.pipe_names == ["tok2vec", "ner"]


def test_parse_returns_entities_with_original_offsets(full):
    text = "Inclusion Criteria:\n\n* Creatinine \\> 2.5mg/dl\n* LVEF ≥ 50%\n"
    parsed = critparse.parse(text, nlp=full)
    assert parsed.entities
    for e in parsed.entities:
        assert text[e.start:e.end] == e.text
    assert any(e.text == "≥ 50%" and e.label == "Value" for e in parsed.entities)


def test_cold_start_defers_nltk_and_fast_only_rules():
    # medspaCy imports QuickUMLS, which imports NLTK (~2 s) that critparse never uses: it is deferred
    # until first use, and load("full") does not compile the regex negation rules only fast mode uses
    code = (
        "import sys, critparse\n"
        "from critparse import negation\n"
        "nlp = critparse.load('full')\n"
        "doc = nlp('No active infection')\n"
        "assert any(e._.is_negated for e in doc.ents)\n"
        "assert 'nltk.corpus' not in sys.modules and 'sklearn' not in sys.modules\n"
        "assert negation.rules.cache_info().currsize == 0\n"
        "import nltk\n"
        "from nltk.tokenize import wordpunct_tokenize\n"
        "assert wordpunct_tokenize('a-b') == ['a', '-', 'b'] and nltk.__version__\n"
        "print('ok')\n"
    )
    src = str(Path(critparse.__file__).resolve().parents[1])
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": src})
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


def test_floret_vector_cache_gives_spacys_vectors_bit_for_bit(full, tmp_path):
    """The static_vectors layer reads each word's floret vector from critparse's cache: the same tok2vec output
    as spaCy's own layer, for words seen before and new ones, and the pipeline still saves."""
    import numpy as np
    from spacy.ml.staticvectors import forward

    node = next(n for n in full.get_pipe("tok2vec").model.walk() if n.name == "static_vectors")
    cached = node._func
    assert cached is not forward and cached.critparse_cache is not None
    texts = ["Known hypersensitivity to carboplatin or paclitaxel", "eGFR < 30 mL/min/1.73m2 (CKD-EPI)",
             "Patients with hypersensitivity to carboplatin", "ECOG performance status 0-1; ANC >= 1.5 x 10^9/L"]
    docs = [full.make_doc(t) for t in texts]
    tok2vec = full.get_pipe("tok2vec")
    ours = tok2vec.predict(docs)
    cache = next(iter(cached.critparse_cache.values()))
    assert {"carboplatin", "hypersensitivity", "ecog"} <= set(cache.slot)  # the table is keyed by LOWER
    assert all(np.array_equal(a, b) for a, b in zip(ours, tok2vec.predict(docs)))  # from the cache now
    try:
        node._func = forward
        theirs = tok2vec.predict(docs)
    finally:
        node._func = cached
    assert all(a.shape[0] == len(d) and np.array_equal(a, b) for a, b, d in zip(ours, theirs, docs))
    full.get_pipe("tok2vec").to_disk(tmp_path / "t2v")  # nothing of the cache is saved with the layer
