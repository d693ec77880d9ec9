"""A minor's consent clause is guarded by the age it names; its bound never stands alone as a requirement."""

import pytest

import critparse
from critparse.screening import screen


def _only(text):
    parsed = critparse.parse("Inclusion Criteria:\n\n  - " + text, mode="fast")
    (crit,) = [c for c in parsed.criteria if c.role == "item"]
    return parsed, crit


@pytest.mark.parametrize("text, source", [
    ("Are at least 12 years old (consent of parent or guardian required if under 18).", "NCT00000705"),
    ("Are at least 13 years old (need consent if under 18).", "NCT00000905"),
    ("Are at least 16 years old (consent of parent or guardian required if under 18 years).", "NCT00006153"),
])
def test_bracketed_consent_is_guarded_by_its_age(text, source):
    parsed, crit = _only(text)
    low, young = parsed.constraints
    assert (low.subject, low.op, young.subject, young.op, young.value, young.unit) == ("age", ">=", "age", "<", 18.0, "a")
    assert young.text.startswith("under 18"), source  # its own words, not the "years old" of the bound before
    assert crit.expression["all"][0] == {"constraint": low.id}
    guarded = crit.expression["all"][1]
    assert guarded["when"] == {"constraint": young.id} and "consent" in guarded["then"]["text"]
    # an adult is not ruled out by the minors' clause (it used to read "age < 18" for everyone, or "guardian < 18")
    adult = screen(parsed, {"age": 30}).by_criterion()[crit.id]
    assert adult.status == "met"


def test_consent_sentence_names_the_age_not_the_guardian():
    # NCT00001109 (ctgov_xml_2023)
    parsed, crit = _only("Has signed informed consent of a parent or legal guardian if under 18.")
    (c,) = parsed.constraints
    assert (c.subject, c.op, c.value, c.unit) == ("age", "<", 18.0, "a")
    assert crit.expression["when"] == {"constraint": c.id}


def test_a_guard_with_its_own_requirement_in_words_keeps_them():
    # NCT00001627 (ctgov_xml_2023): the minors' sampling rule is no upper age limit
    parsed, crit = _only("Subjects with hematologic disease age greater than or equal to 2 (for subjects less than 18, "
                         "blood and bone marrow specimens will be obtained concurrently with clinically indicated sampling).")
    ages = [c for c in parsed.constraints if c.subject == "age"]
    assert [(c.op, c.value) for c in ages] == [(">=", 2.0), ("<", 18.0)]
    assert screen(parsed, {"age": 40}).by_criterion()[crit.id].status == "met"


def test_a_verdict_word_after_a_guard_is_no_requirement_of_its_own():
    # NCT00001018 (ctgov_xml_2023): "(not required if ...)" is an exception, not a guarded requirement
    parsed, crit = _only("CD4 count < 150/mm3 (not required if patient has had cryptosporidiosis for a minimum of 4 weeks).")
    assert "when" not in str(crit.expression)


def test_telegraphic_allowed_if_guards_the_condition_by_the_thing_allowed():
    # NCT00004258 (ctgov_xml_2023): "X allowed provided Y" bounds Y for the patients with X, not for everyone
    parsed, crit = _only("Prior CNS metastases allowed provided at least 6 months from definitive therapy and a normal CT or "
                         "MRI of the brain")
    (c,) = parsed.constraints
    assert crit.expression == {"when": {"text": "Prior CNS metastases", "start": crit.expression["when"]["start"],
                                        "end": crit.expression["when"]["end"]}, "then": {"constraint": c.id}}


def test_allowed_if_after_a_run_on_item_is_that_item_s():
    # NCT00004893 (ctgov_xml_2023): two run-on items; the permission is not the whole criterion's
    parsed, crit = _only("No uncontrolled brain metastases Previously treated brain metastases allowed if: No evidence of "
                         "progression for at least 3 months following radiotherapy")
    assert "when" not in str(crit.expression)
