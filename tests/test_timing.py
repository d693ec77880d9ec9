"""Time windows that run after enrolment (critparse.timing): study rules and commitments are not facts of the
patient's history, so screening and the exporters read them as text, never as a test of past exposures."""

from __future__ import annotations

import critparse

# NCT00000697 (ctgov_xml_2023): a study rule about the first weeks of the trial, beside a look-back window
AZT = ("Exclusion Criteria:\n- AZT may not be administered during the first 3 weeks of foscarnet therapy.\n"
       "- Chemotherapy within 4 weeks prior to study entry.\n")


def _windows(text):
    return {c.subject: c.future for c in critparse.parse(text, mode="fast").constraints}


def test_first_weeks_of_the_study_and_next_months_run_forward():
    assert _windows(AZT) == {"azt": True, "chemotherapy": False}
    # NCT00000392: "likely to require chemotherapy during the first 6 months of the study"
    assert list(_windows("Malignancy likely to require chemotherapy during the first 6 months of the study.").values()) == [True]


def test_commitment_after_the_last_dose_runs_forward_a_washout_does_not():
    # NCT05896748-style commitments (ctgov_v2_json_sample) against a washout after a prior therapy
    fwd = critparse.parse("Agree to use contraception for at least 120 days after the last dose of study drug.",
                          mode="fast").constraints
    back = critparse.parse("At least 4 weeks after the last dose of prior chemotherapy.", mode="fast").constraints
    assert [c.future for c in fwd] == [True] and fwd[0].value == 120
    assert [c.future for c in back] == [False]


def test_up_until_hours_prior_looks_back():
    cons = critparse.parse("Antihistamines are allowed up until 48 hours prior to randomization.", mode="fast").constraints
    assert all(not c.future for c in cons)


def test_screening_does_not_test_a_forward_window_against_past_exposure():
    parsed = critparse.parse(AZT, mode="fast")
    # AZT 3 days ago: inside "3 weeks", but the rule is about the first weeks of foscarnet therapy
    res = critparse.screen(parsed, {"azt": {"value": 3, "unit": "d"}, "chemotherapy": {"value": 100, "unit": "d"}})
    assert res.verdict == "undetermined"
    res = critparse.screen(parsed, {"chemotherapy": {"value": 10, "unit": "d"}})
    assert res.verdict == "ineligible"  # the look-back window still decides


def test_future_travels_through_json_and_frames():
    parsed = critparse.parse(AZT, mode="fast")
    back = critparse.ParsedTrial.from_json(parsed.to_json())
    assert [c.future for c in back.constraints] == [True, False]
    frame = parsed.to_frames()["constraints"]
    assert list(frame["future"]) == [True, False] and not frame["standalone"].iloc[0]


def test_contact_rule_after_each_study_vaccination_runs_forward():
    # NCT00461981 (ctgov_xml_2023): a commitment after the study's vaccinations, not a time since a vaccination
    text = ("Exclusion Criteria:\n- Household contact who is immunocompromised (participants should also avoid close "
            "contact with immunocompromised individuals for at least 21 days after each study vaccination)\n")
    cons = critparse.parse(text, mode="fast").constraints
    assert [(c.value, c.unit, c.future) for c in cons] == [(21.0, "d", True)]


def test_washout_run_on_after_the_item_before_is_its_own_clause():
    # NCT00003591 (ctgov_xml_2023): the line break between two PDQ items is lost; the washout names its event after
    # "since" and the "No" of the item before negates nothing in it (was: "prior paclitaxel" >= 4 wk, negated)
    t = ("PRIOR CONCURRENT THERAPY: Biologic therapy: Not specified Chemotherapy: No prior paclitaxel\n"
         "        At least 4 weeks since prior gemcitabine No other prior chemotherapy")
    cons = critparse.parse(t, mode="fast").constraints
    assert [(c.subject, c.op, c.value, c.unit, c.negated) for c in cons] == [("gemcitabine", ">=", 4.0, "wk", False)]
    # NCT00003099: "Other: No vitamin A supplementation greater than 25,000 IU At least 12 months since prior retinoid
    # therapy" read NOT(retinoid therapy >= 12 mo) and excluded the patients whose last retinoid was years ago
    parsed = critparse.parse("Other: No vitamin A supplementation greater than 25,000 IU At least 12\n"
                             "        months since prior retinoid therapy", mode="fast")
    assert [(c.subject, c.negated) for c in parsed.constraints][-1] == ("retinoid therapy", False)
    assert critparse.screen(parsed, {"retinoid therapy": {"value": 2, "unit": "mo"}}).verdict == "ineligible"
    assert critparse.screen(parsed, {"retinoid therapy": {"value": 24, "unit": "mo"}}).verdict != "ineligible"


def test_a_no_item_run_on_after_the_item_before_keeps_its_own_subject_and_negation():
    # NCT00004174 (ctgov_xml_2023): "cardiologist No myocardial infarction" was the subject, and the "No" inside the
    # constraint's own text negated nothing: the window required a recent myocardial infarction
    t = ("PATIENT CHARACTERISTICS: Cardiovascular: LVEF at least 50% unless cleared by cardiologist No myocardial "
         "infarction within the past 6 months No significant arrhythmia requiring medication")
    cons = critparse.parse(t, mode="fast").constraints
    assert [(c.subject, c.op, c.value, c.unit, c.negated) for c in cons if c.unit == "mo"] == \
        [("myocardial infarction", "<=", 6.0, "mo", True)]


def test_a_study_period_named_by_its_length_runs_forward():
    # NCT05878938 (ctgov_v2_json_sample) and NCT00001996 (ctgov_xml_2023): the length of a part of the study
    assert list(_windows("Exclusion Criteria:\n- Minor or major surgery planned to take place after screening and during "
                         "the 26-week treatment period.\n").values()) == [True]
    assert list(_windows("Exclusion Criteria:\n- Corticosteroids (except replacement therapy) during the 21 day treatment "
                         "period\n").values()) == [True]
    assert list(_windows("Exclusion Criteria:\n- Corticosteroids during the 21 days before study entry\n").values()) == [False]


def test_a_window_after_the_study_itself_runs_forward():
    # NCT00006234 (ctgov_xml_2023): "No immunomodulators during and for at least 4 weeks after study" was a negated
    # look-back, so a patient given immunomodulators long ago failed the inclusion; a washout before entry is not
    rule = _windows("Inclusion Criteria:\n- No immunomodulators during and for at least 4 weeks after study\n"
                    "- At least 4 weeks since prior chemotherapy\n- No chemotherapy for at least 4 weeks after study entry\n")
    assert rule == {"immunomodulators": True, "chemotherapy": False}


def test_availability_for_follow_up_runs_forward():
    """'Are not available for follow-up for at least 3 years' (NCT00001120, exclusion) and 'Available for follow-up
    for at least 6 months' (NCT00000669, ctgov_xml_2023) commit the participant to the future; read as look-back
    windows they tested how long someone had been in a follow-up. 'Stable disease for at least 6 months' looks back."""
    assert list(_windows("Exclusion Criteria:\n- Are not available for follow-up for at least 3 years.").values()) == [True]
    assert list(_windows("Available for follow-up for at least 6 months").values()) == [True]
    assert list(_windows("Stable disease for at least 6 months").values()) == [False]
