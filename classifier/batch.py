"""Tagging a batch of inputs, in this process or in several (``--jobs N``, joblib processes), or on a Dask cluster.

Results come back in input order, already rendered, so the parent only writes them. Each worker process loads
the model once and keeps it for every dump it is given. Inputs that would cost too much memory read whole (large
files, files of very many lines or with an enormous line, standard input) are streamed in parts in this process
(classifier/stream.py), their parts written as they come.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .language import not_japanese_warning
from .reading import Input, InputError, ReadOptions, decode, read_bytes
from .render import render
from .stream import dumps_in_parts, should_stream, too_costly


@dataclass(frozen=True)
class TagJob:
    model_dir: str | None
    outlet_files: tuple[str, ...]
    fmt: str
    top_k: int
    read: ReadOptions = ReadOptions()
    any_dictionary: bool = False
    parse_only: bool = False  # `classifier parse`: rules only, no model
    explain: bool = False  # `classifier index --explain`: Predictor.tag(..., explain=True), evidence in the JSON


@dataclass
class Result:
    path: str
    outputs: Iterable[str] = field(default_factory=list)  # one rendered dump, or one per part of a long file
    error: str | None = None
    warnings: list[str] = field(default_factory=list)  # complete once ``outputs`` has been consumed
    stream: bool = False  # too costly to read whole: to be streamed in parts by the parent (stream_one)


_PREDICTORS: dict[tuple[str | None, bool, tuple[str, ...]], object] = {}


def _key(job: TagJob) -> tuple[str | None, bool, tuple[str, ...]]:
    return (job.model_dir, job.parse_only, job.outlet_files)


def preload(job: TagJob, predictor) -> None:
    """Use a predictor the caller has already loaded (to check the model early), so it is not loaded twice."""
    _PREDICTORS[_key(job)] = predictor


def _predictor(job: TagJob):
    key = _key(job)
    if key not in _PREDICTORS:
        from .model_io import load_model
        from .outlets import Outlets
        from .predictor import Predictor

        # parse needs no model; given one (parse --model), it uses its rules' weights and tag vocabulary
        model = None if job.parse_only and job.model_dir is None else load_model(job.model_dir, job.any_dictionary)
        _PREDICTORS[key] = Predictor(model, Outlets.load(list(job.outlet_files)))
    return _PREDICTORS[key]


def _process(job: TagJob, predictor=None):
    predictor = predictor or _predictor(job)
    if job.parse_only:
        return lambda t, p, final=True, tagged=False: predictor.parse(t, p, final, tagged)
    if job.explain:
        return lambda t, p, final=True, tagged=False: predictor.tag(t, p, job.top_k, final, tagged, explain=True)
    return lambda t, p, final=True, tagged=False: predictor.tag(t, p, job.top_k, final, tagged)


def tag_one(job: TagJob, path: str, text: str | None = None) -> Result:
    """Read (unless the text is given), tag or parse, and render one input; a bad input is a Result with an
    error, one too costly to read whole a Result that asks for streaming. Runs in a worker process as well."""
    try:
        if text is None:
            data = read_bytes(path)
            if too_costly(data):
                return Result(path, stream=True)
            text = decode(data, path, job.read)
            del data
    except InputError as e:
        return Result(path, error=str(e))
    return _tag_text(job, path, text)


def _tag_text(job: TagJob, path: str, text: str, predictor=None) -> Result:
    warning = not_japanese_warning(text, path)
    return Result(path, [render(_process(job, predictor)(text, path), job.fmt)], warnings=[warning] if warning else [])


def stream_one(job: TagJob, path: str) -> Result:
    """A long or costly file, or standard input, in parts: its outputs are rendered one part at a time as they are
    written, so memory holds one part, never the file. An InputError may surface while they are consumed."""
    process = _process(job)
    result = Result(path)
    first = True

    def checked(text: str, p: str, final: bool = True, tagged: bool = False):
        nonlocal first
        if first and (warning := not_japanese_warning(text, path)):  # the first part speaks for the file
            result.warnings.append(warning)
        first = False
        return process(text, p, final, tagged)

    result.outputs = (render(d, job.fmt) for d in dumps_in_parts(path, job.read, checked))
    return result


def run(job: TagJob, items: Iterable[Input], jobs: int = 1) -> Iterator[Result]:
    """Results for every input, in order. Inputs that already failed (a missing path) pass through as errors.
    Long files and standard input are streamed in this process; with jobs > 1 the other files go to worker
    processes meanwhile (and come back here to be streamed if they prove too costly to read whole)."""
    pending = [(item.path, item.error) for item in items]
    if jobs <= 1:
        for path, error in pending:
            if error:
                yield Result(path, error=error)
            elif should_stream(path):
                yield stream_one(job, path)
            else:
                result = tag_one(job, path)
                yield stream_one(job, path) if result.stream else result
        return
    from joblib import Parallel, delayed

    local = {i for i, (p, e) in enumerate(pending) if not e and should_stream(p)}
    todo = [p for i, (p, e) in enumerate(pending) if not e and i not in local]
    done = iter(Parallel(n_jobs=jobs, return_as="generator", batch_size="auto")(
        delayed(tag_one)(job, p) for p in todo
    ))
    for i, (path, error) in enumerate(pending):
        if error:
            yield Result(path, error=error)
        elif i in local:
            yield stream_one(job, path)
        else:
            result = next(done)
            yield stream_one(job, path) if result.stream else result


def _render_text(predictor, job: TagJob, path: str, text: str) -> Result:
    """Runs on a Dask worker, with the predictor the client broadcast."""
    return _tag_text(job, path, text, predictor)


class ClusterError(Exception):
    """The Dask cluster cannot be reached, has no workers, or stopped answering; the message says which."""


CONNECT_TIMEOUT = 5.0  # seconds to reach the scheduler and to see a first worker
RESULT_TIMEOUT = 300.0  # seconds without the next result before the run is given up


def _probe(address: str, timeout: float) -> None:
    """Ask the address who it is, on our own clock, before a Client is made: a refused or silent address, or a
    server that is not a Dask scheduler, is a clear error within ``timeout`` seconds, not a hang or a crash."""
    import asyncio

    from distributed.comm import connect

    async def identity():
        comm = await connect(address, timeout=timeout)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    try:
        reply = asyncio.run(asyncio.wait_for(identity(), timeout + 1))
    except (asyncio.TimeoutError, TimeoutError):
        raise ClusterError(f"--dask {address}: no answer within {timeout:g} s") from None
    except (OSError, ValueError) as e:  # refused, unreachable, or a malformed address
        raise ClusterError(f"--dask {address}: cannot reach a Dask scheduler ({e})") from None
    except Exception as e:  # the server answered in another protocol (its bytes read as a frame length, say)
        raise ClusterError(f"--dask {address}: the server there does not speak Dask's protocol "
                           f"({type(e).__name__})") from None
    if not isinstance(reply, dict) or reply.get("type") != "Scheduler":
        raise ClusterError(f"--dask {address}: the server there is not a Dask scheduler")


def _connect(address: str, timeout: float):
    from distributed import Client

    _probe(address, timeout)
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except Exception as e:
        raise ClusterError(f"--dask {address}: cannot connect to the scheduler ({type(e).__name__}: {e})") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError) as e:
        client.close(timeout=timeout)
        raise ClusterError(f"--dask {address}: the scheduler has no workers (waited {timeout:g} s)") from e
    return client


def run_dask(job: TagJob, items: Iterable[Input], address: str, in_flight: int = 64,
             timeout: float = RESULT_TIMEOUT, connect_timeout: float = CONNECT_TIMEOUT) -> Iterator[Result]:
    """Like run(), on a Dask distributed cluster: the client reads the inputs and sends their text, and the
    loaded model goes to every worker once, so workers need the package but neither the files nor the model
    directory. At most ``in_flight`` dumps are out at a time; results come back in input order. Workers may run
    several threads (the predictor is thread-safe). A cluster that cannot be reached, has no workers, or gives
    no next result for ``timeout`` seconds (workers gone, dead or stalled) ends the run with ClusterError."""
    from collections import deque

    client = _connect(address, connect_timeout)
    try:
        predictor = _predictor(job)
        # Dask's own scatter timeout does not hold when a worker stops answering: keep our own clock.
        remote = _bounded(lambda: client.scatter(predictor, broadcast=True), timeout,
                          f"--dask {address}: could not send the model to the workers within {timeout:g} s: they "
                          "are gone, dead or stalled")
        window: deque = deque()  # futures and finished Results, in input order

        def ready(entry) -> Result:
            return entry if isinstance(entry, Result) else _result(entry, timeout, address)

        for item in items:
            path, text, error = item.path, None, item.error
            if not error and not should_stream(path):
                try:
                    data = read_bytes(path)
                    if not too_costly(data):
                        text = decode(data, path, job.read)
                except InputError as e:
                    error = str(e)
            if error:
                window.append(Result(path, error=error))
            elif text is None:  # long or costly: streamed here, in order
                while window:
                    yield ready(window.popleft())
                yield stream_one(job, path)
                continue
            else:
                window.append((path, client.submit(_render_text, remote, job, path, text, pure=False)))
            while len(window) > in_flight:
                yield ready(window.popleft())
        while window:
            yield ready(window.popleft())
    finally:
        try:
            _bounded(lambda: client.close(timeout=connect_timeout), connect_timeout + 1, "close")
        except (ClusterError, OSError, TimeoutError):
            pass  # a cluster that cannot even say goodbye: the run's own outcome is what matters


def _bounded(call, timeout: float, message: str):
    """``call()`` in a helper thread, given up (ClusterError) after ``timeout`` seconds."""
    import threading

    box: dict = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as e:  # handed to the caller's thread
            box["error"] = e

    thread = threading.Thread(target=target, daemon=True, name="dask-call")
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise ClusterError(message)
    if "error" in box:
        e = box["error"]
        if isinstance(e, (OSError, TimeoutError)):
            raise ClusterError(f"{message} ({e})") from None
        raise e
    return box["value"]


def _result(entry, timeout: float, address: str) -> Result:
    from distributed import TimeoutError as DaskTimeout

    path, future = entry
    try:
        return future.result(timeout=timeout)
    except (TimeoutError, DaskTimeout):
        raise ClusterError(f"--dask {address}: no result for {path} within {timeout:g} s: the workers are gone, "
                           "dead or stalled; stopping") from None
    except Exception as e:
        if type(e).__name__ in ("KilledWorker", "CommClosedError", "CancelledError", "FutureCancelledError"):
            raise ClusterError(f"--dask {address}: {path}: the cluster lost the task ({type(e).__name__}: {e})"
                               ) from None
        raise
