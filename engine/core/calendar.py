"""Working days and calendar-day periods (SPEC §D; 民法典 Arts. 200–204).

A working day (工作日) is Mon–Fri unless the year's 国务院办公厅 arrangement makes it a
holiday or rest day, plus any Sat/Sun the arrangement makes an adjusted working day (调休上班日).
Arrangements come from the `chinesecalendar` package and from `rules/calendars/<YEAR>.yaml`;
a year that neither knows raises CalendarUnknownError — never a weekends-only guess.
"""
from __future__ import annotations

import functools
import re
from bisect import bisect_left
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any, NamedTuple

from engine.core.errors import CalendarFileError, CalendarUnknownError

_YEAR_FILE = re.compile(r"^\d{4}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FILE_KEYS = {"year", "source", "verified", "holidays", "adjusted_workdays"}
_SOURCE_KEYS = {"title", "number", "published_on", "url"}
_SOURCE_REQUIRED = {"title", "number", "published_on"}


class YearArrangement(NamedTuple):
    """One year's days off and adjusted working days, with where they come from."""

    year: int
    holidays: frozenset[date]           # 放假 days (may include weekend days)
    adjusted_workdays: frozenset[date]  # 调休上班日, always Sat/Sun
    source: str
    verified: str | bool                # "V1" | "V2" | False (SPEC §0.1)


# ---------------------------------------------------------------- data files


@functools.cache
def _loader() -> type:
    """Build a SafeLoader that leaves dates as strings and only reads true/false as booleans."""
    import yaml  # lazy: keeps `import engine.core.calendar` cheap for the CLI

    class Loader(yaml.SafeLoader):
        pass

    # Drop the timestamp resolver (we parse dates ourselves, so 2027-02-30 names its field) and
    # the YAML 1.1 bool resolver, which would turn the key `on:` into True.
    drop = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool"}
    Loader.yaml_implicit_resolvers = {
        ch: [(tag, rx) for tag, rx in resolvers if tag not in drop]
        for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    only_true_false = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
    Loader.add_implicit_resolver("tag:yaml.org,2002:bool", only_true_false, list("tTfF"))
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)
    return Loader


class _DuplicateKeyError(Exception):
    """A mapping repeats a key (raised while loading, turned into CalendarFileError)."""

    def __init__(self, key: object, line: int) -> None:
        self.key, self.line = key, line


def _unique_mapping(loader: Any, node: Any) -> dict:
    """Construct a mapping, refusing duplicate keys (YAML would silently keep the last)."""
    result: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise _DuplicateKeyError(key, key_node.start_mark.line + 1)
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _parse_date(path: Path, field: str, value: Any) -> date:
    """Parse an ISO date (YYYY-MM-DD) strictly."""
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CalendarFileError(path, field, f"不是有效日期：{value!r}", f"not a valid date (YYYY-MM-DD): {value!r}")


def _check_keys(path: Path, field: str, value: Any, allowed: set, required: set) -> dict:
    """Require a mapping with exactly the allowed keys and all required ones."""
    if not isinstance(value, dict):
        raise CalendarFileError(path, field or "(document)", "应为映射", "must be a mapping")
    for key in value:
        if key not in allowed:
            raise CalendarFileError(path, f"{field}.{key}" if field else str(key),
                                    f"未知字段（可用：{'、'.join(sorted(allowed))}）", f"unknown key (allowed: {', '.join(sorted(allowed))})")
    missing = sorted(required - value.keys())
    if missing:
        key = missing[0]
        raise CalendarFileError(path, f"{field}.{key}" if field else key, "缺少字段", "missing key")
    return value


def _check_text(path: Path, field: str, value: Any) -> str:
    """Require a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise CalendarFileError(path, field, "应为非空文本", "must be non-empty text")
    return value


def _entry_days(path: Path, field: str, entry: Any, year: int, ranged: bool) -> list[date]:
    """Return the days of one holiday (`on`, or `from`..`to`) or adjusted-workday entry."""
    forms = ({"name", "on"}, {"name", "from", "to"}) if ranged else ({"name", "on"},)
    allowed = set().union(*forms)
    _check_keys(path, field, entry, allowed, {"name"})
    if set(entry) not in forms:
        shapes = " | ".join("{" + ", ".join(sorted(f)) + "}" for f in forms)
        raise CalendarFileError(path, field, f"应为 {shapes} 之一", f"must be one of {shapes}")
    _check_text(path, f"{field}.name", entry["name"])
    keys = ("on", "on") if "on" in entry else ("from", "to")
    first, last = (_parse_date(path, f"{field}.{k}", entry[k]) for k in keys)
    for key, day in zip(keys, (first, last)):
        if day.year != year:
            raise CalendarFileError(path, f"{field}.{key}", f"日期不在{year}年内", f"date not in {year}")
    if last < first:
        raise CalendarFileError(path, f"{field}.to", "结束早于开始", "ends before it starts")
    return [first + timedelta(i) for i in range((last - first).days + 1)]


def _collect(path: Path, doc: dict, key: str, year: int, ranged: bool) -> dict[date, str]:
    """Collect the days of a list of entries, refusing days listed twice."""
    entries = doc[key]
    if not isinstance(entries, list) or (ranged and not entries):
        raise CalendarFileError(path, key, "应为列表（放假不得为空）", "must be a list (holidays non-empty)")
    days: dict[date, str] = {}
    for i, entry in enumerate(entries):
        field = f"{key}[{i}]"
        for day in _entry_days(path, field, entry, year, ranged):
            if day in days:
                raise CalendarFileError(path, field, f"{day} 重复列出", f"{day} listed twice")
            days[day] = field
    return days


def _check_header(path: Path, doc: dict) -> tuple[int, str, str | bool]:
    """Validate year, source and verified; return them."""
    year = doc["year"]
    if type(year) is not int or str(year) != path.stem:
        raise CalendarFileError(path, "year", f"应与文件名一致（{path.stem}）", f"must equal the file name ({path.stem})")
    source = _check_keys(path, "source", doc["source"], _SOURCE_KEYS, _SOURCE_REQUIRED)
    for key in ("title", "number") + (("url",) if "url" in source else ()):
        _check_text(path, f"source.{key}", source[key])
    _parse_date(path, "source.published_on", source["published_on"])
    verified = doc["verified"]
    if verified is not False and verified not in ("V1", "V2"):
        raise CalendarFileError(path, "verified", "应为 V1、V2 或 false", "must be V1, V2 or false")
    return year, f"{source['title']}（{source['number']}）", verified


def load_calendar_file(path: Path) -> YearArrangement:
    """Load and strictly validate one `<YEAR>.yaml` arrangement file."""
    import yaml

    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_loader())
    except _DuplicateKeyError as exc:
        raise CalendarFileError(path, str(exc.key), f"第{exc.line}行重复",
                                f"duplicate key (line {exc.line})") from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        raise CalendarFileError(path, f"(yaml, line {line})", "YAML 语法错误", str(exc.problem)) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CalendarFileError(path, "(yaml)", "无法读取 YAML", str(exc)) from None
    _check_keys(path, "", doc, _FILE_KEYS, _FILE_KEYS)
    year, source, verified = _check_header(path, doc)
    holidays = _collect(path, doc, "holidays", year, ranged=True)
    adjusted = _collect(path, doc, "adjusted_workdays", year, ranged=False)
    for day, field in adjusted.items():
        if day.weekday() < 5:  # 调休上班日 replace a weekly rest day (工时规定 Art. 7)
            raise CalendarFileError(path, f"{field}.on", f"{day} 不是周六或周日", f"{day} is not a Sat/Sun")
        if day in holidays:
            raise CalendarFileError(path, f"{field}.on", f"{day} 同时列为放假", f"{day} is also a holiday")
    return YearArrangement(year, frozenset(holidays), frozenset(adjusted), source, verified)


def load_calendar_dir(directory: Path) -> dict[int, YearArrangement]:
    """Load every `*.yaml` file of a calendars directory (other files are ignored)."""
    if not Path(directory).is_dir():
        raise FileNotFoundError(f"calendars directory not found: {directory}")
    found: dict[int, YearArrangement] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        if not _YEAR_FILE.match(path.stem):
            raise CalendarFileError(path, "(file name)", "应为 <年份>.yaml", "must be <YEAR>.yaml")
        arrangement = load_calendar_file(path)
        found[arrangement.year] = arrangement
    return found


def default_calendars_dir() -> Path:
    """Return the `calendars` folder beside the installed `rules` package."""
    import rules

    return Path(rules.__file__).parent / "calendars"


# ---------------------------------------------------------------- working calendar


class WorkingCalendar:
    """Working-day arithmetic over the known years, O(1)/O(log n) per query."""

    def __init__(self, calendars_dir: Path | str | None = None, *,
                 count_adjusted_workdays: bool = True) -> None:
        # SPEC D.1 [U]: counting 调休上班日 as working days is practice, not retrieved text.
        self.count_adjusted_workdays = count_adjusted_workdays
        self.calendars_dir = Path(calendars_dir) if calendars_dir else default_calendars_dir()
        # A data file overrides the package for its year, so corrections ship as data.
        self._years = {**self._package_arrangements(), **load_calendar_dir(self.calendars_dir)}
        self._build_index()

    @staticmethod
    def _package_arrangements() -> dict[int, YearArrangement]:
        """Read the arrangements bundled in `chinesecalendar` (imported lazily)."""
        import chinese_calendar as cc

        source = f"chinesecalendar {cc.__version__}"
        first, last = min(cc.holidays), max(cc.holidays)
        return {
            year: YearArrangement(year, frozenset(d for d in cc.holidays if d.year == year),
                                  frozenset(d for d in cc.workdays if d.year == year), source, "V2")
            for year in range(first.year, last.year + 1)
        }

    def _build_index(self) -> None:
        """Precompute a working-day bitmap and its prefix sums over the known span."""
        years = sorted(self._years)
        self._base = date(years[0], 1, 1).toordinal() if years else 0
        self._last = date(years[-1], 12, 31).toordinal() if years else -1
        self._contiguous = len(years) == (years[-1] - years[0] + 1 if years else 0)
        work = bytearray(self._last - self._base + 1)
        for year in years:
            for o in range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1):
                work[o - self._base] = self._is_working(self._years[year], date.fromordinal(o))
        self._work = bytes(work)
        self._cum = list(accumulate(work, initial=0))  # _cum[i] = working days before index i

    def _is_working(self, arrangement: YearArrangement, d: date) -> bool:
        """Apply SPEC D.4 to one day of a known year."""
        if d in arrangement.adjusted_workdays:
            return self.count_adjusted_workdays     # 调休上班日 [U-config]
        if d in arrangement.holidays:
            return False                            # 放假 per the annual 国办 notice
        return d.weekday() < 5                      # Sat/Sun rest (国务院工时规定 Art. 7)

    def _require(self, lo: int, hi: int) -> None:
        """Raise CalendarUnknownError for the first unknown year among ordinals lo..hi."""
        if self._contiguous and self._base <= lo and hi <= self._last:
            return
        for year in range(date.fromordinal(lo).year, date.fromordinal(hi).year + 1):
            if year not in self._years:
                raise CalendarUnknownError(year)

    def known_years(self) -> set[int]:
        """Return the years whose arrangement is known."""
        return set(self._years)

    def is_known(self, year: int) -> bool:
        """Tell whether the year's arrangement is known."""
        return year in self._years

    def arrangement(self, year: int) -> YearArrangement:
        """Return the year's arrangement (with its source), or raise CalendarUnknownError."""
        if year not in self._years:
            raise CalendarUnknownError(year)
        return self._years[year]

    def is_working_day(self, d: date) -> bool:
        """Tell whether d is a working day (工作日, SPEC D.1)."""
        o = d.toordinal()
        self._require(o, o)
        return bool(self._work[o - self._base])

    def _count(self, lo: int, hi: int) -> int:
        """Count working days among ordinals lo..hi inclusive."""
        if hi < lo:
            return 0
        self._require(lo, hi)
        return self._cum[hi - self._base + 1] - self._cum[lo - self._base]

    def working_days_between(self, a: date, b: date) -> int:
        """Count working days strictly after a and strictly before b (Decree 713 Art. 26)."""
        return self._count(a.toordinal() + 1, b.toordinal() - 1)

    def working_days_after(self, a: date, b: date) -> int:
        """Count working days in (a, b]: start day excluded (民法典 Art. 201), end day included."""
        return self._count(a.toordinal() + 1, b.toordinal())

    def add_working_days(self, start: date, n: int) -> date:
        """Return the n-th working day after start (start excluded); n=0 returns start."""
        if n < 0:
            raise ValueError(f"n must be >= 0, not {n}")
        if n == 0:
            return start
        lo = start.toordinal() + 1
        self._require(lo, lo)
        i = lo - self._base
        j = bisect_left(self._cum, self._cum[i] + n, i + 1)  # first prefix reaching the n-th day
        end = self._base + j - 1 if j < len(self._cum) else self._last + 1
        self._require(lo, end)  # names a gap year skipped over, or the year after the span
        return date.fromordinal(end)

    def roll_forward(self, d: date) -> date:
        """Return d if it is a working day, else the next one (民法典 Art. 203(1))."""
        # "法定休假日" read as weekly rest days plus holidays: SPEC D.3 [U].
        return self.add_working_days(d - timedelta(1), 1)


# ---------------------------------------------------------------- calendar-day periods


def as_date(value: Any) -> date | None:
    """A date, or an ISO date string, as a date; anything else (absent, malformed) as None."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def calendar_days_between(a: date, b: date) -> int:
    """Count calendar days from a to b, the start day not counted (民法典 Art. 201)."""
    return (b - a).days


def add_months(d: date, n: int) -> date:
    """Add n months: the corresponding day, else the month's last day (民法典 Art. 202)."""
    index = d.year * 12 + d.month - 1 + n
    year, month = divmod(index, 12)
    next_first = date(year + (month == 11), (month + 1) % 12 + 1, 1)
    return date(year, month + 1, min(d.day, (next_first - timedelta(1)).day))


def months_between(a: date, b: date) -> int:
    """The fewest whole months from `a` that reach `b` (民法典 Art. 202 month arithmetic); negative
    when `b` is before `a`. "b is within n months of a" ⇔ months_between(a, b) <= n."""
    if b < a:
        return -months_between(b, a)
    n = (b.year - a.year) * 12 + (b.month - a.month)
    # a + n months falls in b's month on min(a.day, the month's last day) — on or after b exactly
    # when a.day >= b.day (b.day never exceeds the month's last day)
    return n if a.day >= b.day else n + 1


def add_years(d: date, n: int) -> date:
    """Add n years under the same rule (民法典 Art. 202): 29 Feb falls back to 28 Feb."""
    return add_months(d, 12 * n)


def deadline_end(d: date, cal: WorkingCalendar) -> date:
    """Return the last day of a deadline ending on d, rolled past rest days (民法典 Art. 203(1))."""
    # Deadlines only: minimum-duration checks do not roll (SPEC D.4 [U]); the caller decides.
    return cal.roll_forward(d)


@functools.lru_cache(maxsize=8)
def _cached_calendar(calendars_dir: Path, count_adjusted_workdays: bool) -> WorkingCalendar:
    """Build one calendar per directory and flag."""
    return WorkingCalendar(calendars_dir, count_adjusted_workdays=count_adjusted_workdays)


def default_calendar(calendars_dir: Path | str | None = None, *,
                     count_adjusted_workdays: bool = True) -> WorkingCalendar:
    """Return the shared calendar for a calendars directory (default: rules/calendars)."""
    directory = Path(calendars_dir) if calendars_dir else default_calendars_dir()
    return _cached_calendar(directory.resolve(), count_adjusted_workdays)


if __name__ == "__main__":  # `python -m engine.core.calendar [DIR]`: validate the data files
    import sys

    cal = WorkingCalendar(sys.argv[1] if len(sys.argv) > 1 else None)
    for y in sorted(cal.known_years()):
        a = cal.arrangement(y)
        print(y, a.source, f"verified={a.verified}", len(a.holidays), len(a.adjusted_workdays))
