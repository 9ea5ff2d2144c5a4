"""What officers read as text: table formatting, and the campaign report as text and CSV."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.ledger import LatestReading, Post, Status
from scheduler.reports.csvfile import csv_text
from scheduler.texttable import count_text, format_table
from scheduler.timefmt import day_text, moment_text

STATUS_LABELS = {
    "planned": "đã lên lịch",
    "sending": "đang đăng",
    "posted": "đã đăng",
    "failed": "lỗi",
    "missed": "bỏ lỡ",
    "unknown": "chưa rõ",
}
FAILURE_STATUSES: tuple[Status, ...] = ("failed", "unknown", "missed")  # listed by the report


def parse_day(text: str, tz: ZoneInfo) -> dt.datetime:
    """'2021-10-15' (local midnight) or a full ISO timestamp; raises ValueError."""
    if len(text) == 10:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tz)
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


# --- the campaign report --------------------------------------------------------------------------


@dataclass(frozen=True)
class PostLine:
    post: Post
    text: str  # the slogan's text (or its id when the slogan left the file)
    reading: LatestReading | None

    @property
    def reach(self) -> int | None:
        if self.reading is not None and self.reading.reach is not None:
            return self.reading.reach
        return self.post.reach

    @property
    def views(self) -> int | None:
        return self.reading.views if self.reading else None


@dataclass
class Totals:
    planned: int = 0
    posted: int = 0
    failed: int = 0
    missed: int = 0
    unknown: int = 0
    reach: int = 0
    views: int = 0

    def add(self, line: PostLine) -> None:
        self.add_posts(line.post.status, 1, line.reach or 0, line.views or 0)

    def add_posts(self, status: str, posts: int, reach: int, views: int) -> None:
        """`posts` posts of one status, with their reach and views summed."""
        self.planned += posts
        if status == "posted":
            self.posted += posts
        elif status == "failed":
            self.failed += posts
        elif status == "missed":
            self.missed += posts
        elif status in ("unknown", "sending"):
            self.unknown += posts
        self.reach += reach
        self.views += views


@dataclass
class CampaignReport:
    plan_id: str
    issued_by: str
    since: dt.date
    until: dt.date  # inclusive
    tz: dt.tzinfo
    lines: list[PostLine]  # every post of the period, or only the unsuccessful ones (see build_report)
    upcoming: dict[tuple[str, str], int] = field(default_factory=dict)  # (channel, slogan) -> slots still to come
    totals: Totals = field(default_factory=Totals)
    by_channel: dict[str, Totals] = field(default_factory=dict)
    by_slogan: dict[str, Totals] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    @property
    def failures(self) -> list[PostLine]:
        return [line for line in self.lines if line.post.status in FAILURE_STATUSES]

    def best(self, count: int = 10) -> list[tuple[str, Totals]]:
        """The slogans that reached the most people, with at least one post."""
        ranked = [(slogan, totals) for slogan, totals in self.by_slogan.items() if totals.posted]
        return sorted(ranked, key=lambda item: (-item[1].reach, item[0]))[:count]

    def reach_per_day(self) -> list[tuple[dt.date, int]]:
        """Reach of the posts made on each day of the period (days without posts count 0)."""
        per_day: dict[dt.date, int] = defaultdict(int)
        for line in self.lines:
            if line.post.status == "posted":
                per_day[line.post.slot.astimezone(self.tz).date()] += line.reach or 0
        days = (self.until - self.since).days + 1
        return [
            (self.since + dt.timedelta(days=n), per_day.get(self.since + dt.timedelta(days=n), 0)) for n in range(days)
        ]


REPORT_COLUMNS = (
    # (English key documented in the README, Vietnamese column title)
    ("slot", "Giờ đăng"),
    ("channel", "Kênh"),
    ("slogan_id", "Mã khẩu hiệu"),
    ("text", "Nội dung"),
    ("status", "Trạng thái"),
    ("remote_id", "Mã bài trên kênh"),
    ("posted_at", "Đăng lúc"),
    ("reach", "Tiếp cận"),
    ("views", "Lượt xem"),
    ("reactions", "Cảm xúc"),
    ("shares", "Chia sẻ"),
    ("read_at", "Đọc số liệu lúc"),
    ("error", "Ghi chú"),
)


def report_rows(report: CampaignReport) -> list[dict[str, Any]]:
    """One row per post with its latest reading, keyed by the documented English keys."""
    rows = []
    for line in report.lines:
        post, reading = line.post, line.reading
        rows.append(
            {
                "slot": post.slot.astimezone(report.tz).isoformat(),
                "channel": post.channel,
                "slogan_id": post.slogan_id,
                "text": line.text,
                "status": post.status,
                "remote_id": post.remote_id,
                "posted_at": post.posted_at.astimezone(report.tz).isoformat() if post.posted_at else None,
                "reach": line.reach,
                "views": reading.views if reading else None,
                "reactions": reading.reactions if reading else None,
                "shares": reading.shares if reading else None,
                "read_at": reading.taken_at.astimezone(report.tz).isoformat() if reading else None,
                "error": post.error,
            }
        )
    return rows


def report_csv(report: CampaignReport) -> str:
    """CSV with Vietnamese column titles, BOM first so Excel reads the accents."""
    rows = ([row[key] for key, _ in REPORT_COLUMNS] for row in report_rows(report))
    return csv_text([title for _, title in REPORT_COLUMNS], rows)


def _totals_row(name: str, totals: Totals) -> tuple[str, ...]:
    return (
        name,
        str(totals.planned),
        str(totals.posted),
        str(totals.failed),
        str(totals.missed),
        str(totals.unknown),
        count_text(totals.reach),
        count_text(totals.views),
    )


TOTALS_HEADER = ("", "Kế hoạch", "Đã đăng", "Lỗi", "Bỏ lỡ", "Chưa rõ", "Tiếp cận", "Lượt xem")


def report_text(report: CampaignReport) -> str:
    period = f"{day_text(report.since)} - {day_text(report.until)}"
    parts = [
        f"BÁO CÁO KẾT QUẢ ĐĂNG KHẨU HIỆU — Kế hoạch {report.plan_id} ({report.issued_by})",
        f"Thời gian: {period}",
        "",
        format_table(("Tổng", *TOTALS_HEADER[1:], ""), [(*_totals_row("Tất cả", report.totals), "")]),
        "",
        "Theo kênh:",
        format_table((*TOTALS_HEADER, ""), [(*_totals_row(n, t), "") for n, t in report.by_channel.items()]),
        "",
        "Theo khẩu hiệu (tiếp cận cao nhất trước):",
        format_table(
            (*TOTALS_HEADER, ""),
            [(*_totals_row(n, t), "") for n, t in sorted(report.by_slogan.items(), key=lambda i: (-i[1].reach, i[0]))],
        ),
    ]
    if report.failures:
        parts += ["", "Lượt đăng không thành công:"]
        parts += [
            f"  {moment_text(line.post.slot, report.tz)}  {line.post.channel}  "
            f"{STATUS_LABELS[line.post.status]}: {line.post.error or ''}"
            for line in report.failures
        ]
    return "\n".join(parts)
