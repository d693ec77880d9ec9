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
