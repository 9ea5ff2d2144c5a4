"""Usage throttling: Facebook's usage headers per Page, and spacing calls out before the platform blocks them."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scheduler.channels.http import Sleep
from scheduler.errors import ChannelError

log = logging.getLogger("danvan.facebook")


def as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def usage_of(headers: Mapping[str, str]) -> tuple[int, float]:
    """(highest usage percentage, seconds until access returns) from X-App-Usage and X-Business-Use-Case-Usage."""
    highest, wait = 0, 0.0
    app = _json_header(headers.get("X-App-Usage"))
    if isinstance(app, dict):
        highest = max([highest, *(as_int(v) or 0 for v in app.values())])
    buc = _json_header(headers.get("X-Business-Use-Case-Usage"))
    if isinstance(buc, dict):
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict):
                    continue
                for key in ("call_count", "total_cputime", "total_time"):
                    highest = max(highest, as_int(entry.get(key)) or 0)
                wait = max(wait, 60.0 * (as_int(entry.get("estimated_time_to_regain_access")) or 0))
    return highest, wait


def _json_header(value: str | None) -> Any:
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


@dataclass
class Throttle:
    """Spaces one Page's calls out as its usage climbs, and waits out a block the platform announced."""

    clock: Callable[[], float] = time.monotonic
    sleep: Sleep = time.sleep
    max_wait: float = 900.0
    not_before: float = 0.0
    spacing: float = 0.0
    last_call: float = float("-inf")
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def before_call(self) -> None:
        with self._lock:
            now = self.clock()
            wait = max(self.not_before, self.last_call + self.spacing) - now
            if wait > self.max_wait:
                raise ChannelError(
                    f"Facebook đang giới hạn Trang này thêm khoảng {wait / 60:.0f} phút; lượt đăng sẽ không chờ lâu như vậy",
                    "transient",
                    retry_after=wait,
                )
            if wait > 0:
                log.info("Facebook: giãn nhịp gọi %.0f giây vì mức sử dụng API cao", wait)
                self.sleep(wait)
            self.last_call = self.clock()

    def observe(self, headers: Mapping[str, str]) -> None:
        highest, wait = usage_of(headers)
        with self._lock:
            if wait > 0:
                self.not_before = max(self.not_before, self.clock() + wait)
            # Meta: calls made while throttled extend the block, so slow down well before 100 %.
            self.spacing = 60.0 if highest >= 95 else 10.0 if highest >= 85 else 2.0 if highest >= 75 else 0.0


_throttles: dict[str, Throttle] = {}
_throttles_lock = threading.Lock()


def throttle_for(page_id: str, monotonic: Callable[[], float], sleep: Sleep) -> Throttle:
    """One throttle per Page in the process: usage headers are per Page, whichever channel read them."""
    with _throttles_lock:
        throttle = _throttles.get(page_id)
        if throttle is None or throttle.clock is not monotonic or throttle.sleep is not sleep:
            throttle = _throttles[page_id] = Throttle(clock=monotonic, sleep=sleep)
        return throttle
