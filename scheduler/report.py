"""What officers read: the posting log as a table, JSON or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.ledger import Post

STATUS_LABELS = {
    "planned": "đã lên lịch",
    "sending": "đang đăng",
    "posted": "đã đăng",
    "failed": "lỗi",
    "missed": "bỏ lỡ",
    "unknown": "chưa rõ",
}
LOG_FIELDS = ("channel", "slogan_id", "slot", "status", "remote_id", "posted_at", "reach", "error")


def log_record(post: Post, tz: ZoneInfo) -> dict[str, Any]:
    """One post as the documented `danvan log --json` element."""
    return {
        "channel": post.channel,
        "slogan_id": post.slogan_id,
        "slot": post.slot.astimezone(tz).isoformat(),
        "status": post.status,
        "remote_id": post.remote_id,
        "posted_at": post.posted_at.astimezone(tz).isoformat() if post.posted_at else None,
        "reach": post.reach,
        "error": post.error,
    }


def log_json(posts: Sequence[Post], tz: ZoneInfo) -> str:
    return json.dumps([log_record(p, tz) for p in posts], ensure_ascii=False, indent=2)


def log_csv(posts: Sequence[Post], tz: ZoneInfo) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=LOG_FIELDS, lineterminator="\n")
    writer.writeheader()
    for post in posts:
        writer.writerow({k: "" if v is None else v for k, v in log_record(post, tz).items()})
    return buffer.getvalue()


def log_table(posts: Sequence[Post], tz: ZoneInfo) -> str:
    if not posts:
        return "Chưa có lượt đăng nào khớp điều kiện."
    header = ("Giờ đăng", "Kênh", "Khẩu hiệu", "Trạng thái", "Tiếp cận", "Ghi chú")
    rows = [_table_row(p, tz) for p in posts]
    return format_table(header, rows)


def _table_row(post: Post, tz: ZoneInfo) -> tuple[str, ...]:
    note = post.error or (post.remote_id or "")
    return (
        f"{post.slot.astimezone(tz):%d/%m/%Y %H:%M}",
        post.channel,
        post.slogan_id,
        STATUS_LABELS.get(post.status, post.status),
        count_text(post.reach),
        note,
    )


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns; the last column is free text and is not padded."""
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


def _width(text: str) -> int:
    # Combining marks take no column; our texts are NFC, but be safe with anything pasted in.
    return sum(0 if unicodedata.combining(ch) else 1 for ch in text)


def parse_day(text: str, tz: ZoneInfo) -> dt.datetime:
    """'2021-10-15' (local midnight) or a full ISO timestamp; raises ValueError."""
    if len(text) == 10:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tz)
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def count_text(value: int | None) -> str:
    return "" if value is None else f"{value:,}".replace(",", ".")
