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


def test_a_test_name_after_a_condition_starts_an_item():
    # NCT00004412 (ctgov_xml_2023): neither name is a common English word
    text = "Hepatic: No hepatic compromise Transaminases no greater than 250 IU Renal: No renal compromise Creatinine no"
    assert runon.next_item(text, 0, len(text)) is None
    i = runon.next_item_or_analyte(text, 0, len(text))
    assert text[i:].startswith("Transaminases")
    assert text[runon.next_item_or_analyte(text, i + 1, len(text)):].startswith("Creatinine")


def test_a_test_name_after_a_function_or_phrase_word_starts_no_item():
    for text in ("No concurrent WBC transfusions",  # NCT00004192 (ctgov_xml_2023)
                 "No history of congestive heart failure with an LVEF less than 40%",  # NCT00001577 (ctgov_xml_2023)
                 "No history of chronic active hepatitis or cirrhosis SGOT and/or SGPT no greater than"):  # NCT00002937
        starts = [text[i:i + 4] for i in runon._analyte_starts(text, 0, len(text))]
        assert starts == (["SGOT"] if "SGOT" in text else []), text
