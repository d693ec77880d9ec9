import pytest

from critparse.batch.ages import parse_age


@pytest.mark.parametrize("text,expected", [
    ("18 Years", (18.0, "a", 18.0)),
    ("6 Months", (6.0, "mo", 0.5)),
    ("4 Weeks", (4.0, "wk", round(28 / 365.25, 6))),
    ("N/A", (None, None, None)),
    (None, (None, None, None)),
    ("", (None, None, None)),
    ("65 years", (65.0, "a", 65.0)),
])
def test_parse_age(text, expected):
    assert parse_age(text) == expected


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_ages_listed_under_a_contact_clause_are_the_contacts(mode):
    """"No close contact for 2 weeks after each vaccination with the following people: - Children less than 3 years old"
    (NCT00004029; 3 records of the XML extract list their contacts so): the item required the patient to be under 3."""
    import critparse

    p = critparse.parse("Inclusion Criteria:\n- No close contact for 2 weeks after each vaccination with the following "
                        "people:\n  - Children less than 3 years old\n  - Pregnant women\n- Age 18 years or older", mode=mode)
    assert [(c.subject, c.category, c.value) for c in p.constraints] == [
        ("contact age", "duration", 3.0), ("age", "age", 18.0)]


def test_bare_age_range_under_an_age_label_is_read_beside_an_age_in_brackets():
    """NCT00002522 / NCT00002521 (XML): under 'Age:' the bare '15 to 60' was left unread because the bracketed
    'up to age 70' already named the age; both are ages, the bracket a way in beyond the range."""
    import critparse

    p = critparse.parse("PATIENT CHARACTERISTICS:\n\nAge:\n\n  -  15 to 60 (selected patients up to age 70 may be "
                        "eligible)\n", mode="fast")
    got = sorted((c.op, c.value) for c in p.constraints if c.subject == "age")
    assert got == [("<=", 60.0), ("<=", 70.0), (">=", 15.0)]
    (crit,) = [c for c in p.criteria if "15 to 60" in c.text]
    assert set(crit.expression) == {"rule", "unless"}
