"""`yifa db upgrade`, `yifa trail verify [CASE]`, `yifa trail export CASE --out DIR`.

Exit codes (CASE_FORMAT §7): 0 every chain intact, 1 a chain is broken, 2 an error (an unknown
case, a database that cannot be reached or has no schema yet) — said in a sentence, no traceback.
"""
from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_BROKEN, EXIT_ERROR = 0, 1, 2


class StoreCommandError(Exception):
    """A store command cannot run; the message says why, in Chinese and English."""


def register(subparsers: Any) -> None:
    """Add the `db` and `trail` commands to the `yifa` parser's subparsers."""
    db = subparsers.add_parser("db", help="数据库 / the database")
    db_actions = db.add_subparsers(metavar="ACTION")
    up = db_actions.add_parser("upgrade", help="应用数据库迁移 / apply the schema migrations")
    up.set_defaults(run=cmd_db_upgrade)

    trail = subparsers.add_parser("trail", help="审计链 / the audit trail")
    actions = trail.add_subparsers(metavar="ACTION")
    verify = actions.add_parser("verify", help="校验审计链 / recompute and check the hash chains")
    verify.add_argument("case", nargs="?", metavar="CASE", help="只校验此案件 / only this case's chain")
    verify.set_defaults(run=cmd_trail_verify)
    export = actions.add_parser("export", help="导出归档记录 / write the dossier (JSON + printable HTML)")
    export.add_argument("case", metavar="CASE")
    export.add_argument("--out", required=True, type=Path, metavar="DIR")
    export.set_defaults(run=cmd_trail_export)


def _refusing_errors(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn database and lookup errors into a message and exit status 2."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import SQLAlchemyError

        from engine.core.errors import UnknownCaseError
        try:
            return command(args)
        except (StoreCommandError, UnknownCaseError) as exc:
            print(f"yifa: {exc}", file=sys.stderr)
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            print(f"yifa: 数据库错误 / database error: {reason}", file=sys.stderr)
        except OSError as exc:
            print(f"yifa: 无法写入 / cannot write: {exc}", file=sys.stderr)
        return EXIT_ERROR

    return run


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


def _engine() -> Any:
    """The engine of the configured database, refused when it has no schema yet."""
    from engine.store.db import database_url, is_initialised, make_engine
    engine = make_engine(database_url())
    if not is_initialised(engine):
        engine.dispose()
        raise StoreCommandError(f"数据库尚未初始化，请先运行 yifa db upgrade / the database has no schema yet: "
                                f"run `yifa db upgrade` ({_shown(database_url())})")
    return engine


@_refusing_errors
def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from engine.store.db import database_url, head_revision, upgrade
    url = database_url()
    revision = upgrade(url)
    head = " (head)" if revision == head_revision() else ""
    print(f"数据库已升级至 {revision}{head} / database at revision {revision}{head}: {_shown(url)}")
    return EXIT_OK


@_refusing_errors
def cmd_trail_verify(args: argparse.Namespace) -> int:
    from engine.decisions.queries import find_case
    from engine.store.uow import UnitOfWork
    from engine.trail import verify_all
    engine = _engine()
    try:
        started = time.perf_counter()
        with UnitOfWork(engine, read_only=True) as uow:
            statuses = verify_all(uow.session, args.case)
            if args.case and not statuses and find_case(uow.session, args.case) is None:
                raise StoreCommandError(f"未知案件 {args.case}：既无案卷也无审计链 / unknown case {args.case}: "
                                        "no case and no trail")
        elapsed = time.perf_counter() - started
    finally:
        engine.dispose()
    return _report(statuses, args.case, elapsed)


def _report(statuses: list, case: str | None, elapsed: float) -> int:
    broken = [s for s in statuses if not s.ok]
    for status in statuses:
        if status.broken is not None:
            print(status.broken)
        elif case:
            print(f"{status.case_id}: 完整 / intact — {status.verified} 个事件 / events, "
                  f"链头 / head {status.head[:16]}…")
    if case and not statuses:
        print(f"{case}: 尚无事件 / no events yet")
    events = sum(s.verified for s in statuses)
    print(f"{len(statuses) - len(broken)} 条链完整，{len(broken)} 条断裂（校验 {events} 个事件，用时 {elapsed:.2f} 秒）/ "
          f"{len(statuses) - len(broken)} chains intact, {len(broken)} broken ({events} events verified in {elapsed:.2f} s)")
    return EXIT_BROKEN if broken else EXIT_OK


@_refusing_errors
def cmd_trail_export(args: argparse.Namespace) -> int:
    from engine.decisions.dossier import export_dossier
    from engine.store.uow import UnitOfWork
    engine = _engine()
    try:
        with UnitOfWork(engine, read_only=True) as uow:
            json_path, html_path = export_dossier(uow.session, args.case, args.out)
    finally:
        engine.dispose()
    print(f"已导出 / written: {json_path}  {html_path}")
    return EXIT_OK
