"""The command line: ``classifier parse``, ``classifier train``, ``classifier tag``.

Exit status: 0 when everything went well, 2 for a usage or input error (a bad file, a missing model; in a batch,
the other files are still processed and the failures are listed at the end), 1 for an internal error.
"""
from __future__ import annotations

import argparse
import os
import sys
import textwrap
import traceback
from collections.abc import Iterable
from typing import Any

from . import __version__
from .model_io import ModelError, default_model_dir
from .outlets import OutletFileError, Outlets
from .reading import InputError, ReadOptions, check_encoding, expand
from .render import FORMATS, Writer

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2

DESCRIPTION = """\
Suggest a news-clipping blogger's hashtags and flag commentary inserts in Japanese blog dumps.

  classifier train                      train models/default on the bundled sample corpus
  classifier tag dump.txt               label every line, suggest tags per section and for the post
  classifier tag dumps/ --format jsonl  one JSON object a dump, for scripts
  classifier tag dumps/ --format html -o report.html   a page to read, commentary marked
  classifier parse dump.txt             structure and rule labels only, no model needed
  classifier eval archive/ --folds 5    how good a model is: split by post, train, score, baselines
  classifier labels archive/            how far to trust the weak labels: rules, tags, tag variants
  classifier index archive/ --db archive.sqlite        tag an archive into an SQLite database, incrementally
  classifier report --db archive.sqlite -o archive.html  charts of the archive in one page
"""


MODEL_PARAMS_HELP = ("training parameters, e.g. tag_c=5 commentary_c=2 min_tag_examples=2 "
                     "commentary_examples=500000 (the fields of training/train.py TrainParams)")


class UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="classifier", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--outlets", action="append", metavar="FILE", default=[],
        help="extra news-outlet accounts ('@handle' or 'name: WORD' a line); may be repeated",
    )
    common.add_argument("--encoding", metavar="NAME",
                        help="force the input encoding (default: detect UTF-8, UTF-16 and UTF-32 with BOM, "
                             "ISO-2022-JP, Shift_JIS, EUC-JP)")
    common.add_argument("--errors", choices=["strict", "replace"], default="strict",
                        help="undecodable bytes: strict stops on that file (default), replace goes on with U+FFFD")
    common.add_argument("--follow-links", action="store_true",
                        help="under a directory, read the files that symbolic links leading out of it point to "
                             "(default: skip them, with a note)")
    common.add_argument("--quiet", action="store_true",
                        help="no progress bar (there is none anyway when standard error is not a terminal)")
    common.add_argument("--debug", action="store_true", help="show a traceback on errors")

    fmt = argparse.ArgumentParser(add_help=False)
    fmt.add_argument("--format", choices=FORMATS, default="text",
                     help="text for people (default), json (one array), jsonl (one dump a line), or html (one "
                          "self-contained page: lines coloured by label, tags, a commentary filter)")
    fmt.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    inputs_help = "dump files, directories (their *.txt files, recursively) or - for standard input"
    sp = sub.add_parser("parse", parents=[common, fmt], help="blocks, sections, tags and rule labels of dumps",
                        description="Split dumps into blocks and label them with the rules alone (no model).")
    sp.add_argument("paths", nargs="+", metavar="PATH", help=inputs_help)
    sp.add_argument("--model", metavar="DIR", default=None,
                    help="optional: weigh the rules as this model learned them, count its accounts' reputations, and "
                         "use its tag vocabulary (a bare section tag above the post tags closes the last section)")

    st = sub.add_parser("train", parents=[common], help="train a model from an archive of dumps",
                        description="Train the commentary model and the section and post tag models from dumps "
                                    "whose hashtags serve as labels, and print a summary.")
    st.add_argument("corpus", nargs="*", metavar="CORPUS",
                    help="dump files or directories (default: the bundled sample corpus)")
    st.add_argument("--model", metavar="DIR", default=None, help=f"where to write the model (default: {_dflt()})")
    st.add_argument("--min-examples", type=int, default=None, metavar="N",
                    help="a tag needs N tagged sections or posts to be suggested (default 1: every tag; rare tags "
                         "are found through their nearest sections and their names)")
    st.add_argument("--holdout", type=float, default=None, metavar="F",
                    help="share of posts held out for the summary's scores, 0 for none (default 0.2)")
    st.add_argument("--seed", type=int, default=None, help="seed of the held-out split (default 0)")
    st.add_argument("--model-params", nargs="+", default=[], metavar="KEY=VALUE", help=MODEL_PARAMS_HELP)

    ev = sub.add_parser("eval", parents=[common], help="measure a model: split by post, train, score",
                        description="Train on part of a corpus and score the rest: tag suggestions at k=1,3,5, "
                                    "line labels against gold (NAME.json beside NAME.txt, or --gold DIR) or the "
                                    "weak labels, the same on marker-stripped copies, and baselines.")
    ev.add_argument("corpus", nargs="+", metavar="CORPUS", help="dump files or directories")
    split = ev.add_mutually_exclusive_group()
    split.add_argument("--test", action="append", metavar="TEST",
                       help="train on CORPUS, test on these dumps (a file or directory; repeat for more)")
    split.add_argument("--folds", type=int, default=5, metavar="K", help="K-fold split of CORPUS by post (default 5)")
    ev.add_argument("--gold", metavar="DIR", help="directory of gold files NAME.json for the test dumps")
    ev.add_argument("--model-params", nargs="+", default=[], metavar="KEY=VALUE", help=MODEL_PARAMS_HELP)
    ev.add_argument("--peer", choices=["fasttext"], help="also train and score fastText on the same tokens and split")
    ev.add_argument("--format", choices=["text", "json"], default="text", help="text for people, json for scripts")

    lb = sub.add_parser("labels", parents=[common], help="how far to trust the weak labels: rules and tags",
                        description="Report each labeling rule's coverage, overlaps and conflicts and its agreement "
                                    "with the trained model, the tag vocabulary by level, and tags that look like "
                                    "variants of each other (width, case, spelling).")
    lb.add_argument("corpus", nargs="+", metavar="CORPUS", help="dump files or directories")
    lb.add_argument("--model", metavar="DIR", default=None,
                    help=f"model to compare the rules with (default: {_dflt()}; skipped if there is none)")
    lb.add_argument("--format", choices=["text", "json"], default="text", help="text for people, json for scripts")

    tg = sub.add_parser("tag", parents=[common, fmt], help="label lines and suggest hashtags with a model",
                        description="Label every line of each dump (wire, commentary, tag, meta) with the rules "
                                    "and the model, and suggest hashtags for each section and for the post.")
    tg.add_argument("paths", nargs="+", metavar="PATH", help=inputs_help)
    tg.add_argument("--model", metavar="DIR", default=None, help=f"model directory (default: {_dflt()})")
    tg.add_argument("--top-k", type=int, default=5, metavar="N", help="suggestions per section and post (default 5)")
    tg.add_argument("--any-dictionary", action="store_true",
                    help="use a model trained with another sudachidict-core version (its tokens may differ)")
    tg.add_argument("--jobs", type=int, default=1, metavar="N",
                    help="tag in N worker processes (joblib); output keeps the input order (default 1)")
    tg.add_argument("--dask", metavar="ADDRESS",
                    help="tag on a Dask distributed cluster (scheduler address, e.g. tcp://host:8786); "
                         "needs the optional extra: pip install 'hashtag-classifier[dask]'")
    tg.add_argument("--explain", action="store_true",
                    help="add the evidence of every verdict: each text block's rule votes with their learned weights, "
                         "the words that pushed the model's score most (both ways) and the smoothing; each suggested "
                         "tag's sources, strongest words and nearest tagged section of the training archive")
    tg.add_argument("--dask-timeout", type=float, default=300.0, metavar="SECONDS",
                    help="with --dask: give up when the cluster returns no next result for this long (workers "
                         "gone, dead or stalled; default 300); the scheduler must answer within 10 s")
    _add_archive_verbs(sub, common)
    return p


def _add_archive_verbs(sub, common: argparse.ArgumentParser) -> None:
    """``index`` and ``report``: the archive database (archive_db.py) and its page (archive_report.py)."""
    ix = sub.add_parser(
        "index", parents=[common], help="tag an archive into an SQLite database, incrementally",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.fill(
            "Tag dumps into an SQLite database (tables dumps, blocks, sources, sections, tags; see the README for "
            "the columns and example SQL). A dump whose content and model fingerprint are already in the database "
            "is skipped, so re-running on a grown archive tags only the new dumps. Each dump is written whole in a "
            "transaction: a run that is interrupted leaves the database consistent, and the next run goes on where "
            "it stopped.", 96),
        epilog="examples:\n"
               "  classifier index archive/ --db archive.sqlite            # first run: tags every dump\n"
               "  classifier index archive/ --db archive.sqlite            # later: only new or changed dumps\n"
               "  classifier index archive/ --db archive.sqlite --jobs 2   # two worker processes\n"
               "  classifier index archive/ --db archive.sqlite --rebuild  # tag everything again\n"
               "  sqlite3 archive.sqlite 'SELECT post_date, commentary_lines, path FROM dumps'")
    ix.add_argument("paths", nargs="+", metavar="ARCHIVE", help="dump files or directories (their *.txt files, "
                                                                 "recursively)")
    ix.add_argument("--db", required=True, metavar="FILE",
                    help="the database: a new file name, or a database an earlier index run made (any other file "
                         "is refused and left as it is)")
    ix.add_argument("--model", metavar="DIR", default=None, help=f"model directory (default: {_dflt()})")
    ix.add_argument("--top-k", type=int, default=5, metavar="N", help="suggestions per section and post (default 5)")
    ix.add_argument("--any-dictionary", action="store_true",
                    help="use a model trained with another sudachidict-core version (its tokens may differ)")
    ix.add_argument("--jobs", type=int, default=1, metavar="N", help="tag in N worker processes (default 1); the "
                                                                     "database comes out the same")
    ix.add_argument("--dask", metavar="ADDRESS", help="tag on a Dask distributed cluster, as `tag --dask`")
    ix.add_argument("--dask-timeout", type=float, default=300.0, metavar="SECONDS",
                    help="with --dask: give up when the cluster returns no next result for this long (default 300)")
    ix.add_argument("--rebuild", action="store_true",
                    help="tag every dump again, even unchanged ones (an interrupted rebuild is finished by the next "
                         "run, with or without --rebuild)")
    ix.add_argument("--explain", action="store_true",
                    help="keep the evidence behind each label and suggestion (blocks.evidence, tags.evidence) where "
                         "the model gives it")

    rp = sub.add_parser(
        "report", help="charts of an indexed archive in one self-contained HTML page",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
               "  classifier index archive/ --db archive.sqlite && classifier report --db archive.sqlite -o archive.html\n"
               "  classifier report --db archive.sqlite --top 50 -o archive.html   # longer lists and charts",
        description=textwrap.fill(
            "Read a database made by `classifier index` and write one self-contained page (no network): commentary "
            "share per post over time, the accounts and outlets most clipped, section and post tags over time, "
            "which tags occur together, and the posts with the most commentary, each linked to its dump's page "
            "(lines coloured by label), which the report carries inside. Needs matplotlib: pip install "
            "'hashtag-classifier[report]'.", 96))
    rp.add_argument("--db", required=True, metavar="FILE", help="the database made by `classifier index`")
    rp.add_argument("-o", "--output", metavar="FILE", help="write the page to FILE instead of standard output")
    rp.add_argument("--top", type=int, default=20, metavar="N",
                    help="accounts, tags and posts shown in each chart and list (default 20)")
    rp.add_argument("--quiet", action="store_true", help="no progress messages")
    rp.add_argument("--debug", action="store_true", help="show a traceback on errors")


def _dflt() -> str:
    return str(default_model_dir())


def main(argv: list[str] | None = None) -> int:
    _utf8_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_INPUT
    from .batch import ClusterError
    from .output import OutputError

    try:
        commands = {"parse": cmd_parse, "train": cmd_train, "tag": cmd_tag, "eval": cmd_eval, "labels": cmd_labels,
                    "index": cmd_index, "report": cmd_report}
        return commands[args.command](args)
    except (UsageError, ModelError, OutletFileError, OutputError, ClusterError) as e:
        _err(str(e))
        return EXIT_INPUT
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (| head): stop quietly, and keep Python from complaining at exit.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return EXIT_OK
    except Exception as e:  # an internal error: say so plainly, traceback only with --debug
        if getattr(args, "debug", False):
            traceback.print_exc()
        else:
            _err(f"internal error: {type(e).__name__}: {e} (run with --debug for the traceback)")
        return EXIT_INTERNAL


def _utf8_streams() -> None:
    """Output is UTF-8 whatever the locale (a cp932 or C locale console would otherwise fail on the first
    character it cannot encode); messages on standard error escape what its encoding cannot show."""
    if sys.stdout is not None and hasattr(sys.stdout, "reconfigure"):
        try:
            sys.stdout.reconfigure(encoding="utf-8", errors="strict")
        except (ValueError, OSError):
            pass
    if sys.stderr is not None and hasattr(sys.stderr, "reconfigure"):
        try:
            sys.stderr.reconfigure(errors="backslashreplace")
        except (ValueError, OSError):
            pass


def _err(msg: str, prefix: str = "classifier: ") -> None:
    if sys.stderr is None:  # standard error closed: nowhere to say it, the exit status still tells
        return
    try:
        print(f"{prefix}{msg}", file=sys.stderr)
    except (OSError, ValueError):
        pass


def _print(text: str) -> None:
    """A report on standard output; a closed or full standard output is the user's to fix (exit 2)."""
    from .output import OutputError

    if sys.stdout is None:
        raise OutputError("standard output is closed; nothing can be printed")
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as e:
        raise OutputError(f"standard output: cannot write: {getattr(e, 'strerror', None) or e}") from None


def _outlets(args: argparse.Namespace) -> Outlets:
    return Outlets.load(args.outlets)


def _read_options(args: argparse.Namespace) -> ReadOptions:
    encoding = None
    if args.encoding:
        try:
            encoding = check_encoding(args.encoding)
        except InputError as e:
            raise UsageError(str(e)) from None
    return ReadOptions(encoding, args.errors, args.follow_links)


def _finish(failures: Iterable[str]) -> int:
    failures = list(failures)
    if failures:
        _err(f"{len(failures)} input(s) failed:")
        for f in failures:
            _err(f"  {f}", prefix="")
        return EXIT_INPUT
    return EXIT_OK


def cmd_parse(args: argparse.Namespace) -> int:
    from .batch import preload
    from .predictor import Predictor

    outlets = _outlets(args)  # fail early, once, on a bad outlet file
    job = _job(args, parse_only=True)
    if args.model:
        preload(job, Predictor.load(args.model, outlets))  # fail early on a bad model, load it once
    return _run_jobs(args, job, jobs=1)


def _check_tagging_options(args: argparse.Namespace) -> None:
    """The options `tag` and `index` share: a user's mistake in them stops the run before any work."""
    if args.top_k < 0:
        raise UsageError("--top-k must be 0 or more")
    if args.jobs < 1:
        raise UsageError("--jobs must be 1 or more")
    if not (0 < args.dask_timeout < float("inf")):
        raise UsageError("--dask-timeout must be a number of seconds above 0")
    if args.dask:
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise UsageError("--dask needs dask.distributed: pip install 'hashtag-classifier[dask]'") from None
        if args.jobs != 1:
            raise UsageError("--dask and --jobs do not go together: the cluster decides the parallelism")


def cmd_tag(args: argparse.Namespace) -> int:
    from .batch import preload
    from .predictor import Predictor

    _check_tagging_options(args)
    predictor = Predictor.load(args.model, _outlets(args), args.any_dictionary)  # fail early, load once
    job = _job(args, parse_only=False)
    preload(job, predictor)
    return _run_jobs(args, job, args.jobs, args.dask)


def _job(args: argparse.Namespace, parse_only: bool):
    from .batch import TagJob

    return TagJob(getattr(args, "model", None), tuple(args.outlets), args.format, getattr(args, "top_k", 0),
                  _read_options(args), getattr(args, "any_dictionary", False), parse_only,
                  explain=getattr(args, "explain", False) and not parse_only)


def _run_jobs(args: argparse.Namespace, job, jobs: int, dask: str | None = None) -> int:
    """Process every input, write each result as it comes (in input order), list the failures at the end.

    With ``-o FILE`` the output goes to a temporary file put in place at the end, and only when at least one
    dump was written: a run that fails before (or is interrupted) leaves an existing FILE as it was."""
    from .output import Sink, exclude_output

    items = list(expand(args.paths, job.read))
    if args.output:
        items, notes = exclude_output(args.output, args.paths, items)
        for note in notes:
            _err(note)
    jobs = min(jobs, max(1, sum(1 for it in items if it.error is None)), available_cpus())
    sink = Sink(args.output)
    out = sink.open()
    failures: list[str] = []
    try:
        written = _write_results(args, job, items, jobs, out, failures, dask)
    except BaseException:
        sink.abort()
        raise
    if not sink.finish(keep=written > 0) and args.output:
        _err(f"{args.output}: not written, no dump could be tagged")
    return _finish(failures)


def available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _write_results(args: argparse.Namespace, job, items, jobs: int, out, failures: list[str],
                   dask: str | None) -> int:
    """Write every result; returns how many dumps were written."""
    from .batch import run, run_dask

    results = run_dask(job, items, dask, timeout=args.dask_timeout) if dask else run(job, items, jobs)
    with Writer(out, args.format) as w:
        for result in _progress(_shows_progress(args))(results, "tagging" if not job.parse_only else "parsing",
                                                       len(items)):
            if result.error is not None:
                _err(result.error)
                failures.append(result.error)
                w.write_error(result.path, result.error)
            try:
                for output in result.outputs:
                    w.write_rendered(output)
            except InputError as e:  # found in the middle of a long file: the parts before it are written
                _err(str(e))
                failures.append(str(e))
                w.write_error(result.path, str(e))
            for warning in result.warnings:
                _err(f"warning: {warning}")
        return w.dumps


def cmd_train(args: argparse.Namespace) -> int:
    from training.train import TrainingError, format_report, train

    if args.min_examples is not None and args.min_examples < 1:
        raise UsageError("--min-examples must be 1 or more")
    if args.holdout is not None and not 0 <= args.holdout < 1:
        raise UsageError("--holdout must be at least 0 and below 1")
    # the options by name win over the same keys in --model-params
    params = parse_model_params(args.model_params, min_tag_examples=args.min_examples, holdout=args.holdout,
                                seed=args.seed)
    model_dir = args.model or str(default_model_dir())
    show = _shows_progress(args)
    try:
        report = train(args.corpus or None, model_dir, params, _outlets(args), _progress(show), _status(show),
                       _read_options(args))
    except TrainingError as e:
        raise UsageError(f"cannot train: {e}") from None
    _print(format_report(report))
    return _finish(report.errors)


def _shows_progress(args: argparse.Namespace) -> bool:
    """Progress bars go to standard error, and only when it is a terminal: never into a pipe or a log."""
    try:
        return not args.quiet and sys.stderr is not None and sys.stderr.isatty()
    except (OSError, ValueError):
        return False


def _progress(show: bool):
    def bar(it, desc: str, total: int):
        if not show:
            return it
        from tqdm import tqdm

        return tqdm(it, desc=desc, total=total, unit="dump", file=sys.stderr, leave=False, dynamic_ncols=True)

    return bar


def _status(show: bool):
    def say(msg: str) -> None:
        if show:
            print(f"classifier: {msg}…", file=sys.stderr)

    return say


def parse_model_params(pairs: list[str], **overrides: Any):
    """KEY=VALUE pairs -> TrainParams, each value converted to the field's type; ``overrides`` that are not None
    replace them."""
    from dataclasses import fields

    from training.train import TrainParams

    types = {f.name: f.type for f in fields(TrainParams)}
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or key not in types:
            raise UsageError(f"--model-params: {pair!r} is not KEY=VALUE with KEY one of {', '.join(types)}")
        kind = str(types[key])
        try:
            if "bool" in kind:
                if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(raw)
                values[key] = raw.lower() in ("true", "1", "yes")
            elif "int" in kind:
                values[key] = int(raw)
            elif "float" in kind:
                values[key] = float(raw)
            else:
                values[key] = raw
        except ValueError:
            raise UsageError(f"--model-params: {key} needs a value of type {kind}, got {raw!r}") from None
    values.update({k: v for k, v in overrides.items() if v is not None})
    params = TrainParams(**values)
    if problems := params.problems():
        raise UsageError("--model-params: " + "; ".join(problems))
    return params


def cmd_eval(args: argparse.Namespace) -> int:
    import json

    from training.evaluate import EvalError, evaluate, format_report

    params = parse_model_params(args.model_params)
    show = _shows_progress(args)
    peer = None
    if args.peer == "fasttext":
        from training.peer_fasttext import fasttext_peer as peer
    try:
        report = evaluate(args.corpus, args.test, args.folds, params, args.gold, _outlets(args), _progress(show), peer,
                          _read_options(args))
    except EvalError as e:
        raise UsageError(f"cannot evaluate: {e}") from None
    if args.format == "json":
        _print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        _print(format_report(report))
    return EXIT_OK


def cmd_labels(args: argparse.Namespace) -> int:
    import json

    from training.labels_report import build_report, format_report

    from .model_io import load_model

    model, name = None, None
    try:
        model = load_model(args.model)
        name = str(args.model or default_model_dir())
    except ModelError as e:
        if args.model:  # asked for by name: an error; the default missing: go on without agreement
            raise
        _err(f"no model to compare with ({e})")
    show = _shows_progress(args)
    report = build_report(args.corpus, model, name, _outlets(args), _progress(show), _read_options(args))
    if not report.dumps:
        raise UsageError("no readable dump in " + ", ".join(args.corpus))
    text = json.dumps(report.to_dict(), ensure_ascii=False, indent=1) if args.format == "json" else None
    _print(text or format_report(report))
    return _finish(report.errors)


def cmd_index(args: argparse.Namespace) -> int:
    from .archive_db import ArchiveError, check_path
    from .archive_index import IndexRequest, index_archive
    from .archive_record import FORMAT
    from .batch import TagJob, preload
    from .predictor import Predictor

    _check_tagging_options(args)
    try:
        check_path(args.db, create=True)  # before the model is loaded: a wrong --db is the quickest mistake
        outlets = _outlets(args)
        predictor = Predictor.load(args.model, outlets, args.any_dictionary)
        job = TagJob(args.model, tuple(args.outlets), FORMAT, args.top_k, _read_options(args), args.any_dictionary,
                     explain=args.explain and _explains(predictor))
        if args.explain and not job.explain:
            _err("warning: --explain: this version of the predictor gives no evidence yet; indexing without it")
        preload(job, predictor)
        request = IndexRequest(args.db, args.paths, job, args.jobs, args.dask, args.dask_timeout, args.rebuild)
        report = index_archive(request, predictor, outlets, _progress(_shows_progress(args)), available_cpus())
    except ArchiveError as e:
        raise UsageError(str(e)) from None
    for note in report.notes:
        _err(note)
    for warning in report.warnings:
        _err(f"warning: {warning}")
    for failure in report.failures:
        _err(failure)
    _print(report.summary())
    return _finish(report.failures)


def _explains(predictor) -> bool:
    """Whether Predictor.tag takes ``explain`` (evidence for each verdict); older predictors do not."""
    import inspect

    try:
        return "explain" in inspect.signature(predictor.tag).parameters
    except (TypeError, ValueError):
        return False


def cmd_report(args: argparse.Namespace) -> int:
    from .archive_db import ArchiveError

    if args.top < 1:
        raise UsageError("--top must be 1 or more")
    try:
        from .archive_report import ReportError, write_report
    except ImportError as e:  # matplotlib is an optional extra
        if not (e.name or "").startswith("matplotlib"):
            raise
        raise UsageError(f"report needs matplotlib ({e.name} is not installed): "
                         "pip install 'hashtag-classifier[report]' (in a checkout: .venv/bin/pip install -e "
                         "'.[report]')") from None
    try:
        summary = write_report(args.db, args.output, args.top, _status(_shows_progress(args)))
    except (ArchiveError, ReportError) as e:
        raise UsageError(str(e)) from None
    if args.output:
        _err(summary, prefix="")
    return EXIT_OK
