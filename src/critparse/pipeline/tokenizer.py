"""The critparse tokenizer (``critparse.tokenizer.v1``).

spaCy's English rules plus splits that eligibility text needs so that entity
boundaries (Chia, LCT) fall on token boundaries:

* comparators glued to anything: ``<=3`` ``>2.5mg/dl`` ``ECOG=1`` -> ``<=`` ``3`` ...
* a number glued to a unit or word: ``2.5mg`` -> ``2.5`` ``mg``; ``3months``;
  but not inside alphanumeric names (``HbA1c``, ``IL6R``, ``B12`` stay whole)
  nor ordinals (``1st``, ``2nd``);
* slashes always: ``ALT/AST`` -> ``ALT`` ``/`` ``AST``; ``mg/dl``; ``10^9/L``;
* ``^`` (``10^9``), ``x``/``×`` multipliers after numbers (``3xULN``);
* ``%`` after numbers (spaCy default);
* a trailing ``+``/``-`` on a marker (``CD19+``, ``Ph-``) is split off
  consistently, so "CD19" is one token and the sign another.

The tokenizer is plain spaCy `Tokenizer` data (prefix/suffix/infix regexes), so
it serialises with the pipeline and runs at native speed.

One guard on top (`CritparseTokenizer`): spaCy strips prefixes and suffixes one
at a time, searching the rest of the token each time, so a long run of
punctuation without spaces ("<<<<...", ",,,,...") costs time quadratic in its
length (8,000 '<' took 9 s). Runs longer than `RUN_LIMIT` characters are cut
into pieces of at most `RUN_LIMIT` characters, each tokenized on its own:
linear time, the same text and offsets (``doc.text == text``), and the same
tokens for runs that spaCy splits into single characters anyway.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, List

import spacy
from spacy.lang.en import English
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex, registry

_CMP = r"(?:<=|>=|=<|=>|!=|<>|[<>=\u2264\u2265\u2260~])"

EXTRA_PREFIXES = [_CMP, r"\^", r"/", r"\+", r"[xX\u00d7](?=[0-9])"]
EXTRA_SUFFIXES = [
    _CMP,
    r"/",
    r"(?<=[0-9A-Za-z\)])\+",  # CD19+ , Ph+
    r"(?<=[0-9A-Za-z\)])-",  # Ph- , CD20-
    r"(?<=[0-9])[xX\u00d7]",  # 3x
    r"(?<=[0-9])%",
]
EXTRA_INFIXES = [
    _CMP,
    r"/",
    r"\^",
    # digit -> letter, unless inside an alphanumeric name (letter+digit before) or an ordinal
    r"(?<![A-Za-z][0-9])(?<=[0-9])(?=[A-Za-z\u00b5%])(?!(?:st|nd|rd|th)\b)",
    r"(?<=[0-9])[xX\u00d7](?=[0-9ULN])",  # 3x10 , 3xULN
    r"(?<=[A-Za-z\)]),(?=[0-9A-Za-z])",
    r"(?<=[0-9]),(?=[A-Za-z])",
    r"(?<=[A-Za-z]);(?=\S)",
    r"(?<=[A-Za-z])\((?=\S)",
    r"(?<=\S)\)(?=[A-Za-z0-9])",
]


#: the longest run of punctuation (no letters, digits or spaces) tokenized in one piece
RUN_LIMIT = 32
_LONG_RUN = re.compile(r"[^\w\s]{%d,}" % (RUN_LIMIT + 1))


class CritparseTokenizer(Tokenizer):
    """spaCy's Tokenizer, linear on long runs of punctuation (see the module doc)."""

    def __call__(self, text: str) -> Doc:
        if len(text) <= RUN_LIMIT or _LONG_RUN.search(text) is None:
            return super().__call__(text)
        words: List[str] = []
        spaces: List[bool] = []
        for start, end in _pieces(text):
            for t in super().__call__(text[start:end]):
                words.append(t.text)
                spaces.append(bool(t.whitespace_))
        return Doc(self.vocab, words=words, spaces=spaces)


def _pieces(text: str):
    """(start, end) spans covering `text` in order: the text between long punctuation runs, and
    each run cut into pieces of at most RUN_LIMIT characters."""
    pos = 0
    for m in _LONG_RUN.finditer(text):
        if m.start() > pos:
            yield pos, m.start()
        # one space after the run goes with its last piece: it is that token's whitespace, as in one call
        end = m.end() + 1 if text[m.end():m.end() + 1] == " " else m.end()
        for a in range(m.start(), m.end(), RUN_LIMIT):
            yield a, (end if a + RUN_LIMIT >= m.end() else a + RUN_LIMIT)
        pos = end
    if pos < len(text):
        yield pos, len(text)


#: set while a saved pipeline whose tokenizer file holds every rule is loaded (`rules_from`)
_BARE = [0]
#: what a saved tokenizer file must hold for its `from_disk` to set every rule `_build` sets
_SAVED_RULES = ("prefix_search", "suffix_search", "infix_finditer", "token_match", "url_match", "exceptions")


@contextmanager
def rules_from(path: Path):
    """While a saved pipeline (`path`) is loaded, make its tokenizer bare: the tokenizer's `from_disk`
    then sets its special cases and prefix/suffix/infix patterns (flushing any the constructor added),
    so building them first only doubled the work (the 1,347 English special cases, about 0.2 s of a
    cold start).  Where the saved file lacks any of them, the tokenizer is built in full as before."""
    complete = False
    try:
        import srsly

        data = srsly.msgpack_loads((path / "tokenizer").read_bytes())
        complete = all(k in data for k in _SAVED_RULES)
    except Exception:
        pass
    _BARE[0] += complete
    try:
        yield
    finally:
        _BARE[0] -= complete


def _build(nlp) -> Tokenizer:
    if _BARE[0]:
        return CritparseTokenizer(nlp.vocab)
    d = English.Defaults
    prefixes = EXTRA_PREFIXES + list(d.prefixes)
    suffixes = EXTRA_SUFFIXES + list(d.suffixes)
    infixes = EXTRA_INFIXES + list(d.infixes)
    return CritparseTokenizer(
        nlp.vocab,
        rules=dict(d.tokenizer_exceptions),
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=None,  # no URL/emoticon matching: "10^9/L" must split
        url_match=None,
    )


@registry.tokenizers("critparse.tokenizer.v1")
def create_tokenizer() -> Callable:
    def make(nlp):
        return _build(nlp)

    return make


def blank():
    """``spacy.blank("en")`` with the critparse tokenizer."""
    return spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": "critparse.tokenizer.v1"}}})
