"""The one clock of the instance: the day it takes as today.

    YIFA_TODAY=YYYY-MM-DD   the day the instance takes as today (for demos, training and tests);
                            unset or empty: the day in Beijing (UTC+8), whatever the machine's zone

Every "today" of engine/ and web/ — the default as-of day of a check or a scan, the day a stage is
recorded on, the demo township's dates — comes from `today()`. Deadlines are days in China, so a
server kept in UTC (as containers are) still turns the day at Beijing's midnight: before 08:00 UTC
it would otherwise judge as of yesterday, and the job worker's 07:30 digest (23:30 UTC) and a
cron entry on a Beijing-time machine would claim different days. Timestamps of trail events are
instants, not days: they keep the machine's clock. What is valid until a day comes (an API token's
expiry) is measured by `now()`: the machine's time of day on `today()`, so a frozen day freezes it too.
"""
from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta, timezone

from engine.core.errors import InputError

VARIABLE = "YIFA_TODAY"
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
BEIJING = timezone(timedelta(hours=8), "北京时间")      # China's one time zone, without daylight saving


def parse_day(text: str) -> date:
    """A day written exactly YYYY-MM-DD (ISO 8601's calendar date); ValueError for anything else."""
    if not ISO_DAY.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def today() -> date:
    """The day in `$YIFA_TODAY` (ISO date), else the day in Beijing; a bad value names the variable."""
    configured = os.environ.get(VARIABLE, "").strip()
    if not configured:
        return beijing_day(datetime.now(timezone.utc))
    try:
        return parse_day(configured)
    except ValueError:
        raise InputError.single(
            "environment",
            f"环境变量 {VARIABLE} 的日期无效：{configured!r}，应为 YYYY-MM-DD / "
            f"environment variable {VARIABLE} is not a valid date: {configured!r}, expected YYYY-MM-DD",
            VARIABLE) from None


def beijing_day(moment: datetime) -> date:
    """The day an instant falls on in Beijing."""
    return moment.astimezone(BEIJING).date()


def now() -> datetime:
    """Now, timezone-aware in UTC, on the day of `today()`: the machine's instant when
    `$YIFA_TODAY` is unset, else the machine's UTC time of day on that day."""
    moment = datetime.now(timezone.utc)
    if not os.environ.get(VARIABLE, "").strip():
        return moment
    return datetime.combine(today(), moment.timetz())
