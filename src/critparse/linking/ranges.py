"""Generic condition words that stand for an ICD-10-CM range (resources/icd10cm_ranges.toml).

ICD-10-CM has no code for "a malignancy of any site": the Alphabetic Index codes "malignancy" NOS to C80
(malignant neoplasm without specification of site), and no site code lies within C80, so a patient's
``C50.911`` would never meet "history of malignancy". A mention that is one of the table's generic terms
("malignancy", "cancer", "hematologic malignancies") keeps its code but its code entry also says
``"covers": "C00-C96"`` (a tabular section or block: "Malignant neoplasms (C00-C96)"), and matching tests a
patient code against that range: ``within("C50.911", "C00-C96")``.

Not where the clause sets part of the range apart ("other malignancy", "cancer, except basal cell
carcinoma": `narrows`): there the mention keeps its own code only.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from .. import resources
from .forms import expand
from .names import singulars


@lru_cache(maxsize=1)
def _table() -> dict:
    return tomllib.loads(resources.read_text("icd10cm_ranges.toml"))


@lru_cache(maxsize=1)
def terms() -> Dict[str, Tuple[str, str]]:
    """Normalised generic term -> (range, display)."""
    return {t: (r["range"], r["display"]) for r in _table()["range"] for t in r["terms"]}


def ranges() -> List[str]:
    """Every range of the table ("C00-C96", "C81-C96")."""
    return list(dict.fromkeys(r["range"] for r in _table()["range"]))


def generic(mention: str, expansion: Optional[str] = None) -> Optional[str]:
    """The range a generic mention stands for ("malignancies" -> "C00-C96"), else None: the whole mention
    (or its expansion, or its singular) must be a term of the table ("other malignancy" is not)."""
    t = terms()
    for f in expand(mention, expansion):
        for g in [f] + singulars(f):
            if g in t:
                return t[g][0]
    return None


def is_range(code: str) -> bool:
    return "-" in code


def in_range(code: str, rng: str) -> bool:
    """Is the ICD-10-CM code (dotted or not) in the range "C00-C96" (its 3-character category between the
    ends, as the tabular list orders them: C7A and C7B lie between C75 and C80)?"""
    lo, _, hi = rng.upper().partition("-")
    cat = code.replace(".", "").upper()[:3]
    return len(cat) == 3 and lo <= cat <= hi


def containing(code: str) -> List[str]:
    """The table's ranges a patient code lies in (for the JSON Logic ``condition_codes`` variable)."""
    return [r for r in ranges() if in_range(code, r)]


@lru_cache(maxsize=1)
def _narrowing() -> "re.Pattern[str]":
    words = sorted(_table()["narrowing"]["words"], key=len, reverse=True)
    alt = "|".join(re.escape(w).replace(r"\ ", r"[\s-]+") for w in words)
    return re.compile(rf"(?<![\w-])(?:{alt})(?![\w-])", re.I)


def narrows(clause: str) -> bool:
    """Does the clause set part of a generic term's range apart ("other", "second", "except", ...)?"""
    return bool(_narrowing().search(clause))
