"""Platform HTTP against a hostile network: redirects never carry tokens, answers are bounded in size and time,
and no platform text echoing a secret gets past the one place platform HTTP is done."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.cards import CardStore
from scheduler.channels import Outgoing
from scheduler.channels.facebook import FacebookChannel, appsecret_proof
from scheduler.channels.http import RetryPolicy
from scheduler.channels.zalo import ZaloChannel
from scheduler.errors import ChannelError
from scheduler.ledger import ZaloLedgerStore
from scheduler.project.cardstyle import CardStyle
from scheduler.project.models import FacebookSettings, Secret, ZaloSettings
from tests.emulators.graph import GraphEmulator, graph_error
from tests.emulators.hostile import HostileServer, dripping, huge, recorder, redirecting
from tests.emulators.zalo import Fault, StaticServer, ZaloEmulator

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SLOT = dt.datetime(2021, 10, 15, 8, 0, tzinfo=TZ)
TEXT = "Dân vận khéo thì việc gì cũng thành công!"
APP_SECRET = "app-secret-for-tests"
FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02, connect_timeout=2, read_timeout=5)


def facebook(api_base: str, token: str = "EAAG-page-token-for-hardening", page_id: str = "1000") -> FacebookChannel:
    settings = FacebookSettings(
        page_id=page_id,
        access_token=Secret(token, "FB_PAGE_TOKEN"),
        app_secret=Secret(APP_SECRET, "FB_APP_SECRET"),
        api_base=api_base,
    )
    return FacebookChannel("fanpage", settings, policy=FAST, sleep=lambda _: None)


def outgoing(tmp_path: Path) -> Outgoing:
    card = CardStore(tmp_path / "cards").get(TEXT, CardStyle())
    return Outgoing("fanpage", SLOT, "dan-van-kheo", TEXT, f"{TEXT}\n\n#ThangDanVan", card)


@pytest.fixture
def target() -> Iterator[HostileServer]:
    with recorder() as server:
        yield server


@pytest.fixture
def static(tmp_path: Path) -> Iterator[StaticServer]:
    (tmp_path / "public").mkdir()
    with StaticServer(tmp_path / "public") as server:
        yield server


def zalo_channel(tmp_path: Path, zalo: ZaloEmulator, static: StaticServer, **bases: str) -> ZaloChannel:
    settings = ZaloSettings(
        app_id=zalo.app_id,
        app_secret=Secret(zalo.app_secret, "ZALO_APP_SECRET"),
        refresh_token=Secret("RT-initial", "ZALO_REFRESH_TOKEN"),
        image_dir=tmp_path / "public",
        image_base_url=f"{static.url}/",
        api_base=bases.get("api_base", zalo.url),
        oauth_base=bases.get("oauth_base", zalo.url),
    )
    store = ZaloLedgerStore(tmp_path / "db.sqlite")
    return ZaloChannel(
        "zalo-oa", settings, store, clock=lambda: dt.datetime.now(dt.UTC), policy=FAST, sleep=lambda _: None
    )


# --- 1. redirects ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_graph_base_that_redirects_gets_an_error_naming_the_location_and_the_target_gets_nothing(
    target: HostileServer, tmp_path: Path, status: int
) -> None:
    with redirecting(status, target.url) as base:
        channel = facebook(base.url)
        with pytest.raises(ChannelError) as publish_error:
            channel.publish(outgoing(tmp_path))
        with pytest.raises(ChannelError) as reach_error:
            channel.read_reach(["1000_1"])
    assert target.received == []
    for error in (publish_error.value, reach_error.value):
        assert error.kind == "permanent"
        assert target.url in str(error) and "chuyển hướng" in str(error)


def test_a_zalo_api_base_answering_302_never_sees_the_access_token_travel_on(
    target: HostileServer, tmp_path: Path, zalo: ZaloEmulator, static: StaticServer
) -> None:
    with redirecting(302, target.url) as base:
        channel = zalo_channel(tmp_path, zalo, static, api_base=base.url)
        with pytest.raises(ChannelError) as error:
            channel.followers()
    assert target.received == []
    assert error.value.kind == "permanent" and target.url in str(error.value)


def test_a_zalo_oauth_base_answering_302_never_sees_the_secret_key_travel_on(
    target: HostileServer, tmp_path: Path, zalo: ZaloEmulator, static: StaticServer
) -> None:
    with redirecting(302, target.url) as base:
        channel = zalo_channel(tmp_path, zalo, static, oauth_base=base.url)
        with pytest.raises(ChannelError) as error:
            channel.tokens.refresh()
        assert len(base.received) == 1  # asked once: a misconfigured base is not retried
    assert target.received == []
    assert error.value.kind == "permanent" and target.url in str(error.value)


# --- 2. bounded answers ---------------------------------------------------------------------------


def test_a_huge_answer_is_cut_off_at_the_byte_limit_as_a_transient_error(tmp_path: Path) -> None:
    policy = RetryPolicy(attempts=1, connect_timeout=2, read_timeout=5, max_body_bytes=100_000)
    with huge(50_000_000) as server:
        channel = facebook(server.url)
        channel.http.policy = policy
        started = time.monotonic()
        with pytest.raises(ChannelError) as error:
            channel._batch(["me"])
    assert time.monotonic() - started < 2
    assert error.value.kind == "transient" and "quá lớn" in str(error.value)


@pytest.mark.parametrize("headers_too", [False, True])
def test_a_dripping_answer_ends_at_the_total_deadline_not_the_read_timeout(headers_too: bool) -> None:
    policy = RetryPolicy(attempts=1, connect_timeout=2, read_timeout=5, deadline=0.6)
    with dripping(0.05, headers_too=headers_too) as server:
        channel = facebook(server.url)
        channel.http.policy = policy
        started = time.monotonic()
        with pytest.raises(ChannelError) as error:
            channel._batch(["me"])
        elapsed = time.monotonic() - started
    assert elapsed < 1.5
    assert error.value.kind == "transient" and "0.6 giây" in str(error.value)


def test_a_normal_answer_within_the_limits_still_works(graph: GraphEmulator, tmp_path: Path) -> None:
    channel = facebook(graph.url, str(graph.token), graph.page_id)
    channel.http.policy = RetryPolicy(attempts=1, max_body_bytes=20_000, deadline=2.0)
    published = channel.publish(outgoing(tmp_path))
    assert published.remote_id == graph.posts[0].post_id


# --- 3. secrets echoed by the platform --------------------------------------------------------------


@pytest.fixture
def graph_options() -> dict[str, object]:
    return {"app_secret": APP_SECRET}


def test_a_batch_item_echoing_the_token_and_proof_is_scrubbed_before_it_reaches_us(
    graph: GraphEmulator, tmp_path: Path
) -> None:
    channel = facebook(graph.url, str(graph.token), graph.page_id)
    published = channel.publish(outgoing(tmp_path))
    proof = appsecret_proof(str(graph.token), APP_SECRET)
    echo = f"Invalid OAuth access token {graph.token} (proof {proof})"
    graph.fail_next(graph_error(100, message=echo, http_status=400), path=r"/insights")
    (answer,) = channel.read_reach([str(published.remote_id)]).values()
    assert isinstance(answer, ChannelError)
    assert graph.token not in str(answer) and proof not in str(answer) and "***" in str(answer)


def test_a_top_level_error_echoing_the_proof_is_scrubbed(graph: GraphEmulator, tmp_path: Path) -> None:
    channel = facebook(graph.url, str(graph.token), graph.page_id)
    proof = appsecret_proof(str(graph.token), APP_SECRET)
    graph.fail_next(graph_error(100, message=f"bad appsecret_proof {proof}", http_status=400), path=r"/photos$")
    with pytest.raises(ChannelError) as error:
        channel.publish(outgoing(tmp_path))
    assert proof not in str(error.value) and "***" in str(error.value)


def test_a_zalo_message_echoing_the_refresh_token_is_scrubbed(
    tmp_path: Path, zalo: ZaloEmulator, static: StaticServer
) -> None:
    channel = zalo_channel(tmp_path, zalo, static)
    channel.followers()  # spends RT-initial; the store now holds a rotated pair
    pair = channel.tokens._stored()
    assert pair is not None
    zalo.fail_next(Fault.error(-201, f"bad request {pair.refresh_token} {pair.access_token}"), path="/v2.0/oa/getoa")
    with pytest.raises(ChannelError) as error:
        channel.followers()
    assert pair.refresh_token not in str(error.value) and pair.access_token not in str(error.value)


def test_a_token_echoed_by_graph_is_in_no_database_byte_nor_any_report(project_dir: Path) -> None:
    from click.testing import CliRunner

    from scheduler.cli import cli

    token, secret = "EAAG-echoed-page-token-77", "app-secret-echoed-31"
    proof = appsecret_proof(token, secret)
    echo = f"Invalid parameter for token {token} and appsecret_proof {proof}"
    with GraphEmulator(token=token, app_secret=secret) as graph:
        config = project_dir / "config.yaml"
        config.write_text(
            config.read_text(encoding="utf-8")
            + "  - name: fanpage\n    type: facebook\n"
            + f'    page_id: "{graph.page_id}"\n    access_token: ${{FB_PAGE_TOKEN}}\n    app_secret: ${{FB_APP_SECRET}}\n'
            + f"    api_base: {graph.url}\n"
            + '    schedule: {times: ["08:00"]}\n'
            + "posting: {plan_period_only: false}\n",
            encoding="utf-8",
        )
        env = {"FB_PAGE_TOKEN": token, "FB_APP_SECRET": secret}

        def run(*args: str) -> str:
            result = CliRunner().invoke(cli, [*args, "-c", str(config)], env=env)
            return result.stdout + result.stderr

        outputs = [run("post", "--channel", "fanpage")]
        assert len(graph.posts) == 1
        graph.fail_next(graph_error(100, message=echo, http_status=400), path=r"/insights")
        outputs.append(run("reach"))
        graph.fail_next(graph_error(100, message=echo, http_status=400), path=r"/photos$")
        outputs.append(run("post", "--channel", "fanpage"))
        graph.invalidate_token(message=echo)
        outputs.append(run("post", "--channel", "fanpage"))
        outputs += [run("log", "--json"), run("status", "--json")]
        outputs.append(run("report", "--csv", str(project_dir / "r.csv"), "--html", str(project_dir / "r.html")))
    assert any("***" in text for text in outputs)  # the echoes arrived, blanked
    blobs = [text.encode() for text in outputs]
    blobs += [p.read_bytes() for p in project_dir.rglob("*") if p.is_file() and p.name != "config.yaml"]
    assert (project_dir / "r.csv").exists() and (project_dir / "r.html").exists()
    for blob in blobs:
        assert token.encode() not in blob and proof.encode() not in blob and secret.encode() not in blob
