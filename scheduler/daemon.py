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
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scheduler.cards import CardStore, card_directory
from scheduler.channels import Channel, build_channels
from scheduler.errors import DanvanError, InputError, Problem, UnreadableFileError
from scheduler.health import HEARTBEAT_EVERY
from scheduler.holdback import load_checked_project
from scheduler.ledger import Ledger, ZaloLedgerStore
from scheduler.ledger.identity import DatabaseGoneError, DatabaseGuard
from scheduler.lock import acquire_daemon_lock
from scheduler.logsetup import log_in_timezone, redact_secrets
from scheduler.memory import limit_malloc_arenas
from scheduler.posting.alerts import Alerter
from scheduler.posting.approvals import choose_slot, report_awaiting
from scheduler.posting.chores import do_all_platform_chores
from scheduler.posting.gates import PostingGates
from scheduler.posting.held_back import report_held_back
from scheduler.posting.pauses import resume_after_restart
from scheduler.posting.planner import Slot
from scheduler.posting.prerender import draw_ahead, draw_first_cards
from scheduler.posting.publisher import Publisher, system_clock
from scheduler.posting.reach import reach_readers, read_due
from scheduler.posting.timeline import (
    HORIZON,
    ONE_SECOND,
    announce_start,
    next_slot,
    record_overdue,
    settle_backlog,
    when_text,
)
from scheduler.project import Project
from scheduler.project.models import ChannelConfig
from scheduler.watch import Signature, changed, signatures

log = logging.getLogger("danvan.daemon")

Clock = Callable[[], dt.datetime]
WATCH_EVERY = 3.0  # seconds between looks at the config and slogan files
RECHECK_EVERY = 600.0  # seconds between looks on the platforms for the posts of `unknown` rows
EXIT_DATABASE_GONE = 3


def _log_problem(problem: Problem) -> None:
    (log.error if problem.is_error else log.warning)("%s", problem.format())


@dataclass
class Daemon:
    """One running service on one database. `run()` blocks until SIGTERM/SIGINT and returns the exit code."""

    config_path: Path
    clock: Clock = system_clock
    max_workers: int = 4
    heartbeat_every: dt.timedelta = HEARTBEAT_EVERY  # also how soon a removed database is noticed
    _project: Project | None = None
    _channels: dict[str, Channel] = field(default_factory=dict)
    _scheduler: Any = None
    _stopping: threading.Event = field(default_factory=threading.Event)
    _in_flight: int = 0
    _idle: threading.Condition = field(default_factory=threading.Condition)
    _started_at: dt.datetime | None = None
    _watched: dict[Path, Signature] = field(default_factory=dict)
    _alerter: Alerter = field(default_factory=Alerter)
    _gates: PostingGates = field(default_factory=PostingGates)
    _settled_until: dt.datetime | None = None
    _guard: DatabaseGuard | None = None  # the ledger file opened at start; its loss stops the service
    _exit_code: int = 0

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
                self._guard = DatabaseGuard(self.project.config.database)
                self._guard.arm()
                if not self._stopping.is_set():
                    self._serve()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log.info("danvan đã dừng")
        return self._exit_code

    def prepare(self) -> list[Slot]:
        """Everything before the first timer: settle crashed and missed slots, announce, draw the next cards."""
        if self._project is None:
            self._project = self._checked_project()
        self._started_at = self.now()
        self._adopt(self.project)
        with self._ledger() as ledger:
            resume_after_restart(ledger, [c.name for c in self.project.config.enabled_channels], self.now())
            self._recover(ledger)
            upcoming = announce_start(self.project, ledger, self.now())
        draw_first_cards(self._cards(), self.project.config, upcoming, self.now())
        return upcoming

    def recheck_unknown(self) -> None:
        """Look again on the platforms for the posts of recent `unknown` rows (never posting them again)."""
        with self._tracking(), self._ledger() as ledger:
            self._publisher(ledger).recheck_unknown()

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
        """The project, with `danvan check`'s file:line messages logged; refused when it cannot run (holdback.py)."""
        return load_checked_project(self.config_path, tell=_log_problem)

    def _adopt(self, project: Project) -> None:
        """Make `project` the one in use: its channels, the secrets to scrub from logs, the files to watch."""
        self._project = project
        self._channels = build_channels(
            project.config.enabled_channels, ZaloLedgerStore(project.config.database), self.now
        )
        redact_secrets(project.config.secrets())
        log_in_timezone(project.config.timezone)
        self._alerter = Alerter(project.config.email, project.config.secrets())
        self._watched = signatures((self.config_path, project.config.slogans_path))
        with self._ledger() as ledger:
            report_held_back(ledger, self._alerter, project.slogans, self.now())
            report_awaiting(project, ledger)

    def _check_database(self) -> None:
        """Stop the service (non-zero exit, an alarm) if the ledger file was removed or replaced."""
        try:
            if self._guard is not None:
                self._guard.check()
        except DatabaseGoneError as exc:
            if not self._stopping.is_set():
                self._exit_code = EXIT_DATABASE_GONE
                self._alerter.raise_alarm(str(exc), self.now())
                self.stop()
            raise

    @contextmanager
    def _ledger(self) -> Iterator[Ledger]:
        # One connection per use: jobs run on worker threads and SQLite connections stay in their thread.
        self._check_database()
        ledger = Ledger.open(self.project.config.database)
        try:
            yield ledger
        finally:
            ledger.close()

    def _cards(self) -> CardStore:
        return CardStore(card_directory(self.project.config.database))

    def _publisher(self, ledger: Ledger) -> Publisher:
        return Publisher(
            config=self.project.config,
            slogans=self.project.slogans,
            ledger=ledger,
            channels=self._channels,
            cards=self._cards(),
            clock=self.now,
            alerter=self._alerter,
        )

    def _recover(self, ledger: Ledger) -> None:
        publisher = self._publisher(ledger)
        publisher.recheck_unknown()  # before resolving crashed rows: those get their look there
        publisher.resolve_in_flight()
        # Everything before this instant is settled here; the first timers start from it, so a slot that
        # falls due while the late posts below are being made is neither skipped nor posted twice.
        self._settled_until = self.now()
        settle_backlog(self.project, ledger, publisher, self._settled_until)

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
        self._scheduler.add_job(self.recheck_unknown, "interval", seconds=RECHECK_EVERY, id="recheck")
        every = self.heartbeat_every.total_seconds()
        self._scheduler.add_job(self._beat, "interval", seconds=every, id="heartbeat", next_run_time=self.now())
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
        log.debug("kênh %s: lượt tiếp theo %s", channel.name, when_text(slot.at, self.project.config))
        self._beat(ledger)
        draw_ahead(self._cards(), self.project.config, channel, slot, self.now())

    def _fire(self, channel_name: str, slot_iso: str) -> None:
        """The job: post this slot (the slogan chosen now, from the current history) then schedule the next."""
        at = dt.datetime.fromisoformat(slot_iso)
        with self._tracking():
            if self._stopping.is_set():
                return
            with self._ledger() as ledger:
                try:
                    slot = choose_slot(self.project, ledger, channel_name, at, self._alerter, self.now())
                    config = self.project.config.channel(channel_name)
                    if slot is not None and config is not None:
                        with self._gates.hold(config, self.project.config.posting):
                            self._publisher(ledger).publish(slot)
                except DanvanError as exc:
                    log.error("kênh %s, lượt %s: %s", channel_name, when_text(at, self.project.config), exc)
                except Exception:  # one bad slot must not stop the channel's later slots
                    log.exception(
                        "kênh %s, lượt %s: lỗi không lường trước", channel_name, when_text(at, self.project.config)
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
            with suppress(DatabaseGoneError), self._ledger() as own:  # a lost database stops the service instead
                self._beat(own)
            return
        # args[1] is the slot's ISO time (see _schedule_next); jobs not started yet have no next_run_time.
        slots = [
            dt.datetime.fromisoformat(job.args[1]) for job in self._scheduler.get_jobs() if job.id.startswith("slot:")
        ]
        started = self._started_at or self.now()
        ledger.beat(os.getpid(), socket.gethostname(), started, self.now(), min(slots, default=None))

    def _watch_files(self) -> None:
        if changed(self._watched):
            self._reload()

    def _reload(self) -> None:
        """Adopt edited files unless an error stops the service (a defective slogan is only held back, see
        holdback.py); otherwise go on with the last good ones."""
        self._watched = signatures(self._watched)  # judge each edit once
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
        if not self._stopping.is_set():
            with self._tracking():
                do_all_platform_chores(self._channels, self.project.config.database, self.now)

    def _on_missed(self, event: Any) -> None:
        """APScheduler skipped a run (the machine slept past the catch-up window): record it and go on.

        Every slot of the channel from the skipped one up to the catch-up window is recorded as missed, so
        none vanishes; the first slot still within the window gets the next timer (and fires at once).
        """
        channel_name = str(event.job_id).split(":")[1]
        at: dt.datetime = event.scheduled_run_time
        channel = self.project.config.channel(channel_name)
        now, grace = self.now(), self.project.config.posting.catch_up
        with self._ledger() as ledger:
            resume = record_overdue(self.project, ledger, channel_name, at, now)
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
