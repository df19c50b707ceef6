"""A register row (CASE_FORMAT §3) as the flat fact the normative-document rules read.

    number · title · issuer                text (rules may only ask `present`)
    issued_on … last_reviewed_on           dates (day ordinals)
    kind · status                          enumerations
    sets                                   `sets.has.<word>`, `sets.count`
    basis                                  `basis.count`, and against the law register as of the day:
      basis.changed_on                     the latest date a basis law changed after the document was
                                           issued — a newer version adopted after `issued_on` and in
                                           force by `as_of` (§3 "amended since"), or its repeal
      basis.changes                        what changed, for messages: 《…》2021-01-22修改（2021-07-15施行）
      basis.unknown                        titles the law register does not know (changes undetectable)
    cleanup_clock_on                       the last clean-up evaluation, else the issue date: the day
                                           the periodic clean-up interval counts from
    deliberated_on · comment_opened_on ·   the optional drafting-process columns (§3, extended): dates,
    comment_closes_on ·                    and market_related (bool). Unlike the other columns an
    fair_competition_reviewed_on ·         empty cell is *unknown* ("not recorded"), so a rule that
    market_related                         needs one is `missing`, never `violated` (UNKNOWN below)
    process_recorded                       the row fills at least one of them: a row that fills none
                                           is a register that does not keep the process, and the
                                           process rules leave it alone
    as_of                                  the day the scan looks from

What was known on `as_of`: a document not yet issued is only its number, title and issuer (the
rules see no status and do not apply). Once issued, what the document itself states (effective
date, validity, kind, basis, contents) is known; the dated acts after it (review, publication,
filing, clean-up) count only when dated on or before `as_of`. `status` is the register's current
status: the register does not record when it changed.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from engine.core.domains import DOCUMENT, Domain, Topic
from engine.decisions.facts import FactType, typed
from engine.documents.laws import DEFAULT_PATH, LawRegister, default_laws
from engine.documents.vocab import KINDS, SETS, STATUSES, word_label

STATED = ("effective_from", "expires_on")                 # written in the document: known from its issue
ACTS = ("legality_reviewed_on", "published_on", "filed_on", "last_reviewed_on")
PROCESS_ACTS = ("deliberated_on", "comment_opened_on", "fair_competition_reviewed_on")
PROCESS = PROCESS_ACTS + ("comment_closes_on", "market_related")
# an empty process cell is "not recorded" (CASE_FORMAT §3, extended): unknown, not "not done"
UNKNOWN = frozenset(PROCESS)

TOPICS = (
    Topic("content", "内容合法", "Lawful content"),
    Topic("drafting", "制定程序", "Drafting procedure"),
    Topic("legality_review", "合法性审核", "Legality review"),
    Topic("publication", "统一登记与公布", "Registration and publication"),
    Topic("filing", "备案", "Filing"),
    Topic("validity", "有效期", "Validity"),
    Topic("cleanup", "清理", "Clean-up"),
)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, FactType]:
    """Every fact path a normative-document rule may use, with its type."""
    out: dict[str, FactType] = {"as_of": FactType("date")}
    out |= typed("text", "number", "title", "issuer", "basis.changes", "basis.unknown")
    out |= typed("date", "issued_on", *STATED, *ACTS, "basis.changed_on", "cleanup_clock_on", *PROCESS_ACTS)
    out["comment_closes_on"] = FactType("date")
    out["market_related"] = FactType("bool")
    out["process_recorded"] = FactType("bool")
    out["kind"] = FactType("enum", KINDS)
    out["status"] = FactType("enum", STATUSES)
    out["sets"] = FactType("list")
    out["sets.count"] = FactType("int")
    out.update({f"sets.has.{w}": FactType("bool") for w in SETS})
    out["basis"] = FactType("list")
    out["basis.count"] = FactType("int")
    return out


def flatten(doc: Any, as_of: date, laws: LawRegister | None = None) -> dict[str, Any]:
    """The document as one flat fact, as known on `as_of` (dates as day ordinals)."""
    day = as_of.toordinal()
    facts: dict[str, Any] = {"as_of": day, "number": doc.number, "title": doc.title, "issuer": doc.issuer}
    issued = doc.issued_on
    if issued > as_of:
        return facts
    facts["issued_on"] = issued.toordinal()
    facts["kind"] = doc.kind
    facts["status"] = doc.status
    for name in STATED:
        value = getattr(doc, name)
        if value is not None:
            facts[name] = value.toordinal()
    for name in ACTS:
        value = getattr(doc, name)
        if value is not None and value <= as_of:
            facts[name] = value.toordinal()
    facts["cleanup_clock_on"] = facts.get("last_reviewed_on", facts["issued_on"])
    _put_process(facts, doc, as_of)
    _put_sets(facts, doc.sets)
    _put_basis(facts, doc, as_of, laws or laws_for_rules())
    return facts


def _put_process(facts: dict, doc: Any, as_of: date) -> None:
    """The drafting-process columns as known on `as_of`: the acts once dated on or before it, the
    comment's closing day with its opening (the notice states both), the market flag as stated."""
    values: dict[str, Any] = {name: getattr(doc, name, None) for name in PROCESS}
    facts["process_recorded"] = any(v is not None for v in values.values())
    for name in PROCESS_ACTS:
        day = values[name]
        if day is not None and day <= as_of:
            facts[name] = day.toordinal()
    closes = values["comment_closes_on"]
    if "comment_opened_on" in facts and closes is not None:
        facts["comment_closes_on"] = closes.toordinal()
    if values["market_related"] is not None:
        facts["market_related"] = values["market_related"]


def _put_sets(facts: dict, sets: tuple[str, ...]) -> None:
    if sets:
        facts["sets"] = "、".join(sets)
    facts["sets.count"] = len(sets)
    for word in SETS:
        facts[f"sets.has.{word}"] = word in sets


def _put_basis(facts: dict, doc: Any, as_of: date, laws: LawRegister) -> None:
    facts["basis.count"] = len(doc.basis)
    if not doc.basis:
        return
    facts["basis"] = "、".join(f"《{b.title}》" for b in doc.basis)
    changed: list[tuple[date, str]] = []
    unknown = []
    for b in doc.basis:
        if not laws.known(b.title):
            unknown.append(f"《{b.title}》")
            continue
        newer = laws.amended_after(b.title, max(doc.issued_on, b.version), as_of)
        if newer is not None:
            changed.append((newer.adopted_on, f"《{b.title}》{newer.adopted_on.isoformat()}修改"
                                              f"（{newer.effective_from.isoformat()}施行）"))
        repealed = laws.repealed_by(b.title, as_of)
        if repealed is not None and repealed > doc.issued_on:
            changed.append((repealed, f"《{b.title}》{repealed.isoformat()}废止"))
    if changed:
        facts["basis.changed_on"] = max(d for d, _ in changed).toordinal()
        facts["basis.changes"] = "、".join(text for _, text in sorted(changed))
    if unknown:
        facts["basis.unknown"] = "、".join(unknown)


def laws_for_rules(root: Path | None = None) -> LawRegister:
    """The law register beside the rules in use (`laws.yaml` of the rules folder), else the shipped one."""
    from engine.rulebook.loader import rules_dir
    path = Path(root or rules_dir()) / "laws.yaml"
    return default_laws(str(path if path.is_file() else DEFAULT_PATH))


def flatten_context(book: Any, root: Path | None) -> dict[str, Any]:
    """What `flatten` needs from the rules folder, prepared once per checker: its law register,
    read afresh (the law register is part of the rulebook version, so an edit makes a new checker)."""
    from engine.documents.laws import load_laws
    from engine.rulebook.loader import rules_dir
    path = Path(root or rules_dir()) / "laws.yaml"
    return {"laws": load_laws(path if path.is_file() else DEFAULT_PATH)}


def topics() -> tuple[Topic, ...]:
    return TOPICS


def parse_test_record(case: dict, label: str) -> Any:
    """A rule file's test case (§3 columns; lists for `sets` and `basis`) as a register row."""
    from engine.documents.use_cases import ALL_COLUMNS, row_validator
    from engine.registers.csvio import record_from_mapping
    return record_from_mapping(case, label, ALL_COLUMNS, row_validator(laws_for_rules()))


def test_skeleton(jurisdiction: str, test_id: str) -> dict:
    """What every rule test starts from: a regular document issued, published and filed in order."""
    return {"number": f"测试规〔2020〕1号（{test_id}）", "title": "规则测试文件",
            "issuer": "测试县人民政府", "issued_on": "2020-01-10", "effective_from": "2020-02-10",
            "kind": "regular", "status": "in_force"}


DOMAIN = Domain(DOCUMENT, catalogue, flatten, topics, parse_test_record, test_skeleton, lambda doc: doc.number,
                flatten_context, value_label=word_label, unknown_when_absent=UNKNOWN)
