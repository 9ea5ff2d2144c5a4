"""The one place platform HTTP calls are made: timeouts, bounded retries with backoff and jitter, and
the line between "safe to try again" and "the platform may already have done it".

Each platform gives a classifier that turns a response into None (success) or a ChannelError with its
kind. This module adds what is common: connection failures and timeouts, the proxy's HTML error page,
and the rule that a non-idempotent call (a publish) whose outcome is unknown is never retried here;
the channel must look on the platform first.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from scheduler.errors import ChannelError
from scheduler.redaction import redact

log = logging.getLogger("danvan.http")

Classifier = Callable[[requests.Response], ChannelError | None]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    base_delay: float = 2.0
    max_delay: float = 60.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0


@dataclass
class HttpClient:
    platform: str  # "Facebook", "Zalo": used in messages
    classify: Classifier
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Sleep = time.sleep
    jitter: Callable[[], float] = random.random
    secrets: Sequence[str] = ()
    session: requests.Session = field(default_factory=requests.Session)
    on_response: Callable[[requests.Response], None] | None = None

    def call(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        json_body: Any = None,
    ) -> requests.Response:
        """Make the call, retrying what is safe to retry; raise ChannelError for everything else.

        A failure after which the platform may have acted (a read timeout, a 5xx, a reset connection)
        is retried only when `idempotent`; otherwise it is raised at once as kind "unknown".
        """
        last: ChannelError | None = None
        error: ChannelError | None
        for attempt in range(1, self.policy.attempts + 1):
            try:
                response = self.session.request(
                    method,
                    url,
                    headers=dict(headers or {}),
                    params=params,
                    data=data,
                    files=files,
                    json=json_body,
                    timeout=(self.policy.connect_timeout, self.policy.read_timeout),
                )
            except requests.RequestException as exc:
                error = self._transport_error(exc)
            else:
                if self.on_response is not None:
                    self.on_response(response)
                error = self._response_error(response)
                if error is None:
                    return response
            assert error is not None
            error = self._scrub(error)
            if error.ambiguous and not idempotent:
                raise ChannelError(
                    str(error), "unknown", retry_after=error.retry_after, ambiguous=True, code=error.code
                )
            if error.kind != "transient" or attempt == self.policy.attempts:
                raise error
            last = error
            delay = self._delay(attempt, error.retry_after)
            log.warning("%s: %s; thử lại lần %d sau %.0f giây", self.platform, error, attempt + 1, delay)
            self.sleep(delay)
        assert last is not None
        raise last

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        backoff = min(self.policy.max_delay, self.policy.base_delay * 2.0 ** (attempt - 1))
        return float(backoff * (0.5 + self.jitter() / 2))  # "equal jitter": never zero, never in lock-step

    def _transport_error(self, exc: requests.RequestException) -> ChannelError:
        if isinstance(exc, requests.ConnectTimeout):
            # Nothing was sent: safe to try again for any call.
            return ChannelError(f"không kết nối được tới {self.platform} (quá thời gian chờ kết nối)", "transient")
        if isinstance(exc, requests.ReadTimeout):
            return ChannelError(
                f"{self.platform} không trả lời kịp (quá {self.policy.read_timeout:.0f} giây)",
                "transient",
                ambiguous=True,
            )
        if isinstance(exc, requests.ConnectionError) and _refused(exc):
            return ChannelError(f"không kết nối được tới {self.platform} (kết nối bị từ chối)", "transient")
        return ChannelError(f"lỗi kết nối tới {self.platform}: {type(exc).__name__}", "transient", ambiguous=True)

    def _response_error(self, response: requests.Response) -> ChannelError | None:
        if _is_html(response) and response.status_code >= 400:
            # A proxy or load balancer answered instead of the platform: the call may have gone through.
            return ChannelError(
                f"{self.platform} (hoặc máy chủ trung gian) trả về trang lỗi HTTP {response.status_code}",
                "transient",
                ambiguous=True,
            )
        return self.classify(response)

    def _scrub(self, error: ChannelError) -> ChannelError:
        text = redact(str(error), self.secrets)
        if text == str(error):
            return error
        return ChannelError(text, error.kind, retry_after=error.retry_after, ambiguous=error.ambiguous, code=error.code)


def _is_html(response: requests.Response) -> bool:
    return "html" in response.headers.get("Content-Type", "").lower()


def _refused(exc: requests.ConnectionError) -> bool:
    text = str(exc)
    return "Connection refused" in text or "NewConnectionError" in text or "Name or service not known" in text


def json_body(response: requests.Response) -> Any:
    """The parsed JSON of a response; None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None
