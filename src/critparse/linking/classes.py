"""Drug classes -> WHO ATC class codes (resources/atc_classes.csv).

A criterion often names a class, not an ingredient: "corticosteroids", "NSAIDs",
"anticoagulants".  The class words (normalised, singular or plural, with or
without a trailing "drugs" / "medication" / "agents" / "therapy") are looked up
exactly in a hand-written table from the WHOCC ATC index; a word naming a union
of classes ("anticoagulants": B01AA, B01AB, B01AE, B01AF) gets every class, in
the table's order.  Nothing fuzzy: a class is found by its name or not at all.

These codes say what the criterion names; they do not let screening decide a
patient's medication: the shipped drug dictionary gives no ingredient -> ATC
mapping, so a patient drug cannot be placed in a class from this data.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from .. import resources
from .forms import expand
from .names import singulars

SYSTEM = "http://www.whocc.no/atc"
#: trailing words that only say "a drug of this class" ("antipsychotic drugs", "anticoagulant therapy")
_HEAD = re.compile(r"\s+(?:medications?|medicines?|drugs?|agents?|therapy|therapies|treatments?|compounds?|"
                   r"preparations?|products?|use)$")
#: leading words that do not change the class ("any NSAIDs", "concomitant anticoagulants")
_LEAD = re.compile(r"^(?:any|concomitant|current|chronic|regular|prior|previous|other)\s+")

ClassCode = Tuple[str, str]  # (ATC code, ATC name)


@lru_cache(maxsize=1)
def table() -> Dict[str, List[ClassCode]]:
    """Normalised class term -> its ATC classes, in the table's order."""
    out: Dict[str, List[ClassCode]] = {}
    for row in resources.read_csv("atc_classes.csv"):
        codes = out.setdefault(row["term"], [])
        if (row["code"], row["display"]) not in codes:
            codes.append((row["code"], row["display"]))
    return {**_derived(out), **out}


def _derived(terms: Dict[str, List[ClassCode]]) -> Dict[str, List[ClassCode]]:
    """The singulars of the plural terms ("nonnucleoside reverse transcriptase inhibitors" -> "... inhibitor"), as a
    mention's own plural is looked up in the singular; none that names an ingredient in the drug dictionary
    ("heparins" is the class, "heparin" the drug) or that two terms with different classes share."""
    from .drugs import names

    out: Dict[str, List[ClassCode]] = {}
    clash = set()
    for term, codes in terms.items():
        for form in set(singulars(term)) - set(terms):
            if form in out and out[form] != codes:
                clash.add(form)
            out.setdefault(form, codes)
    return {k: v for k, v in out.items() if k not in clash and k not in names()}


@lru_cache(maxsize=1)
def _systemic() -> frozenset:
    from .drugs import _words

    return frozenset(_words()["systemic_lead"])


def forms(mention: str, expansion: Optional[str] = None) -> List[str]:
    """The normalised mention, its expansion, without leading 'any' and trailing 'drugs', and singulars; last, each
    without a leading systemic route (resources/drug_words.toml: "iv diuretics", not "topical antifungals")."""
    out: List[str] = []
    for f in expand(mention, expansion):
        f = _LEAD.sub("", f)
        bare = _HEAD.sub("", f)
        for g in (f, bare):
            for h in [g] + singulars(g):
                if h and h not in out:
                    out.append(h)
    return out + [r for r in (_systemic_dropped(f) for f in out) if r and r not in out]


def _systemic_dropped(form: str) -> str:
    """The form without a leading systemic route ("systemic antifungal agents"), never a topical or inhaled one."""
    words = form.split(" ")
    if len(words) < 2 or words[0] not in _systemic() or words[1] in _routes():
        return ""  # "oral topical corticosteroids" are for the mouth (A01AC), not the skin (D07)
    return " ".join(words[1:])


@lru_cache(maxsize=1)
def _routes() -> frozenset:
    from .drugs import _words

    return frozenset(_words()["lead"]) | {"local"}


def candidates(mention: str, expansion: Optional[str] = None) -> List[ClassCode]:
    """ATC classes a drug-class mention names (empty when it names none of the table's classes)."""
    t = table()
    fs = forms(mention, expansion)
    for f in fs:
        if f in t:
            return list(t[f])
    for f in fs:  # "anti-retroviral agents" = "antiretroviral agents"
        term = _joined().get(f.replace(" ", ""))
        if term:
            return list(t[term])
    return []


@lru_cache(maxsize=1)
def _joined() -> Dict[str, str]:
    """Class terms keyed without their spaces (a term written with or without its hyphens), where the key names one
    set of classes."""
    out: Dict[str, str] = {}
    clash = set()
    for term, codes in table().items():
        key = term.replace(" ", "")
        if key in out and table()[out[key]] != codes:
            clash.add(key)
        out.setdefault(key, term)
    return {k: v for k, v in out.items() if k not in clash}
