"""`danvan report --html`: one self-contained page a leader can open without network and print on A4.

Styles, the chart (inline SVG) and the card thumbnails (data: URIs) are all inside the file.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Callable, Sequence

from scheduler.posting.approvals import ApprovalState
from scheduler.reports.text import STATUS_LABELS, CampaignReport, PostLine, Totals
from scheduler.texttable import count_text
from scheduler.timefmt import day_text, moment_text

Thumbnail = Callable[[PostLine], bytes | None]

CSS = """
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "Be Vietnam Pro", "Segoe UI", Arial, sans-serif; color: #222; margin: 0 auto; max-width: 190mm;
       font-size: 10.5pt; line-height: 1.4; }
header { border-bottom: 3px solid #DA251D; margin-bottom: 10px; padding-bottom: 6px; }
h1 { color: #B71C1C; font-size: 17pt; margin: 0 0 4px; }
h2 { color: #B71C1C; font-size: 12.5pt; margin: 16px 0 6px; border-bottom: 1px solid #e5c8c8; }
.meta { color: #555; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; margin: 8px 0; }
.card { border: 1px solid #e0e0e0; border-radius: 6px; padding: 6px 8px; }
.card b { display: block; font-size: 15pt; color: #B71C1C; }
table { border-collapse: collapse; width: 100%; margin: 4px 0; }
th, td { border-bottom: 1px solid #e6e6e6; padding: 3px 5px; text-align: left; vertical-align: top; }
th { background: #f7eeee; font-weight: 600; }
td.n, th.n { text-align: right; white-space: nowrap; }
td:first-child { white-space: nowrap; }
tr { break-inside: avoid; }
.best { display: grid; grid-template-columns: repeat(2, 1fr); gap: 8px; }
.best figure { margin: 0; display: flex; gap: 8px; border: 1px solid #eee; border-radius: 6px; padding: 6px;
               break-inside: avoid; }
.best img { width: 90px; height: auto; border-radius: 4px; }
.best figcaption { font-size: 9.5pt; }
svg text { font-size: 9px; fill: #555; }
.fail { color: #8a1c1c; }
footer { color: #777; font-size: 8.5pt; margin-top: 16px; border-top: 1px solid #eee; padding-top: 4px; }
@media print { h2 { break-after: avoid; } .no-print { display: none; } }
"""

# Marks the page once every image has decoded, so a test in a real browser can tell they loaded.
LOAD_MARK = """
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var loaded = images.filter(function (img) { return img.complete && img.naturalWidth > 0; }).length;
  document.documentElement.setAttribute("data-images-loaded", loaded + "/" + images.length);
});
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def render_html(
    report: CampaignReport,
    thumbnail: Thumbnail,
    generated_at: dt.datetime,
    approvals: Sequence[ApprovalState] = (),
) -> str:
    period = f"{day_text(report.since)} - {day_text(report.until)}"
    sections = [
        _header(report, period),
        _summary_cards(report.totals),
        "<h2>Tiếp cận theo ngày</h2>",
        _chart(report.reach_per_day()),
        "<h2>Theo kênh</h2>",
        _totals_table("Kênh", report.by_channel.items()),
        "<h2>Khẩu hiệu tiếp cận nhiều nhất</h2>",
        _best(report, thumbnail),
        "<h2>Theo khẩu hiệu</h2>",
        _totals_table("Khẩu hiệu", sorted(report.by_slogan.items(), key=lambda i: (-i[1].reach, i[0]))),
        "<h2>Lượt đăng không thành công</h2>",
        _failures(report),
        "<h2>Tất cả lượt đăng</h2>",
        _all_posts(report),
        *(["<h2>Người duyệt nội dung</h2>", _approvals(approvals, report.tz)] if approvals else []),
        f"<footer>Tạo bởi danvan lúc {moment_text(generated_at, report.tz)}. Số tiếp cận là lần đọc "
        "gần nhất của từng bài (Facebook: số người xem; Zalo: lượt xem).</footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Báo cáo {_e(report.plan_id)} ({_e(period)})</title>\n"
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<style>{CSS}</style>\n'
        f"<script>{LOAD_MARK}</script>\n</head>\n<body>\n" + "\n".join(sections) + "\n</body>\n</html>\n"
    )


def _header(report: CampaignReport, period: str) -> str:
    return (
        f"<header><h1>Báo cáo kết quả đăng khẩu hiệu</h1>"
        f'<div class="meta">Kế hoạch <b>{_e(report.plan_id)}</b> — {_e(report.issued_by)}<br>'
        f'Thời gian: <b id="period">{_e(period)}</b></div></header>'
    )


def _summary_cards(totals: Totals) -> str:
    cards = [
        ("Kế hoạch", totals.planned, "planned"),
        ("Đã đăng", totals.posted, "posted"),
        ("Lỗi / bỏ lỡ / chưa rõ", totals.failed + totals.missed + totals.unknown, "not-posted"),
        ("Tiếp cận", totals.reach, "reach"),
    ]
    inner = "".join(
        f'<div class="card">{_e(label)}<b data-total="{key}">{count_text(value)}</b></div>'
        for label, value, key in cards
    )
    return f'<section class="cards">{inner}</section>'


def _chart(days: list[tuple[dt.date, int]]) -> str:
    if not days:
        return "<p>Không có ngày nào trong khoảng thời gian này.</p>"
    width, height, left, bottom = 700, 190, 44, 22
    top = max(value for _, value in days) or 1
    step = (width - left) / len(days)
    bars, labels = [], []
    for index, (day, value) in enumerate(days):
        x = left + index * step
        bar = (height - bottom - 10) * value / top
        bars.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{height - bottom - bar:.1f}" width="{step * 0.7:.1f}" '
            f'height="{bar:.1f}" fill="#DA251D" data-day="{day.isoformat()}" data-reach="{value}">'
            f"<title>{day_text(day)}: {count_text(value)}</title></rect>"
        )
        if len(days) <= 16 or index % max(1, len(days) // 10) == 0:
            labels.append(f'<text x="{x + step / 2:.1f}" y="{height - 6}" text-anchor="middle">{day:%d/%m}</text>')
    axis = (
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#999"/>'
        f'<text x="{left - 4}" y="16" text-anchor="end">{count_text(top)}</text>'
        f'<text x="{left - 4}" y="{height - bottom}" text-anchor="end">0</text>'
    )
    return (
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="Tiếp cận theo ngày">'
        f"{axis}{''.join(bars)}{''.join(labels)}</svg>"
    )


def _totals_table(title: str, rows: object) -> str:
    head = (
        f"<tr><th>{_e(title)}</th><th class=n>Kế hoạch</th><th class=n>Đã đăng</th><th class=n>Lỗi</th>"
        "<th class=n>Bỏ lỡ</th><th class=n>Chưa rõ</th><th class=n>Tiếp cận</th><th class=n>Lượt xem</th></tr>"
    )
    body = "".join(
        f"<tr><td>{_e(name)}</td><td class=n>{t.planned}</td><td class=n>{t.posted}</td><td class=n>{t.failed}</td>"
        f"<td class=n>{t.missed}</td><td class=n>{t.unknown}</td><td class=n>{count_text(t.reach)}</td>"
        f"<td class=n>{count_text(t.views)}</td></tr>"
        for name, t in rows  # type: ignore[attr-defined]
    )
    return f"<table>{head}{body}</table>"


def _approvals(states: Sequence[ApprovalState], tz: dt.tzinfo) -> str:
    """Who approved each slogan: the approval in force, and every earlier one (the text each covered differs)."""
    head = "<tr><th>Khẩu hiệu</th><th>Tình trạng</th><th>Người duyệt</th></tr>"
    rows = []
    for state in sorted(states, key=lambda s: s.slogan_id):
        status = "đã duyệt" if state.approved else "chờ duyệt lại" if state.text_changed else "chưa duyệt"
        given = [h for h in state.history if h.action == "approve"]
        who = "; ".join(f"{h.by} ({moment_text(h.at, tz)})" for h in given) or "—"
        rows.append(
            f'<tr data-slogan="{_e(state.slogan_id)}"><td>{_e(state.slogan_id)}</td>'
            f"<td>{_e(status)}</td><td>{_e(who)}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _best(report: CampaignReport, thumbnail: Thumbnail) -> str:
    figures = []
    for slogan_id, totals in report.best(8):
        line = _best_line(report, slogan_id)
        image = thumbnail(line) if line is not None else None
        img = (
            f'<img alt="{_e(report.texts.get(slogan_id, slogan_id))}" src="data:image/jpeg;base64,{base64.b64encode(image).decode()}">'
            if image
            else ""
        )
        figures.append(
            f'<figure data-slogan="{_e(slogan_id)}">{img}<figcaption><b>{_e(report.texts.get(slogan_id, slogan_id))}</b><br>'
            f"Tiếp cận {count_text(totals.reach)} · {totals.posted} lượt đăng</figcaption></figure>"
        )
    return f'<section class="best">{"".join(figures)}</section>' if figures else "<p>Chưa có số liệu tiếp cận.</p>"


def _best_line(report: CampaignReport, slogan_id: str) -> PostLine | None:
    posted = [line for line in report.lines if line.post.slogan_id == slogan_id and line.post.status == "posted"]
    return max(posted, key=lambda line: line.reach or 0, default=None)


def _failures(report: CampaignReport) -> str:
    if not report.failures:
        return "<p>Không có.</p>"
    rows = "".join(
        f"<tr class=fail><td>{moment_text(line.post.slot, report.tz)}</td><td>{_e(line.post.channel)}</td>"
        f"<td>{_e(line.post.slogan_id)}</td><td>{_e(STATUS_LABELS[line.post.status])}</td><td>{_e(line.post.error or '')}</td></tr>"
        for line in report.failures
    )
    return f"<table><tr><th>Giờ đăng</th><th>Kênh</th><th>Khẩu hiệu</th><th>Trạng thái</th><th>Lý do</th></tr>{rows}</table>"


def _all_posts(report: CampaignReport) -> str:
    rows = "".join(
        f'<tr data-channel="{_e(line.post.channel)}" data-slot="{line.post.slot.astimezone(report.tz).isoformat()}" '
        f'data-status="{line.post.status}" data-reach="{"" if line.reach is None else line.reach}">'
        f"<td>{moment_text(line.post.slot, report.tz)}</td><td>{_e(line.post.channel)}</td>"
        f"<td>{_e(line.text)}</td><td>{_e(STATUS_LABELS[line.post.status])}</td>"
        f"<td class=n>{count_text(line.reach)}</td><td class=n>{count_text(line.views)}</td></tr>"
        for line in report.lines
    )
    return (
        "<table><tr><th>Giờ đăng</th><th>Kênh</th><th>Khẩu hiệu</th><th>Trạng thái</th><th class=n>Tiếp cận</th>"
        f"<th class=n>Lượt xem</th></tr>{rows}</table>"
    )


def jpeg_thumbnail(data: bytes, width: int = 240) -> bytes:
    """A small JPEG of a card for the page (Pillow is imported only when a page is made)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        rgb.thumbnail((width, width * 2))
        buffer = io.BytesIO()
        rgb.save(buffer, "JPEG", quality=78)
    return buffer.getvalue()
