"""spaCy components of critparse, registered as factories.

Each component is a thin class over plain functions:

* ``critparse_constraints``: ``doc._.constraints`` from `critparse.constraints.extract`.
* ``critparse_term_ruler``: rule entities from data files (the lab/vital
  lexicon ``resources/labs.jsonl`` as Measurement, and
  ``resources/entity_patterns.jsonl``), added only where no entity is yet.
* ``critparse_clauses``: clause boundaries (``;`` and sentence ends) as
  sentence starts, the scope limit medspaCy ConText needs.
* ``critparse_constraint_negation``: ``negated=True`` on constraint dicts whose
  subject lies in the scope of a ConText negation modifier or overlaps a
  negated entity.
"""



from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .. import constraints as _constraints
from .. import resources
from . import extensions  # noqa: F401  (declares the ._ extensions)

#: lexicon categories that name a measurement (Chia's Measurement label)
MEASUREMENT_CATEGORIES = ("lab", "vital", "score", "performance")
NEGATION_CATEGORY = "NEGATED_EXISTENCE"


# -- constraints ----------------------------------------------------------------
@Language.factory("critparse_constraints", assigns=["doc._.constraints"])
def make_constraints(nlp: Language, name: str):
    return ConstraintExtractor()


class ConstraintExtractor:
    """Sets ``doc._.constraints``: plain dicts with offsets local to the Doc."""

    def __call__(self, doc: Doc) -> Doc:
        doc._.constraints = _constraints.extract(doc.text)
        return doc


# -- rule entities ----------------------------------------------------------------
def lexicon_terms(categories: Sequence[str] = MEASUREMENT_CATEGORIES) -> List[Dict[str, Any]]:
    """Phrase rules from the lab lexicon: {id, label, text, case} (empty if the lexicon is absent)."""
    try:
        rows = resources.read_jsonl("labs.jsonl")
    except (FileNotFoundError, OSError):
        return []
    out = []
    for row in rows:
        if "name" not in row or row.get("category") not in categories:
            continue
        rid = f"labs:{row['name']}"
        for syn in {row["name"], *row.get("synonyms", ())}:
            if len(syn) >= 3:
                out.append({"id": rid, "label": "Measurement", "text": syn, "case": "lower", "override": False})
        for ex in row.get("exact", ()):
            out.append({"id": rid, "label": "Measurement", "text": ex, "case": "exact", "override": False})
    return out


def pattern_terms(name: str) -> List[Dict[str, Any]]:
    """Phrase rules from a resources JSONL file with lines {id, label, text, case?, source}."""
    try:
        rows = resources.read_jsonl(name)
    except (FileNotFoundError, OSError):
        return []
    return [
        {"id": r.get("id", r["text"]), "label": r["label"], "text": r["text"], "case": r.get("case", "lower"),
         "override": bool(r.get("override", False))}
        for r in rows
        if "text" in r and "label" in r
    ]


def add_rule_entities(doc: Doc, spans: Iterable[Span], overrides: Iterable[Span] = ()) -> Doc:
    """Put rule spans into ``doc.ents``.

    An override span replaces the model entities it covers (same span: a
    relabel; shorter entities inside it: merged) but never cuts a longer model
    entity ("HBV DNA" stays a Measurement though "HBV" is a curated Condition).
    Other spans are added only where they overlap no entity (longest first)."""
    ents = list(doc.ents)
    applied: List[Span] = []
    for o in filter_spans(list(overrides)):
        hit = [e for e in ents if e.start < o.end and o.start < e.end]
        if all(o.start <= e.start and e.end <= o.end for e in hit):
            ents = [e for e in ents if e not in hit] + [o]
            applied.append(o)
        # otherwise a model entity extends beyond the term: the model keeps it (or fills a gap below)
    taken = [False] * len(doc)
    for e in ents:
        for i in range(e.start, e.end):
            taken[i] = True
    fill = [s for s in filter_spans(list(spans)) if not any(taken[s.start:s.end])]
    if not applied and not fill:
        return doc
    doc.ents = sorted(ents + fill, key=lambda e: e.start)
    for s in applied + fill:
        ent = doc.char_span(s.start_char, s.end_char, label=s.label_)
        if ent is not None:
            ent._.critparse_source = "rule"
            ent._.critparse_rule = s.kb_id_ or None
    return doc


@Language.factory(
    "critparse_term_ruler",
    assigns=["doc.ents", "span._.critparse_source", "span._.critparse_rule"],
    default_config={"lexicon": True, "patterns": "entity_patterns.jsonl"},
)
def make_term_ruler(nlp: Language, name: str, lexicon: bool, patterns: Optional[str]):
    terms = (lexicon_terms() if lexicon else []) + (pattern_terms(patterns) if patterns else [])
    return TermRuler(nlp, terms)


class TermRuler:
    """Phrase rules (case-insensitive or exact) from data files.

    Rules marked ``override`` (curated terms whose label is unambiguous) replace
    overlapping model entities; the others only fill gaps left by the model."""

    def __init__(self, nlp: Language, terms: Sequence[Dict[str, Any]]):
        self.terms = list(terms)
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self._meta: Dict[int, Tuple[str, str, bool]] = {}
        by_key: Dict[Tuple[str, str, str, bool], List[str]] = {}
        for t in self.terms:
            by_key.setdefault((t["case"], t["label"], t["id"], bool(t.get("override"))), []).append(t["text"])
        for (case, label, rid, override), texts in by_key.items():
            key = f"{label}|{rid}|{int(override)}"
            docs = list(nlp.tokenizer.pipe(texts))
            (self.exact if case == "exact" else self.lower).add(key, docs)
            self._meta[nlp.vocab.strings[key]] = (label, rid, override)

    def spans(self, doc: Doc) -> Tuple[List[Span], List[Span]]:
        """(gap-filling spans, overriding spans)."""
        fill, over = [], []
        for m in (self.lower, self.exact):
            for key, s, e in m(doc):
                label, rid, override = self._meta[key]
                (over if override else fill).append(Span(doc, s, e, label=label, kb_id=rid))
        return fill, over

    def __call__(self, doc: Doc) -> Doc:
        if self.terms:
            fill, over = self.spans(doc)
            if fill or over:
                add_rule_entities(doc, fill, over)
        return doc


# -- abbreviations ------------------------------------------------------------------
def register_abbreviation_detector() -> str:
    """Register (once) and return the factory name of scispaCy's abbreviation detector that
    skips Docs without a "(": it only finds "long form (SF)" / "SF (long form)" pairs, so
    on such Docs it finds nothing and ``doc._.abbreviations`` keeps its default (``[]``)."""
    name = "critparse_abbreviation_detector"
    if Language.has_factory(name):
        return name
    from scispacy.abbreviation import AbbreviationDetector

    from collections import defaultdict

    from scispacy.abbreviation import find_abbreviation
    from spacy.attrs import ORTH

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
            """scispaCy's method, with its per-Doc global Matcher (one ``Matcher.add`` and
            ``remove`` per abbreviation found, which dominated its cost) replaced by a direct
            search for every occurrence of each short form's token sequence: same results."""
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

    Language.factory(name, assigns=["doc._.abbreviations"],
                     default_config={"make_serializable": False})(ParenthesisAbbreviationDetector)
    return name


# -- clauses -----------------------------------------------------------------------
CLAUSE_ENDS = frozenset({";", ".", "!", "?"})


@Language.factory("critparse_clauses", assigns=["token.is_sent_start"])
def make_clauses(nlp: Language, name: str):
    return ClauseSplitter()


def clause_starts(words: Sequence[str]) -> List[bool]:
    """True where a clause starts: the first token and the token after ``;`` or a sentence end."""
    out = [False] * len(words)
    if words:
        out[0] = True
    for i in range(1, len(words)):
        out[i] = words[i - 1] in CLAUSE_ENDS
    return out


class ClauseSplitter:
    def __call__(self, doc: Doc) -> Doc:
        # only the starts are set; other tokens stay "unknown", which spaCy reads as "not a start"
        # (doc[1] is always set, so that spaCy sees the annotation even for one-clause docs)
        if len(doc):
            doc[0].is_sent_start = True
            for i in range(1, len(doc)):
                if doc[i - 1].text in CLAUSE_ENDS:
                    doc[i].is_sent_start = True
                elif i == 1:
                    doc[i].is_sent_start = False
        return doc


# -- negation of constraints ----------------------------------------------------
@Language.factory(
    "critparse_constraint_negation",
    requires=["doc._.constraints"],
    assigns=["doc._.constraints"],
)
def make_constraint_negation(nlp: Language, name: str):
    return ConstraintNegation()


def negation_scopes(doc: Doc) -> List[Tuple[int, int, int, int]]:
    """(modifier start_char, modifier end_char, scope start_char, scope end_char) of ConText negations."""
    graph = getattr(doc._, "context_graph", None) if doc.has_extension("context_graph") else None
    out = []
    for m in getattr(graph, "modifiers", None) or []:
        if m.category.upper() != NEGATION_CATEGORY or m.direction.upper() in ("PSEUDO", "TERMINATE"):
            continue
        ms, me = m.modifier_span
        ss, se = m.scope_span
        if se <= ss:
            continue
        out.append((doc[ms].idx, doc[me - 1].idx + len(doc[me - 1]), doc[ss].idx, doc[se - 1].idx + len(doc[se - 1])))
    return out


def mark_negated(constraints: List[Dict[str, Any]], scopes: Sequence[Tuple[int, int, int, int]],
                 negated_ents: Sequence[Tuple[int, int]]) -> None:
    """Set ``negated`` on constraint dicts (in place) from negation scopes and negated entities:
    the one rule of `critparse.negation.mark_negated`, which fast mode applies to its own scopes."""
    from ..negation import mark_negated as _mark

    _mark(constraints, scopes, negated_ents)


class ConstraintNegation:
    def __call__(self, doc: Doc) -> Doc:
        cons = doc._.constraints
        if cons:
            negated_ents = [
                (e.start_char, e.end_char)
                for e in doc.ents
                if e.has_extension("is_negated") and e._.is_negated
            ]
            mark_negated(cons, negation_scopes(doc), negated_ents)
        return doc
