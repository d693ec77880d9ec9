"""Negation, history and hypothetical: medspaCy ConText with critparse's eligibility rules,
on entities and on constraints (`negated`)."""

from __future__ import annotations

import pytest
from spacy.tokens import Span

import critparse
from critparse.pipeline import context_rules
from critparse.negation import mark_negated


def _context(nlp, text, targets, constraints=None):
    """Run the rule layers after NER on `text` with the given (text, label) targets as entities."""
    doc = nlp.make_doc(text)
    ents = []
    for t, label in targets:
        i = text.index(t)
        ents.append(doc.char_span(i, i + len(t), label=label))
    doc.ents = ents
    for name in ("critparse_clauses", "medspacy_context"):
        doc = nlp.get_pipe(name)(doc)
    if constraints is not None:
        doc._.constraints = constraints
        doc = nlp.get_pipe("critparse_constraint_negation")(doc)
    return doc


def _flags(doc):
    return {e.text: (e._.is_negated, e._.is_historical, e._.is_hypothetical) for e in doc.ents}


@pytest.mark.parametrize(
    "text,target,negated",
    [
        ("No active infection in the lungs", "active infection in the lungs", True),
        ("Patients without diabetes mellitus", "diabetes mellitus", True),
        ("Free of hepatitis B infection", "hepatitis B infection", True),
        ("No history of myocardial infarction", "myocardial infarction", True),
        ("Absence of brain metastases", "brain metastases", True),
        ("Negative for HIV", "HIV", True),
        ("Has not received prior chemotherapy", "chemotherapy", True),
        ("Active infection requiring antibiotics", "Active infection", False),
        # comma ends the scope: the next requirement of the list is not negated
        ("No active infection, blood oxygen saturation >= 92%", "blood oxygen saturation", False),
        ("No more than 3 prior lines of therapy", "prior lines of therapy", False),
        ("ALT not exceeding 3 x ULN", "ALT", False),
        # the negation is on the verb, the entity is present
        ("Patients who cannot tolerate TKI treatments", "TKI treatments", False),
        ("CR not achieved after standardized chemotherapy", "chemotherapy", False),
    ],
)
def test_entity_negation(fast, text, target, negated):
    doc = _context(fast, text, [(target, "Condition")])
    assert _flags(doc)[target][0] is negated


def test_history_and_hypothetical(fast):
    doc = _context(fast, "History of stroke", [("stroke", "Condition")])
    assert _flags(doc)["stroke"] == (False, True, False)
    doc = _context(fast, "Planned surgery during the study", [("surgery", "Procedure")])
    assert _flags(doc)["surgery"] == (False, False, True)


def test_constraint_not_negated_by_comparator_phrase(fast):
    text = "ALT no more than 3 x ULN"
    cons = [{"subject": "alt", "op": "<=", "value": 3.0, "start": 0, "end": len(text), "negated": False}]
    doc = _context(fast, text, [("ALT", "Measurement")], cons)
    assert doc._.constraints[0]["negated"] is False
    assert _flags(doc)["ALT"][0] is False


def test_constraint_negated_in_negation_scope(fast):
    text = "Patients without platelet count < 50 x 10^9/L"
    s = text.index("platelet")
    cons = [{"subject": "platelet count", "op": "<", "value": 50.0, "start": s, "end": len(text), "negated": False}]
    doc = _context(fast, text, [], cons)
    assert doc._.constraints[0]["negated"] is True


def test_constraint_negated_through_negated_entity():
    cons = [{"start": 10, "end": 20}, {"start": 30, "end": 40}]
    mark_negated(cons, [], [(12, 15)])
    assert [c["negated"] for c in cons] == [True, False]


def test_negation_word_inside_the_constraint_negates_nothing():
    # "not exceeding" inside the constraint span, even if a rule matched it as a negation
    cons = [{"start": 0, "end": 24}]
    mark_negated(cons, [(4, 17, 18, 24)], [])
    assert cons[0]["negated"] is False


def test_rules_are_data():
    rules = context_rules()
    lits = {r.literal: r.category for r in rules}
    assert lits["no more than"] == "PSEUDO"
    assert lits["free of"] == "NEGATED_EXISTENCE"
    assert lits[","] == "TERMINATE"


def test_full_pipeline_negates_infection_in_the_lungs(full):
    doc = full("No active infection in the lungs, blood oxygen saturation in indoor air is >= 92%")
    neg = [e for e in doc.ents if "infection" in e.text]
    assert neg and all(e._.is_negated for e in neg)
    assert not any(e._.is_negated for e in doc.ents if "oxygen" in e.text)
    assert not any(c["negated"] for c in doc._.constraints or [])


def test_full_pipeline_no_more_than_uln(full):
    doc = full("ALT no more than 3 x ULN")
    assert not any(e._.is_negated for e in doc.ents)
    assert not any(c["negated"] for c in doc._.constraints or [])


# -- issue 9: result words and a second group of patients do not negate a constraint ----------

REAL_NOT_NEGATED = [
    # (v2 study, words of the criterion, words of the constraint's text)
    ("NCT05814159", "tuberculosis test within 8 weeks", "tuberculosis test within 8 weeks"),
    ("NCT05832827", "antiviral therapy for at least 4 weeks", "antiviral therapy for at least 4 weeks"),
]


@pytest.mark.issue(9)
@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("tid, crit_words, con_words", REAL_NOT_NEGATED)
def test_result_and_second_group_do_not_negate(corpora, mode, tid, crit_words, con_words):
    """'The result of tuberculosis test within 8 weeks prior to enrollment is negative' and '... with no history
    of HBV or HCV infection or who meet ... have received HBV antiviral therapy for at least 4 weeks': the test
    and the therapy are required, not absent; both modes agree."""
    import critparse
    from critparse.corpora import v2_sample_records

    folder = corpora / "ctgov_v2_json_sample" / "original"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    text, _, info = next(r for r in v2_sample_records(folder) if r[1] == tid)
    parsed = critparse.parse(text, trial_id=tid, info=info, mode=mode)
    (crit,) = [c for c in parsed.criteria if crit_words in c.clean_text]
    (con,) = [k for k in parsed.constraints if k.criterion == crit.id and con_words in " ".join(k.text.split())]
    assert con.negated is False


@pytest.mark.issue(9)
def test_result_trigger_negates_no_constraint_but_other_triggers_still_do():
    from critparse.negation import negate_constraints

    text = "Tuberculosis test within 8 weeks is negative; no prior chemotherapy within 4 weeks"
    cons = [{"subject": "tuberculosis test", "start": 0, "end": 32, "subject_start": 0, "subject_end": 17},
            {"subject": "chemotherapy", "start": 56, "end": 83, "subject_start": 56, "subject_end": 68}]
    negate_constraints(text, cons)
    assert [c["negated"] for c in cons] == [False, True]


# -- a comparator phrase broken across a hand-wrapped line is no negation --------------------------

WRAPPED = [
    # (legacy XML record, words of the constraint text, subject): "no\r\n  greater than" was "no" + a line break
    # token + "greater than", so "no" negated the thresholds after it
    ("NCT00005091", "no greater than 5 times ULN", "ast"),
    ("NCT00002526", "Albumin 4.0-6.0 g/dL", "albumin"),
    ("NCT00003357", "at least 4 positive axillary", None),
]


@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("nct, con_words, subject", WRAPPED, ids=[w[0] for w in WRAPPED])
def test_comparator_broken_across_lines_negates_nothing(corpora, mode, nct, con_words, subject):
    import critparse

    from conftest import xml_record

    parsed = critparse.parse(xml_record(corpora, nct), trial_id=nct, mode=mode)
    cons = [k for k in parsed.constraints if con_words in " ".join(k.text.split())
            and (subject is None or k.subject == subject)]
    assert cons and not any(k.negated for k in cons), [(k.subject, k.text, k.negated) for k in cons]


def test_wrapped_comparator_is_void_but_a_real_negation_after_it_still_negates():
    from critparse.negation import negate_constraints

    text = "SGPT no\r\n        greater than 2 times ULN; no prior chemotherapy within 4 weeks"
    # the constraint's text is the lab name alone here, so the trigger "no" lies outside it
    cons = [{"subject": "alt", "start": 0, "end": 4, "subject_start": 0, "subject_end": 4},
            {"subject": "alt", "start": 30, "end": 40, "subject_start": 30, "subject_end": 33},
            {"subject": "chemotherapy", "start": 52, "end": 79, "subject_start": 52, "subject_end": 64}]
    negate_constraints(text, cons)
    assert [c["negated"] for c in cons] == [False, False, True]


def test_entities_after_a_wrapped_comparator_are_not_negated(corpora):
    """Full mode, NCT00005091: '(no greater than 5 times ULN if liver\\r\\n metastases present)' after
    'SGPT no\\r\\n greater than 2 times ULN': the condition is not negated (was, by the broken 'no')."""
    import critparse

    from conftest import xml_record

    parsed = critparse.parse(xml_record(corpora, "NCT00005091"), trial_id="NCT00005091", mode="full")
    liver = [e for e in parsed.entities if " ".join(e.text.split()).lower() == "liver metastases"]
    assert liver and not any(e.negated for e in liver)


@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("nct, before", [
    ("NCT00000718", "with or without night sweats, persisting for"),  # full mode negated it through 'without night sweats'
    ("NCT00002531", "T-cell ALL with or without mediastinal involvement"),  # '... involvement Age 15 to 50'
])
def test_with_or_without_negates_nothing(corpora, mode, nct, before):
    """'with or without X' makes X optional: a PSEUDO phrase of the rules, never a negation (405 in the XML extract)."""
    import critparse

    from conftest import xml_record

    text = xml_record(corpora, nct)
    parsed = critparse.parse(text, trial_id=nct, mode=mode)
    cons = [k for k in parsed.constraints if before in " ".join(text[max(0, k.end - 120):k.end].split())]
    assert cons and not any(k.negated for k in cons), [(k.subject, k.text, k.negated) for k in cons]


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_do_not_resuscitate_is_an_order_not_a_negation(mode):
    """LCT NCT03865602: 'a change in code status (i.e., do not resuscitate, do not intubate) within
    24 hours' is a change to test, not its absence (DNR / DNI orders: 8 in the corpora)."""
    import critparse

    text = ("Exclusion Criteria:\n2. patients with a change in code status (i.e., do not resuscitate, do not intubate) "
            "within 24 hours after admission")
    cons = critparse.parse(text, mode=mode).constraints
    assert cons and not any(c.negated for c in cons)


@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("nct, con_words, kind, negated", [
    ("NCT00000997", "fever > 102 degrees F", "exclusion", False),   # '... at study entry will be excluded'
    ("NCT00001453", "creatinine greater than 1.3 mg/dl", "exclusion", False),
])
def test_will_be_excluded_restates_an_exclusion(corpora, mode, nct, con_words, kind, negated):
    """Under an exclusion heading, 'Patients with X will be excluded' excludes X, not its absence (77 constraints
    of the XML extract were negated by 'excluded' there); elsewhere the trigger keeps its reading."""
    import critparse

    from conftest import xml_record

    parsed = critparse.parse(xml_record(corpora, nct), trial_id=nct, mode=mode)
    cons = [k for k in parsed.constraints if con_words in " ".join(k.text.split())]
    assert cons and all(k.kind == kind and k.negated is negated for k in cons), [(k.kind, k.text, k.negated) for k in cons]


def test_are_excluded_under_an_inclusion_heading_still_negates():
    import critparse

    text = "Inclusion Criteria:\n- Adults; patients with creatinine > 2 mg/dL are excluded"
    (con,) = critparse.parse(text, mode="fast").constraints[-1:]
    assert con.subject == "creatinine" and con.negated is True


@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("nct, con_words", [
    ("NCT00000331", "at least 18 years of age"),      # 'healthy, non-drug dependent volunteers, be at least 18 years'
    ("NCT00001550", "18-75 years of age"),            # 'Men and non-pregnant women, between 18-75 years of age'
])
def test_non_prefix_negates_only_its_word(corpora, mode, nct, con_words):
    """'non-X' negates X, not the rest of its clause (92 constraints of the XML extract were negated so)."""
    import critparse

    from conftest import xml_record

    parsed = critparse.parse(xml_record(corpora, nct), trial_id=nct, mode=mode)
    cons = [k for k in parsed.constraints if con_words in " ".join(k.text.split())]
    assert cons and not any(k.negated for k in cons), [(k.subject, k.text, k.negated) for k in cons]


@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("nct, con_words", [
    ("NCT00000625", "CD4 200-500"),                  # 'HIV infection without AIDS with CD4 200-500 cells/mm3'
    ("NCT00003368", "AST at least 3 times"),         # 'For patients without prior pelvic radiotherapy: AST at least 3 x ULN'
    ("NCT00005097", "90 - 100"),                     # 'without restriction [Karnofsky scale 90 - 100]'
])
def test_without_negates_only_its_phrase(corpora, mode, nct, con_words):
    """'without X' negates X up to a heading colon, a bracket, a positive 'with', a clause word or a group of
    people (36 constraints of the XML extract were negated past them)."""
    import critparse

    from conftest import xml_record

    parsed = critparse.parse(xml_record(corpora, nct), trial_id=nct, mode=mode)
    cons = [k for k in parsed.constraints if con_words in " ".join(k.text.split())]
    assert cons and not any(k.negated for k in cons), [(k.subject, k.text, k.negated) for k in cons]


@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("text", [
    # LCT NCT03863769
    "Inclusion Criteria:\n- Able to stand and walk without assistive devices for at least 20 minutes",
    # NCT00002083
    "Exclusion Criteria:\n- Current use of tricyclic antidepressants unless the patient has used the drug without a "
    "change in dose for at least 3 months prior to study entry.",
])
def test_without_inside_a_duration_negates_its_object_not_the_duration(mode, text):
    """'walk without assistive devices for at least 20 minutes' requires the walk: full mode negated the duration
    through the negated entity ("assistive devices"), fast mode did not (4 of 2,493 XML studies in full mode)."""
    import critparse

    cons = critparse.parse(text, mode=mode).constraints
    assert [(k.op, k.value, k.negated) for k in cons if k.unit in ("min", "mo")] in (
        [(">=", 20.0, False)], [(">=", 3.0, False)]), [(k.subject, k.text, k.negated) for k in cons]


def test_a_verbal_negation_inside_the_text_still_negates_through_its_entity(corpora):
    """'AZT may not be administered during the first 3 weeks of foscarnet therapy' (NCT00000697): the entity
    negated by 'may not' keeps negating the window in full mode; only 'without' is read as the entity's own."""
    import critparse

    from conftest import xml_record

    parsed = critparse.parse(xml_record(corpora, "NCT00000697"), trial_id="NCT00000697", mode="full")
    cons = [k for k in parsed.constraints if "AZT may not be" in " ".join(k.text.split())]
    assert cons and all(k.negated for k in cons), [(k.subject, k.text, k.negated) for k in cons]


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_not_specified_is_a_value_not_a_negation(corpora, mode):
    """PDQ-style records: 'Age: Not specified Performance Status: ECOG 0-2' (5,622 'not specified' in the XML
    extract): the performance status is required, not negated."""
    import critparse

    from conftest import xml_record

    parsed = critparse.parse(xml_record(corpora, "NCT00003090"), trial_id="NCT00003090", mode=mode)
    ecog = [k for k in parsed.constraints if k.subject == "ecog"]
    assert ecog and not any(k.negated for k in ecog)


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_must_not_exceed_is_a_maximum_not_a_negation(mode):
    """NCT00006107: 'Peripheral neuropathy of any etiology must not exceed grade 2' is grade <= 2, not NOT(grade <= 2)."""
    import critparse

    text = "Inclusion Criteria:\n- Neurologic: Peripheral neuropathy of any etiology must not exceed grade 2."
    cons = critparse.parse(text, mode=mode).constraints
    assert [(c.op, c.value, c.negated) for c in cons] == [("<=", 2.0, False)]


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_negation_ends_at_an_inline_sub_heading(corpora, mode):
    """NCT00005626 (run-on PDQ record): '... No Gilbert's disease Renal: Creatinine no greater than 2.0 mg/dL OR
    Creatinine clearance at least 60 mL/min': the renal thresholds are required, not negated."""
    import critparse

    from conftest import xml_record

    parsed = critparse.parse(xml_record(corpora, "NCT00005626"), trial_id="NCT00005626", mode=mode)
    renal = [k for k in parsed.constraints if k.subject in ("creatinine", "creatinine clearance")]
    assert renal and not any(k.negated for k in renal), [(k.subject, k.text, k.negated) for k in renal]


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_negation_inside_a_bracket_ends_at_its_close(mode):
    """LCT NCT03868852: 'Blood routine examination standards should be met: (no blood transfusion within 14 days)
    A. HB > 90 g/L': the transfusion is negated, the haemoglobin threshold is not (44 XML constraints flip)."""
    import critparse

    text = ("Inclusion Criteria:\n1. Blood routine examination standards should be met: (no blood transfusion within "
            "14 days) A. HB > 90 g/L; B. ANC > 1.5 * 10^9/L")
    cons = {c.subject: c.negated for c in critparse.parse(text, mode=mode).constraints}
    assert cons.get("hemoglobin") is False and cons.get("anc") is False and cons.get("blood transfusion") is True, cons


def test_entities_get_the_same_scope_cuts():
    """Full mode: 'HIV infection without AIDS with CD4 200-500 cells/mm3' negates AIDS only; 'Men and non-pregnant
    women between 18-75 years of age' negates 'pregnant' only."""
    import critparse

    text = ("Inclusion Criteria:\n- HIV infection without AIDS with CD4 200-500 cells/mm3.\n"
            "- Men and non-pregnant women between 18-75 years of age")
    ents = {" ".join(e.text.split()): e.negated for e in critparse.parse(text, mode="full").entities}
    assert ents.get("AIDS") is True and ents.get("pregnant") is True
    assert not any(neg for t, neg in ents.items() if t.startswith(("CD4", "200-500", "between 18-75")))


# -- run-on records (PDQ-style legacy XML): a "No" does not reach into the next item ----------------------------

RUN_ON = ("Inclusion Criteria:\n- Pulmonary: No dyspnea at rest No exercise intolerance\r\n        No clinical evidence "
          "of significant restrictive pulmonary disease Pulse oximetry greater\r\n        than 94% FEV1 or FVC greater "
          "than 60% DLCO at least 65\n")  # NCT00004858 (ctgov_xml_2023)


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_negation_stops_at_the_next_run_on_item(mode):
    import critparse

    got = {c.subject: c.negated for c in critparse.parse(RUN_ON, mode=mode).constraints}
    assert got.get("fev1") is False and got.get("spo2") is False  # FEV1 <= 60% was required


def test_title_case_and_scale_words_keep_the_negation():
    import critparse

    for text in ("No History of Myocardial Infarction within 6 months", "No sensory or motor neuropathy Grade 2 or higher"):
        cons = critparse.parse("Inclusion Criteria:\n- " + text + "\n", mode="fast").constraints
        assert cons and all(c.negated for c in cons), text


def test_a_run_on_no_inside_a_subject_negates_its_item():
    import critparse

    # NCT00006104: the subject swallowed "MUGA No"; the infarction is still denied
    text = ("Inclusion Criteria:\n- Cardiovascular: No congestive heart failure Ejection fraction greater than 45% by "
            "MUGA No myocardial infarction within the past 6 months\n")
    cons = critparse.parse(text, mode="fast").constraints
    mi = [c for c in cons if c.unit == "mo"]
    assert mi and all(c.negated for c in mi)
    assert [c.negated for c in cons if c.unit == "%"] == [False]


# a test name that is no common English word opens the next run-on item after "No <condition>" (review of 5 Dec: 29 of
# 40 such thresholds of the corpora were denied, "LVEF at least 45%" read as LVEF < 45% required)
ANALYTE_RUN_ON = [
    ("Cardiovascular: No poor cardiac function No myocardial infarction within the past 6 months No poorly controlled "
     "arrhythmia No congestive heart failure LVEF at least 45% by MUGA Other: No active hepatic encephalopathy",
     "lvef"),  # NCT00004248 (ctgov_xml_2023)
    ("Hepatic: No hepatic compromise Transaminases no greater than 250 IU Renal: No renal compromise\r\n         "
     "Creatinine no greater than 1.2 mg/mL (adults)", "transaminases"),  # NCT00004412 (ctgov_xml_2023)
    ("Hepatic: Total serum bilirubin no greater than 1.5 mg/dL No history of chronic active hepatitis or cirrhosis "
     "SGOT and/or SGPT no\r\n         greater than 2 times the upper limit of normal", "ast"),  # NCT00002937 (ctgov_xml_2023)
    ("Pulmonary: No significant pulmonary disease FEV1 at least 50% OR DLCO\r\n         at least 50%",
     "fev1"),  # NCT00003195 (ctgov_xml_2023)
]


@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("text, subject", ANALYTE_RUN_ON)
def test_a_run_on_test_name_ends_the_no_before_it(mode, text, subject):
    cons = critparse.parse("Inclusion Criteria:\n- " + text + "\n", mode=mode).constraints
    got = {c.subject: c.negated for c in cons}
    assert subject in got and not any(neg for s, neg in got.items() if s != "myocardial infarction"), got


@pytest.mark.parametrize("text, subject", [
    ("CARDIOVASCULAR: No history of congestive heart failure with an LVEF less than 40%.", "lvef"),  # NCT00001577
    ("No patients with WBC less than 4000/micrograms.", "wbc"),  # NCT00001958 (ctgov_xml_2023)
    ("Pulmonary: No severe hypoxemia pO2 less than 70 mm Hg with decreased DLCO less than 70% predicted",
     "dlco"),  # NCT00005854 (ctgov_xml_2023): 'decreased' keeps the name in the denied phrase
])
def test_a_test_name_inside_the_denied_phrase_stays_negated(text, subject):
    cons = critparse.parse("Inclusion Criteria:\n- " + text + "\n", mode="fast").constraints
    assert [c.negated for c in cons if c.subject == subject] == [True]


@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("nct, con_words", [
    ("NCT00001596", "potassium less than 3.0"),  # 'Significant laboratory abnormalities, including but not limited to'
    ("NCT00493038", "count < 1000/mm3"),         # 'immunodeficiency diseases including, but not limited to: neutropenia'
    ("NCT00499109", "myocardial infarction within 6 months"),
])
def test_not_limited_to_widens_a_list_and_negates_nothing(corpora, mode, nct, con_words):
    """'including (,) but not limited to' says a list is open, it denies nothing (154 in the XML extract): a
    PSEUDO phrase, which also outlasts the 'but' and ',' TERMINATE rules inside it. These exclusions were negated,
    so a patient with potassium < 3.0 passed them."""
    import critparse

    from conftest import xml_record

    parsed = critparse.parse(xml_record(corpora, nct), trial_id=nct, mode=mode)
    cons = [k for k in parsed.constraints if con_words in " ".join(k.text.split())]
    assert cons and not any(k.negated for k in cons), [(k.subject, k.text, k.negated) for k in cons]


def test_a_punctuation_phrase_rule_outlasts_the_comma_terminator():
    """A rule ', but not limited to' (a punctuation character, then words) is matched in fast mode as ConText's
    phrase matcher matches it, and wins over the ',' TERMINATE it starts with."""
    from critparse.negation import rules, scopes

    assert any(key == ", but not limited to" for _, key in rules().punct_phrases)
    text = "No serious illness including, but not limited to myocardial infarction"
    ((_, _, s, e),) = scopes(text)
    assert text[s:e].endswith("myocardial infarction")


@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("nct, con_words", [
    ("NCT00498680", "upper limit of normal"),     # 'cannot take PDE5 inhibitors (... cirrhosis or ALT ...>2x ULN)'
    ("NCT00499421", "body weight greater than 300 pounds"),  # 'the CT bore ... cannot accommodate (i.e. ...)'
])
def test_a_bracket_after_cannot_explains_it_and_is_not_denied(corpora, mode, nct, con_words):
    """The bracket after "cannot X" says why or how much: these exclusions excluded the patients whose ALT or
    weight was normal."""
    import critparse

    from conftest import xml_record

    parsed = critparse.parse(xml_record(corpora, nct), trial_id=nct, mode=mode)
    cons = [k for k in parsed.constraints if con_words in " ".join(k.text.split())]
    assert cons and not any(k.negated for k in cons), [(k.subject, k.text, k.negated) for k in cons]


@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("text, subject", [
    # NCT00002189 (ctgov_xml_2023): full mode negated it through the entity "disease"
    ("Curatively treated other malignancy with no evidence of disease for at least 5 years.", "disease free"),
    # NCT00009893 (ctgov_xml_2023): was NOT(progression >= 4 weeks)
    ("Brain metastases allowed if no evidence of progression for at least 4 weeks after completion of treatment",
     "progression free"),
    # NCT05832827 (ctgov_v2_json_sample): was "evidence of progression" >= 4 weeks, not negated
    ("Participants with previously treated brain metastases may participate provided they are radiologically stable, "
     "i.e. without evidence of progression for at least 4 weeks by repeat imaging", "progression free"),
])
def test_an_absence_for_a_time_is_a_free_interval_not_a_negated_duration(mode, text, subject):
    import critparse

    (con,) = [c for c in critparse.parse("Exclusion Criteria:\n- " + text, mode=mode).constraints
              if c.unit in ("a", "wk")]
    assert (con.subject, con.op, con.negated) == (subject, ">=", False)


def test_entity_span_holding_its_own_trigger_negates_nothing_before_it():
    # NCT03925688 (lct): the model reads "> 18 and no gender limitation" as one Value, negated by its own "no"
    import critparse

    text = "- The age＞18 and no gender limitation."
    got = [(c.subject, c.op, c.value, c.negated) for c in critparse.parse(text, mode="full").constraints]
    assert got == [("age", ">", 18.0, False)]


@pytest.mark.parametrize("kind,negated", [("Inclusion", True), ("Exclusion", False)])
def test_a_sentence_ending_not_eligible_rules_its_bounds_out(kind, negated):
    # NCT00009659 (ctgov_xml_2023), inclusion section: the malignancy was required of every participant
    parsed = critparse.parse(f"{kind} Criteria:\n- Participants with a history of malignancy within the past 5 years are "
                             "not eligible.\n", mode="fast")
    assert [c.negated for c in parsed.constraints] == [negated]


def test_ruled_out_reaches_back_to_its_own_run_on_item_only():
    # NCT00003149 (ctgov_xml_2023): "Nonsecretory patients are ineligible" ends a run-on item list
    text = ("Inclusion Criteria:\n- Measurable or evaluable M protein Serum M protein greater than 1.0 g/dL Urine M protein "
            "greater than 200 mg/24 hours M protein less than these values will be considered evaluable (serum less "
            "than 1 g/dL or urine less than 200 mg/24 hours) Nonsecretory patients are ineligible\n")
    assert not any(c.negated for c in critparse.parse(text, mode="fast").constraints)


@pytest.mark.parametrize("item,source", [
    ("No uncontrolled or severe cardiovascular disease, including myocardial infarction within the past 6 months or "
     "congestive heart failure (CHF)", "NCT00002501"),
    ("No myocardial infarction, congestive heart failure, or other significant cardiac disease within the past 6 months",
     "NCT00002671"),
    ("No change in hormonal therapy within 30 days", "NCT00003162"),
])
def test_an_item_opening_with_no_denies_the_windows_of_its_clause(item, source):
    # (ctgov_xml_2023, inclusion sections): ConText's scope of "No" ended at the comma / "including", and "no change"
    # is PSEUDO, so each window was required of every patient
    cons = critparse.parse("Inclusion Criteria:\n- " + item + "\n", mode="fast").constraints
    assert cons and all(c.negated for c in cons), [(c.subject, c.negated) for c in cons]


def test_a_no_item_stops_at_the_next_run_on_item():
    # NCT00004313 (ctgov_xml_2023): the Pap smear is required, not denied
    cons = critparse.parse("Inclusion Criteria:\n- No undiagnosed vaginal or uterine bleeding within 6 months prior to "
                           "entry Pap smear required within 1 year prior to entry\n", mode="fast").constraints
    assert {c.subject: c.negated for c in cons}.get("pap smear") is False


def test_window_after_provided_that_no_is_denied():
    # NCT03929159 (lct_trainval): the leukocyte criterion holds only where no filgrastim was given in 30 days
    p = critparse.parse("Inclusion Criteria:\n\n* Leukocytes > 12,000/mm^3, provided that no filgrastim or pegfilgrastim "
                        "was administered within 30 days", mode="fast")
    (window,) = [c for c in p.constraints if c.unit == "d"]
    assert window.subject == "filgrastim or pegfilgrastim" and window.negated


# -- "and/or" inside a negated list (`critparse.negation.through_and_or`) ---------------------------------------------

@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("nct, subject, value", [
    ("NCT00003352", "alt", 1.5),  # "No SGOT and/or SGPT greater than 1.5 times ULN if concomitant with alkaline ..."
    ("NCT00004935", "alt", 1.5),  # "No SGOT and/or SGPT greater than 1.5 times ULN if alkaline phosphatase ..."
    ("NCT00003560", "alt", 1.5),  # "No SGOT and/or SGPT greater than 1.5 times ULN with alkaline phosphatase ..."
    ("NCT00001430", "lvef", 42),  # "No patients with ... angina pectoris and/or an ejection fraction less than 42 ..."
    ("NCT00001688", "serum amylase pancreatic isoenzyme", 180),  # "No history of clinical pancreatitis and/or ..."
    ("NCT00006129", "premature ventricular contractions", 10),  # "No ... ST segment depression greater than 0.2 mV and/or
    # frequent or repetitive arrhythmias (defined as more than 10 premature ventricular contractions per minute)"
])
def test_and_or_joining_the_members_of_a_negated_list_keeps_the_negation(corpora, mode, nct, subject, value):
    """(ctgov_xml_2023, inclusion sections): ConText ends a scope at "and/or", so the member after it was required
    (ALT > 1.5 x ULN, LVEF < 42 %); "or" in the same place negated it."""
    from conftest import xml_record

    cons = [c for c in critparse.parse(xml_record(corpora, nct), trial_id=nct, mode=mode).constraints
            if c.subject == subject and c.value == value]  # not the bounds of other items
    assert cons and all(c.negated for c in cons), [(c.text, c.negated) for c in cons]


def test_and_or_stops_at_a_condition():
    # NCT00003352 (ctgov_xml_2023): both transaminases denied, the alkaline phosphatase condition is not
    text = ("Inclusion Criteria:\n- No SGOT and/or SGPT greater than 1.5 times ULN if concomitant with alkaline "
            "phosphatase greater than 2.5 times ULN.\n")
    got = {c.subject: c.negated for c in critparse.parse(text, mode="fast").constraints}
    assert got == {"ast": True, "alt": True, "alp": False}, got


@pytest.mark.parametrize("mode", ["fast", "full"])
@pytest.mark.parametrize("nct, subject", [
    ("NCT00000983", "oral candidiasis"),  # "... does not follow curve) and/or oral candidiasis for at least 2 months"
    ("NCT00003415", "blood transfusion"),  # "No treatment- or mutagen-related MDS One or more cytopenias required:
    # Untransfused hemoglobin less than 10 g/dL and/or transfusion-dependent (requiring at least four units ...)"
])
def test_and_or_after_a_bracket_or_a_new_item_still_ends_the_negation(corpora, mode, nct, subject):
    from conftest import xml_record

    cons = [c for c in critparse.parse(xml_record(corpora, nct), trial_id=nct, mode=mode).constraints
            if c.subject == subject]
    assert cons and not any(c.negated for c in cons), [(c.text, c.negated) for c in cons]
