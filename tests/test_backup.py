"""danvan backup: a consistent copy while another connection keeps writing; nothing created from nothing."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.files import SymlinkRefusedError
from scheduler.ledger import Ledger, LedgerError
from scheduler.ledger.backup import backup_database
from scheduler.project import load_project

START = dt.datetime(2021, 10, 1, 8, 0, tzinfo=dt.UTC)


def claim_and_post(ledger: Ledger, index: int) -> None:
    slot = START + dt.timedelta(minutes=index)
    row = ledger.claim("outbox", slot, "dan-van-kheo", "h" * 64, "c", slot)
    assert row is not None
    ledger.mark_posted(row.id, f"remote-{index}", slot)


def test_a_backup_taken_while_a_writer_runs_is_whole_and_sound(tmp_path: Path) -> None:
    database = tmp_path / "danvan.db"
    with Ledger.open(database) as ledger:
        for index in range(200):
            claim_and_post(ledger, index)
    stop = threading.Event()

    def keep_writing() -> None:
        with Ledger.open(database) as writer:
            index = 200
            while not stop.is_set() and index < 5000:
                claim_and_post(writer, index)
                index += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        copies = [backup_database(database, tmp_path / f"copy-{n}.db") for n in range(3)]
    finally:
        stop.set()
        writer.join()
    for copy in copies:
        connection = sqlite3.connect(copy.path)
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        statuses = connection.execute("SELECT status, count(*) FROM posts GROUP BY status").fetchall()
        # whole and sound, none of the rows committed before the backup began is missing
        assert copy.posts >= 200 and dict(statuses).get("posted", 0) >= 200
        assert not list(tmp_path.glob(f".{copy.path.name}.*"))
        assert not copy.path.with_name(copy.path.name + "-wal").exists()
    assert copies[-1].posts >= copies[0].posts


def test_backup_never_creates_a_database_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="không có cơ sở dữ liệu"):
        backup_database(tmp_path / "missing.db", tmp_path / "copy.db")
    assert list(tmp_path.iterdir()) == []


def test_backup_refuses_to_overwrite_the_database_itself_or_write_through_a_symlink(tmp_path: Path) -> None:
    database = tmp_path / "danvan.db"
    Ledger.open(database).close()
    with pytest.raises(LedgerError):
        backup_database(database, database)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (tmp_path / "link.db").symlink_to(victim)
    with pytest.raises(SymlinkRefusedError):
        backup_database(database, tmp_path / "link.db")
    assert victim.read_text() == "keep"


def test_backup_through_the_cli(project_dir: Path, tmp_path: Path) -> None:
    config = project_dir / "config.yaml"
    with Ledger.open(load_project(config, {}).config.database) as ledger:
        claim_and_post(ledger, 0)
    target = tmp_path / "sao-luu" / "danvan-2021-10-01.db"
    result = CliRunner().invoke(cli, ["backup", str(target), "-c", str(config)])
    assert result.exit_code == 0, result.output
    assert "Đã sao lưu" in result.stdout and "1 lượt đăng" in result.stdout
    with Ledger.open(target) as copy:
        assert [p.remote_id for p in copy.list_posts()] == ["remote-0"]
