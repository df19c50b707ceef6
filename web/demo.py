"""The demo: 岳龙镇 (宁河区, 天津市), one user per role, decisions at every stage — 仅供演示 / demo only.

Every decision is built through engine/decisions/use_cases.py, step by step, each step its own transaction,
so its trail is the one real use would leave (including a refused advance). The normative-document
register (web/demo_documents.csv, 31 documents of 宁河区 and 岳龙镇) is imported by the 司法所
reviewer through engine.documents.use_cases.import_documents, and one document is then declared
invalid in a clean-up review, so both are in the documents' trails. The penalty register
(web/demo_penalties.csv, 31 penalties of 岳龙镇 and 宁河区 authorities, 2017–2026, under every
credit-repair regime) is imported by the official through engine.credit.use_cases.import_penalties,
so each penalty's trail holds its import. The town's 2025 decision catalogue (web/demo_catalogue.csv:
two items carried out by demo cases, one with no case, one adjusted) is imported by the official through
engine.catalogue.use_cases.import_catalogue. Seeding again changes nothing: users, cases, documents,
penalties and catalogue items that exist are left alone.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from engine.accounts.queries import user_by_name
from engine.accounts.use_cases import create_user
from engine.core import clock
from engine.core.errors import GateClosedError
from engine.core.yamlio import LoadedYaml
from engine.decisions.queries import find_case
from engine.decisions.record import Case, parse_case
from engine.decisions.use_cases import (
    advance_stage,
    create_case,
    import_cases,
    record_evidence,
)
from engine.store.uow import UnitOfWork
from web import demo_data as data

WARNING = "仅供演示，切勿用于真实数据 / demo only — never use these accounts with real data"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE_FILES = ("ninghe-county-road-2025.yaml", "yuelong-sewage-2024.yaml")
DOCUMENTS = Path(__file__).resolve().parent / "demo_documents.csv"
PENALTIES = Path(__file__).resolve().parent / "demo_penalties.csv"
CATALOGUE = Path(__file__).resolve().parent / "demo_catalogue.csv"
# the clean-up review the demo records: a township's provisional rules that set a penalty and a fee
REVIEWED_DOCUMENT = ("岳龙政发〔2018〕12号", "declared_invalid",
                     "乡镇人民政府无权在规范性文件中设定行政处罚和收费事项；该暂行规定有效期已于2020年4月30日届满，宣布失效。",
                     date(2025, 12, 15))


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    display_name: str
    unit: str = "yuelong"
    subtree: bool = False


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    level: str
    jurisdiction: str
    parent: str | None


# 宁河区 (the top unit, `root`), its 司法局 (a department that reviews legality for the whole district),
# and two townships: 岳龙镇, where the demo's records are, and 丰台镇 with one case of its own.
DEMO_UNITS = (
    DemoUnit("root", "天津市宁河区人民政府", "county", "CN-12/ninghe", None),
    DemoUnit("ninghe-sfj", "宁河区司法局", "department", "CN-12/ninghe", "root"),
    DemoUnit("yuelong", "宁河区岳龙镇人民政府", "township", "CN-12/ninghe/yuelong", "root"),
    DemoUnit("fengtai", "宁河区丰台镇人民政府", "township", "CN-12/ninghe", "root"),
)
DEMO_USERS = (
    DemoUser("official", "yifa-demo-official", "official", "张明（岳龙镇村镇建设办公室）"),
    DemoUser("reviewer", "yifa-demo-reviewer", "legality_reviewer", "李静（岳龙司法所）"),
    DemoUser("advisor", "yifa-demo-advisor", "legal_advisor", "王律（镇政府法律顾问）"),
    DemoUser("secretary", "yifa-demo-secretary", "secretary", "赵敏（镇党政办公室）"),
    DemoUser("auditor", "yifa-demo-auditor", "auditor", "孙审（宁河区审计局）", "root", True),
    DemoUser("admin", "yifa-demo-admin", "admin", "系统管理员", "root", True),
    DemoUser("fengtai", "yifa-demo-fengtai", "official", "陈晓（丰台镇综合办公室）", "fengtai"),
    # of 宁河区司法局, reviewing legality for every unit of the district: the role over root's subtree
    DemoUser("district-reviewer", "yifa-demo-district", "legality_reviewer", "周法（宁河区司法局）", "root", True),
)
OFFICIAL, REVIEWER, SECRETARY, ADMIN = "official", "reviewer", "secretary", "admin"


def seed_demo(engine: Engine, today: date | None = None) -> list[str]:
    """Add whatever of the demo is missing; say what was added (nothing, the second time)."""
    today = today or clock.today()
    added = _seed_users(engine)
    for case_id, build in _stories(today):
        if not _case_exists(engine, case_id):
            build(engine)
            added.append(case_id)
    return (added + _import_examples(engine) + _seed_documents(engine) + _seed_penalties(engine)
            + _seed_catalogue(engine))


def _seed_users(engine: Engine) -> list[str]:
    """The admin over the whole district first (adding units takes one), then the units, then the
    others in their units; the district's reviewer holds the review over every unit of 宁河区."""
    from engine.units.queries import unit_by_code
    from engine.units.use_cases import add_unit, change_unit
    added = []
    admin = next(u for u in DEMO_USERS if u.username == ADMIN)
    with UnitOfWork(engine) as uow:
        if user_by_name(uow.session, ADMIN) is None:
            create_user(uow.session, ADMIN, admin.display_name, [admin.role], admin.password)
            added.append(ADMIN)
        for unit in DEMO_UNITS:
            stored = unit_by_code(uow.session, unit.code)
            if stored is None:
                add_unit(uow.session, unit.code, unit.name, unit.level, unit.jurisdiction, unit.parent, ADMIN)
            elif unit.parent is None and stored.name != unit.name:
                change_unit(uow.session, unit.code, ADMIN, unit.name, unit.level, unit.jurisdiction)
        for u in DEMO_USERS:
            if user_by_name(uow.session, u.username) is None:
                create_user(uow.session, u.username, u.display_name, [u.role], u.password,
                            unit=u.unit, subtree=u.subtree)
                added.append(u.username)
        uow.commit()
    return added


def _case_exists(engine: Engine, case_id: str) -> bool:
    with UnitOfWork(engine, read_only=True) as uow:
        return find_case(uow.session, case_id) is not None


def _step(engine: Engine, use_case: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run one use case in its own unit of work and commit it."""
    with UnitOfWork(engine) as uow:
        outcome = use_case(uow, *args, **kwargs)
        uow.commit()
        return outcome


def _case(document: dict[str, Any]) -> Case:
    return parse_case(LoadedYaml(document), f"demo:{document['id']}")


# ---------------------------------------------------------------- the stories
def _stories(today: date) -> list[tuple[str, Callable[[Engine], None]]]:
    return [("YL-DEMO-01", lambda e: _in_participation(e, today)),
            ("YL-DEMO-02", lambda e: _in_expert_review(e, today)),
            ("YL-DEMO-03", _blocked_at_decision),
            ("YL-DEMO-04", _complete),
            ("FT-DEMO-01", lambda e: _other_township(e, today))]


def _other_township(engine: Engine, today: date) -> None:
    """丰台镇's own case, proposed by its official: nobody of 岳龙镇 sees it; the district does."""
    case = data.fengtai_case(today)
    _step(engine, create_case, _case(case), "fengtai", as_of=today - timedelta(days=3))


def _in_participation(engine: Engine, today: date) -> None:
    """Started two weeks ago; the comment period opened five days ago and is open for 35 days."""
    case, participation = data.heating_case(today)
    started = date.fromisoformat(case["initiation"]["started_on"])
    _step(engine, create_case, _case(case), OFFICIAL, as_of=started)
    opened = date.fromisoformat(participation["consultation"]["opened_on"])
    _step(engine, record_evidence, case["id"], "public_participation", participation, OFFICIAL, as_of=opened)


def _in_expert_review(engine: Engine, today: date) -> None:
    """Consulted the public; the experts met three weeks ago; the risk report came last week."""
    case, experts, risk = data.culture_centre_case(today)
    closed = date.fromisoformat(case["public_participation"]["consultation"]["closes_on"])
    _step(engine, create_case, _case(case), OFFICIAL, as_of=closed)
    _step(engine, record_evidence, case["id"], "expert_review", experts, OFFICIAL,
          as_of=date.fromisoformat(experts["held_on"]))
    _step(engine, record_evidence, case["id"], "risk_assessment", risk, OFFICIAL,
          as_of=date.fromisoformat(risk["completed_on"]))


def _blocked_at_decision(engine: Engine) -> None:
    """Sent for legality review, but put before the meeting before the opinion came: refused (Art. 25)."""
    case = data.drafted_road_case("YL-DEMO-03", "岳龙镇七里海湿地周边村道改造工程")
    _step(engine, create_case, _case(case), OFFICIAL, as_of=date(2025, 4, 20))
    _step(engine, record_evidence, case["id"], "legality_review", data.LEGALITY_SUBMITTED, REVIEWER,
          as_of=date(2025, 4, 22))
    _step(engine, record_evidence, case["id"], "collective_decision", data.MEETING, SECRETARY,
          as_of=date(2025, 4, 28))
    try:
        _step(engine, advance_stage, case["id"], "collective_decision", SECRETARY, date(2025, 4, 30))
    except GateClosedError:
        pass  # the point of the story: the refusal is kept in the trail


def _complete(engine: Engine) -> None:
    """Every step done, in order: review, meeting, Party report, publication, archiving."""
    case = data.drafted_road_case("YL-DEMO-04", "岳龙镇村级道路提升改造工程")
    case_id = case["id"]
    _step(engine, create_case, _case(case), OFFICIAL, as_of=date(2025, 4, 20))
    _step(engine, record_evidence, case_id, "legality_review", data.LEGALITY_OPINION, REVIEWER, as_of=date(2025, 5, 9))
    _step(engine, record_evidence, case_id, "collective_decision", data.MEETING, SECRETARY, as_of=date(2025, 5, 14))
    _step(engine, advance_stage, case_id, "collective_decision", SECRETARY, date(2025, 5, 15))
    _step(engine, advance_stage, case_id, "party_report", SECRETARY, date(2025, 5, 16))
    _step(engine, record_evidence, case_id, "publication", data.PUBLICATION, SECRETARY, as_of=date(2025, 5, 20))
    _step(engine, advance_stage, case_id, "publication", SECRETARY, date(2025, 5, 21))
    _step(engine, record_evidence, case_id, "archiving", data.ARCHIVE, SECRETARY, as_of=date(2025, 5, 22))
    _step(engine, advance_stage, case_id, "archiving", SECRETARY, date(2025, 5, 23))


def _import_examples(engine: Engine) -> list[str]:
    """The shipped examples (a source checkout has them), imported by the official if missing."""
    from engine.decisions.record import load_case
    paths = [EXAMPLES / name for name in EXAMPLE_FILES if (EXAMPLES / name).is_file()]
    missing = [p for p in paths if not _case_exists(engine, load_case(p).id)]
    if not missing:
        return []
    outcomes = _step(engine, import_cases, missing, OFFICIAL)
    return [o.case_id for o in outcomes]


def _seed_documents(engine: Engine) -> list[str]:
    """The demo register, imported by the reviewer when any of its numbers is missing (an existing
    document whose row differs is updated, as any re-import would); then the demo's clean-up review,
    once. Gives a one-line summary of what was added, or nothing."""
    import csv

    from engine.decisions.queries import trail_events
    from engine.documents.queries import documents_by_number
    from engine.documents.reviews import mark_reviewed
    from engine.documents.use_cases import import_documents
    with open(DOCUMENTS, encoding="utf-8-sig", newline="") as stream:
        numbers = [row["number"] for row in csv.DictReader(stream)]
    with UnitOfWork(engine, read_only=True) as uow:
        present = len(documents_by_number(uow.session, numbers))
    imported: list[str] = []
    if present < len(numbers):
        imported = _step(engine, import_documents, DOCUMENTS, REVIEWER).imported
    number, outcome, reason, on = REVIEWED_DOCUMENT
    with UnitOfWork(engine, read_only=True) as uow:
        reviewed = any(e.action == "document.reviewed" for e in trail_events(uow.session, f"doc:{number}"))
    if number in imported and not reviewed:
        _step(engine, mark_reviewed, number, outcome, reason, REVIEWER, on)
    return [f"规范性文件 {len(imported)} 件 / {len(imported)} normative documents"] if imported else []


def _seed_penalties(engine: Engine) -> list[str]:
    """The demo penalty register, imported by the official (who keeps it) when any of its case numbers
    is missing; a one-line summary of what was added, or nothing."""
    import csv

    from engine.credit.queries import penalties_by_number
    from engine.credit.use_cases import import_penalties
    with open(PENALTIES, encoding="utf-8-sig", newline="") as stream:
        numbers = [row["case_number"] for row in csv.DictReader(stream)]
    with UnitOfWork(engine, read_only=True) as uow:
        present = len(penalties_by_number(uow.session, numbers))
    if present == len(numbers):
        return []
    imported = _step(engine, import_penalties, PENALTIES, OFFICIAL).imported
    return [f"行政处罚 {len(imported)} 条 / {len(imported)} penalties"] if imported else []


def _seed_catalogue(engine: Engine) -> list[str]:
    """The town's demo catalogue, imported by the official when any of its items is missing."""
    from engine.catalogue.queries import items_by_key
    from engine.catalogue.use_cases import import_catalogue, read_catalogue
    keys = [r.record.key for r in read_catalogue(CATALOGUE) if r.record is not None]
    with UnitOfWork(engine, read_only=True) as uow:
        if len(items_by_key(uow.session, keys)) == len(keys):
            return []
    imported = _step(engine, import_catalogue, CATALOGUE, OFFICIAL).imported
    return [f"决策事项目录事项 {len(imported)} 项 / {len(imported)} catalogue items"] if imported else []


def _padded(text: str, width: int) -> str:
    """Pad to a width in terminal columns (a CJK character takes two)."""
    import unicodedata
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - columns)


def describe_users() -> str:
    """The demo accounts as lines to print, with the warning."""
    from web.i18n import ROLE_NAMES
    lines = [f"⚠ {WARNING}"]
    lines += [f"  {_padded(ROLE_NAMES[u.role][0], 16)}{_padded(u.username, 11)}{u.password}" for u in DEMO_USERS]
    return "\n".join(lines)
