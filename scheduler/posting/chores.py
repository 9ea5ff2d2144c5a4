"""A platform's periodic upkeep besides slots: Zalo broadcasts deferred to the morning, the follower count.

The daemon calls these every quarter of an hour; a channel that has neither chore is left alone.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from scheduler.channels import Channel
from scheduler.errors import DanvanError
from scheduler.ledger import Ledger

log = logging.getLogger("danvan.chores")

FOLLOWERS_EVERY = dt.timedelta(days=1)


def do_platform_chores(name: str, channel: Channel, database: Path, clock: Callable[[], dt.datetime]) -> None:
    send = getattr(channel, "send_due_broadcasts", None)
    if send is not None and send():
        log.info("kênh %s: đã gửi broadcast dời từ tối hôm trước", name)
    followers = getattr(channel, "followers", None)
    if followers is None:
        return
    with Ledger.open(database) as ledger:
        last = ledger.last_followers_at(name)
        if last is None or clock() - last >= FOLLOWERS_EVERY:
            ledger.add_followers(name, clock(), followers())


def do_all_platform_chores(channels: Mapping[str, Channel], database: Path, clock: Callable[[], dt.datetime]) -> None:
    """Every channel's chores; one channel's failure is logged and never stops the others'."""
    for name, channel in channels.items():
        try:
            do_platform_chores(name, channel, database, clock)
        except DanvanError as exc:
            log.warning("kênh %s: %s", name, exc)
        except Exception:
            log.exception("kênh %s: lỗi không lường trước", name)
