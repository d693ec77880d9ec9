"""Many patients against many trials: `critparse match PATIENTS --trials BATCH_OUT --out MATCHES`.

Writes, like `critparse batch`, Parquet (OUT/<table>/part-0.parquet), JSONL (OUT/<table>.jsonl) or
DuckDB (OUT/critparse.duckdb) tables and OUT/_manifest.json:

- ``matches``: one row per patient and trial: ``rank`` (per patient: eligible first, then the fewest
  missing items, then trial id), ``verdict``, ``cohorts`` (JSON {cohort: verdict}, null without
  cohorts), ``failed`` (ids of the criteria that rule the patient out), ``missing`` (patient
  variables that would decide criteria now unknown), ``n_failed``, ``n_missing``;
- ``patients``: one row per patient read (id, source, FHIR version, age, sex, counts);
- ``errors``: patients that could not be read (source, message).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from .columns import PatientColumns
from .evaluate import TrialMatch, match_trial
from .patients import PatientRecord, add_windows, read_patients
from .trials import read_trials

VERDICT_NAMES = np.array(["ineligible", "undetermined", "eligible"], dtype=object)
FORMATS = ("parquet", "jsonl", "duckdb")


def _schema():
    import pyarrow as pa

    return pa.schema([("patient_id", pa.string()), ("trial_id", pa.string()), ("rank", pa.int32()),
                      ("verdict", pa.string()), ("cohorts", pa.string()), ("failed", pa.list_(pa.string())),
                      ("missing", pa.list_(pa.string())), ("n_failed", pa.int32()), ("n_missing", pa.int32())])


@dataclass
class MatchSummary:
    patients: int = 0
    patient_errors: int = 0
    trials: int = 0
    rows: int = 0
    verdicts: Dict[str, int] = field(default_factory=dict)
    seconds: Dict[str, float] = field(default_factory=dict)


def match_arrow(records: List[PatientRecord], trials: List[Any], top: Optional[int] = None):
    """The matches table (pyarrow) of patients x trials, ranked per patient (the `top` first only)."""
    add_windows(records, [c.subject for t in trials for c in t.constraints if c.category == "temporal"])
    cols = PatientColumns([r.id for r in records], [r.patient for r in records])
    table = _Table(cols.n, len(trials))
    for t, trial in enumerate(trials):
        table.add(t, match_trial(trial, cols))
    return table.arrow([r.id for r in records], [t.trial_id or "" for t in trials], top)


class _Table:
    """The matches of every trial, gathered as arrays (row = trial index * patients + patient index)."""

    def __init__(self, n: int, n_trials: int) -> None:
        self.n, self.t = n, n_trials
        self.verdict = np.zeros((n_trials, n), np.int8)
        self.lists = {"failed": _Items(), "missing": _Items()}
        self.cohort_rows: List[np.ndarray] = []
        self.cohort_text: List[List[str]] = []

    def add(self, t: int, m: TrialMatch) -> None:
        self.verdict[t] = m.verdict
        base = t * self.n
        self.lists["failed"].add(base, m.failed)
        self.lists["missing"].add(base, m.missing)
        if m.cohorts:
            self.cohort_rows.append(base + np.arange(self.n))
            self.cohort_text.append(_cohorts(m, self.n))

    def arrow(self, patient_ids: List[str], trial_ids: List[str], top: Optional[int]):
        import pyarrow as pa

        n, t = self.n, self.t
        rows = n * t
        verdict = self.verdict.reshape(-1)
        counts = {k: np.bincount(v.rows(), minlength=rows) for k, v in self.lists.items()}
        patient = np.tile(np.arange(n), t)
        trial = np.repeat(np.arange(t), n)
        # eligible first, then the fewest missing items, then trial id (trials come sorted by id)
        order = np.lexsort((trial, counts["missing"], -verdict, patient))
        rank = (np.arange(rows) % t + 1) if t else np.zeros(0, np.int64)
        if top:
            keep = rank <= top
            order, rank = order[keep], rank[keep]
        cohorts = np.full(rows, -1, np.int64)
        texts: List[str] = []
        for r, tx in zip(self.cohort_rows, self.cohort_text):
            uniq = {x: i + len(texts) for i, x in enumerate(dict.fromkeys(tx))}
            cohorts[r] = [uniq[x] for x in tx]
            texts.extend(uniq)
        table = pa.table({
            "patient_id": _dict(patient[order], patient_ids),
            "trial_id": _dict(trial[order], trial_ids),
            "rank": pa.array(rank.astype(np.int32)),
            "verdict": _dict(verdict[order].astype(np.int64) + 1, list(VERDICT_NAMES)),
            "cohorts": _dict(cohorts[order], texts),
            "failed": self.lists["failed"].arrow(order, rows),
            "missing": self.lists["missing"].arrow(order, rows),
            "n_failed": pa.array(counts["failed"][order].astype(np.int32)),
            "n_missing": pa.array(counts["missing"][order].astype(np.int32)),
        })
        return table.cast(_schema())  # plain strings for readers (the Parquet file encodes them anyway)


class _Items:
    """(row, name) pairs of a list column, in the order they were added."""

    def __init__(self) -> None:
        self.names: Dict[str, int] = {}
        self._rows: List[np.ndarray] = []
        self._codes: List[np.ndarray] = []

    def add(self, base: int, items: List[Any]) -> None:
        if not items:
            return
        masks = np.stack([m for _, m in items], axis=1)  # patients x items
        rows, which = np.nonzero(masks)  # by patient, then item order
        codes = np.array([self.names.setdefault(name, len(self.names)) for name, _ in items])
        self._rows.append(base + rows)
        self._codes.append(codes[which])

    def rows(self) -> np.ndarray:
        return np.concatenate(self._rows) if self._rows else np.zeros(0, np.int64)

    def arrow(self, order: np.ndarray, n_rows: int):
        """A list<string> column for the rows in `order` (items keep their order within a row)."""
        import pyarrow as pa

        rows = self.rows()
        codes = np.concatenate(self._codes) if self._codes else np.zeros(0, np.int64)
        position = np.full(n_rows, -1, np.int64)
        position[order] = np.arange(len(order))
        # the items of one row are contiguous (one trial, added at once): place them without sorting
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]) if len(rows) else np.zeros(0, np.int64)
        within = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
        pos = position[rows]
        kept = pos >= 0
        pos, codes, within = pos[kept], codes[kept], within[kept]
        offsets = np.concatenate([[0], np.cumsum(np.bincount(pos, minlength=len(order)))]).astype(np.int64)
        out = np.empty(len(pos), np.int32)
        out[offsets[pos] + within] = codes
        values = pa.DictionaryArray.from_arrays(pa.array(out), pa.array(list(self.names), pa.string()))
        offsets = offsets.astype(np.int32)
        return pa.ListArray.from_arrays(pa.array(offsets), values)


def _dict(indices: np.ndarray, names: List[str]):
    """A dictionary-encoded string column (index -1: null)."""
    import pyarrow as pa

    idx = np.asarray(indices, np.int64)
    return pa.DictionaryArray.from_arrays(pa.array(idx.astype(np.int32), mask=idx < 0),
                                          pa.array(list(names), pa.string()))


def _cohorts(m: TrialMatch, n: int) -> List[str]:
    names = list(m.cohorts)
    codes = np.stack([m.cohorts[c].astype(np.int64) + 1 for c in names], axis=1)
    combos, inverse = np.unique(codes, axis=0, return_inverse=True)
    text = [json.dumps({c: VERDICT_NAMES[v] for c, v in zip(names, row)}) for row in combos]
    return [text[i] for i in np.asarray(inverse).reshape(-1)]


def run_match(patients: "str | Path", trials_out: "str | Path", out: "str | Path", fmt: str = "parquet",
              as_of: Any = None, top: Optional[int] = None, overwrite: bool = False,
              validate: bool = True) -> MatchSummary:
    """Read, match, rank and write (see the module doc)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use {', '.join(FORMATS)}")
    out = Path(out)
    _prepare_out(out, overwrite)
    s = MatchSummary()
    t0 = time.perf_counter()
    trials = list(read_trials(trials_out))
    t1 = time.perf_counter()
    records, errors = read_patients(patients, as_of, validate=validate)
    t2 = time.perf_counter()
    table = match_arrow(records, trials, top)
    t3 = time.perf_counter()
    tables = {"matches": table, "patients": _patients_table(records), "errors": _errors_table(errors.rows)}
    write_tables(out, fmt, tables)
    t4 = time.perf_counter()
    s.patients, s.patient_errors, s.trials, s.rows = len(records), len(errors.rows), len(trials), table.num_rows
    s.verdicts = {str(v["values"]): int(v["counts"]) for v in table["verdict"].value_counts().to_pylist()}
    s.seconds = {"read trials": t1 - t0, "read patients": t2 - t1, "match": t3 - t2, "write": t4 - t3}
    manifest = {"format": fmt, "patients": str(patients), "trials": str(trials_out), "as_of": _as_of(records, as_of),
                "top": top, "counts": {"patients": s.patients, "patient_errors": s.patient_errors,
                                       "trials": s.trials, "matches": s.rows, "verdicts": s.verdicts},
                "seconds": {k: round(v, 3) for k, v in s.seconds.items()},
                "tables": {t: _path(fmt, t) for t in tables}}
    (out / "_manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return s


def _as_of(records: List[PatientRecord], as_of: Any) -> Optional[str]:
    for r in records:
        if r.fhir is not None:
            return r.fhir.as_of.isoformat()
    return str(as_of) if as_of else None


def _prepare_out(out: Path, overwrite: bool) -> None:
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise FileExistsError(f"{out} is not empty: use --overwrite to replace a previous match output")
        if not (out / "_manifest.json").is_file():
            raise FileExistsError(f"{out} is not a `critparse match` output: not overwritten")
        for t in ("matches", "patients", "errors"):
            for p in [out / t / "part-0.parquet", out / f"{t}.jsonl"]:
                p.unlink(missing_ok=True)
        (out / "critparse.duckdb").unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)


def _path(fmt: str, table: str) -> str:
    return {"jsonl": f"{table}.jsonl", "duckdb": f"critparse.duckdb#{table}"}.get(fmt, f"{table}/part-0.parquet")


def write_tables(out: Path, fmt: str, tables: Dict[str, Any]) -> None:
    import duckdb

    con = duckdb.connect(str(out / "critparse.duckdb") if fmt == "duckdb" else ":memory:")
    for name, table in tables.items():
        con.register("t", table)
        if fmt == "duckdb":
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM t')
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            (out / name).mkdir(exist_ok=True)
            pq.write_table(table, out / name / "part-0.parquet")
        else:
            con.execute(f"COPY t TO '{_q(out / (name + '.jsonl'))}' (FORMAT json)")
        con.unregister("t")
    con.close()


def _q(p: Path) -> str:
    return str(p).replace("'", "''")


def _patients_table(records: List[PatientRecord]):
    import pyarrow as pa

    rows = [{"patient_id": r.id, "source": r.source, "fhir_version": r.fhir.version if r.fhir else None,
             "age": (r.patient.get("age") or {}).get("value"), "sex": r.patient.get("sex"),
             "n_labs": len(r.patient.get("labs") or {}), "n_conditions": len(r.patient.get("conditions") or []),
             "n_exposures": len(r.fhir.exposures) if r.fhir else 0} for r in records]
    schema = pa.schema([("patient_id", pa.string()), ("source", pa.string()), ("fhir_version", pa.string()),
                        ("age", pa.float64()), ("sex", pa.string()), ("n_labs", pa.int32()),
                        ("n_conditions", pa.int32()), ("n_exposures", pa.int32())])
    return pa.Table.from_pylist(rows, schema=schema)


def _errors_table(rows: List[Dict[str, str]]):
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=pa.schema([("source", pa.string()), ("error", pa.string())]))
