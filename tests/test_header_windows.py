"""A window written on a list's header bounds the events its sub-items name (critparse.header_windows)."""

import pytest

import critparse
from critparse.header_windows import listed_window
from critparse.screening import screen

# NCT05896748 (ctgov_v2_json_sample), exclusion 29, as the registry writes it
AGENTS = """Exclusion Criteria:

* Treatment with any of the following agents within 28 days of Screening:

  * radiation therapy;
  * cytotoxic chemotherapeutic agents;
  * tuberculosis (TB) therapy, with the exception of treatment of latent TB with isoniazid;
  * Immunomodulators that alter immune responses (such as chronic systemic corticosteroids, interleukins, vaccines, or interferons)."""

# NCT00004786 (ctgov_xml_2023), an inclusion list
NONE_OF = """Inclusion Criteria:

  - None of the following within 3 months:

      -  Stroke

      -  Transient ischemic attack

      -  Myocardial infarction"""

# NCT00003744 (ctgov_xml_2023): a window over lab thresholds is no window over named events
LABS = """Inclusion Criteria:

  - Patients must have adequate organ function as defined by the following tests to be performed within 14 days of therapy initiation:

      -  Absolute neutrophil count > 1999 cells x 10 6/L

      -  Platelet count > 99,999 cells x 10 6/L"""


def _windows(parsed, cid):
    return [c for c in parsed.constraints if c.criterion == cid and c.category == "temporal"]


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_header_window_bounds_the_listed_agents(mode):
    parsed = critparse.parse(AGENTS, mode=mode)
    head = next(c for c in parsed.criteria if c.text.startswith("Treatment with any"))
    (w,) = _windows(parsed, head.id)
    assert (w.op, w.value, w.unit, w.negated) == ("<=", 28.0, "d", False)
    assert w.subject == ("radiation therapy, cytotoxic chemotherapeutic agents, tuberculosis (tb) therapy or "
                         "immunomodulators that alter immune responses")
    assert w.text == "within 28 days of Screening"
    assert head.expression == {"constraint": w.id}


def test_none_of_the_following_is_a_negated_window():
    parsed = critparse.parse(NONE_OF, mode="fast")
    (w,) = parsed.constraints
    assert (w.subject, w.op, w.value, w.unit, w.negated) == (
        "stroke, transient ischemic attack or myocardial infarction", "<=", 3.0, "mo", True)


def test_lab_thresholds_under_a_window_header_get_no_listed_window():
    parsed = critparse.parse(LABS, mode="fast")
    assert [c for c in parsed.constraints if c.category == "temporal"] == []
    assert "platelet count" in [c.subject for c in parsed.constraints]
    assert listed_window("defined by the following tests within 14 days of therapy initiation:",
                         ["Absolute neutrophil count > 1999 cells x 10 6/L"]) == []


def test_a_sub_item_with_its_own_window_is_left_out():
    # NCT00000701 (ctgov_xml_2023): "Excluded within 4 weeks of study entry: - Lymphocyte transfusions for immune
    # reconstitution, excluded within 3 months of study entry. - Bone marrow transplant."
    (w,) = listed_window("Excluded within 4 weeks of study entry:",
                         ["Lymphocyte transfusions for immune reconstitution, excluded within 3 months of study entry.",
                          "Bone marrow transplant."])
    assert (w["subject"], w["value"], w["unit"]) == ("bone marrow transplant", 4.0, "wk")


def test_an_agent_named_without_its_date_is_undetermined_not_excluded():
    # the record says radiation therapy, not when: "within 28 days" cannot be decided (before the window was
    # read, the sub-item alone excluded this patient, however long ago the radiation was)
    parsed = critparse.parse(AGENTS, mode="fast")
    result = screen(parsed, {"conditions": ["radiation therapy"]})
    assert result.verdict == "undetermined"
    head = result.by_criterion()["exc.1"]
    assert head.status == "unknown" and head.reason.startswith("missing data: radiation therapy")
