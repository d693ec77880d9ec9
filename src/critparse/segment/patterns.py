"""Data and regular expressions of the segmenter: section headings and the NCI sub-labels and sentence starters
(from ``resources/sections.jsonl``), list markers, logic words, cohort and kind hints, sentence ends."""

from __future__ import annotations

import re
from typing import List, Tuple

from .. import resources

# -- data ---------------------------------------------------------------------

def _load_sections() -> List[Tuple["re.Pattern[str]", str]]:
    out = []
    for row in resources.read_jsonl("sections.jsonl"):
        if "core" in row:
            out.append((re.compile(r"(?:%s)" % row["core"], re.I), row["kind"]))
    return out


SECTIONS = _load_sections()
# does any section pattern match here? (one regex instead of ten tries on most lines with a hint word)
ANY_SECTION = re.compile("|".join("(?:%s)" % p.pattern for p, _ in SECTIONS), re.I)


def _load_words(key: str) -> List[str]:
    for row in resources.read_jsonl("sections.jsonl"):
        if key in row:
            return list(row[key])
    return []


def _title_or_lower(label: str) -> str:
    """A sub-label as written ("Performance status") or in Title Case ("Performance Status": 119 in the XML
    extract): each later word's first letter in either case."""
    words = [re.escape(w) for w in label.split()]
    return r"\s+".join([words[0]] + ["[%s%s]%s" % (w[0].lower(), w[0].upper(), w[1:]) for w in words[1:]])


SUBLABEL = re.compile(r"(?<!\S)(?:%s)\s*:(?=\s|$)" % "|".join(
    _title_or_lower(w) for w in sorted(_load_words("sublabels"), key=len, reverse=True)))
STARTER = re.compile(r"(?<=[a-z0-9%%)\]]) +(?=(?:%s)\b(?!\.))" % "|".join(
    re.escape(w).replace(r"\ ", r"\s+") for w in sorted(_load_words("starters"), key=len, reverse=True)))
INLINE_HEAD = re.compile(r"(?<!\S)(?:--\s*[A-Za-z][A-Za-z/ ]{3,40}?\s*--|(?:DISEASE|PATIENT)\s+CHARACTERISTICS\s*:|"
                          r"PRIOR\s*(?:/|\s)\s*CONCURRENT\s+THERAPY\s*:)")
HEAD_HINT_WORDS = ("inclu", "exclu", "criteri", "characteristics", "concurrent", "eligib", "entry", "enrol", "selection")
HEAD_HINT = re.compile("|".join(map(re.escape, HEAD_HINT_WORDS)))
ALNUM = re.compile(r"[^\W_]")  # a character for which str.isalnum() is true
CONNECTOR = frozenset("or and with of than if to in by for from the a an nor but".split())
VERBISH = re.compile(r"(?<![\w-])[a-z]{2,}(?:ing|ed)\b")  # "consenting", "unprimed"; not "Diabetes-related"
NCI_SECTION = re.compile(r"characteristics|concurrent\s+therap|protocol\s+entry", re.I)

# -- patterns -----------------------------------------------------------------

MARKER = re.compile(
    r"(?P<marker>"
    r"(?P<dot>\d{1,2}(?:\.\d{1,2})+)\.?(?=\s)"
    r"|(?P<num>\d{1,3})[.)](?=\s|[A-Z(])"
    r"|\((?P<pnum>\d{1,3})\)"
    r"|(?P<alpha>[A-Za-z]|[ivx]{2,5}|[IVX]{2,5})[.)](?=\s)"
    r"|\((?P<palpha>[A-Za-z]|[ivx]{2,5}|[IVX]{2,5})\)(?=\s)"
    r"|(?P<bul>[*\u2022\u25aa\u25ba\u25cf\u25e6\u2023\u2219\u25a0\u25a1\u2043\u27a2\u2713\-+o])(?=\s)"
    r"|(?P<bul2>[-\u2022])(?=[A-Z])"
    r")[ ]*"
)
ROMAN = re.compile(r"^(?:x{0,3})(?:ix|iv|v?i{0,3})$")
ANY_OF = re.compile(
    r"\b(?:(?:meet(?:s|ing)?\s+)?(?:at\s+least\s+)?(?:one|1)\s+(?:or\s+more\s+)?of\s+the\s+following|any\s+(?:one\s+)?of\s+the\s+following"
    r"|at\s+least\s+(?:one|1)\s+of|one\s+or\s+more\s+of|either\b)",
    re.I,
)
COHORT = re.compile(
    r"\bonly\s+for\b|\bfor\s+(?:the\s+)?(?:patients|subjects|participants|those|children|adults|women|men)\b"
    r"|\b(?:cohorts?|arms?|parts?|groups?|phases?|stages?|strata|stratum|sub-?studies|sub-?study|segments?)\s+"
    r"(?:[A-Z]{1,2}\d?|\d{1,2}[a-z]?|I{1,3}V?|IV|[IV]{1,3}[ab]?)\b"
    r"|\bspecific\s+to\b|^\W*(?:\w+\s+){0,2}criteria\s+for\s+(?!inclusion|exclusion|enrol|entry|eligib|participation|the\s+study|this|"
    r"(?:at\s+least\s+)?(?:one|any|all|two|both|each|none)\b|the\s+following)"
    r"|^(?:healthy\s+)?(?:donors?|recipients?|controls?|volunteers?|caregivers?|partners?|siblings?|cases|asthmatics|"
    r"healthy\s+(?:subjects|participants|controls))\s*:?\s*$",
    re.I,
)
COMMON = re.compile(r"^\W*(?:common|general|shared|all\s+(?:patients|subjects|participants|cohorts|arms|groups|parts))\b"
                     r"|\b(?:for|to)\s+(?:all|both|every)\b|^\W*(?:patients|subjects|participants)\W*$", re.I)
EXCL_HINT = re.compile(r"\b(?:excluded|exclusions?|not\s+(?:be\s+)?eligible|ineligible|must\s+not|may\s+not|should\s+not|"
                        r"not\s+(?:be\s+)?(?:allowed|permitted)|prohibited|disallowed|avoided)\b", re.I)
INCL_HINT = re.compile(r"\b(?:must\s+(?:have|be|meet|fulfil+|satisfy|agree)|eligible\s+if|required|inclusions?|"
                        r"are\s+eligible|must:)\b", re.I)
PERMISSION = re.compile(r"^(?:allowed|excluded|required|recommended|avoided|prohibited|permitted|not\s+(?:allowed|permitted))\b",
                         re.I)
OR_LINE = re.compile(r"^[-(\[]*\s*(?:OR|Or|or)\s*[-)\]:]*$")
AND_LINE = re.compile(r"^[-(\[]*\s*(?:AND|And|and)\s*[-)\]:]*$")
NOTE = re.compile(r"^\W*(?:notes?|nb|n\.b\.|please\s+note|comment)\b\s*[:.-]", re.I)
LABEL_WORDS = 8
QUAL_HEAD = re.compile(r"^\s*(?:(?:[-\u2013(\[,]\s*)?(?:(?:only\s+)?for\b|only\b|specific\b|applicable\b|in\s+(?:cohort|arm|part|group|phase)\b)"
                        r"|[-\u2013(\[]\s*(?!cont)[A-Za-z0-9][^:]{0,40}$)", re.I)
QUAL_FILLER = re.compile(r"^\s*(?:[-\u2013(\[]\s*)?(?:includes?|included|are|is|apply|applies|(?:are\s+)?as\s+follows|will\s+include|"
                          r"\(?all\s+(?:patients|subjects|participants)\)?|listed\s+below|below)?\s*[)\]]?\s*$", re.I)
SENT_END = re.compile(r"[.!?](?=\s+[\"'(\[]?[A-Z0-9])")
NO_SPLIT_BEFORE = re.compile(
    r"(?:\b(?:e\.g|i\.e|vs|Dr|Drs|approx|No|Nos|St|al|Fig|incl|ca|min|max|resp|Mr|Mrs|Ms|Jr|Sr|Inc|Ltd|Co|Corp|"
    r"U\.S|Ph\.D|M\.D|Prof|Ref|Vol|Eq|Dept|cf|viz|excl|esp|Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec|wk|wks|mo|hr|hrs|sec|"
    r"pts?|etc)\.|\b[A-Z]\.|\d\.)$"
)
