"""`tag --dask`: the same results as one process, in the same order, on a LocalCluster the test starts."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import CORPUS, FIXTURES, ROOT

distributed = pytest.importorskip("distributed", reason="dask.distributed is an optional extra: pip install '.[dask]'")


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c.scheduler_address


def _tag(*args):
    return subprocess.run([sys.executable, "-m", "classifier", "tag", *args], capture_output=True, text=True, cwd=ROOT)


def test_dask_equals_one_process_on_the_sample_corpus(cluster, trained_model, tmp_path):
    missing = str(tmp_path / "missing.txt")
    common = [str(CORPUS), missing, str(FIXTURES / "traps.txt"), "--model", str(trained_model), "--format", "jsonl"]
    one = _tag(*common)
    on_dask = _tag(*common, "--dask", cluster)
    assert on_dask.returncode == one.returncode == 2, on_dask.stderr  # the missing file, reported by both
    assert on_dask.stdout == one.stdout
    records = [json.loads(x) for x in on_dask.stdout.splitlines()]
    assert sum("blocks" in r for r in records) == len(list(CORPUS.glob("*.txt"))) + 1
    assert [r["path"] for r in records if "error" in r] == [missing]
    assert "missing.txt: no such file or directory" in on_dask.stderr


def test_dask_with_jobs_is_a_usage_error(cluster, trained_model):
    out = _tag(str(FIXTURES / "traps.txt"), "--model", str(trained_model), "--dask", cluster, "--jobs", "2")
    assert out.returncode == 2 and "do not go together" in out.stderr
