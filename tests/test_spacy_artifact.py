"""critparse's pipeline is a spaCy artifact (issue 11, item 1): saved with ``to_disk``, it loads with
``spacy.load`` in a fresh process (factories found through the entry points of pyproject.toml), with its
ConText rules and term patterns, and gives the same entities, negation and constraints on the seed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import spacy

import critparse
from critparse.pipeline.components import default_terms

pytestmark = pytest.mark.issue(11)

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"


#: every rule of the shipped data file (resources/context_rules.json) must load
N_CONTEXT_RULES = len(__import__("json").loads(
    __import__("critparse.resources", fromlist=["read_text"]).read_text("context_rules.json"))["context_rules"])
assert N_CONTEXT_RULES >= 187

def _pyproject() -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _entry_points_dir(tmp: Path) -> Path:
    """A dist-info holding exactly pyproject.toml's spaCy entry points, so that the subprocess finds the
    factories as declared in the checkout (not as an older install of the package recorded them)."""
    groups = {k: v for k, v in _pyproject()["project"]["entry-points"].items() if k.startswith("spacy_")}
    info = tmp / "ep" / "critparse_checkout_entry_points-0.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: critparse-checkout-entry-points\nVersion: 0.0\n")
    lines = []
    for group, eps in groups.items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {target}" for name, target in eps.items()]
        lines.append("")
    (info / "entry_points.txt").write_text("\n".join(lines), encoding="utf-8")
    return info.parent


def _summary(parsed) -> dict:
    """What must survive the round trip: entities with negation/history/hypothesis, constraints."""
    d = parsed.to_dict()
    return {"entities": d["entities"], "constraints": d["constraints"]}


SUBPROCESS = textwrap.dedent(
    """
    import json, sys
    import spacy
    nlp = spacy.load(sys.argv[1])          # no critparse import before: entry points only
    import critparse
    text = open(sys.argv[2], encoding="utf-8").read()
    parsed = critparse.parse(text, trial_id="seed", nlp=nlp)
    d = parsed.to_dict()
    ctx = nlp.get_pipe("medspacy_context")
    doc = nlp("No active infection")
    print(json.dumps({
        "pipes": nlp.pipe_names,
        "factories": [nlp.get_pipe_meta(n).factory for n in nlp.pipe_names],
        "n_context_rules": len(ctx.rules),
        "n_terms": len(nlp.get_pipe("critparse_term_ruler").terms),
        "infection_negated": [e._.is_negated for e in doc.ents if "infection" in e.text],
        "blis": any(getattr(n.ops, "use_blis", False) for n in nlp.get_pipe("tok2vec").model.walk()),
        "summary": {"entities": d["entities"], "constraints": d["constraints"]},
    }))
    """
)


@pytest.fixture(scope="module")
def seed_path(seed_text, tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("seed") / "seed.md"
    p.write_text(seed_text, encoding="utf-8")
    return p


def test_every_factory_has_an_entry_point(full, fast):
    declared = set(_pyproject()["project"]["entry-points"]["spacy_factories"])
    used = {nlp.get_pipe_meta(n).factory for nlp in (full, fast) for n in nlp.pipe_names}
    ours = {f for f in used if f.startswith("critparse_")}
    assert ours and ours <= declared
    # registered at import of the components module, none lazily inside a function
    from critparse.pipeline import components

    for name in declared:
        assert spacy.Language.has_factory(name), name
        module, _, attr = _pyproject()["project"]["entry-points"]["spacy_factories"][name].partition(":")
        assert module == components.__name__ and hasattr(components, attr)


def test_saved_pipeline_loads_in_a_subprocess_with_identical_output(full, seed_path, tmp_path):
    out = tmp_path / "critparse_pipeline"
    full.to_disk(out)
    assert (out / "medspacy_context" / "rules.json").is_file()
    assert (out / "critparse_term_ruler" / "patterns.jsonl").is_file()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), str(_entry_points_dir(tmp_path))])
    script = tmp_path / "load_saved.py"
    script.write_text(SUBPROCESS, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script), str(out), str(seed_path)], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["pipes"] == full.pipe_names
    assert got["factories"] == [full.get_pipe_meta(n).factory for n in full.pipe_names]
    assert got["n_context_rules"] == len(full.get_pipe("medspacy_context").rules) == N_CONTEXT_RULES
    assert got["n_terms"] == len(full.get_pipe("critparse_term_ruler").terms) == len(default_terms())
    assert got["infection_negated"] and all(got["infection_negated"])
    # the config's after_pipeline_creation callback: numpy's BLAS, as in critparse.load
    blis = any(getattr(n.ops, "use_blis", False) for n in full.get_pipe("tok2vec").model.walk())
    assert got["blis"] == blis
    expected = _summary(critparse.parse(seed_path.read_text(encoding="utf-8"), trial_id="seed", nlp=full))
    assert expected["entities"] and expected["constraints"]
    assert any(e["negated"] for e in expected["entities"])
    assert got["summary"] == expected


def test_rules_round_trip_through_bytes_and_disk(full, tmp_path):
    ctx = full.get_pipe("medspacy_context")
    ruler = full.get_pipe("critparse_term_ruler")
    blank = spacy.blank("en")
    ctx2 = blank.add_pipe("critparse_context", name="medspacy_context")
    assert len(ctx2.rules) == 0
    ctx2.from_bytes(ctx.to_bytes())
    assert ctx2.rule_dicts() == ctx.rule_dicts()
    ruler2 = blank.add_pipe("critparse_term_ruler")
    assert ruler2.terms == []
    ruler.to_disk(tmp_path / "ruler")
    assert ruler2.from_disk(tmp_path / "ruler").terms == ruler.terms
    assert ruler2.from_bytes(ruler.to_bytes()).terms == ruler.terms


def test_rule_sources_are_named_in_the_config(full):
    init = full.config["initialize"]["components"]
    assert init["medspacy_context"]["rules"] == {"@misc": "critparse.context_rules.v1"}
    assert init["critparse_term_ruler"]["patterns"] == {"@misc": "critparse.term_patterns.v1"}
    rules = spacy.util.registry.misc.get("critparse.context_rules.v1")()
    assert len(rules) == N_CONTEXT_RULES


def test_initialize_with_given_patterns():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("critparse_term_ruler")
    ruler.initialize(nlp=nlp, patterns=[{"id": "t1", "label": "Drug", "text": "aspirin"}])
    doc = nlp("Daily Aspirin use")
    assert [(e.text, e.label_, e._.critparse_rule) for e in doc.ents] == [("Aspirin", "Drug", "t1")]
    with pytest.raises(ValueError, match="case"):
        ruler.add_patterns([{"label": "Drug", "text": "x", "case": "upper"}])


def test_py_typed_ships():
    assert (SRC / "critparse" / "py.typed").is_file()
    assert "py.typed" in _pyproject()["tool"]["setuptools"]["package-data"]["critparse"]


def test_config_alone_rebuilds_the_pipeline_with_its_rules(fast):
    # the config names the rule sources ([initialize.components]): nlp.initialize() on a pipeline built
    # from the config alone loads the same ConText rules, and the pipeline works the same
    nlp = spacy.util.load_model_from_config(fast.config, auto_fill=True)
    assert len(nlp.get_pipe("medspacy_context").rules) == 0
    nlp.initialize()
    assert nlp.get_pipe("medspacy_context").rule_dicts() == fast.get_pipe("medspacy_context").rule_dicts()
    text = "No history of hepatitis; ALT <= 3 x ULN"
    assert nlp(text)._.constraints == fast(text)._.constraints
