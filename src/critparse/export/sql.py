"""Flat tables for SQL engines: the criteria / constraints / entities tables of
`critparse.export.frames` in DuckDB, and example queries (docs/sql_examples.md).

    >>> con = critparse.export.sql.connect(parsed_trials)        # in-memory DuckDB
    >>> con.execute(ADMITS_UPPER_BOUND, {"subject": "creatinine", "value": 1.8}).df()

Every constraint row carries `normalized_value` / `normalized_unit`: the
threshold in the subject's canonical unit (creatinine mg/dL, bilirubin
umol/L, ...), so one comparison covers thresholds written in mg/dL, umol/L or
mg%. `patient_value()` brings a patient's value to that unit first. The queries
read one bound at a time, so they keep to `standalone` constraints: those that
decide their criterion alone by its expression (not a bound under a guard,
an exception or an alternative, which one row cannot say).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional

from .frames import COLUMNS, ROWS, frame

if TYPE_CHECKING:  # pragma: no cover
    import duckdb
    import pandas as pd

    from ..records import ParsedTrial

#: inclusion upper bounds on a subject that admit a patient value (in the canonical unit)
ADMITS_UPPER_BOUND = """
SELECT trial_id, criterion, cohort, op, value, unit, normalized_value, normalized_unit, text
FROM constraints
WHERE subject = $subject
  AND kind = 'inclusion' AND standalone AND NOT negated AND relative_to IS NULL
  AND op IN ('<', '<=')
  AND normalized_unit = $unit
  AND (CASE op WHEN '<=' THEN $value <= normalized_value ELSE $value < normalized_value END)
ORDER BY trial_id, criterion
"""

#: trials that state an upper bound on the subject and none of whose bounds rules the patient out
#: (inclusion upper bound below the value, or an exclusion "> x" with x below the value)
NOT_RULED_OUT = """
WITH bounds AS (
  SELECT trial_id, kind, op, normalized_value AS v
  FROM constraints
  WHERE subject = $subject AND standalone AND NOT negated AND relative_to IS NULL AND normalized_unit = $unit
),
ruled_out AS (
  SELECT DISTINCT trial_id FROM bounds
  WHERE (kind = 'inclusion' AND ((op = '<=' AND $value > v) OR (op = '<' AND $value >= v)
                              OR (op = '>=' AND $value < v) OR (op = '>' AND $value <= v)))
     OR (kind = 'exclusion' AND ((op = '>' AND $value > v) OR (op = '>=' AND $value >= v)
                              OR (op = '<' AND $value < v) OR (op = '<=' AND $value <= v)))
)
SELECT DISTINCT trial_id FROM bounds
WHERE trial_id NOT IN (SELECT trial_id FROM ruled_out)
ORDER BY trial_id
"""


def tables(parsed_trials: Iterable["ParsedTrial"]) -> Dict[str, "pd.DataFrame"]:
    """criteria / constraints / entities DataFrames over many trials (columns of `to_frames()`)."""
    rows: Dict[str, List[Dict[str, Any]]] = {name: [] for name in ROWS}
    for p in parsed_trials:
        for name, fn in ROWS.items():
            rows[name].extend(fn(p))
    return {name: frame(name, r) for name, r in rows.items()}


def connect(parsed_trials: Optional[Iterable["ParsedTrial"]] = None, database: str = ":memory:",
            frames: Optional[Dict[str, "pd.DataFrame"]] = None) -> "duckdb.DuckDBPyConnection":
    """A DuckDB connection with the tables `criteria`, `constraints`, `entities`
    (from parsed trials, or from ready DataFrames / a batch run's Parquet files)."""
    import duckdb

    con = duckdb.connect(database)
    if frames is None:
        frames = tables(parsed_trials or [])
    for name in COLUMNS:
        df = frames.get(name)
        if df is None:
            continue
        con.register(f"_{name}_df", df)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _{name}_df")
        con.unregister(f"_{name}_df")
    return con


def connect_parquet(folder: str, database: str = ":memory:") -> "duckdb.DuckDBPyConnection":
    """Views over `<folder>/<table>.parquet` (or `<table>/*.parquet`) as written by a batch run."""
    from pathlib import Path

    import duckdb

    con = duckdb.connect(database)
    root = Path(folder)
    for name in COLUMNS:
        single = root / f"{name}.parquet"
        many = root / name
        if single.exists():
            src = str(single)
        elif many.is_dir():
            src = str(many / "*.parquet")
        else:
            continue
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{src}')")
    return con


def patient_value(subject: str, value: float, unit: str) -> Dict[str, Any]:
    """Query parameters for a patient value: subject, value in the subject's canonical unit, unit."""
    from ..logic import canonical_subject, canonical_unit, convert, ucum

    subj = canonical_subject(subject)
    to = canonical_unit(subj)
    u = ucum(unit)
    if to is None:
        return {"subject": subj, "value": float(value), "unit": u}
    return {"subject": subj, "value": convert(value, u, to, subject=subj), "unit": to}


def admits_upper_bound(con: "duckdb.DuckDBPyConnection", subject: str, value: float, unit: str) -> "pd.DataFrame":
    """Rows of inclusion upper bounds on `subject` that admit the patient value (any unit they were written in)."""
    return con.execute(ADMITS_UPPER_BOUND, patient_value(subject, value, unit)).df()


def not_ruled_out(con: "duckdb.DuckDBPyConnection", subject: str, value: float, unit: str) -> List[str]:
    """Trials with bounds on `subject` none of which rules the patient value out."""
    return [r[0] for r in con.execute(NOT_RULED_OUT, patient_value(subject, value, unit)).fetchall()]
