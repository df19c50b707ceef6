"""The administrative-penalty register (行政处罚登记表, CASE_FORMAT §4): CSV import and export.

The register records each penalty decision and what became of its publication on the credit
website and of the party's credit repair (信用修复, SPEC §C). This module reads, validates,
stores and writes it back; judging the repair (periods, eligibility, follow-ups) is the credit
scan's business, not the import's.

Decisions (documented for the lead and for users):
- **All or nothing**, as for the document register: without `skip_invalid` one bad row refuses
  the whole file (InputError with every bad row: row number, column, reason) and nothing is
  stored. With `skip_invalid` the good rows are stored and the bad ones written to
  `rejected_out` (the §4 columns as given, plus `reason`; a cell that would run as a
  spreadsheet formula gets a leading `'` there, since that file is opened to be corrected).
  The caller's unit of work is one transaction: nothing is ever half imported.
- **Re-import updates.** A case number already stored is updated when its row changed (trail
  event `penalty.updated`, with the previous row's sha256) and left alone when identical (no
  event). Stored penalties missing from the file are left alone: a file may be a partial
  register (one authority's penalties). A case number twice in the same file refuses the second row.
- **Refusals** (the row cannot be a true record):
  an empty required field (case_number, party, credit_code, authority, decided_on, category);
  an impossible date; a value outside an enumeration (category, repair_result);
  a credit code failing GB 32100-2015 (length, charset, division digits, the organisation-code
  check and the 18th check character — see `credit_code`; lower case is refused, not fixed);
  a case number over 200 characters, a party or authority name over 200;
  a case number, party or authority beginning with `=`, `+`, `-` or `@` (a formula, not a name);
  a date of the penalty's own life before `decided_on` — `published_on` (publishing a decision
  that does not exist yet), `fulfilled_on` (performing obligations the decision has not yet
  imposed), `repair_applied_on`, `repair_decided_on` (repairing a penalty not yet imposed),
  `revoked_on`, `withdrawn_on`;
  `repair_decided_on` before `repair_applied_on`;
  `repair_result` without `repair_decided_on`, and `repair_decided_on` without `repair_result`
  (a decision has an outcome; guessing it would make the scan take a record down or keep it
  up on no evidence);
  `withdrawn_on` without `published_on` (§4: empty `published_on` means "not published", and
  what was never published cannot be withdrawn), or before `published_on`.
- **Warnings, not refusals** (the row is imported; the warning is printed and kept in the event):
  `commitment_on`, `training_on` or `credit_report_on` before `decided_on` — a commitment letter,
  training certificate or credit report can predate this penalty (one made for an earlier
  repair), so the date is a fact to show; whether such a material counts for this repair is
  for the credit scan to judge. `repair_decided_on` without `repair_applied_on` — the
  application may have gone through 信用中国 and only the result reached the authority.
- **Column order.** The header is matched by name, as for §3: a file with the §4 columns in
  another order is read; export always writes the §4 order.
- **Formula cells on export**: import refuses them in the free-text columns (both registers), so a
  stored row holds none; should one be there (stored before that rule), every CSV written —
  export, download, scan worklist, follow-ups — gives it a leading `'` (engine/registers/csvio.safe_writer).
- Dates are written YYYY-MM-DD; YYYY/M/D and YYYY-M-D (what Excel makes of dates) are accepted
  and exported back as YYYY-MM-DD.
- Every stored change is an event on the chain `penalty:<case_number>` (action
  `penalty.imported` or `penalty.updated`; payload `{"row": {column: text},
  "sha256": sha256(canonical row), "source_row": n, …}`).
- **A follow-up recorded one at a time** (the record page's forms): fulfilment (`fulfilled_on`),
  credit commitment (`commitment_on`), repair decision (`repair_decided_on` with `repair_result`),
  withdrawal of the publication (`withdrawn_on`) — SPEC §C, the columns of §4. Each fills columns
  still empty (a stored date is corrected by importing the register again, where the change is
  seen whole), never a day after `today`, and the whole row is then checked exactly as an
  imported row is (`validate_row`: a fulfilment before the decision, a repair decided before its
  application, a withdrawal of what was never published are refused the same way). Same roles
  as the import; the event is `penalty.<kind>` (FOLLOW_UP_EVENTS) with the columns filled, the
  row and its digests before and after.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import date
from json.encoder import encode_basestring  # how canonical JSON writes a text
from pathlib import Path
from typing import Any, TextIO

from engine.accounts.access import require_role
from engine.core.errors import InputError, Problem
from engine.credit import queries
from engine.credit.credit_code import MASK, credit_code_problems, is_masked
from engine.credit.models import CATEGORIES, NAME_MAX, REPAIR_RESULTS, SECTOR_MAX, PenaltyRecordRow
from engine.credit.queries import penalties_by_number, penalty_by_number
from engine.registers.csvio import (
    FORMULA_STARTS,
    Column,
    ImportResult,
    Row,
    RowCheck,
    formula_problem,
    iso_date,
    iter_rows,
    names,
    parse_date,
    unique_by_column,
    where,
    without_cyclic_gc,
    write_rejected,
)
from engine.registers.imports import Register, copying, import_file, row_digest
from engine.registers.kinds import RegisterKind
from engine.registers.listing import NUMBER_MAX
from engine.store.uow import UnitOfWork
from engine.trail import append_event

# the register's columns, CASE_FORMAT §4: English name · 中文列名 (· optional) — the one table of them.
# `sector` (行业领域, optional): the field of the penalty, for the regimes whose periods differ by
# sector (the rule files' `sector_periods`); a file without it is read as before.
TABLE = (
    Column("case_number", "处罚决定书文号"),
    Column("party", "当事人"),
    Column("credit_code", "统一社会信用代码"),
    Column("authority", "处罚机关"),
    Column("decided_on", "处罚决定日期"),
    Column("category", "失信程度"),
    Column("published_on", "公示日期"),
    Column("fulfilled_on", "履行完毕日期"),
    Column("commitment_on", "信用承诺日期"),
    Column("training_on", "信用修复培训日期"),
    Column("credit_report_on", "信用报告日期"),
    Column("repair_applied_on", "修复申请日期"),
    Column("repair_decided_on", "修复决定日期"),
    Column("repair_result", "修复结果"),
    Column("revoked_on", "撤销或变更日期"),
    Column("withdrawn_on", "撤下公示日期"),
    Column("sector", "行业领域", optional=True),
)
COLUMNS = names(TABLE)
COLUMN_ZH = {c.name: c.zh for c in TABLE}
OPTIONAL = tuple(c.name for c in TABLE if c.optional)
# the template's example row (`yifa credit template`, the import page's template download)
EXAMPLE = {"case_number": "宁河综执罚〔2021〕12号", "party": "天津市宁河区某某商贸有限公司",
           "credit_code": "91120221MA05T6XX64", "authority": "天津市宁河区岳龙镇人民政府",
           "decided_on": "2021-05-10", "category": "general", "published_on": "2021-05-17",
           "fulfilled_on": "2021-06-01", "commitment_on": "", "training_on": "", "credit_report_on": "",
           "repair_applied_on": "", "repair_decided_on": "", "repair_result": "", "revoked_on": "",
           "withdrawn_on": "", "sector": "市场监管"}
REQUIRED = ("case_number", "party", "credit_code", "authority", "decided_on", "category")
DATE_COLUMNS = ("decided_on", "published_on", "fulfilled_on", "commitment_on", "training_on",
                "credit_report_on", "repair_applied_on", "repair_decided_on", "revoked_on", "withdrawn_on")
# acts on the penalty itself: none can happen before the decision exists (refused)
AFTER_DECISION = ("published_on", "fulfilled_on", "repair_applied_on", "repair_decided_on",
                  "revoked_on", "withdrawn_on")
# the party's repair materials: may predate this penalty (warned)
MATERIALS = ("commitment_on", "training_on", "credit_report_on")
TEXT_LIMITS = {"case_number": NUMBER_MAX, "party": NAME_MAX, "authority": NAME_MAX, "sector": SECTOR_MAX}
EDITOR_ROLES = ("official", "legality_reviewer", "admin")
CHAIN_PREFIX = "penalty:"


_ROW_SHAPE = tuple((name, name in DATE_COLUMNS) for name in COLUMNS)


@dataclass(frozen=True, slots=True)      # a million of them are held by a file scan
class PenaltyRecord:
    """One row of the register, exactly the columns of CASE_FORMAT §4."""

    case_number: str
    party: str
    credit_code: str
    authority: str
    decided_on: date
    category: str
    published_on: date | None
    fulfilled_on: date | None
    commitment_on: date | None
    training_on: date | None
    credit_report_on: date | None
    repair_applied_on: date | None
    repair_decided_on: date | None
    repair_result: str | None
    revoked_on: date | None
    withdrawn_on: date | None
    sector: str | None = None

    @property
    def masked(self) -> bool:
        """Whether the credit code is masked as public records show it (9141010*********8X)."""
        return is_masked(self.credit_code)

    def to_row(self) -> dict[str, str]:
        """The CSV cells of this penalty, canonical (ISO dates, empty for none)."""
        row: dict[str, str] = {}
        for name, is_date in _ROW_SHAPE:         # a million rows are written by an import: no isinstance
            value = getattr(self, name)
            row[name] = "" if value is None else value.isoformat() if is_date else value
        return row

    def sha256(self) -> str:
        """The row's digest (`penalty_digest`)."""
        return penalty_digest(self.to_row())


def penalty_digest(row: dict[str, str]) -> str:
    """The digest of a penalty's row (`to_row()`); an empty optional column is left out, so a row
    stored before the column existed keeps its digest (and is "unchanged" when imported again)."""
    return row_digest({k: v for k, v in row.items() if v or k not in OPTIONAL})


# an empty optional column's member in a row's canonical JSON: never the first (the keys are sorted)
_EMPTY_MEMBERS = tuple((k, "," + encode_basestring(k) + ':""') for k in OPTIONAL)
assert min(COLUMNS) not in OPTIONAL


def penalty_digest_text(row: dict[str, str], text: str) -> str:
    """The text `penalty_digest` hashes, from the row's canonical JSON (`engine.trail.canonical_row`):
    that text less each empty optional column's member `,"sector":""` — which, every quote inside
    a text being escaped (`\\"`), can be nothing else there."""
    for column, member in _EMPTY_MEMBERS:
        if column in row and not row[column]:
            text = text.replace(member, "", 1)
    return text


def validate_row(cells: dict[str, str], n: int, file: str):
    """Validate one §4 row: (PenaltyRecord or None, problems, warnings)."""
    v = {k: (cells.get(k) or "").strip() for k in COLUMNS}
    plain = _plain_record(v)
    if plain is not None:            # nothing to say about the row
        return plain[0], [], []
    return _checked_row(v, n, file)


def validate_imported_row(cells: dict[str, str], n: int, file: str):
    """`validate_row` for an import: (PenaltyRecord or None, problems, warnings, its row), the row
    the record's `to_row()` — when its stripped cells are that already (a row with nothing to say
    about it, every date written YYYY-MM-DD: nearly every row), else None. The import then need
    not write the record back into cells (engine/registers/imports._ready)."""
    v = {k: (cells.get(k) or "").strip() for k in COLUMNS}
    plain = _plain_record(v)
    if plain is not None:
        return plain[0], [], [], v if plain[1] else None
    return (*_checked_row(v, n, file), None)


def _checked_row(v: dict[str, str], n: int, file: str):
    """Every check of a row's stripped cells `v`, each problem and warning named:
    (PenaltyRecord or None, problems, warnings)."""
    check = RowCheck(file, n, COLUMN_ZH)
    _check_required(v, check)
    _check_texts(v, check)
    for message in (credit_code_problems(v["credit_code"]) if v["credit_code"] else []):
        check.problems.append(Problem(file, where(n, "credit_code"), message))
    if v["credit_code"] and is_masked(v["credit_code"]) and not credit_code_problems(v["credit_code"]):
        check.warn("credit_code", "已脱敏（含 *），按脱敏代码登记，校验位无法核对",
                   "masked (contains *): registered as masked; its check characters cannot be verified")
    dates = _parse_dates(v, check)
    _check_enums(v, check)
    _check_order(dates, check)
    _check_repair(v, dates, check)
    if check.problems:
        return None, check.problems, check.warnings
    record = PenaltyRecord(
        case_number=v["case_number"], party=v["party"], credit_code=sys.intern(v["credit_code"]),
        authority=sys.intern(v["authority"]), category=sys.intern(v["category"]),
        repair_result=sys.intern(v["repair_result"]) if v["repair_result"] else None,
        sector=sys.intern(v["sector"]) if v["sector"] else None,
        **dates)  # type: ignore[arg-type]
    return record, [], check.warnings


_AFTER = tuple(DATE_COLUMNS.index(c) - 1 for c in AFTER_DECISION + MATERIALS)   # in DATE_COLUMNS[1:]
assert sorted(_AFTER) == list(range(len(DATE_COLUMNS) - 1))     # `_plain_record` checks each of them


def _plain_record(v: dict[str, str]) -> tuple[PenaltyRecord, bool] | None:
    """(the record, whether `v` is its row) of a row `validate_row` would find neither a problem
    nor a warning in, or None (the row is then checked in full, each problem and warning named).
    The same conditions as the checks below, tested at once: a register's rows are nearly all like
    that, a million per file. `v` is the record's row (`to_row()`) when each of its dates is
    written as its ISO text; its texts are then the record's own (interned alike)."""
    number, party, code, authority, category = v["case_number"], v["party"], v["credit_code"], \
        v["authority"], v["category"]
    sector, result = v["sector"], v["repair_result"]
    if not (number and party and code and authority and v["decided_on"] and category) \
            or len(number) > NUMBER_MAX or len(party) > NAME_MAX or len(authority) > NAME_MAX \
            or len(sector) > SECTOR_MAX or number.startswith(FORMULA_STARTS) or party.startswith(FORMULA_STARTS) \
            or authority.startswith(FORMULA_STARTS) or sector.startswith(FORMULA_STARTS) \
            or MASK in code or credit_code_problems(code) \
            or category not in CATEGORIES or (result and result not in REPAIR_RESULTS):
        return None                  # (stripped cells: a formula is one that starts with = + - @)
    decided = iso_date(v["decided_on"])
    iso = decided is not None
    if decided is None:
        decided = parse_date(v["decided_on"])
        if decided is None:
            return None
    later: list[date | None] = []
    for column in DATE_COLUMNS[1:]:          # each after the decision (_AFTER: all of them)
        text = v[column]
        if text:
            day = iso_date(text)
            if day is None:
                iso = False
                day = parse_date(text)
                if day is None:
                    return None
            if day < decided:
                return None
            later.append(day)
        else:
            later.append(None)
    published, applied, repaired, withdrawn = later[0], later[5], later[6], later[8]
    if bool(result) != (repaired is not None) \
            or (repaired is not None and (applied is None or repaired < applied)) \
            or (withdrawn is not None and (published is None or withdrawn < published)):
        return None
    record = PenaltyRecord(number, party, sys.intern(code), sys.intern(authority), decided, sys.intern(category),
                           published, later[1], later[2], later[3], later[4], applied, repaired,
                           sys.intern(result) if result else None, later[7], withdrawn,
                           sys.intern(sector) if sector else None)
    if iso:
        v["credit_code"], v["authority"], v["category"] = record.credit_code, record.authority, record.category
        if result:
            v["repair_result"] = record.repair_result                       # type: ignore[assignment]
        if sector:
            v["sector"] = record.sector                                     # type: ignore[assignment]
    return record, iso


def _check_required(v: dict[str, str], check: RowCheck) -> None:
    for column in REQUIRED:
        if not v[column]:
            check.bad(column, "必填，不得为空", "required, must not be empty")


def _check_texts(v: dict[str, str], check: RowCheck) -> None:
    """Lengths the store can index, and no cell a spreadsheet would run as a formula."""
    for column, limit in TEXT_LIMITS.items():
        if len(v[column]) > limit:
            check.bad(column, f"过长（{len(v[column])} 字，上限 {limit} 字）",
                      f"too long ({len(v[column])} characters, at most {limit})")
        formula = formula_problem(v[column])
        if formula:
            check.bad(column, *formula)


def _parse_dates(v: dict[str, str], check: RowCheck) -> dict[str, date | None]:
    dates: dict[str, date | None] = {}
    for column in DATE_COLUMNS:
        dates[column] = parse_date(v[column]) if v[column] else None
        if v[column] and dates[column] is None:
            check.bad(column, f"日期无效 {v[column]!r}，应为 YYYY-MM-DD",
                      f"invalid date {v[column]!r}, expected YYYY-MM-DD")
    return dates


def _check_enums(v: dict[str, str], check: RowCheck) -> None:
    for column, allowed in (("category", CATEGORIES), ("repair_result", REPAIR_RESULTS)):
        if v[column] and v[column] not in allowed:
            words = " | ".join(allowed) + (" | 空 empty" if column == "repair_result" else "")
            check.bad(column, f"取值无效 {v[column]!r}，应为 {words} 之一",
                      f"invalid value {v[column]!r}, expected one of {words}")


def _check_order(dates: dict[str, date | None], check: RowCheck) -> None:
    """Dates of the penalty's life cannot precede the decision; repair materials may (warning)."""
    decided = dates["decided_on"]
    if decided is None:
        return
    for column in AFTER_DECISION:
        when = dates[column]
        if when is not None and when < decided:
            check.bad(column, f"{when} 早于处罚决定日期 {decided}", f"{when} is before the decision ({decided})")
    for column in MATERIALS:
        when = dates[column]
        if when is not None and when < decided:
            check.warn(column, f"{when} 早于处罚决定日期 {decided}，该材料可能不属于本次修复",
                       f"{when} is before the decision ({decided}); the material may belong to another repair")


def _check_repair(v: dict[str, str], dates: dict[str, date | None], check: RowCheck) -> None:
    """A repair decision has a date and an outcome, after its application; a withdrawal follows a publication."""
    applied, decided = dates["repair_applied_on"], dates["repair_decided_on"]
    if v["repair_result"] and not v["repair_decided_on"]:
        check.bad("repair_result", f"已填修复结果 {v['repair_result']}，但没有修复决定日期",
                  f"a result ({v['repair_result']}) without repair_decided_on")
    if v["repair_decided_on"] and not v["repair_result"]:
        check.bad("repair_result", f"已填修复决定日期 {v['repair_decided_on']}，但没有修复结果（granted 或 refused）",
                  f"repair decided on {v['repair_decided_on']} without a result (granted or refused)")
    if applied and decided and decided < applied:
        check.bad("repair_decided_on", f"{decided} 早于修复申请日期 {applied}",
                  f"{decided} is before the application ({applied})")
    if decided and not v["repair_applied_on"]:
        check.warn("repair_decided_on", "有修复决定但未登记修复申请日期",
                   "a repair decision without a recorded application date")
    published, withdrawn = dates["published_on"], dates["withdrawn_on"]
    if v["withdrawn_on"] and not v["published_on"]:
        check.bad("withdrawn_on", "未登记公示日期（即未公示），不能撤下公示",
                  "no published_on (i.e. never published): nothing to withdraw")
    elif published and withdrawn and withdrawn < published:
        check.bad("withdrawn_on", f"{withdrawn} 早于公示日期 {published}",
                  f"{withdrawn} is before the publication ({published})")


def read_penalties(path: Path | str, encoding: str | None = None) -> list[Row[PenaltyRecord]]:
    """Read and validate a register file, duplicate case numbers within it included."""
    with without_cyclic_gc():
        return list(iter_penalties(path, encoding))


def iter_penalties(path: Path | str, encoding: str | None = None) -> Iterator[Row[PenaltyRecord]]:
    """The rows of a register file as `read_penalties` gives them, read one at a time (streamed)."""
    rows = iter_rows(path, TABLE, validate_row, encoding)
    return unique_by_column(rows, "case_number", (COLUMN_ZH["case_number"], "case number"), str(path))


def _imported_rows(path: Path | str, encoding: str | None = None) -> Iterator[Row[PenaltyRecord]]:
    """`iter_penalties` for an import: each row with nothing to say about it also holds its record's
    row (`Row.canonical`, `validate_imported_row`); a row is let go once stored, never kept."""
    rows = iter_rows(path, TABLE, validate_imported_row, encoding)
    return unique_by_column(rows, "case_number", (COLUMN_ZH["case_number"], "case number"), str(path))


def from_record(record: PenaltyRecordRow) -> PenaltyRecord:
    """The register row of a stored penalty."""
    return PenaltyRecord(**{f.name: getattr(record, f.name) for f in fields(PenaltyRecord)})


def _write_rejected(rows: list[Row[Any]], target: Path | str | TextIO) -> None:
    """The rejected rows: the columns as given (an optional one when the file had it), plus `reason`."""
    given = [c.name for c in TABLE if not c.optional or any(c.name in r.cells for r in rows)]
    write_rejected(rows, given, target)


# the stored row takes the record's columns, its digest and who changed it; each column is the row's
# cell of its name (`to_row()`), None when empty
_apply = copying(COLUMNS, cells=True)


REGISTER = Register("case_number", penalties_by_number, PenaltyRecordRow, _apply, CHAIN_PREFIX, "penalty",
                    _write_rejected, penalty_digest, penalty_digest_text)


def import_penalties(uow: UnitOfWork, path: Path | str, actor: str, skip_invalid: bool = False,
                     rejected_out: Path | str | TextIO | None = None,
                     encoding: str | None = None, unit: str | None = None,
                     progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import a §4 register file in the caller's unit of work (the caller commits); new records go to
    `unit` (default: the importer's own, engine/units/scope.acting_unit).

    Raises InputError (nothing stored) for an unreadable file, a bad header, or — without
    `skip_invalid` — any bad row; PermissionDeniedError unless the actor may edit the register.
    """
    return import_file(uow, REGISTER, lambda: _imported_rows(path, encoding), path, actor, EDITOR_ROLES, skip_invalid,
                       rejected_out, unit, progress)


# a follow-up recorded on the record page → the §4 columns it fills, and its trail event
FOLLOW_UP_COLUMNS = {"fulfilment": ("fulfilled_on",), "commitment": ("commitment_on",),
                     "repair_decision": ("repair_decided_on", "repair_result"), "withdrawal": ("withdrawn_on",)}
FOLLOW_UP_EVENTS = {"fulfilment": "penalty.fulfilment_recorded", "commitment": "penalty.commitment_recorded",
                    "repair_decision": "penalty.repair_decided", "withdrawal": "penalty.withdrawn"}


def record_fulfilment(uow: UnitOfWork, case_number: str, fulfilled_on: str, actor: str,
                      today: date) -> PenaltyRecordRow:
    """Record that the party performed the penalty's obligations (履行完毕, SPEC §C)."""
    return _record_follow_up(uow, case_number, "fulfilment", {"fulfilled_on": fulfilled_on}, actor, today)


def record_commitment(uow: UnitOfWork, case_number: str, commitment_on: str, actor: str,
                      today: date) -> PenaltyRecordRow:
    """Record the party's credit commitment (信用承诺, SPEC §C)."""
    return _record_follow_up(uow, case_number, "commitment", {"commitment_on": commitment_on}, actor, today)


def record_repair_decision(uow: UnitOfWork, case_number: str, repair_decided_on: str, repair_result: str,
                           actor: str, today: date) -> PenaltyRecordRow:
    """Record the decision on a credit-repair application (信用修复决定): its day and result."""
    return _record_follow_up(uow, case_number, "repair_decision",
                             {"repair_decided_on": repair_decided_on, "repair_result": repair_result}, actor, today)


def record_withdrawal(uow: UnitOfWork, case_number: str, withdrawn_on: str, actor: str,
                      today: date) -> PenaltyRecordRow:
    """Record that the publication was taken down or withdrawn (撤下公示)."""
    return _record_follow_up(uow, case_number, "withdrawal", {"withdrawn_on": withdrawn_on}, actor, today)


def _record_follow_up(uow: UnitOfWork, case_number: str, kind: str, given: dict[str, str], actor: str,
                      today: date) -> PenaltyRecordRow:
    """Fill the follow-up's columns of one stored penalty and append its event (flushed, not committed).

    InputError names each refused column (`Problem.path` is the column) — nothing is stored then.
    """
    require_role(uow.session, actor, EDITOR_ROLES)
    chain = CHAIN_PREFIX + case_number
    stored = penalty_by_number(uow.session, case_number)
    if stored is None:
        raise InputError.single(chain, f"登记表中没有文号为 {case_number[:NUMBER_MAX]} 的处罚决定 / "
                                       f"no penalty numbered {case_number[:NUMBER_MAX]}", "case_number")
    require_role(uow.session, actor, EDITOR_ROLES, stored.unit_code)
    before = from_record(stored)
    values = {k: v.strip() for k, v in given.items()}
    problems = _follow_up_problems(chain, before, values, today)
    record = None
    if not problems:
        record, found, _ = validate_row(before.to_row() | values, 1, chain)
        problems = [Problem(chain, _column_of(p.path, tuple(values)), p.message) for p in found]
    if problems or record is None:
        raise InputError(problems)
    previous = stored.row_sha256
    _apply(stored, record, actor)
    uow.session.flush()
    append_event(uow.session, chain, actor, FOLLOW_UP_EVENTS[kind],
                 {"recorded": values, "row": record.to_row(), "sha256": stored.row_sha256,
                  "previous_sha256": previous})
    return stored


def _follow_up_problems(chain: str, before: PenaltyRecord, values: dict[str, str], today: date) -> list[Problem]:
    """What a follow-up form is refused for before the row is checked: empty, already recorded, in the future."""
    problems: list[Problem] = []

    def bad(column: str, zh: str, en: str) -> None:
        problems.append(Problem(chain, column, f"{COLUMN_ZH[column]}：{zh} / {en}"))

    for column, text in values.items():
        current = getattr(before, column)
        if not text:
            bad(column, "必填，不得为空", "required, must not be empty")
        elif current is not None:
            shown = current.isoformat() if isinstance(current, date) else current
            bad(column, f"已登记为 {shown}；如需更正，请重新导入登记表",
                f"already recorded as {shown}; to correct it, import the register again")
        elif column in DATE_COLUMNS and (day := parse_date(text)) is not None and day > today:
            bad(column, f"{day} 晚于今天（{today}），不能登记尚未发生的事",
                f"{day} is after today ({today}): what has not happened cannot be recorded")
    return problems


def _column_of(path: str, columns: tuple[str, ...]) -> str:
    """The column a row problem names ("row 1, withdrawn_on"), or the form's first column."""
    column = path.rpartition(", ")[2]
    return column if column in columns else columns[0]


# the register as the CLI, the web and the import jobs know it (engine/registers/kinds.py)
REGISTER_KIND = RegisterKind(
    name="penalties", noun_zh="处罚记录", measure="条", noun_en="penalties", file_stem="penalties",
    import_file=import_penalties, read_file=read_penalties, table=TABLE, example=EXAMPLE,
    export=queries.export_penalties, iterate=queries.iter_penalties, count=queries.penalty_count)
