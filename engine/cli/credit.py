"""`yifa credit import|export|template|scan`: the administrative-penalty register (CASE_FORMAT §4:
CSV or .xlsx, English or Chinese headers) and the credit scan (§6).

Exit codes: import/export 0 done, 2 refused (a bad file, bad rows — each listed: row, column,
reason; nothing stored — an unknown user or a missing role). `scan` 0 when no follow-up is
overdue, 1 when one is, 2 on unreadable input. `--format csv` is the follow-up list (one row per
follow-up). A large `--file` is scanned on every CPU (`--jobs`), with the same output.
"""
from __future__ import annotations

import argparse
from typing import Any

from engine.cli import registers
from engine.core import clock

REGISTER = "penalties"                      # its register (engine/registers/kinds.py)
PARALLEL_FROM_BYTES = 8 * 1024 * 1024       # below this a second process costs more than it saves


def register(subparsers: Any) -> None:
    """Add `credit` and its actions to the `yifa` parser."""
    credit, actions = registers.add_register_commands(
        subparsers, "credit", "行政处罚登记表与信用修复 / the penalty register and credit repair", REGISTER, "处罚登记表")
    scan = registers.add_scan_action(actions, "按日期扫描处罚登记表，列出跟进事项 / scan the register as of a day",
                                     cmd_scan)
    scan.add_argument("--authority", default=None, metavar="NAME", help="只看该处罚机关 / only this authority")
    scan.add_argument("--jobs", type=int, default=None, metavar="N",
                      help="--file 的 csv/json 扫描使用的进程数（默认：大文件用全部 CPU）/ processes for a --file scan "
                           "(default: every CPU for large files)")
    credit.set_defaults(run=lambda args: _help(credit))   # `yifa credit` alone: its actions


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return registers.EXIT_ERROR


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan the stored register, or a CSV file, and print the report in the chosen format."""
    from engine.core.errors import InputError
    from engine.credit.scan import CreditScanner, write_follow_ups_csv, write_json, write_table
    try:
        scanner = CreditScanner(args.as_of or clock.today(), args.jurisdiction, args.engine, args.authority)
        if args.file is not None and args.format != "table" and _jobs(args) > 1:
            return _write_parallel_scan(args, scanner)
    except InputError as e:
        return registers.cannot_scan(e)
    writers = registers.scan_writers(scanner, write_json, write_follow_ups_csv, write_table, args.lang)
    return registers.run_scan(registers.register_named(REGISTER), args, scanner, writers,
                              lambda summary: summary.overdue > 0)


def _jobs(args: argparse.Namespace) -> int:
    from engine.credit.parallel import default_jobs
    try:
        with open(args.file, "rb") as probe:
            if probe.read(4) == b"PK\x03\x04":     # a workbook: one process reads its sheet
                return 1
    except OSError:
        return 1                                    # the reading will say what is wrong
    if args.jobs is not None:
        return max(1, args.jobs)
    try:
        large = args.file.stat().st_size >= PARALLEL_FROM_BYTES
    except OSError:
        return 1                                    # the reading will say what is wrong
    return default_jobs() if large else 1


def _write_parallel_scan(args: argparse.Namespace, scanner) -> int:
    """A large file's csv or json report, made by several processes (same bytes as one process)."""
    from engine.credit.parallel import scan_file
    options = {"as_of": scanner.as_of.isoformat(), "jurisdiction": scanner.checker.book.jurisdiction,
               "engine": scanner.engine, "authority": scanner.authority, "lang": args.lang}
    text, summary = scan_file(str(args.file), args.encoding, options, args.format, _jobs(args))
    with registers.report_out(args.out) as out:
        out.write(text)
    return registers.EXIT_FOUND if summary.overdue else registers.EXIT_OK
