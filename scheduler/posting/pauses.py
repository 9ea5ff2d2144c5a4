"""When a channel is paused: the one rule the publisher and the reach reader both follow.

A token error pauses a channel until a person acts (a restart or a new token); a policy error with a
cool-down pauses it until the cool-down ends; an officer may pause it by hand (from the web console) until
they resume it, and a restart keeps that pause. While paused, nothing is posted to it and its reach is
not read, so the platform is not asked again before it said we may.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from scheduler.errors import ChannelError
from scheduler.ledger import Ledger

log = logging.getLogger("danvan.pauses")


def pause_reason(ledger: Ledger, channel: str, now: dt.datetime) -> str | None:
    """Why the channel is paused at `now` (a token to renew, a policy cool-down), or None when it is active."""
    state = ledger.channel_state(channel)
    if state is None or not state.paused_at(now):
        return None
    return state.reason or "không rõ lý do"


def paused_until(exc: ChannelError, now: dt.datetime) -> dt.datetime | None:
    """The end of a policy cool-down the platform asked for; None (until a person acts) otherwise."""
    if exc.kind == "policy" and exc.retry_after:
        return now + dt.timedelta(seconds=exc.retry_after)
    return None


def resume_after_restart(ledger: Ledger, channels: Iterable[str], now: dt.datetime) -> None:
    """A restart is how an officer says "I renewed the token": try again (a bad token pauses it again).

    A policy cool-down is the platform's word, not ours: it runs out on its own and a restart keeps it.
    An officer's own pause is their word too: only they (or another officer) resume it.
    """
    for channel in channels:
        state = ledger.channel_state(channel)
        if ledger.manual_pause(channel) is not None:
            continue
        if state is not None and state.state == "paused" and state.paused_until is None:
            log.warning("kênh %s: bỏ tạm dừng khi khởi động lại (lý do trước đó: %s)", channel, state.reason)
            ledger.set_channel_state(channel, "active", None, now)


def manual_pause_reason(officer: str, reason: str) -> str:
    return f"cán bộ {officer} tạm dừng: {reason}"


def pause_by_hand(ledger: Ledger, channel: str, officer: str, reason: str, now: dt.datetime) -> None:
    """An officer stops a channel until they resume it; the publisher and the reach reader see the same pause."""
    reason = " ".join(reason.split()) or "không ghi lý do"
    ledger.record_manual_pause(channel, officer, reason, now)
    ledger.set_channel_state(channel, "paused", manual_pause_reason(officer, reason), now)
    log.warning("kênh %s: %s", channel, manual_pause_reason(officer, reason))


def resume_by_hand(ledger: Ledger, channel: str, officer: str, now: dt.datetime) -> None:
    """An officer lets a paused channel post again (a renewed token, a cool-down they know has ended)."""
    ledger.set_channel_state(channel, "active", None, now)
    ledger.clear_manual_pause(channel)
    log.warning("kênh %s: cán bộ %s cho đăng tiếp", channel, officer)
