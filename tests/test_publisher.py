from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scheduler.cards import CardStore
from scheduler.channels import Outgoing, Published
from scheduler.channels.outbox import OutboxChannel
from scheduler.errors import ChannelError, ErrorKind
from scheduler.ledger import Ledger
from scheduler.posting.captions import make_caption
from scheduler.posting.planner import Slot
from scheduler.posting.publisher import Publisher, post_now
from scheduler.project import Project, load_project


@dataclass
class ScriptedChannel:
    """A platform double: fails with the scripted errors, then publishes; remembers what it holds."""

    name: str = "outbox"
    errors: list[ChannelError] = field(default_factory=list)
    published: list[Outgoing] = field(default_factory=list)
    holds: list[str] = field(default_factory=list)  # slot stems the platform already shows
    look_errors: list[ChannelError] = field(default_factory=list)  # the look on the platform fails with these first

    def publish(self, post: Outgoing) -> Published:
        if self.errors:
            raise self.errors.pop(0)
        self.published.append(post)
        return Published(remote_id=f"remote-{len(self.published)}")

    def find_published(self, post: Outgoing) -> Published | None:
        if self.look_errors:
            raise self.look_errors.pop(0)
        return Published("found-on-platform") if post.slot.isoformat() in self.holds else None


@pytest.fixture
def project(project_dir: Path) -> Project:
    return load_project(project_dir / "config.yaml", {})


def clock_at(project: Project) -> dt.datetime:
    return dt.datetime(2021, 10, 15, 8, 0, 5, tzinfo=project.config.timezone)


def make(project: Project, ledger: Ledger, channel: object, tmp_path: Path) -> Publisher:
    return Publisher(
        config=project.config,
        slogans=project.slogans,
        ledger=ledger,
        channels={"outbox": channel},  # type: ignore[dict-item]
        cards=CardStore(tmp_path / "cards"),
        clock=lambda: clock_at(project),
        sleep=SLEEPS.append,
    )


SLEEPS: list[float] = []


def slot(project: Project) -> Slot:
    slogan = project.slogans.slogans[0]
    return Slot(dt.datetime(2021, 10, 15, 8, 0, tzinfo=project.config.timezone), "outbox", slogan.id, slogan.text)


def test_a_slot_is_published_once_and_recorded(project: Project, tmp_path: Path) -> None:
    channel = ScriptedChannel()
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        publisher = make(project, ledger, channel, tmp_path)
        first = publisher.publish(slot(project))
        again = publisher.publish(slot(project))
    assert first.status == "posted" and first.remote_id == "remote-1"
    assert again.id == first.id and again.status == "posted"
    assert len(channel.published) == 1
    assert channel.published[0].caption == "Dân vận khéo thì việc gì cũng thành công!\n\n#ThangDanVan #DanVanKheo"
    assert channel.published[0].card.data[:2] == b"\xff\xd8"
    assert list((tmp_path / "cards").iterdir())  # drawn once, kept by its content hash


@pytest.mark.parametrize(("kind", "status"), [("permanent", "failed"), ("token", "failed")])
def test_a_refused_publication_is_recorded_with_its_reason(
    project: Project, tmp_path: Path, kind: ErrorKind, status: str
) -> None:
    channel = ScriptedChannel(errors=[ChannelError("nền tảng từ chối", kind)])
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        row = make(project, ledger, channel, tmp_path).publish(slot(project))
    assert (row.status, row.error) == (status, "nền tảng từ chối")


def test_a_transient_failure_is_tried_again_after_a_wait(project: Project, tmp_path: Path) -> None:
    channel = ScriptedChannel(errors=[ChannelError("đĩa đầy", "transient")])
    SLEEPS.clear()
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        row = make(project, ledger, channel, tmp_path).publish(slot(project))
    assert row.status == "posted"
    assert SLEEPS == [30.0]


def test_a_transient_failure_that_lasts_ends_failed_after_bounded_waits(project: Project, tmp_path: Path) -> None:
    channel = ScriptedChannel(errors=[ChannelError("đĩa đầy", "transient")] * 5)
    SLEEPS.clear()
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        row = make(project, ledger, channel, tmp_path).publish(slot(project))
    assert (row.status, row.error) == ("failed", "đĩa đầy")
    assert SLEEPS == [30.0, 120.0]
    assert len(channel.errors) == 2  # three attempts in all


def test_an_unknown_outcome_is_checked_on_the_platform_before_anything_else(project: Project, tmp_path: Path) -> None:
    the_slot = slot(project)
    channel = ScriptedChannel(errors=[ChannelError("hết thời gian chờ", "unknown")], holds=[the_slot.at.isoformat()])
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        row = make(project, ledger, channel, tmp_path).publish(the_slot)
    assert (row.status, row.remote_id) == ("posted", "found-on-platform")
    assert channel.published == []


def test_an_unknown_outcome_not_found_stays_unknown_with_what_to_check(project: Project, tmp_path: Path) -> None:
    channel = ScriptedChannel(errors=[ChannelError("hết thời gian chờ", "unknown")])
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        row = make(project, ledger, channel, tmp_path).publish(slot(project))
    assert row.status == "unknown"
    assert row.error is not None and "hãy kiểm tra" in row.error and "15/10/2021 08:00" in row.error


def test_a_crash_left_in_sending_is_resolved_by_asking_the_channel_never_by_reposting(
    project: Project, tmp_path: Path
) -> None:
    the_slot = slot(project)
    outbox = OutboxChannel("outbox", tmp_path / "outbox")
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        publisher = make(project, ledger, outbox, tmp_path)
        # Crash after the claim: one slot made it to disk, the other did not.
        ledger.claim("outbox", the_slot.at, the_slot.slogan_id, "h", "c", clock_at(project))
        later = the_slot.at + dt.timedelta(hours=1)
        ledger.claim("outbox", later, the_slot.slogan_id, "h", "c", clock_at(project))
        card = publisher.cards.get(the_slot.text, project.config.card)
        outbox.publish(Outgoing("outbox", the_slot.at, the_slot.slogan_id, the_slot.text, "c", card))
        resolved = {row.slot: row for row in publisher.resolve_in_flight()}
    assert resolved[the_slot.at].status == "posted"
    assert resolved[later].status == "unknown" and "kiểm tra" in (resolved[later].error or "")
    assert len(list((tmp_path / "outbox").glob("*.json"))) == 1


def test_a_crash_whose_look_fails_stays_unknown_until_a_later_look_finds_the_post(
    project: Project, tmp_path: Path
) -> None:
    the_slot = slot(project)
    channel = ScriptedChannel(look_errors=[ChannelError("không xem được các bài trên Trang (HTTP 503)", "unknown")])
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        publisher = make(project, ledger, channel, tmp_path)
        ledger.claim("outbox", the_slot.at, the_slot.slogan_id, "h", "c", clock_at(project))
        (crashed,) = publisher.resolve_in_flight()
        assert crashed.status == "unknown" and "tự kiểm tra lại" in (crashed.error or "")
        assert publisher.recheck_unknown() == []  # the look answers now but finds nothing: left to the officer
        channel.holds.append(the_slot.at.isoformat())
        (found,) = publisher.recheck_unknown()
    assert (found.status, found.remote_id) == ("posted", "found-on-platform")
    assert channel.published == []  # never posted again


def test_unknown_rows_older_than_the_recheck_window_are_left_to_the_officer(project: Project, tmp_path: Path) -> None:
    the_slot = slot(project)
    channel = ScriptedChannel(errors=[ChannelError("hết thời gian chờ", "unknown")], holds=[the_slot.at.isoformat()])
    channel.look_errors = [ChannelError("không xem được", "unknown")] * 2
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        publisher = make(project, ledger, channel, tmp_path)
        assert publisher.publish(the_slot).status == "unknown"
        publisher.clock = lambda: clock_at(project) + dt.timedelta(days=3)
        assert publisher.recheck_unknown() == []
        row = ledger.get("outbox", the_slot.at)
    assert row is not None and row.status == "unknown"


def test_post_now_follows_the_rotation_and_goes_through_the_ledger(project: Project, tmp_path: Path) -> None:
    channel = ScriptedChannel()
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        publisher = make(project, ledger, channel, tmp_path)
        first = post_now(publisher, "outbox", None)
        publisher.clock = lambda: clock_at(project) + dt.timedelta(minutes=1)
        second = post_now(publisher, "outbox", None)
        history = ledger.history("outbox")
    assert {first.slogan_id, second.slogan_id} == {"dan-van-kheo", "dang-quang-vinh"}
    assert history == [first.slogan_id, second.slogan_id]


def test_caption_template_fields(project: Project) -> None:
    channel = project.config.channels[0]
    custom = type(channel)(
        **{**channel.__dict__, "caption": "{text} ({plan}, {issued_by}) {hashtags}", "hashtags": ("#A",)}
    )
    slogan = project.slogans.slogans[0]
    assert make_caption(custom, slogan, project.slogans.plan) == (
        "Dân vận khéo thì việc gì cũng thành công! (31-KH/BDVTU, Ban Dân vận Tỉnh ủy Bắc Giang) #A"
    )
