"""Streaming readers for registry dumps, with format auto-detection.

Every reader yields `Record`s: plain, picklable data (id, criteria text,
structured fields, where it came from).  A record that cannot be read (bad JSON
line, broken XML file) is still yielded, with `error` set, so the batch keeps
"count in = count out".  Nothing reads a whole dump into memory.

Formats (detected per file, folders walked in sorted order):
- ClinicalTrials.gov API v2 JSON: an array file (``ctg-studies.json``), one
  study per ``.json`` file, JSON Lines (``.jsonl``/``.ndjson``, optionally
  ``.gz``), and zips of per-study JSON files;
- legacy XML: ``NCT*.xml`` files, in folders, ``.zip`` or ``.tar.gz`` archives;
- AACT ``eligibilities.txt`` (pipe-delimited);
- plain CSV / Parquet with an id and a text column;
- the derived JSONL of the legacy corpus (``nct_id``, ``criteria``, ``gender``...);
- single criteria text files named ``NCT........*.txt|.md``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Dict, Iterator, List, Optional

from ..records import TrialInfo

_NCT = re.compile(r"NCT\d{8}")
csv.field_size_limit(1 << 30)


@dataclass
class Record:
    trial_id: str
    text: Optional[str]
    info: TrialInfo = field(default_factory=TrialInfo)
    source: str = ""
    error: Optional[str] = None  # set when the record could not be read


class InputError(ValueError):
    """An input path or format that cannot be read at all."""


# ------------------------------------------------------------- converters --

def _sex(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    v = value.strip().lower()
    return {"all": "all", "both": "all", "female": "female", "male": "male"}.get(v, v)


def _bool(value: Any) -> Optional[bool]:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    v = str(value).strip().lower()
    if v in ("yes", "true", "t", "1", "accepts healthy volunteers"):
        return True
    if v in ("no", "false", "f", "0", "no healthy volunteers"):
        return False
    return None


def _na(value: Any) -> Optional[str]:
    if value is None:
        return None
    s = str(value).strip()
    return None if not s or s.upper() == "N/A" else s


def from_v2_study(study: Dict[str, Any], source: str) -> Record:
    """A Record from one API v2 study object (or the derived-JSONL / flat layouts)."""
    if "protocolSection" in study:
        ps = study.get("protocolSection") or {}
        nct = ((ps.get("identificationModule") or {}).get("nctId")) or _id_from(source)
        em = ps.get("eligibilityModule") or {}
        info = TrialInfo(
            sex=_sex(em.get("sex")), minimum_age=_na(em.get("minimumAge")), maximum_age=_na(em.get("maximumAge")),
            healthy_volunteers=_bool(em.get("healthyVolunteers")), std_ages=em.get("stdAges"),
            source_format="ctgov_v2_json",
        )
        return Record(nct, em.get("eligibilityCriteria"), info, source)
    if "nct_id" in study or "nctId" in study:  # derived JSONL / flat export
        info = TrialInfo(
            sex=_sex(study.get("gender") or study.get("sex")), minimum_age=_na(study.get("minimum_age")),
            maximum_age=_na(study.get("maximum_age")), healthy_volunteers=_bool(study.get("healthy_volunteers")),
            source_format="ctgov_jsonl",
        )
        return Record(study.get("nct_id") or study.get("nctId"), study.get("criteria") or study.get("eligibility_criteria"), info, source)
    return Record(_id_from(source), None, TrialInfo(source_format="json"), source,
                  error="JSON object is not a ClinicalTrials.gov study (no protocolSection or nct_id)")


def from_xml(data: bytes, source: str) -> Record:
    from defusedxml import ElementTree as ET

    try:
        root = ET.fromstring(data)
    except Exception as e:  # ParseError, DefusedXmlException
        return Record(_id_from(source), None, TrialInfo(source_format="ctgov_xml"), source, error=f"bad XML: {e}")
    nct = (root.findtext("id_info/nct_id") or "").strip() or _id_from(source)
    el = root.find("eligibility")
    text = None
    info = TrialInfo(source_format="ctgov_xml")
    if el is not None:
        text = el.findtext("criteria/textblock")
        info = TrialInfo(
            sex=_sex(el.findtext("gender")), minimum_age=_na(el.findtext("minimum_age")),
            maximum_age=_na(el.findtext("maximum_age")), healthy_volunteers=_bool(el.findtext("healthy_volunteers")),
            source_format="ctgov_xml",
        )
    return Record(nct, text, info, source)


def _id_from(source: str) -> str:
    m = _NCT.search(source)
    return m.group(0) if m else source


# ---------------------------------------------------------------- streams --

def _iter_json_array(fh: IO[str], source: str) -> Iterator[Record]:
    """Stream the objects of a top-level JSON array (or one object) without loading the file."""
    dec = json.JSONDecoder()
    buf = ""
    pos = 0
    eof = False
    started = False
    n = 0

    def fill() -> bool:
        nonlocal buf, pos, eof
        chunk = fh.read(1 << 20)
        if not chunk:
            eof = True
            return False
        buf = buf[pos:] + chunk
        pos = 0
        return True

    while True:
        while pos < len(buf) and buf[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(buf):
            if eof or not fill():
                return
            continue
        if not started:
            started = True
            if buf[pos] == "[":
                pos += 1
                continue
            if buf[pos] == "{":  # a single study object
                rest = buf[pos:] + fh.read()
                try:
                    obj = json.loads(rest)
                except json.JSONDecodeError as e:
                    yield Record(_id_from(source), None, TrialInfo(source_format="json"), source, error=f"bad JSON: {e}")
                    return
                yield from_v2_study(obj, source)
                return
            yield Record(_id_from(source), None, TrialInfo(source_format="json"), source, error="not a JSON array or object")
            return
        if buf[pos] == "]":
            return
        try:
            obj, end = dec.raw_decode(buf, pos)
        except json.JSONDecodeError as e:
            if not eof and fill():
                continue
            yield Record(f"{_id_from(source)}#{n + 1}", None, TrialInfo(source_format="ctgov_v2_json"),
                         f"{source}#{n + 1}", error=f"bad JSON in array item {n + 1}: {e.msg}")
            return
        n += 1
        pos = end
        yield from_v2_study(obj, f"{source}#{n}")


def _iter_jsonl(fh: IO[str], source: str) -> Iterator[Record]:
    for i, line in enumerate(fh, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            m = _NCT.search(line)
            yield Record(m.group(0) if m else f"{source}:{i}", None, TrialInfo(source_format="jsonl"), f"{source}:{i}",
                         error=f"bad JSON line {i}: {e.msg}")
            continue
        if not isinstance(obj, dict):
            yield Record(f"{source}:{i}", None, TrialInfo(source_format="jsonl"), f"{source}:{i}", error="JSON line is not an object")
            continue
        yield from_v2_study(obj, f"{source}:{i}")


def _iter_aact(fh: IO[str], source: str) -> Iterator[Record]:
    reader = csv.DictReader(fh, delimiter="|", quotechar='"')
    for i, row in enumerate(reader, 1):
        nct = (row.get("nct_id") or "").strip()
        info = TrialInfo(sex=_sex(row.get("gender")), minimum_age=_na(row.get("minimum_age")),
                         maximum_age=_na(row.get("maximum_age")), healthy_volunteers=_bool(row.get("healthy_volunteers")),
                         source_format="aact")
        if not nct:
            yield Record(f"{source}:{i}", None, info, f"{source}:{i}", error="row without nct_id")
            continue
        yield Record(nct, row.get("criteria"), info, f"{source}:{i}")


def _iter_table(path: Path, id_column: str, text_column: str) -> Iterator[Record]:
    source = str(path)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        missing = [c for c in (id_column, text_column) if c not in pf.schema_arrow.names]
        if missing:
            yield Record(source, None, TrialInfo(source_format="table"), source, error=f"no column(s) {missing} in {path.name}")
            return
        i = 0
        for batch in pf.iter_batches(columns=[id_column, text_column], batch_size=2000):
            for tid, text in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist()):
                i += 1
                yield Record(str(tid) if tid is not None else f"{source}:{i}", text, TrialInfo(source_format="table"), f"{source}:{i}")
        return
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or id_column not in reader.fieldnames or text_column not in reader.fieldnames:
            yield Record(source, None, TrialInfo(source_format="table"), source,
                         error=f"{path.name} has no columns {id_column!r} and {text_column!r} (use --id-column/--text-column)")
            return
        for i, row in enumerate(reader, 1):
            tid = row.get(id_column) or f"{source}:{i}"
            yield Record(tid, row.get(text_column), TrialInfo(source_format="table"), f"{source}:{i}")


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")


def _iter_zip(path: Path) -> Iterator[Record]:
    with zipfile.ZipFile(path) as z:
        for name in sorted(z.namelist()):
            low = name.lower()
            if name.endswith("/") or os.path.basename(name).startswith("."):
                continue
            src = f"{path}::{name}"
            if low.endswith(".xml"):
                yield from_xml(z.read(name), src)
            elif low.endswith(".json"):
                with z.open(name) as fh:
                    yield from _iter_json_array(io.TextIOWrapper(fh, encoding="utf-8"), src)
            elif low.endswith((".jsonl", ".ndjson")):
                with z.open(name) as fh:
                    yield from _iter_jsonl(io.TextIOWrapper(fh, encoding="utf-8"), src)


def _iter_tar(path: Path) -> Iterator[Record]:
    with tarfile.open(path, "r:*") as t:
        for member in t:  # streaming: members in archive order
            if not member.isfile():
                continue
            low = member.name.lower()
            src = f"{path}::{member.name}"
            if low.endswith(".xml"):
                fh = t.extractfile(member)
                yield from_xml(fh.read() if fh else b"", src)
            elif low.endswith(".json"):
                fh = t.extractfile(member)
                if fh:
                    yield from _iter_json_array(io.TextIOWrapper(fh, encoding="utf-8"), src)


def file_format(path: Path) -> Optional[str]:
    """The format of one file, or None for files that hold no studies."""
    name = path.name.lower()
    if name.startswith(".") or name in ("readme.md", "readme.txt", "license", "source.md"):
        return None
    if name.endswith((".tar.gz", ".tgz", ".tar")):
        return "tar"
    if name.endswith(".zip"):
        return "zip"
    if name.endswith(".xml"):
        return "xml"
    if name.endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")):
        return "jsonl"
    if name.endswith(".json"):
        return "json"
    if name.startswith("eligibilities") and name.endswith((".txt", ".csv")):
        return "aact"
    if name.endswith((".csv", ".parquet")):
        return "table"
    if name.endswith((".txt", ".md")) and _NCT.search(path.name):
        return "text"
    return None


def iter_records(path: "str | os.PathLike[str]", *, id_column: str = "nct_id", text_column: str = "criteria") -> Iterator[Record]:
    """Stream the studies of a file or folder (formats auto-detected)."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"input {p} does not exist")
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file())
        for f in files:
            if any(part.startswith(".") for part in f.relative_to(p).parts):
                continue
            if file_format(f) is not None:
                yield from _iter_file(f, id_column, text_column)
        return
    fmt = file_format(p)
    if fmt is None:
        raise InputError(f"cannot tell the format of {p}: expected .json, .jsonl[.gz], .xml, .zip, .tar.gz, eligibilities.txt, .csv or .parquet")
    yield from _iter_file(p, id_column, text_column)


def _iter_file(f: Path, id_column: str, text_column: str) -> Iterator[Record]:
    fmt = file_format(f)
    src = str(f)
    try:
        if fmt == "tar":
            yield from _iter_tar(f)
        elif fmt == "zip":
            yield from _iter_zip(f)
        elif fmt == "xml":
            yield from_xml(f.read_bytes(), src)
        elif fmt == "json":
            with _open_text(f) as fh:
                yield from _iter_json_array(fh, src)
        elif fmt == "jsonl":
            with _open_text(f) as fh:
                yield from _iter_jsonl(fh, src)
        elif fmt == "aact":
            with open(f, newline="", encoding="utf-8") as fh:
                yield from _iter_aact(fh, src)
        elif fmt == "table":
            yield from _iter_table(f, id_column, text_column)
        elif fmt == "text":
            yield Record(_id_from(f.name), f.read_text(encoding="utf-8"), TrialInfo(source_format="text"), src)
    except (OSError, UnicodeDecodeError, zipfile.BadZipFile, tarfile.TarError, EOFError) as e:
        yield Record(_id_from(src), None, TrialInfo(source_format=fmt), src, error=f"cannot read {f.name}: {e}")


def count_hint(path: "str | os.PathLike[str]") -> Optional[int]:
    """A cheap estimate of the number of studies (for progress ETA), or None."""
    p = Path(path)
    try:
        if p.is_dir():
            return sum(1 for f in p.rglob("*") if f.is_file() and file_format(f) in ("xml", "text")) or None
        if file_format(p) == "zip":
            with zipfile.ZipFile(p) as z:
                return sum(1 for n in z.namelist() if n.lower().endswith((".xml", ".json")))
    except OSError:
        return None
    return None
