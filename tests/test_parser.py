"""The parser: records from Docs, label context, offsets into the raw text."""

from __future__ import annotations

import pytest

import critparse

NCI = ("\r\n        PATIENT CHARACTERISTICS:\r\n\r\n          Age:\r\n\r\n          -  18 and over\r\n\r\n"
       "          Performance status:\r\n\r\n          -  0-1\r\n\r\n          Life expectancy:\r\n\r\n"
       "          -  More than 3 months\r\n\r\n          Hepatic:\r\n\r\n          -  Bilirubin no greater than 2.0 mg/dL\r\n")


def test_legacy_labels_name_the_subject():
    p = critparse.parse(NCI, mode="fast")
    got = {(c.subject, c.op, c.value, c.unit) for c in p.constraints}
    assert ("age", ">=", 18.0, "a") in got
    assert {("ecog", ">=", 0.0, None), ("ecog", "<=", 1.0, None)} <= got
    assert ("life expectancy", ">", 3.0, "mo") in got
    assert ("bilirubin", "<=", 2.0, "mg/dL") in got
    for c in p.constraints:
        assert NCI[c.start:c.end] == c.text


def test_offsets_survive_markdown_escapes_and_unicode():
    text = "Inclusion Criteria:\n\n* Creatinine\\>2.5mg/dl\n* LVEF \u226550%\n"
    p = critparse.parse(text, mode="fast")
    texts = {c.subject: c.text for c in p.constraints}
    assert texts["creatinine"] == "Creatinine\\>2.5mg/dl"
    assert texts["lvef"] == "LVEF \u226550%"


def test_parse_many_keeps_order_and_ids():
    items = [(f"Age >= {18 + i} years", f"T{i}", None) for i in range(30)]
    out = list(critparse.parse_many(items, mode="fast", batch_size=7))
    assert [p.trial_id for p in out] == [f"T{i}" for i in range(30)]
    assert [p.constraints[0].value for p in out] == [18.0 + i for i in range(30)]


# NCT00002938 (ctgov_xml_2023), as the legacy XML lays it out: bare years under a "Life expectancy:"
# label measure the life expectancy (40 such items in the XML dump read as ages before), while the
# "Age:" label's items stay ages and a label naming a scale leaves an age guard alone.
LABELLED = ("Inclusion Criteria:\r\n\r\n        PATIENT CHARACTERISTICS:\r\n\r\n        Age:\r\n\r\n"
            "          -  75 and under\r\n\r\n        Performance status:\r\n\r\n          -  CALGB (Zubrod) 0-1\r\n\r\n"
            "        Life expectancy:\r\n\r\n          -  At least 5-10 years\r\n\r\n")


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_bare_years_under_a_life_expectancy_label_are_not_an_age(mode):
    got = {(c.subject, c.op, c.value, c.unit) for c in critparse.parse(LABELLED, mode=mode).constraints}
    # "At least 5-10 years": one bound, the one "at least" gives (comparisons._one_sided)
    assert ("life expectancy", ">=", 5.0, "a") in got and ("life expectancy", "<=", 10.0, "a") not in got
    assert ("age", "<=", 75.0, "a") in got
    assert not any(s == "age" and v in (5.0, 10.0) for s, _, v, _ in got)


def test_a_label_names_the_subject_of_items_joined_by_or():
    # NCT00002839 (ctgov_xml_2023): "ECOG 0-2 OR" / "WHO 0-2" under "Performance status:"
    parsed = critparse.parse("Inclusion Criteria:\n\n  Performance status:\n\n    -  ECOG 0-2 OR\n\n    -  WHO 0-2\n",
                             mode="fast")
    assert [(c.subject, c.op, c.value) for c in parsed.constraints] == [
        ("ecog", ">=", 0.0), ("ecog", "<=", 2.0), ("ecog", ">=", 0.0), ("ecog", "<=", 2.0)]
