"""A channel's `schedule:`: fixed times, a crontab expression or an interval, exactly one of them.

Durations (`90m`, `1h30m`) are written the same way wherever the config takes one, so they are parsed here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import yaml

from scheduler.project.cron import crontab_weekdays
from scheduler.project.models import Schedule
from scheduler.project.yamlmarks import STR_TAG, Fields, Report, scalar_text, value_column

TIME_RE = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
INTERVAL_RE = re.compile(r"(?:\d+[smhd])+")
INTERVAL_PART_RE = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
CRON_FIELDS = ("minute", "hour", "day", "month", "day_of_week")
CRON_FIELD_NAMES = ("phút", "giờ", "ngày", "tháng", "thứ")


def parse_duration(text: str) -> dt.timedelta | None:
    """'90m', '2h', '1d', '1h30m' -> timedelta; None when malformed or zero."""
    compact = text.strip().replace(" ", "")
    if not INTERVAL_RE.fullmatch(compact):
        return None
    seconds = sum(int(n) * _UNITS[unit] for n, unit in INTERVAL_PART_RE.findall(compact))
    return dt.timedelta(seconds=seconds) if seconds > 0 else None


def cron_problem(expression: str) -> tuple[int, str] | None:
    """(offset of the bad field in the text, Vietnamese message), or None when the expression is valid."""
    from apscheduler.triggers.cron import CronTrigger

    parts = [(m.start(), m.group()) for m in re.finditer(r"\S+", expression)]
    if len(parts) != 5:
        return 0, (
            f"biểu thức cron cần đúng 5 trường (phút giờ ngày tháng thứ), ở đây có {len(parts)}; "
            'ví dụ "30 19 * * *" là 19:30 hằng ngày'
        )
    for (offset, value), field_name, label in zip(parts, CRON_FIELDS, CRON_FIELD_NAMES, strict=True):
        try:
            converted = crontab_weekdays(value) if field_name == "day_of_week" and value != "*" else value
            CronTrigger(**{field_name: converted}, timezone="UTC")
        except ValueError:
            return offset, f"trường '{label}' của biểu thức cron không hợp lệ: '{value}'"
    return None


@dataclass
class ScheduleReader:
    """One channel's `schedule:`, reporting its problems under `where` (the channel)."""

    report: Report
    where: str

    def read(self, node: yaml.Node | None) -> Schedule | None:
        if node is None:
            return None
        fields = Fields(node, self.report, f"{self.where}: schedule", ["times", "cron", "interval"])
        if fields.node is None:
            return None
        present = [k for k in ("times", "cron", "interval") if k in fields]
        if len(present) != 1:
            what = "chưa có" if not present else f"có cả {' và '.join(present)}"
            self.report.error(
                node,
                f"lịch đăng (schedule) cần đúng một trong: times, cron, interval ({what})",
                "schedule-exclusive",
            )
            return None
        kind = present[0]
        if kind == "times":
            times = self._times(fields)
            return Schedule(times=times) if times else None
        if kind == "cron":
            cron = self._cron(fields)
            return Schedule(cron=cron) if cron else None
        interval = self._interval(fields)
        return Schedule(interval=interval) if interval else None

    def _times(self, fields: Fields) -> tuple[dt.time, ...] | None:
        node = fields.value_node("times")
        items = (
            node.value if isinstance(node, yaml.SequenceNode) else [node] if isinstance(node, yaml.ScalarNode) else []
        )
        if not items and node is not None:
            self.report.error(
                node, '\'times\' phải là danh sách giờ dạng "HH:MM", ví dụ ["08:00", "19:30"]', "invalid-time"
            )
            return None
        times: list[dt.time] = []
        for item in items:
            match = TIME_RE.fullmatch(scalar_text(item).strip()) if isinstance(item, yaml.ScalarNode) else None
            if match is None:
                self.report.error(
                    item, 'giờ đăng phải có dạng "HH:MM" từ 00:00 đến 23:59, ví dụ "08:00"', "invalid-time"
                )
                return None
            times.append(dt.time(int(match.group(1)), int(match.group(2))))
        return tuple(sorted(set(times)))

    def _cron(self, fields: Fields) -> str | None:
        node = fields.value_node("cron")
        if not isinstance(node, yaml.ScalarNode) or node.tag != STR_TAG:
            if node is not None:
                self.report.error(
                    node, "'cron' phải là chuỗi 5 trường trong ngoặc kép, ví dụ \"30 19 * * *\"", "invalid-cron"
                )
            return None
        expression = scalar_text(node)
        problem = cron_problem(expression)
        if problem is not None:
            offset, message = problem
            self.report.at(node.start_mark.line + 1, value_column(node) + offset, "error", message, "invalid-cron")
            return None
        return " ".join(expression.split())

    def _interval(self, fields: Fields) -> dt.timedelta | None:
        node = fields.value_node("interval")
        parsed = parse_duration(scalar_text(node)) if isinstance(node, yaml.ScalarNode) else None
        if parsed is None and node is not None:
            self.report.error(
                node,
                "'interval' phải là khoảng thời gian dương như 90m, 2h, 1d hoặc 30s (đơn vị s, m, h, d)",
                "invalid-interval",
            )
        return parsed
