"""Each stored record against the last state its trail chain records (no checkpoint needed).

Every stored record has a chain (CASE_FORMAT §7), and the newest event of that chain that
carries a digest says what the record must be now:

    decision case   chain `<case id>`        payload `document_sha256` = sha256(canonical(cases.document))
    normative doc   chain `doc:<number>`     payload `sha256` = the row's sha256 (its `row_sha256` column)
    penalty         chain `penalty:<number>` payload `sha256` = the row's sha256 (its `row_sha256` column)
    catalogue item  chain `cat:<year>/<unit>/<item>` payload `sha256` = the row's sha256 (likewise)

A document, penalty or catalogue row's digest is recomputed from its columns, so a row edited without its
`row_sha256` is caught as well as one edited with it.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.store import trail_rows
from engine.trail import canonical

DOC_PREFIX, PENALTY_PREFIX = "doc:", "penalty:"  # engine.documents / engine.credit CHAIN_PREFIX
CAT_PREFIX = "cat:"                               # engine.catalogue CHAIN_PREFIX
KIND_ZH = {"case": "案卷", "document": "规范性文件", "penalty": "行政处罚记录", "catalogue": "决策事项目录事项"}
KIND_EN = {"case": "case file", "document": "normative document", "penalty": "penalty record",
           "catalogue": "catalogue item"}
_BATCH = 2000


@dataclass(frozen=True)
class Record:
    """A stored record: its chain, its kind, the digest of what is stored, and its own digest column."""

    chain: str
    kind: str
    digest: str
    column: str | None = None   # row_sha256 as stored (documents and penalties)


@dataclass(frozen=True)
class Finding:
    """Something that no longer matches: which chain, what happened (a word), why (Chinese, English)."""

    chain: str
    kind: str
    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.chain}: {self.kind} — {self.zh} / {self.en}"


def digest_key(chain: str) -> str:
    """The payload key that holds a chain's record digest."""
    return "sha256" if chain.startswith((DOC_PREFIX, PENALTY_PREFIX, CAT_PREFIX)) else "document_sha256"


def _cases(session: Session, chain: str | None) -> Iterator[Record]:
    from engine.decisions.queries import case_files
    for case_id, document in case_files(session, chain, _BATCH):
        yield Record(case_id, "case", hashlib.sha256(canonical(document).encode()).hexdigest())


def _register(prefix: str, kind: str, digests: Callable[..., Iterator[tuple[str, str, str | None]]],
              session: Session, chain: str | None) -> Iterator[Record]:
    number = None if chain is None else chain.removeprefix(prefix)
    for key, digest, column in digests(session, number):
        yield Record(prefix + key, kind, digest, column)


def _documents(session: Session, chain: str | None) -> Iterator[Record]:
    from engine.documents.queries import document_digests
    return _register(DOC_PREFIX, "document", document_digests, session, chain)


def _penalties(session: Session, chain: str | None) -> Iterator[Record]:
    from engine.credit.queries import penalty_digests
    return _register(PENALTY_PREFIX, "penalty", penalty_digests, session, chain)


def _catalogue_items(session: Session, chain: str | None) -> Iterator[Record]:
    from engine.catalogue.queries import catalogue_digests
    return _register(CAT_PREFIX, "catalogue", catalogue_digests, session, chain)


def stored_records(session: Session, chain: str | None = None) -> dict[str, Record]:
    """Every stored case, document, penalty and catalogue item (or the one of a chain), by chain."""
    if chain is None:
        readers: Any = (_cases, _documents, _penalties, _catalogue_items)
    elif chain.startswith(DOC_PREFIX):
        readers = (_documents,)
    elif chain.startswith(PENALTY_PREFIX):
        readers = (_penalties,)
    elif chain.startswith(CAT_PREFIX):
        readers = (_catalogue_items,)
    else:
        readers = (_cases,)
    return {r.chain: r for read in readers for r in read(session, chain)}


def _digest_in(payload: str, key: str) -> str | None:
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def last_states(session: Session, wanted: set[str], chain: str | None = None) -> dict[str, str]:
    """The record digest each chain last recorded (for chains whose newest event carries none — a case
    whose last event is an upload — the chains in `wanted` are read back until one does)."""
    rows = trail_rows.last_payloads(session, chain)
    states: dict[str, str] = {}
    for case_id, payload in rows:
        digest = _digest_in(payload, digest_key(case_id))
        if digest is not None:
            states[case_id] = digest
    for case_id in sorted(wanted - set(states)):
        for payload in trail_rows.payloads_newest_first(session, case_id):
            digest = _digest_in(payload, digest_key(case_id))
            if digest is not None:
                states[case_id] = digest
                break
    return states


def against_chains(records: dict[str, Record], states: dict[str, str], chains: set[str]) -> list[Finding]:
    """Each record against its chain: a chain for each, the same digest; no chain left without its record."""
    found = []
    for chain, record in sorted(records.items()):
        what_zh, what_en = KIND_ZH[record.kind], KIND_EN[record.kind]
        if record.column is not None and record.column != record.digest:
            found.append(Finding(chain, "edited", f"存储的{what_zh}与其自身的 row_sha256 不符：该行被直接改动",
                                 f"the stored {what_en} does not match its own row_sha256: the row was edited"))
        if chain not in chains:
            found.append(Finding(chain, "unchained", f"存储的{what_zh}没有审计链",
                                 f"the stored {what_en} has no trail chain"))
        elif chain not in states:
            found.append(Finding(chain, "unchained", f"审计链中没有记录{what_zh}摘要的事件",
                                 f"no event of the chain records the {what_en}'s digest"))
        elif states[chain] != record.digest:
            found.append(Finding(chain, "edited", f"存储的{what_zh}与审计链最后记录的状态不符",
                                 f"the stored {what_en} differs from the last state its chain records"))
    for chain in sorted(set(states) - set(records)):
        found.append(Finding(chain, "deleted", "审计链所记录的记录已不在数据库中",
                             "the record this chain keeps is no longer stored"))
    return found


def check_records(session: Session, chain: str | None = None) -> list[Finding]:
    """Every stored record (or one chain's) against the last state of its chain."""
    records = stored_records(session, chain)
    states = last_states(session, set(records), chain)
    return against_chains(records, states, trail_rows.chain_ids(session, chain))
