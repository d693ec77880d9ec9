"""scispaCy's abbreviation detector, cheaper on eligibility text (factory ``critparse_abbreviation_detector``).

It finds only "long form (SF)" / "SF (long form)" pairs, so a Doc without a
"(" is returned as is (``doc._.abbreviations`` keeps its default, ``[]``), and
scispaCy's per-Doc global Matcher (one ``Matcher.add`` and ``remove`` per
abbreviation found, which dominated its cost) is replaced by a direct search
for each short form's token sequence: same results.

This module imports scispaCy; `components` imports it only when the factory
runs, so that registering the factories stays cheap.
"""

from __future__ import annotations

from collections import defaultdict

from scispacy.abbreviation import AbbreviationDetector, find_abbreviation
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokens import Doc


class ParenthesisAbbreviationDetector(AbbreviationDetector):
    def __init__(self, nlp: Language, name: str = "abbreviation_detector", make_serializable: bool = False):
        super().__init__(nlp, name=name, make_serializable=make_serializable)
        self._paren = nlp.vocab.strings.add("(")

    def __call__(self, doc: Doc) -> Doc:
        # scispaCy's matcher needs a "(" token: without one it finds nothing
        if not len(doc) or not (doc.to_array(ORTH) == self._paren).any():
            return doc
        return super().__call__(doc)

    def find_matches_for(self, filtered, doc: Doc):
        """scispaCy's method with a direct search for every occurrence of each short form."""
        rules = {}
        all_occurences = defaultdict(set)
        already_seen_long, already_seen_short = set(), set()
        shorts = []
        for long_candidate, short_candidate in filtered:
            short, long = find_abbreviation(long_candidate, short_candidate)
            new_long = long.text not in already_seen_long if long else False
            new_short = short.text not in already_seen_short
            if long is not None and new_long and new_short:
                already_seen_long.add(long.text)
                already_seen_short.add(short.text)
                all_occurences[long].add(short)
                rules[long.text] = long
                shorts.append((long.text, [t.orth for t in short]))
        if shorts:
            orths = [t.orth for t in doc]
            n = len(orths)
            for key, pattern in shorts:
                k = len(pattern)
                if not k:
                    continue
                first = pattern[0]
                for i in range(n - k + 1):
                    if orths[i] == first and orths[i:i + k] == pattern:
                        all_occurences[rules[key]].add(doc[i:i + k])
        return list((k, v) for k, v in all_occurences.items())
