"""Run the same per-chunk function on a Dask distributed cluster.

``pip install critparse[dask]``.  With no scheduler address a LocalCluster is
started (scripts that call this need an ``if __name__ == "__main__":`` guard).
Workers write their parts to the output folder, which must be on storage all
workers share.
"""

from __future__ import annotations

from typing import Callable, Dict, Iterator, List, Optional, Tuple

from .readers import Record


def run_dask(chunks: Iterator[Tuple[int, List[Record]]], parts_dir: str, mode: str, model: Optional[str],
             checks: bool, scheduler: Optional[str], n_workers: int, record: Callable[[Dict[str, int]], None]) -> None:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as e:  # pragma: no cover
        raise RuntimeError("the dask engine needs the extra: pip install 'critparse[dask]'") from e
    from .engine import process_chunk

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
            ac.add(client.submit(process_chunk, idx, chunk, parts_dir, mode, model, checks, pure=False))
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
