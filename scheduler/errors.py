"""The named exceptions of every layer, and the located problem report used by `danvan check`.

Only cli.py and daemon.py turn these into messages for people; every message carried here is
already Vietnamese because it is what an officer reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about an input file, with the exact place it points to (1-based line and column)."""

    path: str
    line: int
    column: int
    severity: Severity
    message: str
    rule: str

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message} [{self.rule}]"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class DanvanError(Exception):
    """Base of every error the product raises on purpose; its text is meant for an officer."""


class InputError(DanvanError):
    """A config or slogan file has errors; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.format() for p in problems))


class UnreadableFileError(DanvanError):
    """A file that must be read does not exist or cannot be opened."""


class LedgerError(DanvanError):
    """An operation on the ledger would break its rules (e.g. an illegal status change)."""


class CardError(DanvanError):
    """A card cannot be laid out or rendered (e.g. the text does not fit at the minimum size)."""


ErrorKind = Literal["transient", "permanent", "token", "policy", "unknown"]


class ChannelError(DanvanError):
    """A platform refused or failed a call.

    kind says what to do next: `transient` may be retried, `permanent` will fail again the same way,
    `token` needs a person to renew a credential, `policy` needs a long cool-down, and `unknown` means
    the post may or may not exist on the platform (a timeout after sending).
    """

    def __init__(
        self,
        message: str,
        kind: ErrorKind,
        *,
        retry_after: float | None = None,
        ambiguous: bool = False,
        code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.retry_after = retry_after  # seconds the platform asked us to wait, when it said
        self.ambiguous = ambiguous  # the platform may have acted before failing (timeout, 5xx)
        self.code = code  # the platform's own error code, when it gave one
