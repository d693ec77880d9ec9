"""JSON Logic (jsonlogic.com) export: one trial as rules over patient variables.

    >>> doc = parsed.to_jsonlogic()
    >>> from json_logic import jsonLogic
    >>> jsonLogic(doc["verdict"], {"age": 45, "creatinine": 1.7, "alt_xuln": 2.1, "ecog": 1})
    'undetermined'

Missing data is told apart from a failed test by two readings of each test,
so any JSON Logic engine gets three values:

- ``doc["rule"]`` (POSSIBLE): true unless the data rule the patient out; a
  test on a missing variable counts as passed;
- ``doc["rule_certain"]`` (CERTAIN): true only where the data show the patient
  eligible; a test on a missing variable counts as failed;
- ``doc["verdict"]``: ``{"if": [CERTAIN, "eligible", POSSIBLE, "undetermined",
  "ineligible"]}``, the same verdict as `critparse.screen`; ``doc["cohorts"]``
  and ``doc["cohort_verdicts"]`` give the POSSIBLE rule and the verdict per
  cohort.

A variable is missing where it is absent or null (``{"===": [{"var": x},
null]}``). Negation swaps the readings (not CERTAIN(a) is POSSIBLE(not a)).

Variables (listed with their unit in ``doc["variables"]``):
- ``age`` in years, ``sex`` ("female"/"male");
- one variable per constraint subject, named by `var_name` ("platelet count" ->
  ``platelet_count``), in the lexicon's CANONICAL unit (creatinine in mg/dL,
  bilirubin in umol/L, ...); thresholds relative to the upper / lower limit of
  normal use ``<name>_xuln`` / ``<name>_xlln`` (the value as a multiple of it);
- ``criteria.<id>`` (dots of the id as underscores: ``criteria.inc_3_1``) for a
  criterion that is one piece of free text, ``criteria.<id>_t<n>`` for the n-th
  text piece of a criterion's expression (a guard, an exception, a defined
  term), and ``criteria.<constraint id>`` for a constraint whose unit cannot be
  brought to the variable's unit: true where it holds for the patient. They are
  listed in ``doc["unevaluable"]`` with their text; `patient_data` fills them
  from a patient's ``answers`` and ``conditions`` as `critparse.screen` does;
- ``condition_codes``: the patient's ICD-10-CM codes, each with its ancestors
  (dotted, down to the 3-character category: "G40.909" gives "G40", "G40.9",
  "G40.90", "G40.909"; text conditions are linked first), and the ICD-10-CM
  range a generic condition word stands for ("C50.911" also gives "C00-C96",
  `critparse.linking.ranges`). A text piece about a
  condition with a sure ICD-10-CM code ("history of epilepsy", G40) is tested
  by code in the rule itself: ``{"in": ["G40", {"var": "condition_codes"}]}``
  holds it; without such a code (or without the variable: missing data) the
  piece falls back to its ``criteria.*`` variable, as `critparse.screen` does
  (no code within G40 does not show the patient free of epilepsy). A generic
  mention ("history of malignancy", C80) is tested by its range:
  ``{"in": ["C00-C96", {"var": "condition_codes"}]}``.
- ``condition_history_codes``: the past conditions the patient's personal-history
  codes name, each with its ancestors ("Z85.3", Personal history of malignant
  neoplasm of breast, gives "C50"; `critparse.linking.history`). A piece that
  speaks of the condition as history ("History of breast cancer") tests it too;
  a piece about a current condition ("Active tuberculosis") does not, so
  screening, set-wise matching and this rule agree.

Structure: each criterion's expression as `critparse.logic` reads it (guards,
exceptions, definitions; `any` groups become ``or``); inclusion criteria of the
trial (common + cohort) are and-ed, exclusion criteria become
``{"!": {"or": [...]}}``; with cohorts the rule is an ``or`` over cohorts.
Negated constraints become ``{"!": ...}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from ..records import SCHEMA_VERSION, Constraint, Criterion, provide
from ..logic import Node, TrialLogic, canonical_unit, convert, loinc, member_key, to_years, var_name
from ..linking import ICD10CM
from ..linking.match import CodedMention
from ..patient import Patient

if TYPE_CHECKING:  # pragma: no cover
    from ..records import ParsedTrial

#: the variable holding the patient's ICD-10-CM codes and their ancestors
CONDITION_CODES = "condition_codes"
#: the variable holding the past conditions named by the patient's personal-history codes, with ancestors
HISTORY_CODES = "condition_history_codes"
_OPS = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "=": "==", "!=": "!=", "in": "in"}


def criterion_var(cid: str) -> str:
    return "criteria." + cid.replace(".", "_").replace("#", "_")


class _Builder:
    def __init__(self, parsed: "ParsedTrial") -> None:
        self.parsed = parsed
        self.variables: Dict[str, Dict[str, Any]] = {}
        self.unevaluable: Dict[str, Dict[str, Any]] = {}
        self._conditions: Optional[Dict[str, list]] = None  # criterion id -> CriterionCondition

    # variable and threshold of one constraint -------------------------------
    def _variable(self, c: Constraint) -> Optional[tuple]:
        """(variable name, threshold in the variable's unit) or None with a reason recorded."""
        if c.op == "in":  # an enumeration: the variable holds the member as written upper-case ("IIIB")
            name = var_name(c.subject)
            self._declare(name, c.subject, None, None, c)
            return name, [member_key(v) for v in (c.values or [])]
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
        if c.op == "in":
            self.variables[name].update(values=[member_key(v) for v in c.values or []],
                                        description=f"{subject}: one of {', '.join(c.values or [])} (upper-case)")

    def _unevaluable(self, crit: Criterion, key: str, text: str, reason: str,
                     constraint: Optional[str] = None, role: str = "whole") -> str:
        var = criterion_var(key)
        self.unevaluable.setdefault(key, {
            "criterion": crit.id, "constraint": constraint, "kind": crit.kind, "cohort": crit.cohort,
            "text": text, "role": role, "reason": reason, "var": var})
        return var

    def _condition_codes(self, key: str, cid: str, text: str) -> List[tuple]:
        """(code, history) for the sure ICD-10-CM codes of the piece's non-negated Condition entities, also
        on its unevaluable entry (`patient_data` decides the piece from a patient's codes with them, G40.909
        within G40); history: the piece speaks of the condition as history, so a personal-history code
        (Z85.3 -> C50) counts too. Returned for the rule's own tests."""
        from ..linking.match import criterion_conditions, criterion_keys

        if self._conditions is None:
            self._conditions = criterion_conditions(self.parsed)
        coded = []
        for c in self._conditions.get(cid, ()):
            m = c.coded(text) if c.mention in text else None
            codes = criterion_keys(m.codes) if m is not None and not m.negated else []
            if codes:
                coded.append({"mention": c.mention, "codes": codes, "history": m.history})
        if not coded:
            return []
        self.unevaluable[key]["conditions"] = coded
        self.variables.setdefault(CONDITION_CODES, {
            "subject": "conditions", "unit": None, "relative_to": None, "code": None,
            "description": "the patient's ICD-10-CM codes with their ancestors (G40.909 -> G40, G40.9, G40.90, "
                           "G40.909) and generic ranges (C50.911 -> C00-C96)"})
        if any(c["history"] for c in coded):
            self.variables.setdefault(HISTORY_CODES, {
                "subject": "conditions", "unit": None, "relative_to": None, "code": None,
                "description": "the past conditions named by the patient's personal-history ICD-10-CM codes, "
                               "with their ancestors (Z85.3 -> C50)"})
        return list(dict.fromkeys((k, c["history"]) for c in coded for k in c["codes"]))

    # nodes -------------------------------------------------------------------
    def rule(self, node: Node, certain: bool = False) -> Any:
        """The node as JSON Logic: its CERTAIN reading (holds by the data) or its POSSIBLE one (not
        contradicted by the data)."""
        op = node.op
        if op == "true":
            return True
        if op in ("and", "or"):
            return {op: [self.rule(ch, certain) for ch in node.children]}
        if op == "not":
            return {"!": self.rule(node.children[0], not certain)}
        if op == "crit":
            return self.rule(node.children[0], certain)
        if op == "sex":
            self.variables.setdefault("sex", {"subject": "sex", "unit": None, "relative_to": None, "code": None,
                                              "description": "female | male"})
            return _guarded("sex", {"==": [{"var": "sex"}, node.value]}, certain)
        if op == "text":
            piece = node.value or {}
            crit = node.criterion
            index = piece.get("index", 0)
            key = crit.id if not index else f"{crit.id}_t{index}"
            text = piece.get("text") or crit.clean_text or crit.text
            var = self._unevaluable(crit, key, text, "free text without a testable constraint",
                                    role=piece.get("role", "whole"))
            codes = self._condition_codes(key, crit.id, text)
            test = {"===": [{"var": var}, True]} if certain else {"!==": [{"var": var}, False]}
            if not codes:
                return test
            tests = [{"in": [k, {"var": CONDITION_CODES}]} for k in dict.fromkeys(k for k, _ in codes)]
            tests += [{"in": [k, {"var": HISTORY_CODES}]} for k in dict.fromkeys(k for k, h in codes if h)]
            return {"or": tests + [test]}
        if op == "cmp":
            c = node.constraint
            got = self._variable(c)
            if got is None:
                var = self._unevaluable(node.criterion, c.id, c.text,
                                        f"unit {c.unit!r} of {c.subject} cannot be converted", constraint=c.id)
                return {"===": [{"var": var}, True]} if certain else {"!==": [{"var": var}, False]}
            name, value = got
            test: Any = {_OPS[c.op]: [{"var": name}, value]}
            if c.negated:
                test = {"!": test}
            return _guarded(name, test, certain)
        raise ValueError(f"unexpected node {op}")


def _guarded(name: str, test: Any, certain: bool) -> Any:
    """CERTAIN: the variable is there and the test passes; POSSIBLE: it is missing or the test passes."""
    if certain:
        return {"and": [{"!==": [{"var": name}, None]}, test]}
    return {"or": [{"===": [{"var": name}, None]}, test]}


def _verdict(certain: Any, possible: Any) -> Any:
    return {"if": [certain, "eligible", possible, "undetermined", "ineligible"]}


@provide("to_jsonlogic")
def to_jsonlogic(parsed: "ParsedTrial", with_info: bool = True) -> Dict[str, Any]:
    """The trial as a JSON Logic document: {rule, rule_certain, verdict, cohorts, cohort_verdicts,
    variables, unevaluable, ...} (see the module doc)."""
    logic = TrialLogic(parsed)
    b = _Builder(parsed)
    nodes = {c: logic.cohort_node(c, with_info) for c in logic.cohorts} or {None: logic.cohort_node(None, with_info)}
    possible = {c: b.rule(n) for c, n in nodes.items()}
    certain = {c: b.rule(n, certain=True) for c, n in nodes.items()}

    def over(rules: Dict[Any, Any]) -> Any:
        return {"or": list(rules.values())} if len(rules) > 1 else next(iter(rules.values()))

    rule, rule_certain = over(possible), over(certain)
    named = logic.cohorts
    return {
        "format": "jsonlogic",
        "schema_version": SCHEMA_VERSION,
        "trial_id": parsed.trial_id,
        "convention": "tri-state: verdict = if rule_certain then eligible, else if rule then undetermined, "
                      "else ineligible; a test on a missing (absent or null) variable passes in rule "
                      "(POSSIBLE) and fails in rule_certain (CERTAIN)",
        "rule": rule,
        "rule_certain": rule_certain,
        "verdict": _verdict(rule_certain, rule),
        "cohorts": {c: possible[c] for c in named},
        "cohort_verdicts": {c: _verdict(certain[c], possible[c]) for c in named},
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
    if p.conditions and CONDITION_CODES in doc["variables"]:
        data[CONDITION_CODES] = condition_codes(p.conditions)
    if p.conditions and HISTORY_CODES in doc["variables"]:
        data[HISTORY_CODES] = condition_codes(p.conditions, history=True)
    for name, var in doc["variables"].items():
        if name in ("sex", CONDITION_CODES, HISTORY_CODES):
            continue
        pv = p.values.get(var["subject"])
        if pv is None or pv.get("value") is None:
            continue
        if var.get("values") is not None:  # an enumeration ("IIIB")
            data[name] = member_key(pv["value"])
            continue
        try:
            value, unit = float(pv["value"]), pv.get("unit")
        except (TypeError, ValueError):  # not a number: missing for a numeric test, as screening reads it
            continue
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
    crit: Dict[str, Any] = {}
    for u in doc.get("unevaluable", []):  # text pieces the patient's conditions decide, as screening does
        if u.get("constraint"):
            continue
        decide_sex = u.get("role") == "guard" or (u.get("role") == "whole" and u.get("kind") == "exclusion")
        coded = [CodedMention(c["mention"], [{"system": ICD10CM, "code": k, "score": 1.0} for k in c["codes"]],
                              bool(c.get("history"))) for c in u.get("conditions") or []]
        holds, _why = p.text_status(u["text"], decide_sex, coded)
        if holds is not None:
            crit[u["var"].split(".", 1)[1]] = holds
    for cid, v in (patient.get("answers") or {}).items():
        crit[criterion_var(cid).split(".", 1)[1]] = bool(v)
    if crit:
        data["criteria"] = crit
    return data


def condition_codes(conditions: List[str], history: bool = False) -> List[str]:
    """Patient conditions (ICD-10-CM codes or text) as their sure codes with every ancestor down to the
    3-character category, dotted, and the generic ranges of `linking.ranges` holding it: ["G40.909"] -> ["G40",
    "G40.9", "G40.90", "G40.909"], ["C50.911"] -> [..., "C00-C96"]; with `history`, the
    past conditions their personal-history codes name instead: ["Z85.3"] -> ["C50"]."""
    from ..linking.match import dotted, history_codes, patient_codes
    from ..linking.ranges import containing

    out: List[str] = []
    for cond in conditions:
        for code in ([c for c, _ in history_codes(cond)] if history else patient_codes(cond)):
            flat = code.replace(".", "")
            out += [dotted(flat[:n]) for n in range(3, len(flat) + 1)] + containing(code)
    return sorted(set(out))
