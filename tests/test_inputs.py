"""Patients and trial JSON given to screen, export and check (issue 10): a declared model, missing
values as missing, clear errors naming the field, trial JSON checked against the package's schema."""

from __future__ import annotations

import copy
import json
import math

import pytest

import critparse
from critparse.inputs import InputValidationError, validate_patient, validate_trial_dict

pytestmark = pytest.mark.issue(10)

TRIAL = ("Inclusion Criteria:\n\n* Age >= 18 years\n* Creatinine <= 2.0 mg/dL\n* ECOG performance status 0 to 2\n\n"
         "Exclusion Criteria:\n\n* HIV infection\n* Pregnancy\n")
PATIENT = {"age": 45, "sex": "female", "labs": {"creatinine": {"value": 1.0, "unit": "mg/dL"}}, "ecog": 1,
           "conditions": []}


@pytest.fixture(scope="module")
def parsed():
    return critparse.parse(TRIAL, trial_id="NCT00000001", mode="fast")


@pytest.fixture(scope="module")
def trial_dict(parsed):
    return parsed.to_dict()


def _status(res, subject):
    return [c.status for r in res.criteria for c in r.constraints if c.subject == subject]


@pytest.mark.parametrize("where, bad", [
    ("age", {"age": math.nan}), ("age", {"age": "NaN"}),
    ("creatinine", {"labs": {"creatinine": {"value": math.nan, "unit": "mg/dL"}}}),
    ("creatinine", {"labs": {"creatinine": "nan"}}),
    ("ecog", {"ecog": math.nan}),
])
def test_nan_is_missing_data_not_a_verdict(parsed, where, bad):
    res = critparse.screen(parsed, {**PATIENT, **bad})
    assert res.verdict == "undetermined"
    assert set(_status(res, where)) == {"unknown"}
    assert where in " ".join(res.missing)


def test_answers_false_string_is_false_and_conditions_string_is_one_condition(parsed):
    inc = next(c.id for c in parsed.criteria if "HIV" in c.text)
    v = validate_patient({"answers": {inc: "false", "x": "YES"}, "conditions": "HIV"})
    assert v["answers"] == {inc: False, "x": True} and v["conditions"] == ["HIV"]
    res = critparse.screen(parsed, {**PATIENT, "conditions": "HIV"})
    assert res.by_criterion()[inc].status == "met" and res.verdict == "ineligible"


@pytest.mark.parametrize("patient, message", [
    ({"age": True}, "patient.age: a number is needed, not true/false"),
    ({"labs": [{"value": 1}]}, "patient.labs: an object"),
    ({"labs": "creatinine 1.0"}, "patient.labs: an object"),
    ({"answers": ["exc.1"]}, "patient.answers: an object"),
    ({"conditions": 3}, "patient.conditions: a list of strings is needed"),
    ({"labs": {"alt": {"value": 1, "unit": 3}}}, "patient.labs.alt.unit: a string is needed"),
    ({"labs": {"ast": {"value": 35, "uln": "x"}}}, "patient.labs.ast.uln: a number is needed, not the text 'x'"),
    ({"answers": {"exc.1": "maybe"}}, "patient.answers.exc.1: true or false is needed"),
    ({"age": math.inf}, "patient.age: inf is not a finite number"),
    ([1, 2], "a patient is a JSON object"),
])
def test_wrong_patient_types_name_the_field(parsed, patient, message):
    with pytest.raises(InputValidationError) as e:
        critparse.screen(parsed, patient)
    assert message in str(e.value)


def test_schema_version_is_checked(trial_dict):
    with pytest.raises(InputValidationError, match="schema_version '9.9' is not one this critparse reads"):
        validate_trial_dict({**trial_dict, "schema_version": "9.9"})


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.update(constraints=["abc"]), "trial.constraints[0]: 'abc' is not of type 'object'"),
    (lambda d: d["constraints"][0].update(op="~"), "trial.constraints[0].op: '~' is not one of"),
    (lambda d: d["constraints"][0].update(value=None), "trial.constraints[0].value: None is not of type 'number'"),
    (lambda d: d["constraints"][0].update(value="x"), "trial.constraints[0].value: 'x' is not of type 'number'"),
    (lambda d: d["criteria"][0].update(parent=d["criteria"][1]["id"]) or d["criteria"][1].update(parent=d["criteria"][0]["id"]),
     "form a cycle"),
    (lambda d: d["criteria"][0].update(parent="nowhere"), "has parent 'nowhere', which is not a criterion"),
])
def test_bad_trial_json_is_refused_with_the_path(trial_dict, edit, message):
    d = copy.deepcopy(trial_dict)
    edit(d)
    with pytest.raises(InputValidationError) as e:
        validate_trial_dict(d)
    assert message in str(e.value)


def test_an_empty_trial_does_not_screen_as_eligible():
    empty = critparse.parse("", mode="fast")
    with pytest.raises(InputValidationError, match="no criteria"):
        critparse.screen(empty, PATIENT)


def test_a_valid_trial_and_patient_still_screen(parsed, trial_dict):
    assert critparse.screen(trial_dict, PATIENT).verdict == critparse.screen(parsed, PATIENT).verdict
    assert critparse.screen(parsed, {**PATIENT, "labs": {"creatinine": {"value": 3, "unit": "mg/dL"}}}).verdict \
        == "ineligible"


# -- through the CLI ---------------------------------------------------------------

def _cli(*args):
    from typer.testing import CliRunner

    from critparse.cli import app

    return CliRunner().invoke(app, list(args))


def test_cli_refuses_bad_trial_and_patient_files_in_one_line(tmp_path, trial_dict):
    d = copy.deepcopy(trial_dict)
    d["criteria"][0]["parent"] = d["criteria"][1]["id"]
    d["criteria"][1]["parent"] = d["criteria"][0]["id"]
    cyc = tmp_path / "cycle.json"
    cyc.write_text(json.dumps(d))
    for args in (["export", "--to", "fhir", str(cyc)], ["check", str(cyc)]):
        res = _cli(*args)  # export --to fhir looped forever on this
        assert res.exit_code == 2 and "form a cycle" in res.output and "Traceback" not in res.output
    good = tmp_path / "trial.json"
    good.write_text(json.dumps(trial_dict))
    pat = tmp_path / "p.json"
    pat.write_text(json.dumps({"age": True}))
    res = _cli("screen", str(good), str(pat))
    assert res.exit_code == 2 and "patient.age: a number is needed" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_parse_reads_an_api_v2_study_file(tmp_path):
    study = {"protocolSection": {"identificationModule": {"nctId": "NCT01234567"},
                                 "descriptionModule": {"briefSummary": "1. Not a criterion\n2. Nor this"},
                                 "eligibilityModule": {"eligibilityCriteria": TRIAL, "sex": "FEMALE",
                                                       "minimumAge": "18 Years"}}}
    f = tmp_path / "NCT01234567.json"
    f.write_text(json.dumps(study))
    res = _cli("parse", str(f), "--mode", "fast")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    expected = critparse.parse(TRIAL, mode="fast")
    assert out["trial_id"] == "NCT01234567" and out["text"] == TRIAL
    assert [c["text"] for c in out["criteria"]] == [c.text for c in expected.criteria]
    assert out["info"]["sex"] == "female" and out["info"]["minimum_age"] == "18 Years"
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": 1}))
    res = _cli("parse", str(other), "--mode", "fast")
    assert res.exit_code == 2 and "not criteria text nor a ClinicalTrials.gov study" in res.output


def test_lone_surrogates_in_the_api():
    text = "Inclusion Criteria:\n\n* Age >= 18 \udfff years\n"
    for mode in ("fast", "full"):
        p = critparse.parse(text, trial_id="NCT0000000\ud800", mode=mode)
        assert p.text == text.replace("\udfff", "\ufffd") and p.trial_id == "NCT0000000\ufffd"
        p.to_json().encode("utf-8")


def test_a_parsed_trial_object_with_bad_constraints_is_refused(parsed):
    bad = copy.deepcopy(parsed)
    bad.constraints[0].op = "~"
    with pytest.raises(InputValidationError, match=r"constraints\[0\].op: '~'"):
        critparse.screen(bad, PATIENT)
    bad = copy.deepcopy(parsed)
    bad.constraints[0].value = float("nan")
    with pytest.raises(InputValidationError, match=r"constraints\[0\].value: nan is not a finite number"):
        critparse.screen(bad, PATIENT)
    bad = copy.deepcopy(parsed)
    bad.criteria[0].parent = bad.criteria[0].id
    with pytest.raises(InputValidationError, match="form a cycle"):
        critparse.screen(bad, PATIENT)


def test_patient_identifier_is_text_or_a_whole_number():
    # hypothesis found {'id': inf} passing through to screening (not JSON-serialisable)
    from critparse.inputs import InputValidationError, validate_patient

    assert validate_patient({"id": "P-1", "name": "Ann"}) == {"id": "P-1", "name": "Ann"}
    assert validate_patient({"id": 3.0}) == {"id": 3}
    for bad in (float("inf"), float("nan"), [1], True, 2.5):
        with pytest.raises(InputValidationError, match=r"^patient\.id: an identifier"):
            validate_patient({"id": bad})
