"""What a user sees at the edges: no durable-rules, an unknown calendar year, the web app factory."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(args, extra_path=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (extra_path, str(ROOT), env.get("PYTHONPATH")) if p)
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], capture_output=True, text=True, cwd=ROOT, env=env)


def test_without_durable_rules_yifa_says_so_and_uses_the_native_evaluator(tmp_path):
    broken = tmp_path / "durable"
    broken.mkdir()
    (broken / "__init__.py").write_text("raise ImportError('PyEval_CallObject is gone')\n")
    proc = run(["check", "examples/yuelong-sewage-2024.yaml", "--format", "json"], extra_path=str(tmp_path))
    assert "Traceback" not in proc.stderr
    assert "durable-rules" in proc.stderr and "native" in proc.stderr
    assert json.loads(proc.stdout)["case"] == "YL-2024-011"
    assert proc.returncode == 1


def test_a_period_reaching_an_unknown_year_is_pending_and_names_the_year(tmp_path):
    case = tmp_path / "c.yaml"
    case.write_text("id: C2027\ntitle: 跨年审查\ndecision_body: {name: 某县人民政府, level: county}\n"
                    "legality_review: {submitted_on: 2026-12-28, opinion_on: 2027-01-08, conclusion: legal}\n"
                    "collective_decision: {meeting_type: executive, held_on: 2027-01-12, decision: approve}\n",
                    encoding="utf-8")
    report = json.loads(run(["check", str(case), "--format", "json", "--as-of", "2027-02-01"]).stdout)
    leg05 = next(f for f in report["findings"] if f["rule"] == "MAD-LEG-05")
    assert (leg05["verdict"], leg05["reason"]) == ("pending", "calendar_unknown")
    assert "2027" in leg05["message"]


def test_a_year_added_under_rules_calendars_is_used(tmp_path):
    import shutil
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "calendars" / "2027.yaml").write_text(
        "year: 2027\nsource: {title: 测试用安排（虚构）, number: 无, published_on: 2026-11-01}\nverified: false\n"
        "holidays:\n  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}\nadjusted_workdays: []\n", encoding="utf-8")
    case = tmp_path / "c.yaml"
    case.write_text("id: C2027\ntitle: 跨年审查\ndecision_body: {name: 某县人民政府, level: county}\n"
                    "legality_review: {submitted_on: 2026-12-28, opinion_on: 2027-01-08, conclusion: legal}\n"
                    "collective_decision: {meeting_type: executive, held_on: 2027-01-12, decision: approve}\n",
                    encoding="utf-8")
    env_rules = {"YIFA_RULES": str(rules)}
    os.environ.update(env_rules)
    try:
        report = json.loads(run(["check", str(case), "--format", "json", "--as-of", "2027-02-01"]).stdout)
    finally:
        del os.environ["YIFA_RULES"]
    leg05 = next(f for f in report["findings"] if f["rule"] == "MAD-LEG-05")
    # 12-29, 12-30, 12-31, then 2027-01-04 … 01-11 (6 days): 9 working days strictly between
    assert (leg05["verdict"], leg05["facts"]["legality_review_wd"]) == ("satisfied", 9)


def test_the_web_app_factory_answers_health():
    from web import create_app
    client = create_app({"TESTING": True}).test_client()
    assert client.get("/health").get_json() == {"status": "ok"}
