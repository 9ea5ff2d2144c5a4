"""Facebook Pages: publish a card as a Page photo, find it again after an unknown outcome, read its reach.

Facts this module is built on (../shared/research/facebook-graph.md): the Page token travels in the
Authorization header and the POST body, never in a URL; reads go through Graph batch requests (at most
50 per call), which also keeps tokens in the body; there is no idempotency key, so a publish whose
outcome is unknown is looked for on the Page before any retry; one removed insights metric fails a
whole insights request, so dead metrics are found per metric and then left out.

Publishing lives here; beside it: `errors` (what a Graph answer means), `throttle` (usage headers and
spacing calls), `lookup` (is this slot's post on the Page already), `insights` (reading reach) and
`verify` (`danvan check --online`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from scheduler.channels import Outgoing, Published
from scheduler.channels.facebook.errors import DUPLICATE_CODE, graph_error, with_wait
from scheduler.channels.facebook.insights import InsightsReader, Metrics
from scheduler.channels.facebook.lookup import find_on_page
from scheduler.channels.facebook.throttle import Throttle, as_int, throttle_for, usage_of
from scheduler.channels.facebook.verify import Finding, verify_page
from scheduler.channels.http import HttpClient, RetryPolicy, Sleep, json_body
from scheduler.errors import ChannelError
from scheduler.project.models import FacebookSettings

__all__ = ["FacebookChannel", "Finding", "Metrics", "Throttle", "appsecret_proof", "graph_error", "usage_of"]

log = logging.getLogger("danvan.facebook")

PUBLISH_ATTEMPTS = 3


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
        self.insights = InsightsReader(self._batch)
        self.dead_metrics = self.insights.dead_metrics  # the metrics Facebook removed, learnt while reading
        self.sleep = sleep
        token_hint = settings.access_token.describe("access_token")
        # Everything a Graph answer might echo back; http.py blanks these out of every answer it reads.
        secrets = [settings.access_token, settings.app_secret or ""]
        if settings.app_secret:
            secrets.append(appsecret_proof(settings.access_token, settings.app_secret))
        self.http = HttpClient(
            platform="Facebook",
            classify=lambda response: with_wait(
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
        """The Page's post for this slot, if it is there already (see lookup.find_on_page)."""
        return find_on_page(self._batch, self.settings.page_id, post)

    # --- reach and `danvan check --online` ----------------------------------------------------

    def read_reach(self, remote_ids: Sequence[str]) -> dict[str, Metrics | ChannelError]:
        """Reach, views, reactions and clicks of each post; a metric Facebook removed costs nothing else."""
        return self.insights.read(remote_ids)

    def verify(self, now: dt.datetime) -> list[Finding]:
        """Is the token valid, for this Page, with the permissions publishing and reach need, and for how long?"""
        return verify_page(self._batch, self.settings, self._token_hint, now)

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
        error = graph_error(as_int(item.get("code")) or 500, body, self._token_hint)
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
