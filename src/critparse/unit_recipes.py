"""Unit conversions without importing pint each time: a `Recipe` per pair of units.

pint converts a multiplicative unit by plain float arithmetic on the value: the parsed magnitudes of
the two unit expressions, the analyte's molar mass for mass <-> molar concentration, and one factor
between root units (``(value * m1 [/ or * mw]) / (1.0 * m2) * factor``).  A `Recipe` keeps those
numbers, taken from pint the first time a pair is converted and checked there against pint's own
result on probe values (a pair whose recipe would differ in any bit is marked to go through pint
every time).  Recipes are kept in a JSON file under `config.cache_dir("units")`, its name a hash
of pint's version and the unit definitions (resources/units.txt, units.csv, molar_masses.csv), so
changed definitions start a new file.  Importing pint and building its registry costs about 0.4 s
of a cold start; a known pair costs a few float operations.  Without a usable cache folder
every pair is taken from pint once per process.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import astuple, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional, Union

Number = Union[int, float]
#: bump when what a recipe holds or means changes
_FORMAT = 1
#: recipes kept in the file at most (a run meets a few dozen pairs; more are not written)
_KEEP = 4096
#: values a new recipe is checked on against pint (bit for bit)
_PROBES = (1.0, 0.7, 2.5, 123.456, 3e-05, 176.8, 1e9)


@dataclass(frozen=True)
class Recipe:
    """``(value * m1 [molar mw]) / (1.0 * m2) * factor``; or `error` (a `UnitError` message); or
    `via_pint` (converted by pint each time)."""

    m1: Number = 1
    m2: Number = 1
    factor: Number = 1
    molar: str = ""  # "/" or "*": divided or multiplied by the molar mass `mw`
    mw: float = 0.0
    error: str = ""
    via_pint: bool = False

    def apply(self, value: float) -> float:
        if self.error:
            from .units import UnitError

            raise UnitError(self.error)
        a = value * self.m1
        if self.molar == "/":
            a = a / self.mw
        elif self.molar == "*":
            a = a * self.mw
        return float((a / (1.0 * self.m2)) * self.factor)


class Recipes:
    """The recipes of this process, read from and added to the cache file."""

    def __init__(self) -> None:
        self._table: Optional[Dict[str, list]] = None

    def get(self, unit: str, to_unit: str, subject: Optional[str]) -> "_Converter":
        return _converter(unit, to_unit, subject or "")

    def table(self) -> Dict[str, list]:
        if self._table is None:
            self._table = {}
            path = cache_file()
            if path is not None:
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                    if isinstance(data, dict):
                        self._table = data
                except (OSError, ValueError):  # absent or damaged: start empty
                    pass
        return self._table

    def add(self, key: str, recipe: Recipe) -> None:
        table = self.table()
        table[key] = list(astuple(recipe))
        path = cache_file()
        if path is None or len(table) > _KEEP:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps(table)  # json.dump would write through pure-Python chunks: ~10x slower
            with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False, encoding="utf-8") as f:
                f.write(text)
            os.replace(f.name, path)
        except OSError:  # a read-only cache: taken from pint again next time
            pass

    def clear(self) -> None:
        """Forget what this process read (tests; a new interpreter starts so)."""
        self._table = None
        _converter.cache_clear()


recipes = Recipes()


@dataclass(frozen=True)
class _Converter:
    unit: str
    to_unit: str
    subject: str
    recipe: Recipe

    def apply(self, value: float) -> float:
        if self.recipe.via_pint:
            from .units import _pint_convert

            return _pint_convert(value, self.unit, self.to_unit, self.subject or None)
        return self.recipe.apply(value)


@lru_cache(maxsize=4096)
def _converter(unit: str, to_unit: str, subject: str) -> _Converter:
    key = f"{unit}\t{to_unit}\t{subject}"
    row = recipes.table().get(key)
    recipe = None
    if isinstance(row, list):
        try:
            recipe = Recipe(*row)
        except TypeError:
            recipe = None
    if recipe is None:
        recipe = _from_pint(unit, to_unit, subject)
        recipes.add(key, recipe)
    return _Converter(unit, to_unit, subject, recipe)


def _from_pint(unit: str, to_unit: str, subject: str) -> Recipe:
    """The recipe pint's arithmetic follows for this pair, checked against pint on the probes."""
    import pint

    from . import units

    try:
        recipe = _derive(pint, units, unit, to_unit, subject)
    except units.UnitError as e:
        return Recipe(error=str(e))
    except Exception:  # anything unforeseen: pint converts this pair itself
        return Recipe(via_pint=True)
    for value in _PROBES:
        try:
            same = recipe.apply(value) == units._pint_convert(value, unit, to_unit, subject or None)
        except Exception:
            same = False
        if not same:
            return Recipe(via_pint=True)
    return recipe


def _derive(pint, units, unit: str, to_unit: str, subject: str) -> Recipe:
    ureg = units.registry()

    def magnitude(ucum: str) -> Number:
        expr = units._ucum_to_pint().get(ucum)
        if expr is None:
            raise units.UnitError(f"unknown unit {ucum!r}")
        return 1 if expr == "dimensionless" else units._parsed(expr)[1]

    def factor(q) -> Number:  # what pint multiplies a magnitude by to make `q` dimensionless
        return ureg.Quantity(1, q.units).to("dimensionless").magnitude

    m1, m2 = magnitude(unit), magnitude(to_unit)
    q, target = units._quantity(1.0, unit), units._quantity(1.0, to_unit)
    try:
        return Recipe(m1, m2, factor(q / target))
    except pint.DimensionalityError:
        pass
    mw = units.molar_masses().get(subject)
    if mw is None:
        raise units.UnitError(f"cannot convert {unit} to {to_unit} for {subject or None!r}: different dimensions and no molar mass")
    mw_q = ureg.Quantity(mw, "g/mol")
    for op, candidate in (("/", q / mw_q), ("*", q * mw_q)):
        try:
            return Recipe(m1, m2, factor(candidate / target), op, mw)
        except pint.DimensionalityError:
            continue
    raise units.UnitError(f"cannot convert {unit} to {to_unit} for {subject or None!r}")


@lru_cache(maxsize=1)
def cache_file() -> Optional[Path]:
    """The recipe file for these unit definitions and this pint, or None where none can be named."""
    try:
        from importlib.metadata import version

        from . import resources
        from .config import cache_dir

        h = hashlib.sha1(f"{_FORMAT}\0{version('pint')}".encode())
        for name in ("units.txt", "units.csv", "molar_masses.csv", "affine_conversions.csv"):
            h.update(b"\0" + resources.path(name).read_bytes())
        return cache_dir("units") / f"recipes-{h.hexdigest()[:16]}.json"
    except Exception:
        return None
