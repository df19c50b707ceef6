"""`yifa docs import|export`: the normative-document register (CASE_FORMAT §3) as CSV.

Exit codes: 0 imported (warnings printed on stderr) or exported; 2 refused — a bad file, bad
rows (each listed: row, column, reason; nothing stored), an unknown user or a missing role.
`yifa docs scan` comes with the rules of SPEC §B (issue 5, later).
"""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_ERROR = 0, 2


def register(subparsers: Any) -> None:
    """Add `docs` to the `yifa` parser."""
    docs = subparsers.add_parser("docs", help="规范性文件登记表 / the normative-document register")
    actions = docs.add_subparsers(metavar="ACTION")
    imp = actions.add_parser("import", help="导入登记表 CSV（有错误行则整体拒绝）/ import a register CSV, all or nothing")
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    imp.add_argument("--skip-invalid", action="store_true",
                     help="导入有效行，无效行写入 --rejected / import the good rows, write the bad ones to --rejected")
    imp.add_argument("--rejected", type=Path, default=None, metavar="OUT.csv",
                     help="被拒绝的行及原因 / the rejected rows with their reasons")
    imp.add_argument("--encoding", choices=("utf-8", "gb18030"), default=None,
                     help="文件编码（默认自动识别）/ the file's encoding (detected by default)")
    imp.add_argument("--as", dest="actor", required=True, metavar="USER", help="操作人用户名 / who does it")
    imp.set_defaults(run=cmd_import)
    exp = actions.add_parser("export", help="导出登记表 CSV（UTF-8 带 BOM）/ export the register (UTF-8 with BOM)")
    exp.add_argument("--out", type=Path, default=None, metavar="FILE.csv", help="默认输出到标准输出 / default: stdout")
    exp.set_defaults(run=cmd_export)
    rev = actions.add_parser("review", help="记录清理评估结论 / record a clean-up review of a document")
    rev.add_argument("number", metavar="文号")
    rev.add_argument("outcome", choices=("kept", "amended", "repealed", "declared_invalid"))
    rev.add_argument("--reason", required=True)
    rev.add_argument("--on", type=date.fromisoformat, default=None, help="评估日期（默认今天）")
    rev.add_argument("--as", dest="actor", required=True, metavar="USER")
    rev.set_defaults(run=cmd_review)


def _unit(read_only: bool = False):
    from engine.store.db import ready_engine
    from engine.store.uow import UnitOfWork
    return UnitOfWork(ready_engine(), read_only=read_only)


def cmd_import(args: argparse.Namespace) -> int:
    from engine.access import PermissionDeniedError
    from engine.errors import InputError
    from engine.registers.documents import import_documents
    if args.rejected is not None and not args.skip_invalid:
        print("yifa: --rejected 需与 --skip-invalid 同用 / --rejected needs --skip-invalid", file=sys.stderr)
        return EXIT_ERROR
    try:
        with _unit() as uow:
            result = import_documents(uow, args.file, args.actor, skip_invalid=args.skip_invalid,
                                      rejected_out=args.rejected, encoding=args.encoding)
            uow.commit()
    except InputError as e:
        print(f"未导入任何文件 / nothing imported — {len(e.problems)} 个问题 / problem(s):", file=sys.stderr)
        print(str(e), file=sys.stderr)
        return EXIT_ERROR
    except PermissionDeniedError as e:
        print(f"yifa: {e}", file=sys.stderr)
        return EXIT_ERROR
    for warning in result.warnings:
        print(f"警告 warning: {warning}", file=sys.stderr)
    print(f"新增 imported {len(result.imported)}，更新 updated {len(result.updated)}，"
          f"未变 unchanged {len(result.unchanged)}，警告 warnings {len(result.warnings)}")
    if result.rejected:
        rows = sorted({p.path.split(",")[0] for p in result.rejected})
        where = f"，已写入 written to {args.rejected}" if args.rejected else ""
        print(f"拒绝 rejected {len(rows)} 行 rows{where}:", file=sys.stderr)
        for problem in result.rejected:
            print(f"  {problem}", file=sys.stderr)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from engine.registers.documents import export_documents
    with _unit(read_only=True) as uow:
        if args.out is None:
            if hasattr(sys.stdout, "reconfigure"):  # keep the CSV's CRLF as written
                sys.stdout.reconfigure(newline="")
            count = export_documents(uow.session, sys.stdout, bom=False)
        else:
            with open(args.out, "w", encoding="utf-8", newline="") as stream:
                count = export_documents(uow.session, stream)
    print(f"已导出 exported {count} 件 documents", file=sys.stderr)
    return EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    """Record a clean-up review; exit 2 with a sentence when refused."""
    from engine.access import PermissionDeniedError
    from engine.registers.reviews import OUTCOME_ZH, UnknownDocumentError, mark_reviewed
    try:
        with _unit() as uow:
            record = mark_reviewed(uow, args.number, args.outcome, args.reason, args.actor, args.on or date.today())
            uow.commit()
    except (PermissionDeniedError, UnknownDocumentError) as e:
        print(f"yifa: {e}", file=sys.stderr)
        return 2
    print(f"已记录 recorded：{record.number} {OUTCOME_ZH[args.outcome]}（status {record.status}）")
    return 0
