"""Drugs -> an ingredient, from the dictionary of `drug-named-entity-recognition`.

That package (MIT) ships a drug dictionary built from the DrugBank open
vocabulary (CC0), MeSH, MedlinePlus, the NHS and Wikipedia: about 107k written
forms (generic names, brand names, synonyms) pointing at 20k canonical drugs.
Only its data file is read here (its finder module also reaches for the
network).  The code given for an ingredient is its DrugBank accession (present
for 12,279 of the 20,070); MedlinePlus drug-page ids stand in where DrugBank
has none.  The dictionary's `mesh_id` field is not used: it often holds a
pharmacological-action descriptor rather than the substance's own (aspirin
and acetaminophen share one).  Canonical entries without either code (drug
classes such as "statins" -> HMG-CoA reductase inhibitors, most combinations)
get no code: a class is not an ingredient.
"""

from __future__ import annotations

import bz2
import pickle
from functools import lru_cache
from importlib import resources as ilr
from typing import Dict, List, Optional, Tuple

from . import spelling
from .forms import expand
from .names import norm, singulars
from .ngrams import NgramIndex, cached

DRUGBANK = "https://go.drugbank.com/drugs"
MEDLINEPLUS = "https://medlineplus.gov/druginfo/meds"
#: cosine above which a fuzzy form (a misspelling) is the same drug
MIN_SCORE = 0.8
#: ... and at most this many characters longer or shorter
MAX_LENGTH_GAP = 2
#: highest score a misspelling keeps: under the screening threshold (0.9), as for conditions ("carbapenes" was
#: carbenicillin at 0.91, a sure code)
FUZZY_CAP = 0.89
_PACKAGE = "drug_named_entity_recognition"


def _raw() -> dict:
    with ilr.files(_PACKAGE).joinpath("drug_ner_dictionary.pkl.bz2").open("rb") as f:
        return pickle.load(bz2.open(f))


def _stopwords() -> List[str]:
    from importlib import import_module

    return sorted(import_module(f"{_PACKAGE}.util").stopwords)


def _dictionary() -> Tuple[List[str], List[list], dict]:
    d = _raw()
    canon = d["drug_canonical_to_data"]
    coded: Dict[str, dict] = {}
    for key, data in canon.items():
        code = _code_of(data)
        if code:
            coded[key] = {"name": data.get("name") or key, "code": code}
    forms: Dict[str, List[str]] = {}
    for variant, keys in d["drug_variant_to_canonical"].items():
        if variant.rstrip() != variant.rstrip(",;:"):  # "alcohol," is a cut-off "benzyl alcohol" synonym
            continue
        n = norm(variant)
        for k in keys:
            if k in coded and k not in forms.setdefault(n, []):
                forms[n].append(k)
    for k in coded:  # a canonical name is a form of itself
        n = norm(k)
        if k not in forms.setdefault(n, []):
            forms[n].insert(0, k)
    names = sorted(n for n, ks in forms.items() if n and ks)
    return names, [forms[n] for n in names], {"drugs": coded, "stop": _stopwords()}


def _code_of(data: dict) -> Optional[List[str]]:
    if data.get("drugbank_id"):
        return [DRUGBANK, data["drugbank_id"]]
    if data.get("medline_plus_id"):
        return [MEDLINEPLUS, data["medline_plus_id"]]
    return None


def _version() -> str:
    from importlib.metadata import version

    return version("drug-named-entity-recognition")


@lru_cache(maxsize=1)
def index() -> NgramIndex:
    """The drug-name index (built once, then read from the user cache)."""
    return cached(f"drugs-{_version()}.npz", _dictionary)


@lru_cache(maxsize=1)
def _rows() -> Dict[str, int]:
    return {n: i for i, n in enumerate(index().names)}


def names() -> Dict[str, int]:
    """Normalised written form -> its row in the index (every name of the dictionary)."""
    return _rows()


@lru_cache(maxsize=1)
def _stop() -> frozenset:
    return frozenset(index().extra["stop"])


@lru_cache(maxsize=1)
def _joined_rows() -> Dict[str, int]:
    """Names keyed without their spaces ("co trimoxazole" -> "cotrimoxazole"), where no two names with different
    drugs share the key: a name written with or without its hyphens and spaces is the same drug."""
    payload = index().payload
    out: Dict[str, int] = {}
    clash = set()
    for name, row in _rows().items():
        if max(len(w) for w in name.split(" ")) < 3:  # "e p o": letters, not a written-out name
            continue
        key = name.replace(" ", "")
        if key in out and payload[out[key]] != payload[row]:
            clash.add(key)
        out.setdefault(key, row)
    return {k: v for k, v in out.items() if k not in clash}


#: score of an ingredient found once route / form words are dropped ("systemic rituximab")
BARE_SCORE = 0.95


@lru_cache(maxsize=1)
def _words() -> dict:
    import tomllib

    from .. import resources

    return tomllib.loads(resources.read_text("drug_words.toml"))


def _bare(form: str) -> str:
    """The normalised form without leading route words and trailing supplement words (resources/drug_words.toml)."""
    w = _words()
    words = form.split(" ")
    while len(words) > 1 and words[0] in w["lead"]:
        words = words[1:]
    while len(words) > 1 and words[-1] in w["trail"]:
        words = words[:-1]
    return " ".join(words)


@lru_cache(maxsize=1)
def _synonyms() -> Dict[str, str]:
    """Other names of an ingredient that the dictionary lacks (resources/drug_synonyms.csv), normalised."""
    from .. import resources

    return {norm(r["synonym"]): norm(r["ingredient"]) for r in resources.read_csv("drug_synonyms.csv")}


@lru_cache(maxsize=1)
def speller() -> spelling.Speller:
    """Corrects a misspelt word of a drug mention to a word of the dictionary's names (`spelling`): of its canonical
    names, or of its other names where the corpora's word counts hold the word (resources/vocab.tsv.gz). The
    dictionary's 107k written forms hold rare synonyms one letter from a brand name ("biphenamine", a synonym of
    xenysalate, is one letter from the amphetamine brand "Biphetamine"), which a slip must not reach."""
    from ..glue import vocab

    canonical = [norm(d["name"]) for d in index().extra["drugs"].values()] + [norm(k) for k in index().extra["drugs"]]
    seen = vocab()
    words = spelling.words_of(canonical) + [w for w in spelling.words_of(index().names) if seen.get(w, 0) >= 2]
    return spelling.Speller(words, spelling.english())


def drug(key: str) -> dict:
    """{"name", "code": [system, code]} of a canonical drug key."""
    return index().extra["drugs"][key]


def candidates(mention: str, expansion: Optional[str] = None) -> List[Tuple[str, float]]:
    """Canonical drug keys for a drug mention, best first, with a score."""
    forms = expand(mention, expansion)
    forms += [s for f in forms for s in singulars(f)]
    forms += [_synonyms()[f] for f in forms if f in _synonyms()]  # "L-thyroxine" -> levothyroxine
    forms = [f for f in forms if f not in _stop() and len(f) > 2]
    rows = _rows()
    for f in forms:
        if f in rows:
            return [(k, 1.0) for k in index().payload[rows[f]]]
    for f in forms:  # "cotrimoxazole" = "co-trimoxazole"
        row = _joined_rows().get(f.replace(" ", ""))
        if row is not None and f not in _stop():
            return [(k, 1.0) for k in index().payload[row]]
    for f in forms:  # "systemic rituximab", "folic acid supplements"
        bare = _bare(f)
        bare = _synonyms().get(bare, bare)  # "l-thyroxine treatment"
        if bare != f and bare in rows and bare not in _stop():
            return [(k, BARE_SCORE) for k in index().payload[rows[bare]]]
    for f in forms[:2]:  # "temozolamide": one misspelt word, corrected
        fixed = speller().correct(f)
        if fixed in rows and fixed not in _stop():
            return [(k, FUZZY_CAP) for k in index().payload[rows[fixed]]]
    out: List[Tuple[str, float]] = []
    for f in forms[:2]:
        for row, score in index().query(f, 5, MIN_SCORE):
            if abs(len(index().names[row]) - len(f)) <= MAX_LENGTH_GAP:  # a misspelling, not another drug
                out += [(k, min(round(score, 3), FUZZY_CAP)) for k in index().payload[row]]
    out.sort(key=lambda h: -h[1])
    seen = set()
    return [h for h in out if not (h[0] in seen or seen.add(h[0]))]
