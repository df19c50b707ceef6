"""Reminders: every user's to-dos over a register of 100,000 open deadlines. Target ≤ 10 s.

A register written here (what engine/reminders/queries.read_register gives from the database):
40,000 cases with two deadlines each and 20,000 penalty follow-ups, dated from 60 days overdue to 60
days ahead; 300 users (200 officials, 40 reviewers, 30 secretaries, 10 advisors, 20 auditors). Times
`todos_for` for every user — what the daily digest computes — beside a baseline measured in the same
run: one sort of the 100,000 deadlines by day.
Usage: python bench/bench_reminders.py [CASES] [FOLLOW_UPS]
"""
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._machine import machine_line  # noqa: E402
from engine.credit.vocab import ACTIONS  # noqa: E402
from engine.decisions.deadlines import Deadline  # noqa: E402
from engine.reminders.todo import Register, todos_for  # noqa: E402

DAY = date(2026, 3, 2)
STAGES = ("public_participation", "expert_review", "legality_review", "collective_decision", "publication", "archiving")
USERS = ([(f"official{i}", {"official"}) for i in range(200)] + [(f"reviewer{i}", {"legality_reviewer"}) for i in range(40)]
         + [(f"secretary{i}", {"secretary"}) for i in range(30)] + [(f"advisor{i}", {"legal_advisor"}) for i in range(10)]
         + [(f"auditor{i}", {"auditor"}) for i in range(20)])


@dataclass(frozen=True)
class Case:
    id: str
    created_by: str
    stage: str
    blocked: bool
    deadlines: tuple


@dataclass(frozen=True)
class FollowUp:
    case_number: str
    action: str
    rule: str
    due_on: date | None


def register(cases: int, follow_ups: int) -> Register:
    def deadline(i: int, k: int) -> Deadline:
        days = (i * 7 + k * 31) % 121 - 60
        return Deadline(f"C{i}", f"决策事项{i}", ("comment_period", "rule_deadline")[k], DAY + timedelta(days=days),
                        days, "《条例》第十五条", "MAD-X")
    rows = tuple(Case(f"C{i}", f"official{i % 200}", STAGES[i % len(STAGES)], i % 17 == 0,
                      (deadline(i, 0), deadline(i, 1))) for i in range(cases))
    follow = tuple(FollowUp(f"罚〔2025〕{i}号", ACTIONS[i % len(ACTIONS)], "CRED-X",
                            DAY + timedelta(days=(i * 13) % 121 - 60)) for i in range(follow_ups))
    return Register(DAY, rows, follow, 1234)


def main() -> None:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 40_000
    follow_ups = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    print(machine_line())
    reg = register(cases, follow_ups)
    deadlines = [d for c in reg.cases for d in c.deadlines] + list(reg.follow_ups)
    print(f"register: {cases:,} cases, {follow_ups:,} follow-ups = {len(deadlines):,} open deadlines; {len(USERS)} users")
    start = time.perf_counter()
    sorted(deadlines, key=lambda d: getattr(d, "due", None) or d.due_on)
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    listed = sum(len(todos_for(reg, user, roles)) for user, roles in USERS)
    seconds = time.perf_counter() - start
    print(f"baseline (one sort of every deadline): {baseline:.3f} s")
    print(f"every user's to-dos: {seconds:.2f} s ({listed:,} to-dos listed)  target ≤ 10 s  "
          f"{'met' if seconds <= 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
