"""How times and days are written for officers: one definition, day first, in the config's zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DAY = "%d/%m/%Y"
MINUTE = f"{DAY} %H:%M"


def day_text(day: dt.date) -> str:
    """15/10/2021"""
    return f"{day:{DAY}}"


def moment_text(moment: dt.datetime, tz: ZoneInfo | dt.tzinfo | None = None, *, seconds: bool = False) -> str:
    """15/10/2021 14:18 (in `tz` when given, else in the moment's own zone)."""
    local = moment.astimezone(tz) if tz is not None else moment
    return f"{local:{MINUTE}:%S}" if seconds else f"{local:{MINUTE}}"


def moment_with_offset(moment: dt.datetime, tz: ZoneInfo | dt.tzinfo | None = None) -> str:
    """15/10/2021 14:18 +07:00: where a reader may compare with a clock in another zone."""
    local = moment.astimezone(tz) if tz is not None else moment
    return f"{local:{MINUTE}} {offset_text(local)}"


def offset_text(moment: dt.datetime) -> str:
    offset = moment.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
