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
"""

from __future__ import annotations

from typing import Callable

import spacy
from spacy.lang.en import English
from spacy.tokenizer import Tokenizer
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


def _build(nlp) -> Tokenizer:
    d = English.Defaults
    prefixes = EXTRA_PREFIXES + list(d.prefixes)
    suffixes = EXTRA_SUFFIXES + list(d.suffixes)
    infixes = EXTRA_INFIXES + list(d.infixes)
    return Tokenizer(
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
