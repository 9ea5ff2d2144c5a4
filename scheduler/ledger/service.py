"""How the service and its channels are doing: each channel's pause state, open incidents, the daemon's heartbeat.

A mixin of the Ledger (it shares the Ledger's connection); `danvan status` and the alerts read these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlite_utils import Database

from scheduler.ledger.connection import immediate
from scheduler.ledger.records import ChannelState, Heartbeat, Incident
from scheduler.ledger.timestamps import iso, iso_utc, parse


class ServiceTables:
    """The `channel_state`, `incidents` and `daemon` tables."""

    _db: Database

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
                None if paused_until is None else iso_utc(paused_until, "paused_until"),
                iso(now, "now"),
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
                iso(started_at, "started_at"),
                iso(now, "now"),
                None if next_slot is None else iso(next_slot, "next_slot"),
            ],
        )

    def open_incident(self, channel: str, kind: str, message: str, now: datetime) -> bool:
        """Open an incident unless one of this kind is already open for the channel; True when it is new."""
        with immediate(self._db):
            rows = list(
                self._db.query(
                    "SELECT id FROM incidents WHERE channel = ? AND kind = ? AND closed_at IS NULL", [channel, kind]
                )
            )
            if rows:
                return False
            self._db.execute(
                "INSERT INTO incidents (channel, kind, message, opened_at) VALUES (?, ?, ?, ?)",
                [channel, kind, message, iso(now, "now")],
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
            f"UPDATE incidents SET closed_at = ? WHERE {where}", [iso(now, "now"), *params]
        ).rowcount
        return int(count)

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
            next_slot=parse(row["next_slot"]),
        )

    def open_incidents(self) -> list[Incident]:
        rows = self._db.query("SELECT * FROM incidents WHERE closed_at IS NULL ORDER BY opened_at")
        return [
            Incident(r["id"], r["channel"], r["kind"], r["message"], datetime.fromisoformat(r["opened_at"]))
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
            paused_until=parse(row["paused_until"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
        )
