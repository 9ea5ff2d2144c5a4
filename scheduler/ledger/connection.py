"""How the ledger talks to SQLite: one configured connection per opener, and explicit write transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from sqlite_utils import Database

from scheduler.ledger.identity import open_sqlite
from scheduler.ledger.schema import migrations

# Long enough to ride out another writer's short transaction (the CLI logging while the daemon
# claims), short enough that a stuck writer surfaces as an error instead of a hang.
BUSY_TIMEOUT_SECONDS: Final = 5.0


def connect(path: Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Database:
    """Open (creating if needed) the database at `path` and bring its schema up to date."""
    # Without hidden transactions (see open_sqlite); a path the running daemon guards is never created.
    conn = open_sqlite(path, busy_timeout)
    # No sqlite-utils plugins: the ledger's connection must behave the same on every machine.
    db = Database(conn, execute_plugins=False)
    try:
        _configure(db)
        with immediate(db):
            # Inside one write transaction, so two processes opening a blank file at the same
            # moment cannot both try to apply the same migration.
            migrations.apply(db)
    except BaseException:
        db.close()
        raise
    return db


def _configure(db: Database) -> None:
    # SQLite leaves foreign keys off per connection; readings must point at real posts.
    db.execute("PRAGMA foreign_keys = ON")
    # WAL: the CLI can read the log while the daemon writes, and a kill -9 loses nothing committed.
    db.enable_wal()
    # FULL, not WAL's usual NORMAL: a committed `sending` claim must survive a power cut too, or the
    # slot could be posted a second time after the reboot.
    db.execute("PRAGMA synchronous = FULL")


@contextmanager
def immediate(db: Database) -> Iterator[None]:
    """A write transaction taken up front (BEGIN IMMEDIATE).

    A plain BEGIN would let two connections both read `planned` and then race to upgrade to a
    write lock; IMMEDIATE takes the write lock before the read, so the second one waits (up to the
    busy timeout) and then sees the first one's result.
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.rollback()
        raise
    try:
        db.conn.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise
