"""Patient screening (issue 5, part 3) on the seed trial, hand-built and parsed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import critparse
from critparse.records import Constraint, Criterion, Normalized, ParsedTrial
from critparse.screening import screen

from _trials import PATIENTS_DIR, load_patient, seed_variant

pytestmark = pytest.mark.issue(5)


@pytest.fixture(params=["handbuilt", "parsed"])
def seed(request, seed_text):
    return seed_variant(request, seed_text)


def _crit(res, pred):
    return [r for r in res.criteria if pred(r)]


def test_pass_patient(seed):
    res = screen(seed, load_patient("seed_pass"))
    # nothing checkable fails for a B-ALL patient
    assert not [r for r in res.criteria if r.eligible is False and r.cohort != "B-NHL"], res.reasons
    assert res.cohorts["B-NHL"] == "ineligible"  # patient's condition names the other cohort
    assert res.cohorts["B-ALL"] == "undetermined"  # free-text criteria remain
    assert res.verdict == "undetermined"  # best cohort
    # every constraint with patient data is decided, and converted to the threshold's unit
    creat = [cr for r in res.criteria for cr in r.constraints if cr.subject == "creatinine" and r.kind == "inclusion"]
    assert creat and creat[0].status == "met"
    assert creat[0].patient["unit"] == creat[0].threshold["unit"]
    if creat[0].threshold["unit"] == "mg/dL":
        assert creat[0].patient["value"] == pytest.approx(1.697, abs=0.01)
    # the exclusion lab criterion does not apply
    exc_labs = _crit(res, lambda r: r.kind == "exclusion" and any(c.subject == "creatinine" for c in r.constraints))
    assert exc_labs and all(r.status == "not_met" and r.eligible is True for r in exc_labs)


def test_pass_patient_with_answers_is_eligible(seed):
    patient = load_patient("seed_pass")
    first = screen(seed, patient)
    # a clinician answers the free-text criteria: inclusion ones hold, exclusion ones do not
    answers = {r.criterion: r.kind == "inclusion" for r in first.criteria
               if r.status == "unknown" and r.reason.startswith("unevaluable")}
    res = screen(seed, dict(patient, answers=answers))
    assert res.cohorts == {"B-ALL": "eligible", "B-NHL": "ineligible"}
    assert res.verdict == "eligible"
    assert res.reasons == []


def test_fail_on_one_lab(seed):
    res = screen(seed, load_patient("seed_fail_creatinine"))
    assert res.verdict == "ineligible"
    assert res.cohorts["B-ALL"] == "ineligible"
    assert any("creatinine" in r for r in res.reasons), res.reasons
    failing = [r for r in res.criteria if r.eligible is False and any(c.subject == "creatinine" for c in r.constraints)]
    assert failing and failing[0].kind == "inclusion" and failing[0].cohort is None
    cr = [c for c in failing[0].constraints if c.subject == "creatinine"][0]
    assert cr.status == "not_met"
    assert "creatinine" in failing[0].reason


def test_missing_data(seed):
    res = screen(seed, load_patient("seed_missing"))
    assert res.verdict == "undetermined"
    assert {"bilirubin", "alt", "ast", "lvef"} <= set(res.missing)
    assert any(r.startswith("missing data:") and "bilirubin" in r for r in res.reasons)
    assert not [r for r in res.criteria if r.eligible is False and r.cohort != "B-NHL"]


def test_age_out_of_cohort_range(seed):
    p = load_patient("seed_pass")
    p["age"] = 72  # B-ALL admits 3-70, B-NHL 18-75
    p["conditions"] = []
    res = screen(seed, p)
    assert res.cohorts["B-ALL"] == "ineligible"
    assert res.cohorts["B-NHL"] == "undetermined"
    assert res.verdict == "undetermined"


def test_result_to_dict_is_json(seed):
    d = screen(seed, load_patient("seed_pass")).to_dict()
    json.dumps(d)
    assert d["verdict"] in ("eligible", "ineligible", "undetermined")
    r = d["criteria"][0]
    assert set(r) >= {"criterion", "kind", "cohort", "status", "eligible", "reason", "constraints"}


def test_top_level_api_delegates(seed):
    assert critparse.screen(seed, load_patient("seed_missing")).verdict == "undetermined"


def _mini(op="<=", negated=False, kind="inclusion", unit="mg/dL", value=2.0):
    text = "Creatinine <= 2.0 mg/dL"
    crit = Criterion("inc.1" if kind == "inclusion" else "exc.1", None, kind, None, None, None, text, 0, len(text))
    con = Constraint(f"{crit.id}#c1", crit.id, kind, None, "creatinine", "Creatinine", op, value, unit, None,
                     Normalized(value, unit), negated, text, 0, len(text), category="lab")
    return ParsedTrial("T1", text, [crit], [con])


@pytest.mark.parametrize("value,unit,expected", [
    (150, "umol/L", "eligible"),        # 1.70 mg/dL
    (1.9, "mg/dl", "eligible"),
    (200, "µmol/L", "ineligible"),      # 2.26 mg/dL
    (2.1, "ULN", "undetermined"),       # a ULN multiple cannot meet an absolute threshold
    (1.0, "furlongs", "undetermined"),  # unit not convertible
])
def test_unit_conversion(value, unit, expected):
    res = screen(_mini(), {"labs": {"creatinine": {"value": value, "unit": unit}}})
    assert res.verdict == expected, res.criteria[0].reason


def test_negated_and_exclusion_semantics():
    # negated inclusion: "creatinine not <= 2.0" holds at 2.5
    assert screen(_mini(negated=True), {"labs": {"creatinine": {"value": 2.5, "unit": "mg/dL"}}}).verdict == "eligible"
    # a bare number for a lab whose threshold has a unit is not guessed
    assert screen(_mini(), {"labs": {"creatinine": 1.0}}).verdict == "undetermined"
    # exclusion "creatinine > 2.5": status is about the exclusion condition
    res = screen(_mini(op=">", kind="exclusion", value=2.5), {"creatinine": {"value": 3.0, "unit": "mg/dL"}})
    assert res.verdict == "ineligible"
    assert res.criteria[0].status == "met" and res.criteria[0].eligible is False
    res = screen(_mini(op=">", kind="exclusion", value=2.5), {"labs": {"creatinine": {"value": 1.0, "unit": "mg/dL"}}})
    assert res.verdict == "eligible" and res.criteria[0].status == "not_met"


def test_bad_patient_type(seed):
    with pytest.raises(TypeError):
        screen(seed, ["not", "a", "dict"])


def test_cli_screen(tmp_path, seed_text):
    trial = tmp_path / "seed.md"
    trial.write_text(seed_text, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "critparse", "screen", str(trial),
                          str(PATIENTS_DIR / "seed_missing.json"), "--mode", "fast"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["verdict"] in ("undetermined", "ineligible")
    bad = subprocess.run([sys.executable, "-m", "critparse", "screen", str(trial), str(tmp_path / "nope.json")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "critparse: error" in bad.stderr


@pytest.mark.parametrize("ast_x_uln, conditions, verdict", [
    (1.5, [], "eligible"),
    (3.0, ["liver metastases"], "eligible"),   # the bracket's limit holds for them
    (3.0, [], "undetermined"),                 # is the guard's group known not to apply? no condition list says so
    (6.0, ["liver metastases"], "ineligible"),
])
def test_a_bracketed_limit_for_a_group_is_its_alternative(ast_x_uln, conditions, verdict):
    """NCT00006477 (ctgov_xml_2023): 'AST and ALT less than 2 times ULN (5 times ULN if liver metastases
    present)'. The bracket gave no constraint, so a patient with liver metastases and AST at 3 x ULN was ineligible."""
    parsed = critparse.parse("Inclusion Criteria:\n- AST and ALT less than 2 times ULN (5 times ULN if liver "
                             "metastases present)")
    labs = {"ast": {"value": ast_x_uln * 40, "unit": "U/L", "uln": 40}, "alt": {"value": 30, "unit": "U/L", "uln": 40}}
    assert screen(parsed, {"labs": labs, "conditions": conditions}).verdict == verdict


def test_a_bracketed_limit_for_a_condition_is_its_alternative():
    """NCT00006229 (ctgov_xml_2023): 'ALT no greater than 2 times ULN (5 times ULN for liver metastases)': the
    bracket's 'for' opens the guard, as 'if' and 'for patients with' do."""
    parsed = critparse.parse("Inclusion Criteria:\n- ALT no greater than 2 times ULN (5 times ULN for liver metastases)")
    labs = {"alt": {"value": 120, "unit": "U/L", "uln": 40}}
    assert screen(parsed, {"labs": labs, "conditions": ["liver metastases"]}).verdict == "eligible"
    assert screen(parsed, {"labs": labs, "conditions": []}).verdict != "eligible"


@pytest.mark.parametrize("hba1c,verdict", [(9.0, "eligible"), (10.5, "ineligible"), (6.8, "ineligible")])
def test_hba1c_in_mmol_per_mol_screens_a_patient_in_percent(hba1c, verdict):
    # the IFCC scale maps to NGSP % by a line (53 mmol/mol is 7.0 %, 86 is 10.0 %); read as a ratio it required
    # HbA1c <= 8.6 % and 9.0 % failed (the form of NCT05813925, API v2 sample)
    parsed = critparse.parse("Inclusion Criteria:\n- HbA1c between 53 and 86 mmol/mol at screening", mode="fast")
    assert screen(parsed, {"labs": {"hba1c": {"value": hba1c, "unit": "%"}}}).verdict == verdict
