"""Cached cards are reused only when their bytes are the card's: a replaced image is drawn or copied again."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from scheduler.cards import CardStore
from scheduler.channels.zalo import ZaloChannel
from scheduler.errors import ChannelError
from scheduler.ledger import ZaloLedgerStore
from scheduler.project.cardstyle import CardStyle
from scheduler.project.models import Secret, ZaloSettings

TEXT = "Dân vận khéo thì việc gì cũng thành công!"


def other_image() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1080, 1080), "black").save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_card_replaced_in_the_store_is_drawn_again_not_reused(tmp_path: Path) -> None:
    store = CardStore(tmp_path / "cards")
    first = store.get(TEXT, CardStyle())
    path = store.path_for(TEXT, CardStyle())
    path.write_bytes(other_image())  # same name, other picture
    again = CardStore(tmp_path / "cards").get(TEXT, CardStyle())
    assert again.data == first.data
    assert path.read_bytes() == first.data
    assert CardStore(tmp_path / "cards").find(first.hash) == first.data


def test_a_cached_card_without_its_digest_is_not_trusted(tmp_path: Path) -> None:
    store = CardStore(tmp_path / "cards")
    first = store.get(TEXT, CardStyle())
    store.path_for(TEXT, CardStyle()).with_suffix(".jpg.sha256").unlink()
    store.path_for(TEXT, CardStyle()).write_bytes(other_image())
    assert store.find(first.hash) is None
    assert store.get(TEXT, CardStyle()).data == first.data


def zalo_channel(tmp_path: Path) -> ZaloChannel:
    settings = ZaloSettings(
        app_id="42",
        app_secret=Secret("app-secret-value", "ZALO_APP_SECRET"),
        refresh_token=None,
        image_dir=tmp_path / "public",
        image_base_url="https://example.gov.vn/cards/",
        api_base="http://127.0.0.1:9",
        oauth_base="http://127.0.0.1:9",
    )
    return ZaloChannel("zalo-oa", settings, ZaloLedgerStore(tmp_path / "db.sqlite"))


def test_a_card_replaced_in_image_dir_is_copied_again_before_zalo_fetches_it(tmp_path: Path) -> None:
    card = CardStore(tmp_path / "cards").get(TEXT, CardStyle())
    channel = zalo_channel(tmp_path)
    url = channel.host_card(card)
    served = tmp_path / "public" / url.rsplit("/", 1)[1]
    served.write_bytes(other_image())
    assert channel.host_card(card) == url
    assert served.read_bytes() == card.data


def test_a_symlink_planted_in_image_dir_is_refused_not_followed(tmp_path: Path) -> None:
    card = CardStore(tmp_path / "cards").get(TEXT, CardStyle())
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / f"{card.hash}.{card.extension}").symlink_to(victim)
    with pytest.raises(ChannelError) as raised:
        zalo_channel(tmp_path).host_card(card)
    assert raised.value.kind == "permanent" and "symlink" in str(raised.value)
    assert victim.read_text() == "keep"
