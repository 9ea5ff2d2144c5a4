"""Counting slots without listing them: the counts must be exactly those of plan(), whatever the inputs."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.posting.counting import ChannelCount, count_slots
from scheduler.posting.planner import Slot, plan
from scheduler.project.models import Schedule
from scheduler.project.slogans import Slogan
from tests.test_planner import BERLIN, SANTIAGO, VN, channel, config, slogan, slogan_file

ZONES = (BERLIN, SANTIAGO, VN)
# Days with a DST change (and plain days) to start the random periods from.
AROUND = (
    date(2021, 3, 27),
    date(2021, 10, 30),
    date(2021, 4, 2),
    date(2021, 9, 3),
    date(2022, 4, 1),
    date(2021, 7, 14),
)
CRON_HOURS = ("*", "0", "2", "2,3", "0-3", "*/5", "22-23", "1-4/2")
CRON_MINUTES = ("0", "30", "0,30", "*/20", "15-17", "59")
CRON_DAYS = ("*", "*", "1-15", "*/2", "31", "last")
CRON_WEEKDAYS = ("*", "*", "1-5", "0", "6,0", "7")
INTERVALS = ("5m", "7m", "13m", "45m", "1h", "90m", "5h", "7h", "1d", "25h", "1h1s")


def expected(slots: list[Slot]) -> dict[str, ChannelCount]:
    per: dict[str, Counter[str]] = {}
    for slot in slots:
        per.setdefault(slot.channel, Counter())[slot.slogan_id] += 1
    return {name: ChannelCount(sum(c.values()), dict(c)) for name, c in per.items()}


def nonzero(counts: dict[str, ChannelCount]) -> dict[str, ChannelCount]:
    return {name: c for name, c in counts.items() if c.total}


def random_schedule(rng: random.Random) -> Schedule:
    kind = rng.choice(("times", "cron", "interval"))
    if kind == "times":
        pool = [time(0), time(0, 30), time(2), time(2, 30), time(3), time(8), time(12), time(23), time(23, 30)]
        return Schedule(times=tuple(sorted(rng.sample(pool, rng.randint(1, 4)))))
    if kind == "cron":
        fields = (
            rng.choice(CRON_MINUTES),
            rng.choice(CRON_HOURS),
            rng.choice(CRON_DAYS),
            "*",
            rng.choice(CRON_WEEKDAYS),
        )
        return Schedule(cron=" ".join(fields))
    from scheduler.project.schedules import parse_duration

    return Schedule(interval=parse_duration(rng.choice(INTERVALS)))


def random_slogans(rng: random.Random, start: date) -> list[Slogan]:
    result = []
    for index in range(rng.randint(1, 6)):
        dates = [start + timedelta(days=rng.randint(-1, 4)) for _ in range(rng.choice((0, 0, 1, 2)))]
        result.append(slogan(f"s{index}", dates=dates, enabled=rng.random() > 0.15))
    return result


@pytest.mark.parametrize("seed", range(500))
def test_counts_equal_the_plan(seed: int) -> None:
    rng = random.Random(seed)
    tz: ZoneInfo = rng.choice(ZONES)
    first = rng.choice(AROUND)
    start = datetime.combine(first, time(rng.randint(0, 23), rng.choice((0, 15, 30))), tz)
    start += timedelta(seconds=rng.choice((0, 0, 1, 59)))
    end = start + timedelta(hours=rng.randint(0, 24 * 5), minutes=rng.choice((0, 30)))
    slogans = random_slogans(rng, first)
    schedules = [random_schedule(rng) for _ in range(2)]
    channels = [channel(f"page-{i}", rng.choice(schedules)) for i in range(rng.randint(1, 3))]
    cfg = config(*channels, tz=tz, period_only=rng.random() < 0.4)
    period_start = first + timedelta(days=rng.randint(-1, 2))
    slogans_file = slogan_file(*slogans, start=period_start, end=period_start + timedelta(days=rng.randint(0, 3)))
    pool = [s.id for s in slogans] + ["gone"]
    history = {c.name: [rng.choice(pool) for _ in range(rng.randint(0, 9))] for c in channels}

    slots = plan(cfg, slogans_file, start, end, history)
    assert nonzero(count_slots(cfg, slogans_file, start, end, history)) == expected(slots), (seed, schedules)


@pytest.mark.parametrize(
    ("tz", "day"), [(BERLIN, date(2021, 3, 28)), (BERLIN, date(2021, 10, 31)), (SANTIAGO, date(2021, 9, 5))]
)
def test_a_two_second_interval_across_a_dst_change(tz: ZoneInfo, day: date) -> None:
    slogans = slogan_file(slogan("a"), slogan("b", dates=[day]), slogan("c"), start=day, end=day)
    cfg = config(channel("fast", Schedule(interval=timedelta(seconds=2))), tz=tz)
    start = datetime.combine(day, time(1), tz)
    end = start + timedelta(hours=30)
    history = {"fast": ["c", "a"]}
    assert count_slots(cfg, slogans, start, end, history) == expected(plan(cfg, slogans, start, end, history))


def test_every_minute_cron_across_the_santiago_changes() -> None:
    slogans = slogan_file(*(slogan(f"s{i}") for i in range(7)))
    cfg = config(
        channel("c", Schedule(cron="* * * * *")), channel("t", Schedule(times=(time(0), time(0, 30)))), tz=SANTIAGO
    )
    for day in (date(2021, 4, 3), date(2021, 9, 4)):
        start, end = (
            datetime.combine(day, time(12), SANTIAGO),
            datetime.combine(day, time(12), SANTIAGO) + timedelta(days=2),
        )
        assert count_slots(cfg, slogans, start, end) == expected(plan(cfg, slogans, start, end))


def test_years_of_a_two_second_interval_are_counted() -> None:
    """31 million slots: far too many to list, so the numbers are checked against their arithmetic."""
    slogans = slogan_file(*(slogan(f"s{i}") for i in range(4)), start=date(2021, 1, 1), end=date(2022, 12, 31))
    cfg = config(channel("fast", Schedule(interval=timedelta(seconds=2))), tz=BERLIN, period_only=True)
    counts = count_slots(cfg, slogans, datetime(2020, 1, 1, tzinfo=BERLIN), datetime(2024, 1, 1, tzinfo=BERLIN))
    slots = 730 * 86400 // 2
    assert counts["fast"].total == slots
    assert sorted(counts["fast"].per_slogan.values()) == [slots // 4] * 4


def test_nothing_to_count() -> None:
    cfg = config(channel("a"))
    empty = slogan_file(slogan("x", enabled=False))
    at = datetime(2021, 10, 1, tzinfo=VN)
    assert count_slots(cfg, empty, at, at + timedelta(days=1)) == {}
    assert count_slots(cfg, slogan_file(slogan("x")), at, at) == {}
