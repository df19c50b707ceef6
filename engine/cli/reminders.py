"""`yifa reminders`: each user's 待办 — listed (text, JSON or iCalendar) and sent as the daily digest.

    yifa reminders list --user U [--as-of D] [--format text|json|ics]
    yifa reminders send [--as-of D] [--dry-run] [--again]
                                  run once a day (cron, or the job worker): one digest a user a day

The digest goes through the SMTP server of engine/reminders/digest.py's settings; without
YIFA_SMTP_HOST, `send` says so and exits 2 (`--dry-run` prints the messages instead).
"""
from __future__ import annotations

import argparse
import json
import sys
from email.message import EmailMessage
from typing import Any

from engine.cli.case import EXIT_OK, _iso, _unit
from engine.core.errors import EXIT_INPUT, InputError


def register(subparsers: Any) -> None:
    """Add `reminders` and its actions to the `yifa` parser."""
    reminders = subparsers.add_parser("reminders", help="待办提醒：列出、发送每日摘要 / to-dos: list, send the daily digest")
    actions = reminders.add_subparsers(metavar="ACTION")
    listing = actions.add_parser("list", help="列出一位用户的待办 / list one user's to-dos")
    listing.add_argument("--user", required=True, metavar="USER")
    listing.add_argument("--as-of", type=_iso, default=None, help="日期 YYYY-MM-DD（默认今天）/ the day (default today)")
    listing.add_argument("--format", choices=("text", "json", "ics"), default="text")
    _jurisdictions(listing)
    listing.set_defaults(run=cmd_list)
    send = actions.add_parser("send", help="向有电子邮件地址的用户发送待办摘要 / mail each user their digest")
    send.add_argument("--as-of", type=_iso, default=None)
    send.add_argument("--dry-run", action="store_true", help="只打印，不发送 / print the messages, send nothing")
    send.add_argument("--again", action="store_true",
                      help="当日已发送的也再发一次 / send again to those whose digest of the day went out")
    _jurisdictions(send)
    send.set_defaults(run=cmd_send)
    reminders.set_defaults(run=lambda args: (reminders.print_help(), EXIT_INPUT)[1])


def _jurisdictions(p: argparse.ArgumentParser) -> None:
    p.add_argument("--credit-jurisdiction", default="CN", metavar="CODE",
                   help="判断处罚登记表所用的规则库（默认 CN）/ the rulebook judging the penalty register")
    p.add_argument("--document-jurisdiction", default="CN", metavar="CODE",
                   help="判断规范性文件所用的规则库（默认 CN）/ the rulebook judging the document register")


def _registers(session: Any, args: argparse.Namespace):
    """username → the register of that user's units (engine/reminders/queries.registers_by_scope)."""
    from engine.core import clock
    from engine.reminders.queries import registers_by_scope
    return registers_by_scope(session, args.as_of or clock.today(), args.credit_jurisdiction,
                              args.document_jurisdiction)


def cmd_list(args: argparse.Namespace) -> int:
    from engine.accounts.use_cases import account
    from engine.reminders import ical
    from engine.reminders.todo import todos_for
    with _unit(read_only=True) as uow:
        person = account(uow.session, args.user)
        if person is None:
            raise InputError.single("<command line>", f"未知或已停用的用户 {args.user} / unknown or inactive user {args.user}", "--user")
        register = _registers(uow.session, args)(person.username)
    todos = todos_for(register, person.username, person.roles)
    if args.format == "json":
        print(json.dumps({"user": person.username, "as_of": register.today.isoformat(),
                          "todos": [t.to_json() for t in todos]}, ensure_ascii=False, indent=2))
    elif args.format == "ics":
        sys.stdout.buffer.write(ical.calendar(todos, register.today, f"依法 yifa — {person.display_name}"))
    else:
        print(f"{person.display_name}（{person.username}）截至 {register.today.isoformat()} 的待办 "
              f"to-dos as of {register.today.isoformat()}：{len(todos)} 项")
        for t in todos:
            due = t.due.isoformat() if t.due else "无期限 undated"
            late = "  已逾期 overdue" if t.overdue else ""
            print(f"  {due}  {t.label[0]}：{t.subject}{late}" + (f"  （{t.article}）" if t.article else ""))
    return EXIT_OK


def cmd_send(args: argparse.Namespace) -> int:
    from engine.core import clock
    from engine.reminders.digest import MailSettings, digests
    from engine.reminders.queries import people_to_remind
    from engine.reminders.use_cases import digests_taken, send_digests
    settings = MailSettings.from_env()
    if settings is None and not args.dry_run:
        print("yifa: 未配置邮件服务器（YIFA_SMTP_HOST），未发送 / no mail server configured (YIFA_SMTP_HOST): "
              "nothing sent; --dry-run prints the messages", file=sys.stderr)
        return EXIT_INPUT
    settings = settings or MailSettings(host="(dry run)")
    args.as_of = args.as_of or clock.today()        # one day for the to-dos and for the claims
    with _unit(read_only=True) as uow:
        mails = digests(_registers(uow.session, args), people_to_remind(uow.session), settings)
        wanted = [u for u, m in mails if m is not None]
        taken = digests_taken(uow.session, args.as_of, wanted) if args.dry_run and not args.again else []
    if args.dry_run:
        return _dry_run(mails, taken)
    outcome = send_digests(uow.engine, args.as_of, mails, settings, again=args.again)
    print(f"已发送 sent {len(outcome.sent)}；无待办 nothing due {len(outcome.nothing_due)}；"
          f"被拒 refused {len(outcome.refused)}" +
          (f"；今日已发送过 already sent today {len(outcome.already_sent)}（--again 再发 / to send again）"
           if outcome.already_sent else ""))
    for username, why in outcome.refused:
        print(f"  {username}：{why}", file=sys.stderr)
    return EXIT_OK if not outcome.refused else EXIT_INPUT


def _dry_run(mails: list[tuple[str, EmailMessage | None]], taken: list[str]) -> int:
    """Print the messages a run now would send: not those of the day already sent (or being sent)."""
    to_send = [m for u, m in mails if m is not None and u not in taken]
    for mail in to_send:
        print(mail.as_string(), end="\n\n")
    print(f"演练：{len(to_send)} 封待发 / dry run: {len(to_send)} to send" +
          (f"；今日已发送过 already sent today {len(taken)}（--again 再发 / to send again）" if taken else ""),
          file=sys.stderr)
    return EXIT_OK
