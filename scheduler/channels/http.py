"""The one place platform HTTP calls are made: timeouts, bounded retries with backoff and jitter, and
the line between "safe to try again" and "the platform may already have done it".

Each platform gives a classifier that turns a response into None (success) or a ChannelError with its
kind. This module adds what is common: connection failures and timeouts, the proxy's HTML error page,
and the rule that a non-idempotent call (a publish) whose outcome is unknown is never retried here;
the channel must look on the platform first.

It is also the border for everything a platform sends back: redirects are never followed (requests would
re-send the token, the proof and the secret_key to the Location), an answer is read within a byte limit and
a total deadline, and every secret of the channel is blanked out of the body and headers before any of our
code (classifier, channel, ledger) reads them, so a platform echoing a token cannot get it stored.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
import urllib3

from scheduler.channels.transport import Deadline, deadline, deadline_session
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
    read_timeout: float = 60.0  # per socket read: how long a silent server is waited for
    # The whole call (connect, send, headers, body): a server dripping a byte at a time cannot hold it longer.
    # Two minutes is twice the read timeout, room for a card upload on a slow line and Graph's own processing.
    deadline: float = 120.0
    # The largest answer read: the biggest honest ones (a Graph batch of 50 insights answers, a getslice page,
    # debug_token) are tens to a few hundred kB; 4 MB is ten times that, and still small in memory.
    max_body_bytes: int = 4 * 1024 * 1024


@dataclass
class HttpClient:
    platform: str  # "Facebook", "Zalo": used in messages
    classify: Classifier
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Sleep = time.sleep
    jitter: Callable[[], float] = random.random
    secrets: Sequence[str] = ()
    session: requests.Session = field(default_factory=deadline_session)
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
            request = {
                "headers": dict(headers or {}),
                "params": params,
                "data": data,
                "files": files,
                "json": json_body,
            }
            fetched = self._fetch(method, url, request)
            if isinstance(fetched, ChannelError):
                error = fetched
            else:
                response = fetched
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

    def _fetch(self, method: str, url: str, request: Mapping[str, Any]) -> requests.Response | ChannelError:
        """One request and its whole answer, within the deadline and the byte limit; never follows a redirect."""
        connect = min(self.policy.connect_timeout, self.policy.deadline)
        with deadline(self.policy.deadline) as armed:
            try:
                response = self.session.request(
                    method,
                    url,
                    **request,
                    timeout=(connect, self.policy.read_timeout),
                    allow_redirects=False,
                    stream=True,
                )
            except requests.RequestException as exc:
                return self._deadline_error() if armed.expired.is_set() else self._transport_error(exc)
            try:
                body = self._read_body(response, armed)
            finally:
                response.close()
        if isinstance(body, ChannelError):
            return body
        self._scrub_response(response, body)
        return response

    def _read_body(self, response: requests.Response, armed: Deadline) -> bytes | ChannelError:
        limit = self.policy.max_body_bytes
        if (_int(response.headers.get("Content-Length")) or 0) > limit:
            return self._too_large()
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(chunk_size=64 * 1024):
                size += len(chunk)
                if size > limit:
                    return self._too_large()
                chunks.append(chunk)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            if armed.expired.is_set():
                return self._deadline_error()
            return self._transport_error(exc)
        if armed.expired.is_set():
            return self._deadline_error()
        return b"".join(chunks)

    def _scrub_response(self, response: requests.Response, body: bytes) -> None:
        """Blank every secret (as sent, JSON-escaped or URL-encoded) out of the body and headers, in place."""
        variants = sorted(_secret_variants(self.secrets), key=len, reverse=True)
        for variant in variants:
            body = body.replace(variant.encode("utf-8"), b"***")
        response._content = body
        for name, value in list(response.headers.items()):
            response.headers[name] = redact(value, variants)

    def _too_large(self) -> ChannelError:
        return ChannelError(
            f"câu trả lời của {self.platform} quá lớn (hơn {self.policy.max_body_bytes // 1024} kB); đã dừng đọc",
            "transient",
            ambiguous=True,
        )

    def _deadline_error(self) -> ChannelError:
        return ChannelError(
            f"{self.platform} không trả lời xong trong {self.policy.deadline:g} giây; đã ngắt kết nối",
            "transient",
            ambiguous=True,
        )

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        backoff = min(self.policy.max_delay, self.policy.base_delay * 2.0 ** (attempt - 1))
        return float(backoff * (0.5 + self.jitter() / 2))  # "equal jitter": never zero, never in lock-step

    def _transport_error(self, exc: Exception) -> ChannelError:
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
        if response.is_redirect or 300 <= response.status_code < 400:
            return self._redirect_error(response)
        if _is_html(response) and response.status_code >= 400:
            # A proxy or load balancer answered instead of the platform: the call may have gone through.
            return ChannelError(
                f"{self.platform} (hoặc máy chủ trung gian) trả về trang lỗi HTTP {response.status_code}",
                "transient",
                ambiguous=True,
            )
        return self.classify(response)

    def _redirect_error(self, response: requests.Response) -> ChannelError:
        # Following would hand the token, the proof or the secret_key to whoever the Location names; a base
        # that redirects is a configuration mistake (or an attack), so it is named and never retried.
        location = response.headers.get("Location", "")[:300] or "(không có Location)"
        return ChannelError(
            f"{self.platform} trả lời chuyển hướng HTTP {response.status_code} tới {location}; danvan không đi theo "
            "chuyển hướng vì sẽ gửi mã truy cập tới đó. Hãy kiểm tra địa chỉ api_base/oauth_base trong tệp cấu hình",
            "permanent",
        )

    def _scrub(self, error: ChannelError) -> ChannelError:
        text = redact(str(error), _secret_variants(self.secrets))
        if text == str(error):
            return error
        return ChannelError(text, error.kind, retry_after=error.retry_after, ambiguous=error.ambiguous, code=error.code)


def _secret_variants(secrets: Iterable[str]) -> set[str]:
    """Each secret as sent and as a platform may echo it: inside a JSON string or a URL."""
    variants: set[str] = set()
    for secret in secrets:
        if secret:
            secret = str(secret)
            variants |= {secret, json.dumps(secret)[1:-1], json.dumps(secret)[1:-1].replace("/", "\\/")}
            variants.add(quote(secret, safe=""))
    return {v for v in variants if len(v) >= 4}


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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
