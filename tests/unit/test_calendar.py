"""Working days and periods (SPEC §D), checked against real 国办 arrangements."""
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rules
from engine.core.calendar import (
    WorkingCalendar,
    add_months,
    add_years,
    calendar_days_between,
    deadline_end,
    default_calendar,
)
from engine.core.errors import CalendarFileError, CalendarUnknownError

D = date
CALENDARS = Path(rules.__file__).parent / "calendars"
CAL = WorkingCalendar(CALENDARS)
STRICT = WorkingCalendar(CALENDARS, count_adjusted_workdays=False)

# A made-up 2027 arrangement, only ever written to temporary folders: the real one is unknown.
FICTIONAL_2027 = """\
year: 2027
source: {title: 测试用虚构安排（非真实通知）, number: TEST-2027, published_on: 2026-11-01}
verified: false
holidays:
  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
  - {name: 清明节, on: 2027-04-05}
adjusted_workdays:
  - {name: 调休, on: 2027-02-20}
"""


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(i) for i in range((last - first).days + 1)]


def calendar_with(tmp_path: Path, name: str, text: str, **kwargs) -> WorkingCalendar:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return WorkingCalendar(tmp_path, **kwargs)


# ---------------------------------------------------------------- real arrangements


def test_national_day_2024_week_is_not_counted():
    assert not any(CAL.is_working_day(d) for d in days(D(2024, 10, 1), D(2024, 10, 7)))
    assert CAL.working_days_between(D(2024, 9, 30), D(2024, 10, 8)) == 0


def test_sunday_29_september_and_saturday_12_october_2024_are_worked():
    assert CAL.is_working_day(D(2024, 9, 29)) and D(2024, 9, 29).weekday() == 6
    assert CAL.is_working_day(D(2024, 10, 12)) and D(2024, 10, 12).weekday() == 5


def test_a_meeting_on_12_october_2024_leaves_only_6_working_days_after_27_september():
    # Sun 29 Sep, Mon 30 Sep, then 8–11 Oct: Sat 12 Oct itself is the meeting day.
    assert CAL.working_days_between(D(2024, 9, 27), D(2024, 10, 12)) == 6
    assert CAL.working_days_between(D(2024, 9, 27), D(2024, 10, 14)) == 7


def test_spring_festival_2025_is_off_and_its_weekend_make_up_days_are_worked():
    assert not any(CAL.is_working_day(d) for d in days(D(2025, 1, 28), D(2025, 2, 4)))
    assert CAL.is_working_day(D(2025, 1, 26)) and CAL.is_working_day(D(2025, 2, 8))


def test_spec_d5_earliest_meeting_after_a_24_january_2025_submission_is_11_february():
    assert CAL.working_days_between(D(2025, 1, 24), D(2025, 2, 11)) == 7
    assert CAL.working_days_between(D(2025, 1, 24), D(2025, 2, 10)) == 6
    assert CAL.add_working_days(D(2025, 1, 24), 7) == D(2025, 2, 10)


def test_spring_festival_2026_is_off_15_to_23_february_per_the_package():
    for d in days(D(2026, 2, 15), D(2026, 2, 23)):
        assert not CAL.is_working_day(d) and not chinese_calendar.is_workday(d)


def test_both_adjusted_saturdays_of_spring_festival_2026_are_counted():
    for d in (D(2026, 2, 14), D(2026, 2, 28)):
        assert d.weekday() == 5 and d in chinese_calendar.workdays and CAL.is_working_day(d)
    # Sat 14, then 24–27 Feb, then Sat 28 Feb.
    assert CAL.working_days_after(D(2026, 2, 13), D(2026, 2, 28)) == 6


def test_every_day_2004_to_2026_agrees_with_the_chinesecalendar_package():
    for d in days(D(2004, 1, 1), D(2026, 12, 31)):
        assert CAL.is_working_day(d) == chinese_calendar.is_workday(d), d


def test_the_example_file_is_the_real_2025_arrangement_of_the_package(tmp_path):
    shutil.copy(CALENDARS / "EXAMPLE.yaml.txt", tmp_path / "2025.yaml")
    loaded = WorkingCalendar(tmp_path).arrangement(2025)
    assert loaded.holidays == {d for d in chinese_calendar.holidays if d.year == 2025}
    assert loaded.adjusted_workdays == {d for d in chinese_calendar.workdays if d.year == 2025}
    assert "国办发明电〔2024〕12号" in loaded.source and loaded.verified == "V2"


def test_the_shipped_calendars_folder_loads_and_holds_no_example_as_a_year():
    assert CAL.known_years() >= set(range(2004, 2027))
    assert not (CALENDARS / "EXAMPLE.yaml").exists()


# ---------------------------------------------------------------- unknown years


@pytest.mark.parametrize("compute", [
    lambda c: c.working_days_between(D(2026, 12, 28), D(2027, 1, 8)),
    lambda c: c.working_days_after(D(2026, 12, 28), D(2027, 1, 1)),
    lambda c: c.add_working_days(D(2026, 12, 28), 10),
    lambda c: c.is_working_day(D(2027, 3, 1)),
    lambda c: c.roll_forward(D(2027, 1, 2)),
    lambda c: deadline_end(D(2027, 1, 2), c),
])
def test_a_period_touching_2027_without_a_data_file_raises_calendar_unknown(compute):
    with pytest.raises(CalendarUnknownError) as excinfo:
        compute(CAL)
    assert excinfo.value.year == 2027
    assert str(excinfo.value) == "工作日安排未知：2027年 / working-day arrangement unknown for 2027"


def test_a_period_before_2004_raises_calendar_unknown_for_2003():
    with pytest.raises(CalendarUnknownError) as excinfo:
        CAL.working_days_after(D(2003, 12, 1), D(2004, 1, 10))
    assert excinfo.value.year == 2003


def test_a_period_ending_on_the_last_known_day_needs_no_next_year():
    assert CAL.working_days_between(D(2026, 12, 30), D(2027, 1, 1)) == 1
    assert CAL.working_days_after(D(2026, 12, 31), D(2026, 12, 31)) == 0


def test_the_first_unknown_year_is_named_when_a_later_year_is_known(tmp_path):
    cal = calendar_with(tmp_path, "2028.yaml", FICTIONAL_2027.replace("2027", "2028"))
    assert cal.is_known(2028) and not cal.is_known(2027)
    with pytest.raises(CalendarUnknownError) as excinfo:
        cal.working_days_after(D(2026, 12, 1), D(2028, 3, 1))
    assert excinfo.value.year == 2027
    with pytest.raises(CalendarUnknownError) as excinfo:
        cal.add_working_days(D(2026, 12, 1), 300)
    assert excinfo.value.year == 2027


def test_a_valid_2027_file_makes_periods_across_new_year_computable(tmp_path):
    cal = calendar_with(tmp_path, "2027.yaml", FICTIONAL_2027)
    assert cal.is_known(2027)
    # Thu 31 Dec 2026, then 1–3 Jan 2027 off, Mon 4 Jan.
    assert cal.working_days_after(D(2026, 12, 30), D(2027, 1, 4)) == 2
    assert cal.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert cal.is_working_day(D(2027, 2, 20)) and not cal.is_working_day(D(2027, 4, 5))
    assert cal.arrangement(2027).verified is False


def test_a_data_file_for_a_package_year_overrides_the_package(tmp_path):
    only_new_year = """\
year: 2025
source: {title: 更正测试, number: TEST-2025, published_on: 2024-11-12}
verified: false
holidays: [{name: 元旦, on: 2025-01-01}]
adjusted_workdays: []
"""
    cal = calendar_with(tmp_path, "2025.yaml", only_new_year)
    assert cal.is_working_day(D(2025, 1, 28)) and not cal.is_working_day(D(2025, 1, 26))
    assert cal.is_working_day(D(2024, 10, 12))  # other years still come from the package


# ---------------------------------------------------------------- malformed files


@pytest.mark.parametrize("old, new, field", [
    ("verified: false\n", "verified: false\nnote: x\n", "note"),
    ("on: 2027-04-05}", "on: 2027-04-05, off: 1}", "holidays[1].off"),
    ("to: 2027-01-03", "to: 2028-01-03", "holidays[0].to"),
    ("on: 2027-02-20", "on: 2027-02-17", "adjusted_workdays[0].on"),
    ("on: 2027-04-05", "on: 2027-02-30", "holidays[1].on"),
    ("on: 2027-04-05", "on: 2027-4-5", "holidays[1].on"),
    ("on: 2027-02-20", "on: 2027-01-02", "adjusted_workdays[0].on"),
    ("from: 2027-01-01, to: 2027-01-03", "from: 2027-01-03, to: 2027-01-01", "holidays[0].to"),
    ("{name: 清明节, on: 2027-04-05}", "{name: 清明节, on: 2027-04-05, to: 2027-04-06}",
     "holidays[1]"),
    ("  - {name: 清明节", "  - {name: 重复, on: 2027-01-02}\n  - {name: 清明节", "holidays[1]"),
    ("year: 2027", "year: 2028", "year"),
    ("verified: false", "verified: yes", "verified"),
    ("number: TEST-2027, ", "", "source.number"),
    ("published_on: 2026-11-01", "published_on: 2026-11-xx", "source.published_on"),
    ("adjusted_workdays:\n  - {name: 调休, on: 2027-02-20}\n", "", "adjusted_workdays"),
])
def test_a_malformed_file_is_rejected_naming_file_and_field(tmp_path, old, new, field):
    assert old in FICTIONAL_2027
    with pytest.raises(CalendarFileError) as excinfo:
        calendar_with(tmp_path, "2027.yaml", FICTIONAL_2027.replace(old, new))
    assert excinfo.value.field == field and excinfo.value.path.name == "2027.yaml"
    assert str(excinfo.value).startswith(f"{tmp_path / '2027.yaml'}: {field}: ")


def test_a_duplicate_key_is_rejected_rather_than_silently_overwritten(tmp_path):
    with pytest.raises(CalendarFileError, match="duplicate key") as excinfo:
        calendar_with(tmp_path, "2027.yaml", FICTIONAL_2027 + "year: 2027\n")
    assert excinfo.value.field == "year" and "line 9" in str(excinfo.value)


def test_broken_yaml_is_rejected_with_its_line(tmp_path):
    with pytest.raises(CalendarFileError) as excinfo:
        calendar_with(tmp_path, "2027.yaml", FICTIONAL_2027.replace("2027-04-05}", "2027-04-05"))
    assert excinfo.value.field.startswith("(yaml, line ")


def test_an_empty_file_is_rejected(tmp_path):
    with pytest.raises(CalendarFileError) as excinfo:
        calendar_with(tmp_path, "2027.yaml", "")
    assert excinfo.value.field == "(document)"


def test_a_missing_calendars_directory_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        WorkingCalendar(tmp_path / "nowhere")


def test_a_yaml_file_not_named_after_a_year_is_rejected(tmp_path):
    with pytest.raises(CalendarFileError) as excinfo:
        calendar_with(tmp_path, "calendar-2027.yaml", FICTIONAL_2027)
    assert excinfo.value.field == "(file name)"


def test_files_other_than_yaml_are_ignored(tmp_path):
    (tmp_path / "EXAMPLE.yaml.txt").write_text("nonsense: [", encoding="utf-8")
    assert not calendar_with(tmp_path, "README.md", "# notes").is_known(2027)


# ---------------------------------------------------------------- adjusted workdays flag


def test_without_counting_adjusted_workdays_the_spec_d5_example_loses_two_days():
    assert not STRICT.is_working_day(D(2025, 1, 26)) and not STRICT.is_working_day(D(2025, 2, 8))
    assert STRICT.working_days_between(D(2025, 1, 24), D(2025, 2, 11)) == 5
    assert STRICT.working_days_after(D(2026, 2, 13), D(2026, 2, 28)) == 4
    assert STRICT.add_working_days(D(2025, 1, 24), 7) == D(2025, 2, 12)


def test_without_counting_adjusted_workdays_a_deadline_on_such_a_saturday_rolls_on():
    assert deadline_end(D(2024, 10, 12), CAL) == D(2024, 10, 12)
    assert deadline_end(D(2024, 10, 12), STRICT) == D(2024, 10, 14)


# ---------------------------------------------------------------- calendar-day periods


@pytest.mark.parametrize("start, months, end", [
    (D(2024, 1, 31), 3, D(2024, 4, 30)),
    (D(2024, 1, 31), 1, D(2024, 2, 29)),
    (D(2023, 1, 31), 1, D(2023, 2, 28)),
    (D(2024, 1, 15), 1, D(2024, 2, 15)),
    (D(2024, 11, 30), 2, D(2025, 1, 30)),
    (D(2024, 12, 31), 12, D(2025, 12, 31)),
    (D(2024, 3, 31), -1, D(2024, 2, 29)),
    (D(2024, 1, 31), -2, D(2023, 11, 30)),
    (D(2024, 5, 17), 0, D(2024, 5, 17)),
])
def test_add_months_ends_on_the_corresponding_day_or_the_month_end(start, months, end):
    assert add_months(start, months) == end


def test_add_years_from_29_february_ends_on_28_february():
    assert add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)
    assert add_years(D(2025, 3, 1), -1) == D(2024, 3, 1)


def test_calendar_days_between_does_not_count_the_start_day():
    assert calendar_days_between(D(2024, 9, 1), D(2024, 10, 1)) == 30
    assert calendar_days_between(D(2024, 10, 1), D(2024, 9, 1)) == -30


@pytest.mark.parametrize("last_day, rolled", [
    (D(2024, 10, 1), D(2024, 10, 8)),    # National Day 2024
    (D(2024, 10, 13), D(2024, 10, 14)),  # an ordinary Sunday
    (D(2025, 5, 31), D(2025, 6, 3)),     # 端午 2025 (Sat 31 May – Mon 2 Jun)
    (D(2024, 10, 9), D(2024, 10, 9)),    # already a working day
    (D(2025, 2, 8), D(2025, 2, 8)),      # adjusted Saturday is a working day
])
def test_a_deadline_ending_on_a_rest_day_moves_to_the_next_working_day(last_day, rolled):
    assert deadline_end(last_day, CAL) == rolled == CAL.roll_forward(last_day)


# ---------------------------------------------------------------- counting edges


def test_adjacent_or_reversed_dates_have_no_working_days_between():
    assert CAL.working_days_between(D(2025, 3, 3), D(2025, 3, 4)) == 0
    assert CAL.working_days_between(D(2025, 3, 5), D(2025, 3, 3)) == 0
    assert CAL.working_days_after(D(2025, 3, 5), D(2025, 3, 3)) == 0


def test_adding_zero_working_days_returns_the_start_and_negative_is_refused():
    assert CAL.add_working_days(D(2024, 10, 1), 0) == D(2024, 10, 1)
    with pytest.raises(ValueError):
        CAL.add_working_days(D(2024, 10, 1), -1)


known_dates = st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 12, 31))


@settings(max_examples=300, deadline=None)
@given(a=st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 6, 30)),
       n=st.integers(min_value=0, max_value=100))
def test_working_days_after_inverts_add_working_days(a, n):
    end = CAL.add_working_days(a, n)
    assert CAL.working_days_after(a, end) == n
    if n:
        assert CAL.is_working_day(end) and CAL.working_days_after(a, end - timedelta(1)) == n - 1


@settings(max_examples=300, deadline=None)
@given(a=known_dates, span=st.integers(min_value=-3, max_value=90))
def test_working_days_between_agrees_with_a_naive_day_loop(a, span):
    b = min(a + timedelta(span), D(2026, 12, 31))
    inside = [a + timedelta(i) for i in range(1, (b - a).days)]
    assert CAL.working_days_between(a, b) == sum(map(CAL.is_working_day, inside))
    assert CAL.working_days_after(a, b) == sum(map(CAL.is_working_day, inside + [b] * (b > a)))


# ---------------------------------------------------------------- caching and import cost


def test_default_calendar_is_cached_per_directory_and_flag(tmp_path):
    assert default_calendar() is default_calendar(CALENDARS)
    assert default_calendar().calendars_dir == CALENDARS
    assert default_calendar(tmp_path) is not default_calendar()
    assert default_calendar(count_adjusted_workdays=False) is not default_calendar()


def test_importing_the_module_loads_neither_yaml_nor_chinesecalendar():
    code = ("import sys, engine.core.calendar; "
            "sys.exit(bool({'yaml', 'chinese_calendar'} & set(sys.modules)))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    assert subprocess.run([sys.executable, "-c", code], env=env).returncode == 0
