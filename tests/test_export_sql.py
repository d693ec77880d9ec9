"""Flat tables for SQL engines (issue 5, part 2): the example query of docs/sql_examples.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from critparse.export.frames import COLUMNS
from critparse.export.sql import (ADMITS_UPPER_BOUND, NOT_RULED_OUT, admits_upper_bound, connect, not_ruled_out,
                                  patient_value, tables)
from critparse.records import Constraint, Criterion, Normalized, ParsedTrial

from _trials import seed_like

duckdb = pytest.importorskip("duckdb")
pytestmark = pytest.mark.issue(5)

DOC = Path(__file__).resolve().parents[1] / "docs" / "sql_examples.md"


def _trial(tid, text, op, value, unit, norm, kind="inclusion"):
    crit = Criterion("inc.1" if kind == "inclusion" else "exc.1", None, kind, None, None, None, text, 0, len(text))
    con = Constraint(f"{crit.id}#c1", crit.id, kind, None, "creatinine", "Creatinine", op, value, unit, None,
                     Normalized(norm, "mg/dL"), False, text, 0, len(text), category="lab", code="2160-0")
    return ParsedTrial(tid, text, [crit], [con])


def test_tables_have_the_frames_columns(seed_text):
    t = tables([seed_like(seed_text)])
    for name, cols in COLUMNS.items():
        assert list(t[name].columns) == [c for c, _ in cols]


def test_creatinine_query_across_units_handbuilt(seed_text):
    trials = [
        seed_like(seed_text),                                                   # <= 176.8 umol/L = 2.0 mg/dL
        _trial("T-MGDL-2.0", "Creatinine <= 2.0 mg/dL", "<=", 2.0, "mg/dL", 2.0),
        _trial("T-UMOL-130", "Creatinine < 130 umol/L", "<", 130, "umol/L", 1.47),
        _trial("T-MGDL-1.5", "Creatinine < 1.5 mg/dL", "<", 1.5, "mg/dL", 1.5),
        _trial("T-EXC-1.6", "Creatinine > 1.6 mg/dl", ">", 1.6, "mg/dL", 1.6, kind="exclusion"),
    ]
    con = connect(trials)
    rows = admits_upper_bound(con, "creatinine", 1.8, "mg/dL")
    assert sorted(rows["trial_id"]) == ["NCT04532203", "T-MGDL-2.0"]
    # the same patient in umol/L gives the same answer
    rows2 = admits_upper_bound(con, "Creatinine", 159.1, "umol/L")
    assert sorted(rows2["trial_id"]) == ["NCT04532203", "T-MGDL-2.0"]
    # trials none of whose creatinine bounds rules 1.8 mg/dL out
    # the seed excludes > 2.5 mg/dL only; T-EXC-1.6 excludes > 1.6
    assert not_ruled_out(con, "creatinine", 1.8, "mg/dL") == ["NCT04532203", "T-MGDL-2.0"]
    assert "NCT04532203" not in not_ruled_out(con, "creatinine", 2.6, "mg/dL")


def test_doc_holds_the_queries():
    text = DOC.read_text(encoding="utf-8")
    assert ADMITS_UPPER_BOUND.strip() in text
    assert NOT_RULED_OUT.strip() in text


REAL = {
    # nct_id: does its inclusion creatinine upper bound admit 1.8 mg/dL?
    "NCT00001357": True,   # Serum creatinine less than or equal to 2.0 mg/dl
    "NCT00006050": False,  # Creatinine less than 130 micromoles/L (1.47 mg/dL)
    "NCT00001300": False,  # Creatinine less than 1.5 mg/dL
    "NCT00001333": False,  # Creatinine less than 1.5 mg/dL
}


def test_creatinine_query_on_real_trials(corpora, seed_text):
    """Real parses: several XML records (one in micromol/L) plus the seed (umol/L)."""
    from critparse.corpora import xml_records
    from critparse.parser import parse_many

    path = corpora / "ctgov_xml_2023" / "derived" / "eligibility.jsonl.gz"
    if not path.exists():
        pytest.skip("derived XML records not found")
    recs = [r for r in xml_records(path) if r[1] in REAL]
    parsed = list(parse_many(recs + [(seed_text, "NCT04532203", None)], mode="fast"))
    assert any(c.subject == "creatinine" and c.normalized for p in parsed for c in p.constraints)
    con = connect(parsed)
    got = set(admits_upper_bound(con, "creatinine", 1.8, "mg/dL")["trial_id"])
    want = {k for k, v in REAL.items() if v} | {"NCT04532203"}
    assert got == want
    units = {r[0] for r in con.execute(
        "SELECT DISTINCT unit FROM constraints WHERE subject = 'creatinine' AND kind = 'inclusion'").fetchall()}
    assert {"mg/dL", "umol/L"} <= units


def test_patient_value_in_canonical_unit():
    p = patient_value("creatinine", 159.1, "µmol/L")
    assert p["unit"] == "mg/dL" and p["value"] == pytest.approx(1.8, abs=0.01)
