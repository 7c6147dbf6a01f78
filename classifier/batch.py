"""Tagging a batch of inputs, in this process or in several (``--jobs N``, joblib processes).

Results come back in input order, already rendered, so the parent only writes them. Each worker process loads
the model once and keeps it for every dump it is given. Inputs that would cost too much memory read whole (large
files, files of very many lines or with an enormous line, standard input) are streamed in parts in this process
(classifier/stream.py), their parts written as they come.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

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


@dataclass
class Result:
    path: str
    outputs: Iterable[str] = field(default_factory=list)  # one rendered dump, or one per part of a long file
    error: str | None = None
    stream: bool = False  # too costly to read whole: to be streamed in parts by the parent (stream_one)


_PREDICTORS: dict[tuple[str | None, tuple[str, ...]], object] = {}


def _predictor(job: TagJob):
    key = (None if job.parse_only else job.model_dir, job.outlet_files)
    if key not in _PREDICTORS:
        from .model_io import load_model
        from .outlets import Outlets
        from .predictor import Predictor

        model = None if job.parse_only else load_model(job.model_dir, job.any_dictionary)
        _PREDICTORS[key] = Predictor(model, Outlets.load(list(job.outlet_files)))
    return _PREDICTORS[key]


def _process(job: TagJob):
    predictor = _predictor(job)
    if job.parse_only:
        return lambda t, p, final=True, tagged=False: predictor.parse(t, p, final, tagged)
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
    return Result(path, [render(_process(job)(text, path), job.fmt)])


def stream_one(job: TagJob, path: str) -> Result:
    """A long or costly file, or standard input, in parts: its outputs are rendered one part at a time as they are
    written, so memory holds one part, never the file. An InputError may surface while they are consumed."""
    process = _process(job)
    return Result(path, (render(d, job.fmt) for d in dumps_in_parts(path, job.read, process)))


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
    dump = predictor.parse(text, path) if job.parse_only else predictor.tag(text, path, job.top_k)
    return Result(path, [render(dump, job.fmt)])


def run_dask(job: TagJob, items: Iterable[Input], address: str, in_flight: int = 64) -> Iterator[Result]:
    """Like run(), on a Dask distributed cluster: the client reads the inputs and sends their text, and the
    loaded model goes to every worker once, so workers need the package but neither the files nor the model
    directory. At most ``in_flight`` dumps are out at a time; results come back in input order."""
    from collections import deque

    from distributed import Client

    with Client(address) as client:
        remote = client.scatter(_predictor(job), broadcast=True)
        window: deque = deque()  # futures and finished Results, in input order

        def ready(entry) -> Result:
            return entry if isinstance(entry, Result) else entry.result()

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
                window.append(client.submit(_render_text, remote, job, path, text, pure=False))
            while len(window) > in_flight:
                yield ready(window.popleft())
        while window:
            yield ready(window.popleft())
