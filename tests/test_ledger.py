from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.errors import DanvanError
from scheduler.ledger import STATUSES, Ledger, LedgerError, Post

REPO = Path(__file__).resolve().parent.parent
VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2021, 10, 1, 6, 0, tzinfo=VN)
LATER = datetime(2021, 10, 15, 8, 1, 30, tzinfo=VN)


def at(day: int, hour: int = 8, minute: int = 0) -> datetime:
    return datetime(2021, 10, day, hour, minute, tzinfo=VN)


def raw_db(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    return conn


def claim(ledger: Ledger, slot: datetime, channel: str = "outbox", slogan_id: str = "dan-van-kheo") -> Post:
    post = ledger.claim(channel, slot, slogan_id, "hash-1", "chú thích", NOW)
    assert post is not None
    return post


def in_status(ledger: Ledger, status: str, slot: datetime, channel: str = "outbox") -> Post:
    """A row of `channel` at `slot` brought to `status` through legal moves only."""
    if status == "planned":
        return ledger.plan(channel, slot, "dan-van-kheo", NOW)
    if status == "missed":
        return ledger.mark_missed(channel, slot, "dan-van-kheo", "máy tắt", NOW)
    post = claim(ledger, slot, channel)
    if status == "sending":
        return post
    if status == "posted":
        return ledger.mark_posted(post.id, "fb_1", LATER)
    if status == "failed":
        return ledger.mark_failed(post.id, "ảnh bị từ chối", LATER)
    return ledger.mark_unknown(post.id, "hết thời gian chờ", LATER)


# --- opening and migrations -------------------------------------------------------------------

EXPECTED_COLUMNS = {
    "posts": [
        "id",
        "channel",
        "slot",
        "slot_utc",
        "slogan_id",
        "status",
        "remote_id",
        "error",
        "card_hash",
        "caption",
        "attempts",
        "created_at",
        "claimed_at",
        "posted_at",
        "updated_at",
        "latest_reach",
    ],
    "readings": ["id", "post_id", "taken_at", "reach", "views", "reactions", "clicks", "shares", "raw"],
    "channel_state": ["channel", "state", "reason", "updated_at", "paused_until"],
    "daemon": ["id", "pid", "host", "started_at", "heartbeat_at", "next_slot"],
    "tokens": ["channel", "access_token", "refresh_token", "access_expires_at", "refresh_expires_at", "updated_at"],
}


def test_open_creates_parent_folders_and_migrates_a_blank_database(ledger: Ledger, db_path: Path) -> None:
    with raw_db(db_path) as conn:
        applied = [row["name"] for row in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
        tables = {row["name"] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert applied == [
        "m001_initial",
        "m002_channel_pause_until",
        "m003_zalo_auth_followers_broadcasts",
        "m004_incidents",
        "m005_approvals",
        "m006_web_console",
        "m007_latest_reach",
    ]
    assert set(EXPECTED_COLUMNS) | {"approvals"} <= tables


def test_reopening_applies_nothing_and_keeps_the_data(ledger: Ledger, db_path: Path) -> None:
    ledger.plan("outbox", at(15), "dan-van-kheo", NOW)
    ledger.close()
    with raw_db(db_path) as conn:
        before = [tuple(row) for row in conn.execute("SELECT * FROM _sqlite_migrations")]
        schema_before = [tuple(row) for row in conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name")]
    with Ledger.open(db_path) as reopened:
        assert [p.slot for p in reopened.list_posts()] == [at(15)]
    with raw_db(db_path) as conn:
        assert [tuple(row) for row in conn.execute("SELECT * FROM _sqlite_migrations")] == before
        assert [
            tuple(row) for row in conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name")
        ] == schema_before


@pytest.mark.parametrize("table", sorted(EXPECTED_COLUMNS))
def test_tables_have_the_documented_columns(ledger: Ledger, db_path: Path, table: str) -> None:
    with raw_db(db_path) as conn:
        columns = [row["name"] for row in conn.execute(f"PRAGMA table_info({table})")]
    assert columns == EXPECTED_COLUMNS[table]


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("posts", ["status"]),
        ("posts", ["slot_utc"]),
        ("posts", ["channel", "slot_utc"]),
        ("readings", ["post_id", "taken_at"]),
    ],
)
def test_indexes_exist(ledger: Ledger, db_path: Path, table: str, columns: list[str]) -> None:
    with raw_db(db_path) as conn:
        names = [row["name"] for row in conn.execute(f"PRAGMA index_list({table})")]
        indexed = [[col["name"] for col in conn.execute(f"PRAGMA index_info('{name}')")] for name in names]
    assert columns in indexed


def test_posts_are_unique_per_channel_and_utc_slot(ledger: Ledger, db_path: Path) -> None:
    ledger.plan("outbox", at(15), "dan-van-kheo", NOW)
    with raw_db(db_path) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO posts (channel, slot, slot_utc, slogan_id, status, created_at, updated_at)"
            " SELECT channel, slot, slot_utc, slogan_id, status, created_at, updated_at FROM posts"
        )


def test_status_column_rejects_unknown_values(ledger: Ledger, db_path: Path) -> None:
    post = ledger.plan("outbox", at(15), "dan-van-kheo", NOW)
    with raw_db(db_path) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE posts SET status = 'done' WHERE id = ?", [post.id])


def test_connection_settings(ledger: Ledger, db_path: Path) -> None:
    conn = ledger._db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    with raw_db(db_path) as other:  # WAL is a property of the file, not just of our connection
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# --- plan and claim ---------------------------------------------------------------------------


def test_plan_inserts_a_planned_row(ledger: Ledger) -> None:
    post = ledger.plan("outbox", at(15), "dan-van-kheo", NOW)
    assert (post.channel, post.slot, post.slogan_id, post.status, post.attempts) == (
        "outbox",
        at(15),
        "dan-van-kheo",
        "planned",
        0,
    )
    assert ledger.get("outbox", at(15)) == post


def test_plan_leaves_an_existing_row_unchanged(ledger: Ledger) -> None:
    first = ledger.plan("outbox", at(15), "dan-van-kheo", NOW)
    again = ledger.plan("outbox", at(15), "dang-quang-vinh", LATER)
    assert again == first


def test_slot_keeps_its_local_offset_and_stores_utc(ledger: Ledger, db_path: Path) -> None:
    post = ledger.plan("outbox", at(15), "dan-van-kheo", NOW)
    assert post.slot.isoformat() == "2021-10-15T08:00:00+07:00"
    assert post.slot.utcoffset() == timedelta(hours=7)
    with raw_db(db_path) as conn:
        row = conn.execute("SELECT slot, slot_utc FROM posts").fetchone()
    assert (row["slot"], row["slot_utc"]) == ("2021-10-15T08:00:00+07:00", "2021-10-15T01:00:00+00:00")


def test_the_same_instant_in_another_offset_is_the_same_slot(ledger: Ledger) -> None:
    planned = ledger.plan("outbox", at(15), "dan-van-kheo", NOW)
    in_utc = datetime(2021, 10, 15, 1, 0, tzinfo=UTC)
    assert ledger.get("outbox", in_utc) == planned
    assert ledger.plan("outbox", in_utc, "dang-quang-vinh", NOW) == planned


def test_same_slot_on_another_channel_is_another_row(ledger: Ledger) -> None:
    a = ledger.plan("outbox", at(15), "dan-van-kheo", NOW)
    b = ledger.plan("fanpage", at(15), "dan-van-kheo", NOW)
    assert a.id != b.id


def test_naive_datetimes_are_refused(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="múi giờ"):
        ledger.plan("outbox", datetime(2021, 10, 15, 8, 0), "dan-van-kheo", NOW)
    with pytest.raises(ValueError, match="múi giờ"):
        ledger.plan("outbox", at(15), "dan-van-kheo", datetime(2021, 10, 1, 6, 0))


def test_claim_takes_a_planned_row(ledger: Ledger) -> None:
    ledger.plan("outbox", at(15), "dan-van-kheo", NOW)
    post = ledger.claim("outbox", at(15), "dang-quang-vinh", "abc123", "Chú thích", LATER)
    assert post is not None
    assert (post.status, post.slogan_id, post.card_hash, post.caption, post.attempts, post.claimed_at) == (
        "sending",
        "dang-quang-vinh",
        "abc123",
        "Chú thích",
        1,
        LATER,
    )


def test_claim_without_a_plan_creates_the_row(ledger: Ledger) -> None:
    post = claim(ledger, at(15))
    assert post.status == "sending"
    assert ledger.get("outbox", at(15)) == post


def test_second_claim_returns_none_and_changes_nothing(ledger: Ledger) -> None:
    first = claim(ledger, at(15))
    assert ledger.claim("outbox", at(15), "dang-quang-vinh", "other", "other", LATER) is None
    assert ledger.get("outbox", at(15)) == first


@pytest.mark.parametrize("status", ["sending", "posted", "failed", "missed", "unknown"])
def test_only_planned_rows_can_be_claimed(ledger: Ledger, status: str) -> None:
    before = in_status(ledger, status, at(15))
    assert ledger.claim("outbox", at(15), "dan-van-kheo", "h", "c", LATER) is None
    assert ledger.get("outbox", at(15)) == before


def test_racing_connections_claim_a_slot_exactly_once(db_path: Path) -> None:
    Ledger.open(db_path).close()  # the schema exists before the race; the race is about the row
    racers = 8
    start = threading.Barrier(racers)
    results: list[Post | None] = []
    errors: list[BaseException] = []

    def race() -> None:
        try:
            with Ledger.open(db_path) as mine:
                start.wait(timeout=10)
                results.append(mine.claim("outbox", at(15), "dan-van-kheo", "h", "c", NOW))
        except BaseException as exc:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    winners = [post for post in results if post is not None]
    assert len(results) == racers
    assert len(winners) == 1
    with Ledger.open(db_path) as check:
        assert check.get("outbox", at(15)) == winners[0]
        assert winners[0].attempts == 1


def test_racing_first_opens_of_a_blank_database_all_succeed(db_path: Path) -> None:
    racers = 6
    start = threading.Barrier(racers)
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            start.wait(timeout=10)
            Ledger.open(db_path).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with raw_db(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == 7  # each applied once


CLAIM_THEN_WAIT = """
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo
from scheduler.ledger import Ledger

vn = ZoneInfo("Asia/Ho_Chi_Minh")
ledger = Ledger.open(Path(sys.argv[1]))
post = ledger.claim("outbox", datetime(2021, 10, 15, 8, 0, tzinfo=vn), "dan-van-kheo", "h", "c",
                    datetime(2021, 10, 15, 8, 0, tzinfo=vn))
print(post.id, flush=True)
sys.stdin.read()  # hold the connection open until killed
"""


def test_a_claim_survives_kill_9_and_shows_as_in_flight(db_path: Path) -> None:
    Ledger.open(db_path).close()
    child = subprocess.Popen(
        [sys.executable, "-c", CLAIM_THEN_WAIT, str(db_path)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        claimed_id = int(child.stdout.readline())
    finally:
        child.kill()
        child.wait(timeout=30)
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()
    with Ledger.open(db_path) as after:
        assert [(p.id, p.status) for p in after.in_flight()] == [(claimed_id, "sending")]
        assert after.claim("outbox", at(15), "dan-van-kheo", "h", "c", LATER) is None


# --- transitions ------------------------------------------------------------------------------


def test_mark_posted_records_the_remote_id_and_time(ledger: Ledger) -> None:
    post = ledger.mark_posted(claim(ledger, at(15)).id, "123_456", LATER)
    assert (post.status, post.remote_id, post.posted_at, post.error) == ("posted", "123_456", LATER, None)
    assert post.posted_at is not None and post.posted_at.utcoffset() == timedelta(hours=7)


def test_mark_posted_accepts_a_missing_remote_id(ledger: Ledger) -> None:
    post = ledger.mark_posted(claim(ledger, at(15)).id, None, LATER)
    assert (post.status, post.remote_id) == ("posted", None)


def test_mark_failed_records_the_error(ledger: Ledger) -> None:
    post = ledger.mark_failed(claim(ledger, at(15)).id, "ảnh bị từ chối", LATER)
    assert (post.status, post.error, post.posted_at) == ("failed", "ảnh bị từ chối", None)


def test_mark_unknown_records_the_error(ledger: Ledger) -> None:
    post = ledger.mark_unknown(claim(ledger, at(15)).id, "hết thời gian chờ", LATER)
    assert (post.status, post.error) == ("unknown", "hết thời gian chờ")


def test_unknown_can_be_resolved_as_posted(ledger: Ledger) -> None:
    unknown = in_status(ledger, "unknown", at(15))
    post = ledger.mark_posted(unknown.id, "123_456", LATER + timedelta(hours=1))
    assert (post.status, post.remote_id, post.error) == ("posted", "123_456", None)


def test_unknown_can_be_resolved_as_failed(ledger: Ledger) -> None:
    unknown = in_status(ledger, "unknown", at(15))
    post = ledger.mark_failed(unknown.id, "không có trên trang", LATER)
    assert (post.status, post.error) == ("failed", "không có trên trang")


ILLEGAL = [
    ("planned", "posted"),
    ("planned", "failed"),
    ("planned", "unknown"),
    ("sending", "missed"),
    ("posted", "posted"),
    ("posted", "failed"),
    ("posted", "unknown"),
    ("posted", "missed"),
    ("failed", "posted"),
    ("failed", "failed"),
    ("failed", "unknown"),
    ("failed", "missed"),
    ("missed", "posted"),
    ("missed", "failed"),
    ("missed", "unknown"),
    ("unknown", "unknown"),
    ("unknown", "missed"),
]


def move(ledger: Ledger, post: Post, target: str) -> Post:
    if target == "posted":
        return ledger.mark_posted(post.id, "fb_2", LATER)
    if target == "failed":
        return ledger.mark_failed(post.id, "lỗi", LATER)
    if target == "unknown":
        return ledger.mark_unknown(post.id, "lỗi", LATER)
    return ledger.mark_missed(post.channel, post.slot, post.slogan_id, "lỡ", LATER)


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_illegal_transitions_raise_and_change_nothing(ledger: Ledger, source: str, target: str) -> None:
    before = in_status(ledger, source, at(15))
    with pytest.raises(LedgerError, match=f"từ trạng thái '{source}' sang '{target}'") as raised:
        move(ledger, before, target)
    assert isinstance(raised.value, DanvanError)
    assert ledger.get("outbox", at(15)) == before


@pytest.mark.parametrize("target", ["posted", "failed", "unknown"])
def test_marking_an_unknown_post_id_raises(ledger: Ledger, target: str) -> None:
    ghost = Post(999, "outbox", at(15), "x", "sending", None, None, None, None, 1, None, None)
    with pytest.raises(LedgerError, match="không có bài đăng số 999"):
        move(ledger, ghost, target)


def test_mark_missed_inserts_a_row_for_an_unplanned_slot(ledger: Ledger) -> None:
    post = ledger.mark_missed("outbox", at(15), "dan-van-kheo", "máy chủ tắt lúc 08:00", LATER)
    assert (post.status, post.error, post.slogan_id, post.attempts) == (
        "missed",
        "máy chủ tắt lúc 08:00",
        "dan-van-kheo",
        0,
    )


def test_mark_missed_turns_a_planned_row_into_missed(ledger: Ledger) -> None:
    planned = ledger.plan("outbox", at(15), "dan-van-kheo", NOW)
    post = ledger.mark_missed("outbox", at(15), "dan-van-kheo", "quá giờ", LATER)
    assert (post.id, post.status, post.error) == (planned.id, "missed", "quá giờ")


def test_mark_missed_twice_keeps_the_first_record(ledger: Ledger) -> None:
    first = ledger.mark_missed("outbox", at(15), "dan-van-kheo", "lý do 1", NOW)
    assert ledger.mark_missed("outbox", at(15), "dang-quang-vinh", "lý do 2", LATER) == first


def test_missed_never_overwrites_posted(ledger: Ledger) -> None:
    posted = in_status(ledger, "posted", at(15))
    with pytest.raises(LedgerError):
        ledger.mark_missed("outbox", at(15), "dan-van-kheo", "quá giờ", LATER)
    assert ledger.get("outbox", at(15)) == posted


def test_in_flight_lists_only_sending_rows_oldest_first(ledger: Ledger) -> None:
    late = claim(ledger, at(16))
    early = claim(ledger, at(15))
    in_status(ledger, "posted", at(14))
    in_status(ledger, "planned", at(17))
    in_status(ledger, "unknown", at(18))
    assert ledger.in_flight() == [early, late]


# --- history, last slot, log ------------------------------------------------------------------


def test_history_lists_used_slogans_oldest_slot_first(ledger: Ledger) -> None:
    claims = [(at(20), "e", "sending"), (at(10), "a", "posted"), (at(12), "c", "unknown"), (at(11), "b", "failed")]
    for slot, slogan, status in claims:
        post = claim(ledger, slot, slogan_id=slogan)
        if status != "sending":
            move(ledger, post, status)
    ledger.plan("outbox", at(25), "planned-only", NOW)
    ledger.mark_missed("outbox", at(13), "missed-only", "lỡ", NOW)
    claim(ledger, at(9), channel="fanpage", slogan_id="other-channel")
    assert ledger.history("outbox") == ["a", "b", "c", "e"]
    assert ledger.history("zalo-oa") == []


def test_last_slot_is_the_latest_row_whatever_its_status(ledger: Ledger) -> None:
    assert ledger.last_slot("outbox") is None
    claim(ledger, at(15))
    ledger.plan("outbox", at(20), "dan-van-kheo", NOW)
    ledger.mark_missed("outbox", at(18), "dan-van-kheo", "lỡ", NOW)
    ledger.plan("fanpage", at(25), "dan-van-kheo", NOW)
    last = ledger.last_slot("outbox")
    assert last == at(20)
    assert last is not None and last.utcoffset() == timedelta(hours=7)


def test_last_slot_orders_by_instant_not_by_text(ledger: Ledger) -> None:
    # 09:00+07:00 is 02:00 UTC, earlier than 03:00+00:00 although its text sorts later
    ledger.plan("outbox", at(15, 9), "a", NOW)
    ledger.plan("outbox", datetime(2021, 10, 15, 3, 0, tzinfo=UTC), "b", NOW)
    assert ledger.last_slot("outbox") == datetime(2021, 10, 15, 3, 0, tzinfo=UTC)


@pytest.fixture
def log(ledger: Ledger) -> Ledger:
    """outbox: 14 posted, 15 failed, 16 planned; fanpage: 15 posted, 17 sending."""
    in_status(ledger, "posted", at(14))
    in_status(ledger, "failed", at(15))
    in_status(ledger, "planned", at(16))
    in_status(ledger, "posted", at(15), channel="fanpage")
    in_status(ledger, "sending", at(17), channel="fanpage")
    return ledger


def keys(posts: list[Post]) -> list[tuple[str, int]]:
    return [(p.channel, p.slot.day) for p in posts]


def test_list_posts_is_newest_slot_first(log: Ledger) -> None:
    assert keys(log.list_posts()) == [("fanpage", 17), ("outbox", 16), ("fanpage", 15), ("outbox", 15), ("outbox", 14)]


def test_list_posts_filters(log: Ledger) -> None:
    assert keys(log.list_posts(channel="outbox")) == [("outbox", 16), ("outbox", 15), ("outbox", 14)]
    assert keys(log.list_posts(status="posted")) == [("fanpage", 15), ("outbox", 14)]
    assert keys(log.list_posts(since=at(16))) == [("fanpage", 17), ("outbox", 16)]
    assert keys(log.list_posts(limit=2)) == [("fanpage", 17), ("outbox", 16)]
    assert keys(log.list_posts(since=at(15), channel="outbox", status="failed", limit=5)) == [("outbox", 15)]


def test_list_posts_since_compares_instants(log: Ledger) -> None:
    just_after_16 = datetime(2021, 10, 16, 1, 0, 1, tzinfo=UTC)  # 08:00:01 in Hà Nội
    assert keys(log.list_posts(since=just_after_16)) == [("fanpage", 17)]


def test_list_posts_refuses_an_unknown_status(log: Ledger) -> None:
    with pytest.raises(LedgerError, match="trạng thái không hợp lệ: 'done'"):
        log.list_posts(status="done")


@pytest.mark.parametrize("status", STATUSES)
def test_list_posts_accepts_every_status(ledger: Ledger, status: str) -> None:
    in_status(ledger, status, at(15))
    assert [p.status for p in ledger.list_posts(status=status)] == [status]


def test_list_posts_joins_the_latest_reach(ledger: Ledger) -> None:
    read = in_status(ledger, "posted", at(14))
    unread = in_status(ledger, "posted", at(15))
    # inserted out of order: "latest" is by reading time, not insertion order
    ledger.add_reading(read.id, at(16), {"reach": 300})
    ledger.add_reading(read.id, at(15, 12), {"reach": 100})
    ledger.add_reading(read.id, at(17), {"reach": None, "views": 50})  # a reading without reach
    reaches = {p.id: p.reach for p in ledger.list_posts()}
    assert reaches == {read.id: 300, unread.id: None}
    # the log reads the same answer from the column the readings trigger keeps
    assert {line.slot: line.reach for line in ledger.log_lines()} == {
        at(14).isoformat(): 300,
        at(15).isoformat(): None,
    }


def test_latest_reading_compares_instants_not_text(ledger: Ledger) -> None:
    post = in_status(ledger, "posted", at(14))
    ledger.add_reading(post.id, datetime(2021, 10, 16, 9, 0, tzinfo=VN), {"reach": 1})  # 02:00 UTC
    ledger.add_reading(post.id, datetime(2021, 10, 16, 3, 0, tzinfo=UTC), {"reach": 2})
    assert ledger.list_posts()[0].reach == 2


def test_list_posts_reads_reach_in_one_query(ledger: Ledger) -> None:
    for day in range(10, 20):
        post = in_status(ledger, "posted", at(day))
        ledger.add_reading(post.id, LATER, {"reach": day})
    statements: list[str] = []
    ledger._db.conn.set_trace_callback(statements.append)
    posts = ledger.list_posts()
    ledger._db.conn.set_trace_callback(None)
    assert [p.reach for p in posts] == list(range(19, 9, -1))
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_add_reading_stores_metrics_and_raw_json(ledger: Ledger, db_path: Path) -> None:
    post = in_status(ledger, "posted", at(14))
    metrics = {"reach": 10, "views": 20, "reactions": 3, "clicks": 4, "shares": 5}
    raw = {"post_total_media_view_unique": 10, "ghi chú": "đọc lần 1"}
    ledger.add_reading(post.id, datetime(2021, 10, 16, 9, 0, tzinfo=VN), metrics, raw)
    with raw_db(db_path) as conn:
        row = dict(conn.execute("SELECT * FROM readings").fetchone())
    assert json.loads(row.pop("raw")) == raw
    assert row == {"id": 1, "post_id": post.id, "taken_at": "2021-10-16T02:00:00+00:00", **metrics}


def test_add_reading_for_an_unknown_post_raises(ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="không có bài đăng số 42"):
        ledger.add_reading(42, LATER, {"reach": 1})


def test_add_reading_refuses_unknown_metrics(ledger: Ledger) -> None:
    post = in_status(ledger, "posted", at(14))
    with pytest.raises(ValueError, match="likes"):
        ledger.add_reading(post.id, LATER, {"likes": 1})


def test_readings_must_point_at_a_post(ledger: Ledger, db_path: Path) -> None:
    with raw_db(db_path) as conn:
        conn.execute("PRAGMA foreign_keys = ON")  # per connection, as in the ledger
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO readings (post_id, taken_at) VALUES (7, '2021-10-16T02:00:00+00:00')")


def test_times_are_stored_as_iso_with_offset(ledger: Ledger, db_path: Path) -> None:
    post = claim(ledger, at(15))
    ledger.mark_posted(post.id, "1", datetime(2021, 10, 15, 8, 0, 42, 123456, tzinfo=timezone(timedelta(hours=7))))
    with raw_db(db_path) as conn:
        row = conn.execute("SELECT created_at, claimed_at, posted_at, updated_at FROM posts").fetchone()
    assert tuple(row) == (
        "2021-10-01T06:00:00+07:00",
        "2021-10-01T06:00:00+07:00",
        "2021-10-15T08:00:42+07:00",
        "2021-10-15T08:00:42+07:00",
    )
