"""The posting ledger: the single source of truth of what was planned, claimed and posted.

The room's parts: `schema` (the ordered migrations), `connection` (SQLite settings and write transactions),
`timestamps` (how times are stored), `records` (the rows handed out), `posts` (the Ledger and the post
state machine), `service` (channel pause state, incidents, heartbeat), `zalo` (the Zalo OA's own tables),
`approvals` (the append-only audit trail of approvals), `accounts` and `console` (the web console's accounts, log
pages and manual pauses), `identity` (a running daemon's ledger file is never recreated or silently swapped).
The names callers use are re-exported here, so `from scheduler.ledger import Ledger` is the way in.
"""

from scheduler.errors import LedgerError
from scheduler.ledger.accounts import ROLES, Account, Role
from scheduler.ledger.approvals import ApprovalAction, ApprovalRecord
from scheduler.ledger.connection import BUSY_TIMEOUT_SECONDS
from scheduler.ledger.console import ManualPause
from scheduler.ledger.posts import Ledger
from scheduler.ledger.records import (
    METRICS,
    STATUSES,
    ChannelState,
    Heartbeat,
    Incident,
    LatestReading,
    PendingBroadcast,
    Post,
    Reading,
    Status,
    StoredTokens,
)
from scheduler.ledger.schema import migrations
from scheduler.ledger.zalo import ZaloLedgerStore

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "METRICS",
    "ROLES",
    "STATUSES",
    "Account",
    "ApprovalAction",
    "ApprovalRecord",
    "ChannelState",
    "Heartbeat",
    "Incident",
    "LatestReading",
    "Ledger",
    "LedgerError",
    "ManualPause",
    "PendingBroadcast",
    "Post",
    "Reading",
    "Role",
    "Status",
    "StoredTokens",
    "ZaloLedgerStore",
    "migrations",
]
