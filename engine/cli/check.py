"""`yifa check CASE…`: check case files and print one report per file, in the order of the files.

    files ─ load_case ─▶ checker of the case's jurisdiction (compiled once per run) ─▶ report text

A file that cannot be read is said on stderr and the others go on (exit 2); otherwise the exit
status is 1 when any report has a blocker or error violated or missing (CASE_FORMAT §2), else 0.
Many files are checked by worker processes (`--jobs`): the parent checks the first file (so the
checker is compiled once, before the fork), each worker checks whole files and hands back their
finished text, and the parent writes it in the order of the files, so the output is the same
bytes as one process gives.
"""
from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple

from engine.core import clock
from engine.core.errors import EXIT_INPUT, InputError

# Below this many files one process is quicker than starting workers (a worker is forked with the
# parent's checker, but a durable-rules worker registers its rulesets again, ~0.1 s).
AUTO_JOBS_FROM = 400


@dataclass(frozen=True)
class CheckOptions:
    as_of: date | None
    jurisdiction: str | None
    format: str = "text"
    engine: str = "durable"
    lang: str = "zh"


class Outcome(NamedTuple):
    """One file's answer: its report (stdout; bytes already encoded when a worker sends it), what
    was wrong with it (stderr), its exit status; `stop` when the error ends the whole command (a
    broken rulebook, a bug) rather than one file."""
    out: str | bytes
    err: str
    status: int
    stop: bool = False


class _Checkers:
    """The compiled checker of each jurisdiction met in this run, and the rules folder, found once."""

    def __init__(self) -> None:
        self.root: Path | None = None
        self.known: dict[str, object] = {}

    def get(self, jurisdiction: str):
        checker = self.known.get(jurisdiction)
        if checker is None:
            from engine.core.check import checker_for
            from engine.rulebook.loader import rules_dir
            if self.root is None:
                self.root = rules_dir()
            checker = self.known[jurisdiction] = checker_for(jurisdiction, self.root)
        return checker


def check_file(path: Path, options: CheckOptions, checkers: _Checkers | None = None) -> Outcome:
    """Check one case file (with the checkers of the run); an unreadable file is an Outcome on
    stderr, other errors are raised."""
    from engine.decisions.record import load_case
    try:
        case = load_case(path, options.as_of or clock.today())
        result = _check(case, path, options, checkers or _Checkers())
    except InputError as e:          # this file is unreadable: say so, and go on with the others
        return Outcome("", f"{e}\n", EXIT_INPUT)
    return Outcome(report_text(result, case.title, options), "", _exit_status(result))


def _check(case, path: Path, options: CheckOptions, checkers: _Checkers):
    try:
        checker = checkers.get(options.jurisdiction or case.jurisdiction)
        return checker.check(case, options.as_of or clock.today(), options.engine)
    except InputError as e:
        if options.jurisdiction is None and any(p.path == "jurisdiction" for p in e.problems):
            raise InputError.single(str(path), e.problems[0].message, "jurisdiction") from None
        raise


def report_text(result, title: str, options: CheckOptions) -> str:
    """The report as printed: one JSON line (CASE_FORMAT §2) or the text report, then a newline."""
    if options.format == "json":
        from engine.core.report import to_json_text
        return to_json_text(result, options.lang) + "\n"
    from engine.core.report import to_text
    return to_text(result, title, options.lang) + "\n"


def _exit_status(result) -> int:
    from engine.core.report import exit_status
    return exit_status(result)


def default_jobs(files: int) -> int:
    """All the CPUs this process may use from AUTO_JOBS_FROM files on, else one process."""
    if files < AUTO_JOBS_FROM:
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:          # not on Linux
        return max(1, os.cpu_count() or 1)


def run(paths: list[Path], options: CheckOptions, jobs: int | None = None) -> int:
    """Check every file, write the reports in the order of the files; give the exit status."""
    jobs = default_jobs(len(paths)) if jobs is None else jobs
    jobs = min(jobs, len(paths))
    if jobs <= 1:
        worst, checkers = 0, _Checkers()
        for path in paths:
            outcome = check_file(path, options, checkers)
            _write(outcome)
            worst = max(worst, outcome.status)
        return worst
    return _run_parallel(paths, options, jobs)


def _write(outcome: Outcome) -> None:
    if outcome.err:
        sys.stderr.write(outcome.err)
    if isinstance(outcome.out, bytes):
        sys.stdout.flush()
        sys.stdout.buffer.write(outcome.out)
    elif outcome.out:
        sys.stdout.write(outcome.out)


# ---------------------------------------------------------------- worker processes
_WORKER: tuple[CheckOptions, _Checkers] | None = None


_ENCODING: tuple[str, str] | None = None       # the parent's stdout (encoding, errors), when it has bytes


def _start_worker(options: CheckOptions, encoding: tuple[str, str] | None, checkers: _Checkers | None) -> None:
    """A worker's state: the options, and the parent's checkers when it was forked (compiled once,
    shared copy-on-write), else its own."""
    global _WORKER, _ENCODING
    _WORKER, _ENCODING = (options, checkers or _Checkers()), encoding


def _check_in_worker(path: Path) -> Outcome:
    """check_file in a worker: an error that ends the command comes back said, as main() says it."""
    assert _WORKER is not None
    try:
        outcome = check_file(path, *_WORKER)
        if _ENCODING is not None and isinstance(outcome.out, str) and outcome.out:
            try:        # encoded here, written as is by the parent: the text crosses the pipe once
                return outcome._replace(out=outcome.out.encode(*_ENCODING))
            except UnicodeEncodeError:          # the parent's stdout will say so, as one process does
                pass
        return outcome
    except Exception as e:  # said by the one table of engine/cli/errors.py, in the parent's order
        from engine.cli.errors import answer
        said = io.StringIO()
        status = answer(e, said)
        return Outcome("", said.getvalue(), status, stop=True)


def _run_parallel(paths: list[Path], options: CheckOptions, jobs: int) -> int:
    import gc
    import multiprocessing
    forked = "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if forked else None)
    # the first file is checked here: its jurisdiction's checker (and evaluator) is then compiled
    # once, before the fork, and every worker starts with it
    checkers = _Checkers()
    first = check_file(paths[0], options, checkers)
    _write(first)
    sys.stdout.flush()
    sys.stderr.flush()
    rest = paths[1:]
    chunk = max(1, min(64, len(rest) // (jobs * 8)))
    worst = first.status
    binary = getattr(sys.stdout, "buffer", None) is not None and os.linesep == "\n"
    encoding = (sys.stdout.encoding, sys.stdout.errors or "strict") if binary else None
    if forked:
        gc.freeze()         # the parent's objects stay out of the workers' collections: pages stay shared
    initargs = (options, encoding, checkers if forked else None)
    try:
        with context.Pool(jobs, initializer=_start_worker, initargs=initargs) as pool:
            for outcome in pool.imap(_check_in_worker, rest, chunksize=chunk):
                _write(outcome)
                if outcome.stop:
                    return outcome.status
                worst = max(worst, outcome.status)
    finally:
        if forked:
            gc.unfreeze()
    return worst
