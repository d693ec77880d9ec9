"""spaCy components of critparse, registered as factories.

Each component is a thin class over plain functions:

* ``critparse_constraints``: ``doc._.constraints`` from `critparse.constraints.extract`.
* ``critparse_term_ruler``: rule entities (by default the lab/vital concept
  vocabulary ``resources/concepts.jsonl`` as Measurement, and
  ``resources/entity_patterns.jsonl``), added where no entity is yet or, for
  curated terms, over the model's; the rules are set by ``initialize`` and
  saved by ``to_disk``.
* ``critparse_clauses``: clause boundaries (``;`` and sentence ends) as
  sentence starts, the scope limit medspaCy ConText needs.
* ``critparse_abbreviation_detector``: scispaCy's detector, cheaper
  (`critparse.pipeline.abbreviations`).
* ``critparse_context``: medspaCy ConText whose rules are saved with the
  pipeline (`critparse.pipeline.context`).
* ``critparse_constraint_negation``: ``negated=True`` on constraint dicts whose
  subject lies in the scope of a ConText negation modifier or overlaps a
  negated entity (`critparse.negation.mark_negated`).

Every factory is registered when this module is imported (and, through the
``spacy_factories`` entry points, when spaCy loads a saved pipeline); the
factories of the scispaCy and medspaCy components import those libraries
only when they run.
"""

import json
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import srsly
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans, registry

from .. import constraints as _constraints
from .. import resources
from ..negation import NEGATION_CATEGORY, mark_negated
from . import extensions  # noqa: F401  (declares the ._ extensions)

#: concept categories that name a measurement (Chia's Measurement label)
MEASUREMENT_CATEGORIES = ("lab", "vital", "score", "performance")
#: the term ruler's file in a saved pipeline
PATTERNS_FILE = "patterns.jsonl"


# -- matrix products ---------------------------------------------------------------
@registry.callbacks("critparse.numpy_gemm.v1")
def numpy_gemm_callback() -> Callable[[Language], Language]:
    """``[nlp] after_pipeline_creation``: the trained components multiply through numpy's BLAS
    (`critparse.pipeline.use_numpy_gemm`), in a pipeline loaded with ``spacy.load`` too."""
    from . import use_numpy_gemm

    return use_numpy_gemm


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
    """Phrase rules from the concept vocabulary (resources/concepts.jsonl): {id, label, text, case}
    (empty if the vocabulary is absent)."""
    from .. import concepts

    try:
        rows = concepts.all_concepts()
    except (FileNotFoundError, OSError):
        return []
    out = []
    for c in rows:
        if c.category not in categories:
            continue
        rid = f"concepts:{c.id}"
        for syn in c.forms():
            if len(syn) >= 3:
                out.append({"id": rid, "label": "Measurement", "text": syn, "case": "lower", "override": False})
        for ex in c.abbreviations:
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


@registry.misc("critparse.term_patterns.v1")
def default_terms(lexicon: bool = True, patterns: Optional[str] = "entity_patterns.jsonl") -> List[Dict[str, Any]]:
    """The term ruler's shipped rules: the lexicon's measurement names and a resources patterns file."""
    return (lexicon_terms() if lexicon else []) + (pattern_terms(patterns) if patterns else [])


@Language.factory(
    "critparse_term_ruler",
    assigns=["doc.ents", "span._.critparse_source", "span._.critparse_rule"],
)
def make_term_ruler(nlp: Language, name: str):
    return TermRuler(nlp, name=name)


TERM_KEYS = ("id", "label", "text", "case", "override")


class TermRuler:
    """Phrase rules (case-insensitive or exact): {id, label, text, case: "lower"|"exact", override}.

    Rules marked ``override`` (curated terms whose label is unambiguous) replace
    overlapping model entities; the others only fill gaps left by the model.
    The rules come from `initialize` (default: `default_terms`) or `add_patterns`,
    and are saved by `to_disk` as ``patterns.jsonl``."""

    def __init__(self, nlp: Language, name: str = "critparse_term_ruler", terms: Sequence[Dict[str, Any]] = ()):
        self.nlp = nlp
        self.name = name
        self.clear()
        self.add_patterns(terms)

    def clear(self) -> None:
        self.terms: List[Dict[str, Any]] = []
        self.lower = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.exact = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self._meta: Dict[int, Tuple[str, str, bool]] = {}

    def add_patterns(self, terms: Iterable[Dict[str, Any]]) -> None:
        by_key: Dict[Tuple[str, str, str, bool], List[str]] = {}
        for t in terms:
            t = {"id": t.get("id", t["text"]), "label": t["label"], "text": t["text"], "case": t.get("case", "lower"),
                 "override": bool(t.get("override", False))}
            if t["case"] not in ("lower", "exact"):
                raise ValueError(f"term {t!r}: case must be 'lower' or 'exact'")
            self.terms.append(t)
            by_key.setdefault((t["case"], t["label"], t["id"], t["override"]), []).append(t["text"])
        for (case, label, rid, override), texts in by_key.items():
            key = f"{label}|{rid}|{int(override)}"
            docs = list(self.nlp.tokenizer.pipe(texts))
            (self.exact if case == "exact" else self.lower).add(key, docs)
            self._meta[self.nlp.vocab.strings[key]] = (label, rid, override)

    def initialize(self, get_examples: Optional[Callable[[], Iterable[Any]]] = None, *,
                   nlp: Optional[Language] = None, patterns: Optional[Sequence[Dict[str, Any]]] = None) -> None:
        """Replace the rules with `patterns` (default: `default_terms()`, the shipped ones)."""
        self.clear()
        self.add_patterns(default_terms() if patterns is None else patterns)

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return srsly.msgpack_dumps({"patterns": self.terms})

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "TermRuler":
        self.clear()
        self.add_patterns(srsly.msgpack_loads(data)["patterns"])
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_jsonl(path / PATTERNS_FILE, self.terms)

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> "TermRuler":
        self.clear()
        self.add_patterns(srsly.read_jsonl(Path(path) / PATTERNS_FILE))
        return self

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
@Language.factory(
    "critparse_abbreviation_detector",
    assigns=["doc._.abbreviations"],
    default_config={"make_serializable": False},
)
def make_abbreviation_detector(nlp: Language, name: str, make_serializable: bool):
    """scispaCy's detector, skipping Docs without a "(" (`critparse.pipeline.abbreviations`)."""
    from .abbreviations import ParenthesisAbbreviationDetector

    return ParenthesisAbbreviationDetector(nlp, name=name, make_serializable=make_serializable)


# -- ConText -----------------------------------------------------------------------
@Language.factory(
    "critparse_context",
    assigns=["doc._.context_graph", "span._.modifiers", "span._.is_negated", "span._.is_historical",
             "span._.is_hypothetical", "span._.is_family", "span._.is_uncertain"],
    default_config={"phrase_matcher_attr": "LOWER", "max_scope": None, "max_targets": None,
                    "prune_on_modifier_overlap": True, "prune_on_target_overlap": False},
)
def make_context(nlp: Language, name: str, phrase_matcher_attr: str, max_scope: Optional[int],
                 max_targets: Optional[int], prune_on_modifier_overlap: bool, prune_on_target_overlap: bool):
    """medspaCy ConText whose rules are saved with the pipeline (`critparse.pipeline.context`)."""
    from .context import CritparseContext

    return CritparseContext(nlp, name=name, phrase_matcher_attr=phrase_matcher_attr, max_scope=max_scope,
                            max_targets=max_targets, prune_on_modifier_overlap=prune_on_modifier_overlap,
                            prune_on_target_overlap=prune_on_target_overlap)


@registry.misc("critparse.context_rules.v1")
def context_rule_dicts() -> List[Dict[str, Any]]:
    """critparse's ConText rules (``resources/context_rules.json``) as medspaCy rule dicts."""
    return json.loads(resources.read_text("context_rules.json"))["context_rules"]


# -- clauses -----------------------------------------------------------------------
CLAUSE_ENDS = frozenset({";", ".", "!", "?"})


@Language.factory("critparse_clauses", assigns=["token.is_sent_start"])
def make_clauses(nlp: Language, name: str):
    return ClauseSplitter()


class ClauseSplitter:
    """Sentence starts at the first token and after ``;`` or a sentence end (`CLAUSE_ENDS`)."""

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


def char_scope(doc: Doc, m: Any) -> Optional[Tuple[int, int, int, int]]:
    """(modifier start_char, modifier end_char, scope start_char, scope end_char) of one ConText modifier;
    None for an empty scope."""
    ms, me = m.modifier_span
    ss, se = m.scope_span
    if se <= ss:
        return None
    return doc[ms].idx, doc[me - 1].idx + len(doc[me - 1]), doc[ss].idx, doc[se - 1].idx + len(doc[se - 1])


def negation_scopes(doc: Doc) -> List[Tuple[int, int, int, int]]:
    """`char_scope` of each ConText negation."""
    graph = getattr(doc._, "context_graph", None) if doc.has_extension("context_graph") else None
    out = []
    for m in getattr(graph, "modifiers", None) or []:
        if m.category.upper() != NEGATION_CATEGORY or m.direction.upper() in ("PSEUDO", "TERMINATE"):
            continue
        sc = char_scope(doc, m)
        if sc is not None:
            out.append(sc)
    return out


class ConstraintNegation:
    def __call__(self, doc: Doc) -> Doc:
        cons = doc._.constraints
        if cons:
            scopes = negation_scopes(doc)
            negated_ents = [
                (e.start_char, e.end_char)
                for e in doc.ents
                if e.has_extension("is_negated") and e._.is_negated and not _holds_trigger(e, scopes)
            ]
            mark_negated(cons, scopes, negated_ents, text=doc.text)
        return doc


def _holds_trigger(ent: Any, scopes: List[Tuple[int, int, int, int]]) -> bool:
    """An entity span that holds its own negation trigger ("The age > 18 and no gender limitation": a Value
    "> 18 and no gender limitation") is a run-over span: what stands before the trigger is not negated."""
    return any(ent.start_char < ms and me <= ent.end_char for ms, me, _, _ in scopes)
