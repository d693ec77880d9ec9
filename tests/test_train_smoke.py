"""A tiny training run on a handful of Chia criteria: the one-command path from corpus to a loadable model."""

from __future__ import annotations

import json

import pytest

from critparse.pipeline import load
from critparse.train import CONFIG, train

CHIA = "chia/original/chia_without_scope_trainval.zip"


@pytest.mark.slow
def test_smoke_training_produces_a_loadable_model(corpora, tmp_path):
    src = corpora / CHIA
    if not src.exists():
        pytest.skip(f"{CHIA} not found under {corpora}")
    out = tmp_path / "model"
    info = train(
        src, out, limit=400,
        overrides={
            "training.max_steps": 6, "training.eval_frequency": 3, "training.max_epochs": 1,
            "components.tok2vec.model.encode.width": 32, "components.tok2vec.model.encode.depth": 1,
            "components.tok2vec.model.embed.rows": [500, 100, 200, 50, 500],
        },
        work_dir=tmp_path / "work",
    )
    assert CONFIG.is_file()
    assert (out / "config.cfg").is_file() and (out / "training.json").is_file()
    assert info["conversion"]["docs"]["train"] > 0 and info["conversion"]["docs"]["dev"] > 0
    meta = json.loads((out / "meta.json").read_text())
    assert "Chia" in meta["description"] or "Chia" in meta["license"]
    nlp = load("full", model=str(out))
    assert set(nlp.get_pipe("ner").labels) >= {"Condition", "Value"}
    doc = nlp("No active infection in the lungs")
    assert len(doc) == 6
