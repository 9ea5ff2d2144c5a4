"""Which posts are due a reach reading, reading them in batches per channel, and storing the readings.

A post is read at fixed ages after it went out (by default 1 h, 24 h, 72 h and 7 days); a reading is
due when the post has passed an age it has not been read at. `danvan reach` also reads every post that
was never read, whatever its age.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from scheduler.channels import Channel, build_channels
from scheduler.errors import ChannelError
from scheduler.ledger import Ledger, Post, ZaloLedgerStore
from scheduler.posting.alerts import Alerter
from scheduler.posting.pauses import pause_reason
from scheduler.posting.publisher import system_clock
from scheduler.project import Project
from scheduler.project.models import ReachPolicy
from scheduler.texttable import count_text, format_table
from scheduler.timefmt import moment_text

log = logging.getLogger("danvan.reach")


class MetricsLike(Protocol):
    @property
    def values(self) -> dict[str, int | None]: ...
    @property
    def raw(self) -> dict[str, Any]: ...


@runtime_checkable
class ReachReader(Protocol):
    def read_reach(self, remote_ids: Sequence[str]) -> Mapping[str, MetricsLike | ChannelError]: ...


@dataclass(frozen=True)
class ReadResult:
    post: Post
    values: dict[str, int | None] | None = None
    error: str | None = None


def is_due(post: Post, last_read: dt.datetime | None, policy: ReachPolicy, now: dt.datetime) -> bool:
    """Due when some reading age has passed since the post went out and no reading was taken after it."""
    if post.posted_at is None:
        return False
    for age in policy.readings:
        mark = post.posted_at + age
        if mark <= now and (last_read is None or last_read < mark):
            return True
    return False


def due_posts(
    ledger: Ledger, channels: list[str], policy: ReachPolicy, now: dt.datetime, include_unread: bool
) -> list[Post]:
    # A post is no longer due once its last reading age has passed and been read; allow two days of downtime.
    oldest = now - max(policy.readings, default=dt.timedelta(0)) - dt.timedelta(days=2)
    candidates = ledger.posted_since(oldest, channels)
    last = ledger.last_readings([post.id for post in candidates])
    due = [post for post in candidates if is_due(post, last.get(post.id), policy, now)]
    if include_unread:
        known = {post.id for post in due}
        due.extend(post for post in ledger.unread_posts(channels) if post.id not in known)
    return due


def read_due(
    ledger: Ledger,
    readers: Mapping[str, ReachReader],
    policy: ReachPolicy,
    now: dt.datetime,
    *,
    include_unread: bool = False,
    alerter: Alerter | None = None,
) -> list[ReadResult]:
    """Read every due post of every channel that can report reach; store each reading; say what happened."""
    active = [name for name in readers if pause_reason(ledger, name, now) is None]
    posts = due_posts(ledger, active, policy, now, include_unread)
    results: list[ReadResult] = []
    for name in active:
        mine = [post for post in posts if post.channel == name]
        if mine:
            results.extend(_read_channel(ledger, name, readers[name], mine, now, alerter or Alerter()))
    return results


def _read_channel(
    ledger: Ledger, name: str, reader: ReachReader, posts: list[Post], now: dt.datetime, alerter: Alerter
) -> list[ReadResult]:
    try:
        answers = reader.read_reach([post.remote_id or "" for post in posts])
    except ChannelError as exc:
        if exc.kind == "token":
            ledger.set_channel_state(name, "paused", str(exc), now)
            alerter.raise_incident(ledger, name, "token", f"kênh tạm dừng: {exc}", now)
        log.error("kênh %s: không đọc được lượt tiếp cận: %s", name, exc)
        return [ReadResult(post, error=str(exc)) for post in posts]
    results: list[ReadResult] = []
    for post in posts:
        answer = answers.get(post.remote_id or "")
        if isinstance(answer, ChannelError) or answer is None:
            error = str(answer) if answer is not None else "nền tảng không trả lời cho bài này"
            results.append(ReadResult(post, error=error))
            continue
        ledger.add_reading(post.id, now, answer.values, answer.raw)
        results.append(ReadResult(post, values=dict(answer.values)))
    log.info("kênh %s: đã đọc lượt tiếp cận của %d bài", name, sum(r.error is None for r in results))
    return results


def reach_readers(channels: Mapping[str, Channel]) -> dict[str, ReachReader]:
    """The channels that can report reach (the outbox cannot)."""
    return {name: channel for name, channel in channels.items() if isinstance(channel, ReachReader)}


def read_reach_now(project: Project, clock: Callable[[], dt.datetime] = system_clock) -> list[ReadResult]:
    """`danvan reach`: read every post that is due a reading, and every post never read."""
    config = project.config
    channels = build_channels(config.enabled_channels, ZaloLedgerStore(config.database), clock)
    with Ledger.open(config.database) as ledger:
        now = clock().astimezone(config.timezone)
        return read_due(ledger, reach_readers(channels), config.reach, now, include_unread=True)


def reach_table(results: Sequence[ReadResult], tz: ZoneInfo) -> str:
    if not results:
        return "Không có bài nào đến hạn đọc lượt tiếp cận."
    header = ("Giờ đăng", "Kênh", "Khẩu hiệu", "Tiếp cận", "Lượt xem", "Ghi chú")
    rows = []
    for result in results:
        values = result.values or {}
        rows.append(
            (
                f"{moment_text(result.post.slot, tz)}",
                result.post.channel,
                result.post.slogan_id,
                count_text(values.get("reach")),
                count_text(values.get("views")),
                result.error or "",
            )
        )
    return format_table(header, rows)
