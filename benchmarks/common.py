"""Shared pieces of the benchmarks: a many-Page Graph emulator, project files, the daemon as a process, stats.

Nothing here changes the product: the daemon runs as `python -m scheduler run`, unmodified.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import platform
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.emulators.graph import EmulatedPost, Fault, GraphEmulator, RecordedRequest, _Call, _Response

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TOKEN_ENV = "FB_PAGE_TOKEN"
TOKEN = "EAAG-benchmark-page-token"
FIRST_PAGE_ID = 910_000_000_000


def page_ids(count: int) -> list[str]:
    """`count` distinct Facebook Page ids (digits only, as the config requires)."""
    return [str(FIRST_PAGE_ID + index) for index in range(1, count + 1)]


# --------------------------------------------------------------------------------------------- emulator


@dataclass(frozen=True)
class Arrival:
    """One HTTP request (not a batch sub-request) as it reached the emulator."""

    at: float  # time.time() when the request had been read, before the emulated latency
    method: str
    path: str
    page_id: str | None


class _LightRequests(list[RecordedRequest]):
    """Keeps counts instead of every request (with its uploaded JPEG): for runs of tens of thousands of calls."""

    def __init__(self) -> None:
        super().__init__()
        self.outer = 0
        self.in_batch = 0

    def append(self, item: RecordedRequest) -> None:
        if item.in_batch:
            self.in_batch += 1
        else:
            self.outer += 1


class MultiPageGraphEmulator(GraphEmulator):
    """The tests' Graph emulator, serving many Pages at once (one token for all).

    The base emulator knows a single Page. Here the Page a request is about (from its path: `/{v}/{page}/photos`,
    `/{v}/{page}_{story}`...) becomes the emulator's `page_id` for the handling thread, so each Page gets its own
    post ids and its own `X-Business-Use-Case-Usage` header (`page_usage[page] = percent`). Posts are indexed by
    id instead of scanned, and scheduled posts are not modelled, so month-long runs stay fast.
    """

    def __init__(self, pages: Iterable[str], *, keep_payloads: bool = True, **kwargs: Any) -> None:
        self._local = threading.local()
        self._default_page = ""
        self.pages = frozenset(pages)
        self.page_usage: dict[str, int] = {}
        self.arrivals: list[Arrival] = []
        self._index: dict[str, EmulatedPost] = {}
        self.keep_payloads = keep_payloads
        super().__init__(page_id=min(self.pages), token=TOKEN, **kwargs)
        if not keep_payloads:
            self.requests = _LightRequests()

    @property
    def page_id(self) -> str:
        page: str | None = getattr(self._local, "page_id", None)
        return page or self._default_page

    @page_id.setter
    def page_id(self, value: str) -> None:
        self._default_page = value

    def __enter__(self) -> MultiPageGraphEmulator:
        self.start()
        return self

    def page_of(self, path: str) -> str | None:
        segments = [segment for segment in urlsplit(path).path.split("/") if segment]
        if len(segments) < 2:
            return None
        node = segments[1]
        if node in self.pages:
            return node
        head = node.split("_", 1)[0]
        if head in self.pages:
            return head
        with self._lock:
            post = self._index.get(node)
        return post.post_id.split("_", 1)[0] if post is not None else None

    def batch_calls(self) -> int:
        return sum(1 for arrival in self.arrivals if arrival.path.rstrip("/").count("/") == 1)

    def sub_requests(self) -> int:
        requests = self.requests
        if isinstance(requests, _LightRequests):
            return requests.in_batch
        return sum(1 for request in requests if request.in_batch)

    # --- overrides of the base emulator's internals -------------------------------------------------------

    def _handle_http(self, method: str, raw_path: str, headers: Any, body: bytes) -> _Response:
        page = self.page_of(raw_path)
        self._local.page_id = page
        with self._lock:
            self.arrivals.append(Arrival(time.time(), method, urlsplit(raw_path).path, page))
        return super()._handle_http(method, raw_path, headers, body)

    def _route(self, call: _Call) -> Any:
        page = self.page_of(call.path)
        if page is not None:
            self._local.page_id = page
        return super()._route(call)

    def _finish(self, response: _Response, call: _Call, fault: Fault | None = None) -> _Response:
        out = super()._finish(response, call, fault)
        usage = self.page_usage.get(self.page_id)
        if usage is not None and (fault is None or fault.rate_limit_eta_minutes is None):
            entry = {"type": "pages", "call_count": usage, "total_cputime": 0, "total_time": 0}
            out.headers["X-Business-Use-Case-Usage"] = json.dumps(
                {self.page_id: [{**entry, "estimated_time_to_regain_access": 0}]}, separators=(",", ":")
            )
        return out

    def _new_post(self, **kwargs: Any) -> EmulatedPost:
        post = super()._new_post(**kwargs)
        if not self.keep_payloads:
            post.image = b""
        self._index[post.post_id] = post
        if post.photo_id:
            self._index[post.photo_id] = post
        return post

    def _find_post(self, object_id: str) -> EmulatedPost | None:
        return self._index.get(object_id) if object_id else None

    def _publish_due_posts(self) -> None:
        """Scheduled posts are not used by the benchmarks; skipping the scan keeps each call O(1)."""


# --------------------------------------------------------------------------------------------- project files


@dataclass(frozen=True)
class Channel:
    name: str
    kind: str = "facebook"  # or "outbox"
    page_id: str = ""


def facebook_channels(pages: Sequence[str]) -> list[Channel]:
    return [Channel(f"fb-{index:03d}", "facebook", page) for index, page in enumerate(pages, start=1)]


def slogan_file(
    start: dt.date = dt.date(2021, 10, 1),
    end: dt.date = dt.date(2021, 10, 31),
    pinned: Sequence[tuple[dt.date, str]] = (),
) -> str:
    """The repository's slogans.yaml (real Vietnamese slogans), its plan period moved if asked, plus slogans
    pinned to dates (a pinned slogan takes every channel's first slot of its day)."""
    text = (REPO / "slogans.yaml").read_text(encoding="utf-8")
    text = text.replace("period: {start: 2021-10-01, end: 2021-10-31}", f"period: {{start: {start}, end: {end}}}")
    for index, (day, slogan) in enumerate(pinned, start=1):
        text += f'  - id: ghim-{index}\n    text: "{slogan}"\n    source: "benchmark"\n    dates: [{day}]\n'
    return text


def write_project(
    directory: Path,
    channels: Sequence[Channel],
    *,
    schedule: str,
    api_base: str = "",
    timezone: str = "Asia/Ho_Chi_Minh",
    posting: str = "",
    extra: str = "",
    slogans: str | None = None,
    database: str = "data/danvan.db",
) -> Path:
    """config.yaml + slogans.yaml in `directory`; `schedule` is the YAML flow mapping every channel gets."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "slogans.yaml").write_text(slogans or slogan_file(), encoding="utf-8")
    items = []
    for channel in channels:
        if channel.kind == "facebook":
            body = (
                f'    page_id: "{channel.page_id}"\n'
                f"    access_token: ${{{TOKEN_ENV}}}\n"
                f"    api_base: {api_base}\n"
                "    api_version: v25.0\n"
            )
        else:
            body = f"    directory: outbox/{channel.name}\n"
        items.append(f"  - name: {channel.name}\n    type: {channel.kind}\n{body}    schedule: {schedule}\n")
    config = (
        f"timezone: {timezone}\n"
        "slogans: slogans.yaml\n"
        f"database: {database}\n"
        "posting:\n"
        "  plan_period_only: false\n"
        "  catch_up: 2h\n"
        f"{textwrap.indent(posting, '  ')}"
        f"{extra}"
        "channels:\n" + "".join(items)
    )
    path = directory / "config.yaml"
    path.write_text(config, encoding="utf-8")
    path.chmod(0o600)
    return path


# Compiled bytecode for the child processes, outside the source tree. A deployed install has its .pyc files;
# without them (PYTHONDONTWRITEBYTECODE=1, as in some sandboxes) every start compiles the package again.
PYCACHE = Path(tempfile.gettempdir()) / "danvan-bench-pycache"


def env_with_token(*, bytecode: bool = True) -> dict[str, str]:
    """The environment of the product's child processes: the token variable, and a bytecode cache or none."""
    env = {**os.environ, TOKEN_ENV: TOKEN, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}
    env.pop("JOURNAL_STREAM", None)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    else:  # as this environment runs it when the package has no __pycache__: compiled at every start
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    return env


# --------------------------------------------------------------------------------------------- the daemon


class DaemonProcess:
    """`python -m scheduler run -c CONFIG` in a child process; stderr lines are collected as they come."""

    def __init__(self, config_path: Path) -> None:
        self.started = time.time()
        self.process = subprocess.Popen(
            [PYTHON, "-m", "scheduler", "run", "-c", str(config_path)],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            env=env_with_token(),
            cwd=config_path.parent,
        )
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        self.seen: list[tuple[float, str]] = []
        threading.Thread(target=self._pump, daemon=True).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _pump(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put((time.time(), line))

    def drain(self) -> None:
        while True:
            try:
                self.seen.append(self.lines.get_nowait())
            except queue.Empty:
                return

    def wait_for(self, text: str, count: int = 1, timeout: float = 60.0) -> float:
        """Wait until `text` has appeared in `count` lines; return the time of the last of them."""
        deadline = time.time() + timeout
        while True:
            hits = [at for at, line in self.seen if text in line]
            if len(hits) >= count:
                return hits[count - 1]
            if self.process.poll() is not None:
                self.drain()
                raise RuntimeError(f"the daemon exited ({self.process.returncode}):\n{self.log_tail()}")
            remaining = deadline - time.time()
            if remaining <= 0:
                raise TimeoutError(f"waited {timeout:.0f} s for {count}x {text!r}:\n{self.log_tail()}")
            try:
                self.seen.append(self.lines.get(timeout=min(remaining, 0.5)))
            except queue.Empty:
                continue

    def log_tail(self, lines: int = 30) -> str:
        return "".join(line for _, line in self.seen[-lines:])

    def count(self, text: str) -> int:
        self.drain()
        return sum(text in line for _, line in self.seen)

    def stop(self, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()


@contextlib.contextmanager
def running_daemon(config_path: Path) -> Iterator[DaemonProcess]:
    daemon = DaemonProcess(config_path)
    try:
        yield daemon
    finally:
        daemon.stop()


# --------------------------------------------------------------------------------------------- /proc


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process (all its threads), in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def thread_count(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


# --------------------------------------------------------------------------------------------- numbers


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (fraction in [0, 1])."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Result:
    """What a benchmark reports: named metrics, target checks, notes; printed and optionally saved as JSON."""

    name: str
    metrics: dict[str, Any] = field(default_factory=dict)
    checks: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def metric(self, key: str, value: Any) -> None:
        self.metrics[key] = value
        print(f"  {key}: {value}", flush=True)

    def check(self, target: str, passed: bool) -> None:
        self.checks[target] = passed
        print(f"  [{'PASS' if passed else 'FAIL'}] {target}", flush=True)

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def save(self, path: str | None) -> None:
        if path:
            Path(path).write_text(json.dumps(dataclasses.asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")


def json_arg(argv: Sequence[str]) -> str | None:
    """`--json PATH` from the command line (each benchmark is also a script run by run_all.py)."""
    args = list(argv)
    if "--json" in args:
        index = args.index("--json")
        if index + 1 < len(args):
            return args[index + 1]
    return None


def machine() -> dict[str, str]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    import PIL
    from PIL import features

    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu,
        "ram": ram,
        "os": platform.platform(),
        "python": platform.python_version(),
        "pillow": PIL.__version__,
        "raqm": str(features.version("raqm")),
        "sqlite": __import__("sqlite3").sqlite_version,
        "load average at start": " ".join(f"{v:.2f}" for v in os.getloadavg()),
    }


def next_minute_after(moment: dt.datetime, margin: float) -> dt.datetime:
    """The first whole minute at least `margin` seconds after `moment`."""
    earliest = moment + dt.timedelta(seconds=margin)
    floor = earliest.replace(second=0, microsecond=0)
    return floor if floor >= earliest else floor + dt.timedelta(minutes=1)
