"""The normative-document register (行政规范性文件登记表, CASE_FORMAT §3): CSV import and export.

Decisions (documented for the lead and for users):
- **All or nothing.** Without `skip_invalid` one bad row refuses the whole file (InputError with
  every bad row: row number, column, reason) and nothing is stored. With `skip_invalid` the good
  rows are stored and the bad ones written to `rejected_out` (the §3 columns plus `reason`).
- **Re-import updates.** A number already in the database is updated when its row changed
  (trail event `document.updated`, with the previous row's sha256) and left alone when it is
  identical (no event) — so a register kept in Excel can be imported again after editing.
  A number twice *in the same file* is a refused row (the second one).
- **Warnings, not refusals** (the row is imported, the warning printed and kept in the event):
  a basis title missing from the law register (§3), a basis version date the register does not
  list, a basis version adopted after the document was issued, `effective_from` before
  `issued_on` (a document cannot take effect before it exists; most likely a typing error, but
  it is a fact to show, not to refuse), `published_on` before `issued_on`.
- **Refusals:** empty required field (number, title, issuer, issued_on, effective_from, kind,
  status), an impossible date, a value outside an enumeration, a malformed basis entry,
  `expires_on` before `effective_from`, a duplicate number in the file.
- **The optional process columns** (`PROCESS_COLUMNS`, README "Optional drafting-process columns"):
  a file may carry all, some or none; `market_related` other than yes/no and a comment closing
  before it opens are refused, a deliberation, review or comment dated after the issue is warned.
- Dates are written YYYY-MM-DD; YYYY/M/D and YYYY-M-D (what Excel makes of dates) are accepted
  and exported back as YYYY-MM-DD.
- Every stored change is an event on the chain `doc:<number>` (action `document.imported` or
  `document.updated`; payload `{"row": {column: text}, "sha256": sha256(canonical row), …}`).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from engine.core.errors import Problem
from engine.documents import queries
from engine.documents.laws import LawRegister, default_laws
from engine.documents.models import KINDS, SETS, STATUSES, NormativeDocumentRecord
from engine.documents.queries import documents_by_number
from engine.registers.csvio import (
    Column,
    ImportResult,
    Row,
    formula_problem,
    iter_rows,
    names,
    parse_date,
    unique_by,
    unique_by_column,
    where,
    without_cyclic_gc,
)
from engine.registers.csvio import write_rejected as write_rejected_rows
from engine.registers.imports import Register, copying, import_file
from engine.registers.kinds import RegisterKind
from engine.registers.listing import NUMBER_MAX
from engine.store.uow import UnitOfWork
from engine.trail import canonical

# the register's columns, CASE_FORMAT §3: English name · 中文列名 (· optional) — the one table of them
TABLE = (
    Column("number", "文号"),
    Column("title", "标题"),
    Column("issuer", "制定机关"),
    Column("issued_on", "印发日期"),
    Column("effective_from", "施行日期"),
    Column("expires_on", "有效期至"),
    Column("kind", "类型"),
    Column("legality_reviewed_on", "合法性审核日期"),
    Column("published_on", "公布日期"),
    Column("filed_on", "备案日期"),
    Column("basis", "制定依据"),
    Column("sets", "设定事项"),
    Column("status", "状态"),
    Column("last_reviewed_on", "最近评估日期"),
    Column("deliberated_on", "集体审议日期", optional=True),
    Column("comment_opened_on", "征求意见开始日期", optional=True),
    Column("comment_closes_on", "征求意见截止日期", optional=True),
    Column("market_related", "涉及市场主体", optional=True),
    Column("fair_competition_reviewed_on", "公平竞争审查日期", optional=True),
)
COLUMNS = tuple(c.name for c in TABLE if not c.optional)          # the fourteen columns every file has
COLUMN_ZH = {c.name: c.zh for c in TABLE if not c.optional}
# the template's example row (`yifa docs template`, the import page's template download)
EXAMPLE = {"number": "宁河政规〔2019〕3号", "title": "宁河区农村人居环境整治管理办法", "issuer": "天津市宁河区人民政府",
           "issued_on": "2019-03-01", "effective_from": "2019-04-01", "expires_on": "2024-03-31", "kind": "regular",
           "legality_reviewed_on": "2019-02-20", "published_on": "2019-03-05", "filed_on": "2019-03-20",
           "basis": "中华人民共和国环境保护法@2014-04-24", "sets": "", "status": "in_force",
           "last_reviewed_on": "2021-12-15", "deliberated_on": "2019-02-25", "comment_opened_on": "2019-01-10",
           "comment_closes_on": "2019-02-10", "market_related": "no", "fair_competition_reviewed_on": ""}
REQUIRED = ("title", "issuer", "issued_on", "effective_from", "kind", "status")    # number: see KEY_PREFIX
# A document without a number (文号) is registered under a key of its own: this prefix and the first
# 16 hex digits of sha256(issuer, title, issued_on) — the same row imported again gets the same key.
KEY_PREFIX = "无文号-"
FREE_TEXT = ("number", "title", "issuer", "basis")       # refused when a spreadsheet would run them
DATE_COLUMNS = ("issued_on", "effective_from", "expires_on", "legality_reviewed_on", "published_on",
                "filed_on", "last_reviewed_on")
# The optional drafting-process columns (CASE_FORMAT §3, extended; in TABLE above). A file may leave
# them all out, and an empty cell says "not recorded" (the process rules find such a document
# `missing`, never `violated`). A row that fills none of them is a register that does not keep the
# process: the process rules leave it alone (engine/documents/facts.py `process_recorded`).
# `market_related` is yes | no.
PROCESS_COLUMNS = tuple(c.name for c in TABLE if c.optional)
PROCESS_COLUMN_ZH = {c.name: c.zh for c in TABLE if c.optional}
PROCESS_DATES = ("deliberated_on", "comment_opened_on", "comment_closes_on", "fair_competition_reviewed_on")
YES_NO = ("yes", "no")
ALL_COLUMNS = names(TABLE)
ALL_COLUMN_ZH = {c.name: c.zh for c in TABLE}

EDITOR_ROLES = ("official", "legality_reviewer", "admin")
CHAIN_PREFIX = "doc:"


@dataclass(frozen=True)
class Basis:
    title: str
    version: date

    def __str__(self) -> str:
        return f"{self.title}@{self.version.isoformat()}"


@dataclass(frozen=True, slots=True)
class NormativeDocument:
    """One row of the register, exactly the columns of CASE_FORMAT §3."""

    number: str
    title: str
    issuer: str
    issued_on: date
    effective_from: date
    expires_on: date | None
    kind: str
    legality_reviewed_on: date | None
    published_on: date | None
    filed_on: date | None
    basis: tuple[Basis, ...]
    sets: tuple[str, ...]
    status: str
    last_reviewed_on: date | None
    # the optional process columns (PROCESS_COLUMNS); None: not recorded
    deliberated_on: date | None = None
    comment_opened_on: date | None = None
    comment_closes_on: date | None = None
    market_related: bool | None = None
    fair_competition_reviewed_on: date | None = None

    @property
    def numbered(self) -> bool:
        """Whether the document has a number (文号), rather than a key of its own (KEY_PREFIX)."""
        return not self.number.startswith(KEY_PREFIX)

    def to_row(self) -> dict[str, str]:
        """The CSV cells of this document, canonical (ISO dates, `;` without spaces); a document
        without a number has its number cell empty (its key is made again from the row). A process
        column is in the row only when recorded, so a document without them keeps the row and sha256
        it had before they existed."""
        row: dict[str, str] = {}
        for name in COLUMNS:
            value = getattr(self, name)
            if name == "number" and not self.numbered:
                row[name] = ""
            elif name == "basis":
                row[name] = ";".join(str(b) for b in value)
            elif name == "sets":
                row[name] = ";".join(value)
            elif isinstance(value, date):
                row[name] = value.isoformat()
            else:
                row[name] = "" if value is None else str(value)
        for name in PROCESS_COLUMNS:
            value = getattr(self, name)
            if isinstance(value, bool):
                row[name] = YES_NO[0] if value else YES_NO[1]
            elif value is not None:
                row[name] = value.isoformat()
        return row

    def sha256(self) -> str:
        return hashlib.sha256(canonical(self.to_row()).encode()).hexdigest()


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.replace("；", ";").split(";") if part.strip()]


def row_validator(laws: LawRegister):
    """The per-row validator of the §3 register, against a law register."""

    def validate(cells: dict[str, str], n: int, file: str):
        problems: list[Problem] = []
        warnings: list[Problem] = []

        def bad(column: str, zh: str, en: str) -> None:
            problems.append(Problem(file, where(n, column), f"{ALL_COLUMN_ZH[column]}：{zh} / {en}"))

        def warn(column: str, zh: str, en: str) -> None:
            warnings.append(Problem(file, where(n, column), f"{ALL_COLUMN_ZH[column]}：{zh} / {en}"))

        v = {k: (cells.get(k) or "").strip() for k in ALL_COLUMNS}
        for column in REQUIRED:
            if not v[column]:
                bad(column, "必填，不得为空", "required, must not be empty")
        if v["number"].startswith(KEY_PREFIX):
            bad("number", f"文号不得以“{KEY_PREFIX}”开头（留作无文号文件的登记键）",
                f"a number must not begin with “{KEY_PREFIX}” (kept for the keys of documents without one)")
        if len(v["number"]) > NUMBER_MAX:
            bad("number", f"文号过长（超过 {NUMBER_MAX} 字）", f"number too long (over {NUMBER_MAX} characters)")
        for column in FREE_TEXT:            # what a spreadsheet would run as a formula (CSV injection)
            formula = formula_problem(v[column])
            if formula:
                bad(column, *formula)
        dates: dict[str, date | None] = {}
        for column in DATE_COLUMNS + PROCESS_DATES:
            dates[column] = None
            if v[column]:
                dates[column] = parse_date(v[column])
                if dates[column] is None:
                    bad(column, f"日期无效 {v[column]!r}，应为 YYYY-MM-DD",
                        f"invalid date {v[column]!r}, expected YYYY-MM-DD")
        for column, allowed in (("kind", KINDS), ("status", STATUSES)):
            if v[column] and v[column] not in allowed:
                bad(column, f"取值无效 {v[column]!r}，应为 {' | '.join(allowed)} 之一",
                    f"invalid value {v[column]!r}, expected one of {' | '.join(allowed)}")
        sets = _list(v["sets"])
        for item in sets:
            if item not in SETS:
                bad("sets", f"取值无效 {item!r}，应为 {' | '.join(SETS)} 之一",
                    f"invalid value {item!r}, expected one of {' | '.join(SETS)}")
        if len(set(sets)) != len(sets):
            bad("sets", "事项重复", "an item is repeated")
        issued, effective = dates["issued_on"], dates["effective_from"]
        basis: list[Basis] = []
        for item in _list(v["basis"]):
            title, at, version_text = item.rpartition("@")
            version = parse_date(version_text.strip()) if at else None
            title = title.strip().strip("《》")
            if not at or not title or version is None:
                bad("basis", f"格式应为“法律全称@版本日期(YYYY-MM-DD)”，实际为 {item!r}",
                    f"expected 'full official title@YYYY-MM-DD', got {item!r}")
                continue
            basis.append(Basis(title, version))
            if not laws.known(title):
                warn("basis", f"《{title}》不在法律登记表中，无法判断其是否已修改",
                     f"{title} is not in the law register; amendments cannot be detected")
            elif laws.version(title, version) is None:
                listed = ", ".join(x.adopted_on.isoformat() for x in laws.laws[title].versions)
                warn("basis", f"法律登记表中《{title}》没有 {version} 通过的版本（已登记：{listed}）",
                     f"the law register lists no version of {title} adopted on {version} (listed: {listed})")
            if issued and version > issued:
                warn("basis", f"依据版本 {version} 晚于印发日期 {issued}",
                     f"basis version {version} is later than the issue date {issued}")
        if issued and effective and effective < issued:
            warn("effective_from", f"施行日期 {effective} 早于印发日期 {issued}",
                 f"takes effect ({effective}) before it was issued ({issued})")
        if issued and dates["published_on"] and dates["published_on"] < issued:
            warn("published_on", f"公布日期 {dates['published_on']} 早于印发日期 {issued}",
                 f"published ({dates['published_on']}) before it was issued ({issued})")
        if effective and dates["expires_on"] and dates["expires_on"] < effective:
            bad("expires_on", f"有效期届满日 {dates['expires_on']} 早于施行日期 {effective}",
                f"expires ({dates['expires_on']}) before it takes effect ({effective})")
        process = _process_checks(v, dates, bad, warn)
        if problems:
            return None, problems, warnings
        number = v["number"]
        if not number:
            number = document_key(v["issuer"], v["title"], issued)  # type: ignore[arg-type]
            warn("number", f"未填写文号，以 {number} 作为登记键（由制定机关、标题、印发日期计算，重新导入同一行得到同一键）",
                 f"no document number: registered under the key {number} (made from issuer, title and "
                 "issued_on: the same row imported again gets the same key)")
        record = NormativeDocument(
            number=number, title=v["title"], issuer=v["issuer"], issued_on=issued,  # type: ignore[arg-type]
            effective_from=effective, expires_on=dates["expires_on"], kind=v["kind"],  # type: ignore[arg-type]
            legality_reviewed_on=dates["legality_reviewed_on"], published_on=dates["published_on"],
            filed_on=dates["filed_on"], basis=tuple(basis), sets=tuple(sets), status=v["status"],
            last_reviewed_on=dates["last_reviewed_on"], **process)
        return record, [], warnings

    return validate


def _process_checks(v: dict[str, str], dates: dict[str, date | None], bad, warn) -> dict[str, Any]:
    """The optional process columns of a row (dates already parsed): refused when `market_related` is
    not yes/no or the comment closes before it opens; warned when an act is dated after the issue."""
    market: bool | None = None
    if v["market_related"]:
        if v["market_related"] not in YES_NO:
            bad("market_related", f"取值无效 {v['market_related']!r}，应为 yes（是）或 no（否），不记录的留空",
                f"invalid value {v['market_related']!r}, expected yes or no (empty: not recorded)")
        market = v["market_related"] == "yes"
    opened, closes = dates["comment_opened_on"], dates["comment_closes_on"]
    if opened and closes and closes < opened:
        bad("comment_closes_on", f"征求意见截止日期 {closes} 早于开始日期 {opened}",
            f"the comment period closes ({closes}) before it opens ({opened})")
    issued = dates["issued_on"]
    for column, zh, en in (("deliberated_on", "集体审议", "deliberated"),
                           ("fair_competition_reviewed_on", "公平竞争审查", "reviewed for fair competition"),
                           ("comment_opened_on", "征求意见开始", "put to public comment")):
        day = dates[column]
        if issued and day and day > issued:
            warn(column, f"{zh}日期 {day} 晚于印发日期 {issued}", f"{en} ({day}) after it was issued ({issued})")
    out: dict[str, Any] = {name: dates[name] for name in PROCESS_DATES}
    out["market_related"] = market
    return out


def document_key(issuer: str, title: str, issued_on: date) -> str:
    """The register key of a document without a number: KEY_PREFIX and 16 hex digits of the sha256
    of its issuer, title and issue date (stable across re-imports of the same row)."""
    digest = hashlib.sha256("\x1f".join((issuer.strip(), title.strip(), issued_on.isoformat())).encode()).hexdigest()
    return KEY_PREFIX + digest[:16]


def read_documents(path: Path | str, encoding: str | None = None,
                   laws: LawRegister | None = None) -> list[Row[NormativeDocument]]:
    """Read and validate a register file, duplicate numbers (and keys) within it included."""
    with without_cyclic_gc():
        return list(iter_documents(path, encoding, laws))


def iter_documents(path: Path | str, encoding: str | None = None,
                   laws: LawRegister | None = None) -> Iterator[Row[NormativeDocument]]:
    """The rows of a register file as `read_documents` gives them, read one at a time (streamed)."""
    rows = iter_rows(path, TABLE, row_validator(laws or default_laws()), encoding)
    return _unique_unnumbered(unique_by_column(rows, "number", ("文号", "number"), str(path)), str(path))


def _unique_unnumbered(rows: Iterator[Row[NormativeDocument]], file: str) -> Iterator[Row[NormativeDocument]]:
    """Refuse a row without a number whose issuer, title and issue date an earlier such row has."""
    return unique_by(rows, _unnumbered_key, "number", file,
                     lambda key, first: f"文号：未填写文号，且制定机关、标题、印发日期与第 {first} 行相同"
                                        f" / no number, and the same issuer, title and issued_on as row {first}")


def _unnumbered_key(row: Row[NormativeDocument]) -> str | None:
    """The key a good row without a number is given (KEY_PREFIX…); None for any other row."""
    doc = row.record if row.ok else None
    return doc.number if doc is not None and not doc.numbered else None


def write_rejected(rows: Iterable[Row[Any]], target: Path | str | TextIO) -> None:
    """The rejected rows as a register file: the §3 columns (and the process columns the file had,
    if any) as given, plus `reason`."""
    rows = list(rows)
    given = [c for c in PROCESS_COLUMNS if any(c in r.cells for r in rows)]
    write_rejected_rows(rows, COLUMNS + tuple(given), target)


_copy_plain_columns = copying(c for c in ALL_COLUMNS if c not in ("basis", "sets"))


def _apply(record: NormativeDocumentRecord, doc: NormativeDocument, actor: str, digest: str | None = None) -> None:
    _copy_plain_columns(record, doc, actor, digest)
    record.basis = [{"title": b.title, "version": b.version.isoformat()} for b in doc.basis]
    record.sets = list(doc.sets)


def from_record(record: NormativeDocumentRecord) -> NormativeDocument:
    """The register row of a stored document."""
    return NormativeDocument(
        number=record.number, title=record.title, issuer=record.issuer, issued_on=record.issued_on,
        effective_from=record.effective_from, expires_on=record.expires_on, kind=record.kind,
        legality_reviewed_on=record.legality_reviewed_on, published_on=record.published_on,
        filed_on=record.filed_on,
        basis=tuple(Basis(b["title"], date.fromisoformat(b["version"])) for b in record.basis or []),
        sets=tuple(record.sets or []), status=record.status, last_reviewed_on=record.last_reviewed_on,
        deliberated_on=record.deliberated_on, comment_opened_on=record.comment_opened_on,
        comment_closes_on=record.comment_closes_on, market_related=record.market_related,
        fair_competition_reviewed_on=record.fair_competition_reviewed_on)


REGISTER = Register("number", documents_by_number, NormativeDocumentRecord, _apply, CHAIN_PREFIX, "document",
                    write_rejected)


def import_documents(uow: UnitOfWork, path: Path | str, actor: str, skip_invalid: bool = False,
                     rejected_out: Path | str | TextIO | None = None, encoding: str | None = None,
                     laws: LawRegister | None = None, unit: str | None = None,
                     progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import a §3 register file in the caller's unit of work (the caller commits); new records go to
    `unit` (default: the importer's own, engine/units/scope.acting_unit).

    Raises InputError (nothing stored) for an unreadable file, a bad header, or — without
    `skip_invalid` — any bad row; PermissionDeniedError unless the actor may edit the register.
    """
    return import_file(uow, REGISTER, lambda: iter_documents(path, encoding, laws), path, actor, EDITOR_ROLES, skip_invalid,
                       rejected_out, unit, progress)


# the register as the CLI, the web and the import jobs know it (engine/registers/kinds.py)
REGISTER_KIND = RegisterKind(
    name="documents", noun_zh="文件", measure="件", noun_en="documents", file_stem="normative-documents",
    import_file=import_documents, read_file=read_documents, table=TABLE, example=EXAMPLE,
    export=queries.export_documents, iterate=queries.iter_documents, count=queries.document_count)
