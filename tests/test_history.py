"""Personal-history codes (issue 12 item 2): a patient's ICD-10-CM Z85-Z87 code ("Z85.3", Personal history of
malignant neoplasm of breast) meets a criterion that speaks of the condition as history ("History of breast
cancer", C50), and leaves a criterion about a current condition ("Active tuberculosis") undecided, the same
way in `critparse.screen`, set-wise matching, cohort membership and the JSON Logic export."""

from __future__ import annotations


import pytest

import critparse
from critparse.export.jsonlogic import HISTORY_CODES, condition_codes, to_jsonlogic
from critparse.linking.history import history_of, speaks_of_history
from critparse.linking.match import history_codes, patient_codes
from critparse.matching.columns import PatientColumns
from critparse.matching.evaluate import match_trial
from critparse.patient import Patient

from _trials import assert_paths_agree
from conftest import xml_record

pytestmark = pytest.mark.issue(12)

# real exclusion lines of legacy-XML records (NCT00000176, NCT00000848, NCT00000812, NCT00001322)
TRIAL = """Inclusion Criteria:

  -  Age 18 years or older

Exclusion Criteria:

  -  History of breast cancer
  -  Active tuberculosis.
  -  History of active tuberculosis within 3 months prior to study entry.
  -  History of pulmonary embolism or phlebothrombosis;
"""


@pytest.mark.parametrize("code,past", [
    ("Z85.3", ("C50",)),       # Personal history of malignant neoplasm of breast
    ("Z85.028", ("C16",)),     # ... of other malignant neoplasm of stomach
    ("Z86.11", ("A15",)),      # ... of tuberculosis
    ("Z86.711", ("I26",)),     # ... of pulmonary embolism (I26, not also its child I26.99)
    ("Z87.891", ("F17",)),     # ... of nicotine dependence
    ("Z85.04", ()),            # rectum, rectosigmoid junction, and anus: only C21 (anus) links: no code
    ("Z85.42", ()),            # other parts of uterus: a grouping
    ("Z86.69", ()),            # other diseases of the nervous system and sense organs
    ("Z80.3", ()),             # Family history of malignant neoplasm of breast: not the patient's
    ("C50.911", ()),           # not a history code
])
def test_personal_history_codes_stand_for_the_condition_they_name(code, past):
    assert history_of(code) == past


def test_patient_text_naming_a_past_condition_is_history():
    assert patient_codes("history of breast cancer") == [] and history_codes("history of breast cancer")[0][0] == "C50"
    assert patient_codes("breast cancer") == ["C50"] and history_codes("breast cancer") == []
    assert history_codes("Z85.3") == [("C50", "Z85.3")]


@pytest.mark.parametrize("text,mention,history", [
    ("History of breast cancer", "breast cancer", True),
    ("Active tuberculosis.", "tuberculosis", False),
    ("History of active tuberculosis within 3 months prior to study entry.", "tuberculosis", False),
    ("History of stroke in the past 5 years", "stroke", False),
    ("History of myocardial infarction in the past year", "myocardial infarction", False),
    # ConText's scope stops at the commas; the clause's cue still covers each item
    ("History of craniocerebral trauma, conscious disturbance,epilepsy,cerebrovascular ischemia", "epilepsy", True),
    ("severe heart diseases such as severe arrhythmia in the past", "arrhythmia", True),
    ("Prior chemotherapy; current infection", "infection", False),
    ("Maternal history of cocaine abuse during pregnancy.", "cocaine abuse", False),  # NCT00001927
    ("Full biological first-degree relatives of children with a history of porencephaly or stroke", "stroke",
     False),  # NCT00001927
    ("No history of clinically significant cardiac disease, serious arrhythmias, or significant conduction "
     "abnormalities", "conduction abnormalities", False),  # NCT00004865: ConText's negation stops at the comma
    ("Prior chemotherapy, radiation therapy, immunotherapy, or biotherapy for breast cancer", "breast cancer",
     False),  # NCT00005970: a past treatment, not a past cancer
    ("Low-grade NHL (IWF A-C): 1 or 2 prior therapies", "NHL", False),  # NCT00002745
    ("History of cervical cancer suspected of being recurrent", "cervical cancer", False),  # NCT00003429
    ("Intubation for asthma at any time in the past", "asthma", True),
    ("Have a history of cancer, except Kaposi's sarcoma (KS) or skin cancer.", "Kaposi's sarcoma", False),
    ("Prior intravesical therapy for superficial bladder cancer allowed and recovered", "superficial bladder cancer",
     False),  # NCT00003701 (ConText marks it historical)
])
def test_which_criteria_speak_of_history(text, mention, history):
    assert speaks_of_history(text, mention) is history
    assert speaks_of_history(text, mention, historical=True) is history  # the clause decides, not ConText


def test_header_of_a_list_speaks_for_its_items():
    assert speaks_of_history("breast cancer", "breast cancer", header="History of any of the following:")
    assert not speaks_of_history("breast cancer", "breast cancer", header="History within 5 years of:")
    # an exclusion list's header says who is excluded, not that the items are absent (209 XML records)
    assert speaks_of_history("Prior malignancy.", "malignancy",
                             header="Patients with the following prior conditions are excluded:")
    assert not speaks_of_history("Prior malignancy.", "malignancy", header="No history of the following:")


@pytest.fixture(scope="module")
def trial():
    return critparse.parse(TRIAL, trial_id="HIST")


# patient conditions -> (exc.1 breast cancer history, exc.2 active TB, exc.4 pulmonary embolism history)
CASES = [
    (["Z85.3"], ("met", "unknown", "unknown")),
    (["C50.911"], ("met", "unknown", "unknown")),   # a current code meets a history criterion too
    (["Z86.11"], ("unknown", "unknown", "unknown")),  # past TB: active TB undecided, not met
    (["A15.0"], ("unknown", "met", "unknown")),
    (["Z86.711"], ("unknown", "unknown", "met")),
    (["history of breast cancer"], ("met", "unknown", "unknown")),
    (["history of tuberculosis"], ("unknown", "unknown", "unknown")),
]


@pytest.mark.parametrize("conditions,statuses", CASES)
def test_screen_history_codes_both_ways(trial, conditions, statuses):
    res = critparse.screen(trial, {"age": 50, "sex": "female", "conditions": conditions})
    by = {r.criterion: r for r in res.criteria}
    assert (by["exc.1"].status, by["exc.2"].status, by["exc.4"].status) == statuses
    assert res.verdict == ("ineligible" if "met" in statuses else "undetermined")
    if conditions == ["Z86.11"]:
        assert "speaks of a current condition" in by["exc.2"].reason
    if conditions == ["Z85.3"]:
        assert "personal history of C50" in by["exc.1"].reason


def test_jsonlogic_and_setwise_matching_agree_with_screen(trial):
    doc = to_jsonlogic(trial)
    assert HISTORY_CODES in doc["variables"]
    by = {u["criterion"]: u for u in doc["unevaluable"]}
    assert by["exc.1"]["conditions"] == [{"mention": "breast cancer", "codes": ["C50"], "history": True}]
    assert by["exc.2"]["conditions"][0]["history"] is False
    assert_paths_agree(trial, doc, [{"age": 50, "sex": "female", "conditions": c} for c, _ in CASES])


def test_condition_history_codes_variable():
    assert condition_codes(["Z85.3", "G40.909"], history=True) == ["C00-C96", "C50"]  # with its generic range
    assert "C50" not in condition_codes(["Z85.3"]) and "Z85.3" in condition_codes(["Z85.3"])


def test_cohort_membership_ignores_history_codes():
    p = Patient({"conditions": ["Z85.3"]})
    assert not p.has_condition("breast cancer") and p.has_condition("breast cancer", history=True)
    assert Patient({"conditions": ["C50.911"]}).has_condition("breast cancer")


def test_seed_trial_history_list_and_a_grouping_code(seed_parsed):
    # exc.1 "History of craniocerebral trauma, conscious disturbance,epilepsy,...": epilepsy (G40) is spoken of
    # as history; Z86.69 (other diseases of the nervous system) names no condition and decides nothing
    doc = to_jsonlogic(seed_parsed)
    exc1 = [u for u in doc["unevaluable"] if u["criterion"] == "exc.1"][0]
    assert {"mention": "epilepsy", "codes": ["G40"], "history": True} in exc1["conditions"]
    res = critparse.screen(seed_parsed, {"age": 30, "sex": "female", "conditions": ["Z86.69"]})
    assert {r.criterion: r for r in res.criteria}["exc.1"].status == "unknown"


def test_xml_record_history_of_breast_cancer(corpora):
    parsed = critparse.parse(xml_record(corpora, "NCT00000176"), trial_id="NCT00000176")
    crit = [c for c in parsed.criteria if (c.clean_text or c.text).startswith("History of breast cancer")][0]
    for conditions, status in ((["Z85.3"], "met"), (["Z85.43"], "unknown"), (["C50.912"], "met")):
        res = critparse.screen(parsed, {"age": 70, "sex": "female", "conditions": conditions})
        r = {x.criterion: x for x in res.criteria}[crit.id]
        assert r.kind == "exclusion" and r.status == status, (conditions, r.reason)


def test_xml_record_active_tuberculosis(corpora):
    parsed = critparse.parse(xml_record(corpora, "NCT00000848"), trial_id="NCT00000848")
    crit = [c for c in parsed.criteria if (c.clean_text or c.text).startswith("Active tuberculosis")][0]
    for conditions, status in ((["Z86.11"], "unknown"), (["A15.0"], "met")):
        res = critparse.screen(parsed, {"age": 40, "sex": "male", "conditions": conditions})
        r = {x.criterion: x for x in res.criteria}[crit.id]
        assert r.kind == "exclusion" and r.status == status, (conditions, r.reason)


def _bundle(conditions):
    entry = [{"resource": {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1970-01-01"}}]
    for i, (status, code, display) in enumerate(conditions):
        entry.append({"resource": {
            "resourceType": "Condition", "id": f"c{i}", "subject": {"reference": "Patient/p1"},
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": status}]},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code, "display": display}]}}})
    return {"resourceType": "Bundle", "type": "collection", "entry": entry}


@pytest.mark.parametrize("conditions,statuses", [
    ([("resolved", "C50.911", "Malignant neoplasm of unspecified site of right female breast")], ("met", "unknown")),
    ([("active", "Z85.3", "Personal history of malignant neoplasm of breast")], ("met", "unknown")),
    ([("resolved", "A15.0", "Tuberculosis of lung")], ("unknown", "unknown")),  # past TB: active TB undecided
    ([("active", "A15.0", "Tuberculosis of lung")], ("unknown", "met")),
])
def test_fhir_resolved_conditions_are_history(trial, conditions, statuses):
    from critparse.fhir_patient import screen_bundle

    res = screen_bundle(trial, _bundle(conditions), as_of="2026-12-01")
    by = {r.criterion: r for r in res.criteria}
    assert (by["exc.1"].status, by["exc.2"].status) == statuses, [by["exc.1"].reason, by["exc.2"].reason]


def test_negation_before_a_list_item_that_context_missed():
    # NCT00004865 (inclusion): ConText's negation stops at the first comma, so "conduction abnormalities"
    # is not negated; a patient's conduction-disorder code must not make "No history of ..." hold
    text = ("Inclusion Criteria:\n\n  -  No history of clinically significant cardiac disease, serious arrhythmias, "
            "or significant conduction abnormalities\n")
    parsed = critparse.parse(text, trial_id="NEG")
    ents = {e.text: e for e in parsed.entities if e.label == "Condition"}
    assert not ents["arrhythmias"].negated and ents["arrhythmias"].codes  # what ConText gives
    for conditions in (["I49.9"], ["I45.9"]):
        res = critparse.screen(parsed, {"age": 50, "sex": "female", "conditions": conditions})
        assert res.criteria[0].status == "unknown" and res.verdict == "undetermined", res.criteria[0].reason
    doc = to_jsonlogic(parsed)
    assert "condition_codes" not in doc["variables"]
    cols = PatientColumns(["a"], [{"age": 50, "sex": "female", "conditions": ["I49.9"]}])
    assert int(match_trial(parsed, cols).verdict[0]) == 0
