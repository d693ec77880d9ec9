"""critparse.patterncache: a compiled pattern read back from the disk cache matches what ``re.compile``
gives; a changed pattern is compiled anew; an absent, damaged or unwritable cache only costs the compile."""

from __future__ import annotations

import re

import pytest

from critparse import comparisons, lexicon, patterncache

TEXTS = [
    "Serum creatinine > 1.5 mg/dL or creatinine clearance < 60 mL/min/1.73 m2",
    "Age 18 to 75 years; ECOG performance status 0, 1 or 2",
    "Hemoglobin >= 9 g/dL, platelets >= 100,000/mm3, ALT <= 3 x ULN, bilirubin no greater than the ULN",
    "Total bilirubin \u2264 51 umol/L, ALT and AST \u2264 3 times of upper limit of normal",
]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CRITPARSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(patterncache, "_loaded", None)
    return tmp_path / "cache"


def _fresh_process(monkeypatch):
    """Forget what this process read, as a new interpreter would."""
    monkeypatch.setattr(patterncache, "_loaded", None)


def _same(a, b, texts):
    assert (a.pattern, a.flags, a.groups, a.groupindex) == (b.pattern, b.flags, b.groups, b.groupindex)
    for text in texts:
        assert [(m.span(), m.groupdict()) for m in a.finditer(text)] == [(m.span(), m.groupdict()) for m in b.finditer(text)]


@pytest.mark.parametrize("pattern", [comparisons.COMPARISON.pattern, comparisons.BARE_LIMIT.pattern,
                                     lexicon.mention_pattern().pattern])
def test_a_pattern_read_back_from_the_cache_matches_as_re_compiles_it(cache, monkeypatch, pattern):
    plain = re.compile(pattern)
    first = patterncache.compile(pattern)  # compiled, and written
    assert patterncache.cache_file().exists()
    _fresh_process(monkeypatch)
    monkeypatch.setattr(patterncache, "_program", lambda *a: pytest.fail("compiled again"))
    again = patterncache.compile(pattern)  # read back
    _same(first, plain, TEXTS)
    _same(again, plain, TEXTS)


def test_a_changed_pattern_or_flag_is_compiled_anew(cache, monkeypatch):
    a = patterncache.compile(r"(?P<n>\d+)\s*mg")
    b = patterncache.compile(r"(?P<n>\d+)\s*mL")
    c = patterncache.compile(r"(?P<n>\d+)\s*mg", re.I)
    assert a.search("5 mg") and not a.search("5 mL") and b.search("5 mL") and c.search("5 MG")
    _fresh_process(monkeypatch)
    assert len(patterncache._programs()) == 3
    assert patterncache.compile(r"(?P<n>\d+)\s*mL").search("7 mL").group("n") == "7"


def test_a_damaged_or_unwritable_cache_only_costs_the_compile(tmp_path, cache, monkeypatch):
    patterncache.compile(r"\bULN\b")
    patterncache.cache_file().write_bytes(b"\x00 not marshal data")
    _fresh_process(monkeypatch)
    assert patterncache.compile(r"\bULN\b").search("3 x ULN")
    _fresh_process(monkeypatch)
    assert len(patterncache._programs()) == 1  # written anew
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("CRITPARSE_CACHE", str(tmp_path / "file" / "cache"))
    _fresh_process(monkeypatch)
    _same(patterncache.compile(comparisons.BARE_LIMIT.pattern), comparisons.BARE_LIMIT, TEXTS)
