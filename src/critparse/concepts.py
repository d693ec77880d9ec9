"""Measurable concepts: what a constraint measures (a lab, a vital sign, a scale or score, an
exposure, a recurring duration or count), from ``resources/concepts.jsonl``.

Each concept has a stable snake-case id ("creatinine", "egfr", "creatinine_clearance", "sbp",
"ecog"), a preferred name, the written forms seen in criteria (lower-case synonyms and
case-sensitive abbreviations), a kind, a canonical UCUM unit with the units it may be written
in, a plausible range in the canonical unit and a LOINC code where one exists.  ``subject`` is
the short name a `Constraint` carries in its ``subject`` field ("platelet count",
"systolic blood pressure"), kept stable for the exports, the screening and the patients'
lab keys.

`lookup` matches a phrase exactly after normalisation (case, hyphens, the filler words
"serum", "plasma", "blood", "level(s)", "value(s)", British spellings), never fuzzily: a
phrase that is not a written form of a concept gives None.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from . import resources

FILE = "concepts.jsonl"

KINDS = ("lab", "vital", "anthropometric", "performance_scale", "clinical_score", "grade_stage_scale",
         "duration", "count", "exposure")

#: the constraint category (records.Constraint.category) of each kind, unless a line says otherwise
CATEGORY_OF_KIND = {"lab": "lab", "vital": "vital", "anthropometric": "vital", "performance_scale": "performance",
                    "clinical_score": "score", "grade_stage_scale": "score", "duration": "duration", "count": "count",
                    "exposure": "other"}


@dataclass(frozen=True)
class Concept:
    id: str
    name: str
    kind: str
    subject: str
    category: str
    unit: Optional[str]
    units: Tuple[str, ...] = ()
    range: Optional[Tuple[float, float]] = None
    loinc: Optional[str] = None
    synonyms: Tuple[str, ...] = ()
    abbreviations: Tuple[str, ...] = ()
    codes: Tuple[Tuple[str, str], ...] = ()
    source: str = ""
    #: (UCUM unit, concept id): the concept a value in that unit measures instead ("%" of a CD4 count)
    unit_variants: Tuple[Tuple[str, str], ...] = ()
    #: units a score with no canonical unit may still be written in ("VAS >= 40 mm": mm of the 100 mm line)
    scale_units: Tuple[str, ...] = ()

    def forms(self) -> Tuple[str, ...]:
        """Every case-insensitive written form: the synonyms, the subject and the plain preferred name."""
        name = self.name.lower()
        extra = (self.subject,) + ((name,) if re.fullmatch(r"[\w\s\-/+]+", name) else ())
        return tuple(dict.fromkeys(self.synonyms + extra))


@dataclass(frozen=True)
class Normaliser:
    """Written-form normalisation read from the vocabulary's header line."""
    before: Tuple[str, ...] = ()
    after: Tuple[str, ...] = ()
    spellings: Tuple[Tuple[str, str], ...] = ()

    def key(self, phrase: str) -> str:
        """Lower case, hyphens and underscores as spaces, single spaces, American spelling."""
        s = " ".join(phrase.lower().replace("-", " ").replace("_", " ").split())
        for brit, us in self.spellings:
            if brit in s:
                s = s.replace(brit, us)
        return s

    def bare(self, phrase: str) -> str:
        """`key` without a leading filler ("serum") and a trailing one ("level"), where a word remains."""
        words = self.key(phrase).split()
        while len(words) > 1 and words[0] in self.before:
            words = words[1:]
        while len(words) > 1 and words[-1] in self.after:
            words = words[:-1]
        return " ".join(words)


@dataclass(frozen=True)
class _Vocabulary:
    by_id: Dict[str, Concept]
    by_subject: Dict[str, Concept]
    by_abbreviation: Dict[str, Concept]
    by_key: Dict[str, Concept]
    normaliser: Normaliser = field(default_factory=Normaliser)


def _concept(row: dict) -> Concept:
    rng = row.get("range")
    return Concept(
        id=row["id"], name=row["name"], kind=row["kind"], subject=row.get("subject") or row["id"].replace("_", " "),
        category=row.get("category") or CATEGORY_OF_KIND[row["kind"]], unit=row.get("unit"),
        units=tuple(row.get("units") or ()), range=(float(rng[0]), float(rng[1])) if rng else None,
        loinc=row.get("loinc"), synonyms=tuple(row.get("synonyms") or ()),
        abbreviations=tuple(row.get("abbreviations") or ()),
        codes=tuple((c["system"], c["code"]) for c in row.get("codes") or ()), source=row.get("source", ""),
        unit_variants=tuple((row.get("unit_variants") or {}).items()), scale_units=tuple(row.get("scale_units") or ()))


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    rows = resources.read_jsonl(FILE)
    header = next((r for r in rows if "id" not in r and "spellings" in r), {})
    norm = Normaliser(tuple(header.get("fillers_before", ())), tuple(header.get("fillers_after", ())),
                      tuple((a, b) for a, b in header.get("spellings", ())))
    concepts = [_concept(r) for r in rows if "id" in r]
    by_key: Dict[str, Concept] = {}
    for c in concepts:
        for form in c.forms():
            by_key.setdefault(norm.key(form), c)
    return _Vocabulary(
        by_id={c.id: c for c in concepts},
        by_subject={c.subject: c for c in concepts},
        by_abbreviation={a: c for c in concepts for a in c.abbreviations},
        by_key=by_key, normaliser=norm)


def all_concepts() -> Tuple[Concept, ...]:
    """Every concept, in file order."""
    return tuple(_vocabulary().by_id.values())


def get(concept_id: str) -> Optional[Concept]:
    """The concept with this id, or None."""
    return _vocabulary().by_id.get(concept_id)


def by_subject(subject: str) -> Optional[Concept]:
    """The concept whose constraint subject is exactly `subject` ("platelet count"), or None."""
    return _vocabulary().by_subject.get(subject)


def normaliser() -> Normaliser:
    return _vocabulary().normaliser


@lru_cache(maxsize=65536)
def lookup(phrase: str) -> Optional[Concept]:
    """The concept a written phrase names ("serum creatinine", "SGPT", "QTcF"), or None.

    An abbreviation matches in its own case; any other form after `Normaliser.key`, or the
    phrase without its fillers (`Normaliser.bare`: "serum sodium level" -> "sodium") as a form.
    Cached per phrase (the subject rules ask it again and again of the same head phrases)."""
    voc = _vocabulary()
    phrase = phrase.strip()
    if not phrase:
        return None
    hit = voc.by_abbreviation.get(phrase)
    if hit is not None:
        return hit
    return voc.by_key.get(voc.normaliser.key(phrase)) or voc.by_key.get(voc.normaliser.bare(phrase))


def _ucum(unit: str) -> str:
    from .units import to_ucum

    return to_ucum(unit) or unit


def accepts_unit(concept: Concept, unit: Optional[str]) -> bool:
    """Whether a value written in `unit` can measure `concept`: no unit, one of its units, or a unit
    that converts to its canonical unit."""
    if unit is None:
        return True
    ucum = _ucum(unit)
    if ucum in concept.units or ucum == concept.unit:
        return True
    if concept.unit is None:
        return False
    from .units import try_convert

    return try_convert(1.0, ucum, concept.unit, subject=concept.subject) is not None


def plausible(concept: Concept, value: float, unit: Optional[str]) -> bool:
    """Whether `value` (in `unit`, UCUM or as written) lies in the concept's plausible range.  A value
    without a unit is plausible in the canonical unit or in one of the allowed ones ("platelets <
    50000": /uL); a unit that does not convert to the canonical one is not plausible; a concept
    without a range accepts every finite value."""
    if not math.isfinite(value):
        return False
    if concept.range is None:
        return True
    if unit is None and concept.unit is not None:
        return any(plausible(concept, value, u) for u in dict.fromkeys((concept.unit,) + concept.units))
    if unit is not None and concept.unit is not None:
        from .units import try_convert

        conv = try_convert(float(value), _ucum(unit), concept.unit, subject=concept.subject)
        if conv is None:
            return False
        value = conv
    elif unit is not None and not accepts_unit(concept, unit):
        return False
    low, high = concept.range
    return low <= value <= high


@lru_cache(maxsize=8192)
def implausible(concept_id: Optional[str], value: float, unit: Optional[str]) -> bool:
    """Whether a threshold of `concept_id` at `value` `unit` lies outside the concept's plausible
    range: a typo of the source ("Hemoglobin greater than 9 mg/dL") or a misreading. False where
    there is no concept (nothing to judge by)."""
    concept = get(concept_id) if concept_id else None
    return concept is not None and not plausible(concept, value, unit)


def for_constraint(subject: Optional[str], unit: Optional[str], relative_to: Optional[str] = None,
                   category: Optional[str] = None) -> Optional[Concept]:
    """The concept a constraint measures: its subject as a concept subject or written form, where
    the unit fits (a limit relative to ULN/LLN fits every lab), or the concept the subject's
    `unit_variants` name for that unit ("CD4 count >= 14 %": cd4_percent).  None for time windows ("temporal":
    they measure time since an event, not the subject) and for subjects that are no concept."""
    if not subject or category == "temporal":
        return None
    hit = by_subject(subject) or lookup(subject)
    if hit is None:
        return None
    if relative_to is not None:
        return hit if hit.kind == "lab" else None
    if accepts_unit(hit, unit):
        return hit
    variant = get(dict(hit.unit_variants).get(_ucum(unit) if unit else "", ""))
    return variant if variant is not None and accepts_unit(variant, unit) else None


def kinds_count() -> Dict[str, int]:
    """Number of concepts per kind."""
    out: Dict[str, int] = {k: 0 for k in KINDS}
    for c in all_concepts():
        out[c.kind] += 1
    return out


def loinc_check_digit(body: str) -> int:
    """LOINC's mod-10 check digit of the code body (the digits before the hyphen), the Luhn scheme
    LOINC uses: double every other digit from the right, starting with the rightmost."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return (10 - total % 10) % 10


def loinc_valid(code: str) -> bool:
    """A well-formed LOINC code ("2160-0") whose check digit is right."""
    m = re.fullmatch(r"(\d{1,7})-(\d)", code)
    return bool(m) and loinc_check_digit(m.group(1)) == int(m.group(2))


def spelling_variants(form: str) -> List[str]:
    """`form` and its British spellings (for finding forms in text; `lookup` maps them back)."""
    out = [form]
    for brit, us in normaliser().spellings:
        out += [f.replace(us, brit) for f in out if us in f]
    return list(dict.fromkeys(out))


LOINC_SYSTEM = "http://loinc.org"


def link(phrase: str) -> List[Dict[str, object]]:
    """Codes for a measurement mention, best first, in the shape of `records.Entity.codes`:
    ``[{"system": "http://loinc.org", "code", "display", "score"}]`` where the phrase names a concept
    with a LOINC code (an exact `lookup`, so score 1.0), else []."""
    hit = lookup(phrase)
    if hit is None or not hit.loinc:
        return []
    return [{"system": LOINC_SYSTEM, "code": hit.loinc, "display": hit.name, "score": 1.0}]
