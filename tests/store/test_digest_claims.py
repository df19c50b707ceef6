"""One digest a user a day, on both databases: a digest is claimed (a committed row of the user and
the day) before it is sent, so that a second sender — the job worker's periodic task and a cron
entry, or two workers — skips it, even when both claim at the same moment; a digest that was not
sent (the server refused it, or could not be reached) is let go, so that a later run sends it, and
one whose sender was stopped between claiming and sending is taken over after an hour."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from engine.accounts.models import User
from engine.core import clock
from engine.core.errors import MailError
from engine.reminders.digest import MailSettings
from engine.reminders.models import DigestClaim
from engine.reminders.queries import digest_claims_on
from engine.reminders.use_cases import claim_digests, digests_taken, release_digests, send_digests
from tests.integration.test_reminder_mail import free_port

DAY = date(2026, 3, 2)
PEOPLE = ("zhang", "wang", "li")


@pytest.fixture
def people(uow):
    with uow() as u:
        u.session.add_all(User(username=name, display_name=name, email=f"{name}@yuelong.example") for name in PEOPLE)
        u.commit()
    return uow


class Inbox:
    """An SMTP server's handler that keeps what it accepts and refuses the addresses in `refuse`."""

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.refuse, self.to = refuse, []

    async def handle_RCPT(self, server, session, envelope: Envelope, address: str, options) -> str:
        if address in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:
        self.to.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.fixture
def smtp():
    """Start a local SMTP server with a handler: (its settings, its inbox)."""
    controllers = []

    def start(inbox: Inbox) -> MailSettings:
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return MailSettings("127.0.0.1", port, sender="yifa@yuelong.example")
    yield start
    for controller in controllers:
        controller.stop()


def mails(*names: str) -> list[tuple[str, EmailMessage | None]]:
    """A message to each named person, and nothing due for the others."""
    out: list[tuple[str, EmailMessage | None]] = []
    for name in PEOPLE:
        if name in names:
            mail = EmailMessage()
            mail["From"], mail["To"], mail["Subject"] = "yifa@yuelong.example", f"{name}@yuelong.example", "待办"
            mail.set_content("您有 1 项待办")
            out.append((name, mail))
        else:
            out.append((name, None))
    return out


def sent_on(uow, day: date = DAY) -> set[str]:
    """The users whose digest of the day the server took."""
    with uow(read_only=True) as u:
        return {name for name, claim in digest_claims_on(u.session, day).items() if claim.sent_at is not None}


def claimed_on(uow, day: date = DAY) -> set[str]:
    """The users whose digest of the day is claimed, sent or not."""
    with uow(read_only=True) as u:
        return set(digest_claims_on(u.session, day))


def test_a_second_run_of_the_day_sends_nothing_again_and_the_next_day_sends_anew(people, engine, smtp):
    inbox = Inbox()
    settings = smtp(inbox)
    first = send_digests(engine, DAY, mails("zhang", "wang"), settings)
    assert (first.sent, first.nothing_due, first.already_sent) == (["zhang", "wang"], ["li"], [])
    second = send_digests(engine, DAY, mails("zhang", "wang", "li"), settings)
    assert (second.sent, second.already_sent) == (["li"], ["wang", "zhang"])
    assert inbox.to == ["zhang@yuelong.example", "wang@yuelong.example", "li@yuelong.example"]
    assert sent_on(people) == set(PEOPLE)
    again = send_digests(engine, DAY, mails("zhang"), settings, again=True)
    assert (again.sent, again.already_sent) == (["zhang"], [])
    next_day = send_digests(engine, date(2026, 3, 3), mails("zhang"), settings)
    assert next_day.sent == ["zhang"] and inbox.to.count("zhang@yuelong.example") == 3


def test_a_digest_the_server_refused_is_let_go_and_sent_by_the_next_run(people, engine, smtp):
    refusing = smtp(Inbox(refuse=("wang@yuelong.example",)))
    first = send_digests(engine, DAY, mails("zhang", "wang"), refusing)
    assert first.sent == ["zhang"] and [u for u, _ in first.refused] == ["wang"]
    assert sent_on(people) == {"zhang"}
    inbox = Inbox()
    later = send_digests(engine, DAY, mails("zhang", "wang"), smtp(inbox))
    assert (later.sent, later.already_sent, inbox.to) == (["wang"], ["zhang"], ["wang@yuelong.example"])


def test_when_the_server_cannot_be_reached_every_claim_is_let_go(people, engine):
    with pytest.raises(MailError):
        send_digests(engine, DAY, mails("zhang", "wang"), MailSettings("127.0.0.1", free_port()))
    assert sent_on(people) == set()


def test_two_senders_claiming_at_once_share_the_people_out_once(people):
    """The first sender's claims are not yet committed when the second claims: the second waits
    (PostgreSQL: the key's row lock; SQLite: BEGIN IMMEDIATE) and then finds them taken."""
    first_claimed, first_may_commit = threading.Event(), threading.Event()

    def first() -> list[str]:
        with people() as u:
            claimed, _ = claim_digests(u.session, DAY, ["zhang", "wang"])
            first_claimed.set()
            first_may_commit.wait(10)
            u.commit()
            return claimed

    def second() -> tuple[list[str], list[str]]:
        assert first_claimed.wait(10)
        with people() as u:
            got = claim_digests(u.session, DAY, ["wang", "li"])
            u.commit()
            return got

    with ThreadPoolExecutor(2) as pool:
        done_first, done_second = pool.submit(first), pool.submit(second)
        assert first_claimed.wait(10)
        time.sleep(0.3)
        assert not done_second.done()            # waiting for the first sender
        first_may_commit.set()
        assert done_first.result(10) == ["zhang", "wang"]
        assert done_second.result(35) == (["li"], ["wang"])
    assert claimed_on(people) == set(PEOPLE) and sent_on(people) == set()


def test_letting_go_removes_only_the_named_claims_of_that_day(people):
    with people() as u:
        claim_digests(u.session, DAY, ["zhang", "wang"])
        claim_digests(u.session, date(2026, 3, 3), ["wang"])
        u.commit()
    with people() as u:
        release_digests(u.session, DAY, ["wang", "li"])
        u.commit()
    assert claimed_on(people) == {"zhang"} and claimed_on(people, date(2026, 3, 3)) == {"wang"}


def test_a_digest_claimed_but_never_sent_is_taken_over_after_an_hour_and_not_before(people, engine, smtp,
                                                                                     monkeypatch):
    """A sender stopped between claiming and sending (the worker killed) leaves its claims unsent:
    within the hour another run takes them as being sent; after it, the next run sends them."""
    moment = clock.now()
    monkeypatch.setattr(clock, "now", lambda: moment)       # one instant: ages do not drift across midnight
    with people() as u:
        u.session.add(DigestClaim(username="zhang", day=DAY, claimed_at=clock.now() - timedelta(minutes=10)))
        u.session.add(DigestClaim(username="wang", day=DAY, claimed_at=clock.now() - timedelta(minutes=61)))
        u.commit()
    inbox = Inbox()
    outcome = send_digests(engine, DAY, mails("zhang", "wang"), smtp(inbox))
    assert (outcome.sent, outcome.already_sent, inbox.to) == (["wang"], ["zhang"], ["wang@yuelong.example"])
    assert sent_on(people) == {"wang"} and claimed_on(people) == {"zhang", "wang"}
    with people() as u:
        u.session.get(DigestClaim, ("zhang", DAY)).claimed_at = clock.now() - timedelta(hours=2)
        u.commit()
    later = send_digests(engine, DAY, mails("zhang", "wang"), smtp(inbox))
    assert (later.sent, later.already_sent) == (["zhang"], ["wang"]) and sent_on(people) == {"zhang", "wang"}


def test_a_dry_runs_preview_skips_exactly_whom_the_send_then_skips(people, engine, smtp, monkeypatch):
    """`reminders send --dry-run` leaves out the digests another run has sent or is sending, and
    claims nothing: the send that follows skips those, and takes over the abandoned one."""
    moment = clock.now()
    monkeypatch.setattr(clock, "now", lambda: moment)
    with people() as u:
        u.session.add(DigestClaim(username="zhang", day=DAY, claimed_at=moment - timedelta(minutes=10)))
        u.session.add(DigestClaim(username="wang", day=DAY, claimed_at=moment - timedelta(minutes=61)))
        u.session.add(DigestClaim(username="li", day=DAY, claimed_at=moment - timedelta(hours=3),
                                  sent_at=moment - timedelta(hours=3)))
        u.commit()
    with people(read_only=True) as u:
        preview = digests_taken(u.session, DAY, list(PEOPLE))
    assert preview == ["zhang", "li"] and sent_on(people) == {"li"}        # nothing claimed or changed
    outcome = send_digests(engine, DAY, mails(*PEOPLE), smtp(Inbox()))
    assert sorted(outcome.already_sent) == sorted(preview) and outcome.sent == ["wang"]
