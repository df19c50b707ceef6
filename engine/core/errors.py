"""Every error of the engine, in one place: its HTTP status, stable code, exit status and its
Chinese and English text (the input problems they list are in engine/core/problems.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import ClassVar

# the input problems live beside; importable from here as before
from engine.core.problems import (  # noqa: F401
    ROOT,
    Problem,
    describe,
    format_path,
    problems_from_errors,
    translate,
)

EXIT_REFUSED, EXIT_INPUT = 1, 2   # the command line's exit statuses: refused by the procedure, bad input


class YifaError(Exception):
    """Every error the engine raises on purpose: its HTTP status, a stable code, the command line's
    exit status (1 refused by the procedure, 2 bad input or an unknown thing) and its Chinese and
    English text, rendered from the instance's fields (`zh`/`en` are templates for `str.format`)."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    exit: ClassVar[int] = EXIT_INPUT
    zh: ClassVar[str] = "内部错误"
    en: ClassVar[str] = "internal error"

    def message(self, lang: str) -> str:
        """The one-sentence message in "zh" or "en"."""
        return (self.zh if lang == "zh" else self.en).format_map(vars(self))

    @property
    def message_zh(self) -> str:
        return self.message("zh")

    @property
    def message_en(self) -> str:
        return self.message("en")

    def details(self) -> list[str]:
        """Further lines under the sentence (the rules that close a gate, …)."""
        return []

    def __str__(self) -> str:
        return "\n".join([f"{self.message_zh} / {self.message_en}", *self.details()])


class InputError(YifaError):
    """An input file could not be read or does not follow the public format; lists every problem."""

    status, code = 400, "invalid_input"
    zh, en = "输入有误，请按下列问题修改", "The input has problems; please correct them"

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(list(self.problems))

    @classmethod
    def single(
        cls, file: str, message: str, path: str = ROOT, line: int | None = None
    ) -> InputError:
        """Build an error holding one problem."""
        return cls([Problem(file, path, message, line)])

    def details(self) -> list[str]:
        return [str(problem) for problem in self.problems]

    def __str__(self) -> str:
        return "\n".join(self.details())


# ---------------------------------------------------------------- input files that are not cases


class RulebookError(InputError):
    """The rule files have problems; nothing is checked against a broken rulebook."""

    code = "invalid_rulebook"
    zh, en = "规则文件有误", "The rule files have problems"


class WorkflowError(InputError):
    """rules/workflow.yaml does not describe a lawful procedure; nothing is moved along it."""

    code = "invalid_workflow"
    zh, en = "程序流程文件有误", "rules/workflow.yaml has problems"


class ConditionError(YifaError):
    """A condition that cannot be read; `path` locates it inside the rule (tuple of keys)."""

    status, code = 400, "invalid_condition"
    zh, en = "{problem_zh}", "{problem_en}"

    def __init__(self, path: tuple, problem_zh: str, problem_en: str) -> None:
        self.path, self.problem_zh, self.problem_en = path, problem_zh, problem_en
        super().__init__(path, problem_zh, problem_en)


class CalendarFileError(YifaError):
    """A calendar data file is malformed; the message names the file and the field."""

    status, code = 500, "invalid_calendar_file"
    zh, en = "{path}: {field}: {problem_zh}", "{path}: {field}: {problem_en}"

    def __init__(self, path: Path | str, field: str, problem_zh: str, problem_en: str) -> None:
        self.path, self.field = Path(path), field
        self.problem_zh, self.problem_en = problem_zh, problem_en
        super().__init__(path, field, problem_zh, problem_en)

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.problem_zh} / {self.problem_en}"


class CalendarUnknownError(YifaError):
    """A period touches a year with no known working-day arrangement."""

    status, code = 400, "calendar_unknown"
    zh, en = "工作日安排未知：{year}年", "working-day arrangement unknown for {year}"

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(year)


# ---------------------------------------------------------------- refusals of the use cases


class PermissionDeniedError(YifaError):
    """The actor may not do this; the message says who may."""

    status, code = 403, "forbidden"
    zh, en = "{reason_zh}", "{reason_en}"

    def __init__(self, reason_zh: str, reason_en: str) -> None:
        self.reason_zh, self.reason_en = reason_zh, reason_en
        super().__init__(reason_zh, reason_en)


class UnknownCaseError(YifaError):
    """No case has this id."""

    status, code = 404, "unknown_case"
    zh, en = "未知案件 {case_id}", "unknown case {case_id}"

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        super().__init__(case_id)


class UnknownTrailError(UnknownCaseError):
    """Neither a case nor an audit trail has this id."""

    code = "unknown_trail"
    zh, en = "未知案件 {case_id}：既无案卷也无审计链", "unknown case {case_id}: no case and no trail"


class UnknownStageError(YifaError):
    """A stage id that the workflow does not have."""

    status, code = 400, "unknown_stage"
    zh, en = "未知阶段 {stage!r}，可用：{known}", "unknown stage, known: {known}"

    def __init__(self, stage: str, known: Iterable[str]) -> None:
        self.stage, self.known = stage, ", ".join(known := tuple(known))
        super().__init__(stage, known)


class UnknownRulebookVersionError(YifaError):
    """A case was judged by a rulebook version that the store does not hold."""

    status, code = 404, "unknown_rulebook_version"
    zh, en = "未保存的规则库版本 {version}", "rulebook version {version} is not stored"

    def __init__(self, version: str) -> None:
        self.version = version
        super().__init__(version)


class UnknownDocumentError(YifaError):
    """No document has this number."""

    status, code = 404, "unknown_document"
    zh, en = "登记表中没有文号为 {number} 的文件", "no document numbered {number}"

    def __init__(self, number: str) -> None:
        self.number = number
        super().__init__(number)


class ConflictError(YifaError):
    """Someone changed the case since it was read: their change is kept, this one is refused
    (like a closed gate: exit 1, HTTP 409, on SQLite and PostgreSQL alike)."""

    status, code, exit = 409, "conflict", EXIT_REFUSED
    zh = "案件 {case_id} 已被他人修改（读取时为第 {expected} 版，现为第 {actual} 版）"
    en = "case {case_id} was changed by someone else (read at version {expected}, now {actual})"

    def __init__(self, case_id: str, expected: int, actual: int, changes: list[str] | None = None) -> None:
        self.case_id, self.expected, self.actual, self.changes = case_id, expected, actual, changes
        super().__init__(case_id, expected, actual, changes)

    def __str__(self) -> str:
        said = f"{self.message_zh}/ {self.message_en}"
        return said if self.changes is None else f"{said}：{'；'.join(self.changes) or '（无详情）'}"


class WrittenMeanwhileError(YifaError):
    """A bulk write (a register import) met rows another transaction stored meanwhile — the same
    register imported twice at once: refused whole, nothing of it stored; the other one is kept."""

    status, code, exit = 409, "written_meanwhile", EXIT_REFUSED
    zh = "{table}：另一项导入或修改同时写入了相同的记录（{detail}）；本次未保存任何内容，请稍后重试"
    en = "{table}: another import or change wrote the same records meanwhile ({detail}); nothing was stored, try again"

    def __init__(self, table: str, detail: str) -> None:
        self.table, self.detail = table, detail
        super().__init__(table, detail)


class EditConflictError(YifaError):
    """The file changed since the editor read it: their change is kept, this one is refused."""

    status, code, exit = 409, "edit_conflict", EXIT_REFUSED
    zh = "规则文件 {rel_path} 已被他人修改，请重新打开后再改"
    en = "the rule file {rel_path} was changed by someone else; reopen it and edit again"

    def __init__(self, rel_path: str) -> None:
        self.rel_path = rel_path
        self.changes: list[str] = []
        super().__init__(rel_path)


class CheckpointError(YifaError):
    """A trail checkpoint or its key cannot be used (unreadable, malformed, forged); the message says why."""

    status, code = 400, "checkpoint_unusable"
    zh, en = "{problem_zh}", "{problem_en}"

    def __init__(self, problem_zh: str, problem_en: str) -> None:
        self.problem_zh, self.problem_en = problem_zh, problem_en
        super().__init__(problem_zh, problem_en)

    def __str__(self) -> str:
        return f"{self.problem_zh} / {self.problem_en}"


class GateClosedError(YifaError):
    """Entry to a stage refused: the gate rules it violates, with their articles."""

    status, code, exit = 409, "gate_closed", EXIT_REFUSED
    zh = "案件 {case_id} 不得进入「{stage_zh}」阶段"
    en = "case {case_id} may not enter {stage_en} ({stage})"

    def __init__(self, case_id: str, stage: str, blockers: list[dict], stage_zh: str = "",
                 stage_en: str = "", lines: Sequence[str] = ()) -> None:
        self.case_id, self.stage, self.blockers = case_id, stage, blockers
        self.stage_zh, self.stage_en, self.lines = stage_zh or stage, stage_en or stage, list(lines)
        super().__init__(case_id, stage, blockers, self.stage_zh, self.stage_en, self.lines)

    def details(self) -> list[str]:
        return self.lines

    def __str__(self) -> str:
        return "\n".join([f"{self.message_zh} / {self.message_en}:", *self.details()])


class StageOrderError(YifaError):
    """A stage entered before the stages that must come first (or when none may be entered)."""

    status, code, exit = 409, "stage_order", EXIT_REFUSED
    zh, en = "{reason_zh}", "{reason_en}"

    def __init__(self, reason_zh: str, reason_en: str) -> None:
        self.reason_zh, self.reason_en = reason_zh, reason_en
        super().__init__(reason_zh, reason_en)


# ---------------------------------------------------------------- the machinery


class DatabaseNotReadyError(YifaError):
    """The configured database has no schema yet."""

    status, code = 503, "database_not_ready"
    zh = "数据库尚未初始化，请先运行 yifa db upgrade"
    en = "the database has no schema yet: run `yifa db upgrade` ({url})"

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(url)


class DurableUnavailableError(YifaError):
    """durable-rules cannot be imported on this interpreter."""

    status, code = 503, "engine_unavailable"
    zh, en = "durable-rules 无法导入（{reason}）", "durable-rules cannot be imported ({reason})"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class DurableEngineError(YifaError):
    """The engine reported an error while evaluating (never silently ignored)."""

    status, code = 500, "engine_error"
    zh, en = "规则引擎求值出错：{reason}", "the rule engine failed: {reason}"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class MailError(YifaError):
    """The mail server (YIFA_SMTP_HOST) could not be reached or refused to send."""

    status, code = 503, "mail_unavailable"
    zh = "无法通过邮件服务器 {server} 发送：{reason}"
    en = "cannot send through the mail server {server}: {reason}"

    def __init__(self, server: str, reason: str) -> None:
        self.server, self.reason = server, reason
        super().__init__(server, reason)
