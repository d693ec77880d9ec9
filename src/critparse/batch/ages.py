"""The registry's structured age fields: "18 Years", "6 Months", "N/A"."""

from __future__ import annotations

import re
from typing import Optional, Tuple

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)?\s*$")
# unit word -> (UCUM code, years per unit)
_UNITS = {
    "year": ("a", 1.0), "years": ("a", 1.0), "yr": ("a", 1.0), "yrs": ("a", 1.0), "y": ("a", 1.0),
    "month": ("mo", 1 / 12), "months": ("mo", 1 / 12), "mo": ("mo", 1 / 12),
    "week": ("wk", 7 / 365.25), "weeks": ("wk", 7 / 365.25), "wk": ("wk", 7 / 365.25),
    "day": ("d", 1 / 365.25), "days": ("d", 1 / 365.25),
    "hour": ("h", 1 / 8766), "hours": ("h", 1 / 8766),
    "minute": ("min", 1 / 525960), "minutes": ("min", 1 / 525960),
}


def parse_age(text: Optional[str]) -> Tuple[Optional[float], Optional[str], Optional[float]]:
    """(value, UCUM unit, value in years) of a structured age, or Nones for "N/A"/missing.

    >>> parse_age("18 Years")
    (18.0, 'a', 18.0)
    >>> parse_age("6 Months")
    (6.0, 'mo', 0.5)
    """
    if not text:
        return None, None, None
    m = _AGE.match(text)
    if not m:
        return None, None, None
    value = float(m.group(1))
    unit_word = (m.group(2) or "years").lower()
    if unit_word not in _UNITS:
        return value, None, None
    ucum, per_year = _UNITS[unit_word]
    return value, ucum, round(value * per_year, 6)
