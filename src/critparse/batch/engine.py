"""The batch engine: stream records, parse them in chunks, write tables.

Data flow: reader -> chunks of `chunk_size` plain Records -> `process_chunk`
(in this process, a process pool, or a Dask cluster; the same function) ->
one Parquet part per table per chunk under ``OUT/_parts`` (written atomically,
then marked done) -> at the end, parts are merged and sorted by trial id into
the requested format.  ``--resume`` skips chunks already marked done, so a
killed run, restarted, ends with the same tables as an uninterrupted one.
"""

from __future__ import annotations

import gc
import json
import math
import os
import shutil
import time
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from ..export.frames import COLUMNS, ROWS, constraint_rows
from ..records import SCHEMA_VERSION
from . import outdir
from .ages import parse_age
from .budget import RecordTimeout, deadline
from .executors import run_pool, run_serial, start_method
from .readers import InputError, Record, _walk, count_hint, file_format, iter_records, special_file

TRIALS_COLUMNS = [
    ("trial_id", "string"), ("status", "string"), ("source_format", "string"), ("source", "string"),
    ("sex", "string"), ("minimum_age", "string"), ("maximum_age", "string"),
    ("minimum_age_value", "float64"), ("minimum_age_unit", "string"), ("minimum_age_years", "float64"),
    ("maximum_age_value", "float64"), ("maximum_age_unit", "string"), ("maximum_age_years", "float64"),
    ("healthy_volunteers", "bool"), ("std_ages", "string"), ("n_criteria", "int64"), ("n_constraints", "int64"),
    ("n_entities", "int64"), ("n_findings", "int64"), ("error", "string"),
]
ERRORS_COLUMNS = [("trial_id", "string"), ("stage", "string"), ("message", "string"), ("source", "string")]
FINDINGS_COLUMNS = [
    ("trial_id", "string"), ("kind", "string"), ("subject", "string"), ("cohort", "string"),
    ("message", "string"), ("criteria", "string"),
]
TABLES: Dict[str, List[Tuple[str, str]]] = {
    "trials": TRIALS_COLUMNS, **COLUMNS, "findings": FINDINGS_COLUMNS, "errors": ERRORS_COLUMNS,
}
SORT_KEYS = {"trials": ["trial_id", "source"], "errors": ["trial_id", "stage", "source", "message"],
             "findings": ["trial_id", "kind", "subject", "message", "cohort", "criteria"]}
FORMATS = ("parquet", "jsonl", "duckdb")


@dataclass
class Summary:
    read: int = 0
    parsed: int = 0
    empty: int = 0
    failed: int = 0
    criteria: int = 0
    constraints: int = 0
    entities: int = 0
    findings: int = 0
    chunks: int = 0
    skipped_chunks: int = 0
    seconds: float = 0.0
    out: str = ""
    words: int = 0
    duplicate_ids: int = 0  # trial rows whose id an earlier row already has (a study in two files)

    resumed_records: int = 0  # records of chunks an earlier run finished (not parsed again)

    @property
    def studies_per_s(self) -> float:
        """Studies parsed by this run per second (resumed chunks not counted)."""
        return (self.read - self.resumed_records) / self.seconds if self.seconds else 0.0

    skipped_files: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)  # inputs read with a fallback (a CSV that is not UTF-8)

    def add(self, stats: Dict[str, Any]) -> None:
        for k, v in stats.items():
            if isinstance(v, int) and hasattr(self, k) and k not in ("seconds", "out"):
                setattr(self, k, getattr(self, k) + v)

    def to_dict(self) -> Dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["studies_per_s"] = round(self.studies_per_s, 2)
        return d


def _arrow_type(t: str):
    import pyarrow as pa

    return {"string": pa.string(), "int32": pa.int32(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}[t]


def _schema(table: str):
    import pyarrow as pa

    return pa.schema([(c, _arrow_type(t)) for c, t in TABLES[table]])


#: compression of the chunk parts that `finalize` merges and rewrites (zstd) and then deletes: lz4 writes
#: them in about half the CPU time of zstd (a part that is itself output, ``compact=False``, stays zstd)
PART_COMPRESSION = "lz4"


def _write_parquet_atomic(rows: List[Dict[str, Any]], table: str, path: Path, compression: str = "zstd") -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _schema(table)
    # the row dicts straight into one struct array (Arrow reads each row's fields, a missing one as null):
    # the table from_pydict gave over lists taken column by column in Python, in two thirds of the time
    rows_array = pa.array(rows, type=pa.struct(list(schema)))
    t = pa.Table.from_batches([pa.RecordBatch.from_struct_array(rows_array)], schema=schema)
    tmp = path.with_suffix(".tmp")
    pq.write_table(t, tmp, compression=compression)
    os.replace(tmp, path)


# --------------------------------------------------------------- per chunk --

def _trial_row(rec: Record, status: str, parsed=None, error: Optional[str] = None, n_findings: int = 0) -> Dict[str, Any]:
    info = parsed.info if parsed is not None else rec.info
    mn = _finite_age(info.minimum_age)
    mx = _finite_age(info.maximum_age)
    return {
        "trial_id": rec.trial_id, "status": status, "source_format": info.source_format, "source": rec.source,
        "sex": info.sex, "minimum_age": info.minimum_age, "maximum_age": info.maximum_age,
        "minimum_age_value": mn[0], "minimum_age_unit": mn[1], "minimum_age_years": mn[2],
        "maximum_age_value": mx[0], "maximum_age_unit": mx[1], "maximum_age_years": mx[2],
        "healthy_volunteers": info.healthy_volunteers,
        "std_ages": json.dumps(info.std_ages) if info.std_ages else None,
        "n_criteria": len(parsed.criteria) if parsed else 0, "n_constraints": len(parsed.constraints) if parsed else 0,
        "n_entities": len(parsed.entities) if parsed else 0, "n_findings": n_findings, "error": error,
    }


def _finite_age(text: Optional[str]) -> Tuple[Optional[float], Optional[str], Optional[float]]:
    """`parse_age`, with an age that is not a finite number (400 digits: inf) read as no age."""
    age = parse_age(text)
    return age if all(v is None or math.isfinite(v) for v in (age[0], age[2])) else (None, None, None)


def _finding_rows(parsed, logic=None) -> List[Dict[str, Any]]:
    from ..checks import check

    rows = []
    for f in check(parsed, logic):
        d = f.to_dict() if hasattr(f, "to_dict") else dict(f.__dict__)
        crit = d.get("criteria") or [s.get("criterion") for s in d.get("spans", []) if isinstance(s, dict)]
        rows.append({"trial_id": parsed.trial_id, "kind": d.get("kind"), "subject": d.get("subject"),
                     "cohort": d.get("cohort"), "message": d.get("message"),
                     "criteria": json.dumps(crit, ensure_ascii=False, default=str)})
    return rows


#: where each format keeps the criteria text, for the message of a record without it
_CRITERIA_FIELD = {
    "ctgov_xml": "<eligibility><criteria><textblock>",
    "ctgov_v2_json": "protocolSection.eligibilityModule.eligibilityCriteria",
    "ctgov_jsonl": "the criteria field",
    "aact": "the criteria column",
    "table": "the text column",
    "text": "the file",
}


def _parse_isolated(batch: List[Record], nlp, mode: str, timeout: Optional[float] = None):
    """(parsed, error, stage) per record, in order, each yielded once parsed (so that the caller can make
    its rows and drop it: a chunk's parses are not all alive at once, which would cost memory and the
    garbage collector's time); an exception or a timeout affects only its record.

    The records go through `parse_many` together; each step (one ``next``, which may parse one
    internal batch of several records) must end within `timeout` seconds. When a step fails or
    runs out of time, the records not returned yet are parsed one by one, each with its own
    `timeout`: a record still over it is stage ``timeout``, one that raises stage ``parse``."""
    from ..parser import parse_many

    triples = [(r.text, r.trial_id, r.info) for r in batch]
    done = 0
    try:
        it = iter(parse_many(triples, nlp=nlp, mode=mode))
        while done < len(triples):
            with deadline(timeout):
                parsed = next(it)
            done += 1
            yield parsed, None, None
        return
    except Exception:  # RecordTimeout included: go on one record at a time
        pass
    for t in triples[done:]:
        try:
            with deadline(timeout):
                parsed = next(iter(parse_many([t], nlp=nlp, mode=mode)))
        except RecordTimeout:
            yield None, (f"parsing took more than {timeout:g} s (the per-record time budget, --timeout): "
                         "stopped"), "timeout"
            continue
        except Exception as e:  # keep going: the error is a row, not a crash
            yield None, f"{type(e).__name__}: {e}", "parse"
            continue
        yield parsed, None, None


Rows = Dict[str, List[Dict[str, Any]]]


def _error_rows(rec: Record, stage: str, message: str, status: str = "error") -> Rows:
    return {"trials": [_trial_row(rec, status, error=message)],
            "errors": [{"trial_id": rec.trial_id, "stage": stage, "message": message, "source": rec.source}]}


def _record_rows(rec: Record, parsed, checks: bool) -> Rows:
    from ..logic import TrialLogic

    rows: Rows = {"errors": [], "findings": []}
    logic = TrialLogic(parsed, memo=True)  # one reading of the trial, each criterion lowered once, for the
    # checks and the constraints' standalone flags
    if checks:
        try:
            rows["findings"] = _finding_rows(parsed, logic)
        except Exception as e:
            rows["errors"].append({"trial_id": rec.trial_id, "stage": "check", "message": f"{type(e).__name__}: {e}",
                                   "source": rec.source})
    rows["trials"] = [_trial_row(rec, "ok", parsed, n_findings=len(rows["findings"]))]
    for table, fn in ROWS.items():
        rows[table] = list(fn(parsed, logic) if fn is constraint_rows else fn(parsed))
    return rows


_PY_TYPES = {"string": (str,), "int64": (int,), "int32": (int,), "float64": (float, int), "bool": (bool,)}
_FLOAT_COLUMNS = {t: [c for c, typ in cols if typ == "float64"] for t, cols in TABLES.items()}


def nonfinite(rows: Rows) -> Optional[str]:
    """Where a record's rows hold NaN or Infinity (not JSON, and a wrong threshold), or None.
    Cheap: float columns only; run on every record."""
    for table, table_rows in rows.items():
        for col in _FLOAT_COLUMNS[table]:
            for r in table_rows:
                v = r.get(col)
                if v is not None and not math.isfinite(v):
                    return f"{table}.{col} is {v!r}: not a finite number (not valid JSON)"
    return None


def unwritable(rows: Rows) -> Optional[str]:
    """Why a record's rows cannot be written as they are (a value of the wrong type for its
    column, NaN or Infinity), or None. Every cell: run only when a chunk's write failed."""
    for table, table_rows in rows.items():
        cols = TABLES[table]
        for r in table_rows:
            for col, typ in cols:
                v = r.get(col)
                if v is None:
                    continue
                if not isinstance(v, _PY_TYPES[typ]) or (typ != "bool" and isinstance(v, bool)):
                    return f"{table}.{col} holds {type(v).__name__} {str(v)[:40]!r}, not {typ}"
                if isinstance(v, str):
                    try:
                        v.encode("utf-8")
                    except UnicodeEncodeError as e:
                        return f"{table}.{col} is not encodable text ({e.reason})"
    return nonfinite(rows)


# one record's outcome: the record, its rows (or error rows), the parse's counts (None when it failed)
Counts = Tuple[int, int, int]  # criteria, constraints, entities
Entry = Tuple[Record, Rows, Optional[Counts]]


def process_chunk(idx: int, records: List[Record], parts_dir: str, mode: str = "full",
                  model: Optional[str] = None, checks: bool = True, timeout: Optional[float] = None,
                  compression: str = "zstd", sort_rows: bool = True) -> Dict[str, Any]:
    """Parse one chunk and write its parts (Parquet, `compression`; rows sorted as `finalize` sorts
    them unless `sort_rows` is False, for parts that `finalize` merges and sorts anyway); returns
    counts. Runs in any worker.

    Every record gives its rows or error rows (stage ``read``, ``parse``, ``timeout``,
    ``output``): never an exception for one record."""
    from ..pipeline import load

    nlp = load(mode, model)
    entries: List[Entry] = []
    todo: List[Record] = []
    for rec in records:
        if rec.error:
            entries.append((rec, _error_rows(rec, "read", rec.error), None))
        elif rec.text is None or not str(rec.text).strip():
            where = _CRITERIA_FIELD.get(rec.info.source_format or "", "criteria text")
            msg = f"no eligibility criteria text in the record ({where} {'is blank' if rec.text is not None else 'is absent'})"
            entries.append((rec, _error_rows(rec, "read", msg, status="empty"), None))
        else:
            todo.append(rec)
    for rec, (parsed, err, stage) in zip(todo, _parse_isolated(todo, nlp, mode, timeout)):
        rows = _record_rows(rec, parsed, checks) if parsed is not None else None
        bad = nonfinite(rows) if rows is not None else None
        if parsed is None or bad:
            entries.append((rec, _error_rows(rec, stage or "output", err or f"output refused: {bad}"), None))
        else:  # the parse itself goes: its rows and counts are all the chunk keeps
            entries.append((rec, rows, (len(parsed.criteria), len(parsed.constraints), len(parsed.entities))))
    try:
        _write_chunk(Path(parts_dir), idx, [rows for _, rows, _ in entries], compression, sort_rows)
    except Exception:  # a value Arrow refuses: find its record(s), make them error rows, write again
        entries = [(rec, _error_rows(rec, "output", f"output refused: {bad}"), None)
                   if (bad := unwritable(rows)) else (rec, rows, counts) for rec, rows, counts in entries]
        _write_chunk(Path(parts_dir), idx, [rows for _, rows, _ in entries], compression, sort_rows)
    stats = _chunk_stats(entries)
    done = Path(parts_dir) / "_done"
    done.mkdir(parents=True, exist_ok=True)
    tmp = done / f"chunk-{idx:06d}.tmp"
    tmp.write_text(json.dumps(stats))
    os.replace(tmp, done / f"chunk-{idx:06d}.json")
    return stats


def _chunk_stats(entries: List[Entry]) -> Dict[str, Any]:
    stats: Dict[str, Any] = {"read": len(entries), "parsed": 0, "empty": 0, "failed": 0, "criteria": 0,
                             "constraints": 0, "entities": 0, "findings": 0, "words": 0}
    for rec, rows, counts in entries:
        status = rows["trials"][0]["status"]
        stats[{"ok": "parsed", "empty": "empty"}.get(status, "failed")] += 1
        if counts is not None:
            stats["criteria"] += counts[0]
            stats["constraints"] += counts[1]
            stats["entities"] += counts[2]
            stats["findings"] += len(rows["findings"])
            stats["words"] += len(rec.text.split())
    ids = [rec.trial_id for rec, _, _ in entries]
    stats["first_id"], stats["last_id"] = (min(ids), max(ids)) if ids else (None, None)
    return stats


def _write_chunk(parts: Path, idx: int, per_record: List[Rows], compression: str = "zstd",
                 sort_rows: bool = True) -> None:
    for table in TABLES:
        rows = [r for rec_rows in per_record for r in rec_rows.get(table, ())]
        d = parts / table
        d.mkdir(parents=True, exist_ok=True)
        if sort_rows:
            rows.sort(key=_sort_key(table))
        _write_parquet_atomic(rows, table, d / f"part-{idx:06d}.parquet", compression)


def _sort_key(table: str):
    """Python sort key matching the ORDER BY of `finalize` (None first, as DuckDB's NULLS FIRST)."""
    keys = SORT_KEYS.get(table, ["trial_id", "id"])
    return lambda r: tuple((r.get(k) is not None, r.get(k) if r.get(k) is not None else "") for k in keys)


class _peekable:
    """An iterator whose first item is read ahead (`first`, None when empty)."""

    def __init__(self, it: Iterator[Any]) -> None:
        self._it = it
        self.first = next(it, None)

    def __iter__(self) -> Iterator[Any]:
        if self.first is not None:
            yield self.first
        yield from self._it


def _warm_worker(mode: str, model: Optional[str]) -> None:
    from ..parser import prepare
    from ..pipeline import load

    load(mode, model)  # warm the pipeline once per worker (once in all, before a forking pool starts)
    prepare(mode)  # and the rule resources (1.2 s CPU in fast mode): forked workers share them
    _warm_writer()
    if mode == "full":  # and the linking indexes Entity.codes reads (0.5-1 s CPU and ~150 MB per worker)
        from ..linking import drugs, icd10cm

        for vocabulary in (icd10cm, drugs):
            vocabulary.index()  # both compressed forms are loaded with it
            vocabulary._rows()


def _warm_writer() -> None:
    """Import the Parquet writer, and pandas, which pyarrow imports on its first conversion (0.3 s CPU):
    before a forking pool starts, once in all rather than once per worker."""
    import pyarrow as pa
    import pyarrow.parquet  # noqa: F401

    pa.array([], pa.string())


def chunked(records: Iterable[Record], size: int) -> Iterator[Tuple[int, List[Record]]]:
    it = iter(records)
    idx = 0
    while True:
        chunk = list(islice(it, size))
        if not chunk:
            return
        yield idx, chunk
        idx += 1


# ---------------------------------------------------------------- engines --

@dataclass
class BatchSettings:
    """What a batch run is asked to do, validated up front (`check`)."""

    input_path: str
    out_dir: str
    fmt: str = "parquet"
    mode: str = "full"
    model: Optional[str] = None
    workers: Optional[int] = None
    chunk_size: int = 200
    resume: bool = False
    overwrite: bool = False
    limit: Optional[int] = None
    engine: str = "local"
    scheduler: Optional[str] = None
    progress: bool = True
    id_column: str = "nct_id"
    text_column: str = "criteria"
    checks: bool = True
    compact: bool = True
    keep_parts: bool = False
    timeout: Optional[float] = 60.0  # seconds per record (None: no budget)

    def check(self) -> None:
        if self.fmt not in FORMATS:
            raise ValueError(f"unknown output format {self.fmt!r}: use one of {', '.join(FORMATS)}")
        if self.mode not in ("full", "fast"):
            raise ValueError(f"unknown mode {self.mode!r}: use full or fast")
        if self.engine not in ("local", "dask"):
            raise ValueError(f"unknown engine {self.engine!r}: use local or dask")
        if self.chunk_size < 1:
            raise ValueError("chunk_size must be >= 1")
        if not self.compact and self.fmt != "parquet":
            raise ValueError("compact=False (one file per chunk) is for the parquet format only")
        if self.timeout is not None and not self.timeout > 0:
            raise ValueError("timeout must be a positive number of seconds (or None)")
        inp = Path(self.input_path)
        if not inp.exists():
            raise InputError(f"input {inp} does not exist")
        if not inp.is_dir():  # refused before the output folder is touched
            if file_format(inp) is None:
                raise InputError(f"cannot tell the format of {inp}: expected .json, .jsonl[.gz], .xml, .zip, "
                                 ".tar.gz, eligibilities.txt, .csv or .parquet")
            if special_file(inp):
                raise InputError(f"input {inp} is {special_file(inp)}")

    def fingerprint(self) -> Dict[str, Any]:
        """What makes two runs' chunks interchangeable (checked by --resume)."""
        return {"input": str(Path(self.input_path).resolve()),
                "input_signature": _input_signature(Path(self.input_path)), "mode": self.mode,
                "model": _model_info(self.mode, self.model), "chunk_size": self.chunk_size, "limit": self.limit,
                "checks": self.checks, "id_column": self.id_column, "text_column": self.text_column,
                "compact": self.compact,  # the parts of a compact run are not output (lz4, `PART_COMPRESSION`)
                "schema_version": SCHEMA_VERSION}  # parts of another records schema have other columns


def run_batch(input_path: "str | os.PathLike[str]", out_dir: "str | os.PathLike[str]", **options: Any) -> Summary:
    """Parse every study of `input_path` into tables under `out_dir` (options: `BatchSettings`).

    Each chunk of `chunk_size` records is parsed by `process_chunk` (in this
    process, a pool of `workers` processes, or on Dask) and written to
    ``OUT/_parts/<table>/part-NNNNNN.parquet`` with a ``_done`` marker; at the
    end the parts become one table per output format, rows sorted by trial id
    (``compact=False`` keeps one Parquet file per chunk instead, each sorted).
    ``resume=True`` skips the chunks an interrupted run finished; it refuses
    to mix runs whose input, settings or model differ. The output folder is
    locked for the run; one holding another run's output is refused unless
    ``overwrite=True``, and only files critparse writes are ever removed."""
    s = BatchSettings(str(input_path), str(out_dir), **options)
    s.check()
    t0 = time.perf_counter()
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise outdir.OutputError(f"cannot create the output folder {out}: {e.strerror or e}") from e
    with outdir.OutputLock(out):
        outdir.prepare(out, TABLES, resume=s.resume, overwrite=s.overwrite)
        settings = s.fingerprint()
        summary, n_workers = _run_chunks(s, out, settings)
        counts = finalize(out, s.fmt, compact=s.compact)
        summary.duplicate_ids = counts.pop("_duplicate_ids", 0)
        summary.seconds = time.perf_counter() - t0
        _write_manifest(out, s, settings, summary, counts, n_workers)
        if not s.keep_parts:
            shutil.rmtree(out / "_parts", ignore_errors=True)
    return summary


def _open_parts(out: Path, s: BatchSettings, settings: Dict[str, Any]) -> Path:
    """OUT/_parts ready for this run (kept for --resume when the settings match); its absolute path."""
    parts = out / "_parts"
    settings_file = parts / "_settings.json"
    if s.resume and settings_file.exists():
        old = json.loads(settings_file.read_text())
        if old != settings:
            diff = sorted(k for k in set(old) | set(settings) if old.get(k) != settings.get(k))
            raise ValueError(f"--resume: the interrupted run in {out} used other {', '.join(diff)}; "
                             "run without --resume to start again")
    elif parts.exists():
        shutil.rmtree(parts)
    parts.mkdir(parents=True, exist_ok=True)
    _atomic_text(settings_file, json.dumps(settings, sort_keys=True))
    return parts.resolve()  # absolute: workers (Dask ones too) may run elsewhere, sharing the storage


def _run_chunks(s: BatchSettings, out: Path, settings: Dict[str, Any]) -> Tuple[Summary, int]:
    """Read, chunk and parse the input with the chosen executor; chunks a killed run finished are skipped."""
    parts = _open_parts(out, s, settings)
    summary = Summary(out=str(out))
    records: Iterable[Record] = iter_records(
        s.input_path, id_column=s.id_column, text_column=s.text_column,
        on_skip=lambda src, why: summary.skipped_files.append(f"{src} ({why})"),
        on_note=lambda src, why: summary.notes.append(f"{src} ({why})"))
    if s.limit is not None:
        records = islice(records, s.limit)
    total = count_hint(s.input_path, s.id_column, s.text_column)
    if s.limit is not None:
        total = min(total, s.limit) if total else s.limit
    bar = _Progress(total, s.progress)

    def pending() -> Iterator[Tuple[int, List[Record]]]:
        for idx, chunk in chunked(records, s.chunk_size):
            marker = parts / "_done" / f"chunk-{idx:06d}.json"
            if s.resume and marker.exists():
                stats = json.loads(marker.read_text())
                summary.add(stats)
                summary.skipped_chunks += 1
                summary.resumed_records += stats["read"]
                summary.chunks += 1
                bar.advance(stats["read"])
                continue
            yield idx, chunk

    def record(stats: Dict[str, Any]) -> None:
        summary.add(stats)
        summary.chunks += 1
        bar.advance(stats["read"])

    try:
        n_workers = s.workers or _cpu_count()
        if total:  # no more processes than chunks (each loads the pipeline)
            n_workers = max(1, min(n_workers, -(-total // s.chunk_size)))
        todo = _peekable(pending())
        if todo.first is None or len(todo.first[1]) < s.chunk_size:
            n_workers = 1  # nothing to do, or a single chunk: no processes to start
        fn = partial(process_chunk, parts_dir=str(parts), mode=s.mode, model=s.model, checks=s.checks,
                     timeout=s.timeout, compression=PART_COMPRESSION if s.compact else "zstd", sort_rows=not s.compact)
        if s.engine == "dask" or n_workers <= 1:
            bar.start()
        if s.engine == "dask" and todo.first is not None:
            from .dask_engine import run_dask

            run_dask(iter(todo), fn, record, s.scheduler, n_workers)
        elif n_workers <= 1:
            run_serial(iter(todo), fn, record)
        else:
            method = start_method()
            if method == "fork":  # load once here: the forked workers start with it (and share its pages)
                _warm_worker(s.mode, s.model)
                gc.freeze()  # the loaded objects out of the collector's reach: no copy-on-write of their pages
            try:
                run_pool(iter(todo), fn, record, n_workers, initializer=_warm_worker, initargs=(s.mode, s.model),
                         method=method, on_started=bar.start)
            finally:
                if method == "fork":
                    gc.unfreeze()
    finally:
        bar.close()
    return summary, n_workers


def _write_manifest(out: Path, s: BatchSettings, settings: Dict[str, Any], summary: Summary,
                    counts: Dict[str, int], n_workers: int) -> None:
    chunk_list = []
    for marker in sorted((out / "_parts" / "_done").glob("chunk-*.json")):
        st = json.loads(marker.read_text())
        chunk_list.append({"chunk": int(marker.stem.split("-")[1]), "records": st["read"],
                           "first_id": st.get("first_id"), "last_id": st.get("last_id"),
                           "failed": st.get("failed", 0), "empty": st.get("empty", 0)})
    manifest = {
        **settings, "format": s.fmt, "compact": s.compact, "engine": s.engine, "workers": n_workers,
        "timeout": s.timeout, "critparse_version": _version(), "versions": _versions(),
        "tables": {t: {"rows": counts.get(t, 0), "path": _table_path(s.fmt, t, s.compact)} for t in TABLES},
        "counts": {k: v for k, v in summary.to_dict().items()
                   if k not in ("seconds", "studies_per_s", "out", "skipped_chunks", "skipped_files",
                                "resumed_records", "notes")},
        "skipped_files": summary.skipped_files, "notes": summary.notes, "resumed_chunks": summary.skipped_chunks,
        "seconds": round(summary.seconds, 2), "chunk_list": chunk_list,
    }
    _atomic_text(out / "_manifest.json", json.dumps(manifest, indent=2, sort_keys=True, allow_nan=False))


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def _input_signature(p: Path) -> Dict[str, int]:
    """Size and modification time of the input (all files of a folder), to refuse resuming over a changed dump."""
    if p.is_file():
        st = p.stat()
        return {"files": 1, "bytes": st.st_size, "mtime_ns": st.st_mtime_ns}
    files = size = latest = 0
    for f in _walk(p):
        if special_file(f):
            continue  # a FIFO or a broken link: an error row, not part of the signature
        st = f.stat()
        files += 1
        size += st.st_size
        latest = max(latest, st.st_mtime_ns)
    return {"files": files, "bytes": size, "mtime_ns": latest}


def _model_info(mode: str, model: Optional[str]) -> Dict[str, Any]:
    """What parses: the model's name, version and a digest of its files, and a digest of the rule resources."""
    import hashlib

    from .. import resources as _res

    def digest(root: Path) -> str:
        h = hashlib.sha256()
        for f in sorted(x for x in root.rglob("*") if x.is_file() and "__pycache__" not in x.parts):
            h.update(f.relative_to(root).as_posix().encode())
            h.update(f.read_bytes())
        return h.hexdigest()[:16]

    info: Dict[str, Any] = {"rules_sha256": digest(Path(_res.__file__).parent)}
    if mode == "fast":
        info["name"] = None  # rules only
        return info
    from ..pipeline import model_path

    path = model_path(model)
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    info.update(name=path.name, meta_name=meta.get("name"), version=meta.get("version"),
                sha256=digest(path) if path.is_dir() else None)
    return info


def _version() -> str:
    from .. import __version__

    return __version__


def _versions() -> Dict[str, str]:
    import platform

    out = {"python": platform.python_version()}
    for mod in ("spacy", "medspacy", "pyarrow", "duckdb"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception:  # pragma: no cover
            pass
    return out


def _table_path(fmt: str, table: str, compact: bool) -> str:
    if fmt == "jsonl":
        return f"{table}.jsonl"
    if fmt == "duckdb":
        return f"critparse.duckdb#{table}"
    return f"{table}/part-0.parquet" if compact else f"{table}/part-*.parquet"


def _sql_str(s: str) -> str:
    """A SQL string literal (a path with a quote, such as --out "o'q", stays one literal)."""
    return "'" + s.replace("'", "''") + "'"


def finalize(out: Path, fmt: str, compact: bool = True) -> Dict[str, int]:
    """Merge the chunk parts into one dataset per table, rows sorted by trial id; returns row counts."""
    import duckdb

    parts = out / "_parts"
    con = duckdb.connect()
    con.execute("SET threads=1")  # deterministic output order and bytes
    con.execute("SET preserve_insertion_order=true")
    spill = parts / "_duckdb_tmp"  # where a sort larger than memory spills (removed with the parts)
    con.execute(f"SET temp_directory={_sql_str(spill.as_posix())}")
    counts: Dict[str, int] = {}
    if fmt == "duckdb":
        dbfile = out / "critparse.duckdb"
        for f in (dbfile, dbfile.with_name(dbfile.name + ".wal")):
            if f.exists():
                f.unlink()
        tmpdb = out / "critparse.duckdb.tmp"
        if tmpdb.exists():
            tmpdb.unlink()
        con.execute(f"ATTACH {_sql_str(tmpdb.as_posix())} AS outdb")
    for table in TABLES:
        files = sorted((parts / table).glob("part-*.parquet"))
        keys = SORT_KEYS.get(table, ["trial_id", "id"])
        order = ", ".join(f'"{k}" NULLS FIRST' for k in keys)
        if files:
            src = "read_parquet([" + ", ".join(_sql_str(f.as_posix()) for f in files) + "])"
        else:  # no chunks at all (an empty input): empty tables with their columns
            import pyarrow as pa

            empty = pa.Table.from_pylist([], schema=_schema(table))  # noqa: F841 - read by DuckDB below
            src = "empty"
        counts[table] = con.execute(f"SELECT count(*) FROM {src}").fetchone()[0]
        query = f"SELECT * FROM {src} ORDER BY {order}"
        if fmt == "parquet":
            d = out / table
            for old in d.glob("part-*.parquet"):  # the table's own files only: never a user's file
                old.unlink()
            d.mkdir(parents=True, exist_ok=True)
            if compact or not files:
                tmp = d / "part-0.parquet.tmp"
                con.execute(f"COPY ({query}) TO {_sql_str(tmp.as_posix())} (FORMAT parquet, COMPRESSION zstd)")
                os.replace(tmp, d / "part-0.parquet")
            else:  # one sorted file per chunk, as written by the workers
                for f in files:
                    shutil.copyfile(f, d / f.name)
        elif fmt == "jsonl":
            target = out / f"{table}.jsonl"
            tmp = out / f"{table}.jsonl.tmp"
            con.execute(f"COPY ({query}) TO {_sql_str(tmp.as_posix())} (FORMAT json)")
            os.replace(tmp, target)
        else:
            con.execute(f'CREATE OR REPLACE TABLE outdb."{table}" AS {query}')
    if counts.get("trials"):
        src = "read_parquet([" + ", ".join(_sql_str(f.as_posix()) for f in sorted((parts / "trials").glob("part-*.parquet"))) + "])"
        counts["_duplicate_ids"] = con.execute(f"SELECT count(*) - count(DISTINCT trial_id) FROM {src}").fetchone()[0]
    if fmt == "duckdb":
        con.execute("DETACH outdb")
        os.replace(out / "critparse.duckdb.tmp", out / "critparse.duckdb")
    con.close()
    return counts


class _Progress:
    """A rich progress bar on stderr with studies/s and ETA; where stderr is not a terminal
    (a nightly job's log), one line every `log_every` seconds instead; nothing when disabled."""

    def __init__(self, total: Optional[int], enabled: bool, log_every: float = 30.0) -> None:
        self.p = None
        self.total = total
        self.done = 0
        self.t0 = self.last = time.perf_counter()
        self.log_every = log_every
        self.console = None
        if not enabled:
            return
        from rich.console import Console

        self.console = Console(stderr=True)
        if not self.console.is_terminal:
            return
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        class _Rate(TextColumn):
            def render(self, task):  # studies per second
                speed = task.finished_speed or task.speed
                return f"{speed:,.1f} studies/s" if speed else "- studies/s"

        self.p = Progress(TextColumn("parsing"), BarColumn(), MofNCompleteColumn(), _Rate(""),
                          TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), transient=False,
                          console=self.console)
        self.task = self.p.add_task("parse", total=total)
        self.started = False

    def start(self) -> None:
        """Show the bar (its refresh thread starts here: after a forking pool has started its workers,
        so no worker is a copy taken while that thread held a lock)."""
        if self.p is not None and not self.started:
            self.started = True
            self.p.start()

    def advance(self, n: int) -> None:
        self.done += n
        self.start()
        if self.p is not None:
            self.p.advance(self.task, n)
        elif self.console is not None:
            now = time.perf_counter()
            if now - self.last >= self.log_every:
                self.last = now
                self.console.print(self._line(now), highlight=False, soft_wrap=True)

    def _line(self, now: float) -> str:
        rate = self.done / (now - self.t0) if now > self.t0 else 0.0
        of = f"/{self.total:,}" if self.total else ""
        eta = ""
        if self.total and rate:
            left = max(0.0, (self.total - self.done) / rate)
            eta = f", ETA {int(left // 3600)}:{int(left % 3600 // 60):02d}:{int(left % 60):02d}"
        return f"parsed {self.done:,}{of} studies ({rate:,.1f} studies/s{eta})"

    def close(self) -> None:
        if self.p is not None:
            self.start()  # a run with nothing to parse still shows its (empty) bar, as before
            self.p.stop()
        elif self.console is not None and self.done:
            self.console.print(self._line(time.perf_counter()), highlight=False, soft_wrap=True)
