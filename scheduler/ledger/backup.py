"""A consistent copy of the ledger while the daemon writes to it: SQLite's online backup API.

The copy is taken from one read snapshot of the live database (WAL included), checked with
`PRAGMA integrity_check`, and only then renamed into place, so a backup file is either whole and
sound or absent. The source is opened read-only: a backup never creates or migrates a database.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from scheduler.errors import LedgerError
from scheduler.files import replacing


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int  # bytes
    posts: int
    approvals: int | None  # None where the database predates approvals


def backup_database(source: Path, target: Path) -> Backup:
    """Copy the database at `source` to `target` (replacing it); raises LedgerError in Vietnamese."""
    if not source.is_file():
        raise LedgerError(f"không có cơ sở dữ liệu {source} để sao lưu")
    if target.resolve() == source.resolve():
        raise LedgerError("tệp sao lưu phải khác tệp cơ sở dữ liệu đang dùng")
    target.parent.mkdir(parents=True, exist_ok=True)
    with replacing(target) as temporary:
        _copy(source, temporary)
        _verify(temporary)
    return _describe(target)


def _copy(source: Path, target: Path) -> None:
    reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    writer = sqlite3.connect(target)
    try:
        # pages=-1: the whole database in one step, so the copy is one snapshot, not pages from several.
        reader.backup(writer, pages=-1)
        # The copy is a standalone file: no -wal beside it to lose when it is moved or mailed.
        writer.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.Error as exc:
        raise LedgerError(f"không sao lưu được {source}: {exc}") from exc
    finally:
        writer.close()
        reader.close()


def _verify(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        (result,) = connection.execute("PRAGMA integrity_check").fetchone()
    finally:
        connection.close()
    if result != "ok":
        raise LedgerError(f"bản sao lưu không nguyên vẹn (integrity_check: {result}); tệp cũ được giữ nguyên")


def _describe(path: Path) -> Backup:
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        posts = connection.execute("SELECT count(*) FROM posts").fetchone()[0]
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        approvals = (
            connection.execute("SELECT count(*) FROM approvals").fetchone()[0] if "approvals" in tables else None
        )
    finally:
        connection.close()
    return Backup(path, path.stat().st_size, posts, approvals)
