"""Unit surface forms -> UCUM, and conversions (pint + molar masses)."""

from __future__ import annotations

import pytest

from critparse import units
from critparse.normalize import normalize


@pytest.mark.parametrize("value,unit,to,subject,expected", [
    (176.8, "umol/L", "mg/dL", "creatinine", 2.0),
    (2.0, "mg/dL", "umol/L", "bilirubin", 34.2),
    (7.0, "mmol/L", "mg/dL", "glucose", 126.1),
    (126.0, "mg/dL", "mmol/L", "glucose", 6.99),
    (1.0, "10*9/L", "10*3/uL", None, 1.0),
    (1.0, "10*9/L", "/uL", None, 1000.0),
    (1500.0, "/uL", "10*9/L", None, 1.5),
    (10.0, "g/dL", "g/L", None, 100.0),
    (90.0, "g/L", "g/dL", None, 9.0),
    (2.0, "wk", "d", None, 14.0),
    (1.0, "a", "mo", None, 12.0),
    (48.0, "h", "d", None, 2.0),
])
def test_conversions(value, unit, to, subject, expected):
    assert units.convert(value, unit, to, subject=subject) == pytest.approx(expected, rel=2e-3)


@pytest.mark.parametrize("surface,ucum", [
    ("x10^9/L", "10*9/L"), ("x 10^9/L", "10*9/L"), ("10*9/L", "10*9/L"), ("/mm3", "/uL"), ("cells/mm3", "/uL"),
    ("/mm^3", "/uL"), ("mg/dl", "mg/dL"), ("umol/l", "umol/L"), ("mmol/L", "mmol/L"), ("g/dl", "g/dL"),
    ("mL/min/1.73 m2", "mL/min/{1.73_m2}"), ("mmHg", "mm[Hg]"), ("%", "%"), ("years", "a"), ("wks", "wk"), ("cc/min", "mL/min"),
])
def test_to_ucum_surface_forms(surface, ucum):
    assert units.to_ucum(surface) == ucum


@pytest.mark.parametrize("raw,ucum", [("µmol/L", "umol/L"), ("×10⁹/L", "10*9/L"), ("/mm³", "/uL")])
def test_to_ucum_after_normalisation(raw, ucum):
    assert units.to_ucum(normalize(raw).text) == ucum


def test_unknown_unit_is_none():
    assert units.to_ucum("furlongs") is None
    assert units.to_ucum("") is None


def test_impossible_conversions_raise_clear_errors():
    with pytest.raises(units.UnitError, match="no molar mass"):
        units.convert(1.0, "mg/dL", "umol/L", subject="alt")
    with pytest.raises(units.UnitError):
        units.convert(1.0, "mg/dL", "wk")
    with pytest.raises(units.UnitError, match="unknown unit"):
        units.convert(1.0, "furlong", "mg/dL")
    assert units.try_convert(1.0, "mg/dL", "wk") is None
