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
from typing import IO, Any, Callable, Dict, Iterator, List, Optional

from ..records import TrialInfo
from ..textsafe import clean_text

_NCT = re.compile(r"NCT\d{8}")
_XML_ID = re.compile(rb"<nct_id>\s*(NCT\d{8})\s*</nct_id>")

#: the most bytes one study may take (an XML file or archive member, a JSON Lines line, a JSON
#: array item, a CSV field): a bigger one is an error record, so a zip bomb cannot exhaust memory
MAX_RECORD_BYTES = 64 << 20
csv.field_size_limit(MAX_RECORD_BYTES)


@dataclass
class Record:
    trial_id: str
    text: Optional[str]
    info: TrialInfo = field(default_factory=TrialInfo)
    source: str = ""
    error: Optional[str] = None  # set when the record could not be read

    def __post_init__(self) -> None:
        # lone surrogates (JSON escapes such as "\\udfff") become U+FFFD: same length, encodable
        self.trial_id = clean_text(self.trial_id)
        self.text = clean_text(self.text)
        self.source = clean_text(self.source)
        self.error = clean_text(self.error)
        i = self.info
        i.sex, i.minimum_age, i.maximum_age = clean_text(i.sex), clean_text(i.minimum_age), clean_text(i.maximum_age)
        if i.std_ages:
            i.std_ages = [clean_text(a) for a in i.std_ages]


SkipFn = Callable[[str, str], None]  # (source, reason) of a file that holds no studies


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


class _WrongType(ValueError):
    """A study field holding the wrong JSON type (the record becomes an error record)."""


def _typed(obj: Dict[str, Any], key: str, path: str, kind: type) -> Any:
    """obj[key] when absent/None or of JSON type `kind`; else _WrongType naming the field."""
    v = obj.get(key)
    if v is None or (isinstance(v, kind) and not (kind is not bool and isinstance(v, bool))):
        return v
    want = {dict: "an object", str: "a string", list: "an array", bool: "true/false"}[kind]
    raise _WrongType(f"{path}{key} is {_json_type(v)}, not {want}")


def _json_type(v: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(v), type(v).__name__)


def _std_ages(v: Any, path: str) -> Optional[List[str]]:
    if v is None:
        return None
    if not isinstance(v, list) or not all(isinstance(a, str) for a in v):
        raise _WrongType(f"{path}stdAges is {_json_type(v)}, not an array of strings")
    return v


def from_v2_study(study: Dict[str, Any], source: str) -> Record:
    """A Record from one API v2 study object (or the derived-JSONL / flat layouts); a field with the
    wrong JSON type (a module given as a string, an int nctId) gives an error record naming it."""
    try:
        return _from_v2_study(study, source)
    except _WrongType as e:
        m = _NCT.search(json.dumps(study, ensure_ascii=False)[:4096]) if isinstance(study, dict) else None
        fmt = "ctgov_v2_json" if "protocolSection" in study else "ctgov_jsonl"
        return Record(m.group(0) if m else _id_from(source), None, TrialInfo(source_format=fmt), source,
                      error=f"wrong JSON type: {e}")


def _from_v2_study(study: Dict[str, Any], source: str) -> Record:
    if "protocolSection" in study:
        ps = _typed(study, "protocolSection", "", dict) or {}
        im = _typed(ps, "identificationModule", "protocolSection.", dict) or {}
        nct = _typed(im, "nctId", "protocolSection.identificationModule.", str) or _id_from(source)
        where = "protocolSection.eligibilityModule."
        em = _typed(ps, "eligibilityModule", "protocolSection.", dict) or {}
        info = TrialInfo(
            sex=_sex(_typed(em, "sex", where, str)), minimum_age=_na(_typed(em, "minimumAge", where, str)),
            maximum_age=_na(_typed(em, "maximumAge", where, str)),
            healthy_volunteers=_bool(_typed(em, "healthyVolunteers", where, bool)),
            std_ages=_std_ages(em.get("stdAges"), where), source_format="ctgov_v2_json",
        )
        return Record(nct, _typed(em, "eligibilityCriteria", where, str), info, source)
    if "nct_id" in study or "nctId" in study:  # derived JSONL / flat export
        def text(*keys: str) -> Optional[str]:
            for k in keys:
                v = _typed(study, k, "", str)
                if v:
                    return v
            return None

        hv = study.get("healthy_volunteers")
        if hv is not None and not isinstance(hv, (str, bool)):
            raise _WrongType(f"healthy_volunteers is {_json_type(hv)}, not true/false")
        info = TrialInfo(sex=_sex(text("gender", "sex")), minimum_age=_na(text("minimum_age")),
                         maximum_age=_na(text("maximum_age")), healthy_volunteers=_bool(hv),
                         source_format="ctgov_jsonl")
        return Record(text("nct_id", "nctId") or _id_from(source), text("criteria", "eligibility_criteria"), info, source)
    return Record(_id_from(source), None, TrialInfo(source_format="json"), source,
                  error="JSON object is not a ClinicalTrials.gov study (no protocolSection or nct_id)")


def from_xml(data: bytes, source: str) -> Record:
    from defusedxml import ElementTree as ET

    try:
        root = ET.fromstring(data)
    except Exception as e:  # ParseError, DefusedXmlException
        m = _XML_ID.search(data)
        tid = m.group(1).decode() if m else _id_from(source)
        return Record(tid, None, TrialInfo(source_format="ctgov_xml"), source, error=f"bad XML: {e}")
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

# one JSON token that matters for finding where an array item ends: a whole
# string (escapes included), a lone quote (a string cut off by the buffer or by
# corruption), or a bracket
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|"|[{}\[\]]', re.S)


def _item_end(buf: str, pos: int) -> Optional[int]:
    """Index just after the JSON object/array starting at buf[pos], or None if the buffer ends first."""
    depth = 0
    for m in _JSON_TOKEN.finditer(buf, pos):
        tok = m.group(0)
        if tok == '"':
            return None  # an unterminated string: more data needed (or a corrupt item)
        if tok in "{[":
            depth += 1
        elif tok in "}]":
            depth -= 1
            if depth == 0:
                return m.end()
    return None


def _bad_item(source: str, n: int, text: str, msg: str) -> Record:
    m = _NCT.search(text)
    tid = m.group(0) if m else f"{_id_from(source)}#{n}"
    return Record(tid, None, TrialInfo(source_format="ctgov_v2_json"), f"{source}#{n}", error=msg)


def _iter_json_array(fh: IO[str], source: str) -> Iterator[Record]:
    """Stream the objects of a top-level JSON array (or one object) without loading the file.

    Items are decoded one at a time with ``json.JSONDecoder.raw_decode`` over a
    sliding buffer.  A corrupt item (invalid JSON between balanced brackets, or
    cut short) becomes one error record and the reader goes on with the next
    item: the next balanced object, or the next line starting with ``{`` (the
    registry's layout puts one study per line)."""
    dec = json.JSONDecoder()
    buf = ""
    pos = 0
    eof = False
    started = False
    n = 0

    def fill() -> bool:
        nonlocal buf, pos, eof
        if eof:
            return False
        chunk = fh.read(1 << 20)
        if not chunk:
            eof = True
            return False
        buf = buf[pos:] + chunk
        pos = 0
        return True

    while True:
        while pos < len(buf) and buf[pos] in " \t\r\n,\ufeff":
            pos += 1
        if pos >= len(buf):
            if not fill():
                return
            continue
        if not started:
            started = True
            if buf[pos] == "[":
                pos += 1
                continue
            if buf[pos] == "{":  # a single study object (one study per file)
                while len(buf) - pos <= MAX_RECORD_BYTES and fill():
                    pass
                if len(buf) - pos > MAX_RECORD_BYTES:
                    yield Record(_id_from(source), None, TrialInfo(source_format="ctgov_v2_json"), source,
                                 error=f"study larger than {MAX_RECORD_BYTES >> 20} MiB: not read")
                    return
                try:
                    obj = json.loads(buf[pos:])
                except json.JSONDecodeError as e:
                    yield Record(_id_from(source), None, TrialInfo(source_format="ctgov_v2_json"), source,
                                 error=f"bad JSON: {e}")
                    return
                yield from_v2_study(obj, source)
                return
            yield Record(_id_from(source), None, TrialInfo(source_format="json"), source,
                         error="not a JSON array or object")
            return
        if buf[pos] == "]":
            return
        try:
            obj, end = dec.raw_decode(buf, pos)
        except json.JSONDecodeError as e:
            end = _item_end(buf, pos) if buf[pos] == "{" else None
            if end is None and not eof and len(buf) - pos < MAX_RECORD_BYTES and fill():
                continue  # the item goes on in the next block
            # a corrupt item: skip to the end of its brackets or to the next line starting an object
            nl = buf.find("\n{", pos + 1)
            while nl == -1 and not eof and len(buf) - pos < MAX_RECORD_BYTES and fill():
                nl = buf.find("\n{", pos + 1)
            stop = min(x for x in (end, nl + 1 if nl != -1 else None, len(buf)) if x is not None)
            n += 1
            yield _bad_item(source, n, buf[pos:stop], f"bad JSON in array item {n}: {e.msg}")
            pos = stop
            continue
        n += 1
        pos = end
        if not isinstance(obj, dict):
            yield _bad_item(source, n, "", f"array item {n} is not a JSON object")
            continue
        yield from_v2_study(obj, f"{source}#{n}")


def _bounded_lines(fh: IO[bytes], limit: int) -> Iterator[Optional[bytes]]:
    """The lines of `fh`, each read with at most `limit` + 1 bytes in memory; None for a longer line
    (skipped to its end)."""
    while True:
        raw = fh.readline(limit + 1)
        if not raw:
            return
        if len(raw) > limit and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = fh.readline(1 << 20)
            yield None
            continue
        yield raw


def _iter_jsonl(fh: IO[bytes], source: str) -> Iterator[Record]:
    """One study per line; a line that is not UTF-8 or not JSON, or longer than MAX_RECORD_BYTES, is
    one error record."""
    for i, raw in enumerate(_bounded_lines(fh, MAX_RECORD_BYTES), 1):
        if raw is None:
            yield Record(f"{source}:{i}", None, TrialInfo(source_format="jsonl"), f"{source}:{i}",
                         error=f"line {i} is longer than {MAX_RECORD_BYTES >> 20} MiB: not read")
            continue
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
            obj = json.loads(line)
        except UnicodeDecodeError as e:
            m = _NCT.search(raw.decode("utf-8", "replace"))
            yield Record(m.group(0) if m else f"{source}:{i}", None, TrialInfo(source_format="jsonl"), f"{source}:{i}",
                         error=f"line {i} is not UTF-8: {e.reason} at byte {e.start}")
            continue
        except json.JSONDecodeError as e:
            m = _NCT.search(line)
            yield Record(m.group(0) if m else f"{source}:{i}", None, TrialInfo(source_format="jsonl"), f"{source}:{i}",
                         error=f"bad JSON line {i}: {e.msg}")
            continue
        if not isinstance(obj, dict):
            yield Record(f"{source}:{i}", None, TrialInfo(source_format="jsonl"), f"{source}:{i}", error="JSON line is not an object")
            continue
        yield from_v2_study(obj, f"{source}:{i}")


def _merged_row(fields: List[Optional[str]], delimiter: str) -> Optional[str]:
    """The trial id that starts a line inside a field: a quote left open swallowed the next record(s)."""
    for v in fields:
        if v and "\n" in v:
            m = re.search(r"\n(?:[^\n%s\"]*%s)?(NCT\d{8})%s" % ((re.escape(delimiter),) * 3), v)
            if m:
                return m.group(1)
    return None


def _csv_rows(reader: "csv.DictReader", source: str, delimiter: str) -> Iterator[tuple]:
    """(row number, first line, row or None, error or None) of a CSV reader: a row the csv module
    refuses, or one into which an unterminated quote merged the next record, is an error."""
    line = reader.line_num + 1  # the line where the next row starts (rows may span lines)
    i = 0
    while True:
        i += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            here, line = line, reader.line_num + 1
            yield i, here, None, f"row {i} (line {here}) cannot be read: {e}"
            continue
        here, line = line, reader.line_num + 1
        values = [v for k, v in row.items() if k is not None] + list(row.get(None) or [])
        swallowed = _merged_row(values, delimiter)
        if swallowed:
            yield i, here, row, (f"row {i} (lines {here}-{line - 1}) runs into the start of another record "
                                 f"({swallowed}): an unterminated quote?")
            continue
        yield i, here, row, None


def _iter_aact(fh: IO[str], source: str) -> Iterator[Record]:
    reader = csv.DictReader(fh, delimiter="|", quotechar='"')
    if reader.fieldnames is None:
        return
    if "nct_id" not in reader.fieldnames:  # one error record: the other files of a folder are read
        yield Record(_id_from(source), None, TrialInfo(source_format="aact"), source,
                     error=f"{source} has no nct_id column: not an AACT eligibilities file")
        return
    for i, here, row, err in _csv_rows(reader, source, "|"):
        row = row or {}
        nct = str(row.get("nct_id") or "").strip()
        info = TrialInfo(sex=_sex(row.get("gender")), minimum_age=_na(row.get("minimum_age")),
                         maximum_age=_na(row.get("maximum_age")), healthy_volunteers=_bool(row.get("healthy_volunteers")),
                         source_format="aact")
        if err:
            yield Record(nct or f"{source}:{here}", None, info, f"{source}:{here}", error=err)
            continue
        if not nct:
            yield Record(f"{source}:{here}", None, info, f"{source}:{here}", error=f"row {i} without nct_id")
            continue
        if None in row:  # more fields than the header: a stray delimiter or quote
            yield Record(nct, None, info, f"{source}:{here}",
                         error=f"row {i} has {len(reader.fieldnames) + len(row[None])} fields, the header {len(reader.fieldnames)}")
            continue
        yield Record(nct, row.get("criteria"), info, f"{source}:{here}")


def csv_encoding(path: Path) -> str:
    """'utf-8-sig' (UTF-8, with or without a byte-order mark) when the whole file decodes as UTF-8,
    else 'cp1252' (Windows' superset of latin-1; 'latin-1' where cp1252 has a hole): a CSV saved
    by a spreadsheet is read rather than refused."""
    import codecs

    dec = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as fh:
            while True:
                block = fh.read(1 << 20)
                dec.decode(block, final=not block)
                if not block:
                    return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        with open(path, "rb") as fh:
            while True:
                block = fh.read(1 << 20)
                if not block:
                    return "cp1252"
                block.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"


def _open_csv(path: Path, on_note: Optional["SkipFn"] = None, source: str = "") -> IO[str]:
    enc = csv_encoding(path)
    if enc != "utf-8-sig" and on_note:
        on_note(source or path.name, f"not UTF-8: decoded as {enc}")
    return open(path, newline="", encoding=enc)


def _table_columns(path: Path) -> List[str]:
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return list(pq.ParquetFile(path).schema_arrow.names)
    with open(path, newline="", encoding=csv_encoding(path)) as fh:
        return next(csv.reader(fh), [])


def _iter_table(path: Path, source: str, id_column: str, text_column: str,
                on_note: Optional[SkipFn] = None) -> Iterator[Record]:
    cols = _table_columns(path)
    missing = [c for c in (id_column, text_column) if c not in cols]
    if missing:
        raise InputError(f"{path.name} has no column(s) {', '.join(map(repr, missing))} "
                         f"(it has {', '.join(cols[:12])}); name them with --id-column/--text-column")
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        i = 0
        for batch in pf.iter_batches(columns=[id_column, text_column], batch_size=2000):
            for tid, text in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist()):
                i += 1
                yield _table_record(tid, text, f"{source}:{i}")
        return
    with _open_csv(path, on_note, source) as fh:
        reader = csv.DictReader(fh)
        for i, here, row, err in _csv_rows(reader, source, ","):
            if err:
                tid = str((row or {}).get(id_column) or "").strip()
                yield Record(tid or f"{source}:{here}", None, TrialInfo(source_format="table"), f"{source}:{here}",
                             error=err)
                continue
            yield _table_record(row.get(id_column), row.get(text_column), f"{source}:{here}")


def _table_record(tid: Any, text: Any, where: str) -> Record:
    info = TrialInfo(source_format="table")
    if tid is None or str(tid).strip() == "":
        return Record(where, None, info, where, error="row without an id")
    if text is not None and not isinstance(text, str):
        return Record(str(tid), None, info, where, error=f"text column holds {type(text).__name__}, not text")
    return Record(str(tid).strip(), text, info, where)


def _open_binary(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def _open_text(path: Path) -> IO[str]:
    # a stray byte that is not UTF-8 becomes U+FFFD instead of ending the file
    return io.TextIOWrapper(_open_binary(path), encoding="utf-8", errors="replace")


def _read_bounded(fh: IO[bytes], what: str) -> bytes:
    """All of a stream, or OSError when it holds more than MAX_RECORD_BYTES (a zip bomb)."""
    data = fh.read(MAX_RECORD_BYTES + 1)
    if len(data) > MAX_RECORD_BYTES:
        raise _TooLarge(f"{what} is larger than {MAX_RECORD_BYTES >> 20} MiB uncompressed: not read")
    return data


class _TooLarge(OSError):
    """A study file or archive member over MAX_RECORD_BYTES."""


class _Raw(io.RawIOBase):
    """A plain readable stream over any object with read() (a tar stream member is not seekable,
    and io.TextIOWrapper asks)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self._fh.read(len(b))
        b[:len(data)] = data
        return len(data)


def _iter_member(fmt: Optional[str], fh: IO[bytes], src: str) -> Iterator[Record]:
    """Records of one archive member, by the format its name says."""
    fh = io.BufferedReader(_Raw(fh))
    if fmt == "xml":
        yield from_xml(_read_bounded(fh, src.rsplit("::", 1)[-1]), src)
    elif fmt == "json":
        yield from _iter_json_array(io.TextIOWrapper(fh, encoding="utf-8", errors="replace"), src)
    elif fmt == "jsonl":
        yield from _iter_jsonl(gzip.GzipFile(fileobj=fh) if src.endswith(".gz") else fh, src)
    elif fmt == "aact":
        yield from _iter_aact(io.TextIOWrapper(fh, encoding="utf-8", errors="replace", newline=""), src)


def _unsafe_member(name: str) -> Optional[str]:
    """Why an archive member name is refused (an absolute path or a `..` part), or None."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "an absolute path"
    if ".." in re.split(r"[/\\]", name):
        return "a '..' part"
    return None


_ARCHIVE_FORMATS = ("xml", "json", "jsonl", "aact")
# files that document a dump: skipped without a word
_DOC_NAMES = frozenset({"readme.md", "readme.txt", "readme", "license", "license.txt", "source.md",
                        "_manifest.json", "_state.json"})


def _member_error(name: str, src: str, fmt: Optional[str], msg: str) -> Record:
    return Record(_id_from(name), None, TrialInfo(source_format=fmt), src, error=msg)


def _iter_zip(path: Path, source: str, on_skip: Optional[SkipFn]) -> Iterator[Record]:
    with zipfile.ZipFile(path) as z:
        for info in sorted(z.infolist(), key=lambda i: i.filename):
            name = info.filename
            fmt = file_format(Path(name))
            src = f"{source}::{name}"
            bad = _unsafe_member(name)
            if bad and not info.is_dir():  # before the hidden-file rule: '..' starts with a dot
                yield _member_error(name, src, fmt, f"archive member {name!r} has {bad}: not read")
                continue
            if info.is_dir() or any(part.startswith(".") and part != "." or part == "__MACOSX" for part in name.split("/")):
                continue
            if fmt not in _ARCHIVE_FORMATS:
                if on_skip:
                    on_skip(src, "not a study file")
                continue
            if fmt == "xml" and info.file_size > MAX_RECORD_BYTES:
                yield _member_error(name, src, fmt, f"{name} is larger than {MAX_RECORD_BYTES >> 20} MiB "
                                                    "uncompressed: not read")
                continue
            try:
                with z.open(info) as fh:
                    yield from _iter_member(fmt, fh, src)
            except (OSError, zipfile.BadZipFile, UnicodeDecodeError, EOFError, RuntimeError, ValueError) as e:
                yield _member_error(name, src, fmt, str(e) if isinstance(e, _TooLarge) else f"cannot read {name}: {e}")


def _iter_tar(path: Path, source: str, on_skip: Optional[SkipFn]) -> Iterator[Record]:
    with tarfile.open(path, "r|*") as t:  # a stream: members in archive order, nothing unpacked
        for member in t:
            if not member.isfile():
                continue
            fmt = file_format(Path(member.name))
            src = f"{source}::{member.name}"
            bad = _unsafe_member(member.name)
            if bad:  # before the hidden-file rule: '..' starts with a dot
                yield _member_error(member.name, src, fmt, f"archive member {member.name!r} has {bad}: not read")
                continue
            if any(part.startswith(".") and part != "." for part in member.name.split("/")):
                continue
            if fmt not in _ARCHIVE_FORMATS:
                if on_skip:
                    on_skip(src, "not a study file")
                continue
            fh = t.extractfile(member)
            if fh is None:
                continue
            try:
                yield from _iter_member(fmt, fh, src)
            except _TooLarge as e:
                yield _member_error(member.name, src, fmt, str(e))


def file_format(path: Path) -> Optional[str]:
    """The format of one file, or None for files that hold no studies."""
    name = path.name.lower()
    if name.startswith(".") or name in _DOC_NAMES:
        return None
    if name.endswith((".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz")):
        return "tar"
    if name.endswith(".zip"):
        return "zip"
    if name.endswith(".xml"):
        return "xml"
    if name.endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")):
        return "jsonl"
    if name.endswith((".json", ".json.gz")):
        return "json"
    if name.startswith("eligibilities") and name.endswith((".txt", ".csv")):
        return "aact"
    if name.endswith((".csv", ".parquet")):
        return "table"
    if name.endswith((".txt", ".md")) and _NCT.search(path.name):
        return "text"
    return None


def iter_records(path: "str | os.PathLike[str]", *, id_column: str = "nct_id", text_column: str = "criteria",
                 on_skip: Optional[SkipFn] = None, on_note: Optional[SkipFn] = None) -> Iterator[Record]:
    """Stream the studies of a file or folder (formats auto-detected per file).

    Folders are walked in sorted order; files that hold no studies (README,
    a CSV export without the id/text columns such as ``SearchResults.csv``)
    are skipped and reported through ``on_skip(source, reason)``; what was read
    with a fallback (a CSV that is not UTF-8) through ``on_note(source, note)``.
    A file or folder that cannot be read (a FIFO, a broken link, no permission)
    is an error record. Sources are written relative to the input
    (``NCT0000xxxx/NCT00000102.xml``, ``dump.tar.gz::NCT0000xxxx/NCT00000102.xml``,
    ``ctg-studies.json#3``), so the tables do not depend on where the dump lies."""
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        raise InputError(f"input {p} does not exist")
    if not p.is_dir():
        fmt = file_format(p)
        if fmt is None:
            raise InputError(f"cannot tell the format of {p}: expected .json, .jsonl[.gz], .xml, .zip, .tar.gz, "
                             "eligibilities.txt, .csv or .parquet")
        bad = special_file(p)
        if bad:
            raise InputError(f"input {p} is {bad}")
        yield from _iter_file(p, p.name, id_column, text_column, on_skip, on_note)
        return
    walk_errors: List[Record] = []

    def unreadable(e: OSError) -> None:
        rel = Path(e.filename).relative_to(p).as_posix() if e.filename else "?"
        walk_errors.append(Record(rel, None, TrialInfo(), rel, error=f"cannot read folder {rel}: {e.strerror or e}"))

    for f in _walk(p, onerror=unreadable):
        yield from walk_errors
        walk_errors.clear()
        yield from _iter_path(f, f.relative_to(p).as_posix(), id_column, text_column, on_skip, on_note)
    yield from walk_errors


def _iter_path(f: Path, rel: str, id_column: str, text_column: str, on_skip: Optional[SkipFn],
               on_note: Optional[SkipFn]) -> Iterator[Record]:
    """Records of one file found in a folder (nothing for a file that holds no studies)."""
    fmt = file_format(f)
    if fmt is None:
        if on_skip and f.name.lower() not in _DOC_NAMES:
            on_skip(rel, "not a study file")
        return
    bad = special_file(f)
    if bad:  # never opened: a FIFO would block forever
        yield Record(_id_from(f.name), None, TrialInfo(source_format=fmt), rel, error=f"{rel} is {bad}: not read")
        return
    if fmt == "table":
        try:
            cols = _table_columns(f)
        except Exception as e:  # unreadable table: one error, not a crash
            yield Record(_id_from(f.name), None, TrialInfo(source_format=fmt), rel, error=f"cannot read {f.name}: {e}")
            return
        if id_column not in cols or text_column not in cols:
            if on_skip:
                on_skip(rel, f"no {id_column!r}/{text_column!r} columns")
            return
    yield from _iter_file(f, rel, id_column, text_column, on_skip, on_note)


def special_file(f: Path) -> Optional[str]:
    """What a path is when it is not a regular file a reader may open (a FIFO, a device, a socket,
    a broken symbolic link), or None."""
    import stat

    try:
        st = f.stat()
    except FileNotFoundError:
        return "a broken symbolic link" if f.is_symlink() else "gone"
    except OSError as e:
        return f"not accessible ({e.strerror or e})"
    if stat.S_ISREG(st.st_mode):
        return None
    if stat.S_ISFIFO(st.st_mode):
        return "a FIFO (named pipe), not a regular file"
    if stat.S_ISDIR(st.st_mode):
        return "a folder"
    return "a special file (device or socket), not a regular file"


def _walk(root: Path, onerror: Optional[Callable[[OSError], None]] = None) -> Iterator[Path]:
    """Files under `root`, sorted, one folder listing in memory at a time (a registry
    dump has 500,000+ files); hidden and ``_``-prefixed files and folders, and the output
    folders of earlier batch runs (they hold ``_manifest.json``) are left out. A folder that
    cannot be listed goes to `onerror`. Symbolic links to folders are not followed."""
    for folder, dirs, files in os.walk(root, onerror=onerror):
        if folder != str(root) and "_manifest.json" in files:
            dirs[:] = []  # the output of an earlier `critparse batch` run (`--out` inside the input)
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(files):
            if not name.startswith((".", "_")):
                yield Path(folder) / name


def _iter_file(f: Path, src: str, id_column: str, text_column: str, on_skip: Optional[SkipFn],
               on_note: Optional[SkipFn] = None) -> Iterator[Record]:
    fmt = file_format(f)
    try:
        if fmt == "tar":
            yield from _iter_tar(f, src, on_skip)
        elif fmt == "zip":
            yield from _iter_zip(f, src, on_skip)
        elif fmt == "xml":
            with open(f, "rb") as fh:
                yield from_xml(_read_bounded(fh, src), src)
        elif fmt == "json":
            with _open_text(f) as fh:
                yield from _iter_json_array(fh, src)
        elif fmt == "jsonl":
            with _open_binary(f) as fh:
                yield from _iter_jsonl(fh, src)
        elif fmt == "aact":
            with _open_csv(f, on_note, src) as fh:
                yield from _iter_aact(fh, src)
        elif fmt == "table":
            yield from _iter_table(f, src, id_column, text_column, on_note)
        elif fmt == "text":
            with open(f, "rb") as fh:
                data = _read_bounded(fh, src)
            yield Record(_id_from(f.name), data.decode("utf-8", errors="replace"), TrialInfo(source_format="text"), src)
    except _TooLarge as e:
        yield Record(_id_from(src), None, TrialInfo(source_format=fmt), src, error=str(e))
    except (OSError, UnicodeDecodeError, zipfile.BadZipFile, tarfile.TarError, EOFError, csv.Error) as e:
        # the records read before the failure are kept; the rest of the file is one error
        yield Record(_id_from(src), None, TrialInfo(source_format=fmt), src, error=f"cannot read {f.name}: {e}")


def count_hint(path: "str | os.PathLike[str]", id_column: str = "nct_id", text_column: str = "criteria") -> Optional[int]:
    """The number of studies, counted cheaply where the format allows (for the progress ETA), or None."""
    p = Path(path)
    try:
        if p.is_dir():
            return sum(_file_count(f) or 0 for f in _walk(p) if special_file(f) is None) or None
        return _file_count(p) if special_file(p) is None else None
    except Exception:  # a hint only
        return None


def _file_count(f: Path) -> Optional[int]:
    fmt = file_format(f)
    if fmt in ("xml", "text"):
        return 1
    if fmt == "zip":
        with zipfile.ZipFile(f) as z:
            return sum(1 for n in z.namelist() if file_format(Path(n)) in ("xml", "json"))
    if fmt == "tar":
        with tarfile.open(f, "r|*") as t:
            return sum(1 for m in t if m.isfile() and file_format(Path(m.name)) == "xml")
    if fmt == "aact":
        with open(f, newline="", encoding="utf-8") as fh:
            return sum(1 for _ in csv.reader(fh, delimiter="|")) - 1
    if fmt == "table" and f.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(f).metadata.num_rows
    if fmt in ("jsonl", "json"):
        needle = b"\n" if fmt == "jsonl" else b'"protocolSection"'
        n = 0
        opener = gzip.open if f.name.endswith(".gz") else open
        with opener(f, "rb") as fh:
            tail = b""
            while True:
                block = fh.read(1 << 22)
                if not block:
                    break
                data = tail + block
                n += data.count(needle)
                tail = data[-(len(needle) - 1):] if len(needle) > 1 else b""  # a needle split across blocks
        return n or (1 if fmt == "json" else None)
    return None
