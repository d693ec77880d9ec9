"""Batch runs over registry dumps: readers, engine (local, Dask), writers."""

from .engine import TABLES, Summary, run_batch
from .readers import InputError, Record, iter_records

__all__ = ["run_batch", "Summary", "TABLES", "iter_records", "Record", "InputError"]
