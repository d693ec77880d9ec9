"""critparse.washout: "no X for at least N" is a time since the last X (a washout), not a negated duration;
the length of an exposure keeps its negated reading; an ambiguous one gives no constraint.

Every text is a real criterion line (trial id of the legacy-XML 2023 extract, the API v2 sample or Chia)."""

from __future__ import annotations

import pytest

import critparse

from conftest import xml_record


def _cons(text, mode="fast"):
    return critparse.parse("Inclusion Criteria:\n- " + text, mode=mode).constraints


def _one(text, mode="fast"):
    cons = [c for c in _cons(text, mode) if c.subject != "age"]
    assert len(cons) == 1, [(c.subject, c.op, c.value, c.unit) for c in cons]
    return cons[0]


WASHOUTS = [
    # (text, source, subject, op, value, unit)
    ("Patients must have had no chemotherapy, radiation therapy, cancer related surgery and/or immunotherapy "
     "for at least 24 months.", "NCT00006515", None, ">=", 24, "mo"),
    ("No chemotherapy for at least two weeks prior to entry.", "NCT00001271", "chemotherapy", ">=", 2, "wk"),
    ("Patients must have received no cyclosporin for at least 6 months prior to the study period.", "NCT00001959",
     "cyclosporin", ">=", 6, "mo"),
    ("Aged 18-45 who have not received enzyme therapy for at least 1 year.", "NCT00001416", "enzyme therapy", ">=", 1, "a"),
    ("Not using any non-steroidal anti-inflammatory drugs (NSAIDs) for at least 3 days prior", "NCT00462111",
     "non-steroidal anti-inflammatory drugs", ">=", 3, "d"),
    ("Patients must have been off chemotherapy or immunotherapy for at least 6 weeks", "NCT00003102", None, ">=", 6, "wk"),
    ("Must abstain from smoking for at least 1 month prior to enrolling in the study", "NCT00003365", "smoking", ">=", 1, "mo"),
    ("antibiotics have been stopped for at least 3 days.", "NCT00003761", "antibiotics", ">=", 3, "d"),
    ("Resected CNS metastasis without evidence of recurrence for >12 weeks", "NCT00496223", "recurrence", ">", 12, "wk"),
    ("No menses for at least one year", "NCT00006399", "menses", ">=", 1, "a"),
    ("No evidence of relapse for at least 30 days prior to entry.", "NCT00001781", "relapses", ">=", 30, "d"),
    # an absent body event at "for more than N" too (no missing-treatment reading to keep)
    ("Uterus and ovaries intact and no menstrual period for more than 3 months", "NCT00005886",
     "menstrual period", ">", 3, "mo"),
    ("absence of spontaneous menses for greater than 1 year", "NCT00005760", "spontaneous menses", ">", 1, "a"),
]


@pytest.mark.parametrize("text,source,subject,op,value,unit", WASHOUTS, ids=[w[1] for w in WASHOUTS])
def test_washout_is_a_time_since(text, source, subject, op, value, unit):
    c = _one(text)
    assert (c.op, c.value, c.unit, c.category, c.negated) == (op, value, unit, "temporal", False)
    if subject is not None:
        assert c.subject == subject


def test_a_washout_ruled_out_by_its_sentence_is_negated():
    # NCT00005760 (inclusion section): more than a year since the last menses is what rules a volunteer out
    c = _one("Volunteers with an absence of spontaneous menses for greater than 1 year are not eligible.")
    assert (c.subject, c.op, c.value, c.unit, c.negated) == ("spontaneous menses", ">", 1, "a", True)


EXPOSURES = [
    # the negated length of an exposure stays as it was
    ("Drugs with potential to cause peripheral neuropathy or pancreatitis should not be\n             given daily for > 4 weeks.",
     "NCT00000637", ">", 4, "wk"),
    ("Subjects must not have been treated with steroids for more than two weeks during the", "NCT00001415", ">", 2, "wk"),
    ("No penicillamine or trientine for longer than 2 weeks", "NCT00004339", ">", 2, "wk"),
]


@pytest.mark.parametrize("text,source,op,value,unit", EXPOSURES, ids=[e[1] for e in EXPOSURES])
def test_exposure_duration_stays_negated(text, source, op, value, unit):
    c = _one(text)
    assert (c.op, c.value, c.unit, c.category, c.negated) == (op, value, unit, "duration", True)


def test_exposure_without_negation_cue_stays():
    # "cannot have had zidovudine for at least 2 months": the length of the exposure (NCT00000998)
    c = _one("Three patients in each group cannot have had zidovudine (AZT) for at least 2 months")
    assert c.category == "duration" and c.op == ">=" and c.value == 2


@pytest.mark.parametrize("text,source", [
    # a break's length, not the time since the last dose
    ("For the extension of cohort 2, participation in previous STI studies or off HAART for greater than 2 weeks "
     "consecutively in the last year.", "NCT00001967"),
    # a study procedure, not the patient's history
    ("Subjects will be taken off all antihypertensive drugs for at least one week prior to study.", "NCT00001625"),
    # the absence word sits inside the subject
    ("No concurrent infection (no fever for at least 3 days prior to treatment unless fever due to tumor)", "NCT00002470"),
], ids=["NCT00001967", "NCT00001625", "NCT00002470"])
def test_ambiguous_gives_no_time_constraint(text, source):
    assert not [c for c in _cons(text) if c.unit in ("d", "wk", "mo", "a")]


def test_with_or_without_is_no_washout():
    # NCT00003727: "with or without low-dose cytarabine for at least 3-6 months": a treatment's length
    cons = _cons("Should receive interferon alfa (IFN-A) with or without low-dose cytarabine for at least 3-6 months "
                 "before autotransplantation")
    assert cons and all(c.category == "duration" for c in cons)


def test_future_period_is_no_washout():
    # NCT00003409: a commitment after the study, not a look-back
    c = _one("No chemotherapy for at least 4 weeks after study completion")
    assert c.category == "duration"


def test_full_mode_agrees(full):
    text = WASHOUTS[1][0]
    c = _one(text, mode="full")
    assert (c.subject, c.op, c.value, c.unit, c.category, c.negated) == ("chemotherapy", ">=", 2, "wk", "temporal", False)


def test_screening_nct00006515_treated_30_months_ago_is_not_excluded(corpora):
    parsed = critparse.parse(xml_record(corpora, "NCT00006515"), trial_id="NCT00006515", mode="fast")
    rule = [c for c in parsed.constraints if c.value == 24 and c.unit == "mo" and "chemotherapy" in c.subject]
    assert len(rule) == 1 and rule[0].category == "temporal" and not rule[0].negated
    c = rule[0]

    def status(months):
        res = critparse.screen(parsed, {"age": 40, c.subject: {"value": months, "unit": "mo"}})
        return res.by_criterion()[c.criterion]

    long_ago, recent = status(30), status(12)
    assert long_ago.eligible is not False  # treated 30 months ago: the washout is met
    assert recent.eligible is False  # treated 12 months ago: within the 24 months


def test_screening_washout_in_weeks():
    # NCT00001271, a patient given chemotherapy 3 months ago meets "no chemotherapy for at least two weeks"
    parsed = critparse.parse("Inclusion Criteria:\n- No chemotherapy for at least two weeks prior to entry.", mode="fast")
    ok = critparse.screen(parsed, {"chemotherapy": {"value": 3, "unit": "mo"}})
    late = critparse.screen(parsed, {"chemotherapy": {"value": 5, "unit": "d"}})
    assert ok.verdict == "eligible" and late.verdict == "ineligible"
