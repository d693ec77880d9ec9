"""Full mode's per-criterion cache (parser._run): the same records as one Doc per criterion (parser._run_docs),
cold and warm, on the seed trial and a sample of legacy-XML records."""

from __future__ import annotations

import json

import pytest

import critparse
from critparse import parser

from conftest import xml_sample


def _dicts(trials):
    return [json.dumps(t.to_dict(), sort_keys=True) for t in trials]


def _uncached(items, nlp):
    old = parser.DOC_CACHE_SIZE
    parser.DOC_CACHE_SIZE = 0
    try:
        return _dicts(critparse.parse_many(items, nlp=nlp, mode="full", batch_size=64))
    finally:
        parser.DOC_CACHE_SIZE = old


def _check(items, nlp):
    parser.clear_doc_cache()
    cold = _dicts(critparse.parse_many(items, nlp=nlp, mode="full", batch_size=64))
    warm = _dicts(critparse.parse_many(items, nlp=nlp, mode="full", batch_size=64))
    ref = _uncached(items, nlp)
    assert cold == ref
    assert warm == ref


def test_cache_is_invisible_on_the_seed_trial(full, seed_text):
    # twice in one batch: the repeated bodies go through the pipeline once
    _check([(seed_text, "seed", None), (seed_text, "seed-again", None)], full)


def test_cache_is_invisible_on_xml_records(full, corpora):
    items = xml_sample(corpora, 0, 6000, 60)
    _check(items, full)


def test_labels_give_hints_per_criterion(full):
    # the same body under an "Age:" label and without one: two cache entries
    text = "Age:\n\n- 18 and over\n\nOther:\n\n- 18 and over\n"
    _check([(text, "t", None)], full)
