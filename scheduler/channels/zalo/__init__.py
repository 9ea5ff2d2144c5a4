"""Zalo Official Account: each post becomes an OA article with the card, optionally broadcast to followers.

Facts this module is built on (../shared/research/zalo-oa.md): errors arrive with HTTP 200 and a negative
`error`; the access token travels in the bare `access_token` header; articles take image URLs, so the card
is copied into `image_dir` under its content hash and served at `image_base_url`; `article/create` returns
a job token and `article/verify` answers -214 until the article id exists; `article/getslice` (10 per
page) carries `total_view` and `total_share`, the only reach Zalo offers.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.channels import CardFile, Outgoing, Published
from scheduler.channels.http import HttpClient, RetryPolicy, Sleep, json_body
from scheduler.channels.zalo.errors import EXPLANATIONS, as_int, classify
from scheduler.channels.zalo.store import ZaloStore
from scheduler.channels.zalo.tokens import TokenKeeper
from scheduler.errors import ChannelError
from scheduler.files import SymlinkRefusedError, holds_bytes, write_atomically
from scheduler.project.models import ZaloSettings
from scheduler.timefmt import moment_text

log = logging.getLogger("danvan.zalo")

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
TITLE_LIMIT, DESCRIPTION_LIMIT, AUTHOR_LIMIT = 150, 300, 50
SLICE_LIMIT = 10  # getslice answers at most 10 articles per page
SLICE_PAGES = 30  # look at most this far back for our articles (300 articles)
VERIFY_POLLS = 10
CREATE_ATTEMPTS = 3
NIGHT_CODE = -234
PROCESSING_CODE = -214
MORNING = dt.time(6, 5)
CLOCK_MARGIN = 60  # seconds: how far before its slot an article may appear to be, when clocks disagree  # broadcasts are refused 22:00-06:00; a few minutes of margin


def shorten(text: str, limit: int) -> str:
    """NFC text within `limit` characters, cut at a word boundary with an ellipsis when it must be cut."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–") + "…"


def next_morning(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(VIETNAM)
    day = local.date() if local.time() < MORNING else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, MORNING, VIETNAM)


@dataclass(frozen=True)
class ZaloMetrics:
    values: dict[str, int | None]
    raw: dict[str, Any]


@dataclass(frozen=True)
class Finding:
    severity: str
    message: str


class ZaloChannel:
    def __init__(
        self,
        name: str,
        settings: ZaloSettings,
        store: ZaloStore,
        *,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        policy: RetryPolicy | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.name = name
        self.settings = settings
        self.store = store
        self.clock = clock
        self.sleep = sleep
        self.http = HttpClient(
            platform="Zalo",
            classify=classify,
            policy=policy or RetryPolicy(),
            sleep=sleep,
            secrets=[settings.app_secret],
        )
        self.tokens = TokenKeeper(name, settings, store, policy or RetryPolicy(), clock, sleep)

    # --- publishing -------------------------------------------------------------------------

    def publish(self, post: Outgoing) -> Published:
        photo_url = self.host_card(post.card)
        article = self._article(post, photo_url)
        article_id = self._create_once(post, article)
        if not self.settings.broadcast:
            return Published(remote_id=article_id)
        note, after = self.broadcast(article_id)
        return Published(remote_id=article_id, note=note, broadcast_after=after)

    def host_card(self, card: CardFile) -> str:
        """Copy the card into image_dir under its content hash; Zalo fetches it from image_base_url."""
        name = f"{card.hash}.{card.extension}"
        target = self.settings.image_dir / name
        # A file of that name is reused only when its bytes are this card's: anything else that was put
        # there (an edited or replaced image) is served to Zalo under the agency's name, so it is rewritten.
        if not holds_bytes(target, card.data):
            try:
                self.settings.image_dir.mkdir(parents=True, exist_ok=True)
                write_atomically(target, card.data)
            except SymlinkRefusedError as exc:
                raise ChannelError(f"không ghi thẻ vào image_dir: {exc}", "permanent") from exc
            except OSError as exc:
                raise ChannelError(
                    f"không ghi được thẻ vào thư mục image_dir {self.settings.image_dir}: {exc.strerror}", "transient"
                ) from exc
        return f"{self.settings.image_base_url}{name}"

    def _article(self, post: Outgoing, photo_url: str) -> dict[str, Any]:
        return {
            "type": "normal",
            "title": self.title_of(post),
            "author": shorten(self.settings.author or post.issued_by or "Ban Dân vận", AUTHOR_LIMIT),
            "description": shorten(post.caption, DESCRIPTION_LIMIT),
            "cover": {"cover_type": "photo", "photo_url": photo_url, "status": "show"},
            "body": [
                {"type": "image", "url": photo_url, "caption": shorten(post.text, DESCRIPTION_LIMIT)},
                {"type": "text", "content": post.caption},
            ],
            "status": "show",
            "comment": "show",
        }

    @staticmethod
    def title_of(post: Outgoing) -> str:
        return shorten(post.text, TITLE_LIMIT)

    def _create_once(self, post: Outgoing, article: dict[str, Any]) -> str:
        """Create the article; after an unknown outcome, look for it before creating it again."""
        last: ChannelError | None = None
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                token = self._call("POST", "/v2.0/article/create", json_body=article, idempotent=False)["token"]
            except ChannelError as exc:
                if exc.kind != "unknown":
                    raise
                found = self.find_published(post)
                if found is not None and found.remote_id:
                    log.info("Zalo: bài viết lượt %s đã được tạo dù lời gọi báo lỗi; không tạo lại", post.slot)
                    return found.remote_id
                last = exc
                if attempt < CREATE_ATTEMPTS:
                    self.sleep(self.http.policy.base_delay * attempt)
                continue
            return self._accepted_article(str(token), post)
        assert last is not None
        raise ChannelError(f"{last}; đã thử {CREATE_ATTEMPTS} lần và không thấy bài viết trên OA", "unknown")

    def _accepted_article(self, token: str, post: Outgoing) -> str:
        """Zalo took the article (it gave a job token): from here a failure is an unknown outcome, never a
        reason to create it again, since a still-processing article is not listed by getslice either."""
        try:
            return self._wait_for_article(token, post)
        except ChannelError as exc:
            raise ChannelError(f"Zalo đã nhận bài viết nhưng chưa xác nhận: {exc}", "unknown", ambiguous=True) from exc

    def _wait_for_article(self, token: str, post: Outgoing) -> str:
        for poll in range(VERIFY_POLLS):
            try:
                data = self._call("POST", "/v2.0/article/verify", json_body={"token": token}, idempotent=True)
                return str(data["id"])
            except ChannelError as exc:
                if exc.code != PROCESSING_CODE:
                    raise
            self.sleep(min(2.0 * (poll + 1), 10.0))
        raise ChannelError("Zalo vẫn đang xử lý bài viết sau nhiều lần kiểm tra", "unknown")

    def find_published(self, post: Outgoing) -> Published | None:
        """This slot's article among the newest ones: same title, created after shortly before the slot."""
        title = self.title_of(post)
        since_ms = (post.slot.timestamp() - 600) * 1000
        try:
            medias = self._articles(pages=3)
        except ChannelError as exc:  # a failed look is not "absent": creating again could make a second article
            raise ChannelError(f"không xem được các bài viết trên OA ({exc})", "unknown", code=exc.code) from exc
        for media in medias:
            if (
                shorten(str(media.get("title", "")), TITLE_LIMIT) == title
                and (as_int(media.get("create_date")) or 0) >= since_ms
            ):
                return Published(remote_id=str(media["id"]))
        return None

    # --- broadcast --------------------------------------------------------------------------

    def broadcast(self, article_id: str) -> tuple[str, dt.datetime | None]:
        """Send the article to followers: (what happened, and when to try again if it must wait).

        A refusal is explained (the article itself stays published). At night the broadcast waits for the
        morning; the publisher queues it with the post, since a channel never writes the ledger.
        """
        try:
            data = self._call("POST", "/v2.0/oa/message", json_body=_broadcast_body(article_id), idempotent=False)
        except ChannelError as exc:
            if exc.code == NIGHT_CODE:
                morning = next_morning(self.clock())
                return f"broadcast dời sang {moment_text(morning)} vì Zalo không cho gửi 22:00-06:00", morning
            log.warning("Zalo: đã đăng bài viết nhưng không gửi được broadcast: %s", exc)
            return f"đã đăng bài viết nhưng không gửi được broadcast: {exc}", None
        return f"đã gửi broadcast (message_id {data.get('message_id')})", None

    def send_due_broadcasts(self) -> int:
        """Broadcasts deferred to the morning whose time has come; returns how many went out."""
        sent = 0
        for pending in self.store.due_broadcasts(self.name, self.clock()):
            try:
                data = self._call(
                    "POST", "/v2.0/oa/message", json_body=_broadcast_body(pending.article_id), idempotent=False
                )
                message_id, error = str(data.get("message_id")), None
                sent += 1
            except ChannelError as exc:
                if exc.code == NIGHT_CODE:
                    continue
                message_id, error = None, str(exc)
            self.store.finish_broadcast(pending.id, message_id, error, self.clock())
        return sent

    # --- reach and followers ----------------------------------------------------------------

    def read_reach(self, remote_ids: Sequence[str]) -> dict[str, ZaloMetrics | ChannelError]:
        """total_view and total_share of each article, from getslice pages (10 articles a call)."""
        wanted = set(remote_ids)
        found: dict[str, ZaloMetrics | ChannelError] = {}
        for media in self._articles(pages=SLICE_PAGES, until_found=wanted):
            article_id = str(media.get("id"))
            if article_id in wanted:
                views, shares = as_int(media.get("total_view")), as_int(media.get("total_share"))
                raw = {"total_view": views, "total_share": shares}
                found[article_id] = ZaloMetrics(
                    {"reach": views, "views": views, "reactions": None, "clicks": None, "shares": shares}, raw
                )
        for missing in wanted - set(found):
            found[missing] = ChannelError(
                f"không thấy bài viết {missing} trong {SLICE_PAGES * SLICE_LIMIT} bài mới nhất của OA", "permanent"
            )
        return found

    def followers(self) -> int:
        data = self._call("GET", "/v2.0/oa/getoa", idempotent=True)
        return int(data.get("num_follower") or 0)

    def verify(self, now: dt.datetime) -> list[Finding]:
        """`danvan check --online`: the token works, which OA it is, whether it may publish articles."""
        try:
            data = self._call("GET", "/v2.0/oa/getoa", idempotent=True)
        except ChannelError as exc:
            return [Finding("error", str(exc))]
        findings = [
            Finding(
                "ok", f"mã truy cập dùng được cho OA '{data.get('name')}' ({data.get('num_follower')} người quan tâm)"
            )
        ]
        if data.get("is_verified") is False:
            findings.append(Finding("error", EXPLANATIONS[-221]))
        package = str(data.get("package_name") or "")
        if package.lower() in ("", "free", "basic"):
            findings.append(
                Finding(
                    "warning",
                    f"gói dịch vụ của OA là '{package or 'miễn phí'}': có thể không đăng bài qua API được (-224)",
                )
            )
        return findings

    # --- plumbing ---------------------------------------------------------------------------

    def _articles(self, pages: int, until_found: set[str] | None = None) -> list[Mapping[str, Any]]:
        collected: list[Mapping[str, Any]] = []
        remaining = set(until_found or ())
        for page in range(pages):
            data = self._call(
                "GET",
                "/v2.0/article/getslice",
                params={"offset": page * SLICE_LIMIT, "limit": SLICE_LIMIT, "type": "normal"},
                idempotent=True,
            )
            medias = [m for m in data.get("medias", []) if isinstance(m, dict)]
            collected.extend(medias)
            remaining -= {str(m.get("id")) for m in medias}
            if len(medias) < SLICE_LIMIT or (until_found is not None and not remaining):
                break
        return collected

    def _call(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
    ) -> dict[str, Any]:
        """One OA call with the access token in its header; a refused token gets one refresh and one retry."""
        token = self.tokens.access_token()
        try:
            return self._once(method, path, token, idempotent=idempotent, params=params, body=json_body)
        except ChannelError as exc:
            if exc.kind != "token":
                raise
            log.info("Zalo: mã truy cập bị từ chối (%s); làm mới một lần rồi thử lại", exc.code)
            fresh = self.tokens.refresh(rejected=token)
            return self._once(method, path, fresh, idempotent=idempotent, params=params, body=json_body)

    def _once(
        self, method: str, path: str, token: str, *, idempotent: bool, params: Mapping[str, Any] | None, body: Any
    ) -> dict[str, Any]:
        http = HttpClient(
            platform="Zalo",
            classify=classify,
            policy=self.http.policy,
            sleep=self.sleep,
            secrets=[token, *self.tokens.secrets()],
            session=self.http.session,
        )
        response = http.call(
            method,
            f"{self.settings.api_base}{path}",
            idempotent=idempotent,
            headers={"access_token": token},
            params=params,
            json_body=body,
        )
        payload = json_body(response)
        data = payload.get("data") if isinstance(payload, dict) else None
        return data if isinstance(data, dict) else {}


def _broadcast_body(article_id: str) -> dict[str, Any]:
    return {
        "recipient": {"target": {}},
        "message": {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "media",
                    "elements": [{"media_type": "article", "attachment_id": article_id}],
                },
            }
        },
    }
