"""Tagging a batch of inputs, in this process or in several (``--jobs N``, joblib processes).

Results come back in input order, already rendered, so the parent only writes them. Each worker process loads
the model once and keeps it for every dump it is given.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .language import not_japanese_warning
from .reading import STDIN, Input, InputError, ReadOptions, read_text
from .render import render
from .stream import dumps_in_parts, should_stream


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
    warnings: list[str] = field(default_factory=list)  # complete once ``outputs`` has been consumed


_PREDICTORS: dict[tuple[str | None, tuple[str, ...]], object] = {}


def _key(job: TagJob) -> tuple[str | None, tuple[str, ...]]:
    return (None if job.parse_only else job.model_dir, job.outlet_files)


def preload(job: TagJob, predictor) -> None:
    """Use a predictor the caller has already loaded (to check the model early), so it is not loaded twice."""
    _PREDICTORS[_key(job)] = predictor


def _predictor(job: TagJob):
    key = _key(job)
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


def tag_one(job: TagJob, path: str, text: str | None) -> Result:
    """Read (unless the text is given), tag or parse, and render one input; a bad input is a Result with an
    error. Runs in a worker process as well as here."""
    try:
        if text is None:
            text = read_text(path, job.read)
    except InputError as e:
        return Result(path, error=str(e))
    warning = not_japanese_warning(text, path)
    return Result(path, [render(_process(job)(text, path), job.fmt)], warnings=[warning] if warning else [])


def stream_one(job: TagJob, path: str) -> Result:
    """A file above stream.STREAM_BYTES, in parts: its outputs are rendered one part at a time as they are
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


def _task(item: Input, options: ReadOptions) -> tuple[str, str | None, str | None]:
    """(path, text, error): standard input is read here, in the parent; files are read where they are tagged."""
    if item.error is None and item.path == STDIN:
        try:
            return item.path, read_text(STDIN, options), None
        except InputError as e:
            return item.path, None, str(e)
    return item.path, item.text, item.error


def run(job: TagJob, items: Iterable[Input], jobs: int = 1) -> Iterator[Result]:
    """Results for every input, in order. Inputs that already failed (a missing path) pass through as errors.
    Long files are streamed in this process; with jobs > 1 the other files go to worker processes meanwhile."""
    tasks = (_task(item, job.read) for item in items)
    if jobs <= 1:
        for path, text, error in tasks:
            if error:
                yield Result(path, error=error)
            elif text is None and should_stream(path):
                yield stream_one(job, path)
            else:
                yield tag_one(job, path, text)
        return
    from joblib import Parallel, delayed

    pending = list(tasks)
    local = {i for i, (p, t, e) in enumerate(pending) if not e and t is None and should_stream(p)}
    todo = [(p, t) for i, (p, t, e) in enumerate(pending) if not e and i not in local]
    done = iter(Parallel(n_jobs=jobs, return_as="generator", batch_size="auto")(
        delayed(tag_one)(job, p, t) for p, t in todo
    ))
    for i, (path, _, error) in enumerate(pending):
        if error:
            yield Result(path, error=error)
        elif i in local:
            yield stream_one(job, path)
        else:
            yield next(done)


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

        for path, text, error in (_task(item, job.read) for item in items):
            if error:
                window.append(Result(path, error=error))
            elif text is None and should_stream(path):
                while window:
                    yield ready(window.popleft())
                yield stream_one(job, path)
                continue
            else:
                try:
                    text = text if text is not None else read_text(path, job.read)
                    window.append(client.submit(_render_text, remote, job, path, text, pure=False))
                except InputError as e:
                    window.append(Result(path, error=str(e)))
            while len(window) > in_flight:
                yield ready(window.popleft())
        while window:
            yield ready(window.popleft())
