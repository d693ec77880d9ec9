"""FHIR in (issue 13): R4 / R5 Bundles read as the patient dict, screened with time windows."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import critparse
from critparse.cli import app
from critparse.fhir_patient import FhirInputError, read_bundle, screen_bundle
from critparse.matching.synthetic import Lab, Med, Proc, bundle, random_bundles

pytestmark = pytest.mark.issue(13)

TRIAL = """Inclusion Criteria:
1. Age >= 18 years
2. ECOG performance status 0-1
3. Platelet count >= 100,000/mm3
4. Total bilirubin <= 1.5 x ULN
Exclusion Criteria:
1. Systemic steroids within 2 weeks prior to screening
2. Major surgery within 4 weeks before enrollment
3. History of HIV infection
"""
AS_OF = "2026-12-01"


@pytest.fixture(scope="module")
def trial(fast):
    return critparse.parse(TRIAL, trial_id="T1", mode="fast")


def _patient(**kw):
    base = dict(birth="1960-06-15", gender="female", ecog=1,
                labs=[Lab("777-3", 150, "10*3/uL", low=150, high=400), Lab("1975-2", 1.0, "mg/dL", high=1.2)])
    base.update(kw)
    return bundle("p1", **base)


def _status(res, cid):
    return res.by_criterion()[cid].status


@pytest.mark.parametrize("version", ["R4", "R5"])
def test_bundle_read_both_versions(version):
    fp = read_bundle(_patient(version=version, meds=[Med("prednisone", "2026-11-01", "2026-11-20")]), AS_OF)
    assert fp.version == version
    assert fp.patient["age"] == {"value": 66, "unit": "a"} and fp.patient["sex"] == "female"
    assert fp.patient["labs"]["platelet count"] == {"value": 150.0, "unit": "10*3/uL", "uln": 400.0, "lln": 150.0}
    assert fp.patient["ecog"] == 1.0
    assert [e.describe() for e in fp.exposures] == [f"MedicationStatement/p1-med0 prednisone 2026-11-01..2026-11-20"]


def test_age_at_as_of_and_partial_birth_dates():
    assert read_bundle(_patient(birth="2008-12-02"), "2026-12-01").patient["age"]["value"] == 17
    assert read_bundle(_patient(birth="2008-12-01"), "2026-12-01").patient["age"]["value"] == 18
    assert read_bundle(_patient(birth="1960-03"), "2026-12-01").patient["age"]["value"] == 66
    assert "age" not in read_bundle(_patient(birth="2008"), "2026-06-01").patient  # 17 or 18: unknown


def test_screen_bundle_verdicts_and_window_source(trial):
    res = screen_bundle(trial, _patient(meds=[Med("Prednisone 5 mg tablet", "2026-11-10", "2026-11-25")]), AS_OF)
    exc1 = res.by_criterion()["exc.1"]
    assert exc1.status == "met" and res.verdict == "ineligible"
    assert "MedicationStatement/p1-med0" in exc1.reason and "2026-11-10..2026-11-25" in exc1.reason
    assert exc1.constraints[0].patient["source"] == "MedicationStatement/p1-med0"
    assert _status(res, "inc.4") == "met"  # 1.0 mg/dL with ULN 1.2: 0.83 x ULN
    # the same stop date, screened a month later: outside the window
    later = screen_bundle(trial, _patient(meds=[Med("prednisone", "2026-11-10", "2026-11-25")]), "2026-12-31")
    assert _status(later, "exc.1") == "not_met"
    # still taken: inside any window
    ongoing = screen_bundle(trial, _patient(meds=[Med("dexamethasone", "2025-01-01")]), AS_OF)
    assert _status(ongoing, "exc.1") == "met"


def test_windows_need_a_matching_systemic_drug(trial):
    inhaled = screen_bundle(trial, _patient(meds=[Med("budesonide", "2026-11-20", "2026-11-28", route="inhalation"),
                                                  Med("prednisolone", "2026-11-20", "2026-11-28", route="inhalation")]),
                            AS_OF)
    assert _status(inhaled, "exc.1") == "unknown"  # no systemic steroid recorded: missing, not 'not met'
    assert "systemic steroids" in inhaled.missing
    other = screen_bundle(trial, _patient(meds=[Med("metformin", "2026-11-20")]), AS_OF)
    assert _status(other, "exc.1") == "unknown"
    surgery = screen_bundle(trial, _patient(procedures=[Proc("Major surgery", "2026-10-20")]), AS_OF)
    assert _status(surgery, "exc.2") == "not_met"  # 42 days ago: outside 4 weeks
    surgery_late = screen_bundle(trial, _patient(procedures=[Proc("Major surgery", "2026-11-20")]), AS_OF)
    assert _status(surgery_late, "exc.2") == "met"


def test_critparse_screen_takes_a_bundle(trial):
    b = _patient(conditions=["HIV infection"])
    res = critparse.screen(trial, b)  # as_of today: the age and the lab values do not depend on it here
    assert res.verdict == "ineligible" and _status(res, "exc.3") == "met"
    assert res.to_dict() == screen_bundle(trial, b).to_dict()


def test_ecog_coded_and_karnofsky():
    b = _patient(ecog=None, karnofsky=80)
    b["entry"].append({"resource": {
        "resourceType": "Observation", "id": "e1", "status": "final", "effectiveDateTime": "2026-11-30",
        "code": {"coding": [{"system": "http://loinc.org", "code": "89247-1"}]},
        "valueCodeableConcept": {"coding": [{"system": "http://loinc.org", "code": "LA9624-3"}]}}})
    fp = read_bundle(b, AS_OF)
    assert fp.patient["ecog"] == 2.0 and fp.patient["karnofsky"] == 80.0


def test_observation_rules():
    b = _patient(labs=[Lab("777-3", 90, "10*3/uL", day="2026-10-01"), Lab("777-3", 210, "10*3/uL", day="2026-11-28"),
                       Lab("777-3", 50, "10*3/uL", day="2026-12-05")])  # the last one is after as_of
    b["entry"].append({"resource": {
        "resourceType": "Observation", "id": "c1", "status": "final", "effectiveDateTime": "2026-11-29",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2160-0"}]},
        "valueQuantity": {"value": 0.5, "comparator": "<", "unit": "mg/dL"}}})
    fp = read_bundle(b, AS_OF)
    assert fp.patient["labs"]["platelet count"]["value"] == 210.0
    assert "creatinine" not in fp.patient["labs"]  # '<0.5' is not a value


def test_conditions_active_only_and_codes():
    b = _patient()
    for cid, status, code in (("c1", "active", "C50.9"), ("c2", "resolved", "B20")):
        b["entry"].append({"resource": {
            "resourceType": "Condition", "id": cid, "subject": {"reference": "Patient/p1"},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": status}]},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code,
                                 "display": {"C50.9": "Breast cancer", "B20": "HIV disease"}[code]}]}}})
    fp = read_bundle(b, AS_OF)
    # a resolved Condition is a past one (critparse.linking.history): it meets only history criteria
    assert fp.patient["conditions"] == ["Breast cancer", "history of HIV disease", "history of B20"]
    assert fp.codes == ["ICD-10-CM:C50.9"]


def test_bad_resources_name_entry_resource_and_field():
    b = _patient()
    b["entry"][1]["resource"]["valueQuantity"]["value"] = "abc"
    with pytest.raises(FhirInputError, match=r"Bundle.entry\[1\] Observation/p1-lab0 .*valueQuantity.value"):
        read_bundle(b, AS_OF)
    b = _patient()
    b["entry"][0]["resource"]["birthDate"] = "1960-13-45"
    with pytest.raises(FhirInputError, match=r"Patient/p1 .*birthDate"):
        read_bundle(b, AS_OF)
    with pytest.raises(FhirInputError, match="resourceType"):
        read_bundle({"resourceType": "Patient"}, AS_OF)


def test_generator_bundles_validate():
    for version in ("R4", "R5"):
        for b in random_bundles(20, seed=3, version=version):
            fp = read_bundle(b, AS_OF)  # raises where a resource is not valid FHIR
            # without a medication or procedure the resources read are valid R5 and R4 alike
            assert fp.version == version or not fp.exposures, fp.exposures


def test_cli_screen_bundle(tmp_path, trial):
    tp, pp = tmp_path / "t.json", tmp_path / "p.json"
    tp.write_text(json.dumps(trial.to_dict()))
    pp.write_text(json.dumps(_patient(meds=[Med("prednisone", "2026-11-10", "2026-11-25")])))
    res = CliRunner().invoke(app, ["screen", str(tp), str(pp), "--as-of", "2026-12-01"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["verdict"] == "ineligible" and "2026-11-10..2026-11-25" in " ".join(out["reasons"])
    late = CliRunner().invoke(app, ["screen", str(tp), str(pp), "--as-of", "2027-03-01"])
    assert json.loads(late.output)["verdict"] != "ineligible"
    bad = json.loads(pp.read_text())
    bad["entry"][0]["resource"]["gender"] = 7
    pp.write_text(json.dumps(bad))
    res = CliRunner().invoke(app, ["screen", str(tp), str(pp)])
    assert res.exit_code == 2 and "Patient/p1" in res.output and "gender" in res.output


def test_a_duration_is_not_tested_against_the_time_since_an_exposure(fast):
    # NCT00000361 (ctgov_xml_2023): "corticosteroids for more than 30 days" is how long they were taken; a 5-day
    # prednisone course that ended 62 days ago met "> 30 d" as a time since, and the patient was excluded
    t = "Exclusion Criteria:\n- Have used corticosteroids for more than 30 days within the past 90 days.\n"
    parsed = critparse.parse(t, mode="fast")
    res = screen_bundle(parsed, _patient(meds=[Med("prednisone", "2026-09-25", "2026-09-30")]), AS_OF)
    assert _status(res, "exc.1") == "unknown" and res.verdict != "ineligible"
    assert "not how long it lasted" in res.by_criterion()["exc.1"].reason
    # the window alone still decides: a course ended 120 days ago is outside "within the past 90 days"
    old = screen_bundle(parsed, _patient(meds=[Med("prednisone", "2026-07-25", "2026-08-03")]), AS_OF)
    assert _status(old, "exc.1") == "not_met"
