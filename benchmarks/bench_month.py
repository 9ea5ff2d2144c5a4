"""A month, simulated: 300 Facebook channels x 3 slots a day for 30 days (27,000 posts) with an injected clock.

Everything is the product's own code in this process, on a simulated clock: at each slot, for every channel,
what the daemon's job does (`slot_at` picks the slogan from the ledger, the real `Publisher` reuses or draws
the card, claims the slot in the SQLite ledger and posts it through the real `FacebookChannel`, then
`next_slot` plans the channel's next one), each post with its own ledger connection, on as many threads as
`posting.concurrency.facebook` (32), as in the daemon (`--threads N` to change it). This run measures work
and volume; bench_burst measures latency. Reach: `reach.read_due` at the `reach.check_every`
ticks (15 min) of the simulated clock, on one thread, as the daemon's reach job, reading posts at the
configured ages (1 h, 24 h, 72 h, 7 d) through Graph batch calls. The Graph emulator runs in its own process
(benchmarks/graph_server.py, latency 0), so its work is not counted here.

Since every post is made at its slot instant and the ages are whole ticks, readings can only fall due at
slot + age; those ticks are always run. Of the other ticks one in `--sample-every` is run to measure what an
empty tick costs the daemon (and to confirm it reads nothing); `--all-ticks` runs them all.

Reported: wall time (posting, reach), database size, Graph HTTP calls (photo uploads, outer batch calls for
reach, their sub-requests), calls per post over the run and at steady state (last 7 days, when every age is
being read), reach readings stored.

    .venv/bin/python -m benchmarks.bench_month [--channels 300] [--days 30] [--json out.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.common import TOKEN, TOKEN_ENV, Result, facebook_channels, median, page_ids, slogan_file, write_project
from benchmarks.graph_server import GraphServer
from scheduler.cards import CardStore, card_directory
from scheduler.channels import Channel, ChannelContext, build_channel
from scheduler.ledger import Ledger, ZaloLedgerStore
from scheduler.posting.publisher import Publisher
from scheduler.posting.reach import reach_readers, read_due
from scheduler.posting.timeline import next_slot, slot_at
from scheduler.project import Project, load_project

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
TIMES = ("07:30", "12:00", "19:30")
START = dt.date(2021, 10, 1)
ONE_SECOND = dt.timedelta(seconds=1)


class SimulatedClock:
    """The injected clock: every product call that asks for "now" gets this moment."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def database_bytes(database: Path) -> int:
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return sum(path.stat().st_size for path in database.parent.glob(database.name + "*"))


def fire(project: Project, channels: dict[str, Channel], clock: SimulatedClock, name: str, at: dt.datetime) -> str:
    """The daemon's job for one slot, without APScheduler: post it, then plan the channel's next slot."""
    config = project.config
    with Ledger.open(config.database) as ledger:
        slot = slot_at(project, ledger, name, at)
        status = "none"
        if slot is not None:
            publisher = Publisher(
                config=config,
                slogans=project.slogans,
                ledger=ledger,
                channels=channels,
                cards=CardStore(card_directory(config.database)),
                clock=clock,
            )
            status = publisher.publish(slot).status
        next_slot(project, ledger, name, at + ONE_SECOND)
    return status


def main(argv: list[str]) -> Result:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channels", type=int, default=300)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--threads", type=int, help="threads posting one instant's slots (default: the config's)")
    parser.add_argument("--sample-every", type=int, default=16, help="run one in N of the ticks with nothing due")
    parser.add_argument("--all-ticks", action="store_true", help="run every reach tick")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    result = Result("month")
    print(f"month: {args.channels} channels x {len(TIMES)} slots x {args.days} days, simulated clock", flush=True)
    pages = page_ids(args.channels)
    start = dt.datetime.combine(START, dt.time(), ZONE)
    end = start + dt.timedelta(days=args.days)
    clock = SimulatedClock(start)
    with GraphServer(args.channels) as fb, tempfile.TemporaryDirectory(prefix="danvan-month-") as tmp:
        config_path = write_project(
            Path(tmp),
            facebook_channels(pages),
            schedule="{times: [" + ", ".join(f'"{t}"' for t in TIMES) + "]}",
            api_base=fb.url,
            timezone=ZONE.key,
            slogans=slogan_file(START, end.date()),
        )
        project = load_project(config_path, {TOKEN_ENV: TOKEN})
        config = project.config
        channels = {
            c.name: build_channel(c, ChannelContext(ZaloLedgerStore(config.database), clock))
            for c in config.enabled_channels
        }
        readers = reach_readers(channels)
        ages, step = config.reach.readings, config.reach.check_every
        due_at: set[dt.datetime] = set()
        statuses: dict[str, int] = {}
        posting = due_ticks = 0.0
        due_count = empty_total = 0
        empty_samples: list[float] = []
        unexpected = readings = 0
        daily: list[dict[str, Any]] = []
        started = time.perf_counter()
        threads = args.threads or config.posting.limit("facebook")
        with ThreadPoolExecutor(threads) as pool:
            while clock.now < end:
                moment = clock.now
                if f"{moment:%H:%M}" in TIMES:
                    t0 = time.perf_counter()
                    names = [c.name for c in config.enabled_channels]
                    job = functools.partial(fire, project, channels, clock, at=moment)
                    for status in pool.map(job, names):
                        statuses[status] = statuses.get(status, 0) + 1
                    posting += time.perf_counter() - t0
                    due_at.update(moment + age for age in ages)
                due = moment in due_at
                if due or args.all_ticks or empty_total % args.sample_every == 0:
                    t0 = time.perf_counter()
                    with Ledger.open(config.database) as ledger:
                        read = read_due(ledger, readers, config.reach, moment)
                    elapsed = time.perf_counter() - t0
                    readings += sum(r.error is None for r in read)
                    if due:
                        due_ticks += elapsed
                        due_count += 1
                    else:
                        empty_samples.append(elapsed)
                        unexpected += len(read)
                if not due:
                    empty_total += 1
                clock.now = moment + step
                if clock.now.time() == dt.time():
                    daily.append(fb.stats())
                    day = len(daily)
                    print(f"  day {day:2d} done, {time.perf_counter() - started:6.1f} s", flush=True)
        total = time.perf_counter() - started
        stats = fb.stats()
        size = database_bytes(config.database)
        cards = len(list(card_directory(config.database).glob("*.jpg")))
    posts = sum(count for status, count in statuses.items() if status != "none")
    empty_cost = median(empty_samples) if empty_samples else 0.0
    week = daily[-8:] if len(daily) >= 8 else daily
    steady_calls = (week[-1]["batch_calls"] - week[0]["batch_calls"]) / max(len(week) - 1, 1)
    steady_subs = (week[-1]["sub_requests"] - week[0]["sub_requests"]) / max(len(week) - 1, 1)
    per_day = args.channels * len(TIMES)
    result.metric("simulated", f"{args.days} days, {args.channels} channels x {len(TIMES)} slots/day, tick {step}")
    result.metric("posts (ledger status counts)", ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    result.metric("wall time, whole run (s)", round(total, 1))
    result.metric(
        f"wall time posting on {threads} threads (s) / per post (ms)",
        f"{posting:.1f} / {1000 * posting / max(posts, 1):.2f}",
    )
    result.metric("reach ticks with readings due: count / wall (s)", f"{due_count} / {due_ticks:.1f}")
    result.metric(
        "reach ticks with nothing due: count / sampled / median cost (ms)",
        f"{empty_total} / {len(empty_samples)} / {1000 * empty_cost:.1f}",
    )
    result.metric(
        "wall time, reach work the daemon does (s, empty ticks extrapolated)",
        round(due_ticks + empty_total * empty_cost, 1),
    )
    result.metric("database size (MB) / bytes per post", f"{size / 2**20:.1f} / {size // max(posts, 1)}")
    result.metric("distinct cards drawn", cards)
    result.metric("Graph calls: photo uploads", stats["photo_uploads"])
    result.metric("Graph calls: reach batch calls (HTTP)", stats["batch_calls"])
    result.metric("Graph calls: reach sub-requests in them", stats["sub_requests"])
    result.metric("reach readings stored", readings)
    result.metric(
        "reach: sub-requests per batch call (50 allowed)",
        round(stats["sub_requests"] / max(stats["batch_calls"], 1), 2),
    )
    result.metric("reach batch calls per post, whole run", round(stats["batch_calls"] / max(posts, 1), 2))
    result.metric(
        "steady state (last 7 days): reach batch calls per day / per post",
        f"{steady_calls:.0f} / {steady_calls / per_day:.2f}",
    )
    result.metric("steady state: reach sub-requests per day", round(steady_subs))
    result.metric(
        "steady state: batch calls per day if batched 50 at a time across Pages", -(-round(steady_subs) // 50)
    )
    if unexpected:
        result.note(f"{unexpected} readings came from ticks predicted empty: use --all-ticks")
    result.save(args.json)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
