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
