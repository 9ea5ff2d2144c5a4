"""`danvan plan`: the slots of the coming days, with the slogans the rotation will choose."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from scheduler.ledger import Ledger
from scheduler.posting.planner import Slot, plan
from scheduler.project import Project
from scheduler.reports.text import format_table


@dataclass(frozen=True)
class Upcoming:
    slots: list[Slot]
    note: str | None

    def records(self) -> list[dict[str, Any]]:
        return [
            {"slot": s.at.isoformat(), "channel": s.channel, "slogan_id": s.slogan_id, "text": s.text}
            for s in self.slots
        ]

    def table(self) -> str:
        if not self.slots:
            return "Không có lượt đăng nào trong khoảng thời gian này."
        rows = [(f"{s.at:%d/%m/%Y %H:%M}", s.channel, s.slogan_id, s.text) for s in self.slots]
        return format_table(("Giờ đăng", "Kênh", "Khẩu hiệu", "Nội dung"), rows)


def upcoming_slots(project: Project, now: dt.datetime, span: dt.timedelta) -> Upcoming:
    config, slogans = project.config, project.slogans
    history: dict[str, list[str]] = {}
    if config.database.exists():  # planning must not create the database as a side effect
        with Ledger.open(config.database) as ledger:
            history = {c.name: ledger.history(c.name) for c in config.enabled_channels}
    start = now.astimezone(config.timezone)
    slots = plan(config, slogans, start, start + span, history)
    return Upcoming(slots, _period_note(project, start, start + span))


def _period_note(project: Project, start: dt.datetime, end: dt.datetime) -> str | None:
    posting, info = project.config.posting, project.slogans.plan
    if not posting.plan_period_only:
        return None
    if end.date() < info.start or start.date() > info.end:
        return (
            f"Chỉ đăng trong thời gian kế hoạch {info.id} ({info.start:%d/%m/%Y} - {info.end:%d/%m/%Y}); "
            "đặt posting.plan_period_only: false trong tệp cấu hình để đăng ngoài thời gian này."
        )
    return None
