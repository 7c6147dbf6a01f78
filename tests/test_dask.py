"""`tag --dask`: the same results as one process, in the same order, on a LocalCluster the test starts; workers
with several threads; clear errors, within a bounded time, when the cluster is unreachable, empty or stalled."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest

from .conftest import CORPUS, FIXTURES, ROOT

distributed = pytest.importorskip("distributed", reason="dask.distributed is an optional extra: pip install '.[dask]'")


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    # Two threads a worker, as `dask worker` and LocalCluster give by default on this machine.
    with LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None) as c:
        yield c.scheduler_address


def _tag(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "classifier", "tag", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


def test_dask_equals_one_process_on_the_sample_corpus(cluster, trained_model, tmp_path):
    missing = str(tmp_path / "missing.txt")
    common = [str(CORPUS), missing, str(FIXTURES / "traps.txt"), "--model", str(trained_model), "--format", "jsonl"]
    one = _tag(*common)
    for _ in range(3):  # a run once hung in four: repeat it
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


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_fails_within_seconds(trained_model, tmp_path):
    report = tmp_path / "report.json"
    report.write_text("[]\n", encoding="utf-8")
    started = time.monotonic()
    out = _tag(str(FIXTURES / "traps.txt"), "--model", str(trained_model), "--dask", f"tcp://127.0.0.1:{_closed_port()}",
               "--format", "json", "-o", str(report), timeout=60)
    assert out.returncode == 2, out.stderr
    assert "cannot reach a Dask scheduler" in out.stderr and "Traceback" not in out.stderr
    assert time.monotonic() - started < 20
    assert report.read_text(encoding="utf-8") == "[]\n"  # the earlier report is untouched


def test_a_server_that_is_not_a_scheduler_is_refused(trained_model):
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def speak_http():
        conn, _ = server.accept()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi" * 4)
        time.sleep(2)
        conn.close()

    threading.Thread(target=speak_http, daemon=True).start()
    out = _tag(str(FIXTURES / "traps.txt"), "--model", str(trained_model), "--dask",
               f"tcp://127.0.0.1:{server.getsockname()[1]}", timeout=60)
    server.close()
    assert out.returncode == 2 and "Dask" in out.stderr and "Traceback" not in out.stderr, out.stderr


def test_a_scheduler_without_workers_is_an_error(trained_model):
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, protocol="tcp://", dashboard_address=None) as c:
        started = time.monotonic()
        out = _tag(str(FIXTURES / "traps.txt"), "--model", str(trained_model), "--dask", c.scheduler_address,
                   timeout=60)
    assert out.returncode == 2 and "no workers" in out.stderr, out.stderr
    assert time.monotonic() - started < 30


def test_a_stalled_worker_ends_the_run_in_bounded_time(trained_model, tmp_path):
    """A worker that stops answering (SIGSTOP) after the scheduler has seen it must not hang the run."""
    import os
    import signal

    from distributed import Client, LocalCluster

    out_file = tmp_path / "out.jsonl"
    with LocalCluster(n_workers=0, processes=False, protocol="tcp://", dashboard_address=None) as c:
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", c.scheduler_address,
                                   "--nthreads", "2", "--no-dashboard", "--no-nanny"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            with Client(c.scheduler_address) as client:
                client.wait_for_workers(1, timeout=60)
            os.kill(worker.pid, signal.SIGSTOP)
            started = time.monotonic()
            out = _tag(str(FIXTURES / "traps.txt"), str(FIXTURES / "page.txt"), "--model", str(trained_model),
                       "--dask", c.scheduler_address, "--dask-timeout", "5", "--format", "jsonl",
                       "-o", str(out_file), timeout=120)
            elapsed = time.monotonic() - started
        finally:
            worker.kill()
            worker.wait()
    assert out.returncode == 2, out.stderr
    assert "stalled" in out.stderr and "Traceback" not in out.stderr
    assert elapsed < 60
    assert not out_file.exists()  # nothing that looks complete is left behind
