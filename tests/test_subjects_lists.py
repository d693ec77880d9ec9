"""Coordinated lists, sex-specific groups and grade/stage subjects (issue 9 items 2 and 4), on real text."""

from __future__ import annotations

from critparse.constraints import extract
from critparse.normalize import normalize


def _subjects(text):
    return [(c["subject"], c["op"], c["value"]) for c in extract(normalize(text).text)]


def test_oxford_comma_list_shares_the_threshold():
    # NCT00002972, NCT00004015: the ", and" before the last item is the list's joint, not a clause break
    assert _subjects("SGOT, SGPT, and alkaline phosphatase <= 2.5 x ULN") == [
        ("ast", "<=", 2.5), ("alt", "<=", 2.5), ("alp", "<=", 2.5)]
    assert _subjects("Bilirubin, SGOT, SGPT, and alkaline phosphatase no greater than 2.5 times normal unless "
                     "caused by reversible")[:4] == [("bilirubin", "<=", 2.5), ("ast", "<=", 2.5),
                                                     ("alt", "<=", 2.5), ("alp", "<=", 2.5)]


def test_a_real_clause_break_after_a_list_stays_a_break():
    got = _subjects("AST, ALT, and bilirubin <= 2.5 x ULN, and must have platelets >= 100,000/mm3")
    assert got == [("ast", "<=", 2.5), ("alt", "<=", 2.5), ("bilirubin", "<=", 2.5), ("platelet count", ">=", 100000)]
    # items with words of their own are not a bare list: the clause before ", and" is another requirement
    assert _subjects("Bilirubin normal, AST normal, and ALT <= 2.5 x ULN") == [("alt", "<=", 2.5)]


def test_one_bare_threshold_only_measures_commensurable_list_items():
    # NCT00001541: a bare 50 is a platelet count here, never a prothrombin time (seconds) as well
    assert _subjects("Abnormal PT, PTT, or platelet count less than 50.") == [("platelet count", "<", 50)]
    # NCT00001079: kg/m2 is no weight
    assert [s for s, _, _ in _subjects("Documented weight loss of > 10% pre-illness weight or Body Mass Index "
                                       "< 18.5 kg/m2.")].count("weight") == 0
    # a multiple of ULN fits every item of the list
    assert _subjects("PT, INR and aPTT <= 1.5 x ULN") == [("pt", "<=", 1.5), ("inr", "<=", 1.5), ("aptt", "<=", 1.5)]
