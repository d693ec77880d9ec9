"""Hand-built ParsedTrial fixtures for the export / screening / checks tests.

`seed_like(text)` builds, by hand, what issue 2 asks the parser to produce for
the seed trial NCT04532203 (two cohorts, two any-groups, the listed
constraints), with real offsets into the seed text. The tests run the same
assertions on it and on the real `critparse.parse` output, so they hold
independently of the parser's progress and also check the real thing.
"""

from __future__ import annotations

from typing import List, Optional

from critparse.records import Constraint, Criterion, Normalized, ParsedTrial, TrialInfo

CANON = {"creatinine": "mg/dL", "bilirubin": "umol/L"}


def _find(text: str, needle: str, after: int = 0) -> int:
    i = text.find(needle, after)
    assert i >= 0, needle
    return i


class _Builder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.criteria: List[Criterion] = []
        self.constraints: List[Constraint] = []
        self.pos = 0

    def crit(self, cid, parent, kind, cohort, snippet, *, logic=None, role="item", depth=0):
        s = _find(self.text, snippet, self.pos)
        e = s + len(snippet)
        self.pos = s
        c = Criterion(id=cid, parent=parent, kind=kind, cohort=cohort, logic=logic, number=None,
                      text=self.text[s:e], start=s, end=e, role=role, depth=depth, clean_text=snippet)
        self.criteria.append(c)
        return c

    def con(self, crit: Criterion, subject, op, value, unit, snippet, *, rel=None, category="lab",
            norm: Optional[float] = None, code=None, negated=False):
        s = _find(self.text, snippet, crit.start)
        e = s + len(snippet)
        n = len([c for c in self.constraints if c.criterion == crit.id]) + 1
        normalized = None
        if norm is not None:
            normalized = Normalized(norm, CANON.get(subject, unit))
        elif unit is not None and rel is None:
            normalized = Normalized(float(value), unit)
        self.constraints.append(Constraint(
            id=f"{crit.id}#c{n}", criterion=crit.id, kind=crit.kind, cohort=crit.cohort, subject=subject,
            subject_text=snippet.split()[0], op=op, value=float(value), unit=unit, relative_to=rel,
            normalized=normalized, negated=negated, text=self.text[s:e], start=s, end=e,
            category=category, code=code))


def seed_like(text: str, info: Optional[TrialInfo] = None) -> ParsedTrial:
    b = _Builder(text)
    I, E = "inclusion", "exclusion"
    g1 = b.crit("inc.1", None, I, "B-ALL", "Inclusion criteria only for B-ALL:", role="group")
    c = b.crit("inc.1.1", g1.id, I, "B-ALL", "Male or female aged 3-70 years;", depth=1)
    b.con(c, "age", ">=", 3, "a", "aged 3-70 years", category="age")
    b.con(c, "age", "<=", 70, "a", "aged 3-70 years", category="age")
    b.crit("inc.1.2", g1.id, I, "B-ALL", "Histologically confirmed diagnosis of B-ALL", depth=1)
    anyg = b.crit("inc.1.3", g1.id, I, "B-ALL", "Relapsed or refractory CD19+ B-ALL", logic="any", depth=1)
    b.crit("inc.1.3.1", anyg.id, I, "B-ALL", "CR not achieved after standardized chemotherapy;", depth=2)
    c = b.crit("inc.1.3.2", anyg.id, I, "B-ALL", "CR achieved following the first induction", depth=2)
    b.con(c, "cr duration", "<", 12, "mo", "CR duration isless than 12 months", category="duration")
    b.crit("inc.1.3.3", anyg.id, I, "B-ALL", "Ineffectively after first or multiple remedial treatments;", depth=2)
    c = b.crit("inc.1.3.4", anyg.id, I, "B-ALL", "2 or more relapses;", depth=2)
    b.con(c, "relapses", ">=", 2, None, "2 or more relapses", category="count")
    c = b.crit("inc.1.4", g1.id, I, "B-ALL", "The number of primordial cells", depth=1)
    b.con(c, "blasts", ">", 5, "%", "is\\>5%")
    b.con(c, "blasts", ">", 1, "%", "\\>1%")
    b.crit("inc.1.5", g1.id, I, "B-ALL", "Philadelphia-chromosome-negative (Ph-) patients", depth=1)

    g2 = b.crit("inc.2", None, I, "B-NHL", "Inclusion criteria only for B-NHL:", role="group")
    c = b.crit("inc.2.1", g2.id, I, "B-NHL", "Male or female aged 18-75 years;", depth=1)
    b.con(c, "age", ">=", 18, "a", "aged 18-75 years", category="age")
    b.con(c, "age", "<=", 75, "a", "aged 18-75 years", category="age")
    b.crit("inc.2.2", g2.id, I, "B-NHL", "Histologically confirmed diagnosis of DLBCL (NOS)", depth=1)
    anyg = b.crit("inc.2.3", g2.id, I, "B-NHL", "Relapsed or refractory B-NHL", logic="any", depth=1)
    b.crit("inc.2.3.1", anyg.id, I, "B-NHL", "No response or relapse after second-line", depth=2)
    b.crit("inc.2.3.2", anyg.id, I, "B-NHL", "Primary drug resistance;", depth=2)
    b.crit("inc.2.3.3", anyg.id, I, "B-NHL", "Relapse after auto-HSCT;", depth=2)
    c = b.crit("inc.2.4", g2.id, I, "B-NHL", "At least one assessable tumor lesion", depth=1)
    b.con(c, "assessable tumor lesion", ">=", 1, None, "At least one assessable tumor lesion", category="count")

    g3 = b.crit("inc.3", None, I, None, "Common inclusion criteria for B-ALL and B-NHL", role="group")
    b.crit("inc.3.1", g3.id, I, None, "Highly suspected or confirmed central nervous system involvement", depth=1)
    c = b.crit("inc.3.2", g3.id, I, None, "Total bilirubin ≤ 51 umol/L", depth=1)
    b.con(c, "bilirubin", "<=", 51, "umol/L", "bilirubin ≤ 51 umol/L", code="1975-2")
    b.con(c, "alt", "<=", 3, None, "ALT and AST ≤ 3 times of upper limit ofnormal", rel="ULN", code="1742-6")
    b.con(c, "ast", "<=", 3, None, "ALT and AST ≤ 3 times of upper limit ofnormal", rel="ULN", code="1920-8")
    b.con(c, "creatinine", "<=", 176.8, "umol/L", "creatinine ≤ 176.8 umol/L", norm=2.0, code="2160-0")
    c = b.crit("inc.3.3", g3.id, I, None, "Echocardiogram shows left ventricular", depth=1)
    b.con(c, "lvef", ">=", 50, "%", "(LVEF) ≥50%", category="vital")
    c = b.crit("inc.3.4", g3.id, I, None, "No active infection in the lungs", depth=1)
    b.con(c, "spo2", ">=", 92, "%", "is ≥ 92%", category="vital")
    c = b.crit("inc.3.5", g3.id, I, None, "Estimated survival time ≥ 3 months;", depth=1)
    b.con(c, "life expectancy", ">=", 3, "mo", "survival time ≥ 3 months", category="duration")
    c = b.crit("inc.3.6", g3.id, I, None, "ECOG performance status 0 to 2;", depth=1)
    b.con(c, "ecog", ">=", 0, None, "ECOG performance status 0 to 2", category="performance")
    b.con(c, "ecog", "<=", 2, None, "ECOG performance status 0 to 2", category="performance")
    b.crit("inc.3.7", g3.id, I, None, "Patients or their legal guardians volunteer", depth=1)

    b.crit("exc.0", None, E, None, "Subjects with any of the following exclusion criteria", role="note")
    exc = [
        "History of craniocerebral trauma", "Electrocardiogram shows prolonged QT interval",
        "Pregnant (or lactating) women;", "Patients with severe active infections",
        "Active infection of hepatitis B virus", "Concurrent therapy with systemic steroids",
        "Previously treated with any CAR-T cell product", "Creatinine\\>2.5mg/dl",
        "Other uncontrolled diseases", "Patients with HIV infection;", "Any situations that the investigator",
    ]
    for i, snip in enumerate(exc, 1):
        c = b.crit(f"exc.{i}", None, E, None, snip)
        if i == 6:
            b.con(c, "systemic steroids", "<=", 2, "wk", "within 2 weeks prior to screening", category="temporal")
        if i == 8:
            b.con(c, "creatinine", ">", 2.5, "mg/dL", "Creatinine\\>2.5mg/dl", code="2160-0")
            b.con(c, "alt", ">", 3, None, "ALT / AST \\> 3 times of normal amounts", rel="ULN", code="1742-6")
            b.con(c, "ast", ">", 3, None, "ALT / AST \\> 3 times of normal amounts", rel="ULN", code="1920-8")
            b.con(c, "bilirubin", ">", 2.0, "mg/dL", "bilirubin\\>2.0 mg/dl", norm=34.208, code="1975-2")
    return ParsedTrial(trial_id="NCT04532203", text=text, criteria=b.criteria, constraints=b.constraints,
                       info=info or TrialInfo(sex="all", minimum_age="3 Years", maximum_age="75 Years",
                                              source_format="text"))


SEED_PATH = __import__("pathlib").Path(__file__).resolve().parents[1] / "corpora" / "demo" / "NCT04532203.eligibility.md"
SEED_INFO = TrialInfo(sex="all", minimum_age="3 Years", maximum_age="75 Years", source_format="ctgov_v2_json")
PATIENTS_DIR = __import__("pathlib").Path(__file__).parent / "data" / "patients"


def load_patient(name: str) -> dict:
    import json

    return json.loads((PATIENTS_DIR / f"{name}.json").read_text(encoding="utf-8"))


def seed_variant(request, seed_text: str) -> ParsedTrial:
    """The seed trial, hand-built ("handbuilt") or from critparse.parse ("parsed"; a parse that lost the
    constraints or cohorts these tests need fails here); structured fields 3-75 years."""
    import copy

    if request.param == "handbuilt":
        return seed_like(seed_text, copy.deepcopy(SEED_INFO))
    import critparse

    parsed = critparse.parse(seed_text, trial_id="NCT04532203", info=copy.deepcopy(SEED_INFO), mode="fast")
    subjects = {c.subject for c in parsed.constraints}
    assert {"creatinine", "bilirubin", "age"} <= subjects, sorted(subjects)
    assert parsed.cohorts == ["B-ALL", "B-NHL"], parsed.cohorts
    return parsed


def assert_paths_agree(trial: ParsedTrial, doc: dict, patients: List[dict]) -> None:
    """`critparse.screen`, the JSON Logic rule `doc` (its own code tests, without the criteria.* answers
    `patient_data` derives) and set-wise matching give each patient the same verdict."""
    from json_logic import jsonLogic

    import critparse
    from critparse.export.jsonlogic import patient_data
    from critparse.matching.columns import PatientColumns
    from critparse.matching.evaluate import match_trial

    cols = PatientColumns([str(i) for i in range(len(patients))], patients)
    setwise = match_trial(trial, cols).verdict
    names = {1: "eligible", 0: "undetermined", -1: "ineligible"}
    for i, p in enumerate(patients):
        want = critparse.screen(trial, p).verdict
        data = {k: v for k, v in patient_data(p, doc).items() if k != "criteria"}
        assert jsonLogic(doc["verdict"], data) == want, p
        assert names[int(setwise[i])] == want, p
