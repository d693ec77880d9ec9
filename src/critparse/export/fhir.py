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

Coded characteristics (the entity codes of `critparse.link`, sure ones only:
score >= 0.9): a criterion that *is* one Condition ("Patients with HIV
infection", "History of epilepsy") becomes, in the Group, a characteristic with
`code` Condition (http://hl7.org/fhir/fhir-types) and `valueCodeableConcept`
holding its ICD-10-CM codings (system, code, display), `exclude` as its kind
and negation say, and no longer `unevaluable`. In the EvidenceVariable, a text
piece naming exactly one Condition or Drug entity, a coded one, carries it as
`definitionCodeableConcept` (ICD-10-CM; DrugBank ingredient or WHO ATC class),
`exclude` true where the entity is negated; the piece stays `unevaluable`
unless it is that entity alone (its text, the `description`, may say more:
"within 6 months"). Every other coded Condition, Drug or Measurement entity of
a text criterion or piece is listed as an extension `concept`
(valueCodeableConcept): a code is never and-ed into the logic where the text
combines several.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from ..records import SCHEMA_VERSION, Constraint, Criterion, provide
from ..logic import Node, TrialLogic, criterion_expr, loinc, required, sufficient
from ..negated_headers import is_negated_header

if TYPE_CHECKING:  # pragma: no cover
    from ..records import ParsedTrial

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
EXT = "https://github.com/critparse/critparse/fhir/StructureDefinition/"
AGE_LOINC = ("30525-0", "Age")
SEX_LOINC = ("46098-0", "Sex")
FHIR_TYPES = "http://hl7.org/fhir/fhir-types"
#: lowest code score exported (exact names 1.0, head words 0.9; fuzzy neighbours below)
SURE = 0.9
_CODED_LABELS = ("Condition", "Drug", "Measurement")
#: words before a condition that leave the criterion about that condition alone ("Patients with HIV infection")
_LEAD = re.compile(r"^(?:(?:patients?|subjects?|participants?|women|men)\s+(?:with|who have|having)\s+|"
                   r"(?:a\s+|any\s+)?(?:known\s+)?(?:history of|diagnosis of|diagnosed with|presence of)\s+|"
                   r"known\s+|documented\s+|confirmed\s+)", re.I)
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
    if isinstance(value, dict):
        return {"url": EXT + name, "valueCodeableConcept": value}
    key = "valueBoolean" if isinstance(value, bool) else "valueString"
    return {"url": EXT + name, key: value}


def _concept(e: Any) -> Optional[Dict[str, Any]]:
    """An entity's sure codes as a CodeableConcept (None where it has none)."""
    coding = [{"system": c["system"], "code": c["code"], **({"display": c["display"]} if c.get("display") else {})}
              for c in (e.codes or []) if (c.get("score") or 0) >= SURE]
    return {"coding": coding, "text": e.text} if coding else None


def _coded(parsed: "ParsedTrial", cid: str, text: Optional[str] = None) -> List[tuple]:
    """(entity, CodeableConcept) of a criterion's coded entities (those inside `text` where given)."""
    out = []
    for e in parsed.entities:
        if e.criterion == cid and e.label in _CODED_LABELS and (text is None or e.text in text):
            cc = _concept(e)
            if cc:
                out.append((e, cc))
    return out


def _is_only(text: str, mention: str) -> bool:
    """Is the criterion text that mention alone, give or take 'history of' / 'patients with'?"""
    t = _LEAD.sub("", re.sub(r"[\s;:.,]+$", "", text.strip()))
    return t.lower() == mention.strip().lower()


def _lone_condition(parsed: "ParsedTrial", crit: Criterion) -> Optional[tuple]:
    """(entity, concept) where the criterion is one coded Condition and nothing else."""
    ents = [e for e in parsed.entities if e.criterion == crit.id and e.label in ("Condition", "Drug")]
    if len(ents) != 1 or ents[0].label != "Condition":
        return None
    cc = _concept(ents[0])
    if cc is None or not _is_only(crit.clean_text or crit.text, ents[0].text):
        return None
    return ents[0], cc


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
        if (crit.logic == "any" or crit.kind == "exclusion") and not is_negated_header(crit):
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
            chars.append(_text_characteristic(parsed, crit, exts))
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


def _text_characteristic(parsed: "ParsedTrial", crit: Criterion, exts) -> Dict[str, Any]:
    """A criterion without constraints: coded where it is one coded Condition alone, else its text (true),
    `unevaluable`, with its coded entities as `concept` extensions."""
    lone = _lone_condition(parsed, crit)
    if lone is not None:
        e, cc = lone
        return {"code": {"coding": [{"system": FHIR_TYPES, "code": "Condition", "display": "Condition"}],
                         "text": "condition"},
                "valueCodeableConcept": cc, "exclude": (crit.kind == "exclusion") != bool(e.negated),
                "extension": exts(crit, crit.text)}
    return {"code": {"text": crit.clean_text or crit.text}, "valueBoolean": True,
            "exclude": crit.kind == "exclusion",
            "extension": exts(crit, crit.text) + [_ext("unevaluable", True)]
            + [_ext("concept", cc) for _e, cc in _coded(parsed, crit.id)]}


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

def _ev_text(node: Node, parsed: Optional["ParsedTrial"]) -> Dict[str, Any]:
    """A text piece: its description, `unevaluable`, and its coded entities (one: definitionCodeableConcept,
    the piece no longer unevaluable where it is that entity alone; several: `concept` extensions)."""
    piece = node.value or {}
    text = piece.get("text") or node.criterion.clean_text or node.criterion.text
    role = [_ext("role", piece["role"])] if piece.get("role") not in (None, "whole", "part") else []
    coded = _coded(parsed, node.criterion.id, text) if parsed is not None else []
    named = [e for e in parsed.entities if e.criterion == node.criterion.id and e.label in ("Condition", "Drug")
             and e.text in text] if parsed is not None else []
    concepts = [(e, cc) for e, cc in coded if e.label in ("Condition", "Drug")]
    out: Dict[str, Any] = {"description": text}
    if len(named) == 1 and len(concepts) == 1:  # the piece names one condition or drug, and it is coded
        e, cc = concepts[0]
        out["definitionCodeableConcept"] = cc
        if e.negated:
            out["exclude"] = True
        alone = len(coded) == 1 and e.label == "Condition" and _is_only(text, e.text)
        out["extension"] = ([] if alone else [_ext("unevaluable", True)]) + role + [
            _ext("concept", c) for x, c in coded if x is not e]
        if not out["extension"]:
            del out["extension"]
        return out
    out["extension"] = [_ext("unevaluable", True)] + role + [_ext("concept", cc) for _e, cc in coded]
    return out


def _ev_node(node: Node, crit: Optional[Criterion] = None, parsed: Optional["ParsedTrial"] = None) -> Dict[str, Any]:
    op = node.op
    if op == "crit":
        c = node.criterion
        ch = _ev_node(node.children[0], c, parsed)
        ch.setdefault("linkId", _id(c.id))
        ch["description"] = c.clean_text or c.text
        return ch
    if op == "text":
        return _ev_text(node, parsed)
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
                                            "characteristic": [_ev_node(k, None, parsed) for k in kids]}}
    if op == "not":
        inner = node.children[0]
        kids = inner.children if inner.op == "or" else [inner]
        return {"definitionByCombination": {"code": "all-of", "characteristic": [
            _excluded(_ev_node(k, None, parsed)) for k in kids]}}
    if op == "true":
        return {"description": "no criteria"}
    raise ValueError(f"unexpected node {op}")


def _excluded(ch: Dict[str, Any]) -> Dict[str, Any]:
    """A characteristic under 'not': exclude flipped (a negated coded piece under 'not' is included)."""
    return {**ch, "exclude": not ch.get("exclude", False)}


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
            body = _ev_node(logic.cohort_node(c), None, parsed)
            cohorts.append({"linkId": _id(f"cohort-{c}"), "description": f"cohort {c}",
                            "definitionByCombination": {"code": "all-of",
                                                        "characteristic": _flatten_all_of(body)}})
        root = [{"linkId": "eligibility", "description": "eligible for any cohort",
                 "definitionByCombination": {"code": "any-of", "characteristic": cohorts}}]
    else:
        root = _flatten_all_of(_ev_node(logic.cohort_node(None), None, parsed))
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
