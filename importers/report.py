"""What an import found and did: the shapes every parser and loader returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Rejected:
    """A row that was not imported: its line in the file (1 = header) and why."""

    line: int
    reason: str
    key: str | None = None  # the row's SIRET or code, when readable


@dataclass(frozen=True)
class Warning_:
    """A row imported with a caveat (missing NAF, position taken from the commune...)."""

    line: int
    code: str
    message: str


@dataclass
class ParseResult(Generic[T]):
    records: list[T] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    rows: int = 0

    def reject(self, line: int, reason: str, key: str | None = None) -> None:
        self.rejected.append(Rejected(line, reason, key))

    def warn(self, line: int, code: str, message: str) -> None:
        self.warnings.append(Warning_(line, code, message))


@dataclass
class ImportReport:
    source: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)

    def warning_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for warning in self.warnings:
            counts[warning.code] = counts.get(warning.code, 0) + 1
        return dict(sorted(counts.items()))

    def summary(self) -> dict:
        """The report as one JSON-ready object (rejected rows included, warnings counted)."""
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
            "warnings": self.warning_counts(),
            "rejected_rows": [asdict(row) for row in self.rejected],
        }
