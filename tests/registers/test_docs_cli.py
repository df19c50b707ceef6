"""`yifa docs import|export` as a user runs them: exit codes, the row report, no traceback."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


def yifa(tmp_path, *args):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "YIFA_INSTANCE": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    proc = subprocess.run([sys.executable, "-m", "engine.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_a_register_is_imported_refused_whole_when_bad_and_exported(tmp_path):
    assert yifa(tmp_path, "user", "add", "zhang", "--role", "official").returncode == 0
    bad = yifa(tmp_path, "docs", "import", FIXTURES / "two-bad-rows.csv", "--as", "zhang")
    assert bad.returncode == 2 and "row" in bad.stderr
    good = yifa(tmp_path, "docs", "import", FIXTURES / "yuelong-register.csv", "--as", "zhang")
    assert good.returncode == 0, good.stderr
    exported = yifa(tmp_path, "docs", "export")
    assert exported.returncode == 0 and "宁河" in exported.stdout
    assert yifa(tmp_path, "trail", "verify").returncode == 0


def test_a_clean_up_review_is_recorded_by_a_reviewer_and_refused_to_others(tmp_path):
    import csv
    with open(FIXTURES / "yuelong-register.csv", encoding="utf-8-sig", newline="") as f:
        number = next(csv.DictReader(f))["number"]
    yifa(tmp_path, "user", "add", "zhang", "--role", "official")
    yifa(tmp_path, "user", "add", "liu", "--role", "legal_advisor")
    assert yifa(tmp_path, "docs", "import", FIXTURES / "yuelong-register.csv", "--as", "zhang").returncode == 0
    refused = yifa(tmp_path, "docs", "review", number, "kept", "--reason", "仍适用", "--as", "zhang")
    assert refused.returncode == 2 and "zhang" in refused.stderr
    done = yifa(tmp_path, "docs", "review", number, "repealed", "--reason", "上位法已修改", "--on", "2025-06-01", "--as", "liu")
    assert done.returncode == 0, done.stderr
    exported = yifa(tmp_path, "docs", "export").stdout
    row = next(line for line in exported.splitlines() if line.startswith(number))
    assert "repealed" in row and "2025-06-01" in row


def test_the_register_is_scanned_as_of_a_day_in_each_format(tmp_path):
    import json
    yifa(tmp_path, "user", "add", "zhang", "--role", "official")
    assert yifa(tmp_path, "docs", "import", FIXTURES / "yuelong-register.csv", "--as", "zhang").returncode == 0
    report = yifa(tmp_path, "docs", "scan", "--as-of", "2024-06-01", "--format", "json")
    assert report.returncode == 1, report.stderr                # errors violated → exit 1 (as §2)
    data = json.loads(report.stdout)
    assert data["as_of"] == "2024-06-01" and data["summary"]["documents"] == 6
    flagged = {d["number"] for d in data["documents"]
               if any(f["verdict"] == "violated" and f["severity"] != "info" for f in d["findings"])}
    assert data["summary"]["needing_action"] == len(flagged) > 0
    expired = next(d for d in data["documents"] if d["number"] == "宁河政规〔2020〕1号")
    val04 = next(f for f in expired["findings"] if f["rule"] == "NDOC-VAL-04")
    assert val04["verdict"] == "violated" and "2022-06-30" in val04["message"]
    # scanned before the expiry, the same document was lawful on that point
    early = json.loads(yifa(tmp_path, "docs", "scan", "--as-of", "2021-06-01", "--format", "json").stdout)
    early_doc = next(d for d in early["documents"] if d["number"] == "宁河政规〔2020〕1号")
    assert next(f for f in early_doc["findings"] if f["rule"] == "NDOC-VAL-04")["verdict"] == "satisfied"
    table = yifa(tmp_path, "docs", "scan", "--as-of", "2024-06-01")
    assert "宁河政规〔2020〕1号" in table.stdout and "按制定机关" in table.stdout
    rows = yifa(tmp_path, "docs", "scan", "--as-of", "2024-06-01", "--format", "csv", "--lang", "en")
    assert rows.stdout.splitlines()[0].startswith("number,title,issuer,rule")
    assert "NDOC-VAL-04" in rows.stdout


def test_a_csv_file_is_scanned_without_importing_and_a_bad_one_is_refused(tmp_path):
    scanned = yifa(tmp_path, "docs", "scan", "--file", FIXTURES / "yuelong-register.csv", "--as-of", "2024-06-01",
                   "--format", "json")
    assert scanned.returncode == 1 and '"needing_action"' in scanned.stdout
    bad = yifa(tmp_path, "docs", "scan", "--file", FIXTURES / "two-bad-rows.csv")
    assert bad.returncode == 2 and "issued_on" in bad.stderr and bad.stdout == ""
    wrong_day = yifa(tmp_path, "docs", "scan", "--as-of", "2024-02-30")
    assert wrong_day.returncode == 2 and "YYYY-MM-DD" in wrong_day.stderr
