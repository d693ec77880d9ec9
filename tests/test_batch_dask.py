"""The Dask engine writes the same tables as the local engine (LocalCluster of 2 workers)."""

from __future__ import annotations

import pytest

pytest.importorskip("dask.distributed")

from critparse.batch.engine import TABLES, run_batch  # noqa: E402
from test_batch_engine import _dump  # noqa: E402


def test_dask_local_cluster_equals_local_engine(tmp_path):
    f = _dump(tmp_path, n=16)
    local, dask = tmp_path / "local", tmp_path / "dask"
    run_batch(f, local, mode="fast", workers=1, chunk_size=4, progress=False)
    s = run_batch(f, dask, mode="fast", workers=2, chunk_size=4, engine="dask", progress=False)
    assert s.read == 16 and s.chunks == 4
    for t in TABLES:
        assert (local / t / "part-0.parquet").read_bytes() == (dask / t / "part-0.parquet").read_bytes(), t


def test_dask_with_a_scheduler_address(tmp_path):
    from dask.distributed import LocalCluster

    f = _dump(tmp_path, n=10)
    local, dask = tmp_path / "local", tmp_path / "dask"
    run_batch(f, local, mode="fast", workers=1, chunk_size=3, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        s = run_batch(f, dask, mode="fast", chunk_size=3, engine="dask", scheduler=cluster.scheduler_address,
                      progress=False)
    assert s.read == 10 and s.chunks == 4
    for t in TABLES:
        assert (local / t / "part-0.parquet").read_bytes() == (dask / t / "part-0.parquet").read_bytes(), t
