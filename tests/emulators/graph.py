"""A loopback emulator of the Facebook Graph API: Page photo publishing, Page feeds and post insights.

Built from the documented platform behaviour collected in ``/work/shared/research/facebook-graph.md``
(and Meta's SDK codegen specs for parameter names), not from any particular client. Tests talk to it over
real HTTP on 127.0.0.1::

    with GraphEmulator() as fb:
        requests.post(f"{fb.url}/v25.0/{fb.page_id}/photos", headers={"Authorization": f"OAuth {fb.token}"},
                      data={"caption": "..."}, files={"source": ("card.jpg", jpeg, "image/jpeg")})

Only the standard library is used. Choices where Meta's own pages disagree are listed in ``CHOICES``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import re
import secrets
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from tests.emulators.loopback import LoopbackServer, stop_serving

__all__ = [
    "CHOICES",
    "DEFAULT_REMOVED_METRICS",
    "LIVE_POST_METRICS",
    "EmulatedPost",
    "Fault",
    "GraphEmulator",
    "RecordedRequest",
    "UploadedFile",
    "connection_reset",
    "created_then_error",
    "created_then_timeout",
    "graph_error",
    "html_error",
    "parse_multipart",
    "policy_block",
    "rate_limited",
]

CHOICES = """
Where the research note (or Meta's pages behind it) left a choice open, the emulator does this:
- Scheduling window: 600 s <= scheduled_publish_time - now <= 30 days (Posts guide), not 75 days (feed reference).
- Retired or unknown versions: error 2635, not silent fallback to the next-oldest version; unversioned paths too.
- Removed metrics fail in every version ("all API versions"), not only "above v25".
- /posts lists published posts only; /feed lists published and scheduled posts; /scheduled_posts scheduled only.
- No image at all -> 324 "(#324) Requires upload file"; more than one image source -> 100.
- Insights of a live metric that has no value yet -> the metric with value 0 ({} for *_by_type metrics).
- `shares` is omitted from a post when it has none (as Meta does), so clients must treat absence as 0.
"""

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_BATCH = 50
MAX_LIMIT = 100
SCHEDULE_MIN_SECONDS = 10 * 60
SCHEDULE_MAX_SECONDS = 30 * 24 * 3600
JSON_TYPE = "application/json; charset=UTF-8"
BATCH_JSON_TYPE = "text/javascript; charset=UTF-8"
NO_CACHE = "private, no-cache, no-store, must-revalidate"

_VERSION_RE = re.compile(r"^v\d+(?:\.\d+)?$")

#: Live post metrics (Page Insights reference, 2026): name -> (title, description, dict-valued?).
LIVE_POST_METRICS: dict[str, tuple[str, str, bool]] = {
    "post_media_view": ("Media views", "The number of times your content was played or displayed.", False),
    "post_total_media_view_unique": ("Viewers", "Number of total unique media viewers for FB post. (Estimated)", False),
    "post_clicks": ("Post clicks", "The number of times people clicked anywhere in your post.", False),
    "post_clicks_by_type": ("Post clicks by type", "The number of clicks on your post, broken down by type.", True),
    "post_reactions_by_type_total": ("Post reactions by type", "Total post reactions by type.", True),
    "post_reactions_like_total": ("Like reactions", "Total 'like' reactions of a post (includes 'care').", False),
    "post_reactions_love_total": ("Love reactions", "Total 'love' reactions of a post.", False),
    "post_reactions_wow_total": ("Wow reactions", "Total 'wow' reactions of a post.", False),
    "post_reactions_haha_total": ("Haha reactions", "Total 'haha' reactions of a post.", False),
    "post_reactions_sorry_total": ("Sorry reactions", "Total 'sad' reactions of a post.", False),
    "post_reactions_anger_total": ("Anger reactions", "Total 'anger' reactions of a post.", False),
    "post_activity_by_action_type": (
        "Post stories by action type",
        "The number of stories created about your post, by action type.",
        True,
    ),
    "post_activity_by_action_type_unique": (
        "Post story creators by action type",
        "The number of unique people who created a story about your post, by action type.",
        True,
    ),
}

#: Metrics the note records as removed for all versions (2024-03, 2024-09, 2025-11 and 2026-06 waves).
DEFAULT_REMOVED_METRICS: frozenset[str] = frozenset(
    {
        # 15 Nov 2025 and 15 Jun 2026: impressions -> views, reach -> viewers
        *(f"post_impressions{s}" for s in ("", "_unique")),
        *(f"post_impressions_{k}{s}" for k in ("organic", "paid", "fan", "viral", "nonviral") for s in ("", "_unique")),
        *(f"page_impressions{s}" for s in ("", "_unique")),
        *(f"page_impressions_{k}{s}" for k in ("organic", "paid", "viral", "nonviral") for s in ("", "_unique")),
        *(f"page_posts_impressions{s}" for s in ("", "_unique")),
        *(f"page_posts_impressions_{k}{s}" for k in ("organic", "paid", "viral", "nonviral") for s in ("", "_unique")),
        "page_posts_served_impressions_organic_unique",
        "page_fans",
        "page_fans_city",
        "page_fans_country",
        "page_fans_locale",
        "page_fan_adds",
        "page_fan_adds_unique",
        "page_fan_removes",
        "page_fan_removes_unique",
        "post_video_views_unique",
        "page_video_views_unique",
        # 16 Sep 2024
        "post_engaged_users",
        "post_clicks_unique",
        "post_clicks_by_type_unique",
        "post_engaged_fan",
        "post_impressions_by_story_type",
        "post_impressions_by_story_type_unique",
        "post_impressions_by_paid_non_paid",
        "post_impressions_by_paid_non_paid_unique",
        "post_negative_feedback",
        "post_negative_feedback_unique",
        "post_negative_feedback_by_type",
        "post_negative_feedback_by_type_unique",
        "page_impressions_organic_v2",
        "page_views",
        # 14 Mar 2024
        "page_engaged_users",
        "page_consumptions",
        "post_activity",
        "post_activity_unique",
    }
)

_INSIGHTS_PERIODS = ("day", "week", "days_28", "month", "lifetime", "total_over_range")

#: PagePost fields from Meta's codegen spec: requesting one the emulator does not model just omits it.
# fmt: off
_PAGEPOST_FIELDS = frozenset({
    "actions", "admin_creator", "allowed_advertising_objectives", "application", "backdated_time", "call_to_action",
    "can_reply_privately", "child_attachments", "comments_mirroring_domain", "coordinates", "created_time", "event",
    "expanded_height", "expanded_width", "feed_targeting", "from", "full_picture", "height", "icon", "id",
    "instagram_eligibility", "is_app_share", "is_eligible_for_dark_post", "is_eligible_for_promotion", "is_expired",
    "is_hidden", "is_inline_created", "is_instagram_eligible", "is_popular", "is_published", "is_spherical",
    "message", "message_tags", "multi_share_end_card", "multi_share_optimized", "parent_id", "permalink_url",
    "picture", "place", "privacy", "promotable_id", "promotion_status", "properties", "scheduled_publish_time",
    "shares", "status_type", "story", "story_tags", "subscribed", "target", "targeting", "timeline_visibility",
    "updated_time", "via", "video_buying_eligibility", "width"
})
# fmt: on
_POST_EDGES = frozenset({"reactions", "comments", "insights", "attachments", "likes", "sharedposts"})

_TOKEN_SUBCODE_MESSAGES = {
    458: "Error validating access token: The user has not authorized application.",
    459: "Error validating access token: You cannot access the app till you log in to www.facebook.com and follow the instructions given.",
    460: "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
    464: "Error validating access token: Sessions for the user are not allowed because the user is not a confirmed user.",
    467: "Error validating access token: The session is invalid because the user logged out.",
    492: "Error validating access token: The user associated with the Page access token does not have an appropriate role on the Page.",
}

_DEFAULT_MESSAGES = {
    1: "An unknown error occurred",
    2: "An unexpected error has occurred. Please retry your request later.",
    3: "(#3) Application does not have the capability to make this API call.",
    4: "(#4) Application request limit reached",
    10: "(#10) Application does not have permission for this action",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    100: "(#100) Invalid parameter",
    102: "Session key invalid or no longer valid",
    190: "Invalid OAuth access token - Cannot parse access token",
    200: "(#200) Permissions error",
    283: "(#283) Requires extended permission",
    324: "(#324) Missing or invalid image file",
    341: "(#341) Application limit reached",
    368: "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
    506: "(#506) Duplicate status message",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    3001: "Invalid query",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
}

_UNSUPPORTED = (
    "Unsupported {method} request. Object with ID '{obj}' does not exist, cannot be loaded due to missing "
    "permissions, or does not support this operation. Please read the Graph API documentation at "
    "https://developers.facebook.com/docs/graph-api"
)


# --------------------------------------------------------------------------------------------------------------
# Public data types
# --------------------------------------------------------------------------------------------------------------


@dataclass
class EmulatedPost:
    """A photo the emulator holds, and the Page post (story) it made.

    ``published`` is false for scheduled posts (until their time comes, judged by ``clock()``) and for
    unpublished uploads (``published=false`` without a schedule), which are not Page posts and are never listed.
    """

    photo_id: str
    post_id: str
    caption: str
    alt_text: str | None
    image: bytes
    image_type: str  # "jpeg" / "png" / "gif" / "bmp" / "tiff", or "url" when sent as url=
    created_time: float
    published: bool
    metrics: dict[str, Any] = field(default_factory=dict)
    scheduled_publish_time: int | None = None
    image_url: str | None = None
    kind: Literal["photo", "unpublished_photo", "feed"] = "photo"
    link: str | None = None


@dataclass(frozen=True)
class UploadedFile:
    filename: str | None
    content_type: str | None
    data: bytes


class Headers(dict[str, str]):
    """A dict of header values whose keys compare case-insensitively (stored lower-case)."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        for key, value in items:
            self[key] = value

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key.lower(), value)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


@dataclass
class RecordedRequest:
    """One request as the emulator received it (batch: the outer call, then one per sub-request)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    form: dict[str, str]
    file_fields: dict[str, bytes]
    in_batch: bool = False
    url: str = ""  # path plus raw query string, as sent (or as given in relative_url)
    token: str | None = None
    token_source: Literal["header", "query", "form", "batch"] | None = None
    files: dict[str, UploadedFile] = field(default_factory=dict)


FaultKind = Literal["error", "created_then_error", "created_then_timeout", "html", "reset"]


@dataclass(frozen=True)
class Fault:
    """What to do instead of (or after) the normal answer. Build one with the factory functions below."""

    kind: FaultKind
    code: int = 0
    subcode: int | None = None
    message: str = ""
    error_type: str = "OAuthException"
    http_status: int = 400
    is_transient: bool | None = None
    user_title: str | None = None
    user_msg: str | None = None
    seconds: float = 0.0
    rate_limit_eta_minutes: int | None = None
    html: str = ""


def graph_error(
    code: int,
    subcode: int | None = None,
    message: str | None = None,
    http_status: int | None = None,
    is_transient: bool | None = None,
    *,
    error_type: str = "OAuthException",
    user_title: str | None = None,
    user_msg: str | None = None,
) -> Fault:
    """A Graph error envelope, answered instead of running the request (nothing is created)."""
    return Fault(
        kind="error",
        code=code,
        subcode=subcode,
        message=message if message is not None else _DEFAULT_MESSAGES.get(code, f"(#{code}) Error"),
        error_type=error_type,
        http_status=http_status if http_status is not None else _default_status(code),
        is_transient=is_transient if is_transient is not None else (True if code in (1, 2) else None),
        user_title=user_title,
        user_msg=user_msg,
    )


def created_then_error(
    code: int = 2, http_status: int = 500, *, subcode: int | None = None, message: str | None = None
) -> Fault:
    """The duplicate trap (koala#699): the request takes effect (the photo IS posted), then the answer is an error."""
    base = graph_error(code, subcode, message, http_status, True if code in (1, 2) else None)
    return replace(base, kind="created_then_error")


def created_then_timeout(seconds: float) -> Fault:
    """The request takes effect, then the answer is held back ``seconds`` (longer than the client's timeout)."""
    return Fault(kind="created_then_timeout", seconds=seconds)


def html_error(status: int = 502) -> Fault:
    """A proxy's HTML error page (text/html), nothing created."""
    reason = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
    title = f"{status} {reason.get(status, 'Error')}"
    page = f"<!DOCTYPE html>\n<html><head><title>{title}</title></head><body><h1>{title}</h1><p>The server encountered a temporary error and could not complete your request.</p></body></html>\n"
    return Fault(kind="html", http_status=status, html=page)


def connection_reset() -> Fault:
    """Read the request, then close the socket (TCP RST) without answering; nothing is created."""
    return Fault(kind="reset")


def rate_limited(code: int = 80001, eta_minutes: int = 5, *, message: str | None = None) -> Fault:
    """A throttling error plus X-Business-Use-Case-Usage at call_count 100 (and X-App-Usage at 100 for code 4)."""
    if code not in (4, 17, 32, 613, 80001):
        raise ValueError(f"not a rate-limit code: {code}")
    return replace(graph_error(code, None, message, 400, True), rate_limit_eta_minutes=eta_minutes)


def policy_block(*, subcode: int | None = None, message: str | None = None) -> Fault:
    """Code 368, "deemed abusive / temporarily blocked", with the user-facing title and message Meta adds."""
    return graph_error(
        368,
        subcode,
        message,
        400,
        None,
        user_title="You Can't Use This Feature Right Now",
        user_msg="It looks like you were misusing this feature. You've been temporarily blocked from using it.",
    )


def _default_status(code: int) -> int:
    return 500 if code in (1, 2) else 400


# --------------------------------------------------------------------------------------------------------------
# Internals
# --------------------------------------------------------------------------------------------------------------


class _GraphError(Exception):
    def __init__(
        self,
        code: int,
        message: str | None = None,
        *,
        subcode: int | None = None,
        error_type: str = "OAuthException",
        status: int | None = None,
        is_transient: bool | None = None,
        user_title: str | None = None,
        user_msg: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message if message is not None else _DEFAULT_MESSAGES.get(code, f"(#{code}) Error")
        self.subcode = subcode
        self.error_type = error_type
        self.status = status if status is not None else _default_status(code)
        self.is_transient = is_transient
        self.user_title = user_title
        self.user_msg = user_msg


def _param_error(message: str, *, subcode: int | None = None) -> _GraphError:
    return _GraphError(100, f"(#100) {message}", subcode=subcode)


def _unsupported(method: str, obj: str) -> _GraphError:
    return _GraphError(
        100, _UNSUPPORTED.format(method=method.lower(), obj=obj), subcode=33, error_type="GraphMethodException"
    )


def _nonexisting_field(name: str, node: str) -> _GraphError:
    return _param_error(f"Tried accessing nonexisting field ({name}) on node type ({node})")


@dataclass
class _Response:
    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False
    delay: float = 0.0


@dataclass
class _Call:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, str]
    files: dict[str, UploadedFile]
    token: str | None
    token_source: Literal["header", "query", "form", "batch"] | None
    in_batch: bool = False
    version: str = ""

    @property
    def params(self) -> dict[str, str]:
        merged = {key: values[0] for key, values in self.query.items() if values}
        merged.update(self.form)
        return merged


@dataclass
class _QueuedFault:
    fault: Fault
    remaining: int
    path: re.Pattern[str] | None
    method: str | None


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _parse_time(value: str, name: str) -> float:
    text = value.strip()
    try:
        return float(int(text))
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _param_error(f"The parameter {name} must be a valid date or unix timestamp") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _parse_bool(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0", ""):
        return False
    raise _param_error(f"Param {name} must be a boolean")


def _split_top_level(spec: str) -> list[str]:
    """Split a ``fields=`` / ``metric=`` value on commas that are not inside (), {} or []."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in spec:
        if char in "({[":
            depth += 1
        elif char in ")}]":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [part for part in parts if part]


_MODIFIER_RE = re.compile(r"\.(\w+)\(([^()]*)\)")


def _parse_field(spec: str) -> tuple[str, dict[str, str]]:
    name = re.split(r"[.{]", spec, maxsplit=1)[0].strip()
    head = spec.split("{", 1)[0]
    return name, {key: value for key, value in _MODIFIER_RE.findall(head)}


def _metric_names(raw: str) -> list[str]:
    text = raw.strip()
    if text.startswith("["):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError:
            raise _param_error("The value must be a valid insights metric") from None
        return [str(item).strip() for item in loaded if str(item).strip()]
    return [name.strip() for name in text.split(",") if name.strip()]


_PARAM_RE = re.compile(r';\s*([^=;\s]+)\s*=\s*("(?:\\.|[^"\\])*"|[^;]*)')


def _header_params(value: str) -> tuple[str, dict[str, str]]:
    main = value.split(";", 1)[0].strip().lower()
    params: dict[str, str] = {}
    for key, raw in _PARAM_RE.findall(value):
        text = raw.strip()
        if text.startswith('"') and text.endswith('"') and len(text) >= 2:
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        key = key.lower()
        if key.endswith("*"):  # RFC 5987: charset'lang'percent-encoded
            charset, _, rest = text.partition("'")
            _, _, encoded = rest.partition("'")
            text = unquote(encoded, encoding=charset or "utf-8", errors="replace")
            key = key[:-1]
        params[key] = text
    return main, params


def parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Parse a multipart/form-data body into (text fields, file parts).

    A part is a file when it has a ``filename`` or a non-text Content-Type. First occurrence of a name wins.
    """
    _, ctype_params = _header_params(content_type)
    boundary = ctype_params.get("boundary")
    if not boundary:
        raise ValueError("multipart/form-data without a boundary")
    separator = b"\r\n--" + boundary.encode("latin-1")
    chunks = (b"\r\n" + body).split(separator)
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        _, _, part = chunk.partition(b"\r\n")  # rest of the boundary line (transport padding)
        if part.startswith(b"\r\n"):
            raw_headers, content = b"", part[2:]
        else:
            raw_headers, found, content = part.partition(b"\r\n\r\n")
            if not found:
                raise ValueError("malformed multipart part")
        headers: dict[str, str] = {}
        for line in raw_headers.split(b"\r\n"):
            header_name, colon, value = line.decode("utf-8", errors="replace").partition(":")
            if colon:
                headers[header_name.strip().lower()] = value.strip()
        _, disposition = _header_params(headers.get("content-disposition", ""))
        name = disposition.get("name")
        if name is None:
            continue
        part_type = headers.get("content-type")
        filename = disposition.get("filename")
        is_file = filename is not None or (part_type is not None and not part_type.lower().startswith("text/"))
        if is_file:
            files.setdefault(name, UploadedFile(filename, part_type, content))
        else:
            fields.setdefault(name, content.decode("utf-8", errors="replace"))
    return fields, files


def _image_type(data: bytes) -> str | None:
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    if data.startswith(PNG_MAGIC):
        return "png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data.startswith(b"BM") and len(data) > 26:
        return "bmp"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    return None


def _trace_id() -> str:
    return secrets.token_urlsafe(8)[:11]


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --------------------------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------------------------


class _Server(LoopbackServer):
    daemon_threads = False  # server_close() joins every handler thread: no leaks
    block_on_close = True

    def __init__(self, emulator: GraphEmulator) -> None:
        self.emulator = emulator
        super().__init__(_Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid the 40 ms delayed-ACK stall
    server_version = "GraphEmulator"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = bytearray()
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        server = self.server
        assert isinstance(server, _Server)
        emulator = server.emulator
        body = self._read_body()
        headers = Headers([(key, value) for key, value in self.headers.items()])
        try:
            response = emulator._handle_http(self.command, self.path, headers, body)
        except Exception as exc:  # an emulator bug must still answer, loudly
            response = _Response(500, _json_bytes({"error": {"message": f"emulator bug: {exc!r}", "code": 1}}))
        if response.reset:
            self.close_connection = True
            try:  # linger 0: close() sends a TCP RST instead of a FIN
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.rfile.close()
                self.wfile.close()
                self.connection.close()
            except OSError:
                pass
            self.rfile, self.wfile = io.BytesIO(), io.BytesIO()  # what handle()/finish() flush and close next
            return
        if response.delay > 0 and emulator._stopping.wait(response.delay):
            self.close_connection = True
            return
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except OSError:  # the client gave up (timeout tests)
            self.close_connection = True


# --------------------------------------------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------------------------------------------


class GraphEmulator:
    """Facebook Graph API (Pages publishing + post insights) on http://127.0.0.1:PORT."""

    def __init__(
        self,
        *,
        page_id: str = "1029384756",
        page_name: str = "Ban Dân vận Tỉnh ủy Bắc Giang",
        token: str = "EAAG-page-token-for-tests",
        app_secret: str | None = None,
        versions: tuple[str, ...] = ("v23.0", "v24.0", "v25.0", "v26.0"),
        scopes: tuple[str, ...] = ("pages_manage_posts", "pages_read_engagement", "pages_show_list", "read_insights"),
        token_expires_at: int = 0,
        clock: Callable[[], float] = time.time,
        app_id: str = "880011223344",
        application: str = "danvan-test",
    ) -> None:
        self.page_id = page_id
        self.page_name = page_name
        self.token = token
        self.app_secret = app_secret
        self.versions = versions
        self.scopes = scopes
        self.token_expires_at = token_expires_at
        self.clock = clock
        self.app_id = app_id
        self.application = application
        self.user_id = "100090000000001"
        self.posts: list[EmulatedPost] = []
        self.requests: list[RecordedRequest] = []
        self.removed_metrics: set[str] = set(DEFAULT_REMOVED_METRICS)
        self.latency: float = 0.0
        self._lock = threading.RLock()
        self._faults: list[_QueuedFault] = []
        self._app_usage: dict[str, int] | None = None
        self._buc_usage: dict[str, int] | None = None
        self._token_error: tuple[int, str] | None = None
        self._photo_seq = 500000000000000
        self._story_seq = 122100000000000
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> GraphEmulator:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(self)
        port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="graph-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        stop_serving(server, thread)
        self._server = None
        self._thread = None

    def __enter__(self) -> GraphEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ---------------------------------------------------------------- test controls

    @property
    def app_token(self) -> str:
        """An app access token ``{app_id}|{app_secret}``: accepted for debug_token only."""
        return f"{self.app_id}|{self.app_secret or 'emulator-app-secret'}"

    def appsecret_proof(self, token: str | None = None) -> str:
        if self.app_secret is None:
            raise ValueError("no app_secret configured")
        key = self.app_secret.encode("utf-8")
        return hmac.new(key, (token or self.token).encode("utf-8"), hashlib.sha256).hexdigest()

    def fail_next(self, fault: Fault, times: int = 1, *, path: str | None = None, method: str | None = None) -> None:
        """Queue ``fault`` for the next ``times`` requests whose path matches ``path`` (re.search) and method.

        Batch sub-requests are matched one by one (the outer call is matched as ``POST /{v}/``).
        """
        with self._lock:
            pattern = re.compile(path) if path is not None else None
            self._faults.append(_QueuedFault(fault, times, pattern, method.upper() if method else None))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def set_usage(self, *, app: dict[str, int] | None = None, buc: dict[str, int] | None = None) -> None:
        """Send these on every later response; ``None`` stops sending that header."""
        with self._lock:
            self._app_usage = None if app is None else {"call_count": 0, "total_cputime": 0, "total_time": 0, **app}
            self._buc_usage = (
                None
                if buc is None
                else {
                    "call_count": 0,
                    "total_cputime": 0,
                    "total_time": 0,
                    "estimated_time_to_regain_access": 0,
                    **buc,
                }
            )

    def invalidate_token(self, subcode: int = 463, message: str | None = None) -> None:
        """Every later call with the Page token fails with 190/``subcode`` (HTTP 400, OAuthException)."""
        with self._lock:
            self._token_error = (subcode, message or self._default_token_message(subcode))

    def set_metrics(self, post_id: str, **values: Any) -> None:
        """Set insights values (and ``shares`` / ``comments`` counts) of a post, by its post_id or photo id."""
        with self._lock:
            self._get_post(post_id).metrics.update(values)

    def post(self, post_or_photo_id: str) -> EmulatedPost:
        with self._lock:
            return self._get_post(post_or_photo_id)

    def add_post(
        self,
        caption: str,
        *,
        created_time: float | None = None,
        image: bytes = PNG_MAGIC,
        published: bool = True,
        scheduled_publish_time: int | None = None,
    ) -> EmulatedPost:
        """Seed a post as if made earlier (e.g. by a person in the Page UI)."""
        with self._lock:
            made = self._new_post(
                caption=caption,
                alt_text=None,
                image=image,
                image_type=_image_type(image) or "png",
                created_time=self.clock() if created_time is None else created_time,
                published=published,
                scheduled_publish_time=scheduled_publish_time,
                image_url=None,
                kind="photo",
            )
            return made

    def requests_to(self, path_regex: str, *, method: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if re.search(path_regex, r.path) and (method is None or r.method == method.upper())
            ]

    # ---------------------------------------------------------------- request pipeline

    def _handle_http(self, method: str, raw_path: str, headers: Headers, body: bytes) -> _Response:
        split = urlsplit(raw_path)
        path = unquote(split.path) or "/"
        query = parse_qs(split.query, keep_blank_values=True)
        try:
            form, files = self._parse_body(headers, body)
        except ValueError as exc:
            form, files = {}, {}
            body_error: _GraphError | None = _param_error(f"Could not parse the request body: {exc}")
        else:
            body_error = None
        token, source = self._find_token(headers, query, form)
        record = RecordedRequest(
            method=method,
            path=path,
            query=query,
            headers=headers,
            form=form,
            file_fields={name: part.data for name, part in files.items()},
            in_batch=False,
            url=raw_path,
            token=token,
            token_source=source,
            files=files,
        )
        with self._lock:
            self.requests.append(record)
        if self.latency > 0 and self._stopping.wait(self.latency):
            return _Response(503, b"", reset=True)
        call = _Call(method, path, query, form, files, token, source)
        if body_error is not None:
            return self._finish(self._error(body_error), call)
        return self._process(call)

    def _parse_body(self, headers: Headers, body: bytes) -> tuple[dict[str, str], dict[str, UploadedFile]]:
        if not body:
            return {}, {}
        content_type = headers.get("Content-Type", "") or ""
        main = content_type.split(";", 1)[0].strip().lower()
        if main == "multipart/form-data":
            return parse_multipart(body, content_type)
        if main in ("application/x-www-form-urlencoded", ""):
            parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
            return {key: values[0] for key, values in parsed.items()}, {}
        if main == "application/json":
            try:
                loaded = json.loads(body)
            except json.JSONDecodeError as exc:
                raise ValueError(str(exc)) from None
            if not isinstance(loaded, dict):
                raise ValueError("a JSON body must be an object")
            return {
                str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in loaded.items()
            }, {}
        return {}, {}

    @staticmethod
    def _find_token(
        headers: Headers, query: dict[str, list[str]], form: dict[str, str]
    ) -> tuple[str | None, Literal["header", "query", "form"] | None]:
        auth = (headers.get("Authorization") or "").strip()
        scheme, _, credentials = auth.partition(" ")
        if scheme.lower() in ("oauth", "bearer") and credentials.strip():
            return credentials.strip(), "header"
        if form.get("access_token"):
            return form["access_token"], "form"
        if query.get("access_token") and query["access_token"][0]:
            return query["access_token"][0], "query"
        return None, None

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for queued in self._faults:
                if queued.method is not None and queued.method != method.upper():
                    continue
                if queued.path is not None and not queued.path.search(path):
                    continue
                queued.remaining -= 1
                if queued.remaining <= 0:
                    self._faults.remove(queued)
                return queued.fault
        return None

    def _process(self, call: _Call) -> _Response:
        """Faults, then the endpoint; shared by plain calls and batch sub-requests."""
        fault = self._take_fault(call.method, call.path)
        if fault is not None and fault.kind == "reset":
            return _Response(0, b"", reset=True)
        if fault is not None and fault.kind == "html":
            return _Response(fault.http_status, fault.html.encode("utf-8"), content_type="text/html; charset=utf-8")
        if fault is not None and fault.kind == "error":
            return self._finish(self._error(self._fault_error(fault)), call, fault)
        response = self._finish(self._dispatch(call), call)
        if fault is not None and fault.kind == "created_then_error":
            return self._finish(self._error(self._fault_error(fault)), call)
        if fault is not None and fault.kind == "created_then_timeout":
            response.delay = fault.seconds
        return response

    @staticmethod
    def _fault_error(fault: Fault) -> _GraphError:
        return _GraphError(
            fault.code,
            fault.message,
            subcode=fault.subcode,
            error_type=fault.error_type,
            status=fault.http_status,
            is_transient=fault.is_transient,
            user_title=fault.user_title,
            user_msg=fault.user_msg,
        )

    def _finish(self, response: _Response, call: _Call, fault: Fault | None = None) -> _Response:
        """Add the headers Meta sends on JSON answers: trace id, API version, usage."""
        if "x-fb-trace-id" not in response.headers:
            response.headers["x-fb-trace-id"] = _trace_id()
        response.headers["x-fb-rev"] = "1020304050"
        response.headers["Cache-Control"] = NO_CACHE
        response.headers["facebook-api-version"] = call.version or self.versions[-1]
        with self._lock:
            app, buc = self._app_usage, self._buc_usage
        if fault is not None and fault.rate_limit_eta_minutes is not None:
            buc = {
                "call_count": 100,
                "total_cputime": (buc or {}).get("total_cputime", 0),
                "total_time": (buc or {}).get("total_time", 0),
                "estimated_time_to_regain_access": fault.rate_limit_eta_minutes,
            }
            if fault.code == 4:
                app = {"total_cputime": 0, "total_time": 0, **(app or {}), "call_count": 100}
        if app is not None:
            response.headers["X-App-Usage"] = json.dumps(app, separators=(",", ":"))
        if buc is not None:
            response.headers["X-Business-Use-Case-Usage"] = json.dumps(
                {self.page_id: [{"type": "pages", **buc}]}, separators=(",", ":")
            )
        return response

    def _error(self, err: _GraphError) -> _Response:
        trace = _trace_id()
        payload: dict[str, Any] = {"message": err.message, "type": err.error_type, "code": err.code}
        if err.subcode is not None:
            payload["error_subcode"] = err.subcode
        if err.is_transient is not None:
            payload["is_transient"] = err.is_transient
        if err.user_title is not None:
            payload["error_user_title"] = err.user_title
        if err.user_msg is not None:
            payload["error_user_msg"] = err.user_msg
        payload["fbtrace_id"] = trace
        headers = {"x-fb-trace-id": trace}
        if err.code == 190:
            headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{err.message}"'
        return _Response(err.status, _json_bytes({"error": payload}), headers=headers)

    def _dispatch(self, call: _Call) -> _Response:
        try:
            return _Response(200, _json_bytes(self._route(call)))
        except _GraphError as err:
            return self._error(err)
        except _BatchDone as done:
            return _Response(200, _json_bytes(done.results), delay=done.delay)
        except _ResetConnection:
            return _Response(0, b"", reset=True)

    # ---------------------------------------------------------------- auth

    def _default_token_message(self, subcode: int) -> str:
        if subcode == 463:
            now = self.clock()
            expired = self.token_expires_at or int(now) - 3600
            return (
                "Error validating access token: Session has expired on "
                f"{datetime.fromtimestamp(expired, tz=UTC).strftime('%A, %d-%b-%y %H:%M:%S UTC')}. "
                f"The current time is {datetime.fromtimestamp(now, tz=UTC).strftime('%A, %d-%b-%y %H:%M:%S UTC')}."
            )
        return _TOKEN_SUBCODE_MESSAGES.get(subcode, "Error validating access token: The session is invalid.")

    def _page_token_problem(self) -> tuple[int, str] | None:
        with self._lock:
            if self._token_error is not None:
                return self._token_error
        if self.token_expires_at and self.clock() >= self.token_expires_at:
            return 463, self._default_token_message(463)
        return None

    def _authorise(self, call: _Call, *, debug_token: bool) -> Literal["page", "app"]:
        token = call.token
        if token is not None and token == self.app_token:
            if not debug_token:
                raise _GraphError(200, "(#200) Provide valid app ID")
            return "app"
        if token is None or not hmac.compare_digest(token.encode(), self.token.encode()):
            raise _GraphError(190, "Invalid OAuth access token - Cannot parse access token")
        problem = self._page_token_problem()
        if problem is not None and not debug_token:
            raise _GraphError(190, problem[1], subcode=problem[0])
        if self.app_secret is not None and not call.in_batch:
            proof = call.params.get("appsecret_proof")
            if not proof:
                raise _GraphError(
                    100,
                    "API calls from the server require an appsecret_proof argument",
                    error_type="GraphMethodException",
                )
            if not hmac.compare_digest(proof.lower().encode(), self.appsecret_proof(token).encode()):
                raise _GraphError(
                    100, "Invalid appsecret_proof provided in the API argument", error_type="GraphMethodException"
                )
        return "page"

    def _require_scope(self, scope: str, message: str, code: int = 200) -> None:
        if scope not in self.scopes:
            raise _GraphError(code, message)

    # ---------------------------------------------------------------- routing

    def _route(self, call: _Call) -> Any:
        segments = [segment for segment in call.path.split("/") if segment]
        newest = max(self.versions, key=_version_key)
        if not segments or not _VERSION_RE.match(segments[0]):
            raise _GraphError(
                2635,
                f"(#2635) Unversioned calls are not served here: pin a Graph API version in the path, e.g. /{newest}/...",
            )
        version, rest = segments[0], segments[1:]
        if version not in self.versions:
            raise _GraphError(
                2635,
                f"(#2635) You are calling a deprecated version of the Graph API ({version}). "
                f"Please update to the latest version: {newest}.",
            )
        call.version = version
        self._authorise(call, debug_token=rest == ["debug_token"])
        self._publish_due_posts()
        method = call.method.upper()
        if rest and rest[0] == "me":
            rest = [self.page_id, *rest[1:]]
        if not rest:
            if method == "POST" and "batch" in call.params:
                if call.in_batch:
                    raise _param_error("A batch request cannot contain another batch request")
                return self._batch(call)
            raise _param_error("Unsupported get request." if method == "GET" else "Unsupported post request.")
        if rest == ["debug_token"] and method == "GET":
            return self._debug_token(call)
        obj = rest[0]
        if obj == self.page_id:
            return self._page_route(call, method, rest[1:])
        with self._lock:
            post = self._find_post(obj)
        if post is None:
            raise _unsupported(method, obj)
        if len(rest) == 1:
            return self._node_route(call, method, post, is_photo=obj == post.photo_id and obj != post.post_id)
        if rest[1] == "insights" and len(rest) <= 3 and method == "GET":
            if obj == post.photo_id and obj != post.post_id:
                raise _param_error("The value must be a valid insights metric")
            return self._insights(call, post, rest[2] if len(rest) == 3 else None)
        if len(rest) > 2:
            raise _GraphError(2500, "Unknown path components: /" + "/".join(rest[2:]))
        raise _nonexisting_field(rest[1], "Photo" if obj == post.photo_id else "PagePost")

    def _page_route(self, call: _Call, method: str, rest: list[str]) -> Any:
        if not rest:
            if method != "GET":
                raise _unsupported(method, self.page_id)
            return self._page_node(call)
        if len(rest) > 1:
            raise _GraphError(2500, "Unknown path components: /" + "/".join(rest[1:]))
        edge = rest[0]
        if edge == "photos" and method == "POST":
            return self._publish_photo(call)
        if edge == "feed" and method == "POST":
            return self._publish_feed(call)
        if edge in ("posts", "feed", "published_posts", "scheduled_posts") and method == "GET":
            return self._list_posts(call, edge)
        if edge in ("photos", "posts", "feed", "published_posts", "scheduled_posts", "insights"):
            raise _unsupported(method, self.page_id)
        raise _nonexisting_field(edge, "Page")

    def _page_node(self, call: _Call) -> dict[str, Any]:
        wanted = _split_top_level(call.params.get("fields", "") or "id,name")
        out: dict[str, Any] = {}
        for spec in wanted:
            name, _ = _parse_field(spec)
            if name == "id":
                out["id"] = self.page_id
            elif name == "name":
                out["name"] = self.page_name
            elif name == "link":
                out["link"] = f"https://www.facebook.com/{self.page_id}"
        out.setdefault("id", self.page_id)
        return out

    def _node_route(self, call: _Call, method: str, post: EmulatedPost, *, is_photo: bool) -> Any:
        if method == "GET":
            return self._photo_fields(call, post) if is_photo else self._post_fields(call.params.get("fields"), post)
        if method == "DELETE":
            self._require_scope("pages_manage_posts", "(#200) Permissions error")
            with self._lock:
                self.posts.remove(post)
            return {"success": True}
        if method == "POST":
            self._require_scope("pages_manage_posts", "(#200) Permissions error")
            params = call.params
            with self._lock:
                if "message" in params:
                    post.caption = params["message"]
                if "caption" in params:
                    post.caption = params["caption"]
            return {"success": True}
        raise _unsupported(method, post.post_id)

    # ---------------------------------------------------------------- posts and photos

    def _find_post(self, object_id: str) -> EmulatedPost | None:
        for post in self.posts:
            if object_id in (post.post_id, post.photo_id) and object_id:
                return post
        return None

    def _get_post(self, object_id: str) -> EmulatedPost:
        post = self._find_post(object_id)
        if post is None:
            raise KeyError(f"no post or photo with id {object_id!r}")
        return post

    def _new_post(
        self,
        *,
        caption: str,
        alt_text: str | None,
        image: bytes,
        image_type: str,
        created_time: float,
        published: bool,
        scheduled_publish_time: int | None,
        image_url: str | None,
        kind: Literal["photo", "unpublished_photo", "feed"],
        link: str | None = None,
    ) -> EmulatedPost:
        self._photo_seq += 1
        self._story_seq += 1
        post = EmulatedPost(
            photo_id=str(self._photo_seq) if kind != "feed" else "",
            post_id=f"{self.page_id}_{self._story_seq}",
            caption=caption,
            alt_text=alt_text,
            image=image,
            image_type=image_type,
            created_time=created_time,
            published=published,
            scheduled_publish_time=scheduled_publish_time,
            image_url=image_url,
            kind=kind,
            link=link,
        )
        self.posts.append(post)
        return post

    def _publish_due_posts(self) -> None:
        now = self.clock()
        with self._lock:
            for post in self.posts:
                if (
                    not post.published
                    and post.scheduled_publish_time is not None
                    and post.scheduled_publish_time <= now
                ):
                    post.published = True

    def _schedule(self, params: dict[str, str], *, allow_temporary: bool) -> tuple[bool, int | None]:
        published = _parse_bool(params["published"], "published") if "published" in params else True
        temporary = _parse_bool(params["temporary"], "temporary") if "temporary" in params else False
        raw = params.get("scheduled_publish_time", "").strip()
        if temporary and not allow_temporary:
            raise _param_error("Param temporary is not supported here")
        if temporary and (published or raw):
            raise _param_error("temporary photos must be unpublished and cannot have a scheduled_publish_time")
        if not raw:
            return published, None
        if published:
            raise _param_error("You cannot specify a scheduled publish time on a published post")
        when = _parse_time(raw, "scheduled_publish_time")
        delta = when - self.clock()
        if not SCHEDULE_MIN_SECONDS <= delta <= SCHEDULE_MAX_SECONDS:
            raise _GraphError(
                100,
                "(#100) The specified scheduled publish time is invalid.",
                user_title="Invalid Scheduled Publish Time",
                user_msg="The scheduled publish time must be between 10 minutes and 30 days from the time of the request.",
            )
        return False, int(when)

    def _publish_photo(self, call: _Call) -> dict[str, Any]:
        self._require_scope(
            "pages_manage_posts",
            "(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts permission with page token",
        )
        params = call.params
        sources = len(call.files) + sum(1 for key in ("url", "vault_image_id", "sync_object_uuid") if params.get(key))
        if sources == 0:
            raise _GraphError(324, "(#324) Requires upload file")
        if sources > 1:
            raise _param_error("Exactly one of url, a file attachment, vault_image_id or sync_object_uuid may be given")
        image, image_type, image_url = b"", "url", None
        if call.files:
            image = next(iter(call.files.values())).data
            kind = _image_type(image)
            if kind is None or len(image) > MAX_PHOTO_BYTES:
                raise _GraphError(324, "(#324) Missing or invalid image file")
            image_type = kind
        elif params.get("url"):
            image_url = params["url"].strip()
            if urlsplit(image_url).scheme not in ("http", "https") or not urlsplit(image_url).netloc:
                raise _param_error("url should represent a valid URL")
        else:
            raise _param_error("Invalid vault_image_id / sync_object_uuid")
        published, scheduled = self._schedule(params, allow_temporary=True)
        caption = params.get("caption") or params.get("message") or params.get("name") or ""
        story = published or scheduled is not None
        with self._lock:
            post = self._new_post(
                caption=caption,
                alt_text=params.get("alt_text_custom"),
                image=image,
                image_type=image_type,
                created_time=self.clock(),
                published=published,
                scheduled_publish_time=scheduled,
                image_url=image_url,
                kind="photo" if story else "unpublished_photo",
            )
        out: dict[str, Any] = {"id": post.photo_id}
        if story:
            out["post_id"] = post.post_id
        if params.get("fields"):
            for key, value in self._photo_fields(call, post).items():
                out.setdefault(key, value)
        return out

    def _publish_feed(self, call: _Call) -> dict[str, Any]:
        self._require_scope(
            "pages_manage_posts",
            "(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts permission with page token",
        )
        params = call.params
        attached: list[EmulatedPost] = []
        for key in sorted(k for k in params if re.fullmatch(r"attached_media\[\d+\]", k)):
            try:
                fbid = str(json.loads(params[key])["media_fbid"])
            except (json.JSONDecodeError, KeyError, TypeError):
                raise _param_error(f"Param {key} must be a JSON object with media_fbid") from None
            with self._lock:
                photo = self._find_post(fbid)
            if photo is None or photo.kind != "unpublished_photo":
                raise _param_error(f"Invalid media_fbid {fbid}: upload it unpublished to /photos first")
            attached.append(photo)
        message, link = params.get("message", ""), params.get("link")
        if not message and not link and not attached:
            raise _param_error("Either link or message is required")
        published, scheduled = self._schedule(params, allow_temporary=False)
        first = attached[0] if attached else None
        with self._lock:
            post = self._new_post(
                caption=message,
                alt_text=first.alt_text if first else None,
                image=first.image if first else b"",
                image_type=first.image_type if first else "",
                created_time=self.clock(),
                published=published,
                scheduled_publish_time=scheduled,
                image_url=first.image_url if first else None,
                kind="feed",
                link=link,
            )
            if first is not None:  # the uploaded photos now belong to the feed post
                post.photo_id = first.photo_id
                for photo in attached:
                    self.posts.remove(photo)
        return {"id": post.post_id}

    def _listable(self, post: EmulatedPost, edge: str) -> bool:
        if post.kind == "unpublished_photo":
            return False
        if edge == "scheduled_posts":
            return not post.published and post.scheduled_publish_time is not None
        if edge in ("posts", "published_posts"):
            return post.published
        return True  # feed: published and scheduled

    def _list_posts(self, call: _Call, edge: str) -> dict[str, Any]:
        self._require_scope(
            "pages_read_engagement",
            "(#10) This endpoint requires the 'pages_read_engagement' permission or the 'Page Public Content Access' feature.",
            code=10,
        )
        params = call.params
        try:
            limit = int(params.get("limit") or 25)
        except ValueError:
            raise _param_error("Param limit must be an integer") from None
        if limit > MAX_LIMIT:
            raise _param_error(f"The limit parameter cannot exceed {MAX_LIMIT}")
        limit = max(limit, 1)
        since = _parse_time(params["since"], "since") if params.get("since") else None
        until = _parse_time(params["until"], "until") if params.get("until") else None
        with self._lock:
            rows = [p for p in self.posts if self._listable(p, edge)]
        rows.sort(key=lambda p: (p.created_time, int(p.post_id.rsplit("_", 1)[1])), reverse=True)
        if since is not None:
            rows = [p for p in rows if p.created_time >= since]
        if until is not None:
            rows = [p for p in rows if p.created_time <= until]
        start = 0
        if params.get("after"):
            start = self._cursor_index(rows, params["after"]) + 1
        elif params.get("before"):
            start = max(0, self._cursor_index(rows, params["before"]) - limit)
        page = rows[start : start + limit]
        fields = params.get("fields") or "id,message,created_time"
        data = [self._post_fields(fields, post) for post in page]
        out: dict[str, Any] = {"data": data}
        if page:
            paging: dict[str, Any] = {
                "cursors": {"before": self._cursor(page[0]), "after": self._cursor(page[-1])},
            }
            if start + limit < len(rows):
                paging["next"] = self._page_url(call, {"limit": str(limit), "after": self._cursor(page[-1])})
            if start > 0:
                paging["previous"] = self._page_url(call, {"limit": str(limit), "before": self._cursor(page[0])})
            out["paging"] = paging
        return out

    @staticmethod
    def _cursor(post: EmulatedPost) -> str:
        return base64.urlsafe_b64encode(post.post_id.encode()).decode().rstrip("=")

    @staticmethod
    def _cursor_index(rows: list[EmulatedPost], cursor: str) -> int:
        try:
            post_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise _param_error("Invalid cursor") from None
        for index, post in enumerate(rows):
            if post.post_id == post_id:
                return index
        raise _param_error("Invalid cursor")

    def _page_url(self, call: _Call, extra: dict[str, str]) -> str:
        """A paging link like Meta's: the original query (the token only if it came in the query) plus cursor."""
        pairs: list[tuple[str, str]] = []
        for key, values in call.query.items():
            if key in ("after", "before", "limit") or (key == "access_token" and call.token_source != "query"):
                continue
            pairs.extend((key, value) for value in values)
        pairs.extend(extra.items())
        return f"{self.url}{call.path}?{urlencode(pairs)}"

    def _post_fields(self, fields: str | None, post: EmulatedPost) -> dict[str, Any]:
        specs = _split_top_level(fields or "id,message,created_time")
        out: dict[str, Any] = {}
        for spec in specs:
            name, modifiers = _parse_field(spec)
            if name not in _PAGEPOST_FIELDS and name not in _POST_EDGES:
                raise _nonexisting_field(name, "PagePost")
            value = self._post_field(name, modifiers, post)
            if value is not None:
                out[name] = value
        out.setdefault("id", post.post_id)
        return out

    def _post_field(self, name: str, modifiers: dict[str, str], post: EmulatedPost) -> Any:
        metrics = post.metrics
        if name == "id":
            return post.post_id
        if name == "message":
            return post.caption or None
        if name in ("created_time", "updated_time"):
            return _iso(post.created_time)
        if name == "is_published":
            return post.published
        if name in ("is_hidden", "is_expired"):
            return False
        if name == "scheduled_publish_time":
            return post.scheduled_publish_time
        if name == "permalink_url":
            return f"https://www.facebook.com/{post.post_id}"
        if name == "status_type":
            return "added_photos" if post.photo_id else "mobile_status_update"
        if name in ("full_picture", "picture"):
            return f"https://scontent.emulator.invalid/{post.photo_id}.jpg" if post.photo_id else None
        if name == "from":
            return {"name": self.page_name, "id": self.page_id}
        if name == "shares":
            shares = int(metrics.get("shares", 0))
            return {"count": shares} if shares else None
        if name == "reactions":
            by_type = metrics.get("post_reactions_by_type_total") or {}
            total = sum(int(v) for v in by_type.values()) if isinstance(by_type, dict) else 0
            return self._summary_edge(modifiers, {"total_count": total, "viewer_reaction": "NONE"})
        if name == "comments":
            total = int(metrics.get("comments", 0))
            return self._summary_edge(modifiers, {"order": "ranked", "total_count": total, "can_comment": True})
        if name == "insights":
            names = _metric_names(modifiers.get("metric", ""))
            if not names:
                raise self._no_metric_error()
            return {"data": self._insight_rows(post, names, modifiers.get("period", "lifetime"))}
        if name == "attachments":
            if not post.photo_id:
                return {"data": []}
            return {
                "data": [
                    {
                        "media_type": "photo",
                        "type": "photo",
                        "target": {
                            "id": post.photo_id,
                            "url": f"https://www.facebook.com/photo.php?fbid={post.photo_id}",
                        },
                        "description": post.caption,
                    }
                ]
            }
        return None  # a real PagePost field this emulator does not model

    @staticmethod
    def _summary_edge(modifiers: dict[str, str], summary: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"data": []}
        if modifiers.get("summary", "").lower() in ("true", "1", "total_count"):
            out["summary"] = summary
        return out

    def _photo_fields(self, call: _Call, post: EmulatedPost) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for spec in _split_top_level(call.params.get("fields") or "id,created_time,name"):
            name, _ = _parse_field(spec)
            if name == "id":
                out["id"] = post.photo_id
            elif name == "name" and post.caption:
                out["name"] = post.caption
            elif name in ("created_time", "updated_time"):
                out[name] = _iso(post.created_time)
            elif name == "alt_text_custom" and post.alt_text is not None:
                out["alt_text_custom"] = post.alt_text
            elif name == "link":
                out["link"] = f"https://www.facebook.com/photo.php?fbid={post.photo_id}"
            elif name in ("page_story_id", "post_id") and post.kind != "unpublished_photo":
                out[name] = post.post_id
        out.setdefault("id", post.photo_id)
        return out

    # ---------------------------------------------------------------- insights

    @staticmethod
    def _no_metric_error() -> _GraphError:
        return _GraphError(
            3001,
            "Invalid query",
            subcode=1504028,
            user_title="No Metric Specified",
            user_msg="No metric was specified to be fetched. Please specify one or more comma separated metrics to be fetched.",
        )

    def _insights(self, call: _Call, post: EmulatedPost, metric_in_path: str | None) -> dict[str, Any]:
        self._require_scope("read_insights", "(#10) This endpoint requires the 'read_insights' permission.", code=10)
        params = call.params
        names = [metric_in_path] if metric_in_path else _metric_names(params.get("metric", ""))
        if not names:
            raise self._no_metric_error()
        period = params.get("period", "lifetime") or "lifetime"
        return {"data": self._insight_rows(post, names, period)}

    def _insight_rows(self, post: EmulatedPost, names: list[str], period: str) -> list[dict[str, Any]]:
        if period not in _INSIGHTS_PERIODS:
            raise _param_error("period must be one of the following values: " + ", ".join(_INSIGHTS_PERIODS))
        with self._lock:
            removed = set(self.removed_metrics)
            values = dict(post.metrics)
        valid = (set(LIVE_POST_METRICS) | {k for k in values if k.startswith("post_")}) - removed
        for name in names:
            if name not in valid:
                raise _param_error("The value must be a valid insights metric")
        if period != "lifetime":
            return []  # post metrics only exist for period=lifetime: other periods yield no rows
        rows: list[dict[str, Any]] = []
        for name in dict.fromkeys(names):
            title, description, dict_valued = LIVE_POST_METRICS.get(
                name, (name.replace("_", " ").capitalize(), name, False)
            )
            value = values.get(name, {} if dict_valued else 0)
            rows.append(
                {
                    "name": name,
                    "period": "lifetime",
                    "values": [{"value": value}],
                    "title": f"Lifetime {title}",
                    "description": f"Lifetime: {description}",
                    "id": f"{post.post_id}/insights/{name}/lifetime",
                }
            )
        return rows

    # ---------------------------------------------------------------- debug_token

    def _debug_token(self, call: _Call) -> dict[str, Any]:
        input_token = call.params.get("input_token", "")
        if not input_token:
            raise _param_error("The parameter input_token is required")
        if input_token == self.app_token:
            return {"data": {"app_id": self.app_id, "type": "APP", "application": self.application, "is_valid": True}}
        if input_token != self.token:
            return {
                "data": {
                    "error": {"code": 190, "message": "Invalid OAuth access token - Cannot parse access token"},
                    "is_valid": False,
                    "scopes": [],
                }
            }
        now = self.clock()
        data: dict[str, Any] = {
            "app_id": self.app_id,
            "type": "PAGE",
            "application": self.application,
            "data_access_expires_at": int(now) + 90 * 24 * 3600,
            "expires_at": self.token_expires_at,
            "is_valid": True,
            "issued_at": int(now) - 86400,
            "profile_id": self.page_id,
            "scopes": list(self.scopes),
            "granular_scopes": [
                {"scope": scope, "target_ids": [self.page_id]}
                if scope.startswith("pages_") or scope == "read_insights"
                else {"scope": scope}
                for scope in self.scopes
            ],
            "user_id": self.user_id,
        }
        problem = self._page_token_problem()
        if problem is not None:
            data["is_valid"] = False
            data["error"] = {"code": 190, "message": problem[1], "subcode": problem[0]}
        return {"data": data}

    # ---------------------------------------------------------------- batch

    def _batch(self, outer: _Call) -> Any:
        try:
            batch = json.loads(outer.params["batch"])
        except json.JSONDecodeError:
            raise _param_error("The parameter batch must be a JSON array") from None
        if not isinstance(batch, list) or not batch:
            raise _param_error("The parameter batch must be a non-empty JSON array")
        if len(batch) > MAX_BATCH:
            raise _param_error(f"Too many requests in batch message. Maximum batch size is {MAX_BATCH}")
        include_headers = _parse_bool(outer.params.get("include_headers", "true"), "include_headers")
        results: list[Any] = []
        delay = 0.0
        for item in batch:
            if not isinstance(item, dict) or not isinstance(item.get("relative_url"), str):
                results.append(self._batch_entry(self._error(_param_error("Missing relative_url")), include_headers))
                continue
            call = self._sub_call(outer, item)
            response = self._process(call)
            if response.reset:
                raise _ResetConnection
            delay = max(delay, response.delay)
            results.append(self._batch_entry(response, include_headers))
        raise _BatchDone(results, delay)

    def _sub_call(self, outer: _Call, item: dict[str, Any]) -> _Call:
        method = str(item.get("method") or "GET").upper()
        relative = str(item["relative_url"]).strip()
        split = urlsplit(relative)
        segments = [s for s in unquote(split.path).split("/") if s]
        if not segments or not _VERSION_RE.match(segments[0]):
            segments = [outer.version, *segments]
        path = "/" + "/".join(segments)
        query = parse_qs(split.query, keep_blank_values=True)
        body = item.get("body")
        form: dict[str, str] = {}
        if isinstance(body, str):
            form = {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}
        elif isinstance(body, dict):
            form = {str(k): str(v) for k, v in body.items()}
        files: dict[str, UploadedFile] = {}
        attached = item.get("attached_files")
        if isinstance(attached, str):
            for name in (n.strip() for n in attached.split(",")):
                if name in outer.files:
                    files[name] = outer.files[name]
        sub_headers = Headers(
            [
                (str(h.get("name", "")), str(h.get("value", "")))
                for h in item.get("headers") or []
                if isinstance(h, dict)
            ]
        )
        token, source = self._find_token(sub_headers, query, form)
        final_source: Literal["header", "query", "form", "batch"] | None = source
        if token is None:
            token, final_source = outer.token, "batch"
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    method=method,
                    path=path,
                    query=query,
                    headers=sub_headers,
                    form=form,
                    file_fields={name: part.data for name, part in files.items()},
                    in_batch=True,
                    url=relative,
                    token=token,
                    token_source=final_source,
                    files=files,
                )
            )
        return _Call(method, path, query, form, files, token, final_source, in_batch=True)

    @staticmethod
    def _batch_entry(response: _Response, include_headers: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {"code": response.status}
        if include_headers:
            content_type = BATCH_JSON_TYPE if response.content_type == JSON_TYPE else response.content_type
            entry["headers"] = [
                {"name": "Content-Type", "value": content_type},
                {"name": "Cache-Control", "value": NO_CACHE},
                *(
                    {"name": key, "value": value}
                    for key, value in response.headers.items()
                    if key in ("X-App-Usage", "X-Business-Use-Case-Usage", "WWW-Authenticate")
                ),
            ]
        entry["body"] = response.body.decode("utf-8", errors="replace")
        return entry


class _ResetConnection(Exception):
    """A batch sub-request drew connection_reset(): the whole connection is dropped."""


class _BatchDone(Exception):
    def __init__(self, results: list[Any], delay: float) -> None:
        super().__init__("batch done")
        self.results = results
        self.delay = delay


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))
