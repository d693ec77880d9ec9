"""Coordinated lists, sex-specific groups and grade/stage subjects (issue 9 items 2 and 4), on real text."""

from __future__ import annotations

import json

import pytest

from critparse.constraints import extract
from critparse.normalize import normalize


def _subjects(text):
    return [(c["subject"], c["op"], c["value"]) for c in extract(normalize(text).text)]


def test_oxford_comma_list_shares_the_threshold():
    # NCT00002972, NCT00004015: the ", and" before the last item is the list's joint, not a clause break
    assert _subjects("SGOT, SGPT, and alkaline phosphatase <= 2.5 x ULN") == [
        ("ast", "<=", 2.5), ("alt", "<=", 2.5), ("alp", "<=", 2.5)]
    assert _subjects("Bilirubin, SGOT, SGPT, and alkaline phosphatase no greater than 2.5 times normal unless "
                     "caused by reversible")[:4] == [("bilirubin", "<=", 2.5), ("ast", "<=", 2.5),
                                                     ("alt", "<=", 2.5), ("alp", "<=", 2.5)]


def test_a_real_clause_break_after_a_list_stays_a_break():
    got = _subjects("AST, ALT, and bilirubin <= 2.5 x ULN, and must have platelets >= 100,000/mm3")
    assert got == [("ast", "<=", 2.5), ("alt", "<=", 2.5), ("bilirubin", "<=", 2.5), ("platelet count", ">=", 100000)]
    # items with words of their own are not a bare list: the clause before ", and" is another requirement
    assert _subjects("Bilirubin normal, AST normal, and ALT <= 2.5 x ULN") == [("alt", "<=", 2.5)]


def test_one_bare_threshold_only_measures_commensurable_list_items():
    # NCT00001541: a bare 50 is a platelet count here, never a prothrombin time (seconds) as well
    assert _subjects("Abnormal PT, PTT, or platelet count less than 50.") == [("platelet count", "<", 50)]
    # NCT00001079: kg/m2 is no weight
    assert [s for s, _, _ in _subjects("Documented weight loss of > 10% pre-illness weight or Body Mass Index "
                                       "< 18.5 kg/m2.")].count("weight") == 0
    # a multiple of ULN fits every item of the list
    assert _subjects("PT, INR and aPTT <= 1.5 x ULN") == [("pt", "<=", 1.5), ("inr", "<=", 1.5), ("aptt", "<=", 1.5)]


def test_the_scale_a_grade_is_read_by_is_not_part_of_the_graded_thing():
    # NCT00460265, NCT00000656: "based on <scale>" names how the grade is read
    assert _subjects("Grade >= 3 hearing loss based on the Common Terminology Criteria for Adverse Events") == [
        ("hearing loss grade", ">=", 3)]
    assert _subjects("Grade 2 or higher neuropathy based on the Neuropathy Targeted Symptom Questionnaire.") == [
        ("neuropathy grade", ">=", 2)]


def test_a_bare_c_or_f_after_a_fever_is_a_body_temperature():
    # NCT00000803, NCT00000848: "38.5 C"; a fever's window bounds the temperature reading
    got = extract(normalize("Unexplained fever > 38.5 C for any 7 days within 30 days prior to study entry.").text)
    assert [(c["subject"], c["op"], c["value"], c["unit"]) for c in got][:1] == [("temperature", ">", 38.5, "Cel")]
    got = extract(normalize("fever > 101 F within 10 days").text)
    assert [(c["subject"], c["op"], c["value"], c["unit"]) for c in got] == [
        ("temperature", ">", 101, "[degF]"), ("temperature", "<=", 10, "d")]
    assert extract(normalize("fever > 200 F").text) == []  # no body temperature


def test_an_illness_that_limits_survival_bounds_life_expectancy():
    # NCT00002501, NCT00002723, NCT00003700: "would limit survival to less than 2 years"
    for text, value, unit in (("No other serious medical illness that would limit survival to less than 2 years", 2, "a"),
                              ("No other serious medical illness that limits survival to less than 3 months", 3, "mo"),
                              ("Any other serious illnesses which would limit survival to <2 years, or psychiatric "
                               "condition", 2, "a")):
        got = extract(normalize(text).text)
        assert [(c["subject"], c["op"], c["value"], c["unit"]) for c in got] == [("life expectancy", "<", value, unit)]


def _parsed(text):
    from critparse.parser import parse
    return parse(text, mode="fast")


def _crit(parsed, kind):
    return next(c for c in parsed.criteria if c.kind == kind and c.expression)


def test_sex_specific_age_groups_are_guarded_alternatives_never_and_ed():
    # NCT00000553: both groups' bounds and-ed would let nobody in
    p = _parsed("Inclusion Criteria:\n- Women range in age from 35 to less than 68 and men from 35 to less than 63.")
    e = _crit(p, "inclusion").expression
    assert set(e) == {"any"} and [b["when"]["text"] for b in e["any"]] == ["Women", "men"]
    cons = {c.id: c for c in p.constraints}
    assert [[(cons[x["constraint"]].op, cons[x["constraint"]].value) for x in b["then"]["all"]] for b in e["any"]] == [
        [(">=", 35), ("<", 68)], [(">=", 35), ("<", 63)]]


def test_sex_specific_bounds_after_the_values_with_for():
    # NCT00001589 ("... 40 years for males and ... 50 years for females"), NCT00001729 (hematocrit per sex)
    e = _crit(_parsed("Inclusion Criteria:\n- Age greater than or equal to 40 years for males and greater than or "
                      "equal to 50 years for females."), "inclusion").expression
    assert [b["when"]["text"] for b in e["any"]] == ["males", "females"]
    e = _crit(_parsed("Exclusion Criteria:\n- Pre-existing anemia (hematocrit less than 36% for men and less than 34% "
                      "for women) or known history of hemolytic anemia."), "exclusion").expression
    assert "any" in json.dumps(e) and '"text": "men"' in json.dumps(e) and '"text": "women"' in json.dumps(e)


def test_one_group_of_both_sexes_is_no_sex_guard():
    e = _crit(_parsed("Inclusion Criteria:\n- Male or female, aged 18-65 years"), "inclusion").expression
    assert "when" not in json.dumps(e)


def test_screening_decides_a_sex_guard_by_the_patients_sex():
    from critparse import screen
    p = _parsed("Inclusion Criteria:\n- Women range in age from 35 to less than 68 and men from 35 to less than 63.")
    assert screen(p, {"age": 65, "sex": "female"}).verdict == "eligible"
    assert screen(p, {"age": 65, "sex": "male"}).verdict == "ineligible"
    assert screen(p, {"age": 50, "sex": "male"}).verdict == "eligible"
    assert screen(p, {"age": 50}).verdict == "undetermined"  # missing sex: never ineligible
    assert screen(p, {"age": 70, "sex": "female"}).verdict == "ineligible"


def test_a_qualified_sex_group_only_rules_out_the_other_sex():
    from critparse.patient import Patient
    assert Patient({"sex": "male"}).text_status("postmenopausal women", decide_sex=True)[0] is False
    assert Patient({"sex": "female"}).text_status("postmenopausal women", decide_sex=True)[0] is None
    assert Patient({"sex": "female"}).text_status("female participants", decide_sex=True)[0] is True
    assert Patient({"sex": "female"}).text_status("female participants", decide_sex=False)[0] is None


def test_a_duration_after_persisting_or_lasting_is_of_the_thing_that_lasts():
    # NCT00000731, NCT00000908, NCT00002239, NCT00000656: never the verb "persisting"
    assert _subjects("Fever of > 38.5 degrees C persisting for longer than 3 weeks.")[1:] == [("fever", ">", 3)]
    assert _subjects("Have a fever lasting more than 2 weeks.") == [("fever", ">", 2)]
    assert _subjects("Have had diarrhea lasting at least 15 days within 30 days prior to screening.") == [
        ("diarrhea", ">=", 15), ("diarrhea", "<=", 30)]
    got = _subjects("Unexplained diarrhea defined as at least 3 liquid stools/day persisting more than 7 days within "
                    "2 years prior to study entry.")
    assert ("unexplained diarrhea", ">", 7) in got and all("persisting" not in s for s, _, _ in got)


def test_a_subscript_written_with_an_underscore_is_the_same_name():
    # legacy XML writes subscripts as "_" (FEV_1: 42 times in ctgov_xml_2023; NCT00002521, NCT00002809)
    assert _subjects("DLCO, FEV_1, and FVC at least 50% predicted") == [
        ("dlco", ">=", 50), ("fev1", ">=", 50), ("fvc", ">=", 50)]


def test_a_sex_guard_is_the_patients_sex_in_screening_and_json_logic():
    json_logic = pytest.importorskip("json_logic")
    from critparse import screen
    from critparse.export.jsonlogic import patient_data, to_jsonlogic
    p = _parsed("Inclusion Criteria:\n- Women range in age from 35 to less than 68 and men from 35 to less than 63.\n"
                "Exclusion Criteria:\n- QTc > 450 ms for men and > 470 ms for women")
    doc = to_jsonlogic(p)
    for patient in ({"age": 65, "sex": "female", "labs": {"qtc": {"value": 460, "unit": "ms"}}},
                    {"age": 60, "sex": "male", "labs": {"qtc": {"value": 460, "unit": "ms"}}},
                    {"age": 60, "sex": "male", "labs": {"qtc": {"value": 440, "unit": "ms"}}},
                    {"age": 60, "labs": {"qtc": {"value": 440, "unit": "ms"}}}):
        got = screen(p, patient).verdict
        assert json_logic.jsonLogic(doc["verdict"], patient_data(patient, doc)) == got, patient
    assert [screen(p, x).verdict for x in ({"age": 65, "sex": "female", "labs": {"qtc": {"value": 460, "unit": "ms"}}},
                                           {"age": 60, "sex": "male", "labs": {"qtc": {"value": 460, "unit": "ms"}}})] \
        == ["eligible", "ineligible"]


def test_only_the_bounds_just_before_for_men_belong_to_the_group():
    # NCT00005479: creatinine and TG are everyone's; only the BMI bounds are per sex
    text = ("Exclusion Criteria:\n- Laboratory values of creatinine levels > 1.3, abnormal liver function tests, abnormal "
            "CBC, fasting TG > 400 mg/dl, body mass index (BMI) > 34 for men and > 37 for women or BMI < 20 for both sexes")
    p = _parsed(text)
    cons = {c.id: c for c in p.constraints}
    e = _crit(p, "exclusion").expression

    def guarded(x, under=False, out=None):
        out = {} if out is None else out
        if isinstance(x, dict):
            if "constraint" in x:
                out[cons[x["constraint"]].subject, cons[x["constraint"]].value] = under
            for k, v in x.items():
                guarded(v, under or k == "then", out)
        elif isinstance(x, list):
            for v in x:
                guarded(v, under, out)
        return out

    got = guarded(e)
    assert got[("bmi", 34)] and got[("bmi", 37)]
    assert not got[("creatinine", 1.3)] and not got[("bmi", 20)]
