"""`yifa report annual`: the annual rule-of-law report (法治政府建设年度报告) from the registers.

Exit codes: 0 written, 2 bad input (a register file with bad rows, each listed)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.cli.registers import iso_day


def register(subparsers: Any) -> None:
    """Add `report annual` to the `yifa` parser."""
    report = subparsers.add_parser("report", help="法治政府建设年度报告 / the annual rule-of-law report")
    actions = report.add_subparsers(metavar="ACTION")
    a = actions.add_parser("annual", help="按年度生成报告 / the report of one year")
    a.add_argument("--year", type=int, required=True)
    a.add_argument("--unit", default=None, help="单位（单位体系建立前的临时做法）：决策的法域路径或决策机关名称前缀，如 CN-12/ninghe/yuelong；"
                                                 "文件的制定机关、处罚机关名称前缀 / unit, until units exist: a prefix of a decision's "
                                                 "jurisdiction path or body name, of a document's issuer, of a penalty's authority")
    a.add_argument("--format", choices=("json", "html", "docx", "pdf"), default="json")
    a.add_argument("--output", "-o", type=Path, default=None, help="写入文件（docx、pdf 必填）/ write to this file (docx, pdf: required)")
    a.add_argument("--as-of", type=iso_day, default=None, help="计算日 YYYY-MM-DD（默认今天）")
    a.add_argument("--documents", type=Path, default=None, help="规范性文件登记表文件（与 --penalties 同给时不读数据库，不含决策）/ register file (with --penalties: no database, no decisions)")
    a.add_argument("--penalties", type=Path, default=None, help="处罚登记表文件（默认：数据库）")
    a.set_defaults(run=cmd_annual)
    report.set_defaults(run=lambda args: report.print_help() or 2)


def _records(args: argparse.Namespace) -> tuple[list[Any], list[Any], list[Any]]:
    """(documents, penalties, decisions): from the two register files when both are given (no decisions
    then: their case files are in the database), else everything stored."""
    from engine.cli.credit import _register as penalty_register
    from engine.cli.docs import _register as document_register
    from engine.cli.registers import records_in_file, unit
    if args.documents is not None and args.penalties is not None:
        return (records_in_file(document_register(), args.documents, None),
                records_in_file(penalty_register(), args.penalties, None), [])
    from engine.report.queries import stored_decisions, stored_records
    with unit(read_only=True) as uow:
        return (*stored_records(uow.session), stored_decisions(uow.session))


def cmd_annual(args: argparse.Namespace) -> int:
    from engine.core import clock
    from engine.report import figures, followups, render
    documents, penalties, cases = _records(args)
    as_of = args.as_of or clock.today()
    data = figures.report(args.year, args.unit, as_of, followups.rulebook_version(), documents, penalties,
                          followups.done_in_year(penalties, args.year), followups.open_on(penalties, as_of), cases)
    if args.format in ("docx", "pdf"):
        return _write_binary(args, data)
    text = (render.as_json if args.format == "json" else render.as_html)(data) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


def _write_binary(args: argparse.Namespace, data: dict[str, Any]) -> int:
    """The DOCX (python-docx) or the PDF (the HTML printed by headless chromium) into --output."""
    if args.output is None:
        print(f"yifa: --format {args.format} 需要 --output 文件 / --format {args.format} needs --output FILE", file=sys.stderr)
        return 2
    if args.format == "docx":
        from engine.report.docx import as_docx
        args.output.write_bytes(as_docx(data))
        return 0
    from engine.report.render import as_pdf
    pdf = as_pdf(data)
    if pdf is None:
        print("yifa: 无法生成 PDF：未安装 chromium 或打印失败 / no PDF: chromium is missing or failed", file=sys.stderr)
        return 1
    args.output.write_bytes(pdf)
    return 0
