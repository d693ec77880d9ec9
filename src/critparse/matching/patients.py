"""Patients for matching: a folder of FHIR Bundles (or simple patient dicts), or a Bulk Data
``$export`` folder of NDJSON files (Patient.ndjson, Observation.ndjson, ...; resources joined to
their patient by ``subject`` / ``patient`` reference). A bundle of several patients is split the
same way. A patient that cannot be read is an error row; the others go on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from ..fhir_patient import Exposure, FhirPatient, exposure_matches, is_bundle, read_bundle
from ..inputs import InputValidationError, validate_patient


@dataclass
class PatientRecord:
    id: str
    source: str
    patient: Dict[str, Any]  # the simple, validated form (time windows added by `add_windows`)
    fhir: Optional[FhirPatient] = None


@dataclass
class PatientErrors:
    rows: List[Dict[str, str]] = field(default_factory=list)

    def add(self, source: str, message: str) -> None:
        self.rows.append({"source": source, "error": message})


def read_patients(path: "str | Path", as_of: Any = None, validate: bool = True) -> Tuple[List[PatientRecord], PatientErrors]:
    """Every patient under `path` (see the module doc), read at `as_of`, and the ones that failed."""
    path = Path(path)
    errors = PatientErrors()
    out: List[PatientRecord] = []
    for source, doc in _documents(path, errors):
        try:
            out.append(_record(source, doc, as_of, validate))
        except InputValidationError as e:
            errors.add(source, str(e))
    ids = [r.id for r in out]
    if len(set(ids)) != len(ids):
        seen = set()
        for r in out:
            if r.id in seen:
                r.id = f"{r.id}@{r.source}"
            seen.add(r.id)
    return out, errors


def _record(source: str, doc: Any, as_of: Any, validate: bool) -> PatientRecord:
    if is_bundle(doc):
        fp = read_bundle(doc, as_of, validate=validate)
        return PatientRecord(fp.id or Path(source).stem, source, validate_patient(fp.patient), fp)
    clean = validate_patient(doc)
    return PatientRecord(str(clean.get("id") or Path(source.split("#")[0]).stem), source, clean)


def _documents(path: Path, errors: PatientErrors) -> Iterator[Tuple[str, Any]]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    ndjson = [p for p in files if p.name.endswith((".ndjson", ".ndjson.gz"))]
    if ndjson:
        yield from _bulk(ndjson, errors)
    for p in files:
        if not p.name.endswith(".json"):
            continue
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            errors.add(str(p), f"cannot read: {e}")
            continue
        if is_bundle(doc) and sum(_type(e) == "Patient" for e in doc.get("entry") or []) > 1:
            yield from _split(str(p), [e.get("resource") for e in doc["entry"]], doc)
        else:
            yield str(p), doc


def _type(entry: Any) -> Optional[str]:
    r = entry.get("resource") if isinstance(entry, dict) else None
    return r.get("resourceType") if isinstance(r, dict) else None


def _bulk(files: Sequence[Path], errors: PatientErrors) -> Iterator[Tuple[str, Any]]:
    import gzip

    resources: List[Any] = []
    for p in files:
        opener = gzip.open if p.name.endswith(".gz") else open
        try:
            with opener(p, "rt", encoding="utf-8") as fh:
                for i, line in enumerate(fh, 1):
                    if line.strip():
                        try:
                            resources.append(json.loads(line))
                        except ValueError as e:
                            errors.add(f"{p}:{i}", f"not JSON: {e}")
        except OSError as e:
            errors.add(str(p), f"cannot read: {e}")
    yield from _split(str(files[0].parent), resources, None)


def _split(source: str, resources: Iterable[Any], bundle: Optional[Dict[str, Any]]) -> Iterator[Tuple[str, Any]]:
    """One Bundle per Patient resource, with the resources that refer to it."""
    resources = [r for r in resources if isinstance(r, dict)]
    full_urls = {}
    for e in (bundle or {}).get("entry") or []:
        if isinstance(e, dict) and isinstance(e.get("resource"), dict) and e.get("fullUrl"):
            full_urls[e["fullUrl"]] = e["resource"].get("id")
    groups: Dict[str, List[Dict[str, Any]]] = {}
    for r in resources:
        if r.get("resourceType") == "Patient":
            groups.setdefault(str(r.get("id")), []).insert(0, r)
    for r in resources:
        if r.get("resourceType") == "Patient":
            continue
        ref = ((r.get("subject") or r.get("patient") or {}).get("reference") or "")
        pid = full_urls.get(ref) or ref.rpartition("Patient/")[2]
        if pid in groups:
            groups[pid].append(r)
    for pid, rs in groups.items():
        yield f"{source}#Patient/{pid}", {"resourceType": "Bundle", "type": "collection",
                                         "entry": [{"resource": r} for r in rs]}


def add_windows(records: Sequence[PatientRecord], subjects: Sequence[str]) -> None:
    """Add to each FHIR patient the days since its latest exposure matching each time-window subject
    (the values `FhirPatient.with_windows` gives, computed once per distinct exposure)."""
    subjects = list(dict.fromkeys(subjects))
    by_signature: Dict[Tuple[Any, ...], List[str]] = {}
    for r in records:
        if r.fhir is None:
            continue
        days: Dict[str, int] = {}
        for e in r.fhir.exposures:
            d = e.days_before(r.fhir.as_of)
            if d is None:
                continue
            for s in _matched(e, subjects, by_signature):
                days[s] = min(d, days.get(s, d))
        for s, d in days.items():
            if s not in r.fhir.patient and s != "labs":
                r.patient[s] = {"value": d, "unit": "d", "since": True}


def _matched(e: Exposure, subjects: List[str], cache: Dict[Tuple[Any, ...], List[str]]) -> List[str]:
    key = (tuple(e.names), e.route)
    if key not in cache:
        cache[key] = [s for s in subjects if exposure_matches(s, e)]
    return cache[key]
