from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scheduler.cards import CardStore
from scheduler.errors import ChannelError
from scheduler.ledger import Ledger, Post
from scheduler.posting.publisher import Publisher
from scheduler.posting.reach import due_posts, is_due, read_due
from scheduler.project import load_project
from scheduler.project.models import ReachPolicy
from tests.conftest import FakeClock

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
POSTED = dt.datetime(2021, 10, 15, 8, 0, tzinfo=TZ)
POLICY = ReachPolicy()


def post(posted_at: dt.datetime | None = POSTED) -> Post:
    return Post(1, "fanpage", POSTED, "a", "posted", "1_2", None, None, None, 1, POSTED, posted_at)


@pytest.mark.parametrize(
    ("age", "last_read_age", "due"),
    [
        (dt.timedelta(minutes=59), None, False),  # before the first reading age
        (dt.timedelta(hours=1), None, True),
        (dt.timedelta(hours=2), dt.timedelta(hours=1, minutes=1), False),  # read after the 1 h mark
        (dt.timedelta(hours=24), dt.timedelta(hours=1, minutes=1), True),
        (dt.timedelta(hours=30), dt.timedelta(hours=24, minutes=5), False),
        (dt.timedelta(days=7), dt.timedelta(hours=72), True),
        (dt.timedelta(days=30), dt.timedelta(days=7, minutes=1), False),  # every age read: done
        (dt.timedelta(days=3), None, True),  # downtime: one late reading catches up
    ],
)
def test_a_reading_is_due_when_an_age_passed_without_a_reading_after_it(
    age: dt.timedelta, last_read_age: dt.timedelta | None, due: bool
) -> None:
    last = None if last_read_age is None else POSTED + last_read_age
    assert is_due(post(), last, POLICY, POSTED + age) is due


@dataclass
class Reader:
    """A platform double for reach: answers with fixed values; records what it was asked."""

    answers: dict[str, Any] = field(default_factory=dict)
    asked: list[list[str]] = field(default_factory=list)

    def read_reach(self, remote_ids: Sequence[str]) -> Mapping[str, Any]:
        self.asked.append(list(remote_ids))
        return {rid: self.answers.get(rid) for rid in remote_ids}


@dataclass(frozen=True)
class Values:
    values: dict[str, int | None]
    raw: dict[str, Any]


def posted(ledger: Ledger, slot: dt.datetime, remote_id: str) -> Post:
    row = ledger.claim("fanpage", slot, "a", "h", "c", slot)
    assert row is not None
    return ledger.mark_posted(row.id, remote_id, slot)


def test_read_due_stores_readings_and_then_nothing_is_due_until_the_next_age(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        first = posted(ledger, POSTED, "1_1")
        reader = Reader({"1_1": Values({"reach": 50, "views": 80}, {"post_total_media_view_unique": 50})})
        now = POSTED + dt.timedelta(hours=1, minutes=3)
        results = read_due(ledger, {"fanpage": reader}, POLICY, now)
        assert [(r.post.id, r.values) for r in results] == [(first.id, {"reach": 50, "views": 80})]
        assert read_due(ledger, {"fanpage": reader}, POLICY, now + dt.timedelta(hours=5)) == []
        assert ledger.list_posts()[0].reach == 50
        assert len(read_due(ledger, {"fanpage": reader}, POLICY, POSTED + dt.timedelta(hours=25))) == 1


def test_danvan_reach_also_reads_posts_never_read_whatever_their_age(tmp_path: Path) -> None:
    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        posted(ledger, POSTED - dt.timedelta(days=60), "old")
        posted(ledger, POSTED, "fresh")
        now = POSTED + dt.timedelta(minutes=5)
        assert due_posts(ledger, ["fanpage"], POLICY, now, include_unread=False) == []
        due = due_posts(ledger, ["fanpage"], POLICY, now, include_unread=True)
        assert sorted(p.remote_id or "" for p in due) == ["fresh", "old"]


def test_a_token_error_while_reading_pauses_the_channel_and_stores_nothing(tmp_path: Path) -> None:
    class Refusing:
        def read_reach(self, remote_ids: Sequence[str]) -> Mapping[str, Any]:
            raise ChannelError("mã hết hạn", "token")

    with Ledger.open(tmp_path / "db.sqlite") as ledger:
        posted(ledger, POSTED, "1_1")
        now = POSTED + dt.timedelta(hours=2)
        results = read_due(ledger, {"fanpage": Refusing()}, POLICY, now)
        assert [r.error for r in results] == ["mã hết hạn"]
        state = ledger.channel_state("fanpage")
        assert state is not None and state.paused_at(now)
        assert ledger.readings(results[0].post.id) == []
        assert read_due(ledger, {"fanpage": Refusing()}, POLICY, now) == []  # paused: no call at all


@pytest.mark.parametrize(
    "after_pause",
    [dt.timedelta(0), dt.timedelta(hours=5, minutes=59), dt.timedelta(hours=6), dt.timedelta(hours=7)],
)
def test_reach_skips_a_channel_in_policy_cool_down_exactly_when_the_publisher_would(
    project_dir: Path, ledger: Ledger, after_pause: dt.timedelta
) -> None:
    project = load_project(project_dir / "config.yaml", {})
    clock = FakeClock(POSTED)
    publisher = Publisher(
        config=project.config,
        slogans=project.slogans,
        ledger=ledger,
        channels={},
        cards=CardStore(project_dir / "cards"),
        clock=clock,
    )
    posted(ledger, POSTED - dt.timedelta(hours=2), "1_1")
    publisher.pause("fanpage", ChannelError("Trang bị chặn vì chính sách", "policy", retry_after=6 * 3600))
    clock.advance(after_pause.total_seconds())
    reader = Reader({"1_1": Values({"reach": 5}, {})})

    read_due(ledger, {"fanpage": reader}, POLICY, clock(), include_unread=True)

    publisher_would_post = publisher.pause_reason("fanpage") is None
    assert bool(reader.asked) is publisher_would_post
    assert publisher_would_post is (after_pause >= dt.timedelta(hours=6))
