"""The measurable-concept vocabulary (resources/concepts.jsonl) and critparse.concepts."""

from __future__ import annotations

import re

import pytest

from critparse import concepts, lexicon, resources, units
from critparse.concepts import Concept


# -- the vocabulary file -------------------------------------------------------------
def _rows():
    return [r for r in resources.read_jsonl(concepts.FILE) if "id" in r]


def test_ids_unique_snake_case_and_fields_present():
    rows = _rows()
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 150
    for r in rows:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", r["id"]), r["id"]
        assert r["kind"] in concepts.KINDS, r["id"]
        assert r["name"] and r["source"], r["id"]
        assert all(s == s.lower() and s == s.strip() for s in r["synonyms"]), r["id"]


def test_every_kind_is_covered():
    counts = concepts.kinds_count()
    assert all(n > 0 for n in counts.values()), counts
    assert counts["lab"] >= 80


def test_subjects_are_unique():
    subjects = [c.subject for c in concepts.all_concepts()]
    assert len(subjects) == len(set(subjects))


def test_no_written_form_names_two_concepts():
    """Valx's lexicon lists "triglycerides" under LDL too; here every form names one concept."""
    norm = concepts.normaliser()
    owner = {}
    for c in concepts.all_concepts():
        for form in c.forms():
            k = norm.key(form)
            assert owner.setdefault(k, c.id) == c.id, (form, owner[k], c.id)
    abbr = {}
    for c in concepts.all_concepts():
        for a in c.abbreviations:
            assert abbr.setdefault(a, c.id) == c.id, (a, abbr[a], c.id)


def test_units_parse_and_ranges_are_ordered():
    for c in concepts.all_concepts():
        if c.unit is not None:
            assert units.convert(1.0, c.unit, c.unit) == 1.0, c.id
        for u in c.units:  # every allowed unit converts to the canonical one
            assert c.unit is not None and units.try_convert(1.0, u, c.unit, subject=c.subject) is not None, (c.id, u)
        assert c.range is not None and c.range[0] < c.range[1], c.id


def test_loinc_check_digit():
    # LOINC's mod-10 check digit, on codes from LOINC's own table
    assert concepts.loinc_check_digit("2160") == 0  # creatinine 2160-0
    assert concepts.loinc_check_digit("718") == 7   # hemoglobin 718-7
    assert concepts.loinc_check_digit("1742") == 6  # ALT 1742-6
    assert concepts.loinc_valid("777-3") and not concepts.loinc_valid("777-4") and not concepts.loinc_valid("7773")


def test_every_loinc_code_is_well_formed():
    coded = [c for c in concepts.all_concepts() if c.loinc]
    assert len(coded) >= 80
    for c in coded:
        assert concepts.loinc_valid(c.loinc), (c.id, c.loinc)
    codes = [c.loinc for c in coded]
    assert len(codes) == len(set(codes))


# -- lookup -----------------------------------------------------------------------------
@pytest.mark.parametrize("phrase,cid", [
    ("serum creatinine", "creatinine"), ("SGPT", "alt"), ("QTcF", "qtcf"), ("QTc", "qtc"),
    ("Karnofsky performance status", "karnofsky"), ("eGFR", "egfr"), ("creatinine clearance", "creatinine_clearance"),
    ("Serum Creatinine Level", "creatinine"), ("haemoglobin", "hemoglobin"), ("blood sodium", "sodium"),
    ("absolute neutrophil count", "anc"), ("platelets", "platelet_count"), ("Lansky", "lansky"),
    ("WHO performance status", "who_performance_status"), ("ECOG", "ecog"), ("total bilirubin", "bilirubin"),
    ("conjugated bilirubin", "direct_bilirubin"), ("corrected calcium", "corrected_calcium"), ("HbA1c", "hba1c"),
    ("fasting plasma glucose", "fasting_glucose"), ("HIV-1 RNA", "hiv_rna"), ("LDL-C", "ldl_cholesterol"),
    ("triglycerides", "triglycerides"), ("pack-years", "pack_years"), ("NYHA class", "nyha"), ("MMSE", "mmse"),
    ("body mass index", "bmi"), ("systolic blood pressure", "sbp"), ("platelet count", "platelet_count"),
    ("plasma HIV-1 RNA measurement", "hiv_rna"), ("mRSS", "mrss"),
])
def test_lookup_real_phrases(phrase, cid):
    hit = concepts.lookup(phrase)
    assert isinstance(hit, Concept) and hit.id == cid


def test_egfr_and_creatinine_clearance_are_distinct():
    egfr, crcl = concepts.lookup("estimated glomerular filtration rate"), concepts.lookup("CrCl")
    assert egfr.id == "egfr" and crcl.id == "creatinine_clearance"
    assert egfr.loinc != crcl.loinc


@pytest.mark.parametrize("phrase", ["pressure", "serum", "level", "score", "points", "duration", "alt text", "", "   "])
def test_lookup_is_exact_not_fuzzy(phrase):
    assert concepts.lookup(phrase) is None


def test_abbreviations_keep_their_case():
    assert concepts.lookup("PT").id == "pt"
    assert concepts.lookup("pt") is not None  # the lower-case form "pt" is a listed synonym of the test
    assert concepts.lookup("SGOT").id == "ast"
    # in text, two-letter forms are found only in their own case: "PT" the test, not "pt" (patient)
    assert [m[2] for m in lexicon.find_mentions("PT <= 1.5 x ULN")] == ["pt"]
    assert lexicon.find_mentions("one pt was seen") == []


def test_get_and_by_subject():
    assert concepts.get("sbp").subject == "systolic blood pressure"
    assert concepts.by_subject("platelet count").id == "platelet_count"
    assert concepts.get("no_such_concept") is None


# -- units and plausibility ------------------------------------------------------------------
def test_plausible_converts_units():
    cr = concepts.get("creatinine")
    assert concepts.plausible(cr, 1.5, "mg/dL")
    assert concepts.plausible(cr, 133, "umol/L")       # 1.5 mg/dL
    assert concepts.plausible(cr, 133, "µmol/L")       # as written
    assert not concepts.plausible(cr, 133, "mg/dL")    # a value in umol/L written with the wrong unit
    assert not concepts.plausible(cr, 1.5, "mm[Hg]")   # a unit that does not measure creatinine
    plt = concepts.get("platelet_count")
    assert concepts.plausible(plt, 100000, "/uL") and concepts.plausible(plt, 100, "10*9/L")
    assert not concepts.plausible(concepts.get("ecog"), 70, None)
    assert concepts.plausible(concepts.get("karnofsky"), 70, "%")


def test_accepts_unit():
    assert concepts.accepts_unit(concepts.get("hemoglobin"), "mmol/L")  # through the molar mass
    assert concepts.accepts_unit(concepts.get("age"), "mo")
    assert not concepts.accepts_unit(concepts.get("age"), "mg")
    assert not concepts.accepts_unit(concepts.get("mmse"), "mg/dL")


def test_for_constraint():
    assert concepts.for_constraint("alt", None, "ULN", "lab").id == "alt"
    assert concepts.for_constraint("weight", "%", None, "vital") is None          # weight loss > 10 %
    assert concepts.for_constraint("alcohol", "h", None, "temporal") is None      # a time window
    assert concepts.for_constraint("serum potassium", "mmol/L", None, "lab").id == "potassium"
    assert concepts.for_constraint("bone marrow", "%", None, "other") is None


# -- lexicon over the vocabulary -------------------------------------------------------------
def test_mentions_carry_concepts_and_spelling_variants():
    text = "Serum creatinine level <= 1.5 mg/dL; haemoglobin >= 9 g/dL; QTcF > 470 ms; WHO PS 0-1; Lansky >= 50"
    got = [(text[m.start:m.end], m.concept) for m in lexicon.find_concept_mentions(text)]
    assert got == [("Serum creatinine level", "creatinine"), ("haemoglobin", "hemoglobin"), ("QTcF", "qtcf"),
                   ("WHO PS", "who_performance_status"), ("Lansky", "lansky")]
    assert [m[2] for m in lexicon.find_mentions(text)] == ["creatinine", "hemoglobin", "qtcf", "who performance status",
                                                           "lansky"]


def test_tb_is_not_bilirubin():
    assert lexicon.find_mentions("active TB within 6 months") == []


# -- constraints on the seed trial -------------------------------------------------------------
@pytest.mark.parametrize("mode", ["fast", "full"])
def test_seed_constraints_that_name_a_lab_get_a_concept(seed_text, mode):
    import critparse

    parsed = critparse.parse(seed_text, trial_id="NCT04532203", mode=mode)
    named = [c for c in parsed.constraints if c.category in ("lab", "vital", "performance", "age")]
    assert len(named) >= 15
    for c in named:
        assert c.concept is not None, (c.subject, c.text)
        concept = concepts.get(c.concept)
        assert concept.subject == c.subject and c.code == concept.loinc
    by_subject = {c.subject: c.concept for c in parsed.constraints}
    assert by_subject["creatinine"] == "creatinine" and by_subject["alt"] == "alt" and by_subject["ecog"] == "ecog"
    assert by_subject["life expectancy"] == "life_expectancy"
    assert by_subject["systemic steroids"] is None  # a time window since a treatment, not a measured concept


@pytest.mark.parametrize("text,expected", [
    ("WHO PS 0 or 1", [("who performance status", "who_performance_status", ">=", 0.0), ("who performance status", "who_performance_status", "<=", 1.0)]),
    ("QTcF > 470 ms", [("qtcf", "qtcf", ">", 470.0)]),
    ("HIV-1 RNA < 50 copies/mL", [("hiv rna", "hiv_rna", "<", 50.0)]),
    ("more than 3 liquid stools per day", [("liquid stools", "stool_frequency", ">", 3.0)]),
    # NCT05850520, NCT05835856, NCT05843643 (ctgov_v2_json_sample)
    ("Mean CST ≥300 μm on optical coherence tomography (OCT)", [("central subfield thickness", "central_subfield_thickness", ">=", 300.0)]),
    ("Short performance physical battery (SPPB) ≥ 7", [("sppb", "sppb", ">=", 7.0)]),
    ("Hybrid systemic lupus erythematosus disease activity index (hSLEDAI) \\>= 6", [("sledai", "sledai", ">=", 6.0)]),
])
def test_constraint_concepts_on_real_phrases(text, expected):
    """Phrases as ctgov_xml_2023 / v2 records write them, through the fast parser."""
    import critparse

    got = [(c.subject, c.concept, c.op, c.value) for c in critparse.parse("Inclusion Criteria:\n- " + text, mode="fast").constraints]
    assert got == expected


def test_unit_variant_names_the_measured_concept():
    assert concepts.for_constraint("weight loss", "[lb_av]", None, "other").id == "weight_loss_mass"
    assert concepts.for_constraint("weight loss", "%", None, "other").id == "weight_loss"
    assert concepts.for_constraint("cd4 count", "%", None, "lab").id == "cd4_percent"
    assert concepts.for_constraint("cd4 count", "/uL", None, "lab").id == "cd4_count"
    assert concepts.for_constraint("cd4 count", "mg", None, "lab") is None


def test_link_gives_loinc_codes_for_measurement_mentions():
    assert concepts.link("SGPT") == [{"system": "http://loinc.org", "code": "1742-6",
                                      "display": "Alanine aminotransferase", "score": 1.0}]
    assert concepts.link("TBL")[0]["code"] == "1975-2"
    assert concepts.link("Lansky") == []   # a concept without a LOINC code
    assert concepts.link("heart failure") == []


def test_plausible_without_a_unit_tries_the_allowed_units():
    plt = concepts.get("platelet_count")
    assert concepts.plausible(plt, 50000, None) and concepts.plausible(plt, 100, None)   # /uL, 10*9/L
    assert not concepts.plausible(concepts.get("lvef"), 0.35, None)  # a fraction where a percentage is meant


def test_short_forms_take_no_plural():
    # "mRSS" (modified Rodnan skin score, in ctgov_xml_2023 and the v2 sample) is not the modified Rankin scale + "s"
    assert [m[2] for m in lexicon.find_mentions("mRSS > 10")] == ["mrss"]
    assert [m[2] for m in lexicon.find_mentions("ALTs > 3")] == []
    assert [m[2] for m in lexicon.find_mentions("mRS 0-2")] == ["mrs"]
    assert [m[2] for m in lexicon.find_mentions("CD4 cell counts > 200")] == ["cd4 count"]


def test_unit_variants_judge_absolute_values_by_their_own_concept():
    """"FEV1 < 1 L" (35 in the XML extract) and "Reticulocyte count less than 60,000/mm(3)" measure the same test as
    the percent concepts, in another unit: their own variant concept judges them (no concept before)."""
    import critparse

    got = {(c.subject, c.concept, c.implausible) for t in ("FEV1 < 1 L", "FEV1 >= 50% of predicted",
                                                           "Reticulocyte count less than 60,000/mm(3)")
           for c in critparse.parse("Inclusion Criteria:\n- " + t, mode="fast").constraints}
    assert got == {("fev1", "fev1_volume", False), ("fev1", "fev1", False),
                   ("reticulocyte count", "reticulocyte_absolute", False)}
