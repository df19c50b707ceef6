"""A user's due dates as an iCalendar feed (RFC 5545, written by the `icalendar` library): one all-day
event per dated to-do, on its due day, with what is to be done, the article and the page's address.
An event keeps its UID from one day to the next (Todo.uid), so a calendar updates it in place."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import icalendar

from engine.reminders.todo import Todo

PRODID = "-//yifa 依法//reminders//ZH"


def summary(todo: Todo) -> str:
    """The event's title: what is to be done, and for what (Chinese first)."""
    late = "【已逾期】" if todo.overdue else ""
    return f"{late}{todo.label[0]}：{todo.subject}"


def description(todo: Todo, base_url: str) -> str:
    lines = [f"{todo.label[0]} / {todo.label[1]}"]
    if todo.article:
        lines.append(f"依据 Basis：{todo.article}" + (f"（{todo.rule}）" if todo.rule else ""))
    elif todo.rule:
        lines.append(f"规则 Rule：{todo.rule}")
    if todo.link:
        lines.append(base_url.rstrip("/") + todo.link)
    return "\n".join(lines)


def calendar(todos: Iterable[Todo], today: date, name: str, base_url: str = "") -> bytes:
    """The feed's bytes: the dated to-dos as all-day events stamped on `today`."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    stamp = datetime.combine(today, time(), tzinfo=UTC)
    for todo in todos:
        if todo.due is None:
            continue
        event = icalendar.Event()
        event.add("uid", f"{todo.uid}@yifa")
        event.add("dtstamp", stamp)
        event.add("dtstart", todo.due)
        event.add("dtend", todo.due + timedelta(days=1))
        event.add("summary", summary(todo))
        event.add("description", description(todo, base_url))
        if todo.link and base_url:
            event.add("url", base_url.rstrip("/") + todo.link)
        cal.add_component(event)
    return cal.to_ical()
