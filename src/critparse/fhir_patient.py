"""FHIR in: a FHIR R4 or R5 ``Bundle`` as the simple patient dict that screening reads.

    >>> fp = read_bundle(bundle, as_of="2026-12-01")
    >>> fp.patient            # {"age": {"value": 54, "unit": "a"}, "sex": "female", "labs": {...}, ...}
    >>> critparse.screen(parsed, bundle)   # the same, with as_of = today

What is read (every resource is validated with ``fhir.resources`` first, R5 and else R4B; a bad one
is a `FhirInputError` naming the entry, the resource and the field):

- ``Patient``: ``gender``; ``birthDate`` -> age in completed years at ``as_of`` (a partial birth date
  gives an age only where every day it may stand for gives the same age);
- ``Observation`` (status not cancelled / entered-in-error, dated on or before ``as_of``, the latest
  per code): a LOINC code of a measurable concept (`critparse.concepts`) with a ``valueQuantity``
  (UCUM ``code``, else ``unit``; censored values such as ``<0.5`` are skipped) gives a lab or vital;
  ``referenceRange.high`` / ``.low`` give the ULN / LLN, so thresholds written as multiples of
  ULN or LLN are tested; components (blood pressure) count as observations. ECOG (LOINC 89247-1)
  and Karnofsky (89243-0) read ``valueInteger``, a number ``valueQuantity`` or a coded value (the
  LOINC answer codes of resources/fhir_terms.jsonl, or a code / display that is the score);
- ``Condition`` (clinically active, not refuted or entered-in-error): its text and the displays of
  its ICD-10-CM / SNOMED codings become ``conditions``; the codes are kept on `FhirPatient.codes`;
  an inactive / resolved / in-remission one becomes "history of <text or display>" and "history of
  <ICD-10-CM code>", which meet only criteria that speak of history (`critparse.linking.history`);
- ``MedicationStatement`` / ``MedicationRequest`` / ``Procedure`` with their dates become
  `Exposure` records. A time-window constraint of a trial ("systemic steroids within 2 weeks prior
  to screening", category ``temporal``) is tested against the days between the latest matching
  exposure and ``as_of`` (0 while it goes on); the screening result names the resource and its
  period. An exposure matches a constraint subject when one names the other, or through the
  exposure classes of resources/fhir_terms.jsonl (prednisone is a systemic glucocorticoid unless
  given by an excluded route). An exposure without a usable date is never used.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Optional, Tuple

from .inputs import InputValidationError

LOINC = "http://loinc.org"
ECOG_LOINC, KARNOFSKY_LOINC = "89247-1", "89243-0"
_CODE_SYSTEMS = {"http://hl7.org/fhir/sid/icd-10-cm": "ICD-10-CM", "http://hl7.org/fhir/sid/icd-10": "ICD-10",
                 "http://snomed.info/sct": "SNOMED", LOINC: "LOINC",
                 "http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm"}
_SKIP_STATUS = frozenset({"entered-in-error", "cancelled", "not-taken", "not-done", "intended", "draft",
                          "unknown", "revoked", "preparation"})
_INACTIVE = frozenset({"inactive", "resolved", "remission"})
_UNVERIFIED = frozenset({"refuted", "entered-in-error"})
#: fields of the resources read that R4 has and R5 renamed: a bundle with one is tried as R4 first
_R4_ONLY = ("medicationCodeableConcept", "medicationReference", "performedDateTime", "performedPeriod")
_READ = ("Patient", "Observation", "Condition", "MedicationStatement", "MedicationRequest", "Procedure")


class FhirInputError(InputValidationError):
    """A FHIR document critparse cannot read; the message names the entry, resource and field."""


@dataclass
class Exposure:
    """A medication or procedure with the days it covers (start/end inclusive; end None while ongoing)."""

    resource: str  # "MedicationStatement/ms1"
    kind: str  # medication | procedure
    names: List[str]
    start: dt.date
    end: Optional[dt.date]
    route: Optional[str] = None

    def days_before(self, as_of: dt.date) -> Optional[int]:
        """Days from the last day of exposure to `as_of` (0 while it goes on); None if it starts later."""
        if self.start > as_of:
            return None
        if self.end is None or self.end >= as_of:
            return 0
        return (as_of - self.end).days

    def describe(self) -> str:
        period = f"{self.start.isoformat()}..{self.end.isoformat() if self.end else 'ongoing'}"
        return f"{self.resource} {self.names[0] if self.names else ''} {period}".replace("  ", " ")


@dataclass
class FhirPatient:
    """A bundle read: the simple patient dict plus what it cannot hold (exposures, codes, sources)."""

    id: Optional[str]
    version: str  # R4 | R5
    as_of: dt.date
    patient: Dict[str, Any]
    exposures: List[Exposure] = field(default_factory=list)
    codes: List[str] = field(default_factory=list)  # "ICD-10-CM:C50.9", "SNOMED:254837009"
    sources: Dict[str, str] = field(default_factory=dict)  # patient key -> resource it came from

    def time_since(self, subject: str) -> Optional[Tuple[int, Exposure]]:
        """(days since the latest exposure matching `subject`, that exposure), or None."""
        best: Optional[Tuple[int, Exposure]] = None
        for e in self.exposures:
            if not exposure_matches(subject, e):
                continue
            days = e.days_before(self.as_of)
            if days is not None and (best is None or days < best[0]):
                best = (days, e)
        return best

    def with_windows(self, subjects: Iterable[str]) -> Dict[str, Any]:
        """The patient dict plus, for each time-window subject an exposure matches, the days since it."""
        out = dict(self.patient)
        for s in dict.fromkeys(subjects):
            hit = self.time_since(s)
            if hit is not None and s not in out and s != "labs":
                out[s] = {"value": hit[0], "unit": "d", "since": True}  # a time since, never a duration
        return out


# -- entry points ----------------------------------------------------------------

def is_bundle(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("resourceType") == "Bundle"


def as_of_date(as_of: Any = None) -> dt.date:
    """`as_of` (a date, datetime or ISO text) as a date; today (UTC) where None."""
    if as_of is None:
        return dt.datetime.now(dt.timezone.utc).date()
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    if isinstance(as_of, dt.date):
        return as_of
    try:
        return dt.date.fromisoformat(str(as_of)[:10])
    except ValueError:
        raise FhirInputError(f"as_of {as_of!r} is not a date (YYYY-MM-DD)") from None


def read_bundle(bundle: Any, as_of: Any = None, version: str = "auto", validate: bool = True) -> FhirPatient:
    """A FHIR Bundle (R4 or R5, one patient) as a `FhirPatient` (see the module doc)."""
    if not is_bundle(bundle):
        raise FhirInputError("a FHIR patient is a Bundle: resourceType must be 'Bundle'")
    resources = _resources(bundle)
    if validate:
        version = validate_resources(resources, version)
    day = as_of_date(as_of)
    fp = FhirPatient(id=None, version=version if version != "auto" else "R5", as_of=day, patient={})
    _read_patient(fp, [r for _, r in resources if r.get("resourceType") == "Patient"])
    _read_observations(fp, [r for _, r in resources if r.get("resourceType") == "Observation"])
    _read_conditions(fp, [r for _, r in resources if r.get("resourceType") == "Condition"])
    for _, r in resources:
        e = _exposure(r)
        if e is not None:
            fp.exposures.append(e)
    return fp


def screen_bundle(parsed: Any, bundle: Dict[str, Any], as_of: Any = None):
    """`critparse.screen` for a FHIR Bundle: time windows tested against the exposures' periods."""
    from .inputs import validate_trial
    from .screening import screen

    parsed = validate_trial(parsed, for_screening=True)
    fp = read_bundle(bundle, as_of)
    subjects = [c.subject for c in parsed.constraints if c.category == "temporal"]
    patient = fp.with_windows(subjects)
    res = screen(parsed, patient)
    annotate_windows(res, fp, set(patient) - set(fp.patient))
    return res


def annotate_windows(res: Any, fp: FhirPatient, windows: Iterable[str]) -> None:
    """Say in each time-window constraint result which exposure and period it was tested against."""
    windows = set(windows)
    for crit in res.criteria:
        for cr in crit.constraints:
            hit = fp.time_since(cr.subject) if cr.subject in windows and cr.patient is not None else None
            if hit is None:
                continue
            days, e = hit
            old = cr.reason
            cr.patient = dict(cr.patient, source=e.resource, period=e.describe())
            cr.reason += f" (tested against {e.describe()}: {days} days before {fp.as_of.isoformat()})"
            crit.reason = crit.reason.replace(old, cr.reason)
            res.reasons = [r.replace(old, cr.reason) for r in res.reasons]


# -- validation --------------------------------------------------------------------

def _resources(bundle: Dict[str, Any]) -> List[Tuple[int, Dict[str, Any]]]:
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise FhirInputError("Bundle.entry must be a list")
    out = []
    for i, e in enumerate(entries):
        r = e.get("resource") if isinstance(e, dict) else None
        if not isinstance(r, dict) or not isinstance(r.get("resourceType"), str):
            raise FhirInputError(f"Bundle.entry[{i}]: no resource with a resourceType")
        out.append((i, r))
    return out


def validate_resources(resources: List[Tuple[int, Dict[str, Any]]], version: str = "auto") -> str:
    """The FHIR version ("R5" or "R4") every resource read validates under; else FhirInputError."""
    todo = [(i, r) for i, r in resources if r["resourceType"] in _READ]
    tries = ["R5", "R4"] if version == "auto" else [version.upper()]
    if version == "auto" and any(k in r for _, r in todo for k in _R4_ONLY):
        tries.reverse()
    errors: List[Tuple[int, str]] = []
    for v in tries:
        bad = next(((i, r, err) for i, r in todo if (err := _invalid(v, r)) is not None), None)
        if bad is None:
            return v
        i, r, err = bad
        errors.append((i, f"Bundle.entry[{i}] {r['resourceType']}/{r.get('id', '?')} (FHIR {v}): {err}"))
    raise FhirInputError(max(errors)[1])  # the version that read furthest names the field


def _invalid(version: str, resource: Dict[str, Any]) -> Optional[str]:
    from pydantic import ValidationError

    try:
        _model(version, resource["resourceType"]).model_validate(resource)
    except ValidationError as e:
        parts = []
        for err in e.errors()[:3]:
            loc = ".".join(str(x) for x in err["loc"])
            parts.append(f"{loc}: {err['msg'].removeprefix('Value error, ')}")
        return "; ".join(parts)
    return None


@lru_cache(maxsize=None)
def _model(version: str, resource_type: str):
    if version == "R5":
        from fhir.resources import get_fhir_model_class
    elif version in ("R4", "R4B"):
        from fhir.resources.R4B import get_fhir_model_class
    else:
        raise FhirInputError(f"FHIR version {version!r}: use R4 or R5")
    return get_fhir_model_class(resource_type)


# -- Patient -------------------------------------------------------------------------

def _read_patient(fp: FhirPatient, patients: List[Dict[str, Any]]) -> None:
    ids = {p.get("id") for p in patients}
    if len(ids) > 1:
        raise FhirInputError(f"the Bundle holds {len(ids)} Patient resources: one patient per Bundle")
    if not patients:
        return
    p = patients[0]
    fp.id = p.get("id")
    if fp.id:
        fp.patient["id"] = fp.id
    if p.get("gender") in ("female", "male"):
        fp.patient["sex"] = p["gender"]
    age = _age(p.get("birthDate"), fp.as_of)
    if age is not None:
        fp.patient["age"] = {"value": age, "unit": "a"}
        fp.sources["age"] = f"Patient/{fp.id} birthDate {p['birthDate']}"


def _age(birth: Optional[str], as_of: dt.date) -> Optional[int]:
    """Completed years at `as_of`; a partial date only where all its days give the same age."""
    if not birth:
        return None
    first, last = _date_bounds(birth)
    if first is None or first > as_of:
        return None
    a, b = _years(first, as_of), _years(last, as_of)
    return a if a == b else None


def _years(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _date_bounds(text: Any) -> Tuple[Optional[dt.date], Optional[dt.date]]:
    """(first day, last day) a FHIR date/dateTime may stand for ("2026" -> Jan 1..Dec 31)."""
    m = re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", str(text or ""))
    if not m:
        return None, None
    y, mo, d = int(m.group(1)), m.group(2), m.group(3)
    try:
        if d:
            day = dt.date(y, int(mo), int(d))
            return day, day
        if mo:
            first = dt.date(y, int(mo), 1)
            nxt = dt.date(y + (int(mo) == 12), int(mo) % 12 + 1, 1)
            return first, nxt - dt.timedelta(days=1)
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    except ValueError:
        return None, None


def _day(text: Any) -> Optional[dt.date]:
    """The day of a FHIR date/dateTime given to the day, else None (partial dates are not used)."""
    first, last = _date_bounds(text)
    return first if first is not None and first == last else None


# -- Observation ------------------------------------------------------------------------

@dataclass
class _Reading:
    day: dt.date
    key: str
    value: Dict[str, Any]
    source: str


def _read_observations(fp: FhirPatient, observations: List[Dict[str, Any]]) -> None:
    latest: Dict[str, _Reading] = {}
    for o in observations:
        if o.get("status") in _SKIP_STATUS:
            continue
        day = _day(o.get("effectiveDateTime") or (o.get("effectivePeriod") or {}).get("end")
                   or (o.get("effectivePeriod") or {}).get("start") or o.get("issued"))
        if day is None or day > fp.as_of:
            continue
        src = f"Observation/{o.get('id', '?')} {day.isoformat()}"
        for part in [o] + list(o.get("component") or []):
            r = _reading(part, day, src)
            if r is not None and (r.key not in latest or r.day >= latest[r.key].day):
                latest[r.key] = r
    for key, r in latest.items():
        if key in ("ecog", "karnofsky"):
            fp.patient[key] = r.value["value"]
        else:
            fp.patient.setdefault("labs", {})[key] = r.value
        fp.sources[key] = r.source


def _reading(part: Dict[str, Any], day: dt.date, src: str) -> Optional[_Reading]:
    for code in _codes(part.get("code"), LOINC):
        if code in (ECOG_LOINC, KARNOFSKY_LOINC):
            score = _score(part, code)
            key = "ecog" if code == ECOG_LOINC else "karnofsky"
            return _Reading(day, key, {"value": score}, src) if score is not None else None
        concept = _loinc_concepts().get(code)
        if concept is None:
            continue
        value = _quantity(part.get("valueQuantity"))
        if value is None:
            return None
        value.update(_reference(part.get("referenceRange"), value.get("unit"), concept.subject))
        return _Reading(day, concept.subject, value, src)
    return None


def _quantity(q: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if not q or q.get("value") is None or q.get("comparator"):
        return None  # censored ("<0.5") values are not a value
    unit = q.get("code") if q.get("system") in (None, "http://unitsofmeasure.org") and q.get("code") else q.get("unit")
    out: Dict[str, Any] = {"value": float(q["value"])}
    if unit and unit != "1":
        out["unit"] = unit
    return out


def _reference(ranges: Optional[List[Dict[str, Any]]], unit: Optional[str], subject: str) -> Dict[str, float]:
    """{"uln": high, "lln": low} in the value's unit, from the first reference range that has them."""
    from .logic import convert, ucum

    out: Dict[str, float] = {}
    for rr in ranges or []:
        for end, key in (("high", "uln"), ("low", "lln")):
            q = _quantity(rr.get(end))
            if q is None or key in out:
                continue
            try:
                x = q["value"] if not q.get("unit") or ucum(q.get("unit")) == ucum(unit) else \
                    convert(q["value"], ucum(q["unit"]), ucum(unit), subject=subject)
            except ValueError:
                continue
            if x > 0:
                out[key] = x
    return out


def _score(part: Dict[str, Any], loinc: str) -> Optional[float]:
    if isinstance(part.get("valueInteger"), int):
        return float(part["valueInteger"])
    q = _quantity(part.get("valueQuantity"))
    if q is not None:
        return q["value"]
    cc = part.get("valueCodeableConcept") or {}
    answers = _answers()
    for c in cc.get("coding") or []:
        if (loinc, c.get("code")) in answers:
            return answers[(loinc, c.get("code"))]
    for text in [c.get("code") for c in cc.get("coding") or []] + [c.get("display") for c in cc.get("coding") or []] \
            + [cc.get("text")]:
        m = re.match(r"^\s*(?:ECOG\s*|KPS\s*)?(\d{1,3})(?:\s*%)?\s*(?:$|[:(\-–])", str(text or ""), re.I)
        if m:
            return float(m.group(1))
    return None


@lru_cache(maxsize=None)
def _answers() -> Dict[Tuple[str, str], float]:
    return {(r["loinc"], r["code"]): float(r["score"]) for r in _terms() if r.get("kind") == "answer"}


@lru_cache(maxsize=None)
def _terms() -> Tuple[Dict[str, Any], ...]:
    from .resources import read_jsonl

    return tuple(r for r in read_jsonl("fhir_terms.jsonl") if "kind" in r)


@lru_cache(maxsize=None)
def _loinc_concepts() -> Dict[str, Any]:
    from . import concepts

    return {c.loinc: c for c in concepts.all_concepts() if c.loinc}


def _codes(cc: Optional[Dict[str, Any]], system: str) -> List[str]:
    return [c["code"] for c in (cc or {}).get("coding") or [] if c.get("system") == system and c.get("code")]


# -- Condition ---------------------------------------------------------------------------

def _read_conditions(fp: FhirPatient, conditions: List[Dict[str, Any]]) -> None:
    names: List[str] = []
    for c in conditions:
        clinical = _codes(c.get("clinicalStatus"), "http://terminology.hl7.org/CodeSystem/condition-clinical")
        verified = _codes(c.get("verificationStatus"), "http://terminology.hl7.org/CodeSystem/condition-ver-status")
        if set(verified) & _UNVERIFIED:
            continue
        code = c.get("code") or {}
        if set(clinical) & _INACTIVE:  # a past condition: meets only criteria that speak of history
            icd = [k["code"] for k in code.get("coding") or [] if _CODE_SYSTEMS.get(k.get("system")) == "ICD-10-CM"
                   and k.get("code")]
            names.extend(f"history of {n}" for n in _names(code) + icd)
            continue
        names.extend(_names(code))
        for coding in code.get("coding") or []:
            system = _CODE_SYSTEMS.get(coding.get("system"))
            if system and coding.get("code"):
                fp.codes.append(f"{system}:{coding['code']}")
    if names:
        fp.patient["conditions"] = list(dict.fromkeys(names))


def _names(cc: Optional[Dict[str, Any]]) -> List[str]:
    cc = cc or {}
    out = [cc["text"]] if cc.get("text") else []
    out += [c["display"] for c in cc.get("coding") or [] if c.get("display")]
    return [n.strip() for n in dict.fromkeys(out) if n.strip()]


# -- medications and procedures ------------------------------------------------------------

def _exposure(r: Dict[str, Any]) -> Optional[Exposure]:
    kind = r.get("resourceType")
    if kind not in ("MedicationStatement", "MedicationRequest", "Procedure") or r.get("status") in _SKIP_STATUS:
        return None
    if kind == "Procedure":
        names = _names(r.get("code"))
        start, end, open_ = _period(r.get("occurrencePeriod") or r.get("performedPeriod"),
                                    r.get("occurrenceDateTime") or r.get("performedDateTime"))
        open_ = open_ and r.get("status") == "in-progress"
    else:
        med = r.get("medication") or {}  # R5: CodeableReference
        names = _names(med.get("concept") or r.get("medicationCodeableConcept"))
        names += [x for x in [(med.get("reference") or r.get("medicationReference") or {}).get("display")] if x]
        start, end, open_ = _medication_period(r)
        open_ = open_ and r.get("status") in ("active", "recorded", "on-hold")
    if not names or start is None or (end is None and not open_):
        return None  # no name, or no day it started / ended: not usable for a time window
    return Exposure(f"{kind}/{r.get('id', '?')}", "procedure" if kind == "Procedure" else "medication",
                    names, start, end, _route(r))


def _medication_period(r: Dict[str, Any]) -> Tuple[Optional[dt.date], Optional[dt.date], bool]:
    if r["resourceType"] == "MedicationStatement":
        return _period(r.get("effectivePeriod"), r.get("effectiveDateTime"))
    for dose in r.get("dosageInstruction") or []:
        bounds = ((dose.get("timing") or {}).get("repeat") or {}).get("boundsPeriod")
        if bounds:
            return _period(bounds, None)
    validity = (r.get("dispenseRequest") or {}).get("validityPeriod")
    if validity:
        return _period(validity, None)
    return _day(r.get("authoredOn")), None, True


def _period(period: Optional[Dict[str, Any]], moment: Any) -> Tuple[Optional[dt.date], Optional[dt.date], bool]:
    """(start, end, open-ended) of a Period or a single dateTime."""
    if moment:
        d = _day(moment)
        return d, d, False
    if not period:
        return None, None, False
    start, end = _day(period.get("start")), _day(period.get("end"))
    if period.get("end") and end is None:
        return None, None, False  # an end not given to the day
    return start, end, end is None


def _route(r: Dict[str, Any]) -> Optional[str]:
    dosages = r.get("dosage") or r.get("dosageInstruction") or []
    for d in dosages:
        route = d.get("route") or {}
        names = _names(route)
        if names:
            return names[0].lower()
    return None


# -- matching exposures to constraint subjects ------------------------------------------------

def exposure_matches(subject: str, e: Exposure) -> bool:
    """True when the constraint subject names the exposure (either way), or names a class it is in."""
    s = subject.strip()
    if not s:
        return False
    if any(_pattern(n).search(s) or _pattern(s).search(n) for n in e.names):
        return True
    for cls in _classes_for(s.lower()):
        if e.route and any(x in e.route for x in cls.get("routes_excluded", ())):
            continue
        if any(_pattern(m).search(n) for m in cls["members"] for n in e.names):
            return True
    return False


@lru_cache(maxsize=65536)
def _pattern(words: str) -> "re.Pattern[str]":
    from .patient import word_pattern

    return word_pattern(words)


@lru_cache(maxsize=4096)
def _classes_for(subject: str) -> Tuple[Dict[str, Any], ...]:
    """Exposure classes whose terms the subject is (after a leading 'prior' / 'any' / 'use of')."""
    s = re.sub(r"^(?:prior|previous|any|use of|treatment with|therapy with)\s+", "", subject)
    return tuple(r for r in _terms() if r.get("kind") == "exposure_class" and s in r["terms"])
