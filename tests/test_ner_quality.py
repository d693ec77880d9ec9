"""Quality floor of the shipped NER pipeline (issue 11, item 4): micro-F1 on the Chia dev split that the
model card describes (trials with ``sha1(NCT id) mod 100 < 15`` of chia_without_scope_trainval.zip,
1,613 criterion lines), scored as ``critparse eval chia ZIP --split dev`` scores it.

The shipped model was trained on the train split only (its step chosen on this dev split), so these are
development figures, not test figures.  Measured when the floor was set (3 Dec 2026, floret static
vectors + tok2vec pretrained with them): strict 0.631, lenient 0.741 (0.621 / 0.738 for the model before).
The floors sit just under, so that a model or rule-layer change that costs more than about half a point
fails here."""

from __future__ import annotations

import pytest

from conftest import corpus_file

pytestmark = pytest.mark.issue(11)

CHIA = "chia/original/chia_without_scope_trainval.zip"
STRICT_FLOOR = 0.625
LENIENT_FLOOR = 0.735


@pytest.fixture(scope="module")
def dev_scores(corpora):
    from critparse.evaluate.chia import evaluate
    from critparse.pipeline import load

    return evaluate(corpus_file(corpora, CHIA), load("full"), split="dev")


def test_dev_split_is_the_model_cards(dev_scores):
    micro = dev_scores.micro("strict")
    assert dev_scores.n_lines == 1613
    assert micro.n_gold == 4939


def test_micro_f1_floors(dev_scores):
    strict, lenient = dev_scores.micro("strict"), dev_scores.micro("lenient")
    assert strict.f >= STRICT_FLOOR, strict.as_dict()
    assert lenient.f >= LENIENT_FLOOR, lenient.as_dict()


def test_main_labels_keep_their_level(dev_scores):
    # the four most frequent labels, each 3-4 points under its dev F1 (lenient) on the model card
    floors = {"Condition": 0.81, "Drug": 0.78, "Value": 0.81, "Measurement": 0.74}
    got = {lab: dev_scores.lenient[lab].f for lab in floors}
    assert all(got[lab] >= floors[lab] for lab in floors), got
