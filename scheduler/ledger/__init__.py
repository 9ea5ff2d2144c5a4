"""The posting ledger: the single source of truth of what was planned, claimed and posted.

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
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, Self, cast, get_args

from sqlite_utils import Database, Migrations

from scheduler.errors import DanvanError

Status = Literal["planned", "sending", "posted", "failed", "missed", "unknown"]
STATUSES: Final[tuple[Status, ...]] = get_args(Status)

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

METRICS: Final[tuple[str, ...]] = ("reach", "views", "reactions", "clicks", "shares")

# Long enough to ride out another writer's short transaction (the CLI logging while the daemon
# claims), short enough that a stuck writer surfaces as an error instead of a hang.
BUSY_TIMEOUT_SECONDS: Final = 5.0


class LedgerError(DanvanError):
    """An operation on the ledger would break its rules (e.g. an illegal status change)."""


@dataclass(frozen=True)
class Post:
    """One slot of one channel, as the ledger knows it."""

    id: int
    channel: str
    slot: datetime
    slogan_id: str
    status: Status
    remote_id: str | None
    error: str | None
    card_hash: str | None
    caption: str | None
    attempts: int
    claimed_at: datetime | None
    posted_at: datetime | None
    reach: int | None = None


# --- migrations -------------------------------------------------------------------------------

# sqlite-utils runs each migration in a transaction together with its record in
# `_sqlite_migrations`, so a crash mid-migration leaves it pending, never half-applied.
migrations = Migrations("danvan")

_M001_STATEMENTS: Final = (
    """
    CREATE TABLE posts (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        slot TEXT NOT NULL,
        slot_utc TEXT NOT NULL,
        slogan_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('planned', 'sending', 'posted', 'failed', 'missed', 'unknown')),
        remote_id TEXT,
        error TEXT,
        card_hash TEXT,
        caption TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        claimed_at TEXT,
        posted_at TEXT,
        updated_at TEXT NOT NULL,
        UNIQUE (channel, slot_utc)
    )
    """,
    "CREATE INDEX idx_posts_status ON posts (status)",
    "CREATE INDEX idx_posts_slot_utc ON posts (slot_utc)",
    # Redundant with the UNIQUE constraint's automatic index, but named so that it shows up
    # plainly in Datasette / DB Browser next to the others.
    "CREATE INDEX idx_posts_channel_slot_utc ON posts (channel, slot_utc)",
    """
    CREATE TABLE readings (
        id INTEGER PRIMARY KEY,
        post_id INTEGER NOT NULL REFERENCES posts (id),
        taken_at TEXT NOT NULL,
        reach INTEGER,
        views INTEGER,
        reactions INTEGER,
        clicks INTEGER,
        shares INTEGER,
        raw TEXT
    )
    """,
    "CREATE INDEX idx_readings_post_id_taken_at ON readings (post_id, taken_at)",
    """
    CREATE TABLE channel_state (
        channel TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('active', 'paused')),
        reason TEXT,
        updated_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE daemon (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        started_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL,
        next_slot TEXT
    )
    """,
    # Zalo refresh tokens are single-use and rotate on every refresh, so the current pair can only
    # live here; the config file holds the first one alone.
    """
    CREATE TABLE tokens (
        channel TEXT PRIMARY KEY,
        access_token TEXT,
        refresh_token TEXT,
        access_expires_at TEXT,
        refresh_expires_at TEXT,
        updated_at TEXT NOT NULL
    )
    """,
)


@migrations()
def m001_initial(db: Database) -> None:
    for statement in _M001_STATEMENTS:
        db.execute(statement)


@migrations()
def m002_channel_pause_until(db: Database) -> None:
    # A policy block (Facebook code 368) pauses a channel for a cool-down, not until a person acts.
    db.execute("ALTER TABLE channel_state ADD COLUMN paused_until TEXT")


@migrations()
def m003_zalo_auth_followers_broadcasts(db: Database) -> None:
    # PKCE verifier of a consent in progress (sealed like the tokens).
    db.execute(
        "CREATE TABLE zalo_auth (channel TEXT PRIMARY KEY, code_verifier TEXT NOT NULL, created_at TEXT NOT NULL)"
    )
    db.execute(
        """
        CREATE TABLE followers (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            taken_at TEXT NOT NULL,
            count INTEGER NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX idx_followers_channel_taken_at ON followers (channel, taken_at)")
    # Zalo refuses broadcasts at night (-234): they wait here for the morning.
    db.execute(
        """
        CREATE TABLE broadcasts (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            post_id INTEGER REFERENCES posts (id),
            article_id TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
            not_before TEXT NOT NULL,
            message_id TEXT,
            error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX idx_broadcasts_status_not_before ON broadcasts (status, not_before)")


@migrations()
def m004_incidents(db: Database) -> None:
    # Failures that need a person, raised once per incident (not once per slot) and closed when it clears.
    db.execute(
        """
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,
            message TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            closed_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX idx_incidents_open ON incidents (channel, kind, closed_at)")


@dataclass(frozen=True)
class LatestReading:
    """The newest reading of a post, whatever the platform could give at that time."""

    taken_at: datetime
    reach: int | None
    views: int | None
    reactions: int | None
    clicks: int | None
    shares: int | None


@dataclass(frozen=True)
class Heartbeat:
    pid: int
    host: str
    started_at: datetime
    heartbeat_at: datetime
    next_slot: datetime | None


@dataclass(frozen=True)
class Incident:
    id: int
    channel: str
    kind: str
    message: str
    opened_at: datetime


@dataclass(frozen=True)
class StoredTokens:
    """A channel's token pair as stored: sealed strings (see secretbox) and their expiry times."""

    access_token: str | None
    refresh_token: str | None
    access_expires_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class PendingBroadcast:
    id: int
    channel: str
    post_id: int | None
    article_id: str
    not_before: datetime


@dataclass(frozen=True)
class ChannelState:
    channel: str
    state: Literal["active", "paused"]
    reason: str | None
    paused_until: datetime | None
    updated_at: datetime

    def paused_at(self, now: datetime) -> bool:
        """Paused at `now`: until a person acts, or until the cool-down has run out."""
        if self.state != "paused":
            return False
        return self.paused_until is None or now < self.paused_until


@dataclass(frozen=True)
class Reading:
    post_id: int
    taken_at: datetime
    reach: int | None
    views: int | None


# --- time helpers -----------------------------------------------------------------------------


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} phải là thời điểm có múi giờ (aware datetime), nhận được {value!r}")


def _iso(value: datetime, name: str) -> str:
    """A stored timestamp: ISO 8601 to the second, keeping the offset the caller used."""
    _require_aware(value, name)
    return value.isoformat(timespec="seconds")


def _iso_utc(value: datetime, name: str) -> str:
    """The same instant in UTC, so that string order is time order and equal instants are equal."""
    _require_aware(value, name)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def _parse(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _post_from_row(row: Mapping[str, Any]) -> Post:
    return Post(
        id=row["id"],
        channel=row["channel"],
        slot=datetime.fromisoformat(row["slot"]),
        slogan_id=row["slogan_id"],
        status=cast(Status, row["status"]),
        remote_id=row["remote_id"],
        error=row["error"],
        card_hash=row["card_hash"],
        caption=row["caption"],
        attempts=row["attempts"],
        claimed_at=_parse(row["claimed_at"]),
        posted_at=_parse(row["posted_at"]),
        reach=row["reach"],
    )


def _reading_from_row(row: Mapping[str, Any]) -> LatestReading | None:
    if row["r_taken_at"] is None:
        return None
    return LatestReading(
        taken_at=datetime.fromisoformat(row["r_taken_at"]),
        reach=row["r_reach"],
        views=row["r_views"],
        reactions=row["r_reactions"],
        clicks=row["r_clicks"],
        shares=row["r_shares"],
    )


# The latest reading that carries a reach value, picked by one correlated lookup per row on the
# (post_id, taken_at) index: one query for a whole log, never one query per post.
_SELECT_POSTS: Final = """
    SELECT posts.*, (
        SELECT readings.reach FROM readings
        WHERE readings.post_id = posts.id AND readings.reach IS NOT NULL
        ORDER BY readings.taken_at DESC, readings.id DESC
        LIMIT 1
    ) AS reach
    FROM posts
"""


class Ledger:
    """The posting ledger over one SQLite file. One instance per thread (sqlite3 connections are not shared)."""

    def __init__(self, db: Database, path: Path) -> None:
        self._db = db
        self.path = path

    # --- lifecycle ----------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Ledger:
        """Open (creating if needed) the ledger at `path` and bring its schema up to date."""
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: the driver opens no hidden transactions; every transaction here
        # is explicit (sqlite-utils' atomic() or our BEGIN IMMEDIATE), so none is left dangling.
        conn = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None)
        # No sqlite-utils plugins: the ledger's connection must behave the same on every machine.
        db = Database(conn, execute_plugins=False)
        try:
            _configure(db)
            with _immediate(db):
                # Inside one write transaction, so two processes opening a blank file at the same
                # moment cannot both try to apply the same migration.
                migrations.apply(db)
        except BaseException:
            db.close()
            raise
        return cls(db, path)

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
        stamp = _iso(now, "now")
        self._db.execute(
            """
            INSERT INTO posts (channel, slot, slot_utc, slogan_id, status, created_at, updated_at)
            VALUES (?, ?, ?, ?, 'planned', ?, ?)
            ON CONFLICT (channel, slot_utc) DO NOTHING
            """,
            [channel, _iso(slot, "slot"), _iso_utc(slot, "slot"), slogan_id, stamp, stamp],
        )
        return self._require_slot(channel, slot)

    def claim(
        self, channel: str, slot: datetime, slogan_id: str, card_hash: str, caption: str, now: datetime
    ) -> Post | None:
        """Take the slot for publishing: return it in `sending`, or None if it was already taken.

        Only a missing or `planned` row can be claimed; whatever happened to any other row (sent,
        in flight, failed, missed, unknown) must not be repeated automatically.
        """
        stamp = _iso(now, "now")
        with _immediate(self._db):
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
                [slogan_id, card_hash, caption, stamp, stamp, channel, _iso_utc(slot, "slot")],
            )
            return self._require_slot(channel, slot)

    def mark_posted(self, post_id: int, remote_id: str | None, now: datetime, note: str | None = None) -> Post:
        """The platform accepted the post (`remote_id` is its id for it, when it gives one).

        `note` is kept in the error column: something an officer should read although the post went out.
        """
        return self._move(post_id, "posted", now, remote_id=remote_id, error=note, posted_at=_iso(now, "now"))

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
        stamp = _iso(now, "now")
        with _immediate(self._db):
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
                [slogan_id, reason, stamp, channel, _iso_utc(slot, "slot")],
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
            [post_id, _iso_utc(taken_at, "taken_at"), *values, raw_json],
        )

    def set_channel_state(
        self,
        channel: str,
        state: Literal["active", "paused"],
        reason: str | None,
        now: datetime,
        paused_until: datetime | None = None,
    ) -> None:
        self._db.execute(
            """
            INSERT INTO channel_state (channel, state, reason, paused_until, updated_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (channel) DO UPDATE SET state = excluded.state, reason = excluded.reason,
                paused_until = excluded.paused_until, updated_at = excluded.updated_at
            """,
            [
                channel,
                state,
                reason,
                None if paused_until is None else _iso_utc(paused_until, "paused_until"),
                _iso(now, "now"),
            ],
        )

    def beat(self, pid: int, host: str, started_at: datetime, now: datetime, next_slot: datetime | None) -> None:
        """The daemon is alive at `now` (and its next slot is `next_slot`).

        A beat taken while the next slot is being posted (no timer pending) keeps the known next slot.
        """
        self._db.execute(
            """
            INSERT INTO daemon (id, pid, host, started_at, heartbeat_at, next_slot) VALUES (1, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, host = excluded.host, started_at = excluded.started_at,
                heartbeat_at = excluded.heartbeat_at,
                next_slot = CASE WHEN excluded.pid = daemon.pid THEN COALESCE(excluded.next_slot, daemon.next_slot)
                            ELSE excluded.next_slot END
            """,
            [
                pid,
                host,
                _iso(started_at, "started_at"),
                _iso(now, "now"),
                None if next_slot is None else _iso(next_slot, "next_slot"),
            ],
        )

    def open_incident(self, channel: str, kind: str, message: str, now: datetime) -> bool:
        """Open an incident unless one of this kind is already open for the channel; True when it is new."""
        with _immediate(self._db):
            rows = list(
                self._db.query(
                    "SELECT id FROM incidents WHERE channel = ? AND kind = ? AND closed_at IS NULL", [channel, kind]
                )
            )
            if rows:
                return False
            self._db.execute(
                "INSERT INTO incidents (channel, kind, message, opened_at) VALUES (?, ?, ?, ?)",
                [channel, kind, message, _iso(now, "now")],
            )
            return True

    def close_incidents(self, channel: str, now: datetime, kinds: tuple[str, ...] | None = None) -> int:
        """Close the channel's open incidents (of `kinds`, or all); returns how many were open."""
        where = "channel = ? AND closed_at IS NULL"
        params: list[object] = [channel]
        if kinds is not None:
            where += f" AND kind IN ({', '.join('?' for _ in kinds)})"
            params.extend(kinds)
        count = self._db.execute(
            f"UPDATE incidents SET closed_at = ? WHERE {where}", [_iso(now, "now"), *params]
        ).rowcount
        return int(count)

    def save_tokens(
        self, channel: str, access_token: str, refresh_token: str, access_expires_at: datetime, now: datetime
    ) -> None:
        """Store a channel's new (sealed) token pair at once: a rotated refresh token exists nowhere else."""
        self._db.execute(
            """
            INSERT INTO tokens (channel, access_token, refresh_token, access_expires_at, updated_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (channel) DO UPDATE SET access_token = excluded.access_token,
                refresh_token = excluded.refresh_token, access_expires_at = excluded.access_expires_at,
                updated_at = excluded.updated_at
            """,
            [channel, access_token, refresh_token, _iso_utc(access_expires_at, "access_expires_at"), _iso(now, "now")],
        )

    def save_verifier(self, channel: str, sealed_verifier: str, now: datetime) -> None:
        self._db.execute(
            """INSERT INTO zalo_auth (channel, code_verifier, created_at) VALUES (?, ?, ?)
            ON CONFLICT (channel) DO UPDATE SET code_verifier = excluded.code_verifier, created_at = excluded.created_at""",
            [channel, sealed_verifier, _iso(now, "now")],
        )

    def add_followers(self, channel: str, taken_at: datetime, count: int) -> None:
        self._db.execute(
            "INSERT INTO followers (channel, taken_at, count) VALUES (?, ?, ?)",
            [channel, _iso_utc(taken_at, "taken_at"), count],
        )

    def add_broadcast(
        self, channel: str, post_id: int | None, article_id: str, not_before: datetime, now: datetime
    ) -> None:
        stamp = _iso(now, "now")
        self._db.execute(
            """INSERT INTO broadcasts (channel, post_id, article_id, status, not_before, created_at, updated_at)
            VALUES (?, ?, ?, 'pending', ?, ?, ?)""",
            [channel, post_id, article_id, _iso_utc(not_before, "not_before"), stamp, stamp],
        )

    def finish_broadcast(self, broadcast_id: int, message_id: str | None, error: str | None, now: datetime) -> None:
        status = "failed" if error else "sent"
        self._db.execute(
            "UPDATE broadcasts SET status = ?, message_id = ?, error = ?, updated_at = ? WHERE id = ?",
            [status, message_id, error, _iso(now, "now"), broadcast_id],
        )

    # --- reading ------------------------------------------------------------------------------

    def heartbeat(self) -> Heartbeat | None:
        rows = list(self._db.query("SELECT * FROM daemon WHERE id = 1"))
        if not rows:
            return None
        row = rows[0]
        return Heartbeat(
            pid=row["pid"],
            host=row["host"],
            started_at=datetime.fromisoformat(row["started_at"]),
            heartbeat_at=datetime.fromisoformat(row["heartbeat_at"]),
            next_slot=_parse(row["next_slot"]),
        )

    def open_incidents(self) -> list[Incident]:
        rows = self._db.query("SELECT * FROM incidents WHERE closed_at IS NULL ORDER BY opened_at")
        return [
            Incident(r["id"], r["channel"], r["kind"], r["message"], datetime.fromisoformat(r["opened_at"]))
            for r in rows
        ]

    def remote_ids_near(self, channel: str, slot: datetime, span: timedelta) -> frozenset[str]:
        """Platform ids recorded for the channel's slots within `span` of `slot` (other slots' posts)."""
        rows = self._db.query(
            "SELECT remote_id FROM posts WHERE channel = ? AND remote_id IS NOT NULL AND slot_utc BETWEEN ? AND ?",
            [channel, _iso_utc(slot - span, "slot"), _iso_utc(slot + span, "slot")],
        )
        return frozenset(str(row["remote_id"]) for row in rows)

    def posts_between(self, since: datetime, until: datetime) -> list[tuple[Post, LatestReading | None]]:
        """Every post whose slot is in [since, until), oldest first, with its newest reading (one query)."""
        rows = self._db.query(
            f"""
            SELECT p.*, r.taken_at AS r_taken_at, r.reach AS r_reach, r.views AS r_views,
                r.reactions AS r_reactions, r.clicks AS r_clicks, r.shares AS r_shares
            FROM ({_SELECT_POSTS} WHERE slot_utc >= ? AND slot_utc < ?) AS p
            LEFT JOIN readings AS r ON r.id = (
                SELECT id FROM readings WHERE readings.post_id = p.id ORDER BY taken_at DESC, id DESC LIMIT 1
            )
            ORDER BY p.slot_utc, p.channel
            """,
            [_iso_utc(since, "since"), _iso_utc(until, "until")],
        )
        return [(_post_from_row(row), _reading_from_row(row)) for row in rows]

    def recent_statuses(self, channel: str, count: int) -> list[str]:
        """The statuses of the channel's last `count` slots, newest first."""
        rows = self._db.query(
            "SELECT status FROM posts WHERE channel = ? ORDER BY slot_utc DESC LIMIT ?", [channel, count]
        )
        return [row["status"] for row in rows]

    def tokens(self, channel: str) -> StoredTokens | None:
        rows = list(self._db.query("SELECT * FROM tokens WHERE channel = ?", [channel]))
        if not rows:
            return None
        row = rows[0]
        return StoredTokens(
            access_token=row["access_token"],
            refresh_token=row["refresh_token"],
            access_expires_at=_parse(row["access_expires_at"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
        )

    def verifier(self, channel: str) -> str | None:
        rows = list(self._db.query("SELECT code_verifier FROM zalo_auth WHERE channel = ?", [channel]))
        return str(rows[0]["code_verifier"]) if rows else None

    def last_followers_at(self, channel: str) -> datetime | None:
        rows = list(self._db.query("SELECT MAX(taken_at) AS at FROM followers WHERE channel = ?", [channel]))
        return _parse(rows[0]["at"]) if rows else None

    def due_broadcasts(self, channel: str, now: datetime) -> list[PendingBroadcast]:
        rows = self._db.query(
            "SELECT * FROM broadcasts WHERE channel = ? AND status = 'pending' AND not_before <= ? ORDER BY not_before",
            [channel, _iso_utc(now, "now")],
        )
        return [
            PendingBroadcast(
                r["id"], r["channel"], r["post_id"], r["article_id"], datetime.fromisoformat(r["not_before"])
            )
            for r in rows
        ]

    def channel_state(self, channel: str) -> ChannelState | None:
        rows = list(self._db.query("SELECT * FROM channel_state WHERE channel = ?", [channel]))
        if not rows:
            return None
        row = rows[0]
        return ChannelState(
            channel=row["channel"],
            state=row["state"],
            reason=row["reason"],
            paused_until=_parse(row["paused_until"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
        )

    def posted_since(self, since: datetime, channels: list[str] | None = None) -> list[Post]:
        """Posted rows with a platform id whose slot is at or after `since`, oldest first (reach candidates)."""
        where = "WHERE status = 'posted' AND remote_id IS NOT NULL AND slot_utc >= ?"
        params: list[object] = [_iso_utc(since, "since")]
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
        where, params = _post_filters(since, channel, status)
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
        where, params = _post_filters(since, channel, status)
        tail = ""
        if limit is not None:
            tail = "LIMIT ?"
            params.append(limit)
        # channel breaks ties so that the log prints in the same order every time
        return self._select(f"{where} ORDER BY slot_utc DESC, channel {tail}", params)

    # --- internals ----------------------------------------------------------------------------

    def _select(self, clauses: str, params: list[object]) -> list[Post]:
        return [_post_from_row(row) for row in self._db.query(f"{_SELECT_POSTS} {clauses}", params)]

    def _find(self, channel: str, slot: datetime) -> Post | None:
        found = self._select("WHERE channel = ? AND slot_utc = ?", [channel, _iso_utc(slot, "slot")])
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
        stamp = _iso(now, "now")
        with _immediate(self._db):
            post = self._require_id(post_id)
            _check_transition(post, target)
            assignments = "".join(f", {name} = ?" for name in columns)
            self._db.execute(
                f"UPDATE posts SET status = ?, updated_at = ?{assignments} WHERE id = ?",
                [target, stamp, *columns.values(), post_id],
            )
            return self._require_id(post_id)


def _post_filters(since: datetime | None, channel: str | None, status: str | None) -> tuple[str, list[object]]:
    conditions: list[str] = []
    params: list[object] = []
    if since is not None:
        conditions.append("slot_utc >= ?")
        params.append(_iso_utc(since, "since"))
    if channel is not None:
        conditions.append("channel = ?")
        params.append(channel)
    if status is not None:
        conditions.append("status = ?")
        params.append(_check_status(status))
    return (f"WHERE {' AND '.join(conditions)}" if conditions else ""), params


def _configure(db: Database) -> None:
    # SQLite leaves foreign keys off per connection; readings must point at real posts.
    db.execute("PRAGMA foreign_keys = ON")
    # WAL: the CLI can read the log while the daemon writes, and a kill -9 loses nothing committed.
    db.enable_wal()
    # FULL, not WAL's usual NORMAL: a committed `sending` claim must survive a power cut too, or the
    # slot could be posted a second time after the reboot.
    db.execute("PRAGMA synchronous = FULL")


@contextmanager
def _immediate(db: Database) -> Iterator[None]:
    """A write transaction taken up front (BEGIN IMMEDIATE).

    A plain BEGIN would let two connections both read `planned` and then race to upgrade to a
    write lock; IMMEDIATE takes the write lock before the read, so the second one waits (up to the
    busy timeout) and then sees the first one's result.
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.rollback()
        raise
    try:
        db.conn.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise


def _check_transition(post: Post, target: Status) -> None:
    if target not in _TRANSITIONS[post.status]:
        raise LedgerError(
            f"không thể chuyển lượt đăng {post.slot.isoformat()} của kênh {post.channel} (bài số {post.id}) "
            f"từ trạng thái '{post.status}' sang '{target}'"
        )


def _check_status(status: str) -> Status:
    if status not in STATUSES:
        raise LedgerError(f"trạng thái không hợp lệ: '{status}' (hợp lệ: {', '.join(STATUSES)})")
    return status
