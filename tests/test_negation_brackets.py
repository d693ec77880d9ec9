"""A "No" reaches through the bracket that says what it negates, commas and all (critparse.negation)."""

import critparse
from critparse.screening import screen


def _only(text):
    parsed = critparse.parse("Inclusion Criteria:\n\n  - " + text, mode="fast")
    (crit,) = [c for c in parsed.criteria if c.role == "item"]
    return parsed, crit


def test_no_term_with_ie_bracket_negates_its_threshold():
    # NCT00002845 (ctgov_xml_2023): it used to require platelets below 80,000
    parsed, crit = _only("No coagulopathy (i.e., platelets less than 80,000)")
    (c,) = parsed.constraints
    assert (c.subject, c.op, c.value, c.negated) == ("platelet count", "<", 80000.0, True)
    by = lambda n: screen(parsed, {"labs": {"platelets": n}}).by_criterion()[crit.id].status
    assert by(50000) == "not_met" and by(150000) == "met"


def test_comma_list_in_the_bracket_is_negated_as_a_whole():
    # NCT00001933 (ctgov_xml_2023)
    parsed, crit = _only("No severe renal insufficiency (Clcr less than 25 ml/min, BUN greater than 30 mg/dl, or "
                         "creatinine greater than 2.0 mg/dl)")
    assert [(c.subject, c.negated) for c in parsed.constraints] == [("clcr", True), ("urea", True), ("creatinine", True)]
    ids = [c.id for c in parsed.constraints]
    flat = crit.expression.get("definition", crit.expression)
    assert flat == {"all": [{"constraint": i} for i in ids]}  # neither of them (De Morgan), not "not A or not B"


def test_a_bracket_that_lets_patients_in_is_not_negated_through():
    # NCT00006401 (ctgov_xml_2023)
    parsed, _ = _only("Absence of structural heart disease (PDA, ASD less than 1 cm, or VSD less than 2 mm are permitted "
                      "if known prior to study entry)")
    assert [c.negated for c in parsed.constraints] == [False, False]
