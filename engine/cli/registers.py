"""What `yifa docs` and `yifa credit` share: importing, exporting and scanning a register file
(CSV or the first sheet of an .xlsx workbook, English or Chinese headers: CASE_FORMAT v2 §3–§4),
and printing its template (the header row and one example row).

Each register command says what differs (its register by name, whose import/export/read/iterate
functions engine/registers/kinds.py gives; its scanner and its report writers); the argument
parsing, the messages and the exit codes are written once here. Exit codes: 0 done, 1 the scan
found what its register treats as a failure (a blocker or error violated; a follow-up overdue),
2 refused or unreadable input.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from engine.core.errors import InputError
    from engine.registers.kinds import RegisterKind

EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


def iso_day(text: str) -> date:
    """An argparse type: a date as YYYY-MM-DD, refused with a sentence otherwise."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期无效 {text!r}，应为 YYYY-MM-DD / invalid date, expected YYYY-MM-DD") from None


def add_import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE.csv|FILE.xlsx")
    parser.add_argument("--skip-invalid", action="store_true",
                        help="导入有效行，无效行写入 --rejected / import the good rows, write the bad ones to --rejected")
    parser.add_argument("--rejected", type=Path, default=None, metavar="OUT.csv",
                        help="被拒绝的行及原因 / the rejected rows with their reasons")
    parser.add_argument("--encoding", choices=("utf-8", "gb18030"), default=None,
                        help="文件编码（默认自动识别）/ the file's encoding (detected by default)")
    parser.add_argument("--as", dest="actor", required=True, metavar="USER", help="操作人用户名 / who does it")
    parser.add_argument("--unit", default=None, metavar="CODE",
                        help="新记录所属单位（默认操作人所在单位）/ the unit new records belong to (default: the actor's)")
    parser.add_argument("--progress", action="store_true", help="总是显示进度条 / always show the progress bar")


def add_register_commands(subparsers: Any, name: str, help: str, register: str,
                          what_zh: str) -> tuple[argparse.ArgumentParser, Any]:
    """Add the command group of the register named `register` (engine/registers/kinds.py) with the
    actions every register has; give the group and its actions, for the register's own."""
    group = subparsers.add_parser(name, help=help)
    actions = group.add_subparsers(metavar="ACTION")
    add_import_export(actions, register, what_zh)
    return group, actions


def add_import_export(actions: Any, register: str, what_zh: str) -> None:
    """The `import`, `export` and `template` actions every register has (all-or-nothing import; CSV export)."""
    imp = actions.add_parser("import", help=f"导入{what_zh} CSV 或 .xlsx（有错误行则整体拒绝）"
                                            "/ import a register CSV or .xlsx, all or nothing")
    add_import_options(imp)
    imp.set_defaults(run=lambda args: run_import(register_named(register), args))
    exp = _add_file_action(actions, "export", f"导出{what_zh}（CSV 为 UTF-8 带 BOM，或 .xlsx）"
                                              "/ export the register (CSV in UTF-8 with BOM, or .xlsx)",
                           "默认输出到标准输出（CSV 不带 BOM）/ default: stdout (CSV without BOM)",
                           lambda args: run_export(register_named(register), args))
    add_reader_option(exp)
    _add_file_action(actions, "template", f"输出{what_zh}模板：表头行和一行示例 / print the register's template: "
                                          "the header row and one example row",
                     "默认输出到标准输出 / default: stdout", lambda args: run_template(register_named(register), args))


def register_named(name: str) -> RegisterKind:
    """The register a command acts on, by its name (its domain is imported only when an action runs)."""
    from engine.registers.kinds import register_kind
    return register_kind(name)


def _add_file_action(actions: Any, name: str, help: str, out_help: str,
                     run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    """An action that writes a register file: to `-o/--out` or stdout, with its headers and format."""
    parser = actions.add_parser(name, help=help)
    parser.add_argument("-o", "--out", type=Path, default=None, metavar="FILE", help=out_help)
    add_file_options(parser)
    parser.set_defaults(run=run)
    return parser


def add_file_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--headers", choices=("zh", "en"), default="en",
                        help="表头用中文列名或英文列名（默认 en）/ Chinese or English column names (default en)")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv",
                        help="CSV 或 .xlsx 工作簿（默认 csv）/ CSV or an .xlsx workbook (default csv)")


def add_scan_action(actions: Any, help: str, run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    """Add a register's `scan` action with the options every scan has; give it, for the register's own."""
    scan = actions.add_parser("scan", help=help)
    add_scan_options(scan)
    scan.set_defaults(run=run)
    return scan


def add_scan_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-of", type=iso_day, default=None, metavar="YYYY-MM-DD", help="扫描日（默认今天）/ default today")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.add_argument("--jurisdiction", default="CN", help="规则集（默认 CN）/ the rulebook (default CN)")
    parser.add_argument("--engine", choices=("native", "durable"), default="native",
                        help="求值器（默认 native，与 durable-rules 差分测试一致）/ evaluator")
    parser.add_argument("--file", type=Path, default=None, metavar="FILE.csv|FILE.xlsx",
                        help="直接扫描 CSV 或 .xlsx 文件而不导入 / scan a CSV or .xlsx file without importing it")
    parser.add_argument("--encoding", choices=("utf-8", "gb18030"), default=None)
    add_reader_option(parser)
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--out", type=Path, default=None, metavar="FILE", help="默认输出到标准输出 / default: stdout")
    parser.add_argument("--progress", action="store_true", help="总是显示进度条 / always show the progress bar")


def scan_writers(scanner: Any, write_json: Callable[..., Any], write_csv: Callable[..., Any],
                 write_table: Callable[..., Any], lang: str) -> dict[str, Callable[[Any, Any], Any]]:
    """A scan's report writers by `--format`, as run_scan takes them: `writer(scans, out)` gives the
    summary (the CSV is the scans alone; the JSON and the table also say the scanner's day and rules)."""
    return {"json": lambda scans, out: write_json(scanner, scans, out, lang),
            "csv": lambda scans, out: write_csv(scans, out, lang),
            "table": lambda scans, out: write_table(scanner, scans, out, lang)}


def cannot_scan(error: InputError) -> int:
    """Say why a scan cannot run, every problem of it, and give exit 2."""
    print(f"yifa: 无法扫描 / cannot scan — {len(error.problems)} 个问题 / problem(s):\n{error}", file=sys.stderr)
    return EXIT_ERROR


@contextmanager
def report_out(path: Path | None) -> Iterator[IO[str]]:
    """Where a report goes: the file `--out` names (closed after), or stdout."""
    if path is None:
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8", newline="") as out:
        yield out


def unit(read_only: bool = False):
    from engine.store.db import ready_engine
    from engine.store.uow import UnitOfWork
    return UnitOfWork(ready_engine(), read_only=read_only)


def add_reader_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="reader", default=None, metavar="USER",
                        help="以该用户身份读取：只含其角色所及单位的记录（默认：数据库中的全部记录）/ read as this "
                             "user: only the records of the units their roles cover (default: every record stored)")


@contextmanager
def reading_as(reader: str | None) -> Iterator[Any]:
    """A read-only unit of work; with a reader, limited to the units their roles cover
    (engine/units/scope.py), as the web limits that user's requests. Without one it is the
    operator's: whoever runs yifa on the server reads the database as a whole."""
    from engine.accounts.access import roles_of
    from engine.units.scope import limit_to, scope_of
    with unit(read_only=True) as uow:
        if reader is not None:
            roles_of(uow.session, reader)                 # an unknown or inactive user is refused
            limit_to(uow.session, scope_of(uow.session, reader))
        yield uow


def run_import(register: RegisterKind, args: argparse.Namespace) -> int:
    """Import the register file in one transaction; exit 2 with every problem when refused."""
    from engine.core.errors import InputError
    if args.rejected is not None and not args.skip_invalid:
        print("yifa: --rejected 需与 --skip-invalid 同用 / --rejected needs --skip-invalid", file=sys.stderr)
        return EXIT_ERROR
    from engine.documents.scan import ProgressBar
    bar = ProgressBar(_rows_estimate(args.file), force=args.progress, label="导入 importing")
    try:
        with unit() as uow:
            result = register.import_file(uow, args.file, args.actor, skip_invalid=args.skip_invalid,
                                          rejected_out=args.rejected, encoding=args.encoding, unit=args.unit,
                                          progress=bar)
            uow.commit()
    except InputError as e:
        bar.done()
        print(f"未导入任何{register.noun_zh} / nothing imported — {len(e.problems)} 个问题 / problem(s):", file=sys.stderr)
        print(str(e), file=sys.stderr)
        return EXIT_ERROR
    bar.done()
    _print_import(result, args.rejected)
    return EXIT_OK


def _rows_estimate(path: Path) -> int | None:
    """About how many rows a CSV file has (its lines less the header), for the progress bar's
    total; None for a workbook or a file that cannot be read (the import says why)."""
    from engine.core.errors import InputError
    from engine.registers.csvio import count_lines
    from engine.registers.xlsxio import ZIP_MAGIC
    if not path.is_file():                  # a FIFO or a device is refused by the import, never read here
        return None
    try:
        with open(path, "rb") as stream:
            if stream.read(len(ZIP_MAGIC)) == ZIP_MAGIC:
                return None
        return max(count_lines(path) - 1, 0)
    except (OSError, InputError):
        return None


def _print_import(result: Any, rejected_file: Path | None) -> None:
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


def run_export(register: RegisterKind, args: argparse.Namespace) -> int:
    """Write the register: to a file (CSV in UTF-8 with BOM, for Excel; or .xlsx) or to stdout (CSV
    without BOM; an .xlsx's bytes)."""
    with reading_as(args.reader) as uow:
        count = _write_file(args, lambda stream, bom: register.export(uow.session, stream, bom=bom,
                                                                      headers=args.headers, fmt=args.format))
    print(f"已导出 exported {count} {register.measure} {register.noun_en}", file=sys.stderr)
    return EXIT_OK


def run_template(register: RegisterKind, args: argparse.Namespace) -> int:
    """Write the register's template: the header row (English or Chinese) and one example row."""
    from engine.registers.csvio import write_table
    _write_file(args, lambda stream, bom: write_table([register.example], register.table, stream,
                                                      args.format, args.headers, bom, title=register.noun_zh,
                                                      every_column=True))
    return EXIT_OK


def _write_file(args: argparse.Namespace, write: Callable[[Any, bool], int]) -> int:
    """Write a register file to `--out` (a CSV with a BOM) or to stdout (a CSV without; an .xlsx's bytes)."""
    if args.out is not None:
        if args.format == "xlsx":
            with open(args.out, "wb") as binary:
                return write(binary, True)
        with open(args.out, "w", encoding="utf-8", newline="") as stream:
            return write(stream, True)
    if args.format == "xlsx":
        sys.stdout.flush()
        count = write(sys.stdout.buffer, False)
        sys.stdout.buffer.flush()
        return count
    if hasattr(sys.stdout, "reconfigure"):  # the CSV's CRLF as written, in UTF-8
        sys.stdout.reconfigure(newline="", encoding="utf-8")
    return write(sys.stdout, False)


def run_scan(register: RegisterKind, args: argparse.Namespace, scanner: Any,
             writers: dict[str, Callable[[Any, Any], Any]], failed: Callable[[Any], bool]) -> int:
    """Scan the stored register (streamed) or a CSV file (validated whole first) and write the
    report; `writers[format](scans, out)` gives a summary, `failed(summary)` picks exit 1."""
    from engine.core.errors import InputError
    try:
        if args.file is not None:
            records = records_in_file(register, args.file, args.encoding)
            return _write(args, scanner, records, len(records), writers, failed)
        with reading_as(args.reader) as uow:
            return _write(args, scanner, register.iterate(uow.session), register.count(uow.session), writers, failed)
    except InputError as e:
        return cannot_scan(e)


def records_in_file(register: RegisterKind, path: Path, encoding: str | None) -> list:
    """Every record of a register file, or InputError with every bad row (nothing is half-scanned)."""
    from engine.core.errors import InputError
    rows = register.read_file(path, encoding)
    problems = [p for r in rows if not r.ok for p in r.problems]
    if problems:
        raise InputError(problems)
    return [r.record for r in rows]


def _write(args: argparse.Namespace, scanner: Any, records: Any, total: int,
           writers: dict[str, Callable[[Any, Any], Any]], failed: Callable[[Any], bool]) -> int:
    from engine.documents.scan import ProgressBar
    bar = ProgressBar(total, force=args.progress)
    scans = scanner.scan(records, bar)
    with report_out(args.out) as out:
        try:
            summary = writers[args.format](scans, out)
        finally:
            bar.done()
    return EXIT_FOUND if failed(summary) else EXIT_OK
