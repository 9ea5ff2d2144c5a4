"""Footprint: the daemon with 300 Facebook channels, idle between slots: resident memory and CPU.

The real daemon (`python -m scheduler run`) with 300 channels on 300 Pages against the Graph emulator
(200 ms latency), all due at one minute about 40 s after start. Sampled from /proc/PID (VmRSS, utime+stime):

1. idle after start-up (timers set, the slot's cards pre-drawn), once its CPU has settled;
2. idle after the burst (300 posts made, next day's timers set, 300 HTTP sessions and the worker threads alive),
   which is the state it spends its days in.

    .venv/bin/python -m benchmarks.bench_footprint [--channels 300] [--sample 25] [--json out.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.common import (
    MultiPageGraphEmulator,
    Result,
    cpu_seconds,
    facebook_channels,
    next_minute_after,
    page_ids,
    rss_mb,
    running_daemon,
    thread_count,
    write_project,
)

ZONE = "Asia/Ho_Chi_Minh"
RSS_TARGET_MB = 120.0
CPU_TARGET_PERCENT = 1.0  # "near zero"


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def settle(pid: int, quiet: float = 0.02, window: float = 2.0, limit: float = 30.0) -> float:
    """Wait until the process used less than `quiet` CPU-seconds in a `window`; return the time waited."""
    start = time.time()
    while time.time() - start < limit:
        before = cpu_seconds(pid)
        time.sleep(window)
        if cpu_seconds(pid) - before < quiet:
            break
    return time.time() - start


def sample(pid: int, seconds: float) -> tuple[list[float], float]:
    """RSS samples (MB, one a second) and the CPU % over `seconds` of wall time."""
    rss = [rss_mb(pid)]
    cpu_start, wall_start = cpu_seconds(pid), time.monotonic()
    while time.monotonic() - wall_start < seconds:
        time.sleep(1.0)
        rss.append(rss_mb(pid))
    cpu = cpu_seconds(pid) - cpu_start
    return rss, 100.0 * cpu / (time.monotonic() - wall_start)


def main(argv: list[str]) -> Result:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channels", type=int, default=300)
    parser.add_argument("--sample", type=float, default=25.0, help="seconds of idle sampling after the burst")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    result = Result("footprint")
    print(f"footprint: daemon with {args.channels} Facebook channels", flush=True)
    pages = page_ids(args.channels)
    tz = ZoneInfo(ZONE)
    with MultiPageGraphEmulator(pages) as fb, tempfile.TemporaryDirectory(prefix="danvan-footprint-") as tmp:
        fb.latency = 0.2
        slot = next_minute_after(dt.datetime.now(tz), 40.0)
        config_path = write_project(
            Path(tmp), facebook_channels(pages), schedule=f'{{times: ["{slot:%H:%M}"]}}', api_base=fb.url, timezone=ZONE
        )
        with running_daemon(config_path) as daemon:
            daemon.wait_for("sắp đăng", timeout=60)
            pid = daemon.pid
            result.metric("start-up CPU (s)", round(cpu_seconds(pid), 2))
            settle(pid)
            before_slot = max(5.0, slot.timestamp() - time.time() - 3.0)
            rss, cpu = sample(pid, min(20.0, before_slot))
            result.metric("idle after start-up: RSS (MB)", round(max(rss), 1))
            result.metric("idle after start-up: CPU (%)", round(cpu, 2))
            result.metric("idle after start-up: threads", thread_count(pid))
            while len(fb.posts) < args.channels and time.time() < slot.timestamp() + 60:
                time.sleep(0.2)
            result.metric("posts made in the burst", len(fb.posts))
            result.metric("burst CPU, start to idle (s)", round(cpu_seconds(pid), 2))
            waited = settle(pid)
            rss, cpu = sample(pid, args.sample)
            result.metric("settled after burst in (s)", round(waited, 1))
            result.metric(
                f"idle after burst: RSS over {args.sample:.0f} s, min / max (MB)", f"{min(rss):.1f} / {max(rss):.1f}"
            )
            result.metric("idle after burst: CPU (%)", round(cpu, 2))
            result.metric("idle after burst: threads", thread_count(pid))
            result.metric("peak RSS of the run, VmHWM (MB)", round(peak_rss_mb(pid), 1))
            result.check(f"footprint: idle RSS under {RSS_TARGET_MB:.0f} MB", max(rss) < RSS_TARGET_MB)
            result.check(f"footprint: idle CPU near zero (< {CPU_TARGET_PERCENT} %)", cpu < CPU_TARGET_PERCENT)
    result.save(args.json)
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
