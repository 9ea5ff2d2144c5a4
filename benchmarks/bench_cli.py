"""CLI start-up: `danvan --help`, `danvan log` and `danvan report` on a ledger of 100,000 posts.

The ledger is built directly in SQLite (through `Ledger.open` for the schema): 300 Facebook channels x 3 slots
a day, the newest 100,000 slots, ~97 % posted with 4 reach readings each (1 h, 24 h, 72 h, 7 d), the rest
failed / missed / unknown. The plan period of the slogan file covers them, so `danvan report` (plan period by
default) reports all of them. Each command is the installed `danvan` script run as a child process,
stdout read through a pipe; the wall time is the median of several runs.

    .venv/bin/python -m benchmarks.bench_cli [--posts 100000] [--runs 10] [--json out.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import (
    PYTHON,
    Result,
    env_with_token,
    facebook_channels,
    median,
    page_ids,
    slogan_file,
    write_project,
)
from scheduler.ledger import Ledger
from scheduler.project.slogans import load_slogans

TARGET_SECONDS = 0.3
CHANNELS = 300
TIMES = (dt.time(7, 30), dt.time(12, 0), dt.time(19, 30))
ZONE_OFFSET = dt.timezone(dt.timedelta(hours=7))
READING_AGES = (dt.timedelta(hours=1), dt.timedelta(hours=24), dt.timedelta(hours=72), dt.timedelta(days=7))


def danvan() -> list[str]:
    script = Path(PYTHON).parent / "danvan"
    return [str(script)] if script.exists() else [PYTHON, "-m", "scheduler"]


def populate(
    database: Path, channels: list[str], slogans: list[tuple[str, str]], posts: int, last_day: dt.date
) -> dt.date:
    """Write `posts` rows ending on `last_day` (plus their readings); return the first day used."""
    with Ledger.open(database):
        pass  # the schema, by the product's own migrations
    rng = random.Random(7)
    days = -(-posts // (len(channels) * len(TIMES)))
    first_day = last_day - dt.timedelta(days=days - 1)
    post_rows: list[tuple[object, ...]] = []
    reading_rows: list[tuple[object, ...]] = []
    post_id = 0
    for day_index in range(days):
        day = first_day + dt.timedelta(days=day_index)
        for slot_index, at in enumerate(TIMES):
            slot = dt.datetime.combine(day, at, ZONE_OFFSET)
            for channel_index, channel in enumerate(channels):
                if post_id >= posts:
                    break
                post_id += 1
                slogan_id, text = slogans[(day_index * len(TIMES) + slot_index + channel_index) % len(slogans)]
                roll = rng.random()
                status = (
                    "posted" if roll < 0.97 else "failed" if roll < 0.985 else "missed" if roll < 0.995 else "unknown"
                )
                posted = slot + dt.timedelta(seconds=rng.uniform(0.2, 4.0))
                stamp = posted.isoformat(timespec="seconds")
                error = {
                    "failed": "Facebook từ chối yêu cầu (mã 100: Invalid parameter; fbtrace_id AbCdEfGh)",
                    "missed": "máy chủ không chạy lúc đó; quá 2 giờ nên không đăng bù",
                    "unknown": "Facebook không trả lời kịp (quá 60 giây); không rõ bài đã lên hay chưa",
                }.get(status)
                post_rows.append(
                    (
                        post_id,
                        channel,
                        slot.isoformat(timespec="seconds"),
                        slot.astimezone(dt.UTC).isoformat(timespec="seconds"),
                        slogan_id,
                        status,
                        f"{900000 + channel_index}_{122100000000000 + post_id}" if status == "posted" else None,
                        error,
                        hashlib.sha256(text.encode()).hexdigest() if status != "missed" else None,
                        f"{text}\n\n#ThangDanVan #DanVanKheo" if status != "missed" else None,
                        0 if status == "missed" else 1,
                        stamp,
                        stamp if status != "missed" else None,
                        stamp if status == "posted" else None,
                        stamp,
                    )
                )
                if status == "posted":
                    for age_index, age in enumerate(READING_AGES):
                        reach = int(rng.expovariate(1 / 300)) * (age_index + 1)
                        raw = {
                            "post_clicks": reach // 20,
                            "post_media_view": reach * 2,
                            "post_reactions_by_type_total": {"like": reach // 10, "love": reach // 50},
                            "post_total_media_view_unique": reach,
                        }
                        reading_rows.append(
                            (
                                post_id,
                                (posted + age).astimezone(dt.UTC).isoformat(timespec="seconds"),
                                reach,
                                reach * 2,
                                reach // 10 + reach // 50,
                                reach // 20,
                                None,
                                json.dumps(raw, sort_keys=True),
                            )
                        )
    connection = sqlite3.connect(database)
    with connection:
        connection.executemany(
            "INSERT INTO posts (id, channel, slot, slot_utc, slogan_id, status, remote_id, error, card_hash, caption, "
            "attempts, created_at, claimed_at, posted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            post_rows,
        )
        connection.executemany(
            "INSERT INTO readings (post_id, taken_at, reach, views, reactions, clicks, shares, raw) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            reading_rows,
        )
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return first_day


def timed_runs(command: list[str], runs: int, cwd: Path, *, bytecode: bool = True) -> tuple[float, int, int]:
    """Median wall seconds over `runs` (after one warm-up), the stdout line count and exit code of the last run."""
    env = env_with_token(bytecode=bytecode)
    subprocess.run(command, capture_output=True, env=env, cwd=cwd)
    times: list[float] = []
    lines = code = 0
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, env=env, cwd=cwd)
        times.append(time.perf_counter() - start)
        lines, code = done.stdout.count(b"\n"), done.returncode
    return median(times), lines, code


def slowest_imports(command: list[str], cwd: Path, count: int = 6) -> list[str]:
    """The heaviest top-level imports (cumulative) of one start-up, from `python -X importtime`."""
    done = subprocess.run(
        [PYTHON, "-X", "importtime", "-m", "scheduler", *command],
        capture_output=True,
        text=True,
        env=env_with_token(),
        cwd=cwd,
    )
    entries: list[tuple[int, str]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        if not name.startswith(" ") and name == name.strip():
            entries.append((int(cumulative), name))
    entries.sort(reverse=True)
    return [f"{name} {micros / 1000:.0f} ms" for micros, name in entries[:count]]


def main(argv: list[str]) -> Result:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    result = Result("cli")
    print(f"cli: danvan start-up, ledger of {args.posts} posts", flush=True)
    with tempfile.TemporaryDirectory(prefix="danvan-cli-") as tmp:
        directory = Path(tmp)
        last_day = dt.date(2021, 10, 31)
        days = -(-args.posts // (CHANNELS * len(TIMES)))
        first_day = last_day - dt.timedelta(days=days - 1)
        config = write_project(
            directory,
            facebook_channels(page_ids(CHANNELS)),
            schedule='{times: ["07:30", "12:00", "19:30"]}',
            api_base="https://graph.facebook.com",
            slogans=slogan_file(first_day, last_day),
        )
        slogans = [(s.id, s.text) for s in load_slogans(directory / "slogans.yaml").enabled]
        started = time.perf_counter()
        populate(
            directory / "data" / "danvan.db",
            [f"fb-{i:03d}" for i in range(1, CHANNELS + 1)],
            slogans,
            args.posts,
            last_day,
        )
        size = sum(p.stat().st_size for p in (directory / "data").glob("danvan.db*"))
        result.metric("ledger: posts / channels / days", f"{args.posts} / {CHANNELS} / {days}")
        result.metric("ledger: size (MB) / built in (s)", f"{size / 2**20:.1f} / {time.perf_counter() - started:.1f}")
        commands: list[tuple[str, list[str], int, bool]] = [
            ("danvan --help", [*danvan(), "--help"], args.runs, True),
            ("danvan log (default view)", [*danvan(), "log", "-c", str(config)], max(3, args.runs // 3), True),
            ("danvan log --limit 50", [*danvan(), "log", "-c", str(config), "--limit", "50"], args.runs, False),
            ("danvan log --json (all)", [*danvan(), "log", "-c", str(config), "--json"], 3, False),
            ("danvan report (plan period)", [*danvan(), "report", "-c", str(config)], 3, False),
            ("danvan status", [*danvan(), "status", "-c", str(config)], args.runs, False),
        ]
        timings: dict[str, float] = {}
        for label, command, runs, _ in commands:
            seconds, lines, code = timed_runs(command, runs, directory)
            timings[label] = seconds
            result.metric(f"{label}: median of {runs} (s) / stdout lines / exit", f"{seconds:.3f} / {lines} / {code}")
        small = write_project(
            directory / "one-channel",
            facebook_channels(page_ids(1)),
            schedule='{times: ["07:30", "12:00", "19:30"]}',
            api_base="https://graph.facebook.com",
            slogans=slogan_file(first_day, last_day),
            database="../data/danvan.db",
        )
        seconds, _, _ = timed_runs([*danvan(), "log", "-c", str(small), "--limit", "50"], args.runs, directory)
        result.metric("danvan log --limit 50, same ledger, 1-channel config (s)", round(seconds, 3))
        for label, command in (
            ("danvan --help", [*danvan(), "--help"]),
            ("danvan log --limit 50", [*danvan(), "log", "-c", str(config), "--limit", "50"]),
        ):
            seconds, _, _ = timed_runs(command, args.runs, directory, bytecode=False)
            result.metric(f"{label} without the package's bytecode cache (s)", round(seconds, 3))
        help_imports = slowest_imports(["--help"], directory)
        log_imports = slowest_imports(["log", "-c", str(config), "--limit", "1"], directory)
        result.metric("--help: heaviest imports", ", ".join(help_imports))
        result.metric("log: heaviest imports", ", ".join(log_imports))
        for label, _, _, target in commands:
            if target:
                result.check(f"cli: `{label}` within {TARGET_SECONDS} s", timings[label] <= TARGET_SECONDS)
    result.save(args.json)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
