"""What each register is, said once: its name, its nouns, the engine's functions that import,
export, read and scan it, its table of columns (CASE_FORMAT v2 §3–§4), its template's example row
and its files' name.

Each domain declares its own `REGISTER_KIND` (engine/<domain>/use_cases.py); the CLI
(engine/cli/registers.py), the web's upload and export (web/register_imports.py) and the import
jobs (engine/jobs/imports.py) read it from there. This module imports no domain: `register_kind`
imports the one it is asked for.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from engine.registers.csvio import Column, names

# where each register's description is declared, by the name jobs give it
DECLARED_IN = {"penalties": "engine.credit.use_cases",
               "documents": "engine.documents.use_cases",
               "catalogue": "engine.catalogue.use_cases"}


@dataclass(frozen=True)
class RegisterKind:
    """One register: what the CLI prints, what the web offers and what a job imports."""

    name: str                                      # its name for a job: penalties, documents, catalogue
    noun_zh: str                                   # 处罚记录 / 文件 / 目录事项
    measure: str                                   # 条 / 件 / 项
    noun_en: str
    import_file: Callable[..., Any]                # (uow, path, actor, skip_invalid, rejected_out, encoding, …)
    export: Callable[..., int]                     # (session, stream, bom, headers, fmt) → rows written
    read_file: Callable[..., list]                 # (path, encoding) → rows (csvio.Row)
    iterate: Callable[[Any], Iterator[Any]]        # (session) → stored records, streamed
    count: Callable[[Any], int]                    # (session) → how many are stored
    table: tuple[Column, ...]                      # its columns, in their order
    example: dict[str, str]                        # its template's example row
    file_stem: str                                 # its files: <stem>.csv|xlsx, <stem>-template.csv|xlsx

    @property
    def columns(self) -> tuple[str, ...]:
        """Its columns' English names, in their order."""
        return names(self.table)


def register_kind(name: str) -> RegisterKind:
    """The register a job names (penalties, documents, catalogue); KeyError for no such register."""
    kind: RegisterKind = importlib.import_module(DECLARED_IN[name]).REGISTER_KIND
    return kind
