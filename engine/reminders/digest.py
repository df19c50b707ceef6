"""The daily digest: each person with an e-mail address and something to do gets one message (Chinese
first, English below) listing their 待办 with dates, articles and links, sent through the SMTP server
the environment names. Without YIFA_SMTP_HOST nothing is sent (the command says so).

    YIFA_SMTP_HOST, YIFA_SMTP_PORT (25)       the server
    YIFA_SMTP_SECURITY                        none (default) | starttls | ssl
    YIFA_SMTP_USER, YIFA_SMTP_PASSWORD        a login, when the server asks for one
    YIFA_MAIL_FROM (yifa@localhost)           the sender
    YIFA_BASE_URL (http://127.0.0.1:5000)     where the links in the messages point
"""
from __future__ import annotations

import os
import smtplib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from engine.accounts.models import User
from engine.core.errors import InputError, MailError
from engine.reminders.todo import Register, Todo, todos_for

SECURITY = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int = 25
    security: str = "none"
    user: str = ""
    password: str = ""
    sender: str = "yifa@localhost"
    base_url: str = "http://127.0.0.1:5000"

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "MailSettings | None":
        """The settings the environment gives, or None without YIFA_SMTP_HOST; a bad value is named."""
        env = os.environ if env is None else env
        host = env.get("YIFA_SMTP_HOST", "").strip()
        if not host:
            return None
        port_text = env.get("YIFA_SMTP_PORT", "25").strip()
        security = env.get("YIFA_SMTP_SECURITY", "none").strip().lower() or "none"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise InputError.single("<environment>", f"端口应为 1–65535 的整数：{port_text!r} / "
                                    f"the port must be an integer from 1 to 65535: {port_text!r}", "YIFA_SMTP_PORT")
        if security not in SECURITY:
            raise InputError.single("<environment>", f"应为 {' | '.join(SECURITY)}：{security!r} / "
                                    f"expected {' | '.join(SECURITY)}: {security!r}", "YIFA_SMTP_SECURITY")
        return cls(host, int(port_text), security, env.get("YIFA_SMTP_USER", ""),
                   env.get("YIFA_SMTP_PASSWORD", ""), env.get("YIFA_MAIL_FROM", "").strip() or cls.sender,
                   env.get("YIFA_BASE_URL", "").strip() or cls.base_url)


def _when(todo: Todo, zh: bool) -> str:
    if todo.due is None or todo.days_left is None:
        return "无期限" if zh else "undated"
    if todo.days_left < 0:
        return f"{todo.due.isoformat()}（已逾期{-todo.days_left}日）" if zh else \
            f"{todo.due.isoformat()} ({-todo.days_left} days overdue)"
    return f"{todo.due.isoformat()}（还有{todo.days_left}日）" if zh else \
        f"{todo.due.isoformat()} ({todo.days_left} days left)"


def body(todos: list[Todo], name: str, today: date, base_url: str) -> str:
    """The digest's text: the to-dos in Chinese, then in English."""
    root = base_url.rstrip("/")
    zh = [f"{name}，您好：", "", f"截至 {today.isoformat()}，您有 {len(todos)} 项待办：", ""]
    en = [f"Dear {name},", "", f"As of {today.isoformat()} you have {len(todos)} things to do:", ""]
    for n, t in enumerate(todos, 1):
        basis = f"，依据{t.article}" if t.article else ""
        zh.append(f"{n}. {t.label[0]}：{t.subject}，期限 {_when(t, True)}{basis}")
        en.append(f"{n}. {t.label[1]}: {t.subject}, due {_when(t, False)}" + (f" ({t.article})" if t.article else ""))
        if t.link:
            zh.append(f"   {root}{t.link}")
    return "\n".join(zh + ["", "—— 依法 yifa", "", *en, "", "-- yifa"]) + "\n"


def message(todos: list[Todo], name: str, address: str, today: date, settings: MailSettings) -> EmailMessage:
    overdue = sum(t.overdue for t in todos)
    subject = f"依法 yifa 待办 {today.isoformat()}：{len(todos)} 项" + (f"，{overdue} 项已逾期" if overdue else "")
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = settings.sender
    mail["To"] = formataddr((name, address))
    mail["Message-ID"] = make_msgid(domain="yifa")
    mail.set_content(body(todos, name, today, settings.base_url))
    return mail


@dataclass
class DigestOutcome:
    sent: list[str] = field(default_factory=list)          # usernames
    nothing_due: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)   # (username, the server's answer)
    already_sent: list[str] = field(default_factory=list)  # their digest of the day went out before


def digests(register_of: Callable[[str], Register], people: Iterable[tuple[User, set[str]]],
            settings: MailSettings) -> list[tuple[str, EmailMessage | None]]:
    """(username, message) per person, from the register of the units the person's roles cover
    (engine/reminders/queries.registers_by_scope); None for a person with nothing due."""
    out: list[tuple[str, EmailMessage | None]] = []
    for user, roles in people:
        register = register_of(user.username)
        todos = todos_for(register, user.username, roles)
        mail = message(todos, user.display_name, user.email or "", register.today, settings) if todos else None
        out.append((user.username, mail))
    return out


def send(mails: list[tuple[str, EmailMessage | None]], settings: MailSettings,
         outcome: DigestOutcome | None = None) -> DigestOutcome:
    """Send the messages over one connection; a recipient the server refuses is listed, not fatal.
    `outcome` is filled as it goes: when the server fails midway, it still tells who was sent."""
    outcome = outcome if outcome is not None else DigestOutcome()
    todo = [(u, m) for u, m in mails if m is not None]
    outcome.nothing_due = [u for u, m in mails if m is None]
    if not todo:
        return outcome
    try:
        with _connect(settings) as smtp:
            for username, mail in todo:
                try:
                    smtp.send_message(mail)
                    outcome.sent.append(username)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as e:
                    outcome.refused.append((username, str(e)))
    except (OSError, smtplib.SMTPException) as e:
        raise MailError(settings.server, str(e) or type(e).__name__) from None
    return outcome


def _connect(settings: MailSettings) -> smtplib.SMTP:
    kind = smtplib.SMTP_SSL if settings.security == "ssl" else smtplib.SMTP
    smtp = kind(settings.host, settings.port, timeout=30)
    if settings.security == "starttls":
        smtp.starttls()
    if settings.user:
        smtp.login(settings.user, settings.password)
    return smtp
