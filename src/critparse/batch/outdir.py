"""The output folder of a batch run: one run at a time, no mixing of runs, no deletion of files
the run does not own.

- A lock file (``OUT/.critparse.lock``, an exclusive ``flock``) is held for the whole run: a
  second run on the same folder is refused at once with the first one's pid.
- A folder holding another run's output (``_manifest.json`` or ``_parts``) is refused unless
  ``overwrite=True`` (or ``resume=True`` over an interrupted run's ``_parts``).
- With ``overwrite``, only what a critparse run writes is removed: the tables the old manifest
  lists, the known table files, ``_parts``; anything else in the folder is left alone.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import IO, Iterable, List, Optional

LOCK_NAME = ".critparse.lock"


class OutputError(ValueError):
    """An output folder that cannot be used for this run (locked, holding another run, unwritable)."""


class OutputLock:
    """An exclusive, non-blocking lock on an output folder, released on close (or process death)."""

    def __init__(self, out: Path) -> None:
        self.path = out / LOCK_NAME
        self._fh: Optional[IO[str]] = None

    def acquire(self) -> "OutputLock":
        try:
            fh = open(self.path, "a+", encoding="utf-8")
        except OSError as e:
            raise OutputError(f"cannot write to the output folder {self.path.parent}: {e.strerror or e}") from e
        try:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - Windows: no lock
            pass
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            fh.close()
            raise OutputError(f"another critparse batch run (pid {holder}) is writing to {self.path.parent}: "
                              "wait for it to end, or choose another --out") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()  # closing drops the flock; the file stays (removing it would race)
            self._fh = None

    def __enter__(self) -> "OutputLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def prepare(out: Path, tables: Iterable[str], *, resume: bool, overwrite: bool) -> None:
    """Check the (locked) output folder before a run and clear what an earlier run wrote, if allowed."""
    manifest = out / "_manifest.json"
    parts = out / "_parts"
    resuming = resume and (parts / "_settings.json").exists()
    if (manifest.exists() or parts.exists()) and not overwrite and not resuming:
        what = "a finished run's output (_manifest.json)" if manifest.exists() else "an interrupted run's _parts"
        hint = "use --resume to finish it, or " if not manifest.exists() and parts.exists() else ""
        raise OutputError(f"{out} already holds {what}: {hint}use --overwrite to replace it, or choose another --out")
    if overwrite:
        for p in owned_files(out, tables):
            remove(p)
    if not resuming and parts.exists():
        shutil.rmtree(parts)


def owned_files(out: Path, tables: Iterable[str]) -> List[Path]:
    """What earlier critparse runs wrote in `out`: the tables the old manifest names and the table
    files of every format (``TABLE/part-*.parquet``, ``TABLE.jsonl``, ``critparse.duckdb``), the
    manifest and ``_parts``. Other files are never listed."""
    found: List[Path] = []
    names = set(tables)
    try:
        old = json.loads((out / "_manifest.json").read_text(encoding="utf-8"))
        names |= set((old.get("tables") or {}).keys())
    except (OSError, ValueError, AttributeError):
        pass
    for t in sorted(names):
        if not t or "/" in t or t.startswith("."):
            continue
        found.extend(sorted((out / t).glob("part-*.parquet")) if (out / t).is_dir() else [])
        found.extend(p for p in (out / f"{t}.jsonl", out / f"{t}.jsonl.tmp") if p.exists())
    found.extend(p for p in (out / "critparse.duckdb", out / "critparse.duckdb.wal", out / "critparse.duckdb.tmp",
                             out / "_manifest.json", out / "_parts") if p.exists())
    return found


def remove(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p)
    else:
        p.unlink(missing_ok=True)
    parent = p.parent
    if parent.name != "" and parent.is_dir() and p.suffix == ".parquet" and not any(parent.iterdir()):
        parent.rmdir()  # a table folder the run emptied
