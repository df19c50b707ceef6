"""Findings: the verdict of one rule on one case, with its citation, message and the facts it used."""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from json.encoder import encode_basestring  # type: ignore[attr-defined]   # the C one when built
from typing import Any

from engine.core.calendar import WorkingCalendar
from engine.rulebook.book import Rulebook, RuleDef
from engine.rulebook.compile import CompiledRule, due_fact

HIDDEN_FACTS = {"as_of", "exclusion", "special_procedure_law", "approval.required"}   # derived or v1: not shown
LIST_SEPARATOR = "、"                  # how a flattened list of words is held (engine/decisions/facts.py)
PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.:@-]+)\}")
SAID = ("violated", "missing")          # the verdicts whose findings carry a message


class Finding:
    """One rule's verdict on one case. Built cheaply; its facts and message are worked out on first use."""

    __slots__ = ("plan", "index", "branch", "verdict", "case_facts", "calendar", "round_no", "rounds", "_facts",
                 "_message", "_verified")

    def __init__(self, plan: "FindingPlan", branch_index: int, case_facts: dict, calendar: WorkingCalendar,
                 round_no: int | None = None, rounds: int | None = None):
        self.plan, self.index = plan, branch_index
        self.branch = branch = plan.cr.branches[branch_index]
        self.verdict = branch.verdict          # read by the summary, the exit status and the text report
        self.case_facts, self.calendar = case_facts, calendar
        # judged per round (a consultation recorded as rounds): the round it comes from, of how many
        self.round_no, self.rounds = round_no, rounds
        self._facts: dict | None = None
        self._message: Any = False
        self._verified: bool | None = None

    rule = property(lambda self: self.plan.rd.id)
    severity = property(lambda self: self.plan.rd.severity)
    citation = property(lambda self: self.plan.rd.citation)
    stage = property(lambda self: self.plan.rd.rule.stage)
    title = property(lambda self: self.plan.title)
    reason = property(lambda self: self.branch.reason)
    overdue = property(lambda self: self.branch.overdue)

    @property
    def verified(self) -> bool:
        """Whether the rule, every parameter value it used and every fact it read are verified."""
        if self._verified is None:
            self._verified = self.plan.verified(self.case_facts)
        return self._verified

    @property
    def due_on(self) -> str | None:
        """The last day allowed (ISO), for a deadline rule whose period has started."""
        return self.plan.due_on(self.case_facts)

    @property
    def facts(self) -> dict:
        """The facts the rule read, as the report shows them (dates in ISO)."""
        if self._facts is None:
            self._facts = self.plan.shown_facts(self.case_facts, self.calendar)
            if self.round_no is not None:
                self._facts.update({"round": self.round_no, "rounds": self.rounds})
        return self._facts

    @property
    def message(self) -> dict | None:
        """{"zh": …, "en": …} for a violated or missing rule (or an unknown calendar), else None."""
        if self._message is False:
            self._message = self.plan.message(self.branch, self.case_facts, self.calendar)
            if self._message is not None and self.round_no is not None:
                self._message = RoundMessage(self._message, self.round_no)
        return self._message

    def json_text(self, lang: str = "zh") -> str:
        """`to_json(lang)` as `json.dumps(…, ensure_ascii=False)` writes it, without building the
        dict: the parts fixed by the rule and the branch are written once per compiled rulebook."""
        plan, facts = self.plan, self.case_facts
        head, says, tail = plan.json_parts[self.index]
        out = head
        if says:
            message = self.message
            if message is not None:
                out += ', "message": ' + json_value(message[lang])
        verified = plan.verified(facts)
        out += ', "verified": true, "facts": ' if verified else ', "verified": false, "facts": '
        if tail is not None:        # no due date, no analogy: the rest is fixed by the branch
            shown = plan.shown_json(facts, None) if self.round_no is None else None
            return out + (shown if shown is not None else json_object(self.facts)) + tail
        branch = self.branch
        due = plan.due_on(facts)
        shown = plan.shown_json(facts, due) if self.round_no is None else None
        out += shown if shown is not None else json_object(self.facts)
        if branch.reason is not None:
            out += ', "reason": ' + json_value(branch.reason)
        if plan.analogy and branch.verdict != "not_applicable" and by_analogy(plan.rd, facts):
            out += ', "by_analogy": true'
        if due is not None:
            out += ', "due_on": ' + json_value(due)
        if branch.overdue:
            out += ', "overdue": true'
        return out + "}"

    def to_json(self, lang: str = "zh") -> dict:
        """The finding in the public report shape (CASE_FORMAT §2)."""
        out: dict[str, Any] = {"rule": self.rule, "verdict": self.verdict, "severity": self.severity,
                               "citation": self.citation}
        message = self.message
        if message is not None:
            out["message"] = message[lang]
        out["verified"] = self.verified
        out["facts"] = self.facts
        if self.reason is not None:
            out["reason"] = self.reason
        if self.verdict != "not_applicable" and by_analogy(self.plan.rd, self.case_facts):
            out["by_analogy"] = True
        due = self.due_on
        if due is not None:
            out["due_on"] = due
        if self.overdue:
            out["overdue"] = True
        return out


class FindingPlan:
    """What a rule's findings need, worked out once per compiled rulebook."""

    def __init__(self, cr: CompiledRule, book: Rulebook):
        from engine.rulebook.compile import params_of
        self.cr, self.rd, self.book = cr, cr.rule, book
        self.params = params_of(cr.rule)
        self.dates = _date_facts(cr.rule.instrument.domain)
        self.shown = [(k, k[7:] if k.startswith("period:") else k, k in self.dates) for k in _shown_keys(cr)]
        # a period still running is shown by its value up to as_of (engine/core/check.add_periods)
        self.running = [(k + "@run", name) for k, name, _ in self.shown if k.startswith("period:")]
        self.title = cr.rule.rule.title.model_dump()
        # what `verified` and `by_analogy` can depend on, worked out once: whether the instrument is
        # applied by analogy at all, and whether every version of every parameter used is verified
        self.due_key = due_fact(cr.rule.id) if cr.rule.rule.deadline is not None else None
        inst = cr.rule.instrument
        self.analogy = inst.binds is not None and inst.applies_by_analogy is not None
        self.params_verified = all(v.verified for p in self.params for v in book.params[p].versions)
        # for shown_json, the names quoted once: (fact key, '"name": ', is a date), and per period
        # (its key, its running key, '"name": '); None when two values could share a name
        names = [name for _, name, _ in self.shown]
        unique = len(set(names)) == len(names) and "due_on" not in names
        self.shown_quoted = [(k, encode_basestring(name) + ": ", is_date)
                             for k, name, is_date in self.shown] if unique else None
        self.running_quoted = [(k, k + "@run", encode_basestring(name) + ": ")
                               for k, name, _ in self.shown if k.startswith("period:")]
        # whether its findings are verified whatever the case (but for a fact read from an unverified
        # table, `@unverified`): None when the analogy or a parameter's version decides
        unsourced = self.analogy and inst.applies_by_analogy is not None and inst.applies_by_analogy.source is None
        self.fixed_verified: bool | None = (False if cr.rule.rule.verified is False else
                                            None if unsourced or not self.params_verified else True)
        # per branch: (the JSON up to the citation, whether a message may follow, and the JSON after
        # the facts when it is the same for every case — no due date, no analogy — else None)
        self.json_parts = [(self.json_head(b), b.verdict in SAID or b.reason == "calendar_unknown",
                            None if self.due_key is not None or self.analogy else
                            (', "reason": ' + json_value(b.reason) if b.reason is not None else "")
                            + (', "overdue": true' if b.overdue else "") + "}")
                           for b in cr.branches]
        # per branch whose findings carry no message, when neither a due date, an analogy nor a
        # running period can add to them: the texts before the first shown fact (verified or not),
        # after the last, and of a finding that shows none (verified or not); else None
        fixed = self.shown_quoted is not None and not self.running_quoted
        self.json_fast = [(head + ', "verified": true, "facts": {', head + ', "verified": false, "facts": {',
                           "}" + tail, head + ', "verified": true, "facts": {}' + tail,
                           head + ', "verified": false, "facts": {}' + tail)
                          if fixed and tail is not None and not says else None
                          for head, says, tail in self.json_parts]

    def json_head(self, branch) -> str:
        """The JSON of a finding up to its citation: what the rule and the branch fix."""
        rd = self.rd
        return (f'{{"rule": {json_value(rd.id)}, "verdict": {json_value(branch.verdict)}, '
                f'"severity": {json_value(rd.severity)}, "citation": {json_dumps(rd.citation)}')

    def build(self, branch_index: int, facts: dict, calendar: WorkingCalendar,
              round_no: int | None = None, rounds: int | None = None) -> Finding:
        """Turn the branch an evaluator chose into a finding (of one round, for a rule judged per round)."""
        if branch_index < 0:
            raise RuntimeError(f"no verdict for {self.rd.id}: the compiled branches are not exhaustive")
        return Finding(self, branch_index, facts, calendar, round_no, rounds)

    def shown_facts(self, facts: dict, calendar: WorkingCalendar) -> dict:
        shown = {name: _show(facts[k], is_date) for k, name, is_date in self.shown if k in facts}
        for running, name in self.running:
            if running in facts:
                shown[name] = facts[running]
        due = self.due_on(facts)
        if due:
            shown["due_on"] = due
        return shown

    def shown_json(self, facts: dict, due: str | None) -> str | None:
        """`json_object(self.shown_facts(facts, …))` written in one pass (`due` is `due_on(facts)`),
        or None where a value would replace another under the same name (then the dict is built)."""
        if self.shown_quoted is None:
            return None
        parts = _shown_parts(self.shown_quoted, facts)
        for k, running, quoted in self.running_quoted:
            if running in facts:
                if k in facts:
                    return None
                parts.append(quoted + json_value(facts[running]))
        if due:
            parts.append('"due_on": ' + json_value(due))
        return "{" + ", ".join(parts) + "}"

    def due_on(self, facts: dict) -> str | None:
        """The deadline's last allowed day (ISO), computed before evaluation (engine/core/due.py)."""
        if self.due_key is None:
            return None
        due = facts.get(self.due_key)
        return date.fromordinal(due).isoformat() if due is not None else None

    def message(self, branch, facts: dict, calendar: WorkingCalendar) -> Mapping[str, str] | None:
        rule = self.rd.rule
        if branch.verdict == "violated":
            template = rule.overdue_message if branch.overdue and rule.overdue_message else rule.message
            return Message(template, _values(self, facts, calendar))
        if branch.verdict == "missing":
            return self.missing_message(facts, calendar)
        if branch.reason == "calendar_unknown":
            year = next(v for k, v in facts.items() if k.endswith("@unknown"))
            return {"zh": f"{year}年的工作日安排未知，无法计算工作日期间（请在 rules/calendars/ 中补充）",
                    "en": f"the working-day arrangement for {year} is unknown; add it under rules/calendars/"}
        return None

    def reminder(self, facts: dict, calendar: WorkingCalendar) -> Mapping[str, str]:
        """The rule's own message as a reminder, for a 可以 option not yet taken (a credit
        follow-up such as notify_party, CASE_FORMAT §6), where the finding itself carries none."""
        return Message(self.rd.rule.message, _values(self, facts, calendar))

    def missing_message(self, facts: dict, calendar: WorkingCalendar) -> Mapping[str, str]:
        """Say which record is absent — never that the act was not done (CASE_FORMAT §2)."""
        if self.rd.rule.message_missing is not None:
            return Message(self.rd.rule.message_missing, _values(self, facts, calendar))
        from engine.core.domains import domain
        label = domain(self.rd.instrument.domain).label
        labels = [label(f) for f in self.absent(facts)]
        zh = "、".join(dict.fromkeys(z for z, _ in labels)) or "所需"
        en = ", ".join(dict.fromkeys(e for _, e in labels)) or "what this rule needs"
        return {"zh": f"未见{zh}的记录，请补充材料", "en": f"no record of {en}; please add it"}

    def absent(self, facts: dict) -> list[str]:
        """The facts the requirement reads that are not recorded (a period: its unrecorded ends)."""
        out = []
        for f in self.cr.needs:
            if f.startswith("period:"):
                p = self.book.periods.get(f[7:].split("@")[0])
                out += [end for end in ((p.from_, p.to) if p else ()) if end not in facts]
            elif f not in facts and not f.startswith("due:"):
                out.append(f)
        return list(dict.fromkeys(out))

    def verified(self, facts: dict) -> bool:
        """A finding is verified when its rule is, every parameter value it used is, and no fact it
        read was derived from an unverified table (a record's `@unverified` facts)."""
        fixed = self.fixed_verified      # False: the rule is not; True: only the case's facts can make it not
        if fixed is False:
            return False
        unverified = facts.get("@unverified")
        if unverified and not unverified.isdisjoint(self.cr.facts):
            return False
        if fixed:
            return True
        if self.analogy and by_analogy(self.rd, facts) and self.rd.instrument.applies_by_analogy.source is None:
            return False        # an analogy no source states (CASE_FORMAT §2, v2)
        if self.params_verified:        # no parameter, or every version of each is verified
            return True
        day = judged_date(self.rd, facts)
        return all(v is None or v.verified for v in (self.book.params[p].version_on(day) for p in self.params))


def by_analogy(rd: RuleDef, facts: dict) -> bool:
    """The rule's instrument does not bind the case's decision body but is applied to it by analogy."""
    inst = rd.instrument
    if inst.binds is None or inst.applies_by_analogy is None:
        return False
    level = facts.get("decision_body.level")
    return level not in inst.binds.levels and level in inst.applies_by_analogy.to


def judged_date(rd: RuleDef, facts: dict) -> date:
    """The date that picks the version in force: the act's date, or as_of while it is not dated."""
    return date.fromordinal(facts.get(rd.rule.judged_on, facts["as_of"]))


def _shown_keys(cr: CompiledRule) -> list[str]:
    """The facts a finding shows, in the order the rule reads them (the same in every run)."""
    keys = [f for f in cr.facts if f not in HIDDEN_FACTS]
    if cr.rule.rule.deadline is not None:
        keys.append(f"period:{cr.rule.rule.deadline.period}")
    return list(dict.fromkeys(keys))


class Bilingual(Mapping):
    """A text in Chinese and English as a mapping {"zh": …, "en": …}; subclasses give `__getitem__`."""

    __slots__ = ()

    def __iter__(self):
        return iter(("zh", "en"))

    def __len__(self) -> int:
        return 2

    def __repr__(self) -> str:
        return repr(dict(self))


class Message(Bilingual):
    """A violated rule's message, {"zh": …, "en": …}, each language rendered when first read
    (a scan of a million records asks for one language only)."""

    __slots__ = ("template", "given", "texts")
    MISSING = {"zh": "未记录", "en": "not recorded"}

    def __init__(self, template, values: "_Values"):
        self.template, self.given = template, values
        self.texts: dict[str, str] = {}

    def __getitem__(self, lang: str) -> str:
        text = self.texts.get(lang)
        if text is None:
            text = self.texts[lang] = render(getattr(self.template, lang), self.given.in_language(lang),
                                             self.MISSING[lang])
        return text



class RoundMessage(Bilingual):
    """A message of a rule judged per round, headed by the round: 第2轮公开征求意见：…"""

    __slots__ = ("inner", "round_no")
    HEAD = {"zh": "第{n}轮公开征求意见：", "en": "Round {n} of the open consultation: "}

    def __init__(self, inner: Mapping[str, str], round_no: int):
        self.inner, self.round_no = inner, round_no

    def __getitem__(self, lang: str) -> str:
        return self.HEAD[lang].format(n=self.round_no) + self.inner[lang]


def _values(plan: FindingPlan, facts: dict, calendar: WorkingCalendar) -> "_Values":
    """Every value a message may name: facts (dates in ISO), periods, parameters, the due date."""
    return _Values(plan, facts, calendar)


class _Values:
    """Look up a message placeholder's value on demand (None when it has none). An enumeration
    word (a fact of kind enum, the words of a set parameter) is named in the message's language:
    「传阅」, never 「circulation」, in a Chinese message."""

    def __init__(self, plan: FindingPlan, facts: dict, calendar: WorkingCalendar, lang: str = "en"):
        self.plan, self.facts, self.calendar, self.lang = plan, facts, calendar, lang

    def in_language(self, lang: str) -> "_Values":
        return _Values(self.plan, self.facts, self.calendar, lang)

    def _word(self, word: Any) -> Any:
        if not isinstance(word, str):
            return word
        zh, en = _value_label(self.plan.rd.instrument.domain)(word)
        return zh if self.lang == "zh" else en

    def get(self, name: str) -> Any:
        facts, rd = self.facts, self.plan.rd
        if name == "as_of":
            return date.fromordinal(facts["as_of"]).isoformat()
        if name == "due_on":
            return self.plan.due_on(facts)
        if name.startswith("param:"):
            version = self.plan.book.params[name[6:]].version_on(judged_date(rd, facts))
            if version is None:
                return None
            value = version.value
            return _param_text([self._word(w) for w in value] if isinstance(value, list) else value, self.lang)
        if name in self.plan.book.periods:
            return facts.get(f"period:{name}", facts.get(f"period:{name}@run"))
        value = _show(facts.get(name), name in self.plan.dates)
        if name in _word_list_facts(rd.instrument.domain) and isinstance(value, str):
            return _param_text([self._word(w) for w in value.split(LIST_SEPARATOR)], self.lang)
        return self._word(value) if name in _enum_facts(rd.instrument.domain) else value

    def __getitem__(self, name: str) -> Any:
        return self.get(name)


@lru_cache(maxsize=None)
def _date_facts(domain: str) -> frozenset[str]:
    """The date facts of one kind of record (shown in ISO, not as day ordinals)."""
    from engine.core.domains import domain as domain_named
    return frozenset(k for k, t in domain_named(domain).catalogue().items() if t.kind == "date")


@lru_cache(maxsize=None)
def _enum_facts(domain: str) -> frozenset[str]:
    """The enumeration facts of one kind of record (named by their label in a message)."""
    from engine.core.domains import domain as domain_named
    return frozenset(k for k, t in domain_named(domain).catalogue().items() if t.kind == "enum")


@lru_cache(maxsize=None)
def _word_list_facts(domain: str) -> frozenset[str]:
    """The lists of enumeration words of one kind of record (a fact `P` with `P.has.<word>`: the
    channels of a publication, the sets of a document, what a credit repair still lacks), held
    joined by 「、」 and named word by word in a message."""
    from engine.core.domains import domain as domain_named
    catalogue = domain_named(domain).catalogue()
    heads = {k.partition(".has.")[0] for k in catalogue if ".has." in k}
    return frozenset(h for h in heads if h in catalogue and catalogue[h].kind == "list")


def _value_label(domain: str):
    from engine.core.domains import domain as domain_named
    return domain_named(domain).value_label


json_dumps = functools.partial(json.dumps, ensure_ascii=False)
_KEYS: dict[str, str] = {}


def json_value(value: Any) -> str:
    """A value as `json.dumps(value, ensure_ascii=False)` writes it (plain values without its overhead)."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    return json_dumps(value)


def json_object(values: dict) -> str:
    """A dict as `json.dumps(values, ensure_ascii=False)` writes it (its quoted keys remembered)."""
    if not values:
        return "{}"
    keys = _KEYS
    parts = []
    for key, value in values.items():
        quoted = keys.get(key)
        if quoted is None:
            if type(key) is not str:
                return json_dumps(values)
            quoted = encode_basestring(key) + ": "
            if len(keys) < 65536:
                keys[key] = quoted
        parts.append(quoted + json_value(value))
    return "{" + ", ".join(parts) + "}"


_ISO_DAYS: dict[int, str] = {}


def _iso_day(ordinal: int) -> str:
    """A day ordinal as its quoted ISO date, `"2026-11-25"` (each day written once: cases share them)."""
    text = _ISO_DAYS.get(ordinal)
    if text is None:
        text = f'"{date.fromordinal(ordinal).isoformat()}"'
        if len(_ISO_DAYS) < 65536:
            _ISO_DAYS[ordinal] = text
    return text


def _shown_parts(shown_quoted: Sequence[tuple[str, str, bool]], facts: dict) -> list[str]:
    """The `"name": value` members of the shown facts recorded in `facts`, in the rule's order."""
    parts = []
    for k, quoted, is_date in shown_quoted:
        if k in facts:
            value = facts[k]
            kind = type(value)
            if kind is int:         # most shown facts: a day ordinal or a count
                parts.append(quoted + (_iso_day(value) if is_date else int.__repr__(value)))
            elif kind is str:
                parts.append(quoted + encode_basestring(value))
            elif kind is bool and not is_date:
                parts.append(quoted + ("true" if value else "false"))
            else:
                parts.append(quoted + json_value(_show(value, is_date)))
    return parts


def findings_json(findings: list[Finding], lang: str = "zh") -> str:
    """The findings' JSON (`Finding.json_text`) joined by ", ": a finding with no message, no
    round, no due date, no analogy and no running period is written from the texts its rule and
    branch fix (FindingPlan.json_fast) and its shown facts, in one step."""
    out: list[str] = []
    append = out.append
    for f in findings:
        plan = f.plan
        fast = plan.json_fast[f.index]
        if fast is None or f.round_no is not None:
            append(f.json_text(lang))
            continue
        facts = f.case_facts
        verified = plan.verified(facts)
        parts = _shown_parts(plan.shown_quoted or (), facts)
        if parts:
            append((fast[0] if verified else fast[1]) + ", ".join(parts) + fast[2])
        else:
            append(fast[3] if verified else fast[4])
    return ", ".join(out)


def _show(value: Any, is_date: bool) -> Any:
    return date.fromordinal(value).isoformat() if is_date and isinstance(value, int) else value


def _param_text(value: Any, lang: str = "zh") -> str:
    return ("、" if lang == "zh" else ", ").join(value) if isinstance(value, list) else str(value)


def render(template: str, values, missing: str | None = None) -> str:
    """Fill `{name}` placeholders with values; one with no value reads `missing` (lint has checked
    the names), or is left visible as written when `missing` is None."""
    out = []
    for literal, name in _pieces(template):
        out.append(literal)
        if name is not None:
            value = values.get(name)
            out.append(str(value) if value is not None else "{" + name + "}" if missing is None else missing)
    return "".join(out)


@lru_cache(maxsize=4096)
def _pieces(template: str) -> tuple[tuple[str, str | None], ...]:
    """A template cut once into (literal text, placeholder name or None) pieces."""
    pieces, at = [], 0
    for m in PLACEHOLDER.finditer(template):
        pieces.append((template[at:m.start()], m.group(1)))
        at = m.end()
    pieces.append((template[at:], None))
    return tuple(pieces)
