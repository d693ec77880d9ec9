"""Concept codes for entity mentions, offline.

`link(mention, label)` returns codes best first, each
``{"system", "code", "display", "score"}``; a generic condition word ("malignancy", C80) also
says which ICD-10-CM range it stands for (``"covers": "C00-C96"``, `ranges`):

* Condition -> ICD-10-CM (`icd10cm`, the CMS tabular list of `simple-icd-10-cm`);
* Drug -> an ingredient (`drugs`, the dictionary of `drug-named-entity-recognition`;
  DrugBank accession, display = generic name), or the WHO ATC class(es) a class word
  names (`classes`, resources/atc_classes.csv: "NSAIDs" -> M01A);
* Measurement -> LOINC (`critparse.concepts`).

The name indexes are built on first use and cached under the user cache dir
(`ngrams.cache_dir()`, or $CRITPARSE_CACHE); nothing is downloaded.
A mention coordinating several conditions ("hepatic or renal impairment",
"liver, kidney or lung disease") gets the codes of each, in order; so does one coordinating
drugs or drug classes that are each named exactly ("granisetron or local anaesthetic").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Dict, List, Optional

from . import classes, drugs, forms, icd10cm, ranges

__all__ = ["link", "LINKED_LABELS", "ICD10CM", "LOINC", "ATC", "within"]

ICD10CM = icd10cm.SYSTEM
LOINC = "http://loinc.org"
ATC = classes.SYSTEM
LINKED_LABELS = ("Condition", "Drug", "Measurement")
#: codes kept per mention
TOP = 3
_COORD = re.compile(r"\s*(?:,\s*(?:and/or|and|or)?|\band/or\b|\bor\b|\band\b|/)\s*", re.I)

within = icd10cm.within


def link(mention: str, label: str, expansion: Optional[str] = None) -> List[Dict[str, Any]]:
    """Codes for `mention` of entity type `label`, best first (empty when none is sure enough)."""
    if not isinstance(mention, str) or not mention.strip():
        return []
    return [dict(c) for c in _link(mention.strip(), label, expansion)]


@lru_cache(maxsize=65536)
def _link(mention: str, label: str, expansion: Optional[str]) -> tuple:
    if label == "Condition":
        return tuple(_conditions(mention, expansion))
    if label == "Drug":
        return tuple(_drugs(mention, expansion))
    if label == "Measurement":
        return tuple(_measurement(mention, expansion))
    return ()


def _icd(hits) -> List[Dict[str, Any]]:
    return [{"system": ICD10CM, "code": code, "display": icd10cm.title(code), "score": score} for code, score in hits]


#: score of the codes of a mention that the code says more broadly ("hypersensitivity to carboplatin" -> T78.40
#: allergy, unspecified), or more strongly ("hepatic impairment" -> K72 hepatic failure): shown, but under the
#: threshold screening acts on (`critparse.linking.match.SURE`)
BROADER_SCORE = 0.85


def _conditions(mention: str, expansion: Optional[str]) -> List[Dict[str, Any]]:
    out = _condition_codes(mention, expansion)
    if out and forms.names_broader(mention):
        for c in out:
            c["score"] = min(c["score"], BROADER_SCORE)
    elif out and forms.names_narrower(mention):
        strict = _strict_codes(mention, expansion)
        for c in out:
            if c["code"] not in strict:
                c["score"] = min(c["score"], BROADER_SCORE)
    return out


def _strict_codes(mention: str, expansion: Optional[str]) -> set:
    """The sure codes found for the mention, or each of its coordinated parts, without the rewrites of
    scope=narrower: "hepatic impairment" is K72 hepatic failure only as "hepatic insufficiency" (not sure), "mild
    cognitive impairment" R41.89 by its own words (sure)."""
    out = set()
    for i, form in enumerate([mention] + _parts(mention)):
        out |= {code for code, score in icd10cm.candidates(form, expansion if i == 0 else None, strict=True)
                if score >= icd10cm.HEAD_SCORE}
    return out


def _condition_codes(mention: str, expansion: Optional[str]) -> List[Dict[str, Any]]:
    hits = icd10cm.candidates(mention, expansion)
    if hits and hits[0][1] >= 1.0:
        out = _icd(hits[:TOP])
        rng = ranges.generic(mention, expansion)  # "malignancy": C80, covering C00-C96
        if rng and ranges.in_range(out[0]["code"], rng):
            out[0]["covers"] = rng
        return out
    parts = _parts(mention)
    if len(parts) > 1:
        coord = []
        for p in parts:  # each part's best code, and those tied with it ("hepatitis B": B16, B18.1, B19.1)
            sub = icd10cm.candidates(p)
            coord += [h for h in sub[:TOP] if h[1] >= sub[0][1]] if sub else []
        if coord:
            return _icd(_unique(coord)[:TOP * len(parts)])
    return _icd(hits[:TOP])


def _parts(mention: str) -> List[str]:
    """'liver, kidney or lung disease' -> ['liver disease', 'kidney disease', 'lung disease']."""
    parts = [p for p in _COORD.split(mention) if p and p.strip()]
    if len(parts) < 2:
        return parts
    last = parts[-1].split()
    if len(last) > 1:  # the head noun written once, at the end
        head = " ".join(last[1:])
        parts = [_headed(p, last, head) for p in parts[:-1]] + [parts[-1]]
    first = parts[0].split()
    if len(first) > 1 and all(len(p.split()) == 1 for p in parts[1:]):  # "hepatitis B and/or C"
        parts = [parts[0]] + [" ".join(first[:-1] + [p]) for p in parts[1:]]
    return parts


def _headed(part: str, last: List[str], head: str) -> str:
    """A part with the head noun written once at the end: "liver" -> "liver disease"; a part written like the
    last one's start takes the rest of it ("type 1" of "type 1 or type 2 diabetes" -> "type 1 diabetes")."""
    words = part.split()
    if len(words) == 1:
        return f"{part} {head}"
    if words[0].lower() == last[0].lower() and len(last) > len(words):
        return " ".join(words + last[len(words):])
    return part


def _unique(hits):
    seen, out = set(), []
    for h in hits:
        if h[0] not in seen:
            seen.add(h[0])
            out.append(h)
    return out


def _drugs(mention: str, expansion: Optional[str]) -> List[Dict[str, Any]]:
    out = _drug_codes(mention, expansion)
    if out:
        return out
    raw = [p.strip() for p in _COORD.split(mention) if p and p.strip()]
    if len(raw) < 2:
        return _combination(mention)
    headed = _parts(mention)  # "oral or intravaginal antibiotics": "oral antibiotics", ...
    coord: List[Dict[str, Any]] = []
    for i, part in enumerate(raw):  # "granisetron or local anaesthetic": each part named exactly, never fuzzy
        for form in dict.fromkeys([part] + ([headed[i]] if len(headed) == len(raw) else [])):
            found = [c for c in _drug_codes(form, None) if c["score"] >= 1.0]
            if found:
                coord += [c for c in found if c["code"] not in {x["code"] for x in coord}]
                break
    return coord


#: a combination written with "+" ("etoposide + TBI") or a hyphen between two words ("amoxicillin-clavulanic acid")
_PLUS = re.compile(r"\s*\+\s*")
_HYPHEN = re.compile(r"(?<=[a-z]{3})(?:-|\s+-\s+)(?=[a-z]{3})", re.I)  # "amoxicillin - clavulanic acid" too


def _combination(mention: str) -> List[Dict[str, Any]]:
    """The ingredients of a combination, each named exactly: every part of a hyphenated one ("ceftazidime-avibactam";
    "anti-TNF" names none), the parts found of one written with "+" ("etoposide + TBI": etoposide)."""
    for pat, every in ((_PLUS, False), (_HYPHEN, True)):
        parts = [p.strip() for p in pat.split(mention) if p.strip()]
        if len(parts) < 2:
            continue
        found = [[c for c in _drug_codes(p, None) if c["score"] >= 1.0 and c["system"] != ATC] for p in parts]
        if all(found) or (not every and any(found)):
            out: List[Dict[str, Any]] = []
            for codes in found:
                out += [c for c in codes[:1] if c["code"] not in {x["code"] for x in out}]
            return out
    return []


def _drug_codes(mention: str, expansion: Optional[str]) -> List[Dict[str, Any]]:
    named = classes.candidates(mention, expansion)  # a class word: every class it names, in order
    if named:
        return [{"system": ATC, "code": code, "display": name, "score": 1.0} for code, name in named]
    out = []
    for key, score in drugs.candidates(mention, expansion)[:TOP]:
        d = drugs.drug(key)
        out.append({"system": d["code"][0], "code": d["code"][1], "display": d["name"].lower(), "score": score})
    return out


def _measurement(mention: str, expansion: Optional[str]) -> List[Dict[str, Any]]:
    from .. import concepts

    from .names import strip_parens

    for form in (mention, strip_parens(mention), expansion):
        c = concepts.lookup(form) if form else None
        if c is not None and c.loinc:
            return [{"system": LOINC, "code": c.loinc, "display": c.name, "score": 1.0}]
    return []
