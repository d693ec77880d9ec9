"""Prohibitions under an exclusion heading (`critparse.prohibition`): "Patients must not have received more than
2 prior systemic therapies" in an exclusion list excludes the patient who received more, never the others."""

from __future__ import annotations

import pytest

from conftest import xml_record


def _constraint(corpora, nct, mode, con_words, kind="exclusion"):
    import critparse

    parsed = critparse.parse(xml_record(corpora, nct), trial_id=nct, mode=mode)
    cons = [k for k in parsed.constraints if k.kind == kind and con_words in " ".join(k.text.split())]
    assert len(cons) == 1, [(k.criterion, k.text) for k in cons]
    return parsed, cons[0]


@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("nct, con_words, op, negated", [
    # 'Patients should not have received more than 3 prior chemotherapy regimens (excluding radiation)'
    ("NCT00499343", "more than 3 prior chemotherapy regimens", ">", False),
    # 'Patients must not have taken any experimental drug within the last 30 days prior to entering the protocol.'
    ("NCT00462228", "experimental drug within the last 30 days", "<=", False),
    # 'Patients must not have peripheral neuropathy grade 2 or higher.'
    ("NCT00003953", "peripheral neuropathy grade 2 or higher", ">=", False),
    # '... prescribed a specific serotonergic medication within the month prior to study and may not have taken any
    # antidepressant or antipsychotic within the two weeks prior to study.' (a prohibition joined by 'and')
    ("NCT00000458", "antidepressant or antipsychotic within", "<=", False),
    # 'Patients must have no serious intercurrent illness including insulin dependent diabetes mellitus or
    # hypercholesterolemia (>239mg/dl) / hypertriglyceridemia (>149mg/dl).'
    ("NCT00002586", "hypertriglyceridemia (>149mg/dl", ">", False),
    # 'Subjects should have no dietary aberrations and no history of anorexia nervosa within the past 10 years.'
    ("NCT00001851", "anorexia nervosa within the past 10 years", "<=", False),
    # a bare 'No' item under Exclusion writes the same requirement: 'No patients with age less than 50.', 'No resting
    # heart rate < 50 beats per minutes'
    ("NCT00001615", "age less than 50", "<", False),
    ("NCT00499460", "resting heart rate < 50", "<", False),
    # a restated exclusion: '... will undergo pulmonary function testing and will not be eligible if their forced
    # expiratory volume 1 (FEV1) is less than 1.2 liters or ...'
    ("NCT00004547", "FEV1) is less than 1.2 liters", "<", False),
    # 'May not be younger than 18 years of age.': the comparator holds the 'not' (age >= 18, the requirement)
    ("NCT00496210", "not be younger than 18 years", ">=", True),
    # 'The interval between initial diagnosis of breast cancer and the start of treatment must not be greater than
    # 8 weeks.'
    ("NCT00003953", "must not be greater than 8 weeks", "<=", True),
])
def test_prohibition_in_an_exclusion_tests_the_prohibited(corpora, mode, nct, con_words, op, negated):
    _, con = _constraint(corpora, nct, mode, con_words)
    assert (con.op, con.negated) == (op, negated)


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_same_requirement_reads_one_way_per_heading(corpora, mode):
    """NCT00006107 writes 'Peripheral neuropathy of any etiology must not exceed grade 2.' under both headings:
    the inclusion requires grade <= 2, the exclusion excludes the patients above it."""
    _, inc = _constraint(corpora, "NCT00006107", mode, "not exceed grade 2", kind="inclusion")
    _, exc = _constraint(corpora, "NCT00006107", mode, "not exceed grade 2", kind="exclusion")
    assert (inc.op, inc.value, inc.negated) == ("<=", 2.0, False)
    assert (exc.op, exc.value, exc.negated) == ("<=", 2.0, True)


@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("nct, con_words, kind, negated", [
    # an inclusion keeps the reading: 'patients may not have had more than 2 prior chemotherapy regimens for ...'
    ("NCT00005817", "more than 2 prior chemotherapy regimens", "inclusion", True),
    # an inability is what the exclusion means: 'Cannot eat 1 or more meals a day because of chronic nausea ...'
    ("NCT00006208", "1 or more meals a day", "exclusion", True),
    # inside an exception: '(except for management of severe PCP in which case duration should not exceed 21 days)'
    ("NCT00002020", "duration should not exceed 21 days", "exclusion", False),
    # a period after 'for' (exposure length or washout; neither reading safe): left as read
    ("NCT00002228", "concurrent antiretroviral therapy (for at least 2", "exclusion", True),
])
def test_other_negations_keep_their_reading(corpora, mode, nct, con_words, kind, negated):
    _, con = _constraint(corpora, nct, mode, con_words, kind=kind)
    assert con.negated is negated


@pytest.mark.parametrize("nct, crit_words, patient, status", [
    ("NCT00496210", "May not be younger than 18", {"age": 45}, "not_met"),
    ("NCT00496210", "May not be younger than 18", {"age": 16}, "met"),
    ("NCT00001615", "No patients with age less than 50", {"age": 60}, "not_met"),
    ("NCT00001615", "No patients with age less than 50", {"age": 40}, "met"),
    ("NCT00499343", "more than 3 prior chemotherapy regimens", {"chemotherapy regimens": 2}, "not_met"),
    # 'Patients should not have received more than 6 cycles of fludarabine therapy'
    ("NCT00499343", "more than 6 cycles of fludarabine", {"cycles of fludarabine therapy": 4}, "not_met"),
    ("NCT00499343", "more than 6 cycles of fludarabine", {"cycles of fludarabine therapy": 8}, "met"),
])
def test_screening_excludes_only_the_patient_who_breaks_the_prohibition(corpora, nct, crit_words, patient, status):
    """Before, the adult of 45, the patients with 2 prior regimens or 4 cycles and the 60-year-old were the ones
    excluded."""
    import critparse

    parsed = critparse.parse(xml_record(corpora, nct), trial_id=nct, mode="fast")
    (crit,) = [c for c in parsed.criteria if c.kind == "exclusion" and crit_words in c.clean_text]
    res = critparse.screen(parsed, patient).by_criterion()[crit.id]
    assert res.status == status, res.reason


@pytest.mark.parametrize("nct, kind, words, ent_text, negated", [
    # 'Patients must not have clinically detectable distant metastases' (exclusion): the metastases exclude
    ("NCT00003895", "exclusion", "clinically detectable distant metastases", "distant metastases", False),
    # 'Patients should not have progressed to accelerated phase or blast crisis while receiving imatinib ...'
    ("NCT00499889", "exclusion", "progressed to accelerated phase", "blast crisis", False),
    # an inclusion keeps the negation: '... patients may not have had more than 2 prior chemotherapy regimens for
    # advanced breast cancer; ...'
    ("NCT00005817", "inclusion", "may not have had more than 2 prior", "chemotherapy regimens", True),
    # a bare 'No' names a real absence that excludes as often: its entities keep the negation ('No measurable
    # disease' under Exclusion)
    ("NCT00497250", "exclusion", "No measurable disease", "disease", True),
])
def test_prohibited_entities_are_not_negated_in_an_exclusion(corpora, nct, kind, words, ent_text, negated):
    """Full mode: the entities a prohibition names under an exclusion heading are what excludes (coded
    conditions then decide the criterion), as the constraints are."""
    import critparse

    parsed = critparse.parse(xml_record(corpora, nct), trial_id=nct, mode="full")
    (crit,) = [c for c in parsed.criteria if c.kind == kind and words in " ".join(c.clean_text.split())]
    ents = [e for e in parsed.entities if e.criterion == crit.id and " ".join(e.text.split()) == ent_text]
    assert ents and all(e.negated is negated for e in ents), [(e.text, e.negated) for e in parsed.entities
                                                             if e.criterion == crit.id]


def test_coded_condition_breaks_the_prohibition(corpora):
    """'Patients must not have evidence of altered immune responsiveness or autoimmune syndromes (scleroderma,
    systemic lupus erythematosus, etc.)' under Exclusion: a patient with scleroderma is excluded (it was unknown:
    the negated mention decided nothing)."""
    import critparse

    parsed = critparse.parse(xml_record(corpora, "NCT00003761"), trial_id="NCT00003761", mode="full")
    (crit,) = [c for c in parsed.criteria if c.kind == "exclusion" and "altered immune responsiveness" in c.clean_text]
    res = critparse.screen(parsed, {"age": 50, "conditions": ["scleroderma"]}).by_criterion()[crit.id]
    assert res.status == "met", res.reason


# -- a requirement written in the exclusion list (no "not"): excluded where it fails ---------------------------

def _exc(text):
    import critparse

    return critparse.parse("Exclusion Criteria:\n- " + text + "\n", mode="fast")


def test_requirement_in_an_exclusion_list_is_negated():
    import critparse

    # NCT00491855 (ctgov_xml_2023): a woman with a test 3 days ago complied; she was excluded
    p = _exc("Pregnant or lactating. Women of childbearing potential must have a negative serum pregnancy test "
             "performed within 7 days prior to the start of treatment.")
    assert [(c.value, c.unit, c.negated) for c in p.constraints] == [(7.0, "d", True)]
    # NCT00495768: HbA1c 7% meets the requirement; it excluded the patient
    p = _exc("Patients with diabetes mellitus must have good glycemic control. Their Hgb A1 c must be <8.0%.")
    assert [c.negated for c in p.constraints] == [True]
    # NCT00001457: a hematocrit of 40% meets "must be greater than 30%"; it excluded the patient
    p = _exc("Pre-existing bone marrow compromise: hematocrit must be greater than 30%.")
    assert [(c.subject, c.negated) for c in p.constraints] == [("hematocrit", True)]
    assert critparse.screen(p, {"hematocrit": {"value": 40, "unit": "%"}}).verdict == "eligible"
    assert critparse.screen(p, {"hematocrit": {"value": 25, "unit": "%"}}).verdict == "ineligible"


def test_guards_and_relative_clauses_keep_their_reading():
    # NCT00004990: the requirement holds only for some patients ("If ..."); NCT00002189: "in patients with"
    for text in ("If previously treated with these agents for a non-renal indication, therapy must have\n"
                 "        concluded at least 12 months prior to study.",
                 "Patients who must be treated with steroids for more than 2 weeks",
                 "Must be ruled out by thorough work-up in patients with unexplained fevers, night sweats, or "
                 "involuntary weight loss of more than 10%"):
        assert not any(c.negated for c in _exc(text).constraints), text


def test_prohibition_conditioning_a_permission_tests_what_it_prohibits():
    import critparse

    # NCT00002184 (ctgov_xml_2023), under Exclusion: KS patients may come in unless treated within 4 weeks
    p = _exc("Patients with biopsy-confirmed cutaneous KS are eligible, but must not have received any systemic "
             "therapy for KS within 4 weeks prior to baseline and are not anticipated to require systemic therapy.")
    assert [(c.value, c.unit, c.negated) for c in p.constraints] == [(4.0, "wk", False)]
    subject = p.constraints[0].subject
    assert critparse.screen(p, {subject: {"value": 10, "unit": "d"}}).verdict == "ineligible"
    assert critparse.screen(p, {subject: {"value": 100, "unit": "d"}}).verdict == "eligible"
