"""`yifa docs import|export`: the normative-document register (CASE_FORMAT §3) as CSV.

Exit codes: 0 imported (warnings printed on stderr) or exported; 2 refused — a bad file, bad
rows (each listed: row, column, reason; nothing stored), an unknown user or a missing role.
`yifa docs scan` judges the register (or a CSV file) as of a day with the rules of SPEC §B and
exits as `yifa check` does (CASE_FORMAT §2, §5): 0 when no blocker or error is violated, 1 when
one is, 2 on unreadable input.
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
    scan = actions.add_parser("scan", help="按日期扫描登记表，列出需处理的文件 / scan the register as of a day")
    scan.add_argument("--as-of", type=_iso_day, default=None, metavar="YYYY-MM-DD", help="扫描日（默认今天）/ default today")
    scan.add_argument("--format", choices=("table", "csv", "json"), default="table")
    scan.add_argument("--jurisdiction", default="CN", help="规则集（默认 CN）/ the rulebook (default CN)")
    scan.add_argument("--engine", choices=("native", "durable"), default="native",
                      help="求值器（默认 native，与 durable-rules 差分测试一致）/ evaluator")
    scan.add_argument("--file", type=Path, default=None, metavar="FILE.csv",
                      help="直接扫描 CSV 文件而不导入 / scan a CSV file without importing it")
    scan.add_argument("--encoding", choices=("utf-8", "gb18030"), default=None)
    scan.add_argument("--lang", choices=("zh", "en"), default="zh")
    scan.add_argument("--out", type=Path, default=None, metavar="FILE", help="默认输出到标准输出 / default: stdout")
    scan.add_argument("--progress", action="store_true", help="总是显示进度条 / always show the progress bar")
    scan.set_defaults(run=cmd_scan)


def _iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期无效 {text!r}，应为 YYYY-MM-DD / invalid date, expected YYYY-MM-DD") from None


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


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan the stored register, or a CSV file, and print the report in the chosen format."""
    from engine.errors import InputError
    from engine.registers.scan import DocumentScanner, ProgressBar, write_csv, write_json, write_table
    try:
        scanner = DocumentScanner(args.as_of or date.today(), args.jurisdiction, args.engine)
        if args.file is not None:
            documents = _documents_in_file(args.file, args.encoding)
            return _write_scan(args, scanner, documents, len(documents))
        from engine.registers.documents import count_documents, iter_documents
        with _unit(read_only=True) as uow:
            return _write_scan(args, scanner, iter_documents(uow.session), count_documents(uow.session))
    except InputError as e:
        print(f"yifa: 无法扫描 / cannot scan — {len(e.problems)} 个问题 / problem(s):\n{e}", file=sys.stderr)
        return EXIT_ERROR


def _documents_in_file(path: Path, encoding) -> list:
    from engine.errors import InputError
    from engine.registers.documents import read_documents
    rows = read_documents(path, encoding)
    problems = [p for r in rows if not r.ok for p in r.problems]
    if problems:
        raise InputError(problems)
    return [r.record for r in rows]


def _write_scan(args: argparse.Namespace, scanner, documents, total: int) -> int:
    from engine.registers.scan import ProgressBar, write_csv, write_json, write_table
    bar = ProgressBar(total, force=args.progress)
    scans = scanner.scan(documents, bar)
    out = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout
    try:
        if args.format == "json":
            summary = write_json(scanner, scans, out, args.lang)
        elif args.format == "csv":
            summary = write_csv(scans, out, args.lang)
        else:
            summary = write_table(scanner, scans, out, args.lang)
    finally:
        bar.done()
        if args.out:
            out.close()
    return 1 if summary.blocking else EXIT_OK
