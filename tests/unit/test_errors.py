"""Every error of the engine: its status, code, exit status and text, and how the CLI says it."""
from __future__ import annotations

import inspect
import pickle
import re
from pathlib import Path

import pytest

import engine.cli as cli
from engine.cli.errors import exit_code_for, message_for
from engine.core import errors
from engine.core.errors import Problem, YifaError

ERRORS = sorted((cls for _, cls in inspect.getmembers(errors, inspect.isclass)
                 if issubclass(cls, YifaError) and cls is not YifaError), key=lambda c: c.__name__)

# one instance of each, built as the engine builds it
SAMPLES = {
    errors.InputError: lambda: errors.InputError.single("case.yaml", "应为文本 / expected text", "title", 3),
    errors.RulebookError: lambda: errors.RulebookError([Problem("rules/a.yaml", "rules[0]", "缺少 / missing")]),
    errors.WorkflowError: lambda: errors.WorkflowError([Problem("rules/workflow.yaml", "stages", "空 / empty")]),
    errors.ConditionError: lambda: errors.ConditionError(("all", 0), "未知的事实 'x'", "unknown fact path"),
    errors.CalendarFileError: lambda: errors.CalendarFileError(Path("2027.yaml"), "year", "应与文件名一致",
                                                               "must equal the file name"),
    errors.CalendarUnknownError: lambda: errors.CalendarUnknownError(2031),
    errors.PermissionDeniedError: lambda: errors.PermissionDeniedError("用户 x 无权进行此操作", "user x lacks the role"),
    errors.UnknownCaseError: lambda: errors.UnknownCaseError("NOPE-1"),
    errors.UnknownTrailError: lambda: errors.UnknownTrailError("NOPE-2"),
    errors.UnknownStageError: lambda: errors.UnknownStageError("nowhere", ["initiation", "hearing"]),
    errors.UnknownRulebookVersionError: lambda: errors.UnknownRulebookVersionError("sha256:00"),
    errors.UnknownDocumentError: lambda: errors.UnknownDocumentError("宁政发〔2020〕1号"),
    errors.ConflictError: lambda: errors.ConflictError("C-1", 1, 2),
    errors.EditConflictError: lambda: errors.EditConflictError("CN/decree.yaml"),
    errors.WrittenMeanwhileError: lambda: errors.WrittenMeanwhileError("penalty_records", "duplicate key"),
    errors.CheckpointError: lambda: errors.CheckpointError("cp.json: 签名无效", "cp.json: the signature does not verify"),
    errors.GateClosedError: lambda: errors.GateClosedError("C-1", "collective_decision", [{"rule": "MAD-LEG-01"}],
                                                           "集体讨论决定", "collective decision",
                                                           ["  ✗ MAD-LEG-01 《条例》第二十五条：未经合法性审查"]),
    errors.StageOrderError: lambda: errors.StageOrderError("案件 C-1 已中止执行", "case C-1 is suspended"),
    errors.DatabaseNotReadyError: lambda: errors.DatabaseNotReadyError("sqlite:///x.db"),
    errors.DurableUnavailableError: lambda: errors.DurableUnavailableError("ImportError: no module"),
    errors.DurableEngineError: lambda: errors.DurableEngineError("two verdicts fired for R-1"),
    errors.MailError: lambda: errors.MailError("127.0.0.1:25", "Connection refused"),
}
REFUSED_BY_THE_PROCEDURE = {errors.GateClosedError, errors.StageOrderError, errors.ConflictError,
                             errors.EditConflictError, errors.WrittenMeanwhileError}    # a version conflict is refused like a gate


def test_every_error_class_is_in_the_table_of_samples():
    assert set(SAMPLES) == set(ERRORS)


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_every_error_has_a_status_a_code_and_both_texts(cls):
    assert cls.status in (400, 403, 404, 409, 500, 503)
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*", cls.code)
    assert cls.zh.strip() and cls.en.strip() and cls.exit in (1, 2)


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_no_error_is_one_of_pythons_own(cls):
    assert not issubclass(cls, (OSError, ValueError, LookupError, RuntimeError, TypeError))


def test_the_codes_are_distinct():
    codes = [cls.code for cls in ERRORS]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_an_instance_says_itself_in_chinese_and_in_english(cls):
    error = SAMPLES[cls]()
    zh, en = error.message("zh"), error.message("en")
    assert zh and en and zh != en and " / " not in zh + en
    assert zh == error.message_zh and en == error.message_en
    if not cls.zh.startswith("{"):                 # a fixed sentence, not one given by the raiser
        assert re.search(r"[\u4e00-\u9fff]", cls.zh) and not re.search(r"[\u4e00-\u9fff]", cls.en)


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_an_error_crosses_to_another_process_unchanged(cls):
    """The parallel scans send errors back from their worker processes (by pickle)."""
    error = SAMPLES[cls]()
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is cls and str(again) == str(error) and again.message_en == error.message_en


def test_the_rendered_text_keeps_its_fields():
    assert str(errors.UnknownCaseError("NOPE-1")) == "未知案件 NOPE-1 / unknown case NOPE-1"
    assert str(errors.ConflictError("C-1", 1, 2)) == (
        "案件 C-1 已被他人修改（读取时为第 1 版，现为第 2 版）/ "
        "case C-1 was changed by someone else (read at version 1, now 2)")
    gate = SAMPLES[errors.GateClosedError]()
    assert str(gate).splitlines() == ["案件 C-1 不得进入「集体讨论决定」阶段 / case C-1 may not enter collective decision "
                                      "(collective_decision):", "  ✗ MAD-LEG-01 《条例》第二十五条：未经合法性审查"]
    assert str(SAMPLES[errors.InputError]()) == "case.yaml:3: title: 应为文本 / expected text"


# ---------------------------------------------------------------- the command line


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_the_exit_status_of_each_error(cls):
    assert exit_code_for(SAMPLES[cls]()) == (1 if cls in REFUSED_BY_THE_PROCEDURE else 2)


def test_a_bug_and_a_file_error_exit_2():
    assert exit_code_for(ZeroDivisionError("x")) == 2 and exit_code_for(FileNotFoundError(2, "gone", "a.yaml")) == 2


def test_the_cli_says_an_error_in_chinese_then_english():
    said = message_for(errors.UnknownCaseError("NOPE-1"))
    assert said == "yifa: 未知案件 NOPE-1 / unknown case NOPE-1"
    assert message_for(SAMPLES[errors.InputError]()).startswith("case.yaml:3: title:")


def _failing_schema(args):
    return _deep_inside()


def _deep_inside():
    raise ZeroDivisionError("a bug deep inside")


def test_a_bug_is_one_line_without_a_traceback(monkeypatch, capsys):
    monkeypatch.delenv("YIFA_DEBUG", raising=False)
    monkeypatch.setattr(cli, "cmd_schema", _failing_schema)
    assert cli.main(["schema", "case"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "_deep_inside" not in err
    assert err.count("\n") == 1 and "内部错误 / internal error: ZeroDivisionError: a bug deep inside" in err


def test_yifa_debug_shows_the_traceback(monkeypatch, capsys):
    monkeypatch.setenv("YIFA_DEBUG", "1")
    monkeypatch.setattr(cli, "cmd_schema", _failing_schema)
    assert cli.main(["schema", "case"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "_deep_inside" in err and "ZeroDivisionError: a bug deep inside" in err


def test_a_domain_error_exits_with_its_own_status(monkeypatch, capsys):
    def refused(args):
        raise SAMPLES[errors.GateClosedError]()
    monkeypatch.delenv("YIFA_DEBUG", raising=False)
    monkeypatch.setattr(cli, "cmd_schema", refused)
    assert cli.main(["schema", "case"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("yifa: 案件 C-1 不得进入「集体讨论决定」阶段 / case C-1") and "MAD-LEG-01" in err
    assert "Traceback" not in err


def test_a_database_error_is_said_as_what_it_is():
    """A refused statement is not a database that cannot be reached: only the latter asks about DATABASE_URL."""
    import sqlalchemy.exc
    refused = sqlalchemy.exc.IntegrityError("INSERT …", {}, Exception('duplicate key value violates unique constraint "pk_x"'))
    said = message_for(refused)
    assert "the database refused" in said and "duplicate key" in said and "reachable" not in said
    gone = sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("connection to server at 127.0.0.1 failed: Connection refused"))
    assert "is the database reachable" in message_for(gone) and "cannot reach the database" in message_for(gone)
