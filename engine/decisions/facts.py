"""Flatten a case into the one fact the evaluators read, and the catalogue of fact paths rules may use.

A fact is a flat dict: `collective_decision.meeting_type` → "executive". Dates become day
ordinals, lists of enumeration words become `P.has.<word>` and `P.count`, lists of objects become
named aggregates. Evidence dated after `as_of` is dropped, and an undated field goes with the date
of its section (CASE_FORMAT §1), so the same case checked "as of" an earlier day sees only what was
known then.
"""
from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Iterator

from pydantic import BaseModel

from engine.decisions import record as case_model
from engine.decisions.enums import Stage


@dataclass(frozen=True)
class FactType:
    kind: str                        # date | bool | int | enum | text | list (present = non-empty)
    values: tuple[str, ...] = ()     # the words of an enumeration


def typed(kind: str, *paths: str) -> dict[str, FactType]:
    """Catalogue entries for fact paths of one plain type (text, date, int or bool)."""
    return dict.fromkeys(paths, FactType(kind))


# The date that an undated field goes with, where it is not the first date of its own section.
DATED_BY = {
    "initiation.legal_basis": "initiation.started_on",
    "initiation.units_consulted": "initiation.started_on",
    "initiation.disputes_exist": "initiation.started_on",
    "initiation.disputes_reported": "initiation.started_on",
    "public_participation.forms": "public_participation.consultation.opened_on",
    "public_participation.comments_received": "public_participation.consultation.closes_on",
    "public_participation.comment_handling_report": "public_participation.consultation.closes_on",
    "public_participation.group_consulted": "public_participation.consultation.opened_on",
    "legality_review.conclusion": "legality_review.opinion_on",
    "legality_review.draft_revised": "legality_review.opinion_on",
    "legality_review.scope": "legality_review.opinion_on",
    "legality_review.legal_adviser_opinion": "legality_review.opinion_on",
    "legality_review.replaced_by_consultation": "legality_review.opinion_on",
    "legality_review.legal_risk_statement": "legality_review.opinion_on",
    "public_participation.hearing.record_signed": "public_participation.hearing.held_on",
    # the closing day is announced in the notice: known from the day the consultation opens
    "public_participation.consultation.closes_on": "public_participation.consultation.opened_on",
    "post_evaluation.triggers": None,
    "post_evaluation.evaluator": None,
    "post_evaluation.evaluator_was_pre_decision_assessor": None,
    "execution.executing_unit": None,
}

# Aggregates over lists of objects: path → {name: (kind, function of the kept items)}.
AGGREGATES: dict[str, dict[str, tuple[str, Any]]] = {
    "expert_review.experts": {
        "count": ("int", len),
        "any_direct_interest": ("bool", lambda xs: _any3(x.direct_interest for x in xs)),
        "all_opinions_signed": ("bool", lambda xs: _all3(x.opinion_signed for x in xs)),
        "any_differing_view": ("bool", lambda xs: _any3(x.differing_view for x in xs)),
    },
    "execution.reports": {
        "count": ("int", len),
        "first_on": ("date", lambda xs: min(x.reported_on for x in xs)),
        "any_problems": ("bool", lambda xs: _any3(x.problems for x in xs)),
    },
    "adjustments": {
        "count": ("int", len),
        "first_on": ("date", lambda xs: min((x.decided_on for x in xs if x.decided_on), default=None)),
        "any_suspend_not_urgent": ("bool", lambda xs: _any3(
            None if x.by_head_urgent is None else not x.by_head_urgent for x in xs if x.kind == "suspend")),
        "any_change_or_stop_without_rerun": ("bool", lambda xs: _any3(
            None if x.procedures_rerun is None else not x.procedures_rerun
            for x in xs if x.kind in ("change", "stop"))),
    },
    # Art. 3(2): per stage, the law or administrative regulation that sets its procedure (v2)
    "special_procedure": {stage: ("text", lambda xs, stage=stage: displacing_law(xs, stage))
                          for stage in typing.get_args(Stage)},
}
# Fields whose null means "none" rather than "not recorded yet" (CASE_FORMAT §1).
NONE_WHEN_ABSENT = frozenset({
    "exclusion", "special_procedure", "special_procedure_law", "hearing_required_by",
    "public_participation.consultation.shortened_reason", "risk_assessment.existing_assessment_ref",
    "risk_assessment.reassessed_on"})


def _any3(values) -> bool | None:
    """Kleene "some": true if one is true, false if all are false, else unknown (None)."""
    values = list(values)
    return True if True in values else None if None in values else False


def _all3(values) -> bool | None:
    """Kleene "every": false if one is false, true if all are true, else unknown (None)."""
    values = list(values)
    return False if False in values else None if None in values else True


ITEM_DATE = {"execution.reports": "reported_on", "adjustments": "decided_on"}
DISPLACING_LEVELS = ("law", "administrative_regulation")      # Art. 3(2): nothing below may


def displacing_law(entries: Any, stage: str) -> str | None:
    """The laws (with article) that set the procedure of `stage` and may displace the Decree, or None."""
    laws = [f"{e.law}第{e.article}条" if e.article else e.law for e in entries
            if e.level in DISPLACING_LEVELS and stage in e.governs]
    return "、".join(laws) if laws else None


def special_procedure_notes(case: Any) -> list[dict[str, str]]:
    """A note for each special procedure set below an administrative regulation: it displaces nothing."""
    return [{"zh": f"{e.law}（{LAW_LEVEL_ZH[e.level]}）不能排除《重大行政决策程序暂行条例》的适用："
                   "只有法律、行政法规可以规定特别程序（第三条第二款），相关环节仍按本条例核查",
             "en": f"{e.law} ({e.level.replace('_', ' ')}) cannot set Decree 713 aside: only a law or an "
                   "administrative regulation may set a special procedure (Art. 3(2)); its stages are checked as usual"}
            for e in (getattr(case, "special_procedure", None) or ()) if e.level not in DISPLACING_LEVELS]


LAW_LEVEL_ZH = {"law": "法律", "administrative_regulation": "行政法规", "local_regulation": "地方性法规",
                "rule": "规章"}
DERIVED = {"collective_decision.decision_differs_from_majority": FactType("bool"),
           # the file records an approval by a higher body (any of its fields, whatever its dates):
           # the decision is published after the approval (MAD-APPR-03), not from the meeting
           "approval.required": FactType("bool"),
           "as_of": FactType("date")}


def _unwrap(tp: Any) -> Any:
    """Strip Optional/Annotated around a field type."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0] if len(args) == 1 else tp
            if len(args) != 1:
                return tp
        else:
            return tp


def _enum_words(tp: Any) -> tuple[str, ...] | None:
    if typing.get_origin(tp) is typing.Literal:
        return tuple(typing.get_args(tp))
    if isinstance(tp, type) and issubclass(tp, str) and hasattr(tp, "__members__"):
        return tuple(m.value for m in tp)  # type: ignore[attr-defined]
    return None


def _walk(model: type[BaseModel], prefix: str) -> Iterator[tuple[str, str, Any]]:
    """Yield (path, shape, type) for every field: shape is scalar | model | list. A field that is
    one object or a list of them (the consultation's rounds) has the object's facts: each round is
    judged on its own (ROUND_SECTION)."""
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        tp = _unwrap(field.annotation)
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            tp = case_model._model_in(tp) or tp
        if typing.get_origin(tp) in (list, tuple):
            yield path, "list", _unwrap(typing.get_args(tp)[0])
        elif isinstance(tp, type) and issubclass(tp, BaseModel):
            yield path, "model", tp
            yield from _walk(tp, path + ".")
        else:
            yield path, "scalar", tp


def _scalar_type(tp: Any) -> FactType:
    words = _enum_words(tp)
    if words is not None:
        return FactType("enum", words)
    if tp is bool:
        return FactType("bool")
    if tp is int:
        return FactType("int")
    if tp is date:
        return FactType("date")
    return FactType("text")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, FactType]:
    """Every fact path a rule may use, with its type."""
    out: dict[str, FactType] = dict(DERIVED)
    for path, shape, tp in _walk(case_model.Case, ""):
        if shape == "scalar":
            out[path] = _scalar_type(tp)
        elif shape == "list" and path in AGGREGATES:
            out[path] = FactType("list")
            out.update({f"{path}.{k}": FactType(kind) for k, (kind, _) in AGGREGATES[path].items()})
        elif shape == "list":
            words = _enum_words(tp)
            out[path] = FactType("list")
            out[f"{path}.count"] = FactType("int")
            if words:
                out.update({f"{path}.has.{w}": FactType("bool") for w in words})
    return out


def fact_type(path: str) -> FactType | None:
    """Return the type of a fact path, None if rules may not use it."""
    return catalogue().get(path)


# The section that may be a list of rounds (CASE_FORMAT §1, public_participation.consultation):
# the rules that read it judge each round (engine/core/check.py), and the case's own fact holds
# the rounds known on as_of merged — opened with the first, closing with the last.
ROUND_SECTION = "public_participation.consultation"


def round_variants(case: Any) -> list[Any]:
    """The case once per consultation round (that round as its only consultation), when the file
    records the consultation as a list of rounds; else no variant."""
    participation = getattr(case, "public_participation", None)
    rounds = getattr(participation, "consultation", None)
    if participation is None or not isinstance(rounds, tuple):
        return []
    return [case.model_copy(update={"public_participation": participation.model_copy(update={"consultation": r})})
            for r in rounds]


def _merged_rounds(case: Any, as_of: date) -> Any:
    """The case with its rounds known on as_of merged into one consultation (for the facts that are
    not judged per round: the stage reached, what the forms and comments are dated by)."""
    participation = case.public_participation
    rounds = participation.consultation
    known = [r for r in rounds if r.opened_on is None or r.opened_on <= as_of] or list(rounds[:1])
    closes = [r.closes_on for r in known if r.closes_on is not None]
    merged = known[0].model_copy(update={"closes_on": max(closes)} if closes else {})
    return case.model_copy(update={"public_participation": participation.model_copy(update={"consultation": merged})})


def flatten(case: BaseModel, as_of: date) -> dict[str, Any]:
    """Return the case as one flat fact, as known on `as_of` (dates as day ordinals)."""
    if isinstance(getattr(getattr(case, "public_participation", None), "consultation", None), tuple):
        case = _merged_rounds(case, as_of)
    raw: dict[str, Any] = {}
    first_date: dict[str, str] = {}
    _collect_raw(case, "", raw, first_date)
    approval = getattr(case, "approval", None)
    facts: dict[str, Any] = {"as_of": as_of.toordinal(),
                             "approval.required": approval is not None and bool(approval.model_fields_set)}
    sections, kinds = _SECTIONS, _KINDS
    for path, value in raw.items():
        kind = kinds[type(value)]           # every type in raw was sorted by _collect_raw
        # known on as_of (CASE_FORMAT §1): a date by itself, another value by the date it goes with
        if kind is _DATE and path not in DATED_BY:
            if value <= as_of:
                facts[path] = value.toordinal()
            continue
        section = sections.get(path)
        if section is None:
            section = _section(path)
        governing = DATED_BY[path] if path in DATED_BY else first_date.get(section)
        if governing is not None and governing in raw and not raw[governing] <= as_of:
            continue
        if kind is _PLAIN:
            facts[path] = value
        elif kind is _DATE:
            facts[path] = value.toordinal()
        elif kind is _LIST:
            _put_list(facts, path, value, as_of)
        else:
            facts[path] = getattr(value, "value", value)
    _derive(facts)
    return facts


_SECTIONS: dict[str, str] = {}      # fact path → the key of its section's first date ("a.b.c" → "a.b.")


def _section(path: str) -> str:
    section = path.rpartition(".")[0]
    key = _SECTIONS[path] = section + "." if section else ""
    return key


# What a recorded value is, by its type (sorted once per type): a model (a section, walked into), a
# date, a list or tuple, a bool, int or plain str (a fact as it is), or another value (an
# enumeration word: its value).
_MODEL, _DATE, _LIST, _PLAIN, _OTHER = "model", "date", "list", "plain", "other"
_KINDS: dict[type, str] = {str: _PLAIN, int: _PLAIN, bool: _PLAIN, date: _DATE, tuple: _LIST, list: _LIST}


def _kind(tp: type) -> str:
    kind = _KINDS[tp] = (_MODEL if issubclass(tp, BaseModel) else _DATE if issubclass(tp, date) else
                         _LIST if issubclass(tp, (list, tuple)) else
                         _PLAIN if issubclass(tp, int) or tp is str else _OTHER)
    return kind


def _collect_raw(obj: BaseModel, prefix: str, raw: dict, first_date: dict) -> None:
    kinds = _KINDS
    for name, path in _field_paths(type(obj), prefix):
        value = getattr(obj, name)
        if value is None:
            continue
        kind = kinds.get(type(value)) or _kind(type(value))
        if kind is _MODEL:
            _collect_raw(value, path + ".", raw, first_date)
            continue
        if kind is _DATE and prefix not in first_date:
            first_date[prefix] = path
        raw[path] = value


_FIELD_PATHS: dict[tuple[type, str], tuple[tuple[str, str], ...]] = {}


def _field_paths(model: type[BaseModel], prefix: str) -> tuple[tuple[str, str], ...]:
    """A model's (field name, fact path) under a prefix, read from pydantic once per class and
    prefix (every case reads them)."""
    names = _FIELD_PATHS.get((model, prefix))
    if names is None:
        names = _FIELD_PATHS[(model, prefix)] = tuple((name, prefix + name) for name in model.model_fields)
    return names


def _put_list(facts: dict, path: str, items: Any, as_of: date) -> None:
    if path in AGGREGATES:
        key = ITEM_DATE.get(path)
        kept = [x for x in items if key is None or getattr(x, key) is None or getattr(x, key) <= as_of]
        if key and not kept:
            return
        if kept:
            facts[path] = len(kept)
        for name, (_, fn) in AGGREGATES[path].items():
            value = fn(kept)
            if value is not None:
                facts[f"{path}.{name}"] = value.toordinal() if isinstance(value, date) else value
        return
    words = [getattr(x, "value", x) for x in items]
    if words:
        facts[path] = "、".join(map(str, words))
    count, has = _list_keys(path)
    facts[count] = len(words)
    for word, key in has:
        facts[key] = word in words


_LIST_KEYS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}


def _list_keys(path: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A list's facts: its count, and (word, fact) for each word of its enumeration."""
    keys = _LIST_KEYS.get(path)
    if keys is None:
        keys = _LIST_KEYS[path] = (f"{path}.count",
                                   tuple((w, f"{path}.has.{w}") for w in _list_words().get(path, ())))
    return keys


@lru_cache(maxsize=1)
def _list_words() -> dict[str, tuple[str, ...]]:
    """Map each list-of-words path to its enumeration words."""
    out: dict[str, list[str]] = {}
    for fact in catalogue():
        head, sep, word = fact.partition(".has.")
        if sep:
            out.setdefault(head, []).append(word)
    return {k: tuple(v) for k, v in out.items()}


def _derive(facts: dict) -> None:
    decision = facts.get("collective_decision.decision")
    majority = facts.get("collective_decision.majority_view")
    if decision is not None and majority is not None:
        facts["collective_decision.decision_differs_from_majority"] = decision != majority
