"""The Zalo OA's own storage: the sealed token pair, the consent's PKCE verifier, follower counts, and
broadcasts deferred to the morning.

A mixin of the Ledger (it shares the Ledger's connection). The channel itself reaches these tables only
through `ZaloLedgerStore`, the ledger's implementation of the channel's narrow store protocol.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from scheduler.ledger.connection import connect
from scheduler.ledger.records import PendingBroadcast, StoredTokens
from scheduler.ledger.timestamps import iso, iso_utc, parse


class ZaloTables:
    """The `tokens`, `zalo_auth`, `followers` and `broadcasts` tables."""

    _db: Database

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
            [channel, access_token, refresh_token, iso_utc(access_expires_at, "access_expires_at"), iso(now, "now")],
        )

    def save_verifier(self, channel: str, sealed_verifier: str, now: datetime) -> None:
        self._db.execute(
            """INSERT INTO zalo_auth (channel, code_verifier, created_at) VALUES (?, ?, ?)
            ON CONFLICT (channel) DO UPDATE SET code_verifier = excluded.code_verifier, created_at = excluded.created_at""",
            [channel, sealed_verifier, iso(now, "now")],
        )

    def add_followers(self, channel: str, taken_at: datetime, count: int) -> None:
        self._db.execute(
            "INSERT INTO followers (channel, taken_at, count) VALUES (?, ?, ?)",
            [channel, iso_utc(taken_at, "taken_at"), count],
        )

    def add_broadcast(
        self, channel: str, post_id: int | None, article_id: str, not_before: datetime, now: datetime
    ) -> None:
        stamp = iso(now, "now")
        self._db.execute(
            """INSERT INTO broadcasts (channel, post_id, article_id, status, not_before, created_at, updated_at)
            VALUES (?, ?, ?, 'pending', ?, ?, ?)""",
            [channel, post_id, article_id, iso_utc(not_before, "not_before"), stamp, stamp],
        )

    def finish_broadcast(self, broadcast_id: int, message_id: str | None, error: str | None, now: datetime) -> None:
        status = "failed" if error else "sent"
        self._db.execute(
            "UPDATE broadcasts SET status = ?, message_id = ?, error = ?, updated_at = ? WHERE id = ?",
            [status, message_id, error, iso(now, "now"), broadcast_id],
        )

    def tokens(self, channel: str) -> StoredTokens | None:
        rows = list(self._db.query("SELECT * FROM tokens WHERE channel = ?", [channel]))
        if not rows:
            return None
        row = rows[0]
        return StoredTokens(
            access_token=row["access_token"],
            refresh_token=row["refresh_token"],
            access_expires_at=parse(row["access_expires_at"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
        )

    def verifier(self, channel: str) -> str | None:
        rows = list(self._db.query("SELECT code_verifier FROM zalo_auth WHERE channel = ?", [channel]))
        return str(rows[0]["code_verifier"]) if rows else None

    def last_followers_at(self, channel: str) -> datetime | None:
        rows = list(self._db.query("SELECT MAX(taken_at) AS at FROM followers WHERE channel = ?", [channel]))
        return parse(rows[0]["at"]) if rows else None

    def due_broadcasts(self, channel: str, now: datetime) -> list[PendingBroadcast]:
        rows = self._db.query(
            "SELECT * FROM broadcasts WHERE channel = ? AND status = 'pending' AND not_before <= ? ORDER BY not_before",
            [channel, iso_utc(now, "now")],
        )
        return [
            PendingBroadcast(
                r["id"], r["channel"], r["post_id"], r["article_id"], datetime.fromisoformat(r["not_before"])
            )
            for r in rows
        ]


class _OneConnection(ZaloTables):
    def __init__(self, db: Database) -> None:
        self._db = db


class ZaloLedgerStore:
    """The Zalo channel's store over the ledger file: a short connection per operation.

    A connection per operation, because a channel is used from the daemon's worker threads and sqlite3
    connections are not shared between threads. Only the Zalo OA's own tables are reachable from here,
    never `posts`: what a publication did to its slot is returned to the publisher, which records it.
    """

    def __init__(self, database: Path) -> None:
        self.database = database

    def tokens(self, channel: str) -> StoredTokens | None:
        with self._tables() as tables:
            return tables.tokens(channel)

    def save_tokens(
        self, channel: str, access_token: str, refresh_token: str, access_expires_at: datetime, now: datetime
    ) -> None:
        with self._tables() as tables:
            tables.save_tokens(channel, access_token, refresh_token, access_expires_at, now)

    def verifier(self, channel: str) -> str | None:
        with self._tables() as tables:
            return tables.verifier(channel)

    def save_verifier(self, channel: str, sealed_verifier: str, now: datetime) -> None:
        with self._tables() as tables:
            tables.save_verifier(channel, sealed_verifier, now)

    def due_broadcasts(self, channel: str, now: datetime) -> list[PendingBroadcast]:
        with self._tables() as tables:
            return tables.due_broadcasts(channel, now)

    def finish_broadcast(self, broadcast_id: int, message_id: str | None, error: str | None, now: datetime) -> None:
        with self._tables() as tables:
            tables.finish_broadcast(broadcast_id, message_id, error, now)

    def refresh_lock_path(self, channel: str) -> Path:
        """Beside the database, so that every process using this ledger takes the same lock."""
        return self.database.with_name(f"{self.database.name}.zalo-{channel}.lock")

    @contextmanager
    def _tables(self) -> Iterator[ZaloTables]:
        db = connect(self.database)
        try:
            yield _OneConnection(db)
        finally:
            db.close()
