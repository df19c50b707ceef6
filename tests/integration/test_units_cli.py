"""Units through the CLI: the tree, roles in units, imports into a unit, reads `--as` a user limited to
the units their roles cover, writes refused across units, and the annual report of one unit."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.yifa_cli import run_yifa

ROOT = Path(__file__).resolve().parents[2]
PENALTIES = ROOT / "tests" / "registers" / "fixtures" / "penalties.csv"
EXAMPLE = ROOT / "examples" / "yuelong-sewage-2024.yaml"

pytestmark = pytest.mark.slow


def yifa(instance: Path, *argv: object, ok: bool = True):
    done = run_yifa(instance, *argv)
    if ok:
        assert done.returncode == 0, f"yifa {' '.join(map(str, argv))}: {done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    """宁河区 (root) with 岳龙镇 and 丰台镇; one official each, a district reviewer over all."""
    instance = tmp_path_factory.mktemp("units-cli")
    yifa(instance, "db", "upgrade")
    yifa(instance, "user", "add", "boss", "--role", "admin")
    yifa(instance, "unit", "edit", "root", "--name", "宁河区人民政府", "--jurisdiction", "CN-12/ninghe", "--as", "boss")
    yifa(instance, "unit", "add", "yuelong", "--name", "岳龙镇人民政府", "--level", "township",
         "--jurisdiction", "CN-12/ninghe/yuelong", "--parent", "root", "--as", "boss")
    yifa(instance, "unit", "add", "fengtai", "--name", "丰台镇人民政府", "--level", "township",
         "--jurisdiction", "CN-12/ninghe", "--parent", "root", "--as", "boss")
    yifa(instance, "user", "add", "zhang", "--role", "official", "--unit", "yuelong")
    yifa(instance, "user", "add", "chen", "--role", "official", "--unit", "fengtai")
    yifa(instance, "user", "add", "zhou", "--role", "legality_reviewer", "--role", "auditor", "--unit", "root",
         "--subtree")
    yifa(instance, "credit", "import", PENALTIES, "--as", "zhang")
    yifa(instance, "case", "import", EXAMPLE, "--as", "zhang")
    return instance


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(text.splitlines()))


def test_the_tree_is_listed_with_its_levels(district):
    listed = json.loads(yifa(district, "unit", "list", "--format", "json").stdout)
    assert [(u["code"], u["parent"], u["level"]) for u in listed] == [
        ("root", None, "county"), ("fengtai", "root", "township"), ("yuelong", "root", "township")]


def test_a_read_as_a_user_holds_only_their_units_records(district):
    stored = len(rows(PENALTIES.read_text(encoding="utf-8-sig")))
    assert len(rows(yifa(district, "credit", "export").stdout)) == stored              # the operator: all
    assert len(rows(yifa(district, "credit", "export", "--as", "zhang").stdout)) == stored
    assert rows(yifa(district, "credit", "export", "--as", "chen").stdout) == []
    assert len(rows(yifa(district, "credit", "export", "--as", "zhou").stdout)) == stored
    case_id = "YL-2024-011"
    assert yifa(district, "case", "export", case_id, "--as", "zhang").stdout.startswith("id:") or \
        case_id in yifa(district, "case", "export", case_id, "--as", "zhang").stdout
    refused = yifa(district, "case", "export", case_id, "--as", "chen", ok=False)
    assert refused.returncode == 2 and case_id in refused.stderr and "Traceback" not in refused.stderr
    unknown = yifa(district, "credit", "export", "--as", "nobody", ok=False)
    assert unknown.returncode != 0 and "nobody" in unknown.stderr and "Traceback" not in unknown.stderr


def test_an_official_of_another_township_cannot_change_the_record(district):
    refused = yifa(district, "case", "adjust", "YL-2024-011", "--kind", "suspend", "--reason", "试", "--as", "chen",
                   ok=False)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    penalty = rows(PENALTIES.read_text(encoding="utf-8-sig"))[0]
    changed = district / "changed.csv"
    with changed.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(penalty))
        writer.writeheader()
        writer.writerow(dict(penalty, party="丰台某公司"))
    refused = yifa(district, "credit", "import", changed, "--as", "chen", ok=False)
    assert refused.returncode == 2 and "已登记在其他单位" in refused.stderr
    into_other = yifa(district, "credit", "import", changed, "--as", "zhang", "--unit", "fengtai", ok=False)
    assert into_other.returncode != 0 and "fengtai" in into_other.stderr and "Traceback" not in into_other.stderr


def test_the_annual_report_of_a_unit_counts_its_records_and_those_below(district):
    everything = json.loads(yifa(district, "report", "annual", "--year", "2024", "--as-of", "2026-06-30").stdout)
    yuelong = json.loads(yifa(district, "report", "annual", "--year", "2024", "--unit", "yuelong",
                              "--as-of", "2026-06-30").stdout)
    fengtai = json.loads(yifa(district, "report", "annual", "--year", "2024", "--unit", "fengtai",
                              "--as-of", "2026-06-30").stdout)
    district_wide = json.loads(yifa(district, "report", "annual", "--year", "2024", "--unit", "root",
                                    "--as-of", "2026-06-30").stdout)
    assert yuelong["unit"] == "岳龙镇人民政府" and fengtai["unit"] == "丰台镇人民政府"
    def figures(report: dict) -> str:
        return json.dumps([report["sections"], report["decision_problems"]], sort_keys=True)

    assert figures(yuelong) == figures(district_wide) == figures(everything)    # every record is 岳龙镇's
    assert yuelong["decision_problems"] and fengtai["decision_problems"] == []
    assert figures(fengtai) != figures(yuelong)


def test_roles_held_over_the_whole_tree_are_taken_away_and_the_last_role_is_kept(district):
    yifa(district, "user", "add", "li", "--role", "official")                       # over root and all below
    assert len(rows(yifa(district, "credit", "export", "--as", "li").stdout)) > 0
    yifa(district, "user", "roles", "li", "--role", "official", "--unit", "fengtai", "--as", "boss")
    yifa(district, "user", "roles", "li", "--unit", "root", "--as", "boss")          # no --role: taken away
    assert rows(yifa(district, "credit", "export", "--as", "li").stdout) == []      # 丰台镇 has no penalty
    refused = yifa(district, "user", "roles", "li", "--unit", "fengtai", "--as", "boss", ok=False)
    assert refused.returncode == 2 and "至少保留一个角色" in refused.stderr
