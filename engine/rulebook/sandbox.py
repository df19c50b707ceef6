"""Run the rule editor's heavy work (lint + rule tests, impact preview) in a child process with
CPU-time and memory limits, so that a costly candidate rule file cannot stall or bloat the server.

    run_limited(func, *args)    func(*args) in a fresh 'spawn' child under RLIMIT_CPU and RLIMIT_AS

The limits come from the environment (read at each call):
    YIFA_EDIT_CPU_SECONDS   CPU seconds the child may use (default 10)
    YIFA_EDIT_MEMORY_MB     address space of the child, in MiB (default 1024)
The parent waits at most the CPU limit plus a few seconds of wall time, then kills the child.
A limit hit is reported as EditLimitError (an InputError: the web editor shows it like any other
problem of the candidate, status 400). The child's memory goes back to the system when it ends.
`func` must be a module-level function; its arguments and result are pickled.
"""
from __future__ import annotations

import os
import signal
from typing import Any, Callable

from engine.core.children import child_process
from engine.core.errors import InputError, Problem

DEFAULT_CPU_SECONDS = 10.0
DEFAULT_MEMORY_MB = 1024
WALL_GRACE_SECONDS = 5.0        # start-up of the child (imports) and scheduling on a busy machine


class EditLimitError(InputError):
    """The candidate needed more CPU time or memory than the editor allows."""

    def __init__(self, problems) -> None:
        super().__init__(problems)


def limits() -> tuple[float, int]:
    """(CPU seconds, memory MiB) from the environment; a bad value is refused by name."""
    def read(name: str, default: float) -> float:
        text = os.environ.get(name, "").strip()
        if not text:
            return default
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0 < value < float("inf"):
            raise InputError.single("<environment>", f"应为正数：{text!r} / must be a positive number: {text!r}", name)
        return value
    return read("YIFA_EDIT_CPU_SECONDS", DEFAULT_CPU_SECONDS), max(1, int(read("YIFA_EDIT_MEMORY_MB", DEFAULT_MEMORY_MB)))


def _limit_error(kind: str, cpu: float, mem: int, file: str) -> EditLimitError:
    if kind == "cpu":
        zh = f"检查这份规则文件超过了 {cpu:g} 秒的计算时间上限，已中止"
        en = f"checking this rule file took more than the {cpu:g} s CPU-time limit and was stopped"
    elif kind == "memory":
        zh = f"检查这份规则文件超过了 {mem} MiB 的内存上限，已中止"
        en = f"checking this rule file needed more than the {mem} MiB memory limit and was stopped"
    else:
        zh = "检查这份规则文件的子进程异常终止"
        en = "the process checking this rule file ended abnormally"
    return EditLimitError([Problem(file, "(limits)", f"{zh}；请简化条件（减少 any/all 嵌套）后重试 / "
                                                    f"{en}; simplify its conditions (less any/all nesting) and retry")])


def _child(cpu: float, mem: int, func: Callable, args: tuple, conn: Any) -> None:
    import resource
    seconds = max(1, int(cpu + 0.999))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (mem * 1024 * 1024, mem * 1024 * 1024))
    try:
        result = ("ok", func(*args))
    except MemoryError:
        result = ("memory", None)
    except BaseException as e:   # handed to the parent, which raises it
        result = ("error", e)
    try:
        conn.send(result)
    except MemoryError:
        conn.send(("memory", None))
    conn.close()


def run_limited(func: Callable, *args: Any, file: str = "(rules)") -> Any:
    """Call func(*args) in a child process under the editor's limits; EditLimitError when one is hit."""
    cpu, mem = limits()
    with child_process("spawn", _child, cpu, mem, func, args) as (parent_end, proc):
        if parent_end.poll(cpu + WALL_GRACE_SECONDS):
            try:
                kind, value = parent_end.recv()
            except EOFError:
                kind, value = None, None
        else:
            kind, value = "cpu", None
    if kind == "ok":
        return value
    if kind == "error":
        raise value
    if kind is None:
        kind = "cpu" if proc.exitcode in (-signal.SIGXCPU, -signal.SIGKILL) else "memory"
    raise _limit_error(kind, cpu, mem, file)
