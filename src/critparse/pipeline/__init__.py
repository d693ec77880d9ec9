"""The spaCy pipeline behind critparse, and `load()`.

``load("full")``: the trained entity model (tok2vec + ner, trained on Chia)
plus the rule layers; ``load("fast")``: a blank English pipeline with the
critparse tokenizer and the cheap rule layers only (no statistical model).

Component order (full)::

    critparse tokenizer -> tok2vec -> ner -> critparse_term_ruler -> critparse_clauses
    -> abbreviation_detector (scispaCy) -> medspacy_context -> critparse_constraints
    -> critparse_constraint_negation

The model directory is found from, in order: the `model` argument (a path),
``$CRITPARSE_MODEL``, and ``critparse/models/<name>`` inside the package (package
data: wheels carry it).
"""

from __future__ import annotations

import os
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Optional

from ..errors import CritparseError, Errors

MODEL_NAME = "critparse_chia_ner"
MODES = ("full", "fast")


def model_path(model: Optional[str] = None) -> Path:
    """Where the trained model is (it may not exist: `load` checks): `model`, ``$CRITPARSE_MODEL``, or
    the copy shipped inside the package (``critparse/models/<name>``, package data of the wheel)."""
    if model:
        return Path(model)
    env = os.environ.get("CRITPARSE_MODEL")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "models" / MODEL_NAME


def context_rules():
    """medspaCy ConTextRules from ``resources/context_rules.json``."""
    from .components import context_rule_dicts
    from .context import ConTextRule

    return [ConTextRule.from_dict(r) for r in context_rule_dicts()]


#: where the rule components' data come from when a config is initialised (`nlp.initialize()`)
INITIALIZE = {
    "critparse_term_ruler": {"patterns": {"@misc": "critparse.term_patterns.v1"}},
    "medspacy_context": {"rules": {"@misc": "critparse.context_rules.v1"}},
}


def add_rule_layers(nlp, *, entities: bool = True):
    """Append the rule components to `nlp` (in place), initialise them with the shipped rules
    and return it.  The rules are saved with the pipeline (`nlp.to_disk`), the config's
    ``[initialize.components]`` names where they came from, and its ``after_pipeline_creation``
    callback applies `use_numpy_gemm` when ``spacy.load`` loads the saved pipeline."""
    # medspaCy's and scispaCy's internal matchers are legitimately empty for some rule types
    warnings.filterwarnings("ignore", message=r"\[W036\]")
    from . import components  # noqa: F401  (registers the factories)

    if entities:
        nlp.add_pipe("critparse_term_ruler").initialize(nlp=nlp)
    nlp.add_pipe("critparse_clauses")
    if entities:
        nlp.add_pipe("critparse_abbreviation_detector", name="abbreviation_detector")
    nlp.add_pipe("critparse_context", name="medspacy_context").initialize(nlp=nlp)
    nlp.add_pipe("critparse_constraints")
    nlp.add_pipe("critparse_constraint_negation")
    nlp.config["nlp"]["after_pipeline_creation"] = {"@callbacks": "critparse.numpy_gemm.v1"}
    init = nlp.config["initialize"].setdefault("components", {})
    for name, cfg in INITIALIZE.items():
        if name in nlp.pipe_names:
            init[name] = dict(cfg)
    return nlp


def use_numpy_gemm(nlp):
    """Run the trained components' matrix products through numpy's BLAS (in place; returns `nlp`).

    thinc's CPU ops multiply with blis by default, which on some CPUs (AVX-512
    machines in particular) is about half as fast as the OpenBLAS that numpy
    ships (tok2vec 51 -> 27 ms per 1,000 words on the AMD EPYC build machine); the
    products are the same up to float rounding (entities, ConText modifiers and
    constraints of 12,986 criteria, all Chia lines and 400 XML studies, were
    identical).  Only plain CPU ops are replaced (never GPU ops);
    ``CRITPARSE_BLIS=1`` keeps blis."""
    if os.environ.get("CRITPARSE_BLIS", "").strip() not in ("", "0"):
        return nlp
    from thinc.api import NumpyOps

    ops = None
    for _, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        for node in model.walk():
            if type(node.ops) is NumpyOps and getattr(node.ops, "use_blis", False):
                if ops is None:
                    ops = NumpyOps(use_blis=False)
                node.ops = ops
    return nlp


@lru_cache(maxsize=4)
def _load_cached(mode: str, model: Optional[str]):
    import spacy

    from . import components  # noqa: F401
    from .tokenizer import blank, rules_from

    if mode == "fast":
        return add_rule_layers(blank(), entities=False)
    path = model_path(model)
    if not (path / "config.cfg").is_file():
        raise CritparseError(Errors.E004.format(path=path))
    from .floret_cache import use_vector_cache

    with rules_from(path):  # the saved tokenizer sets its own rules: not built twice
        nlp = use_vector_cache(use_numpy_gemm(spacy.load(path)))
    return add_rule_layers(nlp, entities=True)


def load(mode: str = "full", model: Optional[str] = None):
    """The spaCy Language critparse runs: mode 'full' (trained NER + rules) or 'fast' (rules).

    Pipelines are cached per (mode, model)."""
    if mode not in MODES:
        raise ValueError(Errors.E003.format(mode=mode))
    return _load_cached(mode, str(model) if model else None)
