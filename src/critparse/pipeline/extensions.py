"""Every ``._`` extension critparse sets, declared once (plain-data values only).

* ``Doc._.constraints``: list of dicts (constraint extractor; local offsets, ``negated``)
* ``Span._.critparse_source``: "model" | "rule" (which layer produced an entity)
* ``Span._.critparse_rule``: id of the rule/lexicon entry behind a rule entity (or None)

Extensions owned by other libraries and read by critparse: scispaCy's
``Doc._.abbreviations`` / ``Span._.long_form`` and medspaCy's
``Span._.is_negated`` / ``is_historical`` / ``is_hypothetical`` / ``is_family``,
``Doc._.context_graph``.  Span values are keyed by (start, end, label) in
``doc.user_data``, so they survive ``DocBin`` round trips.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

DOC_EXTENSIONS = {"constraints": None}
SPAN_EXTENSIONS = {"critparse_source": None, "critparse_rule": None}


def register() -> None:
    for name, default in DOC_EXTENSIONS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)
    for name, default in SPAN_EXTENSIONS.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)


register()
