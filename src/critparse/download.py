"""Download ClinicalTrials.gov studies through the public API v2, resumably.

`download_ctgov(out_dir, ...)` pages through ``{base_url}/studies`` with
``format=json``, ``pageSize`` and ``pageToken`` (plus optional ``query.cond`` /
``query.term`` filters) and writes one JSON Lines file per page
(``page-00001.jsonl``, ``page-00002.jsonl``, ...: one study per line), each
written to a temporary file and renamed into place, so a page file is either
complete or absent.  After every page, ``_state.json`` records the number of
pages written and the token of the next page; a rerun with the same query
resumes from there, and a finished download is a no-op.  HTTP 5xx answers,
timeouts and connection errors are retried with exponential backoff; a 4xx
answer is an error at once (a bad query will not get better by retrying).

Only the standard library's ``urllib`` is used.  The folder is what
``critparse batch DIR`` reads (``.jsonl`` files of API v2 study objects).
"""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

DEFAULT_BASE_URL = "https://clinicaltrials.gov/api/v2"
STATE_FILE = "_state.json"
USER_AGENT = "critparse-download/0.1"


class DownloadError(RuntimeError):
    """A download that cannot go on (4xx answer, retries exhausted, bad state)."""


@dataclass
class DownloadResult:
    out_dir: Path
    pages: int = 0  # page files in the folder when the run ended
    studies: int = 0  # studies written by this run
    pages_this_run: int = 0
    complete: bool = False  # the API reported no further page
    total_count: Optional[int] = None  # the API's countTotal, when it was given
    files: List[Path] = field(default_factory=list)


def page_name(n: int) -> str:
    return f"page-{n:05d}.jsonl"


def _query(query_cond: Optional[str], query_term: Optional[str], page_size: int) -> Dict[str, Any]:
    q: Dict[str, Any] = {"format": "json", "pageSize": int(page_size)}
    if query_cond:
        q["query.cond"] = query_cond
    if query_term:
        q["query.term"] = query_term
    return q


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _read_state(path: Path) -> Optional[Dict[str, Any]]:
    if not path.exists():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise DownloadError(f"cannot read {path}: {e} (delete it to start the download again)") from e
    if not isinstance(state, dict) or "pages" not in state:
        raise DownloadError(f"{path} is not a critparse download state (delete it to start again)")
    return state


def fetch_json(url: str, *, retries: int = 5, backoff: float = 1.0, timeout: float = 60.0,
               sleep: Callable[[float], None] = time.sleep,
               on_retry: Optional[Callable[[int, str], None]] = None) -> Any:
    """GET `url` and decode its JSON, retrying 5xx / timeouts / connection errors.

    Waits ``backoff * 2**attempt`` seconds (capped at 60) between attempts;
    raises DownloadError on a 4xx answer or when the retries are spent."""
    attempt = 0
    while True:
        reason: str
        try:
            req = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                body = resp.read()
            try:
                return json.loads(body.decode("utf-8"))
            except ValueError as e:
                reason = f"invalid JSON in the answer ({e})"
        except urllib.error.HTTPError as e:
            if e.code < 500:
                detail = ""
                try:
                    detail = e.read().decode("utf-8", "replace").strip().splitlines()[0][:200]
                except Exception:  # noqa: BLE001 - best effort detail only
                    pass
                msg = f"HTTP {e.code} {e.reason} from {url}"
                raise DownloadError(msg + (f": {detail}" if detail else "")) from None
            reason = f"HTTP {e.code} {e.reason}"
        except (OSError, http.client.HTTPException) as e:  # URLError, timeouts, resets, IncompleteRead
            r = getattr(e, "reason", None) or e
            reason = r if isinstance(r, str) else f"{type(r).__name__}: {r}"
        if attempt >= retries:
            raise DownloadError(f"giving up on {url} after {attempt + 1} attempts: {reason}")
        if on_retry is not None:
            on_retry(attempt + 1, reason)
        sleep(min(60.0, backoff * (2 ** attempt)))
        attempt += 1


def download_ctgov(
    out_dir: "str | os.PathLike[str]",
    *,
    query_cond: Optional[str] = None,
    query_term: Optional[str] = None,
    page_size: int = 1000,
    base_url: str = DEFAULT_BASE_URL,
    max_pages: Optional[int] = None,
    retries: int = 5,
    backoff: float = 1.0,
    timeout: float = 60.0,
    progress: bool = True,
    sleep: Callable[[float], None] = time.sleep,
    log: Optional[Callable[[str], None]] = None,
) -> DownloadResult:
    """Download studies page by page into `out_dir` (resuming from its ``_state.json``).

    `max_pages` caps the pages fetched by this run (the state allows a later run
    to continue).  Returns what is in the folder and what this run added."""
    if page_size < 1 or page_size > 1000:
        raise ValueError("page_size must be between 1 and 1000 (the API's maximum)")
    if max_pages is not None and max_pages < 0:
        raise ValueError("max_pages must be >= 0")
    out = Path(out_dir)
    base = base_url.rstrip("/")
    state = _open_state(out, _query(query_cond, query_term, page_size), base)
    result = DownloadResult(out, pages=int(state["pages"]), complete=bool(state.get("complete")),
                            total_count=state.get("total_count"))
    say = log or (lambda m: None)
    if result.complete:
        say(f"{out}: download already complete ({result.pages} pages, {state.get('studies', 0)} studies)")
        return result
    if state["pages"]:
        say(f"{out}: resuming after page {state['pages']} ({state.get('studies', 0)} studies so far)")
    bar = _Bar(state, say, retries) if progress else _Bar(None, say, retries)
    try:
        while max_pages is None or result.pages_this_run < max_pages:
            url = _next_url(base, state)
            if url is None:  # a state without a token is a finished download
                state["complete"] = True
                _save_state(out, state)
                break
            data = fetch_json(url, retries=retries, backoff=backoff, timeout=timeout, sleep=sleep,
                              on_retry=bar.retry)
            token = _store_page(out, state, data, url, result)
            bar.page(state, len(data["studies"]))
            if token is None:
                break
    finally:
        bar.stop()
    result.pages = int(state["pages"])
    result.complete = bool(state.get("complete"))
    result.total_count = state.get("total_count")
    return result


def _open_state(out: Path, query: Dict[str, Any], base: str) -> Dict[str, Any]:
    """The download state of `out` (a new one for an empty folder); another query's state is an error."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".*.tmp-*"):  # left by a run killed in the middle of a write
        stale.unlink(missing_ok=True)
    state = _read_state(out / STATE_FILE)
    if state is None:
        return {"base_url": base, "query": query, "pages": 0, "studies": 0, "next_page_token": None,
                "complete": False, "total_count": None}
    if state.get("query") != query:  # page tokens belong to one query
        raise DownloadError(
            f"{out} holds a download of another query ({state.get('query')}); use another --out folder or delete it")
    return state


def _save_state(out: Path, state: Dict[str, Any]) -> None:
    _atomic_write(out / STATE_FILE, json.dumps(state, indent=1, sort_keys=True).encode("utf-8"))


def _next_url(base: str, state: Dict[str, Any]) -> Optional[str]:
    """The URL of the next page, or None when the state says there is none."""
    params = dict(state["query"])
    if state["pages"] == 0:
        params["countTotal"] = "true"
    elif not state.get("next_page_token"):
        return None
    else:
        params["pageToken"] = state["next_page_token"]
    return f"{base}/studies?{urllib.parse.urlencode(params)}"


def _store_page(out: Path, state: Dict[str, Any], data: Any, url: str, result: DownloadResult) -> Optional[str]:
    """Write one answer's studies as the next page file, then the state; returns the next page token."""
    if not isinstance(data, dict) or not isinstance(data.get("studies"), list):
        raise DownloadError(f"unexpected answer from {url}: no 'studies' list")
    studies = data["studies"]
    n = state["pages"] + 1
    path = out / page_name(n)
    _atomic_write(path, b"".join(_study_line(st) for st in studies))
    token = data.get("nextPageToken") or None
    if state["pages"] == 0 and isinstance(data.get("totalCount"), int):
        state["total_count"] = data["totalCount"]
    state.update(pages=n, studies=int(state.get("studies", 0)) + len(studies), next_page_token=token,
                 complete=token is None)
    _save_state(out, state)
    result.pages_this_run += 1
    result.studies += len(studies)
    result.files.append(path)
    return token


def _study_line(study: Any) -> bytes:
    """One JSON Lines line; a study holding a lone surrogate keeps it as a JSON escape (valid UTF-8)."""
    line = json.dumps(study, ensure_ascii=False, separators=(",", ":")) + "\n"
    try:
        return line.encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(study, separators=(",", ":")) + "\n").encode("ascii")


class _Bar:
    """The download's progress bar (rich) and its retry messages; silent without a state."""

    def __init__(self, state: Optional[Dict[str, Any]], say: Callable[[str], None], retries: int) -> None:
        self.say, self.retries, self.bar, self.task = say, retries, None, None
        if state is None:
            return
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self.bar = Progress(TextColumn("[bold]download[/] {task.fields[page]} page(s)"), BarColumn(),
                            MofNCompleteColumn(), TextColumn("studies"), TimeElapsedColumn(), TimeRemainingColumn(),
                            transient=False)
        self.bar.start()
        self.task = self.bar.add_task("download", total=state.get("total_count"), completed=state.get("studies", 0),
                                      page=state["pages"])

    def retry(self, n: int, reason: str) -> None:
        msg = f"retry {n}/{self.retries} after {reason}"
        if self.bar is not None:
            self.bar.console.print(f"[yellow]{msg}[/]")
        else:
            self.say(msg)

    def page(self, state: Dict[str, Any], n_studies: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, total=state.get("total_count"), advance=n_studies, page=state["pages"])

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
