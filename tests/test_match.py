"""Many patients against many trials (issue 13): set-wise verdicts agree with `critparse.screen` pair by
pair; `critparse match` reads bundle folders and Bulk Data NDJSON, writes Parquet/JSONL/DuckDB, ranks."""

from __future__ import annotations

import gzip
import json
from itertools import islice
from pathlib import Path

import pytest
from typer.testing import CliRunner

import critparse
from critparse.batch import run_batch
from critparse.cli import app
from critparse.fhir_patient import read_bundle, screen_bundle
from critparse.inputs import validate_patient
from critparse.matching.patients import PatientRecord, read_patients
from critparse.matching.run import match_arrow
from critparse.matching.synthetic import Med, bundle, random_bundles
from critparse.matching.trials import read_trials

from conftest import corpus_file

pytestmark = pytest.mark.issue(13)

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo"
AS_OF = "2026-12-01"


@pytest.fixture(scope="module")
def demo_batch(tmp_path_factory, fast):
    out = tmp_path_factory.mktemp("demo_batch")
    run_batch(DEMO, out, mode="fast", workers=1, progress=False)
    return out


@pytest.fixture(scope="module")
def xml_batch(tmp_path_factory, corpora, fast):
    """50 studies spread over the legacy-XML dump (every 135th record), batched in fast mode."""
    src = corpus_file(corpora, "ctgov_xml_2023/derived/eligibility.jsonl.gz")
    d = tmp_path_factory.mktemp("xml_sample")
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        (d / "sample.jsonl").write_text("".join(islice(fh, 0, 6786, 135)), encoding="utf-8")
    run_batch(d / "sample.jsonl", d / "out", mode="fast", workers=1, progress=False)
    return d / "out"


def _records(n, seed=1, **kw):
    out = []
    for b in random_bundles(n, seed=seed, as_of=AS_OF, **kw):
        fp = read_bundle(b, AS_OF)
        out.append(PatientRecord(fp.id, "generated", validate_patient(fp.patient), fp))
    return out


def _expected(trial, patient):
    res = critparse.screen(trial, patient)
    parents = {c.parent for c in trial.criteria}
    failed = [c.criterion for c in res.criteria if c.eligible is False and c.criterion not in parents]
    return res.verdict, res.cohorts or None, failed, sorted(res.missing)


def _got(row):
    return row["verdict"], json.loads(row["cohorts"]) if row["cohorts"] else None, row["failed"], sorted(row["missing"])


def _agreement(trials, records):
    rows = {(r["patient_id"], r["trial_id"]): r for r in match_arrow(records, trials).to_pylist()}
    assert len(rows) == len(trials) * len(records)
    wrong = [(t.trial_id, p.id, _expected(t, p.patient), _got(rows[(p.id, t.trial_id)]))
             for t in trials for p in records if _expected(t, p.patient) != _got(rows[(p.id, t.trial_id)])]
    return rows, wrong


def test_setwise_agrees_with_screen_on_demo(demo_batch):
    trials = list(read_trials(demo_batch))
    assert len(trials) >= 9
    rows, wrong = _agreement(trials, _records(20))
    assert not wrong, wrong[:3]
    verdicts = {r["verdict"] for r in rows.values()}
    assert {"ineligible", "undetermined"} <= verdicts
    assert any(r["cohorts"] for r in rows.values())  # the seed trial's B-ALL / B-NHL cohorts


def test_setwise_agrees_with_screen_on_xml_sample(xml_batch):
    trials = list(read_trials(xml_batch))
    assert len(trials) >= 45
    rows, wrong = _agreement(trials, _records(20, seed=7))
    assert not wrong, wrong[:3]
    assert sum(r["verdict"] == "eligible" for r in rows.values()) + sum(r["n_missing"] > 0 for r in rows.values())


def test_plain_patients_with_answers_and_units_agree(demo_batch):
    trials = list(read_trials(demo_batch))
    plain = [{"id": "a", "age": {"value": 240, "unit": "mo"}, "sex": "female", "ecog": 1,
              "labs": {"creatinine": {"value": 150, "unit": "umol/L"}, "alt": {"value": 2.1, "unit": "ULN"},
                       "bilirubin": {"value": 20, "unit": "umol/L", "uln": 17}}, "conditions": ["B-ALL"],
              "answers": {"inc.1": True, "exc.1": False}},
             {"id": "b", "age": 70, "sex": "male", "labs": {"platelets": 80}, "conditions": ["asthma", "B-NHL"]}]
    records = [PatientRecord(p["id"], "dict", validate_patient(p)) for p in plain]
    _, wrong = _agreement(trials, records)
    assert not wrong, wrong[:3]


def test_time_window_in_match_is_screen_bundle(demo_batch):
    trial = next(t for t in read_trials(demo_batch) if t.trial_id == "NCT04532203")
    b = bundle("w1", birth="2000-01-01", gender="female", meds=[Med("prednisone", "2026-11-01", "2026-11-25")])
    fp = read_bundle(b, AS_OF)
    row = match_arrow([PatientRecord("w1", "x", validate_patient(fp.patient), fp)], [trial]).to_pylist()[0]
    res = screen_bundle(trial, b, AS_OF)
    steroid = [cr for c in res.criteria for cr in c.constraints if cr.subject == "systemic steroids"]
    assert steroid and steroid[0].status == "met" and "MedicationStatement/w1-med0" in steroid[0].reason
    assert "systemic steroids" not in row["missing"]  # decided by the medication's period
    windows = fp.with_windows([c.subject for c in trial.constraints if c.category == "temporal"])
    assert windows["systemic steroids"] == {"value": 6, "unit": "d", "since": True}  # a time since, no duration
    assert _got(row) == _expected(trial, windows) and row["verdict"] == res.verdict


def _write_ndjson(folder: Path, bundles):
    by_type = {}
    for b in bundles:
        for e in b["entry"]:
            by_type.setdefault(e["resource"]["resourceType"], []).append(json.dumps(e["resource"]))
    folder.mkdir()
    for t, lines in by_type.items():
        (folder / f"{t}.ndjson").write_text("\n".join(lines) + "\n")


def test_cli_match_formats_ndjson_and_ranking(tmp_path, demo_batch):
    bundles = list(random_bundles(12, seed=5, as_of=AS_OF))
    folder = tmp_path / "bundles"
    folder.mkdir()
    for b in bundles:
        (folder / f"{b['entry'][0]['resource']['id']}.json").write_text(json.dumps(b))
    (folder / "broken.json").write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "bad", "birthDate": "yesterday"}}]}))
    _write_ndjson(tmp_path / "bulk", bundles)
    outs = {}
    for name, src, fmt in (("p", folder, "parquet"), ("j", folder, "jsonl"), ("d", folder, "duckdb"),
                           ("n", tmp_path / "bulk", "parquet")):
        res = CliRunner().invoke(app, ["match", str(src), "--trials", str(demo_batch), "--out", str(tmp_path / name),
                                       "--format", fmt, "--as-of", AS_OF])
        assert res.exit_code == 0, res.output
        outs[name] = _read_matches(tmp_path / name, fmt)
    assert outs["p"] == outs["j"] == outs["d"] == outs["n"]
    rows = outs["p"]
    n_trials = len(list(read_trials(demo_batch)))
    assert len(rows) == 12 * n_trials
    order = {"eligible": 0, "undetermined": 1, "ineligible": 2}
    for pid in {r["patient_id"] for r in rows}:
        mine = [r for r in rows if r["patient_id"] == pid]
        assert [r["rank"] for r in mine] == list(range(1, n_trials + 1))
        keys = [(order[r["verdict"]], r["n_missing"]) for r in mine]
        assert keys == sorted(keys)
    manifest = json.loads((tmp_path / "p" / "_manifest.json").read_text())
    assert manifest["counts"]["patient_errors"] == 1 and manifest["as_of"] == AS_OF
    errors = _read_table(tmp_path / "p", "parquet", "errors")
    assert "Patient/bad" in errors[0]["error"] and "birthDate" in errors[0]["error"]
    again = CliRunner().invoke(app, ["match", str(folder), "--trials", str(demo_batch), "--out", str(tmp_path / "p")])
    assert again.exit_code == 2 and "--overwrite" in again.output
    top = CliRunner().invoke(app, ["match", str(folder), "--trials", str(demo_batch), "--out", str(tmp_path / "p"),
                                   "--overwrite", "--top", "2", "--as-of", AS_OF])
    assert top.exit_code == 0 and len(_read_matches(tmp_path / "p", "parquet")) == 24


def _read_table(out: Path, fmt: str, table: str):
    import duckdb

    if fmt == "jsonl":
        return [json.loads(x) for x in (out / f"{table}.jsonl").read_text().splitlines()]
    if fmt == "duckdb":
        con = duckdb.connect(str(out / "critparse.duckdb"), read_only=True)
        return [dict(zip([d[0] for d in con.description], r)) for r in con.execute(f"SELECT * FROM {table}").fetchall()]
    import pyarrow.parquet as pq

    return pq.read_table(out / table / "part-0.parquet").to_pylist()


def _read_matches(out: Path, fmt: str):
    return sorted(({k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in r.items()}
                   for r in _read_table(out, fmt, "matches")), key=lambda r: (r["patient_id"], r["rank"]))


def test_read_patients_splits_multi_patient_bundle(tmp_path):
    a, b = list(random_bundles(2, seed=9, as_of=AS_OF))
    both = {"resourceType": "Bundle", "type": "searchset", "entry": a["entry"] + b["entry"]}
    (tmp_path / "both.json").write_text(json.dumps(both))
    records, errors = read_patients(tmp_path, AS_OF)
    assert not errors.rows and sorted(r.id for r in records) == ["p00000", "p00001"]
    assert records[0].patient == read_bundle(a, AS_OF).patient


def test_coded_conditions_agree_with_screen_in_full_mode(tmp_path, full):
    """Patient conditions given as ICD-10-CM codes: the matcher reads the entities' codes from a
    full-mode batch, as screening does (G40.909 within the seed's exc.1 'epilepsy', B20 within exc.10
    'HIV infection')."""
    run_batch(DEMO / "NCT04532203.eligibility.md", tmp_path / "out", mode="full", workers=1, progress=False)
    trials = list(read_trials(tmp_path / "out"))
    assert {(e.criterion, e.text) for t in trials for e in t.entities} >= {("exc.1", "epilepsy"),
                                                                       ("exc.10", "HIV infection")}
    plain = [{"id": "epi", "age": 30, "sex": "female", "conditions": ["G40.909"]},
             {"id": "hiv", "age": 30, "sex": "male", "conditions": ["B20", "asthma"]},
             {"id": "other", "age": 30, "sex": "male", "conditions": ["J45.909"]},
             {"id": "none", "age": 30}]
    records = [PatientRecord(p["id"], "dict", validate_patient(p)) for p in plain]
    rows, wrong = _agreement(trials, records)
    assert not wrong, wrong[:3]
    tid = trials[0].trial_id
    assert "exc.1" in rows[("epi", tid)]["failed"] and rows[("epi", tid)]["verdict"] == "ineligible"
    assert "exc.10" in rows[("hiv", tid)]["failed"] and rows[("hiv", tid)]["verdict"] == "ineligible"
    assert not {"exc.1", "exc.10"} & set(rows[("other", tid)]["failed"])


def test_a_duration_is_not_tested_against_a_window_in_match_either():
    # NCT00000361: "corticosteroids for more than 30 days" against a 5-day course that ended 62 days ago
    trial = critparse.parse("Exclusion Criteria:\n- Have used corticosteroids for more than 30 days within the past "
                            "90 days.\n", trial_id="NCT00000361", mode="fast")
    b = bundle("w2", birth="1960-01-01", gender="female", meds=[Med("prednisone", "2026-09-25", "2026-09-30")])
    fp = read_bundle(b, AS_OF)
    row = match_arrow([PatientRecord("w2", "x", validate_patient(fp.patient), fp)], [trial]).to_pylist()[0]
    res = screen_bundle(trial, b, AS_OF)
    assert res.verdict == "undetermined" and row["verdict"] == res.verdict
