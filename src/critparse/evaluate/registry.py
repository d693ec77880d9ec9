"""Score critparse constraints against a hand-made registry gold (``../shared/ANNOTATION.md``).

Gold: a folder of per-study JSONL files (or one JSONL file) of items ``{nct_id, section, subject, op,
value, unit, relative_to, quote, start, end, kind, [conditional, negated, borderline, note]}`` with
offsets into the study's raw ``eligibilityCriteria``.  System: critparse's constraints of the same raw
text (studies read from ClinicalTrials.gov API v2 JSON).

Matching is one-to-one per study.  A system constraint *agrees* with a gold item (key (a)) when the
section (``inc``/``exc`` from the criterion kind), the operator, ``relative_to`` and the value agree,
values compared after unit conversion where the units convert (`critparse.units`); a gold unit ``""``
accepts any unit with the same value.  Among agreeing pairs, pairs whose spans overlap come first,
then pairs whose subjects agree, then the nearest; pairs are taken greedily.  Key (b) counts the
matched pairs whose subjects agree too (`subjects_agree`).  System constraints with ``op == "in"``
(set membership over an enumeration) are outside the gold conventions and are not scored.

Without borderline: borderline gold items are dropped, and so are the system constraints matched to
them (neither right nor wrong).

Misses and spurious items get an error class: an unmatched gold item and an unmatched system
constraint whose spans overlap are one error named after what disagrees (``wrong value``, ``wrong
op``, ``wrong unit`` or ``wrong unit (none)`` where the system has no unit, ``wrong section``,
``split/merged range`` when a gold range bound met a single-sided or other-sided bound); an agreeing
pair with disagreeing subjects is ``wrong subject: words`` (one name holds the other's words plus
more) or ``wrong subject: other``; what is left is ``missed <kind>`` or ``spurious`` (``spurious
enumeration`` where the text names a stage, grade or class).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Tuple

from .metrics import PRF
from .. import resources, units

SECTION = {"inclusion": "inc", "exclusion": "exc"}


@dataclass(frozen=True)
class GoldItem:
    nct_id: str
    section: str
    subject: str
    op: str
    value: float
    unit: str
    relative_to: Optional[str]
    quote: str
    start: int
    end: int
    kind: str = ""
    borderline: bool = False
    conditional: bool = False
    negated: bool = False


@dataclass(frozen=True)
class SysItem:
    nct_id: str
    section: str
    subject: str
    op: str
    value: float
    unit: Optional[str]
    relative_to: Optional[str]
    text: str
    start: int
    end: int
    concept: Optional[str] = None
    subject_text: Optional[str] = None
    criterion: str = ""


@dataclass
class ErrorRow:
    nct_id: str
    error: str
    gold: Optional[GoldItem]
    system: Optional[SysItem]

    def as_dict(self) -> Dict[str, object]:
        return {"nct_id": self.nct_id, "error": self.error,
                "gold": asdict(self.gold) if self.gold else None,
                "system": asdict(self.system) if self.system else None}


@dataclass
class StudyMatch:
    """One study's one-to-one matching."""

    gold: List[GoldItem]
    system: List[SysItem]
    pairs: List[Tuple[int, int, bool]] = field(default_factory=list)  # (gold idx, sys idx, subject agrees)


@dataclass
class RegistryScores:
    studies: int = 0
    full: PRF = field(default_factory=PRF)  # (a) value + op + unit + section
    subject: PRF = field(default_factory=PRF)  # (b) (a) + subject
    full_nb: PRF = field(default_factory=PRF)  # (a) without borderline
    subject_nb: PRF = field(default_factory=PRF)  # (b) without borderline
    not_scored: int = 0  # system constraints with op "in"
    offset_errors: List[GoldItem] = field(default_factory=list)  # gold items whose quote is not text[start:end]
    errors: List[ErrorRow] = field(default_factory=list)

    def error_counts(self) -> Counter:
        return Counter(e.error for e in self.errors)

    def as_dict(self) -> Dict[str, object]:
        return {"studies": self.studies, "full": self.full.as_dict(), "subject": self.subject.as_dict(),
                "full_without_borderline": self.full_nb.as_dict(),
                "subject_without_borderline": self.subject_nb.as_dict(),
                "not_scored_in": self.not_scored, "offset_errors": len(self.offset_errors),
                "error_classes": dict(self.error_counts().most_common())}


# ------------------------------------------------------------------ reading --

def _gold_item(row: Dict[str, object]) -> GoldItem:
    return GoldItem(
        nct_id=str(row["nct_id"]), section=str(row["section"]), subject=str(row.get("subject") or ""),
        op=str(row["op"]), value=float(row["value"]), unit=str(row.get("unit") or ""),
        relative_to=row.get("relative_to") or None, quote=str(row.get("quote") or ""),
        start=int(row["start"]), end=int(row["end"]), kind=str(row.get("kind") or ""),
        borderline=bool(row.get("borderline")), conditional=bool(row.get("conditional")),
        negated=bool(row.get("negated")))


def _gold_files(path: Path) -> List[Path]:
    return sorted(path.glob("*.jsonl")) if path.is_dir() else [path]


def load_gold(path: Path) -> Dict[str, List[GoldItem]]:
    """Gold items by study id.  A per-study file named ``NCT....jsonl`` counts its study even when
    it is empty."""
    out: Dict[str, List[GoldItem]] = {}
    for f in _gold_files(Path(path)):
        if re.fullmatch(r"NCT\d{8}", f.stem):
            out.setdefault(f.stem, [])
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = _gold_item(json.loads(line))
                out.setdefault(item.nct_id, []).append(item)
    return out


def _v2_studies(path: Path) -> Iterator[Dict[str, object]]:
    files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
    for f in files:
        data = json.loads(f.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            data = data.get("studies", [data])
        yield from (s for s in data if isinstance(s, dict))


def load_texts(path: Path) -> Dict[str, str]:
    """Raw eligibility text by study id from API v2 JSON (a file: one study, a list, or a
    ``{"studies": [...]}`` page; or a folder of them).  Duplicates are the same study."""
    from ..batch.readers import from_v2_study

    out: Dict[str, str] = {}
    for study in _v2_studies(Path(path)):
        rec = from_v2_study(study, str(path))
        if rec.text:
            out.setdefault(rec.trial_id, rec.text)
    return out


def system_items(parsed) -> Tuple[List[SysItem], int]:
    """Scored system items of one `ParsedTrial`, and the number of ``in`` constraints left out."""
    kinds = {c.id: SECTION.get(c.kind, c.kind) for c in parsed.criteria}
    items, skipped = [], 0
    for c in parsed.constraints:
        if c.op == "in":
            skipped += 1
            continue
        items.append(SysItem(parsed.trial_id or "", kinds.get(c.criterion, ""), c.subject, c.op, float(c.value),
                             c.unit, c.relative_to, c.text, c.start, c.end, c.concept, c.subject_text, c.criterion))
    return items, skipped


# ----------------------------------------------------------------- agreeing --

def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 + 1e-3 * max(abs(a), abs(b))


def _gold_unit(unit: str) -> str:
    return units.to_ucum(unit) or unit


def value_agrees(g: GoldItem, s: SysItem) -> bool:
    """Value and unit agree (after conversion where the units convert; "" accepts any unit)."""
    if (g.relative_to or None) != (s.relative_to or None):
        return False
    gu = _gold_unit(g.unit)
    if not gu:
        return _close(g.value, s.value)
    if not s.unit:
        return False
    if s.unit == gu:
        return _close(g.value, s.value)
    conv = units.try_convert(s.value, s.unit, gu, subject=s.subject)
    return conv is not None and _close(g.value, conv)


def agrees(g: GoldItem, s: SysItem) -> bool:
    """Key (a): section, op and value+unit."""
    return g.section == s.section and g.op == s.op and value_agrees(g, s)


_PUNCT = re.compile(r"[^\w\s]")


def norm_name(name: Optional[str]) -> str:
    return " ".join(_PUNCT.sub(" ", (name or "").lower()).split())


@lru_cache(maxsize=1)
def _ignored_words() -> FrozenSet[str]:
    return frozenset(w for row in resources.read_jsonl("subject_match.jsonl") for w in row.get("words", ()))


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def name_tokens(name: Optional[str]) -> FrozenSet[str]:
    """The words of a subject that say what is measured: lower case, punctuation stripped, function
    words and generic report heads (resources/subject_match.jsonl) left out, plurals made singular."""
    return frozenset(_singular(w) for w in norm_name(name).split() if w not in _ignored_words())


def _default_concept_of() -> Callable[[str], Optional[str]]:
    """critparse.concepts.lookup where it exists, else the subject lexicon (labs.jsonl)."""
    try:
        from .. import concepts  # type: ignore[attr-defined]

        def via_concepts(name: str) -> Optional[str]:
            hit = concepts.lookup(name)
            if hit is None or isinstance(hit, str):
                return hit
            return getattr(hit, "id", None) or getattr(hit, "name", None)

        return via_concepts
    except ImportError:
        from .. import lexicon

        def via_lexicon(name: str) -> Optional[str]:
            hit = lexicon.lookup(name)
            return hit.name if hit else None

        return via_lexicon


_CONCEPT_OF: Optional[Callable[[str], Optional[str]]] = None


def concept_of(name: str) -> Optional[str]:
    global _CONCEPT_OF
    if _CONCEPT_OF is None:
        _CONCEPT_OF = _default_concept_of()
    return _CONCEPT_OF(name) if name else None


def subjects_agree(g: GoldItem, s: SysItem) -> bool:
    """Same concept where both map to one; else the same words (`name_tokens`) as the system's
    subject or its subject as written.  One name inside the other is not enough."""
    gc = concept_of(g.subject)
    sc = s.concept or concept_of(s.subject) or (concept_of(s.subject_text) if s.subject_text else None)
    if gc and sc:
        return gc == sc
    gold_words = name_tokens(g.subject)
    return bool(gold_words) and gold_words in {name_tokens(s.subject), name_tokens(s.subject_text)}


# ----------------------------------------------------------------- matching --

def _overlap(g: GoldItem, s: SysItem) -> int:
    return max(0, min(g.end, s.end) - max(g.start, s.start))


def _distance(g: GoldItem, s: SysItem) -> int:
    return 0 if _overlap(g, s) else min(abs(g.start - s.end), abs(s.start - g.end))


def match_study(gold: Sequence[GoldItem], system: Sequence[SysItem]) -> StudyMatch:
    """Greedy one-to-one matching of agreeing pairs: overlapping first, then subject agreement, then nearest."""
    cands = []
    for gi, g in enumerate(gold):
        for si, s in enumerate(system):
            if agrees(g, s):
                subj = subjects_agree(g, s)
                cands.append((-int(_overlap(g, s) > 0), -int(subj), _distance(g, s), gi, si, subj))
    cands.sort()
    m = StudyMatch(list(gold), list(system))
    used_g, used_s = set(), set()
    for _, _, _, gi, si, subj in cands:
        if gi not in used_g and si not in used_s:
            used_g.add(gi)
            used_s.add(si)
            m.pairs.append((gi, si, subj))
    return m


# ------------------------------------------------------------------- errors --

_ENUM = re.compile(r"\b(?:stages?|grades?|class(?:es)?|groups?|types?|phases?|levels?|fc)\b", re.I)


def _is_range_bound(g: GoldItem, gold: Sequence[GoldItem]) -> bool:
    return g.op in (">=", "<=", ">", "<") and any(
        o is not g and (o.start, o.end) == (g.start, g.end) and o.op[0] != g.op[0] for o in gold)


def diagnose(g: GoldItem, s: SysItem, gold: Sequence[GoldItem]) -> str:
    """Error class of an overlapping gold item and system constraint that do not agree."""
    wrong = []
    if g.section != s.section:
        wrong.append("section")
    if g.op != s.op:
        wrong.append("op")
    if not value_agrees(g, s):
        same_unit = (g.relative_to or None) == (s.relative_to or None) and (
            not _gold_unit(g.unit) or _gold_unit(g.unit) == s.unit
            or units.try_convert(1.0, s.unit, _gold_unit(g.unit), subject=s.subject) is not None)
        wrong.append("value" if same_unit else ("unit (none)" if not s.unit and not s.relative_to else "unit"))
    if "op" in wrong and _is_range_bound(g, gold):
        return "split/merged range"
    return "wrong " + ", ".join(wrong) if wrong else subject_error(g, s)


def subject_error(g: GoldItem, s: SysItem) -> str:
    """``wrong subject: words`` where one name holds the other's words plus more (a boundary
    error), ``wrong subject: other`` where the system names another thing."""
    gw, sw = name_tokens(g.subject), name_tokens(s.subject)
    return "wrong subject: words" if gw and sw and (gw <= sw or sw <= gw) else "wrong subject: other"


def _leftover_errors(m: StudyMatch, nct: str) -> List[ErrorRow]:
    matched_g = {gi for gi, _, _ in m.pairs}
    matched_s = {si for _, si, _ in m.pairs}
    free_g = [gi for gi in range(len(m.gold)) if gi not in matched_g]
    free_s = [si for si in range(len(m.system)) if si not in matched_s]
    overl = sorted(((-_overlap(m.gold[gi], m.system[si]), gi, si) for gi in free_g for si in free_s
                    if _overlap(m.gold[gi], m.system[si])))
    rows, used_g, used_s = [], set(), set()
    for _, gi, si in overl:
        if gi not in used_g and si not in used_s:
            used_g.add(gi)
            used_s.add(si)
            rows.append(ErrorRow(nct, diagnose(m.gold[gi], m.system[si], m.gold), m.gold[gi], m.system[si]))
    rows += [ErrorRow(nct, f"missed {m.gold[gi].kind}".strip(), m.gold[gi], None) for gi in free_g if gi not in used_g]
    for si in free_s:
        if si not in used_s:
            s = m.system[si]
            rows.append(ErrorRow(nct, "spurious enumeration" if _ENUM.search(s.text) else "spurious", None, s))
    return rows


def study_errors(m: StudyMatch, nct: str) -> List[ErrorRow]:
    rows = [ErrorRow(nct, subject_error(m.gold[gi], m.system[si]), m.gold[gi], m.system[si])
            for gi, si, subj in m.pairs if not subj]
    return rows + _leftover_errors(m, nct)


# ------------------------------------------------------------------ scoring --

def _count(m: StudyMatch, full: PRF, subject: PRF, *, borderline: bool) -> None:
    keep_g = [not g.borderline or borderline for g in m.gold]
    dropped_s = {si for gi, si, _ in m.pairs if not keep_g[gi]}
    n_pred = len(m.system) - len(dropped_s)
    n_gold = sum(keep_g)
    tp = sum(1 for gi, _, _ in m.pairs if keep_g[gi])
    tp_b = sum(1 for gi, _, subj in m.pairs if keep_g[gi] and subj)
    full.add(PRF(tp, n_pred, tp, n_gold))
    subject.add(PRF(tp_b, n_pred, tp_b, n_gold))


def score(gold: Dict[str, List[GoldItem]], system: Dict[str, List[SysItem]],
          not_scored: int = 0) -> RegistryScores:
    """Scores over all gold studies (a study the system lacks has no predictions)."""
    out = RegistryScores(studies=len(gold), not_scored=not_scored)
    for nct in sorted(gold):
        m = match_study(gold[nct], system.get(nct, []))
        _count(m, out.full, out.subject, borderline=True)
        _count(m, out.full_nb, out.subject_nb, borderline=False)
        out.errors += study_errors(m, nct)
    return out


def parse_system(texts: Dict[str, str], ids: Iterable[str], mode: str = "fast") -> Tuple[Dict[str, List[SysItem]], int]:
    """critparse's scored constraints for the studies `ids` (those with a text)."""
    from ..parser import parse_many

    todo = [(texts[n], n, None) for n in ids if n in texts]
    out, skipped = {}, 0
    for parsed in parse_many(todo, mode=mode):
        items, k = system_items(parsed)
        out[parsed.trial_id] = items
        skipped += k
    return out, skipped


def evaluate(gold_path: Path, records: Path, mode: str = "fast") -> Tuple[RegistryScores, List[str]]:
    """Score critparse on the gold at `gold_path`; also the gold study ids without a text."""
    gold = load_gold(gold_path)
    texts = load_texts(records)
    missing = sorted(n for n in gold if n not in texts)
    system, skipped = parse_system(texts, gold, mode=mode)
    out = score({n: g for n, g in gold.items() if n in texts}, system, skipped)
    out.offset_errors = [g for n, items in gold.items() if n in texts for g in items
                         if texts[n][g.start:g.end] != g.quote]
    return out, missing


# ---------------------------------------------------------------- rendering --

def render(scores: RegistryScores, title: str, top: int = 12):
    """A rich table of the four P/R/F1 rows and the most frequent error classes."""
    from rich.console import Group
    from rich.table import Table

    t = Table(title=title)
    for col in ("score", "P", "R", "F1", "TP", "gold", "system"):
        t.add_column(col, justify="left" if col == "score" else "right")
    rows = (("(a) value+op+unit+section", scores.full), ("(b) (a) + subject", scores.subject),
            ("(a) without borderline", scores.full_nb), ("(b) without borderline", scores.subject_nb))
    for name, prf in rows:
        t.add_row(name, f"{prf.p:.3f}", f"{prf.r:.3f}", f"{prf.f:.3f}", str(prf.tp_r), str(prf.n_gold), str(prf.n_pred))
    e = Table(title=f"error classes ({scores.studies} studies; {scores.not_scored} 'in' constraints not scored)")
    e.add_column("class")
    e.add_column("n", justify="right")
    e.add_column("example")
    examples: Dict[str, ErrorRow] = {}
    for row in scores.errors:
        examples.setdefault(row.error, row)
    for cls, n in scores.error_counts().most_common(top):
        e.add_row(cls, str(n), describe(examples[cls]))
    return Group(t, e)


def _fmt(item) -> str:
    if item is None:
        return "-"
    unit = item.unit or ""
    rel = f" x{item.relative_to}" if item.relative_to else ""
    return f"{item.section} {item.subject} {item.op} {item.value:g}{(' ' + unit) if unit else ''}{rel}"


def describe(row: ErrorRow) -> str:
    """One line: gold | system | quote."""
    quote = row.gold.quote if row.gold else row.system.text
    return f"gold: {_fmt(row.gold)} | sys: {_fmt(row.system)} | {quote!r}"
