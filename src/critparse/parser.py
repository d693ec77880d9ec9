"""From raw eligibility text to a ParsedTrial.

raw text -> normalise (offsets kept) -> segment (criteria tree) -> one spaCy
Doc per criterion -> records (criteria, constraints, entities) whose offsets
index the raw text.

Fast mode with the stock pipeline builds no Doc: per criterion,
`constraints.extract` and `negation.negate_constraints` (ConText's negation
rules on character offsets) give what the fast pipeline's components give.
Both modes cache per-criterion results keyed by the criterion text (and the
label hint), as plain tuples in bounded LRUs: registry text repeats a lot of
boilerplate (about half the criteria of the legacy-XML corpus are repeats).
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from functools import lru_cache
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from .concepts import for_constraint, implausible
from .constraints import extract
from .errors import Errors
from .header_windows import listed_window
from .expression import ConSpan, age_guard, bound_key, bound_of, criterion_expression, keyed_expression
from .lexicon import lookup
from .linking import LINKED_LABELS, link
from .negated_headers import negate_listed_items
from .negated_lists import join_negated_lists
from .negation import denied_by_leading_no, negate_constraints, negated_but_for_excluded, restates_exclusion
from .normalize import NormalizedText, normalize
from .prohibition import exclusion_negated
from .records import Constraint, Criterion, Entity, Normalized, ParsedTrial, TrialInfo
from .segment import Segment, segment
from .statements import negated_but_for_statement, ruled_out_span
from .textsafe import clean_text
from .subjects import CONTACT_AGE, TIME_UNITS, contact_ages, contact_list_head
from .timing import looks_forward


def _check_inputs(text: Any, trial_id: Any) -> Tuple[str, Optional[str]]:
    """(text, trial_id) with lone surrogates replaced by U+FFFD (same length: offsets hold)."""
    if not isinstance(text, str):
        raise TypeError(Errors.E001.format(type=type(text).__name__))
    if trial_id is not None and not isinstance(trial_id, str):
        raise TypeError(Errors.E002.format(type=type(trial_id).__name__))
    return clean_text(text), clean_text(trial_id)


def parse(
    text: str,
    trial_id: Optional[str] = None,
    *,
    nlp: Any = None,
    mode: str = "full",
    info: Optional[TrialInfo] = None,
) -> ParsedTrial:
    """Parse the eligibility criteria `text` of one trial.

    `mode` is "full" (rules + trained NER) or "fast" (rule layers only); a
    ready `nlp` from `critparse.load()` may be passed to skip the lookup.
    """
    return next(iter(parse_many([(text, trial_id, info)], nlp=nlp, mode=mode)))


def parse_many(
    items: Iterable[Tuple[str, Optional[str], Optional[TrialInfo]]],
    *,
    nlp: Any = None,
    mode: str = "full",
    batch_size: int = 256,
) -> Iterator[ParsedTrial]:
    """Parse many (text, trial_id, info) triples, streaming, in input order.

    Criteria of several trials share one `nlp.pipe` call, which is what makes
    batch runs fast.  Fast mode with the stock pipeline needs no Doc: each
    trial is parsed as it comes (`_run_fast`), and `batch_size` is not used."""
    direct = mode == "fast" and (nlp is None or _is_stock_fast(nlp))
    if direct:
        # one trial at a time: its objects die young, which keeps the garbage collector's work small
        for text, trial_id, info in items:
            text, trial_id = _check_inputs(text, trial_id)
            nt = normalize(text)
            yield from _run_fast(((text, trial_id, info, nt, segment(nt)),))
        return
    if nlp is None:
        from .pipeline import load

        nlp = load(mode)
    run = _run
    pending: List[Tuple[str, Optional[str], Optional[TrialInfo], NormalizedText, List[Segment]]] = []
    n_segments = 0
    for text, trial_id, info in items:
        text, trial_id = _check_inputs(text, trial_id)
        nt = normalize(text)
        segs = segment(nt)
        pending.append((text, trial_id, info, nt, segs))
        n_segments += len(segs)
        if n_segments >= batch_size:
            yield from run(pending, nlp)
            pending, n_segments = [], 0
    if pending:
        yield from run(pending, nlp)


def prepare(mode: Optional[str] = None, *, units: bool = True) -> None:
    """Load the rule resources parsing uses (unit registry, lexicons, word lists, negation rules) now
    rather than on the first parse; `critparse.load` calls it.  Mode "full" skips the regex negation
    rules, which only fast mode uses (full mode negates through medspaCy ConText); None loads all.
    `units=False` leaves pint's registry to the first conversion that needs it (two thirds of the
    XML dump's trials need none; it costs about 0.4 s).  Idempotent (all are cached)."""
    from . import glue, lexicon, negation, prohibition
    from . import units as unit_table

    for module in (glue, lexicon, prohibition) + ((unit_table,) if units else ()):
        module.warm_up()
    if mode != "full":
        negation.warm_up()


def _is_stock_fast(nlp: Any) -> bool:
    """Is `nlp` the pipeline `load("fast")` returns? (then fast mode needs no Doc)"""
    from .pipeline import load

    return nlp is load("fast")


class _LRU(OrderedDict):
    """A bounded mapping, least recently used first (the per-criterion result caches)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def lookup(self, key: Any) -> Any:
        rows = self.get(key)
        if rows is not None:
            try:
                self.move_to_end(key)
            except KeyError:  # evicted meanwhile by another thread
                pass
        return rows

    def store(self, key: Any, rows: Any) -> None:
        self[key] = rows
        while len(self) > self.size:
            try:
                self.popitem(last=False)
            except KeyError:
                break


#: distinct criterion bodies whose fast-mode results are kept (registry text repeats a lot of boilerplate)
FAST_CACHE_SIZE = 50_000

# (body, subject hint) -> (rows, spans).  Rows are tuples of plain values (see `_row`), spans the
# expression builder's key of each row (`_span_key`): the garbage collector stops tracking them, so a
# full cache does not make its full collections slow
_FAST_CACHE = _LRU(FAST_CACHE_SIZE)


def clear_fast_cache() -> None:
    """Forget the cached fast-mode results (tests, benchmarks)."""
    _FAST_CACHE.clear()


def _hinted(raw: List[Dict[str, Any]], body: str, subject_hint: Optional[str]) -> Optional[List[Dict[str, Any]]]:
    """Under an unnumbered label ("Age:", "Performance status:") whose subject the criterion's own
    constraints do not name, the constraints re-read with that subject; None where the label does not apply."""
    if subject_hint == CONTACT_AGE:
        contact_ages(raw, body)  # in place: the list's own constraints, renamed
        return None
    if subject_hint and all(rc.get("category") in ("other", "count", "age") or rc.get("subject") == "duration"
                            for rc in raw):
        return extract(body, subject_hint=subject_hint)
    return None


def _fast_body(body: str, subject_hint: Optional[str]) -> List[Dict[str, Any]]:
    """Constraint dicts (offsets local to `body`, ``negated`` set) of one criterion body, without a Doc:
    what the fast pipeline's components and `records_from_doc` give."""
    raw = extract(body)
    hinted = _hinted(raw, body, subject_hint)
    return hinted if hinted is not None else negate_constraints(body, raw)


def _row(rc: Dict[str, Any]) -> tuple:
    """A constraint dict as a tuple of the values `_row_records` reads, in its order."""
    norm = rc.get("normalized")
    concept = for_constraint(rc["subject"], rc.get("unit"), rc.get("relative_to"), rc.get("category"))
    return (rc["subject"], rc.get("subject_text"), rc["op"], float(rc["value"]), rc.get("unit"),
            rc.get("relative_to"), (norm["value"], norm["unit"]) if norm else None, bool(rc.get("negated", False)),
            rc["start"], rc["end"], rc.get("category", "other"), concept.loinc if concept else None, rc.get("value_text"),
            rc.get("unit_text"), concept.id if concept else None, tuple(rc["values"]) if rc.get("values") else None,
            rc.get("any_of"))


def _span_key(row: tuple) -> tuple:
    """What the expression builder reads of a constraint row (`expression.ConSpan` less the id): local
    start, end, subject, any_of and bound, as `_attach_expression` derives them from the record."""
    return row[8], row[9], row[0], row[16], bound_key(row[2], row[3], row[4], row[5])


def _fast_rows(body: str, subject_hint: Optional[str]) -> Tuple[Tuple[tuple, ...], Tuple[tuple, ...]]:
    """(rows, spans) of one criterion body, cached."""
    key = (body, subject_hint)
    hit = _FAST_CACHE.lookup(key)
    if hit is None:
        rows = tuple(_row(rc) for rc in _fast_body(body, subject_hint))
        hit = (rows, tuple(_span_key(r) for r in rows))
        _FAST_CACHE.store(key, hit)
    return hit


def _sub_items(segs: Sequence[Segment], ntext: str) -> Dict[str, List[str]]:
    """Criterion id -> the bodies of its sub-items, for the criteria that have some."""
    out: Dict[str, List[str]] = {}
    for s in segs:
        if s.criterion.parent:
            out.setdefault(s.criterion.parent, []).append(ntext[s.body[0]:s.body[1]])
    return out


def _listed_rows(seg: Segment, ntext: str, items: Dict[str, List[str]]) -> Tuple[Tuple[tuple, ...], Tuple[tuple, ...]]:
    """(rows, spans) of the window a header puts on its sub-items (`header_windows`); empty where none."""
    kids = items.get(seg.criterion.id)
    rows = tuple(_row(rc) for rc in listed_window(ntext[seg.body[0]:seg.body[1]], kids)) if kids else ()
    return rows, tuple(_span_key(r) for r in rows)


def _restated_exclusion(seg: Segment, nt: NormalizedText) -> Optional[str]:
    """The body of an exclusion criterion that says "... will be excluded" (`negation.negated_but_for_excluded`)."""
    if seg.criterion.kind != "exclusion":
        return None
    body = nt.text[seg.body[0]:seg.body[1]]
    return body if restates_exclusion(body) else None


def _row_records(rows: Sequence[tuple], seg: Segment, nt: NormalizedText) -> List[Constraint]:
    """Constraint records, with offsets into the original text, from one criterion's rows (`_row`)."""
    crit = seg.criterion
    cid, kind, cohort = crit.id, crit.kind, crit.cohort
    base = seg.body[0]
    original = nt.original
    out: List[Constraint] = []
    body = _restated_exclusion(seg, nt)
    body_text = nt.text[base:seg.body[1]]
    exc_body = body_text if kind == "exclusion" else None
    ruled_out = ruled_out_span(body_text) if kind == "inclusion" else None  # "... are ineligible." under inclusion
    odd = _implausible_spans(rows)
    for i, (subject, subject_text, op, value, unit, rel, norm, negated, a, b, category, code, value_text,
            unit_text, concept, values, any_of) in enumerate(rows, 1):
        if negated and body is not None:
            negated = negated_but_for_excluded(body, a, b)
        if negated:
            negated = negated_but_for_statement(body_text, a, b)  # "will not be eligible if" (the expression's)
        if exc_body is not None:
            negated = exclusion_negated(exc_body, a, b, op, unit, negated)  # "Patients must not have ..." (prohibition)
        if not negated and kind == "inclusion" and unit in TIME_UNITS and op in ("<=", "<") and subject != "age" \
                and denied_by_leading_no(body_text, a, b):
            negated = True  # "No uncontrolled cardiovascular disease, including myocardial infarction within 6 months"
        if ruled_out is not None and ruled_out[0] <= a < ruled_out[1]:
            negated = not negated  # "Patients with a creatinine above 2 mg/dL are not eligible": the creatinine rules out
        if negated and subject == "age" and age_guard(body_text, a):
            negated = False  # "No MLL rearrangements if 12 to 24 months old": the age is the guard, not negated
        s, e = nt.to_original(base + a, base + b)
        future = _future(nt.text, base + a, base + b, value_text, unit_text, unit)
        out.append(
            Constraint(
                id=f"{cid}#c{i}",
                criterion=cid,
                kind=kind,
                cohort=cohort,
                subject=subject,
                subject_text=subject_text,
                op=op,
                value=value,
                unit=unit,
                relative_to=rel,
                normalized=Normalized(value=norm[0], unit=norm[1]) if norm else None,
                negated=negated,
                text=original[s:e],
                start=s,
                end=e,
                category=category,
                code=code,
                concept=concept,
                value_text=value_text,
                unit_text=unit_text,
                values=list(values) if values else None,
                any_of=any_of,
                future=future,
                implausible=(a, b) in odd,
            )
        )
    return out


def _implausible_spans(rows: Sequence[tuple]) -> set:
    """The spans of rows whose value its concept cannot take (`concepts.implausible`), each bound of a
    range with it: one implausible bound shows the whole reading wrong ("Karnofsky 0-2", "WBC
    3,300-10,500 cells/L"). A bound relative to ULN / LLN and an enumeration are not judged."""
    return {(r[8], r[9]) for r in rows
            if r[5] is None and r[2] != "in" and implausible(r[14], r[3], r[4])}


def _future(text: str, a: int, b: int, value_text: Optional[str], unit_text: Optional[str],
            unit: Optional[str]) -> bool:
    """Does the time window text[a:b] (value and unit as written) run after enrolment (`critparse.timing`)?"""
    if unit not in TIME_UNITS or not value_text:
        return False
    n = text.rfind(value_text, a, b)
    if n < 0:
        return False
    u = text.find(unit_text, n, b + len(unit_text or "") + 2) if unit_text else -1
    return looks_forward(text, n, u + len(unit_text) if u >= 0 else b, unit)


def _run_fast(pending, nlp=None) -> Iterator[ParsedTrial]:
    """Fast mode without spaCy: rule constraints and their negation straight from each criterion body."""
    for text, trial_id, info, nt, segs in pending:
        parsed = ParsedTrial(trial_id=trial_id, text=text, info=info or TrialInfo())
        parsed.criteria = [s.criterion for s in segs]
        by_id = {c.id: c for c in parsed.criteria}
        ntext = nt.text
        items = _sub_items(segs, ntext)
        for seg in segs:
            crit = seg.criterion
            rows, spans = _fast_rows(ntext[seg.body[0]:seg.body[1]], _subject_hint(crit, by_id) if crit.parent else None)
            if not rows and crit.id in items:  # "any of the following within 28 days:" over sub-items
                rows, spans = _listed_rows(seg, ntext, items)
            cons = _row_records(rows, seg, nt) if rows else []
            parsed.constraints.extend(cons)
            if crit.role == "item":
                base, end = seg.body
                expr = keyed_expression(ntext[base:end], crit.kind, spans, [c.id for c in cons],
                                        lambda s, e, base=base: nt.to_original(base + s, base + e))
                crit.expression = join_negated_lists(expr, _negated_spans(rows, cons), ntext[base:end])
        yield negate_listed_items(parsed)


def _attach_expression(seg: Segment, nt: NormalizedText, rows: Sequence[tuple], cons: List[Constraint]) -> None:
    """Set the item criterion's expression (`critparse.expression`) from its body and its constraints' rows."""
    crit = seg.criterion
    if crit.role != "item":
        return
    base, end = seg.body
    spans = [ConSpan(c.id, r[8], r[9], c.subject, c.any_of, bound_of(c)) for r, c in zip(rows, cons)]
    expr = criterion_expression(nt.text[base:end], crit.kind, spans, lambda s, e: nt.to_original(base + s, base + e))
    crit.expression = join_negated_lists(expr, _negated_spans(rows, cons), nt.text[base:end])


def _negated_spans(rows: Sequence[tuple], cons: Sequence[Constraint]) -> Dict[str, Tuple[int, int]]:
    """Constraint id -> (start, end) in its criterion body, for the negated constraints (`negated_lists`)."""
    return {c.id: (r[8], r[9]) for r, c in zip(rows, cons) if c.negated}


#: distinct (criterion body, label hint) results kept per pipeline in full mode (0: no cache, one Doc per criterion)
DOC_CACHE_SIZE = 50_000
_DOC_CACHES: "weakref.WeakKeyDictionary[Any, _LRU]" = weakref.WeakKeyDictionary()


def clear_doc_cache() -> None:
    """Forget the cached per-criterion results of every pipeline."""
    _DOC_CACHES.clear()


def _doc_rows(doc: Any, subject_hint: Optional[str]) -> Tuple[Tuple[tuple, ...], Tuple[tuple, ...]]:
    """What `records_from_doc` reads from one criterion's Doc, as plain tuples: constraint rows (`_row`) and
    entity rows (start_char, end_char, label, negated, historical, hypothetical, source, expansion,
    indices of the constraints it overlaps)."""
    raw_cons = list(getattr(doc._, "constraints", None) or [])
    hinted = _hinted(raw_cons, doc.text, subject_hint)
    if hinted is not None:
        raw_cons = hinted
    abbrevs = _abbreviation_map(doc)
    ents = []
    for ent in _entity_spans(doc):
        a, b = ent.start_char, ent.end_char
        ext = ent._
        ents.append((a, b, ent.label_, bool(getattr(ext, "is_negated", False)),
                     bool(getattr(ext, "is_historical", False)), bool(getattr(ext, "is_hypothetical", False)),
                     _source(ent), abbrevs.get((a, b)),
                     tuple(k for k, rc in enumerate(raw_cons) if a < rc["end"] and rc["start"] < b)))
    return tuple(_row(rc) for rc in raw_cons), tuple(ents)


def _rows_records(rows: Tuple[Tuple[tuple, ...], Tuple[tuple, ...]], seg: Segment,
                  nt: NormalizedText) -> Tuple[List[Constraint], List[Entity]]:
    """`records_from_doc` from `_doc_rows`."""
    constraints = _row_records(rows[0], seg, nt)
    crit = seg.criterion
    base = seg.body[0]
    original = nt.original
    entities: List[Entity] = []
    body = _restated_exclusion(seg, nt)
    exc_body = nt.text[base:seg.body[1]] if crit.kind == "exclusion" else None
    for j, (a, b, label, negated, historical, hypothetical, source, expansion, linked) in enumerate(rows[1], 1):
        if negated and body is not None:
            negated = negated_but_for_excluded(body, a, b)
        if negated and exc_body is not None:
            negated = exclusion_negated(exc_body, a, b, "", None, negated, entity=True)  # "Patients must not have X"
        s, e = nt.to_original(base + a, base + b)
        entities.append(
            Entity(
                id=f"{crit.id}#e{j}",
                criterion=crit.id,
                label=label,
                text=original[s:e],
                start=s,
                end=e,
                negated=negated,
                historical=historical,
                hypothetical=hypothetical,
                constraints=[constraints[k].id for k in linked],
                source=source,
                expansion=expansion,
                codes=_codes(original[s:e], label, expansion),
            )
        )
    return constraints, entities


def _with_listed_window(rows: Tuple[Tuple[tuple, ...], Tuple[tuple, ...]], seg: Segment, ntext: str,
                        items: Dict[str, List[str]]) -> Tuple[Tuple[tuple, ...], Tuple[tuple, ...]]:
    """`_doc_rows` with the window a header puts on its sub-items where the header has no constraint."""
    if rows[0] or seg.criterion.id not in items:
        return rows
    return _listed_rows(seg, ntext, items)[0], rows[1]


def _codes(mention: str, label: str, expansion: Optional[str]) -> List[Dict[str, Any]]:
    """Concept codes of a Condition, Drug or Measurement entity (critparse.linking, cached per mention)."""
    if label not in LINKED_LABELS:
        return []
    return link(mention, label, expansion)


def _run(pending, nlp) -> Iterator[ParsedTrial]:
    """Records of a batch of trials through `nlp`: each distinct criterion body goes through
    `nlp.pipe` once, within the batch and, through a per-pipeline LRU cache of plain rows, across
    batches (registry text repeats much boilerplate)."""
    if DOC_CACHE_SIZE <= 0:
        yield from _run_docs(pending, nlp)
        return
    try:
        cache = _DOC_CACHES.get(nlp)
        if cache is None or cache.size != DOC_CACHE_SIZE:
            cache = _DOC_CACHES[nlp] = _LRU(DOC_CACHE_SIZE)
    except TypeError:  # a pipeline object that cannot be weakly referenced: no cache
        yield from _run_docs(pending, nlp)
        return
    work = []
    local: Dict[Tuple[str, Optional[str]], Tuple[tuple, tuple]] = {}
    todo: Dict[str, List[Optional[str]]] = {}  # body -> hints wanted, in first-seen order
    for text, trial_id, info, nt, segs in pending:
        crits = [s.criterion for s in segs]
        by_id = {c.id: c for c in crits}
        keys = [(nt.text[s.body[0]:s.body[1]], _subject_hint(s.criterion, by_id) if s.criterion.parent else None)
                for s in segs]
        for key in keys:
            if key in local:
                continue
            hit = cache.lookup(key)
            if hit is not None:
                local[key] = hit
            else:
                todo.setdefault(key[0], []).append(key[1])
                local[key] = None  # filled below
        work.append((text, trial_id, info, nt, segs, crits, keys))
    if todo:
        for body, doc in zip(todo, nlp.pipe(list(todo))):
            for hint in todo[body]:
                rows = _doc_rows(doc, hint)
                local[(body, hint)] = rows
                cache.store((body, hint), rows)
    for text, trial_id, info, nt, segs, crits, keys in work:
        parsed = ParsedTrial(trial_id=trial_id, text=text, info=info or TrialInfo())
        parsed.criteria = crits
        items = _sub_items(segs, nt.text)
        for seg, key in zip(segs, keys):
            rows = _with_listed_window(local[key], seg, nt.text, items)
            cons, ents = _rows_records(rows, seg, nt)
            _attach_expression(seg, nt, rows[0], cons)
            parsed.constraints.extend(cons)
            parsed.entities.extend(ents)
        yield negate_listed_items(parsed)


def _run_docs(pending, nlp) -> Iterator[ParsedTrial]:
    """`_run` without the cache: one Doc per criterion."""
    bodies = [nt.text[s.body[0]:s.body[1]] for (_, _, _, nt, segs) in pending for s in segs]
    docs = iter(nlp.pipe(bodies)) if bodies else iter(())
    for text, trial_id, info, nt, segs in pending:
        parsed = ParsedTrial(trial_id=trial_id, text=text, info=info or TrialInfo())
        parsed.criteria = [s.criterion for s in segs]
        by_id = {c.id: c for c in parsed.criteria}
        items = _sub_items(segs, nt.text)
        for seg in segs:
            rows = _with_listed_window(_doc_rows(next(docs), _subject_hint(seg.criterion, by_id)), seg, nt.text, items)
            cons, ents = _rows_records(rows, seg, nt)
            _attach_expression(seg, nt, rows[0], cons)
            parsed.constraints.extend(cons)
            parsed.entities.extend(ents)
        yield negate_listed_items(parsed)


def _subject_hint(crit: Criterion, by_id: Dict[str, Criterion]) -> Optional[str]:
    """The subject named by an unnumbered label over this criterion ("Age:", "Performance status:"), or
    `CONTACT_AGE` under a list of the people a patient must avoid."""
    parent = by_id.get(crit.parent) if crit.parent else None
    while parent is not None and parent.parent and _or_group(parent):
        parent = by_id.get(parent.parent)  # "Performance status: - ECOG 0-2 OR - WHO 0-2": the label over the OR group
    if parent is None:
        return None
    return _parent_hint(parent.clean_text, parent.role == "group" and parent.number is None)


def _or_group(crit: Criterion) -> bool:
    """The group an "OR" line (or an item ending in "OR") makes of the items it joins."""
    return crit.role == "group" and crit.logic == "any" and (crit.clean_text or crit.text).strip() == "OR"


@lru_cache(maxsize=4096)
def _parent_hint(parent_text: str, label: bool) -> Optional[str]:
    """`_subject_hint` from the parent's text and whether it is an unnumbered group; cached, as each child of
    a parent asks, and registry text repeats its labels ("Age:", "Hematopoietic:")."""
    if contact_list_head(parent_text):
        return CONTACT_AGE  # "No close contact ... with the following people: - Children less than 3 years old"
    if not label:
        return None
    subj = lookup(parent_text.rstrip(": "))
    return subj.name if subj else None


def records_from_doc(doc: Any, seg: Segment, nt: NormalizedText,
                     subject_hint: Optional[str] = None) -> Tuple[List[Constraint], List[Entity]]:
    """Turn one criterion's Doc into Constraint and Entity records with
    offsets into the original text."""
    return _rows_records(_doc_rows(doc, subject_hint), seg, nt)


def _entity_spans(doc: Any) -> Sequence[Any]:
    return list(doc.ents)


def _source(ent: Any) -> str:
    ext = ent._
    if ext.has("critparse_source") and ext.critparse_source:
        return ext.critparse_source
    return "rule" if ent.ent_id_ else "model"


def _abbreviation_map(doc: Any) -> Dict[Tuple[int, int], str]:
    out: Dict[Tuple[int, int], str] = {}
    if doc.has_extension("abbreviations"):
        for abrv in doc._.abbreviations or []:
            long_form = abrv._.long_form
            if long_form is not None:
                out[(abrv.start_char, abrv.end_char)] = long_form.text
    return out
