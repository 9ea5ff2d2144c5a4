"""The Zalo OA channel against the Zalo emulator, over real HTTP on loopback."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scheduler.cards import CardStore
from scheduler.channels import Outgoing
from scheduler.channels.http import RetryPolicy
from scheduler.channels.zalo import ZaloChannel, next_morning, shorten
from scheduler.channels.zalo.store import DueBroadcast, ZaloStore
from scheduler.errors import ChannelError
from scheduler.ledger import Ledger, ZaloLedgerStore
from scheduler.posting.planner import Slot
from scheduler.posting.publisher import Publisher
from scheduler.project import load_project
from scheduler.project.cardstyle import CardStyle
from scheduler.project.models import Secret, ZaloSettings
from tests.conftest import FakeClock
from tests.emulators.zalo import Fault, StaticServer, ZaloEmulator

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOON = dt.datetime(2021, 10, 15, 12, 0, tzinfo=TZ)
TEXT = "Nhiệt liệt chào mừng kỷ niệm 91 năm Ngày truyền thống công tác Dân vận của Đảng (15/10/1930 - 15/10/2021)!"


@pytest.fixture
def clock_start() -> dt.datetime:
    return NOON


@pytest.fixture
def zalo_options() -> dict[str, Any]:
    return {"processing_polls": 2}


@pytest.fixture
def static(tmp_path: Path) -> Iterator[StaticServer]:
    (tmp_path / "public").mkdir()
    with StaticServer(tmp_path / "public") as server:
        yield server


def settings_for(zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, **extra: object) -> ZaloSettings:
    return ZaloSettings(
        app_id=zalo.app_id,
        app_secret=Secret(zalo.app_secret, "ZALO_APP_SECRET"),
        refresh_token=Secret("RT-initial", "ZALO_REFRESH_TOKEN"),
        image_dir=tmp_path / "public",
        image_base_url=f"{static.url}/",
        api_base=zalo.url,
        oauth_base=zalo.url,
        **extra,  # type: ignore[arg-type]
    )


FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02, connect_timeout=2, read_timeout=5)


def channel_for(
    zalo: ZaloEmulator,
    static: StaticServer,
    tmp_path: Path,
    clock: FakeClock,
    store: ZaloStore | None = None,
    **extra: object,
) -> ZaloChannel:
    return ZaloChannel(
        "zalo-oa",
        settings_for(zalo, static, tmp_path, **extra),
        store or ZaloLedgerStore(tmp_path / "db.sqlite"),
        clock=clock,
        policy=FAST,
        sleep=lambda _: None,
    )


def outgoing(tmp_path: Path, slot: dt.datetime = NOON, text: str = TEXT) -> Outgoing:
    card = CardStore(tmp_path / "cards").get(text, CardStyle())
    return Outgoing(
        "zalo-oa", slot, "ky-niem-91-nam", text, f"{text}\n\n#ThangDanVan", card, "Ban Dân vận Tỉnh ủy Bắc Giang"
    )


def test_publish_creates_a_visible_article_with_the_hosted_card(
    zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, clock: FakeClock
) -> None:
    post = outgoing(tmp_path)
    published = channel_for(zalo, static, tmp_path, clock).publish(post)
    (article,) = zalo.articles
    assert published.remote_id == article.id
    assert article.status == "show" and article.type == "normal"
    assert article.title == TEXT and article.author == "Ban Dân vận Tỉnh ủy Bắc Giang"
    assert article.cover["photo_url"] == f"{static.url}/{post.card.hash}.jpg"
    assert article.cover_image == post.card.data  # Zalo fetched the card from image_base_url
    assert (tmp_path / "public" / f"{post.card.hash}.jpg").read_bytes() == post.card.data
    assert {"type": "text", "content": post.caption} in article.body
    assert len(zalo.requests_to("/v2.0/article/verify")) == 3  # -214 twice, then the id


def test_tokens_travel_in_the_header_and_are_sealed_in_the_database(
    zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, clock: FakeClock
) -> None:
    channel_for(zalo, static, tmp_path, clock).publish(outgoing(tmp_path))
    api_calls = [r for r in zalo.requests if r.path.startswith("/v2.0/")]
    (access_token,) = {r.header("access_token") for r in api_calls}
    assert access_token in zalo.access_tokens
    assert all(access_token not in r.raw_path and "RT-" not in r.raw_path for r in zalo.requests)
    database = b"".join(p.read_bytes() for p in tmp_path.glob("db.sqlite*") if p.is_file())
    (fresh_refresh,) = zalo.refresh_tokens
    assert access_token.encode() not in database and fresh_refresh.encode() not in database


def test_the_access_token_is_reused_until_refused_then_refreshed_once_and_the_call_retried(
    zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, clock: FakeClock
) -> None:
    channel = channel_for(zalo, static, tmp_path, clock)
    channel.publish(outgoing(tmp_path))
    channel.publish(outgoing(tmp_path, NOON + dt.timedelta(hours=1)))
    assert zalo.refresh_calls == 1
    zalo.expire_access_tokens()
    channel.publish(outgoing(tmp_path, NOON + dt.timedelta(hours=2)))
    assert zalo.refresh_calls == 2
    assert len(zalo.articles) == 3
    assert zalo.used_refresh_tokens[0] == "RT-initial" and len(set(zalo.used_refresh_tokens)) == 2


def test_an_expired_access_token_is_refreshed_before_use(
    zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, clock: FakeClock
) -> None:
    channel = channel_for(zalo, static, tmp_path, clock)
    channel.followers()
    clock.now += dt.timedelta(hours=26)
    assert channel.followers() == zalo.followers
    assert zalo.refresh_calls == 2
    assert not [
        r for r in zalo.requests if r.path.startswith("/v2.0/") and r.header("access_token") not in zalo.access_tokens
    ]


def test_only_one_refresh_runs_even_when_channels_in_two_processes_ask_together(
    zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, clock: FakeClock
) -> None:
    zalo.latency = 0.05
    channels = [channel_for(zalo, static, tmp_path, clock) for _ in range(4)]  # separate keepers, one database
    errors: list[BaseException] = []

    def ask(channel: ZaloChannel) -> None:
        try:
            channel.followers()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(c,)) for c in channels]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert zalo.refresh_calls == 1
    assert zalo.used_refresh_tokens == ["RT-initial"]


def test_a_refused_refresh_token_asks_for_a_new_consent(
    zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, clock: FakeClock
) -> None:
    zalo.refresh_tokens.clear()
    with pytest.raises(ChannelError) as raised:
        channel_for(zalo, static, tmp_path, clock).publish(outgoing(tmp_path))
    assert raised.value.kind == "token"
    assert "-14014" in str(raised.value) and "danvan zalo auth --channel zalo-oa" in str(raised.value)
    assert zalo.articles == []


def test_an_empty_answer_to_a_spent_refresh_token_is_explained(
    zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, clock: FakeClock
) -> None:
    zalo.fail_next(Fault.empty_body(), times=3, path="/v4/oa/access_token")
    with pytest.raises(ChannelError) as raised:
        channel_for(zalo, static, tmp_path, clock).followers()
    assert raised.value.kind == "token" and "rỗng" in str(raised.value)


def test_a_reply_without_a_new_refresh_token_keeps_the_old_one(
    zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, clock: FakeClock
) -> None:
    zalo.fail_next(Fault.omit_refresh_token(), path="/v4/oa/access_token")
    channel = channel_for(zalo, static, tmp_path, clock)
    channel.followers()
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        stored = ledger.tokens("zalo-oa")
    assert stored is not None
    assert channel.tokens.box.open(stored.refresh_token or "") == "RT-initial"


def test_a_failed_create_that_made_nothing_is_retried_once(
    zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, clock: FakeClock
) -> None:
    zalo.fail_next(Fault.http_status(502), path="/v2.0/article/create")
    channel_for(zalo, static, tmp_path, clock).publish(outgoing(tmp_path))
    assert len(zalo.articles) == 1
    assert len(zalo.requests_to("/v2.0/article/create")) == 2
    assert zalo.requests_to("/v2.0/article/getslice")  # looked first


@pytest.mark.parametrize("code", [-211, -223, -224, -221])
def test_refusals_are_explained_in_vietnamese_and_not_retried(
    zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, clock: FakeClock, code: int
) -> None:
    zalo.fail_next(Fault.error(code), path="/v2.0/article/create")
    with pytest.raises(ChannelError) as raised:
        channel_for(zalo, static, tmp_path, clock).publish(outgoing(tmp_path))
    assert raised.value.kind == "permanent" and f"mã {code}" in str(raised.value)
    assert len(zalo.requests_to("/v2.0/article/create")) == 1


def test_a_night_broadcast_waits_for_the_morning(
    zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, clock: FakeClock
) -> None:
    clock.now = dt.datetime(2021, 10, 15, 23, 0, tzinfo=TZ)
    channel = channel_for(zalo, static, tmp_path, clock, broadcast=True)
    published = channel.publish(outgoing(tmp_path, clock.now))
    assert zalo.broadcasts == []
    assert published.note is not None and "16/10/2021 06:05" in published.note
    assert published.broadcast_after == dt.datetime(2021, 10, 16, 6, 5, tzinfo=TZ)
    with Ledger.open(tmp_path / "db.sqlite") as ledger:  # as the publisher does when it records the post
        ledger.add_broadcast("zalo-oa", None, published.remote_id or "", published.broadcast_after, clock.now)
    assert channel.send_due_broadcasts() == 0  # still night
    clock.now = dt.datetime(2021, 10, 16, 6, 10, tzinfo=TZ)
    assert channel.send_due_broadcasts() == 1
    assert [b["article_ids"] for b in zalo.broadcasts] == [[zalo.articles[0].id]]
    assert channel.send_due_broadcasts() == 0  # sent once


def test_a_broadcast_quota_error_keeps_the_article_and_says_why(
    zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, clock: FakeClock
) -> None:
    zalo.fail_next(Fault.error(-218), path="/v2.0/oa/message")
    published = channel_for(zalo, static, tmp_path, clock, broadcast=True).publish(outgoing(tmp_path))
    assert len(zalo.articles) == 1
    assert published.note is not None and "hết hạn mức" in published.note


def test_reach_reads_views_and_shares_from_getslice_pages(
    zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, clock: FakeClock
) -> None:
    zalo.processing_polls = 0
    channel = channel_for(zalo, static, tmp_path, clock)
    ids = []
    for n in range(12):
        clock.now = NOON + dt.timedelta(minutes=n)
        ids.append(channel.publish(outgoing(tmp_path, clock.now, f"Khẩu hiệu số {n}")).remote_id or "")
    for n, article_id in enumerate(ids):
        zalo.set_counters(article_id, total_view=100 + n, total_share=n)
    before = len(zalo.requests_to("/v2.0/article/getslice"))
    results = channel.read_reach([ids[0], ids[11]])
    assert len(zalo.requests_to("/v2.0/article/getslice")) - before == 2  # 12 articles, 10 per page, oldest last
    first = results[ids[0]]
    assert not isinstance(first, ChannelError)
    assert first.values["views"] == 100 and first.values["shares"] == 0 and first.values["reach"] == 100


def test_online_check_reports_the_oa(
    zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, clock: FakeClock
) -> None:
    findings = channel_for(zalo, static, tmp_path, clock).verify(NOON)
    assert [f.severity for f in findings] == ["ok"]
    zalo.verified = False
    assert "xác thực" in channel_for(zalo, static, tmp_path, clock).verify(NOON)[-1].message


def test_text_limits_and_morning() -> None:
    title = shorten(TEXT * 3, 150)
    assert len(title) <= 150 and title.endswith("…")
    assert next_morning(dt.datetime(2021, 10, 15, 23, 0, tzinfo=TZ)) == dt.datetime(2021, 10, 16, 6, 5, tzinfo=TZ)
    assert next_morning(dt.datetime(2021, 10, 16, 2, 0, tzinfo=TZ)) == dt.datetime(2021, 10, 16, 6, 5, tzinfo=TZ)


def test_zalo_auth_consent_flow_through_the_cli(
    project_dir: Path, zalo: ZaloEmulator, static: StaticServer, tmp_path: Path
) -> None:
    from urllib.parse import parse_qs, urlsplit

    from click.testing import CliRunner

    from scheduler.cli import cli

    config = project_dir / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'  - name: zalo-oa\n    type: zalo\n    app_id: "{zalo.app_id}"\n    app_secret: ${{ZALO_APP_SECRET}}\n'
        + f"    image_dir: {tmp_path / 'public'}\n    image_base_url: {static.url}/\n"
        + f"    api_base: {zalo.url}\n    oauth_base: {zalo.url}\n"
        + '    schedule: {cron: "30 19 * * *"}\n',
        encoding="utf-8",
    )
    env = {"ZALO_APP_SECRET": zalo.app_secret}
    zalo.processing_polls = 0  # the CLI waits between polls for real
    first = CliRunner().invoke(cli, ["zalo", "auth", "--channel", "zalo-oa", "-c", str(config)], env=env)
    assert first.exit_code == 0, first.output
    link = next(line.strip() for line in first.stdout.splitlines() if "/v4/oa/permission" in line)
    query = parse_qs(urlsplit(link).query)
    assert query["app_id"] == [zalo.app_id]
    code = zalo.issue_authorization_code(query["code_challenge"][0])
    second = CliRunner().invoke(
        cli,
        [
            "zalo",
            "auth",
            "--channel",
            "zalo-oa",
            "--code",
            f"https://example.gov.vn/cb?code={code}&oa_id=1",
            "-c",
            str(config),
        ],
        env=env,
    )
    assert second.exit_code == 0, second.output
    assert zalo.code_exchanges == 1
    posted = CliRunner().invoke(cli, ["post", "--channel", "zalo-oa", "-c", str(config)], env=env)
    assert posted.exit_code == 0, posted.output
    assert len(zalo.articles) == 1 and zalo.refresh_calls == 0  # the consented pair was used as is


@dataclass(frozen=True)
class Pair:
    access_token: str | None
    refresh_token: str | None
    access_expires_at: dt.datetime | None


@dataclass
class MemoryStore:
    """The Zalo store in dicts: all the channel keeps, with no database anywhere."""

    lock: Path
    pairs: dict[str, Pair] = field(default_factory=dict)
    verifiers: dict[str, str] = field(default_factory=dict)

    def tokens(self, channel: str) -> Pair | None:
        return self.pairs.get(channel)

    def save_tokens(
        self, channel: str, access_token: str, refresh_token: str, access_expires_at: dt.datetime, now: dt.datetime
    ) -> None:
        self.pairs[channel] = Pair(access_token, refresh_token, access_expires_at)

    def verifier(self, channel: str) -> str | None:
        return self.verifiers.get(channel)

    def save_verifier(self, channel: str, sealed_verifier: str, now: dt.datetime) -> None:
        self.verifiers[channel] = sealed_verifier

    def due_broadcasts(self, channel: str, now: dt.datetime) -> list[DueBroadcast]:
        return []

    def finish_broadcast(self, broadcast_id: int, message_id: str | None, error: str | None, now: dt.datetime) -> None:
        raise AssertionError("nothing was deferred")

    def refresh_lock_path(self, channel: str) -> Path:
        return self.lock


def test_a_channel_is_built_and_publishes_with_its_store_and_no_database(
    zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, clock: FakeClock
) -> None:
    memory = MemoryStore(tmp_path / "zalo.lock")
    store: ZaloStore = memory  # the protocol is all the channel asks for
    channel = channel_for(zalo, static, tmp_path, clock, store=store, broadcast=True)
    published = channel.publish(outgoing(tmp_path))
    assert published.remote_id == zalo.articles[0].id
    assert [b["article_ids"] for b in zalo.broadcasts] == [[published.remote_id]]
    sealed = memory.pairs["zalo-oa"]
    assert sealed.access_token not in zalo.access_tokens  # the store holds it sealed
    assert channel.tokens.box.open(sealed.access_token or "") in zalo.access_tokens
    assert not [p for p in tmp_path.rglob("*") if p.suffix in (".sqlite", ".db") or "sqlite" in p.name]


class RivalWriterStore(ZaloLedgerStore):
    """The ledger's store, beside a second process that takes the database once the channel saved its tokens."""

    def __init__(self, database: Path) -> None:
        super().__init__(database)
        self.rival = sqlite3.connect(str(database), isolation_level=None)

    def save_tokens(
        self, channel: str, access_token: str, refresh_token: str, access_expires_at: dt.datetime, now: dt.datetime
    ) -> None:
        super().save_tokens(channel, access_token, refresh_token, access_expires_at, now)
        self.rival.execute("BEGIN IMMEDIATE")  # held until the publisher waits

    def let_go(self, seconds: float, waits: list[float]) -> None:
        """The publisher's wait: the rival finishes meanwhile."""
        waits.append(seconds)
        if self.rival.in_transaction:
            self.rival.execute("ROLLBACK")


def test_a_locked_database_while_recording_the_outcome_does_not_leave_the_slot_sending(
    project_dir: Path, zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, clock: FakeClock
) -> None:
    config = project_dir / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'  - name: zalo-oa\n    type: zalo\n    app_id: "{zalo.app_id}"\n    app_secret: ${{ZALO_APP_SECRET}}\n'
        + f"    image_dir: {tmp_path / 'public'}\n    image_base_url: {static.url}/\n"
        + f"    api_base: {zalo.url}\n    oauth_base: {zalo.url}\n"
        + '    schedule: {cron: "0 23 * * *"}\n',
        encoding="utf-8",
    )
    project = load_project(config, {"ZALO_APP_SECRET": zalo.app_secret})
    clock.now = dt.datetime(2021, 10, 15, 23, 0, tzinfo=TZ)  # at night: the broadcast must wait for the morning
    database = project.config.database
    with Ledger.open(database, busy_timeout=0.05) as ledger:
        store = RivalWriterStore(database)
        waits: list[float] = []
        publisher = Publisher(
            config=project.config,
            slogans=project.slogans,
            ledger=ledger,
            channels={"zalo-oa": channel_for(zalo, static, tmp_path, clock, store=store, broadcast=True)},
            cards=CardStore(tmp_path / "cards"),
            clock=clock,
            sleep=lambda seconds: store.let_go(seconds, waits),
        )
        slogan = project.slogans.slogans[0]
        row = publisher.publish(Slot(clock.now, "zalo-oa", slogan.id, slogan.text))
        assert waits  # the database was locked when the outcome came back, and the publisher waited
        assert row.status == "posted" and row.remote_id == zalo.articles[0].id
        assert ledger.in_flight() == []
        (queued,) = ledger.due_broadcasts("zalo-oa", dt.datetime(2021, 10, 16, 6, 5, tzinfo=TZ))
        assert queued.post_id == row.id and queued.article_id == row.remote_id
    store.rival.close()
