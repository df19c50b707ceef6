"""`yifa unit add|list|edit`: the tree of units (engine/units). Adding or changing a unit takes an
admin (`--as`); roles are given in units with `yifa user add|roles --unit CODE [--subtree]`."""
from __future__ import annotations

import argparse
import json
from typing import Any

from engine.cli.registers import EXIT_OK
from engine.units.models import LEVELS

LEVEL_NAMES = {"province": "省级", "city": "市级", "county": "县级（区）", "township": "乡镇（街道）", "department": "部门"}


def register(subparsers: Any) -> None:
    unit = subparsers.add_parser("unit", help="单位（区政府、部门、乡镇、街道）/ units of government")
    actions = unit.add_subparsers(metavar="ACTION")
    add = actions.add_parser("add", help="添加单位（管理员）/ add a unit (an admin)")
    add.add_argument("code", help="单位代码：小写字母、数字、_ 或 - / a code: lower-case letters, digits, _ or -")
    add.add_argument("--name", required=True, help="单位名称 / the unit's name")
    add.add_argument("--level", required=True, choices=LEVELS, help="层级 / the level (CASE_FORMAT §1)")
    add.add_argument("--jurisdiction", required=True, metavar="CODE",
                     help="新案件适用的规则库，如 CN-12/ninghe/yuelong / the rulebook of its new cases")
    add.add_argument("--parent", default=None, metavar="CODE", help="上级单位 / the unit above it")
    add.add_argument("--as", dest="actor", required=True, metavar="USER", help="操作的管理员 / the admin doing it")
    add.set_defaults(run=cmd_add)
    edit = actions.add_parser("edit", help="修改单位名称、层级或规则库（管理员）/ rename or re-level a unit (an admin)")
    edit.add_argument("code")
    edit.add_argument("--name", default=None)
    edit.add_argument("--level", default=None, choices=LEVELS)
    edit.add_argument("--jurisdiction", default=None, metavar="CODE")
    edit.add_argument("--as", dest="actor", required=True, metavar="USER", help="操作的管理员 / the admin doing it")
    edit.set_defaults(run=cmd_edit)
    lst = actions.add_parser("list", help="列出单位树 / list the tree of units")
    lst.add_argument("--format", choices=("text", "json"), default="text")
    lst.set_defaults(run=cmd_list)


def _uow(read_only: bool = False):
    from engine.store.db import ready_engine
    from engine.store.uow import UnitOfWork
    return UnitOfWork(ready_engine(), read_only=read_only)


def cmd_add(args: argparse.Namespace) -> int:
    from engine.units.use_cases import add_unit
    with _uow() as uow:
        unit = add_unit(uow.session, args.code, args.name, args.level, args.jurisdiction, args.parent, args.actor)
        uow.commit()
        print(f"已添加单位 added unit {unit.code}：{unit.name}（{LEVEL_NAMES[unit.level]}，{unit.jurisdiction}）")
    return EXIT_OK


def cmd_edit(args: argparse.Namespace) -> int:
    from engine.units.use_cases import change_unit
    with _uow() as uow:
        unit = change_unit(uow.session, args.code, args.actor, args.name, args.level, args.jurisdiction)
        uow.commit()
        print(f"已修改单位 changed unit {unit.code}：{unit.name}（{LEVEL_NAMES[unit.level]}，{unit.jurisdiction}）")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from engine.units.queries import unit_tree
    with _uow(read_only=True) as uow:
        rows = unit_tree(uow.session)
    if args.format == "json":
        print(json.dumps([{"code": r.code, "name": r.name, "level": r.level, "jurisdiction": r.jurisdiction,
                           "parent": r.parent_code} for r in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    for r in rows:
        print(f"{'  ' * r.depth}{r.code}  {r.name}  {LEVEL_NAMES[r.level]}  {r.jurisdiction}")
    return EXIT_OK
