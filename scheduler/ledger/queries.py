"""Read-only summaries of the posts table for reports, aggregated in SQL rather than row by row in Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NamedTuple

from sqlite_utils import Database

from scheduler.errors import LedgerError
from scheduler.ledger.records import STATUSES, Status
from scheduler.ledger.timestamps import iso_utc

# A post's reach is its newest reading's reach, or when that reading has none, the newest reach ever read
# (what PostLine.reach does with a post and its latest reading); its views are the newest reading's views.
_GROUPS: Final = """
    WITH chosen AS (
        SELECT id, channel, slogan_id, status, slot_utc, latest_reach, (
            SELECT r.id FROM readings AS r WHERE r.post_id = posts.id ORDER BY r.taken_at DESC, r.id DESC LIMIT 1
        ) AS reading_id
        FROM posts WHERE slot_utc >= ? AND slot_utc < ?
    )
    SELECT chosen.channel, chosen.slogan_id, chosen.status, count(*) AS posts, MIN(chosen.slot_utc) AS first_slot,
        SUM(COALESCE(latest.reach, chosen.latest_reach, 0)) AS reach,
        SUM(COALESCE(latest.views, 0)) AS views
    FROM chosen LEFT JOIN readings AS latest ON latest.id = chosen.reading_id
    GROUP BY chosen.channel, chosen.slogan_id, chosen.status
"""


# The log's columns only (a post's caption and card hash are not printed), newest slot first.
_LATEST_REACH: Final = "posts.latest_reach"  # kept by a trigger on readings (schema.m007_latest_reach)
_LOG: Final = f"""
    SELECT channel, slogan_id, slot, status, remote_id, posted_at, {_LATEST_REACH} AS reach, error
    FROM posts
"""
# The same row as one JSON object written by SQLite itself (`danvan log --json` on 100,000 posts), with the
# stored times beside it so that the caller can tell whether they are already in the config's zone.
_LOG_JSON: Final = f"""
    SELECT json_object(
        'channel', channel, 'slogan_id', slogan_id, 'slot', slot, 'status', status, 'remote_id', remote_id,
        'posted_at', posted_at, 'reach', {_LATEST_REACH}, 'error', error
    ), slot, posted_at
    FROM posts
"""


class LogLine(NamedTuple):
    """One row of `danvan log`, as stored: times are ISO 8601 text with the offset they were written in."""

    channel: str
    slogan_id: str
    slot: str
    status: Status
    remote_id: str | None
    posted_at: str | None
    reach: int | None
    error: str | None


@dataclass(frozen=True)
class PostGroup:
    """The posts of one channel, slogan and status in a period: how many, their reach and views summed."""

    channel: str
    slogan_id: str
    status: Status
    posts: int
    reach: int
    views: int
    first_slot: str  # the earliest slot in UTC ISO text: the groups' order of appearance in the period


class ReportQueries:
    """The Ledger's summaries for reports (mixed into the Ledger)."""

    _db: Database

    def log_lines(
        self,
        since: datetime | None = None,
        channel: str | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> list[LogLine]:
        """The posting log newest first, read as plain tuples: 100,000 rows in a fraction of a second."""
        return [LogLine(*row) for row in self._log_rows(_LOG, since, channel, status, limit)]

    def log_json_rows(
        self,
        since: datetime | None = None,
        channel: str | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> list[tuple[str, str, str | None]]:
        """The posting log newest first as (JSON object text, stored slot, stored posted_at) per post."""
        return self._log_rows(_LOG_JSON, since, channel, status, limit)

    def _log_rows(
        self, select: str, since: datetime | None, channel: str | None, status: str | None, limit: int | None
    ) -> list[Any]:
        where, params = post_filters(since, channel, status)
        tail = "LIMIT ?" if limit is not None else ""
        if limit is not None:
            params.append(limit)
        return self._db.conn.execute(f"{select} {where} ORDER BY slot_utc DESC, channel {tail}", params).fetchall()

    def post_groups(self, since: datetime, until: datetime) -> list[PostGroup]:
        """Posts whose slot is in [since, until) grouped by (channel, slogan, status), one query."""
        rows = self._db.query(_GROUPS, [iso_utc(since, "since"), iso_utc(until, "until")])
        return [
            PostGroup(
                row["channel"],
                row["slogan_id"],
                row["status"],
                int(row["posts"]),
                int(row["reach"]),
                int(row["views"]),
                row["first_slot"],
            )
            for row in rows
        ]


def post_filters(since: datetime | None, channel: str | None, status: str | None) -> tuple[str, list[object]]:
    conditions: list[str] = []
    params: list[object] = []
    if since is not None:
        conditions.append("slot_utc >= ?")
        params.append(iso_utc(since, "since"))
    if channel is not None:
        conditions.append("channel = ?")
        params.append(channel)
    if status is not None:
        conditions.append("status = ?")
        params.append(check_status(status))
    return (f"WHERE {' AND '.join(conditions)}" if conditions else ""), params


def check_status(status: str) -> Status:
    if status not in STATUSES:
        raise LedgerError(f"trạng thái không hợp lệ: '{status}' (hợp lệ: {', '.join(STATUSES)})")
    return status
