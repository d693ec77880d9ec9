"""The logical reading of a parsed trial: the domain's trial logic, shared by screening
(`critparse.screening`), the consistency checks and the exporters.

One place decides how criteria and constraints combine, so that
`critparse.screen`, the JSON Logic rule and the FHIR Group say the same thing:

- a trial with cohorts is an OR over cohorts; a cohort is every inclusion
  criterion that is common (cohort None) or of that cohort, AND NOT any
  exclusion criterion that is common or of that cohort;
- a criterion with children combines them with its `logic` (`all` -> and,
  `any` -> or); children of an exclusion criterion are each a reason to
  exclude (or);
- the constraints and text pieces of one criterion combine by its expression
  (`Criterion.expression`, built by `critparse.expression`: all / any / not,
  `when` guards, `unless` exceptions, definitions), read for the criterion's
  kind by `lower`: a guard that does not hold, or an exception that holds,
  never rules the patient out;
- a text piece is `unevaluable` from data alone (`Node.value` holds its text,
  offsets, role: whole | part | guard | exception, and index within the
  criterion, 0 for a criterion that is one piece);
- structured fields (TrialInfo sex / minimum_age / maximum_age) give the
  pseudo-criteria `info.sex`, `info.minimum_age`, `info.maximum_age`.

Nodes are plain dataclasses; `Node.op` is one of and | or | not | crit (one
criterion, its single child is the body) | cmp (one constraint) | text
(unevaluable text piece) | sex | true.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from .expression import ConSpan, bound_of, criterion_expression, group_sex
from .negated_headers import denies_each, is_negated_header
from .normalize import normalize
from .records import Constraint, Criterion, member_key  # noqa: F401  (member_key re-exported)

if TYPE_CHECKING:  # pragma: no cover
    from .records import ParsedTrial

#: years per unit of an age / duration value (UCUM codes and common spellings)
_YEARS_PER = {
    "a": 1.0, "year": 1.0, "years": 1.0, "yr": 1.0, "y": 1.0,
    "mo": 1 / 12, "month": 1 / 12, "months": 1 / 12,
    "wk": 7 / 365.25, "week": 7 / 365.25, "weeks": 7 / 365.25,
    "d": 1 / 365.25, "day": 1 / 365.25, "days": 1 / 365.25,
    "h": 1 / 8766.0,
}


@dataclass
class Node:
    op: str  # and | or | not | crit | cmp | text | sex | true
    children: List["Node"] = field(default_factory=list)
    constraint: Optional[Constraint] = None  # op == "cmp"
    criterion: Optional[Criterion] = None  # the criterion this node stands for (any op)
    value: Any = None  # op == "sex": "female" | "male"
    kind: Optional[str] = None  # inclusion | exclusion, for text nodes

    def walk(self):
        yield self
        for ch in self.children:
            yield from ch.walk()


def and_(nodes: List[Node]) -> Node:
    nodes = [n for n in nodes if n.op != "true"]
    if not nodes:
        return Node("true")
    return nodes[0] if len(nodes) == 1 else Node("and", nodes)


def or_(nodes: List[Node]) -> Node:
    if not nodes:
        return Node("true")
    return nodes[0] if len(nodes) == 1 else Node("or", nodes)


# -- units ------------------------------------------------------------------

def convert(value: float, unit: Optional[str], to_unit: Optional[str], subject: Optional[str] = None) -> float:
    """`value` in `unit` expressed in `to_unit`, through `critparse.units.convert`.

    Raises ValueError where it cannot be converted. Equal units (or both None)
    need no conversion; age/duration units convert among themselves here so
    screening works on a bare install."""
    if (unit or None) == (to_unit or None):
        return float(value)
    if unit is None or to_unit is None:
        raise ValueError(f"cannot convert {unit!r} to {to_unit!r}")
    if unit in _YEARS_PER and to_unit in _YEARS_PER:
        return float(value) * _YEARS_PER[unit] / _YEARS_PER[to_unit]
    from .units import convert as units_convert

    try:
        return float(units_convert(value, unit, to_unit, subject=subject))
    except Exception as e:  # pint's errors, unknown units, missing molar mass
        raise ValueError(f"cannot convert {unit} to {to_unit} for {subject or 'this subject'}: {e}") from None


def ucum(unit: Optional[str]) -> Optional[str]:
    """A unit as written ("mg/dl", "µmol/L") as its UCUM code, through `critparse.units`."""
    if unit is None:
        return None
    if unit in ("ULN", "LLN"):
        return unit
    from .units import to_ucum

    return to_ucum(unit) or unit


def lookup_concept(name: str) -> Any:
    """The measurable concept (`critparse.concepts.Concept`) a lab key, constraint subject, concept
    id or written form names ("platelet count", "platelet_count", "PLT", "serum creatinine"), or None."""
    from . import concepts

    name = str(name).strip()
    return concepts.by_subject(name.lower()) or concepts.get(name) or concepts.lookup(name)


def lookup_lab(name: str) -> Any:
    """The lexicon's `Subject` (a concept seen by the constraint extractor) for a lab name, concept
    id or written form, or None."""
    from .lexicon import subjects

    hit = lookup_concept(name)
    return subjects().get(hit.subject) if hit is not None else None


def canonical_unit(subject: str) -> Optional[str]:
    """The concept's canonical unit for `subject`, or None where unknown."""
    hit = lookup_concept(subject)
    return hit.unit if hit is not None else None


def loinc(subject: str) -> Optional[str]:
    """The concept's LOINC code for `subject`, or None."""
    hit = lookup_concept(subject)
    return hit.loinc if hit is not None else None


def canonical_subject(name: str) -> str:
    """A patient's lab key or a constraint subject, as its concept's constraint subject."""
    hit = lookup_concept(name)
    if hit is not None:
        return hit.subject
    return " ".join(str(name).strip().lower().replace("_", " ").split())


def threshold(c: Constraint) -> Tuple[float, Optional[str]]:
    """The constraint's threshold in the subject's canonical unit where known
    (`normalized`), else as written."""
    if c.relative_to:
        return c.value, c.relative_to
    if c.normalized is not None and c.normalized.unit:
        return c.normalized.value, c.normalized.unit
    return c.value, c.unit


# -- per-criterion expression -------------------------------------------------

def criterion_expr(parsed: "ParsedTrial", crit: Criterion, cons: List[Constraint]) -> Optional[Dict[str, Any]]:
    """The criterion's expression (`Criterion.expression`); for records without one (schema 1.0 JSON,
    hand-built records) it is built here from the original text and the constraints' offsets."""
    if crit.expression is not None:
        return crit.expression
    if crit.role != "item":
        return None
    start = min([crit.start] + [c.start for c in cons])
    end = max([crit.end] + [c.end for c in cons])
    nt = normalize(parsed.text[start:end])  # read as the parser reads: escapes removed, glued words split
    starts = [nt.orig_index(i) for i in range(len(nt.text) + 1)]

    def local(o: int) -> int:
        return max(0, bisect_left(starts, o - start))

    def local_start(o: int) -> int:  # never on a space the normaliser put in ("normal amounts,orbilirubin")
        i = local(o)
        while i < len(nt.text) and nt.text[i].isspace():
            i += 1
        return i

    starts = [local_start(c.start) for c in cons]
    spans = [ConSpan(c.id, a, max(a, local(c.end)), c.subject, c.any_of, bound_of(c)) for a, c in zip(starts, cons)]
    return criterion_expression(nt.text, crit.kind, spans,
                                lambda s, e: tuple(x + start for x in nt.to_original(s, e)))


def lower(expr: Optional[Dict[str, Any]], crit: Criterion, cons: Dict[str, Constraint]) -> Optional[Node]:
    """An expression as and / or / not nodes for the criterion's kind: the criterion's condition holds
    where the node holds.

    A guard that does not hold, or an exception that holds, makes its branch NOT APPLY, which reads as the
    neutral value of where it stands: true among the parts of an `all` (a requirement that does not apply
    is met: when -> (not guard) or then; unless -> rule or exception), false among the parts of an `any`
    (an alternative that does not apply is not a way in: when -> guard and then; unless -> rule and not
    exception). A criterion stands as an `all` for an inclusion and as an `any` for an exclusion, so a
    branch that does not apply never rules the patient out; `not` swaps the two."""
    pieces: List[Node] = []

    def go(e: Any, role: str, neutral: bool) -> Optional[Node]:
        if not isinstance(e, dict):
            return None
        if "constraint" in e:
            c = cons.get(e["constraint"])
            if c is not None and (c.future or c.implausible):  # a window after enrolment (critparse.timing), a
                # value its concept cannot take: not a fact of the patient that data can test
                e = {"text": c.text, "start": c.start, "end": c.end}
            else:
                return None if c is None else Node("cmp", constraint=c, criterion=crit)
        if "text" in e:
            n = Node("text", criterion=crit, kind=crit.kind,
                     value={"text": e["text"], "start": e.get("start"), "end": e.get("end"), "role": role,
                            "index": len(pieces) + 1})
            pieces.append(n)
            return n
        if "all" in e or "any" in e:
            is_all = "all" in e
            kids = [k for k in (go(x, role, is_all) for x in e.get("all") or e.get("any") or []) if k is not None]
            return (and_ if is_all else _or_kept)(kids) if kids else None
        if "not" in e:
            inner = go(e["not"], role, not neutral)
            return None if inner is None else Node("not", [inner])
        if "when" in e:
            sex = group_sex(e["when"].get("text") or "") if isinstance(e["when"], dict) else None
            if sex is not None and sex[1]:  # "women" / "male participants": the patient's sex decides the guard
                guard: Optional[Node] = Node("sex", value=sex[0], criterion=crit)
            else:
                guard = go(e["when"], "guard", True)
            then = go(e.get("then"), role, neutral)
            if guard is None or then is None:
                return then
            return _or_kept([Node("not", [guard]), then]) if neutral else and_([guard, then])
        if "rule" in e:
            rule = go(e["rule"], role, neutral)
            exc = [k for k in (go(x, "exception", False) for x in e.get("unless") or []) if k is not None]
            if rule is None or not exc:
                return rule
            return _or_kept([rule] + exc) if neutral else and_([rule, Node("not", [_or_kept(exc)])])
        if "definition" in e:
            return go(e["definition"], role, neutral)
        return None

    node = go(expr, "whole" if isinstance(expr, dict) and "text" in expr else "part", crit.kind != "exclusion")
    if len(pieces) == 1 and node is pieces[0]:
        pieces[0].value["index"] = 0  # the whole criterion is one piece of text
    return node


def required(node: Node) -> List[Constraint]:
    """Constraints that must each hold for the node to hold (reached through and-s only)."""
    if node.op == "cmp":
        return [node.constraint]
    if node.op == "and":
        return [c for ch in node.children for c in required(ch)]
    return []


def sufficient(node: Node) -> List[Constraint]:
    """Constraints each of which alone makes the node hold (reached through or-s only)."""
    if node.op == "cmp":
        return [node.constraint]
    if node.op == "or":
        return [c for ch in node.children for c in sufficient(ch)]
    if node.op == "and" and len(node.children) == 1:
        return sufficient(node.children[0])
    return []


def _or_kept(nodes: List[Node]) -> Node:
    return nodes[0] if len(nodes) == 1 else Node("or", nodes)


# -- the criteria tree -------------------------------------------------------

class TrialLogic:
    """The logical reading of a ParsedTrial (see module doc)."""

    def __init__(self, parsed: "ParsedTrial", memo: bool = False) -> None:
        """`memo`: `body` lowers each criterion once and hands out the same nodes after (for callers that
        only read them, such as the batch rows' checks and standalone flags of one trial)."""
        self.parsed = parsed
        self._bodies: Optional[Dict[int, Tuple[Criterion, Optional[Node]]]] = {} if memo else None
        self._children: Dict[Optional[str], List[Criterion]] = {}
        for c in parsed.criteria:
            self._children.setdefault(c.parent, []).append(c)
        self._cons: Dict[str, List[Constraint]] = {}
        for k in parsed.constraints:
            self._cons.setdefault(k.criterion, []).append(k)
        labels: List[str] = list(parsed.cohorts)
        # a label naming several cohorts ("B-ALL and B-NHL") applies to each of them
        self.cohorts: List[str] = [c for c in labels if not _covers(c, [o for o in labels if o != c])]
        self._applies: Dict[str, set] = {
            lab: ({lab} if lab in self.cohorts else {c for c in self.cohorts if _names(lab, c)}) for lab in labels}

    def children(self, cid: Optional[str], cohort: Any = "*") -> List[Criterion]:
        out = []
        for c in self._children.get(cid, []):
            if c.role == "note":
                continue
            if cohort != "*" and c.cohort is not None and cohort not in self._applies.get(c.cohort, ()):
                continue
            out.append(c)
        return out

    def constraints(self, cid: str) -> List[Constraint]:
        return self._cons.get(cid, [])

    def criterion_node(self, crit: Criterion, cohort: Any = "*") -> Optional[Node]:
        """The node for one criterion (None for an empty group)."""
        parts: List[Node] = []
        body = self.body(crit)
        if body is not None and (body.op != "text" or not self.children(crit.id)):
            parts.append(body)  # an item over sub-items: its own text alone is a header, the sub-items decide
        kids = [n for n in (self.criterion_node(ch, cohort) for ch in self.children(crit.id, cohort)) if n]
        if kids:
            if is_negated_header(crit):  # "No X, including any of the following:" (critparse.negated_headers)
                parts.append(Node("and" if denies_each(crit) else "or", kids) if len(kids) > 1 else kids[0])
            elif crit.kind == "exclusion" or crit.logic == "any":
                parts.append(Node("or", kids) if len(kids) > 1 else kids[0])
            else:
                parts.append(Node("and", kids) if len(kids) > 1 else kids[0])
        if not parts:
            if crit.role == "group":
                return None
            parts = [Node("text", criterion=crit, kind=crit.kind, value={"text": crit.clean_text or crit.text,
                     "start": crit.start, "end": crit.end, "role": "whole", "index": 0})]
        body = and_(parts) if len(parts) > 1 else parts[0]
        return Node("crit", [body], criterion=crit, kind=crit.kind)

    def body(self, crit: Criterion) -> Optional[Node]:
        """The criterion's own expression as nodes (None where it has none)."""
        if self._bodies is None:
            return self._lower_body(crit)
        hit = self._bodies.get(id(crit))
        if hit is None or hit[0] is not crit:
            hit = self._bodies[id(crit)] = (crit, self._lower_body(crit))
        return hit[1]

    def _lower_body(self, crit: Criterion) -> Optional[Node]:
        cons = self.constraints(crit.id)
        expr = criterion_expr(self.parsed, crit, cons)
        return lower(expr, crit, {c.id: c for c in cons})

    def top(self, kind: str, cohort: Any = "*") -> List[Criterion]:
        return [c for c in self.children(None, cohort) if c.kind == kind]

    def info_nodes(self) -> List[Node]:
        """Pseudo-criteria from the structured fields (sex, minimum/maximum age)."""
        info = self.parsed.info
        out: List[Node] = []
        if info is None:
            return out
        sex = (info.sex or "").strip().lower()
        if sex in ("female", "male"):
            crit = Criterion(id="info.sex", parent=None, kind="inclusion", cohort=None, logic=None,
                             number=None, text=f"sex: {info.sex} (structured field)", start=0, end=0)
            out.append(Node("crit", [Node("sex", value=sex, criterion=crit)], criterion=crit, kind="inclusion"))
        for name, op in (("minimum_age", ">="), ("maximum_age", "<=")):
            value, unit, _years = parse_age(getattr(info, name))
            if unit is None:
                continue
            cid = f"info.{name}"
            crit = Criterion(id=cid, parent=None, kind="inclusion", cohort=None, logic=None, number=None,
                             text=f"{name.replace('_', ' ')}: {getattr(info, name)} (structured field)",
                             start=0, end=0)
            con = Constraint(id=f"{cid}#c1", criterion=cid, kind="inclusion", cohort=None, subject="age",
                             subject_text=None, op=op, value=value, unit=unit, relative_to=None,
                             normalized=None, negated=False, text=str(getattr(info, name)), start=0, end=0,
                             category="age")
            out.append(Node("crit", [Node("cmp", constraint=con, criterion=crit)], criterion=crit,
                            kind="inclusion"))
        return out

    def cohort_node(self, cohort: Optional[str], with_info: bool = True) -> Node:
        """inclusion (common + cohort) AND NOT exclusion (common + cohort)."""
        key: Any = cohort if cohort is not None else "*"
        inc = [n for n in (self.criterion_node(c, key) for c in self.top("inclusion", key)) if n]
        if with_info:
            inc = self.info_nodes() + inc
        exc = [n for n in (self.criterion_node(c, key) for c in self.top("exclusion", key)) if n]
        parts = list(inc)
        if exc:
            parts.append(Node("not", [or_(exc)]))
        return and_(parts)

    def unevaluable(self) -> List[Criterion]:
        """Criteria that are neither constraints nor groups of tested children."""
        out = []
        seen = set()
        for node in self.cohort_node_all():
            for n in (node.walk() if node else ()):
                if n.op == "text" and n.criterion.id not in seen:
                    seen.add(n.criterion.id)
                    out.append(n.criterion)
        return out

    def cohort_node_all(self) -> List[Node]:
        return [self.criterion_node(c, "*") for c in self.children(None, "*")]


def _names(label: str, cohort: str) -> bool:
    return re.search(r"(?<![\w-])" + re.escape(cohort) + r"(?![\w-])", label, re.I) is not None


def _covers(label: str, others: List[str]) -> bool:
    """True when `label` names two or more of the other cohort labels ("B-ALL and B-NHL")."""
    return sum(1 for o in others if _names(label, o)) >= 2


_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)?\s*$")
#: unit word of a structured age -> (UCUM code, years per unit)
_AGE_UNITS = {
    "year": ("a", 1.0), "years": ("a", 1.0), "yr": ("a", 1.0), "yrs": ("a", 1.0), "y": ("a", 1.0),
    "month": ("mo", 1 / 12), "months": ("mo", 1 / 12), "mo": ("mo", 1 / 12),
    "week": ("wk", 7 / 365.25), "weeks": ("wk", 7 / 365.25), "wk": ("wk", 7 / 365.25),
    "day": ("d", 1 / 365.25), "days": ("d", 1 / 365.25),
    "hour": ("h", 1 / 8766), "hours": ("h", 1 / 8766),
    "minute": ("min", 1 / 525960), "minutes": ("min", 1 / 525960),
}


def parse_age(text: Optional[str]) -> Tuple[Optional[float], Optional[str], Optional[float]]:
    """(value, UCUM unit, value in years) of a registry's structured age, or Nones for "N/A"/missing.

    >>> parse_age("18 Years")
    (18.0, 'a', 18.0)
    >>> parse_age("6 Months")
    (6.0, 'mo', 0.5)
    """
    if not text:
        return None, None, None
    m = _AGE.match(str(text))
    if not m:
        return None, None, None
    value = float(m.group(1))
    unit_word = (m.group(2) or "years").lower()
    if unit_word not in _AGE_UNITS:
        return value, None, None
    code, per_year = _AGE_UNITS[unit_word]
    return value, code, round(value * per_year, 6)


def to_years(value: float, unit: Optional[str]) -> Optional[float]:
    if unit is None:
        return float(value)
    if unit in _YEARS_PER:
        return float(value) * _YEARS_PER[unit]
    if unit == "min":
        return float(value) / 525960.0
    return None


def var_name(subject: str, relative_to: Optional[str] = None) -> str:
    """Patient variable name of a subject: 'platelet count' -> 'platelet_count',
    with '_xuln' / '_xlln' for thresholds given relative to ULN / LLN."""
    base = re.sub(r"[^0-9a-z]+", "_", subject.lower()).strip("_") or "value"
    if relative_to:
        base += "_x" + relative_to.lower()
    return base
