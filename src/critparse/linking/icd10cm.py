"""Conditions -> ICD-10-CM, from the CMS tabular list shipped by `simple-icd-10-cm`.

Names indexed for each category and subcategory (chapters, blocks and the
7th-character extensions of injury codes are left out): its description, its
inclusion terms, its "includes" notes, each also without the parenthesised
nonessential modifiers and without a suffix that names the same condition
(", not elsewhere classified", ", site not specified"), plus the extra index terms of
``resources/icd10cm_terms.csv``.  A name written "X NOS" or "X, unspecified"
is *generic*: it stands for the highest ancestor whose title still begins with
it (``Epilepsy NOS`` on G40.909 -> G40 "Epilepsy and recurrent seizures"), which
is what a mention as general as "epilepsy" means and what the code hierarchy
tests (G40.909, G40.109 ... all descend from G40).

Matching: the normalised mention (and its singular, and its expansion) looked
up exactly; else the nearest names by character 3-gram TF-IDF cosine, kept
above `MIN_SCORE` (scored at most `FUZZY_CAP`, below the head-word score, so that screening never
takes a fuzzy neighbour for a sure code; none for a form that starts with a negation: "non smokers").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from .. import resources
from . import spelling
from .forms import condition_forms, condition_words, heads
from .names import norm, singulars, strip_parens
from .ngrams import NgramIndex, cached

SYSTEM = "http://hl7.org/fhir/sid/icd-10-cm"
#: cosine below which a fuzzy candidate is not a code for the mention
MIN_SCORE = 0.8
#: score of a code found for the mention's head words only
HEAD_SCORE = 0.9
#: highest score a fuzzy neighbour keeps: below HEAD_SCORE, so screening (sure codes, >= 0.9) never uses one
FUZZY_CAP = 0.89
#: a form starting with one of these is the opposite of its nearest names ("non smokers" ~ "smoker"): no fuzzy
_NEGATED = re.compile(r"^(?:non|not|no|without)\b")
#: bump when the way names are derived from the tabular list changes (a new cache file)
INDEX_FORMAT = 20
#: suffixes that name the same condition without it: "Sacroiliitis, not elsewhere classified" (M46.1),
#: "Urinary tract infection, site not specified" (N39.0)
_SAME = re.compile(r",?\s+(?:not elsewhere classified|NEC)\b|,\s*(?:site|part) (?:unspecified|not specified)$|"
                   r",\s*unspecified (?:site|part)$", re.I)
_NOS = re.compile(r",?\s+\bNOS\b|,\s*unspecified\b.*$", re.I)
_BRACKET = re.compile(r"\s*\[([^\]]+)\]")
_UNSPEC = re.compile(r"^unspecified\s+", re.I)
#: "Fistula, unspecified joint" (M25.10): the word after "unspecified" is a site the condition is of
_SITE = re.compile(r",\s*unspecified\s+([a-z]+)", re.I)

Hit = Tuple[str, float]  # (code, score)


#: how a name came to a code: lower ranks win among codes sharing a name
RANK_TERMS, RANK_NOS, RANK_TITLE, RANK_INCLUSION, RANK_INCLUDES, RANK_BRACKET = range(6)
#: a one-word first part of a title "A and B C" ("Renal and perinephric abscess"): a name only where some other
#: text of the tabular list also has it as a name ("Epilepsy and recurrent seizures"); else "A C" ("renal abscess")
RANK_LONE = 9
#: an inclusion term of a code whose title says the disease it occurs in ("Polyneuropathy" under A69.22 "Other
#: neurologic disorders in Lyme disease"): a name of that code only where no other code has the name
RANK_WITHIN = 8
_IN_DISEASE = re.compile(r"\b(?:in|due to)\s+(?!diseases classified elsewhere)\w", re.I)


def _variants(text: str, rank: int) -> List[Tuple[str, bool, int]]:
    """(normalised name, generic, rank) for one tabular text."""
    out: List[Tuple[str, bool, int]] = []
    if _SAME.search(text):
        out += _variants(_SAME.sub("", text), rank)
    generic = bool(_NOS.search(text))
    base = _NOS.sub("", text)
    for m in _BRACKET.finditer(base):  # "[AIDS]": an abbreviation of the same thing
        before, after = base[:m.start()], base[m.end():]
        if _english_eponym(m.group(1)):  # '[Kawasaki]': "kawasaki disease", "kawasaki syndrome", never "kawasaki"
            out += [(f"{norm(m.group(1))} {head}", generic, RANK_BRACKET) for head in ("disease", "syndrome")]
        elif not _qualifies_a_word(m.group(1), before, after) and not _part_acronym(m.group(1), before, after):
            out.append((norm(m.group(1)), generic, RANK_BRACKET))
    base = _BRACKET.sub("", base)
    if _UNSPEC.match(base):  # "Unspecified dementia" -> "dementia", generic
        base, generic = _UNSPEC.sub("", base), True
    for t in {base, strip_parens(base)}:
        n = norm(t)
        if n:
            out.append((n, generic, RANK_NOS if generic else rank))
    words = norm(strip_parens(base)).split(" ")
    if rank == RANK_TITLE and "and" in words and "of" not in words and len(words) <= 5:
        parts = _title_parts(words)
        lone = [p for p in parts[:-1] if " " not in p] if len(parts) > 1 and " " in parts[-1] else []
        head = " ".join(parts[-1].split(" ")[1:]) if lone else ""
        out += [(part, generic, RANK_LONE if part in lone else RANK_INCLUDES) for part in parts]
        out += [(f"{part} {head}", generic, RANK_INCLUDES) for part in lone]
    return out


def _title_parts(words: List[str]) -> List[str]:
    """The conditions a title "A and B" names: "Syncope and collapse" -> syncope, collapse; a one-word
    modifier shares the last part's head ("Cardiovascular and cerebrovascular syphilis" ->
    "cardiovascular syphilis", "Acute and chronic respiratory failure" -> "acute respiratory failure") and
    "Other and unspecified X" names no "other"; the first part's leading words go to a one-word later
    part ("Eustachian salpingitis and obstruction" -> "eustachian obstruction"); a title whose first and
    last parts both have several words is not split ("Hereditary motor and sensory neuropathy" does not
    name "sensory neuropathy")."""
    parts = " ".join(words).split(" and ")
    last = parts[-1].split(" ")
    lead = parts[0].split(" ")[:-1]  # "Eustachian salpingitis and obstruction": a Eustachian obstruction
    if lead and len(last) > 1:  # "Hereditary motor and sensory neuropathy": where each part ends is unsure
        return []
    out = []
    for part in parts:
        if part is not parts[0] and " " not in part and lead:
            out.append(" ".join(lead + [part]))
        elif part is parts[-1] or not is_modifier(part.split(" ")[-1]):
            out.append(part)
        elif len(last) > 1 and part not in ("other", "unspecified"):  # "other obstructive" + " uropathy"
            out.append(" ".join([part] + last[1:]))
    return out


def is_modifier(word: str) -> bool:
    """An adjective-like word of a title (resources/condition_words.csv: modifier words and endings)."""
    return word in condition_words("modifier") or any(
        word.endswith(s) and len(word) > len(s) + 3 for s in condition_words("modifier suffix"))




def _part_acronym(bracket: str, before: str, after: str) -> bool:
    """'Inconclusive laboratory evidence of human immunodeficiency virus [HIV]' (R75), 'Severe combined
    immunodeficiency [SCID] with reticular dysgenesis', 'Adenosine deaminase [ADA] deficiency': an acronym that
    spells only part of the name (it does not start where the name starts, or words other than generic ones follow
    it) is not a name of the code ('Human immunodeficiency virus [HIV] disease' B20 and 'Acute lymphoblastic
    leukemia [ALL]' keep theirs); nor is a gloss of a word in the middle of the name ('Anogenital herpesviral
    [herpes simplex] infections': "herpes simplex" is B00, not A60)."""
    words = norm(strip_parens(before)).split(" ")
    rest = [w for w in norm(_BRACKET.sub("", after)).split(" ") if w]
    if any(ch.islower() for ch in bracket):  # 'Anogenital herpesviral [herpes simplex] infections' (A60): mid-name
        return len(words) > 1 and bool(rest)
    starts = bool(words[0]) and bracket.lstrip()[:1].lower() == words[0][:1]
    return not starts or any(w not in condition_words("generic") for w in rest)


def _english_eponym(bracket: str) -> bool:
    """An eponym in brackets that is also an English word ('[Burns]' M92.1, '[Sweet]', '[Baker]', '[Kawasaki]'):
    alone it names the English word ("burns" was M92.1, juvenile osteochondrosis of radius, at 1.0), so only
    "<eponym> disease" and "<eponym> syndrome" name the code."""
    from ..glue import english

    return " " not in bracket and bracket[:1].isupper() and not bracket.isupper() and bracket.lower() in english()


def _qualifies_a_word(bracket: str, before: str, after: str) -> bool:
    """'Deficiency of factor VII [stable]', 'Retained [persistent] primary tooth': one lower-case English word
    in brackets glosses the word before it, not the condition (unlike 'Varicella [chickenpox]', the whole
    name): not a name of the code."""
    from ..glue import english

    one_word = " " not in bracket and bracket == bracket.lower() and bracket in english()
    return one_word and (len(before.split()) > 1 or bool(after.strip(" ,")))


def _order(code: str, rank: int) -> tuple:
    # pregnancy (O) and perinatal (P) codes only where nothing else has the name
    return (code[0] in "OP", rank, len(code), code)


def _title_name(title: str) -> str:
    return norm(strip_parens(_BRACKET.sub("", _UNSPEC.sub("", _NOS.sub("", title)))))


def _climb(code: str, name: str, titles: Dict[str, str], parent) -> str:
    """A generic name's code: up from `code` while the ancestor's title still begins with the name
    ("Epilepsy NOS" on G40.909 -> G40 "Epilepsy and recurrent seizures"; "Acute lymphoblastic
    leukemia NOS" on C91.00 -> C91.0, not C91 "Lymphoid leukemia")."""
    for _ in range(6):  # a code is at most 7 characters: 5 levels above it
        up = parent(code)
        if up == code or up not in titles or not _title_name(titles[up]).startswith(name):
            break
        code = up
    return code


def _names_just(title: str, name: str) -> bool:
    """Does a title name say just the name, or its plural ("Circadian rhythm sleep disorders")?"""
    return title == name or name in singulars(title)


def _tabular() -> Tuple[List[str], List[list], dict]:
    import simple_icd_10_cm as cm

    terms: Dict[str, Dict[str, int]] = {}
    titles: Dict[str, str] = {}
    entries: List[Tuple[str, str, bool, int]] = []
    for code in cm.get_all_codes(True):
        if not cm.is_category_or_subcategory(code) or cm.is_extended_subcategory(code):
            continue
        title = cm.get_description(code)
        titles[code] = title
        within = RANK_WITHIN if _IN_DISEASE.search(title) else RANK_INCLUSION
        texts = [(title, RANK_TITLE)] + [(t, within if not _IN_DISEASE.search(t) else RANK_INCLUSION)
                                         for t in cm.get_inclusion_term(code)]
        texts += [(t, RANK_INCLUDES) for t in cm.get_includes(code)]
        for text, rank in texts:
            site = _SITE.search(text)
            for name, generic, r in _variants(text, rank):
                entries.append((name, code, generic, r, site.group(1).lower() if site else None))
    named = {e[0] for e in entries if e[3] not in (RANK_LONE, RANK_WITHIN)}
    for name, code, generic, rank, site in entries:
        if rank == RANK_LONE and name not in named:
            continue  # "renal" is not N15.1 "Renal and perinephric abscess", "heart" not Z94.3
        if rank == RANK_WITHIN and name in named:
            continue  # "polyneuropathy" is G62.9, not also A69.22 (in Lyme disease)
        rank = min(rank, RANK_INCLUDES)
        target = _climb(code, name, titles, cm.get_parent) if generic else code
        if generic and site and site not in name.split(" ") and not _names_just(_title_name(titles[target]), name):
            continue  # "Fistula, unspecified shoulder": "fistula" is not M25.1 "Fistula of joint", a site it does not say
        slot = terms.setdefault(name, {})
        slot[target] = min(slot.get(target, 99), rank)
    for row in resources.read_csv("icd10cm_terms.csv"):  # an "unspecified" code there means its category
        code = row["code"]
        widen = "unspecified" in titles.get(code, "").lower() and row.get("exact") != "yes"
        target = code.split(".")[0] if widen else code
        terms.setdefault(norm(row["term"]), {})[target] = RANK_TERMS
    names = sorted(terms)
    payload = [[[c, r] for c, r in sorted(terms[n].items(), key=lambda kv: _order(kv[0], kv[1]))] for n in names]
    return names, payload, {"titles": titles}


def _version() -> str:
    from importlib.metadata import version

    return version("simple-icd-10-cm")


@lru_cache(maxsize=1)
def index() -> NgramIndex:
    """The ICD-10-CM name index (built once, then read from the user cache)."""
    import hashlib

    # names come from the tabular, the index terms and the title-splitting words: either file changed, a new index
    data = resources.read_text("icd10cm_terms.csv") + resources.read_text("condition_words.csv")
    extra = hashlib.sha1(data.encode("utf-8")).hexdigest()[:8]
    return cached(f"icd10cm-{_version()}-{INDEX_FORMAT}-{extra}.npz", _tabular)


@lru_cache(maxsize=1)
def _rows() -> Dict[str, int]:
    return {n: i for i, n in enumerate(index().names)}


@lru_cache(maxsize=1)
def speller() -> spelling.Speller:
    """Corrects a misspelt word of a condition mention to a word of the index's names (`spelling`)."""
    return spelling.Speller(spelling.words_of(index().names), spelling.english())


def title(code: str) -> Optional[str]:
    return index().extra["titles"].get(code)


def _exact(name: str) -> List[Hit]:
    row = _rows().get(name)
    if row is None:
        return []
    return [(code, 1.0) for code, _ in index().payload[row]]


@lru_cache(maxsize=1)
def _joined_rows() -> Dict[str, int]:
    """Names written without spaces ("pre eclampsia" -> "preeclampsia"), where that spelling is not a name
    itself and no two names with different codes share it."""
    rows, payload = _rows(), index().payload
    out: Dict[str, int] = {}
    clash = set()
    for name, row in rows.items():
        key = name.replace(" ", "")
        if key == name or key in rows:
            continue
        if key in out and payload[out[key]] != payload[row]:
            clash.add(key)
        out.setdefault(key, row)
    return {k: v for k, v in out.items() if k not in clash}


def _joined(name: str) -> List[Hit]:
    """A name spelled with or without its spaces and hyphens ("preeclampsia" = "pre-eclampsia" O14,
    "co morbidity")."""
    key = name.replace(" ", "")
    row = _rows().get(key)
    if row is None:
        row = _joined_rows().get(key)
    if row is None:
        return []
    return [(code, 1.0) for code, _ in index().payload[row]]


@lru_cache(maxsize=1)
def _exact_only() -> frozenset:
    """Index terms never found fuzzily (resources/icd10cm_terms.csv, fuzzy=no): a histology's code for an unnamed
    site ("neuroblastoma" C74, "carcinoma" C80) is wrong for a mention that names a site ("cerebral neuroblastoma",
    "uterine leiomyosarcoma", "carcinoma of" the site cut off after it)."""
    return frozenset(norm(r["term"]) for r in resources.read_csv("icd10cm_terms.csv") if r.get("fuzzy") == "no")


def _fuzzy(name: str, k: int = 12) -> List[Hit]:
    ix = index()
    hits: List[Hit] = []
    for row, score in ix.query(name, k, MIN_SCORE):
        if ix.names[row] not in _exact_only() and not says_more(ix.names[row], name):
            hits += [(code, min(round(score, 3), FUZZY_CAP)) for code, _ in ix.payload[row]]
    return hits


def says_more(found: str, mention: str) -> bool:
    """Does a fuzzily found name say more than the mention ("episode" -> "manic episode", "peripheral
    sensory neuropathy" -> "hereditary motor and sensory neuropathy", "renal artery stenosis" ->
    "congenital renal artery stenosis")?  Generic words (resources/condition_words.csv) may be added, and
    so may a complement ("avascular necrosis" -> "avascular necrosis of bone") where the mention has
    none, ends in its head word and the found name says that word.  A word is said where the two share their
    first five letters ("erythroleukemia" says "erythroid" and "leukemia")."""
    generic = condition_words("generic")
    m_core, m_rest = _complement(mention)
    f_core, f_rest = _complement(found)
    said = mention.split(" ")
    head = next((w for w in reversed(m_core) if w not in generic), None)
    if head is not None and not any(_same_word(head, w) for w in found.split(" ")):
        return True

    def unsaid(words: List[str]) -> bool:
        return any(w not in generic and not any(_same_word(w, m) for m in said) for w in words)

    open_end = not m_rest and head is not None and m_core[-1] == head  # "avascular necrosis" (+ "of bone")
    return unsaid(f_core) or (not open_end and unsaid(f_rest))


def _complement(name: str) -> Tuple[List[str], List[str]]:
    """("avascular necrosis", "of bone"): the words before and from the first of/with/without/due."""
    words = name.split(" ")
    for i, w in enumerate(words):
        if i and w in ("of", "with", "without", "due"):
            return words[:i], words[i:]
    return words, []


def _same_word(found: str, said: str) -> bool:
    """Does the mention word `said` say the found word: the same stem (first five letters), or the found
    word inside it ("erythroleukemia" says "leukemia"; "cervix" does not say "endocervix"); a word negated by "non" says
    neither its positive nor is said by it."""
    if found.startswith("non") != said.startswith("non"):  # "nonlymphocytic" does not say "lymphocytic"
        return False
    if len(found) < 5 or len(said) < 5:
        return found == said or (min(len(found), len(said)) >= 3 and said.startswith(found))
    return found[:5] == said[:5] or found in said


def candidates(mention: str, expansion: Optional[str] = None, strict: bool = False, spell: bool = True) -> List[Hit]:
    """Codes for a condition mention, best first: the first form with an exact name, else (`spell`) the sure codes
    of the mention with its misspelt words corrected, scored as a fuzzy neighbour, else the nearest names of the
    first forms (`strict`: without the rewrites of scope=narrower)."""
    forms = condition_forms(mention, expansion, strict=strict)
    if not forms:  # nothing left to look up ('\x15', punctuation only)
        return []
    for f in forms:
        hits = _exact(f)
        if hits:
            return _unique(hits)
    for f in forms:
        hits = _joined(f)
        if hits:
            return _unique(hits)
    for head in heads(forms[0]):  # "childhood febrile seizure" -> "febrile seizure"
        for f in condition_forms(head, limit=12, strict=strict):
            hits = _exact(f)
            if hits:
                return _unique([(code, HEAD_SCORE) for code, _ in hits])
    if _NEGATED.match(forms[0]):  # "non smokers" (and its rewrite "smokers of non") is not "smoker"
        return []
    fixed = speller().correct(forms[0]) if spell else None
    if fixed:  # "osteopososis", "neuromuscular desease"
        hits = [(code, FUZZY_CAP) for code, score in candidates(fixed, strict=strict, spell=False) if score >= HEAD_SCORE]
        if hits:
            return hits
    hits: List[Hit] = []
    for f in forms[:4]:
        hits += _fuzzy(f)
    hits.sort(key=lambda h: -h[1])
    return _unique(hits)


def _unique(hits: List[Hit]) -> List[Hit]:
    seen, out = set(), []
    for code, score in hits:
        if code not in seen:
            seen.add(code)
            out.append((code, score))
    return out


def within(code: str, ancestor: str) -> bool:
    """Is `code` the ICD-10-CM code `ancestor` or one of its descendants (dotted or not), or in the range
    `ancestor` names ("C00-C96", `ranges.in_range`)?"""
    if "-" in ancestor:
        from .ranges import in_range

        return in_range(code, ancestor)
    a, c = ancestor.replace(".", "").upper(), code.replace(".", "").upper()
    return bool(a) and c.startswith(a)
