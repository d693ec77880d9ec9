"""Typed records of a parse: the public output contract of critparse.

No spaCy import here: records are plain data (str, int, float, bool, None,
lists and dicts of those) so they pickle cheaply between processes, turn into
JSON and pandas rows, and are what exporters, screening and batch consume.

Offsets (`start`, `end`) always index the ORIGINAL input string given to
`critparse.parse`, so `parsed.text[rec.start:rec.end] == rec.text`.

Each item criterion carries `expression` (schema 2.0): how its constraints and
the text pieces no constraint tests combine, as plain JSON nodes:
``{"all": [...]}``, ``{"any": [...]}``, ``{"not": E}``, ``{"constraint": ID}``,
``{"text": S, "start": i, "end": j}``, ``{"when": E, "then": E}`` (a guard),
``{"rule": E, "unless": [E, ...]}`` (exceptions) and ``{"term": TEXT,
"definition": E}``. It states the criterion's condition; a guard that does not
hold or an exception that holds never rules the patient out (see
`critparse.expression` and `critparse.logic`).

The methods `to_frames`, `to_jsonlogic`, `to_fhir`, `to_sql_rows` and `check`
are provided by the modules above (exporters, checks) through `provide`, so
that this module imports nothing of critparse: data flows one way.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

SCHEMA_VERSION = "2.2"

#: comparison operators, ASCII, as used in `Constraint.op`
OPS = ("<", "<=", ">", ">=", "=", "!=", "in")
KINDS = ("inclusion", "exclusion")
LOGICS = ("all", "any")
#: role of a criterion in the tree
#: - "item": a criterion a patient is tested against (may have children, then it
#:   is also a group whose `logic` says how children combine)
#: - "group": a header that only groups its children ("Inclusion criteria only for B-ALL:")
#: - "note": free text in a section that is neither (a preamble sentence)
ROLES = ("item", "group", "note")


_ROMAN_DIGITS = ("I", "II", "III", "IV", "V", "VI")


def member_key(v: Any) -> str:
    """A member of an enumeration (op "in": a stage, a class) as compared: case- and space-insensitive,
    Arabic 1-6 and the Unicode Roman numeral characters read as Roman ("IIIb" = "3b" = "\u2162b" = "IIIB")."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = "".join(str(v).split()).upper()
    s = "".join(_ROMAN_DIGITS[(ord(ch) - 0x2160) % 16] if "\u2160" <= ch <= "\u2175" else ch for ch in s)
    m = re.fullmatch(r"([1-6])([A-C]?)", s)
    return _ROMAN_DIGITS[int(m.group(1)) - 1] + m.group(2) if m else s


@dataclass
class Criterion:
    id: str  # stable path-like id: "inc.2.3", "exc.8"
    parent: Optional[str]  # id of the parent criterion, None at top level
    kind: str  # "inclusion" | "exclusion"
    cohort: Optional[str]  # cohort label ("B-ALL") or None when it applies to all
    logic: Optional[str]  # "all" | "any" for criteria with children, else None
    number: Optional[str]  # the marker as written: "1.", "(a)", "*", or None
    text: str  # original[start:end]
    start: int
    end: int
    role: str = "item"
    depth: int = 0  # 0 for top-level items
    section: Optional[str] = None  # heading text as written ("Key Exclusion Criteria")
    clean_text: str = ""  # normalised, whitespace-collapsed text without the marker
    expression: Optional[Dict[str, Any]] = None  # items: how the criterion's constraints and text pieces combine (all / any / not / constraint / text / when-then / rule-unless / term-definition)


@dataclass
class Normalized:
    value: float
    unit: Optional[str]


@dataclass
class Constraint:
    id: str  # "<criterion id>#c<n>", stable within a trial
    criterion: str
    kind: str
    cohort: Optional[str]
    subject: str  # normalised lower-case name: "creatinine", "age", "ecog"
    subject_text: Optional[str]  # the subject as written
    op: str  # one of OPS
    value: float
    unit: Optional[str]  # UCUM-style: "umol/L", "mg/dL", "%", "10*9/L", "a", "mo", ...
    relative_to: Optional[str]  # "ULN" | "LLN" | None
    normalized: Optional[Normalized]  # in the subject's canonical unit
    negated: bool
    text: str  # original[start:end]: the span of subject + comparison (+ value, unit)
    start: int
    end: int
    category: str = "other"  # lab | age | performance | vital | count | duration | temporal | other
    code: Optional[str] = None  # LOINC code of the subject where well known
    value_text: Optional[str] = None  # the value as written ("176.8", "2.0")
    unit_text: Optional[str] = None  # the unit as written ("umol/L", "mg/dl")
    concept: Optional[str] = None  # id in the measurable-concept vocabulary (resources/concepts.jsonl), or None
    values: Optional[List[str]] = None  # op "in": the members of an enumeration ("IIIB", "IIIC", "IVA"); `value` is then unused (0)
    any_of: Optional[str] = None  # constraints of one criterion sharing this key are alternatives ("Lansky or Karnofsky >= 70")
    future: bool = False  # a time window that runs after enrolment ("during the first 6 months of the study", "for 120 days after the last dose"): a study rule or commitment, not a fact of the patient's history; the trial logic reads it as text
    implausible: bool = False  # the value lies outside the plausible range of the concept it names ("Hemoglobin greater than 9 mg/dL", "PT no greater than 1.5 times control" read without its "control", "WHO score 0-6" where the WHO performance scale ends at 4): a typo of the source or a misreading, so the trial logic reads it as text, never as a test


@dataclass
class Entity:
    id: str  # "<criterion id>#e<n>"
    criterion: str
    label: str  # Chia label set: Condition, Drug, Procedure, Measurement, Value, Temporal, ...
    text: str  # original[start:end]
    start: int
    end: int
    negated: bool = False
    historical: bool = False
    hypothetical: bool = False
    constraints: List[str] = field(default_factory=list)  # ids of constraints it belongs to
    source: str = "model"  # "model" | "rule"
    expansion: Optional[str] = None  # long form of an abbreviation ("absolute neutrophil count")
    codes: List[Dict[str, Any]] = field(default_factory=list)  # best first: {"system", "code", "display", "score"}


@dataclass
class TrialInfo:
    """Structured fields of a registry record, beside its free text."""

    sex: Optional[str] = None  # "all" | "female" | "male"
    minimum_age: Optional[str] = None  # as written: "18 Years"
    maximum_age: Optional[str] = None
    healthy_volunteers: Optional[bool] = None
    std_ages: Optional[List[str]] = None
    source_format: Optional[str] = None  # "ctgov_v2_json" | "ctgov_xml" | "aact" | "table" | "text"


@dataclass
class ParsedTrial:
    trial_id: Optional[str]
    text: str
    criteria: List[Criterion] = field(default_factory=list)
    constraints: List[Constraint] = field(default_factory=list)
    entities: List[Entity] = field(default_factory=list)
    info: TrialInfo = field(default_factory=TrialInfo)
    schema_version: str = SCHEMA_VERSION

    # -- lookups -----------------------------------------------------------
    def criterion(self, cid: str) -> Criterion:
        for c in self.criteria:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def children(self, cid: Optional[str]) -> List[Criterion]:
        return [c for c in self.criteria if c.parent == cid]

    @property
    def cohorts(self) -> List[str]:
        seen: List[str] = []
        for c in self.criteria:
            if c.cohort and c.cohort not in seen:
                seen.append(c.cohort)
        return seen

    # -- serialisation -----------------------------------------------------
    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self, **kw: Any) -> str:
        """`to_dict()` as JSON text (keyword arguments go to `json.dumps`). The records are encoded as
        they are, without the deep copy `to_dict` makes: the same text, about 4 x faster."""
        kw.setdefault("ensure_ascii", False)
        if "default" in kw:  # the caller's own fallback sees exactly what to_dict gives
            return json.dumps(self.to_dict(), **kw)
        return json.dumps(self, default=_record_fields, **kw)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "ParsedTrial":
        cons = []
        for c in d.get("constraints", []):
            c = dict(c)
            if c.get("normalized") is not None:
                c["normalized"] = Normalized(**c["normalized"])
            cons.append(Constraint(**c))
        return cls(
            trial_id=d.get("trial_id"),
            text=d.get("text", ""),
            criteria=[Criterion(**c) for c in d.get("criteria", [])],
            constraints=cons,
            entities=[Entity(**e) for e in d.get("entities", [])],
            info=TrialInfo(**(d.get("info") or {})),
            schema_version=d.get("schema_version", SCHEMA_VERSION),
        )

    @classmethod
    def from_json(cls, s: str) -> "ParsedTrial":
        return cls.from_dict(json.loads(s))

    # -- operations of the layers above (see `provide`) ----------------------
    def to_frames(self) -> Dict[str, Any]:
        """A dict of pandas DataFrames: criteria, constraints, entities (`critparse.export.frames`)."""
        return _provided("to_frames")(self)

    def to_jsonlogic(self, **kw: Any) -> Dict[str, Any]:
        """The trial as one JSON Logic rule over patient variables (`critparse.export.jsonlogic`)."""
        return _provided("to_jsonlogic")(self, **kw)

    def to_fhir(self, resource: str = "bundle") -> Dict[str, Any]:
        """FHIR R5 Group / EvidenceVariable (`critparse.export.fhir`)."""
        return _provided("to_fhir")(self, resource)

    def to_sql_rows(self, table: str = "constraints") -> List[Dict[str, Any]]:
        """Flat rows of one table (criteria | constraints | entities), the columns of `to_frames()`."""
        return _provided("to_sql_rows")(self, table)

    def check(self) -> List[Any]:
        """Consistency findings (`critparse.checks`)."""
        return _provided("check")(self)


_FIELD_NAMES: Dict[type, tuple] = {}


def _record_fields(obj: Any) -> Dict[str, Any]:
    """JSON fallback of `ParsedTrial.to_json`: a record as the dict of its fields, in field order (what
    `dataclasses.asdict` gives, without copying); anything else is not JSON, as for `json.dumps`."""
    cls = type(obj)
    names = _FIELD_NAMES.get(cls)
    if names is None:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"Object of type {cls.__name__} is not JSON serializable")
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return {n: getattr(obj, n) for n in names}


#: operations on a ParsedTrial that live in the layers above records (exporters, checks): name -> function.
#: Filled by `provide` when those modules are imported; `critparse/__init__` imports them, and Python runs
#: the package's `__init__` before any of its modules, so they are there whenever records is.
_PROVIDED: Dict[str, Callable[..., Any]] = {}


def provide(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: register `fn` as the ParsedTrial method `name` (used by the modules above records)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _PROVIDED[name] = fn
        return fn

    return register


def _provided(name: str) -> Callable[..., Any]:
    fn = _PROVIDED.get(name)
    if fn is None:
        raise RuntimeError(f"ParsedTrial.{name} is provided by a critparse module that is not imported: "
                           f"import critparse (the package imports its exporters and checks)")
    return fn
