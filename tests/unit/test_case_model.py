"""The decision case file of CASE_FORMAT §1: what it accepts, and how each refusal is worded."""

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from engine.core.errors import InputError
from engine.core.yamlio import load_json, load_yaml
from engine.decisions.enums import parse_iso_date
from engine.decisions.record import (
    Case,
    case_json_schema,
    case_to_document,
    load_case,
    parse_case,
)

FULL = Path(__file__).parent.parent / "fixtures" / "case_full.yaml"
FULL_TEXT = FULL.read_text(encoding="utf-8")


def line_of(text: str) -> int:
    """Give the line of the fixture that contains `text`."""
    return next(n for n, line in enumerate(FULL_TEXT.splitlines(), 1) if text in line)


def edited(old: str, new: str) -> str:
    assert FULL_TEXT.count(old) == 1, old
    return FULL_TEXT.replace(old, new)


def refusal(text: str, filename: str = "case.yaml") -> str:
    with pytest.raises(InputError) as caught:
        parse_case(load_yaml(text, filename), filename)
    message = str(caught.value)
    assert "Traceback" not in message and "pydantic" not in message
    return message


def minimal(**fields) -> Case:
    return parse_case(
        load_yaml(json.dumps({"id": "X-1", "title": "t", **fields}), "m.yaml"), "m.yaml"
    )


def test_the_full_example_of_the_contract_parses():
    case = load_case(FULL)
    assert case.id == "YL-2021-007" and case.jurisdiction == "CN"
    assert case.decision_body.level == "township"
    assert case.initiation.proposed_on == date(2021, 3, 1)
    assert case.public_participation.hearing.held_on == date(2021, 4, 20)
    assert case.expert_review.experts[0].name == "王某"
    assert case.collective_decision.materials[-1] == "legality_opinion"
    assert case.execution.reports[0].reported_on == date(2021, 12, 20)
    assert case.adjustments[0].procedures_rerun == ()
    assert case.exclusion is None and case.fair_competition_review.conclusion is None


def test_the_yaml_and_json_forms_of_a_case_are_equal(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(
        json.dumps(case_to_document(load_case(FULL)), ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    assert load_case(path) == load_case(FULL)


def test_json_mode_and_python_mode_validation_agree():
    document = case_to_document(load_case(FULL))
    assert (
        Case.model_validate_json(json.dumps(document))
        == Case.model_validate(document)
        == load_case(FULL)
    )


def test_a_case_built_in_python_may_use_date_objects():
    case = Case.model_validate(
        {"id": "a", "title": "t", "party_report": {"reported_on": date(2021, 6, 12)}}
    )
    assert case.party_report.reported_on == date(2021, 6, 12)


def test_a_round_trip_through_the_document_gives_an_equal_case():
    case = load_case(FULL)
    document = case_to_document(case)
    assert document["collective_decision"]["held_on"] == "2021-06-10"
    assert parse_case(load_yaml(json.dumps(document), "again.yaml"), "again.yaml") == case


def test_the_document_keeps_written_nulls_and_leaves_out_absent_fields():
    document = case_to_document(minimal(exclusion=None, risk_assessment={"reassessed_on": None}))
    assert document == {
        "id": "X-1",
        "title": "t",
        "exclusion": None,
        "risk_assessment": {"reassessed_on": None},
    }


def test_the_jurisdiction_defaults_to_the_national_rulebook():
    assert minimal().jurisdiction == "CN"
    assert minimal(jurisdiction="CN-12/ninghe/yuelong").jurisdiction == "CN-12/ninghe/yuelong"


def test_every_section_after_flags_may_be_absent():
    case = minimal()
    assert case.flags is None and case.legality_review is None and case.adjustments is None


def test_a_case_cannot_be_changed_after_parsing():
    case = minimal()
    with pytest.raises(ValidationError):
        case.title = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("old", "new", "path", "expected"),
    [
        (
            "title: 岳龙镇",
            "titel: 岳龙镇",
            "titel",
            '未知字段（是否应为 "title"？）/ unknown field (did you mean "title"?)',
        ),
        (
            "  record_signed: true",
            "  record_signed: true\n    signed_by: 张三",
            "public_participation.hearing.signed_by",
            "未知字段 / unknown field",
        ),
        (
            "comments_received: 12",
            'comments_received: "3"',
            "public_participation.comments_received",
            '应为整数，实际为 "3" / expected an integer, got "3"',
        ),
        (
            "comments_received: 12",
            "comments_received: true",
            "public_participation.comments_received",
            "expected an integer, got true",
        ),
        (
            "comments_received: 12",
            "comments_received: -1",
            "public_participation.comments_received",
            "got -1",
        ),
        (
            "  record_signed: true",
            "  record_signed: 1",
            "public_participation.hearing.record_signed",
            "应为布尔值 true 或 false，实际为 1 / expected a boolean (true or false), got 1",
        ),
        (
            "head_spoke_last: true",
            "head_spoke_last: yes",
            "collective_decision.head_spoke_last",
            '应为布尔值 true 或 false，实际为 "yes"',
        ),
        (
            "technical: true",
            "technical: on",
            "flags.technical",
            'expected a boolean (true or false), got "on"',
        ),
        (
            "held_on: 2021-04-20",
            "held_on: 2021-02-30",
            "public_participation.hearing.held_on",
            '日期无效：没有这一天，实际为 "2021-02-30" / invalid date: no such day',
        ),
        (
            "held_on: 2021-06-10",
            "held_on: 2021-6-10",
            "collective_decision.held_on",
            '日期无效，应为 YYYY-MM-DD，实际为 "2021-6-10" / invalid date, expected YYYY-MM-DD',
        ),
        (
            "opinion_on: 2021-06-02",
            "opinion_on: 20210602",
            "legality_review.opinion_on",
            "invalid date, expected YYYY-MM-DD, got 20210602",
        ),
        (
            "meeting_type: executive",
            "meeting_type: cabinet",
            "collective_decision.meeting_type",
            (
                "取值无效，应为 executive | plenary | office | circulation | party_government_joint"
                ' | party_group | other 之一，实际为 "cabinet" / invalid value, expected one of executive'
                ' | plenary | office | circulation | party_government_joint | party_group | other, got "cabinet"'
            ),
        ),
        (
            "level: township",
            "level: village",
            "decision_body.level",
            "expected one of province | city | county | township | department",
        ),
        (
            "scope: [authority, procedure, content]",
            "scope: [authority, procedure, procedure]",
            "legality_review.scope",
            '列表中有重复值 "procedure" / duplicate value "procedure" in the list',
        ),
        (
            "channels: [gazette, government_website, newspaper]",
            "channels: [gazette, tv]",
            "publication.channels[1]",
            "invalid value, expected one of gazette | government_website",
        ),
        (
            "id: YL-2021-007",
            "id: YL 2021 007",
            "id",
            '标识无效，应为 1–64 个字母、数字或 . _ -，且不能只由点组成，实际为 "YL 2021 007"',
        ),
        (
            "id: YL-2021-007",
            'id: ".."',
            "id",
            'not dots only, got ".."',
        ),
        (
            "id: YL-2021-007",
            'id: "."',
            "id",
            'not dots only, got "."',
        ),
        (
            "id: YL-2021-007",
            "id: " + "Y" * 65,
            "id",
            "invalid id, expected 1–64 letters, digits or . _ -, not dots only",
        ),
        (
            "jurisdiction: CN",
            "jurisdiction: CN//x",
            "jurisdiction",
            "invalid jurisdiction, expected e.g. CN or CN-12/ninghe/yuelong",
        ),
        (
            "reviewer: 宁河区司法局",
            'reviewer: "  "',
            "legality_review.reviewer",
            "不能为空 / must not be empty",
        ),
        (
            "reviewer: 宁河区司法局",
            "reviewer: 12",
            "legality_review.reviewer",
            "应为文本，实际为 12 / expected text, got 12",
        ),
        (
            "name: 王某,",
            "nom: 王某,",
            "expert_review.experts[0].name",
            "缺少必填字段 / required field is missing",
        ),
        (
            "  complete: true",
            "  complete: [true]",
            "archive.complete",
            "expected a boolean (true or false), got a list",
        ),
        (
            "reports: [{reported_on: 2021-12-20, problems: false}]",
            "reports: {reported_on: 2021-12-20}",
            "execution.reports",
            "应为列表，实际为 映射 / expected a list, got a mapping",
        ),
        (
            "party_report:\n  reported_on: 2021-06-12",
            "party_report: 2021-06-12",
            "party_report",
            'expected a mapping (field: value), got "2021-06-12"',
        ),
    ],
)
def test_a_wrong_field_is_refused_with_file_line_path_and_reason(old, new, path, expected):
    text = edited(old, new)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if new.splitlines()[-1] in row)
    message = refusal(text)
    assert f"case.yaml:{line}: {path}: " in message
    assert expected in message


def test_a_duplicate_key_in_the_case_file_is_refused():
    message = refusal(
        edited("  held_on: 2021-05-08", "  held_on: 2021-05-08\n  held_on: 2021-05-09")
    )
    assert (
        f"case.yaml:{line_of('  held_on: 2021-05-08') + 1}: expert_review.held_on: 重复的键"
        in message
    )


def test_several_problems_are_reported_at_once_in_file_order():
    text = edited("meeting_type: executive", "meeting_type: cabinet")
    text = text.replace("held_on: 2021-04-20", "held_on: 2021-02-30").replace(
        "comments_received: 12", "comments_received: x"
    )
    text = text.replace("id: YL-2021-007", "id: a b")
    paths = [line.split(": ")[1] for line in refusal(text).splitlines()]
    assert paths == [
        "id",
        "public_participation.comments_received",
        "public_participation.hearing.held_on",
        "collective_decision.meeting_type",
    ]


def test_a_missing_id_and_title_are_both_reported():
    message = refusal("jurisdiction: CN\n")
    assert (
        "case.yaml:1: id: 缺少必填字段" in message and "case.yaml:1: title: 缺少必填字段" in message
    )


@pytest.mark.parametrize(
    ("text", "got"), [("- a\n", "a list"), ("", "null"), ("just text\n", '"just text"')]
)
def test_a_file_that_is_not_a_mapping_is_refused_at_the_root(text, got):
    assert "(root): 应为映射（字段: 值）" in refusal(text) and f"got {got}" in refusal(text)


def test_a_json_case_file_reports_lines_too(tmp_path):
    document = case_to_document(load_case(FULL))
    document["collective_decision"]["meeting_type"] = "cabinet"
    text = json.dumps(document, ensure_ascii=False, indent=2)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if '"cabinet"' in row)
    with pytest.raises(
        InputError, match=rf"case\.json:{line}: collective_decision\.meeting_type: 取值无效"
    ):
        parse_case(load_json(text, "case.json"), "case.json")


def test_load_case_refuses_unreadable_files_as_input_errors(tmp_path):
    (tmp_path / "case.txt").write_text(FULL_TEXT, encoding="utf-8")
    (tmp_path / "bad.yaml").write_bytes(b"id: \xff\n")
    for name in ("case.txt", "missing.yaml", "bad.yaml"):
        with pytest.raises(InputError, match=name):
            load_case(tmp_path / name)


def test_the_json_schema_describes_dates_ids_and_closed_sections():
    schema = case_json_schema()
    assert schema["required"] == ["id", "title"] and schema["additionalProperties"] is False
    assert schema["properties"]["id"]["pattern"] == r"^(?!\.+$)[A-Za-z0-9._-]{1,64}$"     # not "." or ".."
    held_on = schema["$defs"]["CollectiveDecision"]["properties"]["held_on"]["anyOf"][0]
    assert held_on == {"type": "string", "format": "date"}
    meeting = schema["$defs"]["CollectiveDecision"]["properties"]["meeting_type"]["anyOf"][0]
    assert meeting["enum"] == ["executive", "plenary", "office", "circulation", "party_government_joint",
                               "party_group", "other"]
    assert all(d["additionalProperties"] is False for d in schema["$defs"].values())
    json.dumps(schema)


@given(st.dates(min_value=date(1, 1, 1)))
def test_every_real_day_written_in_iso_form_is_a_date(day):
    assert parse_iso_date(day.isoformat()) == day


@given(st.text(max_size=12))
def test_text_that_is_not_an_iso_day_is_never_a_date(text):
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or day.isoformat() != text:
        with pytest.raises(ValueError):
            parse_iso_date(text)


# ---------------------------------------------------------------- impossible input, named at its field
def _problems_of(document: dict) -> dict[str, str]:
    from engine.core.errors import InputError
    from engine.core.yamlio import LoadedYaml
    from engine.decisions.record import parse_case
    try:
        parse_case(LoadedYaml({"id": "X", "title": "t", **document}), "case.yaml")
    except InputError as e:
        return {p.path: p.message for p in e.problems}
    return {}


def test_a_consultation_closing_before_it_opens_is_refused_at_closes_on():
    problems = _problems_of({"public_participation": {"consultation": {"opened_on": "2021-04-10", "closes_on": "2021-04-01"}}})
    assert "早于开始日期" in problems["public_participation.consultation.closes_on"]


def test_a_procedure_started_before_it_was_proposed_is_refused_at_started_on():
    problems = _problems_of({"initiation": {"proposed_on": "2021-03-05", "started_on": "2021-03-01"}})
    assert "proposed_on" in problems["initiation.started_on"]
    assert _problems_of({"initiation": {"proposed_on": "2021-03-05", "started_on": "2021-03-05"}}) == {}


def test_a_title_over_200_characters_a_note_over_20000_and_a_31_digit_count_are_refused():
    assert "title" in _problems_of({"title": "长" * 201})
    assert _problems_of({"title": "长" * 200}) == {}
    assert "legality_review.reviewer" in _problems_of({"legality_review": {"reviewer": "x" * 20_001}})
    assert "public_participation.comments_received" in _problems_of(
        {"public_participation": {"comments_received": 10 ** 30}})


def _problems_on(document: dict, as_of: date) -> dict[str, str]:
    from engine.core.yamlio import LoadedYaml
    try:
        parse_case(LoadedYaml({"id": "X", "title": "t", **document}), "case.yaml", as_of)
    except InputError as e:
        return {p.path: p.message for p in e.problems}
    return {}


def test_an_opinion_before_its_submission_and_a_reassessment_before_the_assessment_are_refused():
    problems = _problems_of({"legality_review": {"submitted_on": "2021-05-20", "opinion_on": "2021-05-19"},
                             "risk_assessment": {"completed_on": "2021-05-12", "reassessed_on": "2021-05-11"}})
    assert "submitted_on" in problems["legality_review.opinion_on"]
    assert "completed_on" in problems["risk_assessment.reassessed_on"]
    assert _problems_of({"legality_review": {"submitted_on": "2021-05-20", "opinion_on": "2021-05-20"}}) == {}


def test_acts_on_the_draft_before_the_proposal_and_on_the_decision_before_it_was_made_are_refused_by_field():
    problems = _problems_of({
        "initiation": {"proposed_on": "2021-03-01"},
        "legality_review": {"submitted_on": "2021-02-27"},
        "collective_decision": {"held_on": "2021-06-10"},
        "post_evaluation": {"completed_on": "2021-06-09"},
        "adjustments": [{"kind": "suspend", "decided_on": "2021-06-11"}, {"kind": "stop", "decided_on": "2021-06-01"}]})
    assert set(problems) == {"legality_review.submitted_on", "post_evaluation.completed_on", "adjustments[1].decided_on"}
    assert "initiation.proposed_on" in problems["legality_review.submitted_on"]
    assert "collective_decision.held_on：2021-06-10" in problems["adjustments[1].decided_on"]


def test_unlawful_but_possible_orders_are_kept_for_the_rules_to_judge():
    # a decision before the legality review (Art. 25(2)), a hearing announced on its day (Art. 16(2)),
    # a risk assessment after the submission, publication before the Party report (Art. 31)
    assert _problems_of({
        "initiation": {"proposed_on": "2021-03-01"},
        "public_participation": {"hearing": {"notice_published_on": "2021-04-21", "held_on": "2021-04-20"}},
        "risk_assessment": {"completed_on": "2021-06-01"},
        "legality_review": {"submitted_on": "2021-05-20"},
        "collective_decision": {"held_on": "2021-05-10"},
        "party_report": {"reported_on": "2021-06-20"},
        "publication": {"published_on": "2021-06-12"},
        "execution": {"reports": [{"reported_on": "2021-05-01"}]}}) == {}


def test_a_date_more_than_a_year_after_as_of_is_refused_naming_the_field_and_the_limit():
    document = {"expert_review": {"held_on": "2099-01-01"}}
    message = _problems_on(document, date(2024, 2, 29))["expert_review.held_on"]
    assert "2025-02-28" in message and "2024-02-29" in message and "2099-01-01" in message
    assert _problems_on({"expert_review": {"held_on": "2025-02-28"}}, date(2024, 2, 29)) == {}
    assert _problems_of(document) == {}   # a stored case read back without as_of is not bounded
    nested = _problems_on({"execution": {"reports": [{"reported_on": "2030-01-01"}]}}, date(2025, 1, 1))
    assert "execution.reports[0].reported_on" in nested


def test_a_refused_long_text_is_not_echoed_whole_and_the_limit_is_named():
    message = _problems_of({"title": "长" * 1_000_000})["title"]
    assert len(message) < 300
    assert "最多 200 个字符" in message and "1000000" in message and "at most 200 characters" in message
    count = _problems_of({"public_participation": {"comments_received": 10 ** 30}})["public_participation.comments_received"]
    assert "≤ 1000000000" in count
