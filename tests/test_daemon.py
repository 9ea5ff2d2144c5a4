from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.daemon import Daemon
from scheduler.ledger import Ledger
from scheduler.posting.timeline import find_backlog
from scheduler.project import load_project
from tests.conftest import Inbox

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def write_config(project_dir: Path, schedule: str, extra: str = "") -> Path:
    path = project_dir / "config.yaml"
    path.write_text(
        "timezone: Asia/Ho_Chi_Minh\n"
        "slogans: slogans.yaml\n"
        "database: data/danvan.db\n"
        f"posting: {{plan_period_only: false, catch_up: 2h}}\n{extra}"
        "channels:\n"
        "  - name: outbox\n"
        "    type: outbox\n"
        "    directory: outbox\n"
        f"    schedule: {schedule}\n",
        encoding="utf-8",
    )
    return path


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2021, 10, day, hour, minute, tzinfo=TZ)


def seed_posted(config_path: Path, slot: dt.datetime) -> None:
    database = load_project(config_path, {}).config.database
    with Ledger.open(database) as ledger:
        row = ledger.claim("outbox", slot, "dan-van-kheo", "h", "c", slot)
        assert row is not None
        ledger.mark_posted(row.id, "r", slot)


def test_after_downtime_the_latest_slot_within_the_window_is_posted_late_and_older_ones_are_missed(
    project_dir: Path,
) -> None:
    config_path = write_config(project_dir, '{times: ["08:00", "19:30"]}')
    seed_posted(config_path, at(14, 19, 30))
    now = at(16, 9, 0)  # down for 15/10 08:00, 15/10 19:30 and 16/10 08:00 (one hour ago)
    Daemon(config_path, clock=lambda: now).prepare()
    with Ledger.open(project_dir / "data/danvan.db") as ledger:
        rows = {row.slot: row for row in ledger.list_posts()}
    assert rows[at(16, 8)].status == "posted"
    assert rows[at(15, 8)].status == "missed" and "không đăng bù" in (rows[at(15, 8)].error or "")
    assert rows[at(15, 19, 30)].status == "missed"
    assert len(list((project_dir / "outbox").glob("*.json"))) == 1


def test_a_second_start_posts_nothing_again(project_dir: Path) -> None:
    config_path = write_config(project_dir, '{times: ["08:00", "19:30"]}')
    seed_posted(config_path, at(14, 19, 30))
    for minutes in (0, 5):
        Daemon(config_path, clock=lambda m=minutes: at(16, 9, m)).prepare()  # type: ignore[misc]
    assert len(list((project_dir / "outbox").glob("*.json"))) == 1


def test_several_late_slots_in_the_window_are_coalesced_into_one_post(project_dir: Path) -> None:
    config_path = write_config(project_dir, "{interval: 30m}")
    seed_posted(config_path, at(16, 6, 0))
    project = load_project(config_path, {})
    with Ledger.open(project.config.database) as ledger:
        backlog = find_backlog(project, ledger, at(16, 9, 10))
    assert [s.at for s in backlog.late] == [at(16, 9, 0)]
    assert [s.at for s, _ in backlog.missed] == [at(16, h, m) for h, m in ((6, 30), (7, 0), (7, 30), (8, 0), (8, 30))]


def test_a_channel_that_never_ran_has_no_backlog(project_dir: Path) -> None:
    config_path = write_config(project_dir, '{times: ["08:00"]}')
    project = load_project(config_path, {})
    with Ledger.open(project.config.database) as ledger:
        assert find_backlog(project, ledger, at(16, 9)) == type(find_backlog(project, ledger, at(16, 9)))()


def test_a_card_design_that_cannot_be_drawn_stops_the_daemon_at_start(project_dir: Path) -> None:
    header = "THÁNG DÂN VẬN " * 40
    config_path = write_config(project_dir, '{times: ["08:00"]}', extra=f'card: {{header: "{header}"}}\n')
    result = CliRunner().invoke(cli, ["run", "-c", str(config_path)])
    assert result.exit_code == 2
    assert "[card-design]" in result.stderr and "không vẽ được" in result.stderr


def test_outside_the_plan_period_the_daemon_says_so(project_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    config_path = write_config(project_dir, '{times: ["08:00"]}').read_text(encoding="utf-8")
    (project_dir / "config.yaml").write_text(
        config_path.replace("plan_period_only: false", "plan_period_only: true"), encoding="utf-8"
    )
    with caplog.at_level("INFO", logger="danvan"):
        upcoming = Daemon(project_dir / "config.yaml", clock=lambda: at(1, 0).replace(month=12)).prepare()
    assert upcoming == []
    assert "đã kết thúc" in caplog.text and "plan_period_only" in caplog.text


# --- the real service, as a process -------------------------------------------------------------


class Service:
    """`danvan run` in a child process; its stderr lines arrive on a queue so tests wait on events, not sleeps."""

    def __init__(self, config_path: Path, launcher: tuple[str, ...] = ("-m", "scheduler")) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("JOURNAL_STREAM", None)
        self.process = subprocess.Popen(
            [sys.executable, *launcher, "run", "-c", str(config_path)],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.put(line)

    def wait_for(self, text: str, count: int = 1, timeout: float = 20) -> None:
        deadline = dt.datetime.now() + dt.timedelta(seconds=timeout)
        while sum(text in line for line in self.seen) < count:
            remaining = (deadline - dt.datetime.now()).total_seconds()
            if remaining <= 0:
                raise AssertionError(f"waited for {count}x {text!r}; got:\n{''.join(self.seen)}")
            try:
                self.seen.append(self.lines.get(timeout=remaining))
            except queue.Empty:
                continue

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=20)


@pytest.fixture
def service(project_dir: Path) -> Iterator[Service]:
    running = Service(write_config(project_dir, "{interval: 1s}"))
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def test_the_daemon_posts_on_schedule_and_stops_cleanly_on_sigterm(service: Service, project_dir: Path) -> None:
    service.wait_for("đã đăng khẩu hiệu", count=2)
    assert service.stop() == 0
    service.wait_for("danvan đã dừng")
    posted = sorted((project_dir / "outbox").glob("*.json"))
    assert len(posted) >= 2
    assert not list((project_dir / "outbox").glob(".*.tmp"))
    log = CliRunner().invoke(cli, ["log", "--json", "-c", str(project_dir / "config.yaml")])
    rows = json.loads(log.stdout)
    assert len(rows) == len(posted)
    assert {r["status"] for r in rows} == {"posted"}
    assert len({r["slot"] for r in rows}) == len(rows)
    assert all(r["slot"].endswith("+07:00") for r in rows)
    assert rows[0]["slot"] > rows[-1]["slot"]  # newest first
    # every enabled slogan before any repeats
    assert len({r["slogan_id"] for r in rows[-2:]}) == 2


def test_a_second_daemon_on_the_same_database_refuses_to_start(service: Service, project_dir: Path) -> None:
    service.wait_for("danvan bắt đầu")
    second = subprocess.run(
        [sys.executable, "-m", "scheduler", "run", "-c", str(project_dir / "config.yaml")],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=90,  # it checks both files before it meets the lock; a loaded CI machine may take a while
    )
    assert second.returncode == 1, second.stderr
    assert f"PID {service.process.pid}" in second.stderr
    assert service.stop() == 0


def test_the_daemons_log_lines_are_in_the_config_zone_with_the_offset(service: Service) -> None:
    service.wait_for("danvan bắt đầu")
    (started,) = [line for line in service.seen if "danvan bắt đầu" in line]
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+0700 INFO ", started), started
    assert service.stop() == 0


def test_the_next_slots_card_is_drawn_ahead_of_its_slot(project_dir: Path) -> None:
    from scheduler.cards import CardStore, card_directory
    from scheduler.posting.planner import Slot
    from scheduler.posting.prerender import draw_ahead

    config_path = write_config(project_dir, '{times: ["08:00", "19:30"]}')
    daemon = Daemon(config_path, clock=lambda: at(15, 7))
    daemon.prepare()
    project = daemon.project
    slogan = project.slogans.get("dang-quang-vinh")
    assert slogan is not None
    store = CardStore(card_directory(project.config.database))
    channel = project.config.channels[0]
    for hour, drawn in ((19, True), (12 + 24, False)):  # within the next 24 h: drawn; later: not yet
        slot = Slot(at(15, 0) + dt.timedelta(hours=hour), "outbox", slogan.id, slogan.text)
        for path in store.directory.glob("*"):
            path.unlink()
        draw_ahead(store, project.config, channel, slot, daemon.now())
        assert store.path_for(slogan.text, channel.card).exists() is drawn


# --- the database removed or replaced under the running service ---------------------------------

# The real command line, with a heartbeat (the tick that compares the database file) every 0.2 s instead of
# every 30 s, so the test does not wait a minute; the daemon itself is unchanged.
FAST_HEARTBEAT = (
    "import datetime, functools\n"
    "from scheduler.daemon import Daemon\n"
    "Daemon.__init__ = functools.partialmethod(Daemon.__init__, heartbeat_every=datetime.timedelta(seconds=0.2))\n"
    "from scheduler.cli import cli\n"
    "cli(prog_name='danvan')\n"
)


def alerting_service(project_dir: Path, port: int) -> Service:
    alerts = (
        f"alerts: {{email: {{smtp_host: 127.0.0.1, smtp_port: {port}, starttls: false, "
        "from: danvan@example.gov.vn, to: [canbo@example.gov.vn]}}\n"
    )
    return Service(write_config(project_dir, "{interval: 1s}", alerts), launcher=("-c", FAST_HEARTBEAT))


def database_files(project_dir: Path) -> list[Path]:
    return [project_dir / "data" / name for name in ("danvan.db", "danvan.db-wal", "danvan.db-shm")]


def test_a_database_removed_under_the_daemon_stops_it_with_an_alarm_and_is_not_recreated(
    project_dir: Path, smtp: tuple[Inbox, int]
) -> None:
    received, port = smtp
    service = alerting_service(project_dir, port)
    try:
        service.wait_for("đã đăng khẩu hiệu")
        for path in database_files(project_dir):
            path.unlink(missing_ok=True)
        assert service.process.wait(timeout=20) != 0
    finally:
        if service.process.poll() is None:
            service.process.kill()
    service.wait_for("CẦN XỬ LÝ")
    alarm = next(line for line in service.seen if "CẦN XỬ LÝ" in line)
    assert "CRITICAL" in alarm or "ERROR" in alarm or "<2>" in alarm or "<3>" in alarm
    assert "đã bị xoá" in alarm and "danvan.db" in alarm
    assert not any(path.exists() for path in database_files(project_dir))
    assert len(received.messages) == 1
    mail = email.message_from_bytes(received.messages[0], policy=email.policy.default)
    body = mail.get_body()
    assert body is not None and "đã bị xoá" in body.get_content()


def test_a_database_replaced_under_the_daemon_stops_it_and_the_new_file_is_left_alone(
    project_dir: Path, smtp: tuple[Inbox, int]
) -> None:
    _, port = smtp
    service = alerting_service(project_dir, port)
    database = project_dir / "data" / "danvan.db"
    try:
        service.wait_for("đã đăng khẩu hiệu")
        with Ledger.open(project_dir / "other.db"):  # an officer "restores" some other file over it
            pass
        os.replace(project_dir / "other.db", database)
        for journal in database_files(project_dir)[1:]:  # the old file's WAL would otherwise be read into the new
            journal.unlink(missing_ok=True)
        replaced = database.stat()
        assert service.process.wait(timeout=20) != 0
    finally:
        if service.process.poll() is None:
            service.process.kill()
    service.wait_for("thay bằng một tệp khác")
    with Ledger.open(database) as ledger:
        assert ledger.list_posts() == []  # nothing was written into the stranger
    assert (database.stat().st_ino, database.stat().st_dev) == (replaced.st_ino, replaced.st_dev)
