"""`yifa docs import|export` as a user runs them: exit codes, the row report, no traceback.

The instance (`cli_instance`, tests/conftest.py) is a copy of one made by `yifa db upgrade` and `yifa user
add` once per session: zhang is an official, liu a legal advisor.
"""
from pathlib import Path

import pytest

from tests.yifa_cli import run_yifa

FIXTURES = Path(__file__).parent / "fixtures"


def yifa(instance, *args):
    proc = run_yifa(instance, *args)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.mark.slow
def test_a_register_is_imported_refused_whole_when_bad_and_exported(cli_instance):
    bad = yifa(cli_instance, "docs", "import", FIXTURES / "two-bad-rows.csv", "--as", "zhang")
    assert bad.returncode == 2 and "row" in bad.stderr
    good = yifa(cli_instance, "docs", "import", FIXTURES / "yuelong-register.csv", "--as", "zhang")
    assert good.returncode == 0, good.stderr
    exported = yifa(cli_instance, "docs", "export")
    assert exported.returncode == 0 and "宁河" in exported.stdout
    assert yifa(cli_instance, "trail", "verify").returncode == 0


@pytest.mark.slow
def test_a_clean_up_review_is_recorded_by_a_reviewer_and_refused_to_others(cli_instance):
    import csv
    with open(FIXTURES / "yuelong-register.csv", encoding="utf-8-sig", newline="") as f:
        number = next(csv.DictReader(f))["number"]
    assert yifa(cli_instance, "docs", "import", FIXTURES / "yuelong-register.csv", "--as", "zhang").returncode == 0
    refused = yifa(cli_instance, "docs", "review", number, "kept", "--reason", "仍适用", "--as", "zhang")
    assert refused.returncode == 2 and "zhang" in refused.stderr
    done = yifa(cli_instance, "docs", "review", number, "repealed", "--reason", "上位法已修改", "--on", "2025-06-01", "--as", "liu")
    assert done.returncode == 0, done.stderr
    exported = yifa(cli_instance, "docs", "export").stdout
    row = next(line for line in exported.splitlines() if line.startswith(number))
    assert "repealed" in row and "2025-06-01" in row


@pytest.mark.slow
def test_the_register_is_scanned_as_of_a_day_in_each_format(cli_instance):
    import json
    assert yifa(cli_instance, "docs", "import", FIXTURES / "yuelong-register.csv", "--as", "zhang").returncode == 0
    report = yifa(cli_instance, "docs", "scan", "--as-of", "2024-06-01", "--format", "json")
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
    early = json.loads(yifa(cli_instance, "docs", "scan", "--as-of", "2021-06-01", "--format", "json").stdout)
    early_doc = next(d for d in early["documents"] if d["number"] == "宁河政规〔2020〕1号")
    assert next(f for f in early_doc["findings"] if f["rule"] == "NDOC-VAL-04")["verdict"] == "satisfied"
    table = yifa(cli_instance, "docs", "scan", "--as-of", "2024-06-01")
    assert "宁河政规〔2020〕1号" in table.stdout and "按制定机关" in table.stdout
    rows = yifa(cli_instance, "docs", "scan", "--as-of", "2024-06-01", "--format", "csv", "--lang", "en")
    assert rows.stdout.splitlines()[0].startswith("number,title,issuer,rule")
    assert "NDOC-VAL-04" in rows.stdout


@pytest.mark.slow
def test_a_csv_file_is_scanned_without_importing_and_a_bad_one_is_refused(tmp_path):
    scanned = yifa(tmp_path, "docs", "scan", "--file", FIXTURES / "yuelong-register.csv", "--as-of", "2024-06-01",
                   "--format", "json")
    assert scanned.returncode == 1 and '"needing_action"' in scanned.stdout
    bad = yifa(tmp_path, "docs", "scan", "--file", FIXTURES / "two-bad-rows.csv")
    assert bad.returncode == 2 and "issued_on" in bad.stderr and bad.stdout == ""
    wrong_day = yifa(tmp_path, "docs", "scan", "--as-of", "2024-02-30")
    assert wrong_day.returncode == 2 and "YYYY-MM-DD" in wrong_day.stderr
