"""`yifa db upgrade`, `yifa trail verify [CASE] [--checkpoint FILE [--key PUBFILE]]`,
`yifa trail export CASE --out DIR`, `yifa trail checkpoint [--out FILE]`, `yifa trail keygen --out FILE`.

Exit codes (CASE_FORMAT §7): 0 every chain intact, 1 a chain is broken (or a stored record no
longer matches its chain or the checkpoint), 2 an error (an unknown case, a database that cannot
be reached or has no schema yet, a checkpoint or key that cannot be used) — said in a sentence
by engine/cli/errors.py, no traceback.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from engine.core.errors import DatabaseNotReadyError, UnknownTrailError

EXIT_OK, EXIT_BROKEN = 0, 1


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
    verify.add_argument("--checkpoint", type=Path, metavar="FILE",
                        help="与签名检查点比对 / compare with a signed checkpoint")
    verify.add_argument("--key", type=Path, metavar="PUBFILE",
                        help="检查点的公钥（默认 $YIFA_TRAIL_KEY）/ the checkpoint's public key (default: $YIFA_TRAIL_KEY)")
    verify.set_defaults(run=cmd_trail_verify_records)
    checkpoint = actions.add_parser("checkpoint", help="写入签名检查点 / write a signed checkpoint of every chain head")
    checkpoint.add_argument("--out", type=Path, metavar="FILE",
                            help="文件、目录或 -（默认 $YIFA_INSTANCE/checkpoints/）/ a file, a folder or - "
                                 "(default: $YIFA_INSTANCE/checkpoints/)")
    checkpoint.set_defaults(run=cmd_trail_checkpoint)
    keygen = actions.add_parser("keygen", help="生成签名密钥 / make a signing key (FILE, FILE.pub)")
    keygen.add_argument("--out", required=True, type=Path, metavar="FILE")
    keygen.set_defaults(run=cmd_trail_keygen)
    export = actions.add_parser("export", help="导出归档记录 / write the dossier (JSON + printable HTML)")
    export.add_argument("case", metavar="CASE")
    export.add_argument("--out", required=True, type=Path, metavar="DIR")
    export.set_defaults(run=cmd_trail_export)


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


def _engine() -> Any:
    """The engine of the configured database, refused when it has no schema yet."""
    from engine.store.db import database_url, is_initialised, make_engine
    engine = make_engine(database_url())
    if not is_initialised(engine):
        engine.dispose()
        raise DatabaseNotReadyError(_shown(database_url()))
    return engine


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from engine.store.db import database_url, head_revision, upgrade
    url = database_url()
    revision = upgrade(url)
    head = " (head)" if revision == head_revision() else ""
    print(f"数据库已升级至 {revision}{head} / database at revision {revision}{head}: {_shown(url)}")
    return EXIT_OK


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
                raise UnknownTrailError(args.case)
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


def cmd_trail_export(args: argparse.Namespace) -> int:
    from engine.core.paths import output_folder
    from engine.decisions.dossier import export_dossier
    from engine.store.uow import UnitOfWork
    engine = _engine()
    try:
        with UnitOfWork(engine, read_only=True) as uow:
            json_path, html_path = export_dossier(uow.session, args.case, output_folder(args.out))
    finally:
        engine.dispose()
    print(f"已导出 / written: {json_path}  {html_path}")
    return EXIT_OK


def cmd_trail_keygen(args: argparse.Namespace) -> int:
    from engine.core.checkpoint import generate_key
    pub = generate_key(args.out)
    print(f"已生成签名私钥 {args.out}（仅属主可读）与公钥 {pub} / wrote the private key {args.out} (mode 0600) "
          f"and the public key {pub}: set YIFA_TRAIL_KEY={args.out}, give {pub} to the auditors")
    return EXIT_OK


def cmd_trail_checkpoint(args: argparse.Namespace) -> int:
    from engine.core import checkpoint as cp
    from engine.store.db import instance_dir
    from engine.store.models import utcnow
    from engine.store.uow import UnitOfWork
    key = cp.load_private_key(cp.key_path())
    engine = _engine()
    try:
        with UnitOfWork(engine, read_only=True) as uow:
            taken, broken = cp.checked(uow.session, key, utcnow())
    finally:
        engine.dispose()
    if taken is None:   # on stderr: stdout may be the checkpoint's destination (--out -)
        for line in broken:
            print(line, file=sys.stderr)
        print(f"审计链或记录未通过校验，未写入检查点 / {len(broken)} chains or records do not verify: "
              "no checkpoint written", file=sys.stderr)
        return EXIT_BROKEN
    if str(args.out) == "-":
        from engine.trail import canonical
        print(canonical(taken))
        return EXIT_OK
    out = args.out or instance_dir() / "checkpoints"
    if args.out is None:
        out.mkdir(parents=True, exist_ok=True)
    path = cp.write(taken, out)
    print(f"已写入检查点 / checkpoint written: {path} ({len(taken['chains'])} chains, "
          f"{len(taken['records'])} records)")
    return EXIT_OK


def _verification_key(args: argparse.Namespace) -> Any:
    from engine.core import checkpoint as cp
    return cp.load_public_key(args.key if args.key is not None else cp.key_path())


def cmd_trail_verify_records(args: argparse.Namespace) -> int:
    """`trail verify`: the chains, then every stored record against its chain (and the checkpoint)."""
    from engine.core import checkpoint as cp
    from engine.core.record_states import check_records
    from engine.store.uow import UnitOfWork
    taken = cp.read(args.checkpoint, _verification_key(args)) if args.checkpoint is not None else None
    status = cmd_trail_verify(args)
    engine = _engine()
    try:
        with UnitOfWork(engine, read_only=True) as uow:
            found = check_records(uow.session, args.case)
            if taken is not None:
                found += [f for f in cp.compare(uow.session, taken) if args.case in (None, f.chain)]
    finally:
        engine.dispose()
    for finding in found:
        print(finding)
    zh, en = (f"（对照 {taken['at']} 的检查点）", f" (against the checkpoint of {taken['at']})") if taken else ("", "")
    print(f"记录{zh}：{len(found)} 处不符 / records{en}: {len(found)} mismatches")
    return EXIT_BROKEN if found or status == EXIT_BROKEN else EXIT_OK
