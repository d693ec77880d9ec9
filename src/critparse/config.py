"""Settings read from the environment, in one place."""

from __future__ import annotations

import os
from pathlib import Path


def corpora_dir() -> Path:
    """Folder of the shared corpora (chia/, lct/, ctgov_xml_2023/, ...).

    ``CRITPARSE_CORPORA`` if set, else ``../shared/corpora`` beside the checkout
    (the layout CI uses)."""
    env = os.environ.get("CRITPARSE_CORPORA")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        cand = parent.parent / "shared" / "corpora"
        if (parent / ".git").exists() or (parent / "pyproject.toml").exists():
            return cand
    return Path.cwd().parent / "shared" / "corpora"



def cache_dir(part: str) -> Path:
    """Folder for files critparse builds once and reuses (`part`: "pint", ...): under
    ``CRITPARSE_CACHE`` if set, else under the platform's user cache dir (``platformdirs``)."""
    env = os.environ.get("CRITPARSE_CACHE")
    if env:
        return Path(env) / part
    import platformdirs

    return Path(platformdirs.user_cache_dir("critparse")) / part
