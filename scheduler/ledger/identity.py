"""Whether the ledger file is still the one the daemon opened, and never recreating one that should exist.

SQLite creates a missing database on open. For a running daemon that is a silent disaster: an officer's
`rm`, a restore gone wrong or a full-disk clean-up leaves an empty ledger, so the Zalo token pair (which
exists nowhere else) is lost and every slot's history with it. So once the daemon has opened its ledger,
the path is guarded: later opens in this process refuse to create it, and the daemon compares the path's
(device, inode) with the file it opened to notice a removed or replaced file and stop.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from scheduler.errors import DanvanError

_guarded: set[Path] = set()  # databases this process must never create (the running daemon's)
_guarded_lock = threading.Lock()


class DatabaseGoneError(DanvanError):
    """The ledger file was removed or replaced under a running process; nothing may be recreated."""


@dataclass(frozen=True)
class DatabaseIdentity:
    """The file behind a path: the same (device, inode) is the same file, whatever was written to it."""

    device: int
    inode: int


def database_identity(path: Path) -> DatabaseIdentity | None:
    """The identity of the file at `path` now, or None when there is none."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return DatabaseIdentity(stat.st_dev, stat.st_ino)


def expect_existing(path: Path) -> None:
    """From now on this process never creates the database at `path`: opening it requires the file."""
    with _guarded_lock:
        _guarded.add(path.absolute())


def require_same_database(path: Path, opened: DatabaseIdentity) -> None:
    """Raise DatabaseGoneError if the file at `path` is not the one opened (removed, or another in its place)."""
    now = database_identity(path)
    if now == opened:
        return
    if now is None:
        raise DatabaseGoneError(
            f"cơ sở dữ liệu {path} đã bị xoá hoặc di chuyển khi danvan đang chạy; danvan dừng lại và không tạo "
            "tệp mới (tệp mới sẽ mất mã truy cập Zalo và lịch sử đăng). Hãy khôi phục tệp từ bản sao lưu "
            "(danvan backup) rồi khởi động lại danvan"
        )
    raise DatabaseGoneError(
        f"cơ sở dữ liệu {path} đã bị thay bằng một tệp khác khi danvan đang chạy; danvan dừng lại để không ghi "
        "vào tệp lạ. Hãy kiểm tra tệp đó (hoặc khôi phục bản sao lưu) rồi khởi động lại danvan"
    )


def open_sqlite(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """Connect to the database file; a guarded path is opened read-write only, never created."""
    # isolation_level=None: the driver opens no hidden transactions; every transaction is explicit.
    with _guarded_lock:
        guarded = path.absolute() in _guarded
    if not guarded:
        path.parent.mkdir(parents=True, exist_ok=True)
        return sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None)
    uri = f"{path.absolute().as_uri()}?mode=rw"  # mode=rw: SQLite's own refusal to create the file
    try:
        return sqlite3.connect(uri, uri=True, timeout=busy_timeout, isolation_level=None)
    except sqlite3.OperationalError as exc:
        if database_identity(path) is None:
            raise DatabaseGoneError(
                f"cơ sở dữ liệu {path} không còn; danvan không tạo tệp mới khi đang chạy. Hãy khôi phục tệp từ "
                "bản sao lưu rồi khởi động lại danvan"
            ) from exc
        raise


@dataclass
class DatabaseGuard:
    """The running daemon's watch over its ledger file: armed once the file exists, checked on every tick."""

    path: Path
    opened: DatabaseIdentity | None = None

    def arm(self) -> None:
        """From now on the file must stay the one at `path` now: never recreated, never silently swapped."""
        expect_existing(self.path)
        self.opened = database_identity(self.path)
        if self.opened is None:
            raise DatabaseGoneError(f"cơ sở dữ liệu {self.path} không còn ngay khi danvan vừa mở nó")

    def check(self) -> None:
        """Raise DatabaseGoneError if the file was removed or replaced since `arm` (nothing before it)."""
        if self.opened is not None:
            require_same_database(self.path, self.opened)
