"""Misspelt words of a mention, corrected to a word of a vocabulary's names.

Criteria misspell condition and drug words ("osteopososis", "pneumthorax", "heamatological",
"neuromuscular desease", "temozolamide"), and the character 3-gram neighbours of `ngrams` miss most of them:
a one-letter slip changes three of a short word's 3-grams (cosine 0.6-0.79, under the fuzzy threshold).
A word is corrected only where the slip is unambiguous:

* the word is unknown: no word of the vocabulary's names, nor an English word (resources/english_words.txt.gz);
* it has at least `MIN_LENGTH` letters, and exactly one word of the names lies one edit away (a letter
  inserted, dropped, changed, or two neighbours swapped: optimal string alignment distance 1), starting
  with the same letter.

The corrected form is then looked up exactly like the mention; what it finds is a guess, scored as a
fuzzy neighbour (under the screening threshold), never a sure code.  Candidates are the unknown word's
one-letter edits found among the names' words (as in Norvig's spelling corrector): no table to build.
"""

from __future__ import annotations

from functools import lru_cache
from typing import FrozenSet, Iterable, List, Optional

#: shortest word corrected (a slip in a short word often makes another word: "ileus" / "ileum")
MIN_LENGTH = 6


class Speller:
    """Corrects unknown words to the one word of `words` one edit away."""

    def __init__(self, words: Iterable[str], known: FrozenSet[str]):
        self.words = frozenset(w for w in words if len(w) >= MIN_LENGTH - 1 and w.isalpha())
        self.known = known

    def word(self, word: str) -> Optional[str]:
        """The one word of the vocabulary one edit from an unknown `word`, or None."""
        if len(word) < MIN_LENGTH or word in self.words or word in self.known or not word.isalpha():
            return None
        found = {w for w in _edits(word) if w in self.words}
        return next(iter(found)) if len(found) == 1 else None

    def correct(self, form: str) -> Optional[str]:
        """The normalised form with its misspelt words corrected; None where no word changes."""
        words = form.split(" ")
        fixed = [self.word(w) or w for w in words]
        return " ".join(fixed) if fixed != words else None


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _edits(word: str) -> set:
    """The words one edit from `word` that keep its first letter: a letter dropped, swapped with its
    neighbour, changed or inserted (as in Norvig's spelling corrector)."""
    head, tail = word[0], word[1:]
    splits = [(tail[:i], tail[i:]) for i in range(len(tail) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS if c != b[0]}
    out |= {a + c + b for a, b in splits for c in _LETTERS}
    return {head + w for w in out}


@lru_cache(maxsize=1)
def english() -> FrozenSet[str]:
    from ..glue import english as words

    return words()


def words_of(names: Iterable[str]) -> List[str]:
    """The words of normalised names."""
    return [w for n in names for w in n.split(" ")]
