"""`yifa report annual`: the annual rule-of-law report (法治政府建设年度报告) from the registers.

Exit codes: 0 written, 2 bad input (a register file with bad rows, each listed)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine.cli.registers import add_reader_option, iso_day


def register(subparsers: Any) -> None:
    """Add `report annual` to the `yifa` parser."""
    report = subparsers.add_parser("report", help="法治政府建设年度报告 / the annual rule-of-law report")
    actions = report.add_subparsers(metavar="ACTION")
    a = actions.add_parser("annual", help="按年度生成报告 / the report of one year")
    a.add_argument("--year", type=int, required=True)
    a.add_argument("--unit", default=None, help="单位代码（yifa unit list）：该单位及其全部下级单位的记录；不是单位代码时，"
                                                 "作为决策的法域路径或决策机关名称、文件制定机关、处罚机关名称的前缀 / a unit's code "
                                                 "(yifa unit list): its records and those of every unit below it; another word is a "
                                                 "prefix of a decision's jurisdiction path or body name, a document's issuer, a "
                                                 "penalty's authority")
    add_reader_option(a)
    a.add_argument("--format", choices=("json", "html", "docx", "pdf"), default="json")
    a.add_argument("--output", "-o", type=Path, default=None, help="写入文件（docx、pdf 必填）/ write to this file (docx, pdf: required)")
    a.add_argument("--as-of", type=iso_day, default=None, help="计算日 YYYY-MM-DD（默认今天）")
    a.add_argument("--documents", type=Path, default=None, help="规范性文件登记表文件（与 --penalties 同给时不读数据库，不含决策）/ register file (with --penalties: no database, no decisions)")
    a.add_argument("--penalties", type=Path, default=None, help="处罚登记表文件（默认：数据库）")
    a.set_defaults(run=cmd_annual)
    report.set_defaults(run=lambda args: report.print_help() or 2)


def _report(args: argparse.Namespace, as_of: Any) -> dict[str, Any]:
    """The figures: from the two register files when both are given (no decisions then: their case
    files are in the database), else from everything stored (that `--as` may read)."""
    from engine.cli.registers import reading_as, records_in_file, register_named
    from engine.report import figures, followups
    from engine.report.queries import report_of
    if args.documents is not None and args.penalties is not None:
        documents = records_in_file(register_named("documents"), args.documents, None)
        penalties = records_in_file(register_named("penalties"), args.penalties, None)
        return figures.report(args.year, args.unit, as_of, followups.rulebook_version(), documents, penalties,
                              followups.done_in_year(penalties, args.year), followups.open_on(penalties, as_of), [])
    with reading_as(args.reader) as uow:
        return report_of(uow.session, args.year, args.unit, as_of)


def cmd_annual(args: argparse.Namespace) -> int:
    from engine.core import clock
    from engine.report import render
    data = _report(args, args.as_of or clock.today())
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
