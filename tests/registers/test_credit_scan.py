"""The credit scan (CASE_FORMAT §6): regimes by date, publication periods with 民法典 Art. 202's month
arithmetic, eligibility and what is missing, and the penalising authority's follow-ups."""
from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from engine.credit.credit_code import with_check_characters
from engine.credit.scan import CreditScanner, write_follow_ups_csv, write_json, write_table
from engine.credit.use_cases import PenaltyRecord, read_penalties

FIXTURES = Path(__file__).parent / "fixtures"


def record(**fields) -> PenaltyRecord:
    base = dict(case_number="宁河综执罚〔2021〕1号", party="天津市宁河区某某商贸有限公司",
                credit_code=with_check_characters("91120221MA05T6XX"), authority="岳龙镇人民政府",
                decided_on=date(2021, 5, 10), category="general", published_on=None, fulfilled_on=None,
                commitment_on=None, training_on=None, credit_report_on=None, repair_applied_on=None,
                repair_decided_on=None, repair_result=None, revoked_on=None, withdrawn_on=None)
    base.update(fields)
    return PenaltyRecord(**base)


def summary_of(rec: PenaltyRecord, as_of: date) -> dict:
    return CreditScanner(as_of).scan_one(rec).to_json()


def test_the_contract_example_comes_out_as_written():
    rows = {r.record.case_number: r.record for r in read_penalties(FIXTURES / "penalties.csv")}
    scan = CreditScanner(date(2022, 1, 10)).scan_one(rows["宁河综执罚〔2021〕12号"])
    got = scan.to_json()
    assert {k: got[k] for k in ("regime", "category", "min_period_ends_on", "max_period_ends_on", "eligible",
                                "missing", "repairable")} == {
        "regime": "527-2019", "category": "general", "min_period_ends_on": "2021-08-10",
        "max_period_ends_on": "2022-05-10", "eligible": False, "missing": ["commitment"], "repairable": True}
    [follow_up] = scan.follow_ups()
    assert follow_up.to_json() | {"message": ""} == {
        "case_number": "宁河综执罚〔2021〕12号", "authority": "岳龙镇人民政府", "action": "notify_party",
        "rule": "CRED-AUTH-04", "due_on": None, "overdue": False, "message": ""}
    assert "可申请信用修复" in follow_up.message["zh"]


@pytest.mark.parametrize("day_before, first_day, before, after", [
    (date(2017, 7, 30), date(2017, 7, 31), None, "1171-2017"),
    (date(2019, 6, 30), date(2019, 7, 1), "1171-2017", "527-2019"),
    (date(2023, 4, 30), date(2023, 5, 1), "527-2019", "order58-2023"),
    (date(2026, 3, 31), date(2026, 4, 1), "order58-2023", "order36-2025"),
])
def test_the_regime_in_force_on_the_decision_date_governs(day_before, first_day, before, after):
    assert summary_of(record(decided_on=day_before), date(2026, 6, 1))["regime"] == before
    assert summary_of(record(decided_on=first_day), date(2026, 6, 1))["regime"] == after


def test_publication_periods_come_from_the_regime_and_category():
    severe_527 = summary_of(record(decided_on=date(2023, 4, 30), category="severe"), date(2023, 6, 1))
    severe_58 = summary_of(record(decided_on=date(2023, 5, 1), category="severe"), date(2023, 6, 1))
    assert severe_527["min_period_ends_on"] == "2023-10-30"          # 6 months under 527号
    # Order 58 era: min 3 months, max 3 years for all categories (Order 58-era Shenzhen guidance, item 1; the
    # former 1-year severe minimum had no source — credit-order58-2023.yaml regime note, review item 9)
    assert severe_58["min_period_ends_on"] == "2023-08-01"
    assert severe_58["max_period_ends_on"] == "2026-05-01"
    assert severe_527["max_period_ends_on"] == "2026-04-30"
    # 国办发〔2025〕22号 part 二 (read): from 2025-06-22, within Order 58's time, general 3–12 and severe 12–36 months
    general_22 = summary_of(record(decided_on=date(2025, 6, 22)), date(2025, 7, 1))
    assert general_22["regime"] == "order58-2023" and general_22["max_period_ends_on"] == "2026-06-22"
    severe_22 = summary_of(record(decided_on=date(2025, 6, 22), category="severe"), date(2025, 7, 1))
    assert severe_22["min_period_ends_on"] == "2026-06-22"
    day_before = summary_of(record(decided_on=date(2025, 6, 21)), date(2025, 7, 1))
    assert day_before["max_period_ends_on"] == "2028-06-21"
    minor_36 = summary_of(record(decided_on=date(2026, 5, 31), category="minor"), date(2026, 6, 1))
    assert (minor_36["min_period_ends_on"], minor_36["max_period_ends_on"]) == ("2026-05-31", "2026-08-31")
    specified = summary_of(record(decided_on=date(2020, 7, 22), category="specified_severe"), date(2021, 1, 1))
    assert specified["repairable"] is False and specified["min_period_ends_on"] == "2023-07-22"


def test_month_end_arithmetic_follows_the_civil_code():
    got = summary_of(record(decided_on=date(2024, 1, 31)), date(2024, 2, 1))
    assert got["min_period_ends_on"] == "2024-04-30"                 # 31 Jan + 3 months
    assert got["max_period_ends_on"] == "2027-01-31"                 # 3 years under Order 58 (Shenzhen guidance item 1)
    leap = summary_of(record(decided_on=date(2024, 2, 29), category="severe"), date(2024, 3, 1))
    # Order 58 era: severe min 3 months (Shenzhen guidance item 1), so 29 Feb + 36 months carries the month-end check
    assert leap["min_period_ends_on"] == "2024-05-29" and leap["max_period_ends_on"] == "2027-02-28"


def test_the_minimum_is_served_only_once_its_last_day_has_passed():
    fulfilled = dict(fulfilled_on=date(2021, 5, 20), commitment_on=date(2021, 5, 20), published_on=date(2021, 5, 12))
    on_last_day = summary_of(record(**fulfilled), date(2021, 8, 10))
    day_after = summary_of(record(**fulfilled), date(2021, 8, 11))
    assert on_last_day["missing"] == ["min_period"] and not on_last_day["eligible"]
    assert day_after["missing"] == [] and day_after["eligible"]


def test_what_is_missing_depends_on_the_regime():
    severe_527 = summary_of(record(category="severe", fulfilled_on=date(2021, 6, 1)), date(2022, 1, 10))
    assert severe_527["missing"] == ["commitment", "training", "credit_report"]
    severe_58 = summary_of(record(decided_on=date(2023, 6, 1), category="severe"), date(2024, 1, 10))
    # no training or report; and the minimum is 3 months under Order 58 (Shenzhen guidance item 1), so it is served
    assert severe_58["missing"] == ["fulfilment", "commitment"]


def test_a_revocation_must_be_withdrawn_within_three_working_days_across_national_day():
    rec = record(decided_on=date(2024, 9, 2), published_on=date(2024, 9, 4), revoked_on=date(2024, 9, 30))
    # listed from the revocation on, while still due (CASE_FORMAT §6, v2)
    assert not [f for f in CreditScanner(date(2024, 9, 29)).scan_one(rec).follow_ups()
                if f.action == "withdraw_publication"]
    within = CreditScanner(date(2024, 10, 10)).scan_one(rec)
    [due] = [f for f in within.follow_ups() if f.action == "withdraw_publication"]
    assert due.due_on == date(2024, 10, 10) and not due.overdue and due.to_json()["overdue"] is False
    late = CreditScanner(date(2024, 10, 11)).scan_one(rec)
    [withdraw] = [f for f in late.follow_ups() if f.action == "withdraw_publication"]
    assert withdraw.due_on == date(2024, 10, 10) and withdraw.overdue and withdraw.rule == "CRED-AUTH-02"


def test_an_application_pending_past_ten_working_days_is_a_follow_up_with_its_due_date():
    rec = record(decided_on=date(2024, 3, 1), published_on=date(2024, 3, 4), fulfilled_on=date(2024, 3, 10),
                 commitment_on=date(2024, 9, 27), repair_applied_on=date(2024, 9, 27))
    [due] = [f for f in CreditScanner(date(2024, 10, 16)).scan_one(rec).follow_ups()
             if f.action == "process_application"]
    assert due.due_on == date(2024, 10, 16) and not due.overdue
    [process] = [f for f in CreditScanner(date(2024, 10, 17)).scan_one(rec).follow_ups()
                 if f.action == "process_application"]
    # 29 Sep (Sunday) and 12 Oct (Saturday) are working days in 2024; 1–7 Oct are not
    assert process.due_on == date(2024, 10, 16) and process.overdue


def test_a_record_past_its_maximum_still_shown_must_be_taken_down():
    rec = record(decided_on=date(2021, 5, 10), published_on=date(2021, 5, 12), fulfilled_on=date(2021, 5, 20))
    [take_down] = [f for f in CreditScanner(date(2022, 5, 11)).scan_one(rec).follow_ups() if f.action == "take_down"]
    assert take_down.due_on == date(2022, 5, 10) and take_down.overdue
    [due] = [f for f in CreditScanner(date(2022, 5, 10)).scan_one(rec).follow_ups() if f.action == "take_down"]
    assert due.due_on == date(2022, 5, 10) and not due.overdue
    assert not [f for f in CreditScanner(date(2022, 5, 9)).scan_one(rec).follow_ups() if f.action == "take_down"]


def test_a_disputable_regime_choice_marks_the_findings_that_read_it_unverified():
    # decided under 527号, applied under Order 58: the transitional rule decides and is unverified
    rec = record(decided_on=date(2023, 4, 20), published_on=date(2023, 4, 21), fulfilled_on=date(2023, 4, 25),
                 commitment_on=date(2023, 7, 25), repair_applied_on=date(2023, 7, 25))
    scan = CreditScanner(date(2023, 8, 1)).scan_one(rec)
    assert scan.to_json()["regime"] == "527-2019"
    by_rule = {f.rule: f for f in scan.findings}
    assert by_rule["CRED-MAX-01"].verified is False
    plain = CreditScanner(date(2023, 8, 1)).scan_one(record(decided_on=date(2021, 5, 10), published_on=date(2021, 5, 12)))
    assert {f.rule: f for f in plain.findings}["CRED-MAX-01"].verified is True


def test_the_json_has_exactly_the_contract_keys_and_the_authority_filter_applies():
    records = [r.record for r in read_penalties(FIXTURES / "penalties.csv")]
    scanner = CreditScanner(date(2022, 1, 10))
    out = io.StringIO()
    summary = write_json(scanner, scanner.scan(records), out)
    report = json.loads(out.getvalue())
    assert list(report) == ["as_of", "records", "follow_ups"]
    assert len(report["records"]) == len(records) == summary.records
    for r in report["records"]:
        assert list(r) == ["case_number", "regime", "category", "min_period_ends_on", "max_period_ends_on",
                           "eligible", "missing", "repairable", "findings"]
    for f in report["follow_ups"]:
        assert list(f) == ["case_number", "authority", "action", "rule", "due_on", "overdue", "message"]
    only = CreditScanner(date(2022, 1, 10), authority="岳龙镇人民政府")
    out = io.StringIO()
    write_json(only, only.scan(records), out)
    mine = json.loads(out.getvalue())
    assert mine["records"] and all(f["authority"] == "岳龙镇人民政府" for f in mine["follow_ups"])
    assert len(mine["records"]) == sum(1 for r in records if r.authority == "岳龙镇人民政府")


def test_the_follow_up_list_exports_as_csv_and_the_table_groups_by_authority():
    records = [r.record for r in read_penalties(FIXTURES / "penalties.csv")]
    scanner = CreditScanner(date(2024, 6, 1))
    rows = io.StringIO()
    summary = write_follow_ups_csv(scanner.scan(records), rows)
    lines = rows.getvalue().splitlines()
    assert lines[0] == "case_number,party,authority,action,rule,due_on,overdue,message"
    assert len(lines) - 1 == summary.follow_ups > 0
    table = io.StringIO()
    write_table(scanner, scanner.scan(records), table)
    assert "■ 岳龙镇人民政府" in table.getvalue() and f"跟进事项 {summary.follow_ups} 项" in table.getvalue()


def test_a_withdrawal_due_on_a_friday_is_overdue_on_the_saturday():
    # revoked Monday 3 April 2023; Qingming (5 April) is a holiday: the 3rd working day is Friday 7 April
    rec = record(decided_on=date(2023, 3, 1), published_on=date(2023, 3, 2), revoked_on=date(2023, 4, 3))
    [friday] = [f for f in CreditScanner(date(2023, 4, 7)).scan_one(rec).follow_ups()
                if f.action == "withdraw_publication"]
    assert friday.due_on == date(2023, 4, 7) and not friday.overdue
    saturday = CreditScanner(date(2023, 4, 8)).scan_one(rec)
    [withdraw] = [f for f in saturday.follow_ups() if f.action == "withdraw_publication"]
    assert withdraw.overdue
    finding = next(f.to_json() for f in saturday.findings if f.rule == "CRED-AUTH-02")
    assert finding["verdict"] == "violated" and finding["overdue"] is True and finding["due_on"] == "2023-04-07"


def test_a_granted_repair_still_shown_is_a_take_down_listed_until_withdrawn():
    # the repair ends the publication (527号 via SPEC §C.3; Order 36 Art. 3(2)); no text read sets a time,
    # so the follow-up is listed from the grant until withdrawn_on, due on §6's maximum period's last day
    granted = dict(decided_on=date(2021, 5, 10), published_on=date(2021, 5, 12), fulfilled_on=date(2021, 5, 20),
                   commitment_on=date(2021, 9, 1), repair_applied_on=date(2021, 9, 1),
                   repair_decided_on=date(2021, 9, 3), repair_result="granted")
    shown = CreditScanner(date(2021, 9, 3)).scan_one(record(**granted))
    [take_down] = [f for f in shown.follow_ups() if f.action == "take_down"]
    assert take_down.rule == "CRED-AUTH-06-527" and take_down.due_on == date(2022, 5, 10) and not take_down.overdue
    late = CreditScanner(date(2022, 5, 11)).scan_one(record(**granted))
    [late_take_down] = [f for f in late.follow_ups() if f.action == "take_down"]   # once, though two rules raise it
    assert late_take_down.overdue
    gone = CreditScanner(date(2021, 9, 10)).scan_one(record(**granted, withdrawn_on=date(2021, 9, 6)))
    assert not [f for f in gone.follow_ups() if f.action == "take_down"]
    assert {f.rule: f.verdict for f in gone.findings}["CRED-AUTH-06-527"] == "satisfied"


def test_a_fine_not_yet_due_is_not_chased():
    # 行政处罚法 Art. 67(3): 15 days from receipt; the register has no service date, so decided_on + 15 (unverified)
    unpaid = record(decided_on=date(2021, 8, 10), published_on=date(2021, 8, 12))
    on_last_day = CreditScanner(date(2021, 8, 25)).scan_one(unpaid)
    assert not [f for f in on_last_day.follow_ups() if f.action == "chase_fulfilment"]
    finding = {f.rule: f.to_json() for f in on_last_day.findings}["CRED-NO-02"]
    assert finding["verdict"] == "pending" and finding["reason"] == "running" and finding["due_on"] == "2021-08-25"
    assert finding["verified"] is False
    [chase] = [f for f in CreditScanner(date(2021, 8, 26)).scan_one(unpaid).follow_ups() if f.action == "chase_fulfilment"]
    assert chase.rule == "CRED-NO-02" and chase.due_on is None and "未核实" in chase.message["zh"]


@pytest.mark.parametrize("decided_on, regime, rule", [
    (date(2018, 3, 1), "1171-2017", "CRED-MAX-01-1171"),
    (date(2021, 3, 1), "527-2019", "CRED-MAX-01"),
    (date(2024, 3, 1), "order58-2023", "CRED-MAX-01-58"),
    (date(2026, 4, 10), "order36-2025", "CRED-MAX-01-36"),
])
def test_a_penalty_under_each_regime_is_judged_by_that_regimes_rules(decided_on, regime, rule):
    rec = record(decided_on=decided_on, published_on=decided_on)
    scan = CreditScanner(decided_on).scan_one(rec)
    assert scan.to_json()["regime"] == regime
    assert {f.rule: f.verdict for f in scan.findings}[rule] == "satisfied"
    others = {"CRED-MAX-01-1171", "CRED-MAX-01", "CRED-MAX-01-58", "CRED-MAX-01-36"} - {rule}
    assert all(f.reason == "not_in_force" for f in scan.findings if f.rule in others)


def test_repair_follows_the_regime_of_the_application_and_the_periods_that_of_the_decision():
    # CASE_FORMAT §6 v2: a severe penalty decided under 527号 (training, credit report, 6-month minimum)
    # and applied for under Order 58 (commitment only): the periods stay 527号's, the materials are Order 58's
    rec = record(decided_on=date(2023, 4, 20), category="severe", published_on=date(2023, 4, 21),
                 fulfilled_on=date(2023, 4, 25), repair_applied_on=date(2023, 11, 1))
    scan = CreditScanner(date(2023, 11, 2)).scan_one(rec)
    got = scan.to_json()
    assert got["regime"] == "527-2019" and got["min_period_ends_on"] == "2023-10-20"
    assert got["missing"] == ["commitment"]                       # no training or credit report under Order 58
    assert list(got) == ["case_number", "regime", "category", "min_period_ends_on", "max_period_ends_on",
                         "eligible", "missing", "repairable", "findings"]      # the §6 record keeps its keys
    assert scan.facts["repair_regime"] == "order58-2023" and scan.facts["regimes_differ"] is True
    by_rule = {f.rule: f for f in scan.findings}
    assert by_rule["CRED-TIME-01-58"].verdict == "satisfied" and by_rule["CRED-TIME-01"].reason == "not_in_force"
    late = {f.rule: f for f in CreditScanner(date(2023, 11, 30)).scan_one(rec).findings}["CRED-TIME-01-58"]
    assert late.verdict == "violated"
    # the Chinese names each regime by its document number, never by its §6 code
    assert "公示期限按处罚决定日所处的发改办财金〔2019〕527号" in late.message["zh"]
    assert "修复条件、材料和办理按修复申请日所处的国家发展和改革委员会令2023年第58号" in late.message["zh"]
    assert "order58-2023" not in late.message["zh"] and "under order58-2023" in late.message["en"]
    before = CreditScanner(date(2023, 5, 2)).scan_one(record(decided_on=date(2023, 4, 20), category="severe"))
    assert before.facts["repair_regime"] == "order58-2023"        # before an application: the regime on as_of
