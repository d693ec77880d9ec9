"""Negation of constraints without a spaCy Doc: medspaCy ConText's algorithm on character offsets.

Fast mode needs one flag per constraint, ``negated``, which the spaCy pipeline
gets from medspaCy ConText (rules ``resources/context_rules.json``) and
`critparse.pipeline.components.mark_negated`.  This module computes the same
flag from the text alone, with the same rules read from the same data file:

* every rule literal (and the token ``pattern`` rule) becomes part of one
  regex (matched against the lower-cased text) at word starts, not after a
  hyphen that begins a chunk (``-No``); a match must end at a word boundary,
  not before ``-`` or ``.`` and a digit (``NO-3``, ``No.101``), as ConText's
  phrase matcher matches whole tokens; all matches at a start count, the
  shorter ones too (medspaCy's pruning depends on them); the words of a
  phrase are apart by exactly one space (spaCy makes a newline or a second
  space a token of its own, which breaks a phrase).  ``cannot`` is
  two tokens for spaCy (``can`` ``not``), so ``not`` matches inside it and
  ``cannot be`` matches ``can not be``.  The ``,`` and ``;`` TERMINATE rules
  match those characters unless they sit between two digits (``1,000`` is one
  token);
* overlapping matches are pruned as medspaCy does (the longer in tokens wins);
* clauses end after ``;`` ``.`` ``!`` ``?`` where the tokenizer makes them a
  token of their own (the ``critparse_clauses`` component): ``.`` after a
  lower-case letter, a digit, a closing bracket or quote or two capitals,
  followed by a space, a closing bracket or the end, and not the end of a
  tokenizer exception such as ``e.g.``;
* scopes: FORWARD from the trigger to the clause end, BACKWARD from the clause
  start to the trigger, limited by TERMINATE matches and by the next/previous
  trigger of the same category (ConText's ``limit_scope``, pair by pair in
  match order);
* `mark_negated`: a constraint is negated when its subject span
  (``subject_start``/``subject_end``) overlaps the scope of a NEGATED_EXISTENCE
  trigger that is not inside the constraint's own text ("not exceeding").

Scopes are kept on token starts, so ConText's token-index comparisons hold.
Over the legacy-XML corpus (``tools/fast_snapshot.py``) the ``negated`` flag
agrees with the ConText path on all 54,476 constraints, and the negation
scopes on all criterion bodies checked (``--scopes``); what remains possible
are tokenization corner cases this module does not model (a ``.`` glued to a
word that the tokenizer keeps whole, unusual hyphenation).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import regexguard
from .brackets import closing_bracket

NEGATION_CATEGORY = "NEGATED_EXISTENCE"

# a modifier: [start, end, category, direction, n_tokens, scope_start, scope_end] (scope on token starts)
_Mod = List[Any]


@lru_cache(maxsize=1)
def _tokenizer_exceptions() -> Dict[str, List[str]]:
    """spaCy's English tokenizer exceptions: chunk -> its tokens ("cannot" -> can, not; "and/or" -> and/or)."""
    from spacy.lang.en import English
    from spacy.symbols import ORTH

    return {k: [t[ORTH] for t in v] for k, v in English.Defaults.tokenizer_exceptions.items()}


def _literal_tokens(literal: str) -> List[str]:
    """The tokens spaCy's tokenizer makes of a rule literal (``and/or`` is one, ``cannot`` two)."""
    exc = _tokenizer_exceptions()
    out: List[str] = []
    for chunk in literal.lower().split():
        if chunk in exc:
            out.extend(t.lower() for t in exc[chunk])
        else:
            out.extend(re.findall(r"\w+|[^\w\s]", chunk))
    return out


def _key(s: str) -> str:
    return " ".join(_literal_tokens(s))


def _token_regex(tokens: Sequence[str]) -> List[str]:
    """Regex atoms for a token sequence: words apart by one space, punctuation glued; ``can not`` also ``cannot``."""
    atoms: List[str] = []
    prev = None
    for tok in tokens:
        if prev is not None:
            if prev == "can" and tok == "not":
                atoms.append(" ?")
            elif prev[-1].isalnum() and tok[0].isalnum():
                atoms.append(" ")  # one space: any other whitespace is a token of its own for spaCy
            else:
                atoms.append(" ?")
        atoms.append(re.escape(tok))
        prev = tok
    return atoms


def _pattern_alternatives(pattern: List[Dict[str, Any]]) -> List[List[str]]:
    """Token sequences of a spaCy token pattern made of LOWER (string or {IN: [...]}) attributes only."""
    seqs: List[List[str]] = [[]]
    for spec in pattern:
        if set(spec) != {"LOWER"}:
            raise ValueError(f"context rule pattern {pattern!r}: only LOWER attributes are supported here")
        val = spec["LOWER"]
        words = [val] if isinstance(val, str) else list(val.get("IN", ()))
        if not words or (not isinstance(val, str) and set(val) != {"IN"}):
            raise ValueError(f"context rule pattern {pattern!r}: LOWER must be a string or {{IN: [...]}}")
        seqs = [s + [w.lower()] for s in seqs for w in words]
    return seqs


# a rule matches whole tokens: it starts at a word start (not after a hyphen that begins a chunk,
# "-No" is one token) or at "not" inside "cannot", and ends at a word end (not before a hyphen and
# a digit or a period and a digit: "NO-3", "No.101" are one token)
_START = r"(?:(?<!\w)(?<!\s-)(?<!^-)|(?<=can)(?=not(?!\w)))"
_END = r"(?!\w)(?!-\d)(?!\.\d)"


class _Rules:
    def __init__(self, data: Dict[str, Any]):
        from .lexicon import trie_regex

        self.by_key: Dict[str, Tuple[str, str, int]] = {}
        word_seqs: List[List[str]] = []
        self.punct_terminators: List[str] = []
        # "," then words (", including"): outlasts the "," TERMINATE in the pruning, as in ConText
        self.punct_phrases: List[Tuple["re.Pattern[str]", str]] = []
        # one-token literals with punctuation inside ("and/or") are tokens only as the exception is written
        self.exact_case = set()
        for r in data["context_rules"]:
            cat, direction = r["category"].upper(), r["direction"].upper()
            if r.get("pattern") is not None:
                token_seqs = _pattern_alternatives(r["pattern"])
            else:
                token_seqs = [_literal_tokens(r["literal"])]
            for toks in token_seqs:
                key = " ".join(toks)
                if key in self.by_key:  # the first rule of a duplicate wins, as in ConText's matcher
                    continue
                self.by_key[key] = (cat, direction, len(toks))
                if not toks[0][0].isalnum():
                    self._punct_rule(r, toks, direction)
                    continue
                if len(toks) == 1 and not toks[0].isalnum():
                    self.exact_case.add(key)
                word_seqs.append(_token_regex(toks))
        # every match starts at a word start (or at "not" inside "cannot") and ends at a word end
        # matched against the lower-cased text (much faster than re.I), or with re.I where lower-casing
        # would change the length of the text
        words = _START + r"(?=(" + trie_regex(word_seqs) + ")" + _END + ")"
        self.words, self.words_i = re.compile(words), re.compile(words, re.I)
        if self.punct_terminators:
            alt = "[" + re.escape("".join(self.punct_terminators)) + "]"
            self.punct = re.compile(alt + "(?:(?<!\\d" + alt + r")|(?!\d))")
        else:
            self.punct = None
        # does the text contain a negation trigger at all? (cheap pre-test)
        neg = [_token_regex(k.split()) for k, v in self.by_key.items() if v[0] == NEGATION_CATEGORY and k[0].isalnum()]
        any_neg = _START + "(?:" + trie_regex(neg) + ")" + _END
        self.any_negation, self.any_negation_i = regexguard.compile(any_neg), regexguard.compile(any_neg, re.I)


    def _punct_rule(self, r: Dict[str, Any], toks: List[str], direction: str) -> None:
        """A rule opening with punctuation: one TERMINATE character, or that character then words."""
        if len(toks) == 1 and direction == "TERMINATE":
            self.punct_terminators.append(toks[0])
        elif len(toks) > 1 and len(toks[0]) == 1 and all(t.isalpha() for t in toks[1:]):
            atoms = [re.escape(toks[0]), " "] + _token_regex(toks[1:])
            self.punct_phrases.append((re.compile("".join(atoms) + _END), " ".join(toks)))
        else:
            raise ValueError(f"context rule {r!r}: a rule starting with punctuation must be one TERMINATE "
                             "character, or one punctuation character and words")


@lru_cache(maxsize=1)
def _rule_data() -> Dict[str, Any]:
    """resources/context_rules.json, read once."""
    from . import resources

    return json.loads(resources.read_text("context_rules.json"))


@lru_cache(maxsize=1)
def rules() -> _Rules:
    return _Rules(_rule_data())


@lru_cache(maxsize=1)
def _exceptions() -> frozenset:
    """Tokenizer exceptions ending in '.' ("e.g.", "Dr.", "a."): no clause end there."""
    return frozenset(k for k in _tokenizer_exceptions() if k.endswith(".") and len(k) > 1)


# each alternative starts with its character, so that `re` skips quickly to the candidates
_CLAUSE_END = re.compile(
    r";(?:(?<!\d;)|(?!\d))"  # ";" (not inside "5;6")
    r"|\.(?:(?<=[a-z0-9)\]\"'%]\.)|(?<=[A-Z][A-Z]\.))(?=[\s)\]\"']|$)"  # "." split off by the tokenizer
    r"|[!?](?<=\S[!?])(?=[\s)\]\"']|$)|[;.!?](?<!\S[;.!?])(?=\s|$)"
)
_CHUNK_OPEN = frozenset(" \t\n\r([\"'")


def clause_ends(text: str) -> List[int]:
    """End offsets of the clause-end tokens (``;`` ``.`` ``!`` ``?``) of `text`."""
    out = []
    exc = None
    for m in _CLAUSE_END.finditer(text):
        if m.group(0) == ".":
            # the whitespace-delimited chunk ending here, without opening brackets or quotes
            i = m.start()
            while i > 0 and text[i - 1] not in _CHUNK_OPEN:
                i -= 1
            chunk = text[i:m.end()]
            if exc is None:
                exc = _exceptions()
            if chunk in exc:
                continue
        out.append(m.end())
    return out


def _overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    # medspaCy's util.tuple_overlaps (not symmetric: kept as it is)
    return a0 <= b0 < a1 or a0 < b1 <= a1


def _prune(matches: List[_Mod]) -> List[_Mod]:
    """medspaCy's prune_overlapping_matches ("longest", in tokens), on [start, end, ..., n_tokens] lists."""
    while True:
        if not matches:
            return matches
        unpruned = sorted(matches, key=lambda x: (x[0], x[1]))
        pruned: List[_Mod] = []
        curr = unpruned.pop(0)
        while True:
            if not unpruned:
                pruned.append(curr)
                break
            nxt = unpruned.pop(0)
            if _overlaps(curr[0], curr[1], nxt[0], nxt[1]):
                pruned.append(max(curr, nxt, key=lambda x: x[4]))
                if not unpruned:
                    break
                curr = unpruned.pop(0)
            else:
                pruned.append(curr)
                curr = nxt
        if len(pruned) == len(matches):
            return pruned
        matches = pruned


def _limit_scope(me: _Mod, other: _Mod, text: str) -> None:
    """ConTextModifier.limit_scope (no terminating_types, no allowed/excluded types in the rules)."""
    if not _overlaps(me[5], me[6], other[5], other[6]):
        return
    if me[3] == "TERMINATE":
        return
    if other[3] != "TERMINATE" and other[2] != me[2]:
        return
    if me[3] == "FORWARD" and other[0] > me[0]:
        me[6] = min(me[6], other[0])
    if me[3] == "BACKWARD" and other[1] < me[1]:
        me[5] = max(me[5], _next_token(text, other[1]))


_TOKEN = re.compile(r"\w+|[^\w\s]")


def _next_token(text: str, i: int) -> int:
    """Start of the token after offset `i` (an end of a token): one space is that token's trailing
    whitespace; any other whitespace is a token of its own for spaCy."""
    return i + 1 if i < len(text) and text[i] == " " else i


def scopes(text: str) -> List[Tuple[int, int, int, int]]:
    """(trigger start, trigger end, scope start, scope end) of the negation triggers of `text`,
    as `critparse.pipeline.components.negation_scopes` gives them from ConText.

    Scopes are computed on token starts (a scope ``[a, b)`` runs from the start
    of its first token to the start of the token after it), which keeps
    ConText's token-index comparisons; the scope end returned is the end of its
    last non-space character."""
    r = rules()
    low = text.lower()
    if len(low) == len(text):
        any_negation, words = r.any_negation, r.words
    else:
        low, any_negation, words = text, r.any_negation_i, r.words_i
    if not any_negation.search(low):
        return []
    mods: List[_Mod] = []
    exact = r.exact_case
    for m in words.finditer(low):
        s = m.start(1)
        g = text[s:m.end(1)]
        # the longest match at this start, and the shorter rules it begins with ("not" in "not resolved"):
        # ConText's matcher finds them all, and its pruning depends on all of them
        for t in _TOKEN.finditer(g):
            sub = g[:t.end()]
            key = _key(sub)
            rule = r.by_key.get(key)
            if rule is None or (key in exact and sub not in _tokenizer_exceptions()):
                continue  # "AND/OR" is three tokens
            mods.append([s, s + len(sub), rule[0], rule[1], rule[2], 0, 0])
    if r.punct is not None:
        for m in r.punct.finditer(text):
            cat, direction, ntok = r.by_key[m.group(0)]
            mods.append([m.start(), m.end(), cat, direction, ntok, 0, 0])
    for rx, key in r.punct_phrases:
        for m in rx.finditer(low):
            cat, direction, ntok = r.by_key[key]
            mods.append([m.start(), m.end(), cat, direction, ntok, 0, 0])
    mods = _prune(mods)
    if not any(m[2] == NEGATION_CATEGORY for m in mods):
        return []
    n = len(text)
    starts = [_next_token(text, c) for c in clause_ends(text)]
    for m in mods:
        # the clause of the trigger: from the token after the last clause end before it to the next one
        ss, se = 0, n
        for c in starts:
            if c <= m[0]:
                ss = c
            else:
                se = c
                break
        if m[3] == "FORWARD":
            m[5], m[6] = _next_token(text, m[1]), se
        elif m[3] == "BACKWARD":
            m[5], m[6] = ss, m[0]
        else:  # TERMINATE, PSEUDO: the whole clause
            m[5], m[6] = ss, se
    for i in range(len(mods) - 1):
        for j in range(i + 1, len(mods)):
            _limit_scope(mods[i], mods[j], text)
            _limit_scope(mods[j], mods[i], text)
    out = []
    for m in mods:
        if m[2] != NEGATION_CATEGORY or m[3] in ("PSEUDO", "TERMINATE"):
            continue
        if m[6] <= m[5]:
            continue
        body = text[m[5]:m[6]].rstrip()
        out.append((m[0], m[1], m[5], m[5] + len(body) if body else m[6]))
    return out


#: a negation trigger that states a test RESULT ("is negative", "negative for"): it says what a test found,
#: not that the test, its timing or its value is absent ("the tuberculosis test within 8 weeks is negative")
_RESULT_TRIGGER = re.compile(r"[nN](?<!\w[nN])(?i:egative)\b")  # "\bnegative\b", its first letter read first (re skips to it)


@lru_cache(maxsize=1)
def _pseudo_across_lines() -> "re.Pattern[str]":
    """The PSEUDO phrases of the rules ("no more than", "not to exceed", "not recovered") with any run
    of white space between their words.  A legacy record wraps its lines by hand ("SGPT no\\r\\n
    greater than 2 times ULN": 388 comparators of the XML extract are so broken); the tokenizer makes the
    line break a token of its own, so ConText's phrase no longer matches and its first word, "no", becomes
    a negation trigger."""
    alts = sorted({r"\s+".join(re.escape(w) for w in r["literal"].lower().split())
                   for r in _rule_data()["context_rules"]
                   if r["category"].upper() == "PSEUDO" and len(r["literal"].split()) > 1},
                  key=len, reverse=True)
    return regexguard.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", re.I)


def broken_pseudo_spans(text: str) -> List[Tuple[int, int]]:
    """Character spans of the PSEUDO phrases of `text` written across a line break or a run of spaces
    (a phrase written with single spaces matched as PSEUDO already)."""
    if "\n" not in text and "  " not in text:
        return []
    return [(m.start(), m.end()) for m in _pseudo_across_lines().finditer(text)
            if "\n" in m.group(0) or "  " in m.group(0)]


def _void_scopes(text: str, scope_list: Sequence[Tuple[int, int, int, int]]) -> List[Tuple[int, int, int, int]]:
    """Scopes that negate nothing: a result trigger ("is negative", "negative for": `_RESULT_TRIGGER`), or
    a trigger inside a PSEUDO phrase broken across lines (`_pseudo_across_lines`)."""
    pseudo = broken_pseudo_spans(text)
    if not pseudo and not _RESULT_TRIGGER.search(text):
        return []
    return [sc for sc in scope_list
            if _RESULT_TRIGGER.search(text, sc[0], sc[1]) or any(ps <= sc[0] and sc[1] <= pe for ps, pe in pseudo)]


_PREFIX_WORD = re.compile(r"[-\s]?[^\s,;()]+")


# where the phrase that "without" negates ends: a heading colon, a bracket it is not inside, a positive "with",
# a clause word, a group of people, a capitalised conjunction ("For patients without prior pelvic radiotherapy:
# AST at least 3 x ULN", "without restriction [Karnofsky scale 90-100]", "HIV infection without AIDS with CD4
# 200-500 cells/mm3", "without biopsy confirmation allowed if lesions are at least 3 cm", "Hysterectomy without
# bilateral oophorectomy in patients under age 56")
_WITHOUT_END = re.compile(r"[:\[]|\b(?:with|if|who|whose|must|allowed|provided|unless|except|OR|AND)\b"
                          r"|\bin\s+(?:patients|subjects|participants|women|men|those|children)\b")


# "cannot" / "can not": a bracket after it gives the reason or the measure of the inability ("cannot take PDE5
# inhibitors (severe hepatic diseases- cirrhosis or ALT > 2x upper limit of normal)", "that the CT bore cannot
# accommodate (i.e. height greater than 6' 3\" or body weight greater than 300 pounds)"), not a thing denied
_CAN = re.compile(r"\bcan ?$", re.I)


def _scope_end(text: str, trigger: str, me: int, se: int) -> int:
    """Where the scope of a "non" prefix or of "without" ends (at most `se`)."""
    if trigger == "non":
        m = _PREFIX_WORD.match(text, me)
        return m.end() if m else me
    m = _WITHOUT_END.search(text, me, se)
    return m.start() if m else se


def _bracket_end(text: str, ms: int, me: int, end: int) -> int:
    """A trigger inside a bracket negates up to the bracket's close: "(without anesthesia) less than 8 mm",
    "(no blood transfusion within 14 days) A. HB > 90 g/L"."""
    opened = text.rfind("(", max(0, ms - 80), ms)
    if opened >= 0 and text.find(")", opened, ms) < 0:
        close = text.find(")", me, end)
        return close if close >= 0 else end
    return end


def run_on_item(text: str, a: int, b: int) -> Optional[int]:
    """Where the next item of a run-on record starts in text[a:b] ("... pulmonary disease Pulse oximetry greater
    than 94%", "No congestive heart failure LVEF at least 45%"), or None (`critparse.runon`)."""
    from .runon import next_item_or_analyte

    return next_item_or_analyte(text, a, b)


def cut_scopes(text: str, scope_list: Sequence[Tuple[int, int, int, int]]):
    """A "non" prefix negates the word it is glued to, not the rest of its clause: "non-drug dependent
    volunteers, be at least 18 years of age", "small non-cleaved ... lymphomas with a serum LDH level greater
    than 1.5 times the upper limit", "initiation of non-opioid prescription medication during the 2 weeks"
    (94 constraints of the XML extract were negated so); "without" negates the phrase after it, up to
    `_WITHOUT_END`; a forward scope ends at an inline sub-heading of a PDQ-style record (the segmenter's
    `SUBLABEL`: "No Gilbert's disease Renal: Creatinine clearance at least 60 mL/min" negated the clearance) and
    at a washout item run on after it (`subjects.since_items`: "No vitamin A supplementation greater than 25,000 IU
    At least 12 months since prior retinoid therapy" negated the washout).
    Returns the scopes so cut and the cut-off tails."""
    out, tails = [], []
    labels = None
    if ":" in text:
        from .segment.patterns import SUBLABEL as labels
    from .subjects import since_items
    items = since_items(text)
    for sc in scope_list:
        ms, me, ss, se = sc
        trigger = text[ms:me].lower()
        end = se
        if trigger in ("non", "without"):
            end = _scope_end(text, trigger, me, se)
        if ss >= me and "(" in text:
            end = _bracket_end(text, ms, me, end)
            if trigger == "not" and _CAN.search(text, max(0, ms - 4), ms):  # "cannot take X (ALT > 2 x ULN)"
                end = min(end, text.find("(", me, end) % (end + 1))
        if labels is not None and ss >= me:  # a forward scope ends at an inline sub-heading ("... Renal: Creatinine")
            m = labels.search(text, me, end)
            end = m.start() if m else end
        if ss >= me and items:  # ... and at a washout item run on ("No prior paclitaxel At least 4 weeks since")
            end = next((i for i in items if me < i < end), end)
        if ss >= me and end > me:  # ... and at the next item of a run-on record ("... disease Pulse oximetry > 94%")
            nxt = run_on_item(text, me, end)
            end = nxt if nxt is not None else end
        if end < se:
            tails.append((end, se))
            sc = (ms, me, ss, max(ss, end))
        out.append(sc)
    return out, tails


#: a bracket that lets patients in ("(PDA, ASD less than 1 cm, or VSD less than 2 mm are permitted ...)", "(though
#: stage I cervical cancer ... will not be reason to exclude a patient)") is an exception, not what is negated
_LETS_IN = re.compile(r"\b(?:permitted|allowed|acceptable|eligible|except|excluding|(?:al)?though|not\s+be\s+(?:a\s+)?reason)\b",
                      re.I)


def through_brackets(text: str, scope_list: Sequence[Tuple[int, int, int, int]]) -> List[Tuple[int, int, int, int]]:
    """A forward scope that a comma ends inside a bracket opened after its trigger runs to the bracket's close:
    the bracket says what the negated thing is ("No coagulopathy (i.e., platelets less than 80,000)", "No severe
    renal insufficiency (Clcr less than 25 ml/min, BUN greater than 30 mg/dl, or creatinine greater than 2.0
    mg/dl)"), and its commas are not the end of the negated clause. 364 "No X (i.e.," in the XML extract; ConText
    ends a scope at any comma (resources/context_rules.json)."""
    out = []
    for ms, me, ss, se in scope_list:
        if ss >= me and se < len(text) and text[se:se + 3].lstrip().startswith(","):
            opened = text.rfind("(", me, se)
            close = closing_bracket(text, opened) if opened >= 0 and text.find(")", opened, se) < 0 else -1
            if close > se and not _LETS_IN.search(text, opened, close):
                se = close
        out.append((ms, me, ss, se))
    return out


@lru_cache(maxsize=1)
def _and_or_words() -> Tuple["re.Pattern[str]", "re.Pattern[str]", "re.Pattern[str]"]:
    """The joiner, the first member's stops, the next member's stops (resources/negated_list_words.toml and_or_*)."""
    import tomllib

    from . import resources

    w = tomllib.loads(resources.read_text("negated_list_words.toml"))
    return (re.compile(w["and_or_joiner"]), re.compile(w["and_or_first_member_stop"]),
            re.compile(w["and_or_member_stop"], re.I))


def through_and_or(text: str, scope_list: Sequence[Tuple[int, int, int, int]]) -> List[Tuple[int, int, int, int]]:
    """A forward scope that "and/or" ends right after the first member of the negated list runs on over the next
    member, as it does over "or" ("No SGOT and/or SGPT greater than 1.5 times ULN", "No patients with angina pectoris
    and/or an ejection fraction less than 42 percent"): to where the scope would end without that "and/or", or to a
    condition ("if", "unless"). Not after a bracket, a colon or a run-on item (resources/negated_list_words.toml)."""
    if "and/or" not in text:
        return list(scope_list)
    joiner, first_stop, stop = _and_or_words()
    out = []
    for ms, me, ss, se in scope_list:
        t = text
        while ss >= me and (j := joiner.match(t, se)) and not first_stop.search(t, me, se) \
                and run_on_item(t, me, se) is None:
            k = t.index("and/or", se)
            t = t[:k] + "and_or" + t[k + 6:]  # one token that no rule matches: the scope goes on over it
            end = next((sc[3] for sc in scopes(t) if sc[0] == ms), se)
            cut = stop.search(t, j.end(), end)
            end = len(t[:cut.start()].rstrip()) if cut else end
            if end <= j.end():
                break
            se = end  # on over a third member after another "and/or" (same tests on the whole first part)
        out.append((ms, me, ss, se))
    return out


def _kept(text: str, scope_list: Sequence[Tuple[int, int, int, int]], negated_spans: Sequence[Tuple[int, int]]):
    """The scopes that negate a constraint, and the negated spans not lying only where a dropped or cut-off
    scope was: scopes run on over "and/or" in a list (`through_and_or`) and over commas in a bracket
    (`through_brackets`), void scopes (`_void_scopes`) go, the rest are cut (`cut_scopes`), and a "non-" prefix names a
    property ("2 or more non-contiguous sites", "non-smokers"): it negates its word for an entity, never a
    threshold."""
    scope_list = through_brackets(text, through_and_or(text, scope_list))
    void = _void_scopes(text, scope_list)
    cut, dropped = cut_scopes(text, [sc for sc in scope_list if sc not in void])
    kept = []
    for ms, me, ss, se in cut:
        if text[ms:me].lower() == "non":
            dropped.append((ms, se))
        else:
            kept.append((ms, me, ss, se))
    dropped += [(ss, se) for _ms, _me, ss, se in void]
    if dropped and negated_spans:
        negated_spans = [_clip(es, ee, dropped) for es, ee in negated_spans
                         if not any(a < ee and es < b for a, b in dropped)
                         or any(ss < ee and es < se for _m, _n, ss, se in kept)]
    return kept, negated_spans


def _clip(es: int, ee: int, dropped: Sequence[Tuple[int, int]]) -> Tuple[int, int]:
    """A negated span that runs from before a cut-off tail into it ends where the tail starts: "cirrhosis SGOT",
    one entity of the full-mode model across a run-on item's start ("No history of chronic active hepatitis or
    cirrhosis SGOT and/or SGPT no greater than 2 times ...", NCT00002937), denies the cirrhosis, not the SGOT."""
    for a, _b in dropped:
        if es < a < ee:
            ee = a
    return es, ee


def kept_scopes(text: str) -> List[Tuple[int, int, int, int]]:
    """The negation scopes of `text` that can negate a constraint: void ones dropped, cut ones cut (those
    `mark_negated` reads when given the text)."""
    return _kept(text, scopes(text), ())[0]


def mark_negated(constraints: List[Dict[str, Any]], scope_list: Sequence[Tuple[int, int, int, int]],
                 negated_spans: Sequence[Tuple[int, int]] = (), text: Optional[str] = None) -> None:
    """Set ``negated`` on constraint dicts (in place) from negation scopes and negated spans
    (character offsets): a constraint is negated when its subject overlaps a scope whose trigger is
    not inside the constraint's own text, or overlaps a negated span.  Full mode calls it too, with
    ConText's scopes (`critparse.pipeline.components.mark_negated`).

    With `text`, an absence period read as a negated duration becomes a time since the last X
    (`critparse.washout.settle`; an ambiguous one is dropped), and result triggers ("is negative", "negative for":
    `_RESULT_TRIGGER`) and triggers inside a comparator broken across lines ("no\\n greater than") negate no
    constraint, and a negated span lying only in such scopes neither: a constraint measures the test
    (when, how much), the result word says what it found."""
    if text is not None:
        scope_list, negated_spans = _kept(text, scope_list, negated_spans)
    for c in constraints:
        s = c.get("subject_start", c.get("start"))
        e = c.get("subject_end", c.get("end"))
        if s is None or e is None:
            continue
        neg = bool(c.get("negated", False))
        for sc in scope_list:
            if not _own_trigger(c, sc, text) and s < sc[3] and sc[2] < e:
                neg = True
        for es, ee in negated_spans:
            if s < ee and es < e and not _negated_from_within(c, es, ee, scope_list, text):
                neg = True
        c["negated"] = neg
    if text is not None:
        from .washout import settle

        settle(constraints, text)  # "no chemotherapy for at least 24 months" is a washout, not a negated duration


def _own_trigger(c: Dict[str, Any], scope: Tuple[int, int, int, int], text: Optional[str]) -> bool:
    """A negation word inside the constraint text itself ("not exceeding") negates nothing, but a "No" opening a
    run-on item inside it does ("Ejection fraction greater than 45% by MUGA No myocardial infarction within the
    past 6 months": the subject swallowed the item's start)."""
    ms, me, ss, _ = scope
    start, end = c.get("start", ms), c.get("end", me)
    if not (start <= ms and me <= end):
        return False
    return not (text is not None and ms > start and text[ms:me] == "No" and ss >= me)


def _negated_from_within(c: Dict[str, Any], es: int, ee: int, scopes_: Sequence[Tuple[int, int, int, int]],
                         text: Optional[str]) -> bool:
    """A negated entity inside the constraint whose every negation scope is a "without" inside the constraint
    text: "walk without assistive devices for at least 20 minutes" negates the devices, not the walk, and "seizure
    free without medication for at least 2 years" the medication (full mode negated such durations through the
    entity; fast mode never did); so does any trigger inside an absence subject ("no evidence of disease for 5
    years" is "disease free" >= 5 years).  A verbal negation inside the text keeps negating through its entity ("AZT
    may not be administered during the first 3 weeks")."""
    over = [sc for sc in scopes_ if sc[2] < ee and es < sc[3]]
    absence = str(c.get("subject") or "").endswith(" free")  # "disease free": the trigger is the subject's own word
    return text is not None and bool(over) and all(
        _own_trigger(c, sc, text) and (text[sc[0]:sc[1]].lower() == "without" or absence) for sc in over)


_EXCLUDED = re.compile(r"\bexcluded\b", re.I)


def restates_exclusion(body: str) -> bool:
    """The body holds an "excluded" trigger ("Patients with fever > 102 F will be excluded")."""
    return "xcluded" in body and bool(_EXCLUDED.search(body))


def negated_but_for_excluded(body: str, start: int, end: int) -> bool:
    """Whether the span [start, end) of `body` is negated by a trigger other than "excluded" / "are excluded".

    Under an exclusion heading, "Patients with fever > 102 degrees F at study entry will be excluded" restates
    the section: the fever is what excludes, not its absence (43 constraints of the XML extract were negated
    so, and turned the exclusion around).  Under an inclusion heading the trigger keeps its reading."""
    c: Dict[str, Any] = {"start": start, "end": end}
    mark_negated([c], _scopes_but_excluded(body))
    return bool(c["negated"])


@lru_cache(maxsize=256)
def _scopes_but_excluded(body: str) -> Tuple[Tuple[int, int, int, int], ...]:
    """The negation scopes of `body` whose trigger is not "excluded" (once per body, for all its rows)."""
    return tuple(sc for sc in scopes(body) if not _EXCLUDED.search(body, sc[0], sc[1]))


# an inclusion item that opens with "No" denies every window of its first sentence: ConText ends the scope of "No" at a
# comma, "including" or "which" ("No uncontrolled or severe cardiovascular disease, including myocardial infarction
# within the past 6 months"; "No myocardial infarction, congestive heart failure, or other significant cardiac disease
# within the past 6 months"), and "no change" is PSEUDO ("No change in hormonal therapy within 30 days"): 24 windows of
# the XML extract were required of every patient (review of 5 Dec, 32 candidates read, 8 left out by the guards below)
_NO_ITEM = re.compile(r"\s*No\s+(?!(?:more|greater|less|fewer|longer|later|earlier|sooner|other)\b)")
# ... up to an exception, a permission, a condition, a definition or a requirement, the sentence's end, or a
# run-on item ("... prior to entry Pap smear required within 1 year")
_NO_ITEM_STOP = re.compile(r"\b(?:except|other\s+than|unless|allowed|permitted|eligible|acceptable|excluding|if|provided|"
                           r"required|must|should|only|defined|patients?\s+(?:under|over|younger|older|aged?))\b|"
                           r"[.;:](?:\s|$)|[a-z)]\s+[A-Z][a-z]")


def denied_by_leading_no(body: str, start: int, end: int) -> bool:
    """Whether the window [start, end) of an inclusion body lies in the first clause of an item opening with "No"."""
    m = _NO_ITEM.match(body)
    # (read through the window's own words: "... prior to entry Pap smear required within 1 year", "... PSA no greater
    # than 15 ng/mL Treatment must begin within 28 days")
    return m is not None and start >= m.end() and _NO_ITEM_STOP.search(body, m.end(), end) is None


def negate_constraints(text: str, constraints: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Set ``negated`` on the constraint dicts of `text` (in place) and return them."""
    if constraints:
        mark_negated(constraints, scopes(text), text=text)
    return constraints


def warm_up() -> None:
    """Compile the negation rules now rather than on first use (`critparse.prepare`)."""
    rules(), _exceptions()
