"""A patient record as screening and the JSON Logic export read it.

Patient keys (a plain dict; see `critparse.screening` for the full description):
``age``, ``sex``, ``labs`` ({name: {"value", "unit"}} or {name: value}),
other top-level numbers (``"ecog": 1``), ``conditions`` (strings: text such as
"epilepsy" or ICD-10-CM codes such as "G40.909") and ``answers`` ({criterion id:
true|false}). Codes match through the hierarchy (`critparse.linking.match`); a
personal-history code ("Z85.3") meets only a criterion that speaks of history.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from .linking import link
from .linking.match import CodeMatch, CodedMention, history_only, match, narrowed
from .expression import group_sex
from .logic import canonical_subject, ucum

_NEGATION = re.compile(r"\b(no|not|non|without|absence|absent|free of|negative|never|denies)\b", re.I)
_PREGNANCY = re.compile(r"\b(pregnan\w*|lactating|breast-?\s?feeding|nursing\s+(?:women|mothers?)|"
                        r"(?:child-?\s?bearing|reproductive)\s+potential|wocbp)\b", re.I)
_MALE_WORDS = re.compile(r"\b(partners?|males?|men|fathers?|sperm)\b", re.I)

class Patient:
    """A patient dict, with lab names resolved to subjects and units to UCUM."""

    def __init__(self, d: Dict[str, Any]) -> None:
        if not isinstance(d, dict):
            raise TypeError(f"patient must be a dict, got {type(d).__name__}")
        self.raw = d
        self.sex = (str(d["sex"]).strip().lower() if d.get("sex") else None)
        self.conditions = [str(c) for c in (d.get("conditions") or [])]
        self.answers = {str(k): bool(v) for k, v in (d.get("answers") or {}).items()}
        self.values: Dict[str, Dict[str, Any]] = {}
        if d.get("age") is not None:
            self.values["age"] = self._value(d["age"], default_unit="a")
        for k, v in (d.get("labs") or {}).items():
            self.values[canonical_subject(k)] = self._value(v)
        for k, v in d.items():
            if k in ("age", "sex", "labs", "conditions", "answers", "id", "name"):
                continue
            if isinstance(v, (int, float, dict, str)) and not isinstance(v, bool):  # str: a stage, a class
                self.values.setdefault(canonical_subject(k), self._value(v))

    @staticmethod
    def _value(v: Any, default_unit: Optional[str] = None) -> Dict[str, Any]:
        if isinstance(v, dict):
            out = dict(v)
            out["unit"] = ucum(out.get("unit")) if out.get("unit") is not None else default_unit
            return out
        return {"value": v, "unit": default_unit}

    def text_status(self, text: str, decide_sex: bool = False,
                    coded: Sequence[Union[CodedMention, Tuple[str, List[Dict[str, Any]]]]] = ()
                    ) -> Tuple[Optional[bool], str]:
        """Does a piece of criterion text hold for the patient, as far as the record tells: True where a
        patient condition is named in it (and the text has no negation word), or lies within the ICD-10-CM
        code of one of its non-negated conditions (`coded`: `CodedMention`s, or (mention, entity codes));
        a personal-history code ("Z85.3") only where the mention is spoken of as history; False where
        `decide_sex` (a guard, or a whole exclusion) and the text is about pregnancy / childbearing
        potential while the patient is male, or where `decide_sex` and the text is a sex group ("women",
        "male participants"; "postmenopausal women" only rules out a man), else None (unknown), with the reason."""
        group = group_sex(text) if decide_sex and self.sex in ("female", "male") else None
        if group is not None and (group[0] != self.sex or group[1]):  # a guard "women" / "male participants"
            return group[0] == self.sex, f"the patient's sex is {self.sex}; the text names {group[0]}s"
        hits = [c for c in self.conditions if word_pattern(c).search(text)]
        if hits and not _NEGATION.search(text):
            return True, f"patient condition {hits[0]!r} named in the text"
        mentions = [m if isinstance(m, CodedMention) else CodedMention(m[0], narrowed(m[1], text, m[0]))
                    for m in coded]
        mentions = [m for m in mentions if not m.negated]  # "No history of ..., X": a code for X decides nothing
        for m in mentions:  # G40.909 within "epilepsy" (G40); Z85.3 within "history of breast cancer" (C50)
            found = self.coded_condition(m.codes, m.history)
            if found:
                return True, _coded_reason(found, m.mention)
        if decide_sex and self.sex == "male" and _PREGNANCY.search(text) and not _MALE_WORDS.search(text):
            return False, "pregnancy / childbearing wording does not apply to a male patient"
        past = next(((h, m) for m in mentions if self.conditions and not m.history
                     for h in [history_only(self.conditions, m.codes)] if h), None)
        return None, "unevaluable text: no constraint to test" + (
            " (a patient condition is named but the text is negated)" if hits else "") + (
            f" (patient condition {past[0].patient!r} is a personal history of {past[0].patient_code}, within "
            f"{past[1].mention!r}, but the text speaks of a current condition)" if past else "")

    def has_condition(self, label: str, history: bool = False) -> bool:
        """Does a patient condition name `label` (or the reverse), or lie within its sure codes? A cohort
        label names a current condition: personal-history codes count only with `history`."""
        pat = word_pattern(label)
        if any(pat.search(c) or word_pattern(c).search(label) for c in self.conditions):
            return True
        return self.coded_condition(link(label, "Condition"), history) is not None if self.conditions else False

    def coded_condition(self, codes: List[Dict[str, Any]], history: bool = False) -> "Optional[CodeMatch]":
        """A patient condition (code or text) at or below one of these ICD-10-CM codes (sure ones only); a
        personal-history code counts by the past condition it names only with `history`."""
        return match(self.conditions, codes, history) if self.conditions and codes else None


def _coded_reason(m: CodeMatch, mention: str) -> str:
    if m.history_code:
        return (f"patient condition {m.patient!r} (personal history of {m.patient_code}) is within {mention!r} "
                f"({m.criterion_code}), which the criterion speaks of as history")
    return f"patient condition {m.patient!r} ({m.patient_code}) is within {mention!r} ({m.criterion_code})"


def word_pattern(s: str) -> "re.Pattern[str]":
    return re.compile(r"(?<![\w-])" + re.escape(s.strip()) + r"(?![\w-])", re.I)
