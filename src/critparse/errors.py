"""Coded errors and warnings, each saying what to do (in the style of spaCy's errors.py)."""

from __future__ import annotations


class Errors:
    E001 = "[E001] critparse.parse() needs the criteria as a str, got {type}. Decode bytes first (text.decode('utf-8')) or pass record['eligibilityCriteria']."
    E002 = "[E002] trial_id must be a str or None, got {type}."
    E003 = "[E003] Unknown mode {mode!r}: use 'full' (rules + trained model) or 'fast' (rules only)."
    E004 = "[E004] No trained model found at {path}. Reinstall critparse (the wheel ships the model in critparse/models/) or set CRITPARSE_MODEL to a spaCy pipeline directory; use mode='fast' to run the rule layers alone."
    E005 = "[E005] Cannot read {path}: {reason}"
    E006 = "[E006] Unsupported input {path}: {reason}"
    E007 = "[E007] Corpus folder {path} not found. Set CRITPARSE_CORPORA to the folder that holds chia/, lct/, ctgov_xml_2023/ ..."


class CritparseError(ValueError):
    """Bad input or configuration, with a message that says what to do."""
