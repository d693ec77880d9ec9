"""The logic inside one criterion: how its constraints and text pieces combine.

`criterion_expression` reads one criterion's (normalised) text and the spans of
its constraints, and returns a small JSON tree (`Criterion.expression`):

    {"all": [E, ...]}                     every part holds
    {"any": [E, ...]}                     at least one part holds (alternatives)
    {"not": E}                            E does not hold ("not well controlled (... 150 mmHg or less)")
    {"constraint": ID}                    one constraint of the criterion (`Constraint.id`)
    {"text": S, "start": i, "end": j}     a piece no constraint tests; i, j index the original text
    {"when": E, "then": E}                a guard: the branch applies only where the guard holds
    {"rule": E, "unless": [E, ...]}       exceptions: one that holds means the rule does not count
                                          against the patient ("excluding ...", "... are allowed if ...")
    {"term": TEXT, "definition": E}       a defined term; the definition is what is tested

The tree says what the criterion's CONDITION is; `critparse.logic.lower` reads
it for the criterion's kind (an exclusion applies where it holds, an inclusion
must hold). A guard that does not hold, or an exception that holds, makes its
branch not apply: a requirement that does not apply is met, an alternative
that does not apply is no way in, so such a branch never rules the patient out.

Clause cues (exception, permission, condition, definition, and "if applicable"
forms that guard nothing) are data: `resources/clause_cues.jsonl`. The reading
is by regions of the text: sentences, then alternatives ("..., or ...", only
where both sides hold constraints), then cues at the region's own bracket
depth, then parentheses, then the constraints left, combined by the words
between them. In a criterion with constraints, plain text outside a guard,
exception or definition adds nothing (the constraints decide, as before); in a
criterion without constraints, the text is the piece to decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import regexguard, resources
from .brackets import closing_bracket
from .statements import anyone, statement_at
from .units import TIME_UNITS

Expr = Dict[str, Any]
ToOriginal = Callable[[int, int], Tuple[int, int]]


@dataclass(frozen=True)
class ConSpan:
    """A constraint as the expression builder sees it: offsets local to the criterion text."""

    id: str
    start: int
    end: int
    subject: str
    any_of: Optional[str] = None
    bound: Optional[Tuple[str, float, Optional[str]]] = None  # (op, value, unit or ULN/LLN), where known


_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class _Cue:
    type: str  # exception | permission | condition | ignore | definition
    id: str
    pattern: "re.Pattern[str]"
    keywords: Tuple[str, ...]  # one of them is in the lower-cased text wherever the pattern matches
    rank: int  # precedence of the type where two cues start at one place


@lru_cache(maxsize=1)
def cues() -> Tuple[_Cue, ...]:
    rows = [r for r in resources.read_jsonl("clause_cues.jsonl") if r.get("type") in _PRECEDENCE]
    return tuple(_Cue(r["type"], r["id"], regexguard.compile(r["pattern"], re.I), tuple(r["keywords"]),
                      _PRECEDENCE.index(r["type"])) for r in rows)


#: where two cues overlap, the earlier one wins, and at one start the type earlier here ('if applicable'
#: over 'if'; 'are allowed if' over its 'if')
_PRECEDENCE = ("ignore", "permission", "exception", "definition", "condition")


@lru_cache(maxsize=1)
def _alternative_guard() -> "re.Pattern[str]":
    """What opens the guard of a bracketed alternative bound ("(<= 5 x ULN for patients with liver
    metastases)"): the `alternative_guard` rows of the cue file, read only inside such a bracket."""
    rows = [r for r in resources.read_jsonl("clause_cues.jsonl") if r.get("type") == "alternative_guard"]
    return re.compile("|".join(f"(?:{r['pattern']})" for r in rows), re.I)


@lru_cache(maxsize=1)
def _keyword_regex() -> "re.Pattern[str]":
    """Every cue keyword, as a trie (`lexicon.trie_regex`): it runs on every criterion, and a flat
    alternation of ~50 words tries each of them at every position."""
    from .lexicon import trie_regex

    return regexguard.compile(trie_regex([re.escape(ch) for ch in k] for c in cues() for k in c.keywords))


def cue_hits(text: str) -> List[Tuple[int, int, _Cue]]:
    """The clause cues of a text, in text order, without overlaps ('ignore' forms removed)."""
    found = set(_keyword_regex().findall(text.lower()))
    if not found:
        return []
    hits = [(m.start(), c.rank, m.end(), c) for c in cues() if not found.isdisjoint(c.keywords)
            for m in c.pattern.finditer(text)]
    out: List[Tuple[int, int, _Cue]] = []
    end = -1
    for s, _rank, e, c in sorted(hits, key=lambda h: (h[0], h[1])):
        if s >= end:
            end = e
            if c.type != "ignore":
                out.append((s, e, c))
    return out


#: condition cues that open a guard on the words right after them ("if 12 to 24 months old", "in patients over 50")
_AGE_GUARD_CUES = ("if", "for_patients_aged", "in_patients_aged")


def age_guard(text: str, start: int) -> bool:
    """Whether the age constraint starting at `start` is the guard of an 'if' or 'in patients over ...' cue
    right before it (or holding its first word): its clause's negation ("No abnormal cardiac stress test in
    patients over 50 years of age") is not the age's."""
    return any(cue.id in _AGE_GUARD_CUES and start - 40 <= s and e <= start + 1 and _age_guard_gap().fullmatch(text, e, start)
               and (cue.id not in _NEGATED_CLAUSE_GUARDS or _NEGATED_START.match(text, _clause_start(text, s)))
               for s, e, cue in cue_hits(text[:start + 40]))


def _clause_start(text: str, at: int) -> int:
    """Where the sentence or clause holding `at` starts (after the last '.', ';' or line break before it)."""
    return max(text.rfind(ch, 0, at) for ch in ".;\n") + 1


@lru_cache(maxsize=1)
def _age_guard_gap() -> "re.Pattern[str]":
    """Between an age guard's cue and its age: the people it names (constraint_words.toml `person`: "in patients
    aged", "for children"), or nothing ("if")."""
    from .comparisons import words

    people = "|".join(words()["words"]["person"])  # type: ignore[index]
    return re.compile(r"\s*(?:(?:" + people + r")\s+)?(?:(?:who\s+are|aged?)\s+)?", re.I)


_AND = re.compile(r"\band\b", re.I)
_LEADING_OR = re.compile(r"\s*,?\s*(?:and/)?or\b", re.I)
# (the full stop is read before its look-behinds, so that both branches open with a literal and `re` skips to
# ";" and "." in C)
_SENTENCE = re.compile(r";|\.(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\betc\.)(?<!\bvs\.)(?<!\bapprox\.)(?<!\bDr\.)(?<!\bMrs\.)(?<!\bMr\.)"
                       r"(?<!\bMs\.)(?<!\bProf\.)(?=\s+[A-Z(\[])")
#: a "No" item run on after a lower-case word, a number or a bracket (PDQ-style records lost their line breaks)
_RUN_ON_NO = re.compile(r"(?<=[a-z0-9%)\]])\s(?=No\s+[a-z])")
# a note run on after a sentence without its full stop ("... first dose of study intervention Note: Participants
# who have entered the follow-up phase ... may participate as long as ..."; 204 in the corpora); not a footnote
# ("Alkaline phosphatase less than 2.5 times normal NOTE: * Unless Gilbert's syndrome present" qualifies its sentence)
_RUN_ON_NOTE = re.compile(r"(?<=[a-z0-9%)\]])\s(?=(?:Note|NOTE|N\.B\.)\s*:(?!\s*\*))")
_NOT_CONTROLLED = re.compile(r"\bnot\s+(?:\w+\s+){0,2}(?:controlled|managed|maintained)\b", re.I)


_ITEM_MARK = re.compile(r"\s*\(?(?:[a-h]|[1-9]|i{1,3}|iv|v)\)", re.I)
#: 'or' before a new group of people: 'or subjects who are newly diagnosed and treated ...'
_OR_GROUP = re.compile(r"\s+(?:those|patients|subjects|participants|women|men|children)\b", re.I)
#: an 'and' that opens a predicate ('and followed by', 'and documented fever', 'and have recovered',
#: 'and subsequently had'), not one inside a noun phrase ('cervical and lumbosacral spine flexion')
_AND_PREDICATE = re.compile(r"\b(?i:and)\s+(?:(?:subsequently|then|also)\s+)?(?:[a-z]+ed|must|have|had)\b")


def _clause_or(text: str, m: "re.Match[str]") -> bool:
    """An 'or' that joins clauses whatever follows: written in capitals ('OR'), before an item mark
    ('or b) completely resected ...') or before a group of people ('or subjects who ...')."""
    return m.group(0).isupper() or _ITEM_MARK.match(text, m.end()) is not None \
        or _OR_GROUP.match(text, m.end()) is not None


#: the first word of an alternative in words after "<bound> or", and a denial before the bound
_TEXT_ARM = re.compile(r"\s+(?:(?:an?|the)\s+)?([A-Za-z][\w-]*)(?![\w-])", re.I)
_OR_AFTER = re.compile(r"[ \t,]*or\s+[A-Za-z]")
_DENIAL_BEFORE = re.compile(r"\b(?:no|not|never|none|neither|without|free\s+of|absence\s+of|absent)\b", re.I)


@lru_cache(maxsize=1)
def _or_qualifier() -> "re.Pattern[str]":
    from .comparisons import words

    return re.compile("|".join(words()["words"]["or_qualifier"]), re.I)  # type: ignore[index]


@lru_cache(maxsize=1)
def _or_words() -> "re.Pattern[str]":
    """'or' / 'and/or' joining two parts, not the 'or' of a comparison phrase: '1.8 or more, with ...',
    '18 years or older', 'less than or equal to' (the words that follow 'or' in resources/comparators.jsonl);
    'or above 80 years' / 'or greater than 65' (a number follows) still join."""
    tails = set()
    for row in resources.read_jsonl("comparators.jsonl"):
        words = str(row.get("phrase", "")).lower().split()
        if row.get("position") == "after" and words[:1] == ["or"] and len(words) == 2 and words[1].isalpha():
            tails.add(words[1])
    tail = "|".join(sorted(tails, key=len, reverse=True))
    return re.compile(r"\b(?:and/or|or)\b(?!\s*(?:equal\b|=))"
                      rf"(?!\s+(?:{tail})(?![\w-])(?!(?:\s+(?:than|to|or|equal))*\s*[-+]?\.?\d))", re.I)


#: what can make a cue-less criterion more than its constraints: brackets (an implicit definition) and
#: "not controlled" (a negated definition)
# a bracket or "not ... controlled" (the first character read first, case-sensitive, so that `re` skips to it in C)
_STRUCTURE = re.compile(r"[(\[nN](?:(?<=[(\[])|(?<=[nN])(?<!\w[nN])(?i:ot)\s+(?:\w+\s+){0,2}"
                        r"(?i:controlled|managed|maintained)\b)")
_TRIM = " \t\n\r,;:.-*•"
_TURN = re.compile(r",\s*(?:although|though|however|but)\b,?|\b(?:although|though)\b,?", re.I)
#: words after a guard's selecting bound that say more than it does ("children < 7 years of age WHO are
#: unable to perform PFT"); without one the rest is its unit or filler ("of age", "or older")
_GUARD_WORDS = re.compile(r"\b(?:who|whom|whose|that|which|with|without|having|has|have|receiving|treated|"
                          r"unable|not|on|undergoing|in\s+whom)\b", re.I)


#: condition cues that are a noun phrase (the guard is the cue itself, the branch follows), and those that
#: may also follow their branch ("X, if Y")
_NOUN_GUARDS = ("women_of_childbearing_potential",)
#: condition cues that are a study arm's label ("Group B:", "(Nonmyeloablative Regimen 2)"): the label is the
#: guard, a fact of the study, not of the patient (unevaluable: a criterion of another arm never rules out)
_LABEL_GUARDS = ("arm_label",)
_TRAILING_GUARDS = ("if", "provided_that", "in_case_of", "for_patients_aged", "in_patients_aged")
#: trailing guards that are guards only after a negated clause ("No X in patients over 50"; "X in patients
#: 1 month to 21 years of age" requires both)
_NEGATED_CLAUSE_GUARDS = ("in_patients_aged",)
_NEGATED_START = re.compile(r"\s*(?:[-*\u2022]\s*)?(?:no|not|none|absence\s+of)\b", re.I)
#: permissions written without a verb ("Seizure disorders allowed if well-controlled"), read only where no run-on
#: item (a lower-case word, then a capitalised one: "regimens Pancytopenia") comes before them
_TELEGRAPHIC_PERMISSIONS = ("bare_allowed_if",)
_RUN_ON = re.compile(r"\b(?!(?:for|with|of|to|in|on|by|the|and|or|than|from|at|as|per|via|including|except|other)\b)"
                     r"[a-z]{3,}[ \t]*\n?[ \t]*[A-Z][a-z]{2,}")
#: permission cues that name no condition ("X may be enrolled"): X is a way in, never a requirement
_BARE_PERMISSIONS = ("may_be_enrolled", "is_permitted", "not_exclusionary", "eligible_in_exclusion")
#: cues read under an exclusion heading only
_EXCLUSION_ONLY = ("eligible_in_exclusion",)
#: bare permissions that carve a rule only where they hold a bound of their own
_BOUND_PERMISSIONS = ("is_permitted", "not_exclusionary")


@dataclass
class _Permission:
    """'X are allowed if Y' / 'X may be enrolled (with Y)' as a sentence: carved out of the rule before it.
    `who` is X (the patients it lets in), `cond` is Y (None where the sentence names none)."""

    who: Optional[Expr]
    cond: Optional[Expr] = None
    whole: Optional[Expr] = None  # the sentence as text, where the permission names no 'if' condition
    cue: str = ""
    said: Optional[Expr] = None  # X's words as text

    @property
    def expr(self) -> Optional[Expr]:
        return _all([self.who, self.cond])


def _plain(x: Any) -> Optional[Expr]:
    """A clause result as an expression (a permission standing alone is its own condition)."""
    return x.expr if isinstance(x, _Permission) else x


def _plain_bounds(e: Any) -> bool:
    """Only constraints combined by all / any (what an implicit definition in brackets may be); an 'any' may
    hold an alternative in words beside its bounds ("(serum creatinine > 1.1 mg/dL or doubling of ...)")."""
    if isinstance(e, dict):
        if "constraint" in e:
            return True
        if set(e) == {"term", "definition"}:  # "Renal abnormality (Progressive renal insufficiency (creatinine ...))"
            return _plain_bounds(e["definition"])
        if set(e) == {"any"}:
            bounds = [x for x in e["any"] if not (isinstance(x, dict) and "text" in x)]
            return bool(bounds) and all(_plain_bounds(x) for x in bounds)
        if set(e) <= {"all", "any"}:
            return all(_plain_bounds(x) for v in e.values() for x in v)
    return False


def _last_run(cons: List[ConSpan]) -> List[ConSpan]:
    """The bounds of the subject named last ("creatinine > 1.3, ..., BMI > 30 for men": only the BMI is
    the men's); the others before it are the criterion's own, not the group's."""
    i = len(cons)
    while i > 0 and cons[i - 1].subject == cons[-1].subject:
        i -= 1
    return cons[i:]


def _sex_branches(e: Any) -> bool:
    """Bounds per sex group as `sex_groups` reads them (what a bracket may define: "(>= 13 for women,
    >= 15 for men)")."""
    return isinstance(e, dict) and set(e) == {"any"} and all(
        isinstance(x, dict) and set(x) == {"when", "then"} and _plain_bounds(x["then"]) for x in e["any"])


#: guarded words that are no requirement of their own: a verdict or a permission ("(eligible if serology documented to
#: be a false positive)", "(not required if ...)", "(NOTE: If ..., subject is eligible)", "(transfusions allowed if
#: stable ...)", "(generalized osteoporosis qualifies only if ...)"), or the arm of an alternative ("(or if greater than
#: 1.5, measured creatinine clearance >= 50)", "(either asymptomatic ..., or if symptomatic, LVEF > 50%)")
_STATUS_ONLY = re.compile(r"note|(?:or|either)\b.*|.*\b(?:or|and/or)"
                          r"|.*\b(?:eligible|ineligible|allowed|permitted|excluded|acceptable|qualif(?:y|ies)|not\s+required"
                          r"|not\s+necessary|not\s+needed|considered\b.*)", re.S)


def _all(parts: Sequence[Optional[Expr]]) -> Optional[Expr]:
    ps = [p for p in parts if p is not None]
    return None if not ps else ps[0] if len(ps) == 1 else {"all": ps}


def _any(parts: Sequence[Optional[Expr]]) -> Optional[Expr]:
    ps = [p for p in parts if p is not None]
    return None if not ps else ps[0] if len(ps) == 1 else {"any": ps}


@lru_cache(maxsize=1)
def _sex_group_regex() -> "re.Pattern[str]":
    """A sex group ("women", "male participants", "postmenopausal women"): resources/clause_cues.jsonl
    `sex_groups`; group `f` or `m` says which sex, `q` holds a qualifier that narrows it."""
    row = next(r for r in resources.read_jsonl("clause_cues.jsonl") if r.get("id") == "sex_groups")
    alt = lambda key: "|".join(row[key])  # noqa: E731
    return regexguard.compile(rf"\b(?:(?P<q>{alt('qualifiers')})\s+)?(?:(?P<f>{alt('female')})|(?P<m>{alt('male')}))\b"
                      rf"(?:\s+(?:{alt('nouns')})\b)?", re.I)


def group_sex(text: str) -> Optional[Tuple[str, bool]]:
    """The sex a guard's text names where the text is a sex group and nothing else, and whether that is
    all it says (True for "women", "male participants"; False for "postmenopausal women"); else None."""
    m = _sex_group_regex().fullmatch(text.strip())
    if m is None:
        return None
    return ("female" if m.group("f") else "male"), m.group("q") is None


#: between one group's bounds and the next group: joiners and the words of an age ("years old", "of age")
_GROUP_GAP = re.compile(r"(?:[\s,;]|\b(?:years?|yrs?|old|of|age|and/or|and|or|a|an|the)\b)*", re.I)
_FOR_GROUP = re.compile(r"\bfor\s+(?:the\s+)?$", re.I)


class _Builder:
    def __init__(self, text: str, kind: str, cons: Sequence[ConSpan], to_original: ToOriginal) -> None:
        self.text = text
        self.exclusion = kind == "exclusion"
        self.cons = sorted(cons, key=lambda c: (c.start, c.end))
        self.to_original = to_original
        self.keep_text = not self.cons  # plain text pieces decide only where nothing else does
        self.nested = 0  # > 0 inside a guard, an exception or a definition: bounds there are joined by all
        self._depth: Optional[List[int]] = None
        self._hits: Optional[List[Tuple[int, int, _Cue]]] = None

    @property
    def depth(self) -> List[int]:
        """Bracket depth at each offset, computed on first use (most criteria never need it)."""
        if self._depth is None:
            self._depth = self._depths(self.text)
        return self._depth

    @staticmethod
    def _depths(text: str) -> List[int]:
        if "(" not in text and "[" not in text:
            return [0] * (len(text) + 1)
        out, d = [], 0
        for ch in text:
            if ch in ")]":
                d = max(0, d - 1)
            out.append(d)
            if ch in "([":
                d += 1
        return out

    # -- helpers ------------------------------------------------------------------
    def trim(self, a: int, b: int) -> Tuple[int, int]:
        t = self.text
        while a < b and t[a] in _TRIM:
            a += 1
        while b > a and t[b - 1] in _TRIM:
            b -= 1
        while a < b and t[a] in "([" and self._close(a) == b - 1:  # a region wholly in brackets
            a, b = a + 1, b - 1
        return a, b

    def _close(self, i: int) -> int:
        """Index of the bracket closing the one at i (or -1)."""
        return closing_bracket(self.text, i, "([", ")]")

    def inside(self, a: int, b: int, skip: Sequence[Tuple[int, int]] = ()) -> List[ConSpan]:
        return [c for c in self.cons if a <= c.start and c.end <= b and not any(s <= c.start < e for s, e in skip)]

    def in_constraint(self, i: int) -> bool:
        return any(c.start <= i < c.end for c in self.cons)

    def _free_permissions(self) -> None:
        """A permission cue among a constraint's subject words, before its number ("Palliative radiotherapy allowed
        if completed at least 2 weeks prior": the constraint reads from its subject) is the sentence's: the
        constraint starts after it, in the permission's condition, never a requirement beside it."""
        for s, e, cue in self._cue_hits():
            if cue.type == "permission" and any(c.start <= s < c.end for c in self.cons):
                e += len(self.text[e:e + 10]) - len(self.text[e:e + 10].lstrip())
                self.cons = [replace(c, start=e) if c.start <= s < c.end and not _DIGIT.search(self.text, c.start, s)
                             else c for c in self.cons]

    def _cue_hits(self) -> List[Tuple[int, int, _Cue]]:
        """Every cue match in the text, leftmost-longest by the order of the cue file (computed once)."""
        if self._hits is None:
            self._hits = cue_hits(self.text)
            if not self.exclusion:
                self._hits = [h for h in self._hits if h[2].id not in _EXCLUSION_ONLY]
        return self._hits

    def find(self, kinds: Sequence[str], a: int, b: int, at_start: bool = False) -> Optional[Tuple[_Cue, int, int]]:
        """The first cue of these kinds inside [a, b) at the region's own bracket depth (or at a only)."""
        base = self.depth[a] if a < len(self.depth) else 0
        for s, e, cue in self._cue_hits():
            if s < a:
                continue
            if s >= b or (at_start and s != a):
                return None
            if cue.type in kinds and e <= b and self.depth[s] == base and not self.in_constraint(s):
                return cue, s, e
        return None

    def piece(self, a: int, b: int) -> Optional[Expr]:
        a, b = self.trim(a, b)
        if a >= b:
            return None
        s, e = self.to_original(a, b)
        return {"text": self.text[a:b], "start": s, "end": e}

    # -- regions ------------------------------------------------------------------
    def build(self) -> Optional[Expr]:
        a, b = self.trim(0, len(self.text))
        self._free_permissions()
        if not self._cue_hits() and (not self.cons or not (_STRUCTURE.search(self.text, a, b) or self._two_sexes(a, b)
                                                            or self._or_after_bound())):
            return self.leaf(a, b, self.keep_text)  # the common case: nothing but the constraints' own words
        node = self.sentences(a, b)
        if node is None and self.cons:  # nothing structural held them: the constraints as written
            node = self.leaf(a, b, keep=False)
        return node

    def _or_after_bound(self) -> bool:
        """Cheap test before `alternatives`: a lowercase 'or' straight after a bound ('< 10 g/dL or transfusion
        dependent')."""
        return any(_OR_AFTER.match(self.text, c.end) for c in self.cons)

    def _two_sexes(self, a: int, b: int) -> bool:
        """Cheap test before `sex_groups`: groups of both sexes are named."""
        found = {m.group("f") is None for m in _sex_group_regex().finditer(self.text, a, b)}
        return len(found) == 2

    def sentences(self, a: int, b: int) -> Optional[Expr]:
        base = self.depth[a] if a < b else 0
        cuts = sorted({m.start() + a for m in _SENTENCE.finditer(self.text[a:b]) if self.depth[a + m.start()] == base}
                      | set(self._sublabel_cuts(a, b, base)))
        nodes: List[Tuple[str, Expr]] = []  # (joiner before it, node)
        first: Optional[int] = None  # start of the first sentence
        for sa, sb in zip([a] + [c + 1 for c in cuts], cuts + [b]):
            sa, sb = self.trim(sa, sb)
            if sa >= sb:
                continue
            if first is None:
                first = sa
                nodes = self._add(nodes, "default", self.clause(sa, sb, self.keep_text))
                continue
            joiner = "any" if re.match(r"or\b", self.text[sa:sb], re.I) else "default"
            if joiner == "any":
                sa, sb = self.trim(sa + 2, sb)
            exc = self.find(("exception",), sa, sb, at_start=True)
            if exc is not None:  # "... . Except for X."
                nodes = self._carve(nodes, first, sa, self.part(exc[2], sb))
                continue
            defined = self.find(("definition",), sa, sb)
            perm = self.find(("permission",), sa, defined[1]) if defined is not None else None
            if defined is not None and perm is None and defined[1] > sa and self.inside(defined[2], sb) \
                    and not self.inside(first, defined[1]):  # "Has X. X is defined as <bounds>."
                body = self.part(defined[2], sb)
                term = self.piece(first, sa)
                if term is not None and body is not None and not isinstance(body, _Permission):
                    nodes = [("default", self.defined(first, sa, body))]
                    continue
            got = self.clause(sa, sb, self.keep_text)
            if isinstance(got, _Permission):  # "Subjects with X are allowed if Y."
                if got.cue not in _BOUND_PERMISSIONS or constraint_ids(got.expr):
                    nodes = self._carve(nodes, first, sa, got.expr)
                continue
            nodes = self._add(nodes, joiner, got)
        return self._join(nodes)

    def _sublabel_cuts(self, a: int, b: int, base: int) -> List[int]:
        """The space before each inline sub-heading of a PDQ-style record ("No arrhythmias unless medically
        controlled Pulmonary: FEV1 at least 50% predicted") and before each "No" item run on after the one before it
        ("No myocardial infarction within the past 6 months No arrhythmias unless medically controlled"): each starts
        a new sentence, so an exception or a guard never reaches across it."""
        out = [m.start() for rx in (_RUN_ON_NO, _RUN_ON_NOTE) for m in rx.finditer(self.text, a, b)
               if self.depth[m.start()] == base]
        if ":" in self.text[a:b]:
            from .segment.patterns import SUBLABEL

            out += [m.start() - 1 for m in SUBLABEL.finditer(self.text, a, b)
                    if m.start() > a and self.text[m.start() - 1].isspace() and self.depth[m.start()] == base]
        return out

    def _add(self, nodes: List[Tuple[str, Expr]], joiner: str, got: Any) -> List[Tuple[str, Expr]]:
        if isinstance(got, _Permission):
            got = self._excluded_unless(got) if self.exclusion else self._permission_alone(got)
        return nodes + [(joiner, got)] if got is not None else nodes

    def _carve(self, nodes: List[Tuple[str, Expr]], first: int, upto: int, branch: Any) -> List[Tuple[str, Expr]]:
        """The sentences so far as a rule with `branch` as its exception."""
        if branch is None or isinstance(branch, _Permission):
            return nodes
        prev = self._join(nodes) or self.piece(first, upto)
        return [("default", {"rule": prev, "unless": [branch]})] if prev is not None else nodes

    def _permission_alone(self, perm: _Permission) -> Optional[Expr]:
        """'X are eligible if Y' as an inclusion of its own: where X holds, Y must. 'X may be enrolled
        (with Y)' names no condition: X (and Y) let a patient in, and whether anyone else is let in is
        the sentence itself ("Children above 4 years may participate" may or may not mean the others may
        not): an `any` of the two, never X as a requirement, never met for the others by default."""
        if perm.whole is not None:
            if not constraint_ids(perm.who):
                return perm.whole
            return _any([perm.expr, perm.whole])
        if perm.who is None or perm.cond is None:
            return perm.expr
        return {"when": perm.who, "then": perm.cond}

    def _turn(self, a: int, b: int) -> Optional[Tuple[int, int]]:
        """The last ', although / though / however / but' (or 'although' / 'though') in [a, b) at the
        region's depth and outside the constraints: a rule before it, a permission after it."""
        base = self.depth[a]
        found = None
        for m in _TURN.finditer(self.text, a, b):
            if m.start() > a and self.depth[m.start()] == base and not self.in_constraint(m.end() - 1):
                found = (m.start(), m.end())
        return found

    def _excluded_unless(self, perm: _Permission) -> Optional[Expr]:
        """'X may be included provided that Y' as an exclusion of its own: X excludes unless Y. With no
        condition ('X may be enrolled') it excludes nobody: no expression (the text decides, unevaluable). Said of
        anyone ('Subjects are eligible only if Y') it excludes where Y fails."""
        if perm.cond is None and perm.cue in _BOUND_PERMISSIONS and perm.said is not None and constraint_ids(perm.who):
            return {"rule": perm.said, "unless": [perm.who]}  # "Biopsies or FNAs greater than 2 cm from the nipple are
            # acceptable" (NCT00006421): the bound lets them in; alone it was the exclusion's own bound
        if perm.cond is None or (perm.who is None and perm.cue in _BARE_PERMISSIONS):
            return None
        if perm.said is not None and self._time_since(constraint_ids(perm.who)):
            # "Myocardial infarction more than 6 months prior to study entry is permitted if there is no evidence of
            # active CAD": X's bound is what is let in, so X's words are the rule (the text decides) and X with Y the
            # exception; read as "rule X unless Y" the old infarction excluded and the recent one did not (NCT00490685)
            return {"rule": perm.said, "unless": [perm.expr]}
        return {"rule": perm.who, "unless": [perm.cond]} if perm.who is not None else {"not": perm.cond}

    def _time_since(self, ids: Sequence[str]) -> bool:
        """Whether the constraints `ids` are all times of an event other than an age ("more than 6 months prior"):
        a bound that names which of the events is let in, not a group of patients ("Patients over 70 years")."""
        found = [c for c in self.cons if c.id in ids]
        return bool(found) and len(found) == len(ids) and all(
            c.bound is not None and c.bound[2] in TIME_UNITS and c.subject != "age" for c in found)

    def who(self, a: int, b: int) -> Optional[Expr]:
        """The patients a permission lets in: their bounds, with the words where they say more than the
        bounds do ("Patients > 55 years WHO have ... and NO comorbidities"), so that a carve-out is never
        wider than its text."""
        return self.with_words(a, b, self.leaf(a, b, True))

    def with_words(self, a: int, b: int, x: Any) -> Any:
        """Bounds `x` read from [a, b), with the text of [a, b) where its words outside the bounds say more
        ("who", "with", "treated", "no" ...): a carve-out (an exception, a permission) is never wider than
        its text ("... or stage I or II cancer in complete remission" is not any stage I or II)."""
        cons = self.inside(a, b)
        if not cons or not _plain_bounds(x):
            return x
        spare = "".join(" " if any(c.start <= i < c.end for c in cons) else ch
                        for i, ch in enumerate(self.text[a:b], start=a))
        if _GUARD_WORDS.search(spare) or re.search(r"\bno\b", spare, re.I):
            return _all([x, self.piece(a, b)])
        return x

    def _join(self, nodes: List[Tuple[str, Expr]]) -> Optional[Expr]:
        if not nodes:
            return None
        groups: List[List[Expr]] = [[]]
        for joiner, n in nodes:
            if joiner == "any" and groups[-1]:
                groups.append([])
            groups[-1].append(n)
        combine = _any if self.exclusion else _all
        return _any([combine(g) for g in groups])

    def clause(self, a: int, b: int, keep: bool) -> Any:
        """One sentence or part of one: Expr, _Permission or None."""
        a, b = self.trim(a, b)
        if a >= b:
            return None
        lead = self.find(("condition",), a, b)
        if lead is not None and (lead[1] == a or (lead[0].id in _NOUN_GUARDS and self._short(a, lead[1]))):
            got = self.leading_condition(lead, a, b, keep)
            if got is not None:
                return got
        stated = self.statement(a, b)
        if stated is not None:
            return stated
        defined = self.find(("definition",), a, b)
        if defined is not None and self.find(("permission",), a, defined[1]) is not None:
            defined = None  # "X may participate provided they are stable, i.e. without ...": the permission's condition
        if defined is not None and defined[1] > a and self.inside(defined[2], b) and not self.inside(a, defined[1]):
            body = self.part(defined[2], b)
            if body is not None and not isinstance(body, _Permission):
                return self.defined(a, defined[1], body)
        groups = self.sex_groups(a, b)
        if groups is not None:
            return groups
        parts = self.alternatives(a, b)
        if len(parts) > 1:
            got = [_plain(self.clause(pa, pb, True)) for pa, pb in parts]  # an arm in words is kept as text
            if not self.exclusion and not self.nested and all(isinstance(g, dict) and "when" in g for g in got):
                return _all(got)  # "X if A, or Y if B": each case's own requirement, where its guard holds
            return _any(got)
        excs = self.find_all(("exception",), a, b)
        if excs and excs[0][1] > a:
            return self.exceptions(a, b, excs, keep)
        perm = self.find(("permission",), a, b)
        if perm is not None and perm[0].id in _TELEGRAPHIC_PERMISSIONS and _RUN_ON.search(self.text, a, perm[1]):
            perm = None  # "... no more than four regimens Pancytopenia related to multiple myeloma allowed": the
            # permission is the last run-on item's, not the whole criterion's
        if perm is not None and perm[1] > a:
            turn = self._turn(a, perm[1])
            if turn is not None:  # "Any X (...), although patients with Y may be enrolled"
                rule = self.clause(a, turn[0], keep)
                got = self.clause(turn[1], b, keep)
                if isinstance(rule, _Permission) or not isinstance(got, _Permission):
                    return self.leaf(a, b, keep)
                if rule is None:
                    return got
                return {"rule": rule, "unless": [got.expr]} if got.expr is not None else rule
            y0 = self.trim(perm[2], b)[0]
            lead = self.find(("condition",), y0, b, at_start=True) if y0 < b else None
            if lead is not None and lead[0].id in _TRAILING_GUARDS:  # "may be included in the study provided that Y"
                y0 = lead[2]
            said_of_anyone = perm[0].id not in _BARE_PERMISSIONS and anyone(self.text[a:perm[1]])
            x = None if said_of_anyone else self.who(a, perm[1])  # "Patients are eligible if Y": Y
            y = self.part(y0, b)
            if isinstance(y, _Permission):
                y = self.leaf(perm[2], b, True)
            return _Permission(x, y, self.piece(a, b) if perm[0].id in _BARE_PERMISSIONS else None, perm[0].id,
                               self.piece(a, perm[1]))
        cond = self.find(("condition",), a, b)
        if cond is not None and cond[0].id in _NEGATED_CLAUSE_GUARDS and not _NEGATED_START.match(self.text, a):
            cond = None
        if cond is not None and cond[1] > a and cond[0].id in _TRAILING_GUARDS:
            guard = self.part(cond[2], b)
            then = self.clause(a, cond[1], keep or bool(self.inside(cond[2], b)))
            if isinstance(then, _Permission) or isinstance(guard, _Permission):
                return self.leaf(a, b, keep)
            if then is None and guard is not None and self.inside(cond[2], b) and not self._says_status(a, cond[1]):
                then = self.clause(a, cond[1], True)  # "(consent of parent or guardian needed if under 18)": the
                # guarded words are the requirement, kept as text, so the guard's bound never stands alone
            if then is None:
                return None
            return {"when": guard, "then": then} if guard is not None else then
        return self.parens(a, b, keep)

    def sex_groups(self, a: int, b: int) -> Optional[Expr]:
        """Bounds of their own for each sex: "Women 35 to < 68 years and men 35 to < 63 years" (each group
        before its bounds; an age's span may start at its group word) or "QTc > 450 ms for men and > 470 ms
        for women" (each after them, with "for"): an `any` of branches, each guarded by its group, never the
        bounds of both and-ed (nobody would qualify). None where the region is not such a list (one group, a
        group without bounds of its own: "Male or female, aged 18-65"; words between a group's bounds and
        the next group other than joiners and age words)."""
        base = self.depth[a]
        hits = [m for m in _sex_group_regex().finditer(self.text, a, b) if self.depth[m.start()] == base
                and (not self.in_constraint(m.start()) or any(c.start == m.start() for c in self.cons))]
        if len(hits) < 2 or len({m.group("f") is None for m in hits}) < 2:
            return None
        fors = [_FOR_GROUP.search(self.text, max(a, m.start() - 12), m.start()) for m in hits]
        if all(fors):  # "> 450 ms for men and > 470 ms for women": the bounds end before each "for"
            starts = [a] + [m.end() for m in hits[:-1]]
            groups = [(m, _last_run([c for c in self.cons if s < c.end <= f.start()]), s)  # type: ignore[union-attr]
                      for m, s, f in zip(hits, starts, fors)]
        elif not any(fors) and not [c for c in self.cons if a <= c.start < hits[0].start()]:
            ends = [h.start() for h in hits[1:]] + [b]
            groups = [(m, [c for c in self.cons if m.start() <= c.start < e], e) for m, e in zip(hits, ends)]
        else:
            return None
        branches: List[Expr] = []
        for i, (m, cons, edge) in enumerate(groups):
            if not cons:
                return None
            if all(fors):  # from the group before to these bounds
                gap = self.text[edge:min(c.start for c in cons)] if i else ""
            else:  # from these bounds to the next group
                gap = self.text[max(c.end for c in cons):edge] if i < len(groups) - 1 else ""
            if not _GROUP_GAP.fullmatch(gap):
                return None
            self.nested += 1
            try:
                then = self.combine(cons)
            finally:
                self.nested -= 1
            when = self.piece(m.start(), m.end())
            if then is None or when is None:
                return None
            branches.append({"when": when, "then": then})
        return _any(branches)

    def exceptions(self, a: int, b: int, excs: List[Tuple[_Cue, int, int]], keep: bool) -> Any:
        """'R, except X, unless Y': R with the exceptions X and Y (siblings)."""
        ends = [e[1] for e in excs[1:]] + [b]
        branches = [self.with_words(e[2], end, self.part(e[2], end)) for e, end in zip(excs, ends)]
        # "except X or Y are not exclusionary": the permission restates the exception, X and Y are its branch
        branches = [x.expr if isinstance(x, _Permission) and x.cue in _BOUND_PERMISSIONS else x for x in branches]
        if any(isinstance(x, _Permission) for x in branches):
            return self.leaf(a, b, keep)
        branches = [x for x in branches if x is not None]
        rule = self.clause(a, excs[0][1], keep or any(self.inside(e[2], b) for e in excs))
        if isinstance(rule, _Permission):
            return self.leaf(a, b, keep)
        if rule is None:
            return None
        return {"rule": rule, "unless": branches} if branches else rule

    def find_all(self, kinds: Sequence[str], a: int, b: int) -> List[Tuple[_Cue, int, int]]:
        """Cues of these kinds at the region's own depth, in text order, not overlapping."""
        out: List[Tuple[_Cue, int, int]] = []
        pos = a
        while pos < b:
            got = self.find(kinds, pos, b)
            if got is None:
                break
            if self.depth[got[1]] == self.depth[a]:
                out.append(got)
            pos = got[2]
        return out

    def part(self, a: int, b: int) -> Any:
        """A guard, an exception or a definition: its text is kept and its bounds are one condition
        (joined by all unless the words say 'or'), whatever the criterion's kind."""
        self.nested += 1
        try:
            return self.clause(a, b, True)
        finally:
            self.nested -= 1

    def statement(self, a: int, b: int) -> Optional[Expr]:
        """'Patients will be ineligible if C' (`critparse.statements`): C is the criterion's condition, turned
        round where the statement says the opposite of the section, and guarded by the patients it names
        unless they are anyone. Only at the top: inside an exception or a guard the branch says who is let in."""
        st = statement_at(self.text, a, b) if not self.nested else None
        if st is None or any(c.start < st.cond_start < c.end for c in self.cons):
            return None
        if st.positive and self.find(("permission",), st.verb_start, st.cond_start) is not None:
            return None  # "X may be enrolled if Y": a permission, carved out of the rule before it (`_add`)
        cond = self.part(st.cond_start, b)
        if cond is None or isinstance(cond, _Permission):
            return None
        if st.positive == self.exclusion:
            cond = {"not": cond}
        who = None if st.anyone else self.who(a, st.who_end)
        return {"when": who, "then": cond} if who is not None else cond

    def guard(self, s: int, g0: int, g1: int) -> Any:
        """The guard [g0, g1) after a cue [s, g0) ("For children < 7 years of age who ...,"): a constraint
        that starts inside the cue ("children < 7 years") selects the guard's patients, so it belongs to the
        guard, with the guard's words after it, never to the branch or the and-ed rest."""
        own = [c for c in self.cons if s <= c.start < g0 and g0 < c.end <= g1]
        if not own:
            return self.part(g0, g1)
        rest = max(c.end for c in own)
        self.nested += 1
        try:
            sel = self.combine(own)
        finally:
            self.nested -= 1
        if _GUARD_WORDS.search(self.text, rest, g1):
            more = _plain(self.part(rest, g1))
        elif _GUARD_WORDS.search(self.text, g0, rest):  # "for patients with brain tumors who are over 18 years"
            more = self.piece(g0, g1)
        else:
            more = None
        return _all([sel, more])

    def _short(self, a: int, b: int) -> bool:
        """A determiner or two before a noun-phrase guard ("A WOCBP must ...", "All women of ...")."""
        return len(self.text[a:b].split()) <= 2 and not self.inside(a, b)

    def leading_condition(self, cue: Tuple[_Cue, int, int], a: int, b: int, keep: bool = True) -> Optional[Expr]:
        """'If X, Y' / 'For patients aged >= 65: Y' / 'Women of childbearing potential must Y'. A guard and
        a branch that hold no constraint are plain text: kept only where text is kept."""
        c, s, e = cue
        if not keep and not self.inside(a, b):
            return None
        if c.id in _NOUN_GUARDS:
            g0, g1, t0 = s, e, e
        elif c.id in _LABEL_GUARDS:  # "Group B: ..." (a label closing a bracket is read by `bracket`)
            colon = re.match(r"\s*:", self.text[e:b])
            if colon is None:
                return None
            g0, g1, t0 = s, e, e + colon.end()
        else:
            base = self.depth[s]
            stop = next((i for i in range(e, b) if self.text[i] in ",:" and self.depth[i] == base
                         and not self.in_constraint(i)), None)
            if stop is None:
                return None
            g0, g1, t0 = e, stop, stop + 1
        guard = self.piece(g0, g1) if (g0, g1) == (s, e) else self.guard(s, g0, g1)
        then = self.clause(t0, b, True)
        if guard is None or then is None or isinstance(guard, _Permission):
            return None
        if isinstance(then, _Permission):
            then = then.expr if then.expr is not None else then.whole
        return {"when": guard, "then": then} if then is not None else None

    def alternatives(self, a: int, b: int) -> List[Tuple[int, int]]:
        """Split at a top-level 'or' with constraints on both sides ("ANC >= 1.5, or >= 1.0 if ..."), or at an 'OR'
        in capitals or before an item mark ("or (2) ...") with constraints on one side: the other side is an
        alternative in words ("CD4 count <= 200 cells/mm3 OR a history of prior PCP"), so the bound is no
        requirement of its own. (A lowercase 'or' before a group of people joins the people, not the clauses:
        "HIV seropositive man or women of at least 18 years of age", "No patients with X or patients having had Y".)"""
        base = self.depth[a]
        cuts = []
        for m in _or_words().finditer(self.text, a, b):
            s = m.start()
            if self.depth[s] != base or self.in_constraint(s):
                continue
            prev = cuts[-1][1] if cuts else a
            nxt = next((o.start() for o in _or_words().finditer(self.text, m.end(), b)
                        if self.depth[o.start()] == base), b)
            right_if = self.text[s - 2:s].strip() == "," and self.find(("condition",), m.end(), nxt) is not None
            arms = self._arm_bracket(prev, s) and self._arm_bracket(m.end(), nxt)  # "40% (Regimen 4) or 30% (Regimen 2)"
            if self._and_after(m, nxt):
                continue
            if arms or (self.inside(prev, s) and (self.inside(m.end(), nxt) or right_if)):
                cuts.append((s, m.end()))
            elif (m.group(0).isupper() or _ITEM_MARK.match(self.text, m.end())) \
                    and (self.inside(prev, s) or self.inside(m.end(), nxt)):
                cuts.append((s, m.end()))  # "Creatinine normal for age OR creatinine clearance at least 70 mL/min"
            elif self._text_arm_after(prev, m, nxt):
                cuts.append((s, m.end()))  # "serum creatinine > 1.1 mg/dL or doubling of serum creatinine"
        if not cuts:
            return [(a, b)]
        out, prev = [], a
        for s, e in cuts:
            out.append((prev, s))
            prev = e
        out.append((prev, b))
        return out

    def _text_arm_after(self, prev: int, m: "re.Match[str]", nxt: int) -> bool:
        """A lowercase 'or' straight after a bound, with words and no bound up to the next 'or' (or the end):
        an alternative in words ("serum creatinine > 1.1 mg/dL or doubling of serum creatinine", "Hb < 10 g/dL or
        transfusion dependent"). Never after a denied bound ("No MI within 6 months or unstable angina": the 'no'
        covers both) or inside an exception or a permission, after a bound ending on its subject (the 'or' joins
        nouns: "3 emergency room visits or hospitalizations") nor before a word that qualifies the bound
        (constraint_words.toml or_qualifier: "or equivalent", "or as defined by local law")."""
        left = self.inside(prev, m.start())
        if not left or self.inside(m.end(), nxt) or self.text[max(c.end for c in left):m.start()].strip(" \t,"):
            return False
        if _DENIAL_BEFORE.search(self.text, 0, min(c.start for c in left)) \
                or self.find(("exception", "permission"), prev, len(self.text)) is not None:
            return False  # a denial anywhere before ("No severe cardiac disease (e.g., MI within 6 months, or ...)");
            # an exception or a permission in or after the arms, which may scope over both ("X within 5 years or a
            # concurrent malignancy, with the exceptions of ...")
        last = max(left, key=lambda c: c.end)
        before = re.search(r"([\w-]+)\W*$", self.text[last.start:m.start()])
        if before and before.group(1).lower() in last.subject.lower().split():
            return False  # the bound ends on its subject, which the 'or' goes on: "28 days of prior foscarnet or
            # ganciclovir", "stage IV colon or rectal cancer"
        arm = _TEXT_ARM.match(self.text, m.end(), nxt)
        words = self.text[arm.start(1):nxt] if arm is not None else ""
        return arm is not None and not _or_qualifier().fullmatch(arm.group(1)) \
            and re.search(r"[A-Za-z]{3}", words) is not None and not re.search(r"\d", words)  # (a number: a bound
        # the reading missed, "for a minimum of 3 or a maximum of 6 months")

    def _and_after(self, m: "re.Match[str]", b: int) -> bool:
        """An 'and' at the 'or's bracket depth between it and the first constraint of the right arm (up to
        b): the 'or' is inside a phrase ('SA or mild-moderate asthma and followed ... for at least 6 months')
        unless it joins clauses whatever follows (`_clause_or`)."""
        right = self.inside(m.end(), b)
        if not right or _clause_or(self.text, m):
            return False
        first = min(c.start for c in right)
        return any(self.depth[a.start()] == self.depth[m.start()] and not self.in_constraint(a.start())
                   for a in _AND_PREDICATE.finditer(self.text, m.end(), first))

    def _arm_bracket(self, a: int, b: int) -> bool:
        """A bracket in [a, b), one level below a, that is a study arm's label."""
        if a >= b:
            return False
        base = self.depth[a]
        for s, e, cue in self._cue_hits():
            if a < s < b and cue.id in _LABEL_GUARDS and self.depth[s] == base + 1 \
                    and self.text[s - 1] in "([" and re.match(r"\s*[)\]]", self.text[e:b]):
                return True
        return False

    def defined(self, a: int, b: int, body: Expr) -> Expr:
        """A term and its definition; 'not (well) controlled (<definition of controlled>)' is its negation."""
        term = self.piece(a, b)
        if _NOT_CONTROLLED.search(self.text, a, b):
            body = {"not": body}
        return {"term": term, "definition": body} if term is not None else body

    def parens(self, a: int, b: int, keep: bool) -> Optional[Expr]:
        """Brackets holding an exception, a permission, a guard or a definition of the text before them."""
        base = self.depth[a]
        skip: List[Tuple[int, int]] = []
        unless: List[Expr] = []
        guards: List[Expr] = []
        also: List[Expr] = []
        definition: Optional[Tuple[int, Expr]] = None
        alternatives: List[Dict[str, Expr]] = []
        i = a
        while i < b:
            if self.text[i] in "([" and self.depth[i] == base:
                j = self._close(i)
                if j < 0 or j >= b:
                    break
                kind, expr = self.bracket(a, i, j)
                if kind is not None:
                    skip.append((i, j + 1))
                    if kind == "unless":
                        unless.append(expr)
                    elif kind == "alternative":
                        alternatives.append(expr)
                    elif kind == "when":
                        guards.append(expr)
                    elif kind == "also":
                        also.append(expr)
                    elif definition is None:
                        definition = (i, expr)
                i = j + 1
                continue
            i += 1
        outside = self.inside(a, b, skip)
        if definition is not None and (not outside or (_sex_branches(definition[1]) and {c.id for c in outside}
                                                       <= set(constraint_ids(definition[1])))):
            node: Optional[Expr] = self.defined(a, definition[0], definition[1])
        else:  # the rule of an exception or a guard is kept even as plain text
            node = self.leaf(a, b, keep or bool(unless or guards or also), skip)
        if node is None:
            return None
        for alt in alternatives:
            node = _replace(node, alt)
        for g in guards:
            node = {"when": g, "then": node}
        node = _all([node, *also]) if also else node
        return {"rule": node, "unless": unless} if unless else node

    def _span_of(self, piece: Expr) -> Tuple[int, int]:
        """The [a, b) of this text of a text piece (`piece`), or an empty span where it is no text piece."""
        text = piece.get("text") if isinstance(piece, dict) else None
        i = self.text.find(text) if text else -1
        return (i, i + len(text)) if i >= 0 else (0, 0)

    def _says_status(self, a: int, b: int) -> bool:
        """Whether [a, b) only says a verdict ("eligible", "not required", "the volunteer is eligible", "NOTE"):
        the words of a permission or an exception, not a requirement of their own."""
        return _STATUS_ONLY.fullmatch(" ".join(self.text[a:b].strip(_TRIM + " :").lower().split())) is not None

    def bracket(self, a: int, i: int, j: int) -> Tuple[Optional[str], Optional[Expr]]:
        """What the bracket (i, j) does to the region starting at a: unless | alternative | when | also (a
        guarded requirement of its own) | definition | None."""
        s, e = self.trim(i + 1, j)
        if s >= e:
            return None, None
        exc = self.find(("exception",), s, e, at_start=True)
        if exc is not None:
            branch = self.with_words(exc[2], e, self.part(exc[2], e))
            if branch is not None and not isinstance(branch, _Permission):
                return "unless", branch
        opening = self.find(("permission",), s, e, at_start=True)
        if opening is not None and opening[0].id in _TELEGRAPHIC_PERMISSIONS and self.trim(opening[2], e)[0] < e:
            branch = self.part(opening[2], e)  # "Hormone therapy (allowed if stable for more than 6 months)": the
            if branch is not None and not isinstance(branch, _Permission):  # thing before is let in where it holds
                return "unless", branch  # (it was read as the definition: stable users were the excluded ones)
        got = self.part(s, e)
        if isinstance(got, _Permission):
            return "unless", got.expr
        alt = self.alternative(a, i, s, e)
        if alt is not None:
            return "alternative", alt
        cond = self.find(("condition",), s, e, at_start=True)
        if cond is not None and cond[0].id in _LABEL_GUARDS:
            return ("when", self.piece(s, e)) if self.trim(cond[2], e)[0] >= e else (None, None)
        if cond is not None and got is not None and "when" not in got:
            guard = self.guard(cond[1], cond[2], e)
            if guard is not None and not isinstance(guard, _Permission):
                return "when", guard
        if isinstance(got, dict) and "when" in got and constraint_ids(got["when"]) and not constraint_ids(got["then"]) \
                and not self._says_status(*self._span_of(got["then"])):
            return "also", got  # "(consent of parent or guardian needed if under 18)": a guarded requirement of its own
        defined = self.find(("definition",), s, e, at_start=True)
        if defined is not None and self.inside(s, e):
            body = self.part(defined[2], e)
            if body is not None and not isinstance(body, _Permission):
                return "definition", body
        if self.inside(s, e) and not self.inside(a, i) and self.text[a:i].strip(_TRIM):
            if got is not None and not isinstance(got, _Permission) and (_plain_bounds(got) or _sex_branches(got)):
                return "definition", got  # "uncontrolled hypertension (SBP >= 160 or DBP >= 100)"
        return None, None

    def alternative(self, a: int, i: int, s: int, e: int) -> Optional[Dict[str, Optional[Expr]]]:
        """A bracket [s, e) that opens with bounds of subjects bound just before it, then a guard: "AST <= 2.5
        x ULN (<= 5 x ULN for patients with liver metastases)". The bounds of each subject before it (one
        bound, or a range) become `any` of themselves and the guarded bracket bounds where the bracket
        widens what they admit, `all` of them where it narrows it ("ALT <= 2 x ULN (<= 1.5 x ULN if ...)",
        an exclusion's "> 2.5 x ULN (> 5 x ULN if ...)"). Returns {constraint id -> its replacement, or
        None to drop it}, or None."""
        inner = self.inside(s, e)
        if not inner or re.sub(r"^\s*(?:or|and/or)\b", "", self.text[s:inner[0].start]).strip(_TRIM):
            return None
        for r0 in sorted({c.end for c in inner}):  # the guard opens right after the first bounds
            m = _alternative_guard().match(self.text, self.trim(r0, e)[0], e)
            if m is not None:
                break
        if m is None or self.trim(m.end(), e)[0] >= e:
            return None
        own = [c for c in inner if c.start < r0]
        last = {c.subject: c for c in self.inside(a, i)}  # the last bound of each subject before it
        subjects = {c.subject for c in own}
        if not subjects <= set(last) or any(c.subject in subjects for c in self.inside(m.end(), e)):
            return None  # "(... 50-499 in patients receiving X, and >= 500 in patients receiving Y)": cases
        guard = self.part(m.end(), e) if self.inside(m.end(), e) else self.piece(m.end(), e)
        if guard is None or isinstance(guard, _Permission):
            return None
        out: Dict[str, Optional[Expr]] = {}
        for x in subjects:
            group = [c for c in self.inside(a, i) if (c.start, c.end) == (last[x].start, last[x].end)
                     and c.subject == x]  # its bound, or both bounds of its range
            alt = [c for c in own if c.subject == x]
            join = _any if _widens(group, alt) else _all
            out[group[0].id] = join([_all([{"constraint": c.id} for c in group]),
                                     {"when": _plain(guard), "then": _all([{"constraint": c.id} for c in alt])}])
            out.update({c.id: None for c in group[1:]})
        return out

    # -- constraints --------------------------------------------------------------
    def leaf(self, a: int, b: int, keep: bool, skip: Sequence[Tuple[int, int]] = ()) -> Optional[Expr]:
        cons = self.inside(a, b, skip)
        if not cons:
            if not keep:
                return None
            end = min([s for s, _ in skip if s > a] + [b])
            return self.piece(a, end) or self.piece(a, b)
        return self.combine(cons)

    def combine(self, cons: List[ConSpan]) -> Optional[Expr]:
        """Constraints by the words between them: 'or' makes alternatives; otherwise an inclusion needs
        all, while each bound of an exclusion is a reason of its own (two bounds of one subject, or an
        explicit 'and', stay together); bounds of one span (a range) and `any_of` keys group first."""
        clusters: List[List[ConSpan]] = []
        for c in cons:
            if clusters and (clusters[-1][0].start, clusters[-1][0].end) == (c.start, c.end):
                clusters[-1].append(c)
            else:
                clusters.append([c])
        chunks: List[List[Expr]] = [[]]
        prev: Optional[List[ConSpan]] = None
        for cl in clusters:
            if prev is not None:
                gap = self._gap(prev[0], cl[0])
                if self._joined_by_or(gap):
                    chunks.append([])
                elif self.exclusion and not self.nested and prev[0].subject != cl[0].subject \
                        and not _AND.search(gap):
                    chunks.append([])
            chunks[-1].append(self.cluster(cl))
            prev = cl
        return _any([_all(ch) for ch in chunks if ch])

    @staticmethod
    def _joined_by_or(gap: str) -> bool:
        """An 'or' joins the two constraints unless an 'and' opening a predicate follows it in the gap: then
        the 'or' is inside a phrase and the 'and' joins ('18 and older with SA or mild-moderate asthma and
        followed ... for at least 6 months')."""
        ors = list(_or_words().finditer(gap))
        return bool(ors) and (_clause_or(gap, ors[-1]) or not _AND_PREDICATE.search(gap, ors[-1].end()))

    def _gap(self, prev: ConSpan, nxt: ConSpan) -> str:
        """The words joining two constraints. A span that reaches back over the one before it ('Age below 18
        years' then 'Age below 18 years or above 80 years') is joined by its own words past that one."""
        if prev.end <= nxt.start:
            return self.text[prev.end:nxt.start]
        if nxt.start <= prev.start and nxt.end > prev.end:
            own = self.text[prev.end:nxt.end]
            return own if _LEADING_OR.match(own) else ""
        return ""

    def cluster(self, cl: List[ConSpan]) -> Optional[Expr]:
        groups: Dict[str, List[Expr]] = {}
        for c in cl:
            key = f"any_of:{c.any_of}" if c.any_of else f"subject:{c.subject}"
            groups.setdefault(key, []).append({"constraint": c.id})
        parts = [_any(v) if k.startswith("any_of:") else _all(v) for k, v in groups.items()]
        return _any(parts) if self.exclusion and not self.nested else _all(parts)


def bound_of(c: Any) -> Optional[Tuple[str, float, Optional[str]]]:
    """(op, value, unit or ULN/LLN) of a constraint with one numeric bound, for `ConSpan.bound`."""
    return bound_key(getattr(c, "op", None), getattr(c, "value", None), getattr(c, "unit", None),
                     getattr(c, "relative_to", None))


def bound_key(op: Any, value: Any, unit: Optional[str], relative_to: Optional[str]) -> Optional[Tuple[str, float, Optional[str]]]:
    """`bound_of` from the constraint's fields."""
    if op not in ("<", "<=", ">", ">=") or not isinstance(value, (int, float)):
        return None
    return op, float(value), relative_to or unit


def _widens(group: Sequence[ConSpan], bracket: Sequence[ConSpan]) -> bool:
    """Whether the bracket's bounds admit values the group's bounds do not: one of the group's bounds has no
    bracket bound of its direction, or a looser one. True where they cannot be compared (no numeric bound,
    another unit): such a bracket is nearly always a way in for its patients."""
    for g in group:
        if g.bound is None:
            return True
        op, value, unit = g.bound
        same = [c.bound for c in bracket if c.bound is not None and c.bound[0][0] == op[0] and c.bound[2] == unit]
        if not same or (same[0][1] > value if op[0] == "<" else same[0][1] < value):
            return True
    return False


def _replace(e: Any, alt: Dict[str, Optional[Expr]]) -> Any:
    """`e` with each {"constraint": ID} named in `alt` replaced by its alternative expression (or dropped
    from its `all` / `any` where that is None)."""
    if isinstance(e, dict):
        if "constraint" in e:
            return alt.get(e["constraint"], e)
        out = {k: _replace(v, alt) for k, v in e.items()}
        for k in ("all", "any"):
            if k in out:
                kids = [x for x in out[k] if x is not None]
                return None if not kids else kids[0] if len(kids) == 1 else {k: kids}
        return out
    if isinstance(e, list):
        return [_replace(x, alt) for x in e]
    return e


def criterion_expression(text: str, kind: str, cons: Sequence[ConSpan],
                         to_original: Optional[ToOriginal] = None) -> Optional[Expr]:
    """The expression of one criterion from its text and its constraints' spans (offsets local to `text`);
    `to_original` maps a local (start, end) to offsets in the original input (identity by default).
    None for an empty text. Registry text repeats a lot: the reading of one (text, kind, spans) is cached
    with placeholders, then filled with this criterion's constraint ids and offsets."""
    key = tuple((c.start, c.end, c.subject, c.any_of, c.bound) for c in cons)
    return keyed_expression(text, kind, key, [c.id for c in cons], to_original)


def keyed_expression(text: str, kind: str, key: Tuple[Tuple[Any, ...], ...], ids: List[str],
                     to_original: Optional[ToOriginal] = None) -> Optional[Expr]:
    """`criterion_expression` from its spans as (start, end, subject, any_of, bound) tuples and their ids
    (the parser keeps these tuples with its cached rows: no ConSpan per call)."""
    if not text.strip():
        return None
    return _fill(_template(text, kind, key), ids, to_original or (lambda s, e: (s, e)))


#: distinct (text, kind, constraint spans) readings kept
TEMPLATE_CACHE_SIZE = 50_000


@lru_cache(maxsize=TEMPLATE_CACHE_SIZE)
def _template(text: str, kind: str, key: Tuple[Tuple[Any, ...], ...]) -> Optional[Expr]:
    """The expression with constraint ids "0", "1", ... (their index) and local offsets."""
    cons = [ConSpan(str(i), *k) for i, k in enumerate(key)]
    b = _Builder(text, kind, merge_any_of(cons), lambda s, e: (s, e))
    expr = _plain(b.build())
    kept = set(constraint_ids(expr))
    lost = [c for c in b.cons if c.id not in kept]
    if lost:  # a constraint the clause reading left out still counts, joined as the kind joins reasons
        extra = b.combine(lost)
        expr = (_any if b.exclusion else _all)([expr, extra])
    return expr


def _fill(e: Any, ids: List[str], to_original: ToOriginal) -> Any:
    if isinstance(e, list):
        return [_fill(x, ids, to_original) for x in e]
    if not isinstance(e, dict):
        return e
    if "constraint" in e:
        return {"constraint": ids[int(e["constraint"])]}
    if "text" in e:
        s, t = to_original(e["start"], e["end"])
        return {"text": e["text"], "start": s, "end": t}
    return {k: _fill(v, ids, to_original) for k, v in e.items()}


def merge_any_of(cons: Sequence[ConSpan]) -> List[ConSpan]:
    """Constraints sharing an `any_of` key placed on one span, so that they cluster as alternatives."""
    first: Dict[str, ConSpan] = {}
    out = []
    for c in cons:
        if c.any_of and c.any_of in first:
            f = first[c.any_of]
            out.append(ConSpan(c.id, f.start, f.end, c.subject, c.any_of, c.bound))
        else:
            if c.any_of:
                first[c.any_of] = c
            out.append(c)
    return out


def constraint_ids(expr: Optional[Expr]) -> List[str]:
    """Ids of the constraints an expression refers to, in order."""
    out: List[str] = []

    def walk(e: Any) -> None:
        if isinstance(e, dict):
            if "constraint" in e:
                out.append(e["constraint"])
            for k, v in e.items():
                if k != "constraint":
                    walk(v)
        elif isinstance(e, list):
            for v in e:
                walk(v)

    walk(expr)
    return out
