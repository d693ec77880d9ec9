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
    ("primordial cells", ">", 5, "%", None, "B-ALL"),
    ("primordial cells", ">", 1, "%", None, "B-ALL"),
    ("bilirubin", "<=", 51, "umol/L", None, None),
    ("alt", "<=", 3, None, "ULN", None),
    ("ast", "<=", 3, None, "ULN", None),
    ("creatinine", "<=", 176.8, "umol/L", None, None),
    ("lvef", ">=", 50, "%", None, None),
    ("spo2", ">=", 92, "%", None, None),
    ("life expectancy", ">=", 3, "mo", None, None),
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


# The seed's exact constraint set, read against corpora/demo/NCT04532203.eligibility.md line by line:
# (criterion, subject, op, value, unit, relative_to).  No extras: "2 TKI treatments", "(2016.v1)",
# "Lugano 2014", "CD19+" and the list markers state no threshold.
SEED_EXACT = [
    ("inc.1.1", "age", ">=", 3.0, "a", None), ("inc.1.1", "age", "<=", 70.0, "a", None),   # aged 3-70 years
    ("inc.1.3.2", "cr duration", "<", 12.0, "mo", None),                                # CR duration isless than 12 months
    ("inc.1.3.4", "relapses", ">=", 2.0, None, None),                                   # 2 or more relapses
    ("inc.1.4", "primordial cells", ">", 5.0, "%", None),                               # ... in bone marrow is>5% (morphology)
    ("inc.1.4", "primordial cells", ">", 1.0, "%", None),                               # and/or >1% (flow cytometry)
    ("inc.2.1", "age", ">=", 18.0, "a", None), ("inc.2.1", "age", "<=", 75.0, "a", None),  # aged 18-75 years
    ("inc.2.4", "assessable tumor lesion", ">=", 1.0, None, None),                      # At least one assessable tumor lesion
    ("inc.3.2", "bilirubin", "<=", 51.0, "umol/L", None),                               # Total bilirubin <= 51 umol/L
    ("inc.3.2", "alt", "<=", 3.0, None, "ULN"), ("inc.3.2", "ast", "<=", 3.0, None, "ULN"),  # ALT and AST <= 3 times ULN
    ("inc.3.2", "creatinine", "<=", 176.8, "umol/L", None),                             # creatinine <= 176.8 umol/L
    ("inc.3.3", "lvef", ">=", 50.0, "%", None),                                         # LVEF >= 50%
    ("inc.3.4", "spo2", ">=", 92.0, "%", None),                                         # oxygen saturation ... >= 92%
    ("inc.3.5", "life expectancy", ">=", 3.0, "mo", None),                              # Estimated survival time >= 3 months
    ("inc.3.6", "ecog", ">=", 0.0, None, None), ("inc.3.6", "ecog", "<=", 2.0, None, None),  # ECOG 0 to 2
    ("exc.6", "systemic steroids", "<=", 2.0, "wk", None),                              # steroids within 2 weeks
    ("exc.8", "creatinine", ">", 2.5, "mg/dL", None),                                   # Creatinine>2.5mg/dl
    ("exc.8", "alt", ">", 3.0, None, "ULN"), ("exc.8", "ast", ">", 3.0, None, "ULN"),   # ALT / AST > 3 times of normal
    ("exc.8", "bilirubin", ">", 2.0, "mg/dL", None),                                    # bilirubin>2.0 mg/dl
]


def test_seed_exact_constraint_set(seed_parsed):
    got = sorted((c.criterion, c.subject, c.op, c.value, c.unit, c.relative_to) for c in seed_parsed.constraints)
    assert got == sorted(SEED_EXACT)
    assert not any(c.negated for c in seed_parsed.constraints)
