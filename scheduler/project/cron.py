"""Standard 5-field crontab expressions on top of APScheduler 3.x's CronTrigger.

APScheduler 3.x counts weekdays from Monday = 0, while crontab (and every officer's cheat sheet) has
Sunday = 0 or 7; numeric weekdays are therefore rewritten as names before APScheduler sees them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DOW_TOKEN_RE = re.compile(r"(\*|\d+)(?:-(\d+))?(?:/(\d+))?")


def crontab_weekdays(field: str) -> str:
    """Rewrite a crontab day-of-week field (0/7 = Sunday) for APScheduler; raise ValueError if malformed."""
    days: list[str] = []
    for token in field.split(","):
        match = _DOW_TOKEN_RE.fullmatch(token)
        if match is None:
            days.append(token)  # names such as mon-fri are the same in both conventions
            continue
        start_s, end_s, step_s = match.groups()
        start, end = (0, 6) if start_s == "*" else (int(start_s), int(end_s or start_s))
        if end_s is None and step_s is not None and start_s != "*":
            end = 6
        step = int(step_s) if step_s else 1
        if not (0 <= start <= 7 and 0 <= end <= 7 and start <= end and step > 0):
            raise ValueError(f"bad day-of-week {token!r}")
        days.extend(_DAY_NAMES[d] for d in range(start, end + 1, step))
    return ",".join(dict.fromkeys(days))


def crontab_trigger(expression: str, timezone: dt.tzinfo) -> Any:
    """An APScheduler CronTrigger for a 5-field crontab expression, in `timezone`."""
    from apscheduler.triggers.cron import CronTrigger

    minute, hour, day, month, weekday = expression.split()
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=weekday if weekday == "*" else crontab_weekdays(weekday),
        timezone=timezone,
    )
