"""Data files shipped inside the package (vocabularies, units, patterns).

Every file here carries a source note: a ``# source:`` header line (CSV/TOML/
text), or a ``source`` field on each JSONL line.  Read them through these
helpers, never through paths relative to the checkout.
"""

from __future__ import annotations

import csv
import io
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Dict, List


def path(name: str) -> Path:
    return Path(str(resources.files(__name__).joinpath(name)))


def read_text(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def read_jsonl(name: str) -> List[Dict[str, Any]]:
    rows = []
    for i, line in enumerate(read_text(name).splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as e:  # pragma: no cover - data bug
            raise ValueError(f"{name}:{i}: bad JSON line: {e}") from e
    return rows


@lru_cache(maxsize=None)
def read_csv(name: str) -> List[Dict[str, str]]:
    """CSV rows; lines starting with '#' (source notes) are skipped."""
    lines = [ln for ln in read_text(name).splitlines() if not ln.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))
