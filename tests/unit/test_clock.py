"""The one clock: YIFA_TODAY, else the day in Beijing; a bad value is refused naming the variable."""
from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from engine.core import clock
from engine.core.errors import InputError
from tests.days import TODAY

ROOT = Path(__file__).resolve().parents[2]


def test_the_tests_take_their_fixed_day_as_today():
    assert clock.today() == TODAY                       # set for the session by tests/conftest.py


def test_yifa_today_is_the_day_taken_as_today(monkeypatch):
    monkeypatch.setenv("YIFA_TODAY", "2024-02-29")
    assert clock.today() == date(2024, 2, 29)


def test_without_yifa_today_it_is_the_day_in_beijing(monkeypatch):
    monkeypatch.delenv("YIFA_TODAY")
    before = datetime.now(timezone.utc)
    days = lambda: (clock.beijing_day(before), clock.beijing_day(datetime.now(timezone.utc)))  # noqa: E731
    assert clock.today() in days()                      # the day may turn between the two readings
    monkeypatch.setenv("YIFA_TODAY", "  ")
    assert clock.today() in days()


@pytest.mark.parametrize("utc, day", [((2026, 12, 5, 23, 30), date(2026, 12, 6)),     # 07:30 in Beijing
                                      ((2026, 12, 5, 15, 59), date(2026, 12, 5)),     # 23:59 in Beijing
                                      ((2026, 12, 5, 16, 0), date(2026, 12, 6))])     # Beijing's midnight
def test_the_day_turns_at_beijings_midnight_whatever_the_machines_zone(monkeypatch, utc, day):
    """A server kept in UTC judges deadlines by China's day, and the worker's 07:30 digest claims
    the same day as a cron entry on a Beijing-time machine."""
    instant = datetime(*utc, tzinfo=timezone.utc)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return instant if tz is None else instant.astimezone(tz)

    monkeypatch.delenv("YIFA_TODAY")
    monkeypatch.setattr(clock, "datetime", Frozen)
    assert clock.today() == day and clock.beijing_day(instant) == day


def test_now_is_an_instant_on_the_days_of_the_clock(monkeypatch):
    moment = clock.now()
    assert moment.date() == TODAY and moment.utcoffset() == timedelta(0)
    monkeypatch.delenv("YIFA_TODAY")
    before = datetime.now(timezone.utc)
    assert before <= clock.now() <= datetime.now(timezone.utc)


@pytest.mark.parametrize("bad", ["2026-02-30", "20261125", "2026-1-5", "tomorrow"])
def test_a_bad_yifa_today_is_refused_naming_the_variable(monkeypatch, bad):
    monkeypatch.setenv("YIFA_TODAY", bad)
    with pytest.raises(InputError) as refused:
        clock.today()
    message = str(refused.value)
    assert "YIFA_TODAY" in message and "YYYY-MM-DD" in message and bad in message
    assert "环境变量" in message


@pytest.mark.slow
def test_the_cli_says_a_bad_yifa_today_in_a_sentence_not_a_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "engine.cli", "docs", "scan", "--file",
                           ROOT / "tests" / "registers" / "fixtures" / "yuelong-register.csv"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "YIFA_INSTANCE": str(tmp_path),
                               "YIFA_TODAY": "2026-13-01"})
    assert done.returncode == 2, done.stderr
    assert "YIFA_TODAY" in done.stderr and "Traceback" not in done.stderr


def test_the_web_app_does_not_start_on_a_bad_yifa_today(monkeypatch, tmp_path):
    from web.config import settings
    monkeypatch.setenv("YIFA_TODAY", "2026-11-31")
    with pytest.raises(InputError, match="YIFA_TODAY"):
        settings({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'y.sqlite3'}"})
