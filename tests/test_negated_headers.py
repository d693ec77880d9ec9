"""Sub-items under an inclusion item that denies them (critparse.negated_headers)."""

from __future__ import annotations

import pytest

import critparse

TEXT = """Inclusion Criteria:
- Age 18 or older
- No cardiovascular conditions, including any of the following:
  - Cardiac arrhythmias requiring anti-arrhythmic medication
  - Myocardial infarction within the past 6 months
  - NYHA class II-IV congestive heart failure
- No uncontrolled cardiac disease, e.g.:
  - No myocardial infarction within 6 months
- No NYHA class III or IV heart disease:
  - Patients with NYHA class II disease who are stable and on medication are eligible
"""  # NCT00492258 (the first list), NCT00002589 (a sub-item that repeats the "No"), NCT00462553 (a permission)


def _labs(nyha):
    return {"age": 50, "labs": {"nyha": nyha}}


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_sub_items_of_a_negated_header_are_denied(mode):
    """'No cardiovascular conditions, including any of the following: - Myocardial infarction within the past 6
    months' required the infarction (34 inclusion headers of the XML extract list thresholds so)."""
    p = critparse.parse(TEXT, mode=mode)
    flags = {(c.criterion, c.subject): c.negated for c in p.constraints}
    assert flags[("inc.2.2", "myocardial infarction")] is True
    assert flags[("inc.3.1", "myocardial infarction")] is True  # its own "No": negated once, not twice
    nyha = next(c for c in p.criteria if c.id == "inc.2.3")
    assert "not" in nyha.expression  # II-IV denied as a whole, never each bound on its own
    assert critparse.screen(p, _labs(3)).verdict == "ineligible"


def test_a_permission_under_a_negated_header_is_not_denied():
    p = critparse.parse(TEXT, mode="fast")
    assert [c.negated for c in p.constraints if c.criterion == "inc.4.1"] == [False]


def test_a_header_defining_a_state_denies_its_items_together():
    """'No equivocal myelomatosis, defined by the following criteria:' (NCT00002653): a patient who fails one of
    the criteria has no such myelomatosis."""
    p = critparse.parse("Inclusion Criteria:\n- No equivocal myelomatosis, defined by the following criteria:\n"
                        "  - Pretransfusion hemoglobin greater than 10 g/dL\n"
                        "  - Post-hydration creatinine less than 1.47 mg/dL\n", mode="fast")
    meets_all = {"labs": {"hemoglobin": {"value": 12, "unit": "g/dL"}, "creatinine": {"value": 1, "unit": "mg/dL"}}}
    fails_one = {"labs": {"hemoglobin": {"value": 12, "unit": "g/dL"}, "creatinine": {"value": 2, "unit": "mg/dL"}}}
    assert critparse.screen(p, meets_all).verdict == "ineligible"
    assert critparse.screen(p, fails_one).verdict == "eligible"
