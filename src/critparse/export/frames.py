"""Flat rows and pandas DataFrames of a parse, one table per record type.

The column lists here are the contract shared by `ParsedTrial.to_frames()` and
the batch writers (Parquet, JSON Lines, DuckDB): same names, same order, same
types, so an empty table still has its columns. Nested fields (a criterion's
`expression`, a constraint's `values`, an entity's `codes`) are JSON text.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Dict, Iterable, List

from ..records import provide

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..records import ParsedTrial

#: table -> ordered (column, arrow type name) pairs
COLUMNS: Dict[str, List[tuple]] = {
    "criteria": [
        ("trial_id", "string"), ("id", "string"), ("parent", "string"), ("kind", "string"),
        ("cohort", "string"), ("logic", "string"), ("number", "string"), ("role", "string"),
        ("depth", "int32"), ("section", "string"), ("text", "string"), ("clean_text", "string"),
        ("start", "int64"), ("end", "int64"), ("expression", "string"),
    ],
    "constraints": [
        ("trial_id", "string"), ("id", "string"), ("criterion", "string"), ("kind", "string"),
        ("cohort", "string"), ("category", "string"), ("subject", "string"), ("subject_text", "string"),
        ("code", "string"), ("op", "string"), ("value", "float64"), ("value_text", "string"),
        ("unit", "string"), ("unit_text", "string"), ("relative_to", "string"),
        ("normalized_value", "float64"), ("normalized_unit", "string"), ("negated", "bool"),
        ("text", "string"), ("start", "int64"), ("end", "int64"), ("concept", "string"), ("values", "string"),
        ("any_of", "string"), ("standalone", "bool"),
    ],
    "entities": [
        ("trial_id", "string"), ("id", "string"), ("criterion", "string"), ("label", "string"),
        ("text", "string"), ("start", "int64"), ("end", "int64"), ("negated", "bool"),
        ("historical", "bool"), ("hypothetical", "bool"), ("constraints", "string"),
        ("source", "string"), ("expansion", "string"), ("codes", "string"),
    ],
}


def criteria_rows(parsed: "ParsedTrial") -> List[Dict[str, Any]]:
    tid = parsed.trial_id
    return [
        {
            "trial_id": tid, "id": c.id, "parent": c.parent, "kind": c.kind, "cohort": c.cohort,
            "logic": c.logic, "number": c.number, "role": c.role, "depth": c.depth,
            "section": c.section, "text": c.text, "clean_text": c.clean_text,
            "start": c.start, "end": c.end, "expression": _json(c.expression),
        }
        for c in parsed.criteria
    ]


def _json(value: Any) -> Any:
    """Nested values (expressions, lists) as JSON text in a flat column; None stays None."""
    return None if value is None else json.dumps(value, ensure_ascii=False)


def standalone_constraints(parsed: "ParsedTrial") -> set:
    """Ids of the constraints that decide their criterion on their own, by its expression: every required
    bound of an inclusion, every sufficient reason of an exclusion (not those under a guard, an exception or
    an alternative). Queries over the flat table that read one bound alone use only these."""
    from ..logic import TrialLogic, required, sufficient

    logic = TrialLogic(parsed)
    out = set()
    for crit in parsed.criteria:
        if not logic.constraints(crit.id):
            continue
        body = logic.body(crit)
        if body is not None:
            out.update(c.id for c in (sufficient(body) if crit.kind == "exclusion" else required(body)))
    return out


def constraint_rows(parsed: "ParsedTrial") -> List[Dict[str, Any]]:
    tid = parsed.trial_id
    rows = []
    alone = standalone_constraints(parsed)
    for c in parsed.constraints:
        n = c.normalized
        rows.append({
            "trial_id": tid, "id": c.id, "criterion": c.criterion, "kind": c.kind,
            "cohort": c.cohort, "category": c.category, "subject": c.subject,
            "subject_text": c.subject_text, "code": c.code, "op": c.op, "value": c.value,
            "value_text": c.value_text, "unit": c.unit, "unit_text": c.unit_text,
            "relative_to": c.relative_to,
            "normalized_value": None if n is None else n.value,
            "normalized_unit": None if n is None else n.unit,
            "negated": c.negated, "text": c.text, "start": c.start, "end": c.end,
            "concept": c.concept, "values": _json(c.values), "any_of": c.any_of,
            "standalone": c.id in alone,
        })
    return rows


def entity_rows(parsed: "ParsedTrial") -> List[Dict[str, Any]]:
    tid = parsed.trial_id
    return [
        {
            "trial_id": tid, "id": e.id, "criterion": e.criterion, "label": e.label,
            "text": e.text, "start": e.start, "end": e.end, "negated": e.negated,
            "historical": e.historical, "hypothetical": e.hypothetical,
            "constraints": json.dumps(e.constraints), "source": e.source,
            "expansion": e.expansion, "codes": _json(e.codes or None),
        }
        for e in parsed.entities
    ]


ROWS = {"criteria": criteria_rows, "constraints": constraint_rows, "entities": entity_rows}


#: column type -> pandas nullable dtype of the frames
PANDAS_DTYPES = {"string": "string", "int32": "Int32", "int64": "Int64", "float64": "Float64", "bool": "boolean"}


def frame(table: str, rows: Iterable[Dict[str, Any]]) -> "pd.DataFrame":
    """A DataFrame with the table's columns in order and nullable dtypes.

    Built column by column through Arrow (one typed array per column, handed to pandas as its
    nullable array) instead of a frame of row dicts converted with `astype`: the same frame, about
    10 x faster per trial (bench/bench_frames.py). A value Arrow will not take as the column's
    type (an int in a text column) takes the slower `astype` path, which converts it."""
    rows = rows if isinstance(rows, list) else list(rows)
    try:
        return _frame_arrow(table, rows)
    except (TypeError, ValueError, OverflowError):  # pyarrow's ArrowInvalid/ArrowTypeError are these
        return _frame_astype(table, rows)


def _frame_astype(table: str, rows: List[Dict[str, Any]]) -> "pd.DataFrame":
    import pandas as pd

    cols = COLUMNS[table]
    df = pd.DataFrame(rows, columns=[c for c, _ in cols])
    return df.astype({c: PANDAS_DTYPES[t] for c, t in cols})


@lru_cache(maxsize=None)
def _plan(table: str) -> tuple:
    """(column index, [(name, arrow type, pandas dtype)]) of a table, built once."""
    import pandas as pd
    import pyarrow as pa

    arrow = {"string": pa.large_string(), "int32": pa.int32(), "int64": pa.int64(), "float64": pa.float64(),
             "bool": pa.bool_()}
    cols = COLUMNS[table]
    return pd.Index([c for c, _ in cols]), [(c, arrow[t], pd.api.types.pandas_dtype(PANDAS_DTYPES[t])) for c, t in cols]


def _frame_arrow(table: str, rows: List[Dict[str, Any]]) -> "pd.DataFrame":
    import pandas as pd
    import pyarrow as pa

    columns, plan = _plan(table)
    arrays = [dtype.__from_arrow__(pa.chunked_array([pa.array([r.get(c) for r in rows], type=at, from_pandas=True)],
                                                    type=at))
              for c, at, dtype in plan]
    index = pd.RangeIndex(len(rows))
    from_arrays = getattr(pd.DataFrame, "_from_arrays", None)  # skips re-checking arrays built to fit
    if from_arrays is not None:
        return from_arrays(arrays, columns=columns, index=index, verify_integrity=False)
    return pd.DataFrame(dict(zip(columns, arrays)), index=index, copy=False)  # pragma: no cover


@provide("to_sql_rows")
def table_rows(parsed: "ParsedTrial", table: str = "constraints") -> List[Dict[str, Any]]:
    """Flat rows of one table (criteria | constraints | entities), the columns of `to_frames()`."""
    return ROWS[table](parsed)


@provide("to_frames")
def trial_frames(parsed: "ParsedTrial") -> Dict[str, "pd.DataFrame"]:
    return {name: frame(name, fn(parsed)) for name, fn in ROWS.items()}
