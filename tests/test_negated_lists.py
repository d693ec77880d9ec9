"""An or-list under one negation (`critparse.negated_lists`): "No severe liver disease (ALT or AST greater than 5
times the upper limit of normal)" is NOT (ALT > 5 or AST > 5), so both must fail; read as "not A or not B" a
patient with AST 9 x ULN met it through a normal ALT."""

from __future__ import annotations

import pytest

from conftest import xml_record


def _criterion(corpora, nct, words, mode="fast"):
    import critparse

    parsed = critparse.parse(xml_record(corpora, nct), trial_id=nct, mode=mode)
    (crit,) = [c for c in parsed.criteria if c.role == "item" and words in " ".join(c.clean_text.split())]
    return parsed, crit


def _joiners(e, out):
    if isinstance(e, dict):
        out.update(k for k in ("all", "any") if k in e)
        for v in e.values():
            _joiners(v, out)
    elif isinstance(e, list):
        for v in e:
            _joiners(v, out)
    return out


@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("nct, words, joiner", [
    ("NCT00001542", "No severe liver disease (ALT or AST greater than 5 times", "all"),
    ("NCT00001842", "No hemoglobin less than 11.0 or greater than 19.0 gm/dL", "all"),
    ("NCT00001797", "No patients with serum creatinine greater than 1.8 or creatinine clearance", "all"),
])
def test_or_list_under_one_negation_is_negated_whole(corpora, mode, nct, words, joiner):
    parsed, crit = _criterion(corpora, nct, words, mode)
    assert all(c.negated for c in parsed.constraints if c.criterion == crit.id)
    assert _joiners(crit.expression, set()) == {joiner}, crit.expression


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_a_run_on_item_after_a_negation_is_neither_negated_nor_joined(corpora, mode):
    """NCT00003061 (ctgov_xml_2023), a run-on record: 'No serious impairment of renal function Creatinine no greater
    than 1.5 mg/dL OR Creatinine clearance no less than 50 mL/min': the 'No' ends at the next item (a test name,
    `critparse.runon`), so its alternatives are required, not denied, and stay alternatives."""
    parsed, crit = _criterion(corpora, "NCT00003061", "No serious impairment of renal function Creatinine", mode)
    cons = [c for c in parsed.constraints if c.criterion == crit.id]
    assert cons and not any(c.negated for c in cons)
    assert _joiners(crit.expression, set()) == {"any"}, crit.expression


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_an_inability_explained_in_a_bracket_is_an_or_list_not_negated(corpora, mode):
    """NCT00499421: '... the CT bore ... cannot accommodate (i.e. height greater than 6' 3" or body weight greater
    than 300 pounds)': the bracket says which patients the bore cannot take (`critparse.negation`: a bracket after
    "cannot" ends its scope); negated, the exclusion excluded every patient of normal height or weight."""
    parsed, crit = _criterion(corpora, "NCT00499421", "cannot accommodate", mode)
    cons = [c for c in parsed.constraints if c.criterion == crit.id]
    assert cons and not any(c.negated for c in cons)
    assert _joiners(crit.expression, set()) == {"any"}, crit.expression


@pytest.mark.parametrize("nct, words, patient, status", [
    ("NCT00001542", "No severe liver disease", {"labs": {"alt": {"value": 1, "unit": "ULN"},
                                                          "ast": {"value": 9, "unit": "ULN"}}}, "not_met"),
    ("NCT00001542", "No severe liver disease", {"labs": {"alt": {"value": 1, "unit": "ULN"},
                                                          "ast": {"value": 1, "unit": "ULN"}}}, "met"),
    ("NCT00001842", "No hemoglobin less than 11.0", {"labs": {"hemoglobin": {"value": 20, "unit": "g/dL"}}}, "not_met"),
    ("NCT00001842", "No hemoglobin less than 11.0", {"labs": {"hemoglobin": {"value": 15, "unit": "g/dL"}}}, "met"),
])
def test_screening_needs_every_member_to_fail(corpora, nct, words, patient, status):
    """Before, AST 9 x ULN passed through the normal ALT and haemoglobin 20 g/dL through 'not less than 11'."""
    import critparse

    parsed, crit = _criterion(corpora, nct, words)
    res = critparse.screen(parsed, patient).by_criterion()[crit.id]
    assert res.status == status, res.reason
