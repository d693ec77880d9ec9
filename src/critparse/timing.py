"""Time windows that run after enrolment.

"AZT may not be administered during the first 3 weeks of foscarnet therapy", "chemotherapy during the first 6
months of the study", "use contraception for at least 120 days after the last dose": the window is a study
rule or a commitment, not a fact of the patient's history, so it cannot be tested against how long ago the
patient last had the drug or event.  `looks_forward` tells such a window from a look-back window ("within 4
weeks of study entry", "at least 4 weeks after the last dose of prior chemotherapy") by the words right
before its number and right after its unit (resources/timing_words.toml).  Constraints it finds carry
`Constraint.future`; the trial logic reads them as text that data alone cannot decide.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from typing import Dict, Optional

from . import resources
from .subjects import TIME_UNITS

_REACH = 40  # characters looked at before the number


@lru_cache(maxsize=1)
def _patterns() -> Dict[str, "re.Pattern[str]"]:
    words = tomllib.loads(resources.read_text("timing_words.toml"))
    one = {k: re.compile("|".join(v) if isinstance(v, list) else v, re.I) for k, v in words.items()}
    return one


def looks_forward(text: str, number_start: int, unit_end: int, unit: Optional[str]) -> bool:
    """Does the time window whose number starts at `number_start` and whose unit ends at `unit_end` in
    `text` run after enrolment?  "the next N", "the first N of the study", or a commitment's "for / through /
    within N" after a study event ("after the last dose"), or a study period named by its length ("during the
    26-week treatment period"), or how long one is available for the follow-up ("Available for follow-up for at
    least 6 months"), not a washout after a prior therapy."""
    if unit not in TIME_UNITS:
        return False
    p = _patterns()
    before, rest = text[max(0, number_start - _REACH):number_start], text[unit_end:unit_end + 120]
    if p["next"].search(before) or p["follow_up_before"].search(text, max(0, number_start - 100), number_start):
        return True
    if p["first"].search(before):
        return bool(p["first_of"].match(rest))
    if p["period_before"].search(before) and p["period_after"].match(rest):
        return True  # "during the 26-week treatment period": a part of the study, named by its length
    return bool(p["commitment"].search(before) and p["after_anchor"].match(rest) and not p["washout"].match(rest))
