"""`/`: is the daemon running, each channel's state (and pausing or resuming it), open incidents, the next posts.

Also `/cards/<hash>`: a card image by its content hash, from the card store (drawn on first request).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask import Flask, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from scheduler.cards import card_hash
from scheduler.health import ChannelHealth, check_health
from scheduler.ledger import ManualPause
from scheduler.posting.approvals import awaiting_approval
from scheduler.posting.held_back import KIND_PREFIX, held_back_text, is_slogan_incident
from scheduler.posting.pauses import pause_by_hand, resume_by_hand
from scheduler.posting.planner import Slot
from scheduler.posting.timeline import upcoming_slots
from scheduler.web import source
from scheduler.web.auth import current_account

HASH = re.compile(r"[0-9a-f]{64}")
NEXT_POSTS = 6
CARD_MAX_AGE = 365 * 24 * 3600  # a card's name is its content's hash: it never changes


@dataclass(frozen=True)
class ChannelView:
    health: ChannelHealth
    manual: ManualPause | None
    advice: str | None  # what an officer should do about a pause


@dataclass(frozen=True)
class SlotView:
    slot: Slot
    card: str | None  # the card's hash, for /cards/<hash>


def register(app: Flask) -> None:
    app.add_url_rule("/", "overview", overview)
    app.add_url_rule("/cards/<card>", "card", card)
    app.add_url_rule("/channels/<name>/pause", "pause", pause, methods=["POST"])
    app.add_url_rule("/channels/<name>/resume", "resume", resume, methods=["POST"])
    app.jinja_env.globals["when"] = source.when_text


def overview() -> str:
    project, now = source.project(), source.now()
    ledger = source.ledger()
    awaiting = [f"Khẩu hiệu chờ duyệt (chưa đăng): {s.id}: {s.text}" for s in awaiting_approval(project, ledger)]
    health = check_health(project.config, now, project.slogans.held_back, awaiting)
    channels = [_channel_view(c, ledger.manual_pause(c.name)) for c in health.channels]
    upcoming = upcoming_slots(project, now, dt.timedelta(days=7), NEXT_POSTS)
    raised = {incident.kind for incident in health.incidents}
    return render_template(
        "overview.html",
        health=health,
        channels=channels,
        incidents=[(i, is_slogan_incident(i)) for i in health.incidents],
        held_back=[held_back_text(h) for h in health.held_back if KIND_PREFIX + h.id not in raised],
        awaiting=health.awaiting_approval,
        upcoming=slot_views(upcoming.slots),
        note=upcoming.note,
    )


def slot_views(slots: list[Slot]) -> list[SlotView]:
    config = source.project().config
    views = []
    for slot in slots:
        channel = config.channel(slot.channel)
        views.append(SlotView(slot, card_hash(slot.text, channel.card) if channel else None))
    return views


def _channel_view(health: ChannelHealth, manual: ManualPause | None) -> ChannelView:
    if not health.paused:
        return ChannelView(health, None, None)
    if manual is not None:
        advice = (
            f"Do cán bộ {manual.paused_by} tạm dừng lúc {source.when_text(manual.paused_at)}. "
            "Bấm “Cho đăng tiếp” khi sẵn sàng."
        )
    elif health.paused_until is not None:
        advice = "Nền tảng yêu cầu tạm ngừng; kênh tự đăng lại khi hết thời gian này."
    else:
        advice = (
            "Kiểm tra mã truy cập (token) của kênh: cấp lại nếu cần, rồi khởi động lại dịch vụ danvan "
            "hoặc bấm “Cho đăng tiếp”."
        )
    return ChannelView(health, manual, advice)


def card(card: str) -> Response:
    if not HASH.fullmatch(card):  # checked before the name goes anywhere near a path
        abort(404)
    loaded = source.source().current()
    store = source.card_store()
    data = store.find(card)
    if data is None and card in loaded.cards:
        text, style = loaded.cards[card]
        data = store.get(text, style).data
    if data is None:
        abort(404)
    mimetype = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    response = Response(data, mimetype=mimetype)
    response.headers["Cache-Control"] = f"private, max-age={CARD_MAX_AGE}, immutable"
    response.headers["ETag"] = f'"{card}"'
    return response


def pause(name: str) -> Response:
    channel = _known_channel(name)
    reason = request.form.get("reason", "")[:300]
    pause_by_hand(source.ledger(), channel, current_account().name, reason, source.now())
    flash(f"Đã tạm dừng kênh {channel}.")
    return redirect(url_for("overview"), code=303)


def resume(name: str) -> Response:
    channel = _known_channel(name)
    resume_by_hand(source.ledger(), channel, current_account().name, source.now())
    flash(f"Kênh {channel} đăng tiếp từ lượt kế tiếp.")
    return redirect(url_for("overview"), code=303)


def _known_channel(name: str) -> str:
    channel = source.project().config.channel(name)
    if channel is None:
        abort(404)
    return channel.name
