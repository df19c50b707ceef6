"""A penalty record (CASE_FORMAT §4) as the flat fact the credit-repair rules read (SPEC §C).

    case_number · party · credit_code · authority      text
    sector                                             text, when the register gives it
    decided_on … withdrawn_on                          dates known on `as_of` (day ordinals)
    category · repair_result                           enumerations
    derived from the regime that governs the record (the rule files' `regime:` tables):
      regime, regime_date                              the regime of the periods, and its date (decided_on)
      repair_regime, repair_regime_date                the regime of repair, and its date
      regimes_differ, regime_basis.zh/.en              the two differ; which governed what (messages)
      min_months, max_months                           the category's publication periods
      min_period_ends_on, max_period_ends_on           decided_on + those months (民法典 Arts. 201–202)
      min_period_served, max_period_passed             as_of is after those last days
      repairable                                       the category is not barred from repair
      needs_training, needs_credit_report              the regime asks for them for this category
      missing.has.<word>, missing.count                what stands between the party and repair (§6)
      eligible                                         repairable, nothing missing, not already repaired
      next_step.zh, next_step.en                       what the party has still to do (for messages)
      still_shown                                      published and not (yet) withdrawn

Two regimes per record (CASE_FORMAT §6, v2): the one in force on `decided_on` governs the
publication periods (`regime`, parameter `credit_regime_date`); the one in force on the repair
application (`repair_regime`, `repair_regime_date`: `repair_applied_on`, else `repair_decided_on`,
else `as_of`; parameter `credit_repair_regime_date`) governs repair — `repairable`, the materials,
and the repair rules, which are judged on `repair_regime_date`. Both choices are unverified (SPEC
§C.7 [U]). Where the two regimes differ, `regimes_differ` is true and `regime_basis.zh/.en` says which
governed what (the §6 record has no key for it: the repair rules' messages and facts carry it); the
facts that depend on a disputable choice are marked unverified, and so is every finding that reads
one (`@unverified`, read by engine/core/findings.py). A regime's periods may change within its time
(`period_versions`: 国办发〔2025〕22号 inside Order 58's time), by decision date.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine.core.calendar import add_months
from engine.core.domains import CREDIT, Domain, Topic
from engine.credit.vocab import (
    CATEGORIES,
    MISSING,
    REGIME_DATES,
    REGIMES,
    REPAIR_RESULTS,
    word_label,
)
from engine.decisions.facts import FactType, typed

DATES = ("decided_on", "published_on", "fulfilled_on", "commitment_on", "training_on", "credit_report_on",
         "repair_applied_on", "repair_decided_on", "revoked_on", "withdrawn_on")
MATERIAL_DATE = {"fulfilment": "fulfilled_on", "commitment": "commitment_on", "training": "training_on",
                 "credit_report": "credit_report_on"}
DERIVED = ("next_step.zh", "next_step.en", "regime", "repair_regime", "regimes_differ", "regime_basis.zh",
           "regime_basis.en", "min_months", "max_months", "min_period_ends_on", "max_period_ends_on", "min_period_served",
           "max_period_passed", "repairable", "needs_training", "needs_credit_report", "eligible") + \
    tuple(f"missing.has.{w}" for w in MISSING) + ("missing", "missing.count")
TRANSITIONAL = "credit_regime_date"                 # the regime of the publication periods
REPAIR_TRANSITIONAL = "credit_repair_regime_date"   # the regime of repair

TOPICS = (
    Topic("publication", "公示", "Publication"),
    Topic("fulfilment", "履行", "Fulfilment"),
    Topic("repair", "信用修复", "Credit repair"),
    Topic("withdrawal", "撤回与下线", "Withdrawal and takedown"),
)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, FactType]:
    """Every fact path a credit-repair rule may use, with its type."""
    out: dict[str, FactType] = {"as_of": FactType("date"), "regime_date": FactType("date"),
                                "repair_regime_date": FactType("date")}
    out |= typed("text", "case_number", "party", "credit_code", "authority", "sector", "next_step.zh", "next_step.en",
                 "regime_basis.zh", "regime_basis.en")
    out |= typed("date", *DATES, "min_period_ends_on", "max_period_ends_on")
    out["category"] = FactType("enum", CATEGORIES)
    out["repair_result"] = FactType("enum", REPAIR_RESULTS)
    out["regime"] = out["repair_regime"] = FactType("enum", REGIMES)
    out["min_months"] = out["max_months"] = FactType("int")
    out |= typed("bool", "min_period_served", "max_period_passed", "repairable", "needs_training", "needs_credit_report",
                 "eligible", "still_shown", "regimes_differ")
    out["missing"] = FactType("list")
    out["missing.count"] = FactType("int")
    out.update({f"missing.has.{w}": FactType("bool") for w in MISSING})
    return out


def flatten(record: Any, as_of: date, regimes: tuple = (), regime_date: str = "decided_on",
            repair_regime_date: str = "repair_applied_on") -> dict[str, Any]:
    """The record as one flat fact, as known on `as_of` (dates as day ordinals)."""
    facts: dict[str, Any] = {"as_of": as_of.toordinal(), "case_number": record.case_number,
                             "party": record.party, "credit_code": record.credit_code, "authority": record.authority}
    if getattr(record, "sector", None):
        facts["sector"] = record.sector
    if record.decided_on > as_of:
        return facts
    facts["category"] = record.category
    for name in DATES:
        value = getattr(record, name)
        if value is not None and value <= as_of:
            facts[name] = value.toordinal()
    if record.repair_result and "repair_decided_on" in facts:
        facts["repair_result"] = record.repair_result
    facts["still_shown"] = "published_on" in facts and "withdrawn_on" not in facts
    _put_regime(facts, record, as_of, regimes, regime_date, repair_regime_date)
    return facts


def repair_day(record: Any, as_of: date, choice: str = "repair_applied_on") -> date:
    """The day whose regime governs repair (CASE_FORMAT §6 v2): the application, else (a decision
    recorded without one) the repair decision, else `as_of`; or the penalty decision date if the
    parameter `credit_repair_regime_date` says so."""
    if choice == "decided_on":
        return record.decided_on
    for day in (record.repair_applied_on, record.repair_decided_on):
        if day is not None and day <= as_of:
            return day
    return as_of


def governing_regime(record: Any, as_of: date, regimes: tuple, regime_date: str,
                     repair_regime_date: str = "repair_applied_on") -> tuple[Any, date, bool]:
    """(the regime of the publication periods, the date that chose it, whether repair is governed by
    another regime — the record's two regimes differ, CASE_FORMAT §6 v2)."""
    day = record.decided_on
    if regime_date == "repair_applied_on":          # the former single-regime choice, kept as a parameter value
        day = repair_day(record, as_of)
    chosen = regime_on(regimes, day)
    repair = regime_on(regimes, repair_day(record, as_of, repair_regime_date)) or chosen
    return chosen, day, getattr(repair, "id", None) != getattr(chosen, "id", None)


def regime_on(regimes: tuple, day: date) -> Any:
    """The regime in force on `day`, or None before the first."""
    return next((r for r in regimes if r.in_force_from <= day <= (r.in_force_to or date.max)), None)


def _put_regime(facts: dict, record: Any, as_of: date, regimes: tuple, regime_date: str,
                repair_regime_date: str = "repair_applied_on") -> None:
    regime, day, differ = governing_regime(record, as_of, regimes, regime_date, repair_regime_date)
    facts["regime_date"] = day.toordinal()
    if regime is None:
        return
    rday = repair_day(record, as_of, repair_regime_date)
    repair = regime_on(regimes, rday) or regime
    facts["repair_regime_date"] = rday.toordinal()
    facts["repair_regime"] = repair.id
    facts["regimes_differ"] = differ
    zh, en = _regime_basis(regime, repair)
    facts["regime_basis.zh"], facts["regime_basis.en"] = zh, en
    period_facts, min_end, unverified = _period_facts(regime, record.category, record.decided_on,
                                                      getattr(record, "sector", None))
    repair_facts, needs, repair_unverified = _repair_facts(repair, record.category)
    facts.update(period_facts)
    facts.update(repair_facts)
    facts["min_period_served"] = as_of > min_end
    facts["max_period_passed"] = as_of.toordinal() > period_facts["max_period_ends_on"]
    missing = [] if as_of > min_end else ["min_period"]
    missing += [m for m in needs if MATERIAL_DATE[m] not in facts]
    if missing:
        facts["missing"] = "、".join(missing)
    facts["missing.count"] = len(missing)
    for word in MISSING:
        facts[f"missing.has.{word}"] = word in missing
    facts["eligible"] = facts["repairable"] and not missing and facts.get("repair_result") != "granted"
    facts["next_step.zh"], facts["next_step.en"] = _next_step(missing)
    applied = record.repair_applied_on if record.repair_applied_on and record.repair_applied_on <= as_of else None
    periods_disputed = unverified or (applied is not None and getattr(regime_on(regimes, applied), "id", None) != regime.id)
    marked = (PERIOD_FACTS if periods_disputed else frozenset()) | \
        (REPAIR_FACTS if differ or repair_unverified else frozenset())
    if marked:
        facts["@unverified"] = marked


def _regime_basis(periods: Any, repair: Any) -> tuple[str, str]:
    """Which regime governed what, for messages: said only where the two differ (CASE_FORMAT §6 v2).
    In Chinese a regime is named by its document number (the rule file's `instrument.number`), never
    by its CASE_FORMAT §6 code; the English keeps the code."""
    if periods.id == repair.id:
        return "", ""
    return (f"（公示期限按处罚决定日所处的{_regime_zh(periods)}，修复条件、材料和办理按修复申请日所处的"
            f"{_regime_zh(repair)}；两项选择均未核实）",
            f" (publication periods under {periods.id}, in force on the decision date; repair conditions, "
            f"materials and handling under {repair.id}, in force on the application date; both choices unverified)")


def _regime_zh(regime: Any) -> str:
    return getattr(regime, "number", None) or word_label(regime.id)[0]


UNVERIFIED = frozenset(DERIVED)
_EITHER = ("missing", "missing.count", "eligible", "next_step.zh", "next_step.en") + tuple(f"missing.has.{w}" for w in MISSING)
# facts that depend on the regime of the publication periods / of repair: unverified where the choice is disputable
PERIOD_FACTS = frozenset(("regime", "min_months", "max_months", "min_period_ends_on", "max_period_ends_on",
                          "min_period_served", "max_period_passed") + _EITHER)
REPAIR_FACTS = frozenset(("repair_regime", "regimes_differ", "regime_basis.zh", "regime_basis.en", "repairable",
                          "needs_training", "needs_credit_report") + _EITHER)
NEXT_STEP = {"commitment": ("提交信用承诺", "made the credit commitment"),
             "training": ("参加信用修复培训", "attended the credit-repair training"),
             "credit_report": ("提交信用报告", "obtained a credit report"),
             "fulfilment": ("履行处罚", "performed the penalty")}


def _next_step(missing: list[str]) -> tuple[str, str]:
    """What the party has still to do before applying, for messages: 尚未提交信用承诺 …"""
    steps = [NEXT_STEP[m] for m in missing if m in NEXT_STEP]
    if not steps:
        return "尚未申请", "has not applied"
    return "尚未" + "、".join(zh for zh, _ in steps), "has not yet " + ", ".join(en for _, en in steps)


@lru_cache(maxsize=65536)           # records decided on the same day in the same category share them
def _period_facts(regime: Any, category: str, decided: date, sector: str | None = None) -> tuple[dict, date, bool]:
    """The publication periods a regime gives a category of a sector decided on a day, and their last days."""
    table = regime.regime
    period = table.periods_for(decided, sector)[category]
    min_end = add_months(decided, period.min_months)
    max_end = add_months(decided, period.max_months)
    facts = {"regime": regime.id, "min_months": period.min_months, "max_months": period.max_months,
             "min_period_ends_on": min_end.toordinal(), "max_period_ends_on": max_end.toordinal()}
    return facts, min_end, table.verified is False or period.verified is False


@lru_cache(maxsize=1024)
def _repair_facts(regime: Any, category: str) -> tuple[dict, tuple[str, ...], bool]:
    """What the regime governing repair asks of a category: materials, and whether it may be repaired."""
    table = regime.regime
    needs = set(table.materials[category]) | {"fulfilment"}
    facts = {"repairable": category not in table.unrepairable,
             "needs_training": "training" in needs, "needs_credit_report": "credit_report" in needs}
    ordered = tuple(m for m in ("fulfilment", "commitment", "training", "credit_report") if m in needs)
    return facts, ordered, table.verified is False


def regime_context(book: Any, root: Path | None) -> dict[str, Any]:
    """The regimes of the rulebook and the transitional rule's choice (parameter `credit_regime_date`)."""
    def choice(name: str, default: str) -> str:
        param = book.params.get(name)
        value = param.versions[-1].value if param is not None else default
        return value if value in REGIME_DATES else default
    return {"regimes": tuple(book.regimes), "regime_date": choice(TRANSITIONAL, "decided_on"),
            "repair_regime_date": choice(REPAIR_TRANSITIONAL, "repair_applied_on")}


def topics() -> tuple[Topic, ...]:
    return TOPICS


def parse_test_record(case: dict, label: str) -> Any:
    """A rule file's test case (§4 columns) as a register row."""
    from engine.credit.use_cases import COLUMNS, validate_row
    from engine.registers.csvio import record_from_mapping
    return record_from_mapping(case, label, COLUMNS, validate_row)


def test_skeleton(jurisdiction: str, test_id: str) -> dict:
    """What every rule test starts from: a general penalty on a company, decided 2021-05-10."""
    return {"case_number": f"测试罚〔2021〕1号（{test_id}）", "party": "天津市宁河区测试商贸有限公司",
            "credit_code": "91120221MA05T6XX64", "authority": "岳龙镇人民政府", "decided_on": "2021-05-10",
            "category": "general"}


DOMAIN = Domain(CREDIT, catalogue, flatten, topics, parse_test_record, test_skeleton,
                lambda record: record.case_number, regime_context, value_label=word_label)
