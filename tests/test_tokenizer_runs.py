"""The tokenizer on long runs of one punctuation character (issue 10): spaCy's suffix search made
them quadratic (8,000 '<' took 9 s); runs are now cut into bounded pieces, text and offsets kept."""

from __future__ import annotations

import pytest
from spacy.tokenizer import Tokenizer

from critparse.pipeline.tokenizer import RUN_LIMIT, _pieces, blank

pytestmark = pytest.mark.issue(10)


@pytest.fixture(scope="module")
def nlp():
    return blank()


def _plain(nlp):
    """spaCy's own Tokenizer with the same rules (no run guard)."""
    t = nlp.tokenizer
    return Tokenizer(nlp.vocab, rules=t.rules, prefix_search=t.prefix_search, suffix_search=t.suffix_search,
                     infix_finditer=t.infix_finditer, token_match=None, url_match=None)


@pytest.mark.parametrize("text", [
    "Creatinine <= 2.0 mg/dL, ALT/AST <3xULN; CD19+ (Ph-) ... --- ***",
    "score " + "<" * RUN_LIMIT + " and " + "," * RUN_LIMIT,
    "a " + "<" * 200 + " b " + "=" * 150 + "c",
])
def test_same_tokens_as_spacy_where_spacy_splits_runs_anyway(nlp, text):
    assert [t.text for t in nlp(text)] == [t.text for t in _plain(nlp)(text)]


@pytest.mark.parametrize("ch", list("<,=*.-|"))
def test_long_runs_keep_text_and_offsets(nlp, ch):
    text = "Platelets " + ch * 20_000 + "x >= 100\n and  more"
    doc = nlp(text)
    assert doc.text == text
    assert all(text[t.idx:t.idx + len(t)] == t.text for t in doc)
    assert max(len(t) for t in doc) <= max(RUN_LIMIT, len("Platelets"))


def test_pieces_cover_the_text_in_bounded_runs():
    text = "ab" + "<" * 1000 + "cd" + ",;" * 100 + "e"
    spans = list(_pieces(text))
    assert "".join(text[a:b] for a, b in spans) == text
    assert all(b - a <= RUN_LIMIT for a, b in spans if not text[a:b].isalnum())


def test_full_mode_parse_of_a_long_run(seed_text):
    import critparse

    text = seed_text + "\n\n* Creatinine " + "<" * 8000 + " 2 mg/dL\n"
    parsed = critparse.parse(text, mode="full")
    assert parsed.text == text
    assert all(text[c.start:c.end] == c.text for c in parsed.criteria)


def test_the_saved_models_tokenizer_is_loaded_once_and_the_same_as_built_in_full():
    """`rules_from`: loading the saved model makes its tokenizer bare and lets `from_disk` set the rules
    (instead of adding the 1,347 English special cases twice): the same tokenizer, byte for byte."""
    import spacy

    from critparse.pipeline import load, model_path
    from critparse.pipeline.tokenizer import _BARE, _build

    nlp = load("full")
    assert _BARE[0] == 0
    full = _build(spacy.blank("en"))  # built in full, as before
    full.from_disk(model_path() / "tokenizer")
    assert nlp.tokenizer.to_bytes(exclude=["vocab"]) == full.to_bytes(exclude=["vocab"])
    text = "Creatinine>2.5mg/dl, ALT/AST <=3xULN; CD19+ B-ALL (Ph-) aged 3-70 years, 10^9/L, can't"
    assert [t.text for t in nlp.tokenizer(text)] == [t.text for t in full(text)]
    assert nlp.tokenizer.rules == full.rules and len(full.rules) > 1000
