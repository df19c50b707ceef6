"""The typed form of rule files (docs/rule-format.md): instruments, parameters, periods, rules, tests."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator


def _iso_date(v: Any) -> Any:
    """Accept an ISO `YYYY-MM-DD` string (rule files are read without YAML timestamps)."""
    if isinstance(v, str):
        try:
            return date.fromisoformat(v) if len(v) == 10 else _bad_date(v)
        except ValueError:
            _bad_date(v)
    return v


def _bad_date(v: str) -> None:
    raise ValueError(f"日期无效，应为 YYYY-MM-DD，实际为 {v!r} / invalid date, expected YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]

Verified = Literal["V1", "V2", False]
Severity = Literal["blocker", "error", "warning", "info"]
Verdict = Literal["violated", "missing", "satisfied", "not_applicable", "pending"]
Reason = Literal["not_in_force", "excluded", "special_procedure", "condition_not_met",
                 "stage_not_reached", "calendar_unknown", "running", "discretionary", "not_binding"]
# the levels of a case's `decision_body.level` (CASE_FORMAT §1; Arts. 2, 42)
BodyLevel = Literal["province", "city", "county", "township", "department"]
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2, "blocker": 3}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class ArticleRef(Strict):
    instrument: str | None = None
    article: int = Field(ge=1)
    paragraph: int | None = Field(default=None, ge=1)
    item: int | None = Field(default=None, ge=1)


class Citation(Strict):
    instrument: str | None = None          # defaults to the file's instrument title
    article: int = Field(ge=1)
    paragraph: int | None = Field(default=None, ge=1)
    item: int | None = Field(default=None, ge=1)
    also: list[int | ArticleRef] = []
    note: str | Text | None = None

    def articles(self) -> list[int]:
        """Every article this citation names."""
        return [self.article] + [a if isinstance(a, int) else a.article for a in self.also]


class InForce(Strict):
    from_: IsoDate = Field(alias="from")
    to: IsoDate | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "InForce":
        if self.to is not None and self.to < self.from_:
            raise ValueError("`to` 早于 `from` / `to` is before `from`")
        return self


class Binds(Strict):
    """The decision bodies an instrument binds, by their level (CASE_FORMAT §2 "Who an instrument binds")."""
    levels: list[BodyLevel] = Field(min_length=1)
    citation: Citation | None = None       # the article that says whom it binds
    note: str | Text | None = None


class Analogy(Strict):
    """Decision bodies the instrument does not bind but is applied to by analogy (参照); without a
    `source` that states the analogy, its findings are unverified."""
    to: list[BodyLevel] = Field(min_length=1)
    source: str | None = Field(default=None, min_length=1)
    note: str | Text | None = None


class Instrument(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    title: str = Field(min_length=1)
    number: str | None = None
    domain: Literal["major_decision", "normative_document", "credit_repair", "decision_catalogue"]
    in_force: InForce
    articles: int | None = Field(default=None, ge=1)
    source: str | None = None
    verified: Verified
    subject_to_exclusion: bool = False
    binds: Binds | None = None
    applies_by_analogy: Analogy | None = None
    note: str | Text | None = None


class ParamValue(Strict):
    from_: IsoDate = Field(alias="from")
    value: Any

    @field_validator("value")
    @classmethod
    def _literal(cls, v: Any) -> Any:
        ok = isinstance(v, (int, str)) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
        if not ok or isinstance(v, float):
            raise ValueError("参数值须为整数、词语或词语列表 / a parameter value is an integer, a word or a list of words")
        return v


class Parameter(Strict):
    title: Text
    type: Literal["integer", "days", "working_days", "months", "set", "word"]
    citation: Citation
    verified: Verified
    direction: Literal["floor", "ceiling", "set", "fixed"]
    values: list[ParamValue] = Field(min_length=1)
    note: str | Text | None = None

    @model_validator(mode="after")
    def _values_fit(self) -> "Parameter":
        dates = [v.from_ for v in self.values]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("values 须按 from 升序且不重复 / values must be in increasing `from` order")
        for v in self.values:
            fits = isinstance(v.value, list) if self.type == "set" else \
                isinstance(v.value, str) if self.type == "word" else isinstance(v.value, int)
            if not fits:
                raise ValueError(f"值 {v.value!r} 与类型 {self.type} 不符 / value does not fit type {self.type}")
        return self


class Period(Strict):
    from_: str = Field(alias="from")
    to: str
    count: Literal["calendar_days", "working_days_between", "working_days_after", "months"]


class Deadline(Strict):
    act: str
    period: str
    within: Any


class RuleTest(Strict):
    name: str = Field(min_length=1)
    case: dict[str, Any]
    as_of: IsoDate | None = None
    jurisdiction: str | None = None
    expect: Verdict
    reason: Reason | None = None


class Rule(Strict):
    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
    title: Text
    citation: Citation
    severity: Severity
    modality: Literal["must", "must_not", "may", "soft_min", "prompt", "apply_by_analogy"]
    verified: Verified
    stage: str
    checked: bool = True
    in_force: InForce | None = None
    judged_on: str | None = None
    applies_when: Any | None = None
    requires: Any | None = None
    deadline: Deadline | None = None
    message: Text | None = None
    overdue_message: Text | None = None
    # a `missing` finding's message: which record is absent (default: 「未见…的记录」 from the facts' labels)
    message_missing: Text | None = None
    # credit_repair: the penalising authority's follow-up a violation of this rule calls for (§6)
    follow_up: Literal["chase_fulfilment", "notify_party", "process_application", "withdraw_publication", "take_down"] | None = None
    note: str | Text | None = None
    tests: list[RuleTest] = []

    @model_validator(mode="after")
    def _checked_rules_are_complete(self) -> "Rule":
        if not self.checked:
            return self
        missing = [k for k in ("judged_on", "message") if getattr(self, k) is None]
        if self.requires is None and self.deadline is None:
            missing.append("requires")
        if missing:
            raise ValueError("机器核查的规则缺少 " + ", ".join(missing) + " / a checked rule needs " + ", ".join(missing))
        return self


Category = Literal["minor", "general", "severe", "specified_severe"]
Material = Literal["fulfilment", "commitment", "training", "credit_report"]


class PublicationPeriod(Strict):
    """Months from the penalty decision (民法典 Art. 202): the least and the most it is shown."""
    min_months: int = Field(ge=0)
    max_months: int = Field(ge=0)
    verified: Verified
    note: str | Text | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "PublicationPeriod":
        if self.min_months > self.max_months:
            raise ValueError("min_months 大于 max_months / min_months exceeds max_months")
        return self


class PeriodVersion(Strict):
    """Publication periods that replace the regime's own for penalties decided from `from` on, within
    the regime's time (e.g. 国办发〔2025〕22号 from 2025-06-22 inside Order 58's): the text that says so
    is `source`."""
    from_: IsoDate = Field(alias="from")
    source: str = Field(min_length=1)
    periods: dict[Category, PublicationPeriod]
    note: str | Text | None = None


class SectorPeriods(Strict):
    """Publication periods for penalties of some sectors (the register's optional `sector`, CASE_FORMAT
    v2 §4), replacing the regime's own for the categories listed, for decisions made up to `to`
    (when given). `sectors` are the names a register writes (Chinese, English): matched exactly."""
    sectors: list[str] = Field(min_length=1)
    source: str = Field(min_length=1)
    to: IsoDate | None = None
    periods: dict[Category, PublicationPeriod]
    note: str | Text | None = None


class Regime(Strict):
    """A credit-repair regime (SPEC §C.2–C.4): publication periods, materials, unrepairable categories.
    The instrument's `in_force` window says which records it governs (CASE_FORMAT §6 `regime` = the
    instrument id); `period_versions` are later periods within that window, by decision date."""
    periods: dict[Category, PublicationPeriod]
    period_versions: list[PeriodVersion] = []
    sector_periods: list[SectorPeriods] = []
    materials: dict[Category, list[Material]]
    unrepairable: list[Category] = []
    verified: Verified
    note: str | Text | None = None

    @model_validator(mode="after")
    def _complete(self) -> "Regime":
        for table in ("periods", "materials"):
            missing = [c for c in ("minor", "general", "severe", "specified_severe") if c not in getattr(self, table)]
            if missing:
                raise ValueError(f"{table} 缺少类别 {', '.join(missing)} / {table} lacks {', '.join(missing)}")
        for version in self.period_versions:
            missing = [c for c in ("minor", "general", "severe", "specified_severe") if c not in version.periods]
            if missing:
                raise ValueError(f"period_versions 缺少类别 {', '.join(missing)} / a period version lacks {', '.join(missing)}")
        if [v.from_ for v in self.period_versions] != sorted(v.from_ for v in self.period_versions):
            raise ValueError("period_versions 须按日期排列 / period_versions must be in date order")
        return self

    def periods_on(self, decided: "date") -> dict:
        """The periods for a penalty decided on `decided`: the latest version from on or before it."""
        table = self.periods
        for version in self.period_versions:
            if version.from_ <= decided:
                table = version.periods
        return table

    def periods_for(self, decided: "date", sector: str | None) -> dict:
        """The periods for a penalty of a sector decided on a day: `periods_on`, with the first
        `sector_periods` entry that names the sector (and covers the day) over them."""
        table = self.periods_on(decided)
        for entry in self.sector_periods if sector else ():
            if sector in entry.sectors and (entry.to is None or decided <= entry.to):
                return {**table, **entry.periods}
        return table


class InstrumentFile(Strict):
    instrument: Instrument
    regime: Regime | None = None
    parameters: dict[str, Parameter] = {}
    periods: dict[str, Period] = {}
    rules: list[Rule] = []
    # overlays: tighten a parameter of an ancestor's instrument, or raise a rule's severity
    parameter_overrides: dict[str, Parameter] = {}
    severity_overrides: dict[str, Severity] = {}


class Jurisdiction(Strict):
    jurisdiction: str = Field(pattern=r"^[A-Za-z0-9-]+(/[A-Za-z0-9_-]+)*$")
    name: Text
    level: Literal["national", "province", "district", "township"]
    parent: str | None = None
    verified: Verified
    note: str | Text | None = None


def param_value_on(param: Parameter, day: date) -> Any:
    """Return the parameter's value in force on `day` (the latest `from` on or before it)."""
    current = None
    for v in param.values:
        if v.from_ <= day:
            current = v.value
    return current
