"""Each user's 待办: what is due for their roles, with its date, article and the page that does it.

    Todo                          one thing to do (a deadline of a case, a penalty's follow-up, the
                                  documents needing action), dated or not
    Register                      what the reminders read, once for all users (`read_register`)
    todos_for(register, user)     one user's list: within WINDOW_DAYS or overdue, the soonest first

Which role is reminded of what (ROLE_SOURCES, read by lawyers and admins alike):

    official            the deadlines of the cases they proposed, and the penalty follow-ups
                        (CASE_FORMAT §6 `follow_ups`: the penalising authority's staff record them)
    legality_reviewer   the deadlines of the cases awaiting review that they did not propose
    secretary           the deadlines of the cases around the decision, and of blocked cases
    legal_advisor       the normative documents needing action (one line, with their number)
    auditor             whatever is overdue, of every case and penalty
    admin               nothing

The cases a role is concerned with are engine/decisions/concerns.py's (the home page lists the same);
the deadlines are engine/decisions/deadlines.py's, from each case's one check on the day
(CaseStatus.deadlines); the follow-ups are the credit scanner's. Nothing here imports Flask.
"""
from __future__ import annotations

import hashlib
import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from engine.credit.vocab import ACTION_NAMES
from engine.decisions.concerns import CONCERNS
from engine.decisions.deadlines import WINDOW_DAYS

ROLE_SOURCES = {
    "official": ("cases", "follow_ups"),
    "legality_reviewer": ("cases",),
    "secretary": ("cases",),
    "legal_advisor": ("documents",),
    "auditor": ("overdue",),
    "admin": (),
}

DOCUMENTS_LABEL = ("需处理的规范性文件（件数）", "Normative documents needing action (count)")


@dataclass(frozen=True)
class Todo:
    kind: str                       # a deadline kind, "follow_up", or "documents"
    label: tuple[str, str]          # what is to be done (Chinese, English)
    subject: str                    # the case's title, the penalty's case number, a count
    ref: str                        # the case id or the penalty's case number ("" for a count)
    due: date | None
    days_left: int | None
    article: str = ""
    rule: str = ""
    link: str = ""                  # the page where it is done (a path under the site's root)

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def uid(self) -> str:
        """A stable id of this duty (the same duty on another day keeps it): for calendars and mail."""
        key = "|".join((self.kind, self.ref, self.rule, self.due.isoformat() if self.due else ""))
        return hashlib.sha256(key.encode()).hexdigest()[:24]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "what": {"zh": self.label[0], "en": self.label[1]}, "subject": self.subject,
                "ref": self.ref or None, "due": self.due.isoformat() if self.due else None,
                "days_left": self.days_left, "overdue": self.overdue, "article": self.article or None,
                "rule": self.rule or None, "link": self.link or None}


class Register:
    """What the reminders of one day read: every case's status, the follow-ups, the documents.

    Each group of to-dos (a role's cases, the follow-ups, what is overdue) is made and sorted once
    and kept, so the lists of many users (the daily digest) cost little more than their length."""

    def __init__(self, today: date, cases: Iterable[Any] = (), follow_ups: Iterable[Any] = (),
                 documents_needing_action: int = 0):
        self.today = today
        self.cases: tuple[Any, ...] = tuple(cases)          # CaseSummary, each with its deadlines on `today`
        self.follow_ups: tuple[Any, ...] = tuple(follow_ups)  # engine.credit.scan.FollowUp
        self.documents_needing_action = documents_needing_action
        self._groups: dict[tuple, Any] = {}

    def _kept(self, key: tuple, make: Callable[[], Any]) -> Any:
        if key not in self._groups:
            self._groups[key] = make()
        return self._groups[key]

    def case_todos(self) -> dict[str, tuple[Todo, ...]]:
        """Each case's to-dos (one object per duty, shared by every list it is in)."""
        return self._kept(("cases",), lambda: {c.id: tuple(case_todo(d) for d in c.deadlines) for c in self.cases})

    def creators(self) -> dict[str, str | None]:
        return self._kept(("creators",), lambda: {c.id: c.created_by for c in self.cases})

    def role_group(self, role: str, within: int) -> list[Todo]:
        """The to-dos of the cases whose stage concerns `role`, whoever proposed them, in order."""
        concern = CONCERNS[role]
        todos = self.case_todos()
        return self._kept(("role", role, within), lambda: self._in_order(
            (t for c in self.cases if concern.stage_matches(c) for t in todos[c.id]), within))

    def own_group(self, role: str, username: str, within: int) -> list[Todo]:
        """The role's to-dos of the cases `username` proposed (an index by proposer, made once)."""
        def index() -> dict[str | None, list[Todo]]:
            creators = self.creators()
            out: dict[str | None, list[Todo]] = {}
            for t in self.role_group(role, within):
                out.setdefault(creators[t.ref], []).append(t)
            return out
        return self._kept(("own", role, within), index).get(username, [])

    def follow_up_group(self, within: int) -> list[Todo]:
        return self._kept(("follow_ups", within), lambda: self._in_order(
            (follow_up_todo(f, self.today) for f in self.follow_ups), within))

    def overdue_group(self, within: int) -> list[Todo]:
        return self._kept(("overdue", within), lambda: [t for t in self._in_order(
            [t for ts in self.case_todos().values() for t in ts] + self.follow_up_group(within), within)
            if t.overdue])

    def _in_order(self, todos: Iterable[Todo], within: int) -> list[Todo]:
        """Those due within `within` days or overdue, and the undated: overdue and soonest first."""
        horizon = self.today + timedelta(days=within)
        return sorted((t for t in todos if t.due is None or t.due <= horizon), key=self.order)

    def order(self, t: Todo) -> tuple:
        return (t.due is None, t.due or self.today, t.kind, t.ref)


def case_todo(deadline: Any) -> Todo:
    """A case's deadline (engine/decisions/deadlines.Deadline) as a to-do."""
    return Todo(deadline.kind, deadline.label, deadline.title, deadline.case_id, deadline.due,
                deadline.days_left, deadline.article, deadline.rule, f"/cases/{deadline.case_id}")


def follow_up_todo(follow_up: Any, today: date) -> Todo:
    """A penalty's follow-up (engine/credit/scan.FollowUp) as a to-do."""
    due = follow_up.due_on
    return Todo("follow_up", ACTION_NAMES[follow_up.action], follow_up.case_number, follow_up.case_number, due,
                (due - today).days if due else None, "", follow_up.rule, f"/credit/{follow_up.case_number}")


def todos_for(register: Register, username: str, roles: Iterable[str],
              within: int = WINDOW_DAYS) -> list[Todo]:
    """One user's to-dos on the register's day: those due within `within` days or overdue (and the
    undated ones), each once, the overdue and soonest first, undated last."""
    lists = [found for role in roles for source in ROLE_SOURCES.get(role, ())
             if (found := _from_source(register, source, role, username, within))]
    if len(lists) == 1:
        return list(lists[0])
    seen: set[int] = set()
    out = []
    for todo in heapq.merge(*lists, key=register.order):
        if id(todo) not in seen:            # one object per duty: a duty two roles share comes once
            seen.add(id(todo))
            out.append(todo)
    return out


def _from_source(register: Register, source: str, role: str, username: str, within: int) -> list[Todo]:
    if source == "cases":
        whose = CONCERNS[role].whose
        if whose == "own":
            return register.own_group(role, username, within)
        group = register.role_group(role, within)
        if whose == "others":
            creators = register.creators()
            return [t for t in group if creators[t.ref] != username]
        return group
    if source == "follow_ups":
        return register.follow_up_group(within)
    if source == "documents" and register.documents_needing_action:
        return [Todo("documents", DOCUMENTS_LABEL, f"{register.documents_needing_action}", "", None, None,
                     link="/documents/scan")]
    if source == "overdue":
        return register.overdue_group(within)
    return []
