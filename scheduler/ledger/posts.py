"""The Ledger: the single source of truth of what was planned, claimed and posted.

One SQLite file (WAL mode) through sqlite-utils. A slot is one row of `posts`, unique per
(channel, UTC instant), and it only moves forward through the states below, so a slot is never
posted twice and never silently dropped, across crashes and restarts:

    planned -> sending -> posted | failed | unknown
    planned -> missed
    unknown -> posted | failed      (resolved by an officer or a later check)

`claim` is the gate in front of every publication: it runs in a `BEGIN IMMEDIATE` transaction, so
of any number of processes racing for one slot exactly one gets the row. A row left in `sending`
after a crash means "the platform may or may not have it"; the caller decides (see `in_flight`).

The ledger never reads the clock: every time comes in as an aware datetime from the caller, so
tests and the daemon agree on what "now" is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Final, Self

from sqlite_utils import Database

from scheduler.errors import LedgerError
from scheduler.ledger.accounts import AccountTables
from scheduler.ledger.approvals import ApprovalTables
from scheduler.ledger.connection import BUSY_TIMEOUT_SECONDS, connect, immediate
from scheduler.ledger.console import ConsoleTables
from scheduler.ledger.queries import ReportQueries, post_filters
from scheduler.ledger.records import (
    METRICS,
    STATUSES,
    LatestReading,
    Post,
    Reading,
    Status,
    post_from_row,
    reading_from_row,
)
from scheduler.ledger.service import ServiceTables
from scheduler.ledger.timestamps import iso, iso_utc
from scheduler.ledger.zalo import ZaloTables

# Every legal move; anything else is a bug in the caller (or a second writer) and must not
# silently rewrite history. `posted`, `failed` and `missed` are final.
_TRANSITIONS: Final[Mapping[Status, frozenset[Status]]] = {
    "planned": frozenset({"sending", "missed"}),
    "sending": frozenset({"posted", "failed", "unknown"}),
    "unknown": frozenset({"posted", "failed"}),
    "posted": frozenset(),
    "failed": frozenset(),
    "missed": frozenset(),
}

# Statuses whose slot was used by a slogan: the planner must count them when rotating, a failed
# attempt included, since the officer saw (or the platform may show) that slogan in that slot.
_USED_STATUSES: Final[tuple[Status, ...]] = ("sending", "posted", "unknown", "failed")


# A post's reach is the latest reading that carries one, kept in the row by a trigger (schema.m007_latest_reach).
_SELECT_POSTS: Final = """
    SELECT posts.*, posts.latest_reach AS reach
    FROM posts
"""


class Ledger(ServiceTables, ZaloTables, ReportQueries, ApprovalTables, AccountTables, ConsoleTables):
    """The posting ledger over one SQLite file. One instance per thread (sqlite3 connections are not shared)."""

    def __init__(self, db: Database, path: Path) -> None:
        self._db = db
        self.path = path

    # --- lifecycle ----------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Ledger:
        """Open (creating if needed, unless a running daemon guards it: see identity) and migrate the ledger."""
        return cls(connect(path, busy_timeout), path)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- writing slots ------------------------------------------------------------------------

    def plan(self, channel: str, slot: datetime, slogan_id: str, now: datetime) -> Post:
        """Record a slot as planned if it is not in the ledger yet; an existing row is left as it is."""
        stamp = iso(now, "now")
        self._db.execute(
            """
            INSERT INTO posts (channel, slot, slot_utc, slogan_id, status, created_at, updated_at)
            VALUES (?, ?, ?, ?, 'planned', ?, ?)
            ON CONFLICT (channel, slot_utc) DO NOTHING
            """,
            [channel, iso(slot, "slot"), iso_utc(slot, "slot"), slogan_id, stamp, stamp],
        )
        return self._require_slot(channel, slot)

    def claim(
        self, channel: str, slot: datetime, slogan_id: str, card_hash: str, caption: str, now: datetime
    ) -> Post | None:
        """Take the slot for publishing: return it in `sending`, or None if it was already taken.

        Only a missing or `planned` row can be claimed; whatever happened to any other row (sent,
        in flight, failed, missed, unknown) must not be repeated automatically.
        """
        stamp = iso(now, "now")
        with immediate(self._db):
            existing = self._find(channel, slot)
            if existing is not None and existing.status != "planned":
                return None
            if existing is None:
                self.plan(channel, slot, slogan_id, now)
            self._db.execute(
                """
                UPDATE posts SET status = 'sending', slogan_id = ?, card_hash = ?, caption = ?,
                    error = NULL, attempts = attempts + 1, claimed_at = ?, updated_at = ?
                WHERE channel = ? AND slot_utc = ?
                """,
                [slogan_id, card_hash, caption, stamp, stamp, channel, iso_utc(slot, "slot")],
            )
            return self._require_slot(channel, slot)

    def mark_posted(
        self,
        post_id: int,
        remote_id: str | None,
        now: datetime,
        note: str | None = None,
        broadcast_after: datetime | None = None,
    ) -> Post:
        """The platform accepted the post (`remote_id` is its id for it, when it gives one).

        `note` is kept in the error column: something an officer should read although the post went out.
        `broadcast_after`: the post's broadcast to followers waits until then (Zalo refuses them at night);
        it is queued in the same transaction, so retrying a failed write can never queue it twice.
        """
        with immediate(self._db):
            posted = self._moved(post_id, "posted", now, remote_id=remote_id, error=note, posted_at=iso(now, "now"))
            if broadcast_after is not None and remote_id is not None:
                self.add_broadcast(posted.channel, post_id, remote_id, broadcast_after, now)
            return posted

    def mark_failed(self, post_id: int, error: str, now: datetime) -> Post:
        """The platform certainly does not have the post."""
        return self._move(post_id, "failed", now, error=error)

    def mark_unknown(self, post_id: int, error: str, now: datetime) -> Post:
        """Nobody knows whether the platform has the post (timeout, crash mid-request)."""
        return self._move(post_id, "unknown", now, error=error)

    def mark_missed(self, channel: str, slot: datetime, slogan_id: str, reason: str, now: datetime) -> Post:
        """Record that a slot passed without a post, so that it is visible rather than silently dropped.

        Marking an already missed slot again is a no-op; a slot that was claimed is never downgraded.
        """
        stamp = iso(now, "now")
        with immediate(self._db):
            existing = self._find(channel, slot)
            if existing is not None and existing.status == "missed":
                return existing
            if existing is None:
                self.plan(channel, slot, slogan_id, now)
            else:
                _check_transition(existing, "missed")
            self._db.execute(
                """
                UPDATE posts SET status = 'missed', slogan_id = ?, error = ?, updated_at = ?
                WHERE channel = ? AND slot_utc = ?
                """,
                [slogan_id, reason, stamp, channel, iso_utc(slot, "slot")],
            )
            return self._require_slot(channel, slot)

    def add_reading(
        self,
        post_id: int,
        taken_at: datetime,
        metrics: Mapping[str, int | None],
        raw: Mapping[str, object] | None = None,
    ) -> None:
        """Store one reading of a post's metrics (`reach`, `views`, `reactions`, `clicks`, `shares`)."""
        unknown = sorted(set(metrics) - set(METRICS))
        if unknown:
            raise ValueError(f"chỉ số không được hỗ trợ: {', '.join(unknown)} (hỗ trợ: {', '.join(METRICS)})")
        self._require_id(post_id)
        values = [metrics.get(name) for name in METRICS]
        raw_json = None if raw is None else json.dumps(raw, ensure_ascii=False, sort_keys=True)
        # taken_at in UTC: "latest reading" is decided by string order, which only matches time
        # order when every value has the same offset.
        self._db.execute(
            f"INSERT INTO readings (post_id, taken_at, {', '.join(METRICS)}, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [post_id, iso_utc(taken_at, "taken_at"), *values, raw_json],
        )

    # --- reading ------------------------------------------------------------------------------

    def remote_ids_near(self, channel: str, slot: datetime, span: timedelta) -> frozenset[str]:
        """Platform ids recorded for the channel's slots within `span` of `slot` (other slots' posts)."""
        rows = self._db.query(
            "SELECT remote_id FROM posts WHERE channel = ? AND remote_id IS NOT NULL AND slot_utc BETWEEN ? AND ?",
            [channel, iso_utc(slot - span, "slot"), iso_utc(slot + span, "slot")],
        )
        return frozenset(str(row["remote_id"]) for row in rows)

    def posts_between(
        self, since: datetime, until: datetime, statuses: tuple[Status, ...] = STATUSES
    ) -> list[tuple[Post, LatestReading | None]]:
        """Every post (of `statuses`) whose slot is in [since, until), oldest first, with its newest reading."""
        rows = self._db.query(
            f"""
            SELECT p.*, r.taken_at AS r_taken_at, r.reach AS r_reach, r.views AS r_views,
                r.reactions AS r_reactions, r.clicks AS r_clicks, r.shares AS r_shares
            FROM ({_SELECT_POSTS} WHERE slot_utc >= ? AND slot_utc < ? AND status IN ({", ".join("?" * len(statuses))})) AS p
            LEFT JOIN readings AS r ON r.id = (
                SELECT id FROM readings WHERE readings.post_id = p.id ORDER BY taken_at DESC, id DESC LIMIT 1
            )
            ORDER BY p.slot_utc, p.channel
            """,
            [iso_utc(since, "since"), iso_utc(until, "until"), *statuses],
        )
        return [(post_from_row(row), reading_from_row(row)) for row in rows]

    def recent_statuses(self, channel: str, count: int) -> list[str]:
        """The statuses of the channel's last `count` slots, newest first."""
        rows = self._db.query(
            "SELECT status FROM posts WHERE channel = ? ORDER BY slot_utc DESC LIMIT ?", [channel, count]
        )
        return [row["status"] for row in rows]

    def posted_since(self, since: datetime, channels: list[str] | None = None) -> list[Post]:
        """Posted rows with a platform id whose slot is at or after `since`, oldest first (reach candidates)."""
        where = "WHERE status = 'posted' AND remote_id IS NOT NULL AND slot_utc >= ?"
        params: list[object] = [iso_utc(since, "since")]
        if channels is not None:
            where += f" AND channel IN ({', '.join('?' for _ in channels)})"
            params.extend(channels)
        return self._select(f"{where} ORDER BY slot_utc", params)

    def unread_posts(self, channels: list[str]) -> list[Post]:
        """Posted rows with a platform id and no reading at all, oldest first."""
        marks = ", ".join("?" for _ in channels)
        return self._select(
            f"""WHERE status = 'posted' AND remote_id IS NOT NULL AND channel IN ({marks})
            AND NOT EXISTS (SELECT 1 FROM readings WHERE readings.post_id = posts.id) ORDER BY slot_utc""",
            list(channels),
        )

    def last_readings(self, post_ids: list[int]) -> dict[int, datetime]:
        """The time of each post's latest reading (posts never read are absent)."""
        if not post_ids:
            return {}
        found: dict[int, datetime] = {}
        for start in range(0, len(post_ids), 500):  # stay far below SQLite's parameter limit
            chunk = post_ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self._db.query(
                f"SELECT post_id, MAX(taken_at) AS taken_at FROM readings WHERE post_id IN ({marks}) GROUP BY post_id",
                chunk,
            )
            found.update({row["post_id"]: datetime.fromisoformat(row["taken_at"]) for row in rows})
        return found

    def readings(self, post_id: int) -> list[Reading]:
        rows = self._db.query(
            "SELECT post_id, taken_at, reach, views FROM readings WHERE post_id = ? ORDER BY taken_at", [post_id]
        )
        return [Reading(r["post_id"], datetime.fromisoformat(r["taken_at"]), r["reach"], r["views"]) for r in rows]

    def get(self, channel: str, slot: datetime) -> Post | None:
        return self._find(channel, slot)

    def in_flight(self) -> list[Post]:
        """Rows left in `sending`, oldest slot first: after a crash, nobody knows if they went out."""
        return self._select("WHERE status = 'sending' ORDER BY slot_utc", [])

    def history(self, channel: str) -> list[str]:
        """Slogan ids that used a slot of `channel`, oldest slot first: the planner's rotation input."""
        marks = ", ".join("?" for _ in _USED_STATUSES)
        rows = self._db.query(
            f"SELECT slogan_id FROM posts WHERE channel = ? AND status IN ({marks}) ORDER BY slot_utc",
            [channel, *_USED_STATUSES],
        )
        return [row["slogan_id"] for row in rows]

    def last_slot(self, channel: str) -> datetime | None:
        """The latest slot of `channel` in the ledger, whatever its status."""
        rows = list(
            self._db.query("SELECT slot FROM posts WHERE channel = ? ORDER BY slot_utc DESC LIMIT 1", [channel])
        )
        return datetime.fromisoformat(rows[0]["slot"]) if rows else None

    def count_posts(self, since: datetime | None = None, channel: str | None = None, status: str | None = None) -> int:
        where, params = post_filters(since, channel, status)
        rows = list(self._db.query(f"SELECT count(*) AS n FROM posts {where}", params))
        return int(rows[0]["n"])

    def list_posts(
        self,
        since: datetime | None = None,
        channel: str | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> list[Post]:
        """Posts newest slot first, each with its latest reach reading; every filter is optional."""
        where, params = post_filters(since, channel, status)
        tail = ""
        if limit is not None:
            tail = "LIMIT ?"
            params.append(limit)
        # channel breaks ties so that the log prints in the same order every time
        return self._select(f"{where} ORDER BY slot_utc DESC, channel {tail}", params)

    # --- internals ----------------------------------------------------------------------------

    def _select(self, clauses: str, params: list[object]) -> list[Post]:
        return [post_from_row(row) for row in self._db.query(f"{_SELECT_POSTS} {clauses}", params)]

    def _find(self, channel: str, slot: datetime) -> Post | None:
        found = self._select("WHERE channel = ? AND slot_utc = ?", [channel, iso_utc(slot, "slot")])
        return found[0] if found else None

    def _require_slot(self, channel: str, slot: datetime) -> Post:
        post = self._find(channel, slot)
        if post is None:  # only reachable if the row was deleted under our feet
            raise LedgerError(f"không tìm thấy lượt đăng {slot.isoformat()} của kênh {channel} trong sổ ghi")
        return post

    def _require_id(self, post_id: int) -> Post:
        found = self._select("WHERE id = ?", [post_id])
        if not found:
            raise LedgerError(f"không có bài đăng số {post_id} trong sổ ghi")
        return found[0]

    def _move(self, post_id: int, target: Status, now: datetime, **columns: str | None) -> Post:
        """Change a row's status (and `columns`) after checking the move is legal, atomically."""
        with immediate(self._db):
            return self._moved(post_id, target, now, **columns)

    def _moved(self, post_id: int, target: Status, now: datetime, **columns: str | None) -> Post:
        """The body of `_move`, for a caller already inside a write transaction."""
        post = self._require_id(post_id)
        _check_transition(post, target)
        assignments = "".join(f", {name} = ?" for name in columns)
        self._db.execute(
            f"UPDATE posts SET status = ?, updated_at = ?{assignments} WHERE id = ?",
            [target, iso(now, "now"), *columns.values(), post_id],
        )
        return self._require_id(post_id)


def _check_transition(post: Post, target: Status) -> None:
    if target not in _TRANSITIONS[post.status]:
        raise LedgerError(
            f"không thể chuyển lượt đăng {post.slot.isoformat()} của kênh {post.channel} (bài số {post.id}) "
            f"từ trạng thái '{post.status}' sang '{target}'"
        )
