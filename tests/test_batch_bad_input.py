"""Readers on hostile and careless input (issue 10): every bad record is one error record, the
good ones around it are kept, and nothing hangs or exhausts memory. Inputs are built in the tests;
bombs are bounded by lowering the readers' per-record limit."""

from __future__ import annotations

import gzip
import json
import os
import zipfile
from pathlib import Path

import pytest

from critparse.batch import readers
from critparse.batch.readers import iter_records

pytestmark = pytest.mark.issue(10)

CRIT = "Inclusion Criteria:\n\n* Age >= 18 years\n\nExclusion Criteria:\n\n* Pregnancy\n"


def study(nct: str, criteria=CRIT, **em) -> dict:
    return {"protocolSection": {"identificationModule": {"nctId": nct},
                                "eligibilityModule": {"eligibilityCriteria": criteria, "sex": "ALL", **em}}}


def write_jsonl(path: Path, objs) -> Path:
    path.write_text("".join(json.dumps(o) + "\n" for o in objs), encoding="utf-8")
    return path


@pytest.mark.parametrize("bad, field", [
    ({"protocolSection": {"identificationModule": {"nctId": "NCT00000002"}, "eligibilityModule": "oops"}},
     "protocolSection.eligibilityModule is a string"),
    ({"protocolSection": [1, 2]}, "protocolSection is an array"),
    ({"protocolSection": {"identificationModule": "NCT00000002", "eligibilityModule": {}}},
     "protocolSection.identificationModule is a string"),
    (study("NCT00000002", sex=3), "protocolSection.eligibilityModule.sex is a number"),
    ({"protocolSection": {"identificationModule": {"nctId": 12345678}, "eligibilityModule": {}}},
     "protocolSection.identificationModule.nctId is a number"),
    (study("NCT00000002", criteria=["a", "b"]), "eligibilityCriteria is an array"),
])
def test_wrong_json_types_are_one_error_record_each(tmp_path, bad, field):
    f = write_jsonl(tmp_path / "d.jsonl", [study("NCT00000001"), bad, study("NCT00000003")])
    recs = list(iter_records(f))
    assert [r.error is None for r in recs] == [True, False, True]
    assert field in recs[1].error and recs[1].error.startswith("wrong JSON type")
    assert recs[0].text == CRIT and recs[2].trial_id == "NCT00000003"


def test_lone_surrogates_become_replacement_characters(tmp_path):
    f = tmp_path / "d.jsonl"
    f.write_text('{"protocolSection": {"identificationModule": {"nctId": "NCT0000000\\udfff"}, '
                 '"eligibilityModule": {"eligibilityCriteria": "Age \\ud800>= 18"}}}\n', encoding="utf-8")
    (rec,) = iter_records(f)
    assert rec.trial_id == "NCT0000000\ufffd" and rec.text == "Age \ufffd>= 18"
    rec.text.encode("utf-8")  # encodable: Arrow, DuckDB and JSON writers take it


def test_a_jsonl_line_over_the_limit_is_one_error_and_the_next_lines_are_read(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_RECORD_BYTES", 4096)
    big = json.dumps(study("NCT00000002", criteria="x" * 50_000))
    f = tmp_path / "d.jsonl"
    f.write_text(json.dumps(study("NCT00000001")) + "\n" + big + "\n" + json.dumps(study("NCT00000003")) + "\n")
    recs = list(iter_records(f))
    assert [r.trial_id for r in recs] == ["NCT00000001", "d.jsonl:2", "NCT00000003"]
    assert "longer than" in recs[1].error and recs[0].error is None and recs[2].error is None


def test_zip_bomb_member_is_one_error_and_good_members_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_RECORD_BYTES", 1 << 16)
    z = tmp_path / "dump.zip"
    good = "<clinical_study><id_info><nct_id>{}</nct_id></id_info><eligibility><criteria><textblock>" \
           "Age >= 18</textblock></criteria></eligibility></clinical_study>"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("NCT00000001.xml", good.format("NCT00000001"))
        zf.writestr("NCT00000002.xml", "<a>" + " " * (4 << 20) + "</a>")  # 4 MiB from a few KiB
        zf.writestr("NCT00000003.json", json.dumps(study("NCT00000003", criteria="y" * (1 << 17))))
        zf.writestr("NCT00000004.xml", good.format("NCT00000004"))
    assert z.stat().st_size < 64 << 10
    recs = list(iter_records(z))
    assert [r.trial_id for r in recs] == ["NCT00000001", "NCT00000002", "NCT00000003", "NCT00000004"]
    assert [r.error is None for r in recs] == [True, False, False, True]
    assert "larger than" in recs[1].error and "larger than" in recs[2].error


def test_zip_member_with_dotdot_or_absolute_path_is_an_error_record(tmp_path):
    z = tmp_path / "dump.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("../NCT00000001.json", json.dumps(study("NCT00000001")))
        zf.writestr("/abs/NCT00000002.json", json.dumps(study("NCT00000002")))
        zf.writestr("ok/NCT00000003.json", json.dumps(study("NCT00000003")))
    recs = {r.trial_id: r for r in iter_records(z)}
    assert "'..' part" in recs["NCT00000001"].error
    assert "absolute path" in recs["NCT00000002"].error
    assert recs["NCT00000003"].error is None


def test_tar_members_under_dot_slash_are_read(tmp_path):
    import io
    import tarfile

    f = tmp_path / "dump.tar.gz"
    data = json.dumps(study("NCT00000001")).encode()
    with tarfile.open(f, "w:gz") as tf:
        ti = tarfile.TarInfo("./NCT00000001.json")
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
        ti = tarfile.TarInfo("../NCT00000002.json")
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
    recs = list(iter_records(f))
    assert [(r.trial_id, r.error is None) for r in recs] == [("NCT00000001", True), ("NCT00000002", False)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo (POSIX)")
def test_fifo_and_broken_symlink_are_error_records_not_a_hang(tmp_path):
    d = tmp_path / "dump"
    d.mkdir()
    write_jsonl(d / "a.jsonl", [study("NCT00000001")])
    os.mkfifo(d / "NCT00000002.xml")  # opening it would block forever
    (d / "NCT00000003.json").symlink_to(d / "missing.json")
    recs = {r.trial_id: r for r in iter_records(d)}  # returns: nothing opened the FIFO
    assert "FIFO" in recs["NCT00000002"].error
    assert "broken symbolic link" in recs["NCT00000003"].error
    assert recs["NCT00000001"].error is None
    assert readers.count_hint(d) == 1  # the progress count does not open them either


def test_unreadable_subfolder_is_an_error_record(tmp_path, monkeypatch):
    d = tmp_path / "dump"
    (d / "locked").mkdir(parents=True)
    write_jsonl(d / "locked" / "x.jsonl", [study("NCT00000009")])
    write_jsonl(d / "a.jsonl", [study("NCT00000001")])
    real = os.scandir

    def scandir(path="."):  # as chmod 000 does for a user that is not root
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    recs = list(iter_records(d))
    errs = [r for r in recs if r.error]
    assert [r.trial_id for r in recs if not r.error] == ["NCT00000001"]
    assert len(errs) == 1 and "cannot read folder locked" in errs[0].error


def test_utf8_bom_csv_is_read(tmp_path):
    f = tmp_path / "trials.csv"
    f.write_bytes("\ufeffnct_id,criteria\nNCT00000001,Age >= 18\n".encode("utf-8"))
    (rec,) = iter_records(f)
    assert rec.trial_id == "NCT00000001" and rec.text == "Age >= 18" and rec.error is None


def test_latin1_csv_gives_its_rows_with_a_note(tmp_path):
    f = tmp_path / "trials.csv"
    f.write_bytes("nct_id,criteria\nNCT00000001,Age \u2265 18 ans r\xe9volus\nNCT00000002,No caf\xe9\n"
                  .replace("\u2265", ">=").encode("latin-1"))
    notes = []
    recs = list(iter_records(f, on_note=lambda src, why: notes.append((src, why))))
    assert [r.text for r in recs] == ["Age >= 18 ans r\xe9volus", "No caf\xe9"]
    assert notes == [("trials.csv", "not UTF-8: decoded as cp1252")]


@pytest.mark.parametrize("name, header, sep", [("trials.csv", "nct_id,criteria", ","),
                                               ("eligibilities.txt", "id|nct_id|gender|criteria", "|")])
def test_unterminated_quote_does_not_merge_the_next_record_silently(tmp_path, name, header, sep):
    lead = "" if sep == "," else "1|"
    lead2 = "" if sep == "," else "2|"
    lead3 = "" if sep == "," else "3|"
    g = "" if sep == "," else "All|"
    rows = [f"{lead}NCT00000001{sep}{g}\"Age >= 18 (no closing quote",
            f"{lead2}NCT00000002{sep}{g}Pregnancy",
            f"{lead3}NCT00000003{sep}{g}\"Ok, quoted\""]
    f = tmp_path / name
    f.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    recs = list(iter_records(f))
    assert recs and recs[0].error and "unterminated quote" in recs[0].error and "NCT00000002" in recs[0].error
    assert not any(r.error is None and "Pregnancy" in (r.text or "") and r.trial_id == "NCT00000001" for r in recs)


def test_gzip_jsonl_bomb_line_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_RECORD_BYTES", 1 << 16)
    f = tmp_path / "d.jsonl.gz"
    with gzip.open(f, "wb") as fh:
        fh.write(b'{"nct_id": "NCT00000001", "criteria": "' + b"a" * (8 << 20) + b'"}\n')
        fh.write((json.dumps({"nct_id": "NCT00000002", "criteria": "Age >= 18"}) + "\n").encode())
    recs = list(iter_records(f))
    assert recs[0].error and "longer than" in recs[0].error
    assert recs[1].trial_id == "NCT00000002" and recs[1].error is None
