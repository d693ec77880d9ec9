"""Batch engine: count in = count out, errors kept, determinism, resume after a kill, formats."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from critparse.batch.engine import TABLES, run_batch

SEED = Path(__file__).resolve().parents[1] / "corpora" / "demo" / "NCT04532203.eligibility.md"


def _dump(tmp_path: Path, n: int = 40, bad_at: int = 17) -> Path:
    """A JSON Lines dump of n real-text studies, one corrupt line and one without criteria."""
    seed = SEED.read_text(encoding="utf-8")
    blocks = seed.split("\n\n")
    lines = []
    for i in range(n):
        tid = f"NCT{20000000 + (i * 7919) % 10000:08d}"  # ids not in input order
        if i == bad_at:
            lines.append('{"nct_id": "' + tid + '", "criteria": "unterminated')
            continue
        text = "" if i == 5 else "\n\n".join(blocks[: 3 + i % (len(blocks) - 3)])
        lines.append(json.dumps({"nct_id": tid, "criteria": text, "gender": "All", "minimum_age": "18 Years",
                                 "maximum_age": "N/A"}))
    f = tmp_path / "dump.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f


def _table(out: Path, name: str):
    import pyarrow.parquet as pq

    return pq.read_table(out / name).to_pandas()


def test_count_in_equals_count_out_and_errors_kept(tmp_path):
    f = _dump(tmp_path)
    out = tmp_path / "out"
    s = run_batch(f, out, mode="fast", workers=1, chunk_size=7, progress=False)
    trials = _table(out, "trials")
    assert len(trials) == 40 == s.read
    assert trials["trial_id"].is_unique
    assert list(trials["trial_id"]) == sorted(trials["trial_id"])  # sorted by trial id
    assert (trials["status"] == "error").sum() == 1 and (trials["status"] == "empty").sum() == 1
    errors = _table(out, "errors")
    assert set(errors["stage"]) == {"read"} and len(errors) == 2
    assert errors["message"].str.contains("bad JSON line 18").any()
    assert trials.loc[trials.status == "ok", "minimum_age_years"].eq(18.0).all()
    cons = _table(out, "constraints")
    assert {"creatinine", "alt", "age"} <= set(cons["subject"])
    assert list(cons.columns) == [c for c, _ in TABLES["constraints"]]


def test_deterministic_and_formats(tmp_path):
    f = _dump(tmp_path, n=20)
    a, b = tmp_path / "a", tmp_path / "b"
    run_batch(f, a, mode="fast", workers=1, chunk_size=3, progress=False)
    run_batch(f, b, mode="fast", workers=1, chunk_size=9, progress=False)
    for t in TABLES:
        pa_, pb_ = a / t / "part-0.parquet", b / t / "part-0.parquet"
        assert pa_.read_bytes() == pb_.read_bytes(), t
    j = tmp_path / "j"
    run_batch(f, j, fmt="jsonl", mode="fast", workers=1, progress=False)
    rows = [json.loads(x) for x in (j / "trials.jsonl").read_text().splitlines()]
    assert len(rows) == 20
    import duckdb

    d = tmp_path / "d"
    run_batch(f, d, fmt="duckdb", mode="fast", workers=1, progress=False)
    con = duckdb.connect(str(d / "critparse.duckdb"), read_only=True)
    assert con.execute("select count(*) from trials").fetchone()[0] == 20
    assert con.execute("select count(*) from constraints where subject='creatinine'").fetchone()[0] > 0


def test_resume_after_kill_gives_the_same_tables(tmp_path):
    f = _dump(tmp_path, n=60)
    clean = tmp_path / "clean"
    run_batch(f, clean, mode="fast", workers=1, chunk_size=4, progress=False)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "critparse", "batch", str(f), "--out", str(out), "--mode", "fast", "-w", "1",
           "--chunk-size", "4", "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done = out / "_parts" / "_done"
    deadline = time.time() + 120
    while time.time() < deadline and (not done.exists() or len(list(done.glob("*.json"))) < 3):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    n_done = len(list(done.glob("*.json")))
    assert 0 < n_done < 15, "the run was not interrupted mid-way"
    r = subprocess.run(cmd + ["--resume"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "chunks resumed" in r.stdout
    for t in TABLES:
        assert (out / t / "part-0.parquet").read_bytes() == (clean / t / "part-0.parquet").read_bytes(), t


def test_parallel_workers_match_single_process(tmp_path):
    f = _dump(tmp_path, n=24)
    one, two = tmp_path / "one", tmp_path / "two"
    run_batch(f, one, mode="fast", workers=1, chunk_size=5, progress=False)
    run_batch(f, two, mode="fast", workers=2, chunk_size=5, progress=False)
    for t in TABLES:
        assert (one / t / "part-0.parquet").read_bytes() == (two / t / "part-0.parquet").read_bytes(), t


def test_full_mode_workers_match_single_process(tmp_path):
    # full mode warms the pipeline and the linking indexes before forking its workers (a renamed index
    # attribute once broke every full-mode run with two workers)
    f = _dump(tmp_path, n=6)
    one, two = tmp_path / "one", tmp_path / "two"
    run_batch(f, one, mode="full", workers=1, chunk_size=3, progress=False)
    s = run_batch(f, two, mode="full", workers=2, chunk_size=3, progress=False)
    assert s.parsed > 0
    for t in TABLES:
        assert (one / t / "part-0.parquet").read_bytes() == (two / t / "part-0.parquet").read_bytes(), t


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="format"):
        run_batch(tmp_path, tmp_path / "o", fmt="xlsx", progress=False)
    r = subprocess.run([sys.executable, "-m", "critparse", "batch", str(tmp_path / "nope"), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "nope" in r.stderr and r.stderr.count("\n") == 1


def _real_tar_sample(corpora, tmp_path: Path, n_xml: int = 25) -> Path:
    """A .tar.gz of real legacy records: the first n_xml, two without criteria, and SearchResults.csv."""
    import tarfile

    from conftest import corpus_file

    src = corpus_file(corpora, "ctgov_xml_2023/original/ctgov_xml_6786.tar.gz")
    wanted = {"NCT0000xxxx/NCT00000180.xml", "NCT0000xxxx/NCT00000804.xml", "SearchResults.csv"}
    out = tmp_path / "sample.tar.gz"
    taken = 0
    with tarfile.open(src, "r|gz") as t, tarfile.open(out, "w:gz") as w:
        for m in t:
            if not m.isfile():
                continue
            if m.name in wanted or (m.name.endswith(".xml") and taken < n_xml):
                taken += m.name not in wanted
                w.addfile(m, t.extractfile(m))
                wanted.discard(m.name)
            if not wanted and taken >= n_xml:
                break
    return out


def test_real_tar_sample_count_in_equals_count_out(corpora, tmp_path):
    f = _real_tar_sample(corpora, tmp_path)
    out = tmp_path / "out"
    s = run_batch(f, out, mode="fast", workers=1, chunk_size=10, progress=False)
    trials = _table(out, "trials")
    assert s.read == len(trials) == 27 and trials["trial_id"].is_unique
    empty = trials[trials.status == "empty"]
    assert sorted(empty.trial_id) == ["NCT00000180", "NCT00000804"]
    errors = _table(out, "errors")
    assert sorted(errors.trial_id) == ["NCT00000180", "NCT00000804"]
    assert errors.message.str.contains("no eligibility criteria").all()
    assert errors.source.iloc[0] == "sample.tar.gz::NCT0000xxxx/NCT00000180.xml"
    ok = trials[trials.status == "ok"]
    assert (ok.n_criteria > 0).all() and ok.n_constraints.sum() > 0
    assert set(trials.source_format) == {"ctgov_xml"} and set(trials.sex) <= {"all", "male", "female"}
    assert trials.minimum_age_years.notna().sum() > 10
    # the counts in the trials rows are the rows of the other tables
    crit = _table(out, "criteria")
    assert crit.groupby("trial_id").size().sum() == trials.n_criteria.sum()
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["skipped_files"] == ["sample.tar.gz::SearchResults.csv (not a study file)"]
    assert manifest["counts"]["read"] == 27 and manifest["tables"]["trials"]["rows"] == 27
    assert [c["records"] for c in manifest["chunk_list"]] == [10, 10, 7]
    assert manifest["mode"] == "fast" and manifest["model"]["rules_sha256"]
    assert not (out / "_parts").exists()  # removed after a finished run unless keep_parts


def test_demo_corpus_batch(tmp_path):
    demo = Path(__file__).resolve().parents[1] / "corpora" / "demo"
    out = tmp_path / "demo"
    r = subprocess.run([sys.executable, "-m", "critparse", "batch", str(demo), "--out", str(out), "--mode", "fast",
                        "-w", "1", "-q"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "studies read" in r.stdout and "12" in r.stdout
    trials = _table(out, "trials").set_index("trial_id")
    assert len(trials) == 12
    assert trials.loc["NCT99000007", "status"] == "empty" and trials.loc["NCT99000099", "status"] == "error"
    assert (trials.drop(["NCT99000007", "NCT99000099"]).status == "ok").all()
    assert trials.loc["NCT99000004", "healthy_volunteers"] == True  # noqa: E712
    assert trials.loc["NCT99000009", "maximum_age_years"] == 17.0
    errors = _table(out, "errors").set_index("trial_id")
    assert set(errors.index) == {"NCT99000007", "NCT99000099"}
    cons = _table(out, "constraints")
    assert {"creatinine", "hba1c", "lvef", "ecog"} <= set(cons.subject)


def test_no_compact_keeps_one_sorted_file_per_chunk(tmp_path):
    f = _dump(tmp_path, n=20)
    out = tmp_path / "o"
    run_batch(f, out, mode="fast", workers=1, chunk_size=8, progress=False, compact=False, keep_parts=True)
    import pyarrow.parquet as pq

    files = sorted((out / "trials").glob("part-*.parquet"))
    assert len(files) == 3 and (out / "_parts").exists()
    ids = [pq.read_table(x).column("trial_id").to_pylist() for x in files]
    assert all(x == sorted(x) for x in ids) and sum(map(len, ids)) == 20
    assert sorted(pq.read_table(out / "trials").column("trial_id").to_pylist()) == sorted(sum(ids, []))


def _codecs(path: Path) -> set:
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    return {meta.row_group(g).column(c).compression for g in range(meta.num_row_groups) for c in range(meta.num_columns)}


def test_parts_merged_away_are_lz4_and_output_parts_zstd(tmp_path):
    f = _dump(tmp_path, n=20)
    compact = tmp_path / "c"
    run_batch(f, compact, mode="fast", workers=1, chunk_size=8, progress=False, keep_parts=True)
    assert _codecs(compact / "_parts" / "constraints" / "part-000000.parquet") == {"LZ4"}
    assert _codecs(compact / "constraints" / "part-0.parquet") == {"ZSTD"}
    loose = tmp_path / "l"
    run_batch(f, loose, mode="fast", workers=1, chunk_size=8, progress=False, compact=False)
    assert _codecs(loose / "constraints" / "part-000000.parquet") == {"ZSTD"}
    def rows(out):
        return _table(out, "constraints").sort_values(["trial_id", "id"]).reset_index(drop=True)

    assert len(rows(compact)) > 20 and rows(loose).equals(rows(compact))
    with pytest.raises(ValueError, match="compact"):  # lz4 parts never become a loose run's output
        run_batch(f, compact, mode="fast", workers=1, chunk_size=8, progress=False, compact=False, resume=True)


def test_resume_refuses_other_settings(tmp_path):
    f = _dump(tmp_path, n=6)
    out = tmp_path / "o"
    run_batch(f, out, mode="fast", workers=1, chunk_size=2, progress=False, keep_parts=True)
    with pytest.raises(ValueError, match="chunk_size"):
        run_batch(f, out, mode="fast", workers=1, chunk_size=3, progress=False, resume=True)


def test_an_exception_inside_the_pipeline_is_one_error_row(tmp_path, monkeypatch):
    import critparse.parser as parser

    real = parser.parse_many
    f = _dump(tmp_path, n=12, bad_at=99)
    victim = json.loads(f.read_text().splitlines()[3])["nct_id"]

    def flaky(items, **kw):
        for item in items:
            if item[1] == victim:
                raise RuntimeError("boom in a component")
            yield from real([item], **kw)

    monkeypatch.setattr(parser, "parse_many", flaky)
    out = tmp_path / "o"
    s = run_batch(f, out, mode="fast", workers=1, chunk_size=5, progress=False)
    trials = _table(out, "trials").set_index("trial_id")
    assert len(trials) == 12 and s.failed == 1
    assert trials.loc[victim, "status"] == "error" and "boom" in trials.loc[victim, "error"]
    assert (trials.drop(victim).status != "error").all()
    errors = _table(out, "errors")
    assert list(errors[errors.stage == "parse"].trial_id) == [victim]


def test_limit(tmp_path):
    f = _dump(tmp_path, n=30)
    out = tmp_path / "o"
    s = run_batch(f, out, fmt="jsonl", mode="fast", workers=1, chunk_size=4, limit=9, progress=False)
    assert s.read == 9 and len((out / "trials.jsonl").read_text().splitlines()) == 9


def test_ctrl_c_stops_the_pool_and_resume_finishes(tmp_path):
    n = 60
    f = _dump(tmp_path, n=n)
    out = tmp_path / "o"
    cmd = [sys.executable, "-m", "critparse", "batch", str(f), "--out", str(out), "--mode", "fast", "-w", "2",
           "--chunk-size", "3"]
    # Ctrl-C as a terminal sends it: SIGINT handled in the child even where the suite itself runs with SIGINT
    # ignored (a shell's background job `&` ignores it, and a child inherits that), as the CLI user's shell has it
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    done = out / "_parts" / "_done"
    deadline = time.time() + 120
    while (time.time() < deadline and proc.poll() is None
           and (not done.exists() or len(list(done.glob("*.json"))) < 2)):
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "--resume" in err, err
    r = subprocess.run(cmd[:-3] + ["1", "--chunk-size", "3", "--resume", "-q"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    trials = _table(out, "trials")
    assert len(trials) == n and trials.trial_id.is_unique


def test_v2_folder_with_a_study_in_two_files(corpora, tmp_path):
    from conftest import corpus_file

    d = corpus_file(corpora, "ctgov_v2_json_sample/original")
    out = tmp_path / "o"
    s = run_batch(d, out, mode="fast", workers=1, progress=False)
    trials = _table(out, "trials")
    assert s.read == len(trials) == 61 and s.duplicate_ids == 10 and trials.trial_id.nunique() == 51
    assert (trials.status == "ok").all() and set(trials.source_format) == {"ctgov_v2_json"}
    assert trials.std_ages.notna().all() and trials.healthy_volunteers.notna().all()
    manifest = json.loads((out / "_manifest.json").read_text())
    assert manifest["counts"]["duplicate_ids"] == 10 and manifest["skipped_files"] == []


def test_resume_refuses_parts_of_another_records_schema(tmp_path):
    """Parts written under another schema (other columns: 2.2 added constraints.implausible) are not merged with
    this run's: --resume says which setting differs instead of failing in the merge."""
    import json as _json

    from critparse.batch.engine import run_batch

    src = tmp_path / "in.jsonl"
    src.write_text(_json.dumps({"nct_id": "NCT00000001", "criteria": "Inclusion Criteria:\n- Age >= 18 years\n"}) + "\n")
    out = tmp_path / "out"
    run_batch(src, out, mode="fast", workers=1, keep_parts=True, progress=False)
    settings = out / "_parts" / "_settings.json"
    old = _json.loads(settings.read_text())
    settings.write_text(_json.dumps(dict(old, schema_version="2.1")))
    with pytest.raises(ValueError, match="schema_version"):
        run_batch(src, out, mode="fast", workers=1, resume=True, progress=False)
