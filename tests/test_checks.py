"""Consistency checks (issue 5, part 4)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from critparse.checks import KINDS, check, count_findings, text_sex
from critparse.records import Constraint, Criterion, Normalized, ParsedTrial, TrialInfo

from _trials import SEED_INFO, seed_like, seed_variant

pytestmark = pytest.mark.issue(5)


@pytest.fixture(params=["handbuilt", "parsed"])
def seed(request, seed_text):
    return seed_variant(request, seed_text)


def by(findings, kind, subject):
    return [f for f in findings if f.kind == kind and f.subject == subject]


def test_seed_bilirubin_contradiction(seed):
    (f,) = by(check(seed), "contradiction", "bilirubin")
    assert f.detail == "partial" and f.cohort is None
    inc, exc = f.spans
    assert inc.kind == "inclusion" and "51" in inc.text and seed.text[inc.start:inc.end] == inc.text
    assert exc.kind == "exclusion" and "2.0" in exc.text and seed.text[exc.start:exc.end] == exc.text
    assert "34.2" in f.message  # 2.0 mg/dL in umol/L


def test_seed_creatinine_redundancy(seed):
    (f,) = by(check(seed), "redundancy", "creatinine")
    assert "176.8" in f.spans[0].text and "2.5" in f.spans[1].text
    assert not by(check(seed), "contradiction", "creatinine")


def test_seed_age_union_matches_structured(seed):
    findings = check(seed)
    assert not [f for f in findings if f.kind in ("age_mismatch", "sex_mismatch")]


def test_seed_age_mismatch_when_structured_differs(seed):
    s = copy.deepcopy(seed)
    s.info = TrialInfo(sex="all", minimum_age="3 Years", maximum_age="70 Years")
    (f,) = [f for f in check(s) if f.kind == "age_mismatch"]
    assert f.detail == "maximum_age"
    assert "75" in f.message and "B-ALL 3-70" in f.message and "B-NHL 18-75" in f.message
    assert f.spans[-1].kind == "structured" and f.spans[-1].text == "70 Years"


def test_sex_mismatch():
    text = "Inclusion Criteria:\n- Postmenopausal women with breast cancer\n"
    crit = Criterion("inc.1", None, "inclusion", None, None, "-", text[20:], 20, len(text) - 1,
                     clean_text="Postmenopausal women with breast cancer")
    t = ParsedTrial("T", text, [crit], info=TrialInfo(sex="all"))
    assert text_sex(t)[0] == "female"
    (f,) = check(t)
    assert f.kind == "sex_mismatch" and f.spans[0].criterion == "inc.1"
    t.info.sex = "female"
    assert check(t) == []
    crit.clean_text = "Men and non-pregnant women aged 18 to 65"
    assert text_sex(t)[0] == "all"
    for said, written in (("male", "MEN ONLY"), ("all", "Patients of either gender"), (None, "Adults aged 18 to 65"),
                          ("all", "Males or ſemales, either ſex"), ("female", "Healthy FEMALE volunteers")):
        crit.clean_text = written  # the word test before the patterns: upper case, non-ASCII case folding
        assert text_sex(t)[0] == said, written
    # the word test asks for a sex word's opening at the start of a word (real XML dump lines): "men" inside
    # "documented treatment" is none, "Men and women" is one
    for said, written in ((None, "Prior documented treatment with bovine thrombin"), ("all", "Men and women"),
                          (None, "Women of childbearing potential must not be pregnant or lactating")):
        crit.clean_text = written
        assert text_sex(t)[0] == said, written


def _bound(cid, kind, op, value, unit, norm, start, end, text, subject="creatinine"):
    return Constraint(f"{cid}#c1", cid, kind, None, subject, subject, op, value, unit, None,
                      Normalized(norm, "mg/dL") if norm is not None else None, False, text[start:end],
                      start, end, category="lab")


def test_total_contradiction_and_gap():
    text = "creatinine >= 1.0 mg/dL and <= 1.5 mg/dL; exclusion creatinine > 0.5 mg/dL"
    inc = Criterion("inc.1", None, "inclusion", None, None, None, text[:41], 0, 41)
    exc = Criterion("exc.1", None, "exclusion", None, None, None, text[43:], 43, len(text))
    cons = [_bound("inc.1", "inclusion", ">=", 1.0, "mg/dL", 1.0, 0, 23, text),
            _bound("inc.1", "inclusion", "<=", 1.5, "mg/dL", 1.5, 28, 41, text),
            _bound("exc.1", "exclusion", ">", 0.5, "mg/dL", 0.5, 53, len(text), text)]
    cons[1].id = "inc.1#c2"
    t = ParsedTrial("T", text, [inc, exc], cons)
    (f,) = check(t)
    assert f.kind == "contradiction" and f.detail == "total"
    # gap: lower bound above the upper bound
    cons[0].value = cons[0].normalized.value = 2.0
    t2 = ParsedTrial("T", text, [inc], cons[:2])
    (g,) = check(t2)
    assert g.kind == "gap"


def test_finding_to_dict_json(seed):
    """Findings survive JSON, and every span with offsets points at its text in the original."""
    findings = check(seed)
    back = json.loads(json.dumps([f.to_dict() for f in findings]))
    assert [d["kind"] for d in back] == [f.kind for f in findings] and back
    for d in back:
        for sp in d["spans"]:
            if sp["start"] is not None:
                assert seed.text[sp["start"]:sp["end"]] == sp["text"]


def test_cli_check(tmp_path, seed_text):
    src = tmp_path / "seed.json"
    src.write_text(seed_like(seed_text, copy.deepcopy(SEED_INFO)).to_json(), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "critparse", "check", str(src)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 1  # findings
    assert "contradiction (partial)" in out.stdout and "bilirubin" in out.stdout
    out = subprocess.run([sys.executable, "-m", "critparse", "check", str(src), "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    kinds = {f["kind"] for f in json.loads(out.stdout)["findings"]}
    assert kinds == {"contradiction", "redundancy"}


def test_corpus_counts(corpora):
    """The corpus summary counts exactly the findings `check` gives each record, on real XML records."""
    from collections import Counter

    from critparse.corpora import xml_records
    from critparse.parser import parse_many

    path = corpora / "ctgov_xml_2023" / "derived" / "eligibility.jsonl.gz"
    if not path.exists():
        pytest.skip("derived XML records not found")
    parsed = list(parse_many(xml_records(path, limit=150), mode="fast"))
    res = count_findings(parsed)
    assert res["records"] == 150
    per = [check(p) for p in parsed]
    want = Counter(f.kind for fs in per for f in fs)
    assert {k: res["counts"][k] for k in KINDS} == {k: want.get(k, 0) for k in KINDS}
    assert res["records_with_findings"] == sum(1 for fs in per if fs) > 0
    assert res["records_by_kind"]["age_mismatch"] == sum(1 for fs in per if any(f.kind == "age_mismatch" for f in fs))
