"""medspaCy's ConText as a serialisable component (factory ``critparse_context``).

medspaCy's own ``medspacy_context`` reads its rules from a file path given in
its config, or takes them through ``add()``, and saves none of them: a
pipeline saved with ``to_disk`` reloads without rules.  This subclass keeps the
rules with the pipeline, in the way spaCy's ``SpanRuler`` keeps its patterns:

* ``initialize(rules=...)`` loads rule dicts (default: critparse's
  ``resources/context_rules.json``, also registered as
  ``critparse.context_rules.v1`` for ``[initialize.components]`` configs);
* ``to_disk``/``from_disk`` (and the ``_bytes`` pair) write and read them as
  ``rules.json`` with the top-level key ``context_rules`` (medspaCy's format).

This module imports medspaCy; `components` imports it only when the factory
runs, so that registering the factories stays cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

import srsly
from spacy.language import Language

from .deferred import defer

defer("nltk")  # medspaCy -> QuickUMLS -> NLTK: ~2 s of imports for code critparse never runs
from medspacy.context import ConText, ConTextRule  # noqa: E402

RULES_FILE = "rules.json"


class CritparseContext(ConText):
    """ConText whose rules travel with the pipeline (`to_disk`/`from_disk`)."""

    def __init__(self, nlp: Language, name: str = "medspacy_context", **cfg: Any):
        self._cfg = dict(cfg)
        super().__init__(nlp, name=name, rules=None, **cfg)

    def __call__(self, doc):
        doc = super().__call__(doc)
        if doc.ents:
            _recut_negations(doc)
        return doc

    def _reset(self) -> None:
        """Drop every rule (medspaCy's matcher has no `clear`: build it anew)."""
        ConText.__init__(self, self.nlp, name=self.name, rules=None, **self._cfg)

    def rule_dicts(self) -> List[Dict[str, Any]]:
        """The rules as plain dicts (medspaCy's JSON form)."""
        return [r.to_dict() for r in self.rules]

    def set_rules(self, rules: Iterable[Dict[str, Any]]) -> None:
        """Replace the rules with `rules` (dicts in medspaCy's JSON form)."""
        self._reset()
        self.add([ConTextRule.from_dict(dict(r)) for r in rules])

    def initialize(self, get_examples: Optional[Callable[[], Iterable[Any]]] = None, *,
                   nlp: Optional[Language] = None, rules: Optional[List[Dict[str, Any]]] = None) -> None:
        """Load `rules` (default: critparse's shipped ConText rules)."""
        if rules is None:
            from .components import context_rule_dicts

            rules = context_rule_dicts()
        self.set_rules(rules)

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return srsly.json_dumps({"context_rules": self.rule_dicts()}).encode("utf-8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "CritparseContext":
        self.set_rules(srsly.json_loads(data)["context_rules"])
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / RULES_FILE, {"context_rules": self.rule_dicts()})

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> "CritparseContext":
        self.set_rules(srsly.read_json(Path(path) / RULES_FILE)["context_rules"])
        return self


def _recut_negations(doc) -> None:
    """Entity negation by the same scope rules the constraints get (`critparse.negation`): a trigger inside a
    comparator broken across lines negates nothing ("SGPT no\\r\\n greater than 5 times ULN if liver metastases
    present"); a "non" prefix, "without", a bracketed trigger and a scope running into an inline sub-heading are
    cut (`negation.cut_scopes`).  An entity stays negated only where a cut scope still covers it."""
    from ..negation import NEGATION_CATEGORY, broken_pseudo_spans, cut_scopes
    from .components import char_scope

    text = doc.text
    void = broken_pseudo_spans(text)
    for ent in doc.ents:
        if not ent._.is_negated:
            continue
        scopes = [sc for m in ent._.modifiers if m.category.upper() == NEGATION_CATEGORY
                  for sc in [char_scope(doc, m)]
                  if sc is not None and not any(ps <= sc[0] and sc[1] <= pe for ps, pe in void)]
        cut, _tails = cut_scopes(text, scopes)
        if not any(ss < ent.end_char and ent.start_char < se for _a, _b, ss, se in cut):
            ent._.is_negated = False
