"""Stage 2 of constraint extraction: what a comparison is about (its subject).

Given one `Comparison` of a criterion's text, `attach` finds its subjects, in this order:
lexicon mentions before it in the same clause (extended over lists joined by "and", "/",
"or", ","), a label before a colon, an age, the event of "N weeks since X", the unit
(kg -> weight), the caller's hint, the noun after a bare count ("2 or more relapses"),
and last a short head phrase.  Lexicon mentions are found once per text (`Mentions`),
so a long criterion with many comparisons costs linear time.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from . import concepts, lexicon, resources, runon, units
from .comparisons import PRE_OP_ALT, Comparison, words


class Span(NamedTuple):
    """A subject as found: offsets into the text and its normalised name."""

    start: int
    end: int
    name: str


@dataclass
class Attachment:
    """The subjects of one comparison; `category` set where the rule that found them decides it."""

    subjects: List[Span] = field(default_factory=list)
    category: Optional[str] = None
    extends_to: Optional[int] = None  # the span of the constraint reaches this far (a noun after the number)


def _words_alt(key: str) -> str:
    return "(?:" + "|".join(words()["words"][key]) + ")"  # type: ignore[index]


_STOP = re.compile(r"^" + _words_alt("stop") + r"$", re.I)
_QUANTITY = re.compile(r"^" + _words_alt("quantity") + r"$", re.I)
_BARE = re.compile(r"^(?:" + _words_alt("bare") + r"|" + _words_alt("quantity") + r"|(?-i:(?!\d{1,2}-?[A-Z]{2,}\d?$|\d{1,2}-[a-z]{8,}$))\d.*)$", re.I)  # (not "3TC", "6-mercaptopurine")
_PERSON = re.compile(r"\b" + _words_alt("person") + r"\b", re.I)
_PERSON_HEAD = re.compile(r"\b" + _words_alt("person") + r"$", re.I)  # a phrase that names people
_FILLER_GAP = re.compile(
    r"^[)\]]?[\s,]*(?:\([^()]{0,60}\)\s*)?(?:(?:" + _words_alt("filler") + r"|\d+\s*hours?|≤"
    r"|(?:in|on|at|breathing)\s+(?:[a-z]+\s+)?air)\b[\s,:\-]*"  # "in indoor air", "on room air", "in ambient air"
    r"|\([^()]{0,40}\)\s*|\[[^\[\]]{0,40}\]\s*|[=:]\s*)*"
    r"(?:\(\s*)?$", re.I)  # "Elevated serum creatinine (> 2 mg/dL)": a bracket opened on the comparison
_LIST_GAP = re.compile(r"^\s*\)?\s*(?:,|/|\band\b|\bor\b|\band/or\b|&|\+)?\s*(?:,|/|\band\b|\bor\b|\band/or\b)?\s*$", re.I)
#: where a sentence or a list item ends; a hand-wrapped line break is none ("If previously treated ...\n therapy
#: must have concluded"): read where the words of one sentence belong together (a requirement's modal and its
#: guard, the values before "respectively")
SENTENCE_BREAK = re.compile(r"[.;:]\s|\n\s*\n|\n\s*(?:[-*\u2022]|\d{1,2}[.)])\s")
# a new line breaks a clause only where a list item or a paragraph starts: criteria
# bodies keep the hard wraps of legacy records ("Karnofsky\n    performance status")
#: (a colon between a word ending in a digit and a letter is a ratio, "PaO2:FiO2", not a label's end)
_CLAUSE_BREAK = re.compile(r"(?=[;:\n.,eu])(?:;|(?<![A-Za-z]\d):|:(?![A-Za-z])|\n[ \t]*(?:\n|(?=(?:[-*+\u2022]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s))|\.\s|,\s*(?:and|or|but)\s|\bexcept\b|\bunless\b)", re.I)


@lru_cache(maxsize=1)
def _since_item() -> "re.Pattern[str]":
    return re.compile(words()["patterns"]["since_item"], re.I)  # type: ignore[index]


def since_items(text: str) -> List[int]:
    """Where a washout item run on after the item before it starts ("No prior paclitaxel At least 4 weeks since
    prior gemcitabine": at "At"); constraint_words.toml [patterns] since_item."""
    if "ince" not in text and "lapsed" not in text:
        return []
    return [m.end() for m in _since_item().finditer(text)]


@lru_cache(maxsize=1)
def _no_item() -> "re.Pattern[str]":
    return re.compile(words()["patterns"]["no_item"], re.I)  # type: ignore[index]


def no_items(text: str) -> List[int]:
    """Where a "No" item run on after the item before it starts ("No cardiac failure No myocardial infarction
    within the past 6 months": at the second "No"); constraint_words.toml [patterns] no_item."""
    if "No" not in text:
        return []
    return [m.end() for m in _no_item().finditer(text)]


class Mentions:
    """Lexicon mentions and clause starts of one text, each found once on first use and then
    bisected per comparison (most numbers never need a subject, so the scan stays lazy)."""

    __slots__ = ("text", "_found", "_starts", "_ends", "scans")

    def __init__(self, text: str) -> None:
        self.text = text
        self._found: Optional[List[Span]] = None
        self._starts: List[int] = []
        self._ends: Optional[List[int]] = None
        self.scans = 0  # how many times the lexicon scanned this text (at most once)

    def within(self, floor: int, end: int, last: int = 16) -> List[Span]:
        """The `last` mentions lying wholly inside text[floor:end] (the nearest ones, in text order)."""
        found = self._mentions()
        lo = bisect.bisect_left(self._starts, floor)
        i = bisect.bisect_left(self._starts, end)
        out: List[Span] = []
        while i > lo and len(out) < last:
            i -= 1
            if found[i].end <= end:
                out.append(found[i])
        return out[::-1]

    def _mentions(self) -> List[Span]:
        if self._found is None:
            self.scans += 1
            self._found = [Span(*m) for m in lexicon.find_mentions(self.text)]
            self._starts = [m.start for m in self._found]
        return self._found

    def _item_starts(self) -> List[int]:
        """Run-on item starts, but for a capital inside a lexicon name ("Body mass Index > 30")."""
        starts = runon.item_starts(self.text)
        if starts:
            found = self._mentions()
            starts = [i for i in starts if not any(m.start < i < m.end for m in found)]
        return starts

    def floor(self, pos: int) -> int:
        """Start of the clause holding `pos`."""
        if self._ends is None:
            self._ends = sorted([m.end() for m in _CLAUSE_BREAK.finditer(self.text)] + since_items(self.text)
                                + no_items(self.text) + self._item_starts())
        i = bisect.bisect_right(self._ends, pos) - 1
        return self._ends[i] if i >= 0 else 0


def concept_named(name: str) -> Optional["concepts.Concept"]:
    """The concept a subject name is (its `Constraint.subject`) or names (a written form)."""
    return concepts.by_subject(name) or concepts.lookup(name)


# ------------------------------------------------------------------ lexicon subjects --

def mention_list(mentions: Mentions, text: str, cstart: int, floor: int) -> List[Span]:
    """Mentions that the comparison at `cstart` applies to (nearest + list before it)."""
    before = mentions.within(floor, cstart)
    if not before:
        return _label_subject(mentions, text, cstart, floor)
    last = before[-1]
    gap = text[last.end:cstart]
    if len(gap) > 80 or not (_FILLER_GAP.match(gap) or _limited_to(text, last, gap)):
        return []  # only "(LVEF)"-style abbreviations or fillers ("level is") between name and comparison
    chosen = [last]
    for prev in reversed(before[:-1]):
        between = text[prev.end:chosen[0].start]
        if prev.name == chosen[0].name and re.match(r"^\s*\(?\s*$", between):
            chosen[0] = Span(prev.start, chosen[0].end, prev.name)  # "left ventricular ejection fraction (LVEF)"
            continue
        if _defined_abbreviation(text, prev, chosen[0], between):
            chosen[0] = Span(prev.start, chosen[0].end, prev.name)  # "Karnofsky performance status (PS) 60-100%"
            continue
        if _LIST_GAP.match(between):
            if prev.name != chosen[0].name:
                chosen.insert(0, prev)
            continue
        break  # "performance status (Karnofsky": the named scale in parentheses is the subject
    else:
        chosen = _oxford_list(mentions, text, floor, chosen)
    seen, out = set(), []
    for m in chosen:
        if m.name not in seen:
            seen.add(m.name)
            out.append(m)
    return out


_ABBREVIATION = re.compile(r"[A-Z][A-Za-z0-9\-]{0,5}")


def _defined_abbreviation(text: str, name: Span, abbr: Span, between: str) -> bool:
    """"Karnofsky performance status (PS) 60-100%": an abbreviation in brackets right after a name whose initials it
    spells abbreviates that name, even where the lexicon reads the abbreviation as another concept (PS -> ECOG);
    "serum glutamate oxalo-acetate transaminase (SGOT)", where the lexicon named only "transaminase", keeps SGOT."""
    short = text[abbr.start:abbr.end]
    opened = between.strip()  # "(BP)", or "[BP]" ("systolic blood pressure [BP] > 150 mm Hg": 12 in the corpora)
    if opened not in ("(", "[") or text[abbr.end:abbr.end + 1] != {"(": ")", "[": "]"}[opened] \
            or _ABBREVIATION.fullmatch(short) is None:
        return False
    initials = iter(w[0].upper() for w in re.findall(r"[A-Za-z]+", text[name.start:name.end]))
    return all(ch in initials for ch in short if ch.isupper())  # its capitals spell the name's initials, in order


_LIMITED = re.compile(r"\blimit(?:s|ed|ing)?\s+(?:(?:the|their|his|her)\s+|(?:patient|subject)'?s\s+)?$", re.I)


def _limited_to(text: str, m: Span, gap: str) -> bool:
    """"(an illness that would) limit survival to less than 2 years": the thing limited is compared."""
    return re.fullmatch(r"\s+to\s*", gap) is not None and _LIMITED.search(text, max(0, m.start - 30), m.start) is not None


_OXFORD_BREAK = re.compile(r",\s*(?:and|or)\s$", re.I)
_COMMA_GAP = re.compile(r"^\s*,\s*$")


def _oxford_list(mentions: Mentions, text: str, floor: int, chosen: List[Span]) -> List[Span]:
    """`chosen` with the items of an Oxford-comma list before it ("SGOT, SGPT, and alkaline phosphatase
    <= 2.5 x ULN"): the ", and" that starts the clause is the list's last joint, not a clause break, where
    it follows at least two lexicon mentions joined by commas ("A, B, and C"). A clause that goes on
    (", and must have ...", "heart failure, sinus rhythm, and an ejection fraction") keeps its break."""
    brk = _OXFORD_BREAK.search(text, max(0, floor - 8), floor)
    if brk is None or text[floor:chosen[0].start].strip():
        return chosen
    before = mentions.within(mentions.floor(brk.start()), brk.start())
    if len(before) < 2 or text[before[-1].end:brk.start()].strip():
        return chosen
    items = [before[-1]]
    for prev in reversed(before[:-1]):
        between = text[prev.end:items[0].start]
        if not _COMMA_GAP.match(between):
            break
        items.insert(0, prev)
    return items + chosen if len(items) >= 2 else chosen


def _label_subject(mentions: Mentions, text: str, cstart: int, floor: int) -> List[Span]:
    """The subject named by a label before a colon ("Serum TG: > 150 mg/dl", "Life expectancy: at
    least 12 weeks"), when nothing but fillers stands between the colon and the comparison."""
    colon = floor - 1
    if colon < 1 or text[colon] != ":" or not _FILLER_GAP.match(text[floor:cstart]):
        return []
    found = mentions.within(mentions.floor(colon), colon)
    if found and _FILLER_GAP.match(text[found[-1].end:colon]):
        return [found[-1]]
    return []


# ------------------------------------------------------------------ free phrases --

_LOCATIONS = frozenset(words()["words"]["location"])  # type: ignore[index]
_TIMEPOINTS = frozenset(words()["words"]["timepoint"])  # type: ignore[index]
_TIMEPOINT_BEFORE = re.compile(r"\b(?:on|at|upon|during|before|after|prior\s+to)\s+(?:the\s+)?$", re.I)
_PHRASE_BREAK = re.compile(r"[\d<>=%,;]")
_WORD = re.compile(r"[A-Za-z][\w\-+/']*")
# a name that starts with digits ("3TC", "5-FU", "5-ASA", "6-MP"): one word of a phrase, never a number glued to a
# unit ("10mg", "4weeks") or an ordinal ("2nd")
_DIGIT_NAME = re.compile(r"(?<![\w.\-:])\d{1,2}-?(?P<letters>[A-Za-z]{2,})(?![\w/])")
# a word of a head phrase: `_DIGIT_NAME` or a word from a letter. The first character is read first, then
# which branch it opens (`_DIGIT_NAME`'s look-behind on the character before that digit), so that `re` skips
# to the characters that can start one in C: the same matches as `_DIGIT_NAME.pattern + "|[A-Za-z]..."`
_HEAD_WORD = re.compile(r"[\dA-Za-z](?:(?<=\d)(?<![\w.\-:]\d)\d?-?(?P<letters>[A-Za-z]{2,})(?![\w/])"
                        r"|(?<=[A-Za-z])[\w\-+/']*)")


# a number that names a type ("their medications for type 2 diabetes and chronic kidney disease in the past 4 weeks":
# the event was cut after the "2"; 107 lines with "type 1/2 diabet..." in the corpora)
_TYPE_BEFORE = re.compile(r"\btype[ \t]*$", re.I)


def _digit_name_at(text: str, i: int) -> bool:
    """Whether a digit-led name ("3TC", "5-FU") starts at text[i]."""
    m = _DIGIT_NAME.match(text, i)
    return m is not None and (i == 0 or not re.match(r"[\w.\-:]", text[i - 1])) and _digit_name(m)


def _digit_name(w: "re.Match[str]") -> bool:
    """Whether a word of `_HEAD_WORD` is a digit-led name ("3TC"), not a number with a unit or an ordinal."""
    letters = w.group("letters")
    return bool(letters) and not (units.to_ucum(letters) or _QUANTITY.match(letters)
                                  or re.fullmatch(r"st|nd|rd|th|x|yr?s?|hrs?|mos?|wks?|ds?|am|pm", letters, re.I))
_DASH_BREAK = re.compile(r"\s[-\u2013]\s")  # "Leukemia/lymphoma - CSF cell count": a list dash of flattened text
_WORD_PAIR = re.compile(r"[A-Za-z]{4,}/[A-Za-z]{4,}")  # "hemorrhage/bleeding": two words, not a unit ("mg/dL")
_UNIT_HEAD = re.compile(r"\d\s*([A-Za-z]{1,4})\s+$")  # the first part of a unit split by a space ("30mm HG")


#: the words before a comparison end inside a bracket closed before 'or' / 'and': the comparison goes on
#: the one before ("Creatinine < 1.6 mg/dL (Regimen 4, Reduced Intensity Regimen 3) or < 3.0 mg/dL")
_CLOSED_THEN_OR = re.compile(r"[^()]*\)\s*,?\s*(?:and/or|or|and)\b[^()\w]*$", re.I)


def _caps_abbreviation(w: "re.Match[str]", keep: List["re.Match[str]"], seg: str) -> bool:
    """"Total AN count", "CD4+ T count", "amphotericin B dose": an upper-case word (or one letter after a name) that
    spells a function word is an abbreviation where a lower-case word of the phrase follows it (never a conjunction:
    "... OR glomerular filtration rate", "; AND Has received")."""
    if not (w.group(0).isupper() and keep and keep[0].group(0)[:1].islower()) \
            or re.fullmatch(r"AND|OR|BUT|NOT|NO|IF|AND/OR|NOR|A|I", w.group(0)) or units.to_ucum(w.group(0)):
        return False
    before = re.search(r"([A-Za-z][\w+\-]*)[ \t]+$", seg[:w.start()])  # one letter only after a name: "vitamin C dose"
    return len(w.group(0)) > 1 or (before is not None and len(before.group(1)) > 2 and not _STOP.match(before.group(1))
                                   and not _QUANTITY.match(before.group(1)) and not units.to_ucum(before.group(1)))


def _name_letter(w: "re.Match[str]", keep: List["re.Match[str]"], seg: str) -> bool:
    """A capital "A" ending a phrase after a word is a name's letter, not an article: "vitamin A > 10000 IU",
    "excess vitamin A (greater than 10,000 units/day)"."""
    return w.group(0) == "A" and not keep and re.search(r"[A-Za-z][ \t]+$", seg[:w.start()]) is not None


def head_phrase(text: str, end: int, floor: int) -> Optional[Span]:
    """A short noun phrase ending before `end` (the fallback subject); never a unit, a number word or
    a bare "points"/"duration"/"score"."""
    seg = text[floor:end]
    outer = floor
    opened = seg.rfind("(")
    if opened > seg.rfind(")") and any(not _STOP.match(w) for w in _WORD.findall(seg[opened + 1:])):
        floor, seg = floor + opened + 1, seg[opened + 1:]  # "diabetes mellitus (glucose consistently > 200"
    keep: List["re.Match[str]"] = []
    for w in reversed(list(_HEAD_WORD.finditer(seg))):
        if w.group("letters") and not _digit_name(w):
            break  # "10mg", "2nd": a number ends the phrase
        if keep and (("/" in w.group(0) and not _WORD_PAIR.fullmatch(w.group(0))) or units.to_ucum(w.group(0))):
            break  # "1.8 mg/dL Transaminases": a unit ends the phrase before
        if _STOP.match(w.group(0)) and not _caps_abbreviation(w, keep, seg) and not _name_letter(w, keep, seg):
            if keep:
                break
            continue
        glued = _UNIT_HEAD.search(seg, 0, w.start())
        if glued and units.to_ucum(glued.group(1) + w.group(0)):
            break  # "less than 30mm HG at rest and less than 50mm HG": "HG" ends the unit of the number before
        if keep and (_PHRASE_BREAK.search(seg, w.end(), keep[0].start()) or (len(keep) > 1 and _DASH_BREAK.search(seg, w.end(), keep[0].start()))):
            break  # "ER < 1%, PR < 1%": a number, comparator or comma between words ends the phrase
        keep.insert(0, w)
        if len(keep) >= (6 if "+" in seg[w.end():keep[-1].start()] else 4):
            break  # "CAB LA + RPV LA regimen": a combination of names is one name
    if keep and _CLOSED_THEN_OR.search(seg, keep[-1].end()):
        return None  # "< 1.6 mg/dL (Reduced Intensity Regimen 3) or < 3.0 mg/dL": an arm's label, not the subject
    if keep and floor > outer and all(_BARE.match(w.group(0)) for w in keep):
        return head_phrase(text, floor - 1, outer)  # "moderate anxiety (score 8 to 23)": the thing scored
    if keep and re.search(r"\b(?:in|within|from)\s+(?:the\s+)?$", seg[:keep[0].start()], re.I) \
            and " ".join(w.group(0).lower() for w in keep) in _LOCATIONS:
        # "primordial cells (...) in bone marrow is > 5%": the location is not the measured thing
        cut = floor + max(seg.lower().rfind(w, 0, keep[0].start()) for w in ("in", "within", "from"))
        while cut > outer and text[cut - 1] in " )":
            cut = text.rfind("(", outer, cut) if text[cut - 1] == ")" else cut - 1  # "(lymphoblast and ...)in"
        return head_phrase(text, cut, outer) if cut > outer else None
    when = _TIMEPOINT_BEFORE.search(seg[:keep[0].start()]) if keep else None
    if when and " ".join(w.group(0).lower() for w in keep) in _TIMEPOINTS and floor + when.start() > outer:
        return head_phrase(text, floor + when.start(), outer)  # "Temperature on admission < 30 °C": not "admission"
    named = _abbreviated_name(text, floor, seg, keep)
    if named is not None:
        return named
    last = keep[-1].group(0) if keep else ""
    if not keep or units.to_ucum(last) or units.to_ucum(last.split("/")[0]) or _QUANTITY.match(last) \
            or all(_BARE.match(w.group(0)) for w in keep):
        return None  # "teaspoons", "days", a bare "score" or "dosing": not the measured thing
    s, e = floor + keep[0].start(), floor + keep[-1].end()
    return Span(s, e, " ".join(re.sub(r"[()\[\]]", " ", text[s:e]).lower().split()))  # "(CD4+) cell count"


def _abbreviated_name(text: str, floor: int, seg: str, keep: List["re.Match[str]"]) -> Optional[Span]:
    """"Geriatric Depression Scale (GDS) < 9": a name with its abbreviation in parentheses just before
    the comparison is the name (up to four words), or the abbreviation where only it is a known
    concept ("body mass index (BMI)"); never "depression scale (gds" across the parenthesis."""
    if not keep:
        return None
    w = keep[-1]
    if w.start() == 0 or seg[w.start() - 1] != "(" or not re.match(r"\s*\)", seg[w.end():]):
        return None
    cut = floor + w.start() - 1
    full = head_phrase(text, cut, floor) if cut > floor else None
    if full is not None and concepts.lookup(w.group(0)) is not None and concepts.lookup(full.name) is None:
        full = None
    if full is None:
        if len(keep) < 2 and not concepts.lookup(w.group(0)):
            return None
        return Span(floor + w.start(), floor + w.end(), w.group(0).lower())
    return full


_NOUN_AFTER = re.compile(
    r"\s*(?:(?:prior|previous|consecutive|separate|distinct|different|documented|or\s+more|or\s+greater)\s+)*"
    r"((?:lines?|cycles?|courses?|regimens?)\s+of\s+(?:(?:an?|the)\s+)?[A-Za-z][\w\-]*(?:\s+(?!and\b|or\b|in\b|with\b|for\b)[A-Za-z][\w\-]*)?"
    r"|[A-Za-z][\w\-']*(?:\s+(?!and\b|or\b|of\b|in\b|with\b|per\b|to\b|at\b|by\b|for\b|prior\b|within\b|after\b|before\b|"
    r"will\b|be\b|is\b|are\b|was\b|were\b|must\b|should\b|can\b|may\b|has\b|have\b|had\b|based\s+(?:on|upon)\b)"
    r"[A-Za-z][\w\-']*){0,3})")
_NEW_ITEM = re.compile(r"\n[ \t]*(?:\n|[-*+\u2022]\s)")
_WITHOUT = re.compile(r"\s+without\b", re.I)
_OF_COURSES = re.compile(r"(?:lines?|cycles?|courses?|regimens?)\s+of\s", re.I)
_NOT_COUNTED = re.compile(r"(?:within|after|before|since|based|prior\s+to|out\s+of)\b", re.I)
_OUT_OF = re.compile(r"[ \t]+out[ \t]+of[ \t]+\d+(?=[ \t]+[A-Za-z])", re.I)  # ("5 out of 10 to quit": no noun)


def _cut_at_stop(text: str, s: int, e: int) -> int:
    """The end of a counted noun phrase before its first function word ("evaluable lesion outside of the
    CNS", "emollient every day"), keeping the "of" of "cycles of an induction therapy", and before what it is
    without ("at least 2 other NSAID medications without hypersensitivity")."""
    without = _WITHOUT.search(text, s, e)
    e = without.start() if without is not None else e
    ws = list(_WORD.finditer(text, s, e))
    skip = 1
    if _OF_COURSES.match(text, s):
        skip = 3 if len(ws) > 2 and _STOP.match(ws[2].group(0)) else 2
    for w in ws[skip:]:
        if _STOP.match(w.group(0)):
            return s + len(text[s:w.start()].rstrip())
    return e


def noun_after(text: str, start: int) -> Optional[Span]:
    """The counted noun after a bare number ("at least 2 prior relapses" -> "relapses"; "matched for 4-6 out of 6
    HLA antigens" -> "hla antigens")."""
    out_of = _OUT_OF.match(text, start)
    m = _NOUN_AFTER.match(text, out_of.end() if out_of else start)
    if not m:
        return None
    s, e = m.span(1)
    if _NEW_ITEM.search(text, start, s):
        return None  # the noun is past a blank line or a new list item: another criterion
    nl = _NEW_ITEM.search(text, s, e)
    if nl:
        e = nl.start()
    if _NOT_COUNTED.match(text, s):
        return None  # "= or > 2 within a 2-year period": no counted noun
    e = _cut_at_stop(text, s, e)
    if re.match(r"[ \t]*:", text[e:]) or re.match(r"[^\n]*:[ \t]*$", text[s:e]):
        return None  # "Performance status:": the label of the next item
    phrase = " ".join(text[s:e].lower().split())
    first = phrase.split()[0] if phrase else ""
    if not phrase or _STOP.match(first) or _BARE.match(first):
        return None  # "day 1 and 8", "one of the following": no counted thing
    if " " not in phrase and re.fullmatch(r"[a-z]+(?:al|ic|ive|ful|ous|ary)|first|second|third", phrase):
        listed = _adjective_list(text, Span(s, e, phrase))  # "3 or more painful or swollen joints", "Two or
        if listed is not None:  # more first or second degree relatives": modifiers of one head
            return listed
    return Span(s, e, phrase)


# ------------------------------------------------------------------ ages --

_NOT_AGE_AFTER = re.compile(r"\s*(?:since|after|before|prior|from|following|ago|of\s+(?!age\b)|duration|remission|interval|between|"
                            r"history|period|course|follow|survival|disease|treatment|therapy|use|post\b-?|past\s+|"
                            r"in\s+(?:the\s+)?past|in\s+duration)\b", re.I)  # "3-10 years past menopause", "1 and 11 years post-CABG"
# "Any patient >= 18 who": a person noun straight before a bare comparison
_PERSON_BEFORE = re.compile(r"\b(?:patients?|(?:wo)?men|subjects?|adults?|participants?|volunteers?|persons?|individuals?)"
                            r"\s*(?:aged?\s*)?(?:[<>]=?|=|(?:over|above|under|below)\s*)\s*$", re.I)
# "consent of parent or guardian required if under 18": the bare number after "if" in a consent phrase is an age
_CONSENT_IF = re.compile(r"\b" + _words_alt("consent") + r"\b[^.;:()]{0,50}\b(?:if|when|for\s+those)\s+"
                         r"(?:(?:patients?|subjects?|participants?|the\s+patient|he|she|they)\s+(?:is|are)\s+)?$", re.I)
def _consent_if(text: str, floor: int, start: int) -> Optional["re.Match[str]"]:
    """`_CONSENT_IF` ending at `start`, looked for only as far back as it can reach."""
    return _CONSENT_IF.search(text, max(floor, start - 120), start)


# the next bound of a pair carries the years: "over 18 and under 75 years"
_YEARS_NEXT = re.compile(r"\s*,?\s*(?:and|or|but)\s+[^\d;:.]{0,30}?\d+\s*(?:years?|yrs)\b", re.I)
_AGE_WORDS = re.compile(r"\b(?:of\s+age|old|older|younger|age[ds]?|ages|birthdays?)\b", re.I)
_AGE_ANCHOR = re.compile(r"\bage[ds]?\b|\byears?\s+old\b|\bpatients?\b|\b(?:wo)?men\b|\b(?:fe)?males?\b|\bsubjects?\b|"
                         r"\badults?\b|\bchildren\b|\bparticipants?\b|\bvolunteers?\b", re.I)
# ages that are not the patient's (chronological) age: "gestational age", "bone age", "mental age"
_OTHER_AGE = re.compile(r"\b(?:gestational|gestation|bone|mental|developmental|post-?menstrual|post-?conceptional|corrected|"
                        r"skeletal)\s+$", re.I)
_YEARS_AFTER = re.compile(r"\s*(?:years?|yrs)", re.I)
# a thing, not a person, right before an age in hours, days or weeks: its last word a noun of 3+ letters ("Injury
# greater than 8 hours old"); a person's age in years or months is never read so ("HIV-positive woman over 13 years old")
_THING_OLD = re.compile(r"\b(?!(?:is|are|be|was|were|been|has|have|had|must|should|who|and|or|the|a|an|than|of|at|no|not|"
                        r"aged?|least|more|less|greater|older|younger|over|under|above|below)\b)[A-Za-z]{3,}[\s,]+"
                        r"(?:(?:greater|more|less|older|younger)\s+than|over|under|above|below|[<>]=?|at\s+least)?\s*$", re.I)
_AGE_IN = re.compile(r"\b(?:age[ds]?|years?\s+old|years?\s+of\s+age)\b", re.I)
# a bare number said for a group of people named by their age ("Beighton score >= 5 for women up to the age of 50
# years and >= 4 for those above 50 years", "Karnofsky 60-100% for patients over 16"; 14 in the XML extract and LCT,
# none an age): the group's threshold of the thing before, no age
_FOR_AGE_GROUP = re.compile(r"\s*(?:for|in)\s+(?:those|patients|subjects|participants|women|men|children|adults)\s+"
                            r"(?:(?:who\s+are\s+|aged?\s+)?(?:above|over|under|below|older|younger|aged?|>|<|\u2265|\u2264)|"
                            r"(?:up\s+)?to\s+the\s+age)", re.I)


def _age_unit(text: str, floor: int, c: Comparison, ucum: Optional[str]) -> Optional[str]:
    """The unit of an age read from context: years where an age word or a person says so, an infant's
    months or weeks ("8 months of age or older")."""
    cstart, cend = c.value_start, c.end
    if ucum is None and (re.search(r"\b(?:older|younger|years?\s+old|of\s+age)\b", text[c.start:cend], re.I)
                         or _YEARS_NEXT.match(text, cend) or _PERSON_BEFORE.search(text, floor, cstart)
                         or (c.v1 <= 21 and _consent_if(text, floor, c.start))):
        return "a"  # "men 18 or older", "over 18 and under 75 years of age", "consent if under 18"
    if ucum in ("mo", "wk", "d", "h") and _AGE_WORDS.search(text, max(floor, cstart - 15), min(len(text), cend + 8)):
        return "a"
    return ucum


# what may stand between two ages of one range or alternative: units, comparison and joining words
_AGE_RANGE_GAP = re.compile(r"^(?:[\s,()<>=\u2264\u2265\-\u2013]|\b(?:years?|yrs?|y|months?|old|of|age[ds]?|and|or|to|than|"
                            r"less|greater|more|fewer|older|younger|above|below|over|under|between|up|at|least|most|no|"
                            r"not|equal|inclusive|but)\b)*$", re.I)


# an age inside a hyphenated growth-chart name ("weight-for-age", "length-for-age", "BMI-for-age" z-scores; WHO child
# growth standards) is no age of the patient
_GROWTH_CHART = re.compile(r"-for-ages?\b|"
                           # an age that qualifies another measure: "age-adjusted IPI 2-3", "age-matched", "age-predicted"
                           r"\bage[\s-]+(?:adjusted|related|appropriate|matched|specific|standardi[sz]ed|corrected|predicted)\b",
                           re.I)


def _thing_old(text: str, floor: int, c: Comparison, ucum: Optional[str]) -> bool:
    """"Injury greater than 8 hours old", "fracture over 3 days old": the age of a thing, no patient's."""
    cstart, cend = c.value_start, c.end
    return ucum in ("h", "d", "wk") and _THING_OLD.search(text, floor, c.start) is not None \
        and re.search(r"\bold\b", text[cstart:min(len(text), cend + 12)], re.I) is not None \
        and not re.search(r"\bage[ds]?\b", text[max(floor, cstart - 40):cstart], re.I) \
        and not re.search(r"\bof\s+age\b", text[cstart:min(len(text), cend + 8)], re.I) \
        and not _PERSON.search(text, floor, c.start)


#: a span of something, the years right after it ("Disease-free interval of at least 2 years", "a disease free period of
#: at least 1 year", "expected disease-free survival of at least 5 years"; 10 in the XML extract)
_SPAN_OF = re.compile(r"\b(?:interval|duration|period|remission|survival|span)\s+of\s+$", re.I)


# a past event or a state named after the person and before the years ("Patients who have a history of another primary
# malignancy <= 5 years", "A participant with a remote history (over 3 years) of seizure", "patient has been
# continuously disease free more than five years"; 45 such in the corpora, about 12 read as the patient's age, which
# excluded every adult): the years are the time since it or its length, never an age
_EVENT_AFTER_PERSON = re.compile(r"\b(?:history|malignan\w*|disease[\s-]+free|free\s+of|survival|prognosis|remission|"
                                 r"duration|diagnos\w*|onset)\b", re.I)


def _years_of_something_else(text: str, floor: int, c: Comparison) -> bool:
    """Years read as an age unit that measure something else: a duration or a time since an event."""
    cstart, cend = c.value_start, c.end
    window = text[floor:cstart]
    if _NOT_AGE_AFTER.match(text, cend) and not re.search(r"\bage[ds]?\b", text[max(floor, cstart - 40):cstart], re.I) \
            and not _AGE_WORDS.search(text, cstart, cend):
        return True  # "at least 5 years since prior chemotherapy", "(children 7-17 years of age ...) or are up to 5 years
        # post therapy": a duration, not an age (an age word further back is the other bound's)
    if _SPAN_OF.search(text, max(floor, c.start - 30), c.start):
        return True  # "disease-free interval of greater than 1 year", "IDDM duration of less than 10 years": a span
    if re.search(r"\b(?:for|since|after|during)\s+$", text[max(floor, c.start - 30):c.start], re.I) \
            and not _AGE_WORDS.search(text, cstart, min(len(text), cend + 15)):
        return True  # "has been disease free for over 5 years", "free of symptoms during >= 3 years", "in remission for\r\n
        # more than 5 years" (a hand-wrapped line): a duration
    people = list(_PERSON.finditer(window))
    if people and c.v2 is None and _EVENT_AFTER_PERSON.search(window, people[-1].end()) \
            and not _AGE_WORDS.search(text, max(floor, cstart - 40), min(len(text), cend + 15)):
        return True  # "Patients who have a history of another primary malignancy <= 5 years": the time since it (a
        # range stays an age: "Adult men with a history of ADHD between 18 and 30 years")
    return not (_AGE_WORDS.search(text, max(floor, cstart - 40), min(len(text), cend + 15))
                or _PERSON.search(window) or all(_STOP.match(w) for w in re.findall(r"[A-Za-z]{2,}", text[floor:c.start]))
                or _consent_if(text, floor, c.start))
    # ^ "diabetes for more than 5 years": years of something else


def age_subject(text: str, floor: int, c: Comparison, ucum: Optional[str]) -> Optional[Span]:
    """An age: a years value with an age word, a person, or nothing else before it."""
    cstart, cend = c.value_start, c.end
    window = text[floor:cstart]
    if _GROWTH_CHART.search(window) and not _AGE_WORDS.search(text, cstart, min(len(text), cend + 15)):
        return None  # "Z scores for weight-for-age (WAZ) or weight-for-height (WHZ) <3": a growth-chart score
    if _thing_old(text, floor, c, ucum):
        return None
    if ucum is None and _FOR_AGE_GROUP.match(text, cend):
        return None
    ucum = _age_unit(text, floor, c, ucum)
    if ucum == "a" and _years_of_something_else(text, floor, c):
        return None
    if ucum == "a" and _consent_if(text, floor, c.start):
        return Span(cstart, cstart, "age")  # "(consent of parent or guardian if under 18)": its own age, not one before
    if ucum == "a" or _AGE_IN.search(text, floor, min(len(text), cend + 20)):
        if ucum in (None, "a") and (ucum == "a" or _YEARS_AFTER.match(text, cend) or re.search(r"\bage[ds]?\b", window, re.I)):
            am = list(_AGE_ANCHOR.finditer(window))
            own = re.search(r"\d[^\d]*$", window[am[-1].end():]) if am else None
            if own and (_AGE_RANGE_GAP.match(own.group(0)[1:]) or re.search(r"\b(?:if|when|unless)\s+$", text[floor:c.start], re.I)):
                own = None  # "Age less than 18 years or greater than 65 years", "men from 35 to less than 63", "(... if under 18)"
            if own and not _AGE_WORDS.search(text, cstart, cend + 15):
                # "under the age of 2, seizures ... more than 3 years prior": that age word has its number; a person
                # after it still reads as an age ("aged 6-11, adolescents 12 to 17 years")
                return Span(cstart, cstart, "age") if _PERSON.search(own.group(0)) else None
            if am and not re.match(r"age|years", am[-1].group(0), re.I) and _acting_person(window[am[-1].end():]) \
                    and not _AGE_WORDS.search(text, cstart, cend + 15):
                return None  # "Patients with hypertension and taking antihypertensive drugs more than 1 year": how
                # long they have taken them, not their age
            if am:
                return Span(floor + am[-1].start(), floor + am[-1].end(), "age")
            return Span(cstart, cstart, "age")
    return None


def _acting_person(gap: str) -> bool:
    """Words between a person and a years value that say what the person does ("taking antihypertensive drugs",
    "having preserved their graft"): two content words or more, one a participle (not "aged")."""
    gap = re.sub(r"\([^()]*\)", " ", gap)  # ("male or female (of non-childbearing potential) between 18 - 70")
    content = [w for w in re.findall(r"[A-Za-z][\w\-]*", gap) if not _STOP.match(w) and not _AGE_WORDS.fullmatch(w)]
    return len(content) >= 2 and any(re.fullmatch(r"[A-Za-z]+(?:ing|ed)", w) and not _RULE_PARTICIPLE.fullmatch(w)
                                     for w in content)


# participles of the eligibility rule itself, after which a years value is an age ("asthmatic patients from Suburban
# Hospital will be excluded if less than 18")
_RULE_PARTICIPLE = re.compile(r"(?:ex|in)cluded|enrolled|allowed|permitted|accepted|considered|required|eligible", re.I)


# "< 16 years of age at disease onset", "18 years old at the time of diagnosis": an age at a past event
_AGE_AT = re.compile(r"\s*(?:(?:years?|yrs)\s+)?(?:of\s+age\s+|old\s+)?at\s+(?:the\s+)?(?:time\s+of\s+)?(?:(?:first|initial)\s+)?"
                     r"(?P<ev>(?:[A-Za-z][\w'\-]*\s+){0,2}?" + _words_alt("age_events") + r")\b", re.I)


def age_at(text: str, c: Comparison, age: Span) -> Span:
    """"age at disease onset" where the years are an age at a past event, not the age today (which
    screening would test against a patient's current age); otherwise `age` unchanged."""
    if age.name != "age":
        return age
    m = _AGE_AT.match(text, c.end)
    if m is None or _STOP.match(m.group("ev").split()[0]):
        return _age_at_before(text, c, age)
    return Span(m.start("ev"), m.end("ev"), "age at " + " ".join(m.group("ev").lower().split()))


@lru_cache(maxsize=2)
def _age_event_before(bare: bool = False) -> "re.Pattern[str]":
    """An event word, then "at / by / under / before (the) age (of)" right before an age (constraint_words.toml
    [age_event_before]); `bare`: the event word alone (the comparison itself says "under age")."""
    events = "|".join(f"(?P<{k}>{v})" for k, v in words()["age_event_before"].items())  # type: ignore[union-attr]
    at = r"\s+$" if bare else (r"\b(?:at|by|under|before)\s+(?:an?\s+(?:early\s+|young\s+)?)?"
                                r"(?:the\s+)?(?:age\b(?:\s+of)?\s*(?:\(\s*age\s*)?)?$")
    return re.compile(r"\b(?:" + events + r")\b" + (r"" if bare else r"[^.;:\n]{0,50}?") + at, re.I)


# "Age at diagnosis < 40 years" (the age of a past event written before the comparison; it was read as today's age)
_AGE_AT_LEAD = re.compile(r"\bage\s+at\s+(?:the\s+)?(?:time\s+of\s+)?(?:(?:first|initial)\s+)?(?P<ev>" + _words_alt("age_events")
                          + r")\b[^.;:\n\d]{0,30}$", re.I)
_AGE_COMPARATOR = re.compile(r"(?:under|before|below|over|above|after)\s+(?:the\s+)?age\b", re.I)


def _age_at_before(text: str, c: Comparison, age: Span) -> Span:
    """"age at diagnosis" for "Colorectal cancer diagnosed under age 50", "age at onset" for "developed breast
    cancer at age 50 or less": an event before the age (`_age_event_before`); otherwise `age` unchanged."""
    if age.name != "age":
        return age
    lead = _AGE_AT_LEAD.search(text, max(0, c.start - 60), c.start)
    if lead is not None:  # "Age at diagnosis < 40 years", "Age at onset of symptoms >= 50 years"
        return Span(lead.start(), age.end, "age at " + lead.group("ev").lower())
    m = _age_event_before().search(text, max(0, c.start - 80), c.start)
    if m is None and _AGE_COMPARATOR.match(text, c.start, c.value_start):  # "diagnosed under age 50"
        m = _age_event_before(bare=True).search(text, max(0, c.start - 80), c.start)
    if m is None:
        return age
    kind = next(k for k, v in m.groupdict().items() if v)
    return Span(m.start(), age.end, "age at " + kind)


# ------------------------------------------------------------------ time since an event --

# "N weeks since prior chemotherapy", "since completion of radiotherapy", "from the last dose of X"
_SINCE = re.compile(
    r"\s+(?:(?:have|has)\s+)?(?:elapsed\s+|passed\s+)?(?:(?:since|from|after|past)\s+|post-|post\s+)(?:the\s+)?(?:(?:completion|end|start|last\s+dose|last\s+administration|"
    r"discontinuation|date)\s+of\s+)?(?:(?:any|all|the|their|his|her|last|prior|previous|most\s+recent|other|or\s+concurrent)\s+)*"
    r"(?P<what>[A-Za-z][\w\-]*(?:(?:[ \t]+|[ \t]*\n[ \t]*(?!\n))(?!(?:and|or|with|to|for|at|in|within|before|prior|unless|except|if|"
    r"no|not|none|but|during|until|while|is|are|was|must|should|see)\b)[A-Za-z][\w\-]*){0,3})", re.I)
# ("since radiotherapy See Disease Characteristics": a cross-reference of the legacy PDQ records starts the next item)
_SINCE_STOP = (r"(?!(?:and|or|with|to|for|at|in|within|before|prior|unless|except|if|no|not|none|but|during|until|while|is|"
               r"are|was|must|should|more|longer|less|greater|later|earlier|who|which|that|when|as|known|concurrent)\b)")
# "since prior X or Y Z": the rest of a list joined by "or" ("specific or nonspecific immunotherapy")
_SINCE_GAP = r"(?:[ \t]+|[ \t]*\n[ \t]*(?!\n))"  # a wrapped line, not a blank one
_SINCE_OR = re.compile(_SINCE_GAP + r"(?-i:or|and/or)" + _SINCE_GAP + _SINCE_STOP + r"(?:(?:any|other|prior|previous)"
                       + _SINCE_GAP + r")?[A-Za-z][\w\-]*(?:" + _SINCE_GAP + _SINCE_STOP + r"[A-Za-z][\w\-]*){0,3}", re.I)
_TEMPORAL_LEAD = re.compile(
    r"^(?:(?:concurrent|current|prior|previous|recent|ongoing|active)\s+)?(?:therapy|treatment|use|administration|exposure|vaccination)\s+(?:with|of|to)\s+"
    r"|^(?:treated|treatment|therapy|received|receiving|use|used|taken|taking|administration)\s+(?:with|of)?\s*"
    r"|^(?:received|receiving|taken|taking|had|have|has|undergone|underwent)\s+"
    r"|^" + _words_alt("temporal_lead") + r"\s+", re.I)
_LEAD_WORDS = re.compile(r"^" + _words_alt("temporal_lead") + r"\s+", re.I)
_TRAILING_JOIN = re.compile(r"[\s,(]*(?:\(\s*)?(?:\b(?:if|and|or|when|who|that|which|unless|for|during|of|at|with|in|on|to|from)\b[\s,(]*)*$", re.I)
TIME_UNITS = units.TIME_UNITS


# "at least a 1-year history of migraine", "a >2 year history of asthma": how long a condition has been known
_HISTORY_OF = re.compile(r"[\s-]*(?:documented\s+|known\s+)?history\s+of\s+(?P<what>[A-Za-z][\w\-']*(?:[ \t]+(?!(?:and|or|with|"
                         r"without|in|at|for|of|to|that|which|who|as|before|prior|since|is|are)\b)[A-Za-z][\w\-']*){0,3})", re.I)
_LASTING = re.compile(r"[\s-]*(?:of\s+)?(?P<what>" + _words_alt("lasting_state") + r")\b", re.I)


_SINCE_FROM = re.compile(r"\s+(?:(?:have|has)\s+)?(?:elapsed\s+|passed\s+)?(?:since|from)\b", re.I)
_TIMEPOINT_WORD = re.compile(r"\b(?:" + "|".join(sorted(_TIMEPOINTS, key=len, reverse=True)) + r")\b", re.I)
_FUNCTION = re.compile(r"^(?:the|a|an|of|in|at|on|with|for|to|and|or|their|his|her|its|not|due)$", re.I)


def lasted_after(text: str, c: Comparison) -> Optional[Span]:
    """The state a time value says the length of, written just after it: "1 year post-menopausal" (the
    post-menopausal duration), "a 1-week washout", "12 months of spontaneous amenorrhea", "at least a 1-year
    history of migraine" (migraine history)."""
    if c.unit not in TIME_UNITS:
        return None
    m = _HISTORY_OF.match(text, c.end)
    if m:
        s = m.start("what")
        kept = []
        for w in re.finditer(r"\S+", m.group("what")):
            if _STOP.match(w.group(0)) or _BARE.match(w.group(0)) or _FUNCTION.match(w.group(0)):
                break  # "a 2-week history of two or more ...", "history of amenorrhea not due to ..."
            kept.append(w)
        if not kept:
            return None
        e = s + kept[-1].end()
        return Span(s, e, " ".join(text[s:e].lower().split()) + " history")
    m = _LASTING.match(text, c.end)
    if m is None or (c.unit not in ("mo", "a") and "amenorrh" in m.group("what").lower()):
        return None  # "more than 37 weeks of amenorrhea": a gestational age, not a menopause
    s, e = m.span("what")
    name = " ".join(text[s:e].lower().split())
    return Span(s, e, name + " duration" if "menopaus" in name else name)


def since_subject(text: str, end: int) -> Optional[Span]:
    """The event of "at least 4 weeks since prior chemotherapy"."""
    m = _SINCE.match(text, end)
    if not m:
        return None
    s, e = m.span("what")
    words_ = list(re.finditer(r"\S+", text[s:e]))
    while len(words_) > 1 and _FUNCTION.match(words_[-1].group(0)):  # "since the last irradiation date of the"
        words_.pop()
    e = s + words_[-1].end()
    more = _SINCE_OR.match(text, e) if len(words_) == len(m.group("what").split()) else None
    if more is not None:  # "since prior hormonal or biologic therapy": the window is over the whole list
        tail = list(re.finditer(r"\S+", text[e:more.end()]))
        while tail and (_FUNCTION.match(tail[-1].group(0)) or tail[-1].group(0).lower() in ("or", "and/or", "other", "any")):
            tail.pop()  # "or any other" cut by the word limit
        e = e + tail[-1].end() if len(tail) > 1 else e
    return _complemented(text, Span(s, e, " ".join(text[s:e].lower().split())))


_GENERIC_EVENT = re.compile(r"(?:^|\s)" + _words_alt("generic_event") + r"$", re.I)
_COMPLEMENT = re.compile(r"[ \t]+(?:for|with)\s+(?:(?:any|the|a|an)\s+)?(?=[A-Za-z])", re.I)
_COMPLEMENT_TOKEN = re.compile(r"[A-Za-z][\w\-'/]*|,|\n[ \t]*\n|[^\w\s,]")
_OPEN_PREPOSITION = re.compile(r"^(?:with|for|of|to|at|in|on|by|from|against|than)$", re.I)


def _complemented(text: str, ev: Span) -> Span:
    """"since therapy for RCC", "since prior treatment with heme arginate or tin mesoporphyrin": a generic treatment
    head names its "for"/"with" complement (up to 4 words a member; an "or" list of them), which ends at a clause
    word, a punctuation mark, a capitalised word of a flattened heading ("for melanoma Biologic therapy:") or a
    predicate ("and recovered"); `ev` as it was where the complement runs on ("with drug with ...") or names a
    person ("for patients with ...")."""
    m = _COMPLEMENT.match(text, ev.end) if _GENERIC_EVENT.search(ev.name) else None
    if m is None:
        return ev
    members, current, pending, seen_or, end = 0, 0, "", False, m.end()
    for t in _COMPLEMENT_TOKEN.finditer(text, m.end(), min(len(text), m.end() + 160)):
        w = t.group(0)
        if w == "," or w.lower() == "or":
            members, current, pending = members + (current > 0), 0, w.lower()
            seen_or = seen_or or w.lower() == "or"
            continue
        if not w[0].isalpha() or w.lower() == "such" or (_STOP.match(w) and not (w.isupper() and len(w) > 2 and w not in ("AND", "NOT", "BUT", "NOR"))):
            if _OPEN_PREPOSITION.match(w) or (w.lower() in ("and", "and/or") and not re.match(r"\s+\w+ed\b", text[t.end():])):
                return ev  # "treatment with drug with choleretic properties", "therapy for X and Y"
            break
        if w[0].isupper() and not w.isupper() and (members or current):
            break  # "since prior therapy for melanoma Biologic therapy:": the next heading
        if current == 4:
            return ev
        current, pending, end = current + 1, "", t.end()
    if end == m.end() or (members and not seen_or) or pending == "or" or (pending and members < 2):
        return ev  # "antimetabolites, folic acid inhibitors, alkalating agents, etc.", "therapy for X or"
    return Span(ev.start, end, " ".join(text[ev.start:end].lower().split()))


_EVENT_VERB = _words_alt("event_verb")
_AUX = r"(?:that|which|who|is|are|was|were|has|have|had|must|should|will|shall|may|can|to|be|been|being|not|already|previously)"
# "serum creatinine sample obtained", "Evaluation of ECOG is to be performed", "illness that developed within"
_VERB_TAIL = re.compile(r"(?:(?:^|[\s,]+)" + _AUX + r")*(?:^|[\s,]+)" + _EVENT_VERB + r"(?:\s+(?:within|in|for|at|from|on|up\s+to))?\s*$", re.I)
# "who have received HBV antiviral therapy", "has required active treatment", "must have completed X": the
# event is what the last such verb group takes
_VERB_LEAD = re.compile(r"^.*(?:\b(?:has|have|had|been|who|that|must|will|are|is|was|were|or|and)\s+(?:(?:already|previously|ever|not|been|be)\s+)*"
                        r"(?:" + _EVENT_VERB + r"|" + _words_alt("event_verb_present") + r")\s+(?:(?:with|of)\s+)?"
                        r"|\b[a-z]+ed\s+(?:by|from|with)\s+|\b(?:including|such\s+as)\s+(?=[^,]*$))(?=[A-Za-z])", re.I | re.S)
# "bleeding ... with CTCAE v5.0": the grading standard is not the event
_STANDARD_TAIL = re.compile(r"\s+(?:with|per|using|according\s+to|by)\s+(?:the\s+)?(?:NCI[\s-]+)?CTCAE(?:\s+v(?:ersion)?\s*[\d.]+)?\s*$", re.I)
# "any of the following drugs within 14 days": the events are listed elsewhere
_FORWARD_REF = re.compile(r"\bfollowing(?:\s+[\w\-]+(?:\s+[\w\-]+)?)?\s*$", re.I)  # ("any of the following within 28 days: X")
# a number that states a value ("HbA1c 5.7 - 6.4", "> 72 hours"), not one inside a name ("SARS-CoV-2", "HIV-1", "v5.0")
_VALUE_BREAK = re.compile(r"[<>=]|(?<![\w\-.])\d")


_WHEN_TAIL = re.compile(r"[\s,]+(?:at|on|upon|during)\s+(?:the\s+)?(?:time\s+of\s+)?(?:the\s+)?(?:"
                        + "|".join(sorted(_TIMEPOINTS, key=len, reverse=True)) + r")(?:\s+visit)?\s*$", re.I)


# (7 "for any reason / indication" before a window in the corpora: "investigational drug for any reason within 28 days"
# was read as "reason")
_ANY_REASON_TAIL = re.compile(r",?\s+for\s+(?:any|whatever)\s+(?:reasons?|indications?|purposes?|causes?)[\s,]*$", re.I)


def _event_body(text: str, s: int, body: str) -> Tuple[int, str]:
    """The event phrase of `body` (starting at text offset `s`): leading verbs, determiners and report words
    trimmed, a trailing verb group ("... sample obtained", "... is to be performed") dropped."""
    v = _VERB_LEAD.match(body)
    if v and v.end() < len(body):
        s, body = s + v.end(), body[v.end():]
    m = _TEMPORAL_LEAD.match(body)
    while m and m.end() > 0:
        s += m.end()
        body = body[m.end():]
        m = _TEMPORAL_LEAD.match(body)
    t = _VERB_TAIL.search(body)
    if t:
        body = body[:t.start()]
    when = _WHEN_TAIL.search(body)  # "... at the time of screening visit": when, not what
    if when and when.start() > 0:
        body = body[:when.start()]
    body = _STANDARD_TAIL.sub("", _ANY_REASON_TAIL.sub("", body))  # "IVIG for any reason within 6 months": IVIG
    body = re.sub(r",\s*(?:including|such\s+as|e\.g\.?|eg|i\.e\.?)\s[^,]*,?\s*$", "", body, flags=re.I)  # "X, including Y,"
    body = _TRAILING_JOIN.sub("", re.sub(r"\s*\([^()]*\)[\s,]*$", "", _TRAILING_JOIN.sub("", body)))  # "(bright red blood ...)"
    return s, body


_STATUS_TAIL = re.compile(r"\s+(?:(?:is|are|was|were|will|must|should|may|do|does)\s+)?(?:not\s+)?(?:be\s+)?(?:not\s+)?"
                          r"(?:" + _words_alt("rule_status") + r")\s*$", re.I)
# a relative clause that ends an event phrase: what it says of the event is no part of the event's name
# (never "who": "WOCBP who has a positive pregnancy test within 72 hours" bounds the test, not the person)
_RELATIVE = re.compile(r"\s+(?:(?:to|in|of|for|with|by|from|on|at|against)\s+)?which\b"
                       r"|\s+that\s+(?:(?:is|are|was|were|has|have|had|may|must|will|can|could|should|did|do|does)\b|[a-z]+ed\b)", re.I)
_TRAILING_PARENS = re.compile(r"\s*\((?:[^()]|\([^()]*\))*\)[\s,]*$")


def _balanced_floor(text: str, floor: int, end: int) -> int:
    """A clause start moved back before the "(" that a ")" in text[floor:end] closes ("RVO (BRVO, HRVO, or CRVO)
    diagnosed within 16 weeks": the comma inside the parentheses is no clause break)."""
    depth = 0
    for ch in text[floor:end]:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            opened = text.rfind("(", 0, floor)
            if opened < 0:
                return floor
            starts = [text.rfind(b, 0, opened) for b in ("\n", ". ", ";", ":")]
            return max(max(starts) + 1, 0)
    return floor


# a clause break that is no list conjunction: where a list of events before a window can start
_HARD_BREAK = re.compile(r"[;:]|\n[ \t]*(?:\n|(?=(?:[-*+\u2022]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s))|\.\s|\bexcept\b|\bunless\b", re.I)
_LIST_JOIN = re.compile(r",\s*(?:and/or|or|and)\s+$", re.I)
_MEMBER_SPLIT = re.compile(r"\s*,\s*(?:(?:and/or|or|and)\s+)?", re.I)
# a list member that is a clause, not a noun phrase ("patients must have measurable disease, and no X within")
_NOT_MEMBER = re.compile(r"[\d<>=()\[\]]|\b(?:" + _AUX + r"|" + "|".join(words()["number_words"]) + r"|no|none|without|such\s+as|including|e\.g|i\.e|than|if|when|while|"  # type: ignore[index]
                         r"during|within|after|before|since|from|based|due|because|prior|except|unless|other|having|being|" + _EVENT_VERB + r")\b", re.I)
_CATCH_ALL = re.compile(r"^(?:any\s+)?other\b", re.I)  # "X, Y, or any other immunosuppressants": the last covers all


_CONJ_SPLIT = re.compile(r"\s*,\s*(?:(?:and/or|or|and)\s+)?|\s+(?:and/or|or|and)\s+", re.I)


_HISTORY_MEMBER = re.compile(r"^\s*(?:an?\s+)?(?:(?:prior|previous|past)\s+)?history\b", re.I)


def _noun_list(body: str) -> bool:
    """"Major injuries and/or surgery or bone fracture": two or more short noun phrases joined by commas and
    conjunctions, none holding a verb, a number or a clause word."""
    members = [x for x in _CONJ_SPLIT.split(body.strip(" ,")) if x.strip()]
    if any(_HISTORY_MEMBER.match(x) for x in members[1:]):
        return False  # "chronic pancreatitis or history of acute pancreatitis within 2 years": the window is the history's
    if not re.search(r"\b(?:and/or|or|and)\s+[^,]+$", body.strip(" ,"), re.I):
        return False  # "sinus, bradycardia or sustained ventricular tachycardia, Myocardial infarction": no list's end
    return 2 <= len(members) and len(body.split()) <= 14 \
        and all(len(x.split()) <= 4 and not _NOT_MEMBER.search(x) for x in members)


def _over_list(text: str, floor: int, ev: Span) -> Span:
    """"Intraarticular, intramuscular, or intravenous administration of glucocorticoids, or intravenous
    immunoglobulin within 4 weeks": the window bounds the whole list of events before it (ANNOTATION.md: a
    window over a list of events is one item), not only its last member, whose clause ", or" began. Each
    earlier member is a short noun phrase (no verb, number or clause word); else `ev` as it was."""
    join = _LIST_JOIN.search(text, max(0, floor - 12), floor)
    if ev.start < floor:
        return ev  # "X (including trace, or above, cells ...) within 12 weeks": the clause reached back before "("
    lead = text[floor:ev.start].strip()
    m = _LEAD_WORDS.match(lead + " ")
    while lead and m and m.end() > 0:
        lead = lead[m.end():].strip()
        m = _LEAD_WORDS.match(lead + " ")
    if join is None or lead or _CATCH_ALL.match(text[floor:ev.end].strip()):
        return ev
    seg_start = _list_start(text, join.start())
    if re.search(r"\(\s*" + re.escape(text[ev.start:ev.end]) + r"\s*\)", text[seg_start:join.start()]):
        return ev  # "History of myocardial infarction (MI), or MI within 6 months": the same event, abbreviated
    s, body = _event_body(text, seg_start, text[seg_start:join.start()])
    first = re.match(r"^(?:(?:" + _words_alt("stop") + r")\s+)+", body, re.I)  # "[treatment] for a serious bacterial"
    if first:
        s, body = _event_body(text, s + first.end(), body[first.end():])  # "Patients with a history of X"
    if not body.strip() or len(body) > 200:
        return ev
    members = [_unglossed(x) for x in _MEMBER_SPLIT.split(body) if x.strip()]
    if not members or any(len(x.split()) > 8 or _NOT_MEMBER.search(x) for x in members):
        return ev
    if any(re.fullmatch(r"[A-Za-z\-]+ed", x.strip()) for x in members):
        return ev  # "approved, authorized, or investigational anti-SARS-CoV-2 antibodies": qualifiers of one thing
    return Span(s, ev.end, " ".join(text[s:ev.end].lower().split()))


# a member's brand name or abbreviation in brackets ("terfenadine (Seldane)", "Recombinant erythropoietin (rEPO)") and a
# name holding digits ("HIV-1 vaccines", "IL-2", "5-FU"): neither makes the member a clause; 75 XML records put a window
# after such a list, and the window bounded only its last member ("... and midazolam (Versed) within 14 days")
_GLOSS = re.compile(r"\s*\((?:[A-Za-z][\w\-/]*\s*){1,3}\)")
_MEMBER_DIGIT_NAME = re.compile(r"\b(?:[A-Za-z]+-\d+[A-Za-z]*|\d+-[A-Za-z]+)\b")


def _unglossed(member: str) -> str:
    """A list member without its bracketed gloss and with its digit names masked, for `_NOT_MEMBER`."""
    return _MEMBER_DIGIT_NAME.sub("name", _GLOSS.sub("", member))


def _list_start(text: str, end: int) -> int:
    """Start of the clause holding `end`, across list conjunctions (", or", ", and")."""
    hard = 0
    for m in _HARD_BREAK.finditer(text, 0, end):
        hard = m.end()
    return hard + len(text[hard:end]) - len(text[hard:end].lstrip(" \t\n-*+\u2022"))


def event_before_or(text: str, floor: int) -> Optional[Span]:
    """"Participation in other clinical studies ... at the time of screening visit, or within 30 days": a window
    whose clause holds nothing but ", or" bounds the event of the clause before it; None where that names only
    a reference point of the study."""
    join = _LIST_JOIN.search(text, max(0, floor - 12), floor)
    if join is None:
        return None
    ev = temporal_subject(text, _list_start(text, join.start()), join.start())
    if ev is None or _REFERENCE.search(ev.name) or _TIMEPOINT_WORD.search(ev.name) \
            or all(_STOP.match(w) or _PERSON.fullmatch(w) or re.fullmatch(_AUX + r"|\w+ly", w, re.I) for w in ev.name.split()):
        return None  # "person is currently, or within the past 3 months has been, ...": no event named
    return ev


def temporal_subject(text: str, floor: int, wstart: int) -> Optional[Span]:
    """The event a window ("within 4 weeks") bounds: the phrase before it, leading and trailing verbs trimmed,
    extended over a list of events before it; None where no event phrase is found (a window with no event
    cannot be tested: no constraint)."""
    ev = _temporal_subject(text, floor, wstart)
    ev = _excepted(text, ev) if ev is not None and not _long_ago(text, ev, wstart) else ev
    if ev is not None and _is_unit(ev.name):
        return None  # "CD8+ cells greater than 650/mm3 within eight weeks": a unit is never the event
    if ev is not None:
        ev = _outside(text, floor, _stable(ev))  # "brain metastases must be stable" -> "stable brain metastases"
        ev = ev if is_status(ev) else without_predicate(text, floor, ev)  # "Treatment must begin within 31 days"
        ev = _transfused(text, ev) if ev is not None else None
    if ev is not None and unusable(ev.name):  # "an antimicrobial agent to which the known CRE is known to be susceptible
        ev = _before_relative(text, floor, wstart) or _before_exception(text, floor, wstart)  # within", "malignancies
        # other than the one treated in this trial within"
    required = _required_by(text, floor, ev) if ev is not None else None
    if required is not None:
        return required
    ev = _treatment_for(text, _expanded(text, _over_list(text, floor, ev))) if ev is not None else None
    if ev is not None and "," in text[ev.end:wstart] and _EXCEPT_LEAD.search(text, max(0, ev.start - 30), ev.start):
        ev = _excepted(text, ev)  # the list read was an exception's: "X, except A, B, or C, within 14 days" (with no
        # comma the last member holds the window: "except ... any cancer curatively treated for > 5 years")
    ev = _with_coordinated(text, ev) if ev is not None else None  # "Previous or concomitant malignancies within"
    ev = antecedent(text, ev) if ev is not None else None  # "if such therapy has been initiated within 2 weeks"
    ev = _or_has_used(text, floor, ev) if ev is not None else None  # "an investigational agent or has used a device"
    return _bracket_balanced(text, ev) if ev is not None and ("(" in ev.name or ")" in ev.name) else ev


_FOR_HEAD = re.compile(r"\b" + _words_alt("generic_event") + r"\s+$", re.I)


def _treatment_for(text: str, ev: Span) -> Span:
    """"Treatment for syphilis within 1 year", "Have been treated for cancer within 4 weeks": an event read as
    "for X" (its lead "treatment" trimmed) is the treatment for X, never X itself."""
    head = _FOR_HEAD.search(text, max(0, ev.start - 16), ev.start) if ev.name.startswith("for ") else None
    if head is None:
        return ev
    return Span(head.start(), ev.end, " ".join(text[head.start():ev.end].lower().split()))


# "additional malignancy that is progressing or has required active treatment within the past 3 years", "autoimmune
# disease that has required systemic treatment in the past 2 years": the window bounds the treatment the condition
# needed, not any treatment (named as the text writes it elsewhere: "infection requiring systemic therapy within")
_REQUIRED = re.compile(r"\s+(?:that|which)\s+(?:(?:is|are|was|were)\s+[a-z]+\s+or\s+)?(?:has|have|had)\s+(?:ever\s+)?required\s+", re.I)


def _required_by(text: str, floor: int, ev: Span) -> Optional[Span]:
    """"<condition> that has required <treatment>" before a window: "<condition> requiring <treatment>" (the
    treatment's leading words kept: "active therapy"; the condition extended over a list before it: "breast cancer,
    melanoma, or hematologic malignancy"); None where no such clause ends at `ev` or the condition is no short
    noun phrase."""
    req = None
    for req in _REQUIRED.finditer(text, floor, ev.start):  # the last one before the event
        pass
    if req is None or not re.fullmatch(r"(?:[A-Za-z]+\s+){0,2}", text[req.end():ev.start]):
        return None
    cond = _temporal_subject(text, floor, req.start())
    if cond is None or len(cond.name.split()) > 5 or re.search(r"[\d,;()]", cond.name) or unusable(cond.name) or _is_unit(cond.name):
        return None
    cond = _over_list(text, floor, cond)
    treatment = " ".join(text[req.end():ev.end].lower().split())
    return Span(cond.start, ev.end, " ".join(text[cond.start:cond.end].lower().split()) + " requiring " + treatment)


def _is_unit(name: str) -> bool:
    """A unit as written ("mm3", "/mm3", "mg/dl"): resources/units.csv, with or without a leading "/"."""
    from .units import alias_key

    key = alias_key(name)
    return key in _unit_keys() or "/" + key in _unit_keys()


@lru_cache(maxsize=1)
def _unit_keys() -> frozenset:
    from .units import known_unit_keys

    return frozenset(known_unit_keys())


_EXCEPT_WORD = r"\b(?:except(?:\s+for)?|other\s+than|excluding|apart\s+from|besides)\s+"
_EXCEPT_BEFORE = re.compile(_EXCEPT_WORD + r"(?:\d+)?"
                            r"(?:[A-Za-z0-9][\w\-+]*(?:\s*,\s*(?:or\s+|and\s+)?|\s+(?:or|and|and/or)\s+)){0,3}$", re.I)
# ("except 18F-FBPA PET", "other than AZT or d4T": the exception may be a list)


_EXCEPT_LEAD = re.compile(_EXCEPT_WORD + r"$", re.I)


# a window that puts the event long ago ("except stroke >6 months prior", "except skin cancer diagnosed at least 5
# years ago"; 5 "except <event> > N <time> prior/ago" in the corpora) bounds the exception itself: what is excepted is
# the old event, so the window is the exception's, never the excluded thing's
_LONG_AGO = re.compile(r"(?:>=?|\u2265|(?:more|greater|longer)\s+than|at\s+least|over)\s*\d", re.I)
_CLAUSE_WORD = re.compile(r"\b(?:" + _AUX + r"|shall)\b", re.I)


def _long_ago(text: str, ev: Span, wstart: int) -> bool:
    """Whether the window at `wstart` puts `ev` long ago with nothing but a participle between them ("except stroke
    >6 months prior"); not where a clause of its own holds the window ("All anti-HIV treatments other than study
    medications must be stopped at least 14 days prior": the window is the main thing's)."""
    return _LONG_AGO.match(text, wstart) is not None and _CLAUSE_WORD.search(text, ev.start, wstart) is None


def _excepted(text: str, ev: Span) -> Optional[Span]:
    """"Antiretroviral or immunomodulating agent other than AZT within 90 days", "any other investigational drugs
    except ddI within 4 weeks": the window bounds the thing the exception is taken from, never the exception (an
    exclusion of "AZT within 90 days" would exclude the patients the text allows); the exception stays in the
    name. None where nothing stands before the exception."""
    m = _EXCEPT_BEFORE.search(text, max(0, ev.start - 60), ev.start) or _EXCEPT_LEAD.search(text, max(0, ev.start - 30), ev.start)
    if m is None:  # (_EXCEPT_LEAD: an exception's list read whole as the event, "except routine vitamins, occasional
        return ev  # use of paracetamol, ..., or topical medication not reaching systemic circulation, within 14 days")
    main = _temporal_subject(text, _list_start(text, m.start()), m.start())
    if main is None:
        return None
    return Span(main.start, ev.end, " ".join(text[main.start:ev.end].lower().split()))


def _expanded(text: str, ev: Span) -> Span:
    """"major depressive episode (MDE) or has had an active MDE in the past 6 months": an event named by an
    abbreviation that the text defines earlier ("long form (ABBR)", the words' initials spelling it) is named
    by its long form."""
    abbr = text[ev.start:ev.end]
    if not re.fullmatch(r"[A-Z][A-Za-z]{1,5}", abbr) or sum(ch.isupper() for ch in abbr) < 2:
        return ev
    m = re.search(r"((?:[A-Za-z][\w\-]*\s+){%d})\(\s*%s\s*\)" % (sum(ch.isupper() for ch in abbr), re.escape(abbr)), text[:ev.start])
    if m is None:
        return ev
    long_words = m.group(1).split()
    if [w[0].lower() for w in long_words] != [ch.lower() for ch in abbr if ch.isupper()]:
        return ev
    return Span(ev.start, ev.end, " ".join(w.lower() for w in long_words))


# words that open a phrase qualifying an event, never the event itself ("attributable to the disease")
_POST_MODIFIER = re.compile(r"(?:attributable|due|related|secondary|associated)\s+(?:to|with)\b", re.I)


def _temporal_subject(text: str, floor: int, wstart: int) -> Optional[Span]:
    floor = _balanced_floor(text, floor, wstart)
    seg = text[floor:wstart]
    body = re.sub(r"^[\s\-*+\u2022]+", "", seg).rstrip()  # spaces and a bullet
    s = floor + (seg.index(body) if body else len(seg) - len(seg.lstrip()))
    body = _TRAILING_PARENS.sub("", body)  # "hemoptysis (bright red blood of at least 0.5 teaspoons)", "(estimated using (MDRD))"
    brk = [m for m in _VALUE_BREAK.finditer(body) if not _digit_name_at(body, m.start())  # (not "3TC")
           and not _TYPE_BEFORE.search(body, max(0, m.start() - 6), m.start())]  # (not "type 2 diabetes")
    if brk:  # "HbA1c 5.7 - 6.4 within the 3 months", "> 72 hours of hospitalization in the last 30 days":
        cut = brk[-1].end()  # the event is written after the comparison before the window
        rest = body[cut:]
        comma = rest.rfind(",")
        if comma >= 0 and re.search(r"[A-Za-z]", rest[comma:]):  # "500 mg daily, with the last dose received"
            cut, rest = cut + comma + 1, rest[comma + 1:]
        words_after = list(re.finditer(r"[A-Za-z][\w\-+/']*", rest))
        while words_after and (units.to_ucum(words_after[0].group(0)) or _STOP.match(words_after[0].group(0))
                               or _QUANTITY.match(words_after[0].group(0))):
            words_after.pop(0)
        if not words_after:
            return None
        opened = body.rfind("(", 0, brk[-1].start())
        if _POST_MODIFIER.match(rest[words_after[0].start():]) and opened > 0 and ")" in rest[:words_after[0].start()]:
            # "At least one fever episode (>= 38.0 degree Celsius) attributable to the disease within one week":
            # the event is the thing before the parenthesised value, not the phrase that qualifies it
            hp = head_phrase(text, s + opened, s)
            lead = re.match(r"(?:(?:" + _words_alt("bare") + r")\s+)+", hp.name) if hp else None
            return Span(hp.start + lead.end(), hp.end, hp.name[lead.end():]) if hp and lead and lead.end() < len(hp.name) else hp
        s += cut + words_after[0].start()
        body = rest[words_after[0].start():]
    s, body = _event_body(text, s, body)
    if re.search(r"\b(?:they|it|these|those|this|them)\W*$", body, re.I):
        return None  # "they should not be given within 8 hours": the event is named in another sentence
    if not body.split() or all(_BARE.match(w) or _STOP.match(w) for w in body.split()) or _FORWARD_REF.search(body):
        return None
    lead = re.match(r"^(?:(?:" + _words_alt("stop") + r")\s+)+", body, re.I)  # "[treatment] for a severe infection or X"
    listed = body[lead.end():] if lead else body
    if len(body.split()) > 6 and not brk and _noun_list(listed):  # "Major injuries and/or surgery or bone fracture within 28 days"
        s += len(body) - len(listed)
        e = s + len(listed.rstrip(" ,("))
        return Span(s, e, " ".join(text[s:e].lower().split()))
    if len(body.split()) > 6:
        treated = _treatment_to_end(text, s, body, floor)  # "24 hours of empiric antimicrobial therapy for Gram
        if treated is not None:  # negative organisms within 72 hours": the therapy, not the organisms
            return treated
        hp = _after_bracket(text, head_phrase(text, s + len(body.rstrip(" ,(")), floor), floor)
        hp = _with_modifier(text, floor, _with_target(text, floor, _with_site(text, floor, hp))) if hp is not None else None
        if hp is not None:
            lead = _LEAD_WORDS.match(hp.name)  # "any other immunomodulatory medications"
            while lead and lead.end() > 0 and lead.end() < len(hp.name):
                hp = Span(hp.start + lead.end(), hp.end, hp.name[lead.end():])
                lead = _LEAD_WORDS.match(hp.name)
            return hp
        cut = _PHRASE_BREAK.search(body)  # "treatment for more than 1 month within the last 6 months"
        body = " ".join(body[:cut.start() if cut else len(body)].split()[:6])
        body = _TRAILING_JOIN.sub("", re.sub(r"\s+(?:for|of|with|more|less|than|at|least|over|under)(?:\s+\w+)?$", "", body))
        if not body.split() or all(_BARE.match(w) or _STOP.match(w) for w in body.split()):
            return None
        e = text.index(body.split()[-1], s) + len(body.split()[-1]) if body.split()[-1] in text[s:] else s + len(body)
        return Span(s, e, " ".join(text[s:e].lower().split()))
    e = s + len(body.rstrip(" ,("))
    return _diagnosis(text, Span(s, e, " ".join(text[s:e].lower().split()).strip(" ,")))


_PREDICATE_AFTER_BRACKET = re.compile(r"\)\s*(?:(?:must|should|has|have|had|is|are|was|were|will|shall|be|been)\s+)+$", re.I)


def _after_bracket(text: str, hp: Optional[Span], floor: int) -> Optional[Span]:
    """A long event phrase's head after a closing bracket: "(excluding T1 and M1) Endoscopic tumor staging" is the
    staging; where only a predicate follows the bracket ("Pregnancy test (blood or urine) must be negative within
    two weeks"), the thing is the phrase before the bracket."""
    if hp is None:
        return None
    predicate = _PREDICATE_AFTER_BRACKET.search(text, max(floor, hp.start - 40), hp.start)
    opened = text.rfind("(", floor, predicate.start()) if predicate is not None else -1
    before = head_phrase(text, opened, floor) if opened > floor else None
    if before is not None and before.name:
        return before
    closed = text.rfind(")", hp.start, hp.end)
    if closed < 0 or not text[closed + 1:hp.end].strip():
        return hp
    after = text[closed + 1:hp.end]
    return Span(closed + 1 + len(after) - len(after.lstrip()), hp.end, " ".join(after.lower().split()))


_SITE_BEFORE = re.compile(r"\b(?:on|in|into|to|of|for|at)\s+the\s+$", re.I)
_SITE_VERB_LEAD = re.compile(r"(?:(?:" + _EVENT_VERB + r"|" + _words_alt("event_verb_present") + r")\s+)+", re.I)
_SITE_MODIFIER = frozenset(words()["words"]["site_modifier"])  # type: ignore[index]


def _with_site(text: str, floor: int, hp: Span) -> Span:
    """"LASIK surgery on the study eye within 90 days", "biopsy of the affected breast within the last 6 months": a
    body site after "on/in/to/of/for the" (two words or more, the first a site word: resources site_modifier) is
    where the event was done; the window bounds the event, named with its site."""
    prep = _SITE_BEFORE.search(text, max(floor, hp.start - 12), hp.start)
    if prep is None or len(hp.name.split()) < 2 or hp.name.split()[0] not in _SITE_MODIFIER:  # not "the study"
        return hp
    return _named_from(text, prep.start(), floor, hp)


def _named_from(text: str, end: int, floor: int, hp: Span) -> Span:
    """`hp` named with the phrase that ends at `end` before it, less a leading event verb ("received physical
    therapy ... on the study eye"); `hp` where no such phrase is there."""
    event = head_phrase(text, end, floor)
    verb = _SITE_VERB_LEAD.match(text, event.start, event.end) if event is not None else None
    start = verb.end() if verb else event.start if event is not None else hp.start
    if event is None or start >= event.end:
        return hp
    return Span(start, hp.end, " ".join(text[start:hp.end].lower().split()))


_TARGET_BEFORE = re.compile(r"\b(?P<head>[A-Za-z][\w-]*)\s+(?:for|to|on)\s+(?:(?:the|a|an|this)\s+)?"
                            r"(?:(?:prevention|treatment|management|prophylaxis|control)\s+of\s+(?:the\s+)?)?$", re.I)
# ("B-cell monoclonal antibody agents for the prevention of allograft rejection within 274 days": 4 "<treatment> for
# (the) prevention / treatment of <target> within N" in the corpora, one read as the target alone)
_TARGET_HEAD = re.compile(r"(?:" + _words_alt("treatment_head") + "|" + _words_alt("target_head") + r")$", re.I)


def _with_target(text: str, floor: int, hp: Span) -> Span:
    """"antibiotics for ocular infection in the previous 14 days", "Prior surgery on ipsilateral knee within the last
    6 months": the phrase after a treatment head (resources treatment_head, target_head, or a drug the linking knows) and
    "for/to/on" is its target; the window bounds the thing done, named with its target."""
    m = _TARGET_BEFORE.search(text, max(floor, hp.start - 40), hp.start)
    head = m.group("head").lower() if m is not None else ""
    if not head or not (_TARGET_HEAD.match(head) or (len(head) > 3 and _links_to_drug(head))):
        return hp
    return _named_from(text, m.end("head"), floor, hp)


_MODIFIED_BEFORE = re.compile(r"\b(?P<head>[A-Za-z][\w-]*)\s+(?:(?:that|which)\s+)?(?:(?:are|is|might|may|can|could)\s+)?"
                              r"(?:(?:known|thought|likely)\s+to\s+)?" + _words_alt("modifier_verb") + r"\s+(?:(?:the|your|a|an)\s+)?"
                              r"(?:[\w-]+,?\s+(?:or|and|and/or)\s+)?$", re.I)
_MODIFIER_LEAD = re.compile(_words_alt("modifier_verb") + r"\s+", re.I)
_MODAL_HEAD = re.compile(_AUX + r"|might|could|would", re.I)  # "drugs that [might] affect": no head


def _with_modifier(text: str, floor: int, hp: Span) -> Span:
    """"medications affecting the periodontium in the previous 6 months", "substances that are known to affect
    PAS-induced plasticity within the past 2 months": the phrase after a modifying verb (resources modifier_verb)
    says which things; the window bounds the things, named with it."""
    lead = _MODIFIER_LEAD.match(text, hp.start)  # "substances that are known to [affect PAS-induced plasticity]"
    m = _MODIFIED_BEFORE.search(text, max(floor, hp.start - 60), lead.end() if lead else hp.start)
    if m is None or _STOP.match(m.group("head")) or _MODAL_HEAD.fullmatch(m.group("head")):
        return hp
    return _named_from(text, m.end("head"), floor, hp)


_BARE_DISEASE = re.compile(r"^(?:free\s+of\s+)?(?:the\s+)?(?:evidence\s+of\s+)?(?:(?P<mod>cns|local|tumou?r)\s+)?"
                           r"(?P<what>disease|progression)$", re.I)
_NO_DISEASE_BEFORE = re.compile(r"\b(?:free\s+of\s+|no\s+(?:known\s+)?(?:evidence\s+of\s+)?(?:active\s+)?|without\s+(?:evidence\s+of\s+)?"
                                r"(?:active\s+)?)(?:the\s+)?$", re.I)


_FOR_AFTER = re.compile(r"\s+(?:for|during)\b", re.I)


def _disease_free(text: str, sp: Span) -> Span:
    """"free of disease for more than 1 year", "with no evidence of disease for at least 5 years", "no known active
    disease >= 5 years": the time is how long the patient has been disease free (the name the legacy records write
    themselves: "disease free for 6 months or more"), never a bare "disease"; so for progression ("no evidence of CNS
    progression for at least 4 weeks" is "cns progression free" >= 4 weeks, not a negated progression >= 4 weeks; 4 in
    the XML extract, 1 in the v2 sample). Recurrence and relapse are washouts (`critparse.washout`: the time since)."""
    m = _BARE_DISEASE.match(sp.name)
    if m is None:
        return sp
    name = " ".join(w for w in (m.group("mod"), m.group("what"), "free") if w).lower()  # "progression free"
    if m.group("what").lower() != "disease" and not _FOR_AFTER.match(text, sp.end):
        return sp  # "no progression greater than 1 year after ...": when it came, not how long it was absent
    if sp.name.lower().startswith("free"):
        return Span(sp.start, sp.end, name)
    cue = _NO_DISEASE_BEFORE.search(text, max(0, sp.start - 40), sp.start)
    return Span(cue.start(), sp.end, name) if cue is not None else sp


_IN_BEFORE = re.compile(r"[ \t]+in[ \t]+$", re.I)
_NOT_HOLDING = re.compile(r"^" + _words_alt("count_place_skip") + r"$", re.I)
_COUNTED_PLACE = re.compile(r"\b" + _words_alt("counted_place") + r"$", re.I)


#: counted units of something else, named after "of": "episodes of X", "doses of X", "courses of X" (about 60 in the XML
#: extract: the subject was the bare "episodes" or "doses")
_COUNT_HEAD = re.compile(r"\b(?:episodes?|doses?|courses?|cycles?|regimens?|lines?|attacks?|bouts?|exacerbations?|"
                         r"relapses?|flares?|occasions?|injections?|infusions?|units?|packs?)$", re.I)


def _counted_with(text: str, c: Comparison, counted: Span, floor: int) -> Span:
    """"Active arthritis in >= 1 joint", "HS lesions in at least 2 distinct anatomic areas": what is counted is the
    places that hold the thing named before "in" ("joint with active arthritis", "anatomic areas with hs lesions");
    `counted` as it was where no such thing stands there ("20/100 or better in at least one eye")."""
    of = _OF_NOUN.match(text, counted.end) if _COUNT_HEAD.search(counted.name) else None
    if of is not None and not _STOP.match(of.group(2).split()[0]) and not _BARE.match(of.group(2).split()[0]):
        e = _cut_at_stop(text, of.start(2), of.end(2))  # "episode of PCP infection is": not "is"
        if e > of.start(2) and not re.match(r"\s+(?:or|and|to|-)\b", text[e:]):  # "episodes of moderate or severe"
            # "2 or more episodes of acute chest syndrome", "at least two doses of the OspA vaccine": what is counted
            return Span(counted.start, e, counted.name + " of " + " ".join(text[of.start(2):e].lower().split()))
    m = _IN_BEFORE.search(text, max(floor, c.start - 6), c.start)
    if m is None or not _COUNTED_PLACE.search(counted.name) or re.match(r"\s+of\b", text[counted.end:]):
        return counted  # "deficits in at least 2 areas of cognition": no place
    held = head_phrase(text, m.start(), floor) if m.start() > floor else None
    if held is None or held.end != m.start() or unusable(held.name) or _NOT_HOLDING.match(held.name.split()[-1]) \
            or _PERSON_ONLY.match(held.name) or re.match(r"\d", held.name) or units.to_ucum(held.name.split()[-1]) \
            or re.search(r"(?:\b(?:in|on|at|by|within)\s+(?:the\s+)?|[\d/]\s*)$", text[max(floor, held.start - 40):held.start], re.I):
        return counted  # "inflammatory cells in the anterior chamber in at least one eye": X is where, not what
    return Span(min(held.start, counted.start), counted.end, counted.name + " with " + held.name)
    return Span(min(held.start, counted.start), counted.end, counted.name + " with " + held.name)


_COLON_AFTER = re.compile(r"[^:;.]{0,80}?:[ \t]*(?=[A-Za-z])")
_LISTED_END = re.compile(r"[;.(\[]|\n[ \t]*(?:\n|[-*+\u2022]\s)")


def following_listed(text: str, sp: Span, end: int) -> Span:
    """"cannot discontinue the following drugs at least 24 hours prior to randomization: Terfenadine, cisapride and
    astemizole": a subject "following X" is the list of names written after the colon that ends its sentence;
    `sp` as it was where none is written there (a bulleted list below, a clause)."""
    if not sp.name.startswith("following "):
        return sp
    m = _COLON_AFTER.match(text, end)
    if m is None or re.search(r"\n[ \t]*(?:\n|[-*+\u2022]\s)", text[end:m.end()]):
        return sp
    stop = _LISTED_END.search(text, m.end(), min(len(text), m.end() + 200))
    body = text[m.end():stop.start() if stop else min(len(text), m.end() + 200)].rstrip(" ,\t\n")
    if not (_name_list(body) or re.fullmatch(r"[A-Za-z][\w\-]*(?:[ \t]+[\w\-]+){0,3}", body)):
        return sp
    return Span(m.end(), m.end() + len(body), " ".join(body.lower().split()))


_OR_HAS_USED = re.compile(r"[ \t\n]+(?:or|and/or)[ \t\n]+(?:has|have|had)[ \t\n]+(?:used|received|taken)[ \t\n]+"
                          r"(?:(?P<such>such)[ \t\n]+|(?:an?|any)[ \t\n]+)?$", re.I)


def _or_has_used(text: str, floor: int, ev: Span) -> Span:
    """"participated in a study of an investigational agent or has used an investigational device within 4 weeks",
    "Is receiving concurrent investigational therapy or has received such therapy within 4 weeks": the window bounds
    the thing of the clause before "or has used" too ("investigational agent or investigational device"; the thing
    itself where "such" names it again); `ev` as it was where no thing stands there."""
    m = _OR_HAS_USED.search(text, max(floor, ev.start - 40), ev.start)
    before = head_phrase(text, m.start(), floor) if m is not None and m.start() > floor else None
    lead = re.match(r"(?:(?:receiving|taking|using|on)\s+)+", before.name, re.I) if before is not None else None
    if before is not None and lead and lead.end() < len(before.name):  # "Is receiving concurrent investigational therapy"
        before = Span(before.end - len(before.name) + lead.end(), before.end, before.name[lead.end():])
    if before is None or before.end != m.start() or unusable(before.name) or _PERSON_ONLY.match(before.name):
        return ev
    name = before.name if m.group("such") else before.name + " or " + ev.name
    return Span(before.start, ev.end, name)


_BARE_TEST = re.compile(r"^(?:the\s+|this\s+)?tests?$", re.I)
_ITEM_BREAK = re.compile(r"\n[ \t]*(?:\n|[-*+\u2022][ \t]|\(?\d{1,2}[.)][ \t])")
_CAPS_IN_BRACKETS = re.compile(r"\(([A-Z][A-Z0-9\-]{1,9})\)")


def tested_thing(text: str, mentions: "Mentions", sp: Span) -> Span:
    """"Bilirubin =< 2 times the upper limit of normal; test must be completed within 7 days", "Has a known history of
    Human Immunodeficiency Virus (HIV) infection. The test should be performed within 28 days": a bare "test" is the
    test of the thing its list item named last (a lexicon subject, else an abbreviation in brackets): "bilirubin
    test", "hiv test"; `sp` as it was where the item names neither."""
    if not _BARE_TEST.match(sp.name):
        return sp
    item = 0
    for item_m in _ITEM_BREAK.finditer(text, 0, sp.start):
        item = item_m.end()
    named = mentions.within(item, sp.start)
    if named:
        return Span(sp.start, sp.end, named[-1].name + " test")
    caps = list(_CAPS_IN_BRACKETS.finditer(text, item, sp.start))
    return Span(sp.start, sp.end, caps[-1].group(1).lower() + " test") if caps else sp


_ANAPHOR_HEAD = re.compile(r"^(?:" + _words_alt("generic_event") + r"|drugs?|medications?|agents?|regimens?)$", re.I)
_ANAPHOR_DET = re.compile(r"\b(?P<det>such|this|that|these|those|the\s+same|said|the)[ \t\n]+$", re.I)
_TREATMENT_HEAD = re.compile(r"\b(?:" + _words_alt("treatment_head") + r")$", re.I)
_BARE_GENERIC = re.compile(r"^" + _words_alt("generic_event") + r"$", re.I)


def antecedent(text: str, sp: Span) -> Span:
    """"Antiviral therapy (provided patient has been on such therapy for at least 2 months)", "If already on zidovudine
    (AZT) or didanosine (ddI), must have been on this therapy for at least 75 days": a bare treatment head after "such",
    "this", "that", "these" (or "the" drug, medication, regimen) names the treatment its clause opened with (found as
    `stable_dose_of` finds a drug); `sp` as it was where that is no treatment (constraint_words.toml treatment_head)."""
    det = _ANAPHOR_DET.search(text, max(0, sp.start - 12), sp.start) if _ANAPHOR_HEAD.match(sp.name) else None
    if det is None or (det.group("det").lower() == "the" and _BARE_GENERIC.match(sp.name)):
        return sp  # "the treatment" is no anaphor as surely as "the drug", "the medication", "the regimen" are
    cs = _list_start(text, det.start())
    opened = text.rfind("(", cs, det.start())
    for lo in ([opened + 1] if opened > cs and ")" not in text[opened:det.start()] else []) + [cs]:
        drug = _clause_drug(text, lo, det.start())
        if drug is not None and drug.end <= det.start() and (_TREATMENT_HEAD.search(drug.name) or "," in drug.name
                                                               or " or " in drug.name or concepts.lookup(drug.name)):
            return Span(drug.start, sp.end, drug.name)
    return sp


_BARE_TREATMENT = re.compile(r"^(?:(?:prior|previous|any|no)\s+)?" + _words_alt("generic_event") + r"$", re.I)
_WITH_AFTER = re.compile(r"[ \t\n]*,?[ \t\n]*with[ \t\n]+(?:(?:any|the|a|an|other)[ \t\n]+)*", re.I)
_WITH_END = re.compile(r"[;.:()\[\]]|\n[ \t]*(?:\n|[-*+\u2022]\s|\(?\d{1,2}[.)]\s)|\b(?:that|which|who|whose|within|prior|before|after|for|during|except|unless|if|"
                       r"such\s+as|including|in\s+the|at\s+least|is|are|was|were|or\s+(?:treatment|therapy))\b", re.I)


def treated_with_after(text: str, sp: Span, end: int) -> Span:
    """"No treatment within the last 4 months with suramin", "Therapy within 30 days with neurotoxic drugs": a bare
    treatment whose "with X" is written after its time value is the treatment with X ("treatment with suramin");
    `sp` as it was where no named thing follows ("with any of the following:")."""
    if not _BARE_TREATMENT.match(sp.name):
        return sp
    w = _WITH_AFTER.match(text, end)
    if w is None:
        return sp
    stop = _WITH_END.search(text, w.end(), min(len(text), w.end() + 120))
    body = text[w.end():stop.start() if stop else min(len(text), w.end() + 120)].rstrip(" ,\t\n")
    listed = "," in body and _name_list(body)
    if "," in body and not listed:
        body = body[:body.index(",")].rstrip()
    name = " ".join(body.lower().split())
    if not name or len(name.split()) > (14 if listed else 8) or _STOP.match(name.split()[0]) or re.search(r"\bfollowing\b|^\d", name) \
            or unusable(name):
        return sp
    head = re.sub(r"^(?:(?:prior|previous|any|no)\s+)", "", sp.name)
    return Span(sp.start, w.end() + len(body), head + " with " + name)


_GENERIC_FOR = re.compile(r"\b" + _words_alt("generic_event") + r"(?=\s+for\s)", re.I)  # ("with X" names X itself)


def _treatment_to_end(text: str, s: int, body: str, floor: int) -> Optional[Span]:
    """A long event phrase that ends in a treatment's "for" complement: the treatment with it (`_complemented`), where
    the complement runs to the phrase's end ("acute therapy for an infection or other medical illness", was
    "medical illness"); else None."""
    m = None
    for m in _GENERIC_FOR.finditer(body):  # the last treatment head
        pass
    head = head_phrase(text, s + m.end(), floor) if m is not None else None
    if head is None:
        return None
    done = _complemented(text, head)
    return done if done.end > head.end and done.end == s + len(body.rstrip(" ,(")) else None


_DIAGNOSED_BEFORE = re.compile(r"\b(?:diagnosed\s+with|diagnosis\s+of)\s+$", re.I)
_DIAGNOSED_AFTER = re.compile(r"\s+(?:(?:was|were|is|been|first)\s+)*diagnosed\b", re.I)


def _diagnosis(text: str, span: Span) -> Span:
    """"Diagnosed with T2D ... 180 days before", "macular edema diagnosed within 16 weeks": the event is the
    diagnosis of the condition ("t2d diagnosis"), not the condition itself."""
    if _DIAGNOSED_BEFORE.search(text, max(0, span.start - 25), span.start) or _DIAGNOSED_AFTER.match(text, span.end):
        return Span(span.start, span.end, span.name + " diagnosis")
    return span


# "at least 4 weeks prior to registration", "> 12 months (365 days) before": a washout or window whose event is
# written before it
_REF_AFTER = re.compile(r"\s*(?:\([^()]{0,30}\)\s*)?(?:prior|before|preceding|ago|earlier)\b", re.I)
# "developed within 2-4 weeks", "antiviral therapy for at least 4 weeks": the event or state before the bound
_WINDOW_BEFORE = re.compile(r"\b(?P<w>within|for)\s+(?:the\s+)?(?:last\s+|past\s+)?$", re.I)


_AFTER_LEAD = re.compile(r"[^,:;.\n()]{0,45}?[,:][ \t]*(?=[A-Za-z])")
_AFTER_END = re.compile(r"[;.(),]|\n[ \t]*(?:\n|[-*+\u2022]|\d{1,2}[.)])|\b(?:that|which|who|whose|unless|except|if|as|or\s+plan|or\s+will)\b", re.I)


# the reference point after a window: "prior to study intervention administration", "before the first dose"
_REF_TAIL = re.compile(r"\s*(?:prior\s+to|prior|before|preceding)\b(?:\s+(?!and\b|or\b)[\w\-]+){0,5}", re.I)


_WHO_LEAD = re.compile(r"(?:those|" + _words_alt("person") + r")\s+who\s+(?:(?:have|has|had|are|is|was|were|will|or|been)\s+)*(?:"
                       + _words_alt("event_verb_present") + r"\s+)?", re.I)


def names_nothing(seg: str) -> bool:
    """Whether a stretch of text holds no word but function words and people ("Participants", "Patients who")."""
    return all(_STOP.match(w) or _PERSON.fullmatch(w) for w in re.findall(r"[A-Za-z][\w\-]*", seg))


def event_after(text: str, end: int) -> Optional[Span]:
    """The event written after a window that opens its clause ("Within the past 1 year, regular use of
    medications that ...", "In the three months prior to the study initiation, was given X"): the phrase after
    the comma or colon that ends the window, up to its first relative clause or break."""
    m = _AFTER_LEAD.match(text, end)
    if m is None:
        return None
    who = _WHO_LEAD.match(text, m.end())  # "Currently, or within the past 3 months, those who have a habit of X"
    start = who.end() if who else m.end()
    stop = _AFTER_END.search(text, start)
    q = stop.start() if stop else len(text)
    return temporal_subject(text, start, q) if q > start else None


def event_after_paren(text: str, end: int) -> Optional[Span]:
    """"has developed (within the last 6 months) gastrointestinal disease that ...": the event written after the
    parenthesis that holds the window (ending at `end`), up to its first relative clause or break."""
    close = re.compile(r"[^()]{0,40}?\)[ \t]*(?:of[ \t]+)?(?=[A-Za-z])").match(text, end)  # ("history (...) of X")
    if close is None:
        return None
    stop = _AFTER_END.search(text, close.end())
    q = stop.start() if stop else len(text)
    tail = _PAREN_EVENT_END.search(text, close.end(), q)  # the event opens the phrase after the bracket
    q = tail.start() if tail else q
    return temporal_subject(text, close.end(), q) if q > close.end() else None


# what ends the event written after a bracketed window ("no recent (in the last 6 months) neurological events
# referable to the study artery", "known history (over the past 6 months) of substance dependence according to DSM",
# "the current (within 365 days) date of IRB approval for this study has been entered": the last noun was the event)
_PAREN_EVENT_END = re.compile(r"\b(?:according\s+to|referable|for|has|have|had|is|are|was|were|will|requiring|needing)\b", re.I)


_OF_EVENT = re.compile(r"\s+(?:of|from)\s+(?:(?:completing|completion\s+of|starting|the\s+start\s+of|initiation\s+of|initiating|receiving)\s+)?(?=[A-Za-z])", re.I)
_REFERENCE = re.compile(r"\b" + _words_alt("reference_point") + r"\b", re.I)


_LIST_AFTER = re.compile(r"[^:;.\n]{0,45}?:[ \t]*(?P<list>[A-Za-z][^;.\n]{2,200})")
#: a list that holds a threshold lists findings, not events a window can bound by name
LISTED_THRESHOLD = re.compile(r"\b(?:greater|less|more|fewer|above|below|exceeding|at\s+least)\b|[<>≤≥]", re.I)


def listed_events(text: str, floor: int, wstart: int, end: int) -> Optional[Span]:
    """"one of the following symptoms during the preceding two weeks: sleep problems, fatigue, pain": a window
    over "the following X" bounds the events listed after the colon (one item for the list)."""
    if not _FORWARD_REF.search(text[floor:wstart].rstrip(" ,")):
        return None
    return _list_after(text, end)


def _list_after(text: str, end: int) -> Optional[Span]:
    """The list written after a colon that follows `end` on the same line (one span for the whole list)."""
    m = _LIST_AFTER.match(text, end)
    if m is None or LISTED_THRESHOLD.search(m.group("list")):
        return None  # "findings for any of the following within 4 weeks: ..., serum creatinine greater than 2.0"
    s, e = m.span("list")
    e = s + len(text[s:e].rstrip(" ,"))
    return Span(s, e, " ".join(text[s:e].lower().split()))


def event_of(text: str, end: int) -> Optional[Span]:
    """"Within 2 weeks of cardiac catheterization", "within 2 years of completing initial chemotherapy": a window
    that opens its clause, then names its event after "of"; None where that is a reference point of the study
    ("within 28 days of screening")."""
    m = _OF_EVENT.match(text, end)
    if m is None:
        return None
    stop = _AFTER_END.search(text, m.end())
    q = stop.start() if stop else len(text)
    ev = temporal_subject(text, m.end(), q) if q > m.end() else None
    return None if ev is None or _REFERENCE.search(ev.name) else ev


_STATUS = re.compile(r"^(?:" + _words_alt("rule_status") + r")$", re.I)


def is_status(ev: Span) -> bool:
    """Whether an event phrase is only a rule's verdict ("excluded", "allowed")."""
    return _STATUS.match(ev.name) is not None


def status_event(text: str, end: int, verdict: Span) -> Optional[Span]:
    """"Excluded within 4 weeks of study entry: Suramin.": what a verdict heading lists after its colon, on the
    same line; None where the list is not in this text or the verdict is a permission ("Allowed within 30 days:
    X" states no exclusion): the window then gives no constraint."""
    if re.match(r"(?:allowed|permitted)$", verdict.name, re.I):
        return None
    return _list_after(text, end)


def window_event(text: str, floor: int, c: Comparison) -> Optional[Attachment]:
    """The event a time comparison bounds where the text says so ("X at least 4 weeks prior to", "X within
    2-4 weeks", "X for at least 4 weeks"): the event phrase before it, as for a bare window."""
    if c.unit not in TIME_UNITS and c.unit != "{half-lives}":
        return None
    before = _WINDOW_BEFORE.search(text, max(floor, c.start - 30), c.start)
    if not (_REF_AFTER.match(text, c.end) or before) or re.match(r"\s*after\b", text[c.end:], re.I):
        return None  # "for at least 120 days after the last dose": a commitment after the study, not an event before
    opened = re.search(r"\(\s*$", text[max(floor, c.start - 3):c.start])
    if opened:  # "transient ischemic attack (<5 years ago)": the event named just before the parentheses
        hp = head_phrase(text, max(floor, c.start - 3) + opened.start(), floor)
        return Attachment([hp], "temporal") if hp else None
    wstart = before.start() if before else c.start
    ev = temporal_subject(text, floor, wstart)
    if ev is None and not before and not re.search(r"[A-Za-z]", text[floor:c.start].replace("up to", "")):
        tail = _REF_TAIL.match(text, c.end)
        ev = event_after(text, tail.end()) if tail else None  # "Up to 6 months prior to X: long-acting drugs"
    if ev is None:
        return None
    if is_status(ev):  # "Excluded for at least 4 weeks prior to study entry: X"
        listed = status_event(text, c.end, ev)
        return Attachment([listed], "temporal", listed.end) if listed else Attachment()
    duration = before is not None and before.group("w").lower() == "for"
    return Attachment([ev], None if duration else "temporal")


# ------------------------------------------------------------------ the attachment rules --

_PERSON_ONLY = re.compile(r"^(?:(?:all|the|male|female)\s+)*" + _words_alt("person") + r"(?:\s+(?:and|or)\s+" + _words_alt("person") + r")?$", re.I)
_UNIT_SUBJECT = {"kg": "weight", "[lb_av]": "weight", "kg/m2": "bmi"}
_WEIGHT_LIKE = re.compile(r"(?:^|\s)(?:weigh|weighs|weighing|patients?|subjects?|donors?|children|adults?|"
                          r"men|women|participants?|volunteers?)$")


def _unit_subject(c: Comparison, hp: Optional[Span]) -> Optional[Span]:
    """"Patients > 50 kg", "Weighs at least 50kg": the unit names the subject (not "weight loss"); pack-years
    are always of smoking (the exposure the unit is defined on)."""
    if c.unit in _UNIT_SUBJECT and (hp is None or _WEIGHT_LIKE.search(hp.name)):
        return Span(c.start, c.start, _UNIT_SUBJECT[c.unit])
    if c.unit == "{pack-years}":  # "smoked at least 30 pack-years", "former smokers with >= 10 pack-years": smoking
        return Span(hp.start, hp.end, "smoking") if hp is not None else Span(c.start, c.start, "smoking")
    return None


def _fallback(text: str, c: Comparison, hp: Optional[Span]) -> Optional[Span]:
    """The head phrase before the comparison, else a counted noun after it; a bare duration
    ("at least 6 months") has no subject of its own."""
    if hp is not None:
        return hp
    if c.unit is None and c.relative_to is None:
        return noun_after(text, c.end)
    return None


_OF_NOUN = re.compile(r"\s+of\s+(?!age\b|the\s+following\b)(?P<article>(?:an?|the)\s+(?!following\b))?((?:[A-Za-z][\w\-]*)(?:\s+(?!and\b|or\b|in\b|with\b|for\b|at\b|to\b|before\b|prior\b|after\b|since\b|within\b|during\b)[A-Za-z][\w\-]*){0,2})", re.I)


def of_subject(text: str, c: Comparison, article: bool = False) -> Optional[Span]:
    """"more than 72 hours of hospitalization", "2 years of handball": the thing that lasted; after an article
    ("24 hours of an antimicrobial agent") only where `article` (never "within 4 weeks of the viral blip")."""
    m = _of_noun(text, c.end, article)
    return _complemented(text, m) if m is not None else None  # "72 hours of treatment for PCP"


def _of_noun(text: str, pos: int, article: bool = False) -> Optional[Span]:
    """The noun phrase of an "of" phrase at `pos` (`_OF_NOUN`), or None where an article opens it (unless
    `article`) or a function or bare word does."""
    m = _OF_NOUN.match(text, pos)
    if not m or (m.group("article") and not article) or _STOP.match(m.group(2).split()[0]) or _BARE.match(m.group(2).split()[0]):
        return None
    return Span(m.start(2), m.end(2), " ".join(m.group(2).lower().split()))


#: "bone marrow with greater than 30% blasts", "marrow showing < 5% plasma cells": the percentage is of the noun after
#: it, not of the thing before "with" (63 in the XML extract: blasts, plasma cells, prolymphocytes, tumor necrosis ...)
_WITH_SHARE = re.compile(r"\b(?:with|showing|containing|having)\s+$", re.I)
_SHARE = re.compile(r"\s*((?:[A-Za-z][\w-]*\s+){0,2}?" + _words_alt("share_head") + r"\b"
                    r"(?:\s+(?:plus|and/or|and|or|\+)\s+(?:[A-Za-z][\w-]*\s+)?(?:" + _words_alt("share_head") + r"|\w+(?:cytes|phils))\b)?)",
                    re.I)  # "blasts plus promyelocytes", "blasts or basophils": the share is of both


#: "Myelodysplastic syndrome (greater than 5% blasts)", "(i.e., > 10% blasts in marrow)": a bracket that opens on a
#: share of a head word (share_head) says what the share is of, not the thing before the bracket (36 in the XML extract)
_OPENS_BRACKET = re.compile(r"\(\s*(?:i\.\s?e\.,?\s*)?$", re.I)


def _shares_after(text: str, c: Comparison) -> bool:
    """Whether the noun after a percentage is what it is of: after "with" or at a bracket's opening."""
    before = text[max(0, c.start - 12):c.start]
    return bool(_WITH_SHARE.search(before) or _OPENS_BRACKET.search(before))


def _share_of(text: str, end: int) -> Optional[Span]:
    """The thing a share after "with" is of, up to a head word of constraint_words.toml share_head ("10% tumor
    cells", "20% marrow blasts"); None where no such word comes within three words."""
    m = _SHARE.match(text, end)
    if m is None or _STOP.match(m.group(1).split()[0]) or m.group(1).lower() in ("cell", "cells"):
        return None  # a bare "cells" names no thing ("CD20 positive (greater than 50% cells express CD20)")
    return Span(m.start(1), m.end(1), " ".join(m.group(1).lower().split()))


def _percent_of(text: str, c: Comparison) -> Optional[Span]:
    """">= 10% of BSA involvement": the thing a percentage is of, up to its first function word; never
    people ("no more than 10 percent of volunteers": an enrolment quota) or "each"/"all"."""
    part = of_subject(text, c)
    if part is None:
        return None
    e = _cut_at_stop(text, part.start, part.end)
    name = " ".join(text[part.start:e].lower().split())
    if not name or _PERSON.search(name) or re.match(r"(?:each|all|every|was|were)\b", name) or _VERB_LIKE.search(name):
        return None
    return Span(part.start, e, name)


#: a measure written before what it measures, with nothing before it: ">/= 5 ppm carbon monoxide (CO)", "At least 70%
#: adherence to the diary", "Less than 1.5 cm2 residual tumor" (about 150 items open so in the XML extract); the
#: thing follows the unit with only spaces between, and never a time, a weight of the person, smoking or a dose
_MEASURED_AFTER = re.compile(r"[ \t]+(?=[A-Za-z])")
#: what ends a measured thing or shows it is none: a verb or preposition taking an object ("2 cm into the gastric
#: cardia"), a coordinated modifier whose head comes later ("75% colon or small bowel obstruction", "15% or more
#: peripheral or marrow blasts"), a Title-case word starting the next item of a flattened list ("Groups 1 and 5:
#: Greater than 50 mL/min Group 2: ..."), an adverb of extent ("at least 2 cm long") or a trailing participle ("30%
#: risk of relapse according to")
_NOT_MEASURED_NEXT = re.compile(r"\s+(?:(?:an?|the)\s|(?:or|and|and/or|nor)\s+[A-Za-z])", re.I)
_TITLE_WORD = re.compile(r"\s(?-i:[A-Z][a-z])")
_EXTENT_WORD = re.compile(r"(?:long|wide|deep|thick|tall|high|distant|away|apart|beyond|above|below|into|onto|from|"
                          r"following|according)$", re.I)
_NOT_MEASURE_UNITS = frozenset({"{pack-years}"})


def measured_after(text: str, c: Comparison) -> Optional[Span]:
    """The noun phrase right after a measure's unit that names what is measured, with its "of" complement
    ("5 mm area of calcification", "30% risk of relapse"); None for times, person weights, pack-years, doses
    (read by `_drug_after`), unit-less counts, or where the phrase is no thing (`_NOT_MEASURED_NEXT`,
    `_EXTENT_WORD`, a verb form, a unit, a person, a concept the unit cannot measure)."""
    if c.unit is None or c.unit in TIME_UNITS or c.unit in _UNIT_SUBJECT or c.unit in _NOT_MEASURE_UNITS \
            or _MASS_UNIT.match(c.unit) or c.relative_to is not None or not _MEASURED_AFTER.match(text, c.end):
        return None
    thing = noun_after(text, c.end)
    if thing is None or re.match(r"(?-i:[A-Z][a-z])", text[thing.start:thing.start + 2]):
        return None
    title = _TITLE_WORD.search(text, thing.start, thing.end)  # "20% peripheral basophils Thrombocyte count ..."
    end = title.start() if title else thing.end
    name = " ".join(text[thing.start:end].lower().split())
    first = name.split()[0]
    if len(name) < 3 or name.endswith("-") or _NOT_MEASURED_NEXT.match(text, end) or _EXTENT_WORD.match(first) \
            or re.search(r"(?:ing|ed)$", first) or units.to_ucum(first) or _PERSON.search(name) or unusable(name):
        return None
    trailing = _EXTENT_WORD.search(text, thing.start, end)  # "residual disease following laparotomy"
    if trailing:
        end = thing.start + len(text[thing.start:trailing.start()].rstrip())
        name = " ".join(text[thing.start:end].lower().split())
    complement = _of_noun(text, end) if not title else None
    if complement is not None:
        end, name = complement.end, f"{name} of {complement.name}"
    return Span(thing.start, end, name) if _unit_fits(name, c) else None


_ON_SCALE = re.compile(r"\s+on\s+(?:the\s+|a\s+)?((?:[A-Za-z][\w\-\u00c0-\u017f]*)(?:\s+(?!and\b|or\b|at\b|to\b|for\b|in\b)[A-Za-z][\w\-\u00c0-\u017f]*){0,3})")


def scale_after(text: str, c: Comparison) -> Optional[Span]:
    """"a score of 24 or above on the Folstein Mini-Mental ...": the scale named after a bare score."""
    m = _ON_SCALE.match(text, c.end)
    if not m or _STOP.match(m.group(1).split()[0]):
        return None
    s, e = m.span(1)
    part = _PART_OF_SCALE.match(text, s)
    if part is not None:  # "a score of 2 or greater on the speech question of the ALSFRS-R": that scale's item
        item, scale = " ".join(part.group("item").lower().split()), part.group("scale").lower()
        return Span(s, part.end(), f"{scale} {item}")
    return Span(s, e, " ".join(m.group(1).lower().split()))


# an item of a named scale after "on the" ("a score of 2 or greater on the speech question of the ALSFRS-R", "3 or
# more on the swallowing item of the ALSFRS-R"; the subject was "speech question of the")
_PART_OF_SCALE = re.compile(r"(?P<item>[A-Za-z][\w\-]*(?:\s+[A-Za-z][\w\-]*)?)\s+(?:question|item|domain|subscale|sub-scale|"
                            r"subscore|component)?\s*of\s+(?:the\s+)?(?P<scale>[A-Z][\w\-]*[A-Z][\w\-]*)\b")


_SCORE_NAME = re.compile(r"\b(?:scores?|scales?|ratings?|index)$", re.I)
_ADJACENT_GAP = re.compile(r"[\s:=]*(?:(?:of|is|was|were|are)\s+)*")


def _adjacent(text: str, hp: Span, c: Comparison) -> bool:
    """Nothing but spaces, ':' or 'of'/'is' between a head phrase and the comparison ("score of > 4")."""
    return _ADJACENT_GAP.fullmatch(text, hp.end, c.start) is not None


_SCALE_NAME = re.compile(r"\b(?:scales?|scores?|questionnaire|inventory|index|rating|test|examination|assessment)$", re.I)
_SCORE_BEFORE = re.compile(r"\b(?:scores?|points?|ratings?)\s*(?:of\s*)?$", re.I)


@lru_cache(maxsize=1)
def _condition_analytes() -> Dict[str, str]:
    """resources/condition_analytes.csv: a laboratory condition -> the analyte it is a value of."""
    return {r["condition"]: r["subject"] for r in resources.read_csv("condition_analytes.csv")}


def _plausible(name: str, c: Comparison) -> bool:
    """Whether the comparison's values are plausible for the concept `name` names ("ventricular
    tachycardia (greater than 4 beats)" is no heart rate); True where it names none."""
    concept = concept_named(name)
    return concept is None or all(concepts.plausible(concept, v, c.unit) for v in (c.v1, c.v2) if v is not None)


# "at least 10 mm in the longest diameter", "more than 5 cm in greatest dimension", "> 1 cm in the shortest axis"
_DIMENSION_AFTER = re.compile(r"\s+in\s+(?:the\s+)?(?P<d>(?:longest|largest|greatest|shortest|short|long|maximum|maximal)\s+"
                              r"(?:diameter|dimension|axis))\b", re.I)
# what a RECIST-style size is of, the last one named before it in the sentence
_MEASURED_THING = re.compile(r"\b(?P<t>lesions?|tumou?rs?|(?:lymph\s+)?nodes?|masse?s?|metastas[ie]s|nodules?)\b", re.I)
_LENGTHS = {"mm", "cm"}


def dimension_subject(text: str, c: Comparison) -> Optional[Span]:
    """"measurable lesion ... that can be accurately measured at baseline as >= 10 mm in the longest diameter":
    a length followed by the dimension it is taken in (RECIST 1.1 wording) measures that dimension of the
    lesion, tumour, node or mass named before it in the sentence ("lesion longest diameter"), else the
    dimension alone; whatever phrase stands before the number."""
    if c.unit not in _LENGTHS:
        return None
    m = _DIMENSION_AFTER.match(text, c.end)
    if m is None:
        return None
    sentence = max(text.rfind(". ", 0, c.start), text.rfind("\n", 0, c.start), text.rfind(";", 0, c.start), c.start - 200)
    things = list(_MEASURED_THING.finditer(text, max(0, sentence), c.start))
    dim = " ".join(m.group("d").lower().split())
    if things:
        t = things[-1]
        name = " ".join(t.group("t").lower().split())
        return Span(t.start(), m.end("d"), _singular_noun(name) + " " + dim)
    return Span(m.start("d"), m.end("d"), dim)


def _singular_noun(name: str) -> str:
    """"lesions" -> "lesion", "masses" -> "mass", "metastases" -> "metastasis"."""
    if name.endswith("ases"):
        return name[:-4] + "asis"
    if name.endswith("sses"):
        return name[:-2]
    return name[:-1] if name.endswith("s") and not name.endswith(("ss", "is")) else name


# a trailing participle or adverb of a head phrase: "previously treated >= 60 cGy", "considered < 30 %",
# "can be accurately measured at baseline as >= 10 mm", "PTT prolonged > 3 seconds" (not "bleed", "need")
_TRAILING_VERB = re.compile(r"\s*\b(?:[a-z\-]{2,}(?<!e)ed|[a-z]{3,}ly)$")


def without_verbs(text: str, hp: Optional[Span]) -> Optional[Span]:
    """A head phrase without its trailing participles and adverbs ("ptt prolonged" -> "ptt"); None where
    nothing else is left ("previously treated", "considered"): a verb phrase never names the measured thing."""
    if hp is None:
        return None
    name = hp.name
    while True:
        m = _TRAILING_VERB.search(name)
        if m is None:
            break
        name = name[:m.start()].rstrip(" ,")
    if name == hp.name or name.endswith(("-", "(")):
        return hp  # "wechsler memory scale - revised": part of a name
    if not name or all(_STOP.match(w) or _BARE.match(w) for w in name.split()):
        return None
    words = list(re.finditer(r"\S+", text[hp.start:hp.end]))
    n = len(name.split())
    return Span(hp.start, hp.start + words[n - 1].end(), name) if len(words) >= n else None


def _phrase_before_comma(text: str, start: int, floor: int) -> Optional[Span]:
    """The noun phrase before a comma or a copula that a verb phrase follows ("Quick Inventory of Depressive
    Symptomatology, self-rated > 10", "the humerus is abducted from 45 degrees to 90 degrees"), or None."""
    lo = max(floor, start - 12)
    m = re.search(r"[A-Za-z)](?:\s*,|\s+(?:is|are|was|were))\s*$", text[lo:start], re.I)
    if m is None:
        return None
    cut = lo + m.start() + 1
    return without_verbs(text, head_phrase(text, cut, floor))


# ions that name a drug's salt after the drug's name ("mycophenolate sodium", "naproxen sodium", "potassium
# chloride" aside): read so only with a dose unit, never a serum concentration
_SALT_IONS = frozenset(words()["words"]["salt_ion"])  # type: ignore[index]
_SALT_BEFORE = re.compile(r"\b(?!(?:serum|plasma|blood|urine|urinary|total|ionized|ionised|corrected|free|low|high|normal|"
                          r"and|or|of|the|a|with|no|any)\b)[A-Za-z][a-z\-]{3,}\s+$", re.I)


def _unit_fits(name: str, c: Comparison) -> bool:
    """Whether a comparison's unit can measure the concept `name` names (True where either has no unit, for
    times and percentages, which many phrases take): "sodium" in "mycophenolate sodium <= 1,440 mg/day" is
    part of a drug name, as a mass per day is no serum sodium."""
    return c.relative_to is not None or unit_fits(name, c.unit)


def unit_names_other(name: str, unit: Optional[str]) -> bool:
    """A unit that names its own subject (a person's weight or BMI: `_UNIT_SUBJECT`) and cannot measure the
    concept `name` ("BMI > 30 and at least 20 pounds in excess of ...": the pounds are no BMI)."""
    return unit in _UNIT_SUBJECT and _UNIT_SUBJECT[unit] != name and not unit_fits(name, unit)


def unit_fits(name: str, unit: Optional[str]) -> bool:
    """Whether `unit` can measure the concept `name` names (True where either has no unit, for times and
    percentages)."""
    if unit is None or unit in TIME_UNITS or unit == "%":
        return True
    concept = concept_named(name)
    if concept is None or unit in concept.units:
        return True
    if concept.unit is None:  # a score or scale has no physical unit ("probing depth (PS) > 6 mm" is no ECOG)
        return unit in concept.scale_units or concept.kind not in _SCALE_KINDS
    return units.try_convert(1.0, unit, concept.unit, subject=concept.subject) is not None


_SCALE_KINDS = frozenset({"performance_scale", "clinical_score", "grade_stage_scale"})


# an age word after another person than the patient: "Donor age <= 45 years", "(sibling age 4 to 65)", "infants born
# from mothers aged less than 18 years" (5 in the XML extract and LCT): that person's age, never the patient's
_OTHER_PERSON = re.compile(r"\b(donors?|siblings?|mothers?|fathers?|parents?|partners?|spouses?|caregivers?)(?:'s)?\s+$",
                           re.I)


# a child the patient has or cares for, before an age ("Be a parent or caregiver of a child at least 6 months old but
# less than 3.5 years", "Have a child age 3-18 that was hospitalized", "people with young children under 2 years of
# age"; 4 in the XML extract and LCT): the child's age, never the patient's
_CHILD_OF = re.compile(r"\b(?:(?:parents?|caregivers?|mothers?|fathers?|guardians?|caretakers?|famil(?:y|ies))\s+of|with|has|have|"
                       r"having)\s+(?:(?:a|an|their|young|small|one|or|more)\s+)*(?P<who>child(?:ren)?|"
                       r"infants?|bab(?:y|ies)|toddlers?|kids?)\b[^.;:,()\n]{0,40}$", re.I)


# the people a patient must avoid or lives with, listed before an age (constraint_words.toml contact_before,
# contact_person): the contacts' age, never the patient's
_CONTACT_PEOPLE = re.compile(words()["patterns"]["contact_before"], re.I)  # type: ignore[index]
_CONTACT_PERSON = re.compile(r"\b" + _words_alt("contact_person") + r"\b", re.I)


CONTACT_AGE = "contact age"


def contact_list_head(text: str) -> bool:
    """A criterion that opens a list of the people a patient must avoid or lives with ("No close contact for 2 weeks
    after each vaccination with the following people:", "household contacts must not have any of the following:")."""
    return bool(re.search(r"(?:following|:)\s*$", text)) and _CONTACT_PEOPLE.search(text) is not None


def contact_ages(rows: List[Dict[str, Any]], body: str) -> None:
    """In place: the ages of a list item under `contact_list_head` that name young contacts ("Children less than 3
    years old") are the contacts' ages, never the patient's."""
    for rc in rows:
        if rc.get("subject") == "age" and _CONTACT_PERSON.search(body, max(0, rc["start"] - 25), rc["end"] + 1):
            rc["subject"], rc["category"] = CONTACT_AGE, "duration"  # as `_whose_age` names one in its clause


def _whose_age(text: str, sp: Span) -> Span:
    """"Gestational age at least 26 weeks", "bone age < 14 years": an age that is not the patient's own is
    named with its kind (never the patient's age, which screening tests against the birth date)."""
    if sp.name != "age":
        return sp
    person = _OTHER_PERSON.search(text, max(0, sp.start - 20), sp.start) if sp.start < sp.end else None
    if person is None and _CONTACT_PEOPLE.search(text, max(0, sp.start - 160), sp.start) \
            and _CONTACT_PERSON.search(text, max(0, sp.start - 25), sp.end + 1):
        return Span(sp.start, sp.end, CONTACT_AGE)  # "avoid close contact with children < 3 years of age"
    child = _CHILD_OF.search(text, max(0, sp.start - 60), max(sp.start, sp.end)) if person is None else None
    if child is not None:  # "a parent or caregiver of a child at least 6 months old": the child's age
        return Span(child.start("who"), max(sp.start, sp.end), "child age")
    if sp.start == sp.end:
        return sp
    if person is not None:  # "Donor age <= 45 years", "mothers aged less than 18 years": another person's age
        who = person.group(1).lower()
        return Span(person.start(), sp.end, (who[:-1] if who.endswith("s") else who) + " age")
    other = _OTHER_AGE.search(text, max(0, sp.start - 20), sp.start)
    if other is None:
        return sp
    return Span(other.start(), sp.end, " ".join(text[other.start():sp.end].lower().split()))


def _scales_that_fit(subs: List[Span], c: Comparison) -> List[Span]:
    """"Karnofsky or PS less than 3": of performance scales listed before one threshold, those whose range
    holds the value (ECOG 0-5, Karnofsky/Lansky 10-100); all of them where none or all fit."""
    if len(subs) < 2 or c.relative_to is not None:
        return subs
    scales = {s.name for s in subs if (k := concepts.by_subject(s.name)) is not None and k.kind == "performance_scale"}
    if not scales:
        return subs
    unfit = {n for n in scales if not _plausible(n, c)}
    kept = [s for s in subs if s.name not in unfit]
    return kept if kept and unfit else subs


def _commensurable(subs: List[Span], c: Comparison) -> List[Span]:
    """Of the subjects listed before one threshold, those it can measure: one bare number is never a
    prothrombin time (seconds) and a platelet count at once ("Abnormal PT, PTT, or platelet count less than
    50"), nor is a mass concentration a count. The nearest subject is kept; a multiple of ULN fits them all."""
    if len(subs) < 2 or c.relative_to is not None:
        return subs
    near = concept_named(subs[-1].name)
    kept = []
    for s in subs[:-1]:
        k = concept_named(s.name)
        if c.unit is not None and not _unit_fits(s.name, c):
            continue
        if c.unit is None and k is not None and near is not None and k.unit != near.unit:
            continue
        kept.append(s)
    return kept + subs[-1:]


def condition_subject(hp: Optional[Span]) -> Optional[Span]:
    """"Hyperkalemia >5.0 mmol/L", "neutropenia (less than 1,000 /mm3)": the condition's analyte."""
    if hp is None:
        return None
    name = _condition_analytes().get(hp.name.split()[-1])
    return Span(hp.start, hp.end, name) if name else None


# "frequent [more than once per week] occurrence of heartburn", "frequent (> once per month) repeated courses of ACV",
# "No frequent (greater than 36 times/year) NSAID use", "Frequent (more than once per month), repeated, or continuous
# treatment" (4 in the corpora): the bracketed rate is of the thing named after the bracket
_FREQUENT_BEFORE = re.compile(r"\bfrequent\s*\\?[(\[]\s*$", re.I)
_FREQUENT_AFTER = re.compile(r"[^()\[\]\n]{0,25}?\\?[)\]][\s,]*(?:(?:repeated|continuous|or|and)\b[\s,]*)*"
                             r"(?:(?:occurrences?|episodes?)\s+of\s+)?(?=[A-Za-z])", re.I)


def _frequent_thing(text: str, c: Comparison) -> Optional[Span]:
    """The thing a bracketed rate after "frequent" counts, named after the bracket; else None."""
    if not _FREQUENT_BEFORE.search(text, max(0, c.start - 12), c.start):
        return None
    m = _FREQUENT_AFTER.match(text, c.end)
    thing = noun_after(text, m.end()) if m else None
    return None if thing is None or unusable(thing.name) else thing


_TRANSFUSED = re.compile(r"^" + _words_alt("transfused_product") + r"$", re.I)
_UNITS_OF_BLOOD = re.compile(r"\s*(?:of\s+)?" + _words_alt("transfused_product") + r"\b", re.I)


def _units_of_blood(text: str, c: Comparison) -> Optional[Span]:
    """"more than 4 units of packed red blood cells", "at least 4 units packed RBCs": a transfusion."""
    m = _UNITS_OF_BLOOD.match(text, c.end)
    return Span(m.end() - len(m.group(0).lstrip()), m.end(), "blood transfusion") if m else None


_UNITS_OF = re.compile(r"\bunits?\s+of\s+$", re.I)


def _transfused(text: str, sp: Span) -> Span:
    """"2 units of blood more than once per month": a blood product counted in units is its transfusion."""
    if _TRANSFUSED.match(sp.name) and _UNITS_OF.search(text, max(0, sp.start - 12), sp.start):
        return Span(sp.start, sp.end, "blood transfusion")
    return sp


# after a time that opens a bracket, the case it holds for: "(at least 6 weeks for nitrosoureas or mitomycin)", "(at
# least 4 weeks in case of disease progression while receiving hormonal therapy)"
_OTHER_CASE = re.compile(r"\s*(?:for|in\s+case|if|with)\b", re.I)
# ... after a window of its own: "At least 4 weeks since prior chemotherapy (", not "colorectal cancer screening (>10
# years for colonoscopy, >3 years for Cologuard": there the bracket's cases are the bounds
_TIME_BEFORE = re.compile(r"(?:\d|\b(?:one|two|three|four|six|eight|twelve))\s*-?\s*(?:hours?|days?|weeks?|months?|years?)\b", re.I)


_MODAL = re.compile(r"(?:^|\s)(?:must|should|shall|cannot|can\s+not|will)(?:\s|$)", re.I)
_CHANGE_VERB = re.compile(r"\b(?:decrease|increase|fall|rise|drop|change|improve|worsen|decline)", re.I)
_AFTER_MODAL = re.compile(r"^(?:(?:not|be|been|have|has|had|being)\s+)*", re.I)
_CLAUSE_EDGES = re.compile(r"^(?:(?:if|when|that|and|or|are|is)\s+)+|(?:\s+(?:that|which|who|whose|and|or|if|when|are|is))+$", re.I)


_PERSON_WHO = re.compile(r"^(?:\w+\s+)?" + _words_alt("person") + r"\s+(?:who|that)\s+(?:are|is|have|has|had|were|was)\b"
                         r"(?:\s+(?:had|been|received|undergone|taken|used))?\s+(?:(?:a|an|any|the)\s+)?(?P<rest>.+)$", re.I)


# "patients with a history of seizures", "participants with tobacco use": the people a thing is said of
_PERSON_WITH = re.compile(r"^(?:\w+\s+)?" + _words_alt("person") + r"\s+(?:with|having(?:\s+(?:undergone|had|received))?)\s+(?:(?:a|an|any)\s+)?"
                          r"(?:(?:known|prior|previous|documented)\s+)?(?:history\s+of\s+(?:(?:a|an)\s+)?)?(?P<rest>.+)$", re.I)
_TIME_WORD_LEAD = re.compile(r"^(?:recent(?:ly)?|current(?:ly)?|prior|previous(?:ly)?|ever|not|no|never)\b", re.I)


# a permission said of the thing named before it ("Prior adjuvant chemotherapy allowed if disease free for at least 6
# months", "Neurological deficits allowed if stable for at least 1 week", "radiation therapy is allowed but must be
# completed"; ~20 subjects of the XML extract held one): the cue is predicative, never attributive ("permitted
# medications", "protocol-allowed medication")
_PERMITTED = re.compile(r"\s+(?:(?:is|are)\s+)?(?:allowed|permitted|acceptable|eligible)(?:\s+only)?"
                        r"(?:\s+(?:if|provided|when|but)\b(?P<rest>.*)|\s*,.*|\s*)$", re.I)
_FREE_OF_DISEASE = re.compile(r"\s*(?:disease[\s-]free|free\s+of\s+(?:the\s+)?disease)\b", re.I)


def permission_free(name: str) -> str:
    """A subject holding a permission as the thing permitted ("neurological deficits allowed if stable" ->
    "neurological deficits"), or as the disease-free time its condition names ("adjuvant chemotherapy allowed if
    disease free" -> "disease free"); the permission itself is the criterion expression's guard."""
    m = _PERMITTED.search(name)
    if m is None or m.start() == 0:
        return name
    if m.group("rest") and _FREE_OF_DISEASE.match(m.group("rest")):
        return "disease free"
    before = name[:m.start()].strip(" ,")
    if not before or before.count("(") != before.count(")") or unusable(before) \
            or re.search(r"\b(?:considered|deemed|judged|found)$", before):  # "one breast considered eligible"
        return name
    return before


@lru_cache(maxsize=20_000)  # asked of every constraint's subject; subject names repeat across criteria
def clause_free(name: str) -> str:
    """A subject that is a clause, as the phrase it is about: without its modal verb (`modal_free`), or without the
    patients it is said of ("patients who have had chemotherapy" -> "chemotherapy", "women who are
    postmenopausal" -> "postmenopausal"; 19 subjects of the XML extract; "patients with a history of seizures" ->
    "seizures", 34)."""
    name = permission_free(modal_free(name) or name)
    m = _PERSON_WHO.match(name) or _PERSON_WITH.match(name)
    if m is None or unusable(m.group("rest")) or _TIME_WORD_LEAD.match(m.group("rest")) \
            or len(m.group("rest").split()) == 1 and _BARE.match(m.group("rest")):
        return name  # "subjects who have had recent": no thing named
    return m.group("rest")


def modal_free(name: str) -> Optional[str]:
    """A subject holding a modal verb is a clause, not a phrase: the phrase before the modal ("last transfusion
    cannot have been given" -> "last transfusion", "lumpectomy or mastectomy must be planned"), or, where that
    names the patients, the state after it ("female participants must be postmenopausal" -> "postmenopausal");
    None where neither names a thing ("must enroll") or the value is a change ("HAM-D cannot decrease by 25%").
    74 subjects of the XML extract held one."""
    m = _MODAL.search(name)
    if m is None:
        return name
    if _CHANGE_VERB.search(name, m.end()):
        return None  # "HAM-D cannot decrease by 25% or more": the value is the change, not the level
    before = _CLAUSE_EDGES.sub("", name[:m.start()].strip())
    words = before.split()
    if not words or "/" in before or "(" in before or units.to_ucum(before):
        return None
    if not (_PERSON_ONLY.match(before) or _PERSON.fullmatch(words[-1].split("/")[0])):
        return None if unusable(before) or all(_STOP.match(w) for w in words) else before
    after = _AFTER_MODAL.sub("", name[m.end():].strip())  # "women must be postmenopausal"
    if not after or len(after.split()) > 2 or unusable(after) or re.search(r"(?:^|\s)(?:\w+ing|be|have|to)(?:\s|$)", after):
        return None
    return after


# a time in weeks or days of gestation is the gestational age, whatever phrase comes before it ("pregnant woman
# between 16-24 weeks of gestation", "Infants born at less than 32 weeks gestation"; 40 in the corpora)
_GESTATION_AFTER = re.compile(r"'?\s*(?:of\s+|in\s+)?(?P<g>gestation(?:al\s+age)?|gestational|GA)\b", re.I)


# weeks after "born (at)" are the gestational age at birth ("infants born at less than 32 weeks", "Born beyond 33 Week
# of Amenorrhea", LCT; 5 in the corpora): the subject was "infants born", "born"
_BORN_BEFORE = re.compile(r"\bborn\s+(?:at\s+)?$", re.I)


# a mass at birth is the birth weight, whoever the phrase before names ("Infant is <= 750 grams at birth", "preterm
# infants 24-29 weeks of gestational age and 500-1400 grams birthweight"; 8 in the corpora)
_AT_BIRTH = re.compile(r"\s*(?:at\s+birth|birth[\s-]?weight)\b", re.I)


# a share of the marrow after a radiation word is how much of the marrow was irradiated ("At least 4 weeks since prior
# radiotherapy to greater than 25% of bone marrow", "No prior radiation therapy to more than 25% of the bone marrow"; 123
# in the corpora): the subject was "since prior radiotherapy", "prior radiation"
_MARROW_SHARE = re.compile(r"\s+of\s+(?:the\s+)?(?:(?:total|functional|functioning|active|hematopoietic|haematopoietic)\s+)?"
                           r"(?:bone\s+)?marrow\b", re.I)
_RADIATION_TO = re.compile(r"\b(?P<r>radiotherapy|radiation(?:\s+therapy)?|irradiation|RT|XRT)\s+to\s+$", re.I)


def _marrow_share(text: str, c: Comparison) -> Optional[Span]:
    """"radiotherapy to bone marrow" for "radiotherapy to > 25% of bone marrow"; None elsewhere."""
    if c.unit != "%":
        return None
    after, before = _MARROW_SHARE.match(text, c.end), _RADIATION_TO.search(text, max(0, c.start - 30), c.start)
    if after is None or before is None:
        return None
    return Span(before.start("r"), after.end(), " ".join(before.group("r").lower().split()) + " to bone marrow")


# a percentage right before "risk of / for" is that risk, whatever phrase comes before it ("Women who are considered
# high-risk based on a greater than 25% lifetime risk of breast cancer", "Other malignancy considered to be at less than
# 30% risk of relapse"; 18 in the corpora): the subject was "considered high-risk", "other malignancy"
_RISK_OF = re.compile(r"\s*(?P<kind>(?:(?:lifetime|estimated|predicted|calculated|annual|\d+-year)\s+)?risk)\s+(?:of|for)\s+"
                      r"(?:(?:a|an|the|developing|having)\s+)?(?P<what>[A-Za-z][\w\-]*(?:[ \t]+(?!(?:and|or|in|after|within|according|"
                      r"with|by|over|as|at|if|per|based|following|during|from|to|than)\b)[A-Za-z][\w\-]*){0,3})", re.I)


def _risk_of(text: str, c: Comparison) -> Optional[Span]:
    """"lifetime risk of breast cancer" for "a greater than 25% lifetime risk of breast cancer"; None elsewhere."""
    m = _RISK_OF.match(text, c.end) if c.unit == "%" else None
    if m is None or _STOP.match(m.group("what").split()[0]):
        return None
    e = _cut_at_stop(text, m.start("what"), m.end("what"))
    return Span(m.start("kind"), e, " ".join(text[m.start("kind"):e].lower().split()))


_RATIO_GAP = re.compile(r"\)?\s*(?:\([^()]{1,40}\)\s*)?/\s*$")
_RATIO_AFTER = re.compile(r"\)?\s*(?:\([^()]{1,40}\)\s*)?ratio\b", re.I)


def _ratio_of(text: str, a: Attachment) -> Attachment:
    """"FEV1/Forced Vital Capacity (FVC) ratio <70 %": two measured things joined by "/" before "ratio" are one
    subject, their ratio (`a` as it was elsewhere: read as a list, each got the ratio's bound)."""
    first, second = a.subjects
    after = _RATIO_AFTER.match(text, second.end)
    if after is None or not _RATIO_GAP.fullmatch(text, first.end, second.start):
        return a
    return Attachment([Span(first.start, after.end(), first.name + "/" + second.name)], a.category, a.extends_to)


def attach(c: Comparison, text: str, mentions: Mentions, hint: Optional[str]) -> Attachment:
    """The subjects of comparison `c` (empty where none is found: the comparison then gives no constraint).
    A subject no rule can test ("received", "treatment period", "research") is replaced by the phrase the
    time value is of, the event it counts from, or the clause's event; else dropped (`unusable`)."""
    return _over_reference(text, c, _attached(c, text, mentions, hint))


# a time over a reference is an offset, never the value itself ("prothrombin time > 5 seconds over control", "PT no
# greater than 2 seconds above control", "(PT/PTT) > 1 second above normal upper limit"; 14 in the corpora): read as
# the PT itself, "pt > 5 s" excluded everyone and "pt < 3 s" in an inclusion let no one in
_OVER_REFERENCE = re.compile(r"\s*(?:above|over|beyond|greater\s+than|longer\s+than|more\s+than|of|from)\s+(?:the\s+)?"
                             r"(?:(?:institutional|laboratory|lab)\s+)?(?P<ref>control|ULN|upper\s+limits?(?:\s+of)?(?:\s+normal)?|"
                             r"normal(?:\s+upper\s+limits?)?|(?:the\s+)?mean)\b", re.I)


_SECOND_AFTER = re.compile(r"\s*second\b", re.I)


def _over_reference(text: str, c: Comparison, a: Attachment) -> Attachment:
    """`a` with each subject named as an offset over its reference ("pt over control") where a time value is followed by
    "above / over / beyond control (or the ULN)"; `a` as it was elsewhere."""
    second = _SECOND_AFTER.match(text, c.end) if c.unit is None else None
    if second is not None and _OVER_REFERENCE.match(text, second.end()):
        return Attachment()  # "(PT/PTT) > 1 second above normal upper limit": "second" is no unit (an ordinal often)
    m = _OVER_REFERENCE.match(text, c.end) if c.unit in ("s", "min") and a.subjects else None
    if m is None:
        return a
    ref = "control" if m.group("ref").lower() == "control" else "uln"
    return Attachment([Span(s.start, s.end, f"{s.name} over {ref}") for s in a.subjects], a.category, a.extends_to)


def _attached(c: Comparison, text: str, mentions: Mentions, hint: Optional[str]) -> Attachment:
    gestation = _GESTATION_AFTER.match(text, c.end) if c.unit in ("wk", "d") else None
    if gestation is not None:  # "preterm neonates born at 26 to 34 weeks of gestational age"
        return Attachment([Span(gestation.start("g"), gestation.end(), "gestational age")], "duration", gestation.end())
    born = _BORN_BEFORE.search(text, max(0, c.start - 20), c.start) if c.unit == "wk" else None
    if born is not None:  # "infants born at less than 32 weeks", "Born beyond 33 Week of Amenorrhea"
        return Attachment([Span(born.start(), c.end, "gestational age")], "duration", c.end)
    birth = _AT_BIRTH.match(text, c.end) if c.unit and _MASS_UNIT.match(c.unit) else None
    if birth is not None:  # "Infant is <= 750 grams at birth", "500-1400 grams birthweight"
        return Attachment([Span(c.start, birth.end(), "birth weight")], "measurement", birth.end())
    share = _marrow_share(text, c) or _risk_of(text, c)
    if share is not None:
        return Attachment([share], "measurement", share.end)
    frequent = _frequent_thing(text, c)
    a = Attachment([frequent], None, frequent.end) if frequent else _attach(c, text, mentions, hint)
    if len(a.subjects) == 1 and a.subjects[0].name == "age":  # "diagnosed under age 50": the age at diagnosis
        a = Attachment([_age_at_before(text, c, a.subjects[0])], a.category, a.extends_to)
    if len(a.subjects) == 1 and _CHANGE_NOUN.match(a.subjects[0].name):
        a = _changed_thing(text, c, a)
    if len(a.subjects) == 1:
        a = Attachment([_change_of(text, a.subjects[0], c)], a.category, a.extends_to)  # "change in body weight > 5 kg"
    a = Attachment([_with_coordinated(text, sp) for sp in a.subjects], a.category, a.extends_to)
    if len(a.subjects) == 2:
        a = _ratio_of(text, a)
    if len(a.subjects) == 1:
        a = Attachment([antecedent(text, a.subjects[0])], a.category, a.extends_to)  # "on such therapy for 2 months"
        a = Attachment([_disease_free(text, a.subjects[0])], a.category, a.extends_to)  # "no evidence of disease for 5 years"
    if len(a.subjects) == 1:  # "Bilirubin =< 2 x ULN; test must be completed within 7 days"
        a = Attachment([tested_thing(text, mentions, a.subjects[0])], a.category, a.extends_to)
    if len(a.subjects) == 1:  # "the following drugs at least 24 hours prior to randomization: terfenadine, ..."
        a = Attachment([following_listed(text, a.subjects[0], c.end)], a.category, a.extends_to)
    if len(a.subjects) == 1 and c.unit in TIME_UNITS:  # "Treatment for more than 1 month with rifabutin"
        treated = treated_with_after(text, a.subjects[0], c.end)
        a = Attachment([treated], a.category, max(a.extends_to or 0, treated.end)) if treated is not a.subjects[0] else a
    if len(a.subjects) == 1 and _STABLE_DOSE.search(a.subjects[0].name):
        dosed_drug = stable_dose_of(text, a.subjects[0])  # "Corticosteroids allowed (must be on a stable dose for 1 week)"
        a = Attachment([dosed_drug], a.category, a.extends_to) if dosed_drug is not None else a
    if len(a.subjects) == 1 and _BARE_DOSE.match(a.subjects[0].name):  # "Zidovudine at a dose of 300-600 mg"
        a = Attachment([_dosed_drug(text, mentions.floor(c.start), a.subjects[0])], a.category, a.extends_to)
    elif len(a.subjects) == 1 and _DOSE_NAMED.match(a.subjects[0].name):  # "Prior doxorubicin allowed if
        a = Attachment([_qualified_dose(text, mentions.floor(c.start), a.subjects[0])], a.category, a.extends_to)
    dosed = _dose_of(text, c) if c.unit and _MASS_UNIT.match(c.unit) else None
    if dosed is None and c.unit and _MASS_UNIT.match(c.unit) and len(a.subjects) == 1 \
            and _DOSE_NAMED.match(a.subjects[0].name):
        dosed = _drug_after(text, c)  # "a maximum single dose of 310 ug Dexamethasone Sodium Phosphate"
    verb_dose = dosed is None and c.unit is not None and _MASS_UNIT.match(c.unit) is not None \
        and _DOSING_VERB.search(text, max(mentions.floor(c.start), c.start - 40), c.start) is not None
    if verb_dose:  # "should receive up to 250 mg amphotericin B", "taking greater than 7.5 mg prednisone"
        dosed = _drug_after(text, c)
    counted = c.unit is not None and c.unit.startswith("{unit}")  # "units": of a drug or of blood, never a lab's unit
    if counted:
        dosed = _units_of_blood(text, c) or dosed
    if dosed is not None and (counted or verb_dose or not any(concept_named(s.name)
                                                 or _names_substance(text, s, c) for s in a.subjects)):
        a = Attachment([dosed], a.category, dosed.end)
    if any("(" in s.name or ")" in s.name for s in a.subjects):
        subs = [b for b in (_bracket_balanced(text, s) for s in a.subjects) if b is not None]
        a = Attachment(subs, a.category if subs else None, a.extends_to if subs else None)
    if a.subjects:
        subs = [_transfused(text, b) for b in (without_predicate(text, mentions.floor(c.start), s) for s in a.subjects)
                if b is not None]
        if not subs:  # only a predicate ("obtained one year or more post-TBI", "only if more than 6 months since X")
            return _instead(text, mentions.floor(c.start), c, join=False) or Attachment()
        a = Attachment(subs, a.category, a.extends_to)
    if not any(unusable(s.name) for s in a.subjects):
        return a
    kept = [s for s in a.subjects if not unusable(s.name)]
    if kept:
        return Attachment(kept, a.category, a.extends_to)
    better = _instead(text, mentions.floor(c.start), c)
    return better or Attachment()


_MASS_UNIT = re.compile(r"^(?:[mun]?g|\{unit\})(?:/|$)")  # a mass, or "units" of a drug or of blood
_DOSE_OF = re.compile(r"\s*(?:(?:daily|per\s+day|a\s+day)\s+)?of\s+(?:(?:the|oral|systemic|intravenous|iv)\s+)?"
                      r"(?P<what>[A-Za-z][\w\-]*(?:\s+(?!(?:or|and|for|per|daily|in|to|as|at|is|was|with|equivalent\s+to)\b)"
                      r"[A-Za-z][\w\-]*)?)", re.I)


_DOSE_HEAD = re.compile(r"(?:^|\s)(?:" + _words_alt("dose_head") + r"|\w+(?:ing|ed))$", re.I)


# a verb of taking just before a dose's comparator: the drug is the word after the amount ("receive up to 250 mg
# amphotericin B", "taking greater than 7.5 mg prednisone", "treated with 160 mg fenofibrate"; 21 "<verb> [<comparator>]
# N <mass> <drug>" in the corpora, whose subject was the verb or nothing)
_DOSING_VERB = re.compile(r"\b(?:" + _EVENT_VERB + r"|" + _words_alt("event_verb_present") + r"|takes|receives|uses|"
                          r"treated[ \t]+with)[ \t]+$", re.I)


def _names_substance(text: str, s: Span, c: Comparison) -> bool:
    """A subject just before the value that is no dose word or verb ("oral glucose solution up to 100 g of sugar"):
    it names the substance itself, kept over the "of" phrase after the value."""
    return _adjacent(text, s, c) and not _DOSE_HEAD.search(s.name)


# a dose named before its amount, the drug after it ("maximum single dose of 310 ug Dexamethasone Sodium Phosphate")
_DOSE_NAMED = re.compile(r"^(?:(?:a|the|maximum|max|single|daily|total|cumulative|starting|initial)\s+)*doses?$", re.I)
_DRUG_AFTER = re.compile(r"[ \t]+(?P<what>[A-Za-z][\w\-]*(?:[ \t]+(?!(?:or|and|for|per|daily|in|to|as|at|is|was|with|of|"
                         r"every|once|twice|IV|PO|orally|intravenously|must|should|shall|is|are|was|were|will|may|can|has|have|had|be)\b)"
                         r"[A-Za-z][\w\-]*){0,3})")


def _drug_after(text: str, c: Comparison) -> Optional[Span]:
    """The drug named right after a dose's amount, or None where a function word or a bare word follows."""
    m = _DRUG_AFTER.match(text, c.end)
    if m is None:
        return None
    first = m.group("what").split()[0]
    if _STOP.match(first) or _BARE.match(first) or _NOT_DRUG_WORD.match(first) or units.to_ucum(first) \
            or unusable(m.group("what")) or _CLAUSE_AFTER.match(text, m.end("what")):
        return None  # "... mg/m2 Carboplatin must be given": the next item's drug, not this dose's
    return Span(m.start("what"), m.end("what"), _written(text, m.start("what"), m.end("what")))


_NOT_DRUG_WORD = re.compile(r"^(?:with|without|allowed|permitted|iv|po|im|sc|bolus|infusion|orally|intravenous(?:ly)?|"
                            r"subcutaneous(?:ly)?|weekly|monthly|total|cumulative)$", re.I)
_CLAUSE_AFTER = re.compile(r"\s+(?:must|should|shall|is|are|was|were|will|may|can|has|have|had)\b", re.I)
_BARE_DOSE = re.compile(r"^(?:a\s+|the\s+)?(?:doses?|dosages?)$", re.I)
_NOT_DRUG_BEFORE = re.compile(r"\b(?:for|a|an|and|or|nor)[ \t]+$", re.I)
_LEADING_VERB = re.compile(r"^(?:\w+ing|\w+ed|used|contains?|takes?|receives?|prior)\s+", re.I)
_AT_DOSE = re.compile(r",?[ \t]+(?:(?:at|in|with|of|tolerating|tolerated|(?:allowed[ \t]+)?if)[ \t]+(?:a[ \t]+|the[ \t]+)?|,[ \t]*)$"
                      r"|[ \t]*\([ \t]*(?:no[ \t]+)?$", re.I)
# (5 Dec 2026, night: "Zidovudine (AZT), tolerating a dose of 500 - 600 mg/day", "concurrent prednisone of a dose no
# greater than 0.25 mg/kg", "fluconazole (dose <200 mg/day allowed)": 5 XML records gave the bare subject "dose")
_FOR_BEFORE = re.compile(r"\bfor[ \t]+$", re.I)
_USE_TAIL = re.compile(r"\s+(?:therapy|use|treatment)$", re.I)  # "zidovudine therapy at a dose", "fluoxetine use at a dose"


# a dose named by its kind (`_DOSE_NAMED`: "cumulative dose", "total dose", "daily dose"; 25 such subjects in the
# corpora, the drug written before them: "Prior doxorubicin allowed if cumulative dose no more than 450 mg/m2",
# "Busulfan (Total dose > 7.2 mg/kg IV", "Morphine with daily dose more than 120mg")
def _qualified_dose(text: str, floor: int, dose: Span) -> Span:
    """"doxorubicin cumulative dose" for "Prior doxorubicin allowed if cumulative dose no more than 450 mg/m2": a
    kind of dose named with its drug (`_dosed_drug`); the dose as it was where no drug is written before it."""
    drug = _dosed_drug(text, floor, dose)
    if drug is dose or not _links_to_drug(drug.name):
        return dose  # (not "Graft vs. Host disease (GVHD) with a total dose of")
    return Span(drug.start, dose.end, drug.name + " " + re.sub(r"doses$", "dose", dose.name))


def _links_to_drug(name: str) -> bool:
    """Whether `name` is a drug or drug class of the linking vocabulary (an ingredient or an ATC class), by a sure
    code (the screening threshold), never a fuzzy neighbour ("brain" is 0.805 from nimodipine)."""
    from .linking import link  # (loaded once, on the rare path that needs it)
    from .linking.match import SURE

    return any(c["score"] >= SURE for c in link(name, "Drug"))


def _dosed_drug(text: str, floor: int, dose: Span) -> Span:
    """The drug of a bare "dose": "Zidovudine (AZT) at a dose of 300-600 mg/day", "prednisone at doses greater than
    20 mg", "Acyclovir at doses >= 2 g/day" (the phrase before "at / in / with a dose"); the dose where none is named."""
    m = _AT_DOSE.search(text, max(floor, dose.start - 16), dose.start)
    drug = head_phrase(text, m.start(), floor) if m is not None else None
    tail = _USE_TAIL.search(drug.name) if drug is not None else None
    kind = tail is not None and tail.start() > 0 and re.search(r"(?:al|ic|ive|ary|ory)$", drug.name[:tail.start()])
    if tail is not None and tail.start() > 0 and not kind:  # "zidovudine therapy at a dose" (not "systemic
        drug = Span(drug.start, drug.start + len(text[drug.start:drug.end].rsplit(None, 1)[0]), drug.name[:tail.start()])
    purpose = _FOR_BEFORE.search(text, max(floor, drug.start - 5), drug.start) if drug is not None else None
    treated = head_phrase(text, purpose.start(), floor) if purpose is not None and purpose.start() > floor else None
    if treated is not None and _links_to_drug(treated.name):
        return treated  # "Megestrol acetate for weight gain at a dose < 400 mg": the drug given for it
    if drug is None or _BARE_DOSE.match(drug.name) or unusable(drug.name) or (_DOSE_HEAD.search(drug.name) and not kind) \
            or _NOT_DRUG_BEFORE.search(text, max(floor, drug.start - 8), drug.start):  # antifungal therapy": a class)
        return dose  # "on a continual basis at a dose"
    lead = _LEADING_VERB.match(drug.name)
    if lead and lead.end() < len(drug.name):  # "taking prednisone", "Prior tretinoin at a dose"
        skip = len(text[drug.start:drug.end]) - len(text[drug.start:drug.end].split(None, 1)[1])
        return Span(drug.start + skip, drug.end, drug.name[lead.end():])
    return drug


def _dose_of(text: str, c: Comparison) -> Optional[Span]:
    """"glucocorticoids in doses greater than 10mg/day of prednisone", "exceeding 10 mg daily of prednisone
    equivalent": a mass after which "of" names the substance is a dose of that substance (never "10 mg of the")."""
    m = _DOSE_OF.match(text, c.end)
    if m is None or _STOP.match(m.group("what").split()[0]) or _BARE.match(m.group("what").split()[0]):
        return None
    words = m.group("what").split()
    if len(words) > 1 and (_STOP.match(words[1]) or _BARE.match(words[1]) or re.search(r"(?:ed|ing)$", words[1], re.I)
                           or (words[1][0].isupper() and not words[1].isupper())):  # "of doxorubicin Other:", a heading
        words = words[:1]
    e = m.start("what") + list(re.finditer(r"\S+", m.group("what")))[len(words) - 1].end()
    return Span(m.start("what"), e, _written(text, m.start("what"), e))


_COORDINATED_MODIFIER = re.compile(r"\b(?P<mod>non-?[a-z\-]+|[a-z\-]{2,}(?:al|ic|ary|ory|ar|ous|ive|ile|ant|ent))"
                                   r"[ \t]+(?:or|and/or|and)[ \t]+$", re.I)


_NOT_MODIFIER = re.compile(r"^(?:" + _words_alt("not_modifier") + r"|[a-z\-]+ments?)$", re.I)


def _with_coordinated(text: str, sp: Span) -> Span:
    """A free phrase whose first modifier is coordinated with one before it keeps both ("history of active or occult
    gastrointestinal bleeding within two years" -> "active or occult gastrointestinal bleeding", "Previous or
    concomitant malignancies"; was the last modifier's phrase only); lexicon subjects ("Total or direct bilirubin"),
    longer lists and one-word phrases (no head after the modifier: "refractory or recurrent") are left as they are."""
    first = sp.name.split()[0] if sp.name else ""
    m = _COORDINATED_MODIFIER.search(text, max(0, sp.start - 40), sp.start) if sp.end > sp.start else None
    mod = m.group("mod") if m else ""
    if m is None or len(sp.name.split()) < 2 or unusable(sp.name) or not text[sp.start:sp.end].lower().startswith(first) or _STOP.match(mod) or _PERSON.fullmatch(mod) \
            or _QUANTITY.match(mod) or units.to_ucum(mod) or _NOT_MODIFIER.match(mod) \
            or re.search(r"[,;:]\s*$", text[max(0, m.start() - 3):m.start()]) \
            or concepts.lookup(sp.name) is not None or concepts.by_subject(sp.name) is not None:
        return sp
    return Span(m.start(), sp.end, " ".join(text[m.start():sp.start].lower().split()) + " " + sp.name)


_CHANGE_BEFORE = re.compile(r"\b(?P<noun>(?:" + _words_alt("change_noun") + r"|changes?)\s+(?:in|of)|loss\s+of)\s+"
                            r"(?:the\s+|his\s+|her\s+|their\s+)?$", re.I)
_VERB_BEFORE = re.compile(r"\b(?:that|which|who|to|will|may|might|must|should|does|do|did|not)\s+$", re.I)


def _change_of(text: str, sp: Span, c: Comparison) -> Span:
    """"a self-reported change in body weight >5 kg", "Increase in SLEDAI >2 points", "loss of weight greater than
    10%": a value after "change/increase/loss in X" bounds the change of X ("weight change", "sledai increase",
    "weight loss"), never X itself; `sp` as it was where no such noun stands just before it, where it is a verb
    ("that fall in") or where the value is a level the change goes from or to."""
    m = _CHANGE_BEFORE.search(text, max(0, sp.start - 30), sp.start)
    if m is None or sp.start == sp.end or _VERB_BEFORE.search(text, max(0, m.start() - 12), m.start()) \
            or re.search(r"\b(?:from|to)\b", text[sp.end:c.start], re.I):
        return sp  # "that fall in the T4 range", "an increase in CD4 count from <= 50 to over 100": a level
    noun = m.group("noun").split()[0].lower()
    noun = "change" if noun == "changes" else "increase" if noun == "rises" else noun
    return Span(m.start(), sp.end, sp.name + " " + noun)


_STABLE_DOSE = re.compile(r"(?<![\w\-])(?:(?:stable|same|constant)\s+(?:doses?|dosages?|regimens?)|doses?\s+stable)$", re.I)
_DOSED_LEAD = re.compile(r"(?:(?:" + _words_alt("dosed_lead") + r")\s+)+", re.I)
_DOSED_END = re.compile(r"\b(?:" + _words_alt("dosed_end") + r")\b", re.I)


def stable_dose_of(text: str, sd: Span) -> Optional[Span]:
    """"Patients receiving corticosteroids must be on a stable dose for at least 3 weeks", "Prior ddI, ddC, d4T, or
    3TC, if on a stable dose", "oral corticosteroid [OCS], which must be at a stable dose": a bare stable dose is the
    dose of the drug its clause (or the bracket it is written in) opens with -> "stable corticosteroids dose"; None
    where the clause names no drug first ("Any of the following provided patient is on a stable dose")."""
    written = _STABLE_DOSE.search(text, sd.start, sd.end)
    if written is None:
        return None  # a name not written so ("X should be stable" -> "stable X")
    start = written.start()
    cs = _list_start(text, start)
    opened = text.rfind("(", cs, start)
    for lo in ([opened + 1] if opened > cs and ")" not in text[opened:start] else []) + [cs]:
        drug = _clause_drug(text, lo, start)
        if drug is not None and not re.search(r"\bstable\b", drug.name):
            return Span(drug.start, sd.end, "stable " + drug.name + " dose")
    return None


_BRACKETED = re.compile(r"\s*(?:\((?:[^()]|\([^()]*\))*\)|\[[^\[\]]*\])")


def _top_comma(body: str) -> int:
    """The offset of the first comma outside brackets (len(body) where none)."""
    depth = 0
    for i, ch in enumerate(body):
        depth += (ch in "([") - (ch in ")]")
        if ch == "," and depth == 0:
            return i
    return len(body)


_ITEM_MARK = re.compile(r"[\s\-*+\u2022]*(?:\(?(?:\d{1,2}|[a-z])[.)][ \t]+)?")
_NAME_MEMBER = re.compile(r"^[A-Za-z0-9][\w\-+/']*(?:[ \t]+[A-Za-z0-9][\w\-+/']*){0,3}$")


def _name_list(body: str) -> bool:
    """"ddI, ddC, d4T, or 3TC", "narcotic analgesics, tranquilizers, or anticholinergic agents": a list of short
    names joined by commas and a last "or"/"and" (names may hold digits, unlike `_noun_list` members)."""
    body = " ".join(body.split())  # (hard-wrapped lines of the legacy records)
    members = [x.strip() for x in _CONJ_SPLIT.split(body.strip(" ,")) if x.strip()]
    return len(members) >= 2 and bool(re.search(r"\b(?:or|and|and/or)\s+\S+[^,]*$", body, re.I)) \
        and all(_NAME_MEMBER.match(x) and not _STOP.match(x.split()[0]) and not _PERSON.search(x) for x in members)


def _clause_drug(text: str, lo: int, hi: int, close_at_clause: bool = True) -> Optional[Span]:
    """The noun phrase (or list of them) that text[lo:hi] opens with, past leading words (constraint_words.toml
    dosed_lead) and up to the first clause word (dosed_end); bracketed abbreviations left out of the name."""
    bullet = _ITEM_MARK.match(text, lo, hi)
    lo = bullet.end() if bullet else lo
    lead = _DOSED_LEAD.match(text, lo, hi)
    s = lead.end() if lead else lo
    end, depth, i, first_open = None, 0, s, None
    for i, ch in enumerate(text[s:hi], s):
        depth += (ch in "([") - (ch in ")]")
        first_open = i if depth == 1 and ch in "([" and first_open is None else first_open if depth > 0 else None
        if depth < 0 or (depth == 0 and (ch == ";" or (ch.isalpha() and (i == s or not text[i - 1].isalnum())
                                                      and _DOSED_END.match(text, i)))):
            end = i
            break
    if end is None and depth > 0 and first_open is not None:
        end, depth = first_open, 0  # "Antiviral therapy (provided patient has been on such therapy"
    elif end is None and depth == 0 and not close_at_clause:
        end = hi  # the phrase runs to `hi` ("Adverse events from prior therapy| that have not resolved")
    body = text[s:end if end is not None else hi]
    if depth > 0 or end is None:
        return None
    body = body.rstrip(" ,\t\n")
    bare = _BRACKETED.sub(" ", body)  # "Antiretroviral agents (e.g., AZT, ddI), interferon, and amphotericin B"
    if "," in bare and not _name_list(bare):
        body = body[:_top_comma(body)]  # "If initiating new antiretroviral therapy, patient must"
    name = " ".join(_BRACKETED.sub(" ", body).lower().replace(" ,", ",").split())
    if not name or len(name.split()) > 8 or _STOP.match(name.split()[0]) or unusable(name) \
            or re.search(r"\b(?:following|doses?|dosages?)\b|[<>=%]|(?<![\w\-])\d+(?![\w\-])", name):
        return None
    return Span(s, s + len(body), name)


_CHANGE_NOUN = re.compile(r"^" + _words_alt("change_noun") + r"$", re.I)
_CHANGED_IN = re.compile(r"\s*(?:or\s+(?:more|greater|higher)\s+)?in\s+(?:(?:either|the|a|an)\s+)*(?P<what>[A-Za-z][\w\-/+]*"
                         r"(?:\s+(?!(?:compared|after|following|from|to|at|on|with|than|and|in|within|before|over|during|"
                         r"since|versus|vs|of|the)\b)[A-Za-z][\w\-/+]*){0,3})", re.I)


def _changed_thing(text: str, c: Comparison, a: Attachment) -> Attachment:
    """"decrement of 20% or more in FEV1": a bare change noun before a value is the change of the thing named after
    it ("fev1 decrement"); `a` as it was where nothing is named."""
    m = _CHANGED_IN.match(text, max(c.end, a.subjects[0].end))  # (or after a counted change: "2 rises in PSA")
    words = m.group("what").split() if m else []
    while words and words[-1].lower() == "or":
        words.pop()
    e = m.start("what") + list(re.finditer(r"\S+", m.group("what")))[len(words) - 1].end() if words else 0
    if not words or re.match(r"\s+of\b", text[e:]):
        return a  # "increase of greater than 20% in the sum of the longest diameters": named past "of"
    what = _written(text, m.start("what"), e)
    return Attachment([Span(a.subjects[0].start, e, what + " " + a.subjects[0].name.lower())], a.category, e)


def _written(text: str, s: int, e: int) -> str:
    return " ".join(text[s:e].lower().split())


# an "(" left open inside a subject before a qualifying word (a clause word, "e.g.", a participle or adverb,
# "stable", "present"): what the brackets say of the thing before them, not its name ("(permitted for 21 days",
# "(e.g.,", "(stable for at least 2 months"); never "(amenorrhea for at least 12 months", "(no fever ...)"
_UNCLOSED_THING = re.compile(r"\((?![^()]*\))\s*(?=[A-Za-z])(?!(?:doses?|dosages?|regimens?|no|not|without|[a-z]+ing|[a-z]+ed)\b)(?!(?:(?:concurrent|current|recent|"
                             r"prior|previous|ongoing|active|or|and|either)\b[\s,]*)+(?:[\d<>]|within|for|in\b|$))", re.I)
# (the bracket's own thing, not a qualifier of the one before it: "Infection (concurrent or within previous 2 weeks)",
# "Prior antiretrovirals (dose must be stable for at least 6 weeks" keep the thing before the bracket, and a denial
# inside it is the washout rules' ("No concurrent infection (no fever for at least 3 days ...)": ambiguous, no bound))
_UNCLOSED_QUALIFIER = re.compile(r"\s*\((?![^()]*\))\s*(?=(?!(?:no|not|without)\b)" + _words_alt("stop")
                                 + r"\b|e\.g|i\.e|[a-z]+(?:ed|ly)\b|stable\b|present\b)", re.I)


def _bracket_balanced(text: str, sub: Span) -> Optional[Span]:
    """A subject cut across a bracket: "(other than as prescribed by a physician) or cocaine" reads on from the
    phrase before the "(" its ")" closes, without what the brackets hold ("narcotics or cocaine"); "ganciclovir
    (provided drug was administered" ends before its unclosed "(". None where no word is left; a name that is not
    the text's words ("... diagnosis") is left as it is."""
    if _written(text, sub.start, sub.end) != sub.name:
        return sub
    s, e, head = sub.start, sub.end, None
    depth, close = 0, -1
    for i in range(s, e):
        depth += (text[i] == "(") - (text[i] == ")")
        if depth < 0:
            depth, close = 0, i  # the last ")" opened before the subject
    if close >= 0:
        opened, d = -1, 0
        for i in range(s - 1, max(-1, s - 200), -1):
            d += (text[i] == ")") - (text[i] == "(")
            if d < 0:
                opened = i
                break
        if opened >= 0 and not text[opened + 1:s].strip():  # "coronavirus 2 (SARS COV2) infection within": the
            return Span(s, e, " ".join(_written(text, s, e).replace(")", " ").split()))  # the name opens the brackets
        head = head_phrase(text, opened, _list_start(text, opened)) if opened > 0 else None
        if head is not None and (text[head.end:opened].strip() or re.match(r"\s*,", text[close + 1:])):
            head = None  # (", myocardial infarction within": a new list member after the brackets)
        s = close + 1
    if text[s:e].startswith("(") and ")" not in text[s:e]:
        s += 1  # "(All anti-HIV treatments other than study medications must be stopped": a bracketed sentence
    cut = _UNCLOSED_QUALIFIER.search(text, s, e)  # "ganciclovir (provided drug was administered for at least"
    e = s + len(text[s:cut.start()].rstrip(" ,")) if cut else e
    inner = _UNCLOSED_THING.search(text, s, e) if cut is None and head is None else None
    if inner is not None:  # "Cardiac disease (myocardial infarction more than 6 months prior ... is allowed)": the
        s = inner.end()  # bound is the bracket's own thing's, never the phrase's before it
    if head is not None:
        return Span(head.start, e, (head.name + " " + _written(text, s, e).strip(" ,")).strip())
    lead = re.match(r"[\s,]*(?:(?:" + _words_alt("stop") + r")\s+)*", text[s:e], re.I)
    s += lead.end()
    rest = _written(text, s, e)
    if not rest or all(_STOP.match(w) or _BARE.match(w) for w in rest.split()):
        return None
    return Span(s, e, rest)


#: a percentage right before a change ("10% weight loss", "a 50% or greater decrease in CD4%", "50% increase or decrease
#: in dose": 116 in the XML extract) is the size of that change, never a share of the phrase before it
_CHANGE = r"(?:loss|gain|reduction|decrease|increase|decline|improvement|change|drop|rise|fall)"
_CHANGE_STOP = (r"(?:and|or|in|of|to|by|at|on|for|from|with|within|over|during|since|after|before|above|below|than|"
                r"compared|which|while|that|is|are|was|were|least|one|any|each|all|an?|the|past|last|previous|prior|"
                r"preceding|first|next|recent|following)\b")
_CHANGE_WORD = r"(?!" + _CHANGE_STOP + r")(?-i:[a-z0-9][\w%-]*|[A-Z0-9][A-Z0-9%-]*)\b"  # a run-on capital word ends it
_CHANGE_AFTER = re.compile(r"\s*((?:(?!(?:of|in|the|a|an|or|and)\b)[A-Za-z][\w-]*\s+){0,2}?" + _CHANGE + r"(?:\s+or\s+" + _CHANGE +
                           r")?\b(?:\s+(?:in|of)\s+(?:the\s+)?(?!" + _CHANGE_STOP + r")[A-Za-z][\w%-]*\b"
                           r"(?:(?:[ \t]+|[ \t]*\r?\n[ \t]*)" + _CHANGE_WORD + r"){0,3})?)", re.I)


def change_after(text: str, c: Comparison) -> Optional[Span]:
    """The change a percentage measures, written right after it ("greater than 10% weight loss", "at least 50%
    reduction in PSA"); None where no change word follows."""
    if c.unit != "%" or c.relative_to is not None:
        return None
    m = _CHANGE_AFTER.match(text, c.end)
    if m is None:
        return None
    return Span(m.start(1), m.end(1), " ".join(m.group(1).lower().split()))


#: a window in brackets after "recent" / "prior" ("recent (< 6 months) myocardial infarction", "Recent (within four weeks)
#: increase in GC", "prior (within the last 12 months) or current history": 37 in the XML extract) dates the event
#: written after the bracket, never the adjective
_RECENT_OPEN = re.compile(r"\b(?:recent|recently|prior|previous|past)\s*\(\s*(?:within\s+(?:the\s+)?(?:last\s+|past\s+)?|"
                          r"in\s+the\s+(?:last|past)\s+)?$", re.I)
_BRACKET_CLOSE = re.compile(r"\s*\)\s*(?=[A-Za-z])")


def _after_recent_bracket(text: str, c: Comparison) -> Optional[Span]:
    """The event after "recent (<window>)" where the comparison is that bracket's window; else None."""
    if c.unit not in TIME_UNITS or not _RECENT_OPEN.search(text, max(0, c.start - 40), c.start):
        return None
    close = _BRACKET_CLOSE.match(text, c.end)
    if close is None:
        return None
    after = noun_after(text, close.end())
    return after if after is not None and not re.match(r"(?:or|and)\b", after.name) else None


def _years_of_age(text: str, c: Comparison) -> bool:
    """A value in years with an age word right after it ("1-9 years old", "10 to 21 years of age")."""
    return c.unit == "a" and re.search(r"\b(?:old|of\s+age)\b", text[c.value_end:c.end + 12], re.I) is not None


def _measures_years(name: str) -> bool:
    """Whether the concept `name` names can be a number of years (an age, a duration, pack-years); a lab or a
    scale cannot: a dimension check, not a phrase list ("any white blood count (WBC) 1-9 years old", NCT00002812)."""
    concept = concept_named(name)
    return concept is None or concept.unit is None or units.try_convert(1.0, "a", concept.unit, subject=concept.subject) is not None


#: what may follow a concept named after a measure, where the concept is not the next comparison's subject
_NEXT_BOUND = re.compile(r"[\s:(]*(?:[<>=\u2264\u2265]|\d|(?:(?:is|are|was|of|must\s+be|should\s+be)\s+)?(?:"
                         + PRE_OP_ALT + r")(?![\w]))", re.I)


#: a value and its unit just before a concept: the concept is that value's, written value first
_VALUE_BEFORE = re.compile(r"\d\s*(?:%|[A-Za-z/\[\]^\d.]{1,12})?[\s,]+$")
_VALUE_LIST_GAP = re.compile(r"\s*(?:,|;|and/or|and|or)\s*", re.I)  # (">/= 50% FVC, >/= 50% FEV1")
#: a concept joined to another after it: the share or bound is of both ("20% blasts plus promyelocytes", "15% blasts
#: or basophils"), read by `_share_of`
_JOINED_AFTER = re.compile(r"\s*(?:\+|(?:plus|and/or|and|or)\s+(?![<>=\u2264\u2265\d]))", re.I)


def concept_after(text: str, c: Comparison, mentions: Mentions) -> Optional[Span]:
    """A lexicon concept named right after a measure's unit, with only spaces between ("140 mmHg SBP", "90 mm Hg
    diastolic"), which the unit itself measures (a percentage fits no count) and which opens no comparison of its
    own ("... 140 mmHg DBP >= 90": the next bound's)."""
    space = _MEASURED_AFTER.match(text, c.end)
    if c.unit is None or c.unit in TIME_UNITS or c.relative_to is not None or space is None:
        return None
    gap = space.end()
    found = [m for m in mentions.within(gap, gap + 60) if m.start == gap]
    if not found or _NEXT_BOUND.match(text, found[0].end) or _JOINED_AFTER.match(text, found[0].end):
        return None
    concept = concept_named(found[0].name)
    if concept is None or concept.unit is None:
        return None
    fits = c.unit in concept.units or units.try_convert(1.0, c.unit, concept.unit, subject=concept.subject) is not None
    return found[0] if fits else None  # (a share is no count: "20% basophils" is no basophil count)


def _value_first(text: str, c: Comparison, mentions: Mentions, subs: List[Span]) -> Optional[Span]:
    """The concept named right after the unit (`concept_after`: ">=140 mmHg SBP and/or >=90 mmHg DBP", "blood
    pressure > 90 mm Hg diastolic") where none or a broader one comes before, or the one before is the previous
    value's (">/= 50% FVC, >/= 50% FEV1")."""
    named = concept_after(text, c, mentions)
    if named is None or not subs or set(subs[-1].name.split()) < set(named.name.split()):
        return named
    before = subs[-1]
    listed = _VALUE_BEFORE.search(text, max(0, before.start - 16), before.start)
    return named if listed and _VALUE_LIST_GAP.fullmatch(text, before.end, c.start) else None


_METHODS = frozenset(words()["words"]["method"])  # type: ignore[index]
_METHOD_BEFORE = re.compile(r"(?:(?:as\s+)?(?:assessed|measured|determined|documented|estimated)\s+)?\b(?:by|on|per|using|via)"
                            r"\s+(?:the\s+|an?\s+)?(?:[\w\-]+\s+)?$", re.I)


def _thing_by_method(text: str, floor: int, hp: Span) -> Span:
    """"Cervical length on transvaginal examination of <= 20 mm", "Recent weight loss (by patient report, >5 lbs":
    a phrase ending in a means of measurement (resources method) after "by/on/per/using/via" says how the value
    was obtained; the measured thing is the phrase right before it (`hp` where none is). (`_measured_by` reads
    "measured/assessed by" where the phrase next to the number was unusable.)"""
    if hp.name.split()[-1] not in _METHODS:
        return hp
    how = _METHOD_BEFORE.search(text, max(floor, hp.start - 40), hp.start)
    thing = head_phrase(text, how.start(), floor) if how is not None and how.start() > floor else None
    if thing is None or not re.fullmatch(r"[\s(]*", text[thing.end:how.start()]):
        return hp  # (the thing right before it: not "50% by angiography or >= 70% by ultrasound")
    return thing


# "Charlson comorbidity scale adjusted to age <4" (LCT), "(adjusted for age and gender)": a value adjusted for age
_ADJUSTED_TO_AGE = re.compile(r"\b(?:adjusted|corrected|normali[sz]ed|standardi[sz]ed|matched)\s+(?:to|for)\s+age\W*$", re.I)


def _attach(c: Comparison, text: str, mentions: Mentions, hint: Optional[str]) -> Attachment:
    floor = mentions.floor(c.start)
    subs = mention_list(mentions, text, c.start, floor)
    if len(subs) == 1 and subs[0].name in _SALT_IONS and not _unit_fits(subs[0].name, c) \
            and _SALT_BEFORE.search(text, max(floor, subs[0].start - 30), subs[0].start):
        hp = without_verbs(text, head_phrase(text, c.start, floor))  # "mycophenolate sodium <= 1,440 mg/day": a drug, not the ion
        subs = [hp] if hp is not None and hp.name != subs[0].name else []
        if subs:
            return Attachment(subs, "other")
    if len(subs) == 1 and subs[0].name == "ctcae grade":
        graded = graded_before_scale(text, subs[0].start, floor)  # "Peripheral neuropathy CTCAE grade 2 or higher"
        subs = [Span(graded.start, subs[0].end, graded.name + " grade")] if graded is not None else subs
    adjusted = _ADJUSTED_TO_AGE.search(text, max(floor, c.start - 40), c.start) if subs and subs[-1].name == "age" else None
    if adjusted is not None:  # "Charlson comorbidity scale adjusted to age <4": the scale, never an age
        thing = head_phrase(text, adjusted.start(), floor)
        return Attachment([thing] if thing is not None else [], None)
    change = change_after(text, c)
    if change is not None:
        return Attachment([change], "measurement", change.end)  # "greater than 10% weight loss"
    if subs and c.unit is not None and c.relative_to is None:  # "probing depth (PS) > 6 mm": no ECOG in mm
        subs = [s for s in subs if unit_fits(s.name, c.unit) or concept_named(s.name).unit is not None]
    named = _value_first(text, c, mentions, subs)
    if named is not None:
        return Attachment([named], None, named.end)
    if subs and _years_of_age(text, c) and not any(_measures_years(s.name) for s in subs):
        subs = []  # "WBC 1-9 years old", "Karnofsky 10-21 years of age": an age, not the lab or scale named before it
    if subs:
        return Attachment([_whose_age(text, s) for s in _scales_that_fit(_commensurable(subs, c), c)])
    if _SCORE_BEFORE.search(text, floor, c.start):
        scale = scale_after(text, c)  # "a score of 55 or lower on Fugl-Meyer"
        if scale:
            return Attachment([scale], extends_to=scale.end)
    elif c.unit is None and c.relative_to is None:
        scale = scale_after(text, c)  # "a 5 or greater on the Geriatric Depression Scale": a named scale ...
        near = head_phrase(text, c.start, floor)
        if scale and _SCALE_NAME.search(scale.name) and (near is None or not _adjacent(text, near, c)):
            return Attachment([scale], extends_to=scale.end)  # ... unless a phrase names it ("Knee pain > 20 on VAS")
    recent = _after_recent_bracket(text, c)
    if recent is not None:  # "a recent (< 6 months) myocardial infarction": the event after the bracket
        return Attachment([recent], "temporal", recent.end)
    lasted = lasted_after(text, c)
    if lasted:  # "1 year post-menopausal", "a 2-year history of asthma": never an age
        return Attachment([lasted], "duration", lasted.end)
    committed = commitment(text, c)
    if committed:  # "agree to use contraception ... for at least 120 days after the last dose"
        return Attachment([committed], "temporal", committed.end)
    age = age_subject(text, floor, c, c.unit) if c.word != "grade" else None
    age = _whose_age(text, age) if age is not None else None
    if age and _label_over_bare_years(text, floor, c, age, hint):
        age = None  # "Life expectancy: At least 5-10 years": the label names what the years measure
    hp = head_phrase(text, c.start, floor)
    hp = _thing_by_method(text, floor, hp) if hp is not None and c.unit not in TIME_UNITS else hp
    if c.unit in TIME_UNITS and hp is not None and age is None:
        lasting = _lasting_thing(text, floor, hp)
        if lasting is not None:  # "Fever of > 38.5 C persisting for longer than 3 weeks": the fever's duration
            return Attachment([lasting], "duration")
    if c.unit not in TIME_UNITS and hp is not None:  # (the events of windows and washouts are read by their own rules)
        verbal = hp
        hp = without_verbs(text, hp)
        if hp is None:
            hp = _phrase_before_comma(text, verbal.start, floor)  # "Depressive Symptomatology, self-rated > 10"
            hp = Span(hp.start, verbal.end, hp.name) if hp is not None else None  # written with its verb
        idle = hp is None or (c.unit != "%" and unusable(hp.name))  # "able to provide a minimum of 10 mL of whole
        # blood" (not a share: "comprising less than 5% of resected tissue" is the share of the tissue)
        part = _percent_of(text, c) if idle and c.unit is not None and c.unit not in _UNIT_SUBJECT else None
        if part is None and hp is None and c.unit == "%" and c.has_post:
            part = noun_after(text, c.end)  # "defined as 5% or more blasts in bone marrow"
        if part is None and hp is not None and c.unit == "%" and _shares_after(text, c):
            part = _share_of(text, c.end)  # "Resected primary with less than 50% tumor necrosis": the share is necrosis
        if part is not None:
            return Attachment([part], None, part.end)  # "who have donated 400 mL or more of whole blood"
    dim = dimension_subject(text, c)
    if dim is not None:
        return Attachment([dim], "measurement", dim.end)
    analyte = condition_subject(hp) if age is None else None
    if analyte and _plausible(analyte.name, c):
        return Attachment([analyte])
    grade = grade_subject(text, c, hp, floor) if age is None else None
    if grade:
        return Attachment([grade], "score", grade.end if grade.end > c.end else None)
    if age is None and hp is not None and hp.name in ("stage", "stages") and c.unit is None and c.relative_to is None:
        thing = staged_thing(text, hp.start, c.end, floor)  # "macular hole of stage 2 and above"
        if thing is not None:
            return Attachment([Span(thing.start, thing.end, thing.name + " stage")], "score",
                              thing.end if thing.end > c.end else None)
    if c.unit == "%" and age is None and hp is None:
        part = _percent_of(text, c) or _share_of(text, c.end)  # ">= 10% of BSA involvement", "More than 30% blasts"
        if part:
            return Attachment([part], None, part.end)
    if age is None and (hp is None or _PERSON_ONLY.match(hp.name)):
        measured = measured_after(text, c)  # ">= 80% diary compliance", "a >= 20 mm non-pedunculated polyp"
        if measured:
            return Attachment([measured], "measurement", measured.end)
    if c.unit in TIME_UNITS and age is None and hp is not None and _PERSON_HEAD.search(hp.name):
        since = since_subject(text, c.end)  # "Men and women between 1 and 11 years post-CABG": no person lasts
        if since:
            return Attachment([since], "temporal", since.end)
    elif c.unit in TIME_UNITS and age is None and hp is not None and text[max(0, c.start - 4):c.start].rstrip().endswith("("):
        # "At least 4 weeks since prior chemotherapy (at least 6 weeks since prior nitrosoureas or mitomycin)": the
        # bracket's washout is of its own event, not of the phrase before the bracket
        since = since_subject(text, c.end)
        if since and not _REFERENCE.search(since.name):
            return Attachment([since], "temporal", since.end)
        if _OTHER_CASE.match(text, c.end) and _TIME_BEFORE.search(text, max(floor, c.start - 160), c.start):
            return Attachment()  # "(at least 6 weeks for nitrosoureas or mitomycin)": the window of another case
    if c.unit in TIME_UNITS and age is None and hp is not None and _GOVERNED.fullmatch(text, hp.end, c.start):
        lasted = of_subject(text, c)  # "failed to respond to at least 2 weeks of antibiotic therapy": the therapy's
        if lasted and not (_REFERENCE.search(lasted.name) or _TIMEPOINT_WORD.search(lasted.name)):
            return Attachment([lasted], "duration", lasted.end)  # duration, not the response's
    if c.unit in TIME_UNITS and age is None and (hp is None or _VERB_LIKE.search(hp.name)):
        # after a verb ("have passed more than 1 year since their last menstrual period", "received at least 8
        # weeks of AZT") only "since"/"from" name the event: "Stroke occurred more than 30 days after the
        # transfer" bounds the stroke; and never a reference point ("less than 24 hours of admission")
        verb = hp is not None
        since = since_subject(text, c.end) if not verb or _SINCE_FROM.match(text, c.end) else None
        if since and verb and _REFERENCE.search(since.name):
            since = None  # "performed no longer than four months from the date of randomization": no event
        if since:
            return Attachment([since], "temporal", since.end)
        lasted = of_subject(text, c)
        if lasted and verb and (_REFERENCE.search(lasted.name) or _TIMEPOINT_WORD.search(lasted.name)):
            lasted = None
        if lasted:
            return Attachment([lasted], "duration", lasted.end)
    event = window_event(text, floor, c) if age is None else None
    if event:
        return event
    if age:
        return Attachment([_whose_age(text, age_at(text, c, age))])
    by_unit = _unit_subject(c, hp)
    if by_unit:
        return Attachment([by_unit])
    if hint and (hint != "age" or c.unit in (None, "a")):
        return Attachment([Span(c.start, c.start, hint)])
    if c.unit is None and c.relative_to is None:
        after = noun_after(text, c.end)
        if after and hp is not None and _SCORE_NAME.search(hp.name) and _adjacent(text, hp, c) \
                and concepts.lookup(after.name) is None:
            after = None  # the named score just before: "Clinical Frailty Score above 7 prior admission"
        if after:
            return Attachment([_counted_with(text, c, after, floor)], "count", after.end)
    if hp is not None and _PERSON_ONLY.match(hp.name):
        what = of_subject(text, c)  # "All children must have had at least 0.5 diopters of myopia": not the children
        if what:
            return Attachment([what], None, what.end)
    fb = _fallback(text, c, hp)
    return Attachment([fb], "other") if fb else Attachment()



#: a preposition between a phrase and a duration whose "of" names what lasted: the phrase governs the duration, it does
#: not last ("respond to at least 2 weeks of antibiotic therapy", "failure of at least 3 months of metformin")
_GOVERNED = re.compile(r"\s+(?:to|of|on|with|despite|after|following)\s+", re.I)
_LASTING_VERB = re.compile(r"\b" + _words_alt("lasting_verb") + r"$", re.I)
_THING_END = re.compile(r"\s+of\s+(?=[<>=\u2264\u2265\d])|\s*[(\[;<>=\u2264\u2265\d]|\s+defined\b", re.I)


def _lasting_thing(text: str, floor: int, hp: Span) -> Optional[Span]:
    """What lasts where a duration's phrase ends in a participle of lasting (constraint_words.toml
    lasting_verb): the phrase just before it ("diarrhea lasting", "a new focal neurologic deficit lasting"),
    else the first noun phrase of the clause ("Fever of > 38.5 C persisting", "Unexplained diarrhea defined as
    ... 3 liquid stools per day persisting"); None where the phrase does not end so or nothing is named."""
    verb = _LASTING_VERB.search(hp.name)
    if verb is None:
        return None
    stop = hp.end - len(hp.name) + verb.start()
    thing = head_phrase(text, stop, floor) if re.search(r"[A-Za-z]\s+$", text[floor:stop]) else None
    if thing is None or "/" in thing.name.split()[-1]:  # "Fever of > 38.5 C persisting", "3 stools/day persisting'
        cut = _THING_END.search(text, floor, stop)
        thing = head_phrase(text, cut.start() if cut else stop, floor)
    if thing is None or _LASTING_VERB.search(thing.name):
        return None
    return thing


def _label_over_bare_years(text: str, floor: int, c: Comparison, age: Span, hint: Optional[str]) -> bool:
    """Bare years ("at least 5-10 years": no age word, no person, no age anchor) under a label that names
    a duration ("Life expectancy:") read as that duration, not as an age. A label naming a scale or a lab
    ("Performance status:" over "Under 65 years:") leaves the age alone."""
    if not hint or hint == "age" or age.start != age.end:
        return False
    concept = concepts.by_subject(hint)
    if concept is None or concept.kind != "duration":
        return False
    near = text[max(floor, c.value_start - 40):min(len(text), c.end + 15)]
    return not (_AGE_WORDS.search(near) or _PERSON.search(text, floor, c.value_start))


_GENERIC_STAGED = re.compile(r"^(?:(?:disease|diseases|tumou?rs?|cancers?|patients?|cases?|malignanc(?:y|ies))\s*)+$", re.I)
_STAGED_GAP = re.compile(r"^[\s,(]*(?:\([A-Za-z][\w\-]{0,9}\)\s*)?(?:(?:of|in|with|at)\s+)?(?:the\s+)?[\s(]*$", re.I)  # "disease (CKD) grades 4 and 5"
_NOT_STAGED = re.compile(r"(?:ed|en|ly)$|\b(?:stages?|grades?|[IVX]+[ABC]?)$")


def staged_thing(text: str, start: int, end: int, floor: int) -> Optional[Span]:
    """What a stage or histologic grade written at text[start:end] is of: the noun phrase after it
    ("stage IIIB or IV non-small cell lung cancer", "grade II or III knee osteoarthritis"), else the
    one right before it ("chronic kidney disease stage III", "periodontitis (stages III or IV)"); None
    where only a generic word ("stage III disease") or a participle ("histologically confirmed stage
    IV") stands there."""
    after = _trim_qualifiers(text, noun_after(text, end))
    if after is not None and not _GENERIC_STAGED.match(after.name.split()[0]):
        return after if _names_a_thing(after.name) else _adjective_list(text, after)
    before = head_phrase(text, start, floor) if start > floor else None
    if before is None or _NOT_STAGED.search(before.name) or not _STAGED_GAP.match(text[before.end:start]):
        return None
    before = _trim_qualifiers(text, before)
    return None if before is None or _GENERIC_STAGED.match(before.name) or not _names_a_thing(before.name) else before


_ADJECTIVE_LIST = re.compile(r"(?:\s*,\s*[A-Za-z][\w\-]*(?:[ \t]+[A-Za-z][\w\-]*)?)*\s*,?[ \t]+(?:or|and)[ \t]+(?=[A-Za-z])")


def _adjective_list(text: str, first: Span) -> Optional[Span]:
    """"stage I-III colorectal, lung, or liver cancer", "3 or more painful or swollen joints": modifiers coordinated
    before one head (`first` is the first one); the staged or counted thing is the whole list with its head, None
    where no head names a thing, or the list runs over a line or into a Title-case new item."""
    if _TITLE_WORD.search(text, first.start + 1, first.end):
        return None
    m = _ADJECTIVE_LIST.match(text, first.end)
    last = noun_after(text, m.end()) if m is not None else None
    if last is None:
        return None
    title = _TITLE_WORD.search(text, last.start + 1, last.end)
    end = title.start() if title else last.end  # "melanoma Disease free, but": a new item
    if not _names_a_thing(" ".join(text[last.start:end].lower().split())) or "\n" in text[first.start:end]:
        return None
    return Span(first.start, end, " ".join(text[first.start:end].lower().split()))


_RISK_WORD = re.compile(r"\b" + _words_alt("not_staged") + r"(?:\W|$)", re.I)


def _names_a_thing(name: str) -> bool:
    """A staged thing's head is a noun, not an adjective ("metastatic", "surgical", "ovarian"), a risk or
    course word (constraint_words.toml not_staged: "stage IV high-risk patients"), nor a TNM code ("M0")."""
    return not (re.search(r"\d", name) or re.search(r"(?:al|ic|ble|ive|ed|en|ly|ous|ary|ian|-)$", name)
                or _RISK_WORD.search(name))


_QUALIFIER = re.compile(r"[A-Za-z]+(?:ly|ed|en)\s+")


def _trim_qualifiers(text: str, sp: Optional[Span]) -> Optional[Span]:
    """A phrase without its leading adverbs and participles ("histologically confirmed adrenocortical
    carcinoma" -> "adrenocortical carcinoma"); None where nothing else is left ("proven")."""
    if sp is None:
        return None
    s = sp.start
    while True:
        m = _QUALIFIER.match(text, s)
        if not m or m.end() >= sp.end:
            break
        s = m.end()
    e = sp.end
    while True:  # "stage I or II cancer currently": a trailing adverb
        m = re.search(r"\s+[A-Za-z]+ly$", text[s:e])
        if not m:
            break
        e = s + m.start()
    if (s, e) == (sp.start, sp.end):
        return None if re.fullmatch(r"[A-Za-z]+(?:ly|ed|en)", sp.name) else sp
    return Span(s, e, " ".join(text[s:e].lower().split()))


# a phrase ending in -ed is a participle, not the graded thing ("have resolved to grade 1")
_VERB_LIKE = re.compile(r"(?:^|\s)[a-z\-]{3,}ed$")
_NOT_GRADED = re.compile(r"^" + _words_alt("not_graded") + r"$", re.I)


def _graded_before(text: str, hp: Optional[Span], floor: int, at: int) -> Optional[Span]:
    """The graded thing named before a grade ("peripheral neuropathy greater than grade 1"), or None:
    not a participle, a severity word ("severe (grade 3 or worse)"), the scale's own name, a stage, the
    cause after "from" ("toxicity from prior chemotherapy > grade 1") or the thing resolved "to" a grade.
    A phrase closed by a parenthesis ("neuropathy (motor or sensory) of grade 2") gives the name before it;
    a negation between the phrase and the grade starts another item ("No seizure disorder No grade 2").
    `at`: where the grade is written."""
    if hp is None or re.search(r"\b(?:no|not|none|without)\b", text[hp.end:at], re.I):
        return None
    close = re.match(r"\s*\)", text[hp.end:])
    if close:
        opened = text.rfind("(", floor, hp.start)
        hp = head_phrase(text, opened, floor) if opened > floor else None
        if hp is None:
            return None
    if _is_scale_name(text, floor, hp):  # "Persistent toxicities (CTCAE Grade > 2)": the thing before the bracket
        opened = text.rfind("(", floor, hp.start)
        hp = head_phrase(text, opened, floor) if opened > floor and ")" not in text[opened:at] else None
        if hp is None or _is_scale_name(text, floor, hp):
            return None
    if _VERB_LIKE.search(hp.name) or _NOT_GRADED.match(hp.name) \
            or re.search(r"\bstage\b", hp.name) or re.search(r"\bfrom\b", text[floor:hp.start], re.I) \
            or re.match(r"\s+to\b", text[hp.end:], re.I):
        return None
    return hp
_CTCAE_CUE = re.compile(r"ctc|common\s+terminology|common\s+toxicity|toxicit|adverse", re.I)
_SCALE_WORDS = re.compile(r"(?:\bctc|common\s+terminology|common\s+toxicity|criteria\s+for\s+adverse|\bnci\b)", re.I)


def _is_scale_name(text: str, floor: int, hp: Span) -> bool:
    """Whether a phrase is the grading scale's own name ("CTCAE", "NCI", "Common Terminology Criteria for
    Adverse Events"), not a graded thing ("CNS toxicity", "persistent toxicities" are graded things)."""
    return bool(_SCALE_WORDS.search(text, max(floor, hp.start - 25), hp.end))


_COORDINATED = re.compile(r"([A-Za-z][\w\-]*)[ \t]+(?:and/or|or|and)[ \t]+$", re.I)
_MODIFIER = re.compile(r"^(?:non-?[a-z\-]+|[a-z\-]+(?:al|ic|ary|ory|ous|ive|ile))$", re.I)


def _coordinated_head(text: str, sp: Span) -> Span:
    """A graded thing after coordinated modifiers: "sensory or motor neuropathy", "gastrointestinal or
    non-gastrointestinal fistula", "clinical or laboratory toxicities" -> the head they share ("neuropathy"),
    the grade being one of the whole class; unchanged where the word before "or" is no modifier."""
    words = list(_WORD.finditer(text, sp.start, sp.end))
    before = _COORDINATED.search(text, max(0, sp.start - 40), sp.start)
    if len(words) < 2 or before is None or not _MODIFIER.match(before.group(1)):
        return sp
    s = words[1].start()
    return Span(s, sp.end, " ".join(text[s:sp.end].lower().split()))


def _unmodified(text: str, sp: Span) -> Span:
    """A graded thing without a leading severity word ("severe hypersensitivity (>= Grade 3)" -> "hypersensitivity"):
    a CTCAE grade is itself the severity (constraint_words.toml grade_severity)."""
    words = list(_WORD.finditer(text, sp.start, sp.end))
    i = 0
    while i < len(words) - 1 and _SEVERITY.match(words[i].group(0)):
        i += 1
    if i == 0:
        return sp
    s = words[i].start()
    return Span(s, sp.end, " ".join(text[s:sp.end].lower().split()))


_GRADE_QUALIFIER = re.compile(r"^" + _words_alt("grade_qualifier") + r"$", re.I)


def _grade_in_phrase(text: str, c: Comparison, hp: Span, floor: int) -> Optional[Span]:
    """A grade written last in its phrase: the thing after it ("Current grade 2 or higher peripheral neuropathy"),
    else the thing the phrase names before "grade" ("sensory or motor neuropathy Grade 2 or higher"), never a
    word that only qualifies the grade ("current", "recurrent": constraint_words.toml grade_qualifier)."""
    after = _graded_after(text, c)
    if after is not None:
        after = _unmodified(text, after)
        return Span(after.start, after.end, after.name + " grade")
    at = hp.end - len("grade")
    before = _graded_before(text, head_phrase(text, at, floor), floor, at)
    if before is None or any(_GRADE_QUALIFIER.match(w) for w in before.name.split()):
        return None
    return Span(before.start, hp.end, graded_thing(text, before).name + " grade")


def graded_thing(text: str, sp: Span) -> Span:
    """The graded thing as named for its grade: over coordinated modifiers, without a severity word."""
    return _unmodified(text, _coordinated_head(text, sp))


def graded_before_scale(text: str, at: int, floor: int) -> Optional[Span]:
    """The thing graded by a scale named at `at` ("Persistent toxicities (CTCAE Grade > 2)"), or None."""
    hp = head_phrase(text, at, floor) if at > floor else None
    thing = _graded_before(text, hp, floor, at) if hp is not None else None
    return graded_thing(text, thing) if thing is not None else None


_SEVERITY = re.compile(r"^" + _words_alt("grade_severity") + r"$", re.I)
_SCALE_AFTER_GRADE = re.compile(r"\s*\((?=[^()]{0,30}\))[^()]*?(?:ctc|nci|v(?:ersion)?\s*\d)[^()]*\)", re.I)


def _graded_after(text: str, c: Comparison) -> Optional[Span]:
    """The graded thing after a grade ("grade 2 or worse peripheral neuropathy"), past the scale's version in
    brackets ("Grade >=3 (CTCAE v4.0) symptom at the target site") and over coordinated modifiers
    ("Grade 3 or higher gastrointestinal or non-gastrointestinal fistula" -> "fistula")."""
    skip = _SCALE_AFTER_GRADE.match(text, c.end)
    after = noun_after(text, skip.end() if skip else c.end)
    if after is None or not _MODIFIER.match(after.name):
        return after
    joined = re.match(r"[ \t]+(?:and/or|or|and)[ \t]+", text[after.end:])
    rest = noun_after(text, after.end + joined.end()) if joined else None
    return _coordinated_head(text, rest) if rest is not None else after


def grade_subject(text: str, c: Comparison, hp: Optional[Span], floor: int = 0) -> Optional[Span]:
    """A CTCAE-style grade (">= Grade 3 neuropathy", "neuropathy of grade >= 2", "hypersensitivity (>= Grade
    3)"): the graded thing plus "grade" where it is named next to it (after the grade, else before it),
    else "ctcae grade" where the criterion speaks of toxicity or CTCAE, else a plain "grade" (histologic
    grades are not CTCAE grades).  A participle ("resolved to grade 1") or the scale's own name
    ("Adverse Events [CTCAE] Grade > 2") is not the graded thing; coordinated modifiers give their shared head
    ("sensory or motor neuropathy" -> "neuropathy") and a severity word is left out ("severe hypersensitivity")."""
    if c.unit is not None or c.relative_to is not None or c.v1 > 5 or c.v1 < 0:
        return None
    plain = "ctcae grade" if _CTCAE_CUE.search(text) else "grade"
    if c.word == "grade":
        before, at = hp, c.start
    elif hp is not None and hp.name == "grade":
        before, at = head_phrase(text, hp.start, floor) if hp.start > floor else None, hp.start
    elif hp is not None and hp.name.endswith(" grade") and _adjacent(text, hp, c):
        return _grade_in_phrase(text, c, hp, floor)
    else:
        return None
    after = _graded_after(text, c)  # "grade 2 or worse peripheral neuropathy"
    if after:
        after = _unmodified(text, after)
        return Span(after.start, after.end, after.name + " grade")
    before = _graded_before(text, before, floor, at)
    if before is not None:
        before = graded_thing(text, before)
        return Span(before.start, before.end, before.name + " grade")  # "peripheral neuropathy greater than grade 1"
    resolved = _resolved_thing(text, c, at)
    if resolved is not None:  # "Adverse events from prior anti-cancer therapy that have not resolved to Grade <= 1"
        return Span(resolved.start, resolved.end, resolved.name + " grade")
    return Span(at, at, plain) if c.word == "grade" else Span(hp.start, hp.end, plain)  # type: ignore[union-attr]


_RESOLVED_TO = re.compile(r"(?:\s+(?:that|which|who))?(?:\s+(?:must|should|will|have|has|had|not|completely|fully|been|be))*"
                          r"\s+(?:resolved|recovered|returned)(?:\s+back)?\s+to\s+(?:(?:nci[- ]?)?ctcae\s+(?:v(?:ersion)?\s*[\d.]+\s+)?)?$", re.I)
_FROM_AFTER = re.compile(r"\s*(?:or\s+(?:less|lower|better|baseline)\s+)?from\s+(?:the\s+|any\s+)?(?=[A-Za-z])", re.I)


def _resolved_thing(text: str, c: Comparison, at: int) -> Optional[Span]:
    """What has (not) resolved to a grade: the phrase its clause opens with ("Adverse events from prior anti-cancer
    therapy that have not resolved to Grade <= 1", "Toxicities from prior chemotherapy ... must have resolved to CTCAE
    Grade 1"), else what it recovered from ("has not recovered to Grade <= 1 from adverse events"); None elsewhere."""
    verb = _RESOLVED_TO.search(text, max(0, at - 80), at)
    if verb is None:
        return None
    after = _FROM_AFTER.match(text, c.end)
    thing = noun_after(text, after.end()) if after else None
    if thing is not None:
        return thing
    thing = _clause_drug(text, _list_start(text, verb.start()), verb.start(), close_at_clause=False)
    return thing if thing is not None and not _PERSON_ONLY.match(thing.name) else None


# ------------------------------------------------------------------ subjects no rule can test --

_NOT_SUBJECT = re.compile(r"^(?:" + _words_alt("not_subject") + r"|" + _words_alt("not_subject_verb") + r")$", re.I)
_ADVERB = re.compile(r"^" + _words_alt("not_subject_adverb") + r"$", re.I)
_ANCHOR_WORD = re.compile(r"^(?:after|before|prior|since|following|then|only)$", re.I)


@lru_cache(maxsize=20_000)  # subject names repeat across criteria
def unusable(name: str) -> bool:
    """Whether a subject names nothing a rule can test: made only of study-administration nouns, generic verbs
    adverbs and function words (resources: not_subject, not_subject_verb, not_subject_adverb) ("received", "treatment
    period", "improve after", "research participants", "and", "daily")."""
    if not name:
        return False
    if _NOT_SUBJECT.match(name):
        return True
    ws = re.findall(r"[a-z][\w\-']*", name.lower())
    content = [w for w in ws if not (_STOP.match(w) or _PERSON.fullmatch(w) or _FUNCTION.match(w) or _ANCHOR_WORD.match(w))]
    if ws and not content and not _PERSON.search(name):
        return True  # function words only: "and", "after", "then", "other", "only"
    if content and all(_ADVERB.match(w) for w in content):
        return True  # "daily", "subjects currently" (a verb with it stays as it was: "should not be given daily")
    return bool(content) and all(_NOT_SUBJECT.match(w) for w in content)


_AUX_GAP = r"(?:[ \t]+" + _words_alt("predicate_aux") + r")*[ \t]+"
_AUX_LEAD = r"(?:^|[ \t,]+)(?:" + _words_alt("predicate_aux") + r"[ \t]+)*"
_PREDICATE_TAIL = re.compile(_AUX_LEAD + _words_alt("predicate_tail") + r"$", re.I)
_MOVING_TAIL = re.compile(_AUX_LEAD + _words_alt("moving_tail") + r"$", re.I)
_JOIN_END = re.compile(r"(?:[\s,]+(?:and|or|and/or)\b)*[\s,]*$", re.I)
_CLAUSE_LEAD = re.compile(r"^" + _words_alt("clause_lead") + r"$", re.I)
_SAID_OF = re.compile(r"[A-Za-z)]" + _AUX_GAP + r"$", re.I)


def _said_of(text: str, floor: int, start: int) -> Optional[Span]:
    """The noun phrase a predicate starting at `start` is said of, joined to it by auxiliaries only ("Treatment
    must | begin", "count anticipated to | fall"); None where a break or a person comes between."""
    lo = max(floor, start - 40)
    m = _SAID_OF.search(text, lo, start)
    if m is None or not re.match(r"[ \t]", text[m.start() + 1]):
        return None
    hp = without_verbs(text, head_phrase(text, m.start() + 1, floor))
    if hp is None or hp.end != m.start() + 1:
        return None
    hp = _last_item(text, hp)
    return None if hp is None or _PERSON_ONLY.match(hp.name) or unusable(hp.name) else hp


def _last_item(text: str, hp: Span) -> Optional[Span]:
    """A phrase from the start of the last item of a flattened list in it ("Recurrent disease Protocol therapy"
    -> "protocol therapy") and past a clause's opening word ("although registration"); None where nothing is left."""
    ws = list(re.finditer(r"\S+", text[hp.start:hp.end]))
    if len(ws) != len(hp.name.split()):
        return hp
    cut = 0
    for i in range(1, len(ws)):
        w = ws[i].group(0)  # a capitalised word after a lower-case one (not an acronym, never a line end: wrapped text)
        if w[:1].isupper() and w[1:].islower() and "'" not in w and ws[i - 1].group(0).islower() \
                and not (i == len(ws) - 1 and _REFERENCE.fullmatch(w)):  # (not "Kaposi's"; "9 lymph nodes Entry")
            cut = i
    cut = max([cut] + [i + 1 for i in range(cut, len(ws)) if _CLAUSE_LEAD.match(ws[i].group(0))
                       and (i == cut or not re.match(r"(?:and|or|but)$", ws[i].group(0), re.I))])  # "allowed provided X"
    if cut >= len(ws):
        return None
    return Span(hp.start + ws[cut].start(), hp.end, " ".join(hp.name.split()[cut:])) if cut else hp


_NUMBER_WORDS = frozenset(words()["number_words"])  # type: ignore[arg-type]


def without_predicate(text: str, floor: int, sp: Span) -> Optional[Span]:
    """A subject without the predicate written after it ("symptoms present" -> "symptoms", "tests must be" ->
    "tests", "fatigue as being present" -> "fatigue"); a subject that is only one is the phrase the predicate is
    said of ("Treatment must begin" -> "treatment"), else None (a bare "present", "begin", "separated" names
    nothing). A moving verb ("count ... falls below") alone is kept: it may be a noun ("three or more falls")."""
    for _ in range(3):  # "anti-HIV drugs are allowed only": both
        trimmed = _without_predicate(text, floor, sp)
        if trimmed is None or trimmed == sp:
            return trimmed
        sp = trimmed
    return sp


@lru_cache(maxsize=20_000)  # subject names and their words as written repeat across criteria
def _tail_start(tail: "re.Pattern[str]", phrase: str) -> Optional[int]:
    """Where `tail` (anchored at the end: `re` tries it from every position) starts in `phrase`, or None."""
    m = tail.search(phrase)
    return None if m is None else m.start()


def _without_predicate(text: str, floor: int, sp: Span) -> Optional[Span]:
    raw = text[sp.start:sp.end]
    for tail, alone_kept in ((_PREDICATE_TAIL, False), (_MOVING_TAIL, True)):
        m, n = _tail_start(tail, raw), _tail_start(tail, sp.name)
        if m is None or n is None:
            continue
        rest = sp.name[:n].split()
        if m > 0 and any(not (_STOP.match(w) or _BARE.match(w) or w in _NUMBER_WORDS or _FUNCTION.match(w)
                             or w in ("each", "both")) for w in rest):
            e = _JOIN_END.search(raw, 0, m).start()  # "and present for at least 3 months": no "and"
            name = _JOIN_END.sub("", sp.name[:n])
            return None if _is_unit(name) else _last_item(text, Span(sp.start, sp.start + e, name))
        before = _said_of(text, floor, sp.start)
        if before is not None:
            return Span(before.start, sp.end, before.name)
        return sp if alone_kept else None
    return without_manner(text, floor, _done_to(text, floor, sp))


_MANNER = re.compile(r"\b" + _words_alt("manner_adverbial") + r"$", re.I)


def without_manner(text: str, floor: int, sp: Span) -> Optional[Span]:
    """A subject without an adverbial of manner it ends in ("walk without assistive devices" -> "walk"), or the
    phrase written before one that is the whole subject ("resistance training on a regular basis" -> "resistance
    training", "can ambulate with or without an assistive device" -> "ambulate"); None where none is written."""
    m = _MANNER.search(text, max(floor, sp.start - 40), sp.end)
    if m is None or m.start() > sp.start + 1 and not text[sp.start:m.start()].strip():
        return sp
    if m.start() > sp.start:
        e = sp.start + len(text[sp.start:m.start()].rstrip())
        name = " ".join(re.sub(r"[()\[\]]", " ", text[sp.start:e]).lower().split())
        return Span(sp.start, e, name) if name and not unusable(name) else None
    hp = without_verbs(text, head_phrase(text, m.start(), floor))
    if hp is None or text[hp.end:m.start()].strip():
        return None
    hp = _last_item(text, hp)
    return None if hp is None or _PERSON_ONLY.match(hp.name) or unusable(hp.name) else hp


_HAPPENED = re.compile(r"^" + _words_alt("happened_verb") + r"$", re.I)
_DONE = re.compile(r"^" + _words_alt("done_verb") + r"$", re.I)


def _done_to(text: str, floor: int, sp: Span) -> Span:
    """A subject that is only a verb of what happened to a thing, with the thing it is said of ("The previous
    treatment must have occurred" -> "previous treatment", "disease that has been irradiated" -> "disease
    irradiated"); `sp` as it is where no thing is written next to it."""
    happened, done = _HAPPENED.match(sp.name), _DONE.match(sp.name)
    before = _said_of(text, floor, sp.start) if happened or done else None
    if before is None or re.search(r"\bto\b", text[before.end:sp.start], re.I):
        return sp  # "the wound to be treated <= 8 weeks prior": a purpose, not what was done
    return Span(before.start, sp.end, before.name if happened else before.name + " " + sp.name.lower())


_BUT_JOIN = re.compile(r",?\s*(?:but|and)\s+$", re.I)
_EXCEPTION_CUE = re.compile(r"\b(?:other\s+than|except(?:\s+for)?)\b", re.I)


def _instead(text: str, floor: int, c: Comparison, join: bool = True) -> Optional[Attachment]:
    """A usable subject for a time value whose first reading was unusable: the thing it is a length of ("no more
    than 24 hours of an antimicrobial agent"), the event it counts from ("rescreened at least 30 days after
    completion of antibiotic treatment"), the event of the clause a ", but" continues ("X is permitted, but must be
    completed >= 28 days before"), or the thing an exception is taken from ("malignancies other than the one
    treated in this trial within 2 years"); None where none is written."""
    if c.unit not in TIME_UNITS:
        return _measured_by(text, floor, c)
    of = of_subject(text, c, article=not re.search(r"\bwithin\s+$", text[max(0, c.start - 8):c.start], re.I))
    if of is not None and not unusable(of.name) and not _REFERENCE.search(of.name):
        return Attachment([of], "duration", of.end)
    since = since_subject(text, c.end) if not _LAST_DOSE_AFTER.match(text, c.end) else None  # never "after the last dose"
    if since is not None and not unusable(since.name) and not _REFERENCE.search(since.name):
        return Attachment([since], "temporal", since.end)
    joined = _BUT_JOIN.search(text, max(0, floor - 8), floor) if join else None
    if joined is not None and floor > 0:
        lead = _list_start(text, joined.start())
        cut = _STATUS_TAIL.search(text, lead, joined.start())  # "X is permitted, but must be completed": X
        ev = temporal_subject(text, lead, cut.start() if cut else joined.start())
        if ev is not None and not unusable(ev.name) and not _REFERENCE.search(ev.name):
            return Attachment([ev], "temporal")
    return None


_LAST_DOSE_AFTER = re.compile(r"\s*(?:after|following)\s+(?:the\s+)?(?:last|final)\s+dose\b", re.I)
# "The ABOS score measured by the research participants at enrollment is over 8 points": the thing measured
_MEASURED_BY = re.compile(r"\s+(?:measured|assessed|evaluated|rated|reported|determined|calculated|obtained)\s+(?:by|at|on|using|with|in)\b", re.I)


def _measured_by(text: str, floor: int, c: Comparison) -> Optional[Attachment]:
    """The phrase before "measured/assessed ... by" in the comparison's clause, where the phrase next to the number
    was unusable; else None."""
    found = list(_MEASURED_BY.finditer(text, floor, c.start))
    if not found:
        return None
    hp = head_phrase(text, found[-1].start(), floor)
    return Attachment([hp], "other") if hp is not None and not unusable(hp.name) else None


# "oral antidiabetic drugs should be stable for at least 90 days" (30 "stable for at least N weeks" in the XML dump)
_STABLE_TAIL = re.compile(r"\s+(?:(?:should|must|has|have|had|is|are|was|were|to)\s+)?(?:(?:been|be|remain(?:ed)?)\s+)?stable$")


_OUTSIDE = re.compile(r"\boutside\s+(?:of\s+)?(?:the\s+)?$", re.I)


def _outside(text: str, floor: int, ev: Span) -> Span:
    """"UC at any site outside of the urinary bladder in the previous 2 years": a place after "outside" is where the
    event is not, never the event: the phrase runs from the thing before "outside" (unchanged where none is found)."""
    out = _OUTSIDE.search(text, max(floor, ev.start - 25), ev.start)
    main = _temporal_subject(text, floor, out.start()) if out is not None and out.start() > floor else None
    if main is None or unusable(main.name) or main.end > out.start():  # type: ignore[union-attr]
        return ev
    return Span(main.start, ev.end, " ".join(text[main.start:ev.end].lower().split()))


def _stable(ev: Span) -> Span:
    """"oral antidiabetic drugs should be stable" -> "stable oral antidiabetic drugs" where what is stable is a plain
    noun phrase (no clause word, adverb, verb or comma left: "weight has remained fairly stable" stays as it is)."""
    m = _STABLE_TAIL.search(ev.name)
    head = ev.name[:m.start()].strip() if m else ""
    if not head or re.search(r"[,()]|\b(?:if|provided|when|and|or|remains?|remained|has|have|is|are|be|been|will|"
                             r"expected|allowed)\b|ly$", head) or unusable(head):
        return ev
    return Span(ev.start, ev.end, "stable " + head)


def _before_relative(text: str, floor: int, wstart: int) -> Optional[Span]:
    """"an antimicrobial agent to which the known CRE is known to be susceptible within 72 hours": where the phrase
    before a window is unusable, the thing its last relative clause is said of (not across a bracket); else None."""
    rel = None
    for rel in _RELATIVE.finditer(text, floor, wstart):  # the last one: the clause the window ends
        pass
    if rel is None or re.search(r"[()]", text[rel.start():wstart]) or names_nothing(text[floor:rel.start()]):
        return None
    ev = _temporal_subject(text, floor, rel.start())
    return None if ev is None or unusable(ev.name) or _is_unit(ev.name) else ev


def _before_exception(text: str, floor: int, wstart: int) -> Optional[Span]:
    """"Previous or concomitant malignancies other than the one treated in this trial within 2 years": where the
    phrase before a window is unusable, the thing the first exception of its clause is taken from; else None."""
    cue = _EXCEPTION_CUE.search(text, floor, wstart)
    if cue is None:
        return None
    ev = _temporal_subject(text, floor, cue.start())
    return None if ev is None or unusable(ev.name) or _is_unit(ev.name) else ev


# ------------------------------------------------------------------ commitments after the study --

_COMMITMENTS = [(name, re.compile(r"\b(?:" + rx + r")", re.I)) for name, rx in words()["commitment"].items()]  # type: ignore[union-attr]
_AFTER_REF = re.compile(r"\s*(?:\([^()]{0,30}\)\s*)?(?:after|following)\s+(?:the\s+)?(?P<ref>[\w\-]+(?:(?:[ \t]+|[ \t]*\n[ \t]*(?!\n))(?!and\b|or\b|for\b|with\b|"
                        r"to\b|during\b|until\b|in\b|if\b|unless\b|is\b|are\b)[\w\-]+){0,5})", re.I)
# what a commitment counts from: the study's treatment, never a prior therapy ("4 weeks after the last dose of prior chemotherapy")
_STUDY_REF = re.compile(r"^(?:(?:last|final)\s+(?:dose|administration|infusion|injection|vaccination)|end\s+of|discontinuation|"
                        r"completion|cessation|stopping)\b", re.I)
_STUDY_OF = re.compile(r"\s+of\s+(?:(?:the|all|any)\s+)?(?:oral\s+)?(?:study|trial|investigational)\s+[\w\-]+(?:\s+[\w\-]+)?$", re.I)
_BLOCK_START = re.compile(r"\n[ \t]*(?:\n|(?:[-*+\u2022]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s)")


def commitment_ref(text: str, c: Comparison) -> Optional["re.Match[str]"]:
    """"... days after the last dose of study treatment": the study's end point a time value is counted from."""
    if c.unit not in TIME_UNITS:
        return None
    m = _AFTER_REF.match(text, c.end)
    if m is None or not _STUDY_REF.match(m.group("ref")) or re.search(r"\b(?:prior|previous)\b", m.group("ref"), re.I):
        return None
    return m


def commitment(text: str, c: Comparison) -> Optional[Span]:
    """"agree to use contraception ... for at least 120 days after the last dose of study treatment", "expecting to
    father children within 135 days after the last dose": a time after the end of the study's treatment bounds what
    the participant commits to, named by the nearest cue before it in the same item (resources: commitment), with
    its reference point ("contraception after last dose"); None where no cue is written or the time counts from a
    prior therapy (a washout)."""
    m = commitment_ref(text, c)
    if m is None:
        return None
    lo = max(0, c.start - 400)
    for b in _BLOCK_START.finditer(text, lo, c.start):
        lo = b.end()
    best: Optional[Tuple[int, str]] = None
    for name, rx in _COMMITMENTS:  # contraception (listed first) over the others it is written with
        for hit in rx.finditer(text, lo, c.start):
            if best is None or (hit.end() > best[0] and best[1] != _COMMITMENTS[0][0]):
                best = (hit.end(), name)
    if best is None:
        return None
    ref = _STUDY_OF.sub("", " ".join(m.group("ref").lower().split()))
    return Span(m.start("ref"), m.end("ref"), best[1] + " after " + ref)
