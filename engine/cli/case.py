"""`yifa case …` and `yifa user add`: the use cases of engine/decisions/use_cases.py from the command line.

Exit codes: 0 done, 1 refused by the procedure (a gate closed, with the violated rules and their
articles; or a stage entered out of order, with the stages that must come first), 2 bad input,
an unknown case or user, a conflict or a permission refused — each said in a sentence by
engine/cli/errors.py, which `yifa` runs every command under.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from engine.core import clock

EXIT_OK, EXIT_REFUSED, EXIT_ERROR = 0, 1, 2


def register(subparsers: Any) -> None:
    """Add `case` and `user` to the `yifa` parser."""
    case = subparsers.add_parser("case", help="已保存的案件 / stored decision cases")
    actions = case.add_subparsers(metavar="ACTION")
    imp = actions.add_parser("import", help="导入案卷（一个文件无效则全部拒绝）/ import case files, all or nothing")
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.add_argument("--as-of", type=_iso, default=None, help="核查日期 YYYY-MM-DD（默认今天）/ the day to check on")
    imp.add_argument("--unit", default=None, metavar="CODE",
                     help="案件所属单位（默认操作人所在单位）/ the unit the cases belong to (default: the actor's)")
    _actor(imp)
    imp.set_defaults(run=cmd_import)
    exp = actions.add_parser("export", help="导出案卷 / export a case file")
    exp.add_argument("case_id", metavar="ID")
    exp.add_argument("--format", choices=("yaml", "json"), default="yaml")
    from engine.cli.registers import add_reader_option
    add_reader_option(exp)
    exp.set_defaults(run=cmd_export)
    chk = actions.add_parser("check", help="按当时的规则重新检查 / re-check under the rules that judged it")
    chk.add_argument("case_id", metavar="ID")
    chk.add_argument("--as-of", type=_iso, default=None)
    chk.set_defaults(run=cmd_check)
    rec = actions.add_parser("record", help="记录或修改阶段证据 / record or amend a stage's evidence")
    rec.add_argument("case_id", metavar="ID")
    rec.add_argument("stage", metavar="STAGE")
    rec.add_argument("file", type=Path, metavar="FILE", help="该阶段的 YAML/JSON 片段 / the stage's section")
    rec.add_argument("--as-of", type=_iso, default=None, help="核查日期 YYYY-MM-DD（默认今天）/ the day to check on")
    _actor(rec)
    rec.set_defaults(run=cmd_record)
    adv = actions.add_parser("advance", help="进入下一阶段 / enter a stage")
    adv.add_argument("case_id", metavar="ID")
    adv.add_argument("stage", metavar="STAGE")
    adv.add_argument("--on", type=_iso, default=None, help="进入日期（默认今天）")
    _actor(adv)
    adv.set_defaults(run=cmd_advance)
    adj = actions.add_parser("adjust", help="中止、变更或停止执行（第三十七条）/ suspend, change or stop (Art. 37)")
    adj.add_argument("case_id", metavar="ID")
    adj.add_argument("kind", choices=("suspend", "change", "stop"))
    adj.add_argument("--reason", required=True)
    adj.add_argument("--urgent", action="store_true", help="行政首长因情况紧急先决定中止 / the head suspends for urgency")
    adj.add_argument("--on", type=_iso, default=None)
    _actor(adj)
    adj.set_defaults(run=cmd_adjust)
    user = subparsers.add_parser("user", help="用户 / users")
    uactions = user.add_subparsers(metavar="ACTION")
    add = uactions.add_parser("add", help="添加用户 / add a user")
    add.add_argument("username")
    add.add_argument("--role", action="append", required=True, dest="roles")
    add.add_argument("--name", default=None)
    _unit_options(add)
    add.set_defaults(run=cmd_user_add)
    roles = uactions.add_parser("roles", help="更改用户在一个单位的角色（管理员）/ replace a user's roles in a unit (an admin)")
    roles.add_argument("username")
    roles.add_argument("--role", action="append", default=[], dest="roles",
                       help="可重复；不给则撤销该单位的全部角色（须在其他单位仍有角色）/ repeatable; none takes "
                            "the user's roles in that unit away (they must keep roles elsewhere)")
    roles.add_argument("--as", dest="actor", required=True, metavar="USER", help="操作的管理员 / the admin doing it")
    _unit_options(roles)
    roles.set_defaults(run=cmd_user_roles)
    email = uactions.add_parser("email", help='设置待办摘要的电子邮件地址（空则清除）/ set where the daily digest goes ("" clears)')
    email.add_argument("username")
    email.add_argument("address")
    email.add_argument("--as", dest="actor", required=True, metavar="USER", help="本人或管理员 / the user or an admin")
    email.set_defaults(run=cmd_user_email)


def _unit_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--unit", default=None, metavar="CODE",
                   help="角色所在单位（默认：最上级单位及其全部下级）/ the unit the roles are held in "
                        "(default: the top unit and everything below it)")
    p.add_argument("--subtree", action=argparse.BooleanOptionalAction, default=None,
                   help="角色及于该单位的全部下级单位 / the roles reach every unit below it too")


def _actor(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as", dest="actor", required=True, metavar="USER", help="操作人用户名 / who does it")
    p.add_argument("--expect-version", type=int, default=None, help="读取时的案件版本 / the version you read")


def _iso(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期无效，应为 YYYY-MM-DD：{text!r}") from None


def _unit(read_only: bool = False):
    from engine.store.db import ready_engine
    from engine.store.uow import UnitOfWork
    return UnitOfWork(ready_engine(), read_only=read_only)


def _committed(use_case, case_id: str | None = None):
    """Run `use_case(uow)` in a unit of work, commit it and return what it returned; for a write
    to a stored case, first build its checker outside the write (use_cases.prepare_write)."""
    if case_id is not None:
        from engine.decisions.use_cases import prepare_write
        with _unit(read_only=True) as uow:
            prepare_write(uow, case_id)
    with _unit() as uow:
        outcome = use_case(uow)
        uow.commit()
    return outcome


def cmd_import(args) -> int:
    from engine.decisions.use_cases import import_cases
    outcomes = _committed(lambda uow: import_cases(uow, args.files, args.actor, args.as_of, args.unit))
    for o in outcomes:
        print(f"已导入 imported {o.case_id}（阶段 stage {o.stage}，违反 {o.report['summary']['violated']}）")
    return EXIT_OK


def cmd_export(args) -> int:
    from engine.cli.registers import reading_as
    from engine.decisions.use_cases import export_case
    with reading_as(args.reader) as uow:
        document = export_case(uow, args.case_id)
    if args.format == "json":
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        from engine.core.yamlio import dump_yaml
        sys.stdout.write(dump_yaml(document))
    return EXIT_OK


def cmd_check(args) -> int:
    from engine.decisions.use_cases import recheck_case
    with _unit() as uow:
        replay = recheck_case(uow, args.case_id, args.as_of or clock.today())
    print(json.dumps({"then": replay.then, "now_differs": replay.differences}, ensure_ascii=False))
    return int(any(f["verdict"] == "violated" and f["severity"] in ("blocker", "error") for f in replay.then["findings"]))


def cmd_record(args) -> int:
    from engine.core.yamlio import load_document
    from engine.decisions.use_cases import record_evidence
    section = load_document(args.file).data
    outcome = _committed(lambda uow: record_evidence(uow, args.case_id, args.stage, section, args.actor,
                                                     args.expect_version, as_of=args.as_of, source=str(args.file)),
                         args.case_id)
    _say(outcome, f"已记录 recorded {args.stage}")
    return EXIT_OK


def cmd_advance(args) -> int:
    from engine.decisions.use_cases import advance_stage
    outcome = _committed(lambda uow: advance_stage(uow, args.case_id, args.stage, args.actor,
                                                   args.on or clock.today(), args.expect_version),
                         args.case_id)
    _say(outcome, f"已进入 entered {args.stage}")
    return EXIT_OK


def cmd_adjust(args) -> int:
    from engine.decisions.use_cases import adjust_decision
    outcome = _committed(lambda uow: adjust_decision(uow, args.case_id, args.kind, args.reason, args.actor,
                                                     args.on or clock.today(), args.urgent, args.expect_version),
                         args.case_id)
    _say(outcome, f"已{ {'suspend': '中止', 'change': '变更', 'stop': '停止'}[args.kind] }执行 adjusted ({args.kind})；"
                  f"需重新履行 re-run: {', '.join(outcome.extra.get('reopened', [])) or '无 none'}")
    return EXIT_OK


def cmd_user_add(args) -> int:
    from engine.accounts.models import ROLES
    from engine.accounts.queries import user_by_name
    from engine.accounts.use_cases import create_user
    bad = [r for r in args.roles if r not in ROLES]
    if bad:
        print(f"yifa: 未知角色 {bad}，可用：{', '.join(ROLES)} / unknown role", file=sys.stderr)
        return EXIT_ERROR
    with _unit() as uow:
        if user_by_name(uow.session, args.username) is not None:
            print(f"yifa: 用户 {args.username} 已存在 / user exists", file=sys.stderr)
            return EXIT_ERROR
        create_user(uow.session, args.username, args.name or args.username, args.roles, unit=args.unit,
                    subtree=args.subtree)
        uow.commit()
    where = f"，单位 unit {args.unit}" if args.unit else ""
    print(f"已添加用户 added {args.username}（{', '.join(args.roles)}{where}）")
    return EXIT_OK


def cmd_user_roles(args) -> int:
    from engine.accounts.use_cases import set_roles
    with _unit() as uow:
        before, after = set_roles(uow.session, args.username, args.roles, args.actor, args.unit, args.subtree)
        uow.commit()
    print(f"已更新角色 roles set for {args.username}：{', '.join(before) or '（无）'} → {', '.join(after)}")
    return EXIT_OK


def cmd_user_email(args) -> int:
    from engine.accounts.use_cases import set_email
    with _unit() as uow:
        set_email(uow.session, args.username, args.address, args.actor)
        uow.commit()
    print(f"已设置 set {args.username} 的电子邮件 e-mail：{args.address.strip() or '（已清除 cleared）'}")
    return EXIT_OK


def _say(outcome, what: str) -> None:
    s = outcome.report["summary"]
    print(f"{what}：案件 {outcome.case_id} 第 {outcome.version} 版，当前阶段 {outcome.stage}；"
          f"违反 {s['violated']}，待办 {s['pending']}{'，⛔ 存在阻断' if s['blocking'] else ''}；审计事件 #{outcome.event_seq}")
