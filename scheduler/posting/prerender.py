"""Drawing the next slots' cards before they are due, so a slot itself only posts.

At start a card that cannot be drawn stops the service (the design is broken, better said now than at
post time); while serving, it is logged and the slot will fail with the reason when it comes.
"""

from __future__ import annotations

import datetime as dt
import logging

from scheduler.cards import CardStore
from scheduler.errors import CardError, DanvanError
from scheduler.posting.planner import Slot
from scheduler.posting.timeline import when_text
from scheduler.project.models import ChannelConfig, Config

log = logging.getLogger("danvan.prerender")

PRERENDER_AHEAD = dt.timedelta(hours=24)


def draw_first_cards(store: CardStore, config: Config, upcoming: list[Slot], now: dt.datetime) -> None:
    """The cards of the next day's slots (and always the very next one); a card that cannot be drawn is an error."""
    horizon = now + PRERENDER_AHEAD
    for slot in upcoming:
        channel = config.channel(slot.channel)
        if channel is None or (slot.utc > horizon and slot is not upcoming[0]):
            continue
        try:
            store.get(slot.text, channel.card)
        except CardError as exc:
            raise DanvanError(
                f"không vẽ được thẻ khẩu hiệu '{slot.slogan_id}' cho kênh '{slot.channel}': {exc}"
            ) from exc


def draw_ahead(store: CardStore, config: Config, channel: ChannelConfig, slot: Slot, now: dt.datetime) -> None:
    """Draw the next slot's card now (a no-op when it is on disk); a failure is logged, not raised."""
    if slot.utc - now > PRERENDER_AHEAD:
        return
    try:
        store.get(slot.text, channel.card)
    except CardError as exc:
        log.error("kênh %s: không vẽ được thẻ cho lượt %s: %s", channel.name, when_text(slot.at, config), exc)
