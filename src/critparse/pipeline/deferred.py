"""Defer a heavy import that a dependency makes but critparse never uses.

medspaCy's ConText imports ``medspacy.util``, which imports QuickUMLS, which
imports NLTK (with SciPy and scikit-learn behind it): about 2 s of CPU, over
half of critparse's cold start, for a library that QuickUMLS only touches
inside ``QuickUMLS()``, which critparse never builds.

`defer` puts a stand-in module into ``sys.modules``: ``import nltk`` binds the
stand-in, and the first attribute it lacks (``nltk.corpus``, ``nltk.__path__``
for a submodule import, ...) imports the real module and copies its namespace
over, so code that does use NLTK later gets the real thing.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType

_LOCK = threading.RLock()


class _Deferred(ModuleType):
    def __getattr__(self, attr: str):
        real = _load(self)
        return getattr(real, attr)

    def __dir__(self):
        return dir(_load(self))


def _load(stub: _Deferred) -> ModuleType:
    name = stub.__name__
    with _LOCK:
        current = sys.modules.get(name)
        if current is stub:
            del sys.modules[name]
            current = importlib.import_module(name)
        if stub.__dict__.get("__critparse_deferred__"):
            stub.__dict__.update({k: v for k, v in current.__dict__.items() if k != "__class__"})
            stub.__dict__.pop("__critparse_deferred__", None)
    return current


def defer(name: str) -> None:
    """Make ``import name`` cheap until the module is used (no-op if it is imported already or absent)."""
    with _LOCK:
        if name in sys.modules:
            return
        spec = importlib.util.find_spec(name)
        if spec is None:
            return
        stub = _Deferred(name)
        stub.__spec__ = spec
        stub.__dict__["__critparse_deferred__"] = True
        sys.modules[name] = stub
