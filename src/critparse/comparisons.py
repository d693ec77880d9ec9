"""Stage 1 of constraint extraction: comparisons (operator, value or range, unit, ULN/LLN, span).

`find(text)` yields one `Comparison` per threshold written in the text, in order, with its
values already read as finite floats (a non-finite or unreadable value gives no comparison).
What the comparison is about (its subject) is stage 2 (`critparse.subjects`).
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Iterator, List, Optional, Tuple

from . import lexicon, patterncache, resources, units


@lru_cache(maxsize=1)
def words() -> Dict[str, object]:
    """resources/constraint_words.toml: number words and the word lists of stages 1 and 2."""
    return tomllib.loads(resources.read_text("constraint_words.toml"))


NUM_WORDS: Dict[str, int] = dict(words()["number_words"])  # type: ignore[arg-type]
FREQ_WORDS: Dict[str, int] = dict(words()["frequency_words"])  # type: ignore[arg-type]
# "once per week", "twice a day": a frequency word is a value only before a period
_FREQ = (r"(?i:" + "|".join(FREQ_WORDS) + r")(?=\s*(?:per|an?|/|each|every)\s*(?:hours?|days?|nights?|weeks?|wks?|"
         r"months?|years?|yrs?)\b)")
# "one third", "two-thirds": a number word before a fraction word is not a value
_NOT_FRACTION = r"(?![\s-]+(?i:" + "|".join(words()["words"]["fraction"]) + r")\b)"

# a decimal comma ("≥18,5", "< 7,8 mmol/l") only straight after a symbol operator, so
# lists ("ECOG 0,1 or 2") and thousands ("1,500") keep their reading; "1e308" is read in full; a thousands comma
# with a space after it only before "000" or a count unit ("WBC >12, 000 cells/mm3", "ANC >= 1, 500/mm^3": 4 such
# values in the corpora were read as 12 and 1 with no unit), never in a list ("<100, 100 to <400")
NUM = (r"(?:(?:(?<=[<>=])|(?<=[<>=]\s))\d{1,3},\d{1,2}(?![\d,])|\d{1,3}(?:,\d{3})+(?!\d)"
       r"|\d{1,3}, (?:000|\d{3}(?=[ \t]*(?:/|cells?\b)))(?![\d,])|\d+(?:\.\d+)?(?:[eE][+-]?\d{1,4}(?![A-Za-z]))?"
       r"|\.\d+|(?i:" + "|".join(sorted(NUM_WORDS, key=len, reverse=True)) + r")\b" + _NOT_FRACTION + "|" + _FREQ + ")")


def number(s: str) -> Optional[float]:
    """The value of a number as written ("1,500", "7,8", "two", "1e308"), or None where it is not finite."""
    s = s.strip()
    low = s.lower()
    if low in NUM_WORDS or low in FREQ_WORDS:
        return float(NUM_WORDS.get(low, FREQ_WORDS.get(low, 0)))
    if re.fullmatch(r"\d{1,3},\d{1,2}", s):  # decimal comma (see NUM)
        return float(s.replace(",", "."))
    try:
        v = float(s.replace(", ", "").replace(",", ""))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _load_ops() -> Tuple[Dict[str, str], Dict[str, str]]:
    pre: Dict[str, str] = {}
    post: Dict[str, str] = {}
    for row in resources.read_jsonl("comparators.jsonl"):
        if "phrase" not in row or row.get("position") not in ("before", "after") or not row.get("op"):
            continue  # temporal and range rows: the window rule and _VALUE handle them
        (pre if row["position"] == "before" else post)[row["phrase"].lower()] = row["op"]
    return pre, post


PRE_OPS, POST_OPS = _load_ops()


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


# "x ULN", "times the institutional upper limit of normal", "upper limit normal (ULN)", "3 times normal", "1.5 X
# maximum normal value" / "3 x upper normal limit" (6 and 27 in LCT and the XML extract), "3 folds the upper normal";
# a bare "normal" is the reference only after a multiplier
# (a bare "ULN" / "UNL" / "LLN" ends there: "PT INR >1.5 unless" was read "> 1.5 x ULN", "unl" of "unless")
_ULN = (
    r"(?:(?P<mult>x|\*|times|folds?)\s*)?(?:of\s+|the\s+)*(?:(?:institutional|institution's|local|laboratory|lab)\s+)*"
    r"(?P<rel>(?:ULN|UNL|LLN)(?![A-Za-z])|(?:upper|lower)\s+limits?\s+(?:of\s+)?(?:the\s+)?(?:institutional\s+)?normal(?:\s+range)?(?:\s*\((?:ULN|LLN)\))?|"
    r"normal\s+(?:values?|range|levels?|limits?)|(?:upper|lower|maximum|minimum)\s+normal\s+(?:limits?|values?)|(?(mult)(?:normal\b|upper\s+limits?\b(?!\s+of\s+(?!normal|the\b)))|(?!))|N\b)"
)


def _unit_alt() -> str:
    """Alternation of every known unit surface form (longest first); spaces are
    allowed around '/', '^', '*', 'x', between a number and a letter ("1.73 m2"),
    before "hg"/"h2o" ("mm Hg", "cm H2O", also across a wrapped line), before a "%" after letters ("mg %"), after "deg"/"degree(s)" ("degrees Celsius", "deg C") and "milli" ("milli liter"), before "square" ("meter square"), "square" and
    "cubic" ("cubic millimeter"), around an inner "per" ("ml per minute", "mL/min per 1.73 m2") and
    after a leading one ("per minute")."""
    keys = sorted(units.known_unit_keys(), key=len, reverse=True)
    parts: List[List[str]] = []
    for k in keys:
        esc: List[str] = []
        for i, ch in enumerate(k):
            if ch == "/" and (i == 0 or k[i - 1].isalpha() or k[i - 1] == ")"):  # "mg per dl", "per mm3"
                esc.append(r"(?:\s*/\s*|\s+per\s+)" if i else r"(?:\s*/\s*|per\s+)")
                continue
            if ch in "/^*x":
                esc.append(r"\s*" + (r"\\?" if ch == "^" else "") + re.escape(ch) + r"\s*")  # "10\^9/L"
                continue
            if ch == "-" and 0 < i < len(k) - 1 and k[i - 1].isalpha() and k[i + 1].isalpha():
                esc.append(r"[\s\-]?")  # "pack-years", "pack years"
                continue
            gap = i > 0 and not esc[-1].endswith(r"\s*") and (
                (ch.isalpha() and (k[i - 1].isdigit() or k[i - 1] == "."))
                or k.startswith(("hg", "h2o"), i)
                or (k[:i] in ("deg", "degree", "degrees", "milli", "rna") and ch.isalpha())  # "milli liter", "RNA copies/ml"
                or (k.startswith("square", i) and k[i - 1].isalpha())  # "1.73 meter square", "meters squared"
                or (k[:i].endswith(("square", "cubic", "/cu")) and ch.isalpha())  # "/cu mm"
                or (k.startswith("per", i) and k[i - 1].isalpha() and k[i + 3:i + 4].isalnum())
                or (i >= 3 and k[i - 3:i] == "per" and (i == 3 or k[i - 4:i - 3].isalpha()) and ch.isalnum()))
            wrap = i > 0 and k.startswith(("hg", "h2o"), i) and k[i - 1].isalpha()  # "90 mm\r\n   Hg": a wrapped line
            pct = ch == "%" and i > 0 and k[i - 1].isalpha()  # "1.5 mg %"
            esc.append((r"\s*" if wrap else r"\s?" if gap or pct else "") + re.escape(ch))
        parts.append(esc)
    return lexicon.trie_regex(parts)


_UNIT_ALT = _unit_alt()
_UNIT = r"(?P<unit>" + _UNIT_ALT + r")(?![A-Za-z0-9])"
_UNIT1 = r"(?P<u1>" + _UNIT_ALT + r")(?![A-Za-z0-9])"
_UNIT3 = r"(?P<u3>" + _UNIT_ALT + r")(?![A-Za-z0-9])"
_VALUE = (
    r"(?P<v1>" + NUM + r")(?:\s*\(\d{1,3}\))?(?:\s*/\s*(?P<v1b>\d{2,3})(?![\d,/]|\.\d))?\s*(?:%\s*)?"
    r"(?:(?:(?i:" + _UNIT1 + r")(?:\s+old)?\s*(?:\((?:inclusive|[A-Za-z][\w/\\^\u00b2\u00b3.]{0,11})\)\s*)?)?"
    r"(?P<range>-|~|\uff5e|to|and|through|–)\s*(?P<rop><=?(?!=)|(?(pre)(?!)|(?i:less\s+than(?:\s+or\s+equal\s+to)?)(?=\s*\d)))?\s*(?P<v2>" + NUM + r"))?"
)
#: the operator phrases written before a value, as one regex alternation (read by critparse.subjects too)
PRE_OP_ALT = _phrase_alt(list(PRE_OPS))
_PRE = r"(?P<pre>" + PRE_OP_ALT + r")"
# not a post-operator when it is the next comparison's operator ("or older than 65", "over 18 and under 75")
_POST = r"(?P<post>" + _phrase_alt(list(POST_OPS)) + r")(?!\s*than\b)(?!\s*(?:the\s+age\s+of\s+)?\d)"

# one comparison: [pre-op] [-]value [range] [unit | x ULN] [post-op]
COMPARISON = patterncache.compile(  # 14k characters: its compiled form is cached on disk
    r"(?i:(?:" + _PRE + r"|(?P<between>\bbetween|\bfrom)\s+)\s*(?:of\s+|an?\s+(?:average|mean)\s+of\s+|a\s+|the\s+|(?:(?:\(?NCI\)?[\s-]*)?(?:CTCAE|Common\s+Terminology\s+Criteria\s+for\s+Adverse\s+Events(?:\s*\(CTCAE\))?)\s*(?:v(?:ersion)?\.?\s*[\d.]+\s*)?(?=grade))?(?P<word>age|grade)\s+)?"
    r"(?:\(\s*(?:[<>]=?|=[<>])\s*\)\s*)?)?"  # "greater than (>) 3", ">= Grade 3", "> NCI-CTCAE v 3.0 grade 2", "< age 65", "exceeds an average of 60g/day"
    r"(?(pre)(?P<neg>-(?=\.?\d)|(?i:minus)\s+(?=\.?\d))?)"  # a negative threshold only after an operator ("T-score <= -2.5")
    # a number starts after a non-word character, or glued to an operator word ("less than10 days")
    r"(?:(?<![\w.^*/])|(?<=than)|(?<=least)|(?<=above)|(?<=below)|(?<=under)|(?<=over))" + _VALUE +
    r"(?:(?:\s*|-)(?i:(?:(?:consecutive|successive|continuous|full|calendar|complete|completed|times(?=\s+half)|elimination(?=\s+half)|(?:prior|previous|preceding)(?=\s+(?:days?|weeks?|months?|years?)\b))\s+)?" + _UNIT + r"|(?P<uln>" + _ULN + r")))?"
    r"(?P<pct2>\s*%)?"
    r"(?:(?i:\s+old|\s+of\s+age))?"
    r"(?:\s*(?i:" + _POST + r"(?:\s*" + _UNIT3 + r")?))?"
)
# a post-operator on its own, after something the comparison did not read ("101 F or higher": a bare degree letter)
POST_AFTER = patterncache.compile(r"\s*(?i:" + _POST + r")")
# a reference limit with no number: ">= LLN", "no greater than upper limit of normal", "< the ULN"
BARE_LIMIT = patterncache.compile(
    r"(?i:" + _PRE + r")\s*(?:the\s+)?(?:(?:institutional|institution's|local|laboratory|lab)\s+)*"
    r"(?P<rel>ULN|LLN|(?:upper|lower)\s+limits?\s+(?:of\s+)?(?:the\s+)?(?:institutional\s+)?normal(?:\s+range)?(?:\s*\((?:ULN|LLN)\))?|"
    r"(?P<range>normal\s+(?:range|limits?)))"
    r"(?![\w])(?!\s*(?:x|times)\b)")
# "below the normal range" is under its lower limit, "above normal limits" over its upper one; the direction is the
# operator phrase's word ("not below": >= LLN, "no greater than": <= ULN)
_BELOW_WORD = re.compile(r"(?i)\b(?:below|under|less|lower|smaller|fewer|beneath|inferior)\b")
_ABOVE_WORD = re.compile(r"(?i)\b(?:above|over|greater|more|higher|exceed\w*|excess|superior)\b")
# "within or below the normal limits" (<= ULN), "2 seconds greater than normal range", "2 standard deviations or more
# below the normal range": no bare limit (an alternative, or a number the limit is offset by)
_NOT_BARE_RANGE = re.compile(r"(?i)(?:\bwithin\s+or\s+|\d[^;,.()]{0,30})$")


@dataclass
class Comparison:
    """One threshold as written: `op` None for a bare number (no operator), `v2` the upper end of a range."""

    start: int  # the comparison's span (operator to unit), trailing spaces excluded
    end: int
    value_start: int
    value_end: int
    op: Optional[str]
    v1: float
    v1_text: str
    v2: Optional[float] = None
    v2_text: Optional[str] = None
    upper_op: str = "<="  # the upper bound's operator of a range ("6 months and < 16 years")
    lower_op: str = ">="  # the lower bound's operator of a range: ">" where both ends have a symbol ("> 18 and < 60")
    v1b: Optional[float] = None  # "160/100 mmHg": the diastolic value
    unit: Optional[str] = None  # UCUM code
    unit_text: Optional[str] = None
    relative_to: Optional[str] = None  # "ULN" / "LLN"
    has_pre: bool = False  # the operator stands before the number
    has_post: bool = False
    word: Optional[str] = None  # "age" or "grade" written between the operator and the number

    @property
    def is_range(self) -> bool:
        return self.v2 is not None and self.op is None


def _op_of(m: "re.Match[str]") -> Tuple[Optional[str], bool]:
    """(op, is_range) of a comparison match."""
    if (m.group("between") or m.group("range")) and m.group("v2"):
        return None, True
    return _op_of_one(m), False


def _one_sided(m: "re.Match[str]") -> Optional[str]:
    """The operator of a range said with a one-sided word ("at least 4-6 weeks since prior flutamide", "no more
    than 4-8 weeks since prior chemotherapy", "life expectancy at least 5-10 years", "hospital stay of 3-4 weeks
    or longer"): the range is how sure the writer is of the bound, not a second bound, so only the bound the word
    gives is read (">= 4 weeks", "<= 8 weeks"); None where the range stands.  Kept as a range: a symbol
    (">= 18-65 years", "> 50 to <= 300"), a strict lower word ("over 18 to 70", "greater than 2 years to 6
    years": strata), "between", a written upper operator, and a range said with words ("Ages greater than or
    equal to 2 to 80", "At least 365 days to 17 years": an age range)."""
    if m.group("between") or m.group("rop") or not m.group("v2") or m.group("range") not in ("-", "\u2013"):
        return None
    op = _op_of_one(m)
    if op is None or (m.group("pre") and not re.search(r"[a-z]", m.group("pre"), re.I)):
        return None
    if op == ">" and m.group("pre") and not _MORE_THAN.fullmatch(m.group("pre").strip()):
        return None
    return op


# "more / greater than N-M" is one uncertain lower bound ("Life expectancy of more than 3-6 months", "ALT greater than
# 2-3 times the upper limit of normal", "greater than 10-20% of bone marrow"; 9 such in the corpora, none a stratum):
# read as the range [N, M] it excluded everyone above M
_MORE_THAN = re.compile(r"(?:more|greater)\s+than", re.I)


def _op_of_one(m: "re.Match[str]") -> Optional[str]:
    """The operator of a comparison match read as one value."""
    if m.group("pre"):
        pre = PRE_OPS.get(" ".join(m.group("pre").lower().split()))
        post = POST_OPS.get(" ".join(m.group("post").lower().split())) if m.group("post") else None
        # "CRAFFT = 2 or higher", "BMI = 30 kg/m2 or greater" (5 in the XML extract and LCT): the words say which
        # side, the "=" is a lost ">=" / "<="
        return post if pre == "=" and post in (">=", "<=") else pre
    if m.group("post"):
        return POST_OPS.get(" ".join(m.group("post").lower().split()))
    return None


_RATE = re.compile(r"\s*(daily|per\s+day|a\s+day|each\s+day|/\s*day|weekly|per\s+week|a\s+week|/\s*week|per\s+year|a\s+year|"
                   r"per\s+annum|annually|per\s+month|a\s+month|/\s*month|monthly)\b", re.I)
# a rate written after the substance of a mass ("greater than 7.5 mg prednisone daily", "more than 30 g of alcohol
# per day", "exceeding 10 mg of Prednisone per day", "Greater than 1 g proteinuria daily"; 16 in the corpora): the
# mass per day, read as a bare mass before; the comparison still ends at the unit, so the substance names the subject;
# never a frequency word ("<= 23.7 mg twice daily" is no 23.7 mg/d)
_MASS = re.compile(r"^(?:[mun]?g|ug|\[IU\])$")
_SUBSTANCE_WORDS = re.compile(r"\s+(?:of\s+)?(?:(?!(?:and|or|for|at|in|to|per|every|each|with|plus|than|if|on|x|once|twice|thrice|times|bid|tid|qid)\b)"
                              r"[A-Za-z][\w-]*\s+){1,2}(?=(?:daily|per\s+day|a\s+day|/\s*day|per\s+week|weekly|a\s+week|/\s*week)\b)", re.I)


def _rate_after_substance(text: str, end: int, said: str) -> Optional[str]:
    """The mass-per-period unit of "7.5 mg prednisone daily" (the substance between the unit and the rate), or None."""
    m = _SUBSTANCE_WORDS.match(text, end)
    rate = _RATE.match(text, m.end()) if m is not None else None
    if rate is None:
        return None
    return _per_period(said, rate.group(1))


def _per_period(said: str, rate: str) -> Optional[str]:
    """The UCUM code of unit `said` per the period a rate word names ("mg" + "daily" -> mg/d; "per week" -> /wk)."""
    return units.to_ucum(said + next((p for w, p in _RATE_PER if w in rate.lower()), "/day"))


_RATE_PER = (("week", "/week"), ("year", "/year"), ("annum", "/year"), ("annually", "/year"), ("month", "/month"))
# days counted per week / month / year ("at least 2 days a week", "4 days/week", "2 days per month"): a count of
# days per that period, never a length of days
_DAYS_PER = (("week", "/wk"), ("month", "/mo"), ("year", "/a"), ("annum", "/a"), ("annually", "/a"))
# days after a number of weeks, written without "and" ("23 weeks 6 days", "37weeks 6 days", "24 + 0 weeks" is not
# this): part of the same length; never a count of days per week ("6 weeks 5 days a week")
_DAYS_AFTER_WEEKS = re.compile(r"\s*(?:and\s+)?\+?\s*([0-6]|zero|one|two|three|four|five|six)\s*(?:days?|d)\b(?!\s*(?:a|per|/|each|every)\s*(?:week|wk))", re.I)
# a semi-quantitative grade after an operator ("proteinuria >= 2+", "less than 1+ proteinuria", "= or > 2 + proteinuria",
# "staining at least 2+"): the grade's number (dipstick and IHC readings, 0 to 4)
_PLUS_GRADE = re.compile(r"[0-4]\s?\+(?![\w+])")
# a part of a number of days ("20 out of 28 days", "75 of the 90 days", "4 out of 7 nights"): the days counted
_OUT_OF = re.compile(r"\s*(?<![\w-])(?:out\s+)?of\s+(?:the\s+)?(?P<whole>" + NUM + r")\s+(?:(?:consecutive|previous|prior|last)\s+)?"
                     r"(?P<u>days|nights|weeks|months)\b", re.I)
_EACH_WEEK = re.compile(r"\s*(?:each|every|per|a)\s+week\b", re.I)
# a ratio written after a number ("1:160", "1.5:1"): a titer's dilution when the number is 1, the number itself over 1
# an ETDRS letter-score range, written from the better score down ("ETDRS visual acuity between 80 to 24 letters",
# "BCVA letter score of 73 to 24"; 5 in the XML extract, LCT and the v2 sample, none the other way round)
_LETTERS_AFTER = re.compile(r"\s*(?:ETDRS\s+)?letters?\b", re.I)
_LETTER_SCORE_BEFORE = re.compile(r"\bletter\s+scores?\s+(?:of\s+)?$", re.I)
_EQUAL_LIST = re.compile(r"\s*(?:,\s*\d+\s*)*(?:,|\bor\b)\s*\d+(?![\d.,])")
_RATIO = re.compile(r":(\d{1,6})(?![\d.,:])")
# a lesion's size as a product of dimensions ("at least 2 x 2 cm", "1.5x1.5 cm", "5 x 5 x 5 cm"): the factors after
# the first number, and the length unit after the last one
_DIMS = re.compile(r"(?:\s*(?:x|\u00d7|by)\s*(\d+(?:\.\d+)?)){1,2}\s*(cm|mm)\b", re.I)
_FACTOR = re.compile(r"(?:x|\u00d7|by)\s*(\d+(?:\.\d+)?)", re.I)
# months after a number of years, written without "and" or after a range's "and" ("17 years 2 months", "maximum of 3
# years 1 month"): part of the same length, never a rate ("6 months a year")
_MONTHS_AFTER_YEARS = re.compile(r"\s*(?:and\s+)?(1[01]|[1-9]|one|two|three|four|five|six|seven|eight|nine|ten|eleven)\s*"
                                 r"months?\b(?!\s*(?:a|per|/|each|every)\s*(?:year|yr))", re.I)
_DATE_LIKE = re.compile(r"^\s*(?:\(?(?:19|20)\d\d\b|\d{4}\.v\d)")


_IDENTIFIER_HEAD = re.compile(r"\b(?i:" + "|".join(words()["words"]["identifier_heads"]) + r")\s+(?:(?i:no)\.?\s*|#\s*)?$")


def _glued(m: "re.Match[str]", text: str, unit_text: Optional[str], rel: Optional[str], pct: Optional[str]) -> bool:
    """A number that is part of a name, a date, a version or a study's number ("CD19", "HER2", "(2016)",
    "2016.v1", "10^999", "PDL Study 195-301")."""
    v1s, v1e = m.span("v1")
    if not unit_text and not m.group("pre") and _IDENTIFIER_HEAD.search(text, max(0, v1s - 20), v1s):
        return True
    if v1s > 0 and (text[v1s - 1].isalpha() or text[v1s - 1] in "-+") and not m.group("pre") and not m.group("between"):
        return True
    if _DATE_LIKE.match(text[v1s:v1s + 8]) and not unit_text and not rel and not pct:
        return True
    if v1e < len(text) and (text[v1e].isalpha() or text[v1e] == "^" or text[v1e:v1e + 2] == "\\^") and not unit_text and not rel:
        return True  # "10^999/L" read as "10": an exponent no unit covers
    return bool(unit_text and _TIMED_TEST.match(text, v1e))  # "the 6-Minute Walk Test": a test's name


_TIMED_TEST = re.compile(r"-(?i:minutes?|mins?|hours?|hrs?|h)\s+(?i:" + "|".join(words()["words"]["timed_test"]) + r")\b")


_TIME_RANK = {"a": 6, "mo": 5, "wk": 4, "d": 3, "h": 2, "min": 1}


def _compound_time(m: "re.Match[str]", ucum: Optional[str], v1: float, v2: Optional[float]) -> Optional[float]:
    """"2 years and 6 months" (2.5), "24 years and 364 days": a length written in two time units, larger
    first, joined by "and", in the larger unit; None where the match is no such length."""
    u1 = units.to_ucum(m.group("u1")) if m.group("u1") else None
    if v2 is None or (m.group("range") or "").lower() != "and" or u1 is None or ucum is None \
            or _TIME_RANK.get(u1, 0) <= _TIME_RANK.get(ucum, 0) or ucum not in _TIME_RANK:
        return None
    extra = units.try_convert(v2, ucum, u1)
    return None if extra is None else round(v1 + extra, 3)


# the upper end of a range of two compound ages ("18 years and 0 days through 24 years and 364 days", "18 yrs and 0
# days to 24 yrs and 364 days"): written to the last day or month before a birthday
_COMPOUND_UPPER = re.compile(r"\s*(?:-|\u2013|to|through|until)\s*(?P<a>\d{1,3})\s*(?P<ua>years?|yrs?)\s+and\s+"
                             r"(?P<b>\d{1,3})\s*(?P<ub>days?|months?)\b", re.I)


def compound_upper(m: "re.Match[str]", text: str) -> Optional["re.Match[str]"]:
    """The upper compound age after a match read as one compound age (`_compound_time`), or None."""
    if (m.group("range") or "").lower() != "and" or not m.group("u1") or not m.group("unit") or not m.group("v2"):
        return None
    if units.to_ucum(m.group("u1")) != "a" or units.to_ucum(m.group("unit")) not in ("d", "mo"):
        return None
    return _COMPOUND_UPPER.match(text, m.end())


def _upper_age(t: "re.Match[str]") -> float:
    """"through 24 years and 364 days" / "to 17 years and 11 months": the age stays below the end of that last day
    or month (< 25 years; the day before a birthday is 364 or 365 days past the last one)."""
    years, n = int(t.group("a")), int(t.group("b"))
    if t.group("ub").lower().startswith("month"):
        return round(years + (n + 1) / 12, 3)
    return float(years + 1) if n >= 364 else round(years + (n + 1) / 365.25, 3)


_WEEKS_BEFORE = re.compile(r"\b(\d{1,2})\s*weeks?\s*(?:and\s+)?$", re.I)


def _weeks_before(m: "re.Match[str]", text: str, v1: float, ucum: Optional[str]) -> Optional["re.Match[str]"]:
    """"16 weeks 0 days and 23 weeks 6 days": the weeks written before a range that starts with a number of days
    (0 to 6) and ends in weeks, the low end's whole weeks (None: no such weeks)."""
    if ucum != "wk" or not m.group("u1") or units.to_ucum(m.group("u1")) != "d" or not 0 <= v1 <= 6 or m.group("pre"):
        return None
    return _WEEKS_BEFORE.search(text, max(0, m.start("v1") - 16), m.start("v1"))


def _in_unit(value: float, unit: Optional[str], to_unit: str) -> Optional[float]:
    """`value` (in `unit`) in `to_unit` ("6 months" as 0.5 years); unchanged where the units are one."""
    if unit is None or unit == to_unit:
        return value
    got = units.try_convert(value, unit, to_unit)
    return None if got is None else round(got, 6)


_SCALE_BEFORE = re.compile(r"(?i)\b(?:grade|stage|class)(?:s|es)?\s*$")
_RANGE_WORDS = re.compile(r"(?i)\b(?:between|from|ages?|aged|range)\b")
_LISTED_BEFORE = re.compile(r"(?:(?<![\w.,])(\d{1,3})\s*,\s*)+$")


def _enumerated(text: str, v1_start: int, v1: float, v2: float, ucum: Optional[str]) -> Optional[Tuple[int, float]]:
    """'N and M' read as a range: (start, lowest value) where the values listed ('2, 3 and 4', '3 and 4')
    are consecutive whole numbers, so the range is the set they enumerate; None where they are an
    enumeration no range states ('1, 3 and 4'; 'trisomy 4 and 10' with no unit)."""
    m = _LISTED_BEFORE.search(text, max(0, v1_start - 40), v1_start)
    vals = [float(x) for x in re.findall(r"\d+", m.group(0))] if m else []
    vals += [v1, v2]
    if not all(v == int(v) for v in vals):
        return (v1_start, v1) if not m else None
    if not m and (ucum is not None or _RANGE_WORDS.search(text[max(0, v1_start - 30):v1_start])):
        return v1_start, v1  # "18 and 65 years", "between the ages of 18 and 56": a range
    if any(b - a != 1 for a, b in zip(vals, vals[1:])):
        return None
    return (m.start() if m else v1_start), vals[0]


_CHAIN_AFTER = re.compile(r"[ \t]*[-\u2013][ \t]*\d")
_CHAIN_BEFORE = re.compile(r"\d[ \t]*[-\u2013][ \t]*$")


def _chained(text: str, m: "re.Match[str]") -> bool:
    """A dash range with another dash and number on either side ("100 - 200 - 300"): a list, not a range."""
    return bool(_CHAIN_AFTER.match(text, m.end("v2")) or _CHAIN_BEFORE.search(text, max(0, m.start("v1") - 12), m.start("v1")))


def _lower_op(m: "re.Match[str]") -> str:
    """The lower bound's operator of a range: ">" where a ">" symbol opens it and a symbol closes it ("> 18 and
    < 60 years of age", ">50 to <=300"); ">=" otherwise (a word before a range is often loose: "over 18 to 70")."""
    pre, rop = m.group("pre"), m.group("rop")
    if pre and rop and rop.startswith("<") and pre.strip() == ">":
        return ">"
    return ">="


def _upper_op(rop: Optional[str]) -> str:
    """The upper bound's operator of a range: "<" / "<=" as written, "to less than 25.0" -> "<" (default "<=")."""
    if not rop:
        return "<="
    if rop[0] == "<":
        return rop
    return "<=" if "equal" in rop.lower() else "<"


def _dimension_bound(m: "re.Match[str]", dims: "re.Match[str]", op: Optional[str], v1: float,
                     v1_said: str) -> Optional[Comparison]:
    """A minimum size given as equal sides ("at least 2 x 2 cm") bounds each side. Unequal sides, and upper
    bounds ("total area < 5 x 5 cm", "the equivalent of 5 x 5 x 5 cm") state an area or volume: no bound."""
    sides = {number(f) for f in _FACTOR.findall(dims.group(0))}
    if op not in (">", ">=") or sides != {v1}:
        return None
    return Comparison(start=m.start(), end=dims.end(), value_start=m.start("v1"), value_end=m.end("v1"), op=op, v1=v1,
                      v1_text=v1_said, unit=units.to_ucum(dims.group(2)), unit_text=dims.group(0).strip(),
                      has_pre=bool(m.group("pre")), has_post=bool(m.group("post")))


def read(m: "re.Match[str]", text: str) -> Optional[Comparison]:
    """The comparison of one COMPARISON match, or None where the number states no threshold."""
    op, is_range = _op_of(m)
    unit_text = m.group("unit") or (m.group("u1") if m.group("v2") else None) or m.group("u3")
    rel = m.group("rel")
    v1e = m.end("v1")
    pct = m.group("pct2") or ("%" if "%" in text[v1e:m.end("v2") if m.group("v2") else v1e + 2] else None)
    if _glued(m, text, unit_text, rel, pct):
        return None
    if op == "=" and not m.group("v2") and _EQUAL_LIST.match(text, m.end("v1")):
        return None  # "ECOG = 0, 1 or 2": a list of allowed values (read by the scale rules), not "= 0"
    plus = _PLUS_GRADE.match(text, m.start("v1")) if op and m.group("pre") and not m.group("v2") and not unit_text else None
    if plus is None and v1e < len(text) and text[v1e] == "+" and not m.group("post"):
        # "CD19+", "18+" -> only an age-like "18+ years" is a bound
        if not (re.match(r"\+\s*(?:years?|yrs)", text[v1e:v1e + 8], re.I)
                or re.search(r"\bage[ds]?\s*:?\s*$", text[max(0, m.start("v1") - 12):m.start("v1")], re.I)):
            return None
        op = ">="
    ulabel = None
    if rel:
        r = rel.lower()
        ulabel = "LLN" if ("lower" in r or "minimum" in r or r == "lln") else "ULN"
    ucum = units.to_ucum(unit_text) if unit_text else None
    if pct and not ucum and not ulabel:
        ucum = "%"
    if op is None and ulabel == "ULN" and re.search(r"\bwithin\s+$", text[max(0, m.start() - 8):m.start()], re.I):
        op = "<="  # "ALT or AST within 2 times the upper limit of normal"
    end = max(m.end(), plus.end()) if plus else m.end()
    v1_said = text[m.start("v1"):plus.end()] if plus else m.group("v1")
    rate = _RATE.match(text, end) if ucum and (unit_text or ucum == "%") else None
    if rate:  # "10 mg daily", "25 mg weekly", "1.3 g per day", "1% per year"
        said = unit_text or "%"
        per = _per_period(said, rate.group(1))
        if per is None and ucum == "d":
            per = next((p for w, p in _DAYS_PER if w in rate.group(1).lower()), None)
        if per:
            ucum, unit_text, end = per, said + " " + rate.group(1), rate.end()
    elif ucum and unit_text and _MASS.match(ucum):
        ucum = _rate_after_substance(text, end, unit_text) or ucum
    v1 = number(m.group("v1"))
    v2 = number(m.group("v2")) if m.group("v2") else None
    v1b = number(m.group("v1b")) if m.group("v1b") else None
    if v1 is None or (m.group("v2") and v2 is None):
        return None  # a value too large to be finite: no constraint rather than Infinity
    ratio = _RATIO.match(text, v1e) if not m.group("v2") and not ucum and not ulabel else None
    if ratio is not None:  # "titer >= 1:160": the titer is the dilution's denominator; "Qp/Qs <1.5:1": 1.5
        if m.group("neg") or (v1 != 1 and ratio.group(1) != "1"):
            return None  # "10:40 pm", "MART-1:26-35": a clock time or a name, no value
        v1 = float(ratio.group(1)) if v1 == 1 else v1
        v1e, v1_said = ratio.end(), text[m.start("v1"):ratio.end()]
        post = POST_AFTER.match(text, v1e) if op is None else None  # "ANA titer of 1:80 or greater"
        op = POST_OPS.get(" ".join(post.group("post").lower().split())) if post else op
        end = post.end() if post else v1e
    dims = _DIMS.match(text, v1e) if ucum is None and not ulabel and not m.group("v2") and not pct else None
    if dims is not None:  # "lymph node at least 1.5 x 1.5 cm": every side at least 1.5 cm
        return _dimension_bound(m, dims, op, v1, v1_said)
    part = _OUT_OF.match(text, end) if ucum is None and not ulabel and not m.group("v2") and not pct else None
    if part is not None:  # "at least 20 out of 28 days", "at least 75 of the 90 days": 20 days, not a bare 20
        whole = number(part.group("whole"))
        if whole is None or whole < v1:
            return None
        ucum = "d" if part.group("u").lower().startswith(("night", "day")) else units.to_ucum(part.group("u"))
        unit_text, end = part.group(0).strip(), part.end()
        weekly = _EACH_WEEK.match(text, end) if ucum == "d" and whole == 7 else None
        if weekly:  # "at least 4 of 7 days each week": days per week
            ucum, unit_text, end = "/wk", unit_text + " " + weekly.group(0).strip(), weekly.end()
    days = _DAYS_AFTER_WEEKS.match(text, end) if ucum == "wk" else _MONTHS_AFTER_YEARS.match(text, end) if ucum == "a" else None
    if days:  # "between 14 weeks and 23 weeks 6 days" (gestational age): the upper bound is 23 6/7 weeks;
        per = 7 if ucum == "wk" else 12  # "between the ages of 5 and 17 years 2 months": 17 2/12 years
        if is_range and v2 is not None:
            v2 = round(v2 + (number(days.group(1)) or 0.0) / per, 3)
        elif not is_range:
            v1 = round(v1 + (number(days.group(1)) or 0.0) / per, 3)
        end = days.end()
    if m.group("neg"):
        v1 = -v1
    compound = _compound_time(m, ucum, v1, v2) if is_range else None
    upper = compound_upper(m, text) if compound is not None and _op_of_one(m) is None else None
    if upper is not None:  # "18 years and 0 days through 24 years and 364 days": >= 18 a, < 25 a
        return Comparison(start=m.start(), end=upper.end(), value_start=m.start("v1"), value_end=v1e, op=None, v1=compound,
                          v1_text=m.group("v1"), v2=_upper_age(upper), v2_text=upper.group(0).strip(), upper_op="<",
                          unit="a", unit_text=m.group("u1"))
    if compound is not None:  # "2 years and 6 months", "24 years and 364 days": one length, not a range
        v1, ucum, unit_text, is_range = compound, units.to_ucum(m.group("u1")), m.group("u1"), False
        op = _op_of_one(m)
    weeks = _weeks_before(m, text, v1, ucum) if is_range else None
    if is_range and m.group("u1") and ucum:  # "6 months to 17 years": the low end in the range's unit
        v1 = _in_unit(v1, units.to_ucum(m.group("u1")), ucum)
        if v1 is None:
            return None  # two units that do not convert: no range
    if weeks is not None:  # "37 weeks 0 days to 37 weeks 6 days": the low end is 37 weeks (was 0 days)
        v1 = round(int(weeks.group(1)) + (number(m.group("v1")) or 0.0) / 7, 3)
    if is_range and v2 is not None and v2 < v1:
        if ucum != "{letters}" and not _LETTERS_AFTER.match(text, m.end()) and not _LETTER_SCORE_BEFORE.search(text, max(0, m.start() - 30), m.start()):
            return None
        v1, v2 = v2, v1  # "BCVA of 77 to 20 letters": visual acuity letter scores are written best first
    if is_range and (m.group("range") or "") in ("-", "\u2013") and _chained(text, m):
        return None  # "(100 - 200 - 300 - 400 - 500)": a list of strata, no range
    start = weeks.start() if weeks is not None else m.start()
    if is_range and v2 is not None and (m.group("range") or "").lower() == "and" and not m.group("between") \
            and not m.group("rop") and not re.search(r"[<>\u2264\u2265]", text[m.start():m.start("v1")]) \
            and not _SCALE_BEFORE.search(text, max(0, m.start("v1") - 12), m.start("v1")):  # "grades 1 and 2": a set, read later
        listed = _enumerated(text, m.start("v1"), v1, v2, ucum)
        if listed is None:
            return None  # "category 1, 3 and 4", "trisomy 4 and 10": an enumeration, not a range
        if listed[0] < m.start("v1") and start == m.start("v1"):
            start, v1 = listed  # "grades 2, 3 and 4": the range starts at the first listed value
    vstart = m.start("v1")
    side = _one_sided(m) if is_range and compound is None and upper is None and weeks is None else None
    if side is not None:  # "at least 4-6 weeks" -> >= 4 weeks; "no more than 4-8 weeks" -> <= 8 weeks
        op, is_range = side, False
        if side in ("<", "<="):
            v1, v1_said, vstart, v1e = v2, m.group("v2"), m.start("v2"), m.end("v2")
    while end > start and text[end - 1].isspace():
        end -= 1
    return Comparison(start=start, end=end, value_start=vstart, value_end=v1e, op=op, v1=v1,
                      v1_text=("-" if m.group("neg") else "") + v1_said, v2=v2 if is_range else None,
                      v2_text=m.group("v2") if is_range else None, upper_op=_upper_op(m.group("rop")), v1b=v1b,
                      lower_op=_lower_op(m) if is_range else ">=",
                      unit=ucum, unit_text=unit_text, relative_to=ulabel, has_pre=bool(m.group("pre")),
                      has_post=bool(m.group("post")), word=(m.group("word") or "").lower() or None)


_NUM_START = re.compile(r"\d|\.\d|(?i:\b(?=[a-z])(?:" + lexicon.trie_regex([list(w) for w in [*NUM_WORDS, *FREQ_WORDS]]) + r")\b)")
_PRE_REACH = 60  # a comparison starts at most this far before its number (longest pre-op + spaces)
#: ... or this far where the grading scale is spelled out ("\\>/= Common Terminology Criteria for Adverse Events (CTCAE)
#: Grade 2": 1 in the API v2 sample, 1 in the XML extract)
_PRE_REACH_SPELLED = 100
_OP_FIRST = sorted({p[0] for p in PRE_OPS if not p[0].isalnum()})
# where a comparison can start: a word start (word operators, "between", "from") or an operator symbol
_CAND_START = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z]|[" + re.escape("".join(_OP_FIRST)) + r"]")


#: operators written without their "than" (comparators.jsonl): never right after "or" ("or greater 3")
_SLIP = re.compile(r"(?:no\s+)?(?:greater|less)(?:\s+or\s+equal)?", re.I)
_OR_BEFORE = re.compile(r"\bor\s+$", re.I)


def matches(text: str) -> Iterator["re.Match[str]"]:
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
        reach = _PRE_REACH_SPELLED if text.find("Terminology", max(0, a.start() - _PRE_REACH_SPELLED), a.start()) >= 0 \
            else _PRE_REACH
        lo = max(pos, a.start() - reach)
        m = None
        for c in _CAND_START.finditer(text, lo, a.start()):
            m = COMPARISON.match(text, c.start())
            if m is not None and _SLIP.fullmatch(m.group("pre") or "") \
                    and _OR_BEFORE.search(text, max(0, c.start() - 6), c.start()):
                m = None  # "3 + or greater 3.": the "or greater" of the value before, then a list number
            if m is not None:
                break
        if m is None:
            m = COMPARISON.match(text, a.start())
            if m is None:  # "CD19": no comparison starts here; go on after this digit
                pos = a.start() + 1
                continue
        yield m
        upper = compound_upper(m, text)  # read with m as one range: "18 years and 0 days through 24 years and 364 days"
        ratio = _RATIO.match(text, m.end("v1")) if m.group("v2") is None else None  # "1:80" read with its "1"
        pos = upper.end() if upper is not None else m.end() if m.end() > m.start() else m.start() + 1
        pos = max(pos, ratio.end()) if ratio is not None else pos
        part = _OUT_OF.match(text, m.end()) if m.group("v2") is None and not m.group("unit") else None
        pos = max(pos, part.end()) if part is not None else pos  # "20 out of 28 days": one value


_DIGIT = re.compile(r"\d")
_NUM_WORD = re.compile(r"(?i:\b(?:" + "|".join([*NUM_WORDS, *FREQ_WORDS]) + r")\b)")
_NUM_WORD_LOW = re.compile(r"\b(?:" + "|".join([*NUM_WORDS, *FREQ_WORDS]) + r")\b")


def bare_limits(text: str) -> Iterator[Comparison]:
    """">= LLN", "no greater than upper limit of normal": a reference limit with no number is 1 x it."""
    for m in BARE_LIMIT.finditer(text):
        op = PRE_OPS.get(" ".join(m.group("pre").lower().split()))
        if op is None:
            continue
        r = m.group("rel").lower()
        rel = "LLN" if ("lower" in r or "minimum" in r or r == "lln") else "ULN"
        if m.group("range"):  # "LVEF below the institutional normal range": < 1 x LLN
            pre = m.group("pre")
            below, above = _BELOW_WORD.search(pre), _ABOVE_WORD.search(pre)
            if bool(below) == bool(above) or _NOT_BARE_RANGE.search(text, max(0, m.start() - 40), m.start()):
                continue
            rel = "LLN" if below else "ULN"
        yield Comparison(start=m.start(), end=m.end(), value_start=m.start("rel"), value_end=m.start("rel"), op=op, v1=1.0,
                         v1_text=None, relative_to=rel, has_pre=True)  # type: ignore[arg-type]


def any_number(text: str, low: str) -> bool:
    """Whether `text` holds a digit or a number word (`low` is text.lower(); re.I is slow, and for ASCII
    text the two agree exactly)."""
    if _DIGIT.search(text):
        return True
    if text.isascii():
        return _NUM_WORD_LOW.search(low) is not None
    return _NUM_WORD.search(text) is not None
