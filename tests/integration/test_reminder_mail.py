"""`yifa reminders send` over the demo township, through a real SMTP server on this machine
(aiosmtpd, started by the test): one message per person with an address and something to do, in
Chinese then English, naming the due dates; a server that cannot be reached is said in one line."""
from __future__ import annotations

import email
import email.policy
import json
import socket
import subprocess
import sys
from datetime import timedelta
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine

from tests.days import TODAY
from tests.yifa_cli import ROOT, run_yifa, yifa_env


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def demo_instance(tmp_path):
    from web.demo import seed_demo
    instance = tmp_path / "instance"
    assert run_yifa(instance, "db", "upgrade").returncode == 0
    engine = create_engine(f"sqlite:///{instance / 'yifa.sqlite3'}")
    seed_demo(engine, TODAY)
    engine.dispose()
    for user, address in (("official", "zhang@yuelong.example"), ("advisor", "wang@yuelong.example"),
                          ("admin", "admin@yuelong.example")):
        said = run_yifa(instance, "user", "email", user, address, "--as", "admin")
        assert said.returncode == 0, said.stderr
    return instance


def send(instance, port: int | None, *extra: str) -> subprocess.CompletedProcess:
    env = yifa_env(instance)
    if port is not None:
        env.update(YIFA_SMTP_HOST="127.0.0.1", YIFA_SMTP_PORT=str(port), YIFA_MAIL_FROM="yifa@yuelong.example",
                   YIFA_BASE_URL="https://yifa.yuelong.example")
    return subprocess.run([sys.executable, "-m", "engine.cli", "reminders", "send", *extra], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)


def test_each_person_with_an_address_and_something_due_gets_one_digest(demo_instance, smtp_server):
    inbox, port = smtp_server
    sent = send(demo_instance, port)
    assert sent.returncode == 0, sent.stderr
    assert "已发送 sent 2；无待办 nothing due 1；被拒 refused 0" in sent.stdout    # the admin has nothing to do
    by_address = {to[0]: message for to, message in inbox.messages}
    assert sorted(by_address) == ["wang@yuelong.example", "zhang@yuelong.example"]
    official = by_address["zhang@yuelong.example"]
    text = official.get_content()
    assert official["Subject"].startswith(f"依法 yifa 待办 {TODAY.isoformat()}")
    listed = run_yifa(demo_instance, "reminders", "list", "--user", "official", "--format", "json")
    todos = json.loads(listed.stdout)["todos"]
    assert f"您有 {len(todos)} 项待办" in text and f"you have {len(todos)} things to do" in text
    for todo in todos:
        assert todo["subject"] in text
        if todo["link"]:
            assert "https://yifa.yuelong.example" + todo["link"] in text
    advisor = by_address["wang@yuelong.example"]
    assert "需处理的规范性文件（件数）" in advisor.get_content()


def test_a_second_send_of_the_day_sends_nothing_unless_told_again(demo_instance, smtp_server):
    """The job worker's periodic task and a cron entry may both run `reminders send`: one digest a day."""
    inbox, port = smtp_server
    assert send(demo_instance, port).returncode == 0
    second = send(demo_instance, port)
    assert second.returncode == 0, second.stderr
    assert "已发送 sent 0；无待办 nothing due 1；被拒 refused 0；今日已发送过 already sent today 2" in second.stdout
    assert len(inbox.messages) == 2
    preview = send(demo_instance, port, "--dry-run")      # shows what a run now would send: nothing
    assert preview.returncode == 0 and "Subject: " not in preview.stdout
    assert "dry run: 0 to send；今日已发送过 already sent today 2" in preview.stderr
    preview_again = send(demo_instance, port, "--dry-run", "--again")
    assert preview_again.stdout.count("Subject: ") == 2 and "already sent" not in preview_again.stderr
    assert len(inbox.messages) == 2
    again = send(demo_instance, port, "--again")
    assert again.returncode == 0 and "已发送 sent 2；" in again.stdout and len(inbox.messages) == 4
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    next_day = send(demo_instance, port, "--as-of", tomorrow)
    assert next_day.returncode == 0 and "already sent today" not in next_day.stdout and len(inbox.messages) > 4


def test_without_a_server_nothing_is_sent_and_a_dry_run_prints_the_messages(demo_instance):
    refused = send(demo_instance, None)
    assert refused.returncode == 2 and "YIFA_SMTP_HOST" in refused.stderr and "Traceback" not in refused.stderr
    dry = send(demo_instance, None, "--dry-run")
    assert dry.returncode == 0 and dry.stdout.count("Subject: ") == 2 and "dry run: 2 to send" in dry.stderr


def test_an_unreachable_server_is_said_in_one_line(demo_instance):
    port = free_port()                           # nobody listens there
    failed = send(demo_instance, port)
    assert failed.returncode == 2 and "Traceback" not in failed.stderr
    assert f"无法通过邮件服务器 127.0.0.1:{port} 发送" in failed.stderr and len(failed.stderr.strip().splitlines()) == 1
