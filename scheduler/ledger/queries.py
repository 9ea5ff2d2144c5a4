"""Read-only summaries of the posts table for reports, aggregated in SQL rather than row by row in Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlite_utils import Database

from scheduler.ledger.records import Status
from scheduler.ledger.timestamps import iso_utc

# A post's reach is its newest reading's reach, or when that reading has none, the newest reach ever read
# (what PostLine.reach does with a post and its latest reading); its views are the newest reading's views.
_GROUPS: Final = """
    WITH chosen AS (
        SELECT id, channel, slogan_id, status, slot_utc, (
            SELECT r.id FROM readings AS r WHERE r.post_id = posts.id ORDER BY r.taken_at DESC, r.id DESC LIMIT 1
        ) AS reading_id
        FROM posts WHERE slot_utc >= ? AND slot_utc < ?
    )
    SELECT chosen.channel, chosen.slogan_id, chosen.status, count(*) AS posts, MIN(chosen.slot_utc) AS first_slot,
        SUM(COALESCE(latest.reach, (
            SELECT r.reach FROM readings AS r WHERE r.post_id = chosen.id AND r.reach IS NOT NULL
            ORDER BY r.taken_at DESC, r.id DESC LIMIT 1
        ), 0)) AS reach,
        SUM(COALESCE(latest.views, 0)) AS views
    FROM chosen LEFT JOIN readings AS latest ON latest.id = chosen.reading_id
    GROUP BY chosen.channel, chosen.slogan_id, chosen.status
"""


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
