"""A loopback emulator of the Zalo Official Account Open API and of Zalo's OAuth v4 token endpoint.

Built only from the documented behaviour collected in /work/shared/research/zalo-oa.md (section numbers
below refer to it). One server answers both hosts, so a test config can use `ZaloEmulator.url` as both
`api_base` (https://openapi.zalo.me) and `oauth_base` (https://oauth.zaloapp.com).

Documented behaviour reproduced
-------------------------------
* OAuth (§1): `POST /v4/oa/access_token`, form-encoded body, App Secret in the bare `secret_key` header.
  Refresh grant rotates a single-use refresh token: the old one dies at once, a reused one answers
  `-14014 "Invalid refresh token."` with HTTP 200. `expires_in` is a *string*. Authorization codes are
  single use, valid 10 minutes, checked against the PKCE `code_verifier`. OAuth errors carry
  `error`, `error_name`, `error_reason`, `error_description`, `ref_doc`.
* OA API (§1, §5): the access token travels in the bare `access_token` header; optional `appsecret_proof`
  header = lowercase hex HMAC-SHA256(access_token, key=app secret). Every error is HTTP 200 with
  `{"error": <negative>, "message": ..., "data": {}}`; success is `{"error": 0, "message": "Success", "data": ...}`.
  OA responses carry `X-RateLimit-Limit` / `X-RateLimit-Remain` (4,000 requests/minute per app, `-32` beyond).
* Upload (§2): `POST /v2.0/oa/upload/image`, multipart field `file`, JPG/PNG only, at most 1 MB.
* Articles (§3a): `create` returns a job token, `verify` answers `-214` while processing then `data.id`;
  `getslice` (limit at most 10) lists `data.medias` newest first with `total_view`/`total_share` (§4);
  `getdetail`, `update` (new token, verify again), `remove`. Status defaults to `hide`, comment to `show`.
  Title/author/description limits 150/50/300 characters counted after NFC normalisation. The emulator
  fetches the cover `photo_url` and every image block `url` over HTTP as Zalo does.
* Broadcast (§3b): `POST /v2.0/oa/message` with `recipient.target`, article media template, at most 5
  articles; blocked 22:00-05:59 Asia/Ho_Chi_Minh (`-234`); 1:1 sends through v2 answer `-240`.
* `GET /v2.0/oa/getoa` (§4).

Choices where the research note is silent (emulator decisions, not platform facts)
---------------------------------------------------------------------------------
* OAuth codes: `-14001` invalid/missing parameter (missing field, unknown grant_type, body not
  form-encoded), `-14004` "Invalid secret key" (wrong/missing `secret_key` header), `-14015`
  "Invalid code verifier" (PKCE mismatch; the code is NOT burnt), `-14019` "Invalid authorization code"
  (unknown, used or older than 10 minutes). Documented ones: `-14002` Invalid appId, `-14003` Invalid
  redirect uri, `-14014` Invalid refresh token.
* A naturally expired access token (clock past its expiry) answers `-220`; `expire_access_tokens(code=...)`
  lets a test pick `-216` instead (§5: "refresh on both -216 and -220"). Missing or unknown tokens answer
  `-216 "Access token is invalid"`. An `access_token` in the query string is always rejected with `-216`
  (even with the header also present) so clients are forced to keep tokens out of URLs.
* Upload: a non-JPG/PNG file answers `-201`, a file over the limit `-210`, a missing `file` field `-201`.
* 1 MB is taken as 1,000,000 bytes (the stricter reading; `MAX_IMAGE_BYTES`).
* Article create: `author` is required and non-empty; `cover.status` is required; image URLs must be
  https, except http on a loopback host (tests). An image that cannot be fetched, is not HTTP 200, is not
  `image/jpeg`/`image/png` by Content-Type *and* magic bytes, or is over 1 MB fails the whole create with
  `-201 "Photo url is invalid: <field>: <reason>"` (synchronously; nothing is stored, so
  `EmulatedArticle.cover_fetch_error` stays None for stored articles; see `fetches` for every attempt).
  Unverified OA: `-221`; Basic or no package: `-224`.
* Article processing ends after `processing_polls` answers of `-214` to `verify`; until then the article
  is absent from `getslice`/`getdetail`. `link_view` is a synthetic URL.
* Broadcast: unverified OA `-221`, no package (`package=""`/"Free") `-224` (the note says Basic OAs may
  broadcast 1/month per follower). Hidden articles may be broadcast (undocumented). Per-follower caps
  are not emulated (Zalo skips capped followers silently); quota errors come from `fail_next`.
* Unknown path or method: HTTP 404 with an HTML body (what a front proxy gives), no JSON envelope.
  `/v3.0/article/*` and `/v3.0/oa/upload/*` are unknown (the note says those are wrong paths).
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import hmac
import json
import secrets
import socket
import struct
import threading
import time
import traceback
import unicodedata
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import Message
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler
from pathlib import Path
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.emulators.loopback import LoopbackServer, serve_in_background, stop_serving

__all__ = [
    "ERROR_MESSAGES",
    "MAX_IMAGE_BYTES",
    "OAUTH_INVALID_APP_ID",
    "OAUTH_INVALID_CODE",
    "OAUTH_INVALID_CODE_VERIFIER",
    "OAUTH_INVALID_PARAM",
    "OAUTH_INVALID_REDIRECT_URI",
    "OAUTH_INVALID_REFRESH_TOKEN",
    "OAUTH_INVALID_SECRET_KEY",
    "VIETNAM",
    "EmulatedArticle",
    "Fault",
    "FetchRecord",
    "RecordedFile",
    "RecordedRequest",
    "StaticServer",
    "UploadedImage",
    "ZaloEmulator",
    "pkce_challenge",
]

MAX_IMAGE_BYTES = 1_000_000
VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")  # no DST in Vietnam
AUTH_CODE_TTL = 600.0  # 10 minutes (§1)
REFRESH_TOKEN_TTL = 90 * 86400.0  # 3 months (§1)
RATE_LIMIT_PER_MINUTE = 4000  # §5
MAX_ARTICLES_PER_BROADCAST = 5
MAX_SLICE_LIMIT = 10

# OAuth (-14xxx). Documented: -14002, -14003, -14014. The others are this emulator's choice.
OAUTH_INVALID_PARAM = -14001
OAUTH_INVALID_APP_ID = -14002
OAUTH_INVALID_REDIRECT_URI = -14003
OAUTH_INVALID_SECRET_KEY = -14004
OAUTH_INVALID_REFRESH_TOKEN = -14014
OAUTH_INVALID_CODE_VERIFIER = -14015
OAUTH_INVALID_CODE = -14019

OAUTH_ERROR_NAMES: dict[int, str] = {
    OAUTH_INVALID_PARAM: "Invalid parameter",
    OAUTH_INVALID_APP_ID: "Invalid appId",
    OAUTH_INVALID_REDIRECT_URI: "Invalid redirect uri",
    OAUTH_INVALID_SECRET_KEY: "Invalid secret key",
    OAUTH_INVALID_REFRESH_TOKEN: "Invalid refresh token.",
    OAUTH_INVALID_CODE_VERIFIER: "Invalid code verifier",
    OAUTH_INVALID_CODE: "Invalid authorization code",
}

# OA API codes (§5), with the wording this emulator uses.
ERROR_MESSAGES: dict[int, str] = {
    -32: "The app has exceeded the request rate limit",
    -100: "attachment_id was expired",
    -201: "Parameters are invalid",
    -204: "Official Account is disabled",
    -205: "Official Account does not exist",
    -209: "App is not activated",
    -210: "Parameter exceeds the limit",
    -211: "Out of quota",
    -212: "Official Account has not registered this API",
    -213: "User has not followed the Official Account",
    -214: "Article is being processed",
    -216: "Access token is invalid",
    -217: "User has blocked invitations from the Official Account",
    -218: "Out of quota for receiving messages",
    -219: "App has been removed or disabled",
    -220: "Access token has expired or has been removed",
    -221: "Official Account is not verified",
    -223: "Your OA has reach the limit quota create article",
    -224: "Official Account must upgrade its tier package to use this API",
    -227: "User is banned or has been inactive for more than 45 days",
    -230: "User has not interacted with the Official Account in the last 7 days",
    -232: "User has no interaction with the Official Account",
    -233: "Message type is invalid",
    -234: "Broadcast messages cannot be sent at night (22:00-06:00)",
    -235: "This API is not available for this type of Official Account",
    -240: "MessageV2 API has been shut down, please switch to MessageV3",
    -242: "Invalid appsecret_proof",
    -244: "User has restricted this type of message",
    -248: "Violation of platform standards",
    -320: "Zalo Cloud Account is missing",
    -321: "Zalo Cloud Account is out of money",
}

REF_DOC = "https://developers.zalo.me/docs/official-account/bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new"

JsonObject = dict[str, Any]


def pkce_challenge(verifier: str) -> str:
    """S256 code challenge: base64url(sha256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def appsecret_proof(access_token: str, app_secret: str) -> str:
    return hmac.new(app_secret.encode("utf-8"), access_token.encode("utf-8"), hashlib.sha256).hexdigest()


def _nfc_len(text: str) -> int:
    return len(unicodedata.normalize("NFC", text))


def _image_kind(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def _ms(ts: float) -> int:
    return int(ts * 1000)


# --------------------------------------------------------------------------------------------------
# Public records
# --------------------------------------------------------------------------------------------------


@dataclass
class EmulatedArticle:
    id: str
    token: str  # the latest job token (create or update)
    type: str
    title: str
    author: str
    description: str
    cover: JsonObject
    body: list[JsonObject]
    status: str  # "show" | "hide"
    comment: str  # "show" | "hide"
    created: float
    total_view: int = 0
    total_share: int = 0
    polls_left: int = 0  # verify answers -214 while this is > 0
    cover_image: bytes | None = None  # the bytes fetched from cover.photo_url
    cover_fetch_error: str | None = None  # always None for stored articles (a failed fetch rejects create)
    updated: float = 0.0
    body_images: dict[str, bytes] = field(default_factory=dict)  # image block url -> fetched bytes
    tracking_link: str | None = None
    related_medias: list[Any] = field(default_factory=list)
    removed: bool = False

    @property
    def processed(self) -> bool:
        return self.polls_left <= 0

    @property
    def visible(self) -> bool:
        return self.processed and not self.removed


@dataclass(frozen=True)
class RecordedFile:
    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    method: str
    path: str  # without the query string
    raw_path: str  # as sent, query string included
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    json_body: Any = None
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, RecordedFile] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class UploadedImage:
    attachment_id: str
    filename: str | None
    content_type: str
    data: bytes
    created: float


@dataclass(frozen=True)
class FetchRecord:
    """One image fetch the emulator made while creating/updating an article."""

    url: str
    field: str
    status: int | None
    content_type: str | None
    size: int | None
    error: str | None


FaultKind = Literal["error", "http_status", "connection_reset", "delay", "empty_body", "omit_refresh_token"]


@dataclass(frozen=True)
class Fault:
    """What to do instead of (or around) the normal answer; queue with `ZaloEmulator.fail_next`.

    * `error(code)`: HTTP 200 with the error envelope of the host (OA: error/message/data; OAuth:
      error/error_name/...); `code_as_string=True` sends `"error": "-14014"` (observed on OAuth).
    * `http_status(502)`: that status with an HTML body (a proxy error page).
    * `connection_reset()`: TCP reset, no answer. `after_processing=True` performs the request first
      (tokens rotate, articles get created) and then resets: the "lost response" case.
    * `empty_body()`: HTTP 200 with an empty body (observed for consumed refresh tokens);
      `after_processing=True` likewise performs the request first.
    * `delay(seconds)`: wait (real time), then answer normally.
    * `omit_refresh_token()`: the next refresh grant returns a new access token but no `refresh_token`;
      the presented refresh token stays valid (observed, §1).
    """

    kind: FaultKind
    code: int = 0
    message: str | None = None
    status: int = 200
    seconds: float = 0.0
    code_as_string: bool = False
    after_processing: bool = False

    @staticmethod
    def error(code: int, message: str | None = None, *, code_as_string: bool = False) -> Fault:
        return Fault("error", code=code, message=message, code_as_string=code_as_string)

    @staticmethod
    def rate_limited() -> Fault:
        return Fault.error(-32)

    @staticmethod
    def http_status(status: int = 500) -> Fault:
        return Fault("http_status", status=status)

    @staticmethod
    def connection_reset(*, after_processing: bool = False) -> Fault:
        return Fault("connection_reset", after_processing=after_processing)

    @staticmethod
    def delay(seconds: float) -> Fault:
        return Fault("delay", seconds=seconds)

    @staticmethod
    def empty_body(*, after_processing: bool = False) -> Fault:
        return Fault("empty_body", after_processing=after_processing)

    @staticmethod
    def omit_refresh_token() -> Fault:
        return Fault("omit_refresh_token")


# --------------------------------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------------------------------


class _OAError(Exception):
    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message if message is not None else ERROR_MESSAGES.get(code, "Unknown error")


class _OAuthError(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


@dataclass
class _Reply:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Call:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    record: RecordedRequest
    fault: Fault | None = None

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def json_object(self) -> JsonObject:
        value = self.record.json_body
        if not isinstance(value, dict):
            raise _OAError(-201, "Request body must be a JSON object")
        return value


@dataclass
class _QueuedFault:
    fault: Fault
    remaining: int
    path: str | None


@dataclass
class _AuthCode:
    challenge: str
    method: str
    issued: float
    used: bool = False


def _html_reply(status: int, title: str) -> _Reply:
    page = f"<html><head><title>{status} {title}</title></head><body><center><h1>{status} {title}</h1></center><hr><center>nginx</center></body></html>"
    return _Reply(status=status, body=page.encode("utf-8"), content_type="text/html; charset=utf-8")


_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def _oa_reply(payload: JsonObject) -> _Reply:
    return _Reply(body=_json_bytes(payload))


def _oa_success(data: JsonObject) -> _Reply:
    return _oa_reply({"error": 0, "message": "Success", "data": data})


def _oa_error(code: int | str, message: str) -> _Reply:
    return _oa_reply({"error": code, "message": message, "data": {}})


def _oauth_error(code: int | str, reason: str) -> _Reply:
    number = int(code)
    name = OAUTH_ERROR_NAMES.get(number, "Unknown error")
    return _oa_reply(
        {"error": code, "error_name": name, "error_reason": reason, "error_description": reason, "ref_doc": REF_DOC}
    )


def _parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, RecordedFile]]:
    head = b"MIME-Version: 1.0\r\nContent-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    files: dict[str, RecordedFile] = {}
    if not message.is_multipart():
        return fields, files
    parts = message.get_payload()
    for part in parts if isinstance(parts, list) else []:
        if not isinstance(part, Message):
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            fields[name] = data.decode("utf-8", "replace")
        else:
            files[name] = RecordedFile(name, filename, part.get_content_type(), data)
    return fields, files


def _is_loopback(host: str | None) -> bool:
    return host in ("127.0.0.1", "localhost", "::1")


class _Server(LoopbackServer):
    daemon_threads = True
    allow_reuse_address = True


def _serve(server: _Server, name: str) -> threading.Thread:
    return serve_in_background(server, name)


# --------------------------------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------------------------------


class ZaloEmulator:
    """Zalo OA Open API + OAuth v4 on http://127.0.0.1:PORT (both hosts on one server)."""

    def __init__(
        self,
        *,
        app_id: str = "4321098765",
        app_secret: str = "zalo-app-secret-for-tests",
        oa_id: str = "579745863508352884",
        oa_name: str = "Ban Dân vận Tỉnh ủy Bắc Giang",
        refresh_token: str | None = "RT-initial",
        access_ttl: int = 90000,
        followers: int = 1234,
        verified: bool = True,
        package: str = "Premium",
        require_appsecret_proof: bool = False,
        processing_polls: int = 1,
        clock: Callable[[], float] = time.time,
        redirect_uri: str | None = None,
        expired_token_code: int = -220,
        rate_limit: int = RATE_LIMIT_PER_MINUTE,
        package_valid_through_date: str = "31/12/2099",
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.oa_id = oa_id
        self.oa_name = oa_name
        self.access_ttl = access_ttl
        self.followers = followers
        self.verified = verified
        self.package = package
        self.package_valid_through_date = package_valid_through_date
        self.require_appsecret_proof = require_appsecret_proof
        self.processing_polls = processing_polls
        self.clock = clock
        self.redirect_uri = redirect_uri  # the callback saved in the app console; None accepts any
        self.expired_token_code = expired_token_code
        self.rate_limit = rate_limit
        self.latency = 0.0  # seconds slept (real time) before every answer

        self.access_tokens: dict[str, float] = {}
        self.dead_access_tokens: dict[str, int] = {}  # token -> the code it answers (expire_access_tokens)
        self.refresh_tokens: set[str] = set()
        self.used_refresh_tokens: list[str] = []
        self.refresh_calls = 0
        self.code_exchanges = 0
        self.articles: list[EmulatedArticle] = []
        self.uploads: list[UploadedImage] = []
        self.broadcasts: list[JsonObject] = []
        self.requests: list[RecordedRequest] = []
        self.fetches: list[FetchRecord] = []
        self.server_errors: list[str] = []  # tracebacks of emulator bugs (answered with HTTP 500)

        self._refresh_expiry: dict[str, float] = {}
        self._codes: dict[str, _AuthCode] = {}
        self._code_counter = 0
        self._job_tokens: dict[str, EmulatedArticle] = {}
        self._faults: list[_QueuedFault] = []
        self._rate_window = -1
        self._rate_count = 0
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""
        if refresh_token:
            self._add_refresh_token(refresh_token)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> ZaloEmulator:
        if self._server is not None:
            return self
        emulator = self

        class Handler(_Handler):
            owner = emulator

        self._server = _Server(Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = _serve(self._server, "zalo-emulator")
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        stop_serving(server, thread)

    def __enter__(self) -> ZaloEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ test controls

    def issue_authorization_code(self, code_challenge: str, *, code: str | None = None, method: str = "S256") -> str:
        """What the OA admin's consent produces: a code bound to the PKCE challenge, single use, 10 minutes.

        Without `code`, codes are "AUTH-CODE-1", "AUTH-CODE-2", ...
        """
        if method not in ("S256", "plain"):
            raise ValueError(f"unsupported code_challenge_method {method!r}")
        with self._lock:
            if code is None:
                self._code_counter += 1
                code = f"AUTH-CODE-{self._code_counter}"
            self._codes[code] = _AuthCode(code_challenge, method, self.clock())
        return code

    def expire_access_tokens(self, *, code: int | None = None) -> None:
        """Every current access token now answers `code` (default `expired_token_code`, i.e. -220; or -216)."""
        answer = self.expired_token_code if code is None else code
        with self._lock:
            for token in self.access_tokens:
                self.dead_access_tokens[token] = answer
            self.access_tokens.clear()

    def issue_access_token(self) -> str:
        """Mint a valid access token directly (what the API Explorer gives a developer)."""
        with self._lock:
            token = f"AT-{secrets.token_urlsafe(24)}"
            self.access_tokens[token] = self.clock() + self.access_ttl
            return token

    def fail_next(self, fault: Fault, times: int = 1, *, path: str | None = None) -> None:
        """Queue `fault` for the next `times` requests (to `path` only, if given; path excludes the query)."""
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.append(_QueuedFault(fault, times, path))

    def set_counters(self, article_id: str, *, total_view: int, total_share: int) -> None:
        article = self.article(article_id)
        with self._lock:
            article.total_view = total_view
            article.total_share = total_share

    def article(self, article_id: str) -> EmulatedArticle:
        with self._lock:
            for article in self.articles:
                if article.id == article_id:
                    return article
        raise KeyError(article_id)

    def appsecret_proof(self, access_token: str) -> str:
        return appsecret_proof(access_token, self.app_secret)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # ------------------------------------------------------------------ request handling

    def _add_refresh_token(self, token: str) -> None:
        self.refresh_tokens.add(token)
        self._refresh_expiry[token] = self.clock() + REFRESH_TOKEN_TTL

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for queued in self._faults:
                if queued.path is None or queued.path == path:
                    queued.remaining -= 1
                    if queued.remaining <= 0:
                        self._faults.remove(queued)
                    return queued.fault
        return None

    def _routes(self) -> dict[tuple[str, str], Callable[[_Call], _Reply]]:
        return {
            ("POST", "/v4/oa/access_token"): self._oauth(self._access_token),
            ("GET", "/v4/oa/permission"): self._oauth(self._permission),
            ("POST", "/v2.0/oa/upload/image"): self._oa(self._upload_image),
            ("POST", "/v2.0/article/create"): self._oa(self._article_create),
            ("POST", "/v2.0/article/update"): self._oa(self._article_update),
            ("POST", "/v2.0/article/verify"): self._oa(self._article_verify),
            ("GET", "/v2.0/article/getslice"): self._oa(self._article_getslice),
            ("GET", "/v2.0/article/getdetail"): self._oa(self._article_getdetail),
            ("POST", "/v2.0/article/remove"): self._oa(self._article_remove),
            ("GET", "/v2.0/oa/getoa"): self._oa(self._getoa),
            ("POST", "/v2.0/oa/message"): self._oa(self._message),
        }

    def _handle(self, handler: _Handler, method: str, body: bytes) -> _Reply | None:
        """Compute the answer; None means "reset the connection"."""
        split = urlsplit(handler.path)
        path = split.path
        query = parse_qs(split.query, keep_blank_values=True)
        headers = {name.lower(): value for name, value in handler.headers.items()}
        record = RecordedRequest(method, path, handler.path, query, headers, body)
        content_type = headers.get("content-type", "")
        mime = content_type.split(";", 1)[0].strip().lower()
        if mime == "application/json" or (body[:1] in (b"{", b"[") and mime != "multipart/form-data"):
            try:
                record.json_body = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                record.json_body = None
        elif mime == "application/x-www-form-urlencoded":
            record.form = {
                k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()
            }
        elif mime == "multipart/form-data":
            try:
                record.form, record.files = _parse_multipart(content_type, body)
            except Exception:
                record.form, record.files = {}, {}
        with self._lock:
            self.requests.append(record)

        if self.latency > 0:
            time.sleep(self.latency)
        call = _Call(method, path, query, headers, body, record)
        fault = self._take_fault(path)
        if fault is not None:
            if fault.kind == "delay":
                time.sleep(fault.seconds)
            elif fault.kind == "http_status":
                return _html_reply(fault.status, _REASONS.get(fault.status, "Error"))
            elif fault.kind == "connection_reset" and not fault.after_processing:
                return None
            elif fault.kind == "empty_body" and not fault.after_processing:
                return _Reply(body=b"", content_type="application/json; charset=utf-8")
            elif fault.kind == "error":
                code: int | str = str(fault.code) if fault.code_as_string else fault.code
                if path.startswith("/v4/"):
                    return _oauth_error(code, fault.message or OAUTH_ERROR_NAMES.get(fault.code, "Error"))
                reply = _oa_error(code, fault.message or ERROR_MESSAGES.get(fault.code, "Unknown error"))
                reply.headers.update(self._rate_headers(count=True))
                return reply
            else:
                call.fault = fault

        route = self._routes().get((method, path))
        if route is None:
            return _html_reply(404, "Not Found")
        try:
            reply = route(call)
        except Exception:
            text = traceback.format_exc()
            with self._lock:
                self.server_errors.append(text)
            return _html_reply(500, "Internal Server Error")
        if call.fault is not None and call.fault.after_processing:
            if call.fault.kind == "connection_reset":
                return None
            if call.fault.kind == "empty_body":
                return _Reply(body=b"", content_type="application/json; charset=utf-8")
        return reply

    # ------------------------------------------------------------------ OAuth host

    def _oauth(self, handler: Callable[[_Call], _Reply]) -> Callable[[_Call], _Reply]:
        def wrapped(call: _Call) -> _Reply:
            try:
                return handler(call)
            except _OAuthError as error:
                return _oauth_error(error.code, error.reason)

        return wrapped

    def _permission(self, call: _Call) -> _Reply:
        """The consent page: this emulator consents at once and redirects to the callback with a code."""
        app_id = call.param("app_id")
        redirect_uri = call.param("redirect_uri")
        challenge = call.param("code_challenge")
        if app_id != self.app_id:
            raise _OAuthError(OAUTH_INVALID_APP_ID, "app_id is not an activated app")
        if not redirect_uri or (self.redirect_uri is not None and redirect_uri != self.redirect_uri):
            raise _OAuthError(OAUTH_INVALID_REDIRECT_URI, "redirect_uri differs from the callback URL of the app")
        if not challenge:
            raise _OAuthError(OAUTH_INVALID_PARAM, "code_challenge is required")
        code = self.issue_authorization_code(challenge)
        params = {"code": code, "oa_id": self.oa_id}
        state = call.param("state")
        if state is not None:
            params["state"] = state
        separator = "&" if "?" in redirect_uri else "?"
        return _Reply(status=302, content_type=None, headers={"Location": redirect_uri + separator + urlencode(params)})

    def _access_token(self, call: _Call) -> _Reply:
        mime = call.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if mime != "application/x-www-form-urlencoded":
            raise _OAuthError(OAUTH_INVALID_PARAM, "body must be application/x-www-form-urlencoded")
        form = call.record.form
        if form.get("app_id") != self.app_id:
            raise _OAuthError(OAUTH_INVALID_APP_ID, "app_id is missing or is not an activated app")
        secret = call.headers.get("secret_key")
        if secret is None or not hmac.compare_digest(secret.encode(), self.app_secret.encode()):
            raise _OAuthError(OAUTH_INVALID_SECRET_KEY, "the secret_key header does not match the app secret")
        grant = form.get("grant_type")
        if grant == "refresh_token":
            return self._refresh_grant(call, form)
        if grant == "authorization_code":
            return self._code_grant(form)
        raise _OAuthError(OAUTH_INVALID_PARAM, "grant_type must be refresh_token or authorization_code")

    def _refresh_grant(self, call: _Call, form: dict[str, str]) -> _Reply:
        token = form.get("refresh_token")
        with self._lock:
            self.refresh_calls += 1
            if not token:
                raise _OAuthError(OAUTH_INVALID_PARAM, "refresh_token is required")
            self.used_refresh_tokens.append(token)
            expiry = self._refresh_expiry.get(token)
            if token not in self.refresh_tokens or expiry is None or self.clock() >= expiry:
                raise _OAuthError(OAUTH_INVALID_REFRESH_TOKEN, "Refresh token is invalid, expired or already used")
            if call.fault is not None and call.fault.kind == "omit_refresh_token":
                access = self._new_access_token()
                return _oa_reply({"access_token": access, "expires_in": str(self.access_ttl)})
            self.refresh_tokens.discard(token)
            del self._refresh_expiry[token]
            return self._token_pair()

    def _code_grant(self, form: dict[str, str]) -> _Reply:
        code = form.get("code")
        verifier = form.get("code_verifier")
        with self._lock:
            self.code_exchanges += 1
            if not code:
                raise _OAuthError(OAUTH_INVALID_PARAM, "code is required")
            if not verifier:
                raise _OAuthError(OAUTH_INVALID_PARAM, "code_verifier is required")
            entry = self._codes.get(code)
            if entry is None or entry.used or self.clock() - entry.issued >= AUTH_CODE_TTL:
                raise _OAuthError(OAUTH_INVALID_CODE, "The authorization code is invalid, expired or already used")
            expected = pkce_challenge(verifier) if entry.method == "S256" else verifier
            if not hmac.compare_digest(expected.encode(), entry.challenge.encode()):
                raise _OAuthError(OAUTH_INVALID_CODE_VERIFIER, "code_verifier does not match the code_challenge")
            entry.used = True
            return self._token_pair()

    def _new_access_token(self) -> str:
        token = f"AT-{secrets.token_urlsafe(24)}"
        self.access_tokens[token] = self.clock() + self.access_ttl
        return token

    def _token_pair(self) -> _Reply:
        access = self._new_access_token()
        refresh = f"RT-{secrets.token_urlsafe(24)}"
        self._add_refresh_token(refresh)
        return _oa_reply({"access_token": access, "refresh_token": refresh, "expires_in": str(self.access_ttl)})

    # ------------------------------------------------------------------ OA host

    def _rate_headers(self, *, count: bool) -> dict[str, str]:
        with self._lock:
            window = int(self.clock() // 60)
            if window != self._rate_window:
                self._rate_window, self._rate_count = window, 0
            if count:
                self._rate_count += 1
            remain = max(0, self.rate_limit - self._rate_count)
        return {"X-RateLimit-Limit": str(self.rate_limit), "X-RateLimit-Remain": str(remain)}

    def _oa(self, handler: Callable[[_Call], JsonObject]) -> Callable[[_Call], _Reply]:
        def wrapped(call: _Call) -> _Reply:
            with self._lock:
                headers = self._rate_headers(count=True)
                over = self._rate_count > self.rate_limit
            try:
                if over:
                    raise _OAError(-32)
                self._authenticate(call)
                reply = _oa_success(handler(call))
            except _OAError as error:
                reply = _oa_error(error.code, error.message)
            reply.headers.update(headers)
            return reply

        return wrapped

    def _authenticate(self, call: _Call) -> None:
        if "access_token" in call.query:
            raise _OAError(-216, "Access token is invalid (send it in the access_token header, not the URL)")
        token = call.headers.get("access_token")
        if not token:
            raise _OAError(-216)
        with self._lock:
            dead = self.dead_access_tokens.get(token)
            expiry = self.access_tokens.get(token)
            now = self.clock()
        if dead is not None:
            raise _OAError(dead)
        if expiry is None:
            raise _OAError(-216)
        if now >= expiry:
            raise _OAError(self.expired_token_code)
        proof = call.headers.get("appsecret_proof")
        if proof is None:
            if self.require_appsecret_proof:
                raise _OAError(-242, "Invalid appsecret_proof (the appsecret_proof header is required)")
        elif not hmac.compare_digest(proof.encode(), self.appsecret_proof(token).encode()):
            raise _OAError(-242)

    def _upload_image(self, call: _Call) -> JsonObject:
        upload = call.record.files.get("file")
        if upload is None:
            raise _OAError(-201, "Parameters are invalid: file is missing (multipart field 'file')")
        kind = _image_kind(upload.data)
        if kind is None:
            raise _OAError(-201, "Parameters are invalid: file must be a JPG or PNG image")
        if len(upload.data) > MAX_IMAGE_BYTES:
            raise _OAError(-210, "Parameter exceeds the limit: file is larger than 1MB")
        with self._lock:
            attachment_id = secrets.token_urlsafe(32)
            self.uploads.append(UploadedImage(attachment_id, upload.filename, kind, upload.data, self.clock()))
        return {"attachment_id": attachment_id}

    # ---- articles

    def _check_article_rights(self) -> None:
        if not self.verified:
            raise _OAError(-221)
        if self.package in ("", "Free", "Basic"):
            raise _OAError(-224, "Official Account must upgrade its tier package to publish articles via API")

    def _article_create(self, call: _Call) -> JsonObject:
        self._check_article_rights()
        draft = self._validate_article(call.json_object())
        images = self._fetch_article_images(draft)
        with self._lock:
            now = self.clock()
            token = secrets.token_hex(16)
            article = EmulatedArticle(
                id=uuid.uuid4().hex,
                token=token,
                type=draft["type"],
                title=draft["title"],
                author=draft["author"],
                description=draft["description"],
                cover=draft["cover"],
                body=draft["body"],
                status=draft["status"],
                comment=draft["comment"],
                created=now,
                updated=now,
                polls_left=self.processing_polls,
                cover_image=images.pop("cover.photo_url", None),
                body_images=images,
                tracking_link=draft["tracking_link"],
                related_medias=draft["related_medias"],
            )
            self.articles.append(article)
            self._job_tokens[token] = article
        return {"token": token}

    def _article_update(self, call: _Call) -> JsonObject:
        self._check_article_rights()
        payload = call.json_object()
        article = self._visible_article(payload.get("id"))
        draft = self._validate_article(payload)
        images = self._fetch_article_images(draft)
        with self._lock:
            token = secrets.token_hex(16)
            article.token = token
            article.title, article.author = draft["title"], draft["author"]
            article.description, article.cover, article.body = draft["description"], draft["cover"], draft["body"]
            article.status, article.comment = draft["status"], draft["comment"]
            article.tracking_link, article.related_medias = draft["tracking_link"], draft["related_medias"]
            article.cover_image = images.pop("cover.photo_url", None)
            article.body_images = images
            article.updated = self.clock()
            article.polls_left = self.processing_polls
            self._job_tokens[token] = article
        return {"token": token}

    def _validate_article(self, payload: JsonObject) -> JsonObject:
        def text(name: str, limit: int) -> str:
            value = payload.get(name)
            if not isinstance(value, str) or not value.strip():
                raise _OAError(-201, f"Parameters are invalid: {name} is required")
            if _nfc_len(value) > limit:
                raise _OAError(-201, f"Parameters are invalid: {name} must be at most {limit} characters")
            return value

        def show_hide(value: Any, name: str, default: str | None) -> str:
            if value is None and default is not None:
                return default
            if value not in ("show", "hide"):
                raise _OAError(-201, f"Parameters are invalid: {name} must be 'show' or 'hide'")
            return str(value)

        kind = payload.get("type")
        if kind is None:
            raise _OAError(-201, "Parameters are invalid: type is required")
        if kind != "normal":
            raise _OAError(-201, f"Parameters are invalid: type {kind!r} is not supported (this emulator: normal)")
        title = text("title", 150)
        author = text("author", 50)
        description = text("description", 300)

        cover = payload.get("cover")
        if not isinstance(cover, dict):
            raise _OAError(-201, "Parameters are invalid: cover is required")
        cover_type = cover.get("cover_type")
        if cover_type == "photo":
            if not isinstance(cover.get("photo_url"), str) or not cover["photo_url"]:
                raise _OAError(-201, "Parameters are invalid: cover.photo_url is required")
        elif cover_type == "video":
            if not isinstance(cover.get("video_id"), str) or not cover["video_id"]:
                raise _OAError(-201, "Parameters are invalid: cover.video_id is required")
        else:
            raise _OAError(-201, "Parameters are invalid: cover.cover_type must be 'photo' or 'video'")
        show_hide(cover.get("status"), "cover.status", None)

        body = payload.get("body")
        if not isinstance(body, list) or not body:
            raise _OAError(-201, "Parameters are invalid: body is required")
        for index, block in enumerate(body):
            where = f"body[{index}]"
            if not isinstance(block, dict):
                raise _OAError(-201, f"Parameters are invalid: {where} must be an object")
            block_type = block.get("type")
            if block_type == "text":
                if not isinstance(block.get("content"), str) or not block["content"]:
                    raise _OAError(-201, f"Parameters are invalid: {where}.content is required")
            elif block_type == "image":
                if not isinstance(block.get("url"), str) or not block["url"]:
                    raise _OAError(-201, f"Parameters are invalid: {where}.url is required")
                if "caption" in block and not isinstance(block["caption"], str):
                    raise _OAError(-201, f"Parameters are invalid: {where}.caption must be a string")
            elif block_type == "video":
                if not block.get("url") and not block.get("video_id"):
                    raise _OAError(-201, f"Parameters are invalid: {where}.url or {where}.video_id is required")
            elif block_type == "product":
                if not block.get("id"):
                    raise _OAError(-201, f"Parameters are invalid: {where}.id is required")
            else:
                raise _OAError(-201, f"Parameters are invalid: {where}.type must be text, image, video or product")

        tracking_link = payload.get("tracking_link")
        if tracking_link is not None and not isinstance(tracking_link, str):
            raise _OAError(-201, "Parameters are invalid: tracking_link must be a string")
        related = payload.get("related_medias", [])
        if not isinstance(related, list):
            raise _OAError(-201, "Parameters are invalid: related_medias must be a list")
        return {
            "type": kind,
            "title": title,
            "author": author,
            "description": description,
            "cover": dict(cover),
            "body": [dict(block) for block in body],
            "status": show_hide(payload.get("status"), "status", "hide"),
            "comment": show_hide(payload.get("comment"), "comment", "show"),
            "tracking_link": tracking_link,
            "related_medias": list(related),
        }

    def _fetch_article_images(self, draft: JsonObject) -> dict[str, bytes]:
        """Fetch the cover and each image block like Zalo does; key "cover.photo_url" or the block url."""
        wanted: list[tuple[str, str]] = []
        if draft["cover"].get("cover_type") == "photo":
            wanted.append(("cover.photo_url", draft["cover"]["photo_url"]))
        for index, block in enumerate(draft["body"]):
            if block.get("type") == "image":
                wanted.append((f"body[{index}].url", block["url"]))
        images: dict[str, bytes] = {}
        for where, url in wanted:
            data, error = self._fetch_image(url, where)
            if error is not None or data is None:
                raise _OAError(-201, f"Photo url is invalid: {where}: {error}")
            images[where if where == "cover.photo_url" else url] = data
        return images

    def _fetch_image(self, url: str, where: str) -> tuple[bytes | None, str | None]:
        status: int | None = None
        content_type: str | None = None
        data: bytes | None = None
        error: str | None = None
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            error = "not an absolute http(s) URL"
        elif parts.scheme == "http" and not _is_loopback(parts.hostname):
            error = "the URL must be https"
        else:
            request = urllib.request.Request(url, headers={"User-Agent": "ZaloEmulator/1.0 (article image fetch)"})
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    status = int(response.status)
                    content_type = response.headers.get_content_type()
                    data = response.read(MAX_IMAGE_BYTES + 1)
            except urllib.error.HTTPError as exc:
                status, error = exc.code, f"HTTP {exc.code}"
            except (urllib.error.URLError, OSError, ValueError) as exc:
                error = f"cannot fetch: {exc}"
            if error is None and data is not None:
                if status != 200:
                    error = f"HTTP {status}"
                elif content_type not in ("image/jpeg", "image/png"):
                    error = f"Content-Type {content_type} is not image/jpeg or image/png"
                elif _image_kind(data) is None:
                    error = "the content is not a JPG or PNG image"
                elif len(data) > MAX_IMAGE_BYTES:
                    error = "the image is larger than 1MB"
        with self._lock:
            size = None if data is None else len(data)
            self.fetches.append(FetchRecord(url, where, status, content_type, size, error))
        return (None, error) if error is not None else (data, None)

    def _visible_article(self, article_id: Any) -> EmulatedArticle:
        if not isinstance(article_id, str) or not article_id:
            raise _OAError(-201, "Parameters are invalid: id is required")
        with self._lock:
            for article in self.articles:
                if article.id == article_id and article.visible:
                    return article
        raise _OAError(-201, "Parameters are invalid: article id does not exist")

    def _article_verify(self, call: _Call) -> JsonObject:
        token = call.json_object().get("token")
        with self._lock:
            article = self._job_tokens.get(token) if isinstance(token, str) else None
            if article is None or article.removed:
                raise _OAError(-201, "Parameters are invalid: token is invalid")
            if article.polls_left > 0:
                article.polls_left -= 1
                raise _OAError(-214)
            return {"id": article.id}

    def _link_view(self, article: EmulatedArticle) -> str:
        return f"https://zalo.me/s/{self.oa_id}/article/{article.id}"  # synthetic

    def _article_getslice(self, call: _Call) -> JsonObject:
        def number(name: str, default: int) -> int:
            raw = call.param(name)
            if raw is None or raw == "":
                return default
            try:
                value = int(raw)
            except ValueError:
                raise _OAError(-201, f"Parameters are invalid: {name} must be an integer") from None
            if value < 0:
                raise _OAError(-201, f"Parameters are invalid: {name} must not be negative")
            return value

        offset = number("offset", 0)
        limit = number("limit", MAX_SLICE_LIMIT)
        kind = call.param("type") or "normal"
        if kind not in ("normal", "video"):
            raise _OAError(-201, "Parameters are invalid: type must be normal or video")
        if limit > MAX_SLICE_LIMIT:
            raise _OAError(-210, f"Parameter exceeds the limit: limit must be at most {MAX_SLICE_LIMIT}")
        with self._lock:
            chosen = [a for a in self.articles if a.visible and a.type == kind]
            ordered = [a for _, a in sorted(enumerate(chosen), key=lambda p: (p[1].created, p[0]), reverse=True)]
            medias = [
                {
                    "id": a.id,
                    "type": a.type,
                    "title": a.title,
                    "status": a.status,
                    "total_view": a.total_view,
                    "total_share": a.total_share,
                    "create_date": _ms(a.created),
                    "update_date": _ms(a.updated),
                    "thumb": a.cover.get("photo_url", ""),
                    "link_view": self._link_view(a),
                }
                for a in ordered[offset : offset + limit]
            ]
            return {"medias": medias, "total": len(chosen)}

    def _article_getdetail(self, call: _Call) -> JsonObject:
        article = self._visible_article(call.param("id"))
        with self._lock:
            return {
                "id": article.id,
                "type": article.type,
                "title": article.title,
                "author": article.author,
                "description": article.description,
                "cover": article.cover,
                "body": article.body,
                "status": article.status,
                "comment": article.comment,
                "total_view": article.total_view,
                "total_share": article.total_share,
                "create_date": _ms(article.created),
                "update_date": _ms(article.updated),
                "link_view": self._link_view(article),
                "tracking_link": article.tracking_link or "",
                "related_medias": article.related_medias,
            }

    def _article_remove(self, call: _Call) -> JsonObject:
        article = self._visible_article(call.json_object().get("id"))
        with self._lock:
            article.removed = True
            article.updated = self.clock()
        return {}

    # ---- OA information and broadcast

    def _getoa(self, call: _Call) -> JsonObject:
        return {
            "oa_id": self.oa_id,
            "name": self.oa_name,
            "description": f"Trang Zalo chính thức của {self.oa_name}",
            "avatar": f"https://s160-ava-talk.zadn.vn/emulator/{self.oa_id}/avatar.jpg",
            "cover": f"https://cover-talk.zadn.vn/emulator/{self.oa_id}/cover.jpg",
            "is_verified": self.verified,
            "num_follower": self.followers,
            "package_name": self.package,
            "package_valid_through_date": self.package_valid_through_date if self.package else "",
        }

    def _message(self, call: _Call) -> JsonObject:
        payload = call.json_object()
        recipient = payload.get("recipient")
        if not isinstance(recipient, dict):
            raise _OAError(-201, "Parameters are invalid: recipient is required")
        if "target" not in recipient:
            if "user_id" in recipient:
                raise _OAError(-240)
            raise _OAError(-201, "Parameters are invalid: recipient.target is required for a broadcast")
        target = recipient["target"]
        if not isinstance(target, dict):
            raise _OAError(-201, "Parameters are invalid: recipient.target must be an object")
        message = payload.get("message")
        attachment = message.get("attachment") if isinstance(message, dict) else None
        template = attachment.get("payload") if isinstance(attachment, dict) else None
        if (
            not isinstance(attachment, dict)
            or attachment.get("type") != "template"
            or not isinstance(template, dict)
            or template.get("template_type") != "media"
        ):
            raise _OAError(-201, "Parameters are invalid: message.attachment must be a media template")
        elements = template.get("elements")
        if not isinstance(elements, list) or not elements:
            raise _OAError(-201, "Parameters are invalid: message.attachment.payload.elements is required")
        if len(elements) > MAX_ARTICLES_PER_BROADCAST:
            raise _OAError(-210, f"Parameter exceeds the limit: at most {MAX_ARTICLES_PER_BROADCAST} articles")
        article_ids: list[str] = []
        for index, element in enumerate(elements):
            where = f"elements[{index}]"
            if not isinstance(element, dict) or element.get("media_type") != "article":
                raise _OAError(-201, f"Parameters are invalid: {where}.media_type must be 'article'")
            try:
                article = self._visible_article(element.get("attachment_id"))
            except _OAError:
                raise _OAError(-201, f"Parameters are invalid: {where}.attachment_id is not an article") from None
            article_ids.append(article.id)
        if not self.verified:
            raise _OAError(-221)
        if self.package in ("", "Free"):
            raise _OAError(-224)
        local = datetime.fromtimestamp(self.clock(), VIETNAM)
        if local.hour >= 22 or local.hour < 6:
            raise _OAError(-234)
        with self._lock:
            message_id = uuid.uuid4().hex
            self.broadcasts.append(
                {
                    "message_id": message_id,
                    "target": target,
                    "article_ids": article_ids,
                    "sent_at": self.clock(),
                    "request": payload,
                }
            )
        return {"message_id": message_id}


class _Handler(BaseHTTPRequestHandler):
    owner: ZaloEmulator
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid the 40 ms delayed-ACK stall
    server_version = "ZaloEmulator/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._respond("GET")

    def do_POST(self) -> None:
        self._respond("POST")

    def do_PUT(self) -> None:
        self._respond("PUT")

    def do_DELETE(self) -> None:
        self._respond("DELETE")

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _respond(self, method: str) -> None:
        body = self._read_body()
        reply = self.owner._handle(self, method, body)
        if reply is None:
            self._reset()
            return
        try:
            self.send_response(reply.status)
            if reply.content_type is not None:
                self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            self.close_connection = True

    def _reset(self) -> None:
        """Close with RST: SO_LINGER 0, and close the socket now (rfile holds a reference to it)."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.connection.close()
        except OSError:
            pass


# --------------------------------------------------------------------------------------------------
# Static files (where tests publish the cards the emulator fetches)
# --------------------------------------------------------------------------------------------------


class _StaticHandler(SimpleHTTPRequestHandler):
    static_owner: StaticServer
    extensions_map = {  # noqa: RUF012 - the class attribute SimpleHTTPRequestHandler reads
        ".jpg": "image/jpeg",
        ".jpeg": "image/jpeg",
        ".png": "image/png",
        ".gif": "image/gif",
        ".txt": "text/plain",
        ".html": "text/html",
        "": "application/octet-stream",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        with self.static_owner._lock:
            self.static_owner.requests.append(self.path)
        return super().send_head()


class StaticServer:
    """Serves `directory` at http://127.0.0.1:PORT/ (Content-Type image/jpeg for .jpg/.jpeg, image/png for .png)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.url = ""
        self.requests: list[str] = []  # request paths, in order
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> StaticServer:
        if self._server is not None:
            return self
        owner, directory = self, str(self.directory)

        class Handler(_StaticHandler):
            static_owner = owner

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=directory, **kwargs)

        self._server = _Server(Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = _serve(self._server, "zalo-static-server")
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        stop_serving(server, thread)

    def url_for(self, name: str) -> str:
        return f"{self.url}/{name}"

    def __enter__(self) -> StaticServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
