"""Burst: 300 Facebook Pages due at the same minute, against the Graph emulator answering in 200 ms.

Run 1: the real daemon (`python -m scheduler run`) with 300 channels on 300 distinct Pages, all scheduled at
the same `times: ["HH:MM"]` (the next whole minute that leaves the daemon time to start). For every post the
delay is the emulator's creation time of the photo (after its 200 ms latency) minus the slot instant.
Also checked: the platform limit (`posting.concurrency.facebook`) is never exceeded at the emulator and the
cards of the slot were drawn before it (start-up pre-rendering). `--cold` deletes the drawn cards just before
the slot, as on a later day when nothing draws them ahead.

Run 2 (short): 3 channels share one Page whose usage header says 85 % (the product spaces that Page's calls
10 s apart at >= 85 %, 60 s at >= 95 %), 3 channels share a normal Page, 5 other Pages have one channel each;
the busy Page's posts must come out spaced, the shared Page's one upload at a time (`per_page: 1`), the others
at once. The same run pins one slogan to today and one to tomorrow, and looks whether
tomorrow's card is on disk after today's posts (the next day's cards drawn ahead of their slots).

`--console`: the same burst with a `web:` section, so `danvan run` also serves the web console, and a signed-in
officer's browser loading the overview and the log without pause through the slot: the slot must not be later.

    .venv/bin/python -m benchmarks.bench_burst [--channels 300] [--latency 0.2] [--console] [--json out.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import sys
import tempfile
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.common import (
    TOKEN,
    TOKEN_ENV,
    Channel,
    MultiPageGraphEmulator,
    Result,
    facebook_channels,
    median,
    next_minute_after,
    page_ids,
    percentile,
    running_daemon,
    slogan_file,
    write_project,
)
from scheduler.cards import card_directory, card_hash
from scheduler.ledger import Ledger
from scheduler.project import load_project

ZONE = "Asia/Ho_Chi_Minh"
TARGET_SECONDS = 10.0
TODAY_TEXT = "Nhiệt liệt chào mừng Ngày hội Đại đoàn kết toàn dân tộc ở khu dân cư!"
TOMORROW_TEXT = "Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh!"
START_MARGIN = 12.0  # seconds between launching the daemon and the slot (it is ready in about 1-2 s)


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The most intervals open at one instant."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def browse_console(base: str, stop: threading.Event, loads: list[float], every: float = 0.0) -> None:
    """A signed-in officer reloading the overview and the log: every `every` seconds, or as fast as it answers."""
    import re

    import requests

    web = requests.Session()
    while not stop.is_set():
        try:
            page = web.get(f"{base}/login", timeout=5)
            break
        except requests.ConnectionError:
            time.sleep(0.2)
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    web.post(
        f"{base}/login", data={"username": "bench", "password": "bench-password", "csrf": token[1] if token else ""}
    )
    for path in itertools.cycle(["/", "/log"]):
        if stop.is_set():
            return
        started = time.time()
        try:
            web.get(base + path, timeout=30)
        except requests.RequestException:  # the daemon (and its console) stopping at the end of the run
            return
        loads.append(time.time() - started)
        stop.wait(every)


def run_burst(
    result: Result,
    channels: int,
    latency: float,
    concurrency: int,
    per_page: int,
    cold: bool,
    console: bool = False,
    browse_every: float = 0.0,
) -> None:
    pages = page_ids(channels)
    tz = ZoneInfo(ZONE)
    with MultiPageGraphEmulator(pages) as fb, tempfile.TemporaryDirectory(prefix="danvan-burst-") as tmp:
        fb.latency = latency
        port = free_port()
        slot = next_minute_after(dt.datetime.now(tz), START_MARGIN)
        config_path = write_project(
            Path(tmp),
            facebook_channels(pages),
            schedule=f'{{times: ["{slot:%H:%M}"]}}',
            api_base=fb.url,
            timezone=ZONE,
            posting=f"concurrency: {{facebook: {concurrency}}}\nper_page: {per_page}\n",
            extra=f"web: {{listen: '127.0.0.1:{port}'}}\n" if console else "",
        )
        project = load_project(config_path, {TOKEN_ENV: TOKEN})
        cards = card_directory(project.config.database)
        stop, loads = threading.Event(), list[float]()
        if console:
            with Ledger.open(project.config.database) as accounts:
                accounts.add_account("bench", "officer", "bench-password", dt.datetime.now(dt.UTC))
            browser = threading.Thread(
                target=browse_console, args=(f"http://127.0.0.1:{port}", stop, loads, browse_every), daemon=True
            )
            browser.start()
        with running_daemon(config_path) as daemon:
            ready = daemon.wait_for("sắp đăng", timeout=60) - daemon.started
            result.metric("daemon start-up to first timer (s)", round(ready, 2))
            time.sleep(max(0.0, slot.timestamp() - 1.0 - time.time()))
            if time.time() > slot.timestamp():
                result.note("the daemon was not ready before the slot: raise START_MARGIN")
            prerendered = {path.stem for path in cards.glob("*.jpg")}
            if cold:  # as on any day after the first: nothing drawn ahead (see the next-day check)
                for path in cards.glob("*.jpg"):
                    path.unlink()
            deadline = slot.timestamp() + 60
            while len(fb.posts) < channels and time.time() < deadline:
                time.sleep(0.05)
            burst_end = time.time()
            with Ledger.open(project.config.database) as ledger:
                rows = ledger.list_posts()
            errors = daemon.count(" ERROR ")
        stop.set()
        if console:
            result.metric("console page loads during the run", len(loads))
            result.metric("console page load p50 (s)", round(median(loads), 3) if loads else None)
        posts = list(fb.posts)
        delays = [post.created_time - slot.timestamp() for post in posts]
        photo_calls = [a for a in fb.arrivals if a.method == "POST" and a.path.endswith("/photos")]
        in_flight = max_overlap([(a.at, a.at + latency) for a in photo_calls])
        used_hashes = {row.card_hash for row in rows if row.card_hash}
        result.metric("channels (distinct Pages)", channels)
        result.metric("emulator latency (s)", latency)
        result.metric("cards at the slot", "deleted just before (cold)" if cold else "as the daemon left them")
        result.metric("posts published", len(posts))
        result.metric("ledger rows posted", sum(row.status == "posted" for row in rows))
        result.metric("delay after slot p50 (s)", round(median(delays), 2))
        result.metric("delay after slot p95 (s)", round(percentile(delays, 0.95), 2))
        result.metric("delay after slot max (s)", round(max(delays, default=float("nan")), 2))
        result.metric("first post after slot (s)", round(min(delays, default=float("nan")), 2))
        result.metric("burst wall time, slot to last post (s)", round(burst_end - slot.timestamp(), 2))
        result.metric("sequential estimate (s)", round(channels * latency, 1))
        result.metric("max photo uploads in flight at the emulator", in_flight)
        result.metric("configured concurrency.facebook / per_page", f"{concurrency} / {per_page}")
        result.metric("distinct cards posted in the slot", len(used_hashes))
        result.metric("of them drawn before the slot (start-up pre-render)", len(used_hashes & prerendered))
        if errors:
            result.note(f"{errors} ERROR lines in the daemon log")
        result.check(
            f"burst: all {channels} posts within {TARGET_SECONDS:.0f} s of the slot",
            len(posts) == channels and max(delays, default=99) <= TARGET_SECONDS,
        )
        result.check("burst: platform concurrency bound respected", in_flight <= concurrency)
        result.check("cards: the first slot's cards are drawn before it (start-up)", used_hashes <= prerendered)


def run_rate_limited(result: Result, latency: float, usage: int) -> None:
    """Per-Page limits: a Page at high usage with 3 channels, a normal Page with 3 channels, 5 Pages with one.

    The busy Page must be spaced out by its usage header, the shared normal Page must get one upload at a time
    (`posting.per_page: 1`), the other Pages must not be slowed down.

    Today's and tomorrow's first slots are pinned to two slogans (as anniversaries are), so every channel posts
    one card today, and tomorrow's card is one no one has drawn: it shows whether the daemon draws the next
    day's cards ahead (start-up only looks PRERENDER_AHEAD = 24 h ahead, and tomorrow's slot is beyond it).
    """
    busy, shared, *others = page_ids(7)
    channels = [Channel(f"busy-{n}", "facebook", busy) for n in (1, 2, 3)]
    channels += [Channel(f"shared-{n}", "facebook", shared) for n in (1, 2, 3)]
    channels += [Channel(f"calm-{n}", "facebook", page) for n, page in enumerate(others, start=1)]
    tz = ZoneInfo(ZONE)
    with (
        MultiPageGraphEmulator([busy, shared, *others]) as fb,
        tempfile.TemporaryDirectory(prefix="danvan-rl-") as tmp,
    ):
        fb.latency = latency
        fb.page_usage[busy] = usage
        slot = next_minute_after(dt.datetime.now(tz), 6.0)
        tomorrow = slot.date() + dt.timedelta(days=1)
        pinned = [(slot.date(), TODAY_TEXT), (tomorrow, TOMORROW_TEXT)]
        config_path = write_project(
            Path(tmp),
            channels,
            schedule=f'{{times: ["{slot:%H:%M}"]}}',
            api_base=fb.url,
            timezone=ZONE,
            slogans=slogan_file(pinned=pinned),
        )
        project = load_project(config_path, {TOKEN_ENV: TOKEN})
        cards = card_directory(project.config.database)
        style = project.config.card
        with running_daemon(config_path) as daemon:
            daemon.wait_for("sắp đăng", timeout=60)
            deadline = slot.timestamp() + 90
            while len(fb.posts) < len(channels) and time.time() < deadline:
                time.sleep(0.1)
            time.sleep(3)  # each job schedules its channel's next slot right after posting
            spaced = daemon.count("giãn nhịp")
            drawn = {path.stem for path in cards.glob("*.jpg")}
    by_page: dict[str, list[float]] = {}
    for post in fb.posts:
        by_page.setdefault(post.post_id.split("_")[0], []).append(post.created_time - slot.timestamp())
    busy_delays = sorted(by_page.get(busy, []))
    shared_delays = sorted(by_page.get(shared, []))
    calm_delays = sorted(d for page, values in by_page.items() if page not in (busy, shared) for d in values)
    gaps = [round(b - a, 1) for a, b in itertools.pairwise(busy_delays)]
    shared_uploads = [a for a in fb.arrivals if a.page_id == shared and a.path.endswith("/photos")]
    shared_in_flight = max_overlap([(a.at, a.at + latency) for a in shared_uploads])
    result.metric("per-Page run: busy Page usage header (%)", usage)
    result.metric("per-Page run: busy Page posts after slot (s)", [round(d, 1) for d in busy_delays])
    result.metric("per-Page run: gaps between busy Page posts (s)", gaps)
    result.metric("per-Page run: 'giãn nhịp' (spacing) log lines", spaced)
    result.metric("per-Page run: shared normal Page posts after slot (s)", [round(d, 2) for d in shared_delays])
    result.metric("per-Page run: shared Page uploads in flight at once, max", shared_in_flight)
    result.metric("per-Page run: one-channel Pages' posts after slot, max (s)", round(max(calm_delays, default=-1), 1))
    expected = 60.0 if usage >= 95 else 10.0 if usage >= 85 else 2.0 if usage >= 75 else 0.0
    result.check(
        "rate limit: a Page at high usage is slowed down, other Pages are not",
        len(busy_delays) == 3
        and all(gap >= expected * 0.9 for gap in gaps)
        and len(calm_delays) == len(others)
        and max(calm_delays) < 2.0,
    )
    result.check(
        "per-Page limit: one upload at a time to a Page (per_page 1)", len(shared_delays) == 3 and shared_in_flight == 1
    )
    today_card, tomorrow_card = card_hash(TODAY_TEXT, style), card_hash(TOMORROW_TEXT, style)
    result.metric("next-day run: today's pinned card on disk", today_card in drawn)
    result.metric("next-day run: tomorrow's pinned card on disk 3 s after today's posts", tomorrow_card in drawn)
    result.check("cards: the next day's cards are drawn ahead of their slots", tomorrow_card in drawn)


def main(argv: list[str]) -> Result:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channels", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=32, help="posting.concurrency.facebook")
    parser.add_argument("--per-page", type=int, default=1, help="posting.per_page")
    parser.add_argument("--usage", type=int, default=85, help="usage %% of the busy Page in the rate-limit run")
    parser.add_argument("--cold", action="store_true", help="delete the drawn cards just before the slot")
    parser.add_argument("--skip-rate-limit", action="store_true")
    parser.add_argument("--console", action="store_true", help="serve the web console and browse it during the burst")
    parser.add_argument(
        "--browse-every", type=float, default=0.0, help="with --console: seconds between page loads (0: no pause)"
    )
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    result = Result("burst")
    print(f"burst: {args.channels} Facebook channels due at one minute, emulator latency {args.latency} s", flush=True)
    run_burst(
        result, args.channels, args.latency, args.concurrency, args.per_page, args.cold, args.console, args.browse_every
    )
    if not args.skip_rate_limit:
        run_rate_limited(result, args.latency, args.usage)
    result.save(args.json)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
