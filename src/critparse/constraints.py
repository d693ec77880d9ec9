"""Constraint extraction: comparisons a rule engine can test.

`extract(text)` finds, in one criterion's (normalised) text, every comparison
of a subject against a threshold: ``creatinine <= 176.8 umol/L``, ``ALT and AST
<= 3 x ULN``, ``aged 3-70 years``, ``ECOG 0 to 2``, ``2 or more relapses``,
``within 2 weeks prior to screening``.  Regex and lexicon only (no spaCy), so it
runs in fast mode over whole registries.

How it works:
1. comparisons: an operator (symbol or words, before or after the number), a
   number or a range, and an optional unit or ``x ULN``;
2. subjects: lexicon mentions (resources/labs.jsonl) before the comparison in the
   same clause, extended over lists joined by "and", "/", "or", ","; else the
   noun after a bare count ("2 or more relapses"); else keyword rules (age,
   performance status); else a short head phrase;
3. values become floats, units UCUM codes, and each constraint gets a value in
   its subject's canonical unit (`normalized`) where the conversion is defined.

Choices (documented so a rule engine knows what it gets):
* one canonical unit per subject, in labs.jsonl: creatinine mg/dL, bilirubin
  umol/L, cell counts 10*9/L, enzymes U/L, hemoglobin g/dL, ages ``a``,
  durations ``mo``; ``normalized`` is ``{"value", "unit"}`` in it, ``x ULN`` /
  ``x LLN`` for relative thresholds, None where no conversion exists;
* "life expectancy", "estimated survival time", "expected survival" are one
  subject, ``life expectancy`` (the issue's "survival >= 3 months");
* a range gives ``>=`` lower and ``<=`` upper sharing one span; a list of
  subjects before one threshold gives one constraint each; a unit written once
  after two bounds ("at least 4.5 but no more than 6 years") applies to both;
* ``BP > 160/100 mmHg`` gives systolic and diastolic constraints;
* ordinal scales with Roman numerals are ``score`` constraints: "NYHA class III
  or IV" (nyha >= 3, <= 4), "ASA I-II", "stage IIIB or IV", "WHO grade III";
  "type I diabetes" and drug classes are not scales;
* "minimum"/"maximum" a few words before a bare number is its operator
  ("a minimum life expectancy of 12 weeks", "Minimum age: 18 years");
* "within / in the past / last N <time>" is a ``temporal`` constraint ``<=`` on
  the phrase before it (leading verbs and "no", "history of" trimmed);
* a years value is an ``age`` only with an age word, a person noun, or nothing
  else before it ("at least 5 years since prior chemotherapy" is a duration);
* a number with no comparator states no constraint ("2 TKI treatments", "stage
  III"), except performance scores ("ECOG 0-1", "ECOG 0 or 1") and windows;
  list markers, years and versions ("2016.v1", "(2016)", "Lugano 2014") and
  numbers inside names ("CD19", "HER2") never do.
"""

from __future__ import annotations

import bisect
import re
from typing import Any, Dict, List, Optional, Tuple

from . import lexicon, units
from . import resources

# ---------------------------------------------------------------- patterns --

_NUM_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90,
}
# a decimal comma ("≥18,5", "< 7,8 mmol/l") only straight after a symbol operator, so
# lists ("ECOG 0,1 or 2") and thousands ("1,500") keep their reading
NUM = r"(?:(?:(?<=[<>=])|(?<=[<>=]\s))\d{1,3},\d{1,2}(?![\d,])|\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?|\.\d+|(?i:" + "|".join(sorted(_NUM_WORDS, key=len, reverse=True)) + r")\b)"


def _load_ops() -> Tuple[List[Tuple[str, str]], List[Tuple[str, str]]]:
    pre, post = [], []
    for row in resources.read_jsonl("comparators.jsonl"):
        if "phrase" not in row or row.get("position") not in ("before", "after") or not row.get("op"):
            continue  # temporal and range rows: the window rule and _VALUE handle them
        (pre if row["position"] == "before" else post).append((row["phrase"], row["op"]))
    return pre, post


_PRE_OPS, _POST_OPS = _load_ops()


def _phrase_alt(phrases: List[str]) -> str:
    """Trie regex of comparison phrases: words may be split by any spaces, a
    phrase that starts or ends with a letter or digit must be a whole word."""
    seqs = []
    for p in phrases:
        if re.match(r"^[<>=!]+$", p):
            seqs.append([re.escape(ch) for ch in p])
            continue
        gap = r"\s*" if not p[0].isalnum() else r"\s+"
        atoms = [r"\b"] if p[0].isalnum() else []
        atoms += [gap if ch == " " else re.escape(ch) for ch in p]
        if p[-1].isalnum():
            atoms.append(r"(?![A-Za-z])")  # "less than10 days": glued digits still end the phrase
        seqs.append(atoms)
    return lexicon.trie_regex(seqs)


_PRE_OP_MAP = {p.lower(): o for p, o in _PRE_OPS}
_POST_OP_MAP = {p.lower(): o for p, o in _POST_OPS}

_ULN = (
    r"(?:x|\*|times|fold)?\s*(?:of\s+|the\s+)*(?:institutional\s+|institution's\s+|local\s+)?"
    r"(?P<rel>ULN|UNL|LLN|upper\s+limits?\s+of\s+(?:the\s+)?normal(?:\s+range)?|lower\s+limits?\s+of\s+(?:the\s+)?normal(?:\s+range)?|"
    r"normal\s+(?:amounts?|values?|range|levels?|limits?)|upper\s+normal\s+limits?|(?<=times\s)normal\b|(?<=x\s)normal\b|N\b)"
)


def _unit_alt() -> str:
    """Alternation of every known unit surface form (longest first); spaces are
    allowed around '/', '^', '*', 'x', between a number and a letter ("1.73 m2"),
    before "hg"/"h2o" ("mm Hg", "cm H2O") and around an inner "per" ("ml per minute")."""
    keys = sorted(units.known_unit_keys(), key=len, reverse=True)
    parts: List[List[str]] = []
    for k in keys:
        esc: List[str] = []
        for i, ch in enumerate(k):
            if ch in "/^*x":
                esc.append(r"\s*" + re.escape(ch) + r"\s*")
                continue
            if ch == "-" and 0 < i < len(k) - 1 and k[i - 1].isalpha() and k[i + 1].isalpha():
                esc.append(r"[\s\-]?")  # "pack-years", "pack years"
                continue
            gap = i > 0 and not esc[-1].endswith(r"\s*") and (
                (ch.isalpha() and (k[i - 1].isdigit() or k[i - 1] == "."))
                or k.startswith(("hg", "h2o"), i)
                or (k.startswith("per", i) and k[i - 1].isalpha() and k[i + 3:i + 4].isalpha())
                or (i >= 3 and k[i - 3:i] == "per" and k[i - 4:i - 3].isalpha() and ch.isalpha()))
            esc.append((r"\s?" if gap else "") + re.escape(ch))
        parts.append(esc)
    return lexicon.trie_regex(parts)


_UNIT_ALT = _unit_alt()
_UNIT = r"(?P<unit>" + _UNIT_ALT + r")(?![A-Za-z0-9])"

_UNIT1 = r"(?P<u1>" + _UNIT_ALT + r")(?![A-Za-z0-9])"
_VALUE = (
    r"(?P<v1>" + NUM + r")(?:\s*\(\d{1,3}\))?(?:\s*/\s*(?P<v1b>\d{2,3})(?![\d.,/]))?\s*(?:%\s*)?"
    r"(?:(?:(?i:" + _UNIT1 + r")(?:\s+old)?\s*(?:\(inclusive\)\s*)?)?"
    r"(?P<range>-|~|\uff5e|to|and|through|–)\s*(?P<rop><=?(?!=))?\s*(?P<v2>" + NUM + r"))?"
)

_PRE = r"(?P<pre>" + _phrase_alt(list(_PRE_OP_MAP)) + r")"
# not a post-operator when it is the next comparison's operator ("or older than 65", "over 18 and under 75")
_POST = r"(?P<post>" + _phrase_alt(list(_POST_OP_MAP)) + r")(?!\s*than\b)(?!\s*(?:the\s+age\s+of\s+)?\d)"
_UNIT3 = r"(?P<u3>" + _UNIT_ALT + r")(?![A-Za-z0-9])"

# one comparison: [pre-op] value [range] [unit | x ULN] [post-op]
COMPARISON = re.compile(
    r"(?i:(?:" + _PRE + r"|(?P<between>\bbetween|\bfrom)\s+)\s*(?:of\s+|a\s+|the\s+)?)?"
    # a number starts after a non-word character, or glued to an operator word ("less than10 days")
    r"(?:(?<![\w.^*/])|(?<=than)|(?<=least)|(?<=above)|(?<=below)|(?<=under)|(?<=over))" + _VALUE +
    r"(?:(?:\s*|-)(?i:(?:(?:consecutive|continuous|full|calendar|complete|completed)\s+)?" + _UNIT + r"|(?P<uln>" + _ULN + r")))?"
    r"(?P<pct2>\s*%)?"
    r"(?:(?i:\s+old|\s+of\s+age))?"
    r"(?:\s*(?i:" + _POST + r"(?:\s*" + _UNIT3 + r")?))?"
)

# a new line breaks a clause only where a list item or a paragraph starts: criteria
# bodies keep the hard wraps of legacy records ("Karnofsky\n    performance status")
_CLAUSE_BREAK = re.compile(r"(?=[;:\n.,eu])(?:[;:]|\n[ \t]*(?:\n|(?=(?:[-*+\u2022]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s))|\.\s|,\s*(?:and|or|but)\s|\bexcept\b|\bunless\b)", re.I)
_LIST_GAP = re.compile(r"^\s*(?:,|/|\band\b|\bor\b|\band/or\b|&|\+)?\s*(?:,|/|\band\b|\bor\b|\band/or\b)?\s*$", re.I)
_FILLER_GAP = re.compile(
    r"^\)?[\s,]*(?:\([^()]{0,60}\)\s*)?(?:(?:level|levels|value|values|count|score|concentration|is|are|of|must|be|should|"
    r"in|on|at|by|the|a|an|indoor|room|air|serum|plasma|blood|total|measured|documented|screening|baseline|result|"
    r"status|grade|class|rate|ratio|as|per|with|without|supplemental|oxygen|echocardiogram|echo|muga|scan|"
    r"calculated|estimated|using|formula|cockcroft|gault|mdrd|ckd-epi|fasting|resting|within|has|have|had|"
    r"absolute|x|corrected|for|age|institutional|normal|bone|marrow|peripheral|number|percentage|percent|proportion|shows?|showing|greater|equal|scores|scale|\d+\s*hours?|≤|performance|stable|consistently|persistently|repeatedly|still|currently|"
    r"confirmed|value|reading|test|tests)\b[\s,:\-]*"
    r"|\([^()]{0,40}\)\s*|[=:]\s*)*$",
    re.I,
)
_AGE_CUE = re.compile(r"\b(?:age[ds]?|years?\s+old|years?\s+of\s+age|y/?o|older|younger|adults?|children|patients?\s+aged|men|women|males?|females?|subjects?|participants?|volunteers?)\b", re.I)
_WITHIN = re.compile(
    r"\b(?:within(?:\s+the)?(?:\s+(?:last|past|previous|prior|preceding|next|following|first|recent))?"
    r"|(?:(?:in|during|over|for)\s+)?(?:the\s+)?(?:last|past|previous|prior|preceding|recent|first)"
    r"|(?:in|during)\s+the)\s+$", re.I)
_TIME_UNITS = {"a", "mo", "wk", "d", "h", "min"}
_PERF = {"ecog", "karnofsky", "lansky"}
_SCALE_AFTER = re.compile(r"\s*(?:[\w-]+\s+){0,3}?(?:scale|vas|nrs|numeric|point|likert)\b", re.I)
# "N weeks since prior chemotherapy", "since completion of radiotherapy", "from the last dose of X"
_SINCE = re.compile(
    r"\s+(?:have\s+)?(?:elapsed\s+)?(?:since|from|after)\s+(?:the\s+)?(?:(?:completion|end|start|last\s+dose|last\s+administration|"
    r"discontinuation|date)\s+of\s+)?(?:(?:any|all|the|their|his|her|last|prior|previous|most\s+recent|other|or\s+concurrent)\s+)*"
    r"(?P<what>[A-Za-z][\w\-]*(?:(?:[ \t]+|[ \t]*\n[ \t]*(?!\n))(?!(?:and|or|with|to|for|at|in|within|before|prior|unless|except|if|"
    r"no|not|none|during|until|while|is|are|was|must|should)\b)[A-Za-z][\w\-]*){0,3})", re.I)
# "minimum"/"maximum" a few words before an operator-less number
_DEFERRED_OP = re.compile(r"(?<![\w/])(?P<w>minimum|maximum|minimal|maximal|min\.|max\.)[\s:]+(?:[A-Za-z][\w\-]*[\s:]+){0,3}?"
                          r"(?:of\s+|is\s+|=\s*)?$", re.I)
_UNIT_SUBJECT = {"kg": "weight", "[lb_av]": "weight", "kg/m2": "bmi"}


def _weight_like(hp: Optional[Tuple[int, int, str]]) -> bool:
    """No head phrase, or one that is a person or the verb 'weigh' (not "weight loss")."""
    return hp is None or bool(re.search(r"(?:^|\s)(?:weigh|weighs|weighing|patients?|subjects?|donors?|children|adults?|"
                                        r"men|women|participants?|volunteers?)$", hp[2]))
_BP = {"blood pressure", "systolic blood pressure", "diastolic blood pressure"}
_STOP = re.compile(r"^(?:the|a|an|of|in|at|on|with|for|to|and|or|is|are|be|must|between|should|have|has|had|patients?|subjects?|"
                   r"participants?|who|which|that|any|all|no|not|by|as|from|per|than|least|more|less|equal|if|when|unless|while|whose|where|"
                   r"i\.e|e\.g|ie|eg|[a-z])$", re.I)
_TEMPORAL_LEAD = re.compile(
    r"^(?:(?:concurrent|current|prior|previous|recent|ongoing|active)\s+)?(?:therapy|treatment|use|administration|exposure|vaccination)\s+(?:with|of|to)\s+"
    r"|^(?:treated|treatment|therapy|received|receiving|use|used|taken|taking|administration)\s+(?:with|of)?\s*"
    r"|^(?:received|receiving|taken|taking|had|have|has|undergone|underwent)\s+"
    r"|^(?:no|any|without|history\s+of|use\s+of|using(?:\s+of)?|prior|previous|recent)\s+", re.I)
_DATE_LIKE = re.compile(r"^\s*(?:\(?(?:19|20)\d\d\b|\d{4}\.v\d)")


# between two comparisons of one subject: a parenthesis, a conjunction, and a population the first bound is
# for ("> 1.5 mg/dL in men or > 1.4 mg/dL in women", "< 13 g/dL for males and < 12 g/dL for females")
_CARRY_GAP = re.compile(r"^[\s,;]*(?:\([^()]{0,40}\))?[\s,]*"
                        r"(?:(?:in|for)\s+(?:(?:wo)?men|(?:fe)?males?|boys|girls|children|adults|adolescents)\b[\s,]*)?"
                        r"(?:and/or|or|and)?\s*(?:\(\s*(?:or\s+)?)?$", re.I)


# "NT-proBNP >= 600 pg/mL at screening (>= 900 pg/mL for ...)": an alternative bound in the same unit, in parentheses
_ALT_GAP = re.compile(r"^\s+(?:[A-Za-z][\w-]*\s+){0,3}\(\s*(?:or\s+)?$")


_SHARED_UNIT_GAP = re.compile(r"^\s*,?\s*(?:and|but|or)?\s*$", re.I)


def _share_unit(prev: List[Dict[str, Any]], c: Dict[str, Any]) -> None:
    """Give the bounds in `prev` the unit of the next bound `c` (and its subject,
    where theirs was only a guessed head phrase)."""
    for p in prev:
        if p["category"] in ("other", "count") and c["category"] not in ("other", "count"):
            p.update(subject=c["subject"], subject_text=c["subject_text"], category=c["category"], code=c["code"])
        p.update(unit=c["unit"], unit_text=c["unit_text"])
        subj = lexicon.subjects().get(p["subject"])
        conv = units.try_convert(p["value"], p["unit"], subj.canonical_unit, subject=subj.name) \
            if subj is not None and subj.canonical_unit else None
        p["normalized"] = {"value": round(conv, 4), "unit": subj.canonical_unit} if conv is not None \
            else ({"value": p["value"], "unit": p["unit"]} if subj is None else None)
        if p["category"] == "other" and p["unit"] in _TIME_UNITS:
            p["category"] = "duration"


def _renorm(prev: Dict[str, Any], c: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    subj = lexicon.subjects().get(prev["subject"])
    if subj is not None and subj.canonical_unit and c["unit"]:
        conv = units.try_convert(c["value"], c["unit"], subj.canonical_unit, subject=subj.name)
        if conv is not None:
            return {"value": round(conv, 4), "unit": subj.canonical_unit}
    return c["normalized"]


def _num(s: str) -> float:
    s = s.strip()
    low = s.lower()
    if low in _NUM_WORDS:
        return float(_NUM_WORDS[low])
    if re.fullmatch(r"\d{1,3},\d{1,2}", s):  # decimal comma (see NUM)
        return float(s.replace(",", "."))
    return float(s.replace(",", ""))


def _op_of(m: "re.Match[str]") -> Tuple[Optional[str], bool]:
    """(op, is_range) of a comparison match."""
    if m.group("between") or m.group("range"):
        if m.group("v2"):
            return None, True
    pre = m.group("pre")
    post = m.group("post")
    if pre:
        return _PRE_OP_MAP.get(" ".join(pre.lower().split())), False
    if post:
        return _POST_OP_MAP.get(" ".join(post.lower().split())), False
    return None, False


_PHRASE_BREAK = re.compile(r"[\d<>=%,;]")


def _head_phrase(text: str, end: int, floor: int) -> Optional[Tuple[int, int, str]]:
    """A short noun phrase ending before `end` (the fallback subject)."""
    seg = text[floor:end]
    opened = seg.rfind("(")
    if opened > seg.rfind(")") and any(not _STOP.match(w) for w in re.findall(r"[A-Za-z][\w\-+/']*", seg[opened + 1:])):
        floor, seg = floor + opened + 1, seg[opened + 1:]  # "diabetes mellitus (glucose consistently > 200"
    words = list(re.finditer(r"[A-Za-z][\w\-+/']*", seg))
    keep: List["re.Match[str]"] = []
    for w in reversed(words):
        if keep and ("/" in w.group(0) or units.to_ucum(w.group(0))):
            break  # "1.8 mg/dL Transaminases": a unit ends the phrase before
        if _STOP.match(w.group(0)):
            if keep:
                break
            continue
        if keep and _PHRASE_BREAK.search(seg, w.end(), keep[0].start()):
            break  # "ER < 1%, PR < 1%": a number, comparator or comma between words ends the phrase
        keep.insert(0, w)
        if len(keep) >= 4:
            break
    if not keep:
        return None
    s, e = floor + keep[0].start(), floor + keep[-1].end()
    return s, e, " ".join(text[s:e].lower().split())


def _noun_after(text: str, start: int) -> Optional[Tuple[int, int, str]]:
    m = re.match(r"\s*(?:(?:prior|previous|consecutive|separate|distinct|different|"
                 r"documented|or\s+more|or\s+greater)\s+)*"
                 r"((?:lines?|cycles?|courses?|regimens?)\s+of\s+[A-Za-z][\w\-]*(?:\s+(?!and\b|or\b|in\b|with\b|for\b)[A-Za-z][\w\-]*)?|[A-Za-z][\w\-]*(?:\s+(?!and\b|or\b|of\b|in\b|with\b|per\b|to\b|at\b|by\b|for\b|prior\b|within\b|after\b|before\b)[A-Za-z][\w\-]*){0,2})",
                 text[start:])
    if not m:
        return None
    s = start + m.start(1)  # "at least 2 prior relapses" -> "relapses"
    e = start + m.end(1)
    if "\n" in text[start:s] and re.search(r"\n[ \t]*(?:\n|[-*+\u2022]\s)", text[start:s]):
        return None  # the noun is past a blank line or a new list item: another criterion
    nl = re.search(r"\n[ \t]*(?:\n|[-*+\u2022]\s)", text[s:e])
    if nl:
        e = s + nl.start()
    if re.match(r"[ \t]*:", text[e:]) or re.match(r"[^\n]*:[ \t]*$", text[s:e]):
        return None  # "Performance status:": the label of the next item
    phrase = " ".join(text[s:e].lower().split())
    if not phrase or _STOP.match(phrase.split()[0]):
        return None
    return s, e, phrase


class _LazyMentions:
    """Lexicon mentions of one text, found per clause window on first use (the
    lexicon regex is the costliest step, most numbers never need a subject, and
    a subject is only looked for between the clause start and the comparison)."""

    __slots__ = ("text", "_scanned", "floor")

    def __init__(self, text: str) -> None:
        self.text = text
        self._scanned: Dict[int, Tuple[int, List[Tuple[int, int, str]]]] = {}
        self.floor = _Floors(text)

    def within(self, floor: int, end: int) -> List[Tuple[int, int, str]]:
        """Mentions lying wholly inside text[floor:end]."""
        done = self._scanned.get(floor)
        if done is None or done[0] < end:
            found = lexicon.find_mentions(self.text, floor, end)
            self._scanned[floor] = (end, found)
            return found
        return [m for m in done[1] if m[1] <= end]


_PERF_CUE = re.compile(r"ecog|zubrod|performance|karnofsky|lansky|\bk?ps\b|\bwho\b", re.I)


def _subject_list(mentions, text: str, cstart: int, floor: int) -> List[Tuple[int, int, str]]:
    """Mentions that the comparison at `cstart` applies to (nearest + list before it)."""
    before = mentions.within(floor, cstart)
    if not before:
        return _label_subject(mentions, text, cstart, floor)
    last = before[-1]
    gap = text[last[1]:cstart]
    if len(gap) > 80 or not _FILLER_GAP.match(gap):
        # allow "(LVEF)" style abbreviation or "in indoor air is" fillers only
        return []
    chosen = [last]
    for prev in reversed(before[:-1]):
        between = text[prev[1]:chosen[0][0]]
        if _LIST_GAP.match(between) or re.match(r"^\s*\(\s*$", between) or (between.strip() == "" ):
            if prev[2] != chosen[0][2]:
                chosen.insert(0, prev)
            else:
                chosen[0] = (prev[0], chosen[0][1], prev[2])
            continue
        # "left ventricular ejection fraction (LVEF)": same subject inside parentheses
        if prev[2] == chosen[0][2] and re.match(r"^\s*\(?\s*$", between):
            chosen[0] = (prev[0], chosen[0][1], prev[2])
            continue
        break
    # de-duplicate subjects keeping first position
    seen, out = set(), []
    for m in chosen:
        if m[2] in seen:
            continue
        seen.add(m[2])
        out.append(m)
    return out


def _label_subject(mentions, text: str, cstart: int, floor: int) -> List[Tuple[int, int, str]]:
    """The subject named by a label before a colon ("Serum TG: > 150 mg/dl",
    "Life expectancy: at least 12 weeks"), when nothing but fillers stands
    between the colon and the comparison."""
    colon = floor - 1
    if colon < 1 or text[colon] != ":" or not _FILLER_GAP.match(text[floor:cstart]):
        return []
    lfloor = mentions.floor(colon)
    found = mentions.within(lfloor, colon)
    if found and _FILLER_GAP.match(text[found[-1][1]:colon]):
        return [found[-1]]
    return []


_ANY_NUM = re.compile(r"\d|(?i:\b(?:" + "|".join(_NUM_WORDS) + r")\b)")
_DIGIT = re.compile(r"\d")
_NUM_WORD = re.compile(r"(?i:\b(?:" + "|".join(_NUM_WORDS) + r")\b)")
_NUM_WORD_LOW = re.compile(r"\b(?:" + "|".join(_NUM_WORDS) + r")\b")


def _any_num(text: str, low: str) -> bool:
    """`_ANY_NUM.search(text)`, faster: a digit first, then the number words in the lower-cased text
    (re.I is slow; for ASCII text the two agree exactly)."""
    if _DIGIT.search(text):
        return True
    if text.isascii():
        return _NUM_WORD_LOW.search(low) is not None
    return _NUM_WORD.search(text) is not None
_NUM_START = re.compile(r"\d|\.\d|(?i:\b(?=[a-z])(?:" + lexicon.trie_regex([list(w) for w in _NUM_WORDS]) + r")\b)")
_PRE_REACH = 60  # a comparison starts at most this far before its number (longest pre-op + spaces)


_OP_FIRST = sorted({p[0] for p in _PRE_OP_MAP if not p[0].isalnum()})
# where a comparison can start: a word start (word operators, "between", "from") or an operator symbol
_CAND_START = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z]|[" + re.escape("".join(_OP_FIRST)) + r"]")


def _comparisons(text: str):
    """`COMPARISON.finditer(text)`, but only tried near numbers and only where
    a match can start (word starts, operator symbols, the number itself): the
    regex is anchored on its number, and trying its operator alternation at
    every position of long criteria is the extractor's main cost.  Gives the
    same matches as `finditer` (leftmost match after each previous one)."""
    pos = 0
    n = len(text)
    while pos < n:
        a = _NUM_START.search(text, pos)
        if a is None:
            return
        lo = max(pos, a.start() - _PRE_REACH)
        m = None
        for c in _CAND_START.finditer(text, lo, a.start()):
            m = COMPARISON.match(text, c.start())
            if m is not None:
                break
        if m is None:
            m = COMPARISON.match(text, a.start())
            if m is None:  # "CD19": no comparison starts here; go on after this digit
                pos = a.start() + 1
                continue
        yield m
        pos = m.end() if m.end() > m.start() else m.start() + 1


class _Floors:
    """Clause starts of one text, found once (bisected per comparison)."""

    __slots__ = ("text", "_ends")

    def __init__(self, text: str) -> None:
        self.text = text
        self._ends: Optional[List[int]] = None

    def __call__(self, pos: int) -> int:
        if self._ends is None:
            self._ends = [m.end() for m in _CLAUSE_BREAK.finditer(self.text)]
        i = bisect.bisect_right(self._ends, pos) - 1
        # a break must end at or before pos (the old scan stopped matching at pos)
        while i >= 0 and self._ends[i] > pos:
            i -= 1
        return self._ends[i] if i >= 0 else 0


def _named_cue(low: str) -> bool:
    """Cheap test (plain substring search) before the NYHA/ASA regex."""
    return "nyha" in low or "asa" in low or "new york heart" in low or "anesthesiolog" in low


def _ord_cue(low: str, text: str) -> bool:
    """Cheap test before the stage/grade regex: a scale word, then an upper-case Roman numeral."""
    return ("stage" in low or "grade" in low or "type" in low or "class" in low) and _ORD_CUE.search(text) is not None
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6,
          "\u2160": 1, "\u2161": 2, "\u2162": 3, "\u2163": 4, "\u2164": 5, "\u2165": 6}
_RN = r"(?:vi|v|iv|i{1,3}|[\u2160-\u2165\u2170-\u2175]|[1-6])(?:[ab])?(?![\w\u2160-\u2165\u2170-\u2175])"
# named ordinal scales written with Roman numerals: "NYHA class III or IV", "ASA I-II", "ASA >= III"
_SCALE = re.compile(
    r"(?i)\b(?P<scale>NYHA|New\s+York\s+Heart\s+Association|ASA|American\s+Society\s+of\s+Anesthesiologists?)\b"
    r"(?P<mid>(?:\s*\((?:NYHA|ASA)\))?(?:\s+(?:physical|functional|status|class(?:ification)?|grade|stage|score|of|heart\s+failure|"
    r"symptoms?))*)\s*"
    r"(?:(?P<pre><=|>=|<|>|=)\s*)?(?P<vals>" + _RN + r"(?:\s*(?:-|to|through|or|and|,|/)\s*(?:class\s+)?" + _RN + r")*)"
    r"(?P<post>\s+or\s+(?:higher|greater|more|above|worse|less|lower|below|better))?")


_RU = r"(?:VI|V|IV|I{1,3}|[\u2160-\u2165])(?:[ABC])?(?![\w\u2160-\u2165])"
# stages, grades and named classes written with upper-case Roman numerals: "stage I-III", "WHO grade III or IV",
# "Fitzpatrick skin type III-IV", "Killip class II or higher"; "type I diabetes" and drug classes are not scales
_QUAL = re.compile(
    r"\b(?:TNM|WHO|FIGO|AJCC|ISS|R-ISS|Ann\s+Arbor|Tanner|Fitzpatrick|Killip|Mallampati|Braunwald|CCS|GOLD|"
    r"Rai|Binet|Durie-Salmon|Enneking|Masaoka|Gleason|Hoehn\s+(?:and|&)\s+Yahr|KDIGO|CKD)\s+$")
_ORD_CUE = re.compile(r"(?i:stages?|grades?|types?|class)\s*(?:[<>]=?\s*)?[IV\u2160-\u2165]")
_ORDINAL = re.compile(
    r"\b(?P<word>(?i:stages?|grades?|skin\s+types?|(?<=Killip\s)class|(?<=Mallampati\s)class|(?<=Braunwald\s)class|"
    r"(?<=CCS\s)class|(?<=Tanner\s)stage))\s*(?:(?P<pre><=|>=|<|>)\s*)?"
    r"(?P<vals>" + _RU + r"(?:\s*(?:-|to|through|or|and|,|/)\s*(?:(?i:stages?|grades?)\s+)?" + _RU + r")*)"
    r"(?P<post>\s+or\s+(?:higher|greater|more|above|worse|less|lower|below|better))?")


def _roman(v: str) -> float:
    v = v.rstrip("abcABC")
    v = v if v in _ROMAN else v.lower()
    if v in _ROMAN:
        return float(_ROMAN[v])
    if "\u2170" <= v <= "\u2175":  # small Roman numeral characters
        return float(ord(v) - 0x2170 + 1)
    return float(v)


def _scale_constraints(text: str) -> Tuple[List[Dict[str, Any]], List[Tuple[int, int]]]:
    """Constraints on NYHA class and ASA status (Roman or Arabic numerals), and their spans."""
    out: List[Dict[str, Any]] = []
    spans: List[Tuple[int, int]] = []
    low = text.lower()
    for m in (_SCALE.finditer(text) if _named_cue(low) else ()):
        vals = [_roman(v) for v in re.findall(r"(?i)" + _RN, m.group("vals"))]
        if vals:
            name = "nyha" if m.group("scale").lower().startswith(("nyha", "new")) else "asa"
            _bounds_out(out, spans, m, text, name, vals, m.start("scale"))
    for m in (_ORDINAL.finditer(text) if _ord_cue(low, text) else ()):
        vals = [_roman(v) for v in re.findall(_RU, m.group("vals"))]
        if not vals or any(a < m.end() and m.start() < b for a, b in spans):
            continue
        word = re.sub(r"(?<=[ey])s$", "", " ".join(m.group("word").lower().split()))  # "stages" -> "stage"
        q = _QUAL.search(text, max(0, m.start() - 25), m.start())  # "WHO grade", "TNM stage"
        name = (" ".join(q.group(0).lower().split()) + " " + word) if q else word
        _bounds_out(out, spans, m, text, name, vals, q.start() if q else m.start("word"))
    return out, spans


def _bounds_out(out: List[Dict[str, Any]], spans: List[Tuple[int, int]], m: "re.Match[str]", text: str, name: str,
                vals: List[float], sstart: int) -> None:
    """Bounds of an ordinal scale match: a list or range gives >= min and <= max."""
    subj = lexicon.subjects().get(name)
    end = m.end()
    while text[end - 1].isspace():
        end -= 1
    post = (m.group("post") or "").lower()
    if len(vals) > 1:
        bounds = [(">=", min(vals)), ("<=", max(vals))]
    elif m.group("pre"):
        bounds = [(m.group("pre"), vals[0])]
    elif post:
        bounds = [(">=" if any(w in post for w in ("higher", "greater", "more", "above", "worse")) else "<=", vals[0])]
    else:
        bounds = [("=", vals[0])]
    for op, v in bounds:
        out.append(_record(name, text[sstart:m.start("vals")].rstrip(" <>="), op, v, None, None, None, None, "score", subj,
                           min(sstart, m.start()), end))
    spans.append((m.start(), end))


def extract(text: str, subject_hint: Optional[str] = None) -> List[Dict[str, Any]]:
    """Constraints found in one criterion's text, offsets local to `text`.

    `subject_hint` names the subject of comparisons that state none, from the
    criterion's context (the legacy "Age:" label over "18 and over").

    Each dict: subject, subject_text, op, value, unit, unit_text, value_text,
    relative_to, category, code, normalized ({value, unit} or None), negated,
    start, end."""
    if not isinstance(text, str):
        raise TypeError(f"critparse.constraints.extract expects the criterion text as str, not {type(text).__name__}")
    low = text.lower() if text else ""
    has_scale = bool(text) and (_named_cue(low) or _ord_cue(low, text))
    if not text or not (has_scale or _any_num(text, low)):
        return []
    mentions = _LazyMentions(text)
    out: List[Dict[str, Any]] = []
    prev: List[Dict[str, Any]] = []
    scale_spans: List[Tuple[int, int]] = []
    if has_scale:
        out, scale_spans = _scale_constraints(text)
    for m in _comparisons(text):
        if scale_spans and any(a <= m.start("v1") < b for a, b in scale_spans):
            continue
        found = _constraints_from(m, text, mentions, subject_hint)
        if prev and found and found[0]["unit"] and _SHARED_UNIT_GAP.match(text[prev[-1]["end"]:m.start()]) \
                and all(p["unit"] is None and p["relative_to"] is None and p["category"] != "performance" for p in prev):
            # "at least 4.5 but no more than 6 years", ">= 20 and <= 40 years": the unit is written once
            _share_unit(prev, found[0])
        if prev and found and all(c["category"] == "other" for c in found) and (
                _CARRY_GAP.match(text[prev[-1]["end"]:m.start()])
                or (found[0]["unit"] and found[0]["unit"] == prev[-1]["unit"]
                    and _ALT_GAP.match(text[prev[-1]["end"]:m.start()]))):
            # "> 5% (by morphology), and/or > 1% (by flow cytometry)": same subject as before
            heads = list({p["subject"]: p for p in reversed(prev)}.values())[::-1]  # each listed subject once
            found = [dict(c, subject=p0["subject"], subject_text=p0["subject_text"], category=p0["category"],
                          code=p0["code"], normalized=_renorm(p0, c), start=m.start()) for p0 in heads for c in found]
        if found:
            prev = found
        out.extend(found)
    # drop exact duplicates (same subject, op, value, span)
    seen = set()
    uniq = []
    for c in out:
        key = (c["subject"], c["op"], c["value"], c["start"], c["end"])
        if key not in seen:
            seen.add(key)
            uniq.append(c)
    return uniq


def _constraints_from(m: "re.Match[str]", text: str, mentions, hint: Optional[str] = None) -> List[Dict[str, Any]]:
    v1s, v1e = m.span("v1")
    op, is_range = _op_of(m)
    unit_text = m.group("unit") or (m.group("u1") if m.group("v2") else None) or m.group("u3")
    rel = m.group("rel")
    pct = m.group("pct2") or ("%" if "%" in text[v1e:m.end("v2") if m.group("v2") else v1e + 2] else None)
    # reject numbers glued to letters ("CD19", "HER2") and list markers/dates
    if v1s > 0 and (text[v1s - 1].isalpha() or text[v1s - 1] in "-+") and not m.group("pre") and not m.group("between"):
        return []
    if _DATE_LIKE.match(text[v1s:v1s + 8]) and not unit_text and not rel and not pct:
        return []
    if v1e < len(text) and text[v1e:v1e + 1].isalpha() and not unit_text and not rel:
        return []
    if v1e < len(text) and text[v1e:v1e + 1] in "+" and not m.group("post"):
        # "CD19+", "18+" -> only an age-like "18+ years" is a bound
        if not (re.match(r"\+\s*(?:years?|yrs)", text[v1e:v1e + 8], re.I)
                or re.search(r"\bage[ds]?\s*:?\s*$", text[max(0, v1s - 12):v1s], re.I)):  # "Age 18+"
            return []
        op = ">="
    ulabel = None
    if rel:
        r = rel.lower()
        ulabel = "LLN" if ("lower" in r or r == "lln") else "ULN"
    ucum = units.to_ucum(unit_text) if unit_text else None
    if pct and not ucum and not ulabel:
        ucum = "%"
    if op is None and not is_range:
        d = _DEFERRED_OP.search(text, max(0, m.start() - 60), m.start())
        if d is None:
            # a bare number: only a count / performance score / temporal window can stand without an operator
            return _bare(m, text, mentions, ucum, unit_text)
        # "a minimum life expectancy of 12 weeks", "Minimum age: 18 years"
        op = ">=" if d.group("w").lower().startswith("min") else "<="
    v1 = _num(m.group("v1"))
    v2 = _num(m.group("v2")) if m.group("v2") else None
    if is_range and v2 is not None and v2 < v1:
        return []
    if m.group("pre") and re.match(r"(?i)(?:over|during|for)\s+(?:a|the)\s+(?!age\b)", text[m.start("pre"):m.start("v1")]):
        return []  # "over a 12-month period", "over the 3 months": a period, not a bound
    if is_range and v1 == 0 and _SCALE_AFTER.match(text, m.end()):
        return []  # "on a 0-10 VAS scale": the scale's range, not a threshold
    # subjects
    cstart = m.start()
    floor = mentions.floor(cstart)
    subs = _subject_list(mentions, text, cstart, floor)
    category = None
    after = None
    if not subs:
        if ucum == "a" or (ucum is None and _AGE_CUE.search(text[floor:cstart]) and re.match(r"\s*(?:years?|yrs)", text[m.end():], re.I)):
            pass
        subj = _keyword_subject(text, floor, m.start("v1"), m.end(), ucum)
        since = _SINCE.match(text, m.end()) if ucum in _TIME_UNITS and not subj and _head_phrase(text, cstart, floor) is None else None
        if since:
            # "At least 4 weeks since prior chemotherapy": the time since an event
            s0, e0 = since.span("what")
            subs = [(s0, e0, " ".join(text[s0:e0].lower().split()))]
            category = "temporal"
            after = (s0, e0, "")
        elif subj:
            subs = [subj]
        elif ucum in _UNIT_SUBJECT and _weight_like(_head_phrase(text, cstart, floor)):
            subs = [(cstart, cstart, _UNIT_SUBJECT[ucum])]  # "Patients > 50 kg", "Weighs at least 50kg"
        elif hint and (hint != "age" or ucum in (None, "a")):
            subs = [(cstart, cstart, hint)]
        elif ucum is None and not ulabel:
            after = _noun_after(text, m.end())
            if after:
                subs = [after]
                category = "count"
        if not subs:
            hp = _head_phrase(text, cstart, floor)
            if hp is None and ucum in _TIME_UNITS:
                # "At least 6 months after stroke": a duration with no subject before it
                hp = (cstart, cstart, "duration")
            elif hp is None and ucum is None and not ulabel:
                hp = _noun_after(text, m.end())
            if hp is None:
                return []
            subs = [hp]
            category = "other"
    results = []
    bounds = [(">=", v1, m.group("v1")), (m.group("rop") or "<=", v2, m.group("v2"))] if is_range else [(op, v1, m.group("v1"))]
    end = m.end()
    # trailing whitespace is not part of the span
    while end > m.start() and text[end - 1].isspace():
        end -= 1
    if after:
        end = max(end, after[1])
    if m.group("v1b") and not is_range and any(x[2] in _BP for x in subs):
        # "BP > 160/100 mmHg": systolic and diastolic thresholds
        s0, e0 = min(x[0] for x in subs), max(x[1] for x in subs)
        subs = [(s0, e0, "systolic blood pressure"), (s0, e0, "diastolic blood pressure")]
        bps = {"systolic blood pressure": [(op, v1, m.group("v1"))],
               "diastolic blood pressure": [(op, _num(m.group("v1b")), m.group("v1b"))]}
    else:
        bps = {}
    for s_start, s_end, name in subs:
        subj = lexicon.subjects().get(name)
        unit = ucum
        if subj and subj.name == "age" and unit is None:
            unit = "a"
        if subj and subj.name in _BP and unit is None and not ulabel:
            unit = "mm[Hg]"  # blood pressures are written in mmHg
        cat = category or (subj.category if subj else "other")
        if subj is None and unit in _TIME_UNITS and cat == "other":
            cat = "duration"
        for bop, bval, btext in bps.get(name, bounds):
            if bop is None or bval is None:
                continue
            results.append(_record(name, text[s_start:s_end], bop, bval, btext, unit, unit_text, ulabel, cat, subj,
                                   min(s_start, m.start()), max(end, s_end)))
    return results


_NOT_AGE_AFTER = re.compile(r"\s*(?:since|after|before|prior|from|following|ago|of\s+(?!age\b)|duration|remission|interval|between|"
                            r"history|period|course|follow|survival|disease|treatment|therapy|use)\b", re.I)
# the next bound of a pair carries the years: "over 18 and under 75 years"
# "Any patient >= 18 who": a person noun straight before a bare comparison
_PERSON_BEFORE = re.compile(r"\b(?:patients?|(?:wo)?men|subjects?|adults?|participants?|volunteers?|persons?|individuals?)"
                            r"\s*(?:aged?\s*)?(?:[<>]=?|=|(?:over|above|under|below)\s*)\s*$", re.I)
_YEARS_NEXT = re.compile(r"\s*,?\s*(?:and|or|but)\s+[^\d;:.]{0,30}?\d+\s*(?:years?|yrs)\b", re.I)
_AGE_WORDS = re.compile(r"\b(?:of\s+age|old|older|younger|age[ds]?|ages|birthdays?)\b", re.I)
_PERSON = re.compile(r"\b(?:patients?|(?:wo)?men|(?:fe)?males?|subjects?|adults?|children|participants?|volunteers?|"
                     r"persons?|people|individuals?|adolescents?|boys?|girls?|infants?|child|babies|baby|neonates?|pts?)\b", re.I)


def _keyword_subject(text: str, floor: int, cstart: int, cend: int, ucum: Optional[str]) -> Optional[Tuple[int, int, str]]:
    window = text[floor:cstart]
    if ucum is None and (re.search(r"\b(?:older|younger|years?\s+old|of\s+age)\b", text[cstart:cend], re.I)
                         or _YEARS_NEXT.match(text, cend) or _PERSON_BEFORE.search(text, floor, cstart)):
        ucum = "a"  # "men 18 or older", "over 18 and under 75 years of age"
    if ucum in ("mo", "wk", "d") and _AGE_WORDS.search(text, max(floor, cstart - 15), min(len(text), cend + 8)):
        # an infant's age: "8 months of age or older", "older than 6 months"
        ucum = "a"
    if ucum == "a" and _NOT_AGE_AFTER.match(text, cend) and not re.search(r"\bage[ds]?\b", window, re.I) \
            and not _AGE_WORDS.search(text, cstart, cend):
        return None  # "at least 5 years since prior chemotherapy": a duration, not an age
    if ucum == "a" and not (_AGE_WORDS.search(text, max(floor, cstart - 40), min(len(text), cend + 15))
                            or _PERSON.search(window)
                            or all(_STOP.match(w) for w in re.findall(r"[A-Za-z]{2,}", window))):
        # years of something else ("at least 4.5 but no more than 6 years of adjuvant tamoxifen",
        # "diabetes for more than 5 years"): an age needs an age word, a person, or nothing before it
        return None
    if ucum == "a" or re.search(r"\b(?:age[ds]?|years?\s+old|years?\s+of\s+age)\b", text[floor:min(len(text), cend + 20)], re.I):
        if ucum in (None, "a") and (ucum == "a" or re.match(r"\s*(?:years?|yrs)", text[cend:], re.I) or re.search(r"\bage[ds]?\b", window, re.I)):
            am = list(re.finditer(r"\bage[ds]?\b|\byears?\s+old\b|\bpatients?\b|\b(?:wo)?men\b|\b(?:fe)?males?\b|\bsubjects?\b|\badults?\b|\bchildren\b|\bparticipants?\b|\bvolunteers?\b", window, re.I))
            if am:
                a = am[-1]
                return floor + a.start(), floor + a.end(), "age"
            return cstart, cstart, "age"
    return None


def _bare(m, text, mentions, ucum, unit_text) -> List[Dict[str, Any]]:
    """Numbers without an operator that still bound something: temporal windows
    ("within 2 weeks"), performance statuses ("ECOG 0 or 1")."""
    v1 = _num(m.group("v1"))
    start = m.start()
    floor = mentions.floor(start)
    if ucum in _TIME_UNITS and _WITHIN.search(text[max(floor, start - 40):start]):
        w = _WITHIN.search(text[max(floor, start - 40):start])
        wstart = max(floor, start - 40) + w.start()
        end = m.end()
        tail = re.match(r"\s*(?:of|prior\s+to|before|preceding|from|after|following)\s+(?:the\s+)?(?:first\s+)?(?:dose\s+of\s+)?[\w\-]+(?:\s+(?:drug|dose|treatment|visit|randomi[sz]ation|enrollment|registration|entry))?", text[end:], re.I)
        if tail:
            end += tail.end()
        subj = _temporal_subject(text, floor, wstart)
        return [_record(subj[2], subj[3], "<=", v1, m.group("v1"), ucum, unit_text, None, "temporal", None,
                        min(subj[0], wstart), end)]
    if not _PERF_CUE.search(text, max(floor, start - 80), start):
        return []
    subs = _subject_list(mentions, text, start, floor)
    if subs and all(s[2] in _PERF for s in subs) and ucum in (None, "%"):
        out = []
        # "ECOG 0 or 1", "ECOG 0, 1 or 2"
        tail = re.match(r"(?:\s*(?:,|or|and|-)\s*(" + NUM + r"))+", text[m.end("v1"):])
        vals = [v1]
        end = m.end()
        if tail:
            vals += [_num(x) for x in re.findall(NUM, tail.group(0))]
            end = max(end, m.end("v1") + tail.end())
        while end > start and text[end - 1].isspace():
            end -= 1
        for s in subs:
            subj = lexicon.subjects().get(s[2])
            if len(vals) == 1:
                out.append(_record(s[2], text[s[0]:s[1]], "=", vals[0], m.group("v1"), ucum, unit_text, None, "performance", subj, s[0], end))
            else:
                out.append(_record(s[2], text[s[0]:s[1]], ">=", min(vals), m.group("v1"), ucum, unit_text, None, "performance", subj, s[0], end))
                out.append(_record(s[2], text[s[0]:s[1]], "<=", max(vals), None, ucum, unit_text, None, "performance", subj, s[0], end))
        return out
    return []


def _temporal_subject(text: str, floor: int, wstart: int) -> Tuple[int, int, str, str]:
    seg = text[floor:wstart]
    body = re.sub(r"^[\s\-*+\u2022]+", "", seg).rstrip()  # spaces and a bullet
    lead = len(seg) - len(seg.lstrip()) if not body else seg.index(body)
    s = floor + lead
    m = _TEMPORAL_LEAD.match(body)
    while m and m.end() > 0:
        s += m.end()
        body = body[m.end():]
        m = _TEMPORAL_LEAD.match(body)
    body = re.sub(r"[\s,(]*(?:\(\s*)?(?:\b(?:if|and|or|when|who|that|which|unless|for|during)\b[\s,(]*)*$", "", body)
    words = body.split()
    if not words:
        return wstart, wstart, "time since event", ""
    if len(words) > 6:
        hp = _head_phrase(text, s + len(body.rstrip(" ,(")), floor)
        if hp:
            return hp[0], hp[1], hp[2], text[hp[0]:hp[1]]
    body = re.sub(r"[\s,(]*(?:\(\s*)?(?:\b(?:if|and|or|when|who|that|which|unless|for|during)\b[\s,(]*)*$", "", body)
    e = s + len(body.rstrip(" ,("))
    phrase = " ".join(text[s:e].lower().split()).strip(" ,")
    return s, e, phrase, text[s:e]


def _record(name, subject_text, op, value, value_text, unit, unit_text, rel, category, subj, start, end) -> Dict[str, Any]:
    normalized = None
    if rel is None and subj is not None and subj.canonical_unit and unit:
        conv = units.try_convert(value, unit, subj.canonical_unit, subject=subj.name)
        if conv is not None:
            normalized = {"value": round(conv, 4), "unit": subj.canonical_unit}
    elif rel is not None:
        normalized = {"value": float(value), "unit": f"x{rel}"}
    elif unit and subj is None:
        normalized = {"value": float(value), "unit": unit}
    elif subj is not None and subj.canonical_unit is None and unit is None:
        normalized = {"value": float(value), "unit": None}
    return {
        "subject": name,
        "subject_text": subject_text or None,
        "op": op,
        "value": float(value),
        "unit": unit,
        "unit_text": unit_text,
        "value_text": value_text,
        "relative_to": rel,
        "category": category,
        "code": subj.loinc if subj else None,
        "normalized": normalized,
        "negated": False,
        "start": start,
        "end": end,
    }
