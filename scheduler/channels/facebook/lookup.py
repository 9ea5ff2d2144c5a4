"""Looking for a published post: whether the Page already shows this slot's post.

Graph has no idempotency key, so after a publish whose outcome is unknown (or after a crash) the Page's
recent posts are searched for the slot's caption before anything is posted again. A look that cannot
answer raises kind "unknown": nobody knows whether the post is there, so nothing may be posted again.
"""

from __future__ import annotations

import unicodedata

from scheduler.channels import Outgoing, Published
from scheduler.channels.facebook.insights import Batch
from scheduler.errors import ChannelError

CLOCK_MARGIN = 60  # seconds: how far before its slot a post may appear to be, when clocks disagree


def find_on_page(batch: Batch, page_id: str, post: Outgoing) -> Published | None:
    """The Page's post for this slot, matched by caption among the posts since shortly before the slot.

    A post is never made before its slot; the minute of margin covers clocks that disagree.
    """
    since = int(post.slot.timestamp()) - CLOCK_MARGIN
    wanted = _normal(post.caption)
    relative = f"{page_id}/posts?fields=id,message,created_time&since={since}&limit=100"
    try:
        (item,) = batch([relative])
    except ChannelError as exc:
        raise look_failed(exc) from exc
    if isinstance(item, ChannelError):
        raise look_failed(item)
    for entry in item.get("data", []) if isinstance(item, dict) else []:
        if (
            isinstance(entry, dict)
            and _normal(str(entry.get("message", ""))) == wanted
            and str(entry.get("id")) not in post.exclude
        ):
            post_id = str(entry.get("id"))
            return Published(remote_id=post_id, url=f"https://www.facebook.com/{post_id}")
    return None


def look_failed(exc: ChannelError) -> ChannelError:
    """The look itself failed: the outcome stays unknown (never "not found", which would allow a re-post)."""
    return ChannelError(f"không xem được các bài trên Trang ({exc})", "unknown", ambiguous=True, code=exc.code)


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())
