"""HL7 FHIR R5 export: a definitional `Group` and an `EvidenceVariable`.

    >>> parsed.to_fhir()                          # Bundle (collection) holding both
    >>> parsed.to_fhir(resource="group")          # Group only
    >>> parsed.to_fhir(resource="evidencevariable")

- `Group` (type person, membership definitional): one `characteristic` per
  constraint that stands on its own in its criterion's expression (a required
  bound of an inclusion, a sufficient reason of an exclusion): `code` with the LOINC coding where the subject has one
  (else text), `valueQuantity` with a comparator (`<`, `<=`, `>`, `>=`) or a
  `valueRange` for two bounds of one range, in UCUM units (system
  http://unitsofmeasure.org; multiples of the upper / lower limit of normal
  use the dimensionless annotation `{ULN}` / `{LLN}`), `exclude` true for
  exclusion criteria (and for negated constraints). A Group's characteristics
  are all and-ed, so the tree structure is carried by extensions on each
  characteristic: criterion id, cohort, the enclosing `any` group, and the
  original text. The rest of a criterion's expression (guards, exceptions,
  alternatives) is one characteristic with the criterion text, `valueBoolean`
  true and the expression JSON as the extension `expression`: its logic is in
  the EvidenceVariable. Criteria without a testable constraint are characteristics
  whose `code.text` is the criterion text, `valueBoolean` true and the
  extension `unevaluable` = true: never dropped.
- `EvidenceVariable`: the full logic, each criterion's expression as
  `critparse.logic` reads it for its kind (a guard G of an inclusion is
  any-of(G excluded, then); an exception U of an exclusion is all-of(rule,
  U excluded)). The root characteristic is a
  `definitionByCombination` (`any-of` over cohorts, each `all-of` the
  cohort's inclusion criteria and its exclusion criteria with `exclude`
  true); any-groups are `any-of`; constraints are `definitionByTypeAndValue`;
  unevaluable criteria carry their text as `description` only.
`linkId` on EvidenceVariable characteristics is the criterion id.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from ..records import SCHEMA_VERSION, Constraint, Criterion, provide
from ..logic import Node, TrialLogic, criterion_expr, loinc, required, sufficient

if TYPE_CHECKING:  # pragma: no cover
    from ..records import ParsedTrial

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
EXT = "https://github.com/critparse/critparse/fhir/StructureDefinition/"
AGE_LOINC = ("30525-0", "Age")
SEX_LOINC = ("46098-0", "Sex")
_UNIT_DISPLAY = {"a": "years", "mo": "months", "wk": "weeks", "d": "days", "h": "hours", "{ULN}": "x ULN",
                 "{LLN}": "x LLN"}


def _id(s: Optional[str]) -> str:
    out = re.sub(r"[^A-Za-z0-9\-.]", "-", s or "trial")[:64]
    return out or "trial"


def _code(c: Constraint) -> Dict[str, Any]:
    code = c.code or loinc(c.subject)
    if c.subject == "age":
        code = AGE_LOINC[0]
    cc: Dict[str, Any] = {"text": c.subject}
    if code:
        cc["coding"] = [{"system": LOINC, "code": code, "display": c.subject_text or c.subject}]
    return cc


def _quantity(value: float, c: Constraint, comparator: Optional[str] = None) -> Dict[str, Any]:
    q: Dict[str, Any] = {"value": float(value)}
    if comparator:
        q["comparator"] = comparator
    unit = c.unit
    if c.relative_to:
        unit = "{%s}" % c.relative_to
    if unit:
        q.update({"unit": _UNIT_DISPLAY.get(unit, unit), "system": UCUM, "code": unit})
    return q


def _ext(name: str, value: Any) -> Dict[str, Any]:
    key = "valueBoolean" if isinstance(value, bool) else "valueString"
    return {"url": EXT + name, key: value}


def _pairs(cons: List[Constraint]) -> List[List[Constraint]]:
    """Constraints of a criterion, with the two bounds of one range (same span and
    subject, a lower and an upper bound) paired."""
    out: List[List[Constraint]] = []
    used = set()
    for i, a in enumerate(cons):
        if i in used:
            continue
        used.add(i)
        pair = [a]
        for j in range(i + 1, len(cons)):
            b = cons[j]
            if j in used or (a.start, a.end, a.subject, a.unit, a.relative_to, a.negated) != \
                    (b.start, b.end, b.subject, b.unit, b.relative_to, b.negated):
                continue
            if {a.op[0], b.op[0]} == {">", "<"}:
                pair.append(b)
                used.add(j)
                break
        out.append(pair)
    return out


def _value(pair: List[Constraint]) -> Dict[str, Any]:
    """valueQuantity / valueRange for one constraint or a range pair."""
    if len(pair) == 2:
        lo = next(c for c in pair if c.op.startswith(">"))
        hi = next(c for c in pair if c.op.startswith("<"))
        return {"valueRange": {"low": _quantity(lo.value, lo), "high": _quantity(hi.value, hi)}}
    c = pair[0]
    if c.op == "in":  # an enumeration ("stage IIIB, IIIC or IVA"): the members as text
        return {"valueCodeableConcept": {"text": " | ".join(c.values or [])}}
    if c.op in ("<", "<=", ">", ">="):
        return {"valueQuantity": _quantity(c.value, c, c.op)}
    return {"valueQuantity": _quantity(c.value, c)}


# -- Group ----------------------------------------------------------------------

def to_group(parsed: "ParsedTrial") -> Dict[str, Any]:
    logic = TrialLogic(parsed)
    chars: List[Dict[str, Any]] = []
    info = parsed.info
    if info is not None and (info.sex or "").lower() in ("female", "male"):
        chars.append({
            "code": {"coding": [{"system": LOINC, "code": SEX_LOINC[0], "display": SEX_LOINC[1]}], "text": "sex"},
            "valueCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/administrative-gender",
                                                 "code": info.sex.lower()}]},
            "exclude": False, "extension": [_ext("criterion", "info.sex"), _ext("source", "structured field")]})
    for n in logic.info_nodes():
        c = n.children[0].constraint
        if c is None:
            continue
        chars.append({"code": _code(c), **_value([c]), "exclude": False,
                      "extension": [_ext("criterion", c.criterion), _ext("source", "structured field")]})

    any_parent: Dict[str, str] = {}
    for crit in parsed.criteria:
        if crit.logic == "any" or crit.kind == "exclusion":
            for ch in logic.children(crit.id):
                any_parent[ch.id] = crit.id

    def enclosing_any(cid: str) -> Optional[str]:
        cur: Optional[str] = cid
        while cur is not None:
            if cur in any_parent:
                return any_parent[cur]
            try:
                cur = parsed.criterion(cur).parent
            except KeyError:
                return None
        return None

    def exts(crit: Criterion, text: str) -> List[Dict[str, Any]]:
        out = [_ext("criterion", crit.id), _ext("kind", crit.kind)]
        if crit.cohort:
            out.append(_ext("cohort", crit.cohort))
        grp = enclosing_any(crit.id)
        if grp:
            out.append(_ext("any-of-group", grp))
        out.append(_ext("text", text))
        return out

    for crit in parsed.criteria:
        if crit.role == "note":
            continue
        cons = logic.constraints(crit.id)
        if not cons:
            if logic.children(crit.id) or crit.role == "group":
                continue
            chars.append({"code": {"text": crit.clean_text or crit.text}, "valueBoolean": True,
                          "exclude": crit.kind == "exclusion",
                          "extension": exts(crit, crit.text) + [_ext("unevaluable", True)]})
            continue
        chars.extend(_criterion_characteristics(logic, crit, cons, exts))
    return {
        "resourceType": "Group",
        "id": _id(parsed.trial_id),
        "meta": {"tag": [{"system": EXT + "schema-version", "code": SCHEMA_VERSION}]},
        "identifier": _identifier(parsed),
        "name": f"Eligible population of {parsed.trial_id or 'the trial'}",
        "description": "Eligibility criteria parsed by critparse. Characteristics are and-ed; extensions "
                       "name the criterion, cohort and any-of group each belongs to.",
        "type": "person",
        "membership": "definitional",
        "active": True,
        "characteristic": chars,
    }


def _criterion_characteristics(logic: TrialLogic, crit: Criterion, cons: List[Constraint], exts) -> List[Dict[str, Any]]:
    """A Group's characteristics are all and-ed: a constraint is one only where the criterion's expression
    makes it one on its own (every required bound of an inclusion, every sufficient reason of an exclusion).
    The rest of the expression (guards, exceptions, alternatives, definitions with text) is one
    characteristic naming the criterion, with the expression as an extension: the EvidenceVariable holds it."""
    body = logic.body(crit)
    alone = (sufficient(body) if crit.kind == "exclusion" else required(body)) if body is not None else []
    out: List[Dict[str, Any]] = []
    for pair in _pairs(alone):
        c = pair[0]
        out.append({"code": _code(c), **_value(pair), "exclude": (crit.kind == "exclusion") != bool(c.negated),
                    "extension": exts(crit, c.text) + [_ext("constraint", ",".join(p.id for p in pair))]})
    simple = body is not None and body.op in ("cmp", "and" if crit.kind == "inclusion" else "or") and all(
        ch.op == "cmp" for ch in (body.children or [body]))
    if len(alone) < len(cons) or not simple:
        rest = [c.id for c in cons if c not in alone]
        expr = criterion_expr(logic.parsed, crit, cons)
        out.append({"code": {"text": crit.clean_text or crit.text}, "valueBoolean": True,
                    "exclude": crit.kind == "exclusion",
                    "extension": exts(crit, crit.text) + [_ext("expression", json.dumps(expr, ensure_ascii=False))]
                    + ([_ext("constraint", ",".join(rest))] if rest else [])})
    return out


def _identifier(parsed: "ParsedTrial") -> List[Dict[str, Any]]:
    if not parsed.trial_id:
        return []
    system = "https://clinicaltrials.gov" if parsed.trial_id.upper().startswith("NCT") else "urn:critparse:trial"
    return [{"system": system, "value": parsed.trial_id}]


# -- EvidenceVariable --------------------------------------------------------------

def _ev_node(node: Node, crit: Optional[Criterion] = None) -> Dict[str, Any]:
    op = node.op
    if op == "crit":
        c = node.criterion
        ch = _ev_node(node.children[0], c)
        ch.setdefault("linkId", _id(c.id))
        ch["description"] = c.clean_text or c.text
        return ch
    if op == "text":
        piece = node.value or {}
        return {"description": piece.get("text") or node.criterion.clean_text or node.criterion.text,
                "extension": [_ext("unevaluable", True)] + (
                    [_ext("role", piece["role"])] if piece.get("role") not in (None, "whole", "part") else [])}
    if op == "cmp":
        c = node.constraint
        out = {"definitionByTypeAndValue": {"type": _code(c), **_value([c])}}
        if c.negated:
            out["exclude"] = True
        return out
    if op == "sex":
        return {"definitionByTypeAndValue": {
            "type": {"coding": [{"system": LOINC, "code": SEX_LOINC[0], "display": SEX_LOINC[1]}], "text": "sex"},
            "valueCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/administrative-gender",
                                                 "code": node.value}]}}}
    if op in ("and", "or"):
        kids = node.children
        # two bounds of one range as one valueRange
        if len(kids) == 2 and all(k.op == "cmp" for k in kids):
            pairs = _pairs([k.constraint for k in kids])
            if len(pairs) == 1 and op == "and":
                c = pairs[0][0]
                return {"definitionByTypeAndValue": {"type": _code(c), **_value(pairs[0])}}
        return {"definitionByCombination": {"code": "all-of" if op == "and" else "any-of",
                                            "characteristic": [_ev_node(k) for k in kids]}}
    if op == "not":
        inner = node.children[0]
        kids = inner.children if inner.op == "or" else [inner]
        return {"definitionByCombination": {"code": "all-of", "characteristic": [
            {**_ev_node(k), "exclude": True} for k in kids]}}
    if op == "true":
        return {"description": "no criteria"}
    raise ValueError(f"unexpected node {op}")


def _flatten_all_of(ch: Dict[str, Any]) -> List[Dict[str, Any]]:
    comb = ch.get("definitionByCombination")
    if comb and comb["code"] == "all-of" and set(ch) == {"definitionByCombination"}:
        return [k for sub in comb["characteristic"] for k in _flatten_all_of(sub)]
    return [ch]


def to_evidence_variable(parsed: "ParsedTrial") -> Dict[str, Any]:
    logic = TrialLogic(parsed)
    if logic.cohorts:
        cohorts = []
        for c in logic.cohorts:
            body = _ev_node(logic.cohort_node(c))
            cohorts.append({"linkId": _id(f"cohort-{c}"), "description": f"cohort {c}",
                            "definitionByCombination": {"code": "all-of",
                                                        "characteristic": _flatten_all_of(body)}})
        root = [{"linkId": "eligibility", "description": "eligible for any cohort",
                 "definitionByCombination": {"code": "any-of", "characteristic": cohorts}}]
    else:
        root = _flatten_all_of(_ev_node(logic.cohort_node(None)))
    return {
        "resourceType": "EvidenceVariable",
        "id": _id(parsed.trial_id),
        "meta": {"tag": [{"system": EXT + "schema-version", "code": SCHEMA_VERSION}]},
        "identifier": _identifier(parsed),
        "status": "draft",
        "name": re.sub(r"[^A-Za-z0-9_]", "_", f"Eligibility_{parsed.trial_id or 'trial'}"),
        "title": f"Eligibility criteria of {parsed.trial_id or 'the trial'}",
        "description": "Parsed by critparse from the trial's eligibility text.",
        "actual": False,
        "characteristic": root,
    }


@provide("to_fhir")
def to_fhir(parsed: "ParsedTrial", resource: str = "bundle") -> Dict[str, Any]:
    """`resource`: bundle (Group + EvidenceVariable in a collection Bundle) | group | evidencevariable."""
    r = resource.lower().replace("_", "").replace("-", "")
    if r == "group":
        return to_group(parsed)
    if r == "evidencevariable":
        return to_evidence_variable(parsed)
    if r != "bundle":
        raise ValueError(f"unknown FHIR resource {resource!r}: use bundle, group or evidencevariable")
    g, ev = to_group(parsed), to_evidence_variable(parsed)
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": f"urn:critparse:Group/{g['id']}", "resource": g},
        {"fullUrl": f"urn:critparse:EvidenceVariable/{ev['id']}", "resource": ev}]}


def validate(doc: Dict[str, Any]) -> Any:
    """Construct the resource with the `fhir.resources` R5 models (raises on an invalid export)."""
    from fhir.resources import get_fhir_model_class

    cls = get_fhir_model_class(doc["resourceType"])
    return cls.model_validate(doc)
