"""to_frames() and to_json() give exactly what the earlier, slower implementations gave.

The references below are those implementations (rows of dicts -> DataFrame -> astype to nullable
dtypes; `json.dumps(dataclasses.asdict(p))`), kept here to compare against. Speed is measured in
bench/bench_frames.py, not here.
"""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from conftest import xml_sample
from critparse.export.frames import COLUMNS, PANDAS_DTYPES, ROWS, constraint_rows, frame


def reference_frame(table, rows):
    cols = COLUMNS[table]
    df = pd.DataFrame(list(rows), columns=[c for c, _ in cols])
    return df.astype({c: PANDAS_DTYPES[t] for c, t in cols})


def assert_same(got, want):
    pd.testing.assert_frame_equal(got, want, check_index_type=True, check_column_type=True)
    assert list(got.dtypes) == list(want.dtypes)
    assert got.columns.dtype == want.columns.dtype
    assert type(got.index) is type(want.index)


def test_seed_frames_equal_reference(seed_parsed):
    frames = seed_parsed.to_frames()
    assert set(frames) == set(ROWS)
    for table, fn in ROWS.items():
        assert_same(frames[table], reference_frame(table, fn(seed_parsed)))
    assert len(frames["criteria"]) == len(seed_parsed.criteria) > 20
    assert len(frames["entities"]) == len(seed_parsed.entities) > 0  # full mode: entities too
    assert frames["constraints"]["value"].dtype == "Float64"


def test_seed_json_equals_asdict(seed_parsed):
    want = json.dumps(dataclasses.asdict(seed_parsed), ensure_ascii=False)
    assert seed_parsed.to_json() == want
    assert seed_parsed.to_json(indent=2, sort_keys=True) == json.dumps(
        dataclasses.asdict(seed_parsed), ensure_ascii=False, indent=2, sort_keys=True)
    assert seed_parsed.to_json(ensure_ascii=True) == json.dumps(dataclasses.asdict(seed_parsed))
    assert seed_parsed.to_json(default=str) == want


def test_xml_frames_and_json_equal_reference(corpora, fast):
    import critparse

    items = xml_sample(corpora, 0, 4000, 20)[:200]
    assert len(items) == 200
    parsed = list(critparse.parse_many(items, nlp=fast, mode="fast"))
    per_trial = [p.to_frames() for p in parsed]
    for table, fn in ROWS.items():
        want = reference_frame(table, [r for p in parsed for r in fn(p)])
        for f in per_trial:  # each trial's own frame: columns, dtypes, a 0..n-1 index
            assert list(f[table].columns) == list(want.columns)
            assert list(f[table].dtypes) == list(want.dtypes)
            assert f[table].index.equals(pd.RangeIndex(len(f[table])))
        got = pd.concat([f[table] for f in per_trial], ignore_index=True)
        assert len(want) > 0 or table == "entities"  # fast mode finds no entities (the seed test has them)
        assert_same(got, want)
    for p in parsed:
        assert p.to_json() == json.dumps(dataclasses.asdict(p), ensure_ascii=False)


def test_values_arrow_would_not_take_are_converted_as_before(seed_parsed):
    rows = [dict(r) for r in constraint_rows(seed_parsed)][:4]
    rows[0]["value"] = float("nan")  # NaN: missing, as astype reads it
    rows[1]["value"] = 7  # an int in a float column
    rows[2]["negated"] = None
    assert_same(frame("constraints", rows), reference_frame("constraints", rows))
    assert frame("constraints", rows)["value"].isna()[0]
    rows[3]["subject"] = 5  # not text: the astype path converts it
    assert_same(frame("constraints", rows), reference_frame("constraints", rows))
    assert frame("constraints", rows)["subject"][3] == "5"
    crit = [dict(r) for r in ROWS["criteria"](seed_parsed)][:2]
    crit[0]["depth"] = 2.0  # a whole float in an int column: converted, as astype does
    assert_same(frame("criteria", crit), reference_frame("criteria", crit))
    crit[1]["depth"] = 2.5  # not whole: refused, as astype does
    with pytest.raises((TypeError, ValueError)):
        reference_frame("criteria", crit)
    with pytest.raises((TypeError, ValueError)):
        frame("criteria", crit)
    assert_same(frame("entities", []), reference_frame("entities", []))
    assert_same(frame("criteria", iter([])), reference_frame("criteria", []))


@pytest.mark.parametrize("table", sorted(COLUMNS))
def test_empty_table_keeps_columns(table):
    df = frame(table, [])
    assert list(df.columns) == [c for c, _ in COLUMNS[table]] and len(df) == 0


def test_shared_logic_gives_the_same_rows_and_findings(corpora, fast):
    """The batch rows read one `TrialLogic(memo=True)` for the checks and the standalone flags: the same
    rows and findings as each building its own (real XML dump records)."""
    import critparse
    from critparse.checks import check
    from critparse.logic import TrialLogic

    parsed = list(critparse.parse_many(xml_sample(corpora, 0, 4000, 20)[:200], nlp=fast, mode="fast"))
    assert sum(len(p.constraints) for p in parsed) > 200
    for p in parsed:
        logic = TrialLogic(p, memo=True)
        assert check(p, logic) == check(p)
        assert constraint_rows(p, logic) == constraint_rows(p)
        for c in p.criteria:
            assert logic.body(c) is logic.body(c)  # lowered once
