"""Segmentation of normalised eligibility text into a criteria tree.

Pure Python and regexes over the text's own layout (lines, markers,
indentation, headings), cheap enough for whole-registry runs: no spaCy here.

Input is a `NormalizedText`; `segment` returns one `Segment` per criterion, in
document order (a parent before its children).  ``Segment.body`` is the span
in the normalised text of the criterion's own words (marker, children and
trailing whitespace excluded; it may span wrapped lines); the Criterion's
``start``/``end``/``text`` are the same span in the ORIGINAL text.

Sections
    Headings from ``resources/sections.jsonl`` ("Inclusion Criteria:", "Key
    Exclusion Criteria", "EXCLUSION CRITERIA", "Exclusion criteria include:",
    the old NCI "DISEASE CHARACTERISTICS:", "PATIENT CHARACTERISTICS:", "PRIOR
    CONCURRENT THERAPY:", "--Disease Characteristics--", "PROTOCOL ENTRY
    CRITERIA:"), also behind a marker ("- INCLUSION CRITERIA:") or Markdown
    emphasis.  NCI-style headings are inclusion.  Text before any heading is
    inclusion with ``section`` None.  A heading may carry a cohort ("Inclusion
    Criteria for Cohort A:", "EXCLUSION CRITERIA - DONOR:"): it then also opens
    a top-level cohort group.  "Inclusion criteria: age >= 18" keeps the text
    after the colon as an item.
Items
    A line starting with a marker: numbered ``1.`` ``1)`` ``(1)`` ``1.2`` (up to
    three digits; ``100.`` only right after an item ``99.``, so wrapped text is safe),
    lettered ``a.`` ``(b)`` ``A)``, roman ``i.`` ``(ii)`` (``i``/``v``/``x``
    after ``h``/``u``/``w`` are letters), bulleted ``*`` ``-`` ``•`` ``o`` ``+``
    ``▪``.  Nesting follows indentation; at equal indentation a different marker
    type under an item that ends with ":" (or under a label) is a child, the same
    type a sibling.  Lines without a blank line before them continue the item
    above (hard wraps of any indentation); after a blank line, a line indented
    to the item's text column is a further paragraph of that item.
Paragraphs
    Unmarked text is read a paragraph at a time: one item per sentence
    (abbreviations "e.g.", "i.e.", "vs.", "Dr.", "approx.", initials and
    decimals do not end a sentence).  A paragraph ending in ":" that introduces
    a list is a note ("Subjects with any of the following exclusion criteria
    were not eligible for this trial:"), except in an inclusion section when it
    asks for "one of the following" / "at least one of": it is then an item with
    logic ``any`` whose children are the list below it.  "Note: ..." is a note.
Labels
    A short unmarked line ending in ":" ("Age:", "Hepatic:", "Patients must
    have:", "Excluded:"), or a short line with no final punctuation right
    above a deeper list ("Biologic therapy"), is a group (role ``group``,
    ``number`` None) over what follows; a label right under another label nests
    in it ("Concurrent Medication:" > "Excluded:").  A sub-heading standing alone
    above a list at its own indentation ("Medical Conditions", "Age",
    "Obesity-related", "[Expansion Part]": capitalised, no final punctuation, no
    comparison, title case or no verb-shaped word) is a group too, as is a title-case
    line right above the next item ("Prior/Concomitant Therapy" between items 6 and
    7, indented under 6 or not): it is never glued onto the item before it, and the
    items under it keep their source numbers ("7.", "8.", ...).  A label or note that says
    "excluded" / "not eligible" makes its subtree (a top-level note: the rest of
    the section) exclusion; one that says "must have" / "required", inclusion.
Cohorts
    Headers such as "Inclusion criteria only for B-ALL:", "Cohort A:", "Part 2
    (dose expansion):", "For patients with prostate cancer:", "Criteria for
    children ...:", "DONOR:" are groups whose descendants get ``cohort`` ("B-ALL",
    "Cohort A", "Part 2", "prostate cancer", "DONOR"); "Common inclusion
    criteria for B-ALL and B-NHL", "All patients" give cohort None.
Logic
    A criterion with children has logic ``any`` when its own words say "one of
    the following", "any of the following", "at least one of", "one or more
    of", "either"; else ``all``.  A line "OR" between two items makes an ``any``
    group (role ``group``, text "OR") holding both ("A / OR / B / OR / C": one
    group of three); "AND" lines are dropped (the
    default).  Leaves have logic None.  Exclusion items are each their own
    reason to exclude: an exclusion preamble is a note, not an ``any`` group.

Ids
    ``inc.N`` / ``exc.N``: the N-th top-level item or group of that kind, in
    order (notes do not count); ``<parent id>.M``: the M-th child (notes do not
    count); notes are ``inc.noteK`` / ``exc.noteK`` at top level and
    ``<parent id>.noteK`` below.  So in the seed trial the B-ALL group is
    ``inc.1``, its item 3 ``inc.1.3``, that item's second child ``inc.1.3.2``,
    and exclusion item 8 ``exc.8``.  Ids depend only on the text.

Limits
    Every walk is iterative (any depth).  Nodes below depth 1,000 hang beside
    the node at depth 999, so ids stay bounded and the work linear in the input
    (``python bench/bench_segment.py --scaling`` times growing inputs of each
    layout).

Known gaps: "two of the following" (n-of-m) and "none of the following" are
read as ``all``; a label that says "Allowed:" stays inclusion; a list whose
nesting is shown only by numbering restarts with no indentation change and no
":" above it stays flat.

Layout of the package: ``patterns`` (data and regexes), ``headings`` (section headings), ``lines`` (line
classification), ``labels`` (cohort names, kind hints), ``tree`` (nodes and attachment), ``build`` (the main loop,
one handler per kind of line), ``flat`` (run-together NCI text), ``emit`` (ids and output).
"""

from __future__ import annotations

from typing import List

from ..normalize import NormalizedText
from .build import Builder
from .emit import Segment, emit

__all__ = ["Segment", "segment"]


def segment(nt: NormalizedText) -> List[Segment]:
    """The criteria of normalised text `nt`, parents before children (see module doc)."""
    if not nt.text.strip():
        return []
    return emit(Builder(nt.text).build(), nt)
