"""Unlabelled text and floret vectors for the entity model (issue 12, item 3)."""

from __future__ import annotations

import gzip
import json

import pytest

from conftest import corpus_file

pytestmark = pytest.mark.issue(12)

CHIA = "chia/original/chia_without_scope_trainval.zip"
DEMO = "corpora/demo/NCT04532203.eligibility.md"


def test_raw_text_leaves_out_the_chia_dev_trials(corpora, tmp_path):
    from critparse.train.brat import is_dev, iter_pairs, read_lines
    from critparse.train.pretrain import chia_dev_trials, raw_texts

    chia = corpus_file(corpora, CHIA)
    dev = chia_dev_trials(chia)
    trials = {t for t, _, _, _ in iter_pairs(chia)}
    assert len(dev) == 132 and dev == {t for t in trials if is_dev(t)}
    dev_id = sorted(dev)[0]
    train_id = sorted(trials - dev)[0]
    # a corpora folder holding only an XML dump of two records: one Chia dev trial, one Chia train trial
    xml = tmp_path / "ctgov_xml_2023" / "derived" / "eligibility.jsonl.gz"
    xml.parent.mkdir(parents=True)
    with gzip.open(xml, "wt", encoding="utf-8") as f:
        for nct, text in ((dev_id, "Inclusion Criteria:\n\n- dev trial marker text"),
                          (train_id, "Inclusion Criteria:\n\n- train trial marker text\n- age >= 18 years")):
            f.write(json.dumps({"nct_id": nct, "criteria": text}) + "\n")
    got = list(raw_texts(tmp_path, chia))
    assert got[:3] == ["Inclusion Criteria:", "train trial marker text", "age >= 18 years"]
    assert "dev trial marker text" not in got
    # then the criterion lines of the Chia train trials only
    n_train_lines = sum(1 for ln in read_lines(chia) if not is_dev(ln.trial))
    assert len(got) == 3 + n_train_lines


@pytest.fixture(scope="module")
def tiny_vectors(tmp_path_factory):
    """floret vectors (16 dims, 2,000 rows) trained on the demo trial's lines, as a spaCy vectors folder."""
    from critparse.train.vectors import FloretSettings, spacy_vectors, train_floret, write_tokenised

    tmp_path = tmp_path_factory.mktemp("vectors")
    lines = [ln.strip() for ln in open(DEMO, encoding="utf-8") if ln.strip()]
    raw = tmp_path / "raw.jsonl"
    raw.write_text("".join(json.dumps({"text": t}) + "\n" for t in lines * 20), encoding="utf-8")
    tok = tmp_path / "tokens.txt"
    n = write_tokenised(raw, tok)
    assert n > 1000
    first = tok.read_text(encoding="utf-8").splitlines()[0]
    assert first == first.lower()
    table = train_floret(tok, tmp_path / "floret", FloretSettings(dim=16, bucket=2000, epoch=2, min_count=1))
    return spacy_vectors(table, tmp_path / "vectors")


def test_floret_vectors_cover_unseen_words_by_lower_case(tiny_vectors):
    import spacy

    nlp = spacy.load(tiny_vectors)
    vec = nlp.vocab.vectors
    assert vec.mode == "floret" and vec.shape == (2000, 16)
    from spacy.attrs import LOWER

    assert vec.attr == LOWER         # looked up by the lower-cased token, as trained
    a, b, c = vec.get_batch(nlp.make_doc("Neutrophils neutrophils neutrophilsz").to_array(vec.attr))
    assert (a == b).all()
    assert abs(c).sum() > 0          # an unseen word still gets a vector from its n-grams


@pytest.mark.slow
def test_training_with_vectors_ships_them_inside_the_model(corpora, tmp_path, tiny_vectors):
    from critparse.pipeline import load
    from critparse.train import train

    out = tmp_path / "model"
    info = train(corpus_file(corpora, CHIA), out, limit=300, vectors=tiny_vectors, work_dir=tmp_path / "work",
                 overrides={"training.max_steps": 4, "training.eval_frequency": 2, "training.max_epochs": 1,
                            "components.tok2vec.model.encode.width": 32, "components.tok2vec.model.encode.depth": 1,
                            "components.tok2vec.model.embed.rows": [500, 100, 200, 50, 500]})
    assert info["vectors"]["dim"] == 16
    assert (out / "vocab" / "vectors").stat().st_size >= 2000 * 16 * 4
    nlp = load("full", model=str(out))
    assert nlp.vocab.vectors.mode == "floret" and nlp.vocab.vectors.shape == (2000, 16)
    from spacy.attrs import LOWER

    assert nlp.vocab.vectors.attr == LOWER
    assert "static_vectors" in nlp.get_pipe("tok2vec").model.get_ref("embed").name
    assert "include_static_vectors = true" in (out / "config.cfg").read_text()
    doc = nlp("No active infection in the lungs")
    assert len(doc) == 6
