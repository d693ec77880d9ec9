"""critparse.runon: where the items of a record whose line breaks were lost run into each other, and what
the subjects and negation scopes do there (real legacy-registry text)."""

from critparse import parse, runon

# NCT00003697 (ctgov_xml_2023), as the record holds it (hard-wrapped lines, items run on)
REFRACTORY = ("Histologically confirmed solid tumor that is not amenable to any\r\n        standard therapy or is refractory "
              "to conventional therapy Tumor mass larger than 3 cm\r\n        accessible to MRI scan Documented progression "
              "within the past 2 months")


def test_item_starts_at_capitalised_words_after_an_item():
    starts = runon.item_starts(REFRACTORY)
    assert [REFRACTORY[i:i + 10] for i in starts] == ["Tumor mass", "Documented"]


def test_capitalised_names_and_title_case_start_no_item():
    for text in ("the patient has an acceptable International Normalized Ratio (INR) (between 2 and 3)",  # NCT00499369
                 "Karnofsky performance Status of >=60%.",  # NCT00461708
                 "Has participated in another clinical Study (investigational or marketed product) within 30 days",  # NCT00493311
                 "Any Immunoglobulin Or Blood Products 5 Months Prior To Or Expected Within 3 Months"):  # NCT00496327
        assert runon.item_starts(text) == [], text


def test_subject_and_negation_end_at_the_item():
    got = [(c.subject, c.op, c.value, c.unit, c.negated) for c in parse(REFRACTORY, mode="fast").constraints]
    assert ("tumor mass", ">", 3.0, "cm", False) in got
    assert ("progression", "<=", 2.0, "mo", False) in got


def test_title_case_names_keep_their_concept():
    got = parse("- premorbid modified Rankin Scale score > 3", mode="fast").constraints  # NCT00463281
    assert [(c.subject, c.op, c.value) for c in got] == [("mrs", ">", 3.0)]


def test_age_carried_to_a_count_of_an_age_group_is_dropped():
    text = ("WBC at presentation, i.e.: Greater than 100,000 in patients aged 6 to 12 months Greater than 200,000 in "
            "patients aged 1 to 20 years")  # NCT00006451 (ctgov_xml_2023)
    got = [(c.subject, c.op, c.value, c.unit) for c in parse(text, mode="fast").constraints]
    assert ("age", ">=", 1.0, "a") in got
    assert all(not (s == "age" and v > 130) for s, _, v, _ in got), got
