"""The planner: schedules in any zone (DST gaps and overlaps), rotation, pinned dates, period, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time as clock
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.errors import DanvanError
from scheduler.posting.planner import (
    Slot,
    in_posting_period,
    next_slogan,
    plan,
    rotation_order,
    slot_times,
)
from scheduler.project.cardstyle import CardStyle
from scheduler.project.models import ChannelConfig, Config, OutboxSettings, PostingPolicy, Schedule
from scheduler.project.slogans import Plan, Slogan, SloganFile

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SANTIAGO = ZoneInfo("America/Santiago")  # DST changes at local midnight
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # DST of 30 minutes
THREE_A_DAY = Schedule(times=(time(8), time(12), time(19, 30)))


# --- builders -----------------------------------------------------------------------------------------


def slogan(slogan_id: str, *, dates: Sequence[date] = (), enabled: bool = True) -> Slogan:
    return Slogan(id=slogan_id, text=f"Khẩu hiệu {slogan_id}", dates=tuple(dates), enabled=enabled)


def slogan_file(*slogans: Slogan, start: date = date(2021, 10, 1), end: date = date(2021, 10, 31)) -> SloganFile:
    period = Plan(
        id="31-KH/BDVTU", title="Tháng Dân vận", issued_by="Ban Dân vận", issued_on=None, start=start, end=end
    )
    return SloganFile(path=Path("slogans.yaml"), plan=period, slogans=slogans)


def many(count: int, prefix: str = "s") -> list[Slogan]:
    return [slogan(f"{prefix}{i}") for i in range(count)]


def channel(name: str, schedule: Schedule = THREE_A_DAY, *, enabled: bool = True) -> ChannelConfig:
    return ChannelConfig(
        name=name,
        type="outbox",
        schedule=schedule,
        settings=OutboxSettings(directory=Path("outbox")),
        card=CardStyle(),
        enabled=enabled,
    )


def config(*channels: ChannelConfig, tz: ZoneInfo = VN, period_only: bool = False) -> Config:
    return Config(
        path=Path("config.yaml"),
        timezone=tz,
        slogans_path=Path("slogans.yaml"),
        database=Path("danvan.db"),
        card=CardStyle(),
        channels=channels,
        posting=PostingPolicy(plan_period_only=period_only),
    )


def pages(count: int, schedule: Schedule = THREE_A_DAY) -> list[ChannelConfig]:
    return [channel(f"page-{i}", schedule) for i in range(count)]


def local(tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def posted(slots: Sequence[Slot], name: str) -> list[str]:
    return [s.slogan_id for s in slots if s.channel == name]


def history_before(slots: Sequence[Slot], cut: datetime) -> dict[str, list[str]]:
    history: dict[str, list[str]] = {}
    for s in slots:
        if s.utc < cut:
            history.setdefault(s.channel, []).append(s.slogan_id)
    return history


def isoformats(times: Sequence[datetime]) -> list[str]:
    return [t.isoformat() for t in times]


def chunks(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items) - size + 1, size)]


START = local(VN, 2021, 10, 1)
END = datetime(2100, 1, 1, tzinfo=UTC)  # "everything so far" when turning a plan into history


# --- rotation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13])
def test_every_slogan_once_before_any_repeat(size: int) -> None:
    channels = pages(30)
    slots = plan(config(*channels), slogan_file(*many(size)), START, START + timedelta(days=2 * size))
    everyone = sorted(f"s{i}" for i in range(size))
    for c in channels:
        ids = posted(slots, c.name)
        assert len(ids) == 6 * size
        for cycle in chunks(ids, size):
            assert sorted(cycle) == everyone


def test_planning_in_pieces_continues_like_one_call() -> None:
    slogans = slogan_file(*many(7), slogan("p", dates=[date(2021, 10, 3)]), slogan("q", dates=[date(2021, 10, 3)]))
    cfg = config(*pages(5))
    end = START + timedelta(days=6)
    whole = plan(cfg, slogans, START, end)
    cuts = [*sorted({s.utc for s in whole}), START + timedelta(hours=10), START + timedelta(days=2, hours=9)]
    for cut in cuts:
        rest = plan(cfg, slogans, cut, end, history=history_before(whole, cut))
        assert rest == [s for s in whole if s.utc >= cut], cut


def test_history_continues_the_rotation_of_a_started_cycle() -> None:
    slogans = slogan_file(*many(6))
    cfg = config(*pages(20))
    first = plan(cfg, slogans, START, START + timedelta(days=1))  # 3 posts per channel
    later = plan(cfg, slogans, START + timedelta(days=1), START + timedelta(days=2), history=history_before(first, END))
    for c in cfg.channels:
        assert sorted(posted(first, c.name) + posted(later, c.name)) == [f"s{i}" for i in range(6)]


def test_history_ids_that_are_gone_or_disabled_are_ignored() -> None:
    slogans = slogan_file(*many(3), slogan("off", enabled=False))
    cfg = config(*pages(10))
    end = START + timedelta(days=3)
    for c in cfg.channels:
        first = rotation_order(c.name, slogans.enabled)[0].id
        noisy = plan(cfg, slogans, START, end, history={c.name: ["gone", first, "off", "off", "removed"]})
        clean = plan(cfg, slogans, START, end, history={c.name: [first]})
        assert posted(noisy, c.name) == posted(clean, c.name)
        assert sorted([*posted(noisy, c.name)[:2], first]) == ["s0", "s1", "s2"]


def test_a_full_cycle_in_history_starts_a_new_cycle() -> None:
    slogans = slogan_file(*many(4))
    order = [s.id for s in rotation_order("page-0", slogans.enabled)]
    slots = plan(config(channel("page-0")), slogans, START, START + timedelta(days=1), history={"page-0": order * 2})
    assert posted(slots, "page-0") == order[:3]


def test_new_slogan_joins_the_current_cycle_once() -> None:
    cfg = config(*pages(40))
    before = slogan_file(*many(4))
    history = history_before(plan(cfg, before, START, START + timedelta(hours=13)), END)  # 2 posts each
    after = slogan_file(*many(4), slogan("new"))
    slots = plan(cfg, after, START + timedelta(days=1), START + timedelta(days=7), history=history)
    for c in cfg.channels:
        done = history[c.name]
        ids = posted(slots, c.name)
        assert sorted(ids[:3]) == sorted({"s0", "s1", "s2", "s3", "new"} - set(done))
        for cycle in chunks(ids[3:], 5):
            assert sorted(cycle) == ["new", "s0", "s1", "s2", "s3"]


def test_channels_get_different_orders() -> None:
    slogans = slogan_file(*many(10))
    channels = pages(40)
    slots = plan(config(*channels), slogans, START, START + timedelta(days=10))
    first_cycles = {tuple(posted(slots, c.name)[:10]) for c in channels}
    assert len(first_cycles) >= 35
    same_minute = sum(a == b for a, b in zip(posted(slots, "page-0"), posted(slots, "page-1"), strict=True))
    assert same_minute < 10  # of 30 posts at the same minutes


def test_rotation_order_is_a_fixed_function_of_channel_and_id() -> None:
    six = [slogan(i) for i in "abcdef"]
    assert [s.id for s in rotation_order("fanpage", six)] == ["f", "e", "d", "a", "b", "c"]
    assert [s.id for s in rotation_order("zalo-oa", six)] == ["e", "b", "f", "d", "c", "a"]
    assert [s.id for s in rotation_order("outbox", reversed(six))] == ["d", "a", "f", "b", "c", "e"]


def sample_plan() -> list[list[str]]:
    """A plan touching every rule; a subprocess prints it to compare runs with different hash seeds."""
    slogans = slogan_file(*many(9), slogan("p", dates=[date(2021, 10, 2)]), slogan("off", enabled=False))
    slots = plan(config(*pages(6)), slogans, START, START + timedelta(days=4), history={"page-1": ["s3", "gone"]})
    return [[s.at.isoformat(), s.channel, s.slogan_id] for s in slots]


def test_plan_is_the_same_in_every_process() -> None:
    script = "import json, sys; sys.path.insert(0, sys.argv[1]); import test_planner; print(json.dumps(test_planner.sample_plan()))"
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", script, str(Path(__file__).parent)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.append(json.loads(run.stdout))
    assert outputs[0] == outputs[1] == sample_plan()


# --- pinned and disabled slogans ----------------------------------------------------------------------


def test_pinned_slogans_go_first_on_their_day_and_only_then() -> None:
    day = date(2021, 10, 15)
    dated = slogan_file(*many(6), slogan("p", dates=[day]), slogan("q", dates=[day]))
    undated = slogan_file(*many(6), slogan("p"), slogan("q"))
    channels = pages(20)
    start, end = local(VN, 2021, 10, 10), local(VN, 2021, 10, 18)
    with_pins = plan(config(*channels), dated, start, end)
    without = plan(config(*channels), undated, start, end)
    for c in channels:
        on_day = [s.slogan_id for s in with_pins if s.channel == c.name and s.at.date() == day]
        expected_first = [s.id for s in rotation_order(c.name, dated.enabled) if s.id in ("p", "q")]
        assert on_day[:2] == expected_first
        assert on_day.count("p") == on_day.count("q") == 1
        earlier = [s for s in with_pins if s.channel == c.name and s.at.date() < day]
        assert earlier == [s for s in without if s.channel == c.name and s.at.date() < day]


def test_a_pinned_post_counts_for_the_rotation() -> None:
    day = date(2021, 10, 15)
    slogans = slogan_file(*many(5), slogan("p", dates=[day]))
    channels = pages(10)
    slots = plan(config(*channels), slogans, local(VN, 2021, 10, 15), local(VN, 2021, 10, 19))
    for c in channels:
        ids = posted(slots, c.name)
        assert ids[0] == "p"
        assert sorted(ids[1:6]) == ["s0", "s1", "s2", "s3", "s4"]
        assert sorted(ids[6:12]) == ["p", "s0", "s1", "s2", "s3", "s4"]


def test_pinned_slogan_is_not_brought_back_by_the_rotation_the_same_day() -> None:
    day = date(2021, 10, 15)
    slogans = slogan_file(slogan("a"), slogan("b"), slogan("p", dates=[day]))
    # A channel whose order starts with p: after p (pinned) completes the cycle, the new cycle would begin with p.
    name = next(f"page-{i}" for i in range(100) if rotation_order(f"page-{i}", slogans.enabled)[0].id == "p")
    two_a_day = Schedule(times=(time(8), time(19)))
    slots = plan(
        config(channel(name, two_a_day)), slogans, local(VN, 2021, 10, 15), local(VN, 2021, 10, 16), {name: ["a", "b"]}
    )
    assert posted(slots, name)[0] == "p"
    assert posted(slots, name)[1] != "p"


def test_a_slogan_pinned_twice_on_one_day_is_posted_once_that_day() -> None:
    day = date(2021, 10, 15)
    slogans = slogan_file(*many(5), slogan("p", dates=[day, day]))
    slots = plan(config(channel("page-0")), slogans, local(VN, 2021, 10, 15), local(VN, 2021, 10, 16))
    ids = posted(slots, "page-0")
    assert ids[0] == "p"
    assert ids.count("p") == 1


def test_disabled_slogans_never_appear() -> None:
    day = date(2021, 10, 15)
    slogans = slogan_file(*many(4), slogan("off", enabled=False), slogan("off-pinned", dates=[day], enabled=False))
    slots = plan(config(*pages(20)), slogans, START, START + timedelta(days=30), history={"page-0": ["off", "s1"]})
    assert len(slots) == 20 * 3 * 30
    assert {s.slogan_id for s in slots} == {"s0", "s1", "s2", "s3"}


def test_no_enabled_slogan_means_no_slots() -> None:
    slogans = slogan_file(slogan("off", enabled=False))
    assert plan(config(channel("page-0")), slogans, START, START + timedelta(days=2)) == []
    with pytest.raises(ValueError):
        next_slogan("page-0", slogans.slogans, START.date(), [], slot_of_day=0)


def test_next_slogan_makes_the_same_choices_as_plan() -> None:
    day = date(2021, 10, 3)
    slogans = slogan_file(*many(5), slogan("p", dates=[day]), slogan("off", enabled=False))
    slots = plan(config(*pages(4)), slogans, START, START + timedelta(days=5))
    for name in ("page-0", "page-3"):
        history: list[str] = []
        per_day: Counter[date] = Counter()
        for s in (s for s in slots if s.channel == name):
            chosen = next_slogan(name, slogans.slogans, s.at.date(), history, slot_of_day=per_day[s.at.date()])
            assert (chosen.id, chosen.text) == (s.slogan_id, s.text)
            history.append(s.slogan_id)
            per_day[s.at.date()] += 1


# --- channels -----------------------------------------------------------------------------------------


def test_only_enabled_and_named_channels_are_planned() -> None:
    cfg = config(channel("fanpage"), channel("zalo-oa"), channel("old-page", enabled=False))
    slogans = slogan_file(*many(3))
    end = START + timedelta(days=1)
    assert {s.channel for s in plan(cfg, slogans, START, end)} == {"fanpage", "zalo-oa"}
    assert {s.channel for s in plan(cfg, slogans, START, end, channels=["zalo-oa", "old-page"])} == {"zalo-oa"}
    with pytest.raises(DanvanError, match="fanpag'"):
        plan(cfg, slogans, START, end, channels=["fanpag"])


def test_slots_are_sorted_by_instant_then_channel_in_the_repeated_hour() -> None:
    half_hourly = Schedule(interval=timedelta(minutes=30))
    cfg = config(channel("b", half_hourly), channel("a", half_hourly), tz=NEW_YORK)
    slots = plan(cfg, slogan_file(*many(3)), local(NEW_YORK, 2024, 11, 3, 0, 30), local(NEW_YORK, 2024, 11, 3, 2))
    keys = [(s.utc, s.channel) for s in slots]
    assert keys == sorted(keys)
    assert [s.at.isoformat() for s in slots if s.channel == "a"] == [
        "2024-11-03T00:30:00-04:00",
        "2024-11-03T01:00:00-04:00",
        "2024-11-03T01:30:00-04:00",
        "2024-11-03T01:00:00-05:00",
        "2024-11-03T01:30:00-05:00",
    ]


def test_naive_range_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        slot_times(THREE_A_DAY, VN, datetime(2021, 10, 1), START)
    with pytest.raises(ValueError, match="timezone-aware"):
        plan(config(channel("page-0")), slogan_file(*many(2)), START, datetime(2021, 10, 2))


def test_empty_range_has_no_slots() -> None:
    assert plan(config(channel("page-0")), slogan_file(*many(2)), START, START) == []
    assert slot_times(THREE_A_DAY, VN, START + timedelta(days=1), START) == []


# --- schedules ----------------------------------------------------------------------------------------


def test_times_in_vietnam_carry_plus_seven() -> None:
    schedule = Schedule(times=(time(8), time(19, 30)))
    assert isoformats(slot_times(schedule, VN, START, START + timedelta(days=2))) == [
        "2021-10-01T08:00:00+07:00",
        "2021-10-01T19:30:00+07:00",
        "2021-10-02T08:00:00+07:00",
        "2021-10-02T19:30:00+07:00",
    ]
    slots = plan(config(channel("page-0", schedule)), slogan_file(*many(2)), START, START + timedelta(days=1))
    assert [s.at.isoformat() for s in slots] == ["2021-10-01T08:00:00+07:00", "2021-10-01T19:30:00+07:00"]
    assert all(s.at.utcoffset() == timedelta(hours=7) and s.at.tzinfo == VN for s in slots)


def test_range_given_in_another_zone_is_the_same_instants() -> None:
    start_utc, end_utc = START.astimezone(UTC), (START + timedelta(days=2)).astimezone(UTC)
    assert slot_times(THREE_A_DAY, VN, start_utc, end_utc) == slot_times(
        THREE_A_DAY, VN, START, START + timedelta(days=2)
    )
    assert all(t.tzinfo == VN for t in slot_times(THREE_A_DAY, VN, start_utc, end_utc))


def test_range_is_half_open() -> None:
    eight = local(VN, 2021, 10, 1, 8)
    assert isoformats(slot_times(THREE_A_DAY, VN, eight, local(VN, 2021, 10, 1, 12))) == ["2021-10-01T08:00:00+07:00"]
    assert slot_times(THREE_A_DAY, VN, eight + timedelta(microseconds=1), local(VN, 2021, 10, 1, 12)) == []


def test_cron_uses_crontab_weekdays() -> None:
    week = (local(VN, 2021, 10, 4), local(VN, 2021, 10, 11))  # Monday to Monday
    assert isoformats(slot_times(Schedule(cron="0 8 * * 0"), VN, *week)) == ["2021-10-10T08:00:00+07:00"]
    assert isoformats(slot_times(Schedule(cron="0 8 * * 7"), VN, *week)) == ["2021-10-10T08:00:00+07:00"]
    weekdays = slot_times(Schedule(cron="30 19 * * 1-5"), VN, *week)
    assert [t.strftime("%a %H:%M") for t in weekdays] == [f"{d} 19:30" for d in ("Mon", "Tue", "Wed", "Thu", "Fri")]


def test_interval_steps_from_local_midnight_of_2000() -> None:
    day = slot_times(Schedule(interval=timedelta(minutes=90)), VN, START, START + timedelta(days=1))
    assert len(day) == 16
    assert day[0].isoformat() == "2021-10-01T00:00:00+07:00"
    assert day[-1].isoformat() == "2021-10-01T22:30:00+07:00"
    late = slot_times(
        Schedule(interval=timedelta(minutes=90)), VN, START + timedelta(minutes=10), START + timedelta(hours=4)
    )
    assert isoformats(late) == ["2021-10-01T01:30:00+07:00", "2021-10-01T03:00:00+07:00"]


def test_interval_slots_do_not_depend_on_the_query_start() -> None:
    schedule = Schedule(interval=timedelta(hours=7, minutes=13))
    end = local(BERLIN, 2024, 4, 10)
    start = local(BERLIN, 2024, 3, 25)
    whole = slot_times(schedule, BERLIN, start, end)
    anchor = datetime(1999, 12, 31, 23, tzinfo=UTC)  # 2000-01-01 00:00 in Berlin
    assert all((t - anchor) % timedelta(hours=7, minutes=13) == timedelta(0) for t in whole)
    for minutes in range(0, 3 * 24 * 60, 47):
        later = start + timedelta(minutes=minutes)
        assert slot_times(schedule, BERLIN, later, end) == [t for t in whole if t >= later]


def test_interval_steps_in_absolute_time_across_dst() -> None:
    hourly = slot_times(
        Schedule(interval=timedelta(hours=1)), BERLIN, local(BERLIN, 2024, 3, 31, 0), local(BERLIN, 2024, 3, 31, 5)
    )
    assert isoformats(hourly) == [
        "2024-03-31T00:00:00+01:00",
        "2024-03-31T01:00:00+01:00",
        "2024-03-31T03:00:00+02:00",
        "2024-03-31T04:00:00+02:00",
    ]


def test_a_schedule_with_several_kinds_fires_at_their_union_once() -> None:
    both = Schedule(times=(time(8),), cron="0 8,9 * * *")
    assert isoformats(slot_times(both, VN, START, START + timedelta(days=1))) == [
        "2021-10-01T08:00:00+07:00",
        "2021-10-01T09:00:00+07:00",
    ]


# --- DST ----------------------------------------------------------------------------------------------

DST_CASES = [
    # zone, local day of the change, wall time, what is posted that day
    (BERLIN, date(2024, 3, 31), time(2, 30), ["2024-03-31T03:30:00+02:00"]),
    (NEW_YORK, date(2024, 3, 10), time(2, 30), ["2024-03-10T03:30:00-04:00"]),
    (BERLIN, date(2024, 10, 27), time(2, 30), ["2024-10-27T02:30:00+02:00"]),
    (NEW_YORK, date(2024, 11, 3), time(1, 30), ["2024-11-03T01:30:00-04:00"]),
    (SANTIAGO, date(2024, 9, 8), time(0, 0), ["2024-09-08T01:00:00-03:00"]),
    (LORD_HOWE, date(2024, 10, 6), time(2, 15), ["2024-10-06T02:45:00+11:00"]),
    (LORD_HOWE, date(2024, 4, 7), time(1, 45), ["2024-04-07T01:45:00+11:00"]),
]


def as_times(wall: time) -> Schedule:
    return Schedule(times=(wall,))


def as_cron(wall: time) -> Schedule:
    return Schedule(cron=f"{wall.minute} {wall.hour} * * *")


@pytest.mark.parametrize("kind", [as_times, as_cron], ids=["times", "cron"])
@pytest.mark.parametrize(("tz", "day", "wall", "expected"), DST_CASES, ids=lambda v: str(v))
def test_dst_gap_shifts_forward_and_repeated_time_fires_once(kind, tz, day, wall, expected) -> None:
    start = datetime.combine(day, time(), tz)
    fired = slot_times(kind(wall), tz, start - timedelta(hours=6), start + timedelta(hours=30))
    assert [t.isoformat() for t in fired if t.date() == day] == expected


@pytest.mark.parametrize("tz", [BERLIN, NEW_YORK])
def test_dst_gap_time_landing_on_a_scheduled_time_is_posted_once(tz: ZoneInfo) -> None:
    day = date(2024, 3, 31) if tz is BERLIN else date(2024, 3, 10)
    start = datetime.combine(day, time(), tz)
    for schedule in (Schedule(times=(time(2, 30), time(3, 30))), Schedule(cron="30 2,3 * * *")):
        fired = slot_times(schedule, tz, start, start + timedelta(days=1))
        assert [t.strftime("%H:%M") for t in fired] == ["03:30"]


def test_cron_does_not_lose_wall_times_in_a_gap() -> None:
    day = local(BERLIN, 2024, 3, 31)
    assert [
        t.strftime("%H:%M%z") for t in slot_times(Schedule(cron="0,30 2 * * *"), BERLIN, day, day + timedelta(days=1))
    ] == [
        "03:00+0200",
        "03:30+0200",
    ]
    assert [
        t.strftime("%H:%M%z") for t in slot_times(Schedule(cron="*/30 1-2 * * *"), BERLIN, day, day + timedelta(days=1))
    ] == [
        "01:00+0100",
        "01:30+0100",
        "03:00+0200",
        "03:30+0200",
    ]


def test_cron_fires_a_repeated_wall_time_once_even_when_the_range_starts_between_them() -> None:
    second_one_thirty = datetime(2024, 11, 3, 6, 30, tzinfo=UTC)  # 01:30 EST, the repeat
    fired = slot_times(
        Schedule(cron="30 1 * * *"),
        NEW_YORK,
        second_one_thirty - timedelta(minutes=30),
        second_one_thirty + timedelta(hours=1),
    )
    assert fired == []


def test_a_skipped_day_posts_its_cron_slot_on_the_next_date_whatever_the_range() -> None:
    apia = ZoneInfo("Pacific/Apia")  # 2011-12-30 did not exist there
    dec_30 = Schedule(cron="0 10 30 12 *")
    for start in (local(apia, 2011, 12, 25), local(apia, 2011, 12, 31)):
        fired = slot_times(dec_30, apia, start, local(apia, 2012, 1, 5))
        assert isoformats(fired) == ["2011-12-31T10:00:00+14:00"]


@pytest.mark.parametrize("tz", [VN, BERLIN, NEW_YORK, SANTIAGO, LORD_HOWE], ids=str)
def test_cron_and_times_agree_for_a_whole_year(tz: ZoneInfo) -> None:
    start, end = local(tz, 2024, 1, 1), local(tz, 2025, 1, 1)
    walls = (time(0), time(0, 30), time(1, 30), time(2), time(2, 30), time(23, 30))
    by_times = slot_times(Schedule(times=walls), tz, start, end)
    by_cron = slot_times(Schedule(cron="0,30 0,2 * * *"), tz, start, end) + slot_times(
        Schedule(cron="30 1,23 * * *"), tz, start, end
    )
    assert sorted({t.astimezone(UTC) for t in by_cron}) == [t.astimezone(UTC) for t in by_times]


@pytest.mark.parametrize("tz", [VN, BERLIN, NEW_YORK, SANTIAGO, LORD_HOWE], ids=str)
def test_a_year_of_times_is_normalised_unique_and_daily(tz: ZoneInfo) -> None:
    walls = (time(0), time(2, 30), time(12), time(23, 30))
    fired = slot_times(Schedule(times=walls), tz, local(tz, 2024, 1, 1), local(tz, 2025, 1, 1))
    instants = [t.astimezone(UTC) for t in fired]
    assert instants == sorted(set(instants))
    for t in fired:
        assert t.tzinfo is tz
        assert t.isoformat() == t.astimezone(UTC).astimezone(tz).isoformat()
    per_day = Counter(t.date() for t in fired)
    assert len(per_day) == 366
    assert set(per_day.values()) == {4}


# --- plan period --------------------------------------------------------------------------------------


def test_plan_period_edges_use_the_local_date() -> None:
    edges = Schedule(times=(time(0), time(23, 59)))
    slogans = slogan_file(*many(3), start=date(2021, 10, 1), end=date(2021, 10, 31))
    start, end = local(VN, 2021, 9, 30), local(VN, 2021, 11, 2)
    inside = plan(config(channel("page-0", edges), period_only=True), slogans, start, end)
    assert inside[0].at.isoformat() == "2021-10-01T00:00:00+07:00"
    assert inside[-1].at.isoformat() == "2021-10-31T23:59:00+07:00"
    assert len(inside) == 62
    everything = plan(config(channel("page-0", edges), period_only=False), slogans, start, end)
    inside_times = {s.at for s in inside}
    assert [s.at.isoformat() for s in everything if s.at not in inside_times] == [
        "2021-09-30T00:00:00+07:00",
        "2021-09-30T23:59:00+07:00",
        "2021-11-01T00:00:00+07:00",
        "2021-11-01T23:59:00+07:00",
    ]


@pytest.mark.parametrize(
    ("period_only", "day", "expected"),
    [
        (True, date(2021, 9, 30), False),
        (True, date(2021, 10, 1), True),
        (True, date(2021, 10, 31), True),
        (True, date(2021, 11, 1), False),
        (False, date(2021, 9, 30), True),
        (False, date(2030, 1, 1), True),
    ],
)
def test_in_posting_period(period_only: bool, day: date, expected: bool) -> None:
    assert in_posting_period(PostingPolicy(plan_period_only=period_only), slogan_file().plan, day) is expected


# --- speed --------------------------------------------------------------------------------------------


def test_three_hundred_channels_for_a_month_plan_quickly() -> None:
    day = date(2021, 10, 15)
    slogans = slogan_file(*many(40), slogan("p", dates=[day]), slogan("q", dates=[day]))
    channels = [channel(f"page-{i}", Schedule(times=(time(7), time(12, i % 60), time(19, 30)))) for i in range(300)]
    began = clock.perf_counter()
    slots = plan(config(*channels, period_only=True), slogans, START, START + timedelta(days=30))
    elapsed = clock.perf_counter() - began
    assert len(slots) == 300 * 3 * 30
    assert elapsed < 2.0, f"planning took {elapsed:.2f}s"
