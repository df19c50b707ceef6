"""What a register scan keeps of one row: the row's facts and verdict branches on the scan date, and
its findings, built from them only when first asked for (most rows of a large scan are only counted)."""
from __future__ import annotations

from typing import Any

from engine.core.findings import Finding


class Scanned:
    """One row's verdicts on the scan date; `scanner.checker` builds its findings on first use."""

    __slots__ = ("scanner", "facts", "branches", "_findings")

    def __init__(self, scanner: Any, facts: dict, branches: list[int]):
        self.scanner, self.facts, self.branches = scanner, facts, branches
        self._findings: list[Finding] | None = None

    @property
    def findings(self) -> list[Finding]:
        if self._findings is None:
            self._findings = self.scanner.checker.findings(self.facts, self.branches)
        return self._findings
