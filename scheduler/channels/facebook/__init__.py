"""Facebook Pages: publish a card as a Page photo, find it again after an unknown outcome, read its reach.

Facts this module is built on (../shared/research/facebook-graph.md): the Page token travels in the
Authorization header and the POST body, never in a URL; reads go through Graph batch requests (at most
50 per call), which also keeps tokens in the body; there is no idempotency key, so a publish whose
outcome is unknown is looked for on the Page before any retry; one removed insights metric fails a
whole insights request, so dead metrics are found per metric and then left out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scheduler.channels import Outgoing, Published
from scheduler.channels.http import HttpClient, RetryPolicy, Sleep, json_body
from scheduler.errors import ChannelError
from scheduler.project.models import FacebookSettings

log = logging.getLogger("danvan.facebook")

BATCH_LIMIT = 50
REQUIRED_SCOPES = ("pages_manage_posts", "pages_read_engagement", "pages_show_list", "read_insights")
# Reach is "viewers" since the 2025-2026 removals; views, reactions and clicks are kept beside it.
REACH_METRICS = ("post_total_media_view_unique", "post_media_view", "post_reactions_by_type_total", "post_clicks")
RATE_LIMIT_CODES = frozenset({4, 17, 32, 341, 613, 80001})
AMBIGUOUS_CODES = frozenset({1, 2})
TOKEN_CODES = frozenset({190, 102})
POLICY_CODE = 368
DUPLICATE_CODE = 506
POLICY_COOLDOWN = 6 * 3600.0
PUBLISH_ATTEMPTS = 3
CLOCK_MARGIN = 60  # seconds: how far before its slot a post may appear to be, when clocks disagree

TOKEN_REASONS = {
    458: "ứng dụng đã bị gỡ khỏi tài khoản cấp mã",
    459: "tài khoản cấp mã đang bị Facebook kiểm tra bảo mật",
    460: "mật khẩu của tài khoản cấp mã đã thay đổi",
    463: "mã truy cập đã hết hạn",
    464: "tài khoản cấp mã chưa được xác minh",
    467: "mã truy cập không còn hiệu lực",
    492: "người cấp mã không còn vai trò quản trị Trang",
}


# --- errors --------------------------------------------------------------------------------------


def graph_error(status: int, body: Any, token_hint: str) -> ChannelError | None:
    """The ChannelError for one Graph answer (a response or a batch item), or None if it succeeded."""
    envelope = body.get("error") if isinstance(body, dict) else None
    if status < 400 and envelope is None:
        return None
    if not isinstance(envelope, dict):
        if status >= 500:
            return ChannelError(f"Facebook báo lỗi máy chủ HTTP {status}", "transient", ambiguous=True)
        return ChannelError(f"Facebook trả lời HTTP {status} không rõ lý do", "permanent")
    code = _int(envelope.get("code"))
    subcode = _int(envelope.get("error_subcode"))
    detail = _detail(envelope, code, subcode)
    return _classified(code, subcode, status, detail, token_hint)


def _classified(code: int | None, subcode: int | None, status: int, detail: str, token_hint: str) -> ChannelError:
    if code in TOKEN_CODES:
        reason = TOKEN_REASONS.get(subcode or 0, "mã truy cập không hợp lệ")
        return ChannelError(
            f"Facebook từ chối mã truy cập của Trang: {reason} {detail}. Hãy tạo mã truy cập Trang mới (quyền "
            f"{', '.join(REQUIRED_SCOPES)}), cập nhật {token_hint} rồi khởi động lại danvan",
            "token",
            code=code,
        )
    if code == POLICY_CODE:
        return ChannelError(
            f"Facebook tạm chặn Trang vì chính sách {detail}; kênh tạm dừng {POLICY_COOLDOWN / 3600:.0f} giờ, "
            "không đăng lại cùng nội dung; hãy kiểm tra Trang trong Meta Business Suite",
            "policy",
            retry_after=POLICY_COOLDOWN,
            code=code,
        )
    if code in RATE_LIMIT_CODES:
        return ChannelError(f"Facebook đang giới hạn số lần gọi {detail}", "transient", code=code)
    if code in AMBIGUOUS_CODES or status >= 500:
        return ChannelError(f"Facebook gặp lỗi tạm thời {detail}", "transient", ambiguous=True, code=code)
    if code == 10 or (code is not None and 200 <= code <= 299):
        return ChannelError(
            f"mã truy cập thiếu quyền trên Trang {detail}; cần các quyền {', '.join(REQUIRED_SCOPES)}",
            "permanent",
            code=code,
        )
    if code == 324:
        return ChannelError(f"Facebook không nhận tệp ảnh của thẻ {detail}", "permanent", code=code)
    if code == DUPLICATE_CODE:
        return ChannelError(f"Facebook coi đây là bài trùng lặp {detail}", "permanent", code=code)
    return ChannelError(f"Facebook từ chối yêu cầu {detail}", "permanent", code=code)


def _with_wait(error: ChannelError | None, headers: Mapping[str, str]) -> ChannelError | None:
    """A rate-limit error carries the wait Facebook announced (estimated_time_to_regain_access)."""
    if error is None or error.code not in RATE_LIMIT_CODES:
        return error
    _, wait = usage_of(headers)
    if wait <= 0:
        return error
    return ChannelError(str(error), error.kind, retry_after=wait, ambiguous=error.ambiguous, code=error.code)


def _detail(envelope: Mapping[str, Any], code: int | None, subcode: int | None) -> str:
    codes = f"{code}/{subcode}" if subcode else f"{code}"
    trace = envelope.get("fbtrace_id")
    message = str(envelope.get("message", "")).strip()
    return f"(mã {codes}: {message}" + (f"; fbtrace_id {trace})" if trace else ")")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _is_dead_metric(error: ChannelError) -> bool:
    return error.code == 100 and "metric" in str(error).lower()


# --- rate limits ---------------------------------------------------------------------------------


def usage_of(headers: Mapping[str, str]) -> tuple[int, float]:
    """(highest usage percentage, seconds until access returns) from X-App-Usage and X-Business-Use-Case-Usage."""
    highest, wait = 0, 0.0
    app = _json_header(headers.get("X-App-Usage"))
    if isinstance(app, dict):
        highest = max([highest, *(_int(v) or 0 for v in app.values())])
    buc = _json_header(headers.get("X-Business-Use-Case-Usage"))
    if isinstance(buc, dict):
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict):
                    continue
                for key in ("call_count", "total_cputime", "total_time"):
                    highest = max(highest, _int(entry.get(key)) or 0)
                wait = max(wait, 60.0 * (_int(entry.get("estimated_time_to_regain_access")) or 0))
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


# --- the channel ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metrics:
    values: dict[str, int | None]  # reach, views, reactions, clicks, shares
    raw: dict[str, Any]


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning" | "ok"
    message: str


class FacebookChannel:
    def __init__(
        self,
        name: str,
        settings: FacebookSettings,
        *,
        policy: RetryPolicy | None = None,
        sleep: Sleep = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.settings = settings
        self.throttle = throttle_for(settings.page_id, monotonic, sleep)
        self.dead_metrics: set[str] = set()
        self.sleep = sleep
        token_hint = settings.access_token.describe("access_token")
        secrets = [settings.access_token, settings.app_secret or ""]
        self.http = HttpClient(
            platform="Facebook",
            classify=lambda response: _with_wait(
                graph_error(response.status_code, json_body(response), token_hint), response.headers
            ),
            policy=policy or RetryPolicy(),
            sleep=sleep,
            secrets=secrets,
            on_response=lambda response: self.throttle.observe(response.headers),
        )
        self._token_hint = token_hint

    # --- publishing -------------------------------------------------------------------------

    def publish(self, post: Outgoing) -> Published:
        """POST the card to /{page-id}/photos; after an unknown outcome, look on the Page before trying again."""
        last: ChannelError | None = None
        for attempt in range(1, PUBLISH_ATTEMPTS + 1):
            try:
                return self._post_photo(post)
            except ChannelError as exc:
                if not (exc.kind == "unknown" or exc.code == DUPLICATE_CODE):
                    raise
                found = self.find_published(post)
                if found is not None:
                    log.info("Facebook: bài lượt %s đã lên Trang dù lời gọi báo lỗi; không đăng lại", post.slot)
                    return found
                if exc.code == DUPLICATE_CODE:
                    raise
                last = exc
                if attempt < PUBLISH_ATTEMPTS:
                    self.sleep(self.http.policy.base_delay * attempt)
        assert last is not None
        raise ChannelError(
            f"{last}; đã thử {PUBLISH_ATTEMPTS} lần và không thấy bài trên Trang", "unknown", code=last.code
        )

    def _post_photo(self, post: Outgoing) -> Published:
        self.throttle.before_call()
        data = {
            "caption": post.caption,
            "alt_text_custom": post.text,
            "published": "true",
            **self._body_auth(),
        }
        filename = f"{post.slogan_id}.{post.card.extension}"
        response = self.http.call(
            "POST",
            self._url(f"{self.settings.page_id}/photos"),
            idempotent=False,
            headers=self._headers(),
            data=data,
            files={"source": (filename, post.card.data, post.card.mime_type)},
        )
        body = json_body(response) or {}
        post_id = str(body.get("post_id") or body.get("id") or "")
        if not post_id:
            raise ChannelError("Facebook trả lời thành công nhưng không có mã bài đăng", "unknown", ambiguous=True)
        return Published(remote_id=post_id, url=f"https://www.facebook.com/{post_id}")

    def find_published(self, post: Outgoing) -> Published | None:
        """The Page's post for this slot, matched by caption among the posts since shortly before the slot.

        A post is never made before its slot; the minute of margin covers clocks that disagree.
        """
        since = int(post.slot.timestamp()) - CLOCK_MARGIN
        wanted = _normal(post.caption)
        relative = f"{self.settings.page_id}/posts?fields=id,message,created_time&since={since}&limit=100"
        (item,) = self._batch([relative])
        if isinstance(item, ChannelError):
            raise item
        for entry in item.get("data", []) if isinstance(item, dict) else []:
            if (
                isinstance(entry, dict)
                and _normal(str(entry.get("message", ""))) == wanted
                and str(entry.get("id")) not in post.exclude
            ):
                post_id = str(entry.get("id"))
                return Published(remote_id=post_id, url=f"https://www.facebook.com/{post_id}")
        return None

    # --- reach ------------------------------------------------------------------------------

    def read_reach(self, remote_ids: Sequence[str]) -> dict[str, Metrics | ChannelError]:
        """Reach, views, reactions and clicks of each post; a metric Facebook removed costs nothing else."""
        results: dict[str, Metrics | ChannelError] = {}
        needs_split: list[str] = []
        metrics = self._live_metrics()
        for chunk in _chunks(list(remote_ids), BATCH_LIMIT):
            answers = self._batch([_insights_url(remote_id, metrics) for remote_id in chunk])
            for remote_id, answer in zip(chunk, answers, strict=True):
                if isinstance(answer, ChannelError) and _is_dead_metric(answer):
                    needs_split.append(remote_id)
                else:
                    results[remote_id] = answer if isinstance(answer, ChannelError) else _metrics(answer)
        if needs_split:
            results.update(self._read_metric_by_metric(needs_split))
        return results

    def _read_metric_by_metric(self, remote_ids: list[str]) -> dict[str, Metrics | ChannelError]:
        """One sub-request per (post, metric): find which metrics are gone and keep the rest."""
        pairs = [(remote_id, metric) for remote_id in remote_ids for metric in self._live_metrics()]
        collected: dict[str, dict[str, Any]] = {remote_id: {"data": []} for remote_id in remote_ids}
        errors: dict[str, ChannelError] = {}
        for chunk in _chunks(pairs, BATCH_LIMIT):
            answers = self._batch([_insights_url(remote_id, (metric,)) for remote_id, metric in chunk])
            for (remote_id, metric), answer in zip(chunk, answers, strict=True):
                if isinstance(answer, ChannelError):
                    if _is_dead_metric(answer):
                        self._forget_metric(metric)
                    else:
                        errors[remote_id] = answer
                else:
                    collected[remote_id]["data"].extend(answer.get("data", []) if isinstance(answer, dict) else [])
        return {remote_id: errors.get(remote_id) or _metrics(collected[remote_id]) for remote_id in remote_ids}

    def _forget_metric(self, metric: str) -> None:
        if metric not in self.dead_metrics:
            log.warning("Facebook không còn cung cấp chỉ số %s; bỏ qua chỉ số này, vẫn đọc các chỉ số khác", metric)
            self.dead_metrics.add(metric)

    def _live_metrics(self) -> tuple[str, ...]:
        return tuple(m for m in REACH_METRICS if m not in self.dead_metrics)

    # --- `danvan check --online` ------------------------------------------------------------

    def verify(self, now: dt.datetime) -> list[Finding]:
        """Is the token valid, for this Page, with the permissions publishing and reach need, and for how long?"""
        me, debug = self._batch(["me?fields=id,name", f"debug_token?input_token={self.settings.access_token}"])
        if isinstance(me, ChannelError):
            return [Finding("error", str(me))]
        findings = [self._identity(me)]
        if isinstance(debug, ChannelError):
            findings.append(Finding("warning", f"không đọc được thông tin mã truy cập (debug_token): {debug}"))
            return findings
        data = debug.get("data", {}) if isinstance(debug, dict) else {}
        findings.extend(self._token_findings(data, now))
        return findings

    def _identity(self, me: Any) -> Finding:
        page_id = str(me.get("id")) if isinstance(me, dict) else ""
        name = str(me.get("name", "")) if isinstance(me, dict) else ""
        if page_id != self.settings.page_id:
            return Finding(
                "error",
                f"mã truy cập là của '{name}' (ID {page_id}), không phải của Trang {self.settings.page_id}; "
                "hãy dùng mã truy cập của đúng Trang (Page access token)",
            )
        return Finding("ok", f"mã truy cập đúng của Trang '{name}' (ID {page_id})")

    def _token_findings(self, data: Mapping[str, Any], now: dt.datetime) -> list[Finding]:
        if not data.get("is_valid", False):
            return [Finding("error", f"mã truy cập không còn hiệu lực; hãy tạo mã mới và cập nhật {self._token_hint}")]
        findings: list[Finding] = []
        scopes = set(data.get("scopes") or [])
        missing = [scope for scope in REQUIRED_SCOPES if scope not in scopes]
        if missing:
            findings.append(
                Finding("error", f"mã truy cập thiếu quyền: {', '.join(missing)}; hãy cấp lại mã với các quyền này")
            )
        else:
            findings.append(Finding("ok", f"đủ quyền: {', '.join(REQUIRED_SCOPES)}"))
        findings.append(_expiry_finding(_int(data.get("expires_at")) or 0, now))
        return findings

    # --- plumbing ---------------------------------------------------------------------------

    def _batch(self, relative_urls: Sequence[str]) -> list[Any | ChannelError]:
        """GETs through one Graph batch call (token and proof in the POST body); one result per request."""
        self.throttle.before_call()
        batch = [{"method": "GET", "relative_url": f"{self.settings.api_version}/{url}"} for url in relative_urls]
        response = self.http.call(
            "POST",
            f"{self.settings.api_base}/{self.settings.api_version}/",
            idempotent=True,
            headers=self._headers(),
            data={"batch": json.dumps(batch), "include_headers": "false", **self._body_auth()},
        )
        items = json_body(response)
        if not isinstance(items, list) or len(items) != len(relative_urls):
            raise ChannelError("Facebook trả lời yêu cầu gộp (batch) không đúng định dạng", "transient")
        return [self._batch_item(item) for item in items]

    def _batch_item(self, item: Any) -> Any | ChannelError:
        if not isinstance(item, dict):  # Meta answers null for a sub-request that timed out
            return ChannelError("Facebook không trả lời kịp một phần của yêu cầu gộp", "transient")
        try:
            body = json.loads(item.get("body") or "null")
        except ValueError:
            body = None
        error = graph_error(_int(item.get("code")) or 500, body, self._token_hint)
        return error if error is not None else body

    def _url(self, path: str) -> str:
        return f"{self.settings.api_base}/{self.settings.api_version}/{path}"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"OAuth {self.settings.access_token}"}

    def _body_auth(self) -> dict[str, str]:
        auth = {"access_token": str(self.settings.access_token)}
        if self.settings.app_secret:
            auth["appsecret_proof"] = appsecret_proof(self.settings.access_token, self.settings.app_secret)
        return auth


def appsecret_proof(token: str, app_secret: str) -> str:
    return hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def _expiry_finding(expires_at: int, now: dt.datetime) -> Finding:
    if expires_at == 0:
        return Finding("ok", "mã truy cập không có hạn dùng")
    expiry = dt.datetime.fromtimestamp(expires_at, dt.UTC)
    days = (expiry - now).total_seconds() / 86400
    when = f"{expiry.astimezone(now.tzinfo):%d/%m/%Y %H:%M}"
    if days <= 0:
        return Finding("error", f"mã truy cập đã hết hạn lúc {when}")
    if days < 14:
        return Finding("warning", f"mã truy cập hết hạn lúc {when} (còn {days:.0f} ngày); hãy gia hạn trước ngày đó")
    return Finding("ok", f"mã truy cập còn hạn đến {when}")


def _insights_url(remote_id: str, metrics: Iterable[str]) -> str:
    return f"{remote_id}/insights?metric={','.join(metrics)}&period=lifetime"


def _metrics(answer: Any) -> Metrics:
    values: dict[str, Any] = {}
    for entry in answer.get("data", []) if isinstance(answer, dict) else []:
        if isinstance(entry, dict) and entry.get("values"):
            values[str(entry.get("name"))] = entry["values"][-1].get("value")
    reactions = values.get("post_reactions_by_type_total")
    return Metrics(
        values={
            "reach": _int(values.get("post_total_media_view_unique")),
            "views": _int(values.get("post_media_view")),
            "reactions": sum(_int(v) or 0 for v in reactions.values())
            if isinstance(reactions, dict)
            else _int(reactions),
            "clicks": _int(values.get("post_clicks")),
            "shares": None,
        },
        raw=values,
    )


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
