"""Looking for a published post: whether the Page already shows this slot's post.

Graph has no idempotency key, so after a publish whose outcome is unknown (or after a crash) the Page's
recent posts are searched for the slot's caption before anything is posted again.
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
    (item,) = batch([relative])
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


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())
