"""`/plan` (the coming days as an agenda), `/log` (what went out, filtered and paged) and `/report` (with CSV)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, render_template, request, url_for

from scheduler.ledger import STATUSES
from scheduler.ledger.queries import LogLine
from scheduler.posting.held_back import held_back_text
from scheduler.posting.timeline import upcoming_slots
from scheduler.reports.text import STATUS_LABELS
from scheduler.texttable import count_text
from scheduler.timefmt import day_text, moment_text
from scheduler.web import source
from scheduler.web.app import report_csp
from scheduler.web.approvals import awaiting_ids
from scheduler.web.overview import slot_views

PLAN_ROWS = 300
LOG_ROWS = 50
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
CHECK = {
    "failed": "Nền tảng từ chối bài. Đọc lỗi, sửa nguyên nhân (token, quyền của Trang, nội dung); lượt này không tự đăng lại.",
    "unknown": "Không biết nền tảng đã nhận bài chưa. Mở trang của kênh xem bài đã lên chưa trước khi đăng lại.",
    "missed": "Đã qua giờ mà chưa đăng (máy chủ hoặc dịch vụ không chạy lúc đó).",
    "sending": "Đang gửi; nếu trạng thái này kéo dài, dịch vụ có thể đã dừng giữa chừng.",
}


@dataclass(frozen=True)
class LogRow:
    line: LogLine
    when: str
    status: str
    reach: str
    link: str | None
    check: str | None


def register(app: Flask) -> None:
    app.add_url_rule("/plan", "plan", plan)
    app.add_url_rule("/log", "log", posting_log)
    app.add_url_rule("/report", "report", report)
    app.add_url_rule("/report.csv", "report_csv", report_csv)


def plan() -> str:
    project, now = source.project(), source.now()
    days = _int_arg("days", 7, 1, 31)
    upcoming = upcoming_slots(project, now, dt.timedelta(days=days), PLAN_ROWS)
    by_day = [
        (f"{WEEKDAYS[day.weekday()]}, {day_text(day)}", list(slots))
        for day, slots in itertools.groupby(slot_views(upcoming.slots), key=lambda v: v.slot.at.date())
    ]
    return render_template(
        "plan.html",
        days=days,
        by_day=by_day,
        note=upcoming.note,
        more=upcoming.more,
        held_back=[held_back_text(h) for h in project.slogans.held_back],
        lazy_cards=True,
        unapproved=set(),  # the plan leaves out what waits for approval; `awaiting` lists those slogans
        awaiting=[s for s in source.project().slogans.slogans if s.id in awaiting_ids()],
    )


def posting_log() -> str:
    project = source.project()
    tz = project.config.timezone
    channel = request.args.get("channel") or None
    status = request.args.get("status") or None
    status = status if status in STATUSES else None
    since, until = _day_arg("since"), _day_arg("until")
    page = _int_arg("page", 1, 1, 1_000_000)
    lines, total = source.ledger().log_page(
        channel,
        status,
        dt.datetime.combine(since, dt.time(), tz) if since else None,
        dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tz) if until else None,
        (page - 1) * LOG_ROWS,
        LOG_ROWS,
    )
    pages = max(1, -(-total // LOG_ROWS))
    filters = {"channel": channel or "", "status": status or "", "since": _iso(since), "until": _iso(until)}
    return render_template(
        "log.html",
        rows=[_log_row(line) for line in lines],
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        channels=[c.name for c in project.config.channels],
        statuses=[(s, STATUS_LABELS[s]) for s in STATUSES],
        page_url=lambda number: url_for("log", **_given(filters), page=number),
    )


def _given(filters: dict[str, str]) -> dict[str, Any]:
    return {key: value for key, value in filters.items() if value}


def _log_row(line: LogLine) -> LogRow:
    tz = source.project().config.timezone
    return LogRow(
        line,
        moment_text(dt.datetime.fromisoformat(line.slot), tz),
        STATUS_LABELS.get(line.status, line.status),
        count_text(line.reach),
        _post_link(line),
        CHECK.get(line.status),
    )


def _post_link(line: LogLine) -> str | None:
    """Where the post is on the platform: Facebook resolves a post or photo id; Zalo gives no public URL."""
    channel = source.project().config.channel(line.channel)
    if line.remote_id and channel is not None and channel.type == "facebook":
        return f"https://www.facebook.com/{line.remote_id}"
    return None


def report() -> Response:
    from scheduler.reports.campaign import card_thumbnails
    from scheduler.reports.html import render_html

    result, first, last = _report()
    page = render_html(result, card_thumbnails(source.project()), source.now())
    controls = render_template("report_controls.html", since=first.isoformat(), until=last.isoformat())
    # The page is `danvan report --html` itself; the console adds its menu and period form above it
    # (hidden when printed: the report's CSS hides .no-print).
    page = page.replace("<body>\n", "<body>\n" + controls, 1)
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = report_csp()
    return response


def report_csv() -> Response:
    from scheduler.reports.text import report_csv as csv_text

    result, first, last = _report()
    response = Response(csv_text(result), mimetype="text/csv")
    filename = f"bao-cao-{first.isoformat()}-{last.isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _report() -> tuple[Any, dt.date, dt.date]:
    from scheduler.reports.campaign import build_report

    project = source.project()
    # By default the plan's period, as `danvan report`; once it is over or not begun, the last 30 days.
    today, plan_info = source.now().date(), project.slogans.plan
    inside = plan_info.start <= today <= plan_info.end
    first = _day_arg("since") or (plan_info.start if inside else today - dt.timedelta(days=29))
    last = _day_arg("until") or (plan_info.end if inside else today)
    if last < first:
        first, last = last, first
    result = build_report(project, source.ledger(), first, last, source.clock_now())
    return result, first, last


def _day_arg(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    try:
        return min(high, max(low, int(request.args.get(name, default))))
    except ValueError:
        return default
