"""Segmentation into a criteria tree: the seed trial, each layout rule on small
texts, a dozen hand-checked real registry records, and every corpus record."""

from __future__ import annotations

import gzip
import json

import pytest

from conftest import corpus_file
from critparse.normalize import normalize
from critparse.segment import segment


def crits(text):
    return [s.criterion for s in segment(normalize(text))]



def kids(cs, cid):
    return [c for c in cs if c.parent == cid]


def check_offsets(text, segs, nt=None):
    nt = nt or normalize(text)
    for s in segs:
        c = s.criterion
        assert 0 <= c.start <= c.end <= len(text)
        assert text[c.start:c.end] == c.text
        a, b = s.body
        assert 0 <= a <= b <= len(nt.text)
        assert nt.text[a:b] == nt.text[a:b].strip()
        if c.role == "item":
            assert b > a and c.clean_text


# -- the seed trial (issue 2, section 4) ------------------------------------------------

@pytest.fixture(scope="module")
def seed(seed_text):
    return crits(seed_text)


def test_seed_two_cohorts(seed):
    assert sorted({c.cohort for c in seed if c.cohort}) == ["B-ALL", "B-NHL"]


def test_seed_common_group_applies_to_all(seed):
    common = [c for c in seed if c.clean_text.startswith("Common inclusion criteria for B-ALL and B-NHL")]
    assert len(common) == 1 and common[0].role == "group" and common[0].cohort is None
    children = kids(seed, common[0].id)
    assert len(children) == 7 and all(c.cohort is None and c.role == "item" for c in children)
    assert children[1].clean_text.startswith("Total bilirubin <= 51 umol/L, ALT and AST <= 3 times of upper limit of normal")


def test_seed_cohort_groups_and_ids(seed):
    by = {c.id: c for c in seed}
    assert by["inc.1"].role == "group" and by["inc.1"].cohort == "B-ALL" and by["inc.1"].number == "*"
    assert by["inc.1"].text == "Inclusion criteria only for B-ALL:"
    assert by["inc.2"].role == "group" and by["inc.2"].cohort == "B-NHL"
    assert [c.id for c in kids(seed, "inc.1")] == [f"inc.1.{i}" for i in range(1, 6)]
    assert all(c.cohort == "B-ALL" and c.kind == "inclusion" for c in kids(seed, "inc.1"))
    assert [c.id for c in kids(seed, "inc.2")] == [f"inc.2.{i}" for i in range(1, 5)]
    assert all(c.cohort == "B-NHL" for c in kids(seed, "inc.2"))
    assert by["inc.1.3.2"].clean_text == "CR achieved following the first induction, but CR duration is less than 12 months;"
    assert by["inc.1.3.2"].number == "2." and by["inc.1.3.2"].depth == 2 and by["inc.1.3.2"].parent == "inc.1.3"
    assert by["inc.1.1"].section == "Inclusion Criteria:"


def test_seed_exactly_two_any_groups(seed):
    anys = [c for c in seed if c.logic == "any"]
    assert [c.id for c in anys] == ["inc.1.3", "inc.2.3"]
    assert len(kids(seed, "inc.1.3")) == 4 and len(kids(seed, "inc.2.3")) == 3
    assert {c.logic for c in seed if c.role == "item" and not kids(seed, c.id)} == {None}
    assert all(c.logic == "all" for c in seed if c.role == "group")


def test_seed_eleven_exclusion_items_and_a_note(seed):
    exc = [c for c in seed if c.kind == "exclusion"]
    items = [c for c in exc if c.role == "item"]
    assert [c.id for c in items] == [f"exc.{i}" for i in range(1, 12)]
    assert all(c.depth == 0 and c.parent is None and c.cohort is None for c in items)
    notes = [c for c in exc if c.role == "note"]
    assert len(notes) == 1 and notes[0].id == "exc.note1" and notes[0].logic is None
    assert notes[0].text == "Subjects with any of the following exclusion criteria were not eligible for this trial:"
    assert items[7].number == "8." and items[7].text == ("Creatinine\\>2.5mg/dl, or ALT / AST \\> 3 times of normal "
                                                        "amounts,orbilirubin\\>2.0 mg/dl;")
    assert items[7].clean_text == "Creatinine>2.5mg/dl, or ALT / AST > 3 times of normal amounts, or bilirubin>2.0 mg/dl;"
    assert [c for c in seed if c.role == "note"] == notes


def test_seed_offsets_and_bodies(seed_text):
    nt = normalize(seed_text)
    segs = segment(nt)
    check_offsets(seed_text, segs, nt)
    for s in segs:  # the body is the criterion's own words: no marker, no children
        body = nt.text[s.body[0]:s.body[1]]
        assert not body.startswith(("* ", "1.", "2.")) and "\n\n" not in body


# -- sections -------------------------------------------------------------------------

@pytest.mark.parametrize("heading,kind,section", [
    ("Inclusion Criteria:", "inclusion", None), ("Key Inclusion Criteria", "inclusion", None),
    ("INCLUSION CRITERIA", "inclusion", None), ("EXCLUSION CRITERIA", "exclusion", None),
    ("Exclusion criteria include:", "exclusion", None), ("Key Exclusion Criteria", "exclusion", None),
    ("Exclusion:", "exclusion", None), ("**Exclusion Criteria:**", "exclusion", "Exclusion Criteria:"),
    ("- EXCLUSION CRITERIA:", "exclusion", "EXCLUSION CRITERIA:"), ("Criteria for exclusion:", "exclusion", None),
    ("DISEASE CHARACTERISTICS:", "inclusion", None), ("PATIENT CHARACTERISTICS:", "inclusion", None),
    ("PRIOR CONCURRENT THERAPY:", "inclusion", None), ("--Prior/Concurrent Therapy--", "inclusion", None),
    ("PROTOCOL ENTRY CRITERIA:", "inclusion", None), ("Eligibility Criteria:", "inclusion", None),
    # NCT03864055 (lct_trainval): the exclusion items were read as inclusion, contradicting the age of the inclusion
    ("Patient's exclusion criteria", "exclusion", None), ("Patients' Inclusion Criteria:", "inclusion", None),
    # NCT03922932 (lct_trainval), NCT00490841 (XML): a heading qualified by capitalised words of any kind
    ("Participant-Related Exclusion Criteria:", "exclusion", None), ("Eye-Related Inclusion Criteria:", "inclusion", None),
    ("Healthy Controls Exclusion Criteria:", "exclusion", None), ("School inclusion criteria:", "inclusion", None),
])
def test_heading_variants(heading, kind, section):
    cs = crits(f"Exclusion Criteria:\n1. Before\n{heading}\n1. Item one\n2. Item two" if kind == "inclusion"
               else f"{heading}\n1. Item one\n2. Item two")
    items = [c for c in cs if c.clean_text.startswith("Item")]
    assert [c.kind for c in items] == [kind, kind]
    assert items[0].section == (section or heading)
    assert [c.depth for c in items] == [0, 0]


def test_qualified_heading_right_after_an_item_opens_its_section():
    """'Participant-Related Exclusion Criteria:' with no blank line before it (NCT03922932, lct_trainval) was read as
    part of the inclusion section: every exclusion item became an inclusion. 'INCLUSION AND EXCLUSION CRITERIA:'
    names both sections and opens neither as exclusion."""
    cs = crits("Participant-Related Inclusion Criteria:\n - Age 18 or older\nParticipant-Related Exclusion Criteria:\n"
               " - Creatinine greater than 2 mg/dL")
    assert [(c.kind, c.clean_text[:10]) for c in cs if c.role == "item"] == [("inclusion", "Age 18 or "),
                                                                             ("exclusion", "Creatinine")]
    cs = crits("Inclusion Criteria:\n - Age 18 or older\nINCLUSION AND EXCLUSION CRITERIA:\n - Creatinine below 2 mg/dL")
    assert [c.kind for c in cs if c.role == "item" and c.clean_text.startswith("Creatinine")] == ["inclusion"]


def test_no_heading_is_inclusion_and_empty_is_empty():
    assert crits("") == [] and crits("   \n\n ") == []
    cs = crits("Age 18 or older. Able to give consent.")
    assert [(c.kind, c.section, c.clean_text) for c in cs] == [
        ("inclusion", None, "Age 18 or older."), ("inclusion", None, "Able to give consent.")]


def test_inline_heading_text_is_an_item():
    cs = crits("Inclusion criteria: age 18 or older\nExclusion criteria: pregnancy")
    assert [(c.kind, c.clean_text) for c in cs] == [("inclusion", "age 18 or older"), ("exclusion", "pregnancy")]


def test_sentence_starting_with_inclusion_is_not_a_heading():
    cs = crits("Exclusion Criteria:\n* Inclusion of another trial's drug within 30 days")
    assert [(c.kind, c.role) for c in cs] == [("exclusion", "item")]


# -- items and nesting -------------------------------------------------------------------

@pytest.mark.parametrize("a,b", [("1.", "2."), ("1)", "2)"), ("(1)", "(2)"), ("i.", "ii."), ("ii)", "iii)"),
                                 ("a.", "b."), ("(b)", "(c)"), ("A.", "B."), ("*", "*"), ("-", "-"), ("\u2022", "\u2022"),
                                 ("o", "o"), ("+", "+"), ("1.1", "1.2")])
def test_markers(a, b):
    cs = crits(f"Inclusion Criteria:\n{a} First criterion\n{b} Second criterion")
    assert [(c.number, c.clean_text, c.depth) for c in cs] == [(a, "First criterion", 0), (b, "Second criterion", 0)]
    assert cs[0].text == "First criterion"


def test_nesting_by_indentation_and_marker_type():
    text = ("* Group header:\n\n  1. one\n  2. two, either:\n\n     a. two-a\n     b. two-b\n  3. three\n"
            "* Next\n- dash under star\n")
    cs = crits(text)
    by = {c.id: c for c in cs}
    assert [c.clean_text for c in kids(cs, "inc.1")] == ["one", "two, either:", "three"]
    assert [c.clean_text for c in kids(cs, "inc.1.2")] == ["two-a", "two-b"] and by["inc.1.2"].logic == "any"
    assert by["inc.1"].logic == "all" and by["inc.1.2.2"].depth == 2
    assert by["inc.2"].clean_text == "Next" and by["inc.3"].clean_text == "dash under star"


def test_same_indentation_sublist_after_colon():
    cs = crits("1. Adequate organ function:\n1. ANC >= 1.5\n2. Platelets >= 100\n2. ECOG 0-1")
    by = {c.id: c for c in cs}
    assert [c.clean_text for c in kids(cs, "inc.1")] == ["ANC >= 1.5", "Platelets >= 100"]
    assert by["inc.2"].clean_text == "ECOG 0-1"


def test_item_ending_in_or_joins_the_next_item():
    # NCT00003803 (ctgov_xml_2023): both used to be required under "Renal:"
    cs = crits("Inclusion Criteria:\n\n  Renal:\n\n    -  Creatinine no greater than 1.25 times normal OR\n\n"
               "    -  Creatinine clearance greater than 70 mL/min\n\n  Cardiovascular:\n\n    -  No heart failure")
    by = {c.id: c for c in cs}
    assert by["inc.1.1"].role == "group" and by["inc.1.1"].logic == "any" and by["inc.1.1"].text == "OR"
    assert [c.clean_text for c in kids(cs, "inc.1.1")] == [
        "Creatinine no greater than 1.25 times normal OR", "Creatinine clearance greater than 70 mL/min"]
    assert [c.clean_text for c in kids(cs, "inc.2")] == ["No heart failure"]


def test_or_that_the_item_runs_on_past_joins_nothing():
    # NCT00003191 (ctgov_xml_2023): the "OR" ends a wrapped line inside the item
    cs = crits("Inclusion Criteria:\n\n  -  Creatinine no greater than 1.5 g/dL OR\n     creatinine clearance at least "
               "50 mL/min\n\n  -  Seizure disorders controlled with anticonvulsants allowed")
    assert [(c.id, c.logic) for c in cs] == [("inc.1", None), ("inc.2", None)]


def test_legacy_hard_wraps_join_their_item():
    text = ("\r\n        Inclusion Criteria:\r\n\r\n          -  Histologically confirmed adenocarcinoma of the\r\n"
            "             prostate with rising PSA\r\n\r\n               -  nested bullet that wraps\r\n"
            "                  onto a second line\r\n\r\n          -  Second item\r\n      ")
    cs = crits(text)
    assert [(c.id, c.clean_text) for c in cs] == [
        ("inc.1", "Histologically confirmed adenocarcinoma of the prostate with rising PSA"),
        ("inc.1.1", "nested bullet that wraps onto a second line"), ("inc.2", "Second item")]
    assert cs[0].text == "Histologically confirmed adenocarcinoma of the\r\n             prostate with rising PSA"


def test_one_item_per_line_without_markers():
    """Criteria written one per line with no bullets or final stops (Chia NCT02537899, as registry text
    pasted without Markdown): each line is an item; before, the whole section was one criterion, and the
    window of "spinal cord injury between 3 days and 4 weeks" ran into the next line's words."""
    text = ("Inclusion Criteria:\nMale or female\nAge 18 to 65 years\n"
            "Diagnosed with spinal cord injury between 3 days and 4 weeks\n"
            "American Spinal Injury Association Impairment Scale A or B\n"
            "Informed consent for inclusion into the database is obtained\n\n"
            "Exclusion Criteria:\nNon survivable injury\nMultiple significant trauma (i.e. significant intracranial "
            "and extracranial injuries including limb fractures) that would limit observation of recovery from "
            "spinal cord injury\n")
    cs = crits(text)
    assert [(c.id, c.clean_text[:30]) for c in cs] == [
        ("inc.1", "Male or female"), ("inc.2", "Age 18 to 65 years"),
        ("inc.3", "Diagnosed with spinal cord inj"), ("inc.4", "American Spinal Injury Associa"),
        ("inc.5", "Informed consent for inclusion"), ("exc.1", "Non survivable injury"),
        ("exc.2", "Multiple significant trauma (i")]


def test_ragged_lines_are_items_even_after_the_widest():
    """Chia NCT00785213 (ragged: few lines reach the widest one): the widest line is no hard wrap either."""
    text = ("Exclusion Criteria:\nRecent participation (within 28 days) in other research studies\n"
            "Test positive at screening for human immunodeficiency virus (HIV), hepatitis B surface antigen (HbsAg) "
            "or hepatitis C virus (HCV)\nPregnant or lactating\nDrug allergies to quinine sulfate or rosiglitazone\n")
    assert [c.clean_text[:22] for c in crits(text)] == [
        "Recent participation (", "Test positive at scree", "Pregnant or lactating", "Drug allergies to quin"]


def test_wrapped_lines_and_open_phrases_stay_one_item():
    """A hard wrap (the line could not hold the next word), a final connector, comma or open bracket
    continue the item, even before a capital ("... history of" / "HIV infection")."""
    text = ("Inclusion Criteria:\nPatients with a history of\nHIV infection treated with\nZidovudine for 4 weeks\n\n"
            "Adults with moderate to severe plaque psoriasis involving at least ten percent BSA\n"
            "Candidates for systemic therapy or phototherapy who failed topical treatments\n")
    assert [c.clean_text for c in crits(text)] == [
        "Patients with a history of HIV infection treated with Zidovudine for 4 weeks",
        "Adults with moderate to severe plaque psoriasis involving at least ten percent BSA "
        "Candidates for systemic therapy or phototherapy who failed topical treatments"]


def test_paragraph_sentences_keep_abbreviations_and_decimals():
    text = ("Patients aged 18-75 years, e.g. adults. Creatinine below 2.5 mg/dL vs. baseline i.e. stable. "
            "Seen by Dr. Smith within approx. 2 weeks. No prior therapy!")
    assert [c.clean_text for c in crits(text)] == [
        "Patients aged 18-75 years, e.g. adults.", "Creatinine below 2.5 mg/dL vs. baseline i.e. stable.",
        "Seen by Dr. Smith within approx. 2 weeks.", "No prior therapy!"]


def test_or_line_makes_an_any_group():
    cs = crits("Inclusion Criteria:\n- Stage IIIA\n\nOR\n\n- Stage IIIB\n- ECOG 0-1")
    by = {c.id: c for c in cs}
    assert by["inc.1"].role == "group" and by["inc.1"].logic == "any" and by["inc.1"].text == "OR"
    assert [c.clean_text for c in kids(cs, "inc.1")] == ["Stage IIIA", "Stage IIIB"]
    assert by["inc.2"].clean_text == "ECOG 0-1"


# -- cohorts, labels, notes, logic ----------------------------------------------------------

@pytest.mark.parametrize("header,cohort", [
    ("Cohort A:", "Cohort A"), ("Part 2 (dose expansion):", "Part 2"), ("For patients with prostate cancer:", "prostate cancer"),
    ("Inclusion criteria only for B-ALL:", "B-ALL"), ("Arm B (placebo):", "Arm B"), ("All patients:", None),
    ("Common inclusion criteria for B-ALL and B-NHL:", None), ("Inclusion Criteria for Cohort 2:", "Cohort 2"),
    ("EXCLUSION CRITERIA - DONOR:", "DONOR"),
])
def test_cohort_headers(header, cohort):
    cs = crits(f"{header}\n* First\n* Second")
    group = cs[0]
    assert group.role == "group" and group.cohort == cohort and group.text == header
    assert [(c.parent, c.cohort) for c in cs[1:]] == [(group.id, cohort), (group.id, cohort)]


@pytest.mark.parametrize("phrase", ["meeting one of the following conditions", "any of the following",
                                    "at least one of the following", "one or more of the following", "either"])
def test_any_logic_phrases(phrase):
    cs = crits(f"1. Disease status, {phrase}:\n   a. relapsed\n   b. refractory")
    assert cs[0].logic == "any" and [c.logic for c in cs[1:]] == [None, None]


def test_inclusion_preamble_asking_for_one_of_is_an_any_item_and_plain_preamble_a_note():
    cs = crits("Inclusion Criteria:\nPatients must meet at least one of the following:\n1. A\n2. B\n"
               "Exclusion Criteria:\nPatients meeting any of the following will be excluded:\n1. C\n2. D")
    by = {c.id: c for c in cs}
    assert by["inc.1"].role == "item" and by["inc.1"].logic == "any" and len(kids(cs, "inc.1")) == 2
    assert by["exc.note1"].role == "note" and [by["exc.1"].clean_text, by["exc.2"].clean_text] == ["C", "D"]


def test_labels_nest_and_carry_exclusion():
    text = ("Inclusion Criteria\n\nConcurrent Medication:\n\nAllowed:\n\n  -  Acyclovir.\n\nExcluded:\n\n"
            "  -  Other anti-HIV drugs.\n\nNote: see protocol.\n")
    cs = crits(text)
    assert [(c.id, c.role, c.kind, c.clean_text) for c in cs] == [
        ("inc.1", "group", "inclusion", "Concurrent Medication:"),
        ("inc.1.1", "group", "inclusion", "Allowed:"),
        ("inc.1.1.1", "item", "inclusion", "Acyclovir."),
        ("inc.1.2", "group", "exclusion", "Excluded:"),
        ("inc.1.2.1", "item", "exclusion", "Other anti-HIV drugs."),
        ("inc.note1", "note", "inclusion", "Note: see protocol."),
    ]


# -- real records, hand-checked -------------------------------------------------------------

@pytest.fixture(scope="module")
def xml_records(corpora):
    f = corpus_file(corpora, "ctgov_xml_2023/derived/eligibility.jsonl.gz")
    with gzip.open(f, "rt", encoding="utf-8") as fh:
        return {r["nct_id"]: r.get("criteria") or "" for r in map(json.loads, fh)}


@pytest.fixture(scope="module")
def v2_records(corpora):
    out = {}
    for f in sorted((corpora / "ctgov_v2_json_sample/original").glob("*.json")):
        for study in json.loads(f.read_text(encoding="utf-8")):
            ps = study["protocolSection"]
            out[ps["identificationModule"]["nctId"]] = ps["eligibilityModule"]["eligibilityCriteria"]
    if not out:
        pytest.skip("ctgov_v2_json_sample not found")
    return out


def real(records, nct):
    text = records[nct]
    nt = normalize(text)
    segs = segment(nt)
    check_offsets(text, segs, nt)
    cs = [s.criterion for s in segs]
    return cs, {c.id: c for c in cs}


def test_real_nci_headings_labels_and_nested_bullets(xml_records):
    cs, by = real(xml_records, "NCT00002455")  # DISEASE/PATIENT CHARACTERISTICS, PRIOR CONCURRENT THERAPY
    assert {c.kind for c in cs} == {"inclusion"}
    assert {c.section for c in cs} == {"DISEASE CHARACTERISTICS:", "PATIENT CHARACTERISTICS:", "PRIOR CONCURRENT THERAPY:"}
    assert by["inc.1"].clean_text == ("Diagnosis of colon cancer, breast cancer, or melanoma with minimal residual disease "
                                      "(at least 90% of tumor mass resected) after surgical resection")
    assert by["inc.2"].clean_text == "Hormone receptor status:" and by["inc.2.1"].clean_text == "Not specified"
    labels = [c.clean_text for c in cs if c.role == "group"]
    assert labels == ["Age:", "Sex:", "Menopausal status:", "Performance status:", "Life expectancy:", "Hematopoietic:",
                      "Hepatic:", "Renal:", "Biologic therapy", "Chemotherapy", "Endocrine therapy", "Radiotherapy", "Surgery"]
    assert all(len(kids(cs, c.id)) == 1 for c in cs if c.role == "group")
    assert [c.clean_text for c in kids(cs, "inc.3")] == ["20 to 80"] and by["inc.3"].clean_text == "Age:"


def test_real_paragraph_without_markers(xml_records):
    cs, by = real(xml_records, "NCT00000114")
    assert len(cs) == 5 and all(c.role == "item" and c.section is None and c.kind == "inclusion" for c in cs)
    assert by["inc.1"].clean_text == ("Men and nonpregnant women between ages 18 and 49 years with common forms of RP "
                                      "were included.")
    assert by["inc.5"].clean_text.endswith("not greater than 11,500 IU/day and 40 IU/day, respectively.")


def test_real_aids_labels(xml_records):
    cs, by = real(xml_records, "NCT00000625")
    assert [c.clean_text for c in kids(cs, "inc.1")] == ["Allowed:"] and by["inc.1"].clean_text == "Concurrent Medication:"
    assert by["inc.2"].clean_text == "Patients must have:" and len(kids(cs, "inc.2")) == 1
    assert by["exc.2"].clean_text == "Concurrent Medication:" and by["exc.2.1"].clean_text == "Excluded:"
    assert by["exc.2.1.1"].clean_text.startswith("Other anti-HIV drugs")
    assert by["exc.6"].clean_text == "Current alcohol abuse." and by["exc.6"].parent is None
    assert [c.kind for c in cs].count("exclusion") == 15


def test_real_run_together_nci_text(xml_records):
    cs, by = real(xml_records, "NCT00002456")  # "PATIENT CHARACTERISTICS: Age: Any age Performance status: ..."
    assert [c.clean_text for c in cs if c.role == "group"] == [
        "Age:", "Performance status:", "Life expectancy:", "Hematopoietic:", "Hepatic:", "Renal:", "Other:"]
    assert [c.clean_text for c in kids(cs, "inc.2")] == ["Any age"]
    assert [c.clean_text for c in kids(cs, "inc.6")] == ["No severe hepatic disease"]
    assert by["inc.9"].clean_text == "No concurrent experimental treatment on other GVHD prophylaxis studies"
    assert by["inc.9"].section == "PRIOR CONCURRENT THERAPY:"


def test_real_dash_headings_run_together(xml_records):
    cs, by = real(xml_records, "NCT00004310")  # "--Disease Characteristics-- ... --Prior/Concurrent Therapy-- ..."
    assert by["inc.1"].section == "--Disease Characteristics--"
    assert by["inc.1"].clean_text.startswith("Primary diagnosis of obsessive compulsive disorder (OCD) for at least 1 year")
    assert by["inc.4"].clean_text == "Endocrine therapy:" and by["inc.4"].section == "--Prior/Concurrent Therapy--"
    assert [c.clean_text for c in kids(cs, "inc.7")] == [
        "No anemia", "No drug-induced leukopenia", "No bleeding disorder", "No other blood dyscrasia or bone marrow depression"]
    assert by["inc.7"].section == "--Patient Characteristics--"


def test_real_cohort_headings(xml_records):
    cs, by = real(xml_records, "NCT00001246")  # "- INCLUSION CRITERIA FOR HEALTHY CONTROLS:" ...
    groups = [(c.id, c.cohort) for c in cs if c.role == "group"]
    assert groups[:5] == [("inc.1", "HEALTHY CONTROLS"), ("inc.2", "MRI SCANNER CALIBRATION PROJECT"),
                          ("inc.3", "PATIENT POPULATIONS"), ("inc.4", "ADHD"), ("inc.5", "DOWN SYNDROME")]
    assert by["inc.3.1"].logic == "any" and len(kids(cs, "inc.3.1")) == 5
    assert all(c.cohort == "PATIENT POPULATIONS" for c in kids(cs, "inc.3.1"))
    assert by["exc.1"].clean_text == "NIMH staff and their immediate family are excluded from participation."
    assert by["exc.1"].cohort is None and by["exc.2"].cohort == "HEALTHY CONTROLS"


def test_real_or_between_bullets(xml_records):
    cs, by = real(xml_records, "NCT00004859")
    assert len(kids(cs, "inc.1")) == 5 and by["inc.1"].logic == "all"
    assert by["inc.2"].text == "OR" and by["inc.2"].logic == "any"
    assert [c.clean_text for c in kids(cs, "inc.2")] == ["Unresectable stage IIIA",
                                                        "Stage IIIB disease without significant pleural effusion"]
    assert len(kids(cs, "inc.2.2")) == 2
    assert len([c for c in cs if c.kind == "exclusion"]) == 10


def test_real_criteria_for_children_cohorts(xml_records):
    cs, by = real(xml_records, "NCT00000662")
    assert by["inc.2"].cohort == "children 3 months to less than 15 months of age" and by["inc.2"].role == "group"
    assert by["inc.2.1"].logic == "any" and len(kids(cs, "inc.2.1")) == 2
    assert by["inc.2.2"].clean_text == "Patients must meet two of the following criteria:"
    assert by["inc.3"].cohort == "children 15 months to 12 years of age"
    assert by["inc.3.2"].logic == "any" and by["inc.3.2.2"].cohort == "children 15 months to 12 years of age"


def test_real_lower_case_bullets(xml_records):
    cs, by = real(xml_records, "NCT00000102")
    assert [(c.id, c.clean_text) for c in cs] == [
        ("inc.1", "diagnosed with Congenital Adrenal Hyperplasia (CAH)"), ("inc.2", "normal ECG during baseline evaluation"),
        ("exc.1", "history of liver disease, or elevated liver function tests"), ("exc.2", "history of cardiovascular disease")]


def test_real_dedented_roman_sublist(xml_records):
    cs, by = real(xml_records, "NCT00001421")
    assert by["inc.6"].logic == "any"  # "... plus at least one of the three other criteria):"
    assert [c.number for c in kids(cs, "inc.6.2")] == ["i.", "ii.", "iii.", "iv."]
    assert by["inc.6.2.2"].clean_text == "necrosis"


def test_real_v2_cohort_sections_and_nested_star(v2_records):
    cs, by = real(v2_records, "NCT05921903")
    assert by["inc.1"].role == "item" and by["inc.1"].number is None
    assert by["inc.7"].cohort == "renal/lung transplant" and len(kids(cs, "inc.7")) == 2
    assert by["inc.8"].cohort == "renal transplant (RTx)" and by["inc.8.1"].number == "\u2022"
    assert by["inc.10"].cohort == "healthy participants"
    assert by["exc.1"].clean_text == "Medical conditions:" and len(kids(cs, "exc.1")) == 7
    assert by["exc.4"].clean_text == "Pregnant or lactating female participant." and by["exc.4"].parent is None
    assert len(kids(cs, "exc.12.3")) == 4


def test_real_v2_nested_numbers_and_notes(v2_records):
    cs, by = real(v2_records, "NCT05897541")
    assert [c.clean_text for c in kids(cs, "inc.3")] and by["inc.3"].clean_text == "The index participant must:"
    assert len(kids(cs, "inc.3")) == 2
    assert by["exc.note1"].clean_text.startswith("Study Participants: Participants will be excluded")
    assert [c.id for c in cs if c.kind == "exclusion" and c.role == "item" and c.depth == 0] == [
        f"exc.{i}" for i in range(1, 13)]
    assert by["exc.8"].logic == "any" and len(kids(cs, "exc.8")) == 2
    assert by["exc.note2"].clean_text == "Note: Other protocol-defined Inclusion/Exclusion criteria may apply."


def test_real_v2_markdown_escapes(v2_records):
    cs, by = real(v2_records, "NCT05925803")
    assert by["inc.1"].section == "Key Inclusion Criteria:" and by["exc.1"].section == "Key Exclusion Criteria:"
    assert len([c for c in cs if c.kind == "inclusion"]) == 10 and len([c for c in cs if c.kind == "exclusion"]) == 13
    assert by["inc.6"].text == "mRSS \\> 10 with early disease or rapid progression as defined by the protocol"
    assert by["inc.6"].clean_text.startswith("mRSS > 10")


# -- sub-headings inside a section (issue 9, item 5) -------------------------------------------

def test_real_v2_sub_headings_group_their_numbered_items(v2_records):
    cs, by = real(v2_records, "NCT05879653")  # "Medical Conditions", then two headings indented under the item above
    groups = [c for c in cs if c.kind == "exclusion" and c.role == "group"]
    assert [(c.id, c.clean_text) for c in groups] == [
        ("exc.1", "Medical Conditions"), ("exc.2", "Prior/Concomitant Therapy"), ("exc.3", "Diagnostic Assessments")]
    assert [c.number for c in kids(cs, "exc.1")] == [f"{i}." for i in range(1, 7)]
    assert [c.number for c in kids(cs, "exc.2")] == [f"{i}." for i in range(7, 12)]
    assert [c.number for c in kids(cs, "exc.3")] == [f"{i}." for i in range(12, 31)]
    # the heading is not glued onto item 6
    assert by["exc.1.6"].clean_text == "Has a history of radiation therapy to the pelvic region for any reason."
    assert by["exc.2.1"].clean_text.startswith("Has received prior pelvic/local radiation therapy")
    assert all(c.logic == "all" and c.number is None for c in groups)


def test_real_v2_age_and_type_of_participant_headings(v2_records):
    cs, by = real(v2_records, "NCT05809934")
    assert by["inc.note1"].clean_text.startswith("Participants are eligible to be included")
    assert by["inc.1"].clean_text == "Age" and by["inc.1"].role == "group"
    assert [c.number for c in kids(cs, "inc.1")] == ["1."]
    assert by["inc.2"].clean_text == "Type of Participant and Disease Characteristics" and by["inc.2"].role == "group"
    assert [c.number for c in kids(cs, "inc.2")] == ["2.", "3."] and len(kids(cs, "inc.2.2")) == 2
    assert by["inc.1.1"].clean_text == ("Participant must be 18 to 75 years of age (inclusive) at the time of signing "
                                        "the informed consent.")
    assert by["exc.1"].clean_text == "Medical Conditions" and by["exc.1.5"].logic == "any"
    assert len(kids(cs, "exc.1.5")) == 4


def test_real_v2_lower_case_sub_headings(v2_records):
    cs, by = real(v2_records, "NCT05813925")  # "Obesity-related", "Diabetes-related for participant with T2D"
    assert [(c.id, c.clean_text) for c in cs if c.role == "group"] == [
        ("inc.4", "Diabetes-related for participant with T2D"), ("exc.1", "Obesity-related"),
        ("exc.2", "Glycaemia-related for participant without T2D"), ("exc.3", "Diabetes-related for participant with T2D")]
    assert [len(kids(cs, g)) for g in ("inc.4", "exc.1", "exc.2", "exc.3")] == [4, 1, 2, 3]
    assert by["inc.3"].role == "item" and by["inc.3"].number == "*"


def test_real_bracketed_and_legacy_sub_headings(v2_records, xml_records):
    cs, by = real(v2_records, "NCT05907980")
    assert by["exc.11"].role == "group" and by["exc.11"].text == "[Expansion Part\\]" and len(kids(cs, "exc.11")) == 2
    cs, by = real(xml_records, "NCT00462189")  # "Life expectancy" alone above a bullet
    assert by["inc.5"].role == "group" and [c.clean_text for c in kids(cs, "inc.5")] == [
        "Life expectancy of greater than 6 months, as assessed by the principal investigator"]
    cs, by = real(xml_records, "NCT00001246")  # a short line shaped like a sentence stays an item
    assert by["inc.1.1"].clean_text == "Subjects consenting to participation in the study" and by["inc.1.1"].role == "item"
    assert by["inc.1.2"].parent == "inc.1"


def test_real_colon_sub_headings_under_an_item_are_notes_not_glued(v2_records, xml_records):
    cs, by = real(v2_records, "NCT05832827")  # "   Female participants:" indented under item 6, above item 7
    assert by["inc.6"].clean_text.endswith("refrain from donating sperm during this period.")
    assert by["inc.note1"].clean_text == "Female participants:" and by["inc.note1"].parent is None
    assert by["inc.7"].number == "7." and by["inc.7"].logic == "any" and by["inc.8"].number == "8."
    cs, by = real(xml_records, "NCT00001406")  # "Eosinophilic Patients only:", "Relatives only:" under items 3 and 5
    assert by["inc.3"].clean_text.endswith("a written informed consent document")
    assert by["inc.5"].clean_text == "Primary (non-NIH) physician for routine medical care"
    assert [c.clean_text for c in cs if c.role == "note" and c.kind == "inclusion"][-2:] == [
        "Eosinophilic Patients only:", "Relatives only:"]
    assert [c.number for c in cs if c.kind == "inclusion" and c.role == "item"] == [f"{i}." for i in range(1, 7)]


def test_heading_right_after_an_item_starts_a_group_without_blank_line():
    cs = crits("Exclusion Criteria:\n\nMedical Conditions\n1. Has active hepatitis.\n"
               "2. Has a history of radiation therapy to the pelvis.\nPrior/Concomitant Therapy\n"
               "3. Has received prior therapy with an anti-PD-1 agent.\n4. Has received a live vaccine within 30 days of\n"
               "Planned Start Of Treatment\n")
    assert [(c.id, c.number, c.clean_text) for c in cs] == [
        ("exc.1", None, "Medical Conditions"),
        ("exc.1.1", "1.", "Has active hepatitis."),
        ("exc.1.2", "2.", "Has a history of radiation therapy to the pelvis."),
        ("exc.2", None, "Prior/Concomitant Therapy"),
        ("exc.2.1", "3.", "Has received prior therapy with an anti-PD-1 agent."),
        ("exc.2.2", "4.", "Has received a live vaccine within 30 days of Planned Start Of Treatment")]


# -- robustness (issue 10) ----------------------------------------------------------------------

@pytest.mark.issue(10)
def test_nesting_1000_levels_deep():
    text = "".join(" " * i + f"- level {i}\n" for i in range(1000))
    cs = crits(text)
    assert len(cs) == 1000 and cs[-1].depth == 999 and cs[-1].clean_text == "level 999"
    assert cs[-1].id == "inc.1" + ".1" * 999 and cs[-1].parent == cs[-2].id


@pytest.mark.issue(10)
def test_label_chain_deeper_than_the_cap_stays_a_valid_tree():
    cs = crits("".join(f"Label {i}:\n" for i in range(1200)) + "- last item\n")
    assert len(cs) == 1201 and max(c.depth for c in cs) == 999
    assert cs[-1].clean_text == "last item" and cs[-1].depth == 999
    ids = {c.id for c in cs}
    assert len(ids) == len(cs) and all(c.parent is None or c.parent in ids for c in cs)


def test_real_or_chain_is_one_any_group(xml_records):
    cs, by = real(xml_records, "NCT00001620")  # three alternatives separated by two "OR" lines
    assert by["inc.1"].text == "OR" and by["inc.1"].logic == "any" and by["inc.1"].role == "group"
    assert [c.role for c in kids(cs, "inc.1")] == ["item", "item", "item"]
    assert by["inc.1.3"].clean_text.startswith("The subject is a normal volunteer")


@pytest.mark.issue(10)
def test_numbered_items_from_100_up_are_items():
    cs = crits("Inclusion Criteria:\n" + "".join(f"{i}. Criterion number {i}\n" for i in range(1, 121)))
    assert [c.number for c in cs] == [f"{i}." for i in range(1, 121)]
    assert [c.id for c in cs] == [f"inc.{i}" for i in range(1, 121)]
    assert cs[99].clean_text == "Criterion number 100" and cs[119].clean_text == "Criterion number 120"


@pytest.mark.issue(10)
def test_three_digit_number_in_wrapped_text_is_not_a_marker():
    cs = crits("1. Platelet count of at least\n100. Patients with a prior transfusion are excluded.\n2. Age 18 or more\n")
    assert [c.number for c in cs] == ["1.", "2."]
    assert cs[0].clean_text == "Platelet count of at least 100. Patients with a prior transfusion are excluded."


# -- every corpus record ------------------------------------------------------------------------

def test_every_legacy_record_segments(xml_records):
    assert len(xml_records) == 6786
    for text in xml_records.values():
        check_offsets(text, segment(normalize(text)))


def test_every_v2_record_segments(v2_records):
    n = with_exclusion = 0
    for text in v2_records.values():
        segs = segment(normalize(text))
        check_offsets(text, segs)
        assert segs
        n += 1
        with_exclusion += any(s.criterion.kind == "exclusion" for s in segs)
    assert n == 51 and with_exclusion >= 45


# -- any text ---------------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = st.sampled_from(["\n", "\r\n", "  ", "     ", "1. ", "(a) ", "ii) ", "* ", "- ", "o ", "OR", "Inclusion Criteria:",
                           "Exclusion Criteria", "Age:", "Cohort A:", "one of the following:", "Note: ", "e.g. ", ". ",
                           "Hepatic: ", "No prior therapy", "--Disease Characteristics--", "\\>", "\u2264", ":", "x"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=40).map("".join))
def test_any_text_segments_with_valid_offsets(text):
    segs = segment(normalize(text))
    check_offsets(text, segs)
    ids = [s.criterion.id for s in segs]
    assert len(ids) == len(set(ids))
    known = set(ids)
    assert all(s.criterion.parent is None or s.criterion.parent in known for s in segs)
    assert segs == segment(normalize(text))


# -- wrapped lines that end in heading words (legacy XML, 61 of 6,786 records) ----------------------------

def test_a_wrapped_line_ending_in_entry_is_not_a_heading():
    # NCT00498056: "... within 12 weeks of study" / "entry" flipped the next five exclusions to inclusion
    text = ("        Inclusion Criteria:\n          -  HIV uninfected within 6 weeks prior to study entry\n"
            "        Exclusion Criteria:\n"
            "          -  Received any blood products or any immunomodulatory agents within 12 weeks of study\n"
            "             entry\n"
            "          -  History of cancer.\n          -  Seizure disorder.\n")
    cs = crits(text)
    assert [c.id for c in cs] == ["inc.1", "exc.1", "exc.2", "exc.3"]
    assert all(c.kind == "exclusion" for c in cs[1:])


def test_a_wrapped_line_ending_in_criteria_colon_keeps_its_list_under_the_item():
    # NCT00000765: "... plus one of the following two" / "criteria:" then a numbered list
    text = ("        Inclusion Criteria\n          Patients must have:\n"
            "          -  Asymptomatic or symptomatic primary HIV infection, plus one of the following two\n"
            "             criteria:\n"
            "          1. p24 antigenemia documented within 1 month prior to study entry.\n"
            "          2. Documented seroconversion within 1 month prior to study entry.\n")
    cs = crits(text)
    item = next(c for c in cs if c.clean_text.startswith("Asymptomatic"))
    assert item.logic == "any" and len(kids(cs, item.id)) == 2
    assert all(c.kind == "inclusion" for c in cs)


def test_heading_closed_by_a_full_stop():
    # LCT NCT03928626 and XML NCT00004418: "Exclusion Criteria." on its own line opens the exclusions
    text = ("Inclusion Criteria:\n  1. Adults ages 18-25\n  7. Heavy drinking or binge-drinking\nExclusion Criteria.\n"
            "  1. Present DSM disorders, apart from alcohol use disorders\n")
    items = [c for c in crits(text) if c.role == "item"]
    assert [(c.id, c.kind) for c in items] == [("inc.1", "inclusion"), ("inc.2", "inclusion"), ("exc.1", "exclusion")]
    assert items[1].text.strip() == "Heavy drinking or binge-drinking"


def test_title_case_sub_labels_cut_a_run_on_record():
    """"PATIENT CHARACTERISTICS: Age: 18 to 75 Performance Status: WHO 0-2 Life Expectancy: Not specified" (119
    Title Case sub-labels in the XML extract): the run was one item under "Age:", its WHO scores read as ages (age
    <= 2) and, elsewhere, the age lost."""
    import critparse

    p = critparse.parse("PATIENT CHARACTERISTICS: Age: 18 to 75 Performance Status: WHO 0-2 Life Expectancy: Not "
                        "specified Hepatic: Bilirubin normal", mode="fast")
    got = sorted((c.subject, c.op, c.value) for c in p.constraints)
    assert got == [("age", "<=", 75.0), ("age", ">=", 18.0), ("ecog", "<=", 2.0), ("ecog", ">=", 0.0)], got
