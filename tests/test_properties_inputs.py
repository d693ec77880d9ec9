"""Property-based tests (hypothesis, bounded: few examples, small inputs) over the batch readers
and the screening inputs, beside the ones over `parse` (issue 10).

Readers: whatever bytes or JSON values a dump holds, every record read is a `Record` with an id,
the text is encodable, and a reader never raises. Screening inputs: whatever JSON a patient is,
`validate_patient` returns a clean dict or raises InputValidationError, and `screen` gives one of
the three verdicts; a patient with missing values is never judged on them."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import critparse
from critparse.batch.readers import iter_records
from critparse.inputs import InputValidationError, validate_patient

pytestmark = pytest.mark.issue(10)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                         st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20))
json_values = st.recursive(json_scalars, lambda c: st.one_of(st.lists(c, max_size=3),
                                                            st.dictionaries(st.text(max_size=10), c, max_size=3)),
                           max_leaves=10)


def _study(module_value, id_value, crit_value):
    return {"protocolSection": {"identificationModule": id_value,
                                "eligibilityModule": module_value if module_value is not None else
                                {"eligibilityCriteria": crit_value, "sex": "ALL"}}}


def _check(records):
    for r in records:
        assert isinstance(r.trial_id, str) and r.trial_id
        assert r.error is None or isinstance(r.error, str)
        (r.text or "").encode("utf-8")
        r.trial_id.encode("utf-8")


@FAST
@given(st.lists(st.tuples(st.one_of(st.none(), json_values), json_values, json_values), min_size=1, max_size=4))
def test_jsonl_reader_takes_any_json_shapes(tmp_path_factory, items):
    f = tmp_path_factory.mktemp("p") / "d.jsonl"
    f.write_text("".join(json.dumps(_study(*it)) + "\n" for it in items), encoding="utf-8")
    recs = list(iter_records(f))
    assert len(recs) == len(items)  # count in = count out
    _check(recs)


@FAST
@given(st.binary(max_size=400))
def test_readers_take_any_bytes(tmp_path_factory, data):
    d = tmp_path_factory.mktemp("b")
    for name in ("d.jsonl", "ctg-studies.json", "NCT00000001.xml", "t.csv", "eligibilities.txt"):
        (d / name).write_bytes(data if name != "t.csv" else b"nct_id,criteria\n" + data)
    _check(iter_records(d))


@FAST
@given(st.text(max_size=300))
def test_json_array_reader_takes_any_text(tmp_path_factory, text):
    f = tmp_path_factory.mktemp("a") / "ctg-studies.json"
    f.write_text("[" + text, encoding="utf-8", errors="surrogatepass")
    _check(iter_records(f))


member_names = st.one_of(st.sampled_from(["NCT00000001.xml", "../NCT00000002.json", "/abs/NCT00000003.xml",
                                           "a/./NCT00000004.json", "x.jsonl", ".hidden.xml", "d/"]),
                         st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1,
                                                 max_size=12))  # zipfile itself cuts a name at NUL


@FAST
@given(st.lists(st.tuples(member_names, st.binary(max_size=200)), max_size=5, unique_by=lambda m: m[0]))
def test_zip_reader_takes_any_members(tmp_path_factory, members):
    import zipfile

    z = tmp_path_factory.mktemp("z") / "dump.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for name, data in members:
            zf.writestr(name, data)
    _check(iter_records(z))


TRIAL = ("Inclusion Criteria:\n\n* Age >= 18 years\n* Creatinine <= 2.0 mg/dL\n* ECOG 0 to 2\n\n"
         "Exclusion Criteria:\n\n* HIV infection\n")


@pytest.fixture(scope="module")
def parsed():
    return critparse.parse(TRIAL, mode="fast")


patients = st.dictionaries(
    st.sampled_from(["age", "sex", "labs", "conditions", "answers", "ecog", "creatinine", "id"]),
    st.one_of(json_values, st.dictionaries(st.sampled_from(["creatinine", "alt", "value", "unit", "uln", "inc.1"]),
                                           json_values, max_size=3)),
    max_size=5)


@FAST
@given(patients)
def test_any_patient_is_a_clean_dict_or_a_clear_error(parsed, patient):
    try:
        clean = validate_patient(patient)
    except InputValidationError as e:
        assert str(e).startswith(("patient", "a patient"))
        return
    json.dumps(clean, allow_nan=False)  # no NaN or Infinity left
    assert critparse.screen(parsed, patient).verdict in ("eligible", "undetermined", "ineligible")


@FAST
@given(st.sampled_from(["age", "ecog", "creatinine"]),
       st.sampled_from([math.nan, "NaN", "nan", "", None]))
def test_missing_values_are_never_judged(parsed, field, missing):
    base = {"age": 40, "ecog": 1, "labs": {"creatinine": {"value": 1.0, "unit": "mg/dL"}}}
    if field == "creatinine":
        base["labs"]["creatinine"]["value"] = missing
    else:
        base[field] = missing
    res = critparse.screen(parsed, base)
    assert res.verdict == "undetermined"
    assert {c.status for r in res.criteria for c in r.constraints if c.subject == field} == {"unknown"}
