"""Score `critparse.constraints.extract` against LCT's human comparison events.

LCT (Leaf Clinical Trials corpus, BRAT standoff) annotates every numeric
comparison as an event ``E19 Eq-Comparison:T34 Operator:T19 Value:T28
[Value2:T..] [Unit:T..] [Per:T..] [Temporal-Unit:T..]`` whose arguments are
text-bound spans (``Eq-Operator``, ``Eq-Value``, ``Eq-Unit``,
``Eq-Temporal-Unit``).  This module turns both sides into *bounds*
``(start, end, value, op, unit)`` on the original document text and matches
them.

Gold bounds (one Eq-Comparison event):

* events without a ``Value`` (``previously``, ``first``) are not numeric
  thresholds and are skipped; only the first ``Operator`` is read;
* value: the Eq-Value text as a float (digits with thousands commas, number
  words "one".."twenty", Roman numerals I..X); an unreadable value stays
  ``None`` (the bound still counts as gold and can only be found by span);
* operator: the Eq-Operator text, normalised with `critparse.normalize` (so
  ``≥`` reads ``>=``) and looked up in ``resources/comparators.jsonl`` (any
  position, plus the ``range`` and ``temporal`` rows); no operator means
  ``=``, except a time window written without one ("in the past 3 months",
  "during the previous 90 days": "last/past/previous/prior/preceding/recent"
  right before the value), which reads ``<=`` as the extractor reads it (LCT
  annotates "within 3 months" with operator "within" but "past 3 months" with
  none; both mean the same window); an operator the table lacks is ``None``
  (never equal to a prediction);
* two or more values (``Value2``.. or a repeated ``Value`` role) make a range:
  two bounds, ``>=`` the smallest value and ``<=`` the largest, whatever the
  operator text (``-``, ``to``, ``between``, ``~``, ``or``);
* unit: the original text from the first to the last of the Unit / Per /
  Unit2 / Temporal-Unit spans (so ``μmol`` + ``L`` reads ``μmol/L``; a ``/``
  just before the unit is included: ``/mm3``), normalised and passed through
  `critparse.units.to_ucum`; relative units (``ULN``, "upper limit of normal",
  "normal") become ``xULN`` / ``xLLN``.  A unit text `to_ucum` cannot read
  ("stage", "grade", "cigarettes") is compared as ``None`` -- no UCUM unit,
  which is what the extractor reports for scales and counts.

Predicted bounds: each document's ``.txt`` is normalised, ``extract`` runs on
each line of the normalised text, and every constraint span is mapped back to
the original with `NormalizedText.to_original`.  The predicted unit is the unit
*as written* (``to_ucum(unit_text)``, ``%``, or ``xULN``/``xLLN`` for
``relative_to``), not one the extractor inferred (``age >= 18`` with no word
"years" has unit ``None`` on both sides).  Constraints that share a threshold
over a list ("ALT and AST <= 3 x ULN": one gold comparison) are collapsed: two
predictions with the same (value, op, unit) and the same end offset count once.

Matching is one-to-one and greedy in document order: a gold bound is *found*
by the first still-unmatched prediction whose span overlaps the gold
Eq-Comparison span and whose key agrees.  Keys:

* ``triple``: (value, op, unit) all equal -- the headline figure;
* ``span``: overlap only (a comparison was detected there);
* ``value``, ``op``, ``unit``: that one component equal.

For each key, precision = matched predictions / predictions, recall = found
gold bounds / gold bounds, F1 their harmonic mean (micro, over all documents).
"""

from __future__ import annotations

import io
import re
import tarfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from .metrics import PRF
from .. import resources, units
from ..constraints import extract
from ..normalize import normalize

KEYS = ("triple", "span", "value", "op", "unit")

# (start, end, value, op, unit)
Bound = Tuple[int, int, Optional[float], Optional[str], Optional[str]]


@dataclass
class LctScores:
    docs: int = 0
    scores: Dict[str, PRF] = field(default_factory=lambda: {k: PRF() for k in KEYS})
    unmapped_ops: Counter = field(default_factory=Counter)
    unmapped_units: Counter = field(default_factory=Counter)
    errors: List[Tuple[str, str, Bound]] = field(default_factory=list)  # (doc, "fn"/"fp", bound) for the triple key

    def as_dict(self) -> Dict[str, object]:
        return {"docs": self.docs, **{k: v.as_dict() for k, v in self.scores.items()}}


# ------------------------------------------------------------------ gold --

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
          "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100}


def parse_value(text: str) -> Optional[float]:
    s = normalize(text).text.strip().lower().rstrip(".")
    if s in _WORDS:
        return float(_WORDS[s])
    if s in _ROMAN:
        return float(_ROMAN[s])
    s2 = s.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", s2):
        s2 = s2.replace(",", "")
    elif re.fullmatch(r"\d{1,3},\d{1,2}", s2):  # decimal comma: "18,5"
        s2 = s2.replace(",", ".")
    try:
        return float(s2)
    except ValueError:
        return None


def _op_table() -> Dict[str, str]:
    table: Dict[str, str] = {}
    for row in resources.read_jsonl("comparators.jsonl"):
        if "phrase" in row and row.get("op"):
            table.setdefault(" ".join(normalize(row["phrase"]).text.lower().split()), row["op"])
    return table


_OPS: Optional[Dict[str, str]] = None


def map_op(text: Optional[str]) -> Optional[str]:
    """ASCII operator of an operator as written (None if the table lacks it)."""
    global _OPS
    if _OPS is None:
        _OPS = _op_table()
    if text is None:
        return "="
    key = " ".join(normalize(text).text.lower().split())
    return _OPS.get(key) or _OPS.get(key.replace(" ", ""))


_REL = re.compile(r"^(?:x\s*)?(?:uln|unl|upper\s+limits?(?:\s+of)?(?:\s+the)?(?:\s+normal)?|normal\s+upper\s+limit|"
                  r"maximum\s+normal\s+value|highest\s+reference\s+value|normal|n)$", re.I)


def map_unit(text: Optional[str]) -> Optional[str]:
    """Comparable unit: UCUM code, 'xULN'/'xLLN', or None (no unit / not a UCUM unit)."""
    if not text:
        return None
    t = " ".join(normalize(text).text.split())
    if re.match(r"^(?:x\s*)?(?:lln|lower\s+limits?\s+of\s+(?:the\s+)?normal)$", t, re.I):
        return "xLLN"
    if _REL.match(t):
        return "xULN"
    return units.to_ucum(t)


# a time window written without an operator word: "(in|for|during) the last/past/previous N <unit>"
_WINDOW = re.compile(r"\b(?:last|past|previous|prior|preceding|recent)\s+$", re.I)


def _spans(mid: str) -> Tuple[str, int, int]:
    label, rest = mid.split(" ", 1)
    nums = [int(x) for x in re.findall(r"\d+", rest)]
    return label, min(nums), max(nums)


def gold_bounds(ann: str, text: str, stats: Optional[LctScores] = None) -> List[Bound]:
    """Gold bounds of one document (see the module docstring)."""
    tb: Dict[str, Tuple[str, int, int, str]] = {}
    events = []
    for line in ann.splitlines():
        if line.startswith("T"):
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            label, s, e = _spans(parts[1])
            tb[parts[0]] = (label, s, e, parts[2] if len(parts) > 2 else text[s:e])
        elif line.startswith("E"):
            parts = line.split("\t")
            if len(parts) >= 2:
                events.append(parts[1].split())
    out: List[Bound] = []
    for args in events:
        if not args or not args[0].startswith("Eq-Comparison:"):
            continue
        trig = tb.get(args[0].split(":", 1)[1])
        roles: Dict[str, str] = {}
        value_refs: List[str] = []
        for a in args[1:]:
            if ":" in a:
                role, ref = a.split(":", 1)
                if re.fullmatch(r"Value\d*", role) and ref in tb:
                    value_refs.append(ref)
                roles.setdefault(role, ref)
        if trig is None or not value_refs:
            continue
        cs, ce = trig[1], trig[2]
        values = [parse_value(tb[r][3]) for r in value_refs]
        op_text = tb[roles["Operator"]][3] if roles.get("Operator") in tb else None
        op = map_op(op_text)
        if op_text is None and _WINDOW.search(text, max(0, cs - 30), tb[value_refs[0]][1]):
            op = "<="  # "in the past 3 months": a window, read as the extractor reads it
        if op is None and stats is not None and len(values) == 1:
            stats.unmapped_ops[op_text] += 1
        uspans = [tb[roles[r]] for r in ("Unit", "Per", "Unit2", "Per2", "Temporal-Unit") if roles.get(r) in tb]
        unit = None
        if uspans:
            us, ue = min(u[1] for u in uspans), max(u[2] for u in uspans)
            if us > 0 and text[us - 1] == "/":
                us -= 1
            utext = text[us:ue]
            unit = map_unit(utext)
            if unit is None and stats is not None:
                stats.unmapped_units[utext] += 1
        if len(values) > 1:
            vals = [v for v in values if v is not None]
            out.append((cs, ce, min(vals) if vals else None, ">=", unit))
            out.append((cs, ce, max(vals) if vals else None, "<=", unit))
        else:
            out.append((cs, ce, values[0], op, unit))
    return sorted(out, key=lambda b: (b[0], b[1]))


# ------------------------------------------------------------ predicted --

def _pred_unit(c: Dict[str, object]) -> Optional[str]:
    if c.get("relative_to"):
        return f"x{c['relative_to']}"
    if c.get("unit_text"):
        return units.to_ucum(str(c["unit_text"])) or (c.get("unit") if c.get("unit") else None)  # type: ignore[return-value]
    if c.get("unit") == "%":
        return "%"
    return None


def predicted_bounds(text: str) -> List[Bound]:
    """Predicted bounds of one document: `extract` per normalised line, offsets in `text`."""
    nt = normalize(text)
    out: List[Bound] = []
    seen = set()
    pos = 0
    for line in nt.text.split("\n"):
        for c in extract(line):
            s, e = nt.to_original(pos + int(c["start"]), pos + int(c["end"]))  # type: ignore[arg-type]
            b = (s, e, float(c["value"]), str(c["op"]), _pred_unit(c))  # type: ignore[arg-type]
            key = (e, b[2], b[3], b[4])
            if key in seen:  # a list sharing one threshold: one comparison
                continue
            seen.add(key)
            out.append(b)
        pos += len(line) + 1
    return sorted(out, key=lambda b: (b[0], b[1]))


# --------------------------------------------------------------- scoring --

def _key(b: Bound, k: str):
    if k == "triple":
        return (b[2], b[3], b[4])
    if k == "span":
        return ()
    return {"value": b[2], "op": b[3], "unit": b[4]}[k]


def _agree(g: Bound, p: Bound, k: str) -> bool:
    if not (p[0] < g[1] and g[0] < p[1]):
        return False
    kg, kp = _key(g, k), _key(p, k)
    if k == "value":
        return kg is not None and kp is not None and abs(kg - kp) < 1e-9  # type: ignore[operator]
    if k == "triple":
        return g[2] is not None and p[2] is not None and abs(g[2] - p[2]) < 1e-9 and g[3] == p[3] and g[4] == p[4]
    if k == "op":
        return kg is not None and kg == kp
    return kg == kp


def match(gold: Sequence[Bound], pred: Sequence[Bound], key: str) -> Tuple[List[int], List[int]]:
    """Indices of found gold bounds and of matched predictions (one-to-one, greedy)."""
    used = set()
    found = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            if j not in used and _agree(g, p, key):
                used.add(j)
                found.append(i)
                break
    return found, sorted(used)


def score_document(name: str, text: str, ann: str, scores: LctScores) -> None:
    gold = gold_bounds(ann, text, scores)
    pred = predicted_bounds(text)
    scores.docs += 1
    for k in KEYS:
        found, used = match(gold, pred, k)
        prf = scores.scores[k]
        prf.tp_r += len(found)
        prf.tp_p += len(used)
        prf.n_gold += len(gold)
        prf.n_pred += len(pred)
        if k == "triple":
            fs, us = set(found), set(used)
            scores.errors += [(name, "fn", g) for i, g in enumerate(gold) if i not in fs]
            scores.errors += [(name, "fp", p) for j, p in enumerate(pred) if j not in us]


def iter_documents(path: Union[str, Path]) -> Iterator[Tuple[str, str, str]]:
    """(name, text, ann) for each NCT*.txt/.ann pair of an LCT tar.gz or folder, sorted by path."""
    path = Path(path)
    if path.is_dir():
        for txt in sorted(path.rglob("*.txt")):
            ann = txt.with_suffix(".ann")
            if ann.exists():
                yield str(txt.relative_to(path)), txt.read_text(encoding="utf-8"), ann.read_text(encoding="utf-8")
        return
    with tarfile.open(path, "r:*") as tf:
        members = {m.name: m for m in tf.getmembers() if m.isfile()}
        for name in sorted(members):
            if not name.endswith(".txt"):
                continue
            ann_name = name[:-4] + ".ann"
            if ann_name not in members:
                continue
            t = tf.extractfile(members[name]).read().decode("utf-8")  # type: ignore[union-attr]
            a = tf.extractfile(members[ann_name]).read().decode("utf-8")  # type: ignore[union-attr]
            yield name, t, a


def evaluate(path: Union[str, Path], limit: Optional[int] = None) -> LctScores:
    """Micro P/R/F1 over the first `limit` documents (all by default)."""
    scores = LctScores()
    for i, (name, text, ann) in enumerate(iter_documents(path)):
        if limit is not None and i >= limit:
            break
        score_document(name, text, ann, scores)
    return scores


def render(scores: LctScores, title: str = "LCT comparison scores"):
    from rich.table import Table

    labels = {"triple": "(value, op, unit)", "span": "span overlap only", "value": "value", "op": "op", "unit": "unit"}
    t = Table(title=f"{title} ({scores.docs} documents)")
    for col in ("match on", "P", "R", "F1", "found gold", "gold", "predicted"):
        t.add_column(col, justify="left" if col == "match on" else "right")
    for k in KEYS:
        s = scores.scores[k]
        t.add_row(labels[k], f"{s.p:.3f}", f"{s.r:.3f}", f"{s.f:.3f}", str(s.tp_r), str(s.n_gold), str(s.n_pred))
    return t
