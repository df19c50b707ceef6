"""Whom an instrument binds, and special procedures per stage (CASE_FORMAT §1 "Special procedures",
§2 "Who an instrument binds"): both evaluators, the report, the CLI's refusal of the v1 field."""
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from engine.core.check import checker_for
from engine.core.report import to_json, to_text
from engine.core.yamlio import LoadedYaml
from engine.decisions.record import parse_case
from engine.evaluate.durable import durable_available
from engine.rulebook.lint import lint
from tests.integration.test_cli import yifa

ENGINES = ["native"] + (["durable"] if durable_available() is None else [])
ROOT = Path(__file__).resolve().parents[2]
TIANJIN_FILES = {"tj-mad-2020", "tj-legrev"}
AS_OF = date(2023, 8, 1)


def _case(**extra) -> dict:
    doc = {"id": "T-1", "title": "测试", "jurisdiction": "CN-12/ninghe/yuelong",
           "decision_body": {"name": "岳龙镇人民政府", "level": "township"},
           "category": "public_construction",
           "initiation": {"proposed_on": "2023-03-01", "started_on": "2023-03-05"},
           "legality_review": {"submitted_on": "2023-05-02", "opinion_on": "2023-05-20", "conclusion": "legal"},
           "collective_decision": {"meeting_type": "circulation", "held_on": "2023-06-01", "decision": "approve"}}
    doc.update(extra)
    return doc


def _check(doc: dict, engine: str):
    case = parse_case(LoadedYaml(doc), "test")
    checker = checker_for(case.jurisdiction)
    return checker, checker.check(case, AS_OF, engine)


def _by_instrument(checker, result, ids) -> list:
    rules = {cr.rule.id for cr in checker.compiled if cr.rule.instrument.id in ids}
    return [f for f in result.findings if f.rule in rules]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_township_case_is_not_judged_by_the_tianjin_instruments(engine):
    checker, result = _check(_case(), engine)
    tianjin = _by_instrument(checker, result, TIANJIN_FILES)
    assert tianjin, "the Tianjin instruments have checked rules"
    assert {(f.verdict, f.reason) for f in tianjin} == {("not_applicable", "not_binding")}
    assert all(f.facts["decision_body.level"] == "township" for f in tianjin)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_ninghe_archiving_duty_binds_the_district_government_only(engine):
    doc = _case(jurisdiction="CN-12/ninghe")
    checker, result = _check(doc, engine)
    assert {(f.verdict, f.reason) for f in _by_instrument(checker, result, {"ninghe-archiving"})} == \
        {("not_applicable", "not_binding")}
    doc["decision_body"] = {"name": "天津市宁河区人民政府", "level": "county"}
    checker, result = _check(doc, engine)
    ninghe = _by_instrument(checker, result, {"ninghe-archiving"})
    assert ninghe and all(f.reason != "not_binding" for f in ninghe)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_district_case_gets_the_tianjin_rules_applied(engine):
    doc = _case(jurisdiction="CN-12/ninghe", decision_body={"name": "天津市宁河区人民政府", "level": "county"})
    checker, result = _check(doc, engine)
    tianjin = _by_instrument(checker, result, TIANJIN_FILES)
    assert tianjin and not [f for f in tianjin if f.reason == "not_binding"]
    assert {f.verdict for f in tianjin} & {"violated", "satisfied"}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_partial_special_procedure_displaces_only_the_stages_it_governs(engine):
    doc = _case(jurisdiction="CN", special_procedure=[
        {"law": "中华人民共和国城乡规划法", "level": "law", "article": 26, "governs": ["public_participation", "hearing"]}])
    checker, result = _check(doc, engine)
    decree = {f.rule: f for f in _by_instrument(checker, result, {"decree-713"})}
    displaced = {r for r, f in decree.items() if f.reason == "special_procedure"}
    assert displaced and all(decree[r].stage in ("public_participation", "hearing") for r in displaced)
    assert all(f.reason == "special_procedure" for f in decree.values() if f.stage in ("public_participation", "hearing"))
    assert decree["MAD-COL-02"].verdict == "violated"      # a circulated draft: the meeting rule still applies
    any_displaced = decree[sorted(displaced)[0]]
    assert any_displaced.facts[f"special_procedure.{any_displaced.stage}"] == "中华人民共和国城乡规划法第26条"
    assert result.notes == []


@pytest.mark.parametrize("engine", ENGINES)
def test_a_department_rule_cannot_displace_the_decree_and_the_report_says_so(engine):
    doc = _case(jurisdiction="CN", special_procedure=[
        {"law": "某部门规章", "level": "rule", "governs": ["legality_review", "collective_decision"]}])
    checker, result = _check(doc, engine)
    assert not [f for f in result.findings if f.reason == "special_procedure"]
    assert next(f for f in result.findings if f.rule == "MAD-COL-02").verdict == "violated"
    report = to_json(result)
    assert len(report["notes"]) == 1 and "某部门规章" in report["notes"][0] and "第三条第二款" in report["notes"][0]
    assert "不能排除" in to_text(result)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_law_requiring_a_hearing_makes_it_a_duty(engine):
    doc = _case(jurisdiction="CN", hearing_required_by={"law": "中华人民共和国价格法", "article": 23})
    _, result = _check(doc, engine)
    hear = next(f for f in result.findings if f.rule == "MAD-HEAR-06")
    assert (hear.verdict, hear.severity) == ("missing", "error")  # the record is silent on a hearing: 未见记录
    assert "中华人民共和国价格法" in hear.message["zh"]
    _, result = _check(_case(jurisdiction="CN"), engine)
    assert next(f for f in result.findings if f.rule == "MAD-HEAR-06").reason == "condition_not_met"


def test_the_v1_field_with_a_value_is_refused_with_exit_2_and_the_rewrite(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text("id: OLD-1\ntitle: 旧格式\nspecial_procedure_law: 中华人民共和国城乡规划法\n", encoding="utf-8")
    proc = yifa("check", path, "--as-of", "2023-08-01")
    assert proc.returncode == 2
    assert "special_procedure_law" in proc.stderr and "special_procedure:" in proc.stderr
    assert "governs" in proc.stderr and "中华人民共和国城乡规划法" in proc.stderr


def test_the_v1_field_when_null_is_still_read(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text("id: OLD-2\ntitle: 旧格式\nspecial_procedure_law: null\n", encoding="utf-8")
    proc = yifa("check", path, "--as-of", "2023-08-01", "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    assert json.loads(proc.stdout)["case"] == "OLD-2"


def test_the_case_schema_carries_the_v2_fields():
    schema = json.loads(yifa("schema", "case").stdout)
    assert {"special_procedure", "hearing_required_by"} <= set(schema["properties"])


# ---------------------------------------------------------------- analogy and lint of the new metadata

@pytest.fixture
def rules(tmp_path):
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    return tmp_path / "rules"


def _instrument(rules: Path, meta: str, rule_id: str = "LOC-NH-TEST-01") -> None:
    (rules / "CN-12" / "ninghe" / "test-binding.yaml").write_text(f"""
instrument:
  id: test-binding
  title: 测试约束范围
  domain: major_decision
  in_force: {{from: 2020-01-01}}
  articles: 10
  verified: V2
{meta}
rules:
  - id: {rule_id}
    title: {{zh: 测试, en: test}}
    citation: {{article: 3}}
    severity: error
    modality: must
    verified: V2
    stage: collective_decision
    judged_on: collective_decision.held_on
    requires: {{fact: collective_decision.meeting_type, in: [executive, plenary]}}
    message: {{zh: 会议类型不符, en: wrong meeting}}
    tests:
      - {{name: 常务会议, case: {{collective_decision: {{meeting_type: executive, held_on: 2023-06-01}}}}, expect: satisfied}}
      - {{name: 传阅, case: {{collective_decision: {{meeting_type: circulation, held_on: 2023-06-01}}}}, expect: violated}}
""", encoding="utf-8")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("source, verified", [(None, False), ("某区实施办法第二条：乡镇参照执行", True)])
def test_an_analogy_is_said_and_unverified_unless_a_source_states_it(rules, engine, source, verified):
    analogy = "  applies_by_analogy: {to: [township]" + (f", source: {source}" if source else "") + "}"
    _instrument(rules, "  binds: {levels: [county], citation: {article: 2}}\n" + analogy)
    assert lint(["CN-12/ninghe"], rules) == []
    case = parse_case(LoadedYaml(_case(jurisdiction="CN-12/ninghe")), "test")
    result = checker_for("CN-12/ninghe", rules).check(case, AS_OF, engine)
    finding = next(f for f in result.findings if f.rule == "LOC-NH-TEST-01")
    assert finding.verdict == "violated" and finding.verified is verified
    assert finding.to_json()["by_analogy"] is True


@pytest.mark.parametrize("meta, problem", [
    ("  binds: {levels: [county, county]}", "层级重复"),
    ("  binds: {levels: [county]}\n  applies_by_analogy: {to: [county]}", "已由 binds 直接约束"),
    ("  applies_by_analogy: {to: [township]}", "needs `binds`"),
    ("  binds: {levels: [county], citation: {article: 12}}", "only 10 articles"),
    ("  binds: {levels: [district]}", "binds.levels"),
])
def test_lint_checks_whom_an_instrument_binds(rules, meta, problem):
    _instrument(rules, meta)
    problems = lint(["CN-12/ninghe"], rules)
    assert problems and any(problem in str(p) for p in problems), [str(p) for p in problems]
    assert all(p.file.endswith("test-binding.yaml") for p in problems)
