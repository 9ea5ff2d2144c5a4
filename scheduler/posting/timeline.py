"""Where a project stands in time: each channel's next slot, the backlog left by downtime, the coming slots.

The daemon asks for the next slot and the backlog; `danvan plan` asks for the upcoming slots. All of them
are the planner's slots with the rotation history read from the ledger.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from scheduler.ledger import Ledger
from scheduler.posting.approvals import choose_slot, postable
from scheduler.posting.counting import count_slots
from scheduler.posting.planner import Slot, plan
from scheduler.posting.publisher import Publisher
from scheduler.project import Project
from scheduler.project.models import Config, Schedule
from scheduler.texttable import format_table
from scheduler.timefmt import day_text, moment_text

log = logging.getLogger("danvan.timeline")

ONE_SECOND = dt.timedelta(seconds=1)
# How far ahead to look for a channel's next slot: enough for a monthly cron expression.
HORIZON = dt.timedelta(days=40)
SEARCH_SPANS = (dt.timedelta(hours=1), dt.timedelta(days=2), HORIZON)
# Slots older than this are not looked at after downtime (they were reported when the daemon stopped).
LOOKBACK = dt.timedelta(days=40)


def history_of(ledger: Ledger, channels: list[str]) -> dict[str, list[str]]:
    return {name: ledger.history(name) for name in channels}


def next_slot(project: Project, ledger: Ledger, channel: str, after: dt.datetime) -> Slot | None:
    """The channel's first slot at or after `after`, jumping ahead to the plan period when posting waits for it."""
    config, slogans = project.config, project.slogans
    start = after
    if config.posting.plan_period_only:
        period_start = dt.datetime.combine(slogans.plan.start, dt.time(), config.timezone)
        start = max(start, period_start)
    history = history_of(ledger, [channel])
    # Widening windows: a short interval schedule must not make us plan forty days of slots.
    for span in SEARCH_SPANS:
        slots = plan(config, slogans, start, start + span, history, [channel])
        if slots:  # its time; its slogan among those postable now (approvals), when there is one
            at = slots[0].at
            allowed = plan(config, postable(project, ledger).slogans, at, at + ONE_SECOND, history, [channel])
            return allowed[0] if allowed else slots[0]
    return None


def slot_at(project: Project, ledger: Ledger, channel: str, at: dt.datetime) -> Slot | None:
    """The slot the planner gives `channel` at exactly `at`, with the slogan chosen from today's history."""
    slots = plan(project.config, project.slogans, at, at + ONE_SECOND, history_of(ledger, [channel]), [channel])
    return slots[0] if slots else None


@dataclass(frozen=True)
class Backlog:
    """Slots that passed while the daemon was not running: some to post late, the rest to record as missed."""

    late: list[Slot] = field(default_factory=list)
    missed: list[tuple[Slot, str]] = field(default_factory=list)


def find_backlog(project: Project, ledger: Ledger, now: dt.datetime) -> Backlog:
    """Per channel, the slots between its last recorded slot and now.

    Within the catch-up window only the most recent one is posted (several late posts in a row would
    flood the Page); every other slot is recorded as missed with the reason, never dropped silently.
    A channel with no row at all has never run, so it has no backlog.
    """
    catch_up = project.config.posting.catch_up
    backlog = Backlog()
    for channel in project.config.enabled_channels:
        last = ledger.last_slot(channel.name)
        if last is None:
            continue
        start = max(last + ONE_SECOND, now - LOOKBACK)
        slots = plan(project.config, project.slogans, start, now, history_of(ledger, [channel.name]), [channel.name])
        recent = [s for s in slots if now - s.utc <= catch_up]
        for slot in slots:
            if recent and slot is recent[-1]:
                backlog.late.append(slot)
            elif slot in recent:
                backlog.missed.append((slot, "trễ do máy chủ không chạy; chỉ đăng bù lượt gần nhất"))
            else:
                backlog.missed.append(
                    (slot, f"máy chủ không chạy lúc đó; quá {duration_text(catch_up)} nên không đăng bù")
                )
    return backlog


def describe_schedule(schedule: Schedule) -> str:
    if schedule.times:
        return "hằng ngày lúc " + ", ".join(f"{t:%H:%M}" for t in schedule.times)
    if schedule.cron:
        return f'theo cron "{schedule.cron}"'
    assert schedule.interval is not None
    return f"cứ mỗi {duration_text(schedule.interval)}"


def duration_text(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("ngày", 86400), ("giờ", 3600), ("phút", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} giây"


@dataclass(frozen=True)
class Upcoming:
    slots: list[Slot]  # the first ones, at most the limit asked for
    note: str | None
    more: int = 0  # slots of the span after those listed: counted, not listed

    def records(self) -> list[dict[str, Any]]:
        return [
            {"slot": s.at.isoformat(), "channel": s.channel, "slogan_id": s.slogan_id, "text": s.text}
            for s in self.slots
        ]

    def table(self) -> str:
        if not self.slots:
            return "Không có lượt đăng nào trong khoảng thời gian này."
        rows = [(f"{moment_text(s.at)}", s.channel, s.slogan_id, s.text) for s in self.slots]
        return format_table(("Giờ đăng", "Kênh", "Khẩu hiệu", "Nội dung"), rows)

    @property
    def more_text(self) -> str | None:
        if not self.more:
            return None
        return f"… và {self.more:,} lượt đăng nữa trong khoảng thời gian này; xem thêm bằng --limit N".replace(",", ".")


def upcoming_slots(project: Project, now: dt.datetime, span: dt.timedelta, limit: int) -> Upcoming:
    """The first `limit` slots of [now, now + span) and how many more there are (a 1-second interval is 86,400 a day)."""
    config = project.config
    history: dict[str, list[str]] = {}
    allowed = postable(project, None)
    if config.database.exists():  # planning must not create the database as a side effect
        with Ledger.open(config.database) as ledger:
            history = history_of(ledger, [c.name for c in config.enabled_channels])
            allowed = postable(project, ledger)
    slogans = allowed.slogans  # under approval: required, only approved slogans are planned
    start = now.astimezone(config.timezone)
    end = start + span
    # Widening windows from the start: plan() of a shorter range is a prefix of the whole range's plan.
    window = dt.timedelta(hours=1)
    while True:
        slots = plan(config, slogans, start, min(start + window, end), history)
        if len(slots) > limit or start + window >= end:
            break
        window *= 8
    total = sum(c.total for c in count_slots(config, slogans, start, end, history).values())
    return Upcoming(slots[:limit], _period_note(project, start, end), max(0, total - limit))


def _period_note(project: Project, start: dt.datetime, end: dt.datetime) -> str | None:
    posting, info = project.config.posting, project.slogans.plan
    if not posting.plan_period_only:
        return None
    if end.date() < info.start or start.date() > info.end:
        return (
            f"Chỉ đăng trong thời gian kế hoạch {info.id} ({day_text(info.start)} - {day_text(info.end)}); "
            "đặt posting.plan_period_only: false trong tệp cấu hình để đăng ngoài thời gian này."
        )
    return None


def when_text(moment: dt.datetime, config: Config) -> str:
    return f"{moment_text(moment, config.timezone, seconds=True)}"


def settle_backlog(project: Project, ledger: Ledger, publisher: Publisher, now: dt.datetime) -> None:
    """After downtime: record the slots that will not be posted as missed, then post the late ones."""
    config = project.config
    backlog = find_backlog(project, ledger, now)
    for slot, reason in backlog.missed:
        log.warning("kênh %s, lượt %s: bỏ lỡ (%s)", slot.channel, when_text(slot.at, config), reason)
        ledger.mark_missed(slot.channel, slot.at, slot.slogan_id, reason, publisher.clock())
    for late in backlog.late:
        fresh = choose_slot(project, ledger, late.channel, late.at, publisher.alerter, publisher.clock())
        if fresh is not None:
            log.info("kênh %s: đăng bù lượt %s", late.channel, when_text(late.at, config))
            publisher.publish(fresh)


def record_overdue(project: Project, ledger: Ledger, channel: str, since: dt.datetime, now: dt.datetime) -> dt.datetime:
    """Record as missed each slot of `channel` from `since` to the catch-up window that has no row.

    Returns where the channel's timers should resume: after the last slot recorded, or `since`.
    """
    grace = project.config.posting.catch_up
    resume = since
    history = history_of(ledger, [channel])
    for slot in plan(project.config, project.slogans, since, now - grace, history, [channel]):
        if ledger.get(channel, slot.at) is None:
            ledger.mark_missed(channel, slot.at, slot.slogan_id, "quá giờ đăng (máy chủ bận hoặc ngủ)", now)
        resume = slot.at + ONE_SECOND
    return resume


def announce_start(project: Project, ledger: Ledger, now: dt.datetime) -> list[Slot]:
    """Say in the log what the service will do: its files, each channel's schedule, the next slots."""
    config, plan_info = project.config, project.slogans.plan
    log.info(
        "danvan %s: cấu hình %s, cơ sở dữ liệu %s, múi giờ %s",
        "bắt đầu",
        config.path,
        config.database,
        config.timezone.key,
    )
    for channel in config.enabled_channels:
        log.info("kênh %s (%s): %s", channel.name, channel.type, describe_schedule(channel.schedule))
    if not config.enabled_channels:
        log.warning("không có kênh nào đang bật; không có gì để đăng")
    upcoming = [s for c in config.enabled_channels if (s := next_slot(project, ledger, c.name, now))]
    upcoming.sort(key=lambda s: s.utc)
    if config.posting.plan_period_only and not plan_info.contains(now.date()):
        _announce_period(project, now)
    for slot in upcoming[:10]:
        log.info("sắp đăng: %s  %s  %s  %s", when_text(slot.at, config), slot.channel, slot.slogan_id, slot.text)
    return upcoming


def _announce_period(project: Project, now: dt.datetime) -> None:
    plan_info = project.slogans.plan
    period = f"{day_text(plan_info.start)} - {day_text(plan_info.end)}"
    if now.date() < plan_info.start:
        log.warning("chưa đến thời gian kế hoạch (%s): chờ đến %s mới đăng", period, f"{day_text(plan_info.start)}")
    else:
        log.warning(
            "kế hoạch %s đã kết thúc (%s): không còn lượt đăng nào; đặt posting.plan_period_only: false "
            "trong tệp cấu hình nếu muốn tiếp tục đăng. Chương trình vẫn chạy và chờ.",
            plan_info.id,
            period,
        )
