"""Logging to stderr in a form journald reads well: a syslog priority prefix when run by systemd."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

from scheduler.redaction import RedactingFilter

_PRIORITIES = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}


class JournalFormatter(logging.Formatter):
    """`<6>danvan.daemon: message`: journald strips the prefix into the entry's priority and adds the time."""

    def format(self, record: logging.LogRecord) -> str:
        priority = _PRIORITIES.get(record.levelno, 6)
        return f"<{priority}>{super().format(record)}"


def configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("JOURNAL_STREAM"):
        handler.setFormatter(JournalFormatter("%(name)s: %(message)s"))
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S%z")
        )
    root = logging.getLogger("danvan")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
    # APScheduler's own chatter is only useful when looking for a problem.
    logging.getLogger("apscheduler").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("apscheduler").handlers[:] = [handler]


def redact_secrets(secrets: Sequence[str]) -> None:
    """Scrub these values from everything danvan and APScheduler log from now on (replacing earlier ones)."""
    for name in ("danvan", "apscheduler"):
        for handler in logging.getLogger(name).handlers:
            for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
                handler.removeFilter(old)
            handler.addFilter(RedactingFilter(secrets))
