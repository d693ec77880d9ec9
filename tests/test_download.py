"""`critparse download ctgov` against a fake API v2 server on 127.0.0.1 (never the real network)."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from critparse.batch.readers import iter_records
from critparse.cli import app
from critparse.download import DownloadError, download_ctgov, fetch_json, page_name


def _study(i: int) -> dict:
    nct = f"NCT99{i:06d}"
    return {"protocolSection": {
        "identificationModule": {"nctId": nct, "briefTitle": f"Fictional study {i}"},
        "eligibilityModule": {
            "eligibilityCriteria": f"Inclusion Criteria:\n\n* Age \\>= {18 + i} years\n* Hémoglobine ≥ 9 g/dL\n\n"
                                   "Exclusion Criteria:\n\n* Pregnancy",
            "sex": "ALL", "minimumAge": f"{18 + i} Years", "stdAges": ["ADULT"], "healthyVolunteers": False},
    }}


# token -> (studies, next token); the first page has no token
PAGES = {
    None: ([_study(1), _study(2)], "tok-B"),
    "tok-B": ([_study(3), _study(4)], "tok-C"),
    "tok-C": ([_study(5)], None),
}
EXPECTED_IDS = [f"NCT99{i:06d}" for i in range(1, 6)]


class FakeAPI:
    """A ThreadingHTTPServer that serves PAGES at /api/v2/studies and records every request."""

    def __init__(self, fail_once=("tok-B",), status_for=None):
        self.requests: list = []
        self.fail_once = set(fail_once)  # tokens answered once with 503 before succeeding
        self.status_for = dict(status_for or {})  # token -> permanent HTTP status
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):  # keep pytest output clean
                pass

            def do_GET(self):
                u = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(u.query))
                api.requests.append((u.path, q))
                token = q.get("pageToken")
                if u.path != "/api/v2/studies":
                    return self._send(404, {"message": "not found"})
                if token in api.status_for:
                    return self._send(api.status_for[token], {"message": f"bad request for {token}"})
                if token in api.fail_once:
                    api.fail_once.discard(token)
                    return self._send(503, {"message": "Service Unavailable"})
                if token not in PAGES:
                    return self._send(400, {"message": f"invalid pageToken {token}"})
                studies, nxt = PAGES[token]
                body = {"studies": studies}
                if nxt:
                    body["nextPageToken"] = nxt
                if q.get("countTotal") == "true":
                    body["totalCount"] = 5
                self._send(200, body)

            def _send(self, code, obj):
                data = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v2"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def _files(d: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(d.glob("page-*.jsonl"))}


def _ids(d: Path) -> list:
    out = []
    for p in sorted(d.glob("page-*.jsonl")):
        out.extend(json.loads(line)["protocolSection"]["identificationModule"]["nctId"]
                   for line in p.read_text(encoding="utf-8").splitlines())
    return out


def _cli(*args: str):
    return CliRunner().invoke(app, ["download", "ctgov", *args], catch_exceptions=False)


def test_cli_pages_retries_and_query_params(tmp_path):
    out = tmp_path / "dump"
    with FakeAPI() as api:
        r = _cli("--out", str(out), "--base-url", api.base_url, "--query-cond", "breast cancer",
                 "--query-term", "AREA[Phase]PHASE2", "--page-size", "2", "--backoff", "0.01", "--quiet")
    assert r.exit_code == 0, r.output
    assert "3 page file(s), 5 studies" in r.output and "download complete" in r.output
    # three pages + one 503 that was retried
    assert len(api.requests) == 4
    tokens = [q.get("pageToken") for _, q in api.requests]
    assert tokens == [None, "tok-B", "tok-B", "tok-C"]
    for path, q in api.requests:
        assert path == "/api/v2/studies"
        assert q["format"] == "json" and q["pageSize"] == "2"
        assert q["query.cond"] == "breast cancer" and q["query.term"] == "AREA[Phase]PHASE2"
    assert sorted(_files(out)) == [page_name(1), page_name(2), page_name(3)]
    assert _ids(out) == EXPECTED_IDS
    # one study per line, each line the API's object unchanged
    first = (out / page_name(1)).read_text(encoding="utf-8").splitlines()
    assert [json.loads(x) for x in first] == PAGES[None][0]
    state = json.loads((out / "_state.json").read_text())
    assert state["pages"] == 3 and state["studies"] == 5 and state["complete"] is True
    assert state["next_page_token"] is None and state["total_count"] == 5
    assert not list(out.glob(".*tmp*")), "temporary files left behind"


def test_download_is_readable_by_batch_readers(tmp_path):
    with FakeAPI(fail_once=()) as api:
        download_ctgov(tmp_path, base_url=api.base_url, page_size=2, progress=False)
    recs = list(iter_records(tmp_path))  # the whole folder, _state.json included, as `critparse batch DIR` reads it
    assert [r.trial_id for r in recs] == EXPECTED_IDS
    assert all(r.error is None and r.text.startswith("Inclusion Criteria:") for r in recs)
    assert recs[0].info.minimum_age == "19 Years" and recs[0].info.sex == "all"


def test_interrupted_run_resumes_to_the_same_files(tmp_path):
    full, part = tmp_path / "full", tmp_path / "part"
    with FakeAPI() as api:
        assert _cli("--out", str(full), "--base-url", api.base_url, "--backoff", "0", "-q").exit_code == 0
    with FakeAPI() as api:
        r1 = _cli("--out", str(part), "--base-url", api.base_url, "--backoff", "0", "-q", "--max-pages", "1")
        # a run killed in the middle of writing page 2 leaves only a hidden temporary file
        (part / ".page-00002.jsonl.tmp-12345").write_text('{"protocolSection": {"identificationMod')
        assert r1.exit_code == 0 and "incomplete" in r1.output
        assert sorted(_files(part)) == [page_name(1)]
        state = json.loads((part / "_state.json").read_text())
        assert state["pages"] == 1 and state["next_page_token"] == "tok-B" and state["complete"] is False
        n_before = len(api.requests)
        r2 = _cli("--out", str(part), "--base-url", api.base_url, "--backoff", "0", "-q")
        assert r2.exit_code == 0 and "download complete" in r2.output
        resumed = api.requests[n_before:]
    # the resumed run starts at the stored token: page 1 is not fetched again
    assert [q.get("pageToken") for _, q in resumed] == ["tok-B", "tok-B", "tok-C"]
    assert _files(part) == _files(full)
    assert not list(part.glob(".*tmp*")), "stale temporary file not cleaned up"

    def state(d):
        s = json.loads((d / "_state.json").read_text())
        s.pop("base_url")  # each fake server has its own port
        return s

    assert state(part) == state(full)
    # a finished download is a no-op
    with FakeAPI() as api:
        r3 = _cli("--out", str(part), "--base-url", api.base_url, "-q")
        assert r3.exit_code == 0 and api.requests == []
    assert _files(part) == _files(full)


def test_4xx_is_a_one_line_error_without_retries(tmp_path):
    with FakeAPI(fail_once=(), status_for={"tok-B": 400}) as api:
        r = _cli("--out", str(tmp_path), "--base-url", api.base_url, "-q", "--backoff", "0")
    assert r.exit_code == 2
    err = r.stderr.strip()
    assert err.startswith("critparse: error: HTTP 400") and "bad request for tok-B" in err
    assert len(err.splitlines()) == 1
    assert [q.get("pageToken") for _, q in api.requests] == [None, "tok-B"]  # not retried
    # the page before the error is kept and the state points at the failing page
    assert sorted(_files(tmp_path)) == [page_name(1)]
    assert json.loads((tmp_path / "_state.json").read_text())["next_page_token"] == "tok-B"


def test_5xx_retries_are_bounded_and_back_off_exponentially(tmp_path):
    waits = []
    with FakeAPI(fail_once=(), status_for={None: 502}) as api:
        with pytest.raises(DownloadError, match="after 4 attempts: HTTP 502"):
            download_ctgov(tmp_path, base_url=api.base_url, retries=3, backoff=0.5, progress=False, sleep=waits.append)
    assert len(api.requests) == 4
    assert waits == [0.5, 1.0, 2.0]
    assert not _files(tmp_path)


def test_connection_errors_are_retried(tmp_path):
    # a port nobody listens on: connection refused on every attempt
    with FakeAPI() as api:
        url = api.base_url
    waits = []
    with pytest.raises(DownloadError, match="after 3 attempts"):
        fetch_json(url + "/studies?format=json", retries=2, backoff=0.1, timeout=2, sleep=waits.append)
    assert waits == [0.1, 0.2]


def test_other_query_in_the_same_folder_is_refused(tmp_path):
    with FakeAPI(fail_once=()) as api:
        download_ctgov(tmp_path, base_url=api.base_url, max_pages=1, progress=False)
        r = _cli("--out", str(tmp_path), "--base-url", api.base_url, "--query-cond", "asthma", "-q")
    assert r.exit_code == 2 and "another query" in r.stderr


@pytest.mark.issue(10)
def test_a_study_with_a_lone_surrogate_is_written_as_valid_utf8(tmp_path):
    from critparse.download import _study_line

    study = {"protocolSection": {"identificationModule": {"nctId": "NCT00000001"},
                                 "eligibilityModule": {"eligibilityCriteria": "Age \udfff>= 18 caf\u00e9"}}}
    line = _study_line(study)
    line.decode("utf-8")
    (tmp_path / "page-00001.jsonl").write_bytes(line)
    (rec,) = iter_records(tmp_path / "page-00001.jsonl")
    assert rec.text == "Age \ufffd>= 18 caf\u00e9" and rec.error is None
