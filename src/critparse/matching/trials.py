"""Trials from a `critparse batch` output folder (Parquet, JSONL or DuckDB, as its manifest says).

The batch tables hold every record screening reads except the full criteria text; the text is
rebuilt from the criteria rows at their offsets (each row's ``text`` is ``original[start:end]``),
which is all `critparse.logic` looks at (the words between two constraints of one criterion).
Of the entities table only what screening reads is kept: the non-negated Condition entities with
codes (full mode links them to ICD-10-CM; fast mode leaves `codes` empty, so none are kept).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from ..errors import CritparseError
from ..records import Constraint, Criterion, Entity, Normalized, ParsedTrial, TrialInfo

TABLES = ("trials", "criteria", "constraints")


class BatchOutputError(CritparseError):
    """A folder that is not a readable `critparse batch` output."""


def read_table(out: Path, table: str, where: str = "") -> List[Dict[str, Any]]:
    """The rows of one batch table, as dicts (`where`: an SQL filter DuckDB applies; JSONL rows are
    not filtered)."""
    manifest = _manifest(out)
    fmt = manifest.get("format", "parquet")
    path = ((manifest.get("tables") or {}).get(table) or {}).get("path") or table
    if fmt == "jsonl":
        with open(out / path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    import duckdb

    con = duckdb.connect()
    if fmt == "duckdb":
        db, _, name = path.partition("#")
        con.execute(f"ATTACH {_sql(str(out / db))} AS b (READ_ONLY)")
        return con.sql(f'SELECT * FROM b."{name or table}" {where}').to_arrow_table().to_pylist()
    files = sorted((out / table).glob("*.parquet"))
    if not files:
        raise BatchOutputError(f"{out}: no {table} table ({out / table}/*.parquet)")
    return con.sql(f"SELECT * FROM read_parquet({_sql([str(f) for f in files])}) {where}").to_arrow_table().to_pylist()


def _sql(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_sql(x) for x in v) + "]"
    return "'" + str(v).replace("'", "''") + "'"


def _manifest(out: Path) -> Dict[str, Any]:
    p = out / "_manifest.json"
    if not p.is_file():
        raise BatchOutputError(f"{out} is not a `critparse batch` output folder (no _manifest.json)")
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise BatchOutputError(f"{p}: cannot read the manifest ({e})") from None


def read_trials(out: "str | Path", ids: Optional[List[str]] = None) -> Iterator[ParsedTrial]:
    """Every parsed trial (status ok) of a batch output, in trial-id order; a trial id seen twice
    (the same study read from two files) is read once, from its first rows."""
    out = Path(out)
    trials = [t for t in read_table(out, "trials") if t.get("status") == "ok" and (ids is None or t["trial_id"] in ids)]
    crits: Dict[str, List[Dict[str, Any]]] = {}
    for r in read_table(out, "criteria"):
        crits.setdefault(r["trial_id"], []).append(r)
    cons: Dict[str, List[Dict[str, Any]]] = {}
    for r in read_table(out, "constraints"):
        cons.setdefault(r["trial_id"], []).append(r)
    ents = _coded_entities(out)
    seen = set()
    for t in sorted(trials, key=lambda t: t["trial_id"]):
        tid = t["trial_id"]
        if tid in seen or not crits.get(tid):
            continue
        seen.add(tid)
        parsed = trial_from_rows(t, _first(crits[tid]), _first(cons.get(tid, [])))
        parsed.entities = [_entity(r) for r in _first(ents.get(tid, []))]
        yield parsed


def _coded_entities(out: Path) -> Dict[str, List[Dict[str, Any]]]:
    """trial id -> rows of its non-negated Condition entities with codes (none where the output has
    no entities table)."""
    if "entities" not in (_manifest(out).get("tables") or {}):
        return {}
    got: Dict[str, List[Dict[str, Any]]] = {}
    for r in read_table(out, "entities", "WHERE label = 'Condition' AND codes IS NOT NULL AND NOT coalesce(negated, false)"):
        if r.get("label") == "Condition" and r.get("codes") and not r.get("negated"):
            got.setdefault(r["trial_id"], []).append(r)
    return got


def _entity(r: Dict[str, Any]) -> Entity:
    return Entity(id=r["id"], criterion=r["criterion"], label=r["label"], text=r["text"], start=r["start"],
                  end=r["end"], negated=bool(r.get("negated")), codes=_json(r.get("codes"), list) or [])


def _first(rows: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    out, ids = [], set()
    for r in rows:
        if r["id"] not in ids:
            ids.add(r["id"])
            out.append(r)
    return out


def trial_from_rows(trial: Dict[str, Any], criteria: List[Dict[str, Any]],
                    constraints: List[Dict[str, Any]]) -> ParsedTrial:
    """A ParsedTrial from one trial's rows of the batch tables (rows in document order: the tables
    are sorted by id, and 'exc.10' sorts before 'exc.2')."""
    criteria = sorted(criteria, key=lambda r: (r["start"], r.get("depth") or 0))
    constraints = sorted(constraints, key=lambda r: (r["start"], r["end"], _num_id(r["id"])))
    crit = [Criterion(id=r["id"], parent=r.get("parent"), kind=r["kind"], cohort=r.get("cohort"),
                      logic=r.get("logic"), number=r.get("number"), text=r["text"], start=r["start"],
                      end=r["end"], role=r.get("role") or "item", depth=r.get("depth") or 0,
                      section=r.get("section"), clean_text=r.get("clean_text") or "",
                      expression=_json(r.get("expression"), dict)) for r in criteria]
    con = [Constraint(id=r["id"], criterion=r["criterion"], kind=r["kind"], cohort=r.get("cohort"),
                      subject=r["subject"], subject_text=r.get("subject_text"), op=r["op"], value=r["value"],
                      unit=r.get("unit"), relative_to=r.get("relative_to"),
                      normalized=(Normalized(r["normalized_value"], r.get("normalized_unit"))
                                  if r.get("normalized_value") is not None else None),
                      negated=bool(r.get("negated")), text=r["text"], start=r["start"], end=r["end"],
                      category=r.get("category") or "other", code=r.get("code"), value_text=r.get("value_text"),
                      unit_text=r.get("unit_text"), concept=r.get("concept"), values=_json(r.get("values"), list),
                      any_of=r.get("any_of"), future=bool(r.get("future")),
                      implausible=bool(r.get("implausible"))) for r in constraints]
    info = TrialInfo(sex=trial.get("sex"), minimum_age=trial.get("minimum_age"),
                     maximum_age=trial.get("maximum_age"), healthy_volunteers=trial.get("healthy_volunteers"),
                     source_format=trial.get("source_format"))
    return ParsedTrial(trial_id=trial["trial_id"], text=_text(crit), criteria=crit, constraints=con, info=info)


def _num_id(cid: str) -> tuple:
    return tuple(int(x) if x.isdigit() else x for x in re.split(r"(\d+)", cid))


def _json(v: Any, kind: type) -> Any:
    """A nested value the batch tables hold as JSON text (or as itself), or None."""
    if v is None or isinstance(v, kind):
        return v
    try:
        got = json.loads(v)
    except (TypeError, ValueError):
        return None
    return got if isinstance(got, kind) else None


def _text(criteria: List[Criterion]) -> str:
    """The criteria text rebuilt at its offsets (blanks where no criterion covers it)."""
    size = max((c.end for c in criteria), default=0)
    chars = [" "] * size
    for c in sorted(criteria, key=lambda c: c.depth):
        if len(c.text) == c.end - c.start:
            chars[c.start:c.end] = c.text
    return "".join(chars)
