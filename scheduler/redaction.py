"""Keeping secrets out of every text that leaves the process: logs, exceptions, the database, e-mails."""

from __future__ import annotations

from collections.abc import Iterable

MIN_SECRET_LENGTH = 4  # shorter values would blank out ordinary words


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret in `text` with ***."""
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
