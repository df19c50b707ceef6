"""Overlays may tighten national parameters and severities, never loosen them (SPEC §E.2 rule 1)."""
import shutil
from pathlib import Path

import pytest

from engine.rulebook.lint import lint

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rules(tmp_path):
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    return tmp_path / "rules"


def overlay(rules: Path, body: str) -> None:
    (rules / "CN-12" / "ninghe" / "test-overlay.yaml").write_text(
        "instrument: {id: test-overlay, title: 测试覆盖, domain: major_decision, in_force: {from: 2022-01-01}, verified: false}\n"
        + body, encoding="utf-8")


def override(value: int, direction: str = "floor", start: str = "2022-01-01") -> str:
    return (f"parameter_overrides:\n  legality_review_working_days:\n"
            f"    title: {{zh: 审查时间, en: review time}}\n    type: working_days\n"
            f"    citation: {{article: 1}}\n    verified: false\n    direction: {direction}\n"
            f"    values: [{{from: {start}, value: {value}}}]\n")


@pytest.mark.slow
def test_an_overlay_may_raise_a_soft_floor(rules):
    overlay(rules, override(10))
    assert lint(["CN-12/ninghe"], rules) == []


def test_an_overlay_that_lowers_the_7_working_days_is_refused_with_its_line(rules):
    overlay(rules, override(5))
    problems = lint(["CN-12/ninghe"], rules)
    assert len(problems) == 1
    p = problems[0]
    assert p.file.endswith("test-overlay.yaml") and p.line == 9 and "放宽" in p.message


def test_an_overlay_may_not_change_the_direction_of_a_parameter(rules):
    overlay(rules, override(10, direction="ceiling"))
    assert any("direction" in p.message for p in lint(["CN-12/ninghe"], rules))


def test_an_overlay_may_not_lower_a_blocker(rules):
    overlay(rules, "severity_overrides: {MAD-LEG-01: warning}\n")
    assert any("降低" in p.message for p in lint(["CN-12/ninghe"], rules))


def test_an_overlay_may_raise_a_warning_to_an_error(rules):
    overlay(rules, "severity_overrides: {MAD-LEG-05: error}\n")
    assert lint(["CN-12/ninghe"], rules) == []


@pytest.mark.slow
def test_an_override_is_checked_against_later_national_values_too(rules):
    national = rules / "CN" / "decree-713.yaml"
    text = national.read_text(encoding="utf-8")
    old = "legality_review_working_days:"
    i = text.index(old)
    j = text.index("values:", i)
    k = text.index("\n", text.index("- {from:", j))
    text = text[:k] + "\n      - {from: 2024-01-01, value: 12}" + text[k:]
    national.write_text(text, encoding="utf-8")
    overlay(rules, override(10))
    assert any("2024-01-01" in p.message for p in lint(["CN-12/ninghe"], rules))


def test_an_unknown_fact_and_a_missing_parameter_are_reported_with_lines(rules):
    overlay(rules, "rules:\n  - id: LOC-T-01\n    title: {zh: 测试, en: test}\n    citation: {article: 1}\n"
                   "    severity: warning\n    modality: must\n    verified: false\n    stage: archiving\n"
                   "    judged_on: archive.archived_on\n    requires: {fact: archive.completeness, is: true}\n"
                   "    message: {zh: 缺, en: missing}\n    tests: []\n")
    messages = [(p.line, p.message) for p in lint(["CN-12/ninghe"], rules)]
    assert any("archive.completeness" in m for _, m in messages)
    assert any("satisfied" in m for _, m in messages)


def test_a_set_parameter_with_a_word_the_fact_never_takes_is_refused(rules):
    national = rules / "CN" / "decree-713.yaml"
    text = national.read_text(encoding="utf-8")
    old = "      - {from: 2019-09-01, value: [executive, plenary]}"
    assert old in text
    national.write_text(text.replace(old, "      - {from: 2019-09-01, value: [executive, plenery]}"), encoding="utf-8")
    messages = [p.message for p in lint(["CN"], rules)]
    assert any("collective_meeting_types" in m and "plenery" in m for m in messages), messages
