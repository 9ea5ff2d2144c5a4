"""`danvan status`: is the daemon alive, what comes next, which channels are paused and why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from scheduler.ledger import ChannelState, Heartbeat, Incident, Ledger
from scheduler.lock import daemon_holder
from scheduler.posting.held_back import KIND_PREFIX, held_back_text, is_slogan_incident
from scheduler.project.models import Config
from scheduler.project.slogans import HeldBack
from scheduler.textsafety import escape_controls
from scheduler.timefmt import moment_text

HEARTBEAT_EVERY = dt.timedelta(seconds=30)
STALE_AFTER = 4 * HEARTBEAT_EVERY  # a daemon that has not beaten for this long is stuck


@dataclass(frozen=True)
class ChannelHealth:
    name: str
    type: str
    enabled: bool
    paused: bool
    reason: str | None
    paused_until: dt.datetime | None


@dataclass(frozen=True)
class Health:
    running: bool
    stuck: bool
    pid: int | None
    heartbeat: Heartbeat | None
    channels: list[ChannelHealth] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    held_back: list[HeldBack] = field(default_factory=list)  # by the files as they are now (holdback.py)
    awaiting_approval: list[str] = field(default_factory=list)  # one line per slogan (posting/approvals.py)

    @property
    def healthy(self) -> bool:
        return self.running and not self.stuck and not any(c.paused for c in self.channels)


def check_health(
    config: Config, now: dt.datetime, held_back: Sequence[HeldBack] = (), awaiting: Sequence[str] = ()
) -> Health:
    holder = daemon_holder(config.database)
    heartbeat, states, incidents = None, {}, []
    if config.database.exists():  # a status look must not create the database
        with Ledger.open(config.database) as ledger:
            heartbeat = ledger.heartbeat()
            states = {c.name: ledger.channel_state(c.name) for c in config.channels}
            incidents = ledger.open_incidents()
    running = holder is not None
    stuck = running and (heartbeat is None or now - heartbeat.heartbeat_at > STALE_AFTER)
    channels = [_channel_health(c.name, c.type, c.enabled, states.get(c.name), now) for c in config.channels]
    pid = holder[0] if holder else None
    return Health(running, stuck, pid, heartbeat, channels, incidents, list(held_back), list(awaiting))


def _channel_health(name: str, kind: str, enabled: bool, state: ChannelState | None, now: dt.datetime) -> ChannelHealth:
    paused = enabled and state is not None and state.paused_at(now)
    return ChannelHealth(
        name,
        kind,
        enabled,
        paused,
        state.reason if paused and state else None,
        state.paused_until if paused and state else None,
    )


def describe(health: Health, config: Config, now: dt.datetime) -> str:
    """The status as an officer reads it, in Vietnamese."""
    tz = config.timezone
    lines = [_daemon_line(health, tz, now)]
    if health.heartbeat is not None and health.heartbeat.next_slot is not None and health.running:
        lines.append(f"Lượt đăng tiếp theo: {moment_text(health.heartbeat.next_slot, tz)}")
    lines.append("Kênh:")
    for channel in health.channels:
        lines.append(f"  {channel.name} ({channel.type}): {_channel_text(channel, tz)}")
    raised = {incident.kind for incident in health.incidents}
    not_raised = [held for held in health.held_back if KIND_PREFIX + held.id not in raised]
    if health.incidents or not_raised:
        lines.append("Sự cố cần xử lý:")
        for incident in health.incidents:
            who = "" if is_slogan_incident(incident) else f"{incident.channel}: "
            lines.append(f"  [{moment_text(incident.opened_at, tz)}] {who}{incident.message}")
        # Held back by the files as they are now, not yet seen by the daemon (not running, or not reloaded yet).
        lines.extend(f"  khẩu hiệu bị giữ lại (không đăng): {held_back_text(held)}" for held in not_raised)
    lines.extend(health.awaiting_approval)
    # Incident messages carry platform text: shown, never obeyed by the terminal.
    return "\n".join(escape_controls(line) for line in lines)


def _daemon_line(health: Health, tz: dt.tzinfo, now: dt.datetime) -> str:
    if not health.running:
        last = f" (nhịp cuối lúc {moment_text(health.heartbeat.heartbeat_at, tz)})" if health.heartbeat else ""
        return f"Chương trình danvan: KHÔNG CHẠY{last}. Khởi động: systemctl start danvan (hoặc make run)"
    beat = health.heartbeat
    if health.stuck:
        when = f"{moment_text(beat.heartbeat_at, tz, seconds=True)}" if beat else "chưa có"
        return f"Chương trình danvan: ĐANG TREO (PID {health.pid}; nhịp cuối: {when}). Hãy khởi động lại dịch vụ"
    since = f", chạy từ {moment_text(beat.started_at, tz)}" if beat else ""
    ago = f", nhịp cuối {int((now - beat.heartbeat_at).total_seconds())} giây trước" if beat else ""
    return f"Chương trình danvan: đang chạy (PID {health.pid}{since}{ago})"


def _channel_text(channel: ChannelHealth, tz: dt.tzinfo) -> str:
    if not channel.enabled:
        return "đang tắt (enabled: false)"
    if not channel.paused:
        return "hoạt động"
    until = f" đến {moment_text(channel.paused_until, tz)}" if channel.paused_until else ""
    return f"TẠM DỪNG{until}: {channel.reason}"
