"""The public API: bad input, empty input, determinism, round trips, properties."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import critparse
from critparse.records import ParsedTrial


def test_empty_text_gives_empty_result():
    p = critparse.parse("", trial_id="NCT0")
    assert (p.criteria, p.constraints, p.entities) == ([], [], [])
    p = critparse.parse("   \n\r\n  ")
    assert p.criteria == [] and p.constraints == []


@pytest.mark.parametrize("bad", [None, b"Inclusion Criteria: age >= 18", 42, ["a"]])
def test_non_text_raises_type_error(bad):
    with pytest.raises(TypeError, match="str"):
        critparse.parse(bad)


def test_bad_trial_id_and_mode():
    with pytest.raises(TypeError, match="trial_id"):
        critparse.parse("age >= 18", trial_id=123)
    with pytest.raises(ValueError, match="mode"):
        critparse.parse("age >= 18", mode="turbo")


def test_json_round_trip(seed_parsed):
    again = ParsedTrial.from_json(seed_parsed.to_json())
    assert again == seed_parsed
    assert json.loads(seed_parsed.to_json())["schema_version"] == critparse.SCHEMA_VERSION


def test_load_returns_spacy_language():
    nlp = critparse.load()
    from spacy.language import Language

    assert isinstance(nlp, Language)
    assert "critparse_constraints" in nlp.pipe_names


def test_cli_unreadable_file(tmp_path):
    r = subprocess.run([sys.executable, "-m", "critparse", "parse", str(tmp_path / "missing.txt")],
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert r.stderr.strip().count("\n") == 0 and "missing.txt" in r.stderr
    bad = tmp_path / "bin.txt"
    bad.write_bytes(b"\xff\xfe\x00bad")
    r = subprocess.run([sys.executable, "-m", "critparse", "parse", str(bad)], capture_output=True, text=True)
    assert r.returncode != 0 and "UTF-8" in r.stderr


def test_cli_parse_stdin_json():
    r = subprocess.run([sys.executable, "-m", "critparse", "parse", "-", "--trial-id", "X1", "--mode", "fast"],
                       input="Inclusion Criteria:\n1. Creatinine <= 1.5 mg/dL\n", capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["trial_id"] == "X1"
    assert any(c["subject"] == "creatinine" and c["op"] == "<=" and c["value"] == 1.5 for c in out["constraints"])


_texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300) | st.from_regex(
    r"(Inclusion|Exclusion) Criteria:\n([*-]|\d\.) [A-Za-z ]{0,20}(<=|>=|<|>|≤|≥|between)? ?\d{0,3}(\.\d)? ?(mg/dL|%|x ULN|years)?\n?",
    fullmatch=True)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_texts)
def test_parse_never_raises_spans_valid_deterministic(text):
    nlp = critparse.load("fast")
    p = critparse.parse(text, nlp=nlp)
    n = len(text)
    for rec in [*p.criteria, *p.constraints, *p.entities]:
        assert 0 <= rec.start <= rec.end <= n
        assert text[rec.start:rec.end] == rec.text
    assert critparse.parse(text, nlp=nlp) == p


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_texts)
def test_parse_full_mode_never_raises(text):
    p = critparse.parse(text)
    for rec in [*p.criteria, *p.constraints, *p.entities]:
        assert 0 <= rec.start <= rec.end <= len(text)
