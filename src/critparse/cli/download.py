"""critparse download command(s)."""

from .app import app, eval_app  # noqa: F401

from typing import Optional

import typer

from ..download import DEFAULT_BASE_URL
from .app import fail

download_app = typer.Typer(help="Download registry dumps that `critparse batch` reads.", no_args_is_help=True)
app.add_typer(download_app, name="download")


@download_app.command("ctgov")
def download_ctgov_cmd(
    out: str = typer.Option(..., "--out", "-o", help="folder for page-NNNNN.jsonl files and _state.json"),
    query_cond: Optional[str] = typer.Option(None, "--query-cond", help="API query.cond filter (condition or disease)"),
    query_term: Optional[str] = typer.Option(None, "--query-term", help="API query.term filter (other terms)"),
    page_size: int = typer.Option(1000, "--page-size", help="studies per page (1-1000)"),
    base_url: str = typer.Option(DEFAULT_BASE_URL, "--base-url", help="API v2 base URL"),
    max_pages: Optional[int] = typer.Option(None, "--max-pages", help="stop after N pages in this run (rerun to continue)"),
    retries: int = typer.Option(5, "--retries", help="retries per page on HTTP 5xx, timeouts and connection errors"),
    backoff: float = typer.Option(1.0, "--backoff", help="first retry wait in seconds (doubles each retry, max 60)"),
    timeout: float = typer.Option(60.0, "--timeout", help="seconds to wait for one answer"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress bar"),
) -> None:
    """Page through the ClinicalTrials.gov API v2 into JSON Lines files (resumes from DIR/_state.json)."""
    from ..download import DownloadError, download_ctgov

    try:
        r = download_ctgov(out, query_cond=query_cond, query_term=query_term, page_size=page_size,
                           base_url=base_url, max_pages=max_pages, retries=retries,
                           backoff=backoff, timeout=timeout, progress=not quiet,
                           log=lambda m: typer.echo(m, err=True))
    except (DownloadError, ValueError, OSError) as e:
        raise fail(str(e))
    status = "complete" if r.complete else "incomplete (run the same command again to resume)"
    total = f" (the query matches {r.total_count:,})" if r.total_count is not None else ""
    typer.echo(f"{r.out_dir}: {r.pages:,} page file(s), {r.studies:,} studies fetched in this run{total}; "
               f"download {status}")
