"""`yifa` — the command line. Exit codes: 0 fine, 1 a blocker/error violated (or a test failed, or the
procedure refused), 2 bad input (engine/cli/errors.py says every error, and which status it gives)."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from engine.cli.errors import answer
from engine.core.errors import EXIT_INPUT, InputError


def main(argv: list[str] | None = None) -> int:
    """Run the command line; never let a traceback reach the user."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_INPUT
    try:
        return args.run(args)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # said in a sentence by the one table of engine/cli/errors.py
        return answer(e)


# The commands defined here; `yifa check …` (the one a batch job starts, cold, per run) does not
# import the modules of the other commands only to describe them.
OWN_COMMANDS = ("check", "schema", "rules")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of this module's own when `command` is one of them."""
    p = argparse.ArgumentParser(prog="yifa", description="依法 yifa — 重大行政决策合规检查 / compliance checks for major administrative decisions")
    sub = p.add_subparsers(metavar="COMMAND")
    c = sub.add_parser("check", help="检查决策案卷 / check decision case files")
    c.add_argument("cases", nargs="+", metavar="CASE", type=Path)
    c.add_argument("--as-of", type=_iso_date, default=None, help="核查日期 YYYY-MM-DD（默认今天）")
    c.add_argument("--jurisdiction", default=None, help="规则库法域，如 CN-12/ninghe/yuelong（默认取案卷字段）")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.add_argument("--engine", choices=("durable", "native"), default="durable")
    c.add_argument("--lang", choices=("zh", "en"), default="zh")
    c.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                   help="并行进程数（默认：400 个文件以上用全部 CPU）/ worker processes "
                        "(default: every CPU from 400 files on); output keeps the order of the files")
    c.set_defaults(run=cmd_check)
    s = sub.add_parser("schema", help="打印公开格式的 JSON Schema / print a format's JSON Schema")
    s.add_argument("which", choices=("case",))
    s.set_defaults(run=cmd_schema)
    r = sub.add_parser("rules", help="规则库：lint / test / list")
    rsub = r.add_subparsers(metavar="ACTION")
    for name, fn, text in (("lint", cmd_rules_lint, "检查规则文件 / lint rule files"),
                           ("test", cmd_rules_test, "运行规则测试 / run the rule tests"),
                           ("list", cmd_rules_list, "列出规则 / list the rules")):
        a = rsub.add_parser(name, help=text)
        a.add_argument("--jurisdiction", default=None, help="默认：全部法域 / default: every jurisdiction")
        if name == "list":
            a.add_argument("--format", choices=("text", "json"), default="text")
            a.add_argument("--unverified", action="store_true",
                           help="只列出未核实的规则和参数及其理由 / only the unverified rules and parameters, with why")
        if name == "test":
            a.add_argument("--engine", choices=("both", "durable", "native"), default="both")
        a.set_defaults(run=fn)
    g = rsub.add_parser("graph", help="绘制程序流程图（SVG）/ draw the workflow as SVG")
    g.add_argument("--case", default=None, metavar="ID|FILE", help="按已保存案件（或案卷文件）着色 / colour for a stored case or a case file")
    g.add_argument("--as-of", type=_iso_date, default=None)
    g.add_argument("--jurisdiction", default=None)
    g.add_argument("--out", required=True, type=Path, metavar="FILE.svg")
    g.set_defaults(run=cmd_rules_graph)
    if command not in OWN_COMMANDS:
        _register_others(sub)
    return p


def _register_others(sub) -> None:
    """Add the commands defined by the other modules of engine/cli (and web/cli.py)."""
    from engine.cli import case as cli_case
    from engine.cli import catalogue as cli_catalogue
    from engine.cli import credit as cli_credit
    from engine.cli import docs as cli_docs
    from engine.cli import jobs as cli_jobs
    from engine.cli import reminders as cli_reminders
    from engine.cli import report as cli_report
    from engine.cli import store as cli_store
    from engine.cli import units as cli_units
    cli_store.register(sub)
    cli_case.register(sub)
    cli_units.register(sub)
    cli_docs.register(sub)
    cli_credit.register(sub)
    cli_catalogue.register(sub)
    cli_reminders.register(sub)
    cli_report.register(sub)
    cli_jobs.register(sub)
    _register_web(sub)


def _register_web(sub) -> None:
    """Add `yifa web …` when the web package is there (the domain core never needs it)."""
    try:
        from web import cli as web_cli
    except ImportError:
        return
    web_cli.register(sub)


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"应为正整数：{text!r} / expected a positive whole number")
    return n


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期无效，应为 YYYY-MM-DD：{text!r} / invalid date, expected YYYY-MM-DD") from None


def cmd_check(args) -> int:
    from engine.cli.check import CheckOptions, run
    options = CheckOptions(args.as_of, args.jurisdiction, args.format, _engine_or_fallback(args.engine), args.lang)
    return run(args.cases, options, args.jobs)


def _engine_or_fallback(engine: str) -> str:
    if engine != "durable":
        return engine
    from engine.evaluate.durable import durable_available
    reason = durable_available()
    if reason is None:
        return engine
    print(f"yifa: durable-rules 无法导入（{reason}），改用 native 求值器 / durable-rules cannot be imported; "
          "using the native evaluator", file=sys.stderr)
    return "native"


def cmd_schema(args) -> int:
    from engine.decisions.record import case_json_schema
    print(json.dumps(case_json_schema(), ensure_ascii=False, indent=2))
    return 0


def _jurisdictions(args) -> list[str]:
    from engine.rulebook.loader import known_jurisdictions
    return [args.jurisdiction] if args.jurisdiction else known_jurisdictions()


def cmd_rules_lint(args) -> int:
    from engine.rulebook.lint import lint
    problems = lint(_jurisdictions(args))
    for p in problems:
        print(p)
    print(f"{len(problems)} 个问题 / {len(problems)} problems" if problems else "规则文件无问题 / rule files OK")
    return 1 if problems else 0


def cmd_rules_test(args) -> int:
    from engine.rulebook.testing import run_rule_tests
    engines = ("durable", "native") if args.engine == "both" else (args.engine,)
    engines = tuple(dict.fromkeys(_engine_or_fallback(e) for e in engines))
    results = run_rule_tests(_jurisdictions(args), engines)
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(r.describe())
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def cmd_rules_graph(args) -> int:
    from engine.decisions.workflow_svg import graph_command
    case = _case_for_graph(args.case) if args.case else None
    graph_command(args.out, case, as_of=args.as_of, jurisdiction=args.jurisdiction)
    print(f"已写入 written {args.out}")
    return 0


def _case_for_graph(ref: str):
    """A case file path, or the id of a stored case."""
    from engine.decisions.record import load_case, parse_case
    if Path(ref).is_file():
        return load_case(Path(ref))
    from engine.core.errors import UnknownCaseError
    from engine.core.yamlio import LoadedYaml
    from engine.decisions.queries import get_case
    from engine.store.db import ready_engine
    from engine.store.uow import UnitOfWork
    try:
        with UnitOfWork(ready_engine(), read_only=True) as uow:
            return parse_case(LoadedYaml(get_case(uow.session, ref).document), ref)
    except UnknownCaseError as e:
        raise InputError.single("--case", str(e), "case") from None


def cmd_rules_list(args) -> int:
    from engine.rulebook.listing import list_rules, list_unverified
    print((list_unverified if args.unverified else list_rules)(_jurisdictions(args), args.format))
    return 0

