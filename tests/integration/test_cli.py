"""`yifa` as a user runs it: exit codes, JSON report shape, refusals without tracebacks."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def yifa(*args, cwd=None):
    proc = subprocess.run([sys.executable, "-m", "engine.cli", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd or ROOT, env=_env())
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _env():
    import os
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_the_compliant_example_exits_0_with_nothing_violated():
    proc = yifa("check", EXAMPLES / "ninghe-county-road-2025.yaml", "--format", "json", "--as-of", "2026-01-31")
    report = json.loads(proc.stdout)
    bad = [f for f in report["findings"] if f["verdict"] == "violated" and f["severity"] in ("blocker", "error")]
    assert proc.returncode == 0, bad
    assert report["summary"]["blocking"] is False
    assert report["stage"] == "execution"


@pytest.mark.slow
def test_the_township_example_exits_1_and_names_its_problems():
    proc = yifa("check", EXAMPLES / "yuelong-sewage-2024.yaml", "--format", "json", "--as-of", "2024-12-31")
    assert proc.returncode == 1
    violated = {f["rule"] for f in json.loads(proc.stdout)["findings"] if f["verdict"] == "violated"}
    assert {"MAD-PP-04", "MAD-EXP-03", "MAD-LEG-05", "MAD-COL-07"} <= violated


@pytest.mark.slow
def test_the_json_report_has_exactly_the_contract_keys():
    report = json.loads(yifa("check", EXAMPLES / "yuelong-sewage-2024.yaml", "--format", "json").stdout)
    assert set(report) == {"case", "as_of", "rulebook", "stage", "findings", "summary"}
    assert set(report["summary"]) == {"violated", "missing", "satisfied", "not_applicable", "pending", "blocking"}
    for f in report["findings"]:
        assert {"rule", "verdict", "severity", "citation", "verified", "facts"} <= set(f)
        assert set(f) <= {"rule", "verdict", "severity", "citation", "verified", "facts", "message", "reason",
                          "by_analogy", "due_on", "overdue"}
        assert isinstance(f["citation"]["article"], int)
        assert ("message" in f) == (f["verdict"] in ("violated", "missing") or f.get("reason") == "calendar_unknown")
        assert ("reason" in f) == (f["verdict"] in ("not_applicable", "pending"))
        assert f.get("overdue", True) is True and ("overdue" not in f or f["verdict"] == "violated")


@pytest.mark.slow
def test_several_cases_print_json_lines_and_the_worst_exit_status():
    proc = yifa("check", EXAMPLES / "ninghe-county-road-2025.yaml", EXAMPLES / "yuelong-sewage-2024.yaml",
                "--format", "json", "--as-of", "2026-01-31")
    lines = proc.stdout.strip().splitlines()
    assert [json.loads(x)["case"] for x in lines] == ["NH-2025-003", "YL-2024-011"]
    assert proc.returncode == 1


def test_the_text_report_is_chinese_and_cites_articles():
    out = yifa("check", EXAMPLES / "yuelong-sewage-2024.yaml", "--as-of", "2024-12-31").stdout
    assert "《重大行政决策程序暂行条例》第二十六条第二款" in out
    assert "【合法性审查】" in out and "【公众参与】" in out


@pytest.mark.parametrize("body, field", [
    ("id: A B\ntitle: x\n", "id"),
    ("id: A\ntitle: x\ncollective_decision: {meeting_type: cabinet}\n", "collective_decision.meeting_type"),
    ("id: A\ntitle: x\ncollective_decision: {held_on: 2021-02-30}\n", "collective_decision.held_on"),
    ("id: A\ntitle: x\nlegality_review: {opinon_on: 2021-02-03}\n", "legality_review.opinon_on"),
    ("id: A\ntitle: x\npublic_participation: {comments_received: '3'}\n", "public_participation.comments_received"),
    ("id: A\ntitle: x\ncollective_decision: {head_spoke_last: yes}\n", "collective_decision.head_spoke_last"),
])
@pytest.mark.slow
def test_a_malformed_case_exits_2_naming_file_and_field(tmp_path, body, field):
    path = tmp_path / "bad.yaml"
    path.write_text(body, encoding="utf-8")
    proc = yifa("check", path)
    assert proc.returncode == 2
    assert "bad.yaml" in proc.stderr and field in proc.stderr
    assert proc.stdout == ""


def test_an_unknown_jurisdiction_is_an_input_error(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("id: A\ntitle: x\njurisdiction: CN-99\n", encoding="utf-8")
    proc = yifa("check", path)
    assert proc.returncode == 2 and "CN-99" in proc.stderr and "c.yaml" in proc.stderr
    assert yifa("check", EXAMPLES / "yuelong-sewage-2024.yaml", "--jurisdiction", "XX").returncode == 2


def test_a_missing_file_and_a_bad_date_option_exit_2(tmp_path):
    assert yifa("check", tmp_path / "nope.yaml").returncode == 2
    assert yifa("check", EXAMPLES / "yuelong-sewage-2024.yaml", "--as-of", "2024-13-01").returncode == 2


@pytest.mark.slow
def test_a_decision_of_june_2019_is_not_judged_by_decree_713(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text("id: OLD\ntitle: 旧案\ndecision_body: {name: 某县人民政府, level: county}\n"
                    "collective_decision: {meeting_type: circulation, held_on: 2019-06-10, decision: approve}\n",
                    encoding="utf-8")
    report = json.loads(yifa("check", path, "--format", "json", "--as-of", "2026-01-01").stdout)
    col02 = next(f for f in report["findings"] if f["rule"] == "MAD-COL-02")
    assert (col02["verdict"], col02["reason"]) == ("not_applicable", "not_in_force")


def test_an_excluded_matter_has_every_decree_rule_not_applicable(tmp_path):
    path = tmp_path / "ex.yaml"
    path.write_text("id: EX\ntitle: 应急处置\nexclusion: emergency\ndecision_body: {name: 某县人民政府, level: county}\n"
                    "collective_decision: {meeting_type: circulation, held_on: 2023-06-10, decision: approve}\n",
                    encoding="utf-8")
    proc = yifa("check", path, "--format", "json")
    report = json.loads(proc.stdout)
    assert proc.returncode == 0
    decree = [f for f in report["findings"] if f["citation"]["instrument"] == "重大行政决策程序暂行条例"]
    assert len(decree) > 30
    assert {(f["verdict"], f["reason"]) for f in decree} == {("not_applicable", "excluded")}


def test_schema_case_prints_a_json_schema():
    schema = json.loads(yifa("schema", "case").stdout)
    assert schema["properties"]["id"]["type"] == "string"


@pytest.mark.slow
def test_rules_list_shows_citations_and_unverified_rules():
    out = yifa("rules", "list").stdout
    assert "MAD-LEG-05" in out and "第二十六条" in out


@pytest.mark.slow
def test_rules_lint_passes_on_the_shipped_rules():
    proc = yifa("rules", "lint")
    assert proc.returncode == 0, proc.stdout


def test_a_case_from_before_the_decree_exits_0_and_the_text_says_no_rule_was_in_force(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text("id: OLD2\ntitle: 旧案\ndecision_body: {name: 某县人民政府, level: county}\n"
                    "legality_review: {submitted_on: 2019-05-01, opinion_on: 2019-05-20, conclusion: legal}\n"
                    "collective_decision: {meeting_type: circulation, held_on: 2019-06-10, decision: approve}\n"
                    "party_report: {reported_on: 2019-06-12}\npublication: {published_on: 2019-06-20}\n",
                    encoding="utf-8")
    proc = yifa("check", path, "--as-of", "2019-07-01")
    assert proc.returncode == 0
    assert "均未施行" in proc.stdout


@pytest.mark.parametrize("held_on, level, meeting, blocking", [
    ("2024-10-09", "county", "executive", False),
    ("2024-10-09", "county", "office", True),
    ("2024-10-09", "township", "office", False),
    ("2024-10-09", "township", "circulation", True),
])
def test_the_meeting_gate_follows_the_level_of_the_decision_body(tmp_path, held_on, level, meeting, blocking):
    path = tmp_path / "m.yaml"
    path.write_text(f"id: M1\ntitle: 会议\ndecision_body: {{name: 某人民政府, level: {level}}}\n"
                    "legality_review: {submitted_on: 2024-09-02, opinion_on: 2024-09-20, conclusion: legal,"
                    " legal_adviser_opinion: true, scope: [authority, procedure, content], package: [draft, legal_basis, procedure_explanation]}\n"
                    f"collective_decision: {{meeting_type: {meeting}, held_on: {held_on}, decision: approve, majority_view: approve,"
                    " materials: [draft, legality_opinion], head_spoke_last: true, dissent_recorded: true}\n",
                    encoding="utf-8")
    report = json.loads(yifa("check", path, "--format", "json", "--as-of", held_on).stdout)
    assert report["summary"]["blocking"] is blocking
    col02 = next(f for f in report["findings"] if f["rule"] == "MAD-COL-02")
    assert col02["verdict"] == ("violated" if blocking else "satisfied")


@pytest.mark.slow
def test_rules_graph_writes_an_svg_coloured_for_a_case_file(tmp_path):
    import xml.etree.ElementTree as ET
    out = tmp_path / "g.svg"
    proc = yifa("rules", "graph", "--case", EXAMPLES / "yuelong-sewage-2024.yaml", "--as-of", "2024-12-31", "--out", out)
    assert proc.returncode == 0, proc.stderr
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    text = out.read_text(encoding="utf-8")
    assert "合法性审查" in text and "YL-2024-011" in text


@pytest.mark.slow
def test_rules_graph_with_an_unknown_stored_case_is_an_input_error(tmp_path):
    env_instance = str(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "engine.cli", "rules", "graph", "--case", "NOPE", "--out", str(tmp_path / "g.svg")],
                          capture_output=True, text=True, cwd=ROOT, env={**_env(), "YIFA_INSTANCE": env_instance})
    assert proc.returncode == 2 and "NOPE" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_with_several_files_a_malformed_one_is_reported_and_the_others_still_checked(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: B\ntitle: x\ncollective_decision: {held_on: 2021-02-30}\n", encoding="utf-8")
    proc = yifa("check", EXAMPLES / "ninghe-county-road-2025.yaml", bad, EXAMPLES / "yuelong-sewage-2024.yaml",
                "--format", "json", "--as-of", "2026-01-31")
    assert proc.returncode == 2
    assert [json.loads(x)["case"] for x in proc.stdout.strip().splitlines()] == ["NH-2025-003", "YL-2024-011"]
    assert "bad.yaml" in proc.stderr and "collective_decision.held_on" in proc.stderr


def test_a_date_more_than_a_year_after_as_of_exits_2_naming_the_field_and_the_limit(tmp_path):
    path = tmp_path / "late.yaml"
    path.write_text("id: A\ntitle: x\nexpert_review: {held_on: 2099-01-01}\n", encoding="utf-8")
    proc = yifa("check", path, "--as-of", "2025-01-15")
    assert proc.returncode == 2 and proc.stdout == ""
    assert "late.yaml:3" in proc.stderr and "expert_review.held_on" in proc.stderr and "2026-01-15" in proc.stderr
    assert yifa("check", path, "--as-of", "2098-06-01").returncode != 2


def test_a_period_that_ends_before_it_starts_exits_2_naming_the_later_field(tmp_path):
    path = tmp_path / "order.yaml"
    path.write_text("id: A\ntitle: x\nlegality_review: {submitted_on: 2025-05-20, opinion_on: 2025-05-02}\n",
                    encoding="utf-8")
    proc = yifa("check", path, "--as-of", "2025-06-01")
    assert proc.returncode == 2 and "legality_review.opinion_on" in proc.stderr and "submitted_on" in proc.stderr
