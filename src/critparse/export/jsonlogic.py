"""JSON Logic (jsonlogic.com) export: one rule per trial over patient variables.

    >>> doc = parsed.to_jsonlogic()
    >>> from json_logic import jsonLogic
    >>> jsonLogic(doc["rule"], {"age": 45, "creatinine": 1.7, "alt_xuln": 2.1, "ecog": 1})

Variables (listed with their unit in ``doc["variables"]``):
- ``age`` in years, ``sex`` ("female"/"male");
- one variable per constraint subject, named by `var_name` ("platelet count" ->
  ``platelet_count``), in the lexicon's CANONICAL unit (creatinine in mg/dL,
  bilirubin in umol/L, ...); thresholds relative to the upper / lower limit of
  normal use ``<name>_xuln`` / ``<name>_xlln`` (the value as a multiple of it);
- ``criteria.<id>`` (dots of the id as underscores: ``criteria.inc_3_1``) for
  each criterion that cannot be tested from data (free text, or a constraint
  whose unit cannot be brought to the variable's unit). They are listed in
  ``doc["unevaluable"]`` with their text and read with a default: true for
  inclusion, false for exclusion, so the rule answers "not ruled out by what
  could be checked"; a patient record may set them to decide.

Structure: the inclusion criteria of the trial (common + cohort) are and-ed,
`any` groups become `or`; exclusion criteria become ``{"!": {"or": [...]}}``;
with cohorts the rule is an ``or`` over cohorts (each cohort's own rule is in
``doc["cohorts"]``). Negated constraints become ``{"!": ...}``. A comparison
on a missing variable is false (``{"!==": [{"var": x}, null]}`` guards it): an
inclusion test on missing data fails the rule, an exclusion test on missing
data does not exclude. `critparse.screen` reports those as unknown instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from ..records import SCHEMA_VERSION, Constraint, Criterion, provide
from ..logic import Node, TrialLogic, canonical_unit, convert, loinc, to_years, var_name
from ..patient import Patient

if TYPE_CHECKING:  # pragma: no cover
    from ..records import ParsedTrial

_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "=": "==", "!=": "!="}


def criterion_var(cid: str) -> str:
    return "criteria." + cid.replace(".", "_").replace("#", "_")


class _Builder:
    def __init__(self, parsed: "ParsedTrial") -> None:
        self.parsed = parsed
        self.variables: Dict[str, Dict[str, Any]] = {}
        self.unevaluable: Dict[str, Dict[str, Any]] = {}

    # variable and threshold of one constraint -------------------------------
    def _variable(self, c: Constraint) -> Optional[tuple]:
        """(variable name, threshold in the variable's unit) or None with a reason recorded."""
        if c.relative_to:
            name = var_name(c.subject, c.relative_to)
            self._declare(name, c.subject, None, c.relative_to, c)
            return name, c.value
        if c.subject == "age" or c.category == "age":
            years = to_years(c.value, c.unit or "a")
            if years is None:
                return None
            self._declare("age", "age", "a", None, c)
            return "age", round(years, 6)
        name = var_name(c.subject)
        unit = self.variables.get(name, {}).get("unit") if name in self.variables else None
        if name not in self.variables:
            unit = canonical_unit(c.subject)
            if unit is None:
                unit = c.normalized.unit if c.normalized is not None else c.unit
        value = None
        if c.normalized is not None and c.normalized.unit == unit:
            value = c.normalized.value
        else:
            try:
                value = convert(c.value, c.unit, unit, subject=c.subject)
            except ValueError:
                if unit is not None and c.unit is None and c.category in ("performance", "count"):
                    value = c.value
                else:
                    return None
        self._declare(name, c.subject, unit, None, c)
        return name, round(value, 6)

    def _declare(self, name, subject, unit, rel, c: Constraint) -> None:
        if name in self.variables:
            return
        desc = f"{subject} in {'years' if unit == 'a' else unit}" if unit else subject
        if rel:
            desc = f"{subject} as a multiple of the {'upper' if rel == 'ULN' else 'lower'} limit of normal"
        self.variables[name] = {"subject": subject, "unit": unit, "relative_to": rel,
                                "code": c.code or loinc(subject), "description": desc}

    def _unevaluable(self, crit: Criterion, reason: str, default: bool, constraint: Optional[str] = None,
                     text: Optional[str] = None) -> Dict[str, Any]:
        key = constraint or crit.id
        var = criterion_var(key)
        self.unevaluable.setdefault(key, {
            "criterion": crit.id, "constraint": constraint, "kind": crit.kind, "cohort": crit.cohort,
            "text": text if text is not None else (crit.clean_text or crit.text), "reason": reason,
            "var": var, "default": default})
        return {"var": [var, default]}

    # nodes -------------------------------------------------------------------
    def rule(self, node: Node, kind: str = "inclusion") -> Any:
        op = node.op
        if op == "true":
            return True
        if op == "and":
            return {"and": [self.rule(ch, kind) for ch in node.children]}
        if op == "or":
            return {"or": [self.rule(ch, kind) for ch in node.children]}
        if op == "not":
            return {"!": self.rule(node.children[0], "exclusion")}
        if op == "crit":
            return self.rule(node.children[0], node.criterion.kind)
        if op == "sex":
            self.variables.setdefault("sex", {"subject": "sex", "unit": None, "relative_to": None, "code": None,
                                              "description": "female | male"})
            return {"==": [{"var": "sex"}, node.value]}
        if op == "text":
            return self._unevaluable(node.criterion, "free text without a testable constraint",
                                     node.criterion.kind != "exclusion")
        if op == "cmp":
            c = node.constraint
            got = self._variable(c)
            if got is None:
                return self._unevaluable(node.criterion, f"unit {c.unit!r} of {c.subject} cannot be converted",
                                         node.criterion.kind != "exclusion", constraint=c.id, text=c.text)
            name, value = got
            test: Any = {_OPS[c.op]: [{"var": name}, value]}
            if c.negated:
                test = {"!": test}
            return {"and": [{"!==": [{"var": name}, None]}, test]}
        raise ValueError(f"unexpected node {op}")


@provide("to_jsonlogic")
def to_jsonlogic(parsed: "ParsedTrial", with_info: bool = True) -> Dict[str, Any]:
    """The trial as a JSON Logic document: {rule, cohorts, variables, unevaluable, ...}."""
    logic = TrialLogic(parsed)
    b = _Builder(parsed)
    cohorts = {c: b.rule(logic.cohort_node(c, with_info)) for c in logic.cohorts}
    rule = {"or": list(cohorts.values())} if len(cohorts) > 1 else (
        next(iter(cohorts.values())) if cohorts else b.rule(logic.cohort_node(None, with_info)))
    return {
        "format": "jsonlogic",
        "schema_version": SCHEMA_VERSION,
        "trial_id": parsed.trial_id,
        "rule": rule,
        "cohorts": cohorts,
        "variables": dict(sorted(b.variables.items())),
        "unevaluable": list(b.unevaluable.values()),
    }


def patient_data(patient: Dict[str, Any], doc: Dict[str, Any]) -> Dict[str, Any]:
    """A `critparse.screen` patient dict as JSON Logic data for `doc`'s variables
    (values converted to each variable's unit; ULN multiples as `<name>_xuln`)."""
    p = Patient(patient)
    data: Dict[str, Any] = {}
    if p.sex:
        data["sex"] = p.sex
    for name, var in doc["variables"].items():
        if name == "sex":
            continue
        pv = p.values.get(var["subject"])
        if pv is None or pv.get("value") is None:
            continue
        value, unit = float(pv["value"]), pv.get("unit")
        rel = var.get("relative_to")
        try:
            if rel:
                if unit == rel:
                    data[name] = value
                elif pv.get(rel.lower()):
                    data[name] = value / float(pv[rel.lower()])
            elif name == "age":
                data[name] = to_years(value, unit or "a")
            elif unit in ("ULN", "LLN"):
                continue
            elif var["unit"] is None or unit is None or unit == var["unit"]:
                data[name] = value
            else:
                data[name] = convert(value, unit, var["unit"], subject=var["subject"])
        except ValueError:
            continue
    answers = patient.get("answers") or {}
    crit: Dict[str, Any] = {}
    for cid, v in answers.items():
        crit[criterion_var(cid).split(".", 1)[1]] = bool(v)
    if crit:
        data["criteria"] = crit
    return data
