from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.errors import DanvanError
from scheduler.lock import AlreadyRunningError, acquire_daemon_lock, lock_path

REPO = Path(__file__).resolve().parent.parent
STARTED = datetime(2021, 10, 1, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))

# A second process: takes the lock, says so on stdout, then holds it until its stdin closes.
HOLD = """
import sys
from pathlib import Path
from scheduler.lock import acquire_daemon_lock
lock = acquire_daemon_lock(Path(sys.argv[1]))
print("held", flush=True)
sys.stdin.read()
lock.close()
"""

# A second process: tries to take the lock once and reports what happened.
TRY = """
import sys
from pathlib import Path
from scheduler.lock import AlreadyRunningError, acquire_daemon_lock
try:
    acquire_daemon_lock(Path(sys.argv[1])).close()
except AlreadyRunningError as exc:
    print(exc)
    sys.exit(3)
print("acquired")
"""


@contextmanager
def holder(db_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A child process holding the lock; it has the lock once this yields."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db_path)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "held\n"
        yield child
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()


def try_in_child(db_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", TRY, str(db_path)], cwd=REPO, capture_output=True, text=True, timeout=60
    )


def test_lock_file_is_a_sibling_of_the_database(db_path: Path) -> None:
    assert lock_path(db_path) == db_path.parent / "danvan.db.lock"


def test_acquire_records_pid_host_and_start_time(db_path: Path) -> None:
    with acquire_daemon_lock(db_path, now=STARTED) as lock:
        record = json.loads(lock_path(db_path).read_text(encoding="utf-8"))
        assert lock.held
    assert record == {"pid": os.getpid(), "host": socket.gethostname(), "started_at": "2021-10-01T08:00:00+07:00"}
    assert (lock.pid, lock.host, lock.started_at) == (os.getpid(), socket.gethostname(), STARTED)


def test_another_process_is_refused_while_we_hold_the_lock(db_path: Path) -> None:
    with acquire_daemon_lock(db_path, now=STARTED):
        result = try_in_child(db_path)
    assert result.returncode == 3, result.stderr
    assert result.stdout.strip() == (
        f"một tiến trình danvan khác đang chạy trên cơ sở dữ liệu {db_path} "
        f"(PID {os.getpid()} trên máy {socket.gethostname()}, từ 01/10/2021 08:00); dừng nó trước khi chạy lại"
    )


def test_we_are_refused_while_another_process_holds_it(db_path: Path) -> None:
    with holder(db_path) as child, pytest.raises(AlreadyRunningError) as raised:
        acquire_daemon_lock(db_path)
    error = raised.value
    assert isinstance(error, DanvanError)
    assert (error.pid, error.host, error.db_path) == (child.pid, socket.gethostname(), db_path)
    assert f"PID {child.pid} trên máy {socket.gethostname()}" in str(error)
    assert str(db_path) in str(error)


def test_the_lock_is_free_again_after_the_holder_closes_it(db_path: Path) -> None:
    with holder(db_path) as child:
        assert child.stdin is not None
        child.stdin.close()  # the child closes its lock and exits
        assert child.wait(timeout=30) == 0
        lock = acquire_daemon_lock(db_path)
    assert lock.pid == os.getpid()
    lock.close()


def test_the_lock_is_free_again_after_kill_9(db_path: Path) -> None:
    with holder(db_path) as child:
        child.kill()  # SIGKILL: no cleanup code runs in the child
        child.wait(timeout=30)
        with acquire_daemon_lock(db_path) as lock:
            assert lock.held
            record = json.loads(lock_path(db_path).read_text(encoding="utf-8"))
    assert record["pid"] == os.getpid()


def test_close_releases_and_is_idempotent(db_path: Path) -> None:
    lock = acquire_daemon_lock(db_path)
    lock.close()
    lock.close()
    assert not lock.held
    assert try_in_child(db_path).stdout.strip() == "acquired"


def test_a_second_acquire_in_the_same_process_is_refused(db_path: Path) -> None:
    with acquire_daemon_lock(db_path), pytest.raises(AlreadyRunningError, match=f"PID {os.getpid()}"):
        acquire_daemon_lock(db_path)


def test_refusal_without_readable_holder_details_still_names_the_database(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    path = lock_path(db_path)
    path.write_text("not json", encoding="utf-8")
    with path.open("rb") as raw:
        fcntl.flock(raw.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(AlreadyRunningError) as raised:
            acquire_daemon_lock(db_path)
    assert str(raised.value) == (
        f"một tiến trình danvan khác đang chạy trên cơ sở dữ liệu {db_path}; dừng nó trước khi chạy lại"
    )
    assert raised.value.pid is None


def test_a_refused_attempt_leaves_the_holder_record_intact(db_path: Path) -> None:
    with acquire_daemon_lock(db_path, now=STARTED):
        before = lock_path(db_path).read_bytes()
        with pytest.raises(AlreadyRunningError):
            acquire_daemon_lock(db_path)
        assert lock_path(db_path).read_bytes() == before
