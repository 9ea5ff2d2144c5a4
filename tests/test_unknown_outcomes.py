"""A publish whose outcome is unknown while the look on the platform fails: `unknown`, then resolved by looking.

The trap (koala#699): the platform creates the post and answers an error; the look on the Page or the OA
fails too. Posting again then makes a second post. The rule: such a row becomes `unknown` with what the
officer must check, and only a later look (a daemon tick, a start-up) resolves it; nothing is posted again.
Both platforms run as emulators over real HTTP on loopback; only they and the clock are fake.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from scheduler.cards import CardStore
from scheduler.channels.facebook import FacebookChannel
from scheduler.channels.http import RetryPolicy
from scheduler.channels.zalo import ZaloChannel
from scheduler.cli import cli
from scheduler.daemon import Daemon
from scheduler.ledger import Ledger, Post, ZaloLedgerStore
from scheduler.posting.planner import Slot
from scheduler.posting.publisher import Publisher
from scheduler.project import Project, load_project
from scheduler.project.models import FacebookSettings, Secret, ZaloSettings
from tests.conftest import FakeClock
from tests.emulators.graph import GraphEmulator, created_then_error, graph_error, html_error
from tests.emulators.zalo import Fault, StaticServer, ZaloEmulator

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SLOT = dt.datetime(2021, 10, 15, 8, 0, tzinfo=TZ)
BATCH = r"^/v\d+\.\d+/?$"  # the Graph batch endpoint every look goes through
FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02, connect_timeout=2, read_timeout=5)
CHANNEL_AND_PUBLISHER_LOOKS = 2  # the channel looks before giving up, then the publisher looks once more


@pytest.fixture
def clock_start() -> dt.datetime:
    return SLOT + dt.timedelta(seconds=5)


@pytest.fixture
def static(tmp_path: Path) -> Iterator[StaticServer]:
    (tmp_path / "public").mkdir()
    with StaticServer(tmp_path / "public") as server:
        yield server


def add_channel(project_dir: Path, text: str) -> Path:
    config = project_dir / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8") + text, encoding="utf-8")
    config.chmod(0o640)  # it names secrets: only the service should read it
    return config


def facebook_project(project_dir: Path, graph: GraphEmulator, monkeypatch: pytest.MonkeyPatch) -> Project:
    config = add_channel(
        project_dir,
        f'  - name: fanpage\n    type: facebook\n    page_id: "{graph.page_id}"\n'
        f"    access_token: ${{FB_PAGE_TOKEN}}\n    api_base: {graph.url}\n"
        '    schedule: {times: ["08:00"]}\n',
    )
    monkeypatch.setenv("FB_PAGE_TOKEN", graph.token)  # the daemon reads the environment itself
    return load_project(config)


def zalo_project(
    project_dir: Path, zalo: ZaloEmulator, static: StaticServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Project:
    config = add_channel(
        project_dir,
        f'  - name: zalo-oa\n    type: zalo\n    app_id: "{zalo.app_id}"\n    app_secret: ${{ZALO_APP_SECRET}}\n'
        f"    image_dir: {tmp_path / 'public'}\n    image_base_url: {static.url}/\n"
        f"    api_base: {zalo.url}\n    oauth_base: {zalo.url}\n"
        '    schedule: {times: ["08:00"]}\n',
    )
    monkeypatch.setenv("ZALO_APP_SECRET", zalo.app_secret)
    return load_project(config)


def facebook_channel(graph: GraphEmulator) -> FacebookChannel:
    settings = FacebookSettings(
        page_id=graph.page_id, access_token=Secret(graph.token, "FB_PAGE_TOKEN"), api_base=graph.url
    )
    return FacebookChannel("fanpage", settings, policy=FAST, sleep=lambda _: None)


def zalo_channel(zalo: ZaloEmulator, static: StaticServer, project: Project, clock: FakeClock) -> ZaloChannel:
    configured = project.config.channel("zalo-oa")
    assert configured is not None and isinstance(configured.settings, ZaloSettings)
    settings = ZaloSettings(
        app_id=zalo.app_id,
        app_secret=Secret(zalo.app_secret, "ZALO_APP_SECRET"),
        refresh_token=Secret("RT-initial", "ZALO_REFRESH_TOKEN"),
        image_dir=configured.settings.image_dir,
        image_base_url=f"{static.url}/",
        api_base=zalo.url,
        oauth_base=zalo.url,
    )
    store = ZaloLedgerStore(project.config.database)
    return ZaloChannel("zalo-oa", settings, store, clock=clock, policy=FAST, sleep=lambda _: None)


def publish_once(project: Project, channel_name: str, channel: Any, clock: FakeClock) -> Post:
    slogan = project.slogans.slogans[0]
    with Ledger.open(project.config.database) as ledger:
        publisher = Publisher(
            config=project.config,
            slogans=project.slogans,
            ledger=ledger,
            channels={channel_name: channel},
            cards=CardStore(project.config.database.parent / "cards"),
            clock=clock,
            sleep=lambda _: None,
        )
        return publisher.publish(Slot(SLOT, channel_name, slogan.id, slogan.text))


def row_of(project: Project, channel: str) -> Post:
    with Ledger.open(project.config.database) as ledger:
        row = ledger.get(channel, SLOT)
    assert row is not None
    return row


def logged(project: Project) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["log", "--json", "-c", str(project.config.path)])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


# --- Facebook ----------------------------------------------------------------------------------


def test_facebook_created_then_500_with_a_failing_look_is_unknown_and_never_posted_twice(
    project_dir: Path, graph: GraphEmulator, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = facebook_project(project_dir, graph, monkeypatch)
    graph.fail_next(created_then_error(code=2, http_status=500), path=r"/photos$")
    graph.fail_next(html_error(503), times=3 * CHANNEL_AND_PUBLISHER_LOOKS, path=BATCH, method="POST")
    row = publish_once(project, "fanpage", facebook_channel(graph), clock)
    assert row.status == "unknown"
    assert "kiểm tra trên Trang" in (row.error or "")
    assert len(graph.posts) == 1
    assert len(graph.requests_to(r"/photos$", method="POST")) == 1
    assert [r["status"] for r in logged(project) if r["channel"] == "fanpage"] == ["unknown"]

    # The daemon starts while the look still fails: the row stays unknown and nothing is posted.
    graph.fail_next(graph_error(2, http_status=503), path=r"/posts$", method="GET")
    # A later tick: the look answers and finds the post; it is credited, never posted again.
    resolved = restart_then_recheck(project, "fanpage", clock)
    assert (resolved.status, resolved.remote_id) == ("posted", graph.posts[0].post_id)
    assert len(graph.posts) == 1
    assert len(graph.requests_to(r"/photos$", method="POST")) == 1


def test_facebook_unknown_row_is_resolved_at_start_up_by_looking(
    project_dir: Path, graph: GraphEmulator, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = facebook_project(project_dir, graph, monkeypatch)
    graph.fail_next(created_then_error(code=2, http_status=500), path=r"/photos$")
    graph.fail_next(html_error(503), times=3 * CHANNEL_AND_PUBLISHER_LOOKS, path=BATCH, method="POST")
    assert publish_once(project, "fanpage", facebook_channel(graph), clock).status == "unknown"
    clock.advance(3600)
    Daemon(project.config.path, clock=clock).prepare()
    assert row_of(project, "fanpage").status == "posted"
    assert len(graph.posts) == 1


def test_a_look_that_answers_and_finds_nothing_leaves_the_row_to_the_officer(
    project_dir: Path, graph: GraphEmulator, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = facebook_project(project_dir, graph, monkeypatch)
    graph.fail_next(created_then_error(code=2, http_status=500), path=r"/photos$")
    graph.fail_next(html_error(503), times=3 * CHANNEL_AND_PUBLISHER_LOOKS, path=BATCH, method="POST")
    assert publish_once(project, "fanpage", facebook_channel(graph), clock).status == "unknown"
    graph.posts.clear()  # the officer deleted the post meanwhile: the look finds nothing
    clock.advance(600)
    daemon = Daemon(project.config.path, clock=clock)
    daemon.prepare()
    daemon.recheck_unknown()
    assert row_of(project, "fanpage").status == "unknown"
    assert len(graph.requests_to(r"/photos$", method="POST")) == 1  # never posted again


def restart_then_recheck(project: Project, channel: str, clock: FakeClock) -> Post:
    """The daemon starts while the look still fails (the row stays unknown), then a later tick looks again."""
    clock.advance(600)
    daemon = Daemon(project.config.path, clock=clock)
    daemon.prepare()
    assert row_of(project, channel).status == "unknown"
    clock.advance(600)
    daemon.recheck_unknown()
    return row_of(project, channel)


# --- Zalo --------------------------------------------------------------------------------------


@pytest.fixture
def zalo_options() -> dict[str, Any]:
    return {"processing_polls": 0}  # processing is over by the time anyone looks


def test_zalo_lost_create_answer_with_a_failing_getslice_is_unknown_and_never_created_twice(
    project_dir: Path,
    zalo: ZaloEmulator,
    static: StaticServer,
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = zalo_project(project_dir, zalo, static, tmp_path, monkeypatch)
    zalo.fail_next(Fault.connection_reset(after_processing=True), path="/v2.0/article/create")
    zalo.fail_next(Fault.http_status(503), times=3 * CHANNEL_AND_PUBLISHER_LOOKS, path="/v2.0/article/getslice")
    row = publish_once(project, "zalo-oa", zalo_channel(zalo, static, project, clock), clock)
    assert row.status == "unknown"
    assert "kiểm tra trên OA" in (row.error or "")
    assert len(zalo.articles) == 1
    assert len(zalo.requests_to("/v2.0/article/create")) == 1
    assert [r["status"] for r in logged(project) if r["channel"] == "zalo-oa"] == ["unknown"]

    # The daemon starts while getslice still fails (the tokens are in the ledger): still unknown.
    zalo.fail_next(Fault.error(-201), path="/v2.0/article/getslice")
    resolved = restart_then_recheck(project, "zalo-oa", clock)
    assert (resolved.status, resolved.remote_id) == ("posted", zalo.articles[0].id)
    assert len(zalo.articles) == 1
    assert len(zalo.requests_to("/v2.0/article/create")) == 1


def test_zalo_accepted_article_whose_verify_keeps_failing_is_unknown_and_never_created_twice(
    project_dir: Path,
    zalo: ZaloEmulator,
    static: StaticServer,
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # article/create answers with its job token; every verify then fails (the publisher would retry a transient).
    project = zalo_project(project_dir, zalo, static, tmp_path, monkeypatch)
    zalo.fail_next(Fault.http_status(503), times=50, path="/v2.0/article/verify")
    zalo.fail_next(Fault.http_status(503), times=3 * CHANNEL_AND_PUBLISHER_LOOKS, path="/v2.0/article/getslice")
    row = publish_once(project, "zalo-oa", zalo_channel(zalo, static, project, clock), clock)
    assert row.status == "unknown"
    assert "chưa xác nhận" in (row.error or "")
    assert len(zalo.requests_to("/v2.0/article/create")) == 1
    assert len(zalo.articles) == 1
