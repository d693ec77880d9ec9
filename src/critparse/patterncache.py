"""Compiled regular expressions kept on disk: the few very large patterns (the comparison grammar, the
subject-mention trie; 3-18k characters each) cost 0.05-0.1 s each to compile at every cold start.

`compile(pattern, flags)` returns what ``re.compile`` returns.  The first time a pattern is seen, its
compiled form (the program `re` hands to its C engine: code words, group count and names) is written
to a cache file (`config.cache_dir("regex")`, one file per Python version, entries keyed by a hash of
the pattern text and flags, so a changed pattern is compiled anew); afterwards the program is read back
and handed to the engine directly, skipping the parse and compile steps.  Without a usable cache
(absent, unreadable, unwritable, damaged, another Python) it is ``re.compile``.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Dict, Optional, Pattern, Tuple

#: bump when what an entry holds changes
_FORMAT = 1
#: entries kept (the newest): patterns that changed leave stale entries behind
_KEEP = 64
_Program = Tuple[int, list, int, dict, tuple]  # flags, code, groups - 1, groupindex, indexgroup
_loaded: Optional[Dict[str, _Program]] = None


def cache_file() -> Optional[Path]:
    """The cache file of this Python version, or None where no cache folder can be named."""
    try:
        from .config import cache_dir

        return cache_dir("regex") / f"patterns-{sys.implementation.cache_tag}-{sys.hexversion:x}-{_FORMAT}.marshal"
    except Exception:
        return None


def compile(pattern: str, flags: int = 0) -> Pattern[str]:
    """``re.compile(pattern, flags)``, its program read from the disk cache when there."""
    if not _supported():
        return re.compile(pattern, flags)
    key = hashlib.sha1(f"{int(flags)}\0{pattern}".encode("utf-8", "surrogatepass")).hexdigest()
    programs = _programs()
    program = programs.get(key)
    if program is not None:
        try:
            return _engine(pattern, program)
        except Exception:  # a damaged entry: compile it again below
            pass
    try:
        program = _program(pattern, flags)
        compiled = _engine(pattern, program)
    except Exception:  # internals of another Python than this was written for
        return re.compile(pattern, flags)
    programs[key] = program
    _save(programs)
    return compiled


def _supported() -> bool:
    return sys.implementation.name == "cpython" and hasattr(re, "_compiler") and hasattr(re, "_parser")


def _program(pattern: str, flags: int) -> _Program:
    """What ``re._compiler.compile`` hands to ``_sre.compile`` (the same steps, kept)."""
    p = re._parser.parse(pattern, flags)
    code = re._compiler._code(p, flags)
    groupindex = dict(p.state.groupdict)
    indexgroup = [None] * p.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    return (int(flags | p.state.flags), [int(c) for c in code], p.state.groups - 1, groupindex, tuple(indexgroup))


def _engine(pattern: str, program: _Program) -> Pattern[str]:
    import _sre

    flags, code, groups, groupindex, indexgroup = program
    return _sre.compile(pattern, flags, code, groups, groupindex, indexgroup)


def _programs() -> Dict[str, _Program]:
    global _loaded
    if _loaded is None:
        _loaded = {}
        path = cache_file()
        if path is not None:
            try:
                data = marshal.loads(path.read_bytes())
                if isinstance(data, dict):
                    _loaded = data
            except Exception:  # absent, unreadable or damaged: start empty
                pass
    return _loaded


def _save(programs: Dict[str, _Program]) -> None:
    path = cache_file()
    if path is None:
        return
    for stale in list(programs)[:-_KEEP]:
        del programs[stale]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
            f.write(marshal.dumps(programs))
        os.replace(f.name, path)
    except (OSError, ValueError):  # a read-only cache: compiled again next time
        try:
            os.unlink(f.name)
        except (OSError, NameError):
            pass
