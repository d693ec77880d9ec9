"""Synthetic FHIR patients: small Bundles (R4 or R5) for tests, the notebook and bench/bench_match.py.

    >>> b = bundle("p1", birth="1970-05-01", gender="female",
    ...            labs=[Lab("777-3", 150, "10*3/uL", day="2026-11-20")], ecog=1,
    ...            conditions=["Breast cancer"], meds=[Med("prednisone", "2026-11-10", "2026-11-20")])

`random_bundles` draws many such patients from a seed: values spread around the usual eligibility
thresholds, some fields left out (so that some criteria stay undetermined).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional

UCUM = "http://unitsofmeasure.org"


@dataclass
class Lab:
    loinc: str
    value: float
    unit: str
    day: str = "2026-11-20"
    low: Optional[float] = None
    high: Optional[float] = None


@dataclass
class Med:
    name: str
    start: str
    end: Optional[str] = None  # None: still taken
    route: Optional[str] = None


@dataclass
class Proc:
    name: str
    day: str


def bundle(pid: str, *, birth: Optional[str] = None, gender: Optional[str] = None, labs: List[Lab] = (),
           ecog: Optional[int] = None, karnofsky: Optional[int] = None, conditions: List[str] = (),
           meds: List[Med] = (), procedures: List[Proc] = (), version: str = "R4") -> Dict[str, Any]:
    """One patient as a FHIR collection Bundle (R4: medicationCodeableConcept / performedDateTime;
    R5: medication.concept / occurrenceDateTime)."""
    ref = {"reference": f"Patient/{pid}"}
    patient: Dict[str, Any] = {"resourceType": "Patient", "id": pid}
    if gender:
        patient["gender"] = gender
    if birth:
        patient["birthDate"] = birth
    res: List[Dict[str, Any]] = [patient]
    for i, lab in enumerate(labs):
        res.append(_lab(f"{pid}-lab{i}", ref, lab))
    for code, score in (("89247-1", ecog), ("89243-0", karnofsky)):
        if score is not None:
            res.append({"resourceType": "Observation", "id": f"{pid}-{code}", "status": "final", "subject": ref,
                        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                        "effectiveDateTime": "2026-11-20", "valueInteger": score})
    for i, name in enumerate(conditions):
        res.append({"resourceType": "Condition", "id": f"{pid}-cond{i}", "subject": ref, "code": {"text": name},
                    "clinicalStatus": {"coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]}})
    for i, m in enumerate(meds):
        res.append(_med(f"{pid}-med{i}", ref, m, version))
    for i, p in enumerate(procedures):
        key = "occurrenceDateTime" if version == "R5" else "performedDateTime"
        res.append({"resourceType": "Procedure", "id": f"{pid}-proc{i}", "status": "completed", "subject": ref,
                    "code": {"text": p.name}, key: p.day})
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in res]}


def _lab(rid: str, ref: Dict[str, str], lab: Lab) -> Dict[str, Any]:
    o: Dict[str, Any] = {"resourceType": "Observation", "id": rid, "status": "final", "subject": ref,
                         "code": {"coding": [{"system": "http://loinc.org", "code": lab.loinc}]},
                         "effectiveDateTime": lab.day,
                         "valueQuantity": {"value": lab.value, "unit": lab.unit, "system": UCUM, "code": lab.unit}}
    rr = {k: {"value": v, "unit": lab.unit, "system": UCUM, "code": lab.unit}
          for k, v in (("low", lab.low), ("high", lab.high)) if v is not None}
    if rr:
        o["referenceRange"] = [rr]
    return o


def _med(rid: str, ref: Dict[str, str], m: Med, version: str) -> Dict[str, Any]:
    r: Dict[str, Any] = {"resourceType": "MedicationStatement", "id": rid, "subject": ref,
                         "effectivePeriod": {"start": m.start, **({"end": m.end} if m.end else {})}}
    concept = {"text": m.name}
    if version == "R5":
        r.update(status="recorded", medication={"concept": concept})
    else:
        r.update(status="active" if m.end is None else "completed", medicationCodeableConcept=concept)
    if m.route:
        r["dosage"] = [{"route": {"text": m.route}}]
    return r


#: (LOINC, unit, low, high, reference low, reference high) of the labs drawn
_LABS = (("777-3", "10*3/uL", 40, 450, 150, 400), ("6690-2", "10*3/uL", 1.0, 15, 4, 11),
         ("751-8", "10*3/uL", 0.5, 8, 1.8, 7.7), ("718-7", "g/dL", 7, 17, 12, 16),
         ("2160-0", "mg/dL", 0.4, 3.0, 0.6, 1.2), ("1975-2", "mg/dL", 0.2, 3.5, 0.1, 1.2),
         ("1742-6", "U/L", 8, 200, 7, 56), ("1920-8", "U/L", 8, 200, 8, 48))
_CONDITIONS = ("breast cancer", "non-small cell lung cancer", "type 2 diabetes", "hypertension", "HIV infection",
               "hepatitis B", "heart failure", "asthma", "depression", "prostate cancer", "melanoma", "COPD")
_MEDS = ("prednisone", "dexamethasone", "metformin", "insulin", "warfarin", "carboplatin", "pembrolizumab")
_PROCS = ("Mastectomy", "Radiation therapy", "Chemotherapy", "Major surgery", "Colonoscopy")


def random_bundles(n: int, seed: int = 0, as_of: str = "2026-12-01", version: str = "R4") -> Iterator[Dict[str, Any]]:
    """`n` reproducible synthetic patients (each field present with probability 0.6-0.9)."""
    rng = random.Random(seed)
    day0 = dt.date.fromisoformat(as_of)

    def day(back_max: int) -> str:
        return (day0 - dt.timedelta(days=rng.randint(0, back_max))).isoformat()

    for i in range(n):
        labs = [Lab(code, round(rng.uniform(lo, hi), 2), unit, day(60), rl, rh)
                for code, unit, lo, hi, rl, rh in _LABS if rng.random() < 0.75]
        meds = []
        for name in rng.sample(_MEDS, rng.randint(0, 2)):
            start = day(200)
            end = None if rng.random() < 0.3 else min(day0.isoformat(), (dt.date.fromisoformat(start)
                                                      + dt.timedelta(days=rng.randint(1, 60))).isoformat())
            meds.append(Med(name, start, end))
        yield bundle(f"p{i:05d}", birth=f"{rng.randint(1935, 2015)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                     gender=rng.choice(["female", "male"]) if rng.random() < 0.95 else None, labs=labs,
                     ecog=rng.randint(0, 4) if rng.random() < 0.7 else None,
                     karnofsky=rng.choice(range(30, 101, 10)) if rng.random() < 0.3 else None,
                     conditions=rng.sample(_CONDITIONS, rng.randint(0, 3)), meds=meds,
                     procedures=[Proc(rng.choice(_PROCS), day(120))] if rng.random() < 0.3 else [],
                     version=version)
