"""`danvan log`: the posting log as a table, JSON or CSV, in the config's zone with the offset.

It works on the ledger's plain LogLine tuples, so 100,000 rows print in well under a second.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.ledger.queries import LogLine
from scheduler.reports.csvfile import csv_text
from scheduler.reports.text import STATUS_LABELS
from scheduler.textsafety import escape_controls
from scheduler.texttable import count_text, format_table
from scheduler.timefmt import moment_with_offset

LOG_FIELDS = LogLine._fields  # the documented `danvan log --json` keys, in order


def log_record(line: LogLine, tz: ZoneInfo) -> dict[str, Any]:
    """One post as the documented `danvan log --json` element."""
    return {
        "channel": line.channel,
        "slogan_id": line.slogan_id,
        "slot": local_iso(line.slot, tz),
        "status": line.status,
        "remote_id": line.remote_id,
        "posted_at": local_iso(line.posted_at, tz) if line.posted_at else None,
        "reach": line.reach,
        "error": line.error,
    }


def log_json(rows: Sequence[tuple[str, str, str | None]], tz: ZoneInfo) -> str:
    """The documented `danvan log --json` array, one post per line, from the ledger's `log_json_rows`.

    SQLite writes each object; a row is decoded and written again here only when a stored time is not already
    in the config's zone (written under another zone, or across a DST change): 100,000 posts in ~0.3 s.
    """
    if not rows:
        return "[]"
    return "[\n  " + ",\n  ".join(_in_zone(row, tz) for row in rows) + "\n]"


def _in_zone(row: tuple[str, str, str | None], tz: ZoneInfo) -> str:
    text, slot, posted_at = row
    if _is_local(slot, tz) and (posted_at is None or _is_local(posted_at, tz)):
        return text
    record = json.loads(text)
    record["slot"] = local_iso(slot, tz)
    record["posted_at"] = local_iso(posted_at, tz) if posted_at else None
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _is_local(stored: str, tz: ZoneInfo) -> bool:
    return len(stored) == 25 and _offset_is_local(stored[:16], stored[19:], tz)


def log_csv(lines: Sequence[LogLine], tz: ZoneInfo) -> str:
    records = (log_record(line, tz) for line in lines)
    return csv_text(LOG_FIELDS, ([record[key] for key in LOG_FIELDS] for record in records))


def log_table(lines: Sequence[LogLine], tz: ZoneInfo) -> str:
    if not lines:
        return "Chưa có lượt đăng nào khớp điều kiện."
    header = ("Giờ đăng", "Kênh", "Khẩu hiệu", "Trạng thái", "Tiếp cận", "Ghi chú")
    return format_table(header, [_table_row(line, tz) for line in lines])


def _table_row(line: LogLine, tz: ZoneInfo) -> tuple[str, ...]:
    note = line.error or (line.remote_id or "")
    return (
        moment_with_offset(dt.datetime.fromisoformat(line.slot), tz),
        line.channel,
        line.slogan_id,
        STATUS_LABELS.get(line.status, line.status),
        count_text(line.reach),
        escape_controls(note),  # a platform's message is data: it cannot repaint the terminal
    )


def local_iso(stored: str, tz: ZoneInfo) -> str:
    """A stored ISO time as ISO 8601 in `tz`; unchanged (and not parsed) when it already is.

    Whether the zone's offset equals the stored one depends only on the minute and the stored offset,
    so that answer is cached: a year of posts has a few thousand distinct minutes, not 100,000.
    """
    if _is_local(stored, tz):
        return stored
    return dt.datetime.fromisoformat(stored).astimezone(tz).isoformat()


@lru_cache(maxsize=16384)
def _offset_is_local(minute: str, offset: str, tz: ZoneInfo) -> bool:
    moment = dt.datetime.fromisoformat(minute + offset)
    return moment.astimezone(tz).isoformat()[19:] == offset
