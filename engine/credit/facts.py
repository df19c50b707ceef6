"""A penalty record (CASE_FORMAT §4) as the flat fact the credit-repair rules read (SPEC §C).

    case_number · party · credit_code · authority      text
    decided_on … withdrawn_on                          dates known on `as_of` (day ordinals)
    category · repair_result                           enumerations
    derived from the regime that governs the record (the rule files' `regime:` tables):
      regime, regime_date                              which regime, and the date that chose it
      min_months, max_months                           the category's publication periods
      min_period_ends_on, max_period_ends_on           decided_on + those months (民法典 Arts. 201–202)
      min_period_served, max_period_passed             as_of is after those last days
      repairable                                       the category is not barred from repair
      needs_training, needs_credit_report              the regime asks for them for this category
      missing.has.<word>, missing.count                what stands between the party and repair (§6)
      eligible                                         repairable, nothing missing, not already repaired
      next_step.zh, next_step.en                       what the party has still to do (for messages)
      still_shown                                      published and not (yet) withdrawn

Which regime governs: by default the one in force on `decided_on`; the transitional rule is the
parameter `credit_regime_date` (`decided_on` | `repair_applied_on`, SPEC §C.7 [U]). Where the two
choices would give different regimes, every fact derived from the regime is marked unverified,
and so is every finding that reads one (`@unverified`, read by engine/core/findings.py).
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from engine.core.calendar import add_months
from engine.core.domains import CREDIT, Domain, Topic
from engine.decisions.facts import FactType
from engine.credit.vocab import CATEGORIES, MISSING, REGIME_DATES, REPAIR_RESULTS

REGIMES = ("1171-2017", "527-2019", "order58-2023", "order36-2025")   # CASE_FORMAT §6
DATES = ("decided_on", "published_on", "fulfilled_on", "commitment_on", "training_on", "credit_report_on",
         "repair_applied_on", "repair_decided_on", "revoked_on", "withdrawn_on")
MATERIAL_DATE = {"fulfilment": "fulfilled_on", "commitment": "commitment_on", "training": "training_on",
                 "credit_report": "credit_report_on"}
DERIVED = ("next_step.zh", "next_step.en", "regime", "min_months", "max_months", "min_period_ends_on", "max_period_ends_on", "min_period_served",
           "max_period_passed", "repairable", "needs_training", "needs_credit_report", "eligible") + \
    tuple(f"missing.has.{w}" for w in MISSING) + ("missing", "missing.count")
TRANSITIONAL = "credit_regime_date"

TOPICS = (
    Topic("publication", "公示", "Publication"),
    Topic("fulfilment", "履行", "Fulfilment"),
    Topic("repair", "信用修复", "Credit repair"),
    Topic("withdrawal", "撤回与下线", "Withdrawal and takedown"),
)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, FactType]:
    """Every fact path a credit-repair rule may use, with its type."""
    out: dict[str, FactType] = {"as_of": FactType("date"), "regime_date": FactType("date")}
    for name in ("case_number", "party", "credit_code", "authority", "next_step.zh", "next_step.en"):
        out[name] = FactType("text")
    for name in DATES + ("min_period_ends_on", "max_period_ends_on"):
        out[name] = FactType("date")
    out["category"] = FactType("enum", CATEGORIES)
    out["repair_result"] = FactType("enum", REPAIR_RESULTS)
    out["regime"] = FactType("enum", REGIMES)
    out["min_months"] = out["max_months"] = FactType("int")
    for name in ("min_period_served", "max_period_passed", "repairable", "needs_training", "needs_credit_report",
                 "eligible", "still_shown"):
        out[name] = FactType("bool")
    out["missing"] = FactType("list")
    out["missing.count"] = FactType("int")
    out.update({f"missing.has.{w}": FactType("bool") for w in MISSING})
    return out


def flatten(record: Any, as_of: date, regimes: tuple = (), regime_date: str = "decided_on") -> dict[str, Any]:
    """The record as one flat fact, as known on `as_of` (dates as day ordinals)."""
    facts: dict[str, Any] = {"as_of": as_of.toordinal(), "case_number": record.case_number,
                             "party": record.party, "credit_code": record.credit_code, "authority": record.authority}
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
    _put_regime(facts, record, as_of, regimes, regime_date)
    return facts


def governing_regime(record: Any, as_of: date, regimes: tuple, regime_date: str) -> tuple[Any, date, bool]:
    """(the regime, the date that chose it, whether the transitional rule's choice is disputable)."""
    applied = record.repair_applied_on if record.repair_applied_on and record.repair_applied_on <= as_of else None
    day = applied if regime_date == "repair_applied_on" and applied else record.decided_on
    chosen = regime_on(regimes, day)
    other = regime_on(regimes, applied) if applied else chosen
    by_decision = regime_on(regimes, record.decided_on)
    disputable = applied is not None and {getattr(chosen, "id", None), getattr(other, "id", None),
                                          getattr(by_decision, "id", None)} != {getattr(chosen, "id", None)}
    return chosen, day, disputable


def regime_on(regimes: tuple, day: date) -> Any:
    """The regime in force on `day`, or None before the first."""
    return next((r for r in regimes if r.in_force_from <= day <= (r.in_force_to or date.max)), None)


def _put_regime(facts: dict, record: Any, as_of: date, regimes: tuple, regime_date: str) -> None:
    regime, day, disputable = governing_regime(record, as_of, regimes, regime_date)
    facts["regime_date"] = day.toordinal()
    if regime is None:
        return
    period_facts, min_end, needs, unverified = _regime_facts(regime, record.category, record.decided_on)
    facts.update(period_facts)
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
    if disputable or unverified:
        facts["@unverified"] = UNVERIFIED


UNVERIFIED = frozenset(DERIVED)
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
def _regime_facts(regime: Any, category: str, decided: date) -> tuple[dict, date, tuple[str, ...], bool]:
    """The facts a regime gives a category decided on a day: periods, ends, materials needed."""
    table = regime.regime
    period = table.periods[category]
    min_end = add_months(decided, period.min_months)
    max_end = add_months(decided, period.max_months)
    needs = set(table.materials[category]) | {"fulfilment"}
    facts = {"regime": regime.id, "min_months": period.min_months, "max_months": period.max_months,
             "min_period_ends_on": min_end.toordinal(), "max_period_ends_on": max_end.toordinal(),
             "repairable": category not in table.unrepairable,
             "needs_training": "training" in needs, "needs_credit_report": "credit_report" in needs}
    ordered = tuple(m for m in ("fulfilment", "commitment", "training", "credit_report") if m in needs)
    return facts, min_end, ordered, table.verified is False or period.verified is False


def regime_context(book: Any, root: Optional[Path]) -> dict[str, Any]:
    """The regimes of the rulebook and the transitional rule's choice (parameter `credit_regime_date`)."""
    param = book.params.get(TRANSITIONAL)
    choice = param.versions[-1].value if param is not None else "decided_on"
    if choice not in REGIME_DATES:
        choice = "decided_on"
    return {"regimes": tuple(book.regimes), "regime_date": choice}


def topics() -> tuple[Topic, ...]:
    return TOPICS


def parse_test_record(case: dict, label: str) -> Any:
    """A rule file's test case (§4 columns) as a register row."""
    from engine.registers.csvio import record_from_mapping
    from engine.credit.use_cases import COLUMNS, validate_row
    return record_from_mapping(case, label, COLUMNS, validate_row)


def test_skeleton(jurisdiction: str, test_id: str) -> dict:
    """What every rule test starts from: a general penalty on a company, decided 2021-05-10."""
    return {"case_number": f"测试罚〔2021〕1号（{test_id}）", "party": "天津市宁河区测试商贸有限公司",
            "credit_code": "91120221MA05T6XX64", "authority": "岳龙镇人民政府", "decided_on": "2021-05-10",
            "category": "general"}


DOMAIN = Domain(CREDIT, catalogue, flatten, topics, parse_test_record, test_skeleton,
                lambda record: record.case_number, regime_context)
