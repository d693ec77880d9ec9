"""LCT evaluation: gold reading, matching, and a run on real LCT documents."""

from __future__ import annotations

from typer.testing import CliRunner

from critparse.evaluate import lct

from conftest import corpus_file

DOC = "  1. Age ≥ 18, male or female;\n  2. Platelet count < 50,000/mm3\n  3. ECOG 0~2\n"
def _t(tid, label, text, after=0):
    s = DOC.index(text, after)
    return f"{tid}\t{label} {s} {s + len(text)}\t{text}"


_L1, _L2, _L3 = DOC.index("Age"), DOC.index("Platelet"), DOC.index("ECOG")
ANN = "\n".join([
    _t("T1", "Eq-Operator", "≥", _L1), _t("T2", "Eq-Value", "18", _L1), _t("T3", "Eq-Comparison", "≥ 18", _L1),
    "E1\tEq-Comparison:T3 Operator:T1 Value:T2",
    _t("T4", "Eq-Operator", "<", _L2), _t("T5", "Eq-Value", "50,000", _L2), _t("T6", "Eq-Unit", "mm3", _L2),
    _t("T7", "Eq-Comparison", "< 50,000/mm3", _L2),
    "E2\tEq-Comparison:T7 Operator:T4 Value:T5 Unit:T6",
    _t("T8", "Eq-Value", "0", _L3), _t("T9", "Eq-Operator", "~", _L3), _t("T10", "Eq-Value", "2", _L3),
    _t("T11", "Eq-Comparison", "0~2", _L3),
    "E3\tEq-Comparison:T11 Value:T8 Operator:T9 Value2:T10",
])


def test_gold_bounds_read_ops_ranges_and_units():
    gold = lct.gold_bounds(ANN, DOC)
    assert [(v, op, u) for _, _, v, op, u in gold] == [(18.0, ">=", None), (50000.0, "<", "/uL"), (0.0, ">=", None), (2.0, "<=", None)]


def test_hand_checkable_document_scores():
    scores = lct.LctScores()
    lct.score_document("doc", DOC, ANN, scores)
    t = scores.scores["triple"]
    assert (t.n_gold, t.n_pred) == (4, 4)
    assert t.tp_r == 4 and t.p == 1.0 and t.r == 1.0


def test_map_op_and_unit():
    assert lct.map_op("at least") == ">=" and lct.map_op(">/=") == ">=" and lct.map_op(None) == "="
    assert lct.map_op("within") == "<=" and lct.map_op("frobnicate") is None
    assert lct.map_unit("μmol/L") == "umol/L" and lct.map_unit("upper limit of normal") == "xULN" and lct.map_unit("stage") is None


def test_real_lct_documents(corpora):
    path = corpus_file(corpora, "lct/original/lct_trainval.tar.gz")
    scores = lct.evaluate(path, limit=25)
    assert scores.docs == 25
    t = scores.scores["triple"]
    assert t.n_gold > 50 and t.n_pred > 30
    assert 0.5 < t.p <= 1.0 and 0.3 < t.r <= 1.0
    assert scores.scores["span"].f >= t.f


def test_cli(corpora):
    from critparse.cli import app

    path = corpus_file(corpora, "lct/original/lct_trainval.tar.gz")
    res = CliRunner().invoke(app, ["eval", "lct", str(path), "--limit", "3", "--json"])
    assert res.exit_code == 0, res.output
    assert '"docs": 3' in res.output
    res = CliRunner().invoke(app, ["eval", "lct", "/nonexistent.tar.gz"])
    assert res.exit_code != 0


def test_gold_decimal_comma_and_window_without_operator():
    assert lct.parse_value("18,5") == 18.5 and lct.parse_value("1,500") == 1500.0
    doc = "  -  blood donation in the last three months\n"
    s = doc.index("three")
    c = doc.index("last")
    ann = "\n".join([f"T1\tEq-Value {s} {s + 5}\tthree", f"T2\tEq-Temporal-Unit {s + 6} {s + 12}\tmonths",
                     f"T3\tEq-Comparison {c} {s + 12}\t{doc[c:s + 12]}", "E1\tEq-Comparison:T3 Value:T1 Temporal-Unit:T2"])
    assert [(v, op, u) for _, _, v, op, u in lct.gold_bounds(ann, doc)] == [(3.0, "<=", "mo")]
    scores = lct.LctScores()
    lct.score_document("doc", doc, ann, scores)
    assert scores.scores["triple"].tp_r == 1


def test_folder_reads_like_the_archive(corpora, tmp_path):
    import itertools
    import tarfile

    path = corpus_file(corpora, "lct/original/lct_trainval.tar.gz")
    names = [n for n, _, _ in itertools.islice(lct.iter_documents(path), 3)]
    with tarfile.open(path, "r:*") as tf:
        for n in names:
            for member in (n, n[:-4] + ".ann"):
                data = tf.extractfile(member).read()
                out = tmp_path / member
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data)
    a, b = lct.evaluate(path, limit=3), lct.evaluate(tmp_path)
    assert a.as_dict() == b.as_dict() and b.docs == 3
