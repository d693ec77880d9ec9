"""JSON Logic export (issue 5, part 2), evaluated by an independent implementation
(panzi-json-logic) and compared with critparse.screen."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from critparse.export.jsonlogic import patient_data, to_jsonlogic
from critparse.screening import screen

from _trials import SEED_INFO, SEED_PATH, load_patient, seed_like, seed_variant

json_logic = pytest.importorskip("json_logic")
jsonLogic = json_logic.jsonLogic

pytestmark = pytest.mark.issue(5)


@pytest.fixture(params=["handbuilt", "parsed"])
def seed(request, seed_text):
    return seed_variant(request, seed_text)


def run(doc, patient):
    return bool(jsonLogic(doc["rule"], patient_data(patient, doc)))


def test_document_shape(seed):
    doc = seed.to_jsonlogic()
    json.dumps(doc)
    assert doc["format"] == "jsonlogic" and doc["trial_id"] == "NCT04532203"
    assert set(doc["cohorts"]) == {"B-ALL", "B-NHL"}
    assert set(doc["rule"]) == {"or"} and len(doc["rule"]["or"]) == 2
    v = doc["variables"]
    assert v["age"]["unit"] == "a"
    assert v["creatinine"]["unit"] == "mg/dL"  # the lexicon's canonical unit, whatever the text said
    assert v["bilirubin"]["unit"] == "umol/L"
    assert "alt_xuln" in v and v["alt_xuln"]["relative_to"] == "ULN"
    # the creatinine threshold 176.8 umol/L appears as 2.0 mg/dL
    s = json.dumps(doc["cohorts"]["B-ALL"])
    assert '{"<=": [{"var": "creatinine"}, 2.0]}' in s
    # exclusion as a negated or
    assert '{"!": {"or": [' in s


def test_unevaluable_listed_not_dropped(seed):
    doc = to_jsonlogic(seed)
    unev = {u["criterion"]: u for u in doc["unevaluable"]}
    for cid in ("exc.3", "exc.10"):  # pregnant women; HIV infection
        assert any(k == cid or k.startswith(cid) for k in unev) or any(
            "HIV" in u["text"] for u in unev.values()), sorted(unev)
    rule, certain = json.dumps(doc["rule"]), json.dumps(doc["rule_certain"])
    for u in doc["unevaluable"]:
        assert u["text"] and u["var"].startswith("criteria.")
        # an inclusion piece is "missing or true" in the POSSIBLE rule; an exclusion sits under a negation,
        # which swaps the readings, so its piece is "known true" there (and the reverse in CERTAIN)
        maybe, known = (json.dumps({"!==": [{"var": u["var"]}, False]}), json.dumps({"===": [{"var": u["var"]}, True]}))
        # (an exception piece of an exclusion is negated twice)
        if u["role"] == "whole":
            assert (maybe in rule and known in certain) if u["kind"] == "inclusion" else (
                known in rule and maybe in certain), u
        assert (maybe in rule or known in rule) and (maybe in certain or known in certain), u


def verdict(doc, patient):
    return jsonLogic(doc["verdict"], patient_data(patient, doc))


def test_pass_fail_missing_agree_with_screen(seed):
    doc = to_jsonlogic(seed)
    passing = load_patient("seed_pass")
    assert run(doc, passing) is True
    assert screen(seed, passing).verdict == verdict(doc, passing) == "undetermined"  # free text stays open

    failing = load_patient("seed_fail_creatinine")
    assert run(doc, failing) is False
    assert screen(seed, failing).verdict == verdict(doc, failing) == "ineligible"

    # missing data never rules out: the POSSIBLE rule holds, the CERTAIN one does not
    missing = load_patient("seed_missing")
    assert run(doc, missing) is True
    assert jsonLogic(doc["rule_certain"], patient_data(missing, doc)) is False
    assert screen(seed, missing).verdict == verdict(doc, missing) == "undetermined"

    # per-cohort rules
    data = patient_data(dict(passing, age=72), doc)
    assert jsonLogic(doc["cohorts"]["B-ALL"], data) is False
    assert jsonLogic(doc["cohorts"]["B-NHL"], data) is True


def test_answers_decide_unevaluable(seed):
    doc = to_jsonlogic(seed)
    p = load_patient("seed_pass")
    assert run(doc, dict(p, answers={"exc.10": True})) is False  # HIV infection: excluded
    inc_text = [u["criterion"] for u in doc["unevaluable"] if u["kind"] == "inclusion" and u["cohort"] is None]
    assert run(doc, dict(p, answers={inc_text[0]: False})) is False


def test_uln_from_absolute_value():
    doc = to_jsonlogic(seed_like(_seed_text()))
    p = load_patient("seed_pass")
    p["labs"]["SGPT"] = {"value": 150, "unit": "U/L", "uln": 40}  # 3.75 x ULN
    assert run(doc, p) is False
    assert screen(seed_like(_seed_text()), p).verdict == "ineligible"


def _seed_text():
    return SEED_PATH.read_text(encoding="utf-8")


_units = st.sampled_from([("mg/dL", 1.0), ("umol/L", 88.42)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(age=st.integers(1, 90), creat=st.floats(0.3, 4.0), cu=_units, bili=st.floats(3, 80),
       alt=st.floats(0.2, 5), ast=st.floats(0.2, 5), lvef=st.integers(30, 75), spo2=st.integers(85, 100),
       ecog=st.integers(0, 4), blasts=st.floats(0, 20), relapses=st.integers(0, 4),
       le=st.integers(1, 24), crd=st.integers(1, 30), steroid=st.integers(0, 10), lesion=st.integers(0, 3))
def test_jsonlogic_equals_screen_on_complete_data(age, creat, cu, bili, alt, ast, lvef, spo2, ecog, blasts,
                                                   relapses, le, crd, steroid, lesion):
    """With every variable given (and no conditions), the rule is true exactly when screening does
    not rule the patient out: unevaluable text defaults to the favourable side in both."""
    trial = _SEED
    patient = {"age": age, "sex": "male", "ecog": ecog, "relapses": relapses, "assessable tumor lesion": lesion,
               "labs": {"creatinine": {"value": creat * cu[1], "unit": cu[0]},
                        "bilirubin": {"value": bili, "unit": "umol/L"},
                        "alt": {"value": alt, "unit": "ULN"}, "ast": {"value": ast, "unit": "ULN"},
                        "blasts": {"value": blasts, "unit": "%"}},
               "lvef": {"value": lvef, "unit": "%"}, "spo2": {"value": spo2, "unit": "%"},
               "life expectancy": {"value": le, "unit": "mo"}, "cr duration": {"value": crd, "unit": "mo"},
               "systemic steroids": {"value": steroid, "unit": "wk"}}
    assert run(_DOC, patient) == (screen(trial, patient).verdict != "ineligible")
    assert jsonLogic(_DOC["verdict"], patient_data(patient, _DOC)) == screen(trial, patient).verdict
    assert _PARSED and {"creatinine", "bilirubin", "age"} <= {c.subject for c in _PARSED[0][0].constraints}
    for parsed, doc in _PARSED:  # the same on the real parse of the seed
        assert run(doc, patient) == (screen(parsed, patient).verdict != "ineligible")
        assert jsonLogic(doc["verdict"], patient_data(patient, doc)) == screen(parsed, patient).verdict


def _load_seed():
    return seed_like(SEED_PATH.read_text(encoding="utf-8"), SEED_INFO)


_SEED = _load_seed()
_DOC = to_jsonlogic(_SEED)


def _load_parsed():
    import copy

    import critparse

    p = critparse.parse(_SEED.text, trial_id="NCT04532203", info=copy.deepcopy(SEED_INFO), mode="fast")
    return [(p, to_jsonlogic(p))]


_PARSED = _load_parsed()


def test_cli_export_jsonlogic(tmp_path, seed_text):
    src = tmp_path / "NCT04532203.md"
    src.write_text(seed_text, encoding="utf-8")
    parsed_json = tmp_path / "parsed.json"
    parsed_json.write_text(seed_like(seed_text).to_json(), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "critparse", "export", "--to", "jsonlogic", str(parsed_json)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["trial_id"] == "NCT04532203" and "creatinine" in doc["variables"]
    out = subprocess.run([sys.executable, "-m", "critparse", "export", "--to", "jsonlogic", str(src), "--mode", "fast"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["trial_id"] == "NCT04532203"
    bad = subprocess.run([sys.executable, "-m", "critparse", "export", "--to", "yaml", str(src)],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "unknown --to" in bad.stderr
