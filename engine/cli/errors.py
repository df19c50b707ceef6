"""How the command line answers an error: one table from error to exit status, one way to say it.

Exit statuses (CASE_FORMAT §2 and §7): 1 refused by the procedure (a gate closed, a stage out of order),
2 bad input, an unknown thing, a refused permission or conflict, an unreachable database — and a bug,
which is said in one line without a traceback unless YIFA_DEBUG=1 asks for it.
"""
from __future__ import annotations

import os
import sys
import traceback
from typing import TextIO

from engine.core.errors import EXIT_INPUT, InputError, YifaError

DEBUG_VARIABLE = "YIFA_DEBUG"
EXIT_BUG = EXIT_INPUT


def exit_code_for(error: BaseException) -> int:
    """The exit status of an error: the class's own (`exit`), else that of bad input or a bug."""
    return error.exit if isinstance(error, YifaError) else EXIT_BUG


def debugging() -> bool:
    """Whether YIFA_DEBUG asks for tracebacks."""
    return os.environ.get(DEBUG_VARIABLE, "").strip() not in ("", "0")


def message_for(error: BaseException) -> str:
    """What the user reads: the error's Chinese then English text, naming what is wrong."""
    if isinstance(error, InputError):          # every line already names its file and field
        return str(error)
    if isinstance(error, YifaError):
        return f"yifa: {error}"
    if isinstance(error, OSError):
        return f"yifa: {error.strerror or error}：{getattr(error, 'filename', '') or ''} / cannot read or write a file"
    if isinstance(error, _database_errors()):
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        if _unreachable(error):
            return (f"yifa: 数据库无法连接 / cannot reach the database: {reason}"
                    "（数据库 DATABASE_URL 是否可用？/ is the database reachable?）")
        return f"yifa: 数据库拒绝了此操作 / the database refused: {type(getattr(error, 'orig', error)).__name__}: {reason}"
    first = (str(error).strip().splitlines() or [""])[0]
    return (f"yifa: 内部错误 / internal error: {type(error).__name__}: {first}"
            f"（设 {DEBUG_VARIABLE}=1 显示详情 / set {DEBUG_VARIABLE}=1 for the traceback）")


def answer(error: BaseException, stream: TextIO | None = None) -> int:
    """Say what went wrong (with the traceback under YIFA_DEBUG=1) and give the exit status."""
    stream = stream or sys.stderr
    if debugging():
        traceback.print_exception(type(error), error, error.__traceback__, file=stream)
    print(message_for(error), file=stream)
    return exit_code_for(error)


def _unreachable(error: BaseException) -> bool:
    """Whether a database error says the server could not be reached (not that it refused a statement)."""
    module = sys.modules.get("sqlalchemy.exc")
    if module is None or not isinstance(error, (module.OperationalError, module.InterfaceError)):
        return False
    text = str(getattr(error, "orig", None) or error).lower()
    return any(w in text for w in ("connect", "connection", "could not translate host", "timeout", "unable to open"))


def _database_errors() -> tuple[type[BaseException], ...]:
    """SQLAlchemy's errors, if it is loaded (the pure `check` command never loads it)."""
    module = sys.modules.get("sqlalchemy.exc")
    return (module.SQLAlchemyError,) if module else ()
