"""`danvan run`: the long-running service that posts every slot on time, once.

APScheduler 3.x is only the alarm clock: each enabled channel has one date-triggered job for its next
slot, computed by the planner; when it fires, the slot is posted through the publisher and the
channel's next slot is scheduled. The ledger, not a job store, is the truth, so jobs are rebuilt from
the config at every start and slots missed while the service was down are found by comparing the plan
with the ledger.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scheduler.cards.store import CardStore, card_directory
from scheduler.channels import Channel, ChannelContext, build_channel
from scheduler.check import check_project
from scheduler.errors import CardError, DanvanError, InputError, UnreadableFileError
from scheduler.health import HEARTBEAT_EVERY
from scheduler.ledger import Ledger, ZaloLedgerStore
from scheduler.ledger import Post as LedgerPost
from scheduler.lock import acquire_daemon_lock
from scheduler.logsetup import redact_secrets
from scheduler.posting.alerts import Alerter
from scheduler.posting.planner import Slot, plan
from scheduler.posting.publisher import Publisher, post_now
from scheduler.posting.reach import ReachReader, ReadResult, read_due
from scheduler.project import Project, load_project
from scheduler.project.models import ChannelConfig, Config, Schedule

log = logging.getLogger("danvan.daemon")

Clock = Callable[[], dt.datetime]
ONE_SECOND = dt.timedelta(seconds=1)
# How far ahead to look for a channel's next slot: enough for a monthly cron expression.
HORIZON = dt.timedelta(days=40)
SEARCH_SPANS = (dt.timedelta(hours=1), dt.timedelta(days=2), HORIZON)
# Slots older than this are not looked at after downtime (they were reported when the daemon stopped).
LOOKBACK = dt.timedelta(days=40)
PRERENDER_AHEAD = dt.timedelta(hours=24)


WATCH_EVERY = 3.0  # seconds between looks at the config and slogan files


def _signature(path: Path) -> tuple[int, int]:
    """What changes when an officer saves a file (a missing file counts as a change too)."""
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_mtime_ns, stat.st_size)


def limit_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives each busy thread its own heap arena; with dozens of posting threads that is ~40 MB of
    mostly empty memory. Two arenas are plenty for work that waits on the network. No-op elsewhere."""
    import ctypes
    import ctypes.util

    m_arena_max = -8  # from glibc's malloc.h
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(m_arena_max, arenas)
    except (OSError, AttributeError):
        pass


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def history_of(ledger: Ledger, channels: list[str]) -> dict[str, list[str]]:
    return {name: ledger.history(name) for name in channels}


def next_slot(project: Project, ledger: Ledger, channel: str, after: dt.datetime) -> Slot | None:
    """The channel's first slot at or after `after`, jumping ahead to the plan period when posting waits for it."""
    config, slogans = project.config, project.slogans
    start = after
    if config.posting.plan_period_only:
        period_start = dt.datetime.combine(slogans.plan.start, dt.time(), config.timezone)
        start = max(start, period_start)
    history = history_of(ledger, [channel])
    # Widening windows: a short interval schedule must not make us plan forty days of slots.
    for span in SEARCH_SPANS:
        slots = plan(config, slogans, start, start + span, history, [channel])
        if slots:
            return slots[0]
    return None


def slot_at(project: Project, ledger: Ledger, channel: str, at: dt.datetime) -> Slot | None:
    """The slot the planner gives `channel` at exactly `at`, with the slogan chosen from today's history."""
    slots = plan(project.config, project.slogans, at, at + ONE_SECOND, history_of(ledger, [channel]), [channel])
    return slots[0] if slots else None


@dataclass(frozen=True)
class Backlog:
    """Slots that passed while the daemon was not running: some to post late, the rest to record as missed."""

    late: list[Slot] = field(default_factory=list)
    missed: list[tuple[Slot, str]] = field(default_factory=list)


def find_backlog(project: Project, ledger: Ledger, now: dt.datetime) -> Backlog:
    """Per channel, the slots between its last recorded slot and now.

    Within the catch-up window only the most recent one is posted (several late posts in a row would
    flood the Page); every other slot is recorded as missed with the reason, never dropped silently.
    A channel with no row at all has never run, so it has no backlog.
    """
    catch_up = project.config.posting.catch_up
    backlog = Backlog()
    for channel in project.config.enabled_channels:
        last = ledger.last_slot(channel.name)
        if last is None:
            continue
        start = max(last + ONE_SECOND, now - LOOKBACK)
        slots = plan(project.config, project.slogans, start, now, history_of(ledger, [channel.name]), [channel.name])
        recent = [s for s in slots if now - s.utc <= catch_up]
        for slot in slots:
            if recent and slot is recent[-1]:
                backlog.late.append(slot)
            elif slot in recent:
                backlog.missed.append((slot, "trễ do máy chủ không chạy; chỉ đăng bù lượt gần nhất"))
            else:
                backlog.missed.append((slot, f"máy chủ không chạy lúc đó; quá {_duration(catch_up)} nên không đăng bù"))
    return backlog


def describe_schedule(schedule: Schedule) -> str:
    if schedule.times:
        return "hằng ngày lúc " + ", ".join(f"{t:%H:%M}" for t in schedule.times)
    if schedule.cron:
        return f'theo cron "{schedule.cron}"'
    assert schedule.interval is not None
    return f"cứ mỗi {_duration(schedule.interval)}"


def _duration(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("ngày", 86400), ("giờ", 3600), ("phút", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} giây"


def _when(moment: dt.datetime, config: Config) -> str:
    return f"{moment.astimezone(config.timezone):%d/%m/%Y %H:%M:%S}"


@dataclass
class Daemon:
    """One running service on one database. `run()` blocks until SIGTERM/SIGINT and returns the exit code."""

    config_path: Path
    clock: Clock = system_clock
    max_workers: int = 4
    _project: Project | None = None
    _channels: dict[str, Channel] = field(default_factory=dict)
    _scheduler: Any = None
    _stopping: threading.Event = field(default_factory=threading.Event)
    _in_flight: int = 0
    _idle: threading.Condition = field(default_factory=threading.Condition)
    _started_at: dt.datetime | None = None
    _watched: dict[Path, tuple[int, int]] = field(default_factory=dict)
    _alerter: Alerter = field(default_factory=Alerter)
    _gates: dict[str, threading.BoundedSemaphore] = field(default_factory=dict)
    _gates_lock: threading.Lock = field(default_factory=threading.Lock)
    _settled_until: dt.datetime | None = None

    @property
    def project(self) -> Project:
        assert self._project is not None
        return self._project

    def now(self) -> dt.datetime:
        return self.clock().astimezone(self.project.config.timezone)

    def run(self) -> int:
        limit_malloc_arenas()
        previous = {sig: signal.signal(sig, self.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, self.request_reload)
        try:
            self._project = self._checked_project()
            with acquire_daemon_lock(self.project.config.database):
                self.prepare()
                if not self._stopping.is_set():
                    self._serve()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log.info("danvan đã dừng")
        return 0

    def prepare(self) -> list[Slot]:
        """Everything before the first timer: settle crashed and missed slots, announce, draw the next cards."""
        if self._project is None:
            self._project = load_project(self.config_path)
        self._started_at = self.now()
        self._adopt(self.project)
        with self._ledger() as ledger:
            self._resume_paused(ledger)
            self._recover(ledger)
            upcoming = self._announce(ledger)
        self._prerender(upcoming)
        return upcoming

    def stop(self, *_: Any) -> None:
        """Stop taking new slots; the post in flight finishes first (see _serve)."""
        if self._stopping.is_set():
            return
        log.info("nhận lệnh dừng: không nhận lượt mới, hoàn tất lượt đang đăng rồi thoát")
        self._stopping.set()
        if self._scheduler is not None and self._scheduler.running:
            # wait=False: waiting here, in the signal handler, could deadlock with a job that is
            # scheduling its channel's next slot; _serve waits for the in-flight posts instead.
            self._scheduler.shutdown(wait=False)

    def request_reload(self, *_: Any) -> None:
        """SIGHUP: read the files again now (the watcher would notice an edit within seconds anyway)."""
        log.info("nhận SIGHUP: đọc lại tệp cấu hình và tệp khẩu hiệu")
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.add_job(self._reload, id="reload", replace_existing=True)

    # --- start-up -----------------------------------------------------------------------------

    def _checked_project(self) -> Project:
        """The project, refused with the same file:line messages as `danvan check` when it has errors."""
        result = check_project(self.config_path)
        for problem in result.problems:
            (log.error if problem.is_error else log.warning)("%s", problem.format())
        if result.problems and (result.errors or result.unreadable):
            raise InputError([p for p in result.problems if p.is_error])
        return load_project(self.config_path)

    def _adopt(self, project: Project) -> None:
        """Make `project` the one in use: its channels, the secrets to scrub from logs, the files to watch."""
        self._project = project
        context = ChannelContext(ZaloLedgerStore(project.config.database), self.now)
        self._channels = {c.name: build_channel(c, context) for c in project.config.enabled_channels}
        redact_secrets(project.config.secrets())
        self._alerter = Alerter(project.config.email, project.config.secrets())
        self._watched = {path: _signature(path) for path in (self.config_path, project.config.slogans_path)}

    @contextmanager
    def _ledger(self) -> Iterator[Ledger]:
        # One connection per use: jobs run on worker threads and SQLite connections stay in their thread.
        ledger = Ledger.open(self.project.config.database)
        try:
            yield ledger
        finally:
            ledger.close()

    def _publisher(self, ledger: Ledger) -> Publisher:
        return Publisher(
            config=self.project.config,
            slogans=self.project.slogans,
            ledger=ledger,
            channels=self._channels,
            cards=CardStore(card_directory(self.project.config.database)),
            clock=self.now,
            alerter=self._alerter,
        )

    def _resume_paused(self, ledger: Ledger) -> None:
        """A restart is how an officer says "I renewed the token": try again (a bad token pauses it again)."""
        for channel in self.project.config.enabled_channels:
            state = ledger.channel_state(channel.name)
            if state is not None and state.state == "paused" and state.paused_until is None:
                log.warning("kênh %s: bỏ tạm dừng khi khởi động lại (lý do trước đó: %s)", channel.name, state.reason)
                ledger.set_channel_state(channel.name, "active", None, self.now())

    def _recover(self, ledger: Ledger) -> None:
        publisher = self._publisher(ledger)
        publisher.resolve_in_flight()
        # Everything before this instant is settled here; the first timers start from it, so a slot that
        # falls due while the late posts below are being made is neither skipped nor posted twice.
        self._settled_until = self.now()
        backlog = find_backlog(self.project, ledger, self._settled_until)
        for slot, reason in backlog.missed:
            log.warning("kênh %s, lượt %s: bỏ lỡ (%s)", slot.channel, _when(slot.at, self.project.config), reason)
            ledger.mark_missed(slot.channel, slot.at, slot.slogan_id, reason, self.now())
        for late in backlog.late:
            fresh = slot_at(self.project, ledger, late.channel, late.at) or late
            log.info("kênh %s: đăng bù lượt %s", late.channel, _when(late.at, self.project.config))
            publisher.publish(fresh)

    def _announce(self, ledger: Ledger) -> list[Slot]:
        config, plan_info = self.project.config, self.project.slogans.plan
        log.info(
            "danvan %s: cấu hình %s, cơ sở dữ liệu %s, múi giờ %s",
            "bắt đầu",
            config.path,
            config.database,
            config.timezone.key,
        )
        for channel in config.enabled_channels:
            log.info("kênh %s (%s): %s", channel.name, channel.type, describe_schedule(channel.schedule))
        if not config.enabled_channels:
            log.warning("không có kênh nào đang bật; không có gì để đăng")
        now = self.now()
        upcoming = [s for c in config.enabled_channels if (s := next_slot(self.project, ledger, c.name, now))]
        upcoming.sort(key=lambda s: s.utc)
        if config.posting.plan_period_only and not plan_info.contains(now.date()):
            self._announce_period(now)
        for slot in upcoming[:10]:
            log.info("sắp đăng: %s  %s  %s  %s", _when(slot.at, config), slot.channel, slot.slogan_id, slot.text)
        return upcoming

    def _announce_period(self, now: dt.datetime) -> None:
        plan_info = self.project.slogans.plan
        period = f"{plan_info.start:%d/%m/%Y} - {plan_info.end:%d/%m/%Y}"
        if now.date() < plan_info.start:
            log.warning("chưa đến thời gian kế hoạch (%s): chờ đến %s mới đăng", period, f"{plan_info.start:%d/%m/%Y}")
        else:
            log.warning(
                "kế hoạch %s đã kết thúc (%s): không còn lượt đăng nào; đặt posting.plan_period_only: false "
                "trong tệp cấu hình nếu muốn tiếp tục đăng. Chương trình vẫn chạy và chờ.",
                plan_info.id,
                period,
            )

    def _prerender(self, upcoming: list[Slot]) -> None:
        """Draw the next cards now, so a design that cannot render fails at start and not at post time."""
        config = self.project.config
        horizon = self.now() + PRERENDER_AHEAD
        store = CardStore(card_directory(config.database))
        for slot in upcoming:
            channel = config.channel(slot.channel)
            if channel is None or (slot.utc > horizon and slot is not upcoming[0]):
                continue
            try:
                store.get(slot.text, channel.card)
            except CardError as exc:
                raise DanvanError(
                    f"không vẽ được thẻ khẩu hiệu '{slot.slogan_id}' cho kênh '{slot.channel}': {exc}"
                ) from exc

    # --- serving ------------------------------------------------------------------------------

    def _serve(self) -> None:
        from apscheduler.events import EVENT_JOB_MISSED
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.blocking import BlockingScheduler

        config = self.project.config
        self._scheduler = BlockingScheduler(
            timezone=config.timezone,
            executors={"default": ThreadPoolExecutor(self._workers())},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": int(config.posting.catch_up.total_seconds()),
            },
        )
        self._scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        self._schedule_idle_channels(after=self._settled_until)
        # A channel whose next slot lies beyond the planning horizon (a yearly cron, a plan period months
        # away) has no timer; look again every hour rather than never.
        self._scheduler.add_job(self._schedule_idle_channels, "interval", hours=1, id="housekeeping")
        every = config.reach.check_every.total_seconds()
        self._scheduler.add_job(self._read_reach, "interval", seconds=every, id="reach", next_run_time=self.now())
        self._scheduler.add_job(self._platform_chores, "interval", minutes=15, id="chores", next_run_time=self.now())
        self._scheduler.add_job(
            self._beat, "interval", seconds=HEARTBEAT_EVERY.total_seconds(), id="heartbeat", next_run_time=self.now()
        )
        self._scheduler.add_job(self._watch_files, "interval", seconds=WATCH_EVERY, id="watch")
        try:
            if not self._stopping.is_set():
                self._scheduler.start()
        finally:
            self._wait_for_in_flight()

    def _workers(self) -> int:
        """Enough threads for every platform's concurrency, plus a few for heartbeat, reach and reloads."""
        limits = {c.type: self.project.config.posting.limit(c.type) for c in self.project.config.enabled_channels}
        return max(self.max_workers, sum(limits.values()) + 4)

    @contextmanager
    def _gate(self, channel: ChannelConfig) -> Iterator[None]:
        """Hold one of the platform's slots and one of the Page's, so a burst stays within both limits."""
        posting = self.project.config.posting
        with self._gates_lock:
            platform = self._gates.setdefault(channel.type, threading.BoundedSemaphore(posting.limit(channel.type)))
            page = self._gates.setdefault(channel.page_key, threading.BoundedSemaphore(posting.per_page))
        with platform, page:
            yield

    def _schedule_idle_channels(self, after: dt.datetime | None = None) -> None:
        """Give every channel without a timer its next slot at or after `after` (default: now).

        A slot already due when its timer is set fires at once (within the catch-up window).
        """
        pending = {job.id.split(":")[1] for job in self._scheduler.get_jobs() if job.id.startswith("slot:")}
        with self._ledger() as ledger:
            for channel in self.project.config.enabled_channels:
                if channel.name not in pending:
                    self._schedule_next(channel, ledger, after or self.now())

    def _schedule_next(self, channel: ChannelConfig, ledger: Ledger, after: dt.datetime) -> None:
        if self._stopping.is_set():
            return
        slot = next_slot(self.project, ledger, channel.name, after)
        if slot is None:
            log.info("kênh %s: không còn lượt đăng nào trong %d ngày tới", channel.name, HORIZON.days)
            return
        self._scheduler.add_job(
            self._fire,
            trigger="date",
            run_date=slot.at,
            args=[channel.name, slot.at.isoformat()],
            # One job per slot: the job that schedules the next slot is itself still running.
            id=f"slot:{channel.name}:{slot.at.isoformat()}",
            replace_existing=True,
        )
        log.debug("kênh %s: lượt tiếp theo %s", channel.name, _when(slot.at, self.project.config))
        self._beat(ledger)
        self._draw_ahead(channel, slot)

    def _draw_ahead(self, channel: ChannelConfig, slot: Slot) -> None:
        """Draw the next slot's card now (a no-op when it is on disk), so the slot itself only posts."""
        if slot.utc - self.now() > PRERENDER_AHEAD:
            return
        try:
            CardStore(card_directory(self.project.config.database)).get(slot.text, channel.card)
        except CardError as exc:
            log.error(
                "kênh %s: không vẽ được thẻ cho lượt %s: %s", channel.name, _when(slot.at, self.project.config), exc
            )

    def _fire(self, channel_name: str, slot_iso: str) -> None:
        """The job: post this slot (the slogan chosen now, from the current history) then schedule the next."""
        at = dt.datetime.fromisoformat(slot_iso)
        with self._tracking():
            if self._stopping.is_set():
                return
            with self._ledger() as ledger:
                try:
                    slot = slot_at(self.project, ledger, channel_name, at)
                    config = self.project.config.channel(channel_name)
                    if slot is not None and config is not None:
                        with self._gate(config):
                            self._publisher(ledger).publish(slot)
                except DanvanError as exc:
                    log.error("kênh %s, lượt %s: %s", channel_name, _when(at, self.project.config), exc)
                except Exception:  # one bad slot must not stop the channel's later slots
                    log.exception(
                        "kênh %s, lượt %s: lỗi không lường trước", channel_name, _when(at, self.project.config)
                    )
                finally:
                    channel = self.project.config.channel(channel_name)
                    if channel is not None:
                        self._schedule_next(channel, ledger, at + ONE_SECOND)

    def _read_reach(self) -> None:
        readers = reach_readers(self._channels)
        if not readers or self._stopping.is_set():
            return
        with self._tracking(), self._ledger() as ledger:
            try:
                read_due(ledger, readers, self.project.config.reach, self.now(), alerter=self._alerter)
            except Exception:  # reach is secondary: never let it disturb posting
                log.exception("lỗi khi đọc lượt tiếp cận")

    def _beat(self, ledger: Ledger | None = None) -> None:
        """The heartbeat `danvan status` reads, with the next slot the timers hold."""
        if ledger is None:
            with self._ledger() as own:
                self._beat(own)
            return
        # args[1] is the slot's ISO time (see _schedule_next); jobs not started yet have no next_run_time.
        slots = [
            dt.datetime.fromisoformat(job.args[1]) for job in self._scheduler.get_jobs() if job.id.startswith("slot:")
        ]
        started = self._started_at or self.now()
        ledger.beat(os.getpid(), socket.gethostname(), started, self.now(), min(slots, default=None))

    def _watch_files(self) -> None:
        if any(_signature(path) != seen for path, seen in self._watched.items()):
            self._reload()

    def _reload(self) -> None:
        """Adopt edited files if `danvan check` finds no error in them; otherwise go on with the last good ones."""
        self._watched = {path: _signature(path) for path in self._watched}  # judge each edit once
        try:
            project = self._checked_project()
        except (InputError, UnreadableFileError) as exc:
            detail = str(exc) if isinstance(exc, UnreadableFileError) else f"{len(exc.problems)} lỗi"
            log.error("bản sửa có lỗi (%s): tiếp tục đăng theo bản hợp lệ trước đó; sửa rồi lưu lại tệp", detail)
            return
        if project.config.database != self.project.config.database:
            log.error(
                "đổi 'database' cần khởi động lại danvan; tiếp tục với cơ sở dữ liệu %s", self.project.config.database
            )
            return
        self._adopt(project)
        for job in self._scheduler.get_jobs():
            if job.id.startswith("slot:"):
                job.remove()
        self._schedule_idle_channels()
        log.info("đã nạp bản sửa của tệp cấu hình và tệp khẩu hiệu; lập lại lịch đăng")

    def _platform_chores(self) -> None:
        """Zalo: broadcasts deferred to the morning, and the follower count once a day."""
        if self._stopping.is_set():
            return
        with self._tracking():
            for name, channel in self._channels.items():
                try:
                    self._chores_of(name, channel)
                except DanvanError as exc:
                    log.warning("kênh %s: %s", name, exc)
                except Exception:
                    log.exception("kênh %s: lỗi không lường trước", name)

    def _chores_of(self, name: str, channel: Channel) -> None:
        send = getattr(channel, "send_due_broadcasts", None)
        if send is not None and send():
            log.info("kênh %s: đã gửi broadcast dời từ tối hôm trước", name)
        followers = getattr(channel, "followers", None)
        if followers is None:
            return
        with self._ledger() as ledger:
            last = ledger.last_followers_at(name)
            if last is None or self.now() - last >= dt.timedelta(days=1):
                ledger.add_followers(name, self.now(), followers())

    def _on_missed(self, event: Any) -> None:
        """APScheduler skipped a run (the machine slept past the catch-up window): record it and go on.

        Every slot of the channel from the skipped one up to the catch-up window is recorded as missed, so
        none vanishes; the first slot still within the window gets the next timer (and fires at once).
        """
        channel_name = str(event.job_id).split(":")[1]
        at: dt.datetime = event.scheduled_run_time
        channel = self.project.config.channel(channel_name)
        now, grace = self.now(), self.project.config.posting.catch_up
        resume = at
        with self._ledger() as ledger:
            history = history_of(ledger, [channel_name])
            for slot in plan(self.project.config, self.project.slogans, at, now - grace, history, [channel_name]):
                if ledger.get(channel_name, slot.at) is None:
                    ledger.mark_missed(
                        channel_name, slot.at, slot.slogan_id, "quá giờ đăng (máy chủ bận hoặc ngủ)", now
                    )
                resume = slot.at + ONE_SECOND
            if channel is not None:
                self._schedule_next(channel, ledger, max(resume, now - grace))

    @contextmanager
    def _tracking(self) -> Iterator[None]:
        with self._idle:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _wait_for_in_flight(self) -> None:
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0)


def reach_readers(channels: dict[str, Channel]) -> dict[str, ReachReader]:
    """The channels that can report reach (the outbox cannot)."""
    return {name: channel for name, channel in channels.items() if isinstance(channel, ReachReader)}


def read_reach_now(project: Project, clock: Clock = system_clock) -> list[ReadResult]:
    """`danvan reach`: read every post that is due a reading, and every post never read."""
    config = project.config
    context = ChannelContext(ZaloLedgerStore(config.database), clock)
    channels = {c.name: build_channel(c, context) for c in config.enabled_channels}
    with Ledger.open(config.database) as ledger:
        now = clock().astimezone(config.timezone)
        return read_due(ledger, reach_readers(channels), config.reach, now, include_unread=True)


def post_once(project: Project, channel_name: str, slogan_id: str | None, clock: Clock = system_clock) -> LedgerPost:
    """`danvan post`: the daemon's path for one slot now, the ledger included."""
    config = project.config
    channel = config.channel(channel_name)
    if channel is None:
        names = ", ".join(c.name for c in config.channels)
        raise DanvanError(f"không có kênh '{channel_name}' trong tệp cấu hình (các kênh: {names})")
    with Ledger.open(config.database) as ledger:
        publisher = Publisher(
            config=config,
            slogans=project.slogans,
            ledger=ledger,
            channels={channel.name: build_channel(channel, ChannelContext(ZaloLedgerStore(config.database), clock))},
            cards=CardStore(card_directory(config.database)),
            clock=lambda: clock().astimezone(config.timezone),
        )
        return post_now(publisher, channel.name, slogan_id)
