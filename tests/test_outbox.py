from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.channels import CardFile, Outgoing
from scheduler.channels.outbox import OutboxChannel
from scheduler.errors import ChannelError

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def outgoing() -> Outgoing:
    card = CardFile(data=b"\xff\xd8fake-jpeg", hash="ab" * 32, extension="jpg")
    slot = dt.datetime(2021, 10, 15, 8, 0, tzinfo=TZ)
    return Outgoing(
        "outbox", slot, "ky-niem-91-nam", "Nhiệt liệt chào mừng!", "Nhiệt liệt chào mừng!\n\n#ThangDanVan", card
    )


def test_publish_writes_card_caption_and_metadata(tmp_path: Path) -> None:
    channel = OutboxChannel("outbox", tmp_path / "out")
    published = channel.publish(outgoing())
    stem = "20211015-080000-outbox-ky-niem-91-nam"
    assert published.remote_id == stem
    assert (tmp_path / "out" / f"{stem}.jpg").read_bytes() == b"\xff\xd8fake-jpeg"
    assert (tmp_path / "out" / f"{stem}.txt").read_text(encoding="utf-8").endswith("#ThangDanVan")
    metadata = json.loads((tmp_path / "out" / f"{stem}.json").read_text(encoding="utf-8"))
    assert metadata["slot"] == "2021-10-15T08:00:00+07:00"
    assert (metadata["channel"], metadata["slogan_id"], metadata["card_hash"]) == (
        "outbox",
        "ky-niem-91-nam",
        "ab" * 32,
    )
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".tmp")]


def test_find_published_sees_only_complete_posts(tmp_path: Path) -> None:
    channel = OutboxChannel("outbox", tmp_path)
    assert channel.find_published(outgoing()) is None
    channel.publish(outgoing())
    found = channel.find_published(outgoing())
    assert found is not None and found.remote_id == "20211015-080000-outbox-ky-niem-91-nam"


def test_an_unwritable_directory_is_a_transient_channel_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ChannelError) as raised:
        OutboxChannel("outbox", blocker / "out").publish(outgoing())
    assert raised.value.kind == "transient"
    assert "outbox" in str(raised.value)
