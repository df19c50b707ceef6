"""`yifa catalogue import|export|scan`: the decision catalogue (决策事项目录, Decree 713 Art. 3(3)).

Import and export as the other registers (engine/cli/registers.py: all or nothing, exit 2 with
every bad row). `scan` judges the stored catalogue (or a file) against the stored decision cases
(and case files given with `--case`) as of a day, and exits as `yifa docs scan` does: 0 when no
blocker or error is violated, 1 when one is, 2 on unreadable input.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from engine.cli import registers
from engine.core import clock

REGISTER = "catalogue"                      # its register (engine/registers/kinds.py)


def register(subparsers: Any) -> None:
    """Add `catalogue` to the `yifa` parser."""
    _, actions = registers.add_register_commands(subparsers, "catalogue", "决策事项目录 / the decision catalogue",
                                                 REGISTER, "目录")
    scan = registers.add_scan_action(actions, "按日期扫描目录及其案件 / scan the catalogue and its cases as of a day",
                                     cmd_scan)
    scan.add_argument("--case", dest="cases", type=Path, action="append", default=[], metavar="CASE.yaml",
                      help="另加案卷文件（可重复）/ also match this case file (repeatable)")


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan the catalogue with the cases and print the report in the chosen format."""
    from engine.catalogue.scan import CatalogueScanner, entries, write_csv, write_json, write_table
    from engine.core.errors import InputError
    try:
        scanner = CatalogueScanner(args.as_of or clock.today(), args.jurisdiction, args.engine)
        found = _entries(args, entries)
    except InputError as e:
        return registers.cannot_scan(e)
    writers = registers.scan_writers(scanner, write_json, write_csv, write_table, args.lang)
    with registers.report_out(args.out) as out:
        summary = writers[args.format](scanner.scan(found), out)
    return registers.EXIT_FOUND if summary.blocking else registers.EXIT_OK


def _entries(args: argparse.Namespace, entries: Any) -> list:
    from engine.catalogue.queries import stored_cases
    from engine.decisions.record import case_to_document, load_case
    files = [(case.id, case_to_document(case)) for case in (load_case(p) for p in args.cases)]
    with registers.reading_as(args.reader) as uow:
        register = registers.register_named(REGISTER)
        items = (registers.records_in_file(register, args.file, args.encoding) if args.file
                 else list(register.iterate(uow.session)))
        stored = stored_cases(uow.session)
    named = {case_id for case_id, _ in files}
    return entries(items, [c for c in stored if c[0] not in named] + files)
