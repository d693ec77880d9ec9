"""Clinical units: surface forms -> UCUM codes, and conversions with pint.

Unit strings are normalised first (pint does not parse ``x10^9/L``, ``/mm3``,
``10*9/L``): ``resources/units.csv`` maps each surface form to a UCUM code and
a pint expression.  Conversions run in pint within a dimension, and across
mass <-> molar concentration where the analyte's molar mass is known
(``resources/molar_masses.csv``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, Optional, Tuple

from . import resources
from .unit_recipes import recipes

#: UCUM codes of the time units a window or a duration is written in (read by subjects, constraints, timing, expression)
TIME_UNITS = frozenset({"a", "mo", "wk", "d", "h", "min"})


class UnitError(ValueError):
    """A unit that cannot be read or converted."""


_SPACE = re.compile(r"\s+")
_PER = re.compile(r"(?:(?<=[A-Za-z)])\s+|^)per\s+", re.I)  # "per" written for "/" between two units


def alias_key(unit_text: str) -> str:
    """Lookup key of a unit as written: lower case, no spaces, µ->u, unicode tidied."""
    s = unit_text.strip().lower().replace("\u00b5", "u").replace("\u03bc", "u").replace("\u00d7", "x")
    s = s.replace("\u00b3", "^3").replace("\u2079", "^9").replace("\u00b2", "^2").replace("**", "^")
    s = _SPACE.sub("", s).rstrip(".")
    return s


@lru_cache(maxsize=1)
def _aliases() -> Dict[str, Tuple[str, str]]:
    out = {r["alias"]: (r["ucum"], r["pint"]) for r in resources.read_csv("units.csv")}
    for alias, target in list(out.items()):
        for spelled in _spelled(alias):
            out.setdefault(spelled, target)
    return out


@lru_cache(maxsize=1)
def _unit_names() -> Dict[str, Tuple[str, ...]]:
    return {r["abbrev"]: tuple(r["names"].split("|")) for r in resources.read_csv("unit_names.csv")}


def _spelled(alias: str) -> Tuple[str, ...]:
    """The forms of an alias "a/b" with its parts spelled out ("umol/l" -> "micromoles/liter", "umol/liter", ...;
    resources/unit_names.csv); none for other aliases."""
    num, sep, den = alias.partition("/")
    names = _unit_names()
    if not sep or num not in names or den not in names:
        return ()
    return tuple(f"{a}/{b}" for a in (num,) + names[num] for b in (den,) + names[den] if (a, b) != (num, den))


@lru_cache(maxsize=1)
def _ucum_to_pint() -> Dict[str, str]:
    out: Dict[str, str] = {}
    for ucum, pint_expr in _aliases().values():
        out.setdefault(ucum, pint_expr)
    return out


@lru_cache(maxsize=1)
def molar_masses() -> Dict[str, float]:
    return {r["subject"]: float(r["molar_mass_g_per_mol"]) for r in resources.read_csv("molar_masses.csv")}


@lru_cache(maxsize=1)
def affine_conversions() -> Dict[Tuple[str, str, str], Tuple[float, float]]:
    """(subject, unit, to_unit) -> (slope, intercept) of the scales that map by a straight line
    (resources/affine_conversions.csv), each with its inverse."""
    out: Dict[Tuple[str, str, str], Tuple[float, float]] = {}
    for r in resources.read_csv("affine_conversions.csv"):
        slope, intercept = float(r["slope"]), float(r["intercept"])
        out[(r["subject"], r["unit"], r["to_unit"])] = (slope, intercept)
        out[(r["subject"], r["to_unit"], r["unit"])] = (1.0 / slope, -intercept / slope)
    return out


@lru_cache(maxsize=1)
def _cased() -> Dict[str, str]:
    return {r["written"]: r["ucum"] for r in resources.read_csv("units_cased.csv")}


@lru_cache(maxsize=65536)
def to_ucum(unit_text: Optional[str]) -> Optional[str]:
    """UCUM code of a unit as written ('mg/dl' -> 'mg/dL', 'x10^9/L' -> '10*9/L'), or None if unknown.
    Cached: the subject rules ask it of most words near a number (is this word a unit?)."""
    if not unit_text:
        return None
    cased = _cased().get(unit_text.strip())
    if cased is not None:  # "6.7 mM" is millimolar, "6.7 mm" millimetres
        return cased
    hit = _aliases().get(alias_key(unit_text))
    if hit is None and "per" in unit_text.lower():  # "mg per dl" -> mg/dl, "per cubic millimeter" -> /cubicmillimeter
        hit = _aliases().get(alias_key(_PER.sub("/", unit_text)))
    return hit[0] if hit else None


def known_unit_keys() -> Tuple[str, ...]:
    return tuple(_aliases())


@lru_cache(maxsize=1)
def registry():
    """pint's registry with the clinical units pint lacks (resources/units.txt).  pint keeps its parsed
    definition files in a disk cache (`config.cache_dir("pint")`, keyed by their content), which
    makes building it about 0.6 s faster; without a writable cache it is built from the files."""
    import pint

    from .config import cache_dir

    try:
        return _registry(pint, cache_dir("pint"))
    except Exception:  # an unwritable or damaged cache (pint raises several types)
        return _registry(pint, None)


def _registry(pint, cache_folder):
    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=cache_folder)
    ureg.load_definitions(str(resources.path("units.txt")))
    return ureg


def _quantity(value: float, ucum: str):
    ureg = registry()
    expr = _ucum_to_pint().get(ucum)
    if expr is None:
        raise UnitError(f"unknown unit {ucum!r}")
    if expr == "dimensionless":
        return ureg.Quantity(value, "dimensionless")
    units, magnitude = _parsed(expr)
    return ureg.Quantity(value, units) * magnitude


@lru_cache(maxsize=1024)
def _parsed(expr: str):
    """(units, magnitude) of a pint expression: pint parses an expression anew on every call (most of
    a conversion's time); the arithmetic on the value is unchanged, so are the results."""
    parsed = registry().parse_expression(expr)
    return parsed.units, parsed.magnitude


_OFFSET_UNITS = {"Cel", "[degF]"}  # temperature scales with an offset zero


def convert(value: float, unit: str, to_unit: str, *, subject: Optional[str] = None) -> float:
    """Convert `value` from UCUM `unit` to UCUM `to_unit` (same dimension, or
    mass <-> molar concentration using the subject's molar mass).  A pair of units converts through
    its `Recipe` (pint's own arithmetic, its numbers kept on disk: no pint import when known);
    temperatures (an offset zero) through pint itself."""
    if unit == to_unit:
        return float(value)
    line = affine_conversions().get((subject or "", unit, to_unit))
    if line is not None:  # 48 mmol/mol HbA1c is 6.5 %: two scales of one analyte on a line
        return float(line[0] * value + line[1])
    if unit in _OFFSET_UNITS or to_unit in _OFFSET_UNITS:  # 100.4 [degF] is 38 Cel: an affine map, not a ratio
        return _pint_convert(value, unit, to_unit, subject)
    return recipes.get(unit, to_unit, subject).apply(value)


def _pint_convert(value: float, unit: str, to_unit: str, subject: Optional[str]) -> float:
    """The conversion as pint makes it (what a `Recipe` reproduces for multiplicative units)."""
    import pint

    ureg = registry()
    q = _quantity(value, unit)
    if unit in _OFFSET_UNITS or to_unit in _OFFSET_UNITS:
        return float(q.to(_quantity(1.0, to_unit).units).magnitude)
    target = _quantity(1.0, to_unit)
    try:
        return float((q / target).to("dimensionless").magnitude)
    except pint.DimensionalityError:
        pass
    mw = molar_masses().get(subject or "")
    if mw is None:
        raise UnitError(f"cannot convert {unit} to {to_unit} for {subject!r}: different dimensions and no molar mass")
    mw_q = ureg.Quantity(mw, "g/mol")
    for candidate in (q / mw_q, q * mw_q):
        try:
            return float((candidate / target).to("dimensionless").magnitude)
        except pint.DimensionalityError:
            continue
    raise UnitError(f"cannot convert {unit} to {to_unit} for {subject!r}")


def try_convert(value: float, unit: Optional[str], to_unit: Optional[str], *, subject: Optional[str] = None) -> Optional[float]:
    """`convert`, or None when it cannot be done."""
    if unit is None or to_unit is None:
        return None
    return _try_convert(value, unit, to_unit, subject)


@lru_cache(maxsize=16384)
def _try_convert(value: float, unit: str, to_unit: str, subject: Optional[str]) -> Optional[float]:
    # memoised: registry text repeats the same few limits ("1.5 mg/dL") and pint parses its unit
    # expressions on every call; the result is the same float either way
    try:
        return convert(value, unit, to_unit, subject=subject)
    except (UnitError, Exception):  # pint raises several types
        return None


def warm_up() -> None:
    """Build the unit registry and tables now rather than on first use (`critparse.prepare`)."""
    _aliases(), _ucum_to_pint(), molar_masses(), registry()
