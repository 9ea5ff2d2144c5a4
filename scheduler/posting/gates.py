"""How many posts go out at once: a platform's own limit and one per Page, so a burst stays within both."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from scheduler.project.models import ChannelConfig, PostingPolicy


@dataclass
class PostingGates:
    """One semaphore per platform type and one per Page, created on first use with the limits then in force."""

    _gates: dict[str, threading.BoundedSemaphore] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def hold(self, channel: ChannelConfig, posting: PostingPolicy) -> Iterator[None]:
        """Hold one of the platform's slots and one of the Page's while the channel posts."""
        with self._lock:
            platform = self._gates.setdefault(channel.type, threading.BoundedSemaphore(posting.limit(channel.type)))
            page = self._gates.setdefault(channel.page_key, threading.BoundedSemaphore(posting.per_page))
        with platform, page:
            yield
