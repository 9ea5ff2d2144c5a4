"""One slot end to end: claim it in the ledger, draw (or find) the card, publish, record the outcome.

Shared by the daemon and `danvan post`, so a post made by hand leaves the same trace as a scheduled one.
The claim happens before anything leaves the machine; whatever happens after it, the row ends in a
final state or in `unknown` with what an officer should check, never posted twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from scheduler.cards import CardStore, card_directory
from scheduler.channels import CardFile, Channel, Outgoing, Published, build_channels, require_channel
from scheduler.errors import CardError, ChannelError, DanvanError
from scheduler.ledger import Ledger, Post, ZaloLedgerStore
from scheduler.posting.alerts import Alerter
from scheduler.posting.approvals import approve_command, postable, refuse_unapproved
from scheduler.posting.captions import make_caption
from scheduler.posting.pauses import pause_reason, paused_until
from scheduler.posting.planner import Slot, next_slogan
from scheduler.project import Project
from scheduler.project.models import ChannelConfig, Config
from scheduler.project.slogans import Slogan, SloganFile

log = logging.getLogger("danvan.publisher")

T = TypeVar("T")

Clock = Callable[[], dt.datetime]

# Unknown rows younger than this are looked for again on the platform; older ones are the officer's alone.
RECHECK_WINDOW = dt.timedelta(days=2)
PLACES = {"facebook": "Trang Facebook", "zalo": "OA Zalo"}  # where an officer looks for a post


@dataclass(frozen=True)
class Look:
    """What a look on the platform said: the post, or nothing; `failure` when the look itself failed."""

    found: Published | None
    failure: ChannelError | None = None


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Publisher:
    config: Config
    slogans: SloganFile
    ledger: Ledger
    channels: Mapping[str, Channel]
    cards: CardStore
    clock: Clock
    alerter: Alerter = field(default_factory=Alerter)
    sleep: Callable[[float], None] = time.sleep
    retry_delays: tuple[float, ...] = (30.0, 120.0)  # a full disk or a platform outage often clears in minutes
    patience: float = 3600.0  # how long to keep retrying a ledger write before giving up

    def publish(self, slot: Slot) -> Post:
        """Post one slot once; returns its ledger row (the existing one when the slot was already taken)."""
        channel_config = self._channel_config(slot.channel)
        slogan = self.slogan(slot.slogan_id)
        caption = make_caption(channel_config, slogan, self.slogans.plan)
        try:
            card = self.cards.get(slogan.text, channel_config.card)
        except CardError as exc:
            return self._fail_unrendered(slot, caption, exc)
        claimed = self._durably(
            lambda: self.ledger.claim(slot.channel, slot.at, slogan.id, card.hash, caption, self.clock())
        )
        if claimed is None:
            existing = self.ledger.get(slot.channel, slot.at)
            assert existing is not None  # claim() refuses only rows that exist
            log.info(
                "kênh %s, lượt %s: đã được xử lý trước đó (%s), bỏ qua", slot.channel, _hm(slot.at), existing.status
            )
            return existing
        paused = self.pause_reason(slot.channel)
        if paused is not None:
            log.warning("kênh %s, lượt %s: không đăng vì kênh đang tạm dừng", slot.channel, _hm(slot.at))
            return self._durably(
                lambda: self.ledger.mark_failed(claimed.id, f"kênh đang tạm dừng: {paused}", self.clock())
            )
        outgoing = Outgoing(
            slot.channel,
            slot.at,
            slogan.id,
            slogan.text,
            caption,
            card,
            self.slogans.plan.issued_by,
            claimed.id,
            self._known_ids(slot.channel, slot.at),
        )
        return self._send(claimed, outgoing)

    def pause_reason(self, channel: str) -> str | None:
        """Why the channel is paused now (a token to renew, a policy cool-down), or None when it is active."""
        return pause_reason(self.ledger, channel, self.clock())

    def pause(self, channel: str, exc: ChannelError) -> None:
        """A token or policy error stops this channel (and only it) until a person acts or a cool-down ends."""
        until = paused_until(exc, self.clock())
        self._durably(
            lambda: self.ledger.set_channel_state(channel, "paused", str(exc), self.clock(), paused_until=until)
        )
        self.alerter.raise_incident(self.ledger, channel, exc.kind, f"kênh tạm dừng: {exc}", self.clock())

    def resolve_in_flight(self) -> list[Post]:
        """Rows left in `sending` by a crash: ask the channel whether the post exists; never re-post blindly."""
        resolved: list[Post] = []
        for row in self.ledger.in_flight():
            resolved.append(self._resolve(row))
        return resolved

    def _send(self, claimed: Post, outgoing: Outgoing) -> Post:
        try:
            published = self._publish_patiently(outgoing)
        except ChannelError as exc:
            error = exc
            return self._durably(lambda: self._record_failure(claimed, outgoing, error))
        self._durably(lambda: self.alerter.clear(self.ledger, outgoing.channel, self.clock()))
        log.info(
            "kênh %s, lượt %s: đã đăng khẩu hiệu '%s' (%s)",
            outgoing.channel,
            _hm(outgoing.slot),
            outgoing.slogan_id,
            published.remote_id,
        )
        # The post is out: recording it must outlast a locked or full database, or a restart would see `sending`.
        # Everything the channel reports (its note, a broadcast deferred to the morning) is recorded here.
        return self._durably(
            lambda: self.ledger.mark_posted(
                claimed.id,
                published.remote_id,
                self.clock(),
                note=published.note,
                broadcast_after=published.broadcast_after,
            )
        )

    def _publish_patiently(self, outgoing: Outgoing) -> Published:
        """Publish, trying again after a transient failure (the channel already retried its own calls)."""
        channel = self.channels[outgoing.channel]
        for delay in (*self.retry_delays, None):
            try:
                return channel.publish(outgoing)
            except ChannelError as exc:
                if exc.kind != "transient" or delay is None:
                    raise
                wait = max(delay, exc.retry_after or 0.0)
                log.warning(
                    "kênh %s, lượt %s: %s; thử lại sau %.0f giây", outgoing.channel, _hm(outgoing.slot), exc, wait
                )
                self.sleep(wait)
        raise AssertionError("unreachable")

    def _durably(self, write: Callable[[], T]) -> T:
        """Run a ledger write, waiting out a locked or full database instead of dying (and losing the record)."""
        waited, delay = 0.0, 1.0
        while True:
            try:
                return write()
            except (sqlite3.OperationalError, OSError) as exc:
                if waited >= self.patience:
                    raise
                log.error("không ghi được vào cơ sở dữ liệu (%s); thử lại sau %.0f giây", exc, delay)
                self.sleep(delay)
                waited += delay
                delay = min(delay * 2, 60.0)

    def _record_failure(self, claimed: Post, outgoing: Outgoing, exc: ChannelError) -> Post:
        if exc.kind == "unknown":
            look = self._look(outgoing)
            if look.found is not None:
                return self.ledger.mark_posted(claimed.id, look.found.remote_id, self.clock())
            message = f"{exc}; không rõ bài đã lên hay chưa: {self._what_to_check(outgoing, look)}"
            log.warning("kênh %s, lượt %s: %s", outgoing.channel, _hm(outgoing.slot), message)
            return self.ledger.mark_unknown(claimed.id, message, self.clock())
        log.error("kênh %s, lượt %s: đăng không thành công: %s", outgoing.channel, _hm(outgoing.slot), exc)
        if exc.kind in ("token", "policy"):
            self.pause(outgoing.channel, exc)
        row = self.ledger.mark_failed(claimed.id, str(exc), self.clock())
        self.alerter.note_failure(self.ledger, outgoing.channel, str(exc), self.clock())
        return row

    def _known_ids(self, channel: str, slot: dt.datetime) -> frozenset[str]:
        """Posts already credited to this channel's other slots: a look on the platform must not take them."""
        return self.ledger.remote_ids_near(channel, slot, dt.timedelta(days=1))

    def _look(self, outgoing: Outgoing) -> Look:
        """Whether the platform already has this slot's post; a look that fails answers neither yes nor no."""
        try:
            return Look(found=self.channels[outgoing.channel].find_published(outgoing))
        except ChannelError as exc:
            log.warning("kênh %s: không kiểm tra được bài đã đăng: %s", outgoing.channel, exc)
            return Look(found=None, failure=exc)

    def _what_to_check(self, outgoing: Outgoing, look: Look) -> str:
        """What the officer must check for an `unknown` row, in their words."""
        where = PLACES.get(self._channel_config(outgoing.channel).type, "kênh")
        what = f"hãy kiểm tra trên {where} của kênh '{outgoing.channel}' bài lúc {_hm(outgoing.slot)}"
        if look.failure is not None:
            return f"{what}; danvan sẽ tự kiểm tra lại và không đăng lại lượt này"
        return f"không thấy bài khi kiểm tra; {what} và đăng tay nếu cần"

    def recheck_unknown(self) -> list[Post]:
        """Look again for the posts of recent `unknown` rows; a post found is recorded, nothing is ever re-posted.

        Run at start-up and on the daemon's later ticks: a look that failed while publishing (the platform
        was down) usually answers minutes later. Rows older than RECHECK_WINDOW are left to the officer.
        """
        resolved: list[Post] = []
        since = self.clock() - RECHECK_WINDOW
        for row in self.ledger.list_posts(since=since, status="unknown"):
            outgoing = self._outgoing_of(row)
            look = self._look(outgoing) if outgoing is not None else Look(None)
            if look.found is not None:
                log.info("kênh %s, lượt %s: đã thấy bài trên kênh; ghi nhận là đã đăng", row.channel, _hm(row.slot))
                resolved.append(self._durably(partial(self._credit, row, look)))
        return resolved

    def _credit(self, row: Post, look: Look) -> Post:
        assert look.found is not None
        return self.ledger.mark_posted(row.id, look.found.remote_id, self.clock())

    def _outgoing_of(self, row: Post) -> Outgoing | None:
        """The slot's Outgoing rebuilt from its ledger row (for a look), or None if the files no longer know it."""
        slogan = self.slogans.get(row.slogan_id)
        channel_config = self.config.channel(row.channel)
        if slogan is None or channel_config is None or row.channel not in self.channels:
            return None
        card = CardFile(b"", row.card_hash or "", "png" if channel_config.card.format == "png" else "jpg")
        return Outgoing(
            row.channel,
            row.slot,
            row.slogan_id,
            slogan.text,
            row.caption or "",
            card,
            self.slogans.plan.issued_by,
            row.id,
            self._known_ids(row.channel, row.slot),
        )

    def _resolve(self, row: Post) -> Post:
        outgoing = self._outgoing_of(row)
        if outgoing is None:
            what = f"kênh '{row.channel}' bài lúc {_hm(row.slot)} (khẩu hiệu '{row.slogan_id}')"
            return self.ledger.mark_unknown(
                row.id, f"chương trình dừng giữa lúc đăng; hãy kiểm tra {what}", self.clock()
            )
        look = self._look(outgoing)
        if look.found is not None:
            log.info(
                "kênh %s, lượt %s: bài đã lên trước khi chương trình dừng; ghi nhận là đã đăng",
                row.channel,
                _hm(row.slot),
            )
            return self.ledger.mark_posted(row.id, look.found.remote_id, self.clock())
        if look.failure is not None:
            message = f"chương trình dừng giữa lúc đăng; {self._what_to_check(outgoing, look)}"
        else:
            message = (
                f"chương trình dừng giữa lúc đăng và không tìm thấy bài trên kênh; hãy kiểm tra kênh '{row.channel}' "
                f"bài lúc {_hm(row.slot)} (khẩu hiệu '{row.slogan_id}') và đăng tay nếu cần"
            )
        log.warning("kênh %s, lượt %s: %s", row.channel, _hm(row.slot), message)
        return self.ledger.mark_unknown(row.id, message, self.clock())

    def _fail_unrendered(self, slot: Slot, caption: str, exc: CardError) -> Post:
        claimed = self.ledger.claim(slot.channel, slot.at, slot.slogan_id, "", caption, self.clock())
        existing = claimed or self.ledger.get(slot.channel, slot.at)
        assert existing is not None
        if claimed is None:
            return existing
        log.error("kênh %s, lượt %s: không vẽ được thẻ: %s", slot.channel, _hm(slot.at), exc)
        return self.ledger.mark_failed(claimed.id, f"không vẽ được thẻ: {exc}", self.clock())

    def _channel_config(self, name: str) -> ChannelConfig:
        return require_channel(self.config, name)

    def slogan(self, slogan_id: str) -> Slogan:
        slogan = self.slogans.get(slogan_id)
        if slogan is None:
            raise DanvanError(f"không có khẩu hiệu mã '{slogan_id}' trong {self.slogans.path}")
        return slogan


def _hm(moment: dt.datetime) -> str:
    return f"{moment:%d/%m/%Y %H:%M}"


def post_now(publisher: Publisher, channel: str, slogan_id: str | None) -> Post:
    """`danvan post`: one slot at the current second, the slogan given or the next in the channel's rotation."""
    config, slogans = publisher.config, publisher.slogans
    require_channel(config, channel)
    now = publisher.clock().astimezone(config.timezone).replace(microsecond=0)
    while publisher.ledger.get(channel, now) is not None:  # two posts by hand within one second
        now += dt.timedelta(seconds=1)
    if slogan_id is None:
        slogan = next_slogan(channel, slogans.slogans, now.date(), publisher.ledger.history(channel), slot_of_day=0)
    else:
        slogan = publisher.slogan(slogan_id)
    return publisher.publish(Slot(now, channel, slogan.id, slogan.text))


def post_once(project: Project, channel_name: str, slogan_id: str | None, clock: Clock = system_clock) -> Post:
    """`danvan post`: the daemon's path for one slot now, the ledger included."""
    config = project.config
    channel = require_channel(config, channel_name)
    with Ledger.open(config.database) as ledger:
        if slogan_id is not None:
            refuse_unapproved(project, ledger, slogan_id)
        slogans = postable(project, ledger).slogans  # the rotation's choice: approved slogans only, when required
        if not slogans.enabled:
            raise DanvanError(
                f"chưa có khẩu hiệu nào được duyệt để đăng; duyệt bằng lệnh: {approve_command(config, 'ID')} (hoặc --all)"
            )
        publisher = Publisher(
            config=config,
            slogans=slogans,
            ledger=ledger,
            channels=build_channels([channel], ZaloLedgerStore(config.database), clock),
            cards=CardStore(card_directory(config.database)),
            clock=lambda: clock().astimezone(config.timezone),
        )
        return post_now(publisher, channel.name, slogan_id)
