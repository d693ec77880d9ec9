"""Readers: each input format on real records, and bad records kept as errors."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from itertools import islice

import pytest

from conftest import corpus_file
from critparse.batch.readers import InputError, file_format, iter_records


def test_v2_json_array(corpora):
    f = corpus_file(corpora, "ctgov_v2_json_sample/original/ctg-studies(5).json")
    recs = list(iter_records(f))
    assert len(recs) == 50
    assert all(r.trial_id.startswith("NCT") and r.error is None for r in recs)
    assert all(r.text and "Inclusion" in r.text for r in recs[:5])
    assert {r.info.sex for r in recs} <= {"all", "female", "male"}
    assert any(r.info.minimum_age and r.info.minimum_age.endswith("Years") for r in recs)
    assert recs[0].info.source_format == "ctgov_v2_json"


def test_v2_folder_zip_and_jsonl(corpora, tmp_path):
    f = corpus_file(corpora, "ctgov_v2_json_sample/original/ctg-studies(5).json")
    studies = json.loads(f.read_text(encoding="utf-8"))[:6]
    # a zip of per-study JSON files, as the registry's bulk download gives
    z = tmp_path / "ctg.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for s in studies:
            zf.writestr(f"{s['protocolSection']['identificationModule']['nctId']}.json", json.dumps(s))
    ids = [r.trial_id for r in iter_records(z)]
    assert ids == sorted(s["protocolSection"]["identificationModule"]["nctId"] for s in studies)
    # JSON Lines, gzipped
    jl = tmp_path / "studies.jsonl.gz"
    with gzip.open(jl, "wt", encoding="utf-8") as fh:
        for s in studies:
            fh.write(json.dumps(s) + "\n")
    assert [r.trial_id for r in iter_records(jl)] == [s["protocolSection"]["identificationModule"]["nctId"] for s in studies]


def test_legacy_xml_tar_streams_and_skips_non_study_files(corpora):
    f = corpus_file(corpora, "ctgov_xml_2023/original/ctgov_xml_6786.tar.gz")
    recs = list(islice(iter_records(f), 30))
    assert len(recs) == 30
    assert all(r.trial_id.startswith("NCT") for r in recs)
    assert recs[0].trial_id == "NCT00000102"
    assert recs[0].info.source_format == "ctgov_xml" and recs[0].info.sex in ("all", "male", "female")
    assert sum(1 for r in recs if r.text) >= 28


def test_derived_jsonl(corpora):
    f = corpus_file(corpora, "ctgov_xml_2023/derived/eligibility.jsonl.gz")
    recs = list(islice(iter_records(f), 10))
    assert all(r.trial_id.startswith("NCT") and r.error is None for r in recs)
    assert recs[0].info.source_format == "ctgov_jsonl"


def test_corrupt_record_in_the_middle(tmp_path):
    good = {"nct_id": "NCT10000001", "criteria": "Inclusion Criteria:\n- Age >= 18 years"}
    lines = [json.dumps(good), '{"nct_id": "NCT10000002", "criteria": "broken', json.dumps(dict(good, nct_id="NCT10000003"))]
    f = tmp_path / "dump.jsonl"
    f.write_text("\n".join(lines) + "\n")
    recs = list(iter_records(f))
    assert [r.trial_id for r in recs] == ["NCT10000001", "NCT10000002", "NCT10000003"]
    assert recs[1].error and "line 2" in recs[1].error
    assert recs[0].error is None and recs[2].error is None


def test_broken_xml_file_in_a_folder_is_one_error(tmp_path):
    (tmp_path / "NCT10000001.xml").write_text(
        "<clinical_study><id_info><nct_id>NCT10000001</nct_id></id_info><eligibility><criteria><textblock>"
        "Inclusion Criteria: age 18 or older</textblock></criteria><gender>All</gender>"
        "<minimum_age>18 Years</minimum_age><maximum_age>N/A</maximum_age></eligibility></clinical_study>")
    (tmp_path / "NCT10000002.xml").write_text("<clinical_study><id_info><nct_id>NCT1000")
    recs = list(iter_records(tmp_path))
    assert [r.trial_id for r in recs] == ["NCT10000001", "NCT10000002"]
    assert recs[0].info.minimum_age == "18 Years" and recs[0].info.maximum_age is None
    assert recs[1].error.startswith("bad XML")


def test_aact_pipe_delimited_with_newlines(tmp_path):
    f = tmp_path / "eligibilities.txt"
    f.write_text('id|nct_id|gender|minimum_age|maximum_age|criteria\n'
                 '1|NCT10000001|All|18 Years|75 Years|"Inclusion Criteria:\n  - ANC >= 1.5 x 10^9/L\n  - ECOG 0-1"\n'
                 '2|NCT10000002|Female|N/A|N/A|\n')
    recs = list(iter_records(f))
    assert [r.trial_id for r in recs] == ["NCT10000001", "NCT10000002"]
    assert "ECOG 0-1" in recs[0].text and recs[0].info.maximum_age == "75 Years"
    assert recs[1].info.sex == "female" and not recs[1].text


def test_csv_with_named_columns(tmp_path):
    import csv

    f = tmp_path / "mine.csv"
    with open(f, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["study", "text"])
        w.writerow(["S1", "Creatinine <= 1.5 mg/dL"])
    assert [(r.trial_id, r.text) for r in iter_records(f, id_column="study", text_column="text")] == [("S1", "Creatinine <= 1.5 mg/dL")]
    (r,) = list(iter_records(f))  # wrong columns: one error record, not a crash
    assert r.error and "--id-column" in r.error


def test_unknown_input():
    with pytest.raises(InputError):
        list(iter_records("/nonexistent/dump.json"))
    assert file_format(__import__("pathlib").Path("README.md")) is None
