"""The annual report's figures for the demo registers, against counts made here from the CSV files."""
from __future__ import annotations

import csv
import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest

from engine.cli import main
from engine.cli.registers import records_in_file
from engine.registers.kinds import register_kind
from engine.report import figures, followups

DEMO = Path(__file__).resolve().parents[2] / "web"
AS_OF = "2026-01-15"


def _csv(name: str) -> list[dict[str, str]]:
    with open(DEMO / name, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _independent(year: int) -> dict[str, int]:
    y = str(year)
    docs, pens = _csv("demo_documents.csv"), _csv("demo_penalties.csv")
    issued = [d for d in docs if d["issued_on"].startswith(y)]
    evaluated = [d for d in docs if d["last_reviewed_on"].startswith(y)]
    return {
        "documents.issued": len(issued),
        "documents.reviewed_before_issue": sum(1 for d in issued if d["legality_reviewed_on"] and d["legality_reviewed_on"] <= d["issued_on"]),
        "documents.published": sum(1 for d in issued if d["published_on"]),
        "documents.filed": sum(1 for d in issued if d["filed_on"]),
        "documents.evaluated": len(evaluated),
        "documents.kept": sum(1 for d in evaluated if d["status"] == "in_force"),
        "documents.amended": sum(1 for d in evaluated if d["status"] == "amended"),
        "documents.repealed": sum(1 for d in evaluated if d["status"] == "repealed"),
        "documents.declared_invalid": sum(1 for d in evaluated if d["status"] == "expired"),
        "penalties.decided": sum(1 for p in pens if p["decided_on"].startswith(y)),
        "penalties.published": sum(1 for p in pens if p["published_on"].startswith(y)),
        "penalties.repaired": sum(1 for p in pens if p["repair_decided_on"].startswith(y) and p["repair_result"] == "granted"),
        "penalties.repair_refused": sum(1 for p in pens if p["repair_decided_on"].startswith(y) and p["repair_result"] == "refused"),
        "penalties.withdrawn": sum(1 for p in pens if p["withdrawn_on"].startswith(y)),
    }


def _json_report(year: int, capsys: pytest.CaptureFixture[str]) -> dict:
    code = main(["report", "annual", "--year", str(year), "--as-of", AS_OF, "--format", "json",
                 "--documents", str(DEMO / "demo_documents.csv"), "--penalties", str(DEMO / "demo_penalties.csv")])
    assert code == 0
    return json.loads(capsys.readouterr().out)


def _counts(report: dict) -> dict[str, int]:
    return {f["key"]: f["count"] for section in report["sections"].values() for f in section}


@pytest.mark.parametrize("year", [2020, 2023, 2024, 2025])
def test_demo_figures_equal_independent_counts(year: int, capsys: pytest.CaptureFixture[str]) -> None:
    report = _json_report(year, capsys)
    assert report["as_of"] == AS_OF and report["rulebook_version"]
    expected = _independent(year)
    assert {k: v for k, v in _counts(report).items() if k in expected} == expected
    extra = set(_counts(report)) - set(expected)
    assert {k for k in extra if not k.startswith("decisions.")} == {"penalties.follow_ups_in_time", "penalties.follow_ups_late"}
    assert all(_counts(report)[k] == 0 for k in extra if k.startswith("decisions."))   # no case files given


def test_some_demo_year_has_nonzero_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert sum(_counts(_json_report(2024, capsys)).values()) > 0


def _demo_records() -> tuple[list, list]:
    return (records_in_file(register_kind("documents"), DEMO / "demo_documents.csv", None),
            records_in_file(register_kind("penalties"), DEMO / "demo_penalties.csv", None))


def _report(docs: list, pens: list, year: int) -> dict:
    day = date(2026, 1, 15)
    return figures.report(year, None, day, "v", docs, pens, followups.done_in_year(pens, year),
                          followups.open_on(pens, day))


def _figure_counts(docs: list, pens: list, year: int) -> dict[str, int]:
    return _counts(_report(docs, pens, year))


def test_one_document_repealed_changes_exactly_its_figures() -> None:
    docs, pens = _demo_records()
    before = _figure_counts(docs, pens, 2025)
    i = next(i for i, d in enumerate(docs) if d.status == "in_force" and d.last_reviewed_on is None)
    docs[i] = dataclasses.replace(docs[i], status="repealed", last_reviewed_on=date(2025, 12, 1))
    after = _figure_counts(docs, pens, 2025)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"documents.evaluated", "documents.repealed"}
    assert after["documents.repealed"] == before["documents.repealed"] + 1


def test_one_repair_granted_changes_exactly_its_figures() -> None:
    docs, pens = _demo_records()
    before = _figure_counts(docs, pens, 2025)
    i = next(i for i, p in enumerate(pens) if p.repair_decided_on is None)
    pens[i] = dataclasses.replace(pens[i], repair_applied_on=date(2025, 11, 1), repair_decided_on=date(2025, 11, 4),
                                  repair_result="granted")
    after = _figure_counts(docs, pens, 2025)
    # the repair decided within the processing period is also a follow-up done in time
    assert {k for k in before if before[k] != after[k]} == {"penalties.repaired", "penalties.follow_ups_in_time"}


def test_html_links_every_counted_record(capsys: pytest.CaptureFixture[str]) -> None:
    main(["report", "annual", "--year", "2024", "--as-of", AS_OF, "--format", "html",
          "--documents", str(DEMO / "demo_documents.csv"), "--penalties", str(DEMO / "demo_penalties.csv")])
    html = capsys.readouterr().out
    assert AS_OF in html and "【由单位填写：" in html
    assert 'href="/documents/岳龙政规〔2024〕2号"' in html


def test_one_overdue_take_down_done_changes_exactly_its_figures() -> None:
    """The demo's 岳龙综执罚〔2018〕11号 was due to be taken down on 2021-09-03 and is still shown."""
    docs, pens = _demo_records()
    number = "岳龙综执罚〔2018〕11号"
    before = _report(docs, pens, 2025)
    assert number in {c["record"] for c in before["corrections"]}
    i = next(i for i, p in enumerate(pens) if p.case_number == number)
    pens[i] = dataclasses.replace(pens[i], withdrawn_on=date(2025, 3, 1))
    after = _report(docs, pens, 2025)
    b, a = _counts(before), _counts(after)
    assert {k for k in b if b[k] != a[k]} == {"penalties.withdrawn", "penalties.follow_ups_late"}
    assert a["penalties.follow_ups_late"] == b["penalties.follow_ups_late"] + 1
    assert [c for c in before["corrections"] if c["record"] != number] == after["corrections"]


def test_each_figure_carries_the_previous_years_count(capsys: pytest.CaptureFixture[str]) -> None:
    report = _json_report(2025, capsys)
    previous = {f["key"]: f["previous_year"] for s in report["sections"].values() for f in s}
    last_year = _independent(2024)
    assert {k: previous[k] for k in last_year} == last_year
    assert previous["penalties.follow_ups_late"] is None     # not worked out for the year before
