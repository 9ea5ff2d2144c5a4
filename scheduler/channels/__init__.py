"""The Channel interface every platform implements, and the registry that builds one from config.

A channel publishes one rendered card with its caption and says where it went; it never touches the
ledger. Errors are ChannelError with a kind (transient / permanent / token / policy / unknown) so the
publisher can decide, in one place, what a failure means for the slot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from scheduler.cards.cardfile import CardFile as CardFile  # re-exported: channels hand it around
from scheduler.errors import DanvanError
from scheduler.project.models import ChannelConfig, Config, FacebookSettings, OutboxSettings, ZaloSettings

if TYPE_CHECKING:  # the zalo package imports this module; at run time the annotation stays a string
    from scheduler.channels.zalo.store import ZaloStore


@dataclass(frozen=True)
class Outgoing:
    """What a channel is asked to publish for one slot."""

    channel: str
    slot: dt.datetime
    slogan_id: str
    text: str
    caption: str
    card: CardFile
    issued_by: str = ""  # the plan's issuing body, e.g. as a Zalo article's author
    post_id: int | None = None  # the ledger row, for work that continues later (a deferred broadcast)
    exclude: frozenset[str] = frozenset()  # platform ids the ledger already holds for this channel's other slots


@dataclass(frozen=True)
class Published:
    remote_id: str | None
    url: str | None = None
    note: str | None = None  # something the officer should know although the post went out
    # The followers' broadcast of the post waits until then (Zalo refuses broadcasts at night). A channel
    # never writes the ledger: the publisher queues it when it records the post.
    broadcast_after: dt.datetime | None = None


class Channel(Protocol):
    name: str

    def publish(self, post: Outgoing) -> Published:
        """Publish the post; raise ChannelError on failure."""
        ...

    def find_published(self, post: Outgoing) -> Published | None:
        """Look on the platform for this slot's post (after a crash or an unknown outcome); None if absent.

        Platform ids in `post.exclude` are already recorded for other slots and can never be this one.
        """
        ...


@dataclass(frozen=True)
class ChannelContext:
    """What some channels need beyond their config: Zalo's store for its tokens and deferred broadcasts.

    A store, not a database path: a channel never opens the ledger (the ledger room implements the store).
    """

    zalo_store: ZaloStore
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)


ChannelFactory = Callable[[ChannelConfig, ChannelContext | None], Channel]


def _outbox(config: ChannelConfig, context: ChannelContext | None) -> Channel:
    from scheduler.channels.outbox import OutboxChannel

    assert isinstance(config.settings, OutboxSettings)
    return OutboxChannel(config.name, config.settings.directory)


def _facebook(config: ChannelConfig, context: ChannelContext | None) -> Channel:
    from scheduler.channels.facebook import FacebookChannel

    assert isinstance(config.settings, FacebookSettings)
    return FacebookChannel(config.name, config.settings)


def _zalo(config: ChannelConfig, context: ChannelContext | None) -> Channel:
    from scheduler.channels.zalo import ZaloChannel

    assert isinstance(config.settings, ZaloSettings)
    if context is None:
        raise ValueError("the Zalo channel needs its store (ChannelContext) for its tokens")
    return ZaloChannel(config.name, config.settings, context.zalo_store, clock=context.clock)


REGISTRY: dict[str, ChannelFactory] = {"outbox": _outbox, "facebook": _facebook, "zalo": _zalo}


def build_channel(config: ChannelConfig, context: ChannelContext | None = None) -> Channel:
    factory = REGISTRY.get(config.type)
    if factory is None:
        from scheduler.errors import ChannelError

        raise ChannelError(
            f"kênh '{config.name}': loại '{config.type}' chưa được hỗ trợ trong phiên bản này", "permanent"
        )
    return factory(config, context)


def build_channels(
    configs: Iterable[ChannelConfig], zalo_store: ZaloStore, clock: Callable[[], dt.datetime] | None = None
) -> dict[str, Channel]:
    """The channels to talk to, by name: what the daemon, `danvan post`, `danvan reach` and `check --online` use."""
    context = ChannelContext(zalo_store) if clock is None else ChannelContext(zalo_store, clock)
    return {config.name: build_channel(config, context) for config in configs}


class UnknownChannelError(DanvanError):
    """A channel name given by a person (or a caller) that the config file does not define."""


def unknown_channels(config: Config, names: Sequence[str]) -> UnknownChannelError:
    listed = ", ".join(f"'{name}'" for name in names)
    known = ", ".join(c.name for c in config.channels)
    return UnknownChannelError(f"không có kênh {listed} trong tệp cấu hình {config.path} (các kênh: {known})")


def require_channel(config: Config, name: str) -> ChannelConfig:
    """The channel called `name`; a mistyped name is an error, never "nothing to do"."""
    channel = config.channel(name)
    if channel is None:
        raise unknown_channels(config, [name])
    return channel
