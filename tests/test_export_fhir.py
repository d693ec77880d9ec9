"""FHIR R5 export (issue 5, part 2): every export is constructed with the fhir.resources R5 models."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from critparse.export.fhir import EXT, LOINC, UCUM, to_evidence_variable, to_fhir, to_group

from _trials import seed_like, seed_variant

pytest.importorskip("fhir.resources")
from fhir.resources.bundle import Bundle  # noqa: E402
from fhir.resources.evidencevariable import EvidenceVariable  # noqa: E402
from fhir.resources.group import Group  # noqa: E402

pytestmark = pytest.mark.issue(5)


@pytest.fixture(params=["handbuilt", "parsed"])
def seed(request, seed_text):
    return seed_variant(request, seed_text)


def ext(ch, name):
    for e in ch.get("extension", []):
        if e["url"] == EXT + name:
            return e.get("valueString", e.get("valueBoolean"))
    return None


def test_group_validates_and_carries_constraints(seed):
    g = to_group(seed)
    model = Group.model_validate(g)
    assert model.type == "person" and model.membership == "definitional"
    chars = g["characteristic"]
    creat = [c for c in chars if any(cd.get("code") == "2160-0" for cd in c["code"].get("coding", []))]
    assert {c["exclude"] for c in creat} == {False, True}
    inc = next(c for c in creat if not c["exclude"])
    q = inc["valueQuantity"]
    assert q["comparator"] == "<=" and q["system"] == UCUM and q["code"] == "umol/L"
    assert q["value"] == pytest.approx(176.8)
    exc = next(c for c in creat if c["exclude"])
    assert exc["valueQuantity"]["comparator"] == ">" and exc["valueQuantity"]["code"] == "mg/dL"
    assert ext(exc, "kind") == "exclusion" and ext(exc, "criterion").startswith("exc.")
    # ALT relative to ULN: a UCUM annotation
    alt = [c for c in chars if any(cd.get("code") == "1742-6" for cd in c["code"].get("coding", []))]
    assert alt and alt[0]["valueQuantity"]["code"] == "{ULN}"
    # age ranges per cohort as valueRange in years
    ages = [c for c in chars if c.get("valueRange") and ext(c, "cohort") in ("B-ALL", "B-NHL")]
    ranges = sorted((ext(c, "cohort"), c["valueRange"]["low"]["value"], c["valueRange"]["high"]["value"]) for c in ages)
    assert ranges == [("B-ALL", 3.0, 70.0), ("B-NHL", 18.0, 75.0)]
    assert ages[0]["valueRange"]["low"]["code"] == "a"
    assert ages[0]["code"]["coding"][0] == {"system": LOINC, "code": "30525-0", "display": ages[0]["code"]["coding"][0]["display"]}


def test_group_keeps_unevaluable_criteria(seed):
    g = to_group(seed)
    unev = [c for c in g["characteristic"] if ext(c, "unevaluable")]
    texts = " | ".join(c["code"]["text"] for c in unev)
    assert "HIV" in texts and "Pregnant" in texts
    for c in unev:
        assert c["valueBoolean"] is True and ext(c, "text")
    # any-group members name their group
    anys = {c.id for c in seed.criteria if c.logic == "any"}
    assert any(ext(c, "any-of-group") in anys for c in g["characteristic"])


def test_evidence_variable_structure(seed):
    ev = to_evidence_variable(seed)
    EvidenceVariable.model_validate(ev)
    (root,) = ev["characteristic"]
    comb = root["definitionByCombination"]
    assert comb["code"] == "any-of" and len(comb["characteristic"]) == 2  # the two cohorts
    s = json.dumps(ev)
    assert '"code": "all-of"' in s
    # exclusion criteria are characteristics with exclude true, carrying their text
    b_all = comb["characteristic"][0]["definitionByCombination"]["characteristic"]
    excl = [c for c in b_all if c.get("exclude")]
    assert len(excl) == 11 and all(c["description"] for c in excl)
    # unevaluable: description only
    hiv = [c for c in excl if "HIV" in c["description"]]
    assert hiv and "definitionByTypeAndValue" not in hiv[0] and "definitionByCombination" not in hiv[0]
    # the any-of group of B-ALL relapse conditions
    assert any(c.get("definitionByCombination", {}).get("code") == "any-of" for c in b_all)


def test_bundle_validates(seed):
    b = to_fhir(seed)
    model = Bundle.model_validate(b)
    assert [e.resource.get_resource_type() for e in model.entry] == ["Group", "EvidenceVariable"]
    with pytest.raises(ValueError):
        to_fhir(seed, "Patient")


def test_structured_sex_as_characteristic(seed_text):
    from critparse.records import TrialInfo

    t = seed_like(seed_text, TrialInfo(sex="female", minimum_age="18 Years"))
    g = to_group(t)
    Group.model_validate(g)
    sex = [c for c in g["characteristic"] if c.get("valueCodeableConcept")]
    assert sex[0]["valueCodeableConcept"]["coding"][0]["code"] == "female"
    EvidenceVariable.model_validate(to_evidence_variable(t))


def test_corpus_exports_validate(corpora):
    from critparse.corpora import xml_records
    from critparse.parser import parse_many

    path = corpora / "ctgov_xml_2023" / "derived" / "eligibility.jsonl.gz"
    if not path.exists():
        pytest.skip("derived XML records not found")
    n = 0
    for parsed in parse_many(xml_records(path, limit=25), mode="fast"):
        Bundle.model_validate(to_fhir(parsed))
        n += 1
    assert n == 25


def test_cli_export_fhir(tmp_path, seed_text):
    src = tmp_path / "parsed.json"
    src.write_text(seed_like(seed_text).to_json(), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "critparse", "export", "--to", "fhir", "--resource", "group", str(src)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    Group.model_validate(json.loads(out.stdout))


def _walk(x):
    if isinstance(x, dict):
        yield x
        for v in x.values():
            yield from _walk(v)
    elif isinstance(x, list):
        for v in x:
            yield from _walk(v)


def test_coded_characteristics(seed_text):
    """Entity codes reach the export: a criterion that is one condition is a coded Group characteristic
    (ICD-10-CM valueCodeableConcept); EvidenceVariable pieces naming one coded condition or drug carry it as
    definitionCodeableConcept; pieces naming several list each coded one as a `concept` extension only."""
    import critparse

    parsed = critparse.parse(seed_text, mode="full")
    g, ev = to_group(parsed), to_evidence_variable(parsed)
    Group.model_validate(g)
    EvidenceVariable.model_validate(ev)
    hiv = next(c for c in g["characteristic"] if ext(c, "criterion") == "exc.10")
    assert hiv["code"]["coding"][0]["code"] == "Condition" and hiv["exclude"] is True
    assert hiv["valueCodeableConcept"]["coding"] == [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "B20",
                                                     "display": "Human immunodeficiency virus [HIV] disease"}]
    assert ext(hiv, "unevaluable") is None
    exc1 = next(c for c in g["characteristic"] if ext(c, "criterion") == "exc.1")  # five conditions: text stays
    assert exc1["valueBoolean"] is True and ext(exc1, "unevaluable") is True
    concepts = [e["valueCodeableConcept"] for e in exc1["extension"] if e["url"] == EXT + "concept"]
    assert {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G40",
            "display": "Epilepsy and recurrent seizures"} in [c for cc in concepts for c in cc["coding"]]
    coded = [n for n in _walk(ev) if "definitionCodeableConcept" in n]
    by_link = {n.get("linkId"): n for n in coded}
    assert by_link["exc.10"]["definitionCodeableConcept"]["coding"][0]["code"] == "B20"
    assert "exc.1" not in by_link  # several conditions: no single concept stands for the piece
    steroids = [n for n in coded if n["definitionCodeableConcept"]["coding"][0]["system"] == "http://www.whocc.no/atc"]
    assert steroids and all(n["definitionCodeableConcept"]["coding"][0]["code"] in ("H02", "R03BA") for n in steroids)
