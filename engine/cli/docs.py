"""`yifa docs import|export|template`: the normative-document register (CASE_FORMAT §3) as CSV or
.xlsx, English or Chinese headers (`--headers zh|en`, `--format csv|xlsx`).

Exit codes: 0 imported (warnings printed on stderr) or exported; 2 refused — a bad file, bad
rows (each listed: row, column, reason; nothing stored), an unknown user or a missing role.
`yifa docs scan` judges the register (or a CSV file) as of a day with the rules of SPEC §B and
exits as `yifa check` does (CASE_FORMAT §2, §5): 0 when no blocker or error is violated, 1 when
one is, 2 on unreadable input.
"""
from __future__ import annotations

import argparse
from typing import Any

from engine.cli import registers
from engine.core import clock

REGISTER = "documents"                      # its register (engine/registers/kinds.py)


def register(subparsers: Any) -> None:
    """Add `docs` to the `yifa` parser."""
    _, actions = registers.add_register_commands(
        subparsers, "docs", "规范性文件登记表 / the normative-document register", REGISTER, "登记表")
    rev = actions.add_parser("review", help="记录清理评估结论 / record a clean-up review of a document")
    rev.add_argument("number", metavar="文号")
    rev.add_argument("outcome", choices=("kept", "amended", "repealed", "declared_invalid"))
    rev.add_argument("--reason", required=True)
    rev.add_argument("--on", type=registers.iso_day, default=None, help="评估日期（默认今天）")
    rev.add_argument("--as", dest="actor", required=True, metavar="USER")
    rev.set_defaults(run=cmd_review)
    registers.add_scan_action(actions, "按日期扫描登记表，列出需处理的文件 / scan the register as of a day",
                              cmd_scan)


def cmd_review(args: argparse.Namespace) -> int:
    """Record a clean-up review (a refusal is said by engine/cli/errors.py, exit 2)."""
    from engine.documents.reviews import OUTCOME_ZH, mark_reviewed
    with registers.unit() as uow:
        record = mark_reviewed(uow, args.number, args.outcome, args.reason, args.actor, args.on or clock.today())
        uow.commit()
    print(f"已记录 recorded：{record.number} {OUTCOME_ZH[args.outcome]}（status {record.status}）")
    return registers.EXIT_OK


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan the stored register, or a CSV file, and print the report in the chosen format."""
    from engine.core.errors import InputError
    from engine.documents.scan import DocumentScanner, write_csv, write_json, write_table
    try:
        scanner = DocumentScanner(args.as_of or clock.today(), args.jurisdiction, args.engine)
    except InputError as e:
        return registers.cannot_scan(e)
    writers = registers.scan_writers(scanner, write_json, write_csv, write_table, args.lang)
    return registers.run_scan(registers.register_named(REGISTER), args, scanner, writers,
                              lambda summary: summary.blocking)
