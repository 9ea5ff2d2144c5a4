"""Logging to stderr in a form journald reads well, with secrets blanked and control characters escaped.

Every line goes through one formatter: known secrets become ***, control characters from platform
answers or slogans are shown as escapes (so a message cannot forge a journald priority or repaint the
terminal), and times are in the config's zone with their offset.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from collections.abc import Sequence

from scheduler.redaction import redact
from scheduler.textsafety import escape_controls, escape_controls_keep_lines

_PRIORITIES = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}
_LOGGERS = ("danvan", "apscheduler")


class SafeFormatter(logging.Formatter):
    """Redacts secrets and escapes control characters in the message and any traceback."""

    secrets: Sequence[str] = ()
    timezone: dt.tzinfo | None = None

    def format(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(redact(record.getMessage(), self.secrets))
        record.asctime = self.formatTime(record, self.datefmt)
        text = self.formatMessage(record)
        if record.exc_info:
            trace = self.formatException(record.exc_info)
            text += "\n" + escape_controls_keep_lines(redact(trace, self.secrets))
        return text

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = dt.datetime.fromtimestamp(record.created, self.timezone or dt.UTC).astimezone(self.timezone)
        return moment.strftime(datefmt or "%Y-%m-%d %H:%M:%S%z")


class JournalFormatter(SafeFormatter):
    """`<6>danvan.daemon: message`: journald strips the prefix into the entry's priority and adds the time.

    Each record is exactly one journald line: a traceback's line breaks are escaped too, so no text
    inside it can start a line of its own with a forged priority.
    """

    def format(self, record: logging.LogRecord) -> str:
        priority = _PRIORITIES.get(record.levelno, 6)
        return f"<{priority}>" + escape_controls(super().format(record))


def configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("JOURNAL_STREAM"):
        handler.setFormatter(JournalFormatter("%(name)s: %(message)s"))
    else:
        handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("danvan")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
    # APScheduler's own chatter is only useful when looking for a problem.
    logging.getLogger("apscheduler").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("apscheduler").handlers[:] = [handler]


def redact_secrets(secrets: Sequence[str]) -> None:
    """Scrub these values from everything danvan and APScheduler log from now on (replacing earlier ones)."""
    SafeFormatter.secrets = tuple(secrets)


def log_in_timezone(timezone: dt.tzinfo) -> None:
    """Log times in the config's zone (officers read 14:18+0700, not 07:18+0000)."""
    SafeFormatter.timezone = timezone
