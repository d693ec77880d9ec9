"""BRAT (Chia) -> DocBin conversion: offsets round-trip on real Chia files, policies on small cases."""

from __future__ import annotations

import zipfile

import pytest

from critparse.normalize import normalize
from critparse.train.brat import (
    GoldSpan, Stats, convert, flat_spans, is_dev, iter_pairs, line_to_doc, orig_to_norm, read_lines,
)
from critparse.pipeline.tokenizer import blank


CHIA = "chia/original/chia_without_scope_trainval.zip"


@pytest.fixture(scope="module")
def chia_zip(corpora):
    p = corpora / CHIA
    if not p.exists():
        pytest.skip(f"{CHIA} not found under {corpora}")
    return p


@pytest.fixture(scope="module")
def some_trials(chia_zip):
    trials = sorted({t for t, _p, _x, _a in iter_pairs(chia_zip)})
    return set(trials[:40])


def test_raw_offsets_match_annotated_text(chia_zip, some_trials):
    """Every continuous T line of 40 real trials: txt[start:end] == annotated text."""
    n = bad = 0
    for trial, _part, txt, ann in iter_pairs(chia_zip):
        if trial not in some_trials:
            continue
        for line in ann.splitlines():
            if not line.startswith("T"):
                continue
            _tid, head, text = line.split("\t")[:3]
            offs = head.split(" ", 1)[1]
            if ";" in offs:
                continue
            s, e = map(int, offs.split())
            n += 1
            bad += txt[s:e] != text
    assert n > 1000
    assert bad / n < 0.002  # Chia has a handful of off-by-some offsets; they are counted, not used


def test_gold_spans_round_trip_through_normalised_docs(chia_zip, some_trials):
    nlp = blank()
    stats = Stats()
    n_spans = n_same = 0
    for line in read_lines(chia_zip, stats, trials=some_trials):
        for g in line.spans:
            assert 0 <= g.start < g.end <= len(line.text)
            assert line.text[g.start:g.end] == line.text[g.start:g.end].strip()
        nt = normalize(line.text)
        doc = line_to_doc(nlp, line, stats)
        assert doc.user_data["orig"] == line.text
        gold = {(g.start, g.end, g.label) for g in line.spans}
        for ent in doc.ents:
            s, e = nt.to_original(ent.start_char, ent.end_char)
            n_spans += 1
            n_same += (s, e, ent.label_) in gold
    assert n_spans > 1500
    # the only spans that move are the few snapped to token boundaries (< 1 %)
    assert n_same / n_spans > 0.99
    assert stats.counts["dropped_label"] > 0 and stats.counts["overlap"] > 0


def test_token_alignment_below_one_percent(chia_zip, tmp_path):
    d = convert(chia_zip, tmp_path, limit=3000)
    assert d["misaligned_percent"] < 1.0
    assert (tmp_path / "train.spacy").exists() and (tmp_path / "dev.spacy").exists()
    assert d["docs"]["train"] + d["docs"]["dev"] == 3000


def test_flat_spans_prefers_longer_and_counts():
    st = Stats()
    spans = [GoldSpan(0, 20, "Temporal", "T1"), GoldSpan(10, 20, "Reference_point", "T2"), GoldSpan(25, 30, "Condition", "T3")]
    kept = flat_spans(spans, st)
    assert [(g.tid) for g in kept] == ["T1", "T3"]
    assert st.counts["overlap"] == 1 and st.counts["overlap:Reference_point"] == 1


def test_discontinuous_and_bad_offsets_policy(tmp_path):
    txt = "History of breast or ovarian cancer\nNo HIV\n"
    ann = (
        "T1\tCondition 11 17;29 35\tbreast cancer\n"  # short gap: covering span
        "T2\tCondition 21 35\tovarian cancer\n"  # overlaps the covering span (shorter): dropped
        "T3\tCondition 39 42\tHIV\n"
        "T4\tNegation 36 38\tNo\n"
        "T5\tParsing_Error 0 7\tHistory\n"
        "T6\tDrug 0 3\tXYZ\n"  # text does not match: bad offsets
    )
    (tmp_path / "NCT00000001_inc.txt").write_text(txt)
    (tmp_path / "NCT00000001_inc.ann").write_text(ann)
    st = Stats()
    lines = list(read_lines(tmp_path, st))
    assert [ln.text for ln in lines] == ["History of breast or ovarian cancer", "No HIV"]
    assert [(g.start, g.end, g.label) for g in lines[0].spans] == [(11, 35, "Condition")]
    assert [(lines[1].text[g.start:g.end], g.label) for g in lines[1].spans] == [("No", "Negation"), ("HIV", "Condition")]
    assert st.counts["discontinuous_covered"] == 1
    assert st.counts["bad_offsets"] == 1
    assert st.counts["dropped_label:Parsing_Error"] == 1
    assert st.counts["overlap"] == 1


def test_zip_and_folder_read_the_same(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "NCT00000002_exc.txt").write_text("Creatinine >2.5mg/dl\n")
    (tmp_path / "d" / "NCT00000002_exc.ann").write_text("T1\tMeasurement 0 10\tCreatinine\nT2\tValue 11 20\t>2.5mg/dl\nR1\tHas_value Arg1:T1 Arg2:T2\n")
    with zipfile.ZipFile(tmp_path / "c.zip", "w") as zf:
        for p in (tmp_path / "d").iterdir():
            zf.write(p, f"chia/{p.name}")
    a = list(read_lines(tmp_path / "d"))
    b = list(read_lines(tmp_path / "c.zip"))
    assert [(x.text, [(g.start, g.end, g.label) for g in x.spans], x.has_value) for x in a] == \
           [(x.text, [(g.start, g.end, g.label) for g in x.spans], x.has_value) for x in b]
    assert a[0].has_value == [("T1", "T2")]
    doc = line_to_doc(blank(), a[0])
    assert [(e.text, e.label_) for e in doc.ents] == [("Creatinine", "Measurement"), (">2.5mg/dl", "Value")]


def test_orig_to_norm_inverts_normalisation():
    text = "Creatinine \\> 2.5 mg/dl and LVEF ≥ 50%"
    nt = normalize(text)
    s = text.index("≥ 50%")
    ns, ne = orig_to_norm(nt, s, len(text))
    assert nt.text[ns:ne] == ">= 50%"
    assert nt.to_original(ns, ne) == (s, len(text))


def test_split_is_deterministic_and_about_15_percent():
    ids = [f"NCT{n:08d}" for n in range(2000)]
    dev = [i for i in ids if is_dev(i)]
    assert dev == [i for i in ids if is_dev(i)]
    assert 0.12 < len(dev) / len(ids) < 0.18


def test_scores_strict_and_lenient():
    from critparse.evaluate.chia import Scores, score_links, score_spans

    sc = Scores()
    gold = [(0, 10, "Measurement"), (11, 20, "Value"), (30, 35, "Condition")]
    pred = [(0, 10, "Measurement"), (11, 18, "Value"), (30, 35, "Drug")]
    score_spans(gold, pred, sc)
    st, le = sc.micro("strict"), sc.micro("lenient")
    assert (st.tp_p, st.n_pred, st.tp_r, st.n_gold) == (1, 3, 1, 3)
    assert (le.tp_p, le.tp_r) == (2, 2)
    score_links([((0, 10), (11, 20))], [((0, 10), (11, 18))], sc)
    assert sc.link_strict.tp_p == 0 and sc.link_lenient.tp_p == 1 and sc.link_lenient.r == 1.0


def test_eval_chia_command_on_a_brat_folder(tmp_path):
    import json

    from typer.testing import CliRunner

    from critparse.cli import app

    (tmp_path / "NCT00000003_inc.txt").write_text("Creatinine > 2.5 mg/dl\nPatients with HIV infection\n")
    (tmp_path / "NCT00000003_inc.ann").write_text(
        "T1\tMeasurement 0 10\tCreatinine\nT2\tValue 11 22\t> 2.5 mg/dl\nR1\tHas_value Arg1:T1 Arg2:T2\n"
        "T3\tCondition 37 50\tHIV infection\n")
    res = CliRunner().invoke(app, ["eval", "chia", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["lines"] == 2 and d["micro"]["strict"]["n_gold"] == 3
    assert d["has_value"]["strict"]["n_gold"] == 1
    assert 0.0 <= d["micro"]["lenient"]["f"] <= 1.0
    table = CliRunner().invoke(app, ["eval", "chia", str(tmp_path)])
    assert table.exit_code == 0 and "micro" in table.output
    bad = CliRunner().invoke(app, ["eval", "chia", str(tmp_path / "missing")])
    assert bad.exit_code != 0
