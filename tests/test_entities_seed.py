"""Issue 3 acceptance: typed, negated entities of the seed trial (NCT04532203) through critparse.parse."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.issue(3)


def _ents(parsed, contains, labels):
    return [e for e in parsed.entities if contains in e.text and e.label in labels]


def test_entity_offsets_index_the_original(seed_parsed, seed_text):
    assert seed_parsed.entities
    for e in seed_parsed.entities:
        assert seed_text[e.start:e.end] == e.text
        assert e.criterion in {c.id for c in seed_parsed.criteria}


@pytest.mark.parametrize("term", ["B-ALL", "B-NHL", "DLBCL", "HIV"])
def test_conditions(seed_parsed, term):
    assert _ents(seed_parsed, term, {"Condition"}), term


@pytest.mark.parametrize("term", ["CAR-T", "TKI", "systemic steroids"])
def test_drugs_or_procedures(seed_parsed, term):
    assert _ents(seed_parsed, term, {"Drug", "Procedure"}), term


@pytest.mark.parametrize("term", ["creatinine", "LVEF"])
def test_measurements(seed_parsed, term):
    found = [e for e in seed_parsed.entities if term.lower() in e.text.lower() and e.label == "Measurement"]
    assert found, term


def test_value_as_written_in_the_original(seed_parsed):
    vals = [e for e in seed_parsed.entities if e.label == "Value"]
    assert any(e.text == "≤ 51 umol/L" for e in vals), [e.text for e in vals]


def test_temporal(seed_parsed):
    assert any(e.text == "within 2 weeks prior to screening" and e.label == "Temporal" for e in seed_parsed.entities)


def test_infection_in_the_lungs_is_negated(seed_parsed, seed_text):
    start = seed_text.index("No active infection in the lungs")
    end = start + len("No active infection in the lungs")
    inf = [e for e in seed_parsed.entities if start <= e.start and e.end <= end and "infection" in e.text]
    assert inf and all(e.negated for e in inf)
    # the comma ends the negation: SpO2 is a requirement, not negated
    spo2 = [c for c in seed_parsed.constraints if c.subject == "spo2"]
    assert spo2 and not any(c.negated for c in spo2)


def test_values_link_to_constraints(seed_parsed):
    val = next(e for e in seed_parsed.entities if e.text == "≤ 51 umol/L")
    assert val.constraints, "the Value entity should belong to the bilirubin constraint"
    cons = {c.id: c for c in seed_parsed.constraints}
    assert any(cons[c].subject == "bilirubin" for c in val.constraints)


def test_rule_entities_are_marked(seed_parsed):
    sources = {e.source for e in seed_parsed.entities}
    assert sources <= {"model", "rule"} and "model" in sources
