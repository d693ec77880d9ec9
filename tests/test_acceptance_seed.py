"""Issue 2 acceptance: the seed trial NCT04532203, end to end through critparse.parse."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.issue(2)


def find(parsed, *, subject, op, value, unit=None, relative_to=None, kind="inclusion", cohort="*"):
    """Constraints matching all given fields (subject: a predicate or exact name)."""
    match = subject if callable(subject) else (lambda s: s == subject)
    out = []
    for c in parsed.constraints:
        if not match(c.subject) or c.op != op or c.kind != kind:
            continue
        if abs(c.value - value) > 1e-6:
            continue
        if unit is not None and c.unit != unit:
            continue
        if relative_to is not None and c.relative_to != relative_to:
            continue
        if cohort != "*" and c.cohort != cohort:
            continue
        out.append(c)
    return out


INCLUSION = [
    # (subject, op, value, unit, relative_to, cohort)
    ("age", ">=", 3, "a", None, "B-ALL"),
    ("age", "<=", 70, "a", None, "B-ALL"),
    ("age", ">=", 18, "a", None, "B-NHL"),
    ("age", "<=", 75, "a", None, "B-NHL"),
    (lambda s: "relapse" in s, ">=", 2, None, None, "B-ALL"),
    (lambda s: "duration" in s, "<", 12, "mo", None, "B-ALL"),
    (lambda s: "blast" in s, ">", 5, "%", None, "B-ALL"),
    (lambda s: "blast" in s, ">", 1, "%", None, "B-ALL"),
    ("bilirubin", "<=", 51, "umol/L", None, None),
    ("alt", "<=", 3, None, "ULN", None),
    ("ast", "<=", 3, None, "ULN", None),
    ("creatinine", "<=", 176.8, "umol/L", None, None),
    ("lvef", ">=", 50, "%", None, None),
    ("spo2", ">=", 92, "%", None, None),
    (lambda s: "survival" in s or "life expectancy" in s, ">=", 3, "mo", None, None),
    ("ecog", ">=", 0, None, None, None),
    ("ecog", "<=", 2, None, None, None),
]

EXCLUSION = [
    ("creatinine", ">", 2.5, "mg/dL", None),
    ("alt", ">", 3, None, "ULN"),
    ("ast", ">", 3, None, "ULN"),
    ("bilirubin", ">", 2.0, "mg/dL", None),
]


@pytest.mark.parametrize("subject,op,value,unit,rel,cohort", INCLUSION,
                         ids=[f"{s if isinstance(s, str) else 'pred'}{o}{v}" for s, o, v, *_ in INCLUSION])
def test_seed_inclusion_constraint(seed_parsed, subject, op, value, unit, rel, cohort):
    hits = find(seed_parsed, subject=subject, op=op, value=value, unit=unit, relative_to=rel, cohort=cohort)
    assert hits, f"missing inclusion constraint {op} {value} {unit or rel or ''} (cohort {cohort})"
    for c in hits:
        assert seed_parsed.text[c.start:c.end] == c.text
        assert not c.negated


@pytest.mark.parametrize("subject,op,value,unit,rel", EXCLUSION, ids=[f"{s}{o}{v}" for s, o, v, *_ in EXCLUSION])
def test_seed_exclusion_constraint(seed_parsed, subject, op, value, unit, rel):
    hits = find(seed_parsed, subject=subject, op=op, value=value, unit=unit, relative_to=rel, kind="exclusion")
    assert hits, f"missing exclusion constraint {subject} {op} {value}"
    assert all(c.criterion.startswith("exc.") for c in hits)


def test_seed_unit_normalisation(seed_parsed):
    (cr,) = find(seed_parsed, subject="creatinine", op="<=", value=176.8)
    (bili,) = find(seed_parsed, subject="bilirubin", op=">", value=2.0, kind="exclusion")
    # normalised to one canonical unit per subject, whichever it is
    from critparse.units import convert

    assert convert(cr.normalized.value, cr.normalized.unit, "mg/dL", subject="creatinine") == pytest.approx(2.0, abs=0.01)
    assert convert(bili.normalized.value, bili.normalized.unit, "umol/L", subject="bilirubin") == pytest.approx(34.2, abs=0.1)


def test_seed_structure(seed_parsed):
    crits = seed_parsed.criteria
    assert sorted(seed_parsed.cohorts) == ["B-ALL", "B-NHL"]
    anys = [c for c in crits if c.logic == "any"]
    assert len(anys) == 2
    assert sorted(len(seed_parsed.children(c.id)) for c in anys) == [3, 4]
    exc_items = [c for c in crits if c.kind == "exclusion" and c.role == "item" and c.parent is None]
    assert len(exc_items) == 11
    for c in crits:
        assert seed_parsed.text[c.start:c.end] == c.text


def test_seed_temporal_window(seed_parsed):
    temporal = [c for c in seed_parsed.constraints if c.category == "temporal"]
    steroid = [c for c in temporal if "steroid" in c.subject]
    assert steroid, [(c.subject, c.text) for c in temporal]
    assert (steroid[0].op, steroid[0].value, steroid[0].unit) == ("<=", 2, "wk")
    assert "within 2 weeks" in steroid[0].text


def test_seed_frames(seed_parsed):
    frames = seed_parsed.to_frames()
    assert set(frames) >= {"criteria", "constraints", "entities"}
    assert len(frames["constraints"]) == len(seed_parsed.constraints)
    assert (frames["criteria"]["trial_id"] == "NCT04532203").all()
