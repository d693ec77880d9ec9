"""Constraint extraction: comparisons a rule engine can test.

PLACEHOLDER: the real extractor replaces `extract`.
"""

from __future__ import annotations

from typing import Any, Dict, List


def extract(text: str) -> List[Dict[str, Any]]:
    """Constraints found in one criterion's text, offsets local to `text`.

    Each dict: subject, subject_text, op, value, unit, unit_text, value_text,
    relative_to, category, code, normalized ({value, unit} or None), start, end."""
    return []
