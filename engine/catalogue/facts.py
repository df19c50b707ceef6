"""The decision catalogue as the flat facts its rules read (Decree 713 Art. 3(3); rules/*/…catalogue*.yaml).

The scan judges three kinds of entry (`kind`), each one flat fact:

    catalogue   a year's catalogue of one unit (`2022/岳龙镇人民政府`): its dates are its rows' dates
    item        one item of a catalogue, with the case that carries it out (its row's `case_id`, or a
                stored case whose `in_catalogue` names it)
    case        a stored decision case that names a catalogue item (`in_catalogue`), or that names none
                while its decision body keeps a catalogue for the case's year

    as_of                                the day the scan looks from
    kind · category                      enumerations (category: CASE_FORMAT §1, Art. 3(1))
    catalogue · unit · item · title      text (rules may only ask `present`)
    case_id · adjusted_reason            text
    year                                 the catalogue's year (int)
    year_counted_from · year_ends_on     the day before the year begins (a period counted from it starts
                                         on 1 January, 民法典 Art. 201; present once on or before
                                         `as_of`) and the year's last day
    published_on · party_consent_on      the catalogue's dates, known once on or before `as_of`
    planned_on                           计划完成时间 (the month's last day for YYYY-MM), once it has come
    case.found · case.decided_on         item: a case carries it out; the date that case's collective
                                         decision was held (collective_decision.held_on), once dated
    adjusted                             item: the row gives a reason for adjusting it (调整理由)
    in_catalogue · item.found            case: it names an item; that item is in the stored catalogue
    catalogue.found                      case: its decision body keeps a catalogue for the case's year
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache
from typing import Any

from engine.core.domains import CATALOGUE, Domain, Topic
from engine.core.errors import InputError, Problem
from engine.decisions.facts import FactType, typed

KINDS = ("catalogue", "item", "case")
# word → (Chinese, English): a Chinese message names a word by its label, never by the code
# (engine/core/findings.py); a category is a decision category (engine/decisions/enums.py)
KIND_NAMES = {"catalogue": ("目录", "catalogue"), "item": ("目录事项", "catalogue item"),
              "case": ("决策案件", "decision case")}
DATES = ("published_on", "party_consent_on")

TOPICS = (
    Topic("publication", "目录编制与公布", "Compiling and publishing the catalogue"),
    Topic("execution", "目录事项的实施与调整", "Carrying out and adjusting the items"),
    Topic("cases", "决策案件与目录对应", "Cases and their catalogue items"),
)


@dataclass(frozen=True, slots=True)
class Entry:
    """What one entry of the catalogue scan is judged on (see the module's table)."""

    kind: str
    year: int
    unit: str
    catalogue: str
    item: str | None = None
    title: str | None = None
    category: str | None = None
    planned: date | None = None
    published_on: date | None = None
    party_consent_on: date | None = None
    case_id: str | None = None
    adjusted_reason: str | None = None
    case_found: bool | None = None
    case_decided_on: date | None = None
    in_catalogue: bool | None = None
    item_found: bool | None = None
    catalogue_found: bool | None = None

    @property
    def key(self) -> str:
        """How the scan names the entry: the catalogue, its item, or the case."""
        if self.kind == "case":
            return f"case:{self.case_id}"
        return self.catalogue if self.kind == "catalogue" else f"{self.catalogue}/{self.item}"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, FactType]:
    """Every fact path a catalogue rule may use, with its type."""
    out: dict[str, FactType] = {"as_of": FactType("date"), "kind": FactType("enum", KINDS),
                                "category": FactType("enum", _categories()), "year": FactType("int")}
    out |= typed("text", "catalogue", "unit", "item", "title", "case_id", "adjusted_reason")
    out |= typed("date", *DATES, "year_counted_from", "year_ends_on", "planned_on", "case.decided_on")
    out |= typed("bool", "case.found", "adjusted", "in_catalogue", "item.found", "catalogue.found")
    return out


def _categories() -> tuple[str, ...]:
    from engine.catalogue.record import CATEGORIES
    return CATEGORIES


def flatten(entry: Entry, as_of: date) -> dict[str, Any]:
    """The entry as one flat fact, as known on `as_of` (dates as day ordinals)."""
    facts: dict[str, Any] = {"as_of": as_of.toordinal(), "kind": entry.kind, "year": entry.year,
                             "unit": entry.unit, "catalogue": entry.catalogue,
                             "year_ends_on": date(entry.year, 12, 31).toordinal()}
    if date(entry.year - 1, 12, 31) <= as_of:       # the period has begun: the trigger is dated
        facts["year_counted_from"] = date(entry.year - 1, 12, 31).toordinal()
    for name in ("item", "title", "category", "case_id", "adjusted_reason"):
        value = getattr(entry, name)
        if value is not None:
            facts[name] = value
    for name, value in (("published_on", entry.published_on), ("party_consent_on", entry.party_consent_on),
                        ("case.decided_on", entry.case_decided_on)):
        if value is not None and value <= as_of:
            facts[name] = value.toordinal()
    if entry.planned is not None and entry.planned <= as_of:     # a planned day is judged once it has come
        facts["planned_on"] = entry.planned.toordinal()
    if entry.kind == "item":
        facts["adjusted"] = entry.adjusted_reason is not None
    for name, value in (("case.found", entry.case_found), ("in_catalogue", entry.in_catalogue),
                        ("item.found", entry.item_found), ("catalogue.found", entry.catalogue_found)):
        if value is not None:
            facts[name] = value
    return facts


def topics() -> tuple[Topic, ...]:
    return TOPICS


_FIELDS = {f.name for f in fields(Entry)}


def parse_test_record(case: dict, label: str) -> Entry:
    """A rule file's test case (the Entry's fields; ISO dates) as an entry."""
    from engine.registers.csvio import parse_date
    problems = [Problem(label, k, f"未知字段 {k!r} / unknown field") for k in sorted(set(case) - _FIELDS)]
    values: dict[str, Any] = {}
    for name, value in case.items():
        if name in ("planned", "published_on", "party_consent_on", "case_decided_on") and value is not None:
            value = parse_date(str(value))
            if value is None:
                problems.append(Problem(label, name, "日期无效，应为 YYYY-MM-DD / invalid date, expected YYYY-MM-DD"))
        values[name] = value
    if values.get("kind") not in KINDS:
        problems.append(Problem(label, "kind", f"应为 {' | '.join(KINDS)} 之一 / expected one of {' | '.join(KINDS)}"))
    if problems:
        raise InputError(problems)
    year, unit = int(values.get("year", 2022)), str(values.get("unit", "测试县人民政府"))
    values.update(year=year, unit=unit, catalogue=f"{year}/{unit}")
    return Entry(**values)


def test_skeleton(jurisdiction: str, test_id: str) -> dict:
    """What every rule test starts from: an entry of the 2022 catalogue of a county government."""
    return {"year": 2022, "unit": "测试县人民政府"}


def word_label(word: str) -> tuple[str, str]:
    """An entry kind's or a category's name (Chinese, English); an unknown word is shown as it is."""
    if word in KIND_NAMES:
        return KIND_NAMES[word]
    from engine.decisions.enums import choice_label
    return choice_label(word)


DOMAIN = Domain(CATALOGUE, catalogue, flatten, topics, parse_test_record, test_skeleton, lambda e: e.key,
                value_label=word_label)
