"""Precision / recall / F1 counts shared by the evaluations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict


@dataclass
class PRF:
    """Counts behind P/R/F1. Precision and recall keep their own true-positive
    counts (`tp_p`, `tp_r`) because lenient matching can pair one prediction
    with several gold spans and the other way round."""

    tp_p: int = 0  # predictions counted correct
    n_pred: int = 0
    tp_r: int = 0  # gold items found
    n_gold: int = 0

    @property
    def p(self) -> float:
        return self.tp_p / self.n_pred if self.n_pred else 0.0

    @property
    def r(self) -> float:
        return self.tp_r / self.n_gold if self.n_gold else 0.0

    @property
    def f(self) -> float:
        p, r = self.p, self.r
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: "PRF") -> None:
        self.tp_p += other.tp_p
        self.n_pred += other.n_pred
        self.tp_r += other.tp_r
        self.n_gold += other.n_gold

    def as_dict(self) -> Dict[str, float]:
        return {"p": round(self.p, 4), "r": round(self.r, 4), "f": round(self.f, 4),
                "tp": self.tp_r, "n_gold": self.n_gold, "n_pred": self.n_pred}
