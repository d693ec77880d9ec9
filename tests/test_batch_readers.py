"""Readers: each input format on real records, and bad records kept as errors."""

from __future__ import annotations

import csv
import gzip
import json
import tarfile
import zipfile
from itertools import islice
from pathlib import Path

import pytest

from conftest import corpus_file
from critparse.batch.readers import InputError, count_hint, file_format, iter_records

V2 = "ctgov_v2_json_sample/original/ctg-studies(5).json"
TAR = "ctgov_xml_2023/original/ctgov_xml_6786.tar.gz"
DERIVED = "ctgov_xml_2023/derived/eligibility.jsonl.gz"


def _nct(study: dict) -> str:
    return study["protocolSection"]["identificationModule"]["nctId"]


def _derived(corpora, n: int):
    with gzip.open(corpus_file(corpora, DERIVED), "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in islice(fh, n)]


def test_v2_json_array(corpora):
    f = corpus_file(corpora, V2)
    recs = list(iter_records(f))
    assert len(recs) == 50
    assert all(r.trial_id.startswith("NCT") and r.error is None for r in recs)
    assert all(r.text and "Inclusion" in r.text for r in recs[:5])
    assert {r.info.sex for r in recs} <= {"all", "female", "male"}
    assert any(r.info.minimum_age and r.info.minimum_age.endswith("Years") for r in recs)
    assert recs[0].info.source_format == "ctgov_v2_json"
    assert recs[0].source == "ctg-studies(5).json#1"  # relative to the input: tables do not depend on its folder
    assert count_hint(f) == 50


@pytest.mark.parametrize("layout", ["one study per line", "one line"])
def test_v2_json_array_with_a_corrupt_study_in_the_middle(corpora, tmp_path, layout):
    studies = json.loads(corpus_file(corpora, V2).read_text(encoding="utf-8"))[:7]
    items = [json.dumps(s) for s in studies]
    # study 4: a value that is not JSON (brackets still balanced), as a truncated export writes it
    items[3] = items[3].replace('"eligibilityModule":', '"eligibilityModule": oops', 1)
    f = tmp_path / "ctg-studies.json"
    if layout == "one study per line":  # the registry's download layout
        f.write_text("[\n" + ",\n".join(items) + "\n]", encoding="utf-8")
    else:
        f.write_text("[" + ",".join(items) + "]", encoding="utf-8")
    recs = list(iter_records(f))
    assert [r.trial_id for r in recs] == [_nct(s) for s in studies]  # every study once, in order
    assert [bool(r.error) for r in recs] == [False, False, False, True, False, False, False]
    assert "array item 4" in recs[3].error and recs[3].source == "ctg-studies.json#4"


def test_v2_json_array_cut_short(corpora, tmp_path):
    studies = json.loads(corpus_file(corpora, V2).read_text(encoding="utf-8"))[:3]
    text = "[\n" + ",\n".join(json.dumps(s) for s in studies) + "\n]"
    f = tmp_path / "ctg-studies.json"
    f.write_text(text[: len(text) - 2000], encoding="utf-8")  # an interrupted download
    recs = list(iter_records(f))
    assert [r.trial_id for r in recs] == [_nct(s) for s in studies]
    assert recs[2].error and not recs[0].error and not recs[1].error


def test_v2_folder_zip_and_jsonl(corpora, tmp_path):
    studies = json.loads(corpus_file(corpora, V2).read_text(encoding="utf-8"))[:6]
    ids = [_nct(s) for s in studies]
    # a zip of per-study JSON files, as the registry's bulk download gives
    z = tmp_path / "ctg.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for s in studies:
            zf.writestr(f"{_nct(s)}.json", json.dumps(s))
    assert [r.trial_id for r in iter_records(z)] == sorted(ids)
    assert count_hint(z) == 6
    # a folder of per-study JSON files
    d = tmp_path / "studies"
    d.mkdir()
    for s in studies:
        (d / f"{_nct(s)}.json").write_text(json.dumps(s, indent=2), encoding="utf-8")
    recs = list(iter_records(d))
    assert [r.trial_id for r in recs] == sorted(ids) and recs[0].source == f"{sorted(ids)[0]}.json"
    # JSON Lines, gzipped
    jl = tmp_path / "studies.jsonl.gz"
    with gzip.open(jl, "wt", encoding="utf-8") as fh:
        for s in studies:
            fh.write(json.dumps(s) + "\n")
    assert [r.trial_id for r in iter_records(jl)] == ids
    assert count_hint(jl) == 6


def test_legacy_xml_tar_streams_and_skips_non_study_files(corpora):
    f = corpus_file(corpora, TAR)
    skipped = []
    recs = list(islice(iter_records(f, on_skip=lambda s, why: skipped.append(s)), 30))
    assert len(recs) == 30
    assert all(r.trial_id.startswith("NCT") for r in recs)
    assert recs[0].trial_id == "NCT00000102"
    assert recs[0].source == "ctgov_xml_6786.tar.gz::NCT0000xxxx/NCT00000102.xml"
    assert recs[0].info.source_format == "ctgov_xml" and recs[0].info.sex in ("all", "male", "female")
    assert recs[0].info.minimum_age and recs[0].info.minimum_age.endswith(("Years", "Months"))
    assert sum(1 for r in recs if r.text) >= 28


def test_legacy_xml_unpacked_folder_and_zip(corpora, tmp_path):
    """A few members of the real tar, unpacked with SearchResults.csv beside them, and zipped."""
    f = corpus_file(corpora, TAR)
    d = tmp_path / "unpacked"
    names = []
    with tarfile.open(f, "r|gz") as t:
        for m in t:
            if m.isfile() and (m.name.endswith(".xml") and len(names) < 12 or m.name == "SearchResults.csv"):
                target = d / m.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(t.extractfile(m).read())
                if m.name.endswith(".xml"):
                    names.append(m.name)
    assert (d / "SearchResults.csv").exists()
    skipped = []
    recs = list(iter_records(d, on_skip=lambda s, why: skipped.append((s, why))))
    assert len(recs) == 12 and all(r.error is None for r in recs)
    assert sorted(r.source for r in recs) == sorted(names)
    assert skipped == [("SearchResults.csv", "no 'nct_id'/'criteria' columns")]
    assert "&#xD;" not in recs[0].text and "Criteria" in " ".join(r.text or "" for r in recs)
    assert count_hint(d) == 12
    z = tmp_path / "xml.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for n in names:
            zf.write(d / n, n)
    assert [r.trial_id for r in iter_records(z)] == sorted(r.trial_id for r in recs)


def test_derived_jsonl(corpora):
    f = corpus_file(corpora, DERIVED)
    recs = list(islice(iter_records(f), 10))
    assert all(r.trial_id.startswith("NCT") and r.error is None for r in recs)
    assert recs[0].info.source_format == "ctgov_jsonl"


def test_corrupt_jsonl_line_in_the_middle(tmp_path):
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
    (tmp_path / "broken.xml").write_text("<clinical_study><id_info><nct_id>NCT10000002</nct_id></id_info><elig")
    recs = list(iter_records(tmp_path))
    assert [r.trial_id for r in recs] == ["NCT10000001", "NCT10000002"]  # the id is recovered from the broken file
    assert recs[0].info.minimum_age == "18 Years" and recs[0].info.maximum_age is None
    assert recs[1].error.startswith("bad XML")


def _aact_file(path: Path, rows) -> None:
    """An AACT eligibilities.txt: pipe-delimited, criteria quoted when they hold newlines or quotes."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter="|", quotechar='"', lineterminator="\n")
        w.writerow(["id", "nct_id", "sampling_method", "gender", "minimum_age", "maximum_age", "healthy_volunteers",
                    "population", "criteria", "gender_description", "gender_based"])
        for i, r in enumerate(rows, 1):
            w.writerow([i, r["nct_id"], "", r["gender"], r["minimum_age"], r["maximum_age"],
                        r.get("healthy_volunteers") or "", "", r["criteria"], "", ""])


def test_aact_eligibilities_of_real_records(corpora, tmp_path):
    rows = _derived(corpora, 15)
    f = tmp_path / "eligibilities.txt"
    _aact_file(f, rows)
    assert sum("\n" in r["criteria"] for r in rows) > 10  # newlines inside quoted fields
    recs = list(iter_records(f))
    assert [r.trial_id for r in recs] == [r["nct_id"] for r in rows]
    assert [r.text for r in recs] == [r["criteria"] for r in rows]
    assert recs[0].info.source_format == "aact" and recs[0].source == "eligibilities.txt:2"
    assert [r.info.minimum_age for r in recs] == [None if r["minimum_age"] in ("N/A", "") else r["minimum_age"] for r in rows]
    assert count_hint(f) == 15


def test_aact_corrupt_row_in_the_middle(corpora, tmp_path):
    rows = _derived(corpora, 5)
    f = tmp_path / "eligibilities.txt"
    _aact_file(f, rows)
    lines = f.read_text(encoding="utf-8").split("\n")
    # a row with a stray extra field, after the first records
    idx = next(i for i, line in enumerate(lines) if line.startswith("3|"))
    parts = lines[idx].split("|", 3)
    lines[idx] = "|".join(parts[:3] + ["stray", parts[3]])
    f.write_text("\n".join(lines), encoding="utf-8")
    recs = list(iter_records(f))
    assert [r.trial_id for r in recs][:2] == [rows[0]["nct_id"], rows[1]["nct_id"]]
    assert len(recs) == 5 and sum(bool(r.error) for r in recs) == 1
    assert recs[2].trial_id == rows[2]["nct_id"] and "fields" in recs[2].error
    assert [r.trial_id for r in recs][3:] == [rows[3]["nct_id"], rows[4]["nct_id"]]


def test_csv_and_parquet_with_named_columns(corpora, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = _derived(corpora, 8)
    f = tmp_path / "mine.csv"
    with open(f, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["study", "text", "other"])
        for r in rows:
            w.writerow([r["nct_id"], r["criteria"], "x"])
    recs = list(iter_records(f, id_column="study", text_column="text"))
    assert [(r.trial_id, r.text) for r in recs] == [(r["nct_id"], r["criteria"]) for r in rows]
    with pytest.raises(InputError, match="--id-column"):  # the columns must exist
        list(iter_records(f))
    p = tmp_path / "mine.parquet"
    pq.write_table(pa.table({"study": [r["nct_id"] for r in rows], "text": [r["criteria"] for r in rows]}), p)
    recs = list(iter_records(p, id_column="study", text_column="text"))
    assert [(r.trial_id, r.text) for r in recs] == [(r["nct_id"], r["criteria"]) for r in rows]
    assert count_hint(p) == 8


def test_demo_corpus_mixed_formats():
    demo = Path(__file__).resolve().parents[1] / "corpora" / "demo"
    recs = list(iter_records(demo))
    assert len(recs) == 12 and len({r.trial_id for r in recs}) == 12
    assert {r.info.source_format for r in recs} == {"ctgov_v2_json", "ctgov_xml", "aact", "text"}
    errors = {r.trial_id: r.error for r in recs if r.error}
    assert list(errors) == ["NCT99000099"] and errors["NCT99000099"].startswith("bad XML")
    assert [r.trial_id for r in recs if not r.error and not r.text] == ["NCT99000007"]
    assert count_hint(demo) == 12


def test_unknown_input():
    with pytest.raises(InputError):
        list(iter_records("/nonexistent/dump.json"))
    assert file_format(Path("README.md")) is None
    assert file_format(Path("x/eligibilities.txt")) == "aact" and file_format(Path("d.tar.gz")) == "tar"


def test_json_array_streams_in_flat_memory(corpora, tmp_path):
    """Reading a JSON array 8 times larger takes about the same peak memory (a 1 MB sliding buffer)."""
    import tracemalloc

    studies = json.loads(corpus_file(corpora, V2).read_text(encoding="utf-8"))

    def peak_for(copies: int):
        f = tmp_path / f"ctg-studies-{copies}.json"
        f.write_text("[\n" + ",\n".join(json.dumps(s) for _ in range(copies) for s in studies) + "\n]", encoding="utf-8")
        tracemalloc.start()
        try:
            n = sum(1 for r in iter_records(f) if r.error is None)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert n == 50 * copies
        return peak, f.stat().st_size

    small, small_size = peak_for(2)  # 100 studies, 2.8 MB
    big, big_size = peak_for(16)  # 800 studies, 22 MB
    assert big_size > 7 * small_size
    assert big < 1.5 * small + (1 << 20), (small, big)
    assert big < big_size / 3


def test_a_line_that_is_not_utf8_is_one_error(tmp_path):
    good = {"nct_id": "NCT10000001", "criteria": "Inclusion Criteria:\n- Age >= 18 years"}
    f = tmp_path / "dump.jsonl"
    f.write_bytes(json.dumps(good).encode() + b"\n" + b'{"nct_id": "NCT10000002", "criteria": "caf\xe9"}\n'
                  + json.dumps(dict(good, nct_id="NCT10000003")).encode() + b"\n")
    recs = list(iter_records(f))
    assert [r.trial_id for r in recs] == ["NCT10000001", "NCT10000002", "NCT10000003"]
    assert [bool(r.error) for r in recs] == [False, True, False] and "UTF-8" in recs[1].error


def test_output_of_an_earlier_run_inside_the_input_is_not_read(tmp_path):
    (tmp_path / "NCT10000001.xml").write_text(
        "<clinical_study><id_info><nct_id>NCT10000001</nct_id></id_info><eligibility><criteria><textblock>"
        "Inclusion Criteria: age 18 or older</textblock></criteria></eligibility></clinical_study>")
    out = tmp_path / "out"
    out.mkdir()
    (out / "_manifest.json").write_text("{}")
    (out / "trials.jsonl").write_text(json.dumps({"trial_id": "NCT10000001", "status": "ok"}) + "\n")
    assert [r.trial_id for r in iter_records(tmp_path)] == ["NCT10000001"]
