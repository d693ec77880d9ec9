"""Quality floor of the shipped NER pipeline (issue 11, item 4): micro-F1 on the Chia dev split that the
model card describes (trials with ``sha1(NCT id) mod 100 < 15`` of chia_without_scope_trainval.zip,
1,613 criterion lines), scored as ``critparse eval chia ZIP --split dev`` scores it.

What the score is depends on the shipped model, and the floors say so (``training.json`` of the model
records ``train_dev_steps`` when it was trained on train + dev):

- a model trained on the train split only (its step chosen on this dev split): a development figure.
  Measured for the train-only model of the shipped recipe (floret vectors + tok2vec pretrained with them,
  3 Dec 2026): strict 0.631, lenient 0.741 (seed 1: 0.632 / 0.740; 0.621 / 0.738 for the model before);
- a model trained on train + dev (the shipped recipe again, the step count chosen on dev): the split was
  seen in training, so its score is a fit figure, not a held-out one.  Its floors only guard the pipeline
  against regressions (a rule layer or conversion change that loses more than about half a point);
  the held-out figure of the recipe is the train-only one above (model card)."""

from __future__ import annotations

import json

import pytest

from conftest import corpus_file

pytestmark = pytest.mark.issue(11)

CHIA = "chia/original/chia_without_scope_trainval.zip"
# (strict, lenient) floors, just under the measured figures
HELD_OUT_FLOORS = (0.625, 0.735)
SEEN_FLOORS = (0.78, 0.845)  # the train+dev model (shipped 3 Dec 2026) measured 0.789 / 0.854 on this seen split


def trained_on_dev() -> bool:
    """Whether the shipped model saw the dev split in training (``--train-dev-steps``)."""
    from critparse.pipeline import model_path

    info = json.loads((model_path() / "training.json").read_text(encoding="utf-8"))
    return bool(info.get("train_dev_steps"))


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
    strict_floor, lenient_floor = SEEN_FLOORS if trained_on_dev() else HELD_OUT_FLOORS
    strict, lenient = dev_scores.micro("strict"), dev_scores.micro("lenient")
    assert strict.f >= strict_floor, strict.as_dict()
    assert lenient.f >= lenient_floor, lenient.as_dict()


def test_main_labels_keep_their_level(dev_scores):
    # the four most frequent labels, each 3-4 points under its dev F1 (lenient) on the model card
    floors = {"Condition": 0.81, "Drug": 0.78, "Value": 0.81, "Measurement": 0.74}
    got = {lab: dev_scores.lenient[lab].f for lab in floors}
    assert all(got[lab] >= floors[lab] for lab in floors), got
