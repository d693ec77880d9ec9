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
