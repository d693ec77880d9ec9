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
        ("any_of", "string"), ("future", "bool"), ("implausible", "bool"), ("standalone", "bool"),
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


#: `json.dumps(v, ensure_ascii=False)` without building an encoder per call (one per criterion)
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _json(value: Any) -> Any:
    """Nested values (expressions, lists) as JSON text in a flat column; None stays None."""
    return None if value is None else _ENCODE(value)


def standalone_constraints(parsed: "ParsedTrial", logic: Any = None) -> set:
    """Ids of the constraints that decide their criterion on their own, by its expression: every required
    bound of an inclusion, every sufficient reason of an exclusion (not those under a guard, an exception or
    an alternative). Queries over the flat table that read one bound alone use only these."""
    from ..logic import TrialLogic, required, sufficient

    if logic is None or logic.parsed is not parsed:
        logic = TrialLogic(parsed)
    out = set()
    for crit in parsed.criteria:
        if not logic.constraints(crit.id):
            continue
        body = logic.body(crit)
        if body is not None:
            out.update(c.id for c in (sufficient(body) if crit.kind == "exclusion" else required(body)))
    return out


def constraint_rows(parsed: "ParsedTrial", logic: Any = None) -> List[Dict[str, Any]]:
    """`logic`: the trial's `TrialLogic`, where the caller has one (the batch rows share it with the checks)."""
    tid = parsed.trial_id
    rows = []
    alone = standalone_constraints(parsed, logic)
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
            "future": c.future, "implausible": c.implausible, "standalone": c.id in alone,
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

    Built column by column (text as Arrow arrays, numbers and flags as numpy values with a mask:
    pandas' own nullable arrays) instead of a frame of row dicts converted with `astype`: the same
    frame, about 15 x faster per trial (bench/bench_frames.py). A value of another type than its
    column's (an int in a text column) takes the slower `astype` path, which converts it."""
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


def _column(values: List[Any], typ: str) -> Any:
    """One column as the pandas nullable array `astype` would give (None, and NaN in numbers, missing)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    if typ == "string":
        return pd.arrays.ArrowStringArray(pa.chunked_array([pa.array(values, type=pa.large_string())]))
    n = len(values)
    if typ == "bool":
        mask = np.fromiter((v is None for v in values), bool, n)
        if any(not (v is None or v is True or v is False) for v in values):
            raise TypeError("not a bool")  # 0/1 or text: astype decides
        return pd.arrays.BooleanArray(np.fromiter((v is True for v in values), bool, n), mask)
    kinds = (int, float) if typ == "float64" else int
    if any(not (v is None or isinstance(v, kinds)) or isinstance(v, bool) for v in values):
        raise TypeError("not a number of the column's type")  # 3.5 in an int column: astype refuses it
    mask = np.fromiter((v is None or v != v for v in values), bool, n)
    data = np.fromiter((0 if m else v for v, m in zip(values, mask)), _NUMPY[typ], n)  # OverflowError past int64
    return (pd.arrays.FloatingArray if typ == "float64" else pd.arrays.IntegerArray)(data, mask)


_NUMPY = {"int32": "int32", "int64": "int64", "float64": "float64"}


@lru_cache(maxsize=None)
def _column_index(table: str) -> Any:
    import pandas as pd

    return pd.Index([c for c, _ in COLUMNS[table]])


def _frame_arrow(table: str, rows: List[Dict[str, Any]]) -> "pd.DataFrame":
    import pandas as pd

    arrays = [_column([r.get(c) for r in rows], t) for c, t in COLUMNS[table]]
    columns, index = _column_index(table), pd.RangeIndex(len(rows))
    try:  # one block per column, as pandas makes for these arrays, without re-checking what was built to fit
        from pandas._libs.internals import BlockPlacement
        from pandas.core.internals.blocks import ExtensionBlock
        from pandas.core.internals.managers import BlockManager

        blocks = tuple(ExtensionBlock(a, BlockPlacement(slice(i, i + 1)), ndim=2) for i, a in enumerate(arrays))
        mgr = BlockManager(blocks, [columns, index], verify_integrity=False)
        return pd.DataFrame._from_mgr(mgr, axes=mgr.axes)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - another pandas: its public way
        return pd.DataFrame(dict(zip(columns, arrays)), index=index, copy=False)


@provide("to_sql_rows")
def table_rows(parsed: "ParsedTrial", table: str = "constraints") -> List[Dict[str, Any]]:
    """Flat rows of one table (criteria | constraints | entities), the columns of `to_frames()`."""
    return ROWS[table](parsed)


@provide("to_frames")
def trial_frames(parsed: "ParsedTrial") -> Dict[str, "pd.DataFrame"]:
    return {name: frame(name, fn(parsed)) for name, fn in ROWS.items()}
