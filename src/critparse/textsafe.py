"""Text and numbers that every output can hold: no lone surrogates, no NaN or Infinity.

A lone UTF-16 surrogate (``"\\udfff"``, which a JSON file can spell as an escape)
is not a character: UTF-8 encoders, Arrow and DuckDB refuse it. It is replaced
by U+FFFD (the replacement character), one code point for one, so offsets into
the text stay valid. NaN and Infinity are not JSON: `finite_problem` names the
first one found in a plain-data value, for a safety net before writing.
"""

from __future__ import annotations

import math
import re
from typing import Any, Optional

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean_text(s: Optional[str]) -> Optional[str]:
    """`s` with each lone surrogate replaced by U+FFFD (same length); None stays None."""
    if s is None or not isinstance(s, str) or _SURROGATE.search(s) is None:
        return s
    return _SURROGATE.sub(REPLACEMENT, s)


def finite_problem(value: Any, path: str = "") -> Optional[str]:
    """Where a plain-data value (dicts, lists, numbers, strings) holds NaN or Infinity, or None."""
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{path or 'value'} is {value!r}"
    if isinstance(value, dict):
        for k, v in value.items():
            p = finite_problem(v, f"{path}.{k}" if path else str(k))
            if p:
                return p
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            p = finite_problem(v, f"{path}[{i}]")
            if p:
                return p
    return None
