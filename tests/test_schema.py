"""The JSON Schema of the parse result (issue 5, part 1)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from critparse.export.schema import json_schema, shipped_path, shipped_schema, validate
from critparse.records import SCHEMA_VERSION

from _trials import seed_like

jsonschema = pytest.importorskip("jsonschema")
pytestmark = pytest.mark.issue(5)


def test_shipped_schema_matches_the_code():
    """Regenerate with `python -m critparse.export.schema` after changing critparse/records.py."""
    assert shipped_schema() == json_schema()
    assert shipped_path().name == "critparse.schema.json"


def test_schema_is_valid_and_versioned():
    s = json_schema()
    jsonschema.Draft202012Validator.check_schema(s)
    assert s["schema_version"] == SCHEMA_VERSION
    assert s["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    assert set(s["$defs"]) >= {"Criterion", "Constraint", "Entity", "Normalized", "TrialInfo"}
    con = s["$defs"]["Constraint"]
    assert con["properties"]["op"]["enum"] == ["<", "<=", ">", ">=", "=", "!=", "in"]
    assert con["properties"]["normalized"]["anyOf"][0] == {"$ref": "#/$defs/Normalized"}
    assert "subject" in con["required"] and "code" not in con["required"]


def test_handbuilt_seed_validates(seed_text):
    validate(seed_like(seed_text).to_dict())


@pytest.mark.parametrize("mode", ["fast", "full"])
def test_real_seed_parse_validates(seed_text, mode):
    import critparse
    from critparse.errors import CritparseError

    try:
        parsed = critparse.parse(seed_text, trial_id="NCT04532203", mode=mode)
    except CritparseError as e:  # full mode needs the trained model in src/critparse/models/
        pytest.skip(str(e)[:120])
    validate(json.loads(parsed.to_json()))


def test_invalid_documents_fail(seed_text):
    d = seed_like(seed_text).to_dict()
    d["constraints"][0]["op"] = "≤"
    with pytest.raises(jsonschema.ValidationError):
        validate(d)
    d = seed_like(seed_text).to_dict()
    del d["criteria"][0]["kind"]
    with pytest.raises(jsonschema.ValidationError):
        validate(d)
    d = seed_like(seed_text).to_dict()
    d["schema_version"] = "0.9"
    with pytest.raises(jsonschema.ValidationError):
        validate(d)


def test_corpus_records_validate(corpora):
    from critparse.corpora import xml_records
    from critparse.parser import parse_many

    path = corpora / "ctgov_xml_2023" / "derived" / "eligibility.jsonl.gz"
    if not path.exists():
        pytest.skip("derived XML records not found")
    validator = jsonschema.Draft202012Validator(shipped_schema())
    n = 0
    for parsed in parse_many(xml_records(path, limit=40), mode="fast"):
        errors = list(validator.iter_errors(json.loads(parsed.to_json())))
        assert not errors, (parsed.trial_id, errors[0].message)
        n += 1
    assert n == 40


def test_cli_prints_schema():
    out = subprocess.run([sys.executable, "-m", "critparse", "export", "--to", "schema"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == json_schema()
