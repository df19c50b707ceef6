"""A row of the decision catalogue (决策事项目录, Decree 713 Art. 3(3)) and its validation.

    year · unit · item               the key: 年度 · 单位 · 事项编号 (an item is unique in its catalogue)
    title · category                 事项名称 · 类别 (the decision categories of CASE_FORMAT §1, Art. 3(1))
    planned                          计划完成时间 (a date, or YYYY-MM: the month's last day)
    published_on · party_consent_on  目录公布日期 · 党委同意日期 — the catalogue's own dates, repeated on
                                     each of its rows; rows of one catalogue in one file must agree
    case_id                          案件编号: the decision case that carries the item out
    adjusted_reason                  调整理由: the item was adjusted (dropped, postponed) for this reason

A catalogue is `<year>/<unit>` (e.g. `2022/岳龙镇人民政府`): what a case's `in_catalogue.catalogue`
names. Free-text cells are refused when a spreadsheet would run them as formulas (CASE_FORMAT §3).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, get_args

from engine.core.errors import Problem
from engine.decisions.enums import Category
from engine.registers.csvio import Column, RowCheck, formula_problem, parse_date, where
from engine.trail import canonical

COLUMNS = ("year", "unit", "item", "title", "category", "planned", "published_on", "party_consent_on",
           "case_id", "adjusted_reason")
REQUIRED = ("year", "unit", "item", "title", "category")
FREE_TEXT = ("unit", "item", "title", "case_id", "adjusted_reason")
DATE_COLUMNS = ("published_on", "party_consent_on")
COLUMN_ZH = {"year": "年度", "unit": "单位", "item": "事项编号", "title": "事项名称", "category": "类别",
             "planned": "计划完成时间", "published_on": "目录公布日期", "party_consent_on": "党委同意日期",
             "case_id": "案件编号", "adjusted_reason": "调整理由"}
# the columns with their Chinese names, as the registers read them (CSV or .xlsx, either header language)
TABLE = tuple(Column(name, COLUMN_ZH[name]) for name in COLUMNS)
# the template's example row (`yifa catalogue template`)
EXAMPLE = {"year": "2025", "unit": "天津市宁河区岳龙镇人民政府", "item": "1", "title": "岳龙镇村级道路提升改造工程",
           "category": "public_construction", "planned": "2025-06", "published_on": "2025-03-20",
           "party_consent_on": "2025-03-10", "case_id": "", "adjusted_reason": ""}
CATEGORIES: tuple[str, ...] = get_args(Category)
UNIT_MAX, ITEM_MAX, TITLE_MAX = 200, 32, 200
YEARS = (2000, 2100)
_CASE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")


def catalogue_name(year: int, unit: str) -> str:
    """The catalogue's name as a case names it (`in_catalogue.catalogue`): `2022/岳龙镇人民政府`."""
    return f"{year}/{unit}"


def parse_catalogue_name(text: str) -> tuple[int, str] | None:
    """(year, unit) of `2022/岳龙镇人民政府`, None when it is not of that shape."""
    year, slash, unit = text.strip().partition("/")
    if not slash or not year.isdigit() or not unit.strip():
        return None
    return int(year), unit.strip()


def parse_planned(text: str) -> date | None:
    """计划完成时间: a date, or a month (YYYY-MM, the month's last day); None if neither."""
    day = parse_date(text)
    if day is not None:
        return day
    m = _MONTH.fullmatch(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(1)


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    """One row of the catalogue, exactly its columns."""

    year: int
    unit: str
    item: str
    title: str
    category: str
    planned: date | None
    published_on: date | None
    party_consent_on: date | None
    case_id: str | None
    adjusted_reason: str | None

    @property
    def key(self) -> str:
        """The register's key: year/unit/item."""
        return f"{self.year}/{self.unit}/{self.item}"

    @property
    def catalogue(self) -> str:
        return catalogue_name(self.year, self.unit)

    def to_row(self) -> dict[str, str]:
        """The cells of this row, canonical (ISO dates, empty for none)."""
        row: dict[str, str] = {}
        for name in COLUMNS:
            value = getattr(self, name)
            row[name] = value.isoformat() if isinstance(value, date) else "" if value is None else str(value)
        return row

    def sha256(self) -> str:
        return hashlib.sha256(canonical(self.to_row()).encode()).hexdigest()


class _RowCheck(RowCheck):
    """The problems and warnings of one row, with its cells stripped (`v`)."""

    def __init__(self, cells: dict[str, str], n: int, file: str):
        super().__init__(file, n, COLUMN_ZH)
        self.v = {k: (cells.get(k) or "").strip() for k in COLUMNS}


def _check_required(c: _RowCheck) -> None:
    for column in REQUIRED:
        if not c.v[column]:
            c.bad(column, "必填，不得为空", "required, must not be empty")
    for column, limit in (("unit", UNIT_MAX), ("item", ITEM_MAX), ("title", TITLE_MAX)):
        if len(c.v[column]) > limit:
            c.bad(column, f"过长（超过 {limit} 字）", f"too long (over {limit} characters)")
    for column in FREE_TEXT:
        formula = formula_problem(c.v[column])
        if formula:
            c.bad(column, *formula)
    if "/" in c.v["unit"]:
        c.bad("unit", "不得含“/”（目录以“年度/单位”命名）", "must not contain '/' (a catalogue is named year/unit)")


def _check_values(c: _RowCheck) -> int | None:
    year = None
    if c.v["year"]:
        if c.v["year"].isdigit() and YEARS[0] <= int(c.v["year"]) <= YEARS[1]:
            year = int(c.v["year"])
        else:
            c.bad("year", f"年度无效 {c.v['year']!r}，应为四位年份", f"invalid year {c.v['year']!r}, expected YYYY")
    if c.v["category"] and c.v["category"] not in CATEGORIES:
        c.bad("category", f"取值无效 {c.v['category']!r}，应为 {' | '.join(CATEGORIES)} 之一",
              f"invalid value {c.v['category']!r}, expected one of {' | '.join(CATEGORIES)}")
    if c.v["case_id"] and not _CASE_ID.fullmatch(c.v["case_id"]):
        c.bad("case_id", "案件编号无效，应为 1–64 个字母、数字或 . _ -",
              "invalid case id, expected 1–64 letters, digits or . _ -")
    return year


def _check_dates(c: _RowCheck, year: int | None) -> dict[str, date | None]:
    dates: dict[str, date | None] = {}
    for column in DATE_COLUMNS:
        dates[column] = parse_date(c.v[column]) if c.v[column] else None
        if c.v[column] and dates[column] is None:
            c.bad(column, f"日期无效 {c.v[column]!r}，应为 YYYY-MM-DD", f"invalid date {c.v[column]!r}, expected YYYY-MM-DD")
    dates["planned"] = parse_planned(c.v["planned"]) if c.v["planned"] else None
    if c.v["planned"] and dates["planned"] is None:
        c.bad("planned", f"日期无效 {c.v['planned']!r}，应为 YYYY-MM-DD 或 YYYY-MM",
              f"invalid date {c.v['planned']!r}, expected YYYY-MM-DD or YYYY-MM")
    consent, published = dates["party_consent_on"], dates["published_on"]
    if consent and published and consent > published:
        c.warn("party_consent_on", f"党委同意日期 {consent} 晚于目录公布日期 {published}",
               f"the Party committee consented ({consent}) after the catalogue was published ({published})")
    if year and published and published.year not in (year - 1, year):
        c.warn("published_on", f"目录公布日期 {published} 不在 {year} 年度或其前一年",
               f"published ({published}) neither in {year} nor the year before")
    return dates


def validate_row(cells: dict[str, str], n: int, file: str) -> tuple[Any, list[Problem], list[Problem]]:
    """The per-row validator of the catalogue: (item | None, problems, warnings)."""
    c = _RowCheck(cells, n, file)
    _check_required(c)
    year = _check_values(c)
    dates = _check_dates(c, year)
    if c.problems:
        return None, c.problems, c.warnings
    v = c.v
    return CatalogueItem(year=year, unit=v["unit"], item=v["item"], title=v["title"],  # type: ignore[arg-type]
                         category=v["category"], planned=dates["planned"], published_on=dates["published_on"],
                         party_consent_on=dates["party_consent_on"], case_id=v["case_id"] or None,
                         adjusted_reason=v["adjusted_reason"] or None), [], c.warnings


def catalogue_disagreements(rows: list[Any], file: str) -> None:
    """Refuse a row whose catalogue dates differ from an earlier row of the same catalogue in the file."""
    first: dict[str, tuple[int, CatalogueItem]] = {}
    for row in rows:
        item = row.record
        if item is None:
            continue
        seen = first.setdefault(item.catalogue, (row.number, item))
        for column in DATE_COLUMNS:
            if getattr(item, column) != getattr(seen[1], column):
                row.problems.append(Problem(file, where(row.number, column),
                                            f"{COLUMN_ZH[column]}：与第 {seen[0]} 行（同一目录 {item.catalogue}）不一致 / "
                                            f"differs from row {seen[0]} of the same catalogue {item.catalogue}"))
                row.record = None
                break
