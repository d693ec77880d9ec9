"""Personal-history codes (ICD-10-CM Z85-Z87: "Personal history of malignant neoplasm of breast") and
criteria that speak of a past condition.

A patient code whose tabular description begins "Personal history of" stands for the condition the rest
of the description names, linked exactly (score 1.0) in the ICD-10-CM index: ``Z85.3`` -> ``C50``,
``Z86.11`` -> ``A15``, ``Z86.711`` -> ``I26``.  A rest that names a grouping ("of other parts of uterus",
"endocrine, nutritional and metabolic diseases") gives no code: a wrong code flips a verdict.

Such a code is a past, resolved condition: it meets a criterion's condition only where the criterion
speaks of history (`speaks_of_history`), never one about a current condition ("active tuberculosis"),
which it leaves undecided.  Words: ``resources/history_words.toml`` and the ConText HISTORICAL rules.
"""

from __future__ import annotations

import json
import re
import tomllib
from functools import lru_cache
from typing import Dict, List, Tuple

from .. import resources
from . import icd10cm


@lru_cache(maxsize=1)
def _words() -> Dict[str, Dict[str, List[str]]]:
    return tomllib.loads(resources.read_text("history_words.toml"))


def _alternation(words: List[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def _patterns() -> Dict[str, "re.Pattern[str]"]:
    w = _words()
    rules = json.loads(resources.read_text("context_rules.json"))["context_rules"]
    hist = [r["literal"] for r in rules if r["category"] == "HISTORICAL"]
    negated = [r["literal"] for r in rules if r["category"] == "NEGATED_EXISTENCE"]
    stops = [r["literal"] for r in rules if r["category"] == "TERMINATE" and r["literal"] not in (",", ";")]
    family = [r["literal"] for r in rules if r["category"] == "FAMILY"] + w["criterion"]["other_person"]
    crit, codes = w["criterion"], w["codes"]
    win, lead, units = (_alternation(crit[k]) for k in ("window", "window_lead", "window_units"))
    return {
        "history": re.compile(rf"(?<![\w-])(?:{_alternation(hist)})(?![\w-])", re.I),
        "negated": re.compile(rf"(?<![\w-])(?:{_alternation(negated)})(?![\w-])", re.I),
        "family": re.compile(rf"(?<![\w-])(?:{_alternation(family)})(?![\w-])", re.I),
        "after": re.compile(rf"(?<![\w-])(?:{_alternation(crit['after'])})(?![\w-])", re.I),
        "link": re.compile(rf"(?<![\w-])(?:{_alternation(crit['treatment_link'] + stops)})(?![\w-])", re.I),
        "current": re.compile(rf"(?<![\w-])(?:{_alternation(crit['current'])})(?![\w-])", re.I),
        "window": re.compile(rf"(?<![\w-])(?:{win})(?![\w-])|(?:\d|\b(?:{lead}))\s*(?:{units})\b", re.I),
        "prefix": re.compile(rf"^\s*(?:{_alternation(codes['prefixes'])})\s+", re.I),
        "drop": re.compile(rf"(?:{_alternation(codes['drop'])})\s*", re.I),
        "leading": re.compile(rf"^(?:{_alternation(codes['leading'])})\s+", re.I),
        "grouping": re.compile(rf"\b(?:{_alternation(codes['grouping'])})\b", re.I),
        "header_exclusion": re.compile(rf"(?<![\w-])(?:{_alternation(crit['header_exclusion'])})(?![\w-])", re.I),
    }


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\([^)]*\)", " ", s)).strip().lower()


@lru_cache(maxsize=4096)
def history_of(code: str) -> Tuple[str, ...]:
    """The ICD-10-CM codes of the past condition a personal-history code names (() for any other code, or
    where the description names a grouping or links to nothing exactly)."""
    pat = _patterns()
    title = icd10cm.title(code) or ""
    if not pat["prefix"].match(title):
        return ()
    rest = pat["leading"].sub("", pat["drop"].sub("", pat["prefix"].sub("", title)).strip())
    if not rest or pat["grouping"].search(rest):
        return ()
    hits = [c for c, score in icd10cm.candidates(rest) if score >= 1.0 and not c.startswith("Z")]
    if re.search(r",|\band\b|\bor\b", rest) and not any(_norm(icd10cm.title(c) or "") == _norm(rest) for c in hits):
        return ()  # "rectum, rectosigmoid junction, and anus" found only one of its parts (C21)
    return tuple(c for c in hits if not any(o != c and icd10cm.within(c, o) for o in hits))  # I26, not I26.99


def past_text(condition: str) -> str:
    """The condition a patient's text condition names as past ("history of breast cancer", "prior
    stroke", "h/o TB": a ConText HISTORICAL cue first), else ""."""
    m = _patterns()["history"].match(condition.strip())
    return condition.strip()[m.end():].strip(" :-") if m else ""


def clause_of(text: str, mention: str) -> str:
    """The clause of `text` (between ';' / '.' / line breaks) that holds `mention` (all of it if absent)."""
    at = text.find(mention) if mention else -1
    if at < 0:
        return text
    start = max(text.rfind(c, 0, at) for c in ";.\n") + 1
    ends = [i for i in (text.find(c, at + len(mention)) for c in ";.\n") if i >= 0]
    return text[start:min(ends) if ends else len(text)]


def _cue_before(clause: str, mention: str) -> bool:
    """A history cue before the mention, with no "for" / "after" ("Prior chemotherapy for breast cancer"
    speaks of a past treatment, not of a past breast cancer) and no ConText TERMINATE word but commas
    ("a history of cancer, except Kaposi's sarcoma") between them."""
    pat = _patterns()
    at = clause.find(mention)
    before = clause if at < 0 else clause[:at]
    cues = list(pat["history"].finditer(before))
    return bool(cues) and not pat["link"].search(before[cues[-1].end():])


def negated_before(text: str, mention: str) -> bool:
    """A negation cue (ConText NEGATED_EXISTENCE) before the mention in its clause: "No history of cardiac
    disease, serious arrhythmias, or conduction abnormalities" negates all three, where ConText's scope
    stops at the first comma."""
    clause = clause_of(text, mention)
    at = clause.find(mention)
    return at >= 0 and bool(_patterns()["negated"].search(clause[:at]))


def speaks_of_history(text: str, mention: str, historical: bool = False, header: str = "") -> bool:
    """Does a criterion's text speak of `mention` as a past condition that a personal-history code can
    meet? Yes where a history cue comes before the mention in its clause (`_cue_before`: "History of
    breast cancer"; "history of craniocerebral trauma, ..., epilepsy", where ConText's scope stops at the
    commas), "in the past" is in the clause, or `header` (the parent criterion's text: "History of any of
    the following:") has a cue; ConText's `historical` flag only where the mention is not in `text`. No
    where the clause or header has a current cue ("History of active tuberculosis"), a time window
    ("History of stroke within 6 months": a history code has no date), a negation ("No history of ...")
    or someone else ("Maternal history of ...", "first-degree relatives"); a header's "are excluded"
    ("Patients with the following prior conditions are excluded:") says who is excluded, not a negation."""
    pat = _patterns()
    clause = clause_of(text, mention)
    found = mention in clause  # ConText's flag decides only where the mention is not found in the text
    if not ((historical and not found) or _cue_before(clause, mention) or pat["after"].search(clause)
            or (header and pat["history"].search(header))):
        return False
    header = pat["header_exclusion"].sub(" ", header) if header else header  # "... are excluded:" negates nothing
    return not any(pat[k].search(t) for t in (clause, header) if t
                   for k in ("current", "window", "negated", "family"))
