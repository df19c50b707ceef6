"""The kinds of record the rules judge — an instrument's `domain` (docs/rule-format.md).

Each domain says which facts its rules may read (the catalogue), how one record becomes the flat
fact the evaluators read (`flatten`, as known on a day), the stages (topics) its rules are grouped
under, and how a rule file's test case becomes a record. Everything else — the rule format, the
compiler, both evaluators, findings and reports — is shared.

    major_decision      a decision case file (CASE_FORMAT §1)        engine/decisions/facts.py
    normative_document  a row of the document register (§3)         engine/documents/facts.py
    credit_repair       a row of the penalty register (§4)          engine/credit/facts.py
    decision_catalogue  a catalogue, its item, or a case naming one   engine/catalogue/facts.py
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from engine.decisions.facts import FactType

DECISION = "major_decision"
DOCUMENT = "normative_document"
CREDIT = "credit_repair"
CATALOGUE = "decision_catalogue"


@dataclass(frozen=True)
class Topic:
    """A stage of the procedure, or the topic a register's rules are grouped under."""
    id: str
    zh: str
    en: str


@dataclass(frozen=True)
class Domain:
    name: str
    catalogue: Callable[[], dict[str, FactType]]
    flatten: Callable[[Any, date], dict[str, Any]]
    topics: Callable[[], tuple[Topic, ...]]
    test_record: Callable[[dict, str], Any]      # (the test's case, its label) → a record, or InputError
    test_skeleton: Callable[[str, str], dict]    # (jurisdiction, test id) → the fields every test starts from
    record_id: Callable[[Any], str]
    # (rulebook, rules folder) → keyword arguments of `flatten` prepared once per checker
    # (the law register, the credit-repair regimes)
    context: Callable[[Any, Path | None], dict[str, Any]] = lambda book, root: {}
    # Three-valued facts (CASE_FORMAT §2, v2): an absent fact is unknown, so a requirement that
    # depends on it is `missing`. A register's empty cell says "not done" (§§3–4): two-valued.
    three_valued: bool = False
    none_when_absent: frozenset = frozenset()    # fields whose null means "none" (CASE_FORMAT §1)
    # a two-valued register's optional columns whose empty cell means "not recorded" (unknown, so
    # `missing`), e.g. the drafting-process columns of the document register (CASE_FORMAT §3)
    unknown_when_absent: frozenset = frozenset()
    # a fact path → its label (zh, en), for the messages of `missing` findings
    label: Callable[[str], tuple[str, str]] = lambda path: (path, path)
    # an enumeration word → its name (zh, en): a message names a recorded word by it, never by the code
    value_label: Callable[[str], tuple[str, str]] = lambda word: (word, word)
    # A section recorded as a list of rounds (a decision's consultation): the rules that read it are
    # judged once per round on `variants(record)` (the record with that round alone), and the
    # finding names the round it comes from (engine/core/check.py).
    round_section: str | None = None
    variants: Callable[[Any], list[Any]] = lambda record: []

    def fact_type(self, path: str | None) -> FactType | None:
        """The type of a fact path, None if this domain's rules may not use it."""
        return self.catalogue().get(path) if path else None

    def topic_ids(self) -> list[str]:
        return [t.id for t in self.topics()]


def domain(name: str) -> Domain:
    """The domain of that name, loaded on first use (a register's domain imports the store)."""
    if name not in _LOADERS:
        from engine.core.errors import InputError, Problem
        raise InputError([Problem("", "instrument.domain", f"领域 {name!r} 尚无事实目录 / no fact catalogue for domain {name!r} yet")])
    return _loaded(name)


@lru_cache(maxsize=None)
def _loaded(name: str) -> Domain:
    return _LOADERS[name]()


def _document_domain() -> Domain:
    from engine.documents.facts import DOMAIN
    return DOMAIN


def _decision_domain() -> Domain:
    from engine.decisions import facts
    return Domain(DECISION, facts.catalogue, facts.flatten, _decision_stages, _parse_decision,
                  _decision_skeleton, lambda case: case.id, three_valued=True,
                  none_when_absent=facts.NONE_WHEN_ABSENT, label=_decision_label,
                  value_label=_decision_value_label, round_section=facts.ROUND_SECTION,
                  variants=facts.round_variants)


def _decision_label(path: str) -> tuple[str, str]:
    """The form label of a decision fact (of its list, for `P.has.w` and aggregates), else the path."""
    from engine.decisions.forms import LABELS
    head = path.split(".has.")[0]
    while head and head not in LABELS:
        head = head.rpartition(".")[0]
    return LABELS[head][:2] if head else (path, path)


def _decision_value_label(word: str) -> tuple[str, str]:
    from engine.decisions.enums import choice_label
    return choice_label(word)


def _decision_stages() -> tuple[Topic, ...]:
    from engine.rulebook.stages import load_stages
    return tuple(Topic(s.id, s.zh, s.en) for s in load_stages())


def _parse_decision(document: dict, label: str) -> Any:
    from engine.core.yamlio import LoadedYaml
    from engine.decisions.record import parse_case
    return parse_case(LoadedYaml(document), label)


def _decision_skeleton(jurisdiction: str, test_id: str) -> dict:
    return {"id": test_id, "title": "规则测试", "jurisdiction": jurisdiction,
            "decision_body": {"name": "测试县人民政府", "level": "county"},
            "sponsor_unit": "测试承办单位", "category": "public_construction"}


def _credit_domain() -> Domain:
    from engine.credit.facts import DOMAIN
    return DOMAIN


def _catalogue_domain() -> Domain:
    from engine.catalogue.facts import DOMAIN
    return DOMAIN


_LOADERS: dict[str, Callable[[], Domain]] = {DECISION: _decision_domain, DOCUMENT: _document_domain,
                                            CREDIT: _credit_domain, CATALOGUE: _catalogue_domain}

__all__ = ["CATALOGUE", "CREDIT", "DECISION", "DOCUMENT", "Domain", "Topic", "domain"]
