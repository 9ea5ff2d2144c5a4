"""What the Zalo channel keeps between calls, as a narrow protocol: the channel never opens the ledger.

The ledger room implements it over the database (`scheduler.ledger.zalo.ZaloLedgerStore`); a test or another
home can implement it over anything. Protocols are structural, so the implementer imports nothing from here.
Everything secret crosses this line already sealed (see secretbox): a store never sees a usable token.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol


class SealedTokens(Protocol):
    """A channel's token pair as stored: sealed strings and when the access token expires."""

    @property
    def access_token(self) -> str | None: ...

    @property
    def refresh_token(self) -> str | None: ...

    @property
    def access_expires_at(self) -> dt.datetime | None: ...


class DueBroadcast(Protocol):
    """A broadcast deferred to the morning (the publisher recorded it) whose time has come."""

    @property
    def id(self) -> int: ...

    @property
    def article_id(self) -> str: ...


class ZaloStore(Protocol):
    def tokens(self, channel: str) -> SealedTokens | None:
        """The channel's stored pair, or None before the first consent or refresh."""
        ...

    def save_tokens(
        self, channel: str, access_token: str, refresh_token: str, access_expires_at: dt.datetime, now: dt.datetime
    ) -> None:
        """Keep a new sealed pair at once: a rotated refresh token exists nowhere else."""
        ...

    def verifier(self, channel: str) -> str | None:
        """The sealed PKCE verifier of the consent in progress."""
        ...

    def save_verifier(self, channel: str, sealed_verifier: str, now: dt.datetime) -> None: ...

    def due_broadcasts(self, channel: str, now: dt.datetime) -> Sequence[DueBroadcast]: ...

    def finish_broadcast(
        self, broadcast_id: int, message_id: str | None, error: str | None, now: dt.datetime
    ) -> None: ...

    def refresh_lock_path(self, channel: str) -> Path:
        """The file locked (flock) while the channel's refresh token is spent, shared by every process."""
        ...
