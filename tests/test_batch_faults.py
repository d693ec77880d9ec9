"""Batch engine under faults (issue 10): bad records are rows and the run goes on; the output
folder is locked, never mixed with another run, never cleared of files the run did not write;
one-line errors instead of tracebacks; workers die with their parent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from critparse.batch import engine
from critparse.batch.engine import run_batch
from critparse.batch.outdir import OutputError, OutputLock

pytestmark = pytest.mark.issue(10)

CRIT = "Inclusion Criteria:\n\n* Age >= 18 years\n* Creatinine <= 2 mg/dL\n\nExclusion Criteria:\n\n* Pregnancy\n"


def _jsonl(path: Path, n: int = 6, extra=()) -> Path:
    lines = [json.dumps({"nct_id": f"NCT{10000000 + i:08d}", "criteria": CRIT}) for i in range(n)]
    lines += list(extra)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _rows(out: Path, table: str):
    return [json.loads(line) for line in (out / f"{table}.jsonl").read_text(encoding="utf-8").splitlines()]


def _run(inp, out, **kw):
    kw = {"mode": "fast", "workers": 1, "chunk_size": 4, "progress": False, "fmt": "jsonl", **kw}
    return run_batch(inp, out, **kw)


def test_wrong_types_and_surrogates_are_rows_and_the_run_goes_on(tmp_path):
    bad = [json.dumps({"protocolSection": {"identificationModule": {"nctId": 12345678}}}),
           json.dumps({"protocolSection": {"identificationModule": {"nctId": "NCT20000001"},
                                           "eligibilityModule": "Age >= 18"}}),
           '{"nct_id": "NCT2000000\\udfff", "criteria": "Age >= 18 \\ud800years"}']
    out = tmp_path / "out"
    s = _run(_jsonl(tmp_path / "d.jsonl", 5, bad), out)
    trials = _rows(out, "trials")
    assert s.read == 8 and s.parsed == 6 and s.failed == 2
    assert {t["status"] for t in trials if t["trial_id"].startswith("NCT1")} == {"ok"}
    assert next(t for t in trials if t["trial_id"] == "NCT2000000\ufffd")["status"] == "ok"
    msgs = [e["message"] for e in _rows(out, "errors")]
    assert any("nctId is a number" in m for m in msgs) and any("eligibilityModule is a string" in m for m in msgs)


def test_a_record_over_the_time_budget_is_a_timeout_row(tmp_path, monkeypatch):
    from critparse import parser

    real = parser.parse_many

    def slow(items, **kw):  # a record whose parse would take 30 s
        for item in items:
            if "SLOW" in item[0]:
                time.sleep(30)
            yield from real([item], **kw)

    monkeypatch.setattr(parser, "parse_many", slow)
    out = tmp_path / "out"
    t0 = time.perf_counter()
    s = _run(_jsonl(tmp_path / "d.jsonl", 5, [json.dumps({"nct_id": "NCT30000000", "criteria": "SLOW " + CRIT})]),
             out, timeout=0.5)
    assert time.perf_counter() - t0 < 20
    assert s.parsed == 5 and s.failed == 1
    (err,) = _rows(out, "errors")
    assert err["stage"] == "timeout" and err["trial_id"] == "NCT30000000" and "0.5 s" in err["message"]


def _spoil(monkeypatch, table: str, trial_id: str, column: str, value) -> None:
    """Make the engine's `table` rows of `trial_id` hold `value` in `column` of their first row."""
    real = engine.ROWS[table]

    def spoiled(parsed):
        out = real(parsed)
        if parsed.trial_id == trial_id:
            out[0][column] = value
        return out

    monkeypatch.setitem(engine.ROWS, table, spoiled)


def test_non_finite_numbers_become_an_output_error_row_not_infinity(tmp_path, monkeypatch):
    _spoil(monkeypatch, "constraints", "NCT10000002", "value", float("inf"))
    out = tmp_path / "out"
    s = _run(_jsonl(tmp_path / "d.jsonl", 4), out)
    assert s.parsed == 3 and s.failed == 1
    (err,) = _rows(out, "errors")
    assert err["stage"] == "output" and "constraints.value is inf" in err["message"]
    for f in out.glob("*.jsonl"):
        text = f.read_text()
        assert "Infinity" not in text and "NaN" not in text
    assert {r["trial_id"] for r in _rows(out, "constraints")} == {"NCT10000000", "NCT10000001", "NCT10000003"}


def test_a_value_arrow_refuses_becomes_an_output_error_row(tmp_path, monkeypatch):
    """A number in a text column fails the chunk's write (the rows go to Arrow as one struct array); the
    record holding it becomes an output error row and the chunk is written again without it."""
    _spoil(monkeypatch, "criteria", "NCT10000001", "section", 7)
    out = tmp_path / "out"
    s = _run(_jsonl(tmp_path / "d.jsonl", 4), out)
    assert s.parsed == 3 and s.failed == 1
    (err,) = _rows(out, "errors")
    assert err["stage"] == "output" and "criteria.section holds int '7', not string" in err["message"]
    assert {r["trial_id"] for r in _rows(out, "criteria")} == {"NCT10000000", "NCT10000002", "NCT10000003"}


def test_a_locked_output_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with OutputLock(out):
        with pytest.raises(OutputError, match=f"another critparse batch run \\(pid {os.getpid()}\\)"):
            _run(_jsonl(tmp_path / "d.jsonl"), out)
    _run(_jsonl(tmp_path / "d.jsonl"), out)  # released: the run goes


def test_another_runs_output_is_refused_unless_overwrite_and_user_files_stay(tmp_path):
    import pyarrow.parquet as pq

    inp = _jsonl(tmp_path / "d.jsonl")
    out = tmp_path / "out"
    _run(inp, out)
    (out / "trials").mkdir()
    (out / "trials" / "my notes.txt").write_text("mine")
    (out / "mine.csv").write_text("mine")
    with pytest.raises(OutputError, match="already holds a finished run's output.*--overwrite"):
        _run(inp, out, fmt="parquet")
    _run(inp, out, fmt="parquet", overwrite=True)
    assert not list(out.glob("*.jsonl"))  # the old run's tables went: no stale jsonl beside parquet
    assert (out / "trials" / "my notes.txt").read_text() == "mine" and (out / "mine.csv").read_text() == "mine"
    assert pq.read_table(out / "trials" / "part-0.parquet").num_rows == 6


def test_output_path_with_a_quote(tmp_path):
    for fmt in ("parquet", "jsonl", "duckdb"):
        out = tmp_path / f"o'q {fmt}"
        s = _run(_jsonl(tmp_path / "d.jsonl"), out, fmt=fmt)
        assert s.parsed == 6 and (out / "_manifest.json").exists()


def _cli(*args):
    from typer.testing import CliRunner

    from critparse.cli import app

    return CliRunner().invoke(app, list(args))


def test_unusable_output_paths_are_one_line_errors(tmp_path, monkeypatch):
    inp = _jsonl(tmp_path / "d.jsonl")
    (tmp_path / "afile").write_text("x")
    res = _cli("batch", str(inp), "--out", str(tmp_path / "afile" / "out"), "--mode", "fast", "-q")
    assert res.exit_code == 2 and "cannot create the output folder" in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1

    def full(*a, **k):
        raise OSError(28, "No space left on device", "part-000000.parquet")

    monkeypatch.setattr(engine, "_write_parquet_atomic", full)
    res = _cli("batch", str(inp), "--out", str(tmp_path / "o2"), "--mode", "fast", "-q", "-w", "1")
    assert res.exit_code == 2 and "No space left on device" in res.output and "Traceback" not in res.output


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="checks /proc for the worker processes")
def test_workers_die_with_their_parent_after_kill_9(tmp_path):
    inp = _jsonl(tmp_path / "d.jsonl", 4000)
    script = (f"from critparse.batch.engine import run_batch\n"
              f"run_batch({str(inp)!r}, {str(tmp_path / 'out')!r}, mode='fast', workers=2, chunk_size=20, "
              f"progress=False)\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    parent = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        deadline = time.time() + 120
        kids = []
        while time.time() < deadline and len(kids) < 2:
            time.sleep(0.5)
            kids = _children(parent.pid)
        assert len(kids) >= 2, "the workers did not start"
        time.sleep(1.0)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.time() + 15
        while time.time() < deadline and any(_alive(k) for k in kids):
            time.sleep(0.3)
        assert not [k for k in kids if _alive(k)], "workers outlived their parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        for k in _children(parent.pid):
            os.kill(k, signal.SIGKILL)


def _children(pid: int):
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_duckdb_io_error_is_one_line(tmp_path, monkeypatch):
    import duckdb

    def broken(*a, **k):
        raise duckdb.IOException("IO Error: Could not write file \"x.parquet\": No space left on device")

    monkeypatch.setattr(engine, "finalize", broken)
    res = _cli("batch", str(_jsonl(tmp_path / "d.jsonl")), "--out", str(tmp_path / "o"), "--mode", "fast", "-q",
               "-w", "1")
    assert res.exit_code == 2 and "writing the tables" in res.output and "No space left" in res.output
    assert "Traceback" not in res.output


def test_a_400_digit_structured_age_is_no_age_not_infinity(tmp_path):
    rec = json.dumps({"nct_id": "NCT40000000", "criteria": CRIT, "minimum_age": "9" * 400 + " Years"})
    out = tmp_path / "out"
    s = _run(_jsonl(tmp_path / "d.jsonl", 2, [rec]), out)
    assert s.parsed == 3
    row = next(t for t in _rows(out, "trials") if t["trial_id"] == "NCT40000000")
    assert row["minimum_age_years"] is None and row["minimum_age"].startswith("999")
    assert "Infinity" not in (out / "trials.jsonl").read_text()


def test_a_value_of_the_wrong_type_is_an_output_error_row(tmp_path, monkeypatch):
    _spoil(monkeypatch, "criteria", "NCT10000001", "text", ["not", "a", "string"])
    out = tmp_path / "out"
    s = _run(_jsonl(tmp_path / "d.jsonl", 4), out)
    assert s.parsed == 3 and s.failed == 1 and s.read == 4
    (err,) = _rows(out, "errors")
    assert err["stage"] == "output" and err["trial_id"] == "NCT10000001" and "criteria.text holds list" in err["message"]
    assert {t["trial_id"] for t in _rows(out, "trials") if t["status"] == "ok"} == {"NCT10000000", "NCT10000002",
                                                                                  "NCT10000003"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo (POSIX)")
def test_a_fifo_given_as_input_is_refused_before_the_output_is_touched(tmp_path):
    from critparse.batch.readers import InputError

    fifo = tmp_path / "NCT00000001.xml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):
        _run(fifo, tmp_path / "out")
    assert not (tmp_path / "out").exists()
