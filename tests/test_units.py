"""Unit surface forms -> UCUM, and conversions (pint + molar masses)."""

from __future__ import annotations

import pytest

from critparse import units
from critparse.normalize import normalize


@pytest.mark.parametrize("value,unit,to,subject,expected", [
    (176.8, "umol/L", "mg/dL", "creatinine", 2.0),
    (2.0, "mg/dL", "umol/L", "bilirubin", 34.2),
    (7.0, "mmol/L", "mg/dL", "glucose", 126.1),
    (126.0, "mg/dL", "mmol/L", "glucose", 6.99),
    (1.0, "10*9/L", "10*3/uL", None, 1.0),
    (1.0, "10*9/L", "/uL", None, 1000.0),
    (1500.0, "/uL", "10*9/L", None, 1.5),
    (10.0, "g/dL", "g/L", None, 100.0),
    (90.0, "g/L", "g/dL", None, 9.0),
    (2.0, "wk", "d", None, 14.0),
    (1.0, "a", "mo", None, 12.0),
    (48.0, "h", "d", None, 2.0),
    (34.2, "umol/L", "mg/dL", "bilirubin", 2.0),
    (2.0, "mg/dL", "umol/L", "creatinine", 176.8),
    (20.0, "mg/dL", "mmol/L", "urea", 7.14),          # BUN as urea nitrogen (28.014 g/mol)
    (10.0, "mg/dL", "mmol/L", "calcium", 2.495),
    (200.0, "mg/dL", "mmol/L", "total cholesterol", 5.17),
    (150.0, "mg/dL", "mmol/L", "triglycerides", 1.694),
    (7.0, "mg/dL", "umol/L", "uric acid", 416.4),
    (10.0, "g/dL", "mmol/L", "hemoglobin", 6.206),    # Hb monomer 16,114 g/mol
    (8.0, "mmol/L", "g/dL", "hemoglobin", 12.89),
    (1.0, "ukat/L", "U/L", None, 60.0),
    (40.0, "U/L", "ukat/L", None, 0.6667),
    (1.5, "10*3/uL", "/uL", None, 1500.0),
    (48.0, "mmol/mol", "%", "hba1c", 6.543),          # IFCC -> NGSP master equation (a line, not a ratio; 6.5 % as labs round it)
    (53.0, "mmol/mol", "%", "hba1c", 6.9964),
    (10.0, "%", "mmol/mol", "hba1c", 85.8),
])
def test_conversions(value, unit, to, subject, expected):
    assert units.convert(value, unit, to, subject=subject) == pytest.approx(expected, rel=2e-3)


@pytest.mark.parametrize("surface,ucum", [
    ("x10^9/L", "10*9/L"), ("x 10^9/L", "10*9/L"), ("10*9/L", "10*9/L"), ("/mm3", "/uL"), ("cells/mm3", "/uL"),
    ("/mm^3", "/uL"), ("mg/dl", "mg/dL"), ("umol/l", "umol/L"), ("mmol/L", "mmol/L"), ("g/dl", "g/dL"),
    ("mL/min/1.73 m2", "mL/min/{1.73_m2}"), ("mmHg", "mm[Hg]"), ("mM", "mmol/L"), ("mm", "mm"), ("uM", "umol/L"), ("%", "%"), ("U/mL", "U/mL"), ("years", "a"), ("wks", "wk"), ("cc/min", "mL/min"),
])
def test_to_ucum_surface_forms(surface, ucum):
    assert units.to_ucum(surface) == ucum


@pytest.mark.parametrize("raw,ucum", [("µmol/L", "umol/L"), ("×10⁹/L", "10*9/L"), ("/mm³", "/uL")])
def test_to_ucum_after_normalisation(raw, ucum):
    assert units.to_ucum(normalize(raw).text) == ucum


def test_unknown_unit_is_none():
    assert units.to_ucum("furlongs") is None
    assert units.to_ucum("") is None


def test_impossible_conversions_raise_clear_errors():
    with pytest.raises(units.UnitError, match="no molar mass"):
        units.convert(1.0, "mg/dL", "umol/L", subject="alt")
    with pytest.raises(units.UnitError):
        units.convert(1.0, "mg/dL", "wk")
    with pytest.raises(units.UnitError, match="unknown unit"):
        units.convert(1.0, "furlong", "mg/dL")
    assert units.try_convert(1.0, "mg/dL", "wk") is None


def test_hba1c_in_mmol_per_mol_is_never_a_share_of_one():
    # "HbA1c 7.0-10.0 percent (53-86 millimoles per mole)" (NCT05813925): pint's ratio read 86 mmol/mol as 8.6 %
    assert units.try_convert(86.0, "mmol/mol", "%", subject="hba1c") == pytest.approx(10.02, abs=0.01)
    assert units.try_convert(86.0, "mmol/mol", "%") is None
    assert units.try_convert(86.0, "mmol/mol", "%", subject="glucose") is None


def test_counts_are_one_quantity():
    """10*9/L == 10*3/uL == 1000/uL == 1000/mm3 == 1000 cells/mm3."""
    per_ul = [units.convert(1.0, "10*9/L", "/uL"), units.convert(1.0, "10*3/uL", "/uL"),
              units.convert(1000.0, units.to_ucum("/mm3"), "/uL"), units.convert(1000.0, units.to_ucum("cells/mm3"), "/uL")]
    assert per_ul == pytest.approx([1000.0] * 4)


@pytest.mark.parametrize("surface,ucum", [
    ("x10^9/L", "10*9/L"), ("10^9/l", "10*9/L"), ("x 10^3/uL", "10*3/uL"), ("K/uL", "10*3/uL"), ("/cmm", "/uL"),
    ("mcmol/L", "umol/L"), ("umol/l", "umol/L"), ("U/L", "U/L"), ("IU/L", "U/L"), ("mL/min/1.73m2", "mL/min/{1.73_m2}"),
    ("kg/m2", "kg/m2"), ("bpm", "/min"), ("months", "mo"), ("days", "d"), ("hours", "h"), ("gm%", "g/dL"),
])
def test_more_surface_forms(surface, ucum):
    assert units.to_ucum(surface) == ucum


def test_every_alias_converts_to_its_own_ucum():
    """Each units.csv row's pint expression is readable, and every UCUM code converts to itself."""
    for ucum in {units.to_ucum(k) for k in units.known_unit_keys()}:
        assert units.convert(3.0, ucum, ucum) == 3.0
        assert units._quantity(1.0, ucum) is not None


def test_registry_reads_clinical_definitions():
    ureg = units.registry()
    assert ureg.Quantity(1, "IU/L").to("ukat/L").magnitude == pytest.approx(1 / 60)
    assert units.registry() is ureg  # one registry


# -- recipes: conversions without pint once a pair is known (critparse.unit_recipes) ------------------

@pytest.fixture
def recipe_cache(tmp_path, monkeypatch):
    from critparse import unit_recipes

    monkeypatch.setenv("CRITPARSE_CACHE", str(tmp_path / "cache"))
    unit_recipes.cache_file.cache_clear()
    unit_recipes.recipes.clear()
    yield unit_recipes
    unit_recipes.cache_file.cache_clear()
    unit_recipes.recipes.clear()


def _outcome(f, *args, **kw):
    try:
        return ("value", f(*args, **kw))
    except Exception as e:  # the same failure, or the same float bit for bit
        return ("error", type(e).__name__)


PAIRS = [("umol/L", "mg/dL", "creatinine"), ("mg/dL", "umol/L", "bilirubin"), ("mmol/L", "mg/dL", "glucose"),
         ("mg/dL", "mmol/L", "glucose"), ("10*9/L", "10*3/uL", None), ("10*9/L", "/uL", None), ("g/dL", "g/L", None),
         ("mg/dL", "umol/L", None), ("mg/dL", "mmol/L", "hemoglobin"), ("mL/min", "mL/min/{1.73_m2}", None),
         ("kg", "[lb_av]", None), ("mo", "wk", None), ("a", "d", None), ("ng/mL", "ug/L", None), ("%", "1", None),
         ("g/L", "mmol/L", "nosuchsubject"), ("mg/dL", "nosuchunit", None)]


@pytest.mark.parametrize("unit,to,subject", PAIRS)
def test_a_recipe_converts_as_pint_does_bit_for_bit(recipe_cache, unit, to, subject):
    for value in (1.0, 2.0, 176.8, 0.35, 1.5, 1e-3, 12345.678, 7):
        assert _outcome(units.convert, value, unit, to, subject=subject) == \
            _outcome(units._pint_convert, value, unit, to, subject)


def test_recipes_are_read_back_from_disk_and_keyed_by_the_unit_definitions(recipe_cache, monkeypatch, tmp_path):
    first = [units.convert(176.8, "umol/L", "mg/dL", subject="creatinine"), units.convert(3.0, "mo", "wk")]
    path = recipe_cache.cache_file()
    assert path.exists() and len(recipe_cache.recipes.table()) == 2
    recipe_cache.recipes.clear()  # as a new process
    monkeypatch.setattr(recipe_cache, "_from_pint", lambda *a: pytest.fail("taken from pint again"))
    assert [units.convert(176.8, "umol/L", "mg/dL", subject="creatinine"), units.convert(3.0, "mo", "wk")] == first
    # changed unit definitions: another file
    from critparse import resources

    changed = tmp_path / "units.csv"
    changed.write_bytes(resources.path("units.csv").read_bytes() + b"\n")
    real = resources.path
    monkeypatch.setattr(resources, "path", lambda name: changed if name == "units.csv" else real(name))
    recipe_cache.cache_file.cache_clear()
    assert recipe_cache.cache_file() != path


def test_a_damaged_or_unwritable_recipe_cache_only_costs_pint(recipe_cache, monkeypatch, tmp_path):
    want = units._pint_convert(2.0, "mg/dL", "umol/L", "bilirubin")
    assert units.convert(2.0, "mg/dL", "umol/L", subject="bilirubin") == want
    recipe_cache.cache_file().write_text("{not json", encoding="utf-8")
    recipe_cache.recipes.clear()
    assert units.convert(2.0, "mg/dL", "umol/L", subject="bilirubin") == want
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("CRITPARSE_CACHE", str(tmp_path / "file" / "cache"))
    recipe_cache.cache_file.cache_clear()
    recipe_cache.recipes.clear()
    assert units.convert(2.0, "mg/dL", "umol/L", subject="bilirubin") == want
    assert units.try_convert(1.0, "mg/dL", "nosuchunit") is None


@pytest.mark.parametrize("written, ucum", [
    ("micromoles/liter", "umol/L"), ("picograms per milliliter", "pg/mL"), ("grams/dl", "g/dL"),
    ("gram per deciliter", "g/dL"), ("mg/decilitre", "mg/dL"), ("nanograms/ml", "ng/mL"),
])
def test_concentration_units_spelled_out_are_derived_from_their_aliases(written, ucum):
    """units.csv holds 'umol/l'; resources/unit_names.csv spells its parts ('150 micromoles/liter': 8 in the XML
    extract, where the unit was lost and the subject read as 'micromoles')."""
    from critparse import units

    assert units.to_ucum(written) == ucum


def test_spelled_forms_never_replace_a_listed_alias():
    from critparse import units

    assert units.to_ucum("g/l") == "g/L" and units.to_ucum("gm/l") == units.to_ucum("g/l")
    assert units.to_ucum("kilograms/liter") is None  # only the listed parts are spelled
