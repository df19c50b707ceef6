"""A child process that sends its answer back on a one-way pipe: the rule editor's sandbox (a spawned
child under CPU and memory limits, engine/rulebook/sandbox.py) and the register import's reader
(a forked child, engine/registers/imports.py) start and end theirs the same way."""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def child_process(method: str, target: Callable[..., None], *args: Any) -> Iterator[tuple[Any, Any]]:
    """`with child_process("spawn" | "fork", target, *args) as (receiver, process):` a daemonic child
    running `target(*args, sender)`, and the pipe's end it sends to. On leaving, the pipe is closed,
    the child killed if it still runs (the parent stopped listening) and reaped: `process.exitcode`
    says how it ended."""
    context: Any = multiprocessing.get_context(method)      # (its Process and Pipe, untyped)
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=target, args=(*args, sender), daemon=True)
    process.start()
    sender.close()                   # the child's end: this process only listens
    try:
        yield receiver, process
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()
