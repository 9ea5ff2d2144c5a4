"""The Facebook channel against the Graph API emulator, over real HTTP on loopback."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scheduler.cards import CardStore
from scheduler.channels import Outgoing
from scheduler.channels.facebook import FacebookChannel, usage_of
from scheduler.channels.http import RetryPolicy
from scheduler.errors import ChannelError
from scheduler.ledger import Ledger
from scheduler.posting.planner import Slot
from scheduler.posting.publisher import Publisher
from scheduler.project import Project, load_project
from scheduler.project.models import FacebookSettings, Secret
from tests.emulators.graph import (
    GraphEmulator,
    RecordedRequest,
    connection_reset,
    created_then_error,
    created_then_timeout,
    graph_error,
    html_error,
    policy_block,
    rate_limited,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SLOT = dt.datetime(2021, 10, 15, 8, 0, tzinfo=TZ)
CAPTION = "Dân vận khéo thì việc gì cũng thành công!\n\n#ThangDanVan"


@pytest.fixture
def clock_start() -> dt.datetime:
    return SLOT + dt.timedelta(seconds=5)


@pytest.fixture
def graph_options() -> dict[str, Any]:
    return {"app_secret": "app-secret-for-tests"}


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def channel_for(graph: GraphEmulator, sleeps: Sleeps | None = None, read_timeout: float = 5.0) -> FacebookChannel:
    settings = FacebookSettings(
        page_id=graph.page_id,
        access_token=Secret(graph.token, "FB_PAGE_TOKEN"),
        app_secret=Secret("app-secret-for-tests", "FB_APP_SECRET"),
        api_base=graph.url,
    )
    policy = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, connect_timeout=2, read_timeout=read_timeout)
    return FacebookChannel("fanpage", settings, policy=policy, sleep=sleeps if sleeps is not None else Sleeps())


def outgoing(tmp_path: Path, slot: dt.datetime = SLOT) -> Outgoing:
    from scheduler.project.cardstyle import CardStyle

    text = "Dân vận khéo thì việc gì cũng thành công!"
    card = CardStore(tmp_path / "cards").get(text, CardStyle())
    return Outgoing("fanpage", slot, "dan-van-kheo", text, CAPTION, card)


def publishes(graph: GraphEmulator) -> list[RecordedRequest]:
    return graph.requests_to(r"/photos$", method="POST")


def test_publish_sends_the_card_caption_and_alt_text_and_returns_the_post_id(
    graph: GraphEmulator, tmp_path: Path
) -> None:
    post = outgoing(tmp_path)
    published = channel_for(graph).publish(post)
    (created,) = graph.posts
    assert published.remote_id == created.post_id
    assert created.caption == CAPTION
    assert created.alt_text == post.text
    assert created.image == post.card.data and created.image_type == "jpeg"


def test_the_token_never_travels_in_a_url_and_every_call_carries_appsecret_proof(
    graph: GraphEmulator, tmp_path: Path
) -> None:
    channel = channel_for(graph)
    channel.publish(outgoing(tmp_path))
    channel.find_published(outgoing(tmp_path))
    channel.read_reach([graph.posts[0].post_id])
    proof = hmac.new(b"app-secret-for-tests", graph.token.encode(), hashlib.sha256).hexdigest()
    outer = [r for r in graph.requests if not r.in_batch]
    assert outer
    assert all(graph.token not in r.url for r in outer)
    assert all(r.token_source in ("header", "form") for r in outer)
    assert all(r.form.get("appsecret_proof") == proof for r in outer)


def test_a_publish_that_created_the_post_then_failed_is_found_not_repeated(
    graph: GraphEmulator, tmp_path: Path
) -> None:
    graph.fail_next(created_then_error(code=2, http_status=500), path=r"/photos$")
    published = channel_for(graph).publish(outgoing(tmp_path))
    assert len(graph.posts) == 1
    assert published.remote_id == graph.posts[0].post_id
    assert len(publishes(graph)) == 1


def test_a_publish_that_timed_out_after_creating_the_post_is_found_not_repeated(
    graph: GraphEmulator, tmp_path: Path
) -> None:
    graph.fail_next(created_then_timeout(3.0), path=r"/photos$")
    published = channel_for(graph, read_timeout=0.5).publish(outgoing(tmp_path))
    assert len(graph.posts) == 1
    assert published.remote_id == graph.posts[0].post_id


@pytest.mark.parametrize("fault", [html_error(502), connection_reset(), graph_error(1, http_status=500)])
def test_a_failure_that_created_nothing_is_checked_then_retried_once(
    graph: GraphEmulator, tmp_path: Path, fault: object
) -> None:
    graph.fail_next(fault, path=r"/photos$")  # type: ignore[arg-type]
    sleeps = Sleeps()
    channel_for(graph, sleeps).publish(outgoing(tmp_path))
    assert len(graph.posts) == 1
    assert len(publishes(graph)) == 2
    assert len(graph.requests_to(r"/posts", method="GET")) == 1  # looked on the Page before trying again


def test_unknown_outcome_every_time_ends_unknown_after_bounded_attempts(graph: GraphEmulator, tmp_path: Path) -> None:
    graph.fail_next(html_error(502), times=10, path=r"/photos$")
    with pytest.raises(ChannelError) as raised:
        channel_for(graph).publish(outgoing(tmp_path))
    assert raised.value.kind == "unknown"
    assert len(publishes(graph)) == 3
    assert graph.posts == []


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (graph_error(190, subcode=463), "token"),
        (graph_error(100), "permanent"),
        (graph_error(324), "permanent"),
        (graph_error(200), "permanent"),
        (policy_block(), "policy"),
    ],
)
def test_refusals_are_classified_and_never_retried(
    graph: GraphEmulator, tmp_path: Path, fault: object, kind: str
) -> None:
    graph.fail_next(fault, path=r"/photos$")  # type: ignore[arg-type]
    with pytest.raises(ChannelError) as raised:
        channel_for(graph).publish(outgoing(tmp_path))
    assert raised.value.kind == kind
    assert len(publishes(graph)) == 1
    assert graph.token not in str(raised.value)


def test_a_token_error_names_what_to_renew(graph: GraphEmulator, tmp_path: Path) -> None:
    graph.invalidate_token(subcode=460)
    with pytest.raises(ChannelError) as raised:
        channel_for(graph).publish(outgoing(tmp_path))
    message = str(raised.value)
    assert "mật khẩu" in message and "FB_PAGE_TOKEN" in message and "190/460" in message


def test_a_rate_limit_waits_the_announced_time_then_posts(graph: GraphEmulator, tmp_path: Path) -> None:
    graph.fail_next(rate_limited(80001, eta_minutes=3), path=r"/photos$")
    sleeps = Sleeps()
    channel_for(graph, sleeps).publish(outgoing(tmp_path))
    assert len(graph.posts) == 1
    assert 180.0 in sleeps


def test_high_usage_slows_the_page_down_before_the_limit(graph: GraphEmulator, tmp_path: Path) -> None:
    sleeps = Sleeps()
    channel = channel_for(graph, sleeps)
    graph.set_usage(buc={"call_count": 90, "total_cputime": 10, "total_time": 10, "estimated_time_to_regain_access": 0})
    channel.publish(outgoing(tmp_path))
    channel.publish(outgoing(tmp_path, SLOT + dt.timedelta(hours=1)))
    assert any(s > 1 for s in sleeps)


def test_usage_headers_are_read_as_percentages_and_minutes() -> None:
    headers = {
        "X-App-Usage": '{"call_count": 12, "total_cputime": 80, "total_time": 3}',
        "X-Business-Use-Case-Usage": '{"1": [{"type": "pages", "call_count": 40, "total_cputime": 2, "total_time": 1, "estimated_time_to_regain_access": 7}]}',
    }
    assert usage_of(headers) == (80, 420.0)


def test_reach_reads_viewers_views_reactions_and_clicks_in_batches_of_fifty(graph: GraphEmulator) -> None:
    ids = [graph.add_post(f"bài {n}", created_time=SLOT.timestamp()).post_id for n in range(120)]
    for n, post_id in enumerate(ids):
        graph.set_metrics(
            post_id,
            post_total_media_view_unique=n,
            post_media_view=2 * n,
            post_reactions_by_type_total={"like": 2, "love": 1},
            post_clicks=5,
        )
    results = channel_for(graph).read_reach(ids)
    batches = [
        r for r in graph.requests if not r.in_batch and r.method == "POST" and r.path.rstrip("/").endswith("v25.0")
    ]
    assert len(batches) == 3  # ceil(120 / 50): calls grow with posts / 50
    metrics = results[ids[7]]
    assert not isinstance(metrics, ChannelError)
    assert metrics.values == {"reach": 7, "views": 14, "reactions": 3, "clicks": 5, "shares": None}


def test_a_removed_metric_costs_nothing_else_and_is_not_asked_again(graph: GraphEmulator) -> None:
    ids = [graph.add_post(f"bài {n}", created_time=SLOT.timestamp()).post_id for n in range(3)]
    for post_id in ids:
        graph.set_metrics(post_id, post_total_media_view_unique=11, post_media_view=22)
    graph.removed_metrics.add("post_clicks")
    channel = channel_for(graph)
    first = channel.read_reach(ids)
    assert all(
        not isinstance(m, ChannelError) and m.values["reach"] == 11 and m.values["views"] == 22 for m in first.values()
    )
    assert channel.dead_metrics == {"post_clicks"}
    before = len(graph.requests)
    channel.read_reach(ids)
    later = [r for r in graph.requests[before:] if r.in_batch]
    assert len(later) == 3 and all("post_clicks" not in r.url for r in later)


def test_online_check_accepts_a_good_token(graph: GraphEmulator) -> None:
    findings = channel_for(graph).verify(SLOT)
    assert [f.severity for f in findings] == ["ok", "ok", "ok"]


def test_online_check_says_exactly_what_is_missing(graph: GraphEmulator) -> None:
    graph.scopes = ("pages_manage_posts", "pages_show_list")
    graph.token_expires_at = int((SLOT + dt.timedelta(days=3)).timestamp())
    findings = {f.severity: f.message for f in channel_for(graph).verify(SLOT)}
    assert "pages_read_engagement" in findings["error"] and "read_insights" in findings["error"]
    assert "còn 3 ngày" in findings["warning"]


def test_online_check_rejects_a_token_of_another_page(graph: GraphEmulator) -> None:
    channel = channel_for(graph)
    settings = channel.settings
    channel.settings = FacebookSettings("999", settings.access_token, settings.app_secret, api_base=graph.url)
    assert channel.verify(SLOT)[0].severity == "error"


# --- through the publisher and the ledger ------------------------------------------------------------


def fb_project(project_dir: Path, graph: GraphEmulator) -> Project:
    config = project_dir / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + "  - name: fanpage\n    type: facebook\n"
        + f'    page_id: "{graph.page_id}"\n    access_token: ${{FB_PAGE_TOKEN}}\n    api_base: {graph.url}\n'
        + '    schedule: {times: ["08:00"]}\n',
        encoding="utf-8",
    )
    config.chmod(0o640)  # it names a token: only the service should read it
    return load_project(config, {"FB_PAGE_TOKEN": graph.token})


def test_a_token_error_pauses_only_that_channel_and_fails_its_slots_without_calls(
    project_dir: Path, tmp_path: Path
) -> None:
    with GraphEmulator(clock=lambda: SLOT.timestamp()) as graph:
        project = fb_project(project_dir, graph)
        graph.invalidate_token()
        slogan = project.slogans.slogans[0]
        with Ledger.open(tmp_path / "db.sqlite") as ledger:
            publisher = Publisher(
                project.config,
                project.slogans,
                ledger,
                {"fanpage": channel_for(graph)},
                CardStore(tmp_path / "cards"),
                clock=lambda: SLOT,
                sleep=lambda _: None,
            )
            first = publisher.publish(Slot(SLOT, "fanpage", slogan.id, slogan.text))
            calls = len(graph.requests)
            second = publisher.publish(Slot(SLOT + dt.timedelta(days=1), "fanpage", slogan.id, slogan.text))
            state = ledger.channel_state("fanpage")
            outbox_state = ledger.channel_state("outbox")
    assert first.status == "failed" and "FB_PAGE_TOKEN" in (first.error or "")
    assert second.status == "failed" and "tạm dừng" in (second.error or "")
    assert len(graph.requests) == calls  # no retry loop against a dead token
    assert state is not None and state.state == "paused"
    assert outbox_state is None


def test_danvan_post_and_reach_through_the_cli(project_dir: Path) -> None:
    from click.testing import CliRunner

    from scheduler.cli import cli

    with GraphEmulator() as graph:
        fb_project(project_dir, graph)
        env = {"FB_PAGE_TOKEN": graph.token}
        config = str(project_dir / "config.yaml")
        posted = CliRunner().invoke(cli, ["post", "--channel", "fanpage", "-c", config], env=env)
        assert posted.exit_code == 0, posted.output
        graph.set_metrics(graph.posts[0].post_id, post_total_media_view_unique=321, post_media_view=654)
        read = CliRunner().invoke(cli, ["reach", "-c", config], env=env)
        assert read.exit_code == 0, read.output
        assert "321" in read.stdout
        log = CliRunner().invoke(cli, ["log", "--json", "-c", config], env=env)
    import json

    (row,) = json.loads(log.stdout)
    assert (row["channel"], row["status"], row["reach"], row["remote_id"]) == (
        "fanpage",
        "posted",
        321,
        graph.posts[0].post_id,
    )


def test_check_online_through_the_cli(project_dir: Path) -> None:
    from click.testing import CliRunner

    from scheduler.cli import cli

    with GraphEmulator(scopes=("pages_manage_posts", "pages_show_list", "pages_read_engagement")) as graph:
        fb_project(project_dir, graph)
        result = CliRunner().invoke(
            cli, ["check", "--online", "-c", str(project_dir / "config.yaml")], env={"FB_PAGE_TOKEN": graph.token}
        )
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith(
        f"{project_dir / 'config.yaml'}:10:5: error: kênh 'fanpage': mã truy cập thiếu quyền: read_insights"
    )
    assert line.endswith("[online]")
