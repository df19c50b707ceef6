"""Merge a jurisdiction chain into one Rulebook: parameters with their dated values, periods, rules.

Overlays may tighten a national parameter (raise a floor, lower a ceiling, narrow a set) and raise
a rule's severity; anything that loosens a national gate is refused with the file and line
(SPEC §E.2 precedence rule 1).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine.core.domains import Domain
from engine.core.domains import domain as domain_named
from engine.core.errors import ConditionError, Problem
from engine.rulebook.loader import RawRulebook, SourceFile
from engine.rulebook.model import SEVERITY_RANK, Citation, Instrument, Period, Regime, Rule, Text
from engine.rulebook.parse import ParseContext, parse_condition


@dataclass(frozen=True)
class ParamVersion:
    from_: date
    value: Any
    verified: bool
    citation: Citation
    jurisdiction: str


@dataclass(frozen=True)
class ParamDef:
    name: str
    title: Text
    type: str
    direction: str
    versions: tuple[ParamVersion, ...]

    def version_on(self, day: date) -> ParamVersion | None:
        """The version in force on `day` (the latest `from` on or before it)."""
        current = None
        for v in self.versions:
            if v.from_ <= day:
                current = v
        return current


@dataclass(frozen=True)
class RuleDef:
    rule: Rule
    instrument: Instrument
    jurisdiction: str
    file: str
    line: int | None
    severity: str
    citation: dict
    in_force_from: date
    in_force_to: date | None
    applies_when: Any
    requires: Any
    deadline_within: Any = None          # an int or a ParamRef name (str, prefixed "param:")

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass(frozen=True, eq=False)      # hashed by identity: scans cache per regime object
class RegimeDef:
    """A credit-repair regime: the instrument (its id is the regime's name) and its table."""
    id: str
    title: str
    number: str | None
    in_force_from: date
    in_force_to: date | None
    regime: Regime
    file: str


@dataclass
class Rulebook:
    jurisdiction: str
    chain: tuple[str, ...]
    version: str
    params: dict[str, ParamDef] = field(default_factory=dict)
    periods: dict[str, Period] = field(default_factory=dict)
    rules: list[RuleDef] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    regimes: list[RegimeDef] = field(default_factory=list)     # credit repair, in date order

    @property
    def checked_rules(self) -> list[RuleDef]:
        return [r for r in self.rules if r.rule.checked]

    def checked_rules_of(self, domain: str) -> list[RuleDef]:
        """The machine-checked rules that judge one kind of record (an instrument's `domain`)."""
        return [r for r in self.rules if r.rule.checked and r.instrument.domain == domain]

    def domains(self) -> list[str]:
        """The kinds of record this rulebook has rules for."""
        return list(dict.fromkeys(r.instrument.domain for r in self.rules))


def build_rulebook(raw: RawRulebook) -> Rulebook:
    """Merge the chain's files into a Rulebook, adding every problem found to `problems`."""
    book = Rulebook(raw.jurisdiction, tuple(j.folder for j in raw.chain), raw.digest, problems=list(raw.problems))
    sources = [(j.folder, s) for j in raw.chain for s in j.files]
    for folder, source in sources:
        _check_binding(book, source)
        _add_parameters(book, folder, source)
        _add_periods(book, source)
    for folder, source in sources:
        _apply_overrides(book, folder, source)
    for folder, source in sources:
        for index, rule in enumerate(source.parsed.rules):
            _add_rule(book, folder, source, index, rule)
    _apply_severity_overrides(book, sources)
    for folder, source in sources:
        _add_regime(book, source)
    return book


def _add_regime(book: Rulebook, source: SourceFile) -> None:
    """Keep a credit-repair regime's table; regimes may not overlap in time (one governs each day)."""
    parsed = source.parsed
    if parsed.regime is None:
        return
    inst = parsed.instrument
    if inst.domain != "credit_repair":
        _problem(book, source, ("regime",), "只有 credit_repair 领域的文件可以定义 regime / only credit_repair files define a regime")
        return
    new = RegimeDef(inst.id, inst.title, inst.number, inst.in_force.from_, inst.in_force.to, parsed.regime, source.rel)
    for old in book.regimes:
        if new.in_force_from <= (old.in_force_to or date.max) and old.in_force_from <= (new.in_force_to or date.max):
            _problem(book, source, ("instrument", "in_force"),
                     f"与 {old.file} 的制度 {old.id} 施行期间重叠 / overlaps regime {old.id} of {old.file}")
            return
    book.regimes.append(new)
    book.regimes.sort(key=lambda r: r.in_force_from)


def _check_binding(book: Rulebook, source: SourceFile) -> None:
    """Whom an instrument binds (CASE_FORMAT §2, v2): only decision-making instruments name it, the
    levels are not repeated, an analogy reaches bodies it does not bind, and `binds` cites an article."""
    inst = source.parsed.instrument
    binds, analogy = inst.binds, inst.applies_by_analogy
    if binds is None and analogy is None:
        return
    if inst.domain != "major_decision":
        _problem(book, source, ("instrument", "binds" if binds else "applies_by_analogy"),
                 "只有 major_decision 领域的文件可以写明约束哪些决策机关 / only major_decision instruments name the decision bodies they bind")
        return
    if binds is None:
        _problem(book, source, ("instrument", "applies_by_analogy"),
                 "写了 applies_by_analogy 却没有 binds / applies_by_analogy needs `binds`")
        return
    for key, levels in (("binds", binds.levels), ("applies_by_analogy", analogy.to if analogy else [])):
        if len(set(levels)) != len(levels):
            _problem(book, source, ("instrument", key), f"层级重复：{levels} / a level is listed twice")
    both = sorted(set(binds.levels) & set(analogy.to if analogy else []))
    if both:
        _problem(book, source, ("instrument", "applies_by_analogy", "to"),
                 f"{'、'.join(both)} 已由 binds 直接约束，不能同时参照适用 / already bound directly, not by analogy")
    if binds.citation is not None and inst.articles is not None and binds.citation.article > inst.articles:
        _problem(book, source, ("instrument", "binds", "citation"),
                 f"本文件只有 {inst.articles} 条 / the instrument has only {inst.articles} articles")


def _problem(book: Rulebook, source: SourceFile, loc: tuple, message: str) -> None:
    path = ".".join(str(x) for x in loc)
    book.problems.append(Problem(source.rel, path, message, source.line(loc)))


def _add_parameters(book: Rulebook, folder: str, source: SourceFile) -> None:
    for name, p in source.parsed.parameters.items():
        if name in book.params:
            _problem(book, source, ("parameters", name), f"参数 {name} 重复定义 / parameter defined twice")
            continue
        versions = tuple(ParamVersion(v.from_, v.value, p.verified is not False, p.citation, folder) for v in p.values)
        book.params[name] = ParamDef(name, p.title, p.type, p.direction, versions)


def _domain_of(book: Rulebook, source: SourceFile) -> Domain | None:
    """The domain of a file's instrument, or None (with a problem) when it has no fact catalogue."""
    from engine.core.errors import InputError
    try:
        return domain_named(source.parsed.instrument.domain)
    except InputError as e:
        _problem(book, source, ("instrument", "domain"), e.problems[0].message)
        return None


def _add_periods(book: Rulebook, source: SourceFile) -> None:
    dom = _domain_of(book, source)
    if dom is None:
        return
    for name, period in source.parsed.periods.items():
        loc = ("periods", name)
        if name in book.periods:
            _problem(book, source, loc, f"期间 {name} 重复定义 / period defined twice")
        for key in ("from_", "to"):
            t = dom.fact_type(getattr(period, key))
            if t is None or t.kind != "date":
                _problem(book, source, loc + (key.rstrip("_"),), f"应为日期事实：{getattr(period, key)!r} / expected a date fact")
        book.periods[name] = period


def _apply_overrides(book: Rulebook, folder: str, source: SourceFile) -> None:
    for name, override in source.parsed.parameter_overrides.items():
        loc = ("parameter_overrides", name)
        base = book.params.get(name)
        if base is None:
            _problem(book, source, loc, f"覆盖了不存在的参数 {name} / overrides an undefined parameter")
            continue
        if override.type != base.type or override.direction != base.direction:
            _problem(book, source, loc, "覆盖参数的 type/direction 须与原参数一致 / type and direction must match the parameter overridden")
            continue
        for i, v in enumerate(override.values):
            until = override.values[i + 1].from_ if i + 1 < len(override.values) else None
            for old in _versions_during(base, v.from_, until):
                if not _tightens(base.direction, old.value, v.value):
                    _problem(book, source, loc + ("values", i),
                             f"放宽了上级规定（{old.from_}起为 {old.value!r}，此处为 {v.value!r}，{base.direction}）"
                             f" / loosens the higher-level rule in force from {old.from_}")
        first = override.values[0].from_
        kept = tuple(v for v in base.versions if v.from_ < first)
        added = tuple(ParamVersion(v.from_, v.value, override.verified is not False, override.citation, folder)
                      for v in override.values)
        book.params[name] = ParamDef(name, base.title, base.type, base.direction, kept + added)


def _versions_during(base: ParamDef, start: date, until: date | None) -> list[ParamVersion]:
    """The higher level's values in force at some time in [start, until)."""
    out = []
    for i, v in enumerate(base.versions):
        end = base.versions[i + 1].from_ if i + 1 < len(base.versions) else None
        if (until is None or v.from_ < until) and (end is None or end > start):
            out.append(v)
    return out


def _tightens(direction: str, old: Any, new: Any) -> bool:
    """Tell whether an overlay's value is at least as strict as the higher level's."""
    if direction == "floor":
        return new >= old
    if direction == "ceiling":
        return new <= old
    if direction == "set":
        return set(new) <= set(old)
    return new == old


def _add_rule(book: Rulebook, folder: str, source: SourceFile, index: int, rule: Rule) -> None:
    loc = ("rules", index)
    if any(r.id == rule.id for r in book.rules):
        _problem(book, source, loc + ("id",), f"规则编号 {rule.id} 重复 / duplicate rule id")
        return
    instrument = source.parsed.instrument
    _check_citation(book, source, loc + ("citation",), instrument, rule.citation)
    dom = _domain_of(book, source)
    if dom is None:
        return
    if rule.follow_up is not None and dom.name != "credit_repair":
        _problem(book, source, loc + ("follow_up",), "只有信用修复规则可以有 follow_up / only credit_repair rules have a follow_up")
    if rule.stage not in dom.topic_ids():
        _problem(book, source, loc + ("stage",), f"未知阶段 {rule.stage!r}，可用：{', '.join(dom.topic_ids())} / unknown stage")
    applies, requires, within = _parse_rule_conditions(book, source, loc, rule, dom)
    lo, hi = _in_force(instrument, rule)
    book.rules.append(RuleDef(rule, instrument, folder, source.rel, source.line(loc), rule.severity,
                              _citation_dict(instrument, rule.citation), lo, hi, applies, requires, within))


def _in_force(instrument: Instrument, rule: Rule) -> tuple[date, date | None]:
    lo, hi = instrument.in_force.from_, instrument.in_force.to
    if rule.in_force is not None:
        lo = max(lo, rule.in_force.from_)
        hi = rule.in_force.to if hi is None else min(hi, rule.in_force.to or hi)
    return lo, hi


def _check_citation(book, source, loc, instrument: Instrument, citation: Citation) -> None:
    if citation.instrument not in (None, instrument.title) or instrument.articles is None:
        return
    for article in citation.articles():
        if article > instrument.articles:
            _problem(book, source, loc, f"《{instrument.title}》只有 {instrument.articles} 条，没有第 {article} 条 / cites an article that does not exist")


def _citation_dict(instrument: Instrument, citation: Citation) -> dict:
    out: dict[str, Any] = {"instrument": citation.instrument or instrument.title, "article": citation.article}
    for key in ("paragraph", "item"):
        if getattr(citation, key) is not None:
            out[key] = getattr(citation, key)
    if citation.also:
        out["also"] = [a if isinstance(a, int) else a.model_dump(exclude_none=True) for a in citation.also]
    return out


def _parse_rule_conditions(book, source, loc, rule: Rule, dom: Domain) -> tuple[Any, Any, Any]:
    if not rule.checked:
        return None, None, None
    ctx = ParseContext(dom.fact_type, lambda n: book.params[n].type if n in book.params else None, set(book.periods),
                       lambda n: [v.value for v in book.params[n].versions] if n in book.params else [])
    _check_fact(book, source, loc + ("judged_on",), rule.judged_on, dom)
    parsed = []
    for key in ("applies_when", "requires"):
        node = getattr(rule, key)
        try:
            parsed.append(None if node is None else parse_condition(node, ctx, ()))
        except ConditionError as e:
            _problem(book, source, loc + (key,) + e.path, str(e))
            parsed.append(None)
    return parsed[0], parsed[1], _parse_deadline(book, source, loc, rule, dom)


def _parse_deadline(book, source, loc, rule: Rule, dom: Domain) -> Any:
    if rule.deadline is None:
        return None
    d = rule.deadline
    _check_fact(book, source, loc + ("deadline", "act"), d.act, dom)
    if d.period not in book.periods:
        _problem(book, source, loc + ("deadline", "period"), f"未定义的期间 {d.period!r} / undefined period")
    if isinstance(d.within, int) and not isinstance(d.within, bool):
        return d.within
    if isinstance(d.within, dict) and set(d.within) == {"param"} and d.within["param"] in book.params:
        return "param:" + d.within["param"]
    _problem(book, source, loc + ("deadline", "within"), "应为整数或已定义参数 {param: 名称} / expected an integer or {param: NAME}")
    return None


def _check_fact(book, source, loc, path: str | None, dom: Domain) -> None:
    t = dom.fact_type(path)
    if t is None or t.kind != "date":
        _problem(book, source, loc, f"应为日期事实：{path!r} / expected a date fact")


def _apply_severity_overrides(book: Rulebook, sources) -> None:
    by_id = {r.id: i for i, r in enumerate(book.rules)}
    for _, source in sources:
        for rule_id, severity in source.parsed.severity_overrides.items():
            loc = ("severity_overrides", rule_id)
            if rule_id not in by_id:
                _problem(book, source, loc, f"不存在的规则 {rule_id} / unknown rule")
                continue
            old = book.rules[by_id[rule_id]]
            if SEVERITY_RANK[severity] < SEVERITY_RANK[old.severity]:
                _problem(book, source, loc, f"降低了上级规定的严重程度 {old.severity} → {severity} / loosens a higher-level rule")
                continue
            from dataclasses import replace
            book.rules[by_id[rule_id]] = replace(old, severity=severity)
