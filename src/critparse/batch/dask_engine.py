"""Run the same per-chunk function on a Dask distributed cluster.

``pip install critparse[dask]``.  With no scheduler address a LocalCluster is
started (scripts that call this need an ``if __name__ == "__main__":`` guard).
Workers write their parts to the output folder, which must be on storage all
workers share.
"""

from __future__ import annotations

from typing import Iterator, Optional

from .executors import Chunk, ChunkFn, RecordFn


def run_dask(chunks: Iterator[Chunk], fn: ChunkFn, record: RecordFn, scheduler: Optional[str], n_workers: int) -> None:
    """Run `fn(idx, chunk)` for each chunk on the cluster at `scheduler` (or a LocalCluster of
    `n_workers` processes), at most two chunks per worker in flight; `record(stats)` per chunk."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as e:  # pragma: no cover
        raise RuntimeError("the dask engine needs the extra: pip install 'critparse[dask]'") from e

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        window = 2 * max(1, len(client.scheduler_info().get("workers", {})) or n_workers)
        ac = as_completed()
        inflight = 0
        for idx, chunk in chunks:
            ac.add(client.submit(fn, idx, chunk, pure=False))
            inflight += 1
            if inflight >= window:
                fut = next(ac)
                record(fut.result())
                inflight -= 1
        for fut in ac:
            record(fut.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
