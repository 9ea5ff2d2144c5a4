"""Keeping secrets out of every text that leaves the process: logs, exceptions, the database, e-mails."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

MIN_SECRET_LENGTH = 4  # shorter values would blank out ordinary words


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret in `text` with ***."""
    for secret in sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


class RedactingFilter(logging.Filter):
    """A last line of defence: whatever a log record says, known secrets come out as ***."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = list(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if record.exc_info:
            # Render the traceback now, so that it can be cleaned too.
            cleaned += "\n" + redact(logging.Formatter().formatException(record.exc_info), self.secrets)
            record.exc_info = None
            record.exc_text = None
        record.msg, record.args = cleaned, None
        return True
