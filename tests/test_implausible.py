"""A threshold outside its concept's plausible range (resources/concepts.jsonl `range`) is a typo of the
source or a misreading: the constraint is kept, marked `implausible`, and the trial logic reads it as text,
so it never decides a verdict. Texts from ctgov_xml_2023 (legacy XML) and LCT."""

from __future__ import annotations

import critparse

# NCT00001650: "mg/dl" written for g/dL (a haemoglobin of 9 mg/dL is 0.009 g/dL: every patient passes)
HB_MG = "Inclusion Criteria:\n- Hemoglobin greater than 9 mg/dl; platelets greater than 100,000/mm(3).\n"
# NCT00001371: a ratio to the control time read without its "control": PT 1.3 s excludes everyone
PT_CONTROL = "Inclusion Criteria:\n- Prothrombin time less than or equal to 1.3 times control.\n"
# NCT00003702: the WHO prognostic score of trophoblastic disease (0-24), not the WHO performance scale (0-4)
WHO_SCORE = "Inclusion Criteria:\n- WHO score 0-6 (not including blood group or CT lung)\n"
# LCT NCT03864900: NYHA has four classes
NYHA_VI = "Exclusion Criteria:\n- diagnosed with the New York Heart Association (NYHA) grade VI heart failure\n"


def _marks(text):
    return [(c.subject, c.op, c.value, c.implausible) for c in critparse.parse(text, mode="fast").constraints]


def test_values_outside_the_concept_range_are_marked():
    assert ("hemoglobin", ">", 9.0, True) in _marks(HB_MG)
    assert ("platelet count", ">", 100000.0, False) in _marks(HB_MG)
    assert _marks(PT_CONTROL) == [("pt", "<=", 1.3, True)]
    assert [m[3] for m in _marks(NYHA_VI)] == [True]


def test_both_bounds_of_an_implausible_range_are_marked():
    # 0 is a WHO performance status, 6 is not: the reading of the whole range is wrong
    assert [m[3] for m in _marks(WHO_SCORE)] == [True, True]


def test_plausible_values_and_limits_relative_to_uln_are_not_marked():
    text = ("Inclusion Criteria:\n- Hemoglobin at least 9.0 g/dL\n- ECOG 0-2\n"
            "- AST no greater than 3 times ULN\n- Karnofsky 60-100%\n")
    assert not any(m[3] for m in _marks(text))


def test_screening_reads_an_implausible_threshold_as_text():
    patient = {"hemoglobin": {"value": 12, "unit": "g/dL"}, "platelet count": {"value": 200000, "unit": "/uL"}}
    assert critparse.screen(critparse.parse(HB_MG, mode="fast"), patient).verdict == "undetermined"
    # the same patient against the threshold written in g/dL is decided
    fixed = HB_MG.replace("9 mg/dl", "9 g/dl")
    assert critparse.screen(critparse.parse(fixed, mode="fast"), patient).verdict == "eligible"
    pt = {"pt": {"value": 12, "unit": "s"}}  # a normal PT of 12 s is not "> 1.3"
    assert critparse.screen(critparse.parse(PT_CONTROL, mode="fast"), pt).verdict == "undetermined"


def test_implausible_travels_through_json_and_frames():
    parsed = critparse.parse(HB_MG, mode="fast")
    back = critparse.ParsedTrial.from_json(parsed.to_json())
    assert [c.implausible for c in back.constraints] == [c.implausible for c in parsed.constraints]
    frame = parsed.to_frames()["constraints"]
    assert list(frame["implausible"]) == [c.implausible for c in parsed.constraints]
    assert frame["implausible"].any() and not frame["implausible"].all()


def test_mg_per_ml_typo_is_read_whole_and_marked_implausible():
    """"Creatinine no greater than 2.5 mg/ml" (mg/ml for mg/dl, 30 in the XML extract): the unit was cut to "mg"; read
    whole, the value lies far outside creatinine's range and is read as text."""
    import critparse

    cons = critparse.parse("Inclusion Criteria:\n- Renal: - Creatinine no greater than 2.5 mg/ml - No history of "
                           "renal disease", mode="fast").constraints
    assert [(c.subject, c.unit, c.implausible) for c in cons] == [("creatinine", "mg/mL", True)]
