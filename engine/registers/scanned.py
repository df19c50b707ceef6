"""What a register scan keeps of one row: the row's facts and verdict branches on the scan date, and
its findings, built from them only when first asked for (most rows of a large scan are only counted);
and the CSV worklist of the findings that need action."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TextIO, TypeVar

from engine.core.findings import Finding
from engine.registers.csvio import safe_writer


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


class Tally(Protocol):
    """A scan's summary: it counts each scan added."""

    def add(self, scan: Any, /) -> None: ...


S = TypeVar("S", bound=Tally)


def write_actions_csv(scans: Iterable[Any], out: TextIO, columns: Sequence[str], summary: S,
                      row: Callable[[Any, Finding], list]) -> S:
    """One CSV row per finding that needs action (`row(scan, finding)`) under the header `columns`;
    every scan is added to the summary, which is given back."""
    writer = safe_writer(out)
    writer.writerow(columns)
    for scan in scans:
        summary.add(scan)
        for finding in scan.actions():
            writer.writerow(row(scan, finding))
    return summary
