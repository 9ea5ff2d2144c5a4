"""What the web console reads and writes besides accounts: one page of the log, and channels paused by hand.

A mixin of the Ledger. The rule of what a manual pause means lives in posting/pauses.py; here are only its rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from scheduler.ledger.queries import _LOG as LOG_SELECT
from scheduler.ledger.queries import LogLine, post_filters
from scheduler.ledger.timestamps import iso, iso_utc


@dataclass(frozen=True)
class ManualPause:
    channel: str
    paused_by: str
    reason: str
    paused_at: datetime


class ConsoleTables:
    """The `manual_pauses` table and the log read one page at a time."""

    _db: Database

    def log_page(
        self,
        channel: str | None,
        status: str | None,
        since: datetime | None,
        until: datetime | None,
        offset: int,
        limit: int,
    ) -> tuple[list[LogLine], int]:
        """Rows [offset, offset + limit) of the log newest first, and how many rows match in all."""
        where, params = post_filters(since, channel, status)
        if until is not None:
            where += (" AND " if where else "WHERE ") + "slot_utc < ?"
            params.append(iso_utc(until, "until"))
        total = self._db.conn.execute(f"SELECT count(*) FROM posts {where}", params).fetchone()[0]
        cursor = self._db.conn.execute(
            f"{LOG_SELECT} {where} ORDER BY slot_utc DESC, channel LIMIT ? OFFSET ?", [*params, limit, offset]
        )
        return [LogLine(*row) for row in cursor], int(total)

    def record_manual_pause(self, channel: str, paused_by: str, reason: str, now: datetime) -> None:
        self._db.execute(
            """
            INSERT INTO manual_pauses (channel, paused_by, reason, paused_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (channel) DO UPDATE SET paused_by = excluded.paused_by, reason = excluded.reason,
                paused_at = excluded.paused_at
            """,
            [channel, paused_by, reason, iso(now, "now")],
        )

    def clear_manual_pause(self, channel: str) -> None:
        self._db.execute("DELETE FROM manual_pauses WHERE channel = ?", [channel])

    def manual_pause(self, channel: str) -> ManualPause | None:
        rows = list(self._db.query("SELECT * FROM manual_pauses WHERE channel = ?", [channel]))
        if not rows:
            return None
        row = rows[0]
        return ManualPause(row["channel"], row["paused_by"], row["reason"], datetime.fromisoformat(row["paused_at"]))
