"""Generic condition words stand for an ICD-10-CM range (issue 12 item 2): "history of malignancy" links to C80
(malignant neoplasm without specification of site), which no site code lies within; matching tests a patient
code against the range the word stands for ("Malignant neoplasms (C00-C96)"), the same way in
`critparse.screen`, set-wise matching and the JSON Logic export. A clause that sets part of the range apart
("other malignancy", "a second malignancy") keeps the code C80 only."""

from __future__ import annotations

import json

import pytest

import critparse
from critparse.export.jsonlogic import CONDITION_CODES, condition_codes, to_jsonlogic
from critparse.linking import link, within
from critparse.linking.ranges import generic, in_range, ranges, terms

from _trials import assert_paths_agree
from conftest import xml_record

pytestmark = pytest.mark.issue(12)

# real exclusion lines of legacy-XML records (NCT00001071, NCT00000767, NCT00002008, NCT00001538,
# NCT00000651, NCT00001335)
TRIAL = """Inclusion Criteria:

  -  Age 18 years or older

Exclusion Criteria:

  -  Prior malignancy.
  -  History of cancer unless there has been surgical excision that is considered to have achieved cure.
  -  History of malignancy other than Kaposi's sarcoma.
  -  Prior malignancy, except curatively-treated basal cell or squamous cell carcinoma of the skin.
  -  Kaposi's sarcoma or other malignancy requiring therapy.
  -  Patients with a second malignancy following previous therapy will be excluded.
"""


def test_range_ends_are_tabular_sections():
    import simple_icd_10_cm as cm

    for rng in ranges():
        assert cm.is_valid_item(rng) and cm.get_description(rng).startswith("Malignant neoplasms"), rng
    assert set(ranges()) == {"C00-C96", "C81-C96"}
    assert all(in_range(code, rng) for rng, _ in terms().values() for code in [rng.split("-")[0]])


@pytest.mark.parametrize("code,rng,inside", [
    ("C50.911", "C00-C96", True),
    ("C7A.00", "C00-C96", True),   # malignant carcinoid tumors: a block between C75 and C76
    ("C96.9", "C00-C96", True),
    ("D05.10", "C00-C96", False),  # carcinoma in situ of breast: not a malignant neoplasm code
    ("D3A.00", "C00-C96", False),  # benign carcinoid tumor
    ("Z85.3", "C00-C96", False),
    ("C83.30", "C81-C96", True),
    ("C50.911", "C81-C96", False),
])
def test_codes_within_a_range(code, rng, inside):
    assert within(code, rng) is inside and in_range(code.replace(".", ""), rng) is inside


@pytest.mark.parametrize("mention,code,covers", [
    ("malignancy", "C80", "C00-C96"),
    ("malignancies", "C80", "C00-C96"),
    ("Cancer", "C80", "C00-C96"),
    ("malignant disease", "C80", "C00-C96"),
    ("hematologic malignancies", "C96.9", "C81-C96"),
    ("other malignancy", "C80", None),  # head words only: not the generic term
    ("breast cancer", "C50", None),
    ("malignant neoplasm of unknown primary site", "C80", None),  # CUP: not any malignancy
])
def test_link_marks_the_range_of_a_generic_word(mention, code, covers):
    codes = link(mention, "Condition")
    assert (codes[0]["code"] if codes else None) == code
    assert (codes[0].get("covers") if codes else None) == covers
    assert generic(mention) == covers


@pytest.fixture(scope="module")
def trial():
    return critparse.parse(TRIAL, trial_id="MALIG")


# patient conditions -> statuses of exc.1 .. exc.6
CASES = [
    (["C50.911"], ("met", "unknown", "unknown", "unknown", "unknown", "unknown")),
    (["Z85.3"], ("met", "unknown", "unknown", "unknown", "unknown", "unknown")),  # history of breast cancer
    (["breast cancer"], ("met", "unknown", "unknown", "unknown", "unknown", "unknown")),
    (["C46.9"], ("met", "unknown", "not_met", "unknown", "met", "unknown")),  # Kaposi's: the exception holds
    (["C83.30"], ("met", "unknown", "unknown", "unknown", "unknown", "unknown")),
    (["D05.10"], ("unknown",) * 6),  # in situ: not within C00-C96
    (["G40.909"], ("unknown",) * 6),
]


@pytest.mark.parametrize("conditions,statuses", CASES)
def test_screen_generic_malignancy(trial, conditions, statuses):
    res = critparse.screen(trial, {"age": 50, "sex": "female", "conditions": conditions})
    by = {r.criterion: r for r in res.criteria}
    assert tuple(by[f"exc.{i}"].status for i in range(1, 7)) == statuses
    assert res.verdict == ("ineligible" if "met" in statuses else "undetermined")
    if statuses[0] == "met":
        assert "'malignancy' (C00-C96)" in by["exc.1"].reason


def test_jsonlogic_and_setwise_matching_agree_with_screen(trial):
    doc = to_jsonlogic(trial)
    by = {u["criterion"]: u for u in doc["unevaluable"]}
    assert by["exc.1"]["conditions"] == [{"mention": "malignancy", "codes": ["C00-C96"], "history": True}]
    # "Kaposi's sarcoma or other malignancy": "other" sets part of the range apart, C80 only
    assert by["exc.5"]["conditions"][1] == {"mention": "malignancy", "codes": ["C80"], "history": False}
    assert "C00-C96" in json.dumps(doc["rule"])
    assert_paths_agree(trial, doc, [{"age": 50, "sex": "female", "conditions": c} for c, _ in CASES])


def test_condition_codes_variable_holds_the_ranges():
    assert condition_codes(["C83.30"]) == ["C00-C96", "C81-C96", "C83", "C83.3", "C83.30"]
    assert condition_codes(["Z85.3"], history=True) == ["C00-C96", "C50"]
    assert "C00-C96" not in condition_codes(["D05.10", "G40.909"])
    assert CONDITION_CODES == "condition_codes"


def test_xml_record_prior_malignancy(corpora):
    parsed = critparse.parse(xml_record(corpora, "NCT00001071"), trial_id="NCT00001071")
    crit = [c for c in parsed.criteria if (c.clean_text or c.text).startswith("Prior malignancy")][0]
    # under "Patients with the following prior conditions are excluded:" (its "excluded" is no negation)
    for conditions, status in ((["C50.911"], "met"), (["D05.10"], "unknown"), (["C91.00"], "met"),
                               (["Z85.3"], "met")):
        res = critparse.screen(parsed, {"age": 40, "sex": "female", "conditions": conditions})
        r = {x.criterion: x for x in res.criteria}[crit.id]
        assert r.kind == "exclusion" and r.status == status, (conditions, r.reason)
