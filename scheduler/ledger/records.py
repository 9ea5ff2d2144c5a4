"""What the ledger hands out: one frozen record per kind of row, and how a posts row becomes a Post."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal, cast, get_args

from scheduler.ledger.timestamps import parse

Status = Literal["planned", "sending", "posted", "failed", "missed", "unknown"]
STATUSES: Final[tuple[Status, ...]] = get_args(Status)

METRICS: Final[tuple[str, ...]] = ("reach", "views", "reactions", "clicks", "shares")


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


def post_from_row(row: Mapping[str, Any]) -> Post:
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
        claimed_at=parse(row["claimed_at"]),
        posted_at=parse(row["posted_at"]),
        reach=row["reach"],
    )


def reading_from_row(row: Mapping[str, Any]) -> LatestReading | None:
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
