"""Where chunks run: in this process, or in a pool of worker processes.

An executor receives the chunk function it runs (``fn(idx, chunk) -> stats``, picklable: a
`functools.partial` of `engine.process_chunk`) and a `record(stats)` callback for each finished
chunk; it knows nothing of parsing. The Dask executor lives in `dask_engine` (optional extra).
On Linux the pool forks its workers from the parent after the parent has loaded the pipeline
(`start_method`): no per-worker imports or model load, and the model's pages are shared.
Pool workers die with their parent: on Linux each one asks the kernel for SIGKILL when the
process that started it dies (``PR_SET_PDEATHSIG``), and a watchdog thread checks the parent's
pid elsewhere, so a ``kill -9`` of the parent leaves no 500 MB orphans (nor, once they are gone,
multiprocessing's resource tracker, which exits when the last holder of its pipe does).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

Chunk = Tuple[int, List[Any]]
ChunkFn = Callable[[int, List[Any]], Dict[str, Any]]
RecordFn = Callable[[Dict[str, Any]], None]

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def run_serial(chunks: Iterator[Chunk], fn: ChunkFn, record: RecordFn) -> None:
    """Each chunk in this process, in order."""
    for idx, chunk in chunks:
        record(fn(idx, chunk))


def start_method() -> str:
    """'fork' where the platform has it (Linux): a worker starts as a copy of the parent, whose
    pipeline is already loaded, so it neither imports nor loads anything and shares the model's
    memory pages with its siblings; 'spawn' elsewhere (a fresh interpreter per worker)."""
    import multiprocessing as mp

    return "fork" if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods() else "spawn"


def run_pool(chunks: Iterator[Chunk], fn: ChunkFn, record: RecordFn, n_workers: int,
             initializer: Optional[Callable[..., None]] = None, initargs: tuple = (),
             method: str = "spawn", on_started: Optional[Callable[[], None]] = None) -> None:
    """Chunks on `n_workers` processes started with `method` ('spawn' or 'fork'), at most two per
    worker in flight (memory stays flat). Ctrl-C or a failed chunk stops the pool at once; finished
    chunks stay done. With 'fork' all workers start at once, before the pool's own threads;
    `on_started` runs once they are all up."""
    import multiprocessing as mp

    pool = ProcessPoolExecutor(max_workers=n_workers, mp_context=mp.get_context(method),
                               initializer=_init_worker, initargs=(os.getpid(), initializer, initargs))
    try:
        _start_workers(pool, n_workers)
        if on_started is not None:  # e.g. a progress bar's thread: only once the workers exist
            on_started()
        inflight = set()
        for idx, chunk in chunks:
            inflight.add(pool.submit(fn, idx, chunk))
            if len(inflight) >= 2 * n_workers:
                finished, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                for f in finished:
                    record(f.result())
        for f in inflight:
            record(f.result())
    except BaseException:  # Ctrl-C, a failed worker: stop now; finished chunks stay for --resume
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            proc.terminate()
        raise
    pool.shutdown(wait=True)


def _start_workers(pool: ProcessPoolExecutor, n: int) -> None:
    """Spawn all `n` workers now, each with one BLAS/OpenMP thread (the pool is the parallelism;
    the variables are inherited at spawn and restored here afterwards)."""
    saved = {k: os.environ.get(k) for k in _THREAD_VARS}
    for k in _THREAD_VARS:
        os.environ.setdefault(k, "1")
    try:
        for f in [pool.submit(int) for _ in range(n)]:  # one spawn per submit until max_workers
            f.result()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _init_worker(parent_pid: int, initializer: Optional[Callable[..., None]], initargs: tuple) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled by the parent, which stops the pool
    die_with_parent(parent_pid)
    if initializer is not None:
        initializer(*initargs)


def die_with_parent(parent_pid: int, poll_s: float = 1.0) -> None:
    """End this process when `parent_pid` dies: PR_SET_PDEATHSIG on Linux, and a daemon thread
    that polls the parent's pid (any POSIX system; also covers the race before prctl)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="critparse-parent-watch", daemon=True).start()
