"""`yifa credit import|export`: the administrative-penalty register (CASE_FORMAT §4) as CSV.

Exit codes: 0 imported (warnings printed on stderr) or exported; 2 refused — a bad file, bad
rows (each listed: row, column, reason; nothing stored), an unknown user or a missing role.

`yifa credit scan [--as-of DATE] [--authority NAME] [--format table|csv|json]` judges the stored
register (or a CSV file) under the regime that governs each record and lists the penalising
authorities' follow-ups (CASE_FORMAT §6): exit 0 when no follow-up is overdue, 1 when one is,
2 on unreadable input. `--format csv` is the follow-up list (one row per follow-up).
"""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_ERROR = 0, 2


def register(subparsers: Any) -> None:
    """Add `credit` and its actions to the `yifa` parser."""
    credit = subparsers.add_parser("credit", help="行政处罚登记表与信用修复 / the penalty register and credit repair")
    actions = credit.add_subparsers(metavar="ACTION")
    for add in ACTIONS:
        add(actions)
    credit.set_defaults(run=lambda args: _help(credit))   # `yifa credit` alone: its actions


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return EXIT_ERROR


def add_import(actions: Any) -> None:
    """`yifa credit import FILE.csv [--encoding] [--skip-invalid [--rejected OUT.csv]] --as USER`."""
    imp = actions.add_parser("import", help="导入处罚登记表 CSV（有错误行则整体拒绝）/ import a register CSV, all or nothing")
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    imp.add_argument("--skip-invalid", action="store_true",
                     help="导入有效行，无效行写入 --rejected / import the good rows, write the bad ones to --rejected")
    imp.add_argument("--rejected", type=Path, default=None, metavar="OUT.csv",
                     help="被拒绝的行及原因 / the rejected rows with their reasons")
    imp.add_argument("--encoding", choices=("utf-8", "gb18030"), default=None,
                     help="文件编码（默认自动识别）/ the file's encoding (detected by default)")
    imp.add_argument("--as", dest="actor", required=True, metavar="USER", help="操作人用户名 / who does it")
    imp.set_defaults(run=cmd_import)


def add_export(actions: Any) -> None:
    """`yifa credit export [-o FILE.csv]`."""
    exp = actions.add_parser("export", help="导出处罚登记表 CSV（UTF-8 带 BOM）/ export the register (UTF-8 with BOM)")
    exp.add_argument("-o", "--out", type=Path, default=None, metavar="FILE.csv",
                     help="默认输出到标准输出（不带 BOM）/ default: stdout (without BOM)")
    exp.set_defaults(run=cmd_export)


def add_scan(actions: Any) -> None:
    """`yifa credit scan [--as-of DATE] [--authority NAME] [--format table|csv|json] [--file FILE.csv]`."""
    from engine.cli_docs import _iso_day
    scan = actions.add_parser("scan", help="按日期扫描处罚登记表，列出跟进事项 / scan the register as of a day")
    scan.add_argument("--as-of", type=_iso_day, default=None, metavar="YYYY-MM-DD", help="扫描日（默认今天）/ default today")
    scan.add_argument("--authority", default=None, metavar="NAME", help="只看该处罚机关 / only this authority")
    scan.add_argument("--format", choices=("table", "csv", "json"), default="table",
                      help="table：按机关列出跟进事项；csv：跟进清单；json：CASE_FORMAT §6")
    scan.add_argument("--jurisdiction", default="CN", help="规则集（默认 CN）/ the rulebook (default CN)")
    scan.add_argument("--engine", choices=("native", "durable"), default="native")
    scan.add_argument("--file", type=Path, default=None, metavar="FILE.csv",
                      help="直接扫描 CSV 文件而不导入 / scan a CSV file without importing it")
    scan.add_argument("--encoding", choices=("utf-8", "gb18030"), default=None)
    scan.add_argument("--lang", choices=("zh", "en"), default="zh")
    scan.add_argument("--out", type=Path, default=None, metavar="FILE", help="默认输出到标准输出 / default: stdout")
    scan.add_argument("--progress", action="store_true", help="总是显示进度条 / always show the progress bar")
    scan.add_argument("--jobs", type=int, default=None, metavar="N",
                      help="--file 的 csv/json 扫描使用的进程数（默认：大文件用全部 CPU）/ processes for a --file scan "
                           "(default: every CPU for large files)")
    scan.set_defaults(run=cmd_scan)


ACTIONS = (add_import, add_export, add_scan)


def _unit(read_only: bool = False):
    from engine.store.db import ready_engine
    from engine.store.uow import UnitOfWork
    return UnitOfWork(ready_engine(), read_only=read_only)


def cmd_import(args: argparse.Namespace) -> int:
    """Import the register in one transaction; exit 2 with every problem when refused."""
    from engine.access import PermissionDeniedError
    from engine.errors import InputError
    from engine.registers.penalties import import_penalties
    if args.rejected is not None and not args.skip_invalid:
        print("yifa: --rejected 需与 --skip-invalid 同用 / --rejected needs --skip-invalid", file=sys.stderr)
        return EXIT_ERROR
    try:
        with _unit() as uow:
            result = import_penalties(uow, args.file, args.actor, skip_invalid=args.skip_invalid,
                                      rejected_out=args.rejected, encoding=args.encoding)
            uow.commit()
    except InputError as e:
        print(f"未导入任何记录 / nothing imported — {len(e.problems)} 个问题 / problem(s):", file=sys.stderr)
        print(str(e), file=sys.stderr)
        return EXIT_ERROR
    except PermissionDeniedError as e:
        print(f"yifa: {e}", file=sys.stderr)
        return EXIT_ERROR
    _report(result, args.rejected)
    return EXIT_OK


def _report(result: Any, rejected_file: Path | None) -> None:
    for warning in result.warnings:
        print(f"警告 warning: {warning}", file=sys.stderr)
    print(f"新增 imported {len(result.imported)}，更新 updated {len(result.updated)}，"
          f"未变 unchanged {len(result.unchanged)}，警告 warnings {len(result.warnings)}")
    if result.rejected:
        rows = sorted({p.path.split(",")[0] for p in result.rejected})
        where = f"，已写入 written to {rejected_file}" if rejected_file else ""
        print(f"拒绝 rejected {len(rows)} 行 rows{where}:", file=sys.stderr)
        for problem in result.rejected:
            print(f"  {problem}", file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> int:
    """Write the register: to a file (UTF-8 with BOM) or to stdout (without BOM)."""
    from engine.registers.penalties import export_penalties
    with _unit(read_only=True) as uow:
        if args.out is None:
            if hasattr(sys.stdout, "reconfigure"):  # the CSV's CRLF as written, in UTF-8 (§3)
                sys.stdout.reconfigure(newline="", encoding="utf-8")
            count = export_penalties(uow.session, sys.stdout, bom=False)
        else:
            with open(args.out, "w", encoding="utf-8", newline="") as stream:
                count = export_penalties(uow.session, stream)
    print(f"已导出 exported {count} 条 penalties", file=sys.stderr)
    return EXIT_OK


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan the stored register, or a CSV file, and print the report in the chosen format."""
    from engine.errors import InputError
    from engine.registers.credit_scan import CreditScanner
    try:
        scanner = CreditScanner(args.as_of or date.today(), args.jurisdiction, args.engine, args.authority)
        if args.file is not None and args.format != "table" and _jobs(args) > 1:
            return _write_parallel_scan(args, scanner)
        if args.file is not None:
            records = _records_in_file(args.file, args.encoding)
            return _write_scan(args, scanner, records, len(records))
        from engine.registers.penalties import count_penalties, iter_penalties
        with _unit(read_only=True) as uow:
            return _write_scan(args, scanner, iter_penalties(uow.session), count_penalties(uow.session))
    except InputError as e:
        print(f"yifa: 无法扫描 / cannot scan — {len(e.problems)} 个问题 / problem(s):\n{e}", file=sys.stderr)
        return EXIT_ERROR


def _records_in_file(path: Path, encoding) -> list:
    from engine.errors import InputError
    from engine.registers.penalties import read_penalties
    rows = read_penalties(path, encoding)
    problems = [p for r in rows if not r.ok for p in r.problems]
    if problems:
        raise InputError(problems)
    return [r.record for r in rows]


def _write_scan(args: argparse.Namespace, scanner, records, total: int) -> int:
    from engine.registers.credit_scan import write_follow_ups_csv, write_json, write_table
    from engine.registers.scan import ProgressBar
    bar = ProgressBar(total, force=args.progress)
    scans = scanner.scan(records, bar)
    out = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout
    try:
        if args.format == "json":
            summary = write_json(scanner, scans, out, args.lang)
        elif args.format == "csv":
            summary = write_follow_ups_csv(scans, out, args.lang)
        else:
            summary = write_table(scanner, scans, out, args.lang)
    finally:
        bar.done()
        if args.out:
            out.close()
    return 1 if summary.overdue else EXIT_OK


PARALLEL_FROM_BYTES = 8 * 1024 * 1024       # below this a second process costs more than it saves


def _jobs(args: argparse.Namespace) -> int:
    from engine.registers.parallel import default_jobs
    if args.jobs is not None:
        return max(1, args.jobs)
    try:
        large = args.file.stat().st_size >= PARALLEL_FROM_BYTES
    except OSError:
        return 1                                    # the reading will say what is wrong
    return default_jobs() if large else 1


def _write_parallel_scan(args: argparse.Namespace, scanner) -> int:
    """A large file's csv or json report, made by several processes (same bytes as one process)."""
    from engine.registers.parallel import scan_file
    options = {"as_of": scanner.as_of.isoformat(), "jurisdiction": scanner.checker.book.jurisdiction,
               "engine": scanner.engine, "authority": scanner.authority, "lang": args.lang}
    text, summary = scan_file(str(args.file), args.encoding, options, args.format, _jobs(args))
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 1 if summary.overdue else EXIT_OK
