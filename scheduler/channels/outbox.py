"""The outbox channel: each post becomes files on disk (card, caption .txt, metadata .json).

It is the default channel, the one an officer can use to post by hand, and the reference the other
channels are tested against. Every file is written through a temporary file and a rename so a crash
never leaves half a file; the .json is written last and marks the post as complete.
"""

from __future__ import annotations

import json
from pathlib import Path

from scheduler.channels import Outgoing, Published
from scheduler.errors import ChannelError
from scheduler.files import remove_leftover_temporaries, write_atomically


class OutboxChannel:
    def __init__(self, name: str, directory: Path) -> None:
        self.name = name
        self.directory = directory
        remove_leftover_temporaries(directory)  # a crash mid-write leaves one; it is never output

    def publish(self, post: Outgoing) -> Published:
        stem = self.stem(post)
        metadata = {
            "channel": post.channel,
            "slot": post.slot.isoformat(),
            "slogan_id": post.slogan_id,
            "card_hash": post.card.hash,
            "card": f"{stem}.{post.card.extension}",
            "caption": f"{stem}.txt",
            "text": post.text,
        }
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_atomically(self.directory / f"{stem}.{post.card.extension}", post.card.data)
            write_atomically(self.directory / f"{stem}.txt", post.caption.encode("utf-8"))
            payload = json.dumps(metadata, ensure_ascii=False, indent=2) + "\n"
            write_atomically(self.directory / f"{stem}.json", payload.encode("utf-8"))
        except OSError as exc:
            # A full disk or a permission problem may clear up; the slot stays retryable.
            raise ChannelError(
                f"không ghi được vào thư mục outbox {self.directory}: {exc.strerror}", "transient"
            ) from exc
        return Published(remote_id=stem, url=(self.directory / f"{stem}.json").as_uri())

    def find_published(self, post: Outgoing) -> Published | None:
        path = self.directory / f"{self.stem(post)}.json"
        return Published(remote_id=path.stem, url=path.as_uri()) if path.exists() else None

    def stem(self, post: Outgoing) -> str:
        return f"{post.slot:%Y%m%d-%H%M%S}-{post.channel}-{post.slogan_id}"
