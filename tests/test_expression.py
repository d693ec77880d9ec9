"""Logic inside a criterion (issue 9, item 4): exceptions, conditionals, definitions, alternatives, read into
`Criterion.expression` and followed by screening and JSON Logic. Real text: the seed trial and the v2 sample."""

from __future__ import annotations

import copy
import json

import pytest

import critparse
from critparse.expression import ConSpan, constraint_ids, criterion_expression, cue_hits
from critparse.export.jsonlogic import patient_data, to_jsonlogic

from _trials import load_patient

pytestmark = pytest.mark.issue(9)


@pytest.fixture(scope="module")
def seed(seed_text):
    return critparse.parse(seed_text, trial_id="NCT04532203", mode="fast")


@pytest.fixture(scope="module")
def v2(corpora):
    from critparse.corpora import v2_sample_records

    folder = corpora / "ctgov_v2_json_sample" / "original"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    recs = {tid: (text, tid, info) for text, tid, info in v2_sample_records(folder)}
    return lambda tid: critparse.parse(*recs[tid][:2], info=recs[tid][2], mode="fast")


def one(text: str, kind: str = "exclusion"):
    """A one-criterion trial built from `text` (inputs quoted in issue 9)."""
    head = "Inclusion Criteria:" if kind == "inclusion" else "Exclusion Criteria:"
    return critparse.parse(f"{head}\n\n* {text}", mode="fast")


def crit_with(parsed, needle: str):
    (c,) = [c for c in parsed.criteria if c.role == "item" and needle in (c.clean_text or c.text)]
    return c


def cons_of(parsed, crit):
    return [k for k in parsed.constraints if k.criterion == crit.id]


def status(parsed, patient, cid):
    return critparse.screen(parsed, patient).by_criterion()[cid].status


def agrees(parsed, patient):
    """Screening and the JSON Logic verdict rule give the same verdict."""
    from json_logic import jsonLogic

    doc = to_jsonlogic(parsed)
    assert jsonLogic(doc["verdict"], patient_data(patient, doc)) == critparse.screen(parsed, patient).verdict


# -- the records contract ----------------------------------------------------------

def test_every_item_has_an_expression_naming_each_of_its_constraints_once(seed):
    for c in seed.criteria:
        if c.role != "item":
            assert c.expression is None
            continue
        own = sorted(k.id for k in seed.constraints if k.criterion == c.id)
        assert sorted(constraint_ids(c.expression)) == own, c.id
        for piece in _pieces(c.expression):  # text pieces point into the original text
            assert seed.text[piece["start"]:piece["end"]].split() != [] and piece["start"] >= c.start


def _pieces(e):
    if isinstance(e, dict):
        if "text" in e:
            yield e
        for v in e.values():
            yield from _pieces(v)
    elif isinstance(e, list):
        for v in e:
            yield from _pieces(v)


def test_expression_round_trips_through_json(seed):
    back = critparse.ParsedTrial.from_json(seed.to_json())
    assert [c.expression for c in back.criteria] == [c.expression for c in seed.criteria]
    assert back.schema_version == critparse.SCHEMA_VERSION


def test_schema_1_records_get_an_expression_from_their_text(seed):
    """A parse saved without expressions (schema 1.0) is read the same way when screened."""
    old = json.loads(seed.to_json())
    for c in old["criteria"]:
        c.pop("expression")
    old["schema_version"] = "1.0"
    legacy = critparse.ParsedTrial.from_dict(old)
    p = dict(load_patient("seed_pass"), conditions=["urinary tract infection"])
    assert critparse.screen(legacy, p).by_criterion()["exc.4"].status == "not_met"


def test_cues_are_data_with_a_source():
    from critparse import resources

    rows = [r for r in resources.read_jsonl("clause_cues.jsonl") if "type" in r]
    assert {r["type"] for r in rows} == {"exception", "permission", "condition", "ignore", "definition", "alternative_guard"}
    assert all(r["source"] and r["records"] >= 2 for r in rows)
    assert [c.type for _s, _e, c in cue_hits("Age >= 18 (if applicable), except if pregnant")] == ["exception"]


# -- exceptions ----------------------------------------------------------------------

def test_seed_exception_does_not_exclude_a_urinary_tract_infection(seed):
    exc4 = crit_with(seed, "severe active infections")
    assert "unless" in exc4.expression
    p = load_patient("seed_pass")
    assert status(seed, dict(p, conditions=["urinary tract infection"]), exc4.id) == "not_met"
    why = critparse.screen(seed, dict(p, conditions=["urinary tract infection"])).by_criterion()[exc4.id].reason
    assert why.startswith("exception applies: 'simple urinary tract infection")
    assert status(seed, dict(p, conditions=["B-ALL"]), exc4.id) == "unknown"
    # the same patient with HIV is excluded by exc.10: the exception is local to exc.4
    assert critparse.screen(seed, dict(p, conditions=["urinary tract infection", "HIV infection"])).verdict == \
        "ineligible"
    agrees(seed, dict(p, conditions=["urinary tract infection"]))


def test_seed_except_for_inhaled_steroids(seed):
    exc6 = crit_with(seed, "systemic steroids")
    assert exc6.expression["unless"][0]["text"].endswith("inhaled steroids")
    p = dict(load_patient("seed_pass"), **{"systemic steroids": {"value": 1, "unit": "wk"}})
    assert status(seed, p, exc6.id) == "unknown"  # within 2 weeks, and the exception is not known
    assert status(seed, dict(p, conditions=["inhaled steroids"]), exc6.id) == "not_met"
    assert status(seed, dict(p, **{"systemic steroids": {"value": 8, "unit": "wk"}}), exc6.id) == "not_met"


def test_allowed_if_is_a_carve_out(v2):
    """NCT05809934: 'TBL > 1.5 mg/dL (TBL > 1.5 mg/dL is allowed if conjugated bilirubin is < 1.5 x ULN)'."""
    p = v2("NCT05809934")
    crit = crit_with(p, "is allowed if conjugated bilirubin")
    tbl, _again, direct = cons_of(p, crit)
    assert crit.expression == {"rule": {"constraint": tbl.id},
                               "unless": [{"all": [{"constraint": _again.id}, {"constraint": direct.id}]}]}

    def patient(total, conj):
        return {"labs": {tbl.subject: {"value": total, "unit": tbl.unit},
                         direct.subject: {"value": conj, "unit": direct.relative_to}}}

    assert status(p, patient(2.0, 1.0), crit.id) == "not_met"  # allowed: not excluded
    assert status(p, patient(2.0, 2.0), crit.id) == "met"
    assert status(p, patient(1.0, 2.0), crit.id) == "not_met"
    assert status(p, {"labs": {tbl.subject: {"value": 2.0, "unit": tbl.unit}}}, crit.id) == "unknown"


# -- conditionals ---------------------------------------------------------------------

def test_two_age_guards_are_not_a_contradiction(v2):
    """NCT05814159: 'If < 16 years of age at disease onset, ... If >= 16 years ...' is not age < 16 AND >= 16."""
    p = v2("NCT05814159")
    crit = crit_with(p, "years of age at disease onset")
    assert [set(b) for b in crit.expression["all"]] == [{"when", "then"}, {"when", "then"}]
    for age in (10, 30):
        r = critparse.screen(p, {"age": age})
        assert r.by_criterion()[crit.id].status == "unknown"  # the branch that applies is free text
        assert r.verdict != "ineligible"
    assert not [f for f in p.check() if f.kind == "gap" and f.subject == "age"]


def test_guarded_bounds_by_age():
    p = one("For patients aged >= 65 years: creatinine clearance >= 50 mL/min; for patients aged < 65 years: "
            "creatinine clearance >= 60 mL/min", kind="inclusion")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    assert [set(b) for b in crit.expression["all"]] == [{"when", "then"}, {"when", "then"}]
    crcl = cons_of(p, crit)[1]

    def patient(age, value):
        return {"age": age, crcl.subject: {"value": value, "unit": crcl.unit}}

    assert status(p, patient(70, 55), crit.id) == "met"
    assert status(p, patient(50, 55), crit.id) == "not_met"
    assert critparse.screen(p, {"age": 50}).verdict == "undetermined"
    agrees(p, patient(70, 55))
    agrees(p, patient(50, 55))


def test_childbearing_guard_does_not_test_men():
    p = one("Women of childbearing potential must have a negative serum pregnancy test within 7 days prior to "
            "enrollment", kind="inclusion")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    assert crit.expression["when"]["text"] == "Women of childbearing potential"
    assert status(p, {"sex": "male"}, crit.id) == "met"
    assert status(p, {"sex": "female"}, crit.id) == "unknown"


def test_seed_pregnancy_exclusion_does_not_apply_to_men(seed):
    exc3 = crit_with(seed, "Pregnant")
    assert status(seed, dict(load_patient("seed_pass"), sex="male"), exc3.id) == "not_met"
    assert status(seed, load_patient("seed_pass"), exc3.id) == "unknown"  # a woman: not known


# -- definitions ----------------------------------------------------------------------

def test_definition_defines_the_criterion(v2):
    """NCT05923281: 'uncontrolled hypertension (SBP >= 160 mmHg or DBP >= 100 mmHg)'."""
    p = v2("NCT05923281")
    crit = crit_with(p, "uncontrolled hypertension")
    sbp, dbp = cons_of(p, crit)
    assert crit.expression["term"]["text"].endswith("uncontrolled hypertension")
    assert crit.expression["definition"] == {"any": [{"constraint": sbp.id}, {"constraint": dbp.id}]}

    def patient(s, d):
        return {sbp.subject: {"value": s, "unit": sbp.unit}, dbp.subject: {"value": d, "unit": dbp.unit}}

    assert status(p, patient(170, 80), crit.id) == "met"
    assert status(p, patient(130, 80), crit.id) == "not_met"


def test_not_well_controlled_negates_its_definition(v2):
    """NCT05832827: 'Blood pressure is not well controlled (..., systolic blood pressure is 150 mmHg or less and
    diastolic blood pressure is 90 mmHg or less)' excludes the uncontrolled, not the controlled."""
    p = v2("NCT05832827")
    crit = crit_with(p, "not well controlled")
    assert "not" in crit.expression["definition"]
    by = {c.subject: c for c in cons_of(p, crit)}
    sbp = next(c for s, c in by.items() if "systolic" in s)
    dbp = next(c for s, c in by.items() if "diastolic" in s)
    drugs = next(c for c in by.values() if c not in (sbp, dbp))

    def patient(s):
        return {sbp.subject: {"value": s, "unit": sbp.unit}, dbp.subject: {"value": 80, "unit": dbp.unit},
                drugs.subject: 1}

    assert status(p, patient(140), crit.id) == "not_met"  # controlled: not excluded
    assert status(p, patient(165), crit.id) == "met"
    agrees(p, patient(140))


# -- alternatives ---------------------------------------------------------------------

def test_bmi_alternatives(v2):
    """NCT05813925: 'a) BMI >= 27.0 kg/m^2 with >= 2 obesity-related complications or b) BMI >= 35.0 kg/m^2 with
    >= 1 obesity-related complication'."""
    p = v2("NCT05813925")
    crit = crit_with(p, "obesity-related complications or b)")
    bmi27, comp2, bmi35, comp1 = cons_of(p, crit)[:4]
    assert {"any": [{"all": [{"constraint": bmi27.id}, {"constraint": comp2.id}]},
                    {"all": [{"constraint": bmi35.id}, {"constraint": comp1.id}]}]} in crit.expression["all"]

    # no BMI: neither way in is closed by 3 complications; none is open with 0
    assert status(p, {comp2.subject: 3, comp1.subject: 3}, crit.id) == "unknown"
    assert status(p, {comp2.subject: 0, comp1.subject: 0}, crit.id) == "not_met"


def test_alternative_bound_with_its_own_guard():
    """Issue 9: 'ANC >= 1.5, or >= 1.0 x 10^9/L if bone marrow is involved'."""
    p = one("Absolute neutrophil count (ANC) >= 1.5 x 10^9/L, or >= 1.0 x 10^9/L if bone marrow is involved",
            kind="inclusion")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    anc = cons_of(p, crit)[0]
    assert crit.expression["any"][0] == {"constraint": anc.id} and "when" in crit.expression["any"][1]
    assert status(p, {"labs": {anc.subject: {"value": 2.0, "unit": anc.unit}}}, crit.id) == "met"
    low = {"labs": {anc.subject: {"value": 1.2, "unit": anc.unit}}}
    assert status(p, low, crit.id) == "unknown"  # allowed only if the marrow is involved: not known
    assert critparse.screen(p, low).verdict == "undetermined"
    # an alternative that does not apply is no way in: 1.2 with no marrow involvement fails
    assert status(p, {"labs": {anc.subject: {"value": 0.8, "unit": anc.unit}}}, crit.id) == "not_met"
    agrees(p, low)


def test_bracketed_alternative_bound_with_a_guard():
    """A looser bound in brackets for a group of patients is a way in for that group, not an and-ed bound.
    Legacy record text: 'SGOT/SGPT less than 2.5 times ULN (less than 5 times ULN with liver metastases)'.
    Before, both bounds were and-ed, so a patient with liver metastases at 3 x ULN was ruled out."""
    p = one("SGOT/SGPT less than 2.5 times ULN (less than 5 times ULN with liver metastases)", kind="inclusion")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    cons = cons_of(p, crit)
    assert {(c.subject, c.value) for c in cons} == {("ast", 2.5), ("alt", 2.5), ("ast", 5.0), ("alt", 5.0)}
    ast = {c.value: c for c in cons if c.subject == "ast"}
    branches = crit.expression["all"]
    assert {"any": [{"constraint": ast[2.5].id},
                    {"when": {"text": "liver metastases", "start": crit.start + crit.text.index("liver"),
                              "end": crit.start + crit.text.index(")")},
                     "then": {"constraint": ast[5.0].id}}]} in branches

    def labs(x):
        return {"labs": {"ast": {"value": x, "unit": "ULN"}, "alt": {"value": 1.0, "unit": "ULN"}}}

    assert status(p, labs(2.0), crit.id) == "met"
    assert status(p, labs(3.0), crit.id) == "unknown"  # allowed only with liver metastases: not known
    assert status(p, labs(6.0), crit.id) == "not_met"
    agrees(p, labs(3.0))


def test_bracketed_alternative_in_an_exclusion_and_a_v2_record(v2):
    """The exclusion form: the looser bound decides where the guard holds (NCT05923281, v2 sample:
    'fasting serum TG <= 150 mg/dL (<=175 mg/dL when not fasting)' is an inclusion's way in)."""
    p = one("Aspartate aminotransferase greater than 2.5 times ULN (greater than 5 times ULN if liver "
            "metastases present)")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    ast = {c.value: c for c in cons_of(p, crit)}
    assert crit.expression["all"][0] == {"constraint": ast[2.5].id}
    assert crit.expression["all"][1]["then"] == {"constraint": ast[5.0].id}
    for x, want in ((2.0, "not_met"), (3.0, "unknown"), (6.0, "met")):
        assert status(p, {"labs": {ast[2.5].subject: {"value": x, "unit": "ULN"}}}, crit.id) == want
    tg = v2("NCT05923281")
    crit = crit_with(tg, "when not fasting")
    (alt,) = [e for e in crit.expression["all"] if "any" in e] if "all" in crit.expression else [crit.expression]
    assert alt["any"][1]["when"]["text"] == "not fasting"


def test_any_of_key_makes_alternatives():
    """Constraints sharing an `any_of` key ('Lansky or Karnofsky >= 70') combine with any."""
    text = "Lansky or Karnofsky performance status >= 70"
    spans = [ConSpan("inc.1#c1", 0, len(text), "lansky", "k1"), ConSpan("inc.1#c2", 10, len(text), "karnofsky", "k1")]
    assert criterion_expression(text, "inclusion", spans) == {
        "any": [{"constraint": "inc.1#c1"}, {"constraint": "inc.1#c2"}]}
    assert criterion_expression(text, "inclusion", [ConSpan(s.id, s.start, s.end, s.subject) for s in spans]) == {
        "all": [{"constraint": "inc.1#c1"}, {"constraint": "inc.1#c2"}]}


def test_limits_for_two_routes_are_alternatives():
    """"Busulfan (Total dose > 7.2 mg/kg IV or >9.0mg/kg orally)" (LCT NCT03865589): one dose's limit for either
    route; both bounds required would exclude 8 mg/kg given IV."""
    tr = one("Busulfan (Total dose > 7.2 mg/kg IV or >9.0mg/kg orally) + Cyclophosphamide", "inclusion")
    assert [(c.subject, c.value) for c in tr.constraints] == [("busulfan total dose", 7.2), ("busulfan total dose", 9.0)]
    assert tr.criteria[0].expression == {"any": [{"constraint": c.id} for c in tr.constraints]}


def test_missing_data_is_never_ineligible(seed):
    """Every expression form on the seed: a patient with no data is undetermined, in screening and JSON Logic."""
    for patient in ({}, {"sex": "female"}, {"conditions": ["urinary tract infection"]}):
        assert critparse.screen(seed, patient).verdict == "undetermined"
        agrees(seed, copy.deepcopy(patient))


# -- exporters follow the expression ----------------------------------------------------

def test_fhir_and_sql_keep_guarded_bounds_out_of_the_flat_readings():
    """A bound under a guard is not a Group characteristic of its own nor a `standalone` SQL row; the
    EvidenceVariable holds the guard."""
    from critparse.export.fhir import to_evidence_variable, to_group, validate
    from critparse.export.frames import constraint_rows

    p = one("For patients aged >= 65 years: creatinine clearance >= 50 mL/min; for patients aged < 65 years: "
            "creatinine clearance >= 60 mL/min", kind="inclusion")
    group, ev = to_group(p), to_evidence_variable(p)
    validate(group), validate(ev)
    typed = [ch for ch in group["characteristic"] if "valueQuantity" in ch or "valueRange" in ch]
    assert typed == []  # every bound is guarded
    (whole,) = [ch for ch in group["characteristic"] if ch.get("valueBoolean")]
    assert any(x["url"].endswith("expression") and '"when"' in x["valueString"] for x in whole["extension"])
    combos = json.dumps(ev["characteristic"])
    assert '"any-of"' in combos and '"exclude": true' in combos  # (not guard) or then
    assert [r["standalone"] for r in constraint_rows(p)] == [False] * 4

    plain = one("Creatinine clearance >= 60 mL/min", kind="inclusion")
    assert [r["standalone"] for r in constraint_rows(plain)] == [True]
    assert [ch for ch in to_group(plain)["characteristic"] if "valueQuantity" in ch]


def test_seed_exception_in_fhir(seed):
    from critparse.export.fhir import to_group

    group = to_group(seed)
    exc6 = [ch for ch in group["characteristic"]
            if any(x["url"].endswith("criterion") and x.get("valueString") == "exc.6" for x in ch["extension"])]
    # the steroid window is no standalone reason to exclude (an exception may apply): one expression characteristic
    assert len(exc6) == 1 and exc6[0]["valueBoolean"] is True and exc6[0]["exclude"] is True


def test_set_membership_constraint_is_screened_and_exported():
    """op "in" (records contract: `values`), as the constraints engineer gives for 'stage IIIB, IIIC or IVA'."""
    from json_logic import jsonLogic

    from critparse.export.fhir import to_fhir, validate
    from critparse.records import Constraint, Criterion, ParsedTrial

    text = "Stage IIIB, IIIC or IVA disease"
    crit = Criterion("inc.1", None, "inclusion", None, None, None, text, 0, len(text))
    con = Constraint("inc.1#c1", "inc.1", "inclusion", None, "stage", "Stage", "in", 0.0, None, None, None, False,
                     text[:23], 0, 23, values=["IIIB", "IIIC", "IVA"])
    p = ParsedTrial("T-IN", text, [crit], [con])
    assert status(p, {"stage": "IIIc"}, "inc.1") == "met"
    assert status(p, {"stage": "II"}, "inc.1") == "not_met"
    assert status(p, {}, "inc.1") == "unknown"
    doc = to_jsonlogic(p)
    assert doc["variables"]["stage"]["values"] == ["IIIB", "IIIC", "IVA"]
    for patient in ({"stage": "IIIc"}, {"stage": "II"}, {}):
        assert jsonLogic(doc["verdict"], patient_data(patient, doc)) == critparse.screen(p, patient).verdict
    validate(to_fhir(p, "group")), validate(to_fhir(p, "evidencevariable"))
    assert p.check() == []


def test_exception_in_brackets_is_never_a_reason_to_exclude(v2):
    """NCT05819398: 'Participants with a transplanted organ (with exception of a corneal transplant >12 weeks
    prior to screening) ...': the transplant window is the exception, not the exclusion."""
    p = v2("NCT05819398")
    crit = crit_with(p, "transplanted organ")
    (c1,) = cons_of(p, crit)
    assert crit.expression["unless"] == [{"constraint": c1.id}]
    assert status(p, {c1.subject: {"value": 20, "unit": c1.unit}}, crit.id) == "not_met"
    assert status(p, {c1.subject: {"value": 4, "unit": c1.unit}}, crit.id) == "unknown"


def test_wocbp_guard_after_an_article(v2):
    """NCT05897541: 'A WOCBP must have a negative urine pregnancy test within 24 hours before ...'."""
    p = v2("NCT05897541")
    crit = crit_with(p, "A WOCBP must have")
    (c1,) = cons_of(p, crit)
    assert crit.expression == {"when": {"text": "WOCBP", "start": crit.expression["when"]["start"],
                                        "end": crit.expression["when"]["end"]}, "then": {"constraint": c1.id}}
    assert status(p, {"sex": "male"}, crit.id) == "met"


def test_long_guard_before_its_comma_or_colon():
    """A guard clause of 80-120 characters before its ':' still guards (NCT00001573 inc. 18, XML dump): the
    lower counts apply only to patients with marrow involvement, a transplant or craniospinal radiotherapy."""
    p = one("For patients with bone marrow involvement or history of bone marrow transplantation or craniospinal "
            "radiotherapy: AGC greater than 750/mm(3), Hemoglobin greater than 6.0 g/dL, Platelet count greater "
            "than 50,000/mm(3).", kind="inclusion")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    assert set(crit.expression) == {"when", "then"}
    assert crit.expression["when"]["text"].startswith("with bone marrow involvement")
    assert sorted(constraint_ids(crit.expression["then"])) == sorted(c.id for c in cons_of(p, crit))


# -- guards, permissions and arms read from untuned legacy records (XML dump) -----------------------

def test_guard_keeps_its_own_selecting_bound():
    """NCT00498316 inc.15: the bound in 'For children < 7 years of age who ...' selects the guard's patients;
    it was and-ed outside the guard, so every adult failed the criterion."""
    p = one("For children < 7 years of age who are unable to perform pulmonary function test (PFT), oxygen "
            "saturation > 92% on room air by pulse oximetry.", kind="inclusion")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    age, spo2 = cons_of(p, crit)
    assert (age.subject, age.op, age.value) == ("age", "<", 7.0)
    assert set(crit.expression) == {"when", "then"} and crit.expression["then"] == {"constraint": spo2.id}
    guard = crit.expression["when"]["all"]
    assert guard[0] == {"constraint": age.id} and guard[1]["text"].startswith("who are unable to perform")
    assert status(p, {"age": 30}, crit.id) == "met"
    assert status(p, {"age": 5}, crit.id) == "unknown"  # whether the child can perform the PFT is not known
    agrees(p, {"age": 30})


def test_guard_bound_with_more_words_keeps_them():
    """NCT00001573 inc.29: 'For patients with brain tumors who are over 18 years of age, ...': the guard is the
    age bound AND the brain tumour, so a child is not tested and an adult without data is not known."""
    p = one("For patients with brain tumors who are over 18 years of age, a DPA should be signed.", kind="inclusion")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    (age,) = cons_of(p, crit)
    assert constraint_ids(crit.expression["when"]) == [age.id]
    assert "brain tumors" in json.dumps(crit.expression["when"])
    assert status(p, {"age": 10}, crit.id) == "met"
    assert status(p, {"age": 40}, crit.id) == "unknown"


@pytest.mark.parametrize("text, allowed_age, other_age", [
    # NCT00000174 inc.1: "55-85 years" and "older than 85" were and-ed: no patient could meet it
    ("Are aged 55-85 years, inclusive. Subjects older than 85 years may be eligible to participate, with "
     "approval of the designated study medical monitor.", 90, 40),
    # NCT00498316 inc.10: the permission for 55-65 year olds was a requirement for everyone
    ("Age greater than or equal to 1 year but less than or equal to 55 years. Eligibility for pediatric "
     "patients will be determined in conjunction with an MD Anderson Cancer Center (MDACC) pediatrician. "
     "Patients >55 but < 65 years who have a Performance Status of 0 or 1 and no comorbidities may receive "
     "the myeloablative regimen 4 at the discretion of the investigator(s).", 60, 70),
])
def test_permission_after_a_rule_is_a_way_in_never_a_requirement(text, allowed_age, other_age):
    p = one(text, kind="inclusion")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    assert set(crit.expression) == {"rule", "unless"}
    assert status(p, {"age": allowed_age, "ecog": 1}, crit.id) == "unknown"  # let in on a condition not known
    assert status(p, {"age": other_age, "ecog": 1}, crit.id) == "not_met"  # the permission does not reach them
    agrees(p, {"age": allowed_age, "ecog": 1})


def test_permission_standing_alone_is_never_a_requirement():
    """'X may participate' alone (NCT00001147 inc.2): X lets a patient in; for the others the sentence does not
    say (never met by default, never not met); NCT00000970 inc.4.2: 'Patients < 18 years of age may
    participate with the consent of ...' after a rule is a way in, not 'age < 18' for everyone."""
    p = one("Children of any age above 4 years may participate.", kind="inclusion")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    assert set(crit.expression) == {"any"}
    assert status(p, {"age": 10}, crit.id) == "met"
    assert status(p, {"age": 3}, crit.id) == "unknown"
    p = one("Be capable of giving informed consent. Patients < 18 years of age may participate with the consent "
            "of parent, guardian, or person with power of attorney.", kind="inclusion")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    assert status(p, {"age": 40}, crit.id) != "not_met"


def test_permission_in_an_exclusion_carves_out():
    """NCT00000697 exc.6: '..., although patients with ... may be enrolled': the rule with an exception, not
    one piece; NCT00001379 exc.7: 'X may be included provided that Y' alone: X excludes unless Y."""
    p = one("Any clinically significant pulmonary or neurologic impairment (i.e., patients who are intubated or "
            "comatose), although patients with a history of a seizure disorder or a central nervous system (CNS) "
            "mass lesion may be enrolled.")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    assert crit.expression["rule"]["text"].endswith("comatose)")
    assert crit.expression["unless"][0]["text"].startswith("patients with a history of a seizure disorder")
    p = one("Patients with prior hepatitis B exposure may be included in the study provided that they have HBV "
            "DNA levels below the World Health Organization s cutoff of 100 IU/mL prior to starting therapy.")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    assert crit.expression["rule"]["text"] == "Patients with prior hepatitis B exposure"
    assert crit.expression["unless"][0]["text"].startswith("they have HBV DNA")


def test_regimen_specific_bounds_are_guarded_by_their_regimen():
    """NCT00498316 inc.16 / inc.11: bounds per regimen ('(Myeloablative Regimen 4, ...) or ... (Nonmyeloablative
    Regimen 2)') apply to that regimen only; the regimen is no patient fact, so they give unknown, never not_met.
    The second bound's subject is the creatinine, not the regimen label before it."""
    p = one("Creatinine < 1.6 mg/dL (Myeloablative Regimen 4, Reduced Intensity Regimen 3) or < 3.0 mg/dL "
            "(Nonmyeloablative Regimen 2).", kind="inclusion")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    c1, c2 = cons_of(p, crit)
    assert [(c.subject, c.op, c.value) for c in (c1, c2)] == [("creatinine", "<", 1.6), ("creatinine", "<", 3.0)]
    assert crit.expression == {"all": [
        {"when": crit.expression["all"][0]["when"], "then": {"constraint": c1.id}},
        {"when": crit.expression["all"][1]["when"], "then": {"constraint": c2.id}}]}
    assert crit.expression["all"][1]["when"]["text"] == "Nonmyeloablative Regimen 2"

    def creat(v):
        return {"creatinine": {"value": v, "unit": "mg/dL"}}

    assert status(p, creat(1.0), crit.id) == "met"
    assert status(p, creat(2.0), crit.id) == "unknown"
    assert status(p, creat(4.0), crit.id) == "unknown"
    agrees(p, creat(2.0))
    p = one("Age greater than 55 years and less than or equal to 80 years (Nonmyeloablative Regimen 2)",
            kind="inclusion")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    assert crit.expression["when"]["text"] == "Nonmyeloablative Regimen 2"
    assert status(p, {"age": 30}, crit.id) == "unknown"


def test_arm_label_before_a_colon_guards_the_criterion():
    """NCT00000958: 'Part B: ...' / 'Part A: ...' criteria of one arm; 'CDC Group IV-A' is no arm."""
    p = one("Part B: Zidovudine (AZT), tolerating a dose of 500 - 600 mg/day for at least 4 months prior to entry.",
            kind="inclusion")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    assert crit.expression["when"]["text"] == "Part B"
    assert sorted(constraint_ids(crit.expression["then"])) == sorted(c.id for c in cons_of(p, crit))
    assert not [h for h in cue_hits("symptomatic HIV infection (CDC Group IV-A)") if h[2].id == "arm_label"]


def test_legacy_record_read_by_hand_no_longer_rules_out_a_30_year_old(corpora):
    """NCT00498316 (XML dump), read by hand: a 30-year-old with KPS 80 / ECOG 1 was screened ineligible through
    inc.10 (a permission for 55-65 year olds and-ed as mandatory), inc.11 (the age range of regimen 2 only) and
    inc.15 (the '< 7 years' of the children's guard and-ed outside the guard). None of them rules him out now."""
    import gzip

    path = corpora / "ctgov_xml_2023" / "derived" / "eligibility.jsonl.gz"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rec = next(r for r in map(json.loads, fh) if r["nct_id"] == "NCT00498316")
    p = critparse.parse(rec["criteria"], trial_id="NCT00498316", mode="fast")
    patient = {"age": 30, "karnofsky": 80, "ecog": 1, "sex": "male"}
    res = critparse.screen(p, patient)
    assert res.verdict == "undetermined"
    by = res.by_criterion()
    assert by["inc.10"].status == "met"  # 1-55 years (regimen 4); the 55-65 permission does not bind him
    assert by["inc.11"].status == "unknown"  # > 55 and <= 80 years is regimen 2's range only
    assert by["inc.15"].status == "unknown"  # the DLCO is not known; the children's guard does not hold
    assert not [c for c in p.constraints if c.subject in ("donate", "reduced intensity regimen")]
    inc16 = [c for c in p.constraints if c.criterion == "inc.16"]
    assert [(c.subject, c.op, c.value) for c in inc16] == [("creatinine", "<", 1.6), ("creatinine", "<", 3.0)]
    agrees(p, patient)


@pytest.mark.parametrize("text", [
    "Age below 18 years or above 80 years.",  # LCT NCT03926585 exc.3
    "Subject under 18 years or over 70 years",  # LCT NCT03922282 exc.4
    "Age less than 18 years or greater than 65 years.",  # NCT00001716 exc.2 (XML dump)
])
def test_either_side_of_an_age_range_excludes(text):
    """The second bound's span reaches back over the first ('Age below 18 years or above 80 years'): the 'or'
    is its own words, so the bounds are alternatives; and-ed, no patient was ever excluded."""
    p = one(text)
    (crit,) = [c for c in p.criteria if c.role == "item"]
    assert set(crit.expression) == {"any"}
    assert status(p, {"age": 10}, crit.id) == "met"
    assert status(p, {"age": 90}, crit.id) == "met"
    assert status(p, {"age": 40}, crit.id) == "not_met"
    agrees(p, {"age": 10})


def _inclusion_item(text):
    """The parsed trial of one inclusion item and that item."""
    p = one(text, kind="inclusion")
    (crit,) = [c for c in p.criteria if c.role == "item"]
    return p, crit


def test_or_of_a_comparison_phrase_is_no_alternative():
    """LCT NCT03923439 inc.3: the 'or' of '1.8 or more, with ...' split the criterion into alternatives, so
    the MRI window alone met it; 'or more' / 'or older' / 'or equal' are words of a comparison."""
    p, crit = _inclusion_item("With acute MRI performed within the first 24h and showing significant penumbra defined "
                              "as ratio between the volumes of critically hypoperfused tissue (defined by Tmax>6s) and "
                              "the ischemic core (defined by ADC<600 × 10-6 mm2/s) of 1.8 or more, with an absolute "
                              "difference of 15 mL or more and ischemic core volume of less than 70 mL.")
    assert "any" not in json.dumps(crit.expression)
    assert len(constraint_ids(crit.expression)) == len(cons_of(p, crit)) >= 3
    # and an 'or' followed by a new comparison still joins alternatives
    _, crit = _inclusion_item("ECOG 0 to 2 or Karnofsky 60 or more")
    assert "any" in crit.expression


def test_or_inside_a_phrase_before_an_and_is_no_alternative():
    """Chia NCT00954850 inc.1: the 'or' of 'SA or mild-moderate asthma' lies between the age bound and the
    follow-up duration, but the 'and' after it joins them: an adult followed for 2 months does not meet it
    (with the 'or' read as alternatives, the age alone met the criterion)."""
    p, crit = _inclusion_item("Adults (18 and older) with physiologically confirmed SA or mild-moderate asthma and "
                              "followed by an asthma specialist for at least 6 months.")
    assert "any" not in json.dumps(crit.expression)
    assert len(constraint_ids(crit.expression)) == len(cons_of(p, crit)) >= 2
    # 'or' with no 'and' after it still joins alternatives
    _, crit = _inclusion_item("Adults (18 and older) or followed by an asthma specialist for at least 6 months.")
    assert "any" in json.dumps(crit.expression)


# -- a guard written after its clause: "for patients < 18", "No X in patients over 50" (ctgov_xml_2023) ----------

def _item(text):
    parsed = critparse.parse("Inclusion Criteria:\n- " + text + "\n", mode="fast")
    return parsed, [c for c in parsed.criteria if c.role == "item"][0]


def test_trailing_age_guard_for_patients():
    # NCT00000874: a requirement for minors only; read as "age < 18" it excluded every adult
    parsed, crit = _item("Signed, informed consent from a parent or legal guardian for patients < 18 years of age.")
    assert set(crit.expression) == {"when", "then"}
    assert critparse.screen(parsed, {"age": 40}).verdict == "eligible"
    # NCT00003173: the scale applies to patients over 16
    parsed, crit = _item("Karnofsky 60-100% for patients over 16")
    assert set(crit.expression) == {"when", "then"}
    assert critparse.screen(parsed, {"age": 10}).verdict == "eligible"
    assert critparse.screen(parsed, {"age": 40, "karnofsky": 50}).verdict == "ineligible"


def test_age_after_a_negated_clause_is_its_guard_not_negated():
    # NCT00002845: "no" negates the stress test, not the age
    parsed, crit = _item("No abnormal cardiac stress test in patients over 50 years of age or with possible cardiac disease")
    age = [c for c in parsed.constraints if c.subject == "age"]
    assert [(c.op, c.value, c.negated) for c in age] == [(">", 50.0, False)]
    assert set(crit.expression) == {"when", "then"}
    assert critparse.screen(parsed, {"age": 30}).verdict == "eligible"
    assert critparse.screen(parsed, {"age": 70}).verdict == "undetermined"
    # NCT00003437: an 'if' guard
    parsed, _ = _item("No MLL gene rearrangements if 12 to 24 months old")
    assert [c.negated for c in parsed.constraints] == [False, False]


def test_age_in_a_positive_clause_stays_required():
    # NCT00002798: the disease and the age are both required
    parsed, crit = _item("Histologically confirmed previously untreated acute myeloid leukemia (AML) in patients 1 month "
                         "to 21 years of age")
    assert "when" not in crit.expression
    assert critparse.screen(parsed, {"age": 40}).verdict == "ineligible"


def test_inline_sub_headings_and_run_on_no_items_bound_exceptions_and_alternatives():
    """PDQ-style records lost their line breaks ("... No arrhythmias unless medically controlled Pulmonary: FEV1 at
    least 50% predicted", NCT00005613): the exception reached across the next sub-heading and made the FEV1 and DLCO
    requirements its own branch, and an "OR" in one section made the whole criterion an "any" (113 criteria of the
    XML extract)."""
    import critparse

    text = ("Inclusion Criteria:\n- Renal: Creatinine no greater than 1.5 mg/dL OR Creatinine clearance at least 60 mL/min "
            "Cardiovascular: LVEF at least 45% by MUGA scan No myocardial infarction within the past 6 months No "
            "arrhythmias unless medically controlled Pulmonary: FEV1 at least 50% predicted DLCO at least 50% predicted")
    p = critparse.parse(text, mode="fast")
    expr = p.criteria[0].expression
    subj = {c.id: c.subject for c in p.constraints}

    def walk(e, path=()):
        if isinstance(e, dict):
            if "constraint" in e:
                yield subj[e["constraint"]], path
            for k, v in e.items():
                for x in (v if isinstance(v, list) else [v]):
                    yield from walk(x, path + (k,))

    where = dict(walk(expr))
    assert where["fev1"] == where["dlco"] and "unless" not in where["fev1"] and "any" not in where["fev1"], expr
    assert "any" in where["creatinine"] and "any" in where["creatinine clearance"], expr
    assert "any" not in where["lvef"], expr


@pytest.mark.parametrize("text, source", [
    ("Nonsteroidal anti-inflammatory drugs (NSAIDs) within 1 week before baseline visit. Aspirin at 325 mg or less daily "
     "for stroke or heart attack prevention is allowed.", "NCT00005675"),
    ("Has received prior radiotherapy within 14 days before registration. Participants must have recovered from all "
     "radiation-related toxicities, not require corticosteroids, and not have had radiation pneumonitis. A 1-week washout "
     "is permitted for palliative radiation (≤ 2 weeks of radiotherapy) to non-CNS disease.", "NCT05832827"),
])
def test_a_bare_permission_with_a_bound_is_an_exception_not_another_exclusion(text, source):
    """'X is allowed.' after an exclusion rule lets X in: its bounds were read as one more way to be excluded (the
    patients on low-dose aspirin, or with the 1-week washout, were excluded)."""
    import critparse

    p = critparse.parse("Exclusion Criteria:\n- " + text, mode="fast")
    expr = p.criteria[0].expression
    first = p.constraints[0].id
    assert expr["rule"] == {"constraint": first}, expr
    assert {c.id for c in p.constraints} - {first} <= set(constraint_ids(expr["unless"])), expr


def test_a_bare_permission_without_a_bound_leaves_the_rule_as_it_is():
    """'Administration of killed vaccines is allowed.' names no bound: the live-vaccine window stays the whole rule."""
    import critparse

    p = critparse.parse("Exclusion Criteria:\n- Has received a live vaccine or live-attenuated vaccine within 30 days "
                        "before the first dose of study intervention. Administration of killed vaccines is allowed.",
                        mode="fast")
    assert p.criteria[0].expression == {"constraint": p.constraints[0].id}


def test_not_an_exclusion_is_a_permission():
    """'(note: a history of a CD4 + T cell count below 200 cells/mm3 is not an exclusion' (NCT00491556): the bound
    was read as one more way to be excluded."""
    import critparse

    p = critparse.parse("Exclusion Criteria:\n- Any history of an AIDS-defining illness. A history of a CD4 count below "
                        "200 cells/mm3 is not an exclusion.", mode="fast")
    expr = p.criteria[0].expression
    assert [c.negated for c in p.constraints] == [False]
    assert constraint_ids(expr.get("unless")) == [p.constraints[0].id], expr


def test_definition_inside_a_permission_defines_its_condition_not_the_rule():
    """The oncology template 'Has known active CNS metastases ... Participants with previously treated brain metastases
    may participate provided they are radiologically stable, i.e. without evidence of progression for at least 4
    weeks' (v2 sample, NCT05832827): the 'i.e.' made the stability a definition of the active metastases, so the
    stable patients were the excluded ones."""
    import critparse

    p = critparse.parse("Exclusion Criteria:\n- Has known active CNS metastases and/or carcinomatous meningitis. "
                        "Participants with previously treated brain metastases may participate provided they are "
                        "radiologically stable, i.e. without evidence of progression for at least 4 weeks by repeat "
                        "imaging.", mode="fast")
    expr = p.criteria[0].expression
    assert "rule" in expr and not constraint_ids(expr["rule"]), expr
    assert constraint_ids(expr["unless"]) == [p.constraints[0].id], expr


def test_a_note_run_on_without_a_full_stop_starts_a_sentence(corpora):
    """NCT05832827 (ctgov_v2_json_sample), exc.15: '... within 4 weeks prior to the first dose of study intervention
    Note: Participants who have entered the follow-up phase of an investigational study may participate as long as it
    has been 4 weeks after the last dose ...'. The note's permission is the exception of the washout; the rule was
    the constraint AND the text up to 'as long as', which no patient data could meet."""
    import json

    import critparse

    path = corpora / "ctgov_v2_json_sample" / "original"
    studies = [s for f in sorted(path.glob("*.json")) for s in json.loads(f.read_text())]
    text = next(s["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] for s in studies
                if s["protocolSection"]["identificationModule"]["nctId"] == "NCT05832827")
    parsed = critparse.parse(text, mode="fast")
    crit = next(c for c in parsed.criteria if c.text.startswith("Is currently participating") and "Note:" in c.text)
    expr = crit.expression
    assert set(expr) == {"rule", "unless"} and "constraint" in expr["rule"], expr
    assert expr["unless"][0]["all"][0]["text"].startswith("Note: Participants")


def test_a_footnote_note_still_qualifies_its_sentence():
    """NCT00005787 (ctgov_xml_2023): 'Alkaline phosphatase less than 2.5 times normal NOTE: * Unless Gilbert's
    syndrome present': the footnote's exception is the bound's."""
    import critparse

    parsed = critparse.parse("Inclusion Criteria:\n- Alkaline phosphatase less than 2.5 times normal NOTE: * Unless "
                             "Gilbert's syndrome present", mode="fast")
    expr = parsed.criteria[0].expression
    assert expr["rule"] == {"constraint": parsed.constraints[0].id} and "Gilbert" in expr["unless"][0]["text"]


def test_eligibility_statement_is_the_criterion_turned_round_by_its_words():
    """'Patients will be ineligible if C' (NCT00001332 inc.20, NCT00004547) under inclusion: C rules the patient
    out; it was a guard over the words 'Patients will be ineligible', so a patient with a WBC of 2,000 was met."""
    p, crit = _inclusion_item("Patients will be ineligible if the WBC is less than 3,000.")
    assert set(crit.expression) == {"not"}
    assert not any(k.negated for k in cons_of(p, crit))
    assert status(p, {"wbc": 2000}, crit.id) == "not_met"
    assert status(p, {"wbc": 5000}, crit.id) == "met"
    assert status(p, {}, crit.id) == "unknown"
    # NCT00001564 inc.13: 'They are eligible for enrollment if C' is C
    p, crit = _inclusion_item("They are eligible for enrollment if they have received up to two post-recurrence "
                              "salvage regimens.")
    assert crit.expression == {"constraint": cons_of(p, crit)[0].id}


def test_negated_statement_in_either_section():
    """NCT00004547: '... will not be eligible if their FEV1 is less than 1.2 liters': the 'not' is the statement's,
    so the FEV1 bound is not negated; under exclusion it excludes FEV1 < 1.2, under inclusion it requires >= 1.2."""
    text = "Patients will not be eligible if their forced expiratory volume 1 (FEV1) is less than 1.2 liters."
    for kind, low in (("exclusion", "met"), ("inclusion", "not_met")):
        p = one(text, kind=kind)
        (crit,) = [c for c in p.criteria if c.role == "item"]
        (fev1,) = cons_of(p, crit)
        assert (fev1.op, fev1.value, fev1.negated) == ("<", 1.2, False)
        fev = {"fev1": {"value": 1.0, "unit": "L"}}
        assert status(p, fev, crit.id) == low


def test_statement_of_some_patients_guards_its_condition():
    """NCT00000865 inc.3.1: the patients named before 'will be eligible for the trial if' are the guard, the therapy
    the condition (it was the reverse); 'Subjects are eligible only if' under exclusion excludes where it fails."""
    p, crit = _inclusion_item("HIV infected infants and children will be eligible for the trial if they have received "
                              "greater than 56 days of previous antiretroviral therapy.")
    assert crit.expression["when"]["text"] == "HIV infected infants and children"
    assert crit.expression["then"] == {"constraint": cons_of(p, crit)[0].id}
    p = one("Women will be ineligible if not postmenopausal or surgically sterilized")  # NCT00006187 exc.2
    (crit,) = [c for c in p.criteria if c.role == "item"]
    assert crit.expression["when"]["text"] == "Women"  # a sex named is a guard, never anyone


def test_consent_for_those_patients_under_18_is_guarded_by_the_age():
    """NCT00002184 inc.1.5 (and 5 more records of the XML extract): 'for those patients < 18 years of age' guards
    the parent's consent; read as 'age < 18' it ruled out every adult."""
    p, crit = _inclusion_item("Signed, informed consent from parent or legal guardian for those patients < 18 years "
                              "of age.")
    (age,) = cons_of(p, crit)
    assert crit.expression["when"] == {"constraint": age.id}
    assert status(p, {"age": 40}, crit.id) == "met"
    assert status(p, {"age": 10}, crit.id) == "unknown"
    agrees(p, {"age": 40})


@pytest.mark.parametrize("text,patient", [
    # NCT00002912 (ctgov_xml_2023): a normal creatinine is the other way in
    ("Creatinine normal for age (within 2 standard deviations) OR glomular filtration rate at least 70 mL/min",
     {"labs": {"glomular filtration rate": {"value": 50, "unit": "mL/min"}}}),
    # NCT00002340: prior PCP or constitutional symptoms qualify whatever the CD4 count
    ("Prior PCP (histologically confirmed) OR documented CD4 count < 200 cells/mm3 OR constitutional symptoms such as "
     "thrush or unexplained fever (> 100 F) for 2 or more weeks.", {"labs": {"cd4 count": {"value": 350, "unit": "/uL"}}}),
])
def test_an_or_in_capitals_keeps_its_arm_in_words(text, patient):
    # the arm with no number was dropped, so the bound became a requirement and failed these patients
    parsed = one(text, "inclusion")
    expr = parsed.criteria[0].expression
    assert "any" in expr and any("text" in arm for arm in expr["any"]), expr
    assert critparse.screen(parsed, patient).verdict == "undetermined"


def test_a_lowercase_or_before_people_joins_the_people_not_the_clauses():
    # NCT00001948 (ctgov_xml_2023): the age applies to the men and to the women
    parsed = one("Patients must be HIV seropositive man or women of at least 18 years of age who are enrolled in the "
                 "NIAID clinical trial.", "inclusion")
    assert parsed.criteria[0].expression == {"constraint": parsed.constraints[0].id}
    assert critparse.screen(parsed, {"age": 12}).verdict == "ineligible"


def test_a_note_that_subjects_are_eligible_is_carved_out_of_the_exclusion():
    # NCT00000767 (ctgov_xml_2023) and 18 more records of the template: the remote infection was the whole exclusion
    parsed = one("Active syphilis. NOTE: Subjects with serology documented to be a false positive or due to a remote "
                 "(> 6 months) treated infection are eligible.")
    expr = parsed.criteria[0].expression
    assert expr["rule"]["text"] == "Active syphilis" and constraint_ids(expr["unless"][0]) == [parsed.constraints[0].id]


@pytest.mark.parametrize("text,kind,patient,verdict", [
    # NCT03863639 (lct_trainval): a doubled creatinine also shows renal insufficiency; the bound alone failed her
    ("Renal abnormality (Progressive renal insufficiency (serum creatinine >1.1 mg/dL or doubling of serum creatinine "
     "concentration in the absence of other renal disease))", "inclusion",
     {"labs": {"creatinine": {"value": 0.9, "unit": "mg/dL"}}}, "undetermined"),
    # NCT00001007 (ctgov_xml_2023): a normal haemoglobin no longer clears the patient of the hemoglobinopathy arm
    ("Hemoglobin < 10 g/dl or hemoglobinopathy.", "exclusion",
     {"labs": {"hemoglobin": {"value": 13, "unit": "g/dL"}}}, "undetermined"),
    # NCT00002147 (ctgov_xml_2023): a normal ejection fraction says nothing of other cardiac disease
    ("Cardiac ejection fraction < 50 percent or clinically significant cardiac disease.", "exclusion",
     {"labs": {"lvef": {"value": 60, "unit": "%"}}}, "undetermined"),
    # NCT00000979 (ctgov_xml_2023): the same cut where the bound is a window
    ("History of seizures within past 6 months or currently requiring anticonvulsants for control.", "exclusion",
     {}, "undetermined"),
])
def test_a_lowercase_or_after_a_bound_keeps_its_arm_in_words(text, kind, patient, verdict):
    parsed = one(text, kind)
    expr = json.dumps(parsed.criteria[0].expression)
    assert '"any"' in expr and '"text"' in expr, expr
    assert critparse.screen(parsed, patient).verdict == verdict


@pytest.mark.parametrize("text,kind", [
    ("At least 28 days of prior foscarnet or ganciclovir.", "inclusion"),  # NCT00000766: the 'or' joins two drugs
    ("No myocardial infarction within 6 months or unstable angina", "inclusion"),  # the 'no' denies both
    ("Prednisone > 10 mg/day or an equivalent dose", "exclusion"),  # a qualifier of the bound, not an arm
    # NCT00461084 (ctgov_xml_2023): the exceptions scope over both arms
    ("Prior history of malignancy within the past five years or a concurrent malignancy, with the exceptions of "
     "cutaneous basal cell carcinoma or carcinoma in situ of the uterine cervix.", "exclusion"),
])
def test_a_lowercase_or_that_joins_words_or_is_denied_keeps_the_bound_whole(text, kind):
    parsed = one(text, kind)
    expr = parsed.criteria[0].expression
    assert not (isinstance(expr, dict) and "any" in expr and any("text" in a for a in expr["any"])), expr


@pytest.mark.parametrize("text, source", [
    ("Previous treatment with either drug alone is acceptable if greater than one year prior to study entry.",
     "NCT00001749 exc.12"),
    ("Live attenuated vaccines within the past 60 days. NOTE: Medically indicated subunit or killed vaccines (e.g., "
     "influenza, pneumococcal) are permitted if received at least 2 weeks prior to first immunization.",
     "NCT00000775 exc.3.1.1"),
    ("Have ever taken any anti-HIV drugs. (Seven days or less of treatment will be allowed if it was received more "
     "than 30 days before study entry.)", "NCT00004855 exc.1"),
])
def test_a_permissions_bound_read_from_its_subject_is_its_condition_not_an_exclusion(text, source):
    """A constraint reads from its subject, so a permission cue among its words ('X allowed if <bound>') was the
    constraint's own: the bound stood as one more way to be excluded, and excluded exactly the patients the
    sentence lets in (treated more than a year ago, vaccinated at least 2 weeks before)."""
    p = one(text)
    expr = p.criteria[0].expression
    assert set(expr) == {"rule", "unless"}, expr
    permitted = p.constraints[-1].id
    assert permitted in constraint_ids(expr["unless"]) and permitted not in constraint_ids(expr["rule"]), expr


def test_a_permission_with_a_bound_in_an_inclusion_is_guarded_by_what_it_permits():
    """'Prior doxorubicin allowed if total dose less than 300 mg/m2' (NCT00003038 inc.11.2): the dose is tested where
    doxorubicin was given, never required of everyone."""
    p = one("Prior doxorubicin allowed if total dose less than 300 mg/m2", kind="inclusion")
    expr = p.criteria[0].expression
    assert expr["when"]["text"] == "Prior doxorubicin" and expr["then"] == {"constraint": p.constraints[0].id}, expr


def test_a_long_ago_window_after_except_bounds_the_exception():
    """'history of neurological disease (e.g., ...), except stroke >6 months prior to study entry' (NCT00490737, XML
    dump): the old stroke is what the text lets in; the window was read as the whole phrase's, so a patient whose
    stroke was a year ago was excluded."""
    p = one("Subjects with a history of neurological disease (e.g., Guillain Barré, multiple sclerosis), except stroke "
            ">6 months prior to study entry;")
    crit = p.criteria[0]
    (c1,) = cons_of(p, crit)
    assert (c1.subject, c1.op, c1.value, c1.unit) == ("stroke", ">", 6.0, "mo")
    assert crit.expression["unless"] == [{"constraint": c1.id}]
    assert status(p, {c1.subject: {"value": 12, "unit": "mo"}}, crit.id) == "not_met"  # let in by the exception
    assert status(p, {c1.subject: {"value": 3, "unit": "mo"}}, crit.id) == "unknown"  # the rule's text decides


@pytest.mark.parametrize("text, source", [
    ("Myocardial infarction more than 6 months prior to study entry is permitted if there is no evidence of active CAD",
     "NCT00490685"),
    ("Sexual partner of at least 3 months is eligible and agrees to participate.", "NCT00000929"),
])
def test_a_permitted_time_bound_in_an_exclusion_is_the_exception_not_the_rule(text, source):
    """'X more than 6 months prior is permitted if Y' (XML dump) lets the old event in: read as 'rule X<bound> unless
    Y', the old infarction was what excluded and the recent one passed. The bound now sits in the exception, with Y;
    the rule is the text (undetermined, never a wrong verdict)."""
    p = one(text)
    crit = p.criteria[0]
    (c1,) = cons_of(p, crit)
    assert "text" in crit.expression["rule"], crit.expression
    assert c1.id in constraint_ids({"any": crit.expression["unless"]})
    assert status(p, {c1.subject: {"value": 12, "unit": c1.unit}}, crit.id) != "met"  # never excluded for it


def test_a_permitted_group_in_an_exclusion_keeps_its_rule():
    """'Patients over 70 years are eligible if they have an ECOG of 0-1': the age names who the rule is about, so
    they stay excluded unless their ECOG is 0-1."""
    p = one("Patients over 70 years are eligible if they have an ECOG of 0-1")
    crit = p.criteria[0]
    assert crit.expression["rule"] == {"constraint": p.constraints[0].id}


@pytest.mark.parametrize("text", [
    "Hormone therapy (allowed if stable for more than 6 months)",
    "Use of statins (permitted if dose stable for ≥ 4 weeks)",
])
def test_a_bracket_opening_with_allowed_if_is_an_exception_not_a_definition(text):
    """'Maintenance ganciclovir therapy (permitted only if dose ... stable for at least 4 weeks prior to study entry)'
    (NCT00000644, XML dump) was read as the definition of the thing before it: in an exclusion, the stable users were
    the excluded ones. The bracket now carves them out of the rule."""
    p = one(text)
    crit = p.criteria[0]
    (c1,) = cons_of(p, crit)
    assert "text" in crit.expression["rule"] and crit.expression["unless"] == [{"constraint": c1.id}], crit.expression


def test_a_bare_permission_with_a_bound_alone_in_an_exclusion_is_an_exception():
    """'Biopsies or FNAs greater than 2 cm from the nipple are acceptable.' (NCT00006421, XML dump) stood in the
    exclusion list as its own bound, so the acceptable biopsies were what excluded."""
    p = one("Biopsies or FNAs greater than 2 cm from the nipple are acceptable.")
    crit = p.criteria[0]
    (c1,) = cons_of(p, crit)
    assert "text" in crit.expression["rule"] and crit.expression["unless"] == [{"constraint": c1.id}], crit.expression
    assert status(p, {c1.subject: {"value": 3, "unit": "cm"}}, crit.id) == "not_met"


def test_will_not_be_an_exclusion_in_a_bracket_is_an_exception():
    """'Current TB chemotherapy ( TB treatment completed in the preceding 30 days will not be an exclusion)'
    (NCT00463086, XML dump): the bracket was read as the definition, so those who had completed treatment were the
    excluded ones; 'will / would not be an exclusion' is a permission as 'is not an exclusion' is."""
    p = one("Current TB chemotherapy ( TB treatment completed in the preceding 30 days will not be an exclusion)")
    crit = p.criteria[0]
    (c1,) = cons_of(p, crit)
    assert "text" in crit.expression["rule"] and crit.expression["unless"] == [{"constraint": c1.id}], crit.expression
