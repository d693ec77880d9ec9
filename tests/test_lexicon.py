"""Subject lexicon over the concept vocabulary (resources/concepts.jsonl): synonyms, case rules, mentions, and the trie regex."""

from __future__ import annotations

import re

import pytest

from critparse import lexicon, units


@pytest.mark.parametrize("surface,name", [
    ("SGPT", "alt"), ("alanine aminotransferase", "alt"), ("Alanine Transaminase", "alt"), ("SGOT", "ast"),
    ("absolute neutrophil count", "anc"), ("Hgb", "hemoglobin"), ("platelets", "platelet count"),
    ("CrCl", "creatinine clearance"), ("eGFR", "egfr"), ("glycated hemoglobin", "hba1c"), ("LVEF", "lvef"),
    ("oxygen saturation", "spo2"), ("body mass index", "bmi"), ("Karnofsky performance status", "karnofsky"),
    ("direct bilirubin", "direct bilirubin"), ("total bilirubin", "bilirubin"), ("BUN", "urea"),
])
def test_lookup_synonyms(surface, name):
    subj = lexicon.lookup(surface)
    assert subj is not None and subj.name == name


def test_every_subject_is_well_formed():
    subs = lexicon.subjects()
    assert len(subs) >= 60
    for s in subs.values():
        assert s.name == s.name.lower()
        assert s.category in ("lab", "age", "performance", "vital", "count", "duration", "temporal", "other", "score")
        if s.canonical_unit:  # a UCUM code the converter knows
            assert units.convert(1.0, s.canonical_unit, s.canonical_unit) == 1.0, s.name
        if s.loinc:
            assert re.fullmatch(r"\d{1,6}-\d", s.loinc), s.name


def test_acceptance_subjects_have_loinc_codes():
    codes = {n: lexicon.subjects()[n].loinc for n in ("alt", "ast", "creatinine", "bilirubin", "platelet count", "hemoglobin")}
    assert codes == {"alt": "1742-6", "ast": "1920-8", "creatinine": "2160-0", "bilirubin": "1975-2",
                     "platelet count": "777-3", "hemoglobin": "718-7"}


def test_short_forms_are_case_sensitive():
    # "AST" the lab, but not "ast" inside ordinary lower-case text; "PT" the test, not "pt" (patient)
    assert [m[2] for m in lexicon.find_mentions("ALT and AST <= 3 x ULN")] == ["alt", "ast"]
    assert lexicon.find_mentions("at least one pt was seen") == []


def test_mentions_respect_word_boundaries_and_slices():
    text = "serum creatinine and creatinine clearance; platelets"
    assert [m[2] for m in lexicon.find_mentions(text)] == ["creatinine", "creatinine clearance", "platelet count"]
    s = text.index("creatinine clearance")
    assert [m[2] for m in lexicon.find_mentions(text, s, s + 10)] == ["creatinine"]
    assert lexicon.find_mentions("ALTERNATIVE therapies") == []


def test_trie_regex_matches_like_the_flat_alternation():
    words = ["less than", "less than or equal to", "lest", "le", "at least", "at most", "<", "<=", "=<"]
    trie = re.compile("(?:" + lexicon.trie_regex([list(w) for w in words]) + ")$")
    for w in words:
        assert trie.match(w), w
    for w in ["less", "less than or", "at", "=", "lesser"]:
        assert not trie.match(w), w
