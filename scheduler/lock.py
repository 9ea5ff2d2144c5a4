"""One daemon per database: an exclusive `flock` on `<database>.lock`, held for the process lifetime.

`flock` rather than a pid file because the kernel drops the lock when the process dies in any way,
kill -9 and power loss included, so a crash never leaves a stale lock an officer must delete by
hand. The file's content (pid, host, start time) is only there to tell the officer *which* process
holds the lock; the lock itself is the truth.

Limits: flock is per host and unreliable on network file systems, so keep the database on a local
disk. The lock file is never deleted: deleting it would let a second process lock a fresh inode
while the first still holds the old one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from scheduler.errors import DanvanError
from scheduler.timefmt import moment_text


class AlreadyRunningError(DanvanError):
    """Another danvan process holds the database; carries what is known of it."""

    def __init__(
        self, db_path: Path, pid: int | None = None, host: str | None = None, started_at: datetime | None = None
    ) -> None:
        self.db_path = db_path
        self.pid = pid
        self.host = host
        self.started_at = started_at
        super().__init__(_already_running_message(db_path, pid, host, started_at))


def _already_running_message(db_path: Path, pid: int | None, host: str | None, started_at: datetime | None) -> str:
    # "(PID 1234 trên máy srv, từ 2021-10-01 08:00)", leaving out whatever the holder did not record
    who = []
    if pid is not None:
        who.append(f"PID {pid}")
    if host is not None:
        who.append(f"trên máy {host}")
    details = [" ".join(who)] if who else []
    if started_at is not None:
        details.append(f"từ {moment_text(started_at)}")
    holder = f" ({', '.join(details)})" if details else ""
    return f"một tiến trình danvan khác đang chạy trên cơ sở dữ liệu {db_path}{holder}; dừng nó trước khi chạy lại"


@dataclass
class DaemonLock:
    """The held lock; `close()` (or leaving the `with` block, or dying) releases it."""

    path: Path
    pid: int
    host: str
    started_at: datetime
    _fd: int | None

    def close(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.close(fd)  # closing the only descriptor of the open file releases the flock

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def lock_path(db_path: Path) -> Path:
    """The lock file that guards `db_path`: a sibling named `<database file name>.lock`."""
    return db_path.with_name(f"{db_path.name}.lock")


def acquire_daemon_lock(db_path: Path, *, now: datetime | None = None) -> DaemonLock:
    """Take the database's daemon lock or raise AlreadyRunningError naming the holder.

    `now` is the start time recorded for the officer; it defaults to the local clock.
    """
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # No O_TRUNC: until we hold the lock, the file describes the process that does.
    # os.open descriptors are not inherited by child processes, so a spawned helper never
    # keeps the lock alive after the daemon is gone.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _read_holder(fd)
        os.close(fd)
        raise AlreadyRunningError(db_path, *holder) from None
    except BaseException:
        os.close(fd)
        raise
    started_at = now if now is not None else datetime.now().astimezone()
    lock = DaemonLock(path=path, pid=os.getpid(), host=socket.gethostname(), started_at=started_at, _fd=fd)
    try:
        _write_holder(fd, lock)
    except BaseException:
        lock.close()
        raise
    return lock


def _write_holder(fd: int, lock: DaemonLock) -> None:
    record = {"pid": lock.pid, "host": lock.host, "started_at": lock.started_at.isoformat(timespec="seconds")}
    data = json.dumps(record, ensure_ascii=False).encode("utf-8")
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)
    os.fsync(fd)


def _read_holder(fd: int) -> tuple[int | None, str | None, datetime | None]:
    """What the holder wrote, as far as it can be read: the holder may not have written it yet."""
    try:
        record = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None, None, None
    if not isinstance(record, dict):
        return None, None, None
    pid, host, since = record.get("pid"), record.get("host"), record.get("started_at")
    started_at = None
    if isinstance(since, str):
        with contextlib.suppress(ValueError):
            started_at = datetime.fromisoformat(since)
    return (pid if isinstance(pid, int) else None, host if isinstance(host, str) else None, started_at)


def daemon_holder(db_path: Path) -> tuple[int | None, str | None, datetime | None] | None:
    """(pid, host, since) of the daemon holding the database, or None when no daemon runs on it.

    Probes with a shared lock, which fails while a daemon holds its exclusive one and changes nothing.
    """
    path = lock_path(db_path)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
