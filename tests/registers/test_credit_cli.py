"""`yifa credit import|export` as a user runs them, on SQLite and PostgreSQL: exit codes, the row
report, byte-for-byte export, no traceback."""
import csv
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REGISTER = FIXTURES / "penalties.csv"


def edited(tmp_path, name, change):
    with open(REGISTER, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    change(rows)
    path = tmp_path / name
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.slow
def test_a_register_is_imported_exported_byte_for_byte_and_reimported_unchanged(yifa, tmp_path):
    code, _, out, err = yifa("credit", "import", REGISTER, "--as", "zhang")
    assert code == 0 and "新增 imported 20" in out, err
    code, _, _, err = yifa("credit", "export", "-o", tmp_path / "out.csv")
    assert code == 0 and "20" in err
    assert (tmp_path / "out.csv").read_bytes() == REGISTER.read_bytes()
    code, raw, _, _ = yifa("credit", "export")
    assert code == 0 and raw == REGISTER.read_bytes()[3:]          # stdout: the same without BOM
    code, _, out, _ = yifa("credit", "import", tmp_path / "out.csv", "--as", "zhang")
    assert code == 0 and "未变 unchanged 20" in out
    assert yifa("trail", "verify")[0] == 0


@pytest.mark.slow
def test_bad_rows_refuse_the_file_with_every_problem_and_skip_invalid_writes_them_out(yifa, tmp_path):
    def spoil(rows):
        rows[2]["credit_code"] = rows[2]["credit_code"][:-1] + ("0" if rows[2]["credit_code"][-1] != "0" else "1")
        rows[5]["decided_on"] = "2022-13-01"
    bad = edited(tmp_path, "bad.csv", spoil)
    code, _, out, err = yifa("credit", "import", bad, "--as", "zhang")
    assert code == 2 and "nothing imported" in err
    assert "row 4, credit_code" in err and "check character should be" in err and "row 7, decided_on" in err
    assert yifa("credit", "export")[2].count("\r\n") == 1           # the header alone: nothing stored
    rejected = tmp_path / "rejected.csv"
    code, _, out, err = yifa("credit", "import", bad, "--skip-invalid", "--rejected", rejected, "--as", "zhang")
    assert code == 0 and "新增 imported 18" in out and "拒绝 rejected 2" in err
    with open(rejected, encoding="utf-8-sig", newline="") as f:
        assert [r["reason"][:6] for r in csv.DictReader(f)] == ["row 4,", "row 7,"]


@pytest.mark.slow
def test_a_changed_row_is_updated_on_reimport(yifa, tmp_path):
    assert yifa("credit", "import", REGISTER, "--as", "zhang")[0] == 0
    path = edited(tmp_path, "edited.csv", lambda rows: rows[0].update(commitment_on="2021-08-20"))
    code, _, out, _ = yifa("credit", "import", path, "--as", "zhang")
    assert code == 0 and "更新 updated 1" in out and "未变 unchanged 19" in out


@pytest.mark.slow
def test_unreadable_input_and_misuse_exit_2_with_a_sentence(yifa, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(REGISTER.read_text(encoding="utf-8-sig").encode("utf-16"))
    for args, words in [
        (("credit", "import", empty, "--as", "zhang"), "empty file"),
        (("credit", "import", utf16, "--as", "zhang"), "UTF-16"),
        (("credit", "import", tmp_path / "missing.csv", "--as", "zhang"), "cannot read the file"),
        (("credit", "import", REGISTER, "--as", "nobody"), "unknown or inactive user"),
        (("credit", "import", REGISTER, "--rejected", tmp_path / "r.csv", "--as", "zhang"), "--skip-invalid"),
        (("credit", "import", REGISTER, "--encoding", "latin-1", "--as", "zhang"), "invalid choice"),
    ]:
        code, _, _, err = yifa(*args)
        assert code == 2 and words in err, (args, err)


@pytest.mark.slow
def test_credit_without_an_action_prints_its_help(yifa):
    code, _, out, _ = yifa("credit")
    assert code == 2 and "import" in out and "export" in out



@pytest.mark.slow
def test_the_credit_scan_lists_follow_ups_and_exits_1_when_one_is_overdue(yifa):
    import json
    assert yifa("credit", "import", REGISTER, "--as", "zhang")[0] == 0
    code, _, out, err = yifa("credit", "scan", "--as-of", "2022-01-10", "--format", "json")
    data = json.loads(out)
    assert list(data) == ["as_of", "records", "follow_ups"] and data["as_of"] == "2022-01-10"
    example = next(r for r in data["records"] if r["case_number"] == "宁河综执罚〔2021〕12号")
    assert (example["regime"], example["missing"], example["eligible"]) == ("527-2019", ["commitment"], False)
    overdue = [f for f in data["follow_ups"] if f["due_on"] and f["due_on"] < "2022-01-10"]
    assert code == (1 if overdue else 0), err
    code, _, out, _ = yifa("credit", "scan", "--as-of", "2024-06-01", "--format", "json")
    assert any(f["due_on"] and f["due_on"] < "2024-06-01" for f in json.loads(out)["follow_ups"]) and code == 1
    _, _, out, _ = yifa("credit", "scan", "--as-of", "2024-06-01", "--authority", "岳龙镇人民政府", "--format", "csv")
    lines = out.splitlines()
    assert lines[0].startswith("case_number,party,authority,action") and len(lines) > 1
    assert all(",岳龙镇人民政府," in line for line in lines[1:])
    _, _, out, _ = yifa("credit", "scan", "--as-of", "2024-06-01")
    assert "■ " in out and "跟进事项" in out


@pytest.mark.slow
def test_a_credit_file_is_scanned_without_importing_and_a_bad_one_is_refused(yifa, tmp_path):
    code, _, out, _ = yifa("credit", "scan", "--file", REGISTER, "--as-of", "2022-01-10", "--format", "json")
    assert code in (0, 1) and '"follow_ups"' in out
    bad = tmp_path / "bad.csv"
    text = REGISTER.read_text(encoding="utf-8-sig").replace("2021-05-10", "2021-02-30", 1)
    bad.write_text(text, encoding="utf-8")
    code, _, out, err = yifa("credit", "scan", "--file", bad)
    assert code == 2 and "decided_on" in err and out == ""
