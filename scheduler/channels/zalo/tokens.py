"""Zalo OA tokens (OAuth v4): single-use refresh tokens that rotate on every refresh.

A refresh token works once. So the new pair is sealed and written to the store in the same step it
is received, before anything uses it; only one refresh runs at a time (a thread lock inside the process
and a file lock across processes, since `danvan post` may run beside the daemon); and after taking the
lock the stored pair is read again, because another process may have refreshed in the meantime.
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import hashlib
import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from scheduler.channels.http import HttpClient, RetryPolicy, Sleep, json_body
from scheduler.channels.zalo.secretbox import SecretBox, SecretBoxError
from scheduler.channels.zalo.store import ZaloStore
from scheduler.errors import ChannelError
from scheduler.project.models import ZaloSettings
from scheduler.redaction import redact

log = logging.getLogger("danvan.zalo")

# Refresh a little before the documented 25 h so a call never starts with a token about to die.
EXPIRY_MARGIN = dt.timedelta(minutes=10)
DEFAULT_ACCESS_TTL = dt.timedelta(hours=25)

_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def _thread_lock(key: str) -> threading.Lock:
    with _thread_locks_guard:
        return _thread_locks.setdefault(key, threading.Lock())


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    access_expires_at: dt.datetime


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) for the OA admin's consent link."""
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(48)).rstrip(b"=").decode("ascii")
    return verifier, pkce_challenge(verifier)


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def reauthorize_hint(channel: str) -> str:
    return (
        f"quản trị viên OA cần cấp quyền lại: chạy 'danvan zalo auth --channel {channel}', mở đường dẫn in ra "
        f"bằng tài khoản quản trị OA, rồi chạy 'danvan zalo auth --channel {channel} --code MÃ' với mã nhận được"
    )


def _oauth_transport_error(response: requests.Response) -> ChannelError | None:
    if response.status_code >= 500:
        return ChannelError(
            f"máy chủ cấp quyền của Zalo báo lỗi HTTP {response.status_code}", "transient", ambiguous=True
        )
    if response.status_code >= 400:
        return ChannelError(f"máy chủ cấp quyền của Zalo trả lời HTTP {response.status_code}", "permanent")
    return None


class TokenKeeper:
    def __init__(
        self,
        channel: str,
        settings: ZaloSettings,
        store: ZaloStore,
        policy: RetryPolicy,
        clock: Callable[[], dt.datetime],
        sleep: Sleep,
    ) -> None:
        self.channel = channel
        self.settings = settings
        self.store = store
        self.clock = clock
        # The body of an OAuth answer is read here, refusals included; only the transport is classified.
        self.http = HttpClient("Zalo OAuth", _oauth_transport_error, policy, sleep, secrets=[settings.app_secret])
        self.box = SecretBox(settings.app_secret, f"zalo-tokens:{channel}")
        self._cached: TokenPair | None = None

    # --- what callers use -------------------------------------------------------------------

    def access_token(self) -> str:
        """A usable access token: the cached or stored one while it lasts, else one refresh."""
        pair = self._cached or self._stored()
        if pair is not None and pair.access_expires_at - EXPIRY_MARGIN > self.clock():
            self._cached = pair
            return pair.access_token
        return self.refresh(rejected=pair.access_token if pair else None)

    def refresh(self, rejected: str | None = None) -> str:
        """Exchange the current refresh token for a new pair, once, even when several callers ask together.

        `rejected` is the access token the API just refused: if the stored one differs, someone else has
        already refreshed and that one is used instead of spending another refresh token.
        """
        with self._exclusive():
            stored = self._stored()
            if (
                stored is not None
                and stored.access_token != rejected
                and stored.access_expires_at - EXPIRY_MARGIN > self.clock()
            ):
                self._cached = stored
                return stored.access_token
            refresh_token = stored.refresh_token if stored is not None else self.settings.refresh_token
            if not refresh_token:
                raise ChannelError(
                    f"kênh '{self.channel}' chưa có mã truy cập Zalo; {reauthorize_hint(self.channel)}", "token"
                )
            pair = self._grant(
                {"refresh_token": refresh_token, "grant_type": "refresh_token"}, keep_refresh=refresh_token
            )
            log.info("Zalo: đã làm mới mã truy cập của kênh %s", self.channel)
            return pair.access_token

    def exchange_code(self, code: str, verifier: str) -> TokenPair:
        """`danvan zalo auth`: the OA admin's authorization code (with its PKCE verifier) for the first pair."""
        with self._exclusive():
            return self._grant(
                {"code": code, "grant_type": "authorization_code", "code_verifier": verifier}, keep_refresh=None
            )

    def consent_link(self, challenge: str, state: str) -> str:
        query = {"app_id": self.settings.app_id, "code_challenge": challenge, "state": state}
        if self.settings.redirect_uri:
            query["redirect_uri"] = self.settings.redirect_uri
        return f"{self.settings.oauth_base}/v4/oa/permission?{urlencode(query)}"

    def save_verifier(self, verifier: str) -> None:
        self.store.save_verifier(self.channel, self.box.seal(verifier), self.clock())

    def stored_verifier(self) -> str | None:
        sealed = self.store.verifier(self.channel)
        return self.box.open(sealed) if sealed else None

    def secrets(self) -> list[str]:
        """What a Zalo answer must never carry into our code: the app secret and the tokens known right now."""
        known = [self.settings.app_secret, self.settings.refresh_token or ""]
        if self._cached is not None:
            known += [self._cached.access_token, self._cached.refresh_token]
        return known

    # --- internals --------------------------------------------------------------------------

    def _grant(self, fields: dict[str, str], keep_refresh: str | None) -> TokenPair:
        # The answer carries the new pair, so only what was sent is blanked out of it: the spent refresh
        # token (echoed back it reads as "no new one"), the code and its verifier.
        spent = [fields.get(key, "") for key in ("refresh_token", "code", "code_verifier")]
        self.http.secrets = [self.settings.app_secret, *spent]
        response = self.http.call(
            "POST",
            f"{self.settings.oauth_base}/v4/oa/access_token",
            idempotent=True,  # a lost answer to a spent refresh token is refused on retry, never doubled
            headers={"secret_key": self.settings.app_secret},
            data={"app_id": self.settings.app_id, **fields},
        )
        pair = self._pair_from(json_body(response), keep_refresh)
        self._save(pair)
        return pair

    def _pair_from(self, body: Any, keep_refresh: str | None) -> TokenPair:
        if not isinstance(body, dict) or body.get("error") not in (None, 0, "0") or not body.get("access_token"):
            raise self._refused(body)
        refresh = body.get("refresh_token")
        if not refresh or (keep_refresh and str(refresh) == redact(keep_refresh, [keep_refresh])):
            refresh = keep_refresh  # a reply without a new one (or echoing the old one): the old one lives on
        if not refresh:
            raise self._refused(body)
        try:
            ttl = dt.timedelta(seconds=int(body.get("expires_in") or DEFAULT_ACCESS_TTL.total_seconds()))
        except (TypeError, ValueError):
            ttl = DEFAULT_ACCESS_TTL
        return TokenPair(str(body["access_token"]), str(refresh), self.clock() + ttl)

    def _refused(self, body: Any) -> ChannelError:
        detail = ""
        if isinstance(body, dict) and body:
            code, name = body.get("error"), body.get("error_name") or body.get("message") or ""
            detail = f" (mã {code}: {name})"
        elif not body:
            detail = " (Zalo trả lời rỗng: mã làm mới đã được dùng)"
        return ChannelError(
            f"Zalo từ chối mã làm mới của kênh '{self.channel}'{detail}; {reauthorize_hint(self.channel)}", "token"
        )

    def _save(self, pair: TokenPair) -> None:
        self.store.save_tokens(
            self.channel,
            self.box.seal(pair.access_token),
            self.box.seal(pair.refresh_token),
            pair.access_expires_at,
            self.clock(),
        )
        self._cached = pair

    def _stored(self) -> TokenPair | None:
        stored = self.store.tokens(self.channel)
        if stored is None or not stored.access_token or not stored.refresh_token or stored.access_expires_at is None:
            return None
        try:
            return TokenPair(
                self.box.open(stored.access_token), self.box.open(stored.refresh_token), stored.access_expires_at
            )
        except SecretBoxError as exc:
            raise ChannelError(f"kênh '{self.channel}': {exc}; {reauthorize_hint(self.channel)}", "token") from exc

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        lock_path = self.store.refresh_lock_path(self.channel)
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with _thread_lock(str(lock_path)), open(lock_path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
